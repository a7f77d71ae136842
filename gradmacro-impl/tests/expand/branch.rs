#[differentiate]
fn hinge(x: f64, y: f64) -> f64 {
    let m = 1.0 - x * y;
    if m > 0.0 { m * m } else { 0.5 * x.max(y) }
}
