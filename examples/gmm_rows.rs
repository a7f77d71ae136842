//! A diagnostic for BENCHMARKS.md's ADBench GMM section: how much of `gmm_objective_grad`'s cost
//! comes from the `xc` / `qxc` buffers of `benches/common/gmm_adbench.rs`? Here is the same
//! objective with each row of `Q_j (x_i - μ_j)` computed as a scalar (closed-form packed indices,
//! no buffer but the per-component terms), its gradient asserted equal to the buffered one, and
//! both timed with `Instant` (median of a few calls; criterion would take minutes for the large
//! sizes).
//!
//! `cargo run --release --example gmm_rows`

#![allow(clippy::needless_range_loop, reason = "index arithmetic over the packed layout")]

#[path = "../benches/common/gmm_adbench.rs"]
mod gmm_adbench;

use std::hint::black_box;
use std::time::Instant;

use gmm_adbench::{Problem, log_sum_exp, log_sum_exp_grad};
use gradmacro::differentiate;

/// `gmm_objective` with the rows of `Q_j (x_i - μ_j)` as scalars instead of buffers.
#[differentiate(wrt(alphas, means, icf))]
#[allow(clippy::too_many_arguments, reason = "ADBench's signature")]
fn gmm_rows(
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
    let per = d * (d + 1) / 2;
    let sum_qs: Vec<f64> = (0..k).map(|j| (0..d).map(|r| icf[j * per + r]).sum::<f64>()).collect();
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for i in 0..n {
        for j in 0..k {
            let mut sqnorm = 0.0;
            for r in 0..d {
                let mut row = icf[j * per + r].exp() * (x[i * d + r] - means[j * d + r]);
                // entry (r, s) of the strict lower part: column s starts at s(2d - s - 1)/2
                for s in 0..r {
                    row += icf[j * per + d + s * (2 * d - s - 1) / 2 + r - s - 1] * (x[i * d + s] - means[j * d + s]);
                }
                sqnorm += row * row;
            }
            main_term[j] = alphas[j] + sum_qs[j] - 0.5 * sqnorm;
        }
        slse += log_sum_exp(&main_term);
    }
    let mut prior = 0.0;
    for j in 0..k {
        let diag: f64 = (0..d).map(|r| icf[j * per + r].exp().powi(2)).sum();
        let lower: f64 = (d..per).map(|t| icf[j * per + t].powi(2)).sum();
        prior += 0.5 * gamma * gamma * (diag + lower) - f64::from(m) * sum_qs[j];
    }
    let const_term = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    const_term + slse - n as f64 * log_sum_exp(alphas) + prior - k as f64 * log_wishart_c
}

/// Median wall time of `reps` calls, in seconds.
fn median_time(mut f: impl FnMut() -> f64, reps: usize) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn main() {
    // `log_sum_exp_grad` is what both gradients call; named so the import is used in every build
    let _: fn(&[f64]) -> (f64, Vec<f64>) = log_sum_exp_grad;
    println!("| d | k | buffers: `f_grad` / `f` | rows: `f_grad` / `f` | rows' `f_grad` / buffers' `f` |");
    println!("|---:|---:|---:|---:|---:|");
    for (d, k) in [(2, 5), (2, 50), (10, 10), (20, 10), (64, 5)] {
        let p = Problem::new(d, k, 1000, 2018 + (d * 100 + k) as u64);
        let rows = |p: &Problem| gmm_rows(&p.alphas, &p.means, &p.icf, &p.x, d, p.gamma, p.m, p.log_wishart_c);
        let rows_grad =
            |p: &Problem| gmm_rows_grad(&p.alphas, &p.means, &p.icf, &p.x, d, p.gamma, p.m, p.log_wishart_c);
        let (v1, a1, m1, i1) = p.gradient();
        let (v2, a2, m2, i2) = rows_grad(&p);
        let (g1, g2) = ([a1, m1, i1].concat(), [a2, m2, i2].concat());
        let scale = g1.iter().fold(0.0_f64, |s, g| s.max(g.abs()));
        assert!((v1 - v2).abs() <= 1e-9 * v1.abs(), "d={d} k={k}: value {v1} vs {v2}");
        for (t, (a, b)) in g1.iter().zip(&g2).enumerate() {
            assert!((a - b).abs() <= 1e-9 * scale, "d={d} k={k}: component {t}: {a} vs {b}");
        }
        let reps = if d >= 20 { 5 } else { 21 };
        let f_buffers = median_time(|| black_box(&p).objective(), reps);
        let g_buffers = median_time(|| black_box(&p).gradient().0, reps);
        let f_rows = median_time(|| rows(black_box(&p)), reps);
        let g_rows = median_time(|| rows_grad(black_box(&p)).0, reps);
        println!(
            "| {d} | {k} | {:.1}× | {:.1}× | {:.1}× |",
            g_buffers / f_buffers,
            g_rows / f_rows,
            g_rows / f_buffers
        );
    }
}
