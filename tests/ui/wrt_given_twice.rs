use gradmacro::differentiate;

#[differentiate(wrt(a), wrt(b))]
fn f(a: f64, b: f64) -> f64 {
    a * b
}

fn main() {}
