//! The GMM objective of ADBench (Šrajer, Kukelova, Fitzgibbon 2018; `/work/shared/GMM.md` restates
//! it), written in plain Rust the way a statistician would write it, with its gradient from
//! `#[differentiate]`. Shared by `tests/gmm_adbench.rs` (correctness) and `benches/gmm.rs`
//! (timing), both of which include this file with `#[path]`.
//!
//! Layout (ADBench's): `alphas` (k), `means` (k·d, component `j` at `j*d..`), `icf`
//! (k·d(d+1)/2: per component the `d` log-diagonal entries of `Q_j`, then its strictly lower
//! entries column by column), points `x` (n·d, point `i` at `i*d..`).

#![allow(dead_code, reason = "the test and the bench use different parts")]
#![allow(clippy::needless_range_loop, reason = "index arithmetic over the packed layout, as in ADBench")]

use gradmacro::differentiate;

/// `ln Σ exp(v_j)`, shifted by the maximum so that no `exp` overflows.
#[differentiate]
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let mx = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    mx + v.iter().map(|a| (a - mx).exp()).sum::<f64>().ln()
}

/// The ADBench GMM objective: the log-likelihood of the points under the mixture (with the
/// ADBench conventions: weights `softmax(alphas)`, precision factor `Q_j` lower triangular with
/// log-diagonal), plus the Wishart prior term. `log_wishart_c` is the constant `C` of GMM.md,
/// computed once by [`log_wishart_c`]: it depends on no parameter.
#[differentiate(wrt(alphas, means, icf))]
#[allow(clippy::too_many_arguments, reason = "ADBench's signature")]
pub fn gmm_objective(
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    d: usize,
    gamma: f64,
    m: i32,
    log_wishart_c: f64,
) -> f64 {
    let k = alphas.len();
    let n = x.len() / d;
    let icf_len = d * (d + 1) / 2;
    // ln det Q_j = Σ_r q_jr (Q_j is triangular with diagonal exp(q_j))
    let sum_qs: Vec<f64> = (0..k).map(|j| (0..d).map(|r| icf[j * icf_len + r]).sum::<f64>()).collect();

    let mut xc = vec![0.0; d];
    let mut qxc = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for i in 0..n {
        for j in 0..k {
            for r in 0..d {
                xc[r] = x[i * d + r] - means[j * d + r];
            }
            // Q_j (x_i - μ_j): the diagonal, then the strictly lower part column by column
            for r in 0..d {
                qxc[r] = icf[j * icf_len + r].exp() * xc[r];
            }
            let mut l = j * icf_len + d;
            for s in 0..d {
                for r in s + 1..d {
                    qxc[r] += icf[l] * xc[s];
                    l += 1;
                }
            }
            let sqnorm: f64 = qxc.iter().map(|v| v * v).sum();
            main_term[j] = alphas[j] + sum_qs[j] - 0.5 * sqnorm;
        }
        slse += log_sum_exp(&main_term);
    }

    // the Wishart prior: ½ γ² ‖Q_j‖_F² - m ln det Q_j per component
    let mut prior = 0.0;
    for j in 0..k {
        let diag: f64 = (0..d).map(|r| icf[j * icf_len + r].exp().powi(2)).sum();
        let lower: f64 = (d..icf_len).map(|t| icf[j * icf_len + t].powi(2)).sum();
        prior += 0.5 * gamma * gamma * (diag + lower) - f64::from(m) * sum_qs[j];
    }

    let const_term = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    const_term + slse - n as f64 * log_sum_exp(alphas) + prior - k as f64 * log_wishart_c
}

/// [`gmm_objective`] with its three buffers declared in the point loop, as a statistician who
/// does not hoist allocations writes it: each point's buffers are its own, so the point loop's
/// backward pass runs right after its forward pass (fused), where the hoisted buffers make the
/// backward pass replay each point. The same arithmetic in the same order: the same value, bit
/// for bit.
///
/// The ADBench GMM objective: the log-likelihood of the points under the mixture (with the
/// ADBench conventions: weights `softmax(alphas)`, precision factor `Q_j` lower triangular with
/// log-diagonal), plus the Wishart prior term. `log_wishart_c` is the constant `C` of GMM.md,
/// computed once by [`log_wishart_c`]: it depends on no parameter.
#[differentiate(wrt(alphas, means, icf))]
#[allow(clippy::too_many_arguments, reason = "ADBench's signature")]
pub fn gmm_objective_point_buffers(
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    d: usize,
    gamma: f64,
    m: i32,
    log_wishart_c: f64,
) -> f64 {
    let k = alphas.len();
    let n = x.len() / d;
    let icf_len = d * (d + 1) / 2;
    // ln det Q_j = Σ_r q_jr (Q_j is triangular with diagonal exp(q_j))
    let sum_qs: Vec<f64> = (0..k).map(|j| (0..d).map(|r| icf[j * icf_len + r]).sum::<f64>()).collect();

    let mut slse = 0.0;
    for i in 0..n {
        let mut xc = vec![0.0; d];
        let mut qxc = vec![0.0; d];
        let mut main_term = vec![0.0; k];
        for j in 0..k {
            for r in 0..d {
                xc[r] = x[i * d + r] - means[j * d + r];
            }
            // Q_j (x_i - μ_j): the diagonal, then the strictly lower part column by column
            for r in 0..d {
                qxc[r] = icf[j * icf_len + r].exp() * xc[r];
            }
            let mut l = j * icf_len + d;
            for s in 0..d {
                for r in s + 1..d {
                    qxc[r] += icf[l] * xc[s];
                    l += 1;
                }
            }
            let sqnorm: f64 = qxc.iter().map(|v| v * v).sum();
            main_term[j] = alphas[j] + sum_qs[j] - 0.5 * sqnorm;
        }
        slse += log_sum_exp(&main_term);
    }

    // the Wishart prior: ½ γ² ‖Q_j‖_F² - m ln det Q_j per component
    let mut prior = 0.0;
    for j in 0..k {
        let diag: f64 = (0..d).map(|r| icf[j * icf_len + r].exp().powi(2)).sum();
        let lower: f64 = (d..icf_len).map(|t| icf[j * icf_len + t].powi(2)).sum();
        prior += 0.5 * gamma * gamma * (diag + lower) - f64::from(m) * sum_qs[j];
    }

    let const_term = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    const_term + slse - n as f64 * log_sum_exp(alphas) + prior - k as f64 * log_wishart_c
}

/// `C = N·d·(ln γ - ½ ln 2) - ln Γ_d(N/2)` with `N = d + m + 1`: the Wishart prior's
/// normalising constant (per component), which depends on no parameter.
pub fn log_wishart_c(d: usize, gamma: f64, m: i32) -> f64 {
    let df = d as f64 + f64::from(m) + 1.0;
    df * d as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma(d, 0.5 * df)
}

/// `ln Γ_d(a) = ¼ d(d-1) ln π + Σ_{j=1..d} ln Γ(a + ½(1 - j))`.
pub fn ln_multigamma(d: usize, a: f64) -> f64 {
    let df = d as f64;
    0.25 * df * (df - 1.0) * std::f64::consts::PI.ln()
        + (1..=d).map(|j| ln_gamma(a + 0.5 * (1.0 - j as f64))).sum::<f64>()
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms: about 15 significant digits), which `std`
/// does not provide.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // reflection: Γ(x) Γ(1 - x) = π / sin(πx)
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let series = C[1..].iter().enumerate().fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

/// One ADBench-style problem: seeded points in [0, 1) and parameters near 0.
pub struct Problem {
    pub d: usize,
    pub k: usize,
    pub alphas: Vec<f64>,
    pub means: Vec<f64>,
    pub icf: Vec<f64>,
    pub x: Vec<f64>,
    pub gamma: f64,
    pub m: i32,
    pub log_wishart_c: f64,
}

impl Problem {
    /// A problem of `d` dimensions, `k` components and `n` points from SplitMix64 seeded with
    /// `seed`: points and means uniform in [0, 1), alphas and `icf` uniform in [-0.5, 0.5) ×
    /// a scale (ADBench draws its parameters near 0 as well); γ = 1, m = 0 as in ADBench's data.
    pub fn new(d: usize, k: usize, n: usize, seed: u64) -> Self {
        let mut rng = SplitMix64(seed);
        let mut draw =
            |len: usize, lo: f64, width: f64| -> Vec<f64> { (0..len).map(|_| lo + width * rng.uniform()).collect() };
        let alphas = draw(k, -0.5, 1.0);
        let means = draw(k * d, 0.0, 1.0);
        let icf = draw(k * d * (d + 1) / 2, -0.1, 0.2);
        let x = draw(n * d, 0.0, 1.0);
        let (gamma, m) = (1.0, 0);
        Problem { d, k, alphas, means, icf, x, gamma, m, log_wishart_c: log_wishart_c(d, gamma, m) }
    }

    /// Number of active parameters: k(1 + d + d(d+1)/2).
    pub fn params(&self) -> usize {
        self.alphas.len() + self.means.len() + self.icf.len()
    }

    pub fn objective(&self) -> f64 {
        gmm_objective(&self.alphas, &self.means, &self.icf, &self.x, self.d, self.gamma, self.m, self.log_wishart_c)
    }

    /// [`gmm_objective_point_buffers`] on this problem.
    pub fn objective_point_buffers(&self) -> f64 {
        gmm_objective_point_buffers(
            &self.alphas,
            &self.means,
            &self.icf,
            &self.x,
            self.d,
            self.gamma,
            self.m,
            self.log_wishart_c,
        )
    }

    /// `(value, d alphas, d means, d icf)` from the generated `gmm_objective_point_buffers_grad`.
    pub fn gradient_point_buffers(&self) -> (f64, Vec<f64>, Vec<f64>, Vec<f64>) {
        gmm_objective_point_buffers_grad(
            &self.alphas,
            &self.means,
            &self.icf,
            &self.x,
            self.d,
            self.gamma,
            self.m,
            self.log_wishart_c,
        )
    }

    /// `(value, d alphas, d means, d icf)` from the generated `gmm_objective_grad`.
    pub fn gradient(&self) -> (f64, Vec<f64>, Vec<f64>, Vec<f64>) {
        gmm_objective_grad(
            &self.alphas,
            &self.means,
            &self.icf,
            &self.x,
            self.d,
            self.gamma,
            self.m,
            self.log_wishart_c,
        )
    }
}

// The generator of the examples, so that every seeded data set in the repository comes from one
// place.
#[path = "../../examples/common/splitmix.rs"]
mod splitmix;
use splitmix::SplitMix64;
