use gradmacro::differentiate;

#[differentiate(wrt(a, b, a))]
fn f(a: f64, b: f64) -> f64 {
    a * b
}

fn main() {}
