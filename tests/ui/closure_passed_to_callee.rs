use gradmacro::differentiate;

fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    let h = (hi - lo) / n as f64;
    (0..n).map(|i| f(lo + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

#[differentiate(wrt(k))]
fn integral(k: f64, lo: f64, hi: f64) -> f64 {
    integrate(|t| (k * t).exp(), lo, hi, 100)
}

fn main() {}
