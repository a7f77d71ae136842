use gradmacro::differentiate;

#[differentiate(respect_to(a))]
fn f(a: f64, b: f64) -> f64 {
    a * b
}

fn main() {}
