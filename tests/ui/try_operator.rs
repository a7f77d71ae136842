use gradmacro::differentiate;

fn scale(k: f64) -> Option<f64> {
    Some(k)
}

#[differentiate]
fn f(x: f64) -> f64 {
    let k = scale(x)?;
    k * x
}

fn main() {}
