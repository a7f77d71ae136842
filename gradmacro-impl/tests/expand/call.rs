#[differentiate]
fn loss(a: f64, b: f64, x: f64, target: f64) -> f64 {
    let p = neuron(a, b, 0.5, x, 1.0);
    let e = p - target;
    e * e
}
