#[differentiate]
fn energy(&self, x: f64, v: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, &vi) in v.iter().enumerate() {
        s += self.weight(i) * vi * x.cos();
    }
    s
}
