#[differentiate]
fn iterate(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}
