use gradmacro::differentiate;

struct Acc {
    total: f64,
}

#[differentiate]
fn f(x: f64) -> f64 {
    let mut acc = Acc { total: 0.0 };
    acc.total += x;
    acc.total
}

fn main() {}
