//! Second order (issue 14): `f_hvp` against `f_grad` (target: at most 3 times its time), and
//! `f_hessian` against num-dual's `hessian` (forward mode on `Dual2Vec`) at n = 2, 10, 50, on
//! the extended Rosenbrock function over a fixed-size array.
//!
//! Before anything is timed, `f_hessian` is asserted equal to num-dual's (relative 1e-12).
//! Run with `cargo bench --bench second_order`; results in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use gradmacro::differentiate;
use nalgebra::{Const, SVector};
use num_dual::{Dual2Vec, DualNum, hessian};
use std::hint::black_box;
use std::time::Duration;

/// Extended Rosenbrock: `sum of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2`.
#[differentiate(hessian)]
fn rosen<const N: usize>(x: [f64; N]) -> f64 {
    let mut s = 0.0;
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

fn rosen_dual<D: DualNum<Primitive = f64> + Copy, const N: usize>(x: &SVector<D, N>) -> D {
    let mut s = D::zero();
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = -x[i] + 1.0;
        s += a * a * 100.0 + b * b;
    }
    s
}

fn point<const N: usize>() -> [f64; N] {
    core::array::from_fn(|i| 0.3 + 0.1 * (i % 7) as f64 - 0.05 * (i % 3) as f64)
}

fn case<const N: usize>(c: &mut Criterion) {
    let x = point::<N>();
    let (value, _, h) = rosen_hessian(x);
    let (re, _, dh) = hessian(|v: SVector<Dual2Vec<f64, Const<N>>, N>| rosen_dual(&v), &SVector::from(x));
    assert!((value - re).abs() <= 1e-12 * re.abs());
    for i in 0..N {
        for j in 0..N {
            assert!((h[i][j] - dh[(i, j)]).abs() <= 1e-12 * (1.0 + dh[(i, j)].abs()), "H[{i}][{j}]");
        }
    }
    let v: [f64; N] = core::array::from_fn(|i| if i % 2 == 0 { 1.0 } else { -0.5 });
    let mut g = c.benchmark_group(format!("second_order/n={N}"));
    g.bench_function("f_grad", |b| b.iter(|| rosen_grad(black_box(x))));
    g.bench_function("f_hvp", |b| b.iter(|| rosen_hvp(black_box(x), black_box(v))));
    g.bench_function("f_hessian", |b| b.iter(|| rosen_hessian(black_box(x))));
    g.bench_function("num_dual_hessian", |b| {
        b.iter(|| hessian(|v: SVector<Dual2Vec<f64, Const<N>>, N>| rosen_dual(&v), &SVector::from(black_box(x))));
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    case::<2>(c);
    case::<10>(c);
    case::<50>(c);
}

criterion_group! {
    name = second_order;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(second_order);
