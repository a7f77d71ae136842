//! A Gaussian mixture fitted by gradient descent on its negative log-likelihood, written the way
//! a statistician writes it: run-time sizes (`d` dimensions, `k` components), a `vec!` buffer of
//! per-component log-densities, log-sum-exp through `fold(f64::NEG_INFINITY, f64::max)`, and
//! iterator chains. `#[differentiate]` writes the gradient with respect to the three parameter
//! slices.
//!
//! Run with `cargo run --release --example gmm`.

#[path = "common/splitmix.rs"]
mod splitmix;

use gradmacro::differentiate;
use splitmix::SplitMix64;

/// `-Σᵢ ln Σⱼ πⱼ N(xᵢ; μⱼ, diag σⱼ²)` with `π = softmax(logits)` and `σ = exp(log_sigma)`,
/// component `j`'s mean and log-deviations at `j*d..(j+1)*d`.
#[differentiate(wrt(logits, means, log_sigma))]
fn gmm_nll(logits: &[f64], means: &[f64], log_sigma: &[f64], x: &[f64], d: usize) -> f64 {
    let k = logits.len();
    let n = x.len() / d;
    assert_eq!(means.len(), k * d, "means: {} values for k = {k}, d = {d}", means.len());
    // ln softmax normaliser, stable
    let top = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_z = top + logits.iter().map(|a| (a - top).exp()).sum::<f64>().ln();
    let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
    let mut lp = vec![0.0; k];
    let mut nll = 0.0;
    for i in 0..n {
        for j in 0..k {
            let mut s = logits[j] - log_z;
            for r in 0..d {
                let z = (x[i * d + r] - means[j * d + r]) / log_sigma[j * d + r].exp();
                s -= 0.5 * z * z + log_sigma[j * d + r] + half_ln_2pi;
            }
            lp[j] = s;
        }
        let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = lp.iter().map(|v| (v - m).exp()).sum();
        nll -= m + total.ln();
    }
    nll
}

/// `n` points in 2-D from two well-separated clusters (Box–Muller on SplitMix64).
fn data(n: usize) -> Vec<f64> {
    let mut rng = SplitMix64(7);
    let mut x = Vec::with_capacity(2 * n);
    for i in 0..n {
        let centre = if i % 2 == 0 { [-2.0, 1.0] } else { [2.5, -1.0] };
        for c in centre {
            let (u, v) = (rng.uniform().max(1e-12), rng.uniform());
            x.push(c + 0.6 * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos());
        }
    }
    x
}

/// Plain gradient descent from a deliberately poor start; the NLL after each block of steps.
fn fit(x: &[f64], steps: usize, rate: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut logits, mut means, mut log_sigma) = (vec![0.0, 0.0], vec![-0.5, 0.0, 0.5, 0.0], vec![0.0; 4]);
    let n = (x.len() / 2) as f64;
    let mut history = Vec::new();
    for step in 0..steps {
        let (nll, dl, dm, ds) = gmm_nll_grad(&logits, &means, &log_sigma, x, 2);
        if step % 10 == 0 {
            history.push(nll / n);
        }
        for (p, g) in logits.iter_mut().zip(&dl) {
            *p -= rate * g / n;
        }
        for (p, g) in means.iter_mut().zip(&dm) {
            *p -= rate * g / n;
        }
        for (p, g) in log_sigma.iter_mut().zip(&ds) {
            *p -= rate * g / n;
        }
    }
    history.push(gmm_nll(&logits, &means, &log_sigma, x, 2) / n);
    (logits, means, log_sigma, history)
}

fn main() {
    let x = data(400);
    let (_, means, log_sigma, history) = fit(&x, 60, 0.5);
    for (i, h) in history.iter().enumerate() {
        println!("step {:>3}: mean NLL {h:.4}", i * 10);
    }
    println!(
        "means: ({:.2}, {:.2}) and ({:.2}, {:.2}); the data's centres are (-2, 1) and (2.5, -1)",
        means[0], means[1], means[2], means[3]
    );
    let sigmas: Vec<String> = log_sigma.iter().map(|s| format!("{:.2}", s.exp())).collect();
    println!("deviations: {} (the data's: 0.6)", sigmas.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of `gmm_nll` in every parameter, at a point away from the start.
    #[test]
    fn gradient_matches_finite_differences() {
        let x = data(30);
        let (logits, means, log_sigma) = (vec![0.3, -0.2], vec![-1.0, 0.5, 1.5, -0.7], vec![0.1, -0.2, 0.3, 0.0]);
        let (v, dl, dm, ds) = gmm_nll_grad(&logits, &means, &log_sigma, &x, 2);
        assert_eq!(v, gmm_nll(&logits, &means, &log_sigma, &x, 2));
        let fd = |which: usize, i: usize| {
            let h = 1e-6;
            let mut p = [logits.clone(), means.clone(), log_sigma.clone()];
            p[which][i] += h;
            let up = gmm_nll(&p[0], &p[1], &p[2], &x, 2);
            p[which][i] -= 2.0 * h;
            let down = gmm_nll(&p[0], &p[1], &p[2], &x, 2);
            (up - down) / (2.0 * h)
        };
        for (which, g) in [&dl, &dm, &ds].into_iter().enumerate() {
            for (i, gi) in g.iter().enumerate() {
                let want = fd(which, i);
                assert!((gi - want).abs() <= 1e-6 * (1.0 + want.abs()), "param {which}[{i}]: {gi} vs {want}");
            }
        }
    }

    /// Training finds the two clusters: the NLL falls and the means land near the centres.
    #[test]
    fn descent_fits_the_clusters() {
        let x = data(400);
        let (_, means, _, history) = fit(&x, 60, 0.5);
        assert!(history.windows(2).all(|w| w[1] <= w[0] + 1e-12), "NLL rose: {history:?}");
        let found = [(means[0], means[1]), (means[2], means[3])];
        for (cx, cy) in [(-2.0, 1.0), (2.5, -1.0)] {
            assert!(found.iter().any(|(a, b)| (a - cx).abs() < 0.2 && (b - cy).abs() < 0.2), "{found:?}");
        }
    }
}
