use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, k: Option<f64>) -> f64 {
    let Some(k) = k else { return x };
    x * k
}

fn main() {}
