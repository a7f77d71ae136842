#[differentiate]
fn layer(w: &[f64; 6], x: &[f64; 2]) -> f64 {
    let mut h = [0.0; 3];
    for k in 0..3 {
        h[k] = (w[2 * k] * x[0] + w[2 * k + 1] * x[1]).tanh();
    }
    h[0] + h[1] * h[2]
}
