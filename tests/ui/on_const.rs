use gradmacro::differentiate;

#[differentiate]
const K: f64 = 1.0;

fn main() {}
