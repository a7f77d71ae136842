use gradmacro::differentiate;

const N: usize = 2;

#[differentiate]
fn f(x: f64) -> [f64; N] {
    [x, x * x]
}

fn main() {}
