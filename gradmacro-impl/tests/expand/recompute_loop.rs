#[differentiate(wrt(a, b))]
fn squared_error(a: f64, b: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..xs.len() {
        let r = a * xs[i] + b - ys[i];
        loss += r * r;
    }
    loss / xs.len() as f64
}
