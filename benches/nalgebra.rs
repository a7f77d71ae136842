//! nalgebra vectors (issue 13 item 4): `f_grad` of a function written with nalgebra's operators,
//! next to `f_grad` of the same function written over arrays (what the nalgebra version is
//! differentiated as), a backward pass written by hand with nalgebra, and num-dual's `gradient`
//! (one forward pass with `DualSVec64`), in one run.
//!
//! - `spring`: `k (|p - q| - l)²`, `p`, `q: Vector3`: 8 inputs.
//! - `ray`: a ray's distance to a point plus a cross-product penalty (`normalize`, `dot`,
//!   `cross`, `norm_squared`): 9 inputs.
//!
//! Before anything is timed every method's value and gradient are asserted equal to the
//! hand-written one (relative 1e-12). Run with `cargo bench --bench nalgebra`; results in
//! BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use gradmacro::differentiate;
use nalgebra::{SVector, Vector3};
use num_dual::{DualNum, gradient};
use std::hint::black_box;
use std::time::Duration;

#[differentiate]
fn spring(p: Vector3<f64>, q: &Vector3<f64>, k: f64, l: f64) -> f64 {
    let d = p - q;
    k * (d.norm() - l).powi(2)
}

#[differentiate]
fn spring_arrays(p: [f64; 3], q: &[f64; 3], k: f64, l: f64) -> f64 {
    let d = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
    k * ((d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt() - l).powi(2)
}

/// The backward pass by hand: `r = |d|`, `e = k (r - l)²`; `dr = 2k (r - l)`, `dd = dr d / r`.
fn spring_hand(p: Vector3<f64>, q: &Vector3<f64>, k: f64, l: f64) -> (f64, Vector3<f64>, Vector3<f64>, f64, f64) {
    let d = p - q;
    let r = d.norm();
    let u = r - l;
    let dr = 2.0 * k * u;
    let dd = d * (dr / r);
    (k * u * u, dd, -dd, u * u, -dr)
}

fn spring_dual<D: DualNum<Primitive = f64> + Copy + nalgebra::Scalar>(x: SVector<D, 8>) -> D {
    let d = [x[0] - x[3], x[1] - x[4], x[2] - x[5]];
    let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    x[6] * (r - x[7]).powi(2)
}

#[differentiate]
fn ray(o: Vector3<f64>, dir: Vector3<f64>, c: Vector3<f64>) -> f64 {
    let oc = c - o;
    let n = dir.normalize();
    let t = oc.dot(&n);
    let closest = o + n * t;
    (closest - c).norm() + oc.cross(&dir).norm_squared() * 0.01
}

#[differentiate]
fn ray_arrays(o: [f64; 3], dir: [f64; 3], c: [f64; 3]) -> f64 {
    let oc = [c[0] - o[0], c[1] - o[1], c[2] - o[2]];
    let len = (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]).sqrt();
    let n = [dir[0] / len, dir[1] / len, dir[2] / len];
    let t = oc[0] * n[0] + oc[1] * n[1] + oc[2] * n[2];
    let e = [o[0] + n[0] * t - c[0], o[1] + n[1] * t - c[1], o[2] + n[2] * t - c[2]];
    let x = [oc[1] * dir[2] - oc[2] * dir[1], oc[2] * dir[0] - oc[0] * dir[2], oc[0] * dir[1] - oc[1] * dir[0]];
    (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]).sqrt() + (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) * 0.01
}

/// The backward pass by hand, with nalgebra.
fn ray_hand(o: Vector3<f64>, dir: Vector3<f64>, c: Vector3<f64>) -> (f64, Vector3<f64>, Vector3<f64>, Vector3<f64>) {
    let oc = c - o;
    let len = dir.norm();
    let n = dir / len;
    let t = oc.dot(&n);
    let e = o + n * t - c;
    let el = e.norm();
    let x = oc.cross(&dir);
    let value = el + x.norm_squared() * 0.01;
    // e = o + n t - c
    let de = e / el;
    let (mut d_o, mut d_c) = (de, -de);
    let dt = de.dot(&n);
    let mut dn = de * t + oc * dt;
    let mut d_oc = n * dt;
    // x = oc × dir: d_oc += dir × dx, d_dir += dx × oc, with dx = 0.02 x
    let dx = x * 0.02;
    d_oc += dir.cross(&dx);
    let mut d_dir = dx.cross(&oc);
    // n = dir / len: d_dir += (dn - n (n · dn)) / len
    dn -= n * n.dot(&dn);
    d_dir += dn / len;
    d_o -= d_oc;
    d_c += d_oc;
    (value, d_o, d_dir, d_c)
}

fn ray_dual<D: DualNum<Primitive = f64> + Copy + nalgebra::Scalar>(x: SVector<D, 9>) -> D {
    let (o, dir, c) = ([x[0], x[1], x[2]], [x[3], x[4], x[5]], [x[6], x[7], x[8]]);
    let oc = [c[0] - o[0], c[1] - o[1], c[2] - o[2]];
    let len = (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]).sqrt();
    let n = [dir[0] / len, dir[1] / len, dir[2] / len];
    let t = oc[0] * n[0] + oc[1] * n[1] + oc[2] * n[2];
    let e = [o[0] + n[0] * t - c[0], o[1] + n[1] * t - c[1], o[2] + n[2] * t - c[2]];
    let cx = [oc[1] * dir[2] - oc[2] * dir[1], oc[2] * dir[0] - oc[0] * dir[2], oc[0] * dir[1] - oc[1] * dir[0]];
    (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]).sqrt() + (cx[0] * cx[0] + cx[1] * cx[1] + cx[2] * cx[2]) * D::from(0.01)
}

fn close(what: &str, got: &[f64], want: &[f64]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "{what}[{i}]: {g:e} against the hand-written {w:e}");
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

fn bench_spring(c: &mut Criterion) {
    let (p, q, k, l) = (Vector3::new(1.0, 2.0, 0.5), Vector3::new(-0.5, 0.3, 1.5), 2.0, 1.0);
    let (hv, hp, hq, hk, hl) = spring_hand(p, &q, k, l);
    let want: Vec<f64> = [hv].into_iter().chain(hp.iter().copied()).chain(hq.iter().copied()).chain([hk, hl]).collect();
    let (v, gp, gq, gk, gl) = spring_grad(p, &q, k, l);
    close("spring_grad", &[[v].as_slice(), gp.as_slice(), gq.as_slice(), &[gk, gl]].concat(), &want);
    let (v, gp, gq, gk, gl) = spring_arrays_grad(p.into(), &q.into(), k, l);
    close("spring_arrays_grad", &[[v].as_slice(), &gp, &gq, &[gk, gl]].concat(), &want);
    let x = SVector::<f64, 8>::from_column_slice(&[p[0], p[1], p[2], q[0], q[1], q[2], k, l]);
    let (v, g) = gradient(spring_dual, &x);
    close("num-dual", &[[v].as_slice(), g.as_slice()].concat(), &want);

    let mut group = c.benchmark_group("nalgebra/spring");
    group.bench_function("f", |b| b.iter(|| spring(black_box(p), black_box(&q), black_box(k), black_box(l))));
    group.bench_function("hand", |b| b.iter(|| spring_hand(black_box(p), black_box(&q), black_box(k), black_box(l))));
    group.bench_function("gradmacro", |b| {
        b.iter(|| spring_grad(black_box(p), black_box(&q), black_box(k), black_box(l)))
    });
    let (pa, qa): ([f64; 3], [f64; 3]) = (p.into(), q.into());
    group.bench_function("gradmacro_arrays", |b| {
        b.iter(|| spring_arrays_grad(black_box(pa), black_box(&qa), black_box(k), black_box(l)));
    });
    group.bench_function("num_dual", |b| b.iter(|| gradient(spring_dual, black_box(&x))));
    group.finish();
}

fn bench_ray(c: &mut Criterion) {
    let (o, dir, cc) = (Vector3::new(0.2, -1.0, 0.4), Vector3::new(0.3, 1.0, -0.2), Vector3::new(1.0, 2.0, 0.5));
    let (hv, ho, hd, hc) = ray_hand(o, dir, cc);
    let want = [[hv].as_slice(), ho.as_slice(), hd.as_slice(), hc.as_slice()].concat();
    let (v, go, gd, gc) = ray_grad(o, dir, cc);
    close("ray_grad", &[[v].as_slice(), go.as_slice(), gd.as_slice(), gc.as_slice()].concat(), &want);
    let (v, go, gd, gc) = ray_arrays_grad(o.into(), dir.into(), cc.into());
    close("ray_arrays_grad", &[[v].as_slice(), &go, &gd, &gc].concat(), &want);
    let x = SVector::<f64, 9>::from_column_slice(&[o[0], o[1], o[2], dir[0], dir[1], dir[2], cc[0], cc[1], cc[2]]);
    let (v, g) = gradient(ray_dual, &x);
    close("num-dual", &[[v].as_slice(), g.as_slice()].concat(), &want);

    let mut group = c.benchmark_group("nalgebra/ray");
    group.bench_function("f", |b| b.iter(|| ray(black_box(o), black_box(dir), black_box(cc))));
    group.bench_function("hand", |b| b.iter(|| ray_hand(black_box(o), black_box(dir), black_box(cc))));
    group.bench_function("gradmacro", |b| b.iter(|| ray_grad(black_box(o), black_box(dir), black_box(cc))));
    let (oa, da, ca): ([f64; 3], [f64; 3], [f64; 3]) = (o.into(), dir.into(), cc.into());
    group.bench_function("gradmacro_arrays", |b| {
        b.iter(|| ray_arrays_grad(black_box(oa), black_box(da), black_box(ca)))
    });
    group.bench_function("num_dual", |b| b.iter(|| gradient(ray_dual, black_box(&x))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_spring, bench_ray
}
criterion_main!(benches);
