use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> Vec<f64> {
    vec![x, x * x]
}

fn main() {}
