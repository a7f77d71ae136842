use gradmacro::differentiate;

#[differentiate]
fn f(x: Vec<f64>, k: f64) -> Vec<f64> {
    if k > 0.0 {
        return x;
    }
    vec![k]
}

fn main() {}
