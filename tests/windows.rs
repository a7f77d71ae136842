//! Windows of arrays (issue 12): `x.windows(k)`, `x.chunks(k)`, `x.chunks_exact(k)` of
//! differentiated, local and constant arrays, in chains and `for` loops, with `enumerate` and
//! `zip`, a window read by index (`w[1]`), iterated (`c.iter()`) and measured (`c.len()`);
//! against closed forms and central finite differences, `f_jvp` and `f_hessian` against
//! differences too. Out of a window's bounds, `f_grad` panics as `f` does. A name bound to a
//! sub-slice (`let t = &x[1..];`) is such a window: read, iterated, measured and passed to a
//! differentiated function.

mod common;

use common::{assert_exact, assert_fd, assert_fd_all, assert_matrix, assert_same_value, fd_hessian};
use gradmacro::differentiate;

const X: [f64; 7] = [1.1, -2.0, 0.5, 0.7, -0.2, 0.3, 0.9];

/// A smoothness penalty over neighbours.
#[differentiate(forward, hessian)]
fn roughness(x: &[f64]) -> f64 {
    x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
}

/// Second differences, in a `for` loop.
#[differentiate]
fn curvature(x: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for w in x.windows(3) {
        s += (k * (w[2] - 2.0 * w[1] + w[0])).powi(2);
    }
    s
}

/// Pairs, the last chunk of an odd length alone.
#[differentiate]
fn pairs(x: &[f64]) -> f64 {
    x.chunks(2).map(|c| if c.len() == 2 { c[0] * c[1] } else { c[0].sin() }).sum()
}

/// The lengths of 3-D points stored flat, each point's chunk iterated.
#[differentiate(forward, hessian)]
fn lengths(x: &[f64]) -> f64 {
    x.chunks_exact(3).map(|p| p.iter().map(|v| v * v).sum::<f64>().sqrt()).sum()
}

/// Windows of a local buffer and of constant data, with `enumerate` and `zip`.
#[differentiate(wrt(x))]
fn mixed(x: &[f64], data: &[f64]) -> f64 {
    let e: Vec<f64> = x.iter().map(|v| (0.5 * v).exp()).collect();
    let mut s: f64 = e.windows(2).enumerate().map(|(i, w)| (i as f64 + 1.0) * w[0] * w[1]).sum();
    for (w, d) in x.windows(2).zip(data.windows(2)) {
        s += (w[0] - d[1]) * (w[1] + d[0]);
    }
    s
}

/// A window whose size is a run-time integer, read out of its bounds when `j >= k`.
#[differentiate]
fn read_at(x: &[f64], k: usize, j: usize) -> f64 {
    x.windows(k).map(|w| w[j] * w[0]).sum()
}

#[differentiate(forward, hessian)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A name bound to a sub-slice: read at both ends, iterated, passed to `dot`.
#[differentiate(forward, hessian)]
fn named_tail(x: &[f64]) -> f64 {
    let t = &x[1..];
    let mut s = t[0] * t[t.len() - 1];
    for v in t {
        s += v.sin();
    }
    s + dot(t, &x[..2])
}

/// Sub-slices bound in a loop (of the parameter and of a local buffer), with run-time bounds.
#[differentiate]
fn suffixes(x: &[f64], k: usize) -> f64 {
    let e: Vec<f64> = x.iter().map(|v| (0.3 * v).exp()).collect();
    let mut s = 0.0;
    for i in 0..x.len() - k {
        let t = &x[i..=i + k];
        let u: &[f64] = &e[..i + 1];
        s += t[k] * t.iter().map(|v| v * v).sum::<f64>() + u[i] * u.len() as f64;
    }
    s
}

/// Windows of sub-slices: the inner neighbours, and pairs of all but the last element.
#[differentiate]
fn inner_windows(x: &[f64], a: usize) -> f64 {
    let n = x.len();
    let s: f64 = x[a..].windows(2).map(|w| w[0] * w[1]).sum();
    let mut t = 0.0;
    for c in x[..n - 1].chunks(2) {
        t += c[c.len() - 1].sin();
    }
    s + t
}

#[test]
fn windows_against_closed_forms() {
    // d/dx_i Σ (x_{i+1} - x_i)² = 2 ((x_i - x_{i-1}) - (x_{i+1} - x_i)), ends one-sided.
    let n = X.len();
    let (v, dx) = roughness_grad(&X);
    assert_same_value("roughness", v, roughness(&X));
    for (i, d) in dx.iter().enumerate() {
        let left = if i > 0 { X[i] - X[i - 1] } else { 0.0 };
        let right = if i + 1 < n { X[i + 1] - X[i] } else { 0.0 };
        assert_exact("roughness", *d, 2.0 * (left - right));
    }
    // x0 x1 + x2 x3 + x4 x5 + sin(x6)
    let (v, dx) = pairs_grad(&X);
    assert_same_value("pairs", v, pairs(&X));
    let want = [X[1], X[0], X[3], X[2], X[5], X[4], X[6].cos()];
    for (d, w) in dx.iter().zip(want) {
        assert_exact("pairs", *d, w);
    }
    // |p|' = p / |p| for the two whole points; x6 is in no chunk.
    let (v, dx) = lengths_grad(&X);
    assert_same_value("lengths", v, lengths(&X));
    for p in 0..2 {
        let r = X[3 * p..3 * p + 3].iter().map(|v| v * v).sum::<f64>().sqrt();
        for j in 0..3 {
            assert_exact("lengths", dx[3 * p + j], X[3 * p + j] / r);
        }
    }
    assert_exact("lengths, remainder", dx[6], 0.0);
}

#[test]
fn windows_against_differences() {
    let n = X.len();
    let (v, dx, dk) = curvature_grad(&X, 0.7);
    assert_same_value("curvature", v, curvature(&X, 0.7));
    let mut p = X.to_vec();
    p.push(0.7);
    let mut g = dx.clone();
    g.push(dk);
    assert_fd_all("curvature", |q| curvature(&q[..n], q[n]), &p, &g);

    let data = [0.4, -0.3, 0.8, 0.1, 0.6, -0.5, 0.2];
    let (v, dx) = mixed_grad(&X, &data);
    assert_same_value("mixed", v, mixed(&X, &data));
    assert_fd_all("mixed", |q| mixed(q, &data), &X, &dx);

    let (v, dx) = read_at_grad(&X, 3, 2);
    assert_same_value("read_at", v, read_at(&X, 3, 2));
    assert_fd_all("read_at", |q| read_at(q, 3, 2), &X, &dx);
    assert_fd_all("pairs, even length", pairs, &X[..6], &pairs_grad(&X[..6]).1);
}

#[test]
fn forward_and_second_order_through_windows() {
    let t = [0.3, -0.1, 0.2, 0.5, 0.1, -0.4, 0.6];
    let shifted = |e: f64| X.iter().zip(&t).map(|(x, t)| x + e * t).collect::<Vec<_>>();
    let (v, d) = roughness_jvp(&X, &t);
    assert_same_value("roughness, jvp", v, roughness(&X));
    assert_fd("roughness, jvp", d, common::fd1(|e| roughness(&shifted(e)), 0.0));
    let (_, d) = lengths_jvp(&X, &t);
    assert_fd("lengths, jvp", d, common::fd1(|e| lengths(&shifted(e)), 0.0));

    let (_, _, h) = roughness_hessian(&X);
    assert_matrix("roughness", &h, &fd_hessian(|p| roughness_grad(p).1, &X), 1e-6);
    let (_, _, h) = lengths_hessian(&X);
    assert_matrix("lengths", &h, &fd_hessian(|p| lengths_grad(p).1, &X), 1e-6);
}

#[test]
fn named_sub_slices() {
    // x1 x_last + Σ_{i >= 1} sin x_i + x1 x0 + x2 x1
    let x = [0.4, 1.3, -0.7, 0.9];
    let (v, dx) = named_tail_grad(&x);
    assert_same_value("named_tail", v, named_tail(&x));
    let want = [x[1], x[3] + x[1].cos() + x[0] + x[2], x[2].cos() + x[1], x[1] + x[3].cos()];
    for (d, w) in dx.iter().zip(want) {
        assert_exact("named_tail", *d, w);
    }
    let t = [0.3, -0.1, 0.2, 0.5];
    let (_, d) = named_tail_jvp(&x, &t);
    let shifted = |e: f64| x.iter().zip(&t).map(|(x, t)| x + e * t).collect::<Vec<_>>();
    assert_fd("named_tail, jvp", d, common::fd1(|e| named_tail(&shifted(e)), 0.0));
    let (_, _, h) = named_tail_hessian(&x);
    assert_matrix("named_tail", &h, &fd_hessian(|p| named_tail_grad(p).1, &x), 1e-6);

    for k in [0, 1, 2] {
        let (v, dx) = suffixes_grad(&X, k);
        assert_same_value("suffixes", v, suffixes(&X, k));
        assert_fd_all("suffixes", |q| suffixes(q, k), &X, &dx);
    }
    // `&x[1..]` of an empty slice panics in both
    assert!(std::panic::catch_unwind(|| named_tail(&[])).is_err());
    assert!(std::panic::catch_unwind(|| named_tail_grad(&[])).is_err());
}

#[test]
fn windows_of_sub_slices() {
    // a = 1: x1 x2 + x2 x3 + ... + x5 x6; chunks of x[..6]: sin x1 + sin x3 + sin x5
    let (v, dx) = inner_windows_grad(&X, 1);
    assert_same_value("inner_windows", v, inner_windows(&X, 1));
    let mut want = [0.0; 7];
    for i in 1..6 {
        want[i] += X[i + 1];
        want[i + 1] += X[i];
    }
    for i in [1, 3, 5] {
        want[i] += X[i].cos();
    }
    for (d, w) in dx.iter().zip(want) {
        assert_exact("inner_windows", *d, w);
    }
    for a in [0, 3, 6, 7] {
        assert_fd_all("inner_windows", |q| inner_windows(q, a), &X, &inner_windows_grad(&X, a).1);
    }
    // `x[8..]` of 7 elements panics in both
    assert!(std::panic::catch_unwind(|| inner_windows(&X, 8)).is_err());
    assert!(std::panic::catch_unwind(|| inner_windows_grad(&X, 8)).is_err());
}

#[test]
fn out_of_a_windows_bounds_panics_as_f_does() {
    // w[3] of a window of 3 elements is out of bounds, though x[start + 3] exists.
    assert!(std::panic::catch_unwind(|| read_at(&X, 3, 3)).is_err());
    assert!(std::panic::catch_unwind(|| read_at_grad(&X, 3, 3)).is_err());
    // a window size of 0 panics in std's `windows`
    assert!(std::panic::catch_unwind(|| read_at(&X, 0, 0)).is_err());
    assert!(std::panic::catch_unwind(|| read_at_grad(&X, 0, 0)).is_err());
    // no window at all: nothing is read
    assert_eq!(read_at_grad(&X[..2], 3, 5), (0.0, vec![0.0; 2]));
}
