//! Generic functions `fn f<F: num_traits::Float>` (issue 14 item 3, CONTRACT.md §9): the
//! companions are generic over the same `F`, so one function serves `f32` and `f64`.
//!
//! With `hessian`, `f_hvp` and `f_hessian` are generic too: the dual number they run in is
//! `Dual<F>` for any `F: DualFloat` (`f64`, `f32`).
//!
//! Expected values come from closed forms, central finite differences of the original function
//! (`tests/common`), and, the strongest check, a twin of each function written by hand for
//! `f64`: the generic `f_grad::<f64>` must return the twin's `f_grad` bit for bit (the generic
//! emission is the same program). The `f32` instantiation is checked against the closed form or
//! the `f64` gradient at `f32` accuracy.

#![allow(
    clippy::ptr_arg,
    clippy::needless_range_loop,
    clippy::float_cmp,
    clippy::cast_precision_loss,
    clippy::unreadable_literal,
    clippy::suboptimal_flops,
    clippy::assign_op_pattern
)]

mod common;

use approx::assert_relative_eq;
use common::{assert_exact, assert_fd_all, assert_matrix, assert_same_value, fd_hessian, mat_vec};
use gradmacro::differentiate;
use num_traits::{Float, FloatConst};

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

// ---- the guide's neuron -------------------------------------------------------------------

#[differentiate(forward, hessian)]
fn neuron<F: Float>(a: F, b: F, c: F, x: F, y: F) -> F {
    let z = a * x + b * y + c;
    F::one() / (F::one() + (-z).exp())
}

#[differentiate(forward, hessian)]
fn neuron64(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    let z = a * x + b * y + c;
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn neuron_matches_closed_form_in_f64_and_f32() {
    for &(a, b, c, x, y) in &[(0.5, -0.3, 0.1, 1.0, 2.0), (-1.2, 0.7, 0.4, -0.5, 0.25), (2.0, 1.0, -3.0, 0.3, 0.9)] {
        let s = 1.0 / (1.0 + f64::exp(-(a * x + b * y + c)));
        let ds = s * (1.0 - s);
        let (v, da, db, dc, dx, dy) = neuron_grad(a, b, c, x, y);
        assert_same_value("neuron", v, neuron(a, b, c, x, y));
        for (what, got, want) in
            [("a", da, ds * x), ("b", db, ds * y), ("c", dc, ds), ("x", dx, ds * a), ("y", dy, ds * b)]
        {
            assert_exact(&format!("neuron d/d{what}"), got, want);
        }
        let (v32, da32, db32, dc32, dx32, dy32) = neuron_grad(a as f32, b as f32, c as f32, x as f32, y as f32);
        assert_eq!(v32.to_bits(), neuron(a as f32, b as f32, c as f32, x as f32, y as f32).to_bits());
        for (got, want) in [(da32, ds * x), (db32, ds * y), (dc32, ds), (dx32, ds * a), (dy32, ds * b)] {
            assert_relative_eq!(f64::from(got), want, epsilon = 1e-6, max_relative = 1e-5);
        }
    }
}

#[test]
fn neuron_f64_instantiation_is_bit_identical_to_the_f64_function() {
    for &p in &[(0.5, -0.3, 0.1, 1.0, 2.0), (-1.2, 0.7, 0.4, -0.5, 0.25), (40.0, 1.0, -3.0, 0.3, 0.9)] {
        let g = neuron_grad::<f64>(p.0, p.1, p.2, p.3, p.4);
        let h = neuron64_grad(p.0, p.1, p.2, p.3, p.4);
        assert_eq!(bits(&[g.0, g.1, g.2, g.3, g.4, g.5]), bits(&[h.0, h.1, h.2, h.3, h.4, h.5]));
        let t = (0.3, -1.0, 2.0, 0.5, 0.0);
        let j = neuron_jvp::<f64>(p.0, p.1, p.2, p.3, p.4, t.0, t.1, t.2, t.3, t.4);
        let k = neuron64_jvp(p.0, p.1, p.2, p.3, p.4, t.0, t.1, t.2, t.3, t.4);
        assert_eq!(bits(&[j.0, j.1]), bits(&[k.0, k.1]));
    }
}

#[test]
fn neuron_jvp_is_the_gradient_along_the_tangent() {
    let (a, b, c, x, y) = (0.5f32, -0.3, 0.1, 1.0, 2.0);
    let t = [0.3f32, -1.0, 2.0, 0.5, 0.25];
    let (_, da, db, dc, dx, dy) = neuron_grad(f64::from(a), f64::from(b), f64::from(c), f64::from(x), f64::from(y));
    let want = da * f64::from(t[0])
        + db * f64::from(t[1])
        + dc * f64::from(t[2])
        + dx * f64::from(t[3])
        + dy * f64::from(t[4]);
    let (v, d) = neuron_jvp(a, b, c, x, y, t[0], t[1], t[2], t[3], t[4]);
    assert_eq!(v.to_bits(), neuron(a, b, c, x, y).to_bits());
    assert_relative_eq!(f64::from(d), want, epsilon = 1e-6, max_relative = 1e-5);
}

// ---- Rosenbrock over a slice --------------------------------------------------------------

#[differentiate(hessian)]
fn rosenbrock<F: num_traits::Float>(xs: &[F]) -> F {
    let mut s = F::zero();
    for i in 0..xs.len() - 1 {
        let t = xs[i + 1] - xs[i] * xs[i];
        let u = F::one() - xs[i];
        s = s + F::from(100.0).unwrap() * t * t + u * u;
    }
    s
}

#[differentiate(hessian)]
fn rosenbrock64(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() - 1 {
        let t = xs[i + 1] - xs[i] * xs[i];
        let u = 1.0 - xs[i];
        s = s + 100.0 * t * t + u * u;
    }
    s
}

fn rosenbrock_closed(x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * x[i] * t - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * t;
    }
    g
}

#[test]
fn rosenbrock_matches_closed_form_and_the_f64_twin() {
    for x in [vec![1.0, 2.0, 3.0], vec![-1.2, 1.0, 0.5, 0.25], vec![0.1, -0.3]] {
        let (v, g) = rosenbrock_grad(&x);
        assert_same_value("rosenbrock", v, rosenbrock(&x));
        for (i, (got, want)) in g.iter().zip(rosenbrock_closed(&x)).enumerate() {
            assert_exact(&format!("rosenbrock component {i}"), *got, want);
        }
        let (v64, g64) = rosenbrock64_grad(&x);
        assert_eq!(v.to_bits(), v64.to_bits());
        assert_eq!(bits(&g), bits(&g64));
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let (v32, g32) = rosenbrock_grad(&x32);
        assert_eq!(v32.to_bits(), rosenbrock(&x32).to_bits());
        let at32: Vec<f64> = x32.iter().map(|&v| f64::from(v)).collect();
        for (got, want) in g32.iter().zip(rosenbrock_closed(&at32)) {
            assert_relative_eq!(f64::from(*got), want, epsilon = 1e-4, max_relative = 1e-5);
        }
    }
}

// ---- a loop with a branch, F::PI(), F::from(i) --------------------------------------------

#[differentiate(hessian)]
fn looped<F>(x: F, y: F) -> F
where
    F: Float + FloatConst + core::fmt::Debug,
{
    let mut acc = F::zero();
    for i in 1..5 {
        let k = F::from(i).unwrap();
        if x * k > y {
            acc = acc + (k * x).sin() * F::PI();
        } else {
            acc = acc + y.powi(i) / k - F::epsilon();
        }
        acc = acc * F::from(0.9).unwrap();
    }
    acc + x.sqrt() * F::from(0.5).unwrap() + x.max(y) + F::sin(y)
}

#[differentiate(hessian)]
fn looped64(x: f64, y: f64) -> f64 {
    let mut acc = 0.0;
    for i in 1..5 {
        let k = f64::from(i);
        if x * k > y {
            acc = acc + (k * x).sin() * std::f64::consts::PI;
        } else {
            acc = acc + y.powi(i) / k - f64::EPSILON;
        }
        acc = acc * 0.9;
    }
    acc + x.sqrt() * 0.5 + x.max(y) + f64::sin(y)
}

#[test]
fn loop_with_branch_against_finite_differences_and_the_f64_twin() {
    for &(x, y) in &[(1.3, 2.1), (0.4, 0.9), (2.5, 0.3), (0.2, 3.0)] {
        let (v, dx, dy) = looped_grad(x, y);
        assert_same_value("looped", v, looped(x, y));
        assert_fd_all("looped", |p| looped(p[0], p[1]), &[x, y], &[dx, dy]);
        let (v64, dx64, dy64) = looped64_grad(x, y);
        assert_eq!(bits(&[v, dx, dy]), bits(&[v64, dx64, dy64]));
        let (v32, dx32, dy32) = looped_grad(x as f32, y as f32);
        assert_eq!(v32.to_bits(), looped(x as f32, y as f32).to_bits());
        let (_, dxw, dyw) = looped_grad(f64::from(x as f32), f64::from(y as f32));
        assert_relative_eq!(f64::from(dx32), dxw, epsilon = 1e-4, max_relative = 1e-4);
        assert_relative_eq!(f64::from(dy32), dyw, epsilon = 1e-4, max_relative = 1e-4);
    }
}

// ---- many gates, arrays, `Vec`s, const generics -------------------------------------------

#[differentiate(forward, hessian)]
fn gates<F: Float + FloatConst>(x: F, y: F) -> F {
    let two = F::one() + F::one();
    let a = x.sin() * y.cos() + x.exp() * y.tanh() - (x * x + F::one()).ln();
    let b = x.max(y) + x.min(y) + x.abs() + x.hypot(y) + x.atan2(y) + x.powi(3) + y.powf(two);
    let c = F::sqrt(x * x + F::one()) + F::mul_add(x, y, F::one()) + x.clamp(-F::one(), F::one());
    let (s, co) = x.sin_cos();
    let d = x.exp2() + y.log2() + y.log10() + x.cbrt() + y.ln_1p() + x.exp_m1() + x.atan() + y.asinh();
    let e = x.recip() + x.to_degrees() + y.to_radians() + (x * y).sinh() + x.cosh() + y.log(two) + x.tan();
    a + b + c * F::FRAC_PI_2() + s * co + d + e + x.floor()
}

#[differentiate(forward, hessian)]
fn gates64(x: f64, y: f64) -> f64 {
    let two = 1.0 + 1.0;
    let a = x.sin() * y.cos() + x.exp() * y.tanh() - (x * x + 1.0).ln();
    let b = x.max(y) + x.min(y) + x.abs() + x.hypot(y) + x.atan2(y) + x.powi(3) + y.powf(two);
    let c = f64::sqrt(x * x + 1.0) + f64::mul_add(x, y, 1.0) + x.clamp(-1.0, 1.0);
    let (s, co) = x.sin_cos();
    let d = x.exp2() + y.log2() + y.log10() + x.cbrt() + y.ln_1p() + x.exp_m1() + x.atan() + y.asinh();
    let e = x.recip() + x.to_degrees() + y.to_radians() + (x * y).sinh() + x.cosh() + y.log(two) + x.tan();
    a + b + c * std::f64::consts::FRAC_PI_2 + s * co + d + e + x.floor()
}

#[test]
fn gates_against_finite_differences_and_the_f64_twin() {
    for &(x, y) in &[(0.7, 1.3), (-0.4, 0.6), (1.1, 0.2), (0.5, 0.5)] {
        let (v, dx, dy) = gates_grad(x, y);
        assert_same_value("gates", v, gates(x, y));
        assert_fd_all("gates", |p| gates(p[0], p[1]), &[x, y], &[dx, dy]);
        let twin = gates64_grad(x, y);
        assert_eq!(bits(&[v, dx, dy]), bits(&[twin.0, twin.1, twin.2]));
        let (jv, jd) = gates_jvp(x, y, 0.25, -1.5);
        let (tv, td) = gates64_jvp(x, y, 0.25, -1.5);
        assert_eq!(bits(&[jv, jd]), bits(&[tv, td]));
        assert_relative_eq!(jd, 0.25 * dx - 1.5 * dy, epsilon = 1e-12, max_relative = 1e-10);
        let (v32, dx32, dy32) = gates_grad(x as f32, y as f32);
        assert_eq!(v32.to_bits(), gates(x as f32, y as f32).to_bits());
        let (_, dxw, dyw) = gates_grad(f64::from(x as f32), f64::from(y as f32));
        assert_relative_eq!(f64::from(dx32), dxw, epsilon = 1e-3, max_relative = 1e-4);
        assert_relative_eq!(f64::from(dy32), dyw, epsilon = 1e-3, max_relative = 1e-4);
    }
}

#[differentiate(wrt(w, xs), hessian)]
fn weighted<F: Float, const N: usize>(w: [F; N], xs: Vec<F>, bias: &Vec<F>, scale: f64) -> F {
    let mut s = F::zero();
    for (i, x) in xs.iter().enumerate() {
        s = s + w[i % N] * *x * *x + bias[i];
    }
    s * F::from(scale).unwrap()
}

#[test]
fn arrays_and_vecs_with_const_generics() {
    let (w, xs, bias) = ([0.5, -1.0, 2.0], vec![1.0, 2.0, -3.0, 0.5], vec![0.1, 0.2, 0.3, 0.4]);
    let (v, gw, gx) = weighted_grad(w, xs.clone(), &bias, 1.5);
    assert_same_value("weighted", v, weighted(w, xs.clone(), &bias, 1.5));
    let mut want_w = [0.0; 3];
    for (i, x) in xs.iter().enumerate() {
        want_w[i % 3] += 1.5 * x * x;
        assert_exact(&format!("weighted d/dxs[{i}]"), gx[i], 1.5 * 2.0 * w[i % 3] * x);
    }
    for k in 0..3 {
        assert_exact(&format!("weighted d/dw[{k}]"), gw[k], want_w[k]);
    }
    let (v32, gw32, gx32) = weighted_grad([0.5f32, -1.0, 2.0], vec![1.0f32, 2.0, -3.0, 0.5], &vec![0.1f32; 4], 1.5);
    assert!(v32.is_finite());
    assert_relative_eq!(f64::from(gw32[0]), want_w[0], max_relative = 1e-6);
    assert_relative_eq!(f64::from(gx32[2]), gx[2], max_relative = 1e-6);
}

// ---- vector outputs -----------------------------------------------------------------------

#[differentiate]
fn polar<F: Float>(r: F, t: F) -> [F; 2] {
    [r * t.cos(), r * t.sin()]
}

#[test]
fn vector_output_jacobian_and_vjp() {
    for (r, t) in [(2.0f64, 0.3f64), (0.5, -1.2)] {
        let (v, jr, jt) = polar_jacobian(r, t);
        assert_eq!(v, polar(r, t));
        assert_exact("polar dx/dr", jr[0], t.cos());
        assert_exact("polar dy/dr", jr[1], t.sin());
        assert_exact("polar dx/dt", jt[0], -r * t.sin());
        assert_exact("polar dy/dt", jt[1], r * t.cos());
        let (_, gr, gt) = polar_vjp(r as f32, t as f32, [1.0, -2.0]);
        assert_relative_eq!(f64::from(gr), t.cos() - 2.0 * t.sin(), epsilon = 1e-5, max_relative = 1e-5);
        assert_relative_eq!(f64::from(gt), -r * t.sin() - 2.0 * r * t.cos(), epsilon = 1e-5, max_relative = 1e-5);
    }
}

// ---- what the oracle's generic twins found not to compile ----------------------------------
// A `loop` breaking with an integer, `.reduce()`, arrays declared inside an `if` arm and a loop
// body: each needed a value of a path not taken, and a generic `F` has no `Default`.

#[differentiate(hessian)]
fn break_with_count<F: Float>(x: F, y: F) -> F {
    let mut s = x;
    let k = loop {
        s = s * y;
        if s > F::from(10.0).unwrap() {
            break 3usize;
        }
        if s < F::from(-10.0).unwrap() {
            break 2usize;
        }
    };
    s * F::from(k).unwrap()
}

#[differentiate(hessian)]
fn reduce_product<F: Float>(x: &[F]) -> F {
    x.iter().copied().reduce(|a, b| a * b).unwrap_or(F::zero())
}

#[differentiate(hessian)]
fn arrays_in_arm_and_loop<F: Float>(x: F, y: F) -> F {
    let mut s = x;
    if x > y {
        let a = [x, y, x * y];
        s = a[0] + a[1] * a[2];
    }
    for _ in 0..3 {
        let b = [s, y];
        s = b[0] * b[1];
    }
    s
}

#[test]
fn break_value_reduce_and_arrays_in_arms_against_closed_forms() {
    // s = x y^m, m the first power past ±10; the count is 3 or 2.
    for &(x, y) in &[(1.1, 2.0), (-1.1, 2.0), (0.3, -3.0)] {
        let (v, dx, dy) = break_with_count_grad(x, y);
        assert_same_value("break_with_count", v, break_with_count(x, y));
        let (mut m, mut s) = (0, x);
        while s.abs() <= 10.0 {
            s *= y;
            m += 1;
        }
        let k = if s > 10.0 { 3.0 } else { 2.0 };
        assert_exact("d/dx", dx, k * y.powi(m));
        assert_exact("d/dy", dy, k * x * f64::from(m) * y.powi(m - 1));
        let (v32, dx32, _) = break_with_count_grad(x as f32, y as f32);
        assert_eq!(v32.to_bits(), break_with_count(x as f32, y as f32).to_bits());
        assert_relative_eq!(f64::from(dx32), dx, max_relative = 1e-5);
    }
    let xs = [1.5, -2.0, 0.25];
    let (v, g) = reduce_product_grad(&xs);
    assert_same_value("reduce_product", v, reduce_product(&xs));
    for i in 0..3 {
        let others: f64 = (0..3).filter(|&j| j != i).map(|j| xs[j]).product();
        assert_exact("d/dx_i", g[i], others);
    }
    assert_eq!(reduce_product_grad::<f64>(&[]), (0.0, vec![]));
    // x > y: s = (x + x y²) y^3, else s = x y^3
    for &(x, y) in &[(2.0, 1.0), (0.5, 1.5)] {
        let (v, dx, dy) = arrays_in_arm_and_loop_grad(x, y);
        assert_same_value("arrays_in_arm_and_loop", v, arrays_in_arm_and_loop(x, y));
        if x > y {
            assert_exact("d/dx", dx, (1.0 + y * y) * y.powi(3));
            assert_exact("d/dy", dy, 2.0 * x * y * y.powi(3) + 3.0 * (x + x * y * y) * y * y);
        } else {
            assert_exact("d/dx", dx, y.powi(3));
            assert_exact("d/dy", dy, 3.0 * x * y * y);
        }
    }
}

// ---- second order (`hessian`) -------------------------------------------------------------
// `f_hessian::<f64>` against central differences of `f_grad` (the reverse pass, another
// program) or a closed form, bit for bit against the `f64` twin's `f_hessian`; `f_hvp` against
// `H v`; the `f32` instantiation against the `f64` Hessian at the rounded point.

fn rows<const K: usize>(h: [[f64; K]; K]) -> Vec<Vec<f64>> {
    h.iter().map(|r| r.to_vec()).collect()
}

fn rows32<const K: usize>(h: [[f32; K]; K]) -> Vec<Vec<f64>> {
    h.iter().map(|r| r.iter().map(|&x| f64::from(x)).collect()).collect()
}

fn round32(p: &[f64]) -> Vec<f64> {
    p.iter().map(|&x| f64::from(x as f32)).collect()
}

#[test]
fn neuron_hessian_generic() {
    let grad = |q: &[f64]| {
        let g = neuron_grad(q[0], q[1], q[2], q[3], q[4]);
        vec![g.1, g.2, g.3, g.4, g.5]
    };
    for p in [[0.5f64, -0.3, 0.1, 1.0, 2.0], [-1.2, 0.7, 0.4, -0.5, 0.25]] {
        let (v, da, db, dc, dx, dy, h) = neuron_hessian(p[0], p[1], p[2], p[3], p[4]);
        assert_eq!(v.to_bits(), neuron(p[0], p[1], p[2], p[3], p[4]).to_bits());
        assert_eq!(bits(&[da, db, dc, dx, dy]), bits(&grad(&p)));
        let twin = neuron64_hessian(p[0], p[1], p[2], p[3], p[4]);
        assert_eq!(bits(&h.concat()), bits(&twin.6.concat()), "the f64 twin's Hessian");
        assert_matrix("neuron vs differences", &rows(h), &fd_hessian(grad, &p), 1e-6);
        let dir = [0.3, -1.0, 2.0, 0.5, 0.25];
        let hv = neuron_hvp(p[0], p[1], p[2], p[3], p[4], dir[0], dir[1], dir[2], dir[3], dir[4]);
        let want = mat_vec(&rows(h), &dir);
        for (got, want) in [hv.6, hv.7, hv.8, hv.9, hv.10].iter().zip(&want) {
            assert_relative_eq!(*got, *want, epsilon = 1e-12, max_relative = 1e-12);
        }
        let q = p.map(|x| x as f32);
        let h32 = neuron_hessian(q[0], q[1], q[2], q[3], q[4]).6;
        let r = round32(&p);
        let h64 = neuron_hessian(r[0], r[1], r[2], r[3], r[4]).6;
        assert_matrix("neuron f32", &rows32(h32), &rows(h64), 1e-5);
    }
}

#[test]
fn looped_and_gates_hessians_generic() {
    for &(x, y) in &[(1.3, 2.1), (0.4, 0.9), (2.5, 0.3)] {
        let (v, dx, dy, h) = looped_hessian(x, y);
        assert_eq!(
            bits(&[v, dx, dy]),
            bits(&{
                let g = looped_grad(x, y);
                [g.0, g.1, g.2]
            })
        );
        assert_eq!(bits(&h.concat()), bits(&looped64_hessian(x, y).3.concat()));
        let grad = |q: &[f64]| {
            let g = looped_grad(q[0], q[1]);
            vec![g.1, g.2]
        };
        assert_matrix("looped vs differences", &rows(h), &fd_hessian(grad, &[x, y]), 1e-5);
        let h32 = looped_hessian(x as f32, y as f32).3;
        let r = round32(&[x, y]);
        assert_matrix("looped f32", &rows32(h32), &rows(looped_hessian(r[0], r[1]).3), 1e-4);
    }
    for &(x, y) in &[(0.7, 1.3), (-0.4, 0.6), (1.1, 0.2)] {
        let (_, _, _, h) = gates_hessian(x, y);
        assert_eq!(bits(&h.concat()), bits(&gates64_hessian(x, y).3.concat()));
        let grad = |q: &[f64]| {
            let g = gates_grad(q[0], q[1]);
            vec![g.1, g.2]
        };
        assert_matrix("gates vs differences", &rows(h), &fd_hessian(grad, &[x, y]), 1e-5);
        let (_, _, _, hv0, hv1) = gates_hvp(x, y, 0.25, -1.5);
        let want = mat_vec(&rows(h), &[0.25, -1.5]);
        assert_relative_eq!(hv0, want[0], epsilon = 1e-12, max_relative = 1e-12);
        assert_relative_eq!(hv1, want[1], epsilon = 1e-12, max_relative = 1e-12);
    }
}

#[test]
fn rosenbrock_and_weighted_hessians_generic_against_closed_forms() {
    for x in [vec![1.0, 2.0, 3.0], vec![-1.2, 1.0, 0.5, 0.25]] {
        let n = x.len();
        let (_, _, h) = rosenbrock_hessian(&x);
        let mut want = vec![vec![0.0; n]; n];
        for i in 0..n - 1 {
            want[i][i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            want[i + 1][i + 1] += 200.0;
            want[i][i + 1] -= 400.0 * x[i];
            want[i + 1][i] -= 400.0 * x[i];
        }
        assert_matrix("rosenbrock", &h, &want, 1e-14);
        assert_eq!(bits(&h.concat()), bits(&rosenbrock64_hessian(&x).2.concat()));
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let h32: Vec<Vec<f64>> =
            rosenbrock_hessian(&x32).2.iter().map(|r| r.iter().map(|&v| f64::from(v)).collect()).collect();
        assert_matrix("rosenbrock f32", &h32, &rosenbrock_hessian(&round32(&x)).2, 1e-5);
    }
    // s = scale Σ_i w[i % 3] x_i²: d²/dw_k dx_i = 2 scale x_i [i % 3 == k], d²/dx_i² = 2 scale w[i % 3]
    let (w, xs, bias, scale) = ([0.5, -1.0, 2.0], vec![1.0, 2.0, -3.0, 0.5], vec![0.1, 0.2, 0.3, 0.4], 1.5);
    let (_, _, _, h) = weighted_hessian(w, xs.clone(), &bias, scale);
    let mut want = vec![vec![0.0; 7]; 7];
    for (i, x) in xs.iter().enumerate() {
        want[i % 3][3 + i] = 2.0 * scale * x;
        want[3 + i][i % 3] = 2.0 * scale * x;
        want[3 + i][3 + i] = 2.0 * scale * w[i % 3];
    }
    assert_matrix("weighted", &h, &want, 1e-14);
}

#[test]
fn loop_break_and_arms_hessians_generic_against_differences() {
    for &(x, y) in &[(1.1, 2.0), (0.3, -3.0)] {
        let (_, _, _, h) = break_with_count_hessian(x, y);
        let grad = |q: &[f64]| {
            let g = break_with_count_grad(q[0], q[1]);
            vec![g.1, g.2]
        };
        assert_matrix("break_with_count", &rows(h), &fd_hessian(grad, &[x, y]), 1e-5);
    }
    for &(x, y) in &[(2.0, 1.0), (0.5, 1.5)] {
        let (_, _, _, h) = arrays_in_arm_and_loop_hessian(x, y);
        let grad = |q: &[f64]| {
            let g = arrays_in_arm_and_loop_grad(q[0], q[1]);
            vec![g.1, g.2]
        };
        assert_matrix("arrays_in_arm_and_loop", &rows(h), &fd_hessian(grad, &[x, y]), 1e-5);
    }
    let xs = [1.5, -2.0, 0.25];
    let (_, _, h) = reduce_product_hessian(&xs);
    for i in 0..3 {
        for j in 0..3 {
            let want = if i == j { 0.0 } else { (0..3).filter(|&k| k != i && k != j).map(|k| xs[k]).product() };
            assert_exact(&format!("reduce_product H[{i}][{j}]"), h[i][j], want);
        }
    }
}
