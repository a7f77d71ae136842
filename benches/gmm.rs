//! The GMM objective of ADBench (`benches/common/gmm_adbench.rs`) at the ADBench sizes that fit
//! a 2-core machine: d ∈ {2, 10, 20, 64}, k ∈ {5, 10, 25, 50}, n = 1000. Per size, criterion
//! group `gmm_d{d}_k{k}`:
//!
//! - `f`: the objective alone, the unit of cost;
//! - `gradmacro`: the `gmm_objective_grad` that `#[differentiate]` generates;
//! - `f_point_buffers`, `gradmacro_point_buffers`: the same objective with its buffers declared
//!   in the point loop (`gmm_objective_point_buffers`), and its generated gradient, whose point
//!   loop runs each point's backward pass right after its forward pass;
//! - `tape`: reverse mode with the `reverse` crate's runtime tape (one tape, cleared per call),
//!   where the tape fits in [`TAPE_NODES_MAX`] nodes (32 bytes each, plus 8 for the adjoint);
//! - `num_dual`: forward mode, one `Dual64` pass per parameter, up to [`DUAL_PARAMS_MAX`]
//!   parameters (d = 2, and d = 10 with k ≤ 10), where one gradient takes up to about a second.
//!
//! Before anything is timed, at every size: the generated value equals `f`'s bit for bit, and the
//! generated gradient dotted with a fixed direction equals one `Dual64` pass along it (relative
//! 1e-9); where they run, the tape's and num-dual's whole gradients equal the generated one
//! (relative 1e-9 of the largest component). The skipped peers are printed on stderr.
//!
//! `cargo bench --bench gmm -- --quick` (a few minutes); `cargo run --release --example
//! gmm_ratio` then prints BENCHMARKS.md's table and writes `docs/gmm_ratio.svg` from
//! criterion's results.
//! `cargo test --release --bench gmm` runs the checks and each benchmark once (about a minute;
//! unoptimised, the largest sizes take many minutes).

#![allow(clippy::needless_range_loop, reason = "the peers index the packed layout as the objective does")]

#[path = "common/gmm_adbench.rs"]
mod gmm_adbench;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gmm_adbench::Problem;
use num_dual::{Dual64, DualNum};
use reverse::{Gradient, Tape, Var};

const DS: [usize; 4] = [2, 10, 20, 64];
const KS: [usize; 4] = [5, 10, 25, 50];
const N: usize = 1000;
/// The runtime tape's size limit: 5·10^7 nodes is 2 GB with the adjoint vector.
const TAPE_NODES_MAX: usize = 50_000_000;
/// Forward mode runs up to this many parameters. A fixed bound, not a run-time estimate, so that
/// every run times the same set: a `Dual64` pass costs about 1-1.5 `f`, so one gradient at 660
/// parameters (d = 10, k = 10) takes about a second, at 1155 (d = 20, k = 5) a few.
const DUAL_PARAMS_MAX: usize = 700;

/// The objective over any num-dual number, written as the module's (column by column, with the
/// same buffers), so num-dual runs the same arithmetic.
fn objective_dual<T: DualNum<Primitive = f64> + Copy>(alphas: &[T], means: &[T], icf: &[T], p: &Problem) -> T {
    let (d, k) = (p.d, p.k);
    let n = p.x.len() / d;
    let per = d * (d + 1) / 2;
    let lse = |v: &[T]| -> T {
        let top = v.iter().copied().fold(T::from(f64::NEG_INFINITY), |a, b| if b > a { b } else { a });
        top + v.iter().map(|&a| (a - top).exp()).sum::<T>().ln()
    };
    let sum_qs: Vec<T> = (0..k).map(|j| (0..d).map(|r| icf[j * per + r]).sum::<T>()).collect();
    let (mut xc, mut qxc, mut main) = (vec![T::from(0.0); d], vec![T::from(0.0); d], vec![T::from(0.0); k]);
    let mut slse = T::from(0.0);
    for i in 0..n {
        for j in 0..k {
            for r in 0..d {
                xc[r] = -means[j * d + r] + p.x[i * d + r];
            }
            for r in 0..d {
                qxc[r] = icf[j * per + r].exp() * xc[r];
            }
            let mut l = j * per + d;
            for s in 0..d {
                for r in s + 1..d {
                    qxc[r] += icf[l] * xc[s];
                    l += 1;
                }
            }
            let sq: T = qxc.iter().map(|&v| v * v).sum();
            main[j] = alphas[j] + sum_qs[j] - sq * 0.5;
        }
        slse += lse(&main);
    }
    let mut prior = T::from(0.0);
    for j in 0..k {
        let diag: T = (0..d).map(|r| icf[j * per + r].exp().powi(2)).sum();
        let lower: T = (d..per).map(|t| icf[j * per + t].powi(2)).sum();
        prior += (diag + lower) * (0.5 * p.gamma * p.gamma) - sum_qs[j] * f64::from(p.m);
    }
    let const_term = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    slse - lse(alphas) * n as f64 + prior + const_term - k as f64 * p.log_wishart_c
}

/// Forward mode along the flat direction `t` (alphas, means, icf): one `Dual64` pass.
fn dual_directional(p: &Problem, t: &[f64]) -> Dual64 {
    let v: Vec<Dual64> =
        [&p.alphas[..], &p.means, &p.icf].concat().iter().zip(t).map(|(&x, &e)| Dual64::new(x, e)).collect();
    let (a, rest) = v.split_at(p.k);
    let (mu, icf) = rest.split_at(p.k * p.d);
    objective_dual(a, mu, icf, p)
}

/// The whole gradient by forward mode: one `Dual64` pass per parameter.
fn dual_gradient(p: &Problem) -> (f64, Vec<f64>) {
    let mut v: Vec<Dual64> = [&p.alphas[..], &p.means, &p.icf].concat().iter().map(|&x| Dual64::from_re(x)).collect();
    let mut grad = vec![0.0; v.len()];
    let mut value = f64::NAN;
    for t in 0..v.len() {
        v[t].eps = 1.0;
        let (a, rest) = v.split_at(p.k);
        let (mu, icf) = rest.split_at(p.k * p.d);
        let r = objective_dual(a, mu, icf, p);
        v[t].eps = 0.0;
        grad[t] = r.eps;
        value = r.re;
    }
    (value, grad)
}

/// An upper bound on the nodes the runtime tape records, from the code below: per point and
/// component d(d - 1) for the lower part, under 5d for the rest of the square norm, 4 for the
/// term; per point under 4k + 1 for its log-sum-exp.
fn tape_nodes(d: usize, k: usize) -> usize {
    N * (k * (d * (d - 1) + 5 * d + 4) + 4 * k + 1)
}

/// `ln Σ exp(v)` on the tape, shifted by the largest value (a constant: the shift cancels).
fn lse_tape<'t>(v: &[Var<'t>]) -> Var<'t> {
    let top = v.iter().map(Var::val).fold(f64::NEG_INFINITY, f64::max);
    v.iter().map(|&a| (a - top).exp()).sum::<Var>().ln() + top
}

/// The objective on the `reverse` crate's tape, written like the module's, and its gradient.
fn tape_gradient(tape: &Tape, p: &Problem) -> (f64, Vec<f64>) {
    tape.clear();
    let (d, k) = (p.d, p.k);
    let n = p.x.len() / d;
    let per = d * (d + 1) / 2;
    let (alphas, means, icf) = (tape.add_vars(&p.alphas), tape.add_vars(&p.means), tape.add_vars(&p.icf));
    let sum_qs: Vec<Var> = (0..k).map(|j| (0..d).map(|r| icf[j * per + r]).sum::<Var>()).collect();
    let diag_exp: Vec<Var> = icf.iter().enumerate().filter(|(t, _)| t % per < d).map(|(_, q)| q.exp()).collect();
    let mut slse = tape.add_var(0.0);
    let mut main = Vec::with_capacity(k);
    for i in 0..n {
        main.clear();
        for j in 0..k {
            let xc: Vec<Var> = (0..d).map(|r| p.x[i * d + r] - means[j * d + r]).collect();
            let mut qxc: Vec<Var> = (0..d).map(|r| diag_exp[j * d + r] * xc[r]).collect();
            let mut l = j * per + d;
            for s in 0..d {
                for r in s + 1..d {
                    qxc[r] = qxc[r] + icf[l] * xc[s];
                    l += 1;
                }
            }
            let sq: Var = qxc.iter().map(|&v| v * v).sum();
            main.push(alphas[j] + sum_qs[j] - 0.5 * sq);
        }
        slse = slse + lse_tape(&main);
    }
    let mut prior = tape.add_var(0.0);
    for j in 0..k {
        let diag: Var = (0..d).map(|r| diag_exp[j * d + r].powi(2)).sum();
        let frob = (d..per).fold(diag, |acc, t| acc + icf[j * per + t].powi(2));
        prior = prior + 0.5 * p.gamma * p.gamma * frob - f64::from(p.m) * sum_qs[j];
    }
    let const_term = -(n as f64) * d as f64 * 0.5 * (2.0 * std::f64::consts::PI).ln();
    let out = slse - n as f64 * lse_tape(&alphas) + prior + const_term - k as f64 * p.log_wishart_c;
    let g = out.grad();
    (out.val(), [g.wrt(&alphas), g.wrt(&means), g.wrt(&icf)].concat())
}

/// Panics unless `got` equals `want` within `rel` of the largest component of `want`.
fn assert_close(what: &str, got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= rel * scale, "{what}: component {i} is {g}, want {w}");
    }
}

fn bench_size(c: &mut Criterion, d: usize, k: usize) {
    let p = Problem::new(d, k, N, 2018 + (d * 100 + k) as u64);
    let name = format!("gmm_d{d}_k{k}");
    let f = p.objective();
    let (v, ga, gm, gi) = p.gradient();
    let grad = [ga, gm, gi].concat();
    assert_eq!(v.to_bits(), f.to_bits(), "{name}: f_grad's value is not f's");

    // one forward pass along a direction checks the whole generated gradient, at every size
    let t: Vec<f64> = (0..p.params()).map(|i| (i as f64 * 1.7 + 0.3).cos()).collect();
    let start = Instant::now();
    let dir = dual_directional(&p, &t);
    let pass = start.elapsed().as_secs_f64();
    let dot: f64 = grad.iter().zip(&t).map(|(g, t)| g * t).sum();
    let terms: f64 = grad.iter().zip(&t).map(|(g, t)| (g * t).abs()).sum();
    assert!((dir.re - f).abs() <= 1e-9 * f.abs(), "{name}: Dual64 value {} vs f {f}", dir.re);
    assert!((dir.eps - dot).abs() <= 1e-9 * terms, "{name}: Dual64 along t {} vs f_grad . t {dot}", dir.eps);

    let tape = Tape::new();
    let with_tape = tape_nodes(d, k) <= TAPE_NODES_MAX;
    if with_tape {
        let (tv, tg) = tape_gradient(&tape, &p);
        assert!((tv - f).abs() <= 1e-9 * f.abs(), "{name}: tape value {tv} vs f {f}");
        assert_close(&format!("{name}/tape"), &tg, &grad, 1e-9);
        tape.clear();
    } else {
        eprintln!("{name}: tape skipped ({} nodes > {TAPE_NODES_MAX})", tape_nodes(d, k));
    }
    let with_dual = p.params() <= DUAL_PARAMS_MAX;
    let dual_estimate = pass * p.params() as f64;
    if with_dual {
        let (dv, dg) = dual_gradient(&p);
        assert!((dv - f).abs() <= 1e-9 * f.abs(), "{name}: num-dual value {dv} vs f {f}");
        assert_close(&format!("{name}/num_dual"), &dg, &grad, 1e-9);
    } else {
        eprintln!("{name}: num_dual skipped ({} passes, about {dual_estimate:.1} s per gradient)", p.params());
    }

    // the same objective with per-point buffers (a fused point loop): same value, same gradient
    let (vp, ga, gm, gi) = p.gradient_point_buffers();
    assert_eq!(vp.to_bits(), f.to_bits(), "{name}: per-point buffers' f_grad value is not f's");
    assert_close(&format!("{name}/point_buffers"), &[ga, gm, gi].concat(), &grad, 1e-9);

    let mut g = c.benchmark_group(&name);
    // ten samples and two seconds: the slowest gradients here take about a second each
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    g.bench_function("f", |b| b.iter(|| black_box(&p).objective()));
    g.bench_function("gradmacro", |b| b.iter(|| black_box(&p).gradient()));
    g.bench_function("f_point_buffers", |b| b.iter(|| black_box(&p).objective_point_buffers()));
    g.bench_function("gradmacro_point_buffers", |b| b.iter(|| black_box(&p).gradient_point_buffers()));
    if with_tape {
        g.bench_function("tape", |b| b.iter(|| tape_gradient(&tape, black_box(&p))));
    }
    if with_dual {
        g.bench_function("num_dual", |b| b.iter(|| dual_gradient(black_box(&p))));
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    for d in DS {
        for k in KS {
            bench_size(c, d, k);
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
