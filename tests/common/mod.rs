//! Helpers shared by the gradient test files: central finite differences and comparisons that
//! say which function and which point failed.
//!
//! Nothing here calls the code under test to produce an expected value: expected gradients come
//! from closed forms written in the tests, from finite differences of the original function, or
//! from num-dual on the same function written over `Dual64`.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use approx::{assert_relative_eq, relative_eq};
use num_dual::Dual64;

/// Central-difference step at `x`: relative to `|x|`, but not below `6e-8`, so that points near 0
/// get a step small against their distance to a domain boundary.
pub fn step(x: f64) -> f64 {
    6e-6 * x.abs().max(1e-2)
}

/// Derivative of a function of one variable by central differences.
pub fn fd1(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = step(x);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Gradient of a function of a flat vector by central differences.
pub fn fd(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    let mut p = x.to_vec();
    (0..x.len())
        .map(|i| {
            let h = step(x[i]);
            p[i] = x[i] + h;
            let up = f(&p);
            p[i] = x[i] - h;
            let down = f(&p);
            p[i] = x[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// A gradient against a closed form written by hand: equal up to rounding.
pub fn assert_exact(what: &str, got: f64, want: f64) {
    if !relative_eq!(got, want, epsilon = 1e-13, max_relative = 1e-10) {
        eprintln!("{what}: gradient {got:e}, closed form {want:e}");
    }
    assert_relative_eq!(got, want, epsilon = 1e-13, max_relative = 1e-10);
}

/// A gradient against a finite-difference estimate: equal up to the estimate's error.
pub fn assert_fd(what: &str, got: f64, fd: f64) {
    if !relative_eq!(got, fd, epsilon = 1e-6, max_relative = 1e-5) {
        eprintln!("{what}: gradient {got:e}, finite differences {fd:e}");
    }
    assert_relative_eq!(got, fd, epsilon = 1e-6, max_relative = 1e-5);
}

/// Component-wise [`assert_fd`] of a whole gradient against finite differences of `f` at `x`.
pub fn assert_fd_all(what: &str, f: impl Fn(&[f64]) -> f64, x: &[f64], got: &[f64]) {
    let want = fd(f, x);
    assert_eq!(got.len(), want.len(), "{what}: gradient length");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_fd(&format!("{what}, component {i} at {x:?}"), *g, *w);
    }
}

/// The value element of `f_grad` must be bit-identical to `f`'s result.
pub fn assert_same_value(what: &str, from_grad: f64, from_f: f64) {
    assert_eq!(
        from_grad.to_bits(),
        from_f.to_bits(),
        "{what}: value {from_grad:e} from f_grad differs from f's {from_f:e}"
    );
}

/// Checks a gate of one argument at every point: value bit-identical to `f`'s, gradient equal to
/// the closed form `d` and to finite differences of `f`.
pub fn check1(
    name: &str,
    f: impl Fn(f64) -> f64,
    g: impl Fn(f64) -> (f64, f64),
    d: impl Fn(f64) -> f64,
    points: &[f64],
) {
    for &x in points {
        let what = format!("{name} at {x:e}");
        let (v, dx) = g(x);
        assert_same_value(&what, v, f(x));
        assert_exact(&what, dx, d(x));
        assert_fd(&what, dx, fd1(&f, x));
    }
}

/// Like [`check1`] for a function of two arguments with closed forms `da`, `db`.
pub fn check2(
    name: &str,
    f: impl Fn(f64, f64) -> f64,
    g: impl Fn(f64, f64) -> (f64, f64, f64),
    da: impl Fn(f64, f64) -> f64,
    db: impl Fn(f64, f64) -> f64,
    points: &[(f64, f64)],
) {
    for &(a, b) in points {
        let what = format!("{name} at ({a:e}, {b:e})");
        let (v, ga, gb) = g(a, b);
        assert_same_value(&what, v, f(a, b));
        assert_exact(&format!("{what}, first argument"), ga, da(a, b));
        assert_exact(&format!("{what}, second argument"), gb, db(a, b));
        let num = fd(|p| f(p[0], p[1]), &[a, b]);
        assert_fd(&format!("{what}, first argument"), ga, num[0]);
        assert_fd(&format!("{what}, second argument"), gb, num[1]);
    }
}

/// Like [`check1`] for a function of three arguments with closed-form gradient `d`.
pub fn check3(
    name: &str,
    f: impl Fn(f64, f64, f64) -> f64,
    g: impl Fn(f64, f64, f64) -> (f64, f64, f64, f64),
    d: impl Fn(f64, f64, f64) -> [f64; 3],
    points: &[(f64, f64, f64)],
) {
    for &(a, b, c) in points {
        let what = format!("{name} at ({a:e}, {b:e}, {c:e})");
        let (v, ga, gb, gc) = g(a, b, c);
        assert_same_value(&what, v, f(a, b, c));
        let want = d(a, b, c);
        let num = fd(|p| f(p[0], p[1], p[2]), &[a, b, c]);
        for (i, got) in [ga, gb, gc].into_iter().enumerate() {
            assert_exact(&format!("{what}, argument {i}"), got, want[i]);
            assert_fd(&format!("{what}, argument {i}"), got, num[i]);
        }
    }
}

/// f32 version of [`check1`]: closed form compared in f32 precision, finite differences with a
/// step and tolerance suited to f32.
pub fn check1_f32(
    name: &str,
    f: impl Fn(f32) -> f32,
    g: impl Fn(f32) -> (f32, f32),
    d: impl Fn(f32) -> f32,
    points: &[f32],
) {
    for &x in points {
        let what = format!("{name} (f32) at {x:e}");
        let (v, dx) = g(x);
        assert_eq!(v.to_bits(), f(x).to_bits(), "{what}: value");
        let want = d(x);
        if !relative_eq!(dx, want, epsilon = 1e-6, max_relative = 1e-5) {
            eprintln!("{what}: gradient {dx:e}, closed form {want:e}");
        }
        assert_relative_eq!(dx, want, epsilon = 1e-6, max_relative = 1e-5);
        let h = 1e-2 * x.abs().max(0.1);
        let num = (f(x + h) - f(x - h)) / (2.0 * h);
        if !relative_eq!(dx, num, epsilon = 1e-3, max_relative = 2e-3) {
            eprintln!("{what}: gradient {dx:e}, finite differences {num:e}");
        }
        assert_relative_eq!(dx, num, epsilon = 1e-3, max_relative = 2e-3);
    }
}

/// `a` and `b` equal, or within `tol` relative to the larger of them plus 1.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Every entry of the matrix `h` [`close`] to `reference`'s, naming the entry that is not.
pub fn assert_matrix(what: &str, h: &[Vec<f64>], reference: &[Vec<f64>], tol: f64) {
    assert_eq!(h.len(), reference.len(), "{what}: size");
    for (i, (row, rrow)) in h.iter().zip(reference).enumerate() {
        for (j, (a, b)) in row.iter().zip(rrow).enumerate() {
            assert!(close(*a, *b, tol), "{what}: H[{i}][{j}] = {a:e}, reference {b:e}");
        }
    }
}

/// Central differences of a gradient `g` (flattened) at `x`: column `j` is
/// `(g(x + h e_j) - g(x - h e_j)) / 2h`.
#[allow(clippy::needless_range_loop, reason = "column j of the matrix is written row by row")]
pub fn fd_hessian(g: impl Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Vec<Vec<f64>> {
    let k = x.len();
    let mut h = vec![vec![0.0; k]; k];
    for j in 0..k {
        let step = 1e-5 * (1.0 + x[j].abs());
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[j] += step;
        xm[j] -= step;
        let (gp, gm) = (g(&xp), g(&xm));
        for i in 0..k {
            h[i][j] = (gp[i] - gm[i]) / (2.0 * step);
        }
    }
    h
}

/// The product of the matrix `h` (rows) with `v`.
pub fn mat_vec(h: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    h.iter().map(|r| r.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
}

/// Value and gradient of `f` at `x` with num-dual's `Dual64`, one pass per component.
pub fn dual_grad(x: &[f64], f: impl Fn(&[Dual64]) -> Dual64) -> (f64, Vec<f64>) {
    let mut g = Vec::new();
    let mut v = 0.0;
    for i in 0..x.len() {
        let xs: Vec<Dual64> = x
            .iter()
            .enumerate()
            .map(|(j, &xj)| if i == j { Dual64::from(xj).derivative() } else { Dual64::from(xj) })
            .collect();
        let r = f(&xs);
        v = r.re;
        g.push(r.eps);
    }
    (v, g)
}
