//! The ADBench GMM objective (`benches/common/gmm_adbench.rs`, also timed by `benches/gmm.rs`):
//! its value against an independent implementation written here, its gradient against num-dual
//! (one `Dual64` pass per parameter through that independent implementation) and against central
//! finite differences of the objective, every component, at small sizes.

#![allow(clippy::needless_range_loop, reason = "index arithmetic over the packed layout")]

#[path = "../benches/common/gmm_adbench.rs"]
mod gmm_adbench;

use gmm_adbench::{Problem, gmm_objective, ln_gamma, log_wishart_c};
use num_dual::{Dual64, DualNum};

/// `ln Γ(a)` for a positive multiple of ½ by the recursion `Γ(a + 1) = a Γ(a)` from `Γ(1) = 1`
/// and `Γ(½) = √π`: exact up to rounding, and independent of the Lanczos series under test.
fn ln_gamma_half_integer(a: f64) -> f64 {
    let twice = (2.0 * a).round();
    assert!((2.0 * a - twice).abs() < 1e-12 && twice >= 1.0, "{a} is not a positive multiple of 1/2");
    let (mut x, mut acc) = if twice % 2.0 == 0.0 { (1.0, 0.0) } else { (0.5, 0.5 * std::f64::consts::PI.ln()) };
    while x < a - 0.25 {
        acc += x.ln();
        x += 1.0;
    }
    acc
}

/// The objective written independently of the module under test, generic so that num-dual can
/// run it: `Q_j (x_i - μ_j)` row by row with the packed index of each lower entry computed in
/// closed form (the module runs column by column with a running index), the log-sum-exps with
/// the maximum of the real parts as the shift (the shift cancels in value and derivative), and
/// `C` from half-integer Gamma values.
#[allow(clippy::too_many_arguments, reason = "the objective's own signature")]
fn reference<T: DualNum<Primitive = f64> + Copy>(
    alphas: &[T],
    means: &[T],
    icf: &[T],
    x: &[f64],
    d: usize,
    gamma: f64,
    m: i32,
) -> T {
    let k = alphas.len();
    let n = x.len() / d;
    let per = d * (d + 1) / 2;
    let lse = |v: &[T]| -> T {
        let top = v.iter().map(|t| t.re()).fold(f64::NEG_INFINITY, f64::max);
        let s: T = v.iter().map(|&t| (t - top).exp()).sum();
        s.ln() + top
    };
    // strictly lower entry (r, s), r > s, of component j: column s starts at s(2d - s - 1)/2
    let lower = |j: usize, r: usize, s: usize| icf[j * per + d + s * (2 * d - s - 1) / 2 + (r - s - 1)];
    let mut total = T::from(-(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln());
    for i in 0..n {
        let mut terms = Vec::with_capacity(k);
        for j in 0..k {
            let c: Vec<T> = (0..d).map(|r| -means[j * d + r] + x[i * d + r]).collect();
            let mut sq = T::from(0.0);
            let mut sum_q = T::from(0.0);
            for r in 0..d {
                let mut row = icf[j * per + r].exp() * c[r];
                for s in 0..r {
                    row += lower(j, r, s) * c[s];
                }
                sq += row * row;
                sum_q += icf[j * per + r];
            }
            terms.push(alphas[j] + sum_q - sq * 0.5);
        }
        total += lse(&terms);
    }
    total -= lse(alphas) * n as f64;
    let df = d as f64 + f64::from(m) + 1.0;
    let ln_multigamma = 0.25 * (d * (d - 1)) as f64 * std::f64::consts::PI.ln()
        + (1..=d).map(|j| ln_gamma_half_integer(0.5 * df + 0.5 * (1.0 - j as f64))).sum::<f64>();
    let c_const = df * d as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multigamma;
    for j in 0..k {
        let mut frob = T::from(0.0);
        let mut sum_q = T::from(0.0);
        for t in 0..per {
            let v = icf[j * per + t];
            frob += if t < d { (v * 2.0).exp() } else { v * v };
            if t < d {
                sum_q += v;
            }
        }
        total += frob * (0.5 * gamma * gamma) - sum_q * f64::from(m) - c_const;
    }
    total
}

/// The sizes of the checks (d, k, n), with a non-default prior on some.
const SIZES: [(usize, usize, usize, f64, i32); 5] =
    [(2, 2, 10, 1.0, 0), (2, 3, 10, 1.3, 2), (3, 2, 9, 0.7, 1), (3, 3, 10, 1.0, 0), (1, 3, 11, 2.0, 3)];

fn problem(d: usize, k: usize, n: usize, gamma: f64, m: i32) -> Problem {
    let mut p = Problem::new(d, k, n, 0x5eed + (d * 31 + k * 7 + n) as u64);
    p.gamma = gamma;
    p.m = m;
    p.log_wishart_c = log_wishart_c(d, gamma, m);
    p
}

/// All parameters in one vector: alphas, then means, then icf (the order of `f_grad`'s results).
fn flat(p: &Problem) -> Vec<f64> {
    [&p.alphas[..], &p.means, &p.icf].concat()
}

/// The module's objective at a flat parameter vector.
fn objective_at(p: &Problem, v: &[f64]) -> f64 {
    let (a, rest) = v.split_at(p.k);
    let (mu, icf) = rest.split_at(p.k * p.d);
    gmm_objective(a, mu, icf, &p.x, p.d, p.gamma, p.m, p.log_wishart_c)
}

#[test]
fn ln_gamma_matches_closed_forms() {
    for a in [0.5, 1.0, 1.5, 2.0, 2.5, 5.0, 10.5, 33.0, 40.5] {
        let (got, want) = (ln_gamma(a), ln_gamma_half_integer(a));
        assert!((got - want).abs() <= 1e-13 * want.abs().max(1.0), "ln Γ({a}) = {got}, closed form {want}");
    }
}

#[test]
fn value_matches_the_independent_implementation() {
    for (d, k, n, gamma, m) in SIZES {
        let p = problem(d, k, n, gamma, m);
        let got = p.objective();
        let want = reference(&p.alphas, &p.means, &p.icf, &p.x, d, gamma, m);
        assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "d={d} k={k} n={n}: {got} vs {want}");
        // f_grad's value is f's, bit for bit
        assert_eq!(p.gradient().0.to_bits(), got.to_bits(), "d={d} k={k} n={n}");
    }
}

/// A case small enough to do by hand: d = 1, k = 1, one point, γ = 1, m = 0. Then `Q = e^q`,
/// the mixture has one component (its log-weight cancels), and
/// `f = -½ ln 2π + q - ½ e^{2q} (x - μ)² + ½ e^{2q} - C` with `C = 2(-½ ln 2) - ln Γ(1)`.
#[test]
fn value_of_a_hand_computed_case() {
    let (alpha, mu, q, x) = (0.3, 0.25, 0.1_f64, 0.75);
    let c = -(2f64.ln());
    let want = -0.5 * (2.0 * std::f64::consts::PI).ln() + q - 0.5 * (2.0 * q).exp() * (x - mu) * (x - mu)
        + 0.5 * (2.0 * q).exp()
        - c;
    let got = gmm_objective(&[alpha], &[mu], &[q], &[x], 1, 1.0, 0, log_wishart_c(1, 1.0, 0));
    assert!((got - want).abs() <= 1e-14, "{got} vs {want}");
}

#[test]
fn gradient_matches_num_dual_every_component() {
    for (d, k, n, gamma, m) in SIZES {
        let p = problem(d, k, n, gamma, m);
        let (vh, ga, gm, gi) = p.gradient();
        let hoisted = [ga, gm, gi].concat();
        // the same objective with its buffers declared per point: a fused point loop
        let (vp, ga, gm, gi) = p.gradient_point_buffers();
        assert_eq!(vp.to_bits(), vh.to_bits(), "d={d} k={k} n={n}: the two forms' values");
        let per_point = [ga, gm, gi].concat();
        let v = flat(&p);
        for (form, got) in [("hoisted buffers", &hoisted), ("per-point buffers", &per_point)] {
            let scale = got.iter().fold(0.0_f64, |s, g| s.max(g.abs()));
            for t in 0..v.len() {
                let dual: Vec<Dual64> =
                    v.iter().enumerate().map(|(u, &x)| Dual64::new(x, f64::from(u8::from(u == t)))).collect();
                let (a, rest) = dual.split_at(k);
                let (mu, icf) = rest.split_at(k * d);
                let want = reference(a, mu, icf, &p.x, d, gamma, m).eps;
                assert!(
                    (got[t] - want).abs() <= 1e-10 * want.abs().max(scale * 1e-3),
                    "{form}, d={d} k={k} n={n}: component {t} is {}, num-dual {want}",
                    got[t]
                );
            }
        }
    }
}

#[test]
fn gradient_matches_finite_differences_every_component() {
    for (d, k, n, gamma, m) in SIZES {
        let p = problem(d, k, n, gamma, m);
        let (_, ga, gm, gi) = p.gradient();
        let got = [ga, gm, gi].concat();
        let mut v = flat(&p);
        for t in 0..v.len() {
            let (x0, h) = (v[t], 1e-5);
            v[t] = x0 + h;
            let up = objective_at(&p, &v);
            v[t] = x0 - h;
            let down = objective_at(&p, &v);
            v[t] = x0;
            let want = (up - down) / (2.0 * h);
            assert!(
                (got[t] - want).abs() <= 1e-6 * want.abs().max(1.0),
                "d={d} k={k} n={n}: component {t} is {}, finite differences {want}",
                got[t]
            );
        }
    }
}
