use gradmacro::differentiate;

// `ss` depends on `mu` through the closure: rejected, never a silent 0.
#[differentiate(wrt(mu, sigma))]
fn gaussian_nll(mu: f64, sigma: f64, data: &[f64]) -> f64 {
    let n = data.len() as f64;
    let ss: f64 = data.iter().map(|x| (x - mu).powi(2)).sum();
    n * sigma.ln() + ss / (2.0 * sigma * sigma)
}

#[differentiate(wrt(mu))]
fn turbofish(mu: f64, data: &[f64]) -> f64 {
    data.iter().map(|x| (x - mu).powi(2)).sum::<f64>()
}

fn main() {}
