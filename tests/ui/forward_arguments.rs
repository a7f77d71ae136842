use gradmacro::differentiate;

#[differentiate(forward(x))]
fn f(x: f64) -> f64 {
    x * x
}

#[differentiate(forward, wrt(x), forward)]
fn g(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {}
