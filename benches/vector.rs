//! Vector outputs (issue 13): `f_jacobian` of a 2-link arm's forward kinematics and of a 3-D
//! cross product, next to the Jacobian written by hand and num-dual's `jacobian`, in one run.
//! `fk_jacobian` runs the forward pass once and the backward pass once per output (a body
//! without loops); `fk_loop_jacobian` computes the same function with a loop in the body, where
//! `f_jacobian` runs forward and backward once per output: the two strategies side by side.
//!
//! `residuals_jacobian` is a `Vec<f64>` output (a residual per data point, run-time length), next
//! to the Jacobian written by hand in the same idiom (`Vec` of rows) and `residuals_vjp` (one
//! reverse pass, `Jᵀr`): its `f_jacobian` runs forward and backward once per residual, so it
//! grows as the square of the number of points, where the hand-written one grows linearly.
//!
//! Before anything is timed every method's Jacobian is asserted equal to the hand-written one
//! (relative 1e-12). Run with `cargo bench --bench vector`; results in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use gradmacro::differentiate;
use nalgebra::SVector;
use num_dual::{DualNum, jacobian};
use std::hint::black_box;
use std::time::Duration;

const L1: f64 = 1.5;
const L2: f64 = 0.8;

#[differentiate]
fn fk(q1: f64, q2: f64) -> [f64; 2] {
    [L1 * q1.cos() + L2 * (q1 + q2).cos(), L1 * q1.sin() + L2 * (q1 + q2).sin()]
}

/// The same function with a (one-trip) loop in the body.
#[differentiate]
fn fk_loop(q1: f64, q2: f64, n: usize) -> [f64; 2] {
    let mut p = [0.0; 2];
    for _ in 0..n {
        p[0] = L1 * q1.cos() + L2 * (q1 + q2).cos();
        p[1] = L1 * q1.sin() + L2 * (q1 + q2).sin();
    }
    p
}

fn fk_hand(q1: f64, q2: f64) -> ([f64; 2], [[f64; 2]; 2]) {
    let (s1, c1) = q1.sin_cos();
    let (s12, c12) = (q1 + q2).sin_cos();
    ([L1 * c1 + L2 * c12, L1 * s1 + L2 * s12], [[-L1 * s1 - L2 * s12, -L2 * s12], [L1 * c1 + L2 * c12, L2 * c12]])
}

fn fk_dual<D: DualNum<Primitive = f64> + Copy + nalgebra::Scalar>(q: SVector<D, 2>) -> SVector<D, 2> {
    SVector::from([q[0].cos() * L1 + (q[0] + q[1]).cos() * L2, q[0].sin() * L1 + (q[0] + q[1]).sin() * L2])
}

#[differentiate]
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn cross_dual<D: DualNum + Copy + nalgebra::Scalar>(v: SVector<D, 6>) -> SVector<D, 3> {
    SVector::from([v[1] * v[5] - v[2] * v[4], v[2] * v[3] - v[0] * v[5], v[0] * v[4] - v[1] * v[3]])
}

#[differentiate(wrt(p))]
fn residuals(p: &[f64], xs: &[f64], ys: &[f64]) -> Vec<f64> {
    xs.iter().zip(ys).map(|(x, y)| p[0] * (p[1] * x).exp() - y).collect()
}

/// `residuals` and its Jacobian by hand: one pass, one row per point.
fn residuals_hand(p: &[f64], xs: &[f64], ys: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    xs.iter()
        .zip(ys)
        .map(|(x, y)| {
            let e = (p[1] * x).exp();
            (p[0] * e - y, vec![e, p[0] * x * e])
        })
        .unzip()
}

/// As `benches/common`'s.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

fn close(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "{what}: {got} != hand-written {want}");
}

fn bench_fk(c: &mut Criterion) {
    let (q1, q2) = (0.3, 0.7);
    let (_, want) = fk_hand(q1, q2);
    let (_, j1, j2) = fk_jacobian(q1, q2);
    let (_, l1, l2) = fk_loop_jacobian(q1, q2, 1);
    let (_, d) = jacobian(fk_dual, &SVector::from([q1, q2]));
    for i in 0..2 {
        close("fk_jacobian", j1[i], want[i][0]);
        close("fk_jacobian", j2[i], want[i][1]);
        close("fk_loop_jacobian", l1[i], want[i][0]);
        close("fk_loop_jacobian", l2[i], want[i][1]);
        close("num-dual", d[(i, 0)], want[i][0]);
        close("num-dual", d[(i, 1)], want[i][1]);
    }
    let mut g = c.benchmark_group("fk_jacobian");
    g.bench_function("gradmacro (1 forward, 2 backward)", |b| b.iter(|| fk_jacobian(black_box(q1), black_box(q2))));
    g.bench_function("gradmacro, loop body (2 forward, 2 backward)", |b| {
        b.iter(|| fk_loop_jacobian(black_box(q1), black_box(q2), black_box(1)));
    });
    g.bench_function("hand-written", |b| b.iter(|| fk_hand(black_box(q1), black_box(q2))));
    g.bench_function("num-dual jacobian", |b| {
        b.iter(|| jacobian(fk_dual, &SVector::from([black_box(q1), black_box(q2)])))
    });
    g.finish();
}

fn bench_cross(c: &mut Criterion) {
    let (a, bv) = ([0.3, -1.2, 2.0], [0.7, 0.1, -0.5]);
    let (_, ja, jb) = cross_jacobian(a, bv);
    let p = SVector::from([a[0], a[1], a[2], bv[0], bv[1], bv[2]]);
    let (_, d) = jacobian(cross_dual, &p);
    for i in 0..3 {
        for k in 0..3 {
            close("cross_jacobian a", ja[i][k], d[(i, k)]);
            close("cross_jacobian b", jb[i][k], d[(i, k + 3)]);
        }
    }
    let mut g = c.benchmark_group("cross_jacobian");
    g.bench_function("gradmacro", |b| b.iter(|| cross_jacobian(black_box(a), black_box(bv))));
    g.bench_function("num-dual jacobian", |b| b.iter(|| jacobian(cross_dual, &black_box(p))));
    g.finish();
}

fn bench_residuals(c: &mut Criterion) {
    let p = [1.3, 0.4];
    for m in [10usize, 100] {
        #[allow(clippy::cast_precision_loss, reason = "small integers")]
        let xs: Vec<f64> = (0..m).map(|i| 2.0 * i as f64 / m as f64).collect();
        let ys: Vec<f64> = xs.iter().map(|x| (0.5 * x).exp() + 0.01 * (7.0 * x).sin()).collect();
        let (r, j) = residuals_jacobian(&p, &xs, &ys);
        let (rh, jh) = residuals_hand(&p, &xs, &ys);
        assert_eq!(r, rh, "value");
        for i in 0..m {
            close("residuals_jacobian dp0", j[i][0], jh[i][0]);
            close("residuals_jacobian dp1", j[i][1], jh[i][1]);
        }
        let mut g = c.benchmark_group(format!("residuals_jacobian m={m}"));
        g.bench_function("gradmacro f_jacobian (m forward, m backward)", |b| {
            b.iter(|| residuals_jacobian(black_box(&p), black_box(&xs), black_box(&ys)));
        });
        g.bench_function("hand-written", |b| b.iter(|| residuals_hand(black_box(&p), black_box(&xs), black_box(&ys))));
        g.bench_function("gradmacro f_vjp (one pass)", |b| {
            b.iter(|| residuals_vjp(black_box(&p), black_box(&xs), black_box(&ys), black_box(r.clone())));
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_fk, bench_cross, bench_residuals
}
criterion_main!(benches);
