#[differentiate]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    let q = a * x + b * y + c;
    1.0 / (1.0 + (-q).exp())
}
