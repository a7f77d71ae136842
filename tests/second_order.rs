//! Second order (`#[differentiate(hessian)]`, CONTRACT.md §9): `f_hvp(args.., v..)` returns the
//! value (bit for bit `f`'s), the gradient and `H·v`; `f_hessian(args..)` the value, gradient and
//! the Hessian over the active components, arrays flattened in declaration order.
//!
//! References the code under test does not produce: closed-form Hessians, num-dual's `hessian`
//! (forward mode on second-order dual numbers) run on a hand-written twin of the function, and
//! central finite differences of `f_grad`'s gradient (the reverse pass, a different program).

#![allow(
    clippy::ptr_arg,
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    clippy::many_single_char_names,
    clippy::similar_names
)]

mod common;

use common::{assert_matrix, close, fd_hessian, mat_vec};
use gradmacro::differentiate;
use nalgebra::{DVector, SVector};
use num_dual::{DualNum, hessian};

fn rows<const K: usize>(h: [[f64; K]; K]) -> Vec<Vec<f64>> {
    h.iter().map(|r| r.to_vec()).collect()
}

// ---------------------------------------------------------------- Rosenbrock, closed form

#[differentiate(hessian)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

#[test]
fn rosenbrock_closed_form() {
    for &(x, y) in &[(-1.2, 1.0), (1.0, 1.0), (0.3, -0.7), (2.0, 3.5)] {
        let (value, gx, gy, h) = rosenbrock_hessian(x, y);
        assert_eq!(value.to_bits(), rosenbrock(x, y).to_bits());
        let (_, rx, ry) = rosenbrock_grad(x, y);
        assert_eq!((gx.to_bits(), gy.to_bits()), (rx.to_bits(), ry.to_bits()), "gradient is f_grad's");
        let exact = vec![vec![2.0 - 400.0 * y + 1200.0 * x * x, -400.0 * x], vec![-400.0 * x, 200.0]];
        assert_matrix("rosenbrock", &rows(h), &exact, 1e-14);
        let (v0, g0, g1, hv0, hv1) = rosenbrock_hvp(x, y, 0.5, -2.0);
        assert_eq!(v0.to_bits(), value.to_bits());
        assert_eq!((g0, g1), (gx, gy));
        let hv = mat_vec(&exact, &[0.5, -2.0]);
        assert!(close(hv0, hv[0], 1e-14) && close(hv1, hv[1], 1e-14), "{hv0} {hv1} vs {hv:?}");
    }
}

// ---------------------------------------------------------------- the guide's neuron

#[differentiate(hessian)]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    1.0 / (1.0 + (-(a * x + b * y + c)).exp())
}

#[test]
fn neuron_closed_form() {
    let p = [0.7, -1.3, 0.2, 1.5, 0.4];
    let (a, b, c, x, y) = (p[0], p[1], p[2], p[3], p[4]);
    let (_, _, _, _, _, _, h) = neuron_hessian(a, b, c, x, y);
    let s = 1.0 / (1.0 + (-(a * x + b * y + c)).exp());
    let (d1, d2) = (s * (1.0 - s), s * (1.0 - s) * (1.0 - 2.0 * s));
    let dz = [x, y, 1.0, a, b];
    // z_ax = z_xa = 1, z_by = z_yb = 1
    let mut zz = [[0.0; 5]; 5];
    zz[0][3] = 1.0;
    zz[3][0] = 1.0;
    zz[1][4] = 1.0;
    zz[4][1] = 1.0;
    let exact: Vec<Vec<f64>> = (0..5).map(|i| (0..5).map(|j| d2 * dz[i] * dz[j] + d1 * zz[i][j]).collect()).collect();
    assert_matrix("neuron", &rows(h), &exact, 1e-13);
}

// ---------------------------------------------------------------- a log-likelihood

/// Gaussian log-likelihood of `data` in the mean and the log of the standard deviation.
#[differentiate(wrt(mu, log_sigma), hessian)]
fn log_likelihood(mu: f64, log_sigma: f64, data: &[f64]) -> f64 {
    let sigma = log_sigma.exp();
    let mut total = 0.0;
    for &x in data {
        let z = (x - mu) / sigma;
        total += -0.5 * z * z - log_sigma - 0.5 * (2.0 * std::f64::consts::PI).ln();
    }
    total
}

#[test]
fn log_likelihood_closed_form() {
    let data = [1.2, -0.3, 2.5, 0.9, 1.7];
    let (mu, ls) = (0.8, -0.2);
    let (value, _, _, h) = log_likelihood_hessian(mu, ls, &data);
    assert_eq!(value.to_bits(), log_likelihood(mu, ls, &data).to_bits());
    let s2 = (2.0 * ls).exp();
    let n = data.len() as f64;
    let r1: f64 = data.iter().map(|x| x - mu).sum();
    let r2: f64 = data.iter().map(|x| (x - mu) * (x - mu)).sum();
    let exact = vec![vec![-n / s2, -2.0 * r1 / s2], vec![-2.0 * r1 / s2, -2.0 * r2 / s2]];
    assert_matrix("log-likelihood", &rows(h), &exact, 1e-13);
}

/// Weighted least squares with the weights read through references (`for (i, wi) in
/// weights.iter().enumerate()`, then `wi * r * r`): the dual program lifts `&f64` constants.
#[differentiate(wrt(a, b), hessian)]
fn weighted_squares(a: f64, b: f64, xs: &[f64], weights: &[f64]) -> f64 {
    let mut total = 0.0;
    for (i, wi) in weights.iter().enumerate() {
        let r = a * xs[i] + b - 1.0;
        total += wi * r * r + 0.5 * r * wi;
    }
    total
}

#[test]
fn constants_read_through_references() {
    let (xs, weights) = ([0.5, -1.0, 2.0], [1.0, 0.25, 3.0]);
    let (a, b) = (0.3, -0.7);
    let (value, _, _, h) = weighted_squares_hessian(a, b, &xs, &weights);
    assert_eq!(value.to_bits(), weighted_squares(a, b, &xs, &weights).to_bits());
    // H = 2 Σ w_i [x_i², x_i; x_i, 1]
    let s = |f: &dyn Fn(f64) -> f64| 2.0 * xs.iter().zip(&weights).map(|(x, w)| w * f(*x)).sum::<f64>();
    let exact = vec![vec![s(&|x| x * x), s(&|x| x)], vec![s(&|x| x), s(&|_| 1.0)]];
    assert_matrix("weighted squares", &rows(h), &exact, 1e-13);
}

// ---------------------------------------------------------------- arrays, slices, loops, branches

/// A slice and a fixed-size array, a taped carried loop, `max`, `abs`, a branch on an active
/// value, a local array written by index.
#[differentiate(hessian)]
fn mixed(w: &[f64], z: [f64; 3], k: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += (w[i] * z[i % 3]).sin().max(0.1 * z[0]) + (w[i] - z[1]).abs() * w[i];
    }
    let mut y = z[0];
    for _ in 0..k {
        y = (y * w[0]).sin() + 0.5 * y;
    }
    let mut h = [0.0; 2];
    h[0] = y * z[2];
    h[1] = h[0] * s;
    if y > 0.0 { s * y + h[1] } else { s - y * h[0] }
}

fn mixed_twin<D: DualNum<Primitive = f64>>(w: &[D], z: &[D], k: usize) -> D {
    let mut s = D::zero();
    for i in 0..w.len() {
        let a = (w[i].clone() * z[i % 3].clone()).sin();
        let b = z[0].clone() * 0.1;
        let m = if a.re() > b.re() { a } else { b };
        let d = w[i].clone() - z[1].clone();
        let ab = if d.re() < 0.0 { -d } else { d };
        s += m + ab * w[i].clone();
    }
    let mut y = z[0].clone();
    for _ in 0..k {
        y = (y.clone() * w[0].clone()).sin() + y * 0.5;
    }
    let h0 = y.clone() * z[2].clone();
    let h1 = h0.clone() * s.clone();
    if y.re() > 0.0 { s * y + h1 } else { s - y * h0 }
}

#[test]
fn mixed_against_num_dual_and_differences() {
    let cases: &[(&[f64], [f64; 3], usize)] = &[
        (&[0.3, -1.1, 0.8, 2.0], [0.5, 0.2, -0.7], 3),
        (&[1.3, 0.4], [-0.6, 0.9, 1.1], 0),
        (&[0.9, -0.2, 0.4, 1.7, -1.5], [0.8, -0.4, 0.3], 5),
    ];
    for (w, z, k) in cases {
        let (value, gw, gz, h) = mixed_hessian(w, *z, *k);
        assert_eq!(value.to_bits(), mixed(w, *z, *k).to_bits());
        let n = w.len();
        let mut x: Vec<f64> = w.to_vec();
        x.extend(z);
        let (re, _, dh) = hessian(
            |v: DVector<num_dual::Dual2Vec<f64, nalgebra::Dyn>>| {
                let v: Vec<_> = v.iter().cloned().collect();
                mixed_twin(&v[..n], &v[n..], *k)
            },
            &DVector::from_vec(x.clone()),
        );
        assert!(close(re, value, 1e-15));
        let reference: Vec<Vec<f64>> = (0..n + 3).map(|i| (0..n + 3).map(|j| dh[(i, j)]).collect()).collect();
        assert_matrix("mixed vs num-dual", &h, &reference, 1e-12);
        let fd = fd_hessian(
            |p| {
                let (_, gw, gz) = mixed_grad(&p[..n], [p[n], p[n + 1], p[n + 2]], *k);
                gw.into_iter().chain(gz).collect()
            },
            &x,
        );
        assert_matrix("mixed vs differences", &h, &fd, 1e-5);
        let (_, rgw, rgz) = mixed_grad(w, *z, *k);
        assert_eq!((gw, gz), (rgw, rgz), "gradient is f_grad's");
        // H·v against H times v.
        let v: Vec<f64> = (0..n + 3).map(|i| 0.3 * i as f64 - 0.8).collect();
        let (v0, _, _, hvw, hvz) = mixed_hvp(w, *z, *k, v[..n].to_vec(), [v[n], v[n + 1], v[n + 2]]);
        assert_eq!(v0.to_bits(), value.to_bits());
        let hv = mat_vec(&reference, &v);
        for (i, got) in hvw.iter().chain(&hvz).enumerate() {
            assert!(close(*got, hv[i], 1e-12), "H·v[{i}] = {got:e}, reference {:e}", hv[i]);
        }
    }
}

// ---------------------------------------------------------------- iterator chains, early return

#[differentiate(hessian)]
fn chain(xs: &[f64], t: f64) -> f64 {
    if t > 10.0 {
        return t * t;
    }
    let s: f64 = xs.iter().map(|x| (x * t).tanh()).sum();
    let p = xs.iter().zip(xs.iter().skip(1)).fold(1.0, |acc, (a, b)| acc * (1.0 + a * b * 0.1));
    s * p + t.powi(3) / 3.0
}

fn chain_twin<D: DualNum<Primitive = f64>>(xs: &[D], t: D) -> D {
    if t.re() > 10.0 {
        return t.clone() * t;
    }
    let mut s = D::zero();
    for x in xs {
        s += (x.clone() * t.clone()).tanh();
    }
    let mut p = D::one();
    for i in 0..xs.len().saturating_sub(1) {
        p *= xs[i].clone() * xs[i + 1].clone() * 0.1 + 1.0;
    }
    s * p + t.powi(3) / 3.0
}

#[test]
fn chain_against_num_dual() {
    for (xs, t) in [(vec![0.2, -0.5, 1.1], 0.7), (vec![1.0, 2.0], 11.0), (vec![0.4], -1.3)] {
        let n = xs.len();
        let (value, _, _, h) = chain_hessian(&xs, t);
        assert_eq!(value.to_bits(), chain(&xs, t).to_bits());
        let mut x = xs.clone();
        x.push(t);
        let (_, _, dh) = hessian(
            |v: DVector<num_dual::Dual2Vec<f64, nalgebra::Dyn>>| {
                let v: Vec<_> = v.iter().cloned().collect();
                chain_twin(&v[..n], v[n].clone())
            },
            &DVector::from_vec(x),
        );
        let reference: Vec<Vec<f64>> = (0..=n).map(|i| (0..=n).map(|j| dh[(i, j)]).collect()).collect();
        assert_matrix("chain", &h, &reference, 1e-12);
    }
}

// ---------------------------------------------------------------- wrt, fixed-size array Hessian

#[differentiate(wrt(p), hessian, forward)]
fn quartic(p: [f64; 3], scale: f64, n: usize) -> f64 {
    let mut e = 0.0;
    for i in 0..3 {
        e += (p[i] * scale).powi(4) / (n as f64) + p[i] * p[(i + 1) % 3];
    }
    e.sqrt()
}

fn quartic_twin<D: DualNum<Primitive = f64> + Copy>(p: &[D], scale: f64, n: usize) -> D {
    let mut e = D::zero();
    for i in 0..3 {
        e += (p[i] * scale).powi(4) / (n as f64) + p[i] * p[(i + 1) % 3];
    }
    e.sqrt()
}

#[test]
fn wrt_array_against_num_dual() {
    let p = [0.9, 1.4, -0.3];
    let (value, g, h): (f64, [f64; 3], [[f64; 3]; 3]) = quartic_hessian(p, 1.5, 2);
    assert_eq!(value.to_bits(), quartic(p, 1.5, 2).to_bits());
    let (_, rg) = quartic_grad(p, 1.5, 2);
    assert_eq!(g, rg);
    let (_, _, dh) = hessian(
        |v: SVector<num_dual::Dual2Vec<f64, nalgebra::Const<3>>, 3>| {
            let v: Vec<_> = v.iter().cloned().collect();
            quartic_twin(&v, 1.5, 2)
        },
        &SVector::from([0.9, 1.4, -0.3]),
    );
    let reference: Vec<Vec<f64>> = (0..3).map(|i| (0..3).map(|j| dh[(i, j)]).collect()).collect();
    assert_matrix("quartic", &rows(h), &reference, 1e-13);
    // forward combines: f_jvp still there.
    let (jv, jt) = quartic_jvp(p, 1.5, 2, [1.0, 0.0, 0.0]);
    assert_eq!(jv.to_bits(), value.to_bits());
    assert!(close(jt, g[0], 1e-14));
}

/// A `Vec` buffer, `clamp`, `atan2`, `hypot`, `ln`: through FD of the gradient.
#[differentiate(hessian)]
fn buffers(x: Vec<f64>, a: f64) -> f64 {
    let mut buf = vec![0.0; x.len()];
    for i in 0..x.len() {
        buf[i] = (x[i] * a).clamp(-1.0, 1.5) + x[i].atan2(a).hypot(1.0);
    }
    let mut total = 0.0;
    for b in &buf {
        total += (b * b + 1.0).ln();
    }
    total * a
}

#[test]
fn buffers_against_differences() {
    let x = vec![0.3, -0.9, 1.2, 2.2];
    let a = 0.8;
    let (value, _, _, h) = buffers_hessian(x.clone(), a);
    assert_eq!(value.to_bits(), buffers(x.clone(), a).to_bits());
    let mut p = x.clone();
    p.push(a);
    let n = x.len();
    let fd = fd_hessian(
        |q| {
            let (_, gx, ga) = buffers_grad(q[..n].to_vec(), q[n]);
            gx.into_iter().chain([ga]).collect()
        },
        &p,
    );
    assert_matrix("buffers", &h, &fd, 1e-5);
}

// ---------------------------------------------------------------- every smooth gate

#[differentiate(hessian)]
fn gates(x: f64, y: f64) -> f64 {
    let a = x.sin() * y.cos() + x.exp() * y.tanh() - (x * x + 1.0).ln() + x.sinh() * y.cosh().recip();
    let b = x.max(y) + x.min(y) + x.abs() + x.hypot(y) + x.atan2(y) + x.powi(3) + y.powf(x) + y.cbrt();
    let c = f64::sqrt(x * x + 1.0) + f64::mul_add(x, y, 1.0) + x.clamp(-1.0, 1.0) + x.floor() + (x / 4.0).atan();
    let d = (x * 0.3).asin() + (y * 0.2).acos() + (x * x + 1.5).acosh() + y.asinh() + (x * 0.4).atanh();
    let e = x.exp2() + y.exp_m1() + y.ln_1p() + y.log10() + x.log2() + y.log(x + 2.0) + (x * 0.3).tan();
    let f = x.to_degrees() * y.to_radians() + (x * y) % 0.7 + x.rem_euclid(0.9) + y.fract();
    a + b + c + d + e + f
}

#[test]
fn every_gate_against_differences() {
    for &(x, y) in &[(0.37, 1.21), (-0.61, 0.83), (1.13, 2.05)] {
        let (value, _, _, h) = gates_hessian(x, y);
        assert_eq!(value.to_bits(), gates(x, y).to_bits());
        let fd = fd_hessian(
            |p| {
                let (_, gx, gy) = gates_grad(p[0], p[1]);
                vec![gx, gy]
            },
            &[x, y],
        );
        assert_matrix("gates", &rows(h), &fd, 1e-5);
    }
}
