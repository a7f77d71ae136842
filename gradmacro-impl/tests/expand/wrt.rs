#[differentiate(wrt(a, c))]
pub fn poly(a: f64, b: f64, c: f64, n: usize) -> f64 {
    a.powi(n as i32) + b * c + c.sqrt()
}
