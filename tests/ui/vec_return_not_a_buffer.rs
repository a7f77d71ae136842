use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> Vec<f64> {
    let v = vec![x, 2.0 * x];
    v.iter().rev().copied().chain([x]).collect::<Vec<f64>>().clone()
}

fn main() {}
