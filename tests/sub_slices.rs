//! Sub-slices iterated (issue 12): `for v in &x[1..]`, `x[..k].iter().map(..)`,
//! `x[a..=b].iter().enumerate()`, `x[1..].iter().zip(&x[..n - 1])` (differences of neighbours),
//! `.rev()` of one; over differentiated and constant arrays, against closed forms and central
//! finite differences, `f_jvp` and `f_hessian` against differences too. Out of bounds, `f_grad`
//! panics as `f` does. Sub-slices passed to differentiated functions (`dot(&x[1..], &w[..k])`,
//! a copy) at the top level and in a loop.

mod common;

use common::{assert_exact, assert_fd, assert_fd_all, assert_matrix, assert_same_value, fd_hessian};
use gradmacro::differentiate;

const X: [f64; 6] = [1.1, -2.0, 0.5, 0.7, -0.2, 0.3];
const W: f64 = 0.3;

#[differentiate]
fn tail(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for v in &x[1..] {
        s += v * w;
    }
    s
}

#[differentiate]
fn head(x: &[f64], w: f64) -> f64 {
    x[..2].iter().map(|v| v * w).sum::<f64>()
}

#[differentiate]
fn weighted(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for (i, v) in x[1..=3].iter().enumerate() {
        s += (v * w).sin() * i as f64;
    }
    s
}

/// A smoothness penalty: the squared differences of neighbours, scaled.
#[differentiate(forward, hessian)]
fn roughness(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    x[1..].iter().zip(&x[..n - 1]).map(|(b, a)| ((b - a) * w).powi(2)).sum::<f64>()
}

/// Horner over the inner elements of constant data, highest degree first.
#[differentiate(wrt(w), forward, hessian)]
fn inner_polynomial(c: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for v in c[1..c.len() - 1].iter().rev() {
        s = s * w + v;
    }
    s
}

#[differentiate(forward, hessian)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Sub-slices of both parameters passed to a differentiated function, also in a loop.
#[differentiate(forward, hessian)]
fn windows_dot(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let mut s = dot(&x[1..], &w[..n - 1]);
    for i in 0..n - 1 {
        s += dot(&x[i..i + 2], &w[..2]).sin();
    }
    s
}

/// A sub-slice of constant data passed beside one of a differentiated array.
#[differentiate(wrt(w))]
fn fit(w: &[f64], data: &[f64]) -> f64 {
    dot(&w[..2], &data[1..3]).exp()
}

/// Copies of sub-slices, one written.
#[differentiate]
fn copies(x: &[f64], w: f64) -> f64 {
    let mut t = x[1..].to_vec();
    t[0] *= w;
    let u = x[..2].to_owned();
    t.iter().map(|v| v * w).sum::<f64>() + u[1] * t[0]
}

fn joined(x: &[f64], w: f64) -> Vec<f64> {
    let mut p = x.to_vec();
    p.push(w);
    p
}

#[test]
fn sub_slices_against_closed_forms() {
    let (_, dx, dw) = tail_grad(&X, W);
    for (i, d) in dx.iter().enumerate() {
        assert_exact("tail, x", *d, if i == 0 { 0.0 } else { W });
    }
    assert_exact("tail, w", dw, X[1..].iter().sum());
    let (_, dx, dw) = head_grad(&X, W);
    for (i, d) in dx.iter().enumerate() {
        assert_exact("head, x", *d, if i < 2 { W } else { 0.0 });
    }
    assert_exact("head, w", dw, X[0] + X[1]);
    // d/dx_i Σ ((x_{i+1} - x_i) w)² = 2 w² ((x_i - x_{i-1}) - (x_{i+1} - x_i)), ends one-sided.
    let (_, dx, dw) = roughness_grad(&X, W);
    let n = X.len();
    for (i, d) in dx.iter().enumerate() {
        let left = if i > 0 { X[i] - X[i - 1] } else { 0.0 };
        let right = if i + 1 < n { X[i + 1] - X[i] } else { 0.0 };
        assert_exact("roughness, x", *d, 2.0 * W * W * (left - right));
    }
    let sq: f64 = (1..n).map(|i| (X[i] - X[i - 1]).powi(2)).sum();
    assert_exact("roughness, w", dw, 2.0 * W * sq);
    // c_1 + c_2 w + c_3 w² + c_4 w³ (the inner elements, reversed by Horner)
    let (v, dw) = inner_polynomial_grad(&X, W);
    assert_same_value("inner_polynomial", v, inner_polynomial(&X, W));
    assert_exact("inner_polynomial, w", dw, X[2] + 2.0 * X[3] * W + 3.0 * X[4] * W * W);
    let (_, _, h) = inner_polynomial_hessian(&X, W);
    assert_exact("inner_polynomial, w w", h[0][0], 2.0 * X[3] + 6.0 * X[4] * W);
}

#[test]
fn sub_slices_against_differences() {
    let n = X.len();
    for (what, f, grad) in [
        ("tail", tail as fn(&[f64], f64) -> f64, tail_grad as fn(&[f64], f64) -> (f64, Vec<f64>, f64)),
        ("head", head, head_grad),
        ("weighted", weighted, weighted_grad),
        ("roughness", roughness, roughness_grad),
    ] {
        let (v, dx, dw) = grad(&X, W);
        assert_same_value(what, v, f(&X, W));
        assert_fd_all(what, |p| f(&p[..n], p[n]), &joined(&X, W), &joined(&dx, dw));
    }
    let t = [0.3, -0.1, 0.2, 0.5, 0.1, -0.4];
    let (v, d) = roughness_jvp(&X, W, &t, 0.7);
    assert_same_value("roughness, jvp", v, roughness(&X, W));
    let along = |e: f64| roughness(&X.iter().zip(&t).map(|(x, t)| x + e * t).collect::<Vec<_>>(), W + e * 0.7);
    assert_fd("roughness, jvp", d, common::fd1(along, 0.0));
    let (_, _, _, h) = roughness_hessian(&X, W);
    let reference = fd_hessian(
        |p| {
            let (_, dx, dw) = roughness_grad(&p[..n], p[n]);
            joined(&dx, dw)
        },
        &joined(&X, W),
    );
    assert_matrix("roughness", &h, &reference, 1e-6);
}

#[test]
fn out_of_bounds_panics_as_f_does() {
    let short = [1.0];
    assert!(std::panic::catch_unwind(|| head(&short, W)).is_err());
    assert!(std::panic::catch_unwind(|| head_grad(&short, W)).is_err());
    assert!(std::panic::catch_unwind(|| tail_grad(&[], W)).is_err());
    assert_eq!(tail_grad(&short, W).1, vec![0.0]);
}

#[test]
fn sub_slices_passed_to_calls() {
    let w = [0.3, 0.2, -0.4, 0.9, 0.1, -0.7];
    let n = X.len();
    let (v, dx, dw) = windows_dot_grad(&X, &w);
    assert_same_value("windows_dot", v, windows_dot(&X, &w));
    // closed form: s = Σ_i x_{i+1} w_i + Σ_i sin(x_i w_0 + x_{i+1} w_1)
    let mut want_x = [0.0; 6];
    let mut want_w = [0.0; 6];
    for i in 0..n - 1 {
        want_x[i + 1] += w[i];
        want_w[i] += X[i + 1];
        let c = (X[i] * w[0] + X[i + 1] * w[1]).cos();
        want_x[i] += c * w[0];
        want_x[i + 1] += c * w[1];
        want_w[0] += c * X[i];
        want_w[1] += c * X[i + 1];
    }
    for i in 0..n {
        assert_exact("windows_dot, x", dx[i], want_x[i]);
        assert_exact("windows_dot, w", dw[i], want_w[i]);
    }
    let t = [0.3, -0.1, 0.2, 0.5, 0.1, -0.4];
    let (_, d) = windows_dot_jvp(&X, &w, &t, &[0.0; 6]);
    let along = |e: f64| windows_dot(&X.iter().zip(&t).map(|(x, t)| x + e * t).collect::<Vec<_>>(), &w);
    assert_fd("windows_dot, jvp", d, common::fd1(along, 0.0));
    let (_, _, _, h) = windows_dot_hessian(&X, &w);
    let reference = fd_hessian(
        |p| {
            let (_, dx, dw) = windows_dot_grad(&p[..n], &p[n..]);
            dx.into_iter().chain(dw).collect()
        },
        &X.iter().chain(&w).copied().collect::<Vec<_>>(),
    );
    assert_matrix("windows_dot", &h, &reference, 1e-6);
}

#[test]
fn a_constant_sub_slice_passed_to_a_call() {
    let (w, data) = ([0.5, -0.25, 3.0], [9.0, 1.0, 2.0, 7.0]);
    let (v, dw) = fit_grad(&w, &data);
    assert_same_value("fit", v, fit(&w, &data));
    let e = (w[0] * data[1] + w[1] * data[2]).exp();
    assert_exact("fit, w0", dw[0], e * data[1]);
    assert_exact("fit, w1", dw[1], e * data[2]);
    assert_exact("fit, w2", dw[2], 0.0);
}

#[test]
fn copies_of_sub_slices() {
    let (x, w) = ([1.0, 2.0, 3.0], 0.5);
    let (v, dx, dw) = copies_grad(&x, w);
    assert_same_value("copies", v, copies(&x, w));
    // t = [x1 w, x2], u = [x0, x1]: s = x1 w² + x2 w + x1² w
    assert_exact("copies, x0", dx[0], 0.0);
    assert_exact("copies, x1", dx[1], w * w + 2.0 * x[1] * w);
    assert_exact("copies, x2", dx[2], w);
    assert_exact("copies, w", dw, 2.0 * x[1] * w + x[2] + x[1] * x[1]);
}
