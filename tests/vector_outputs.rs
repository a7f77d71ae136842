//! Issue 13, item 3: vector outputs (CONTRACT.md §8). A function returning `[F; N]` or a tuple of
//! floats gets `f_vjp(args.., seed) -> (value, seedᵀ·J per parameter)` and
//! `f_jacobian(args..) -> (value, J per parameter)`; a differentiated function can call a
//! vector-valued function through its `_vjp` companion (generated or written by hand).
//!
//! Expected values come from closed forms written here, from central finite differences of the
//! original functions, and from num-dual's forward-mode `jacobian`; never from the code under
//! test. Values are checked bit for bit against the original functions.

mod common;

use common::{assert_exact, assert_fd, fd, step};
use gradmacro::differentiate;

fn same_bits(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.to_bits(), w.to_bits(), "{what}: component {i}: {g:e} from the companion, {w:e} from f");
    }
}

/// Central-difference Jacobian of `f: R^m -> R^n` at `x`: `jac[i][j] = ∂f_i/∂x_j`.
fn fd_jacobian(f: impl Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Vec<Vec<f64>> {
    let n = f(x).len();
    (0..n).map(|i| fd(|p| f(p)[i], x)).collect()
}

fn assert_jacobian_fd(what: &str, f: impl Fn(&[f64]) -> Vec<f64>, x: &[f64], got: &[Vec<f64>]) {
    let want = fd_jacobian(f, x);
    assert_eq!(got.len(), want.len(), "{what}: rows");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.len(), w.len(), "{what}: row {i} length");
        for (j, (a, b)) in g.iter().zip(w).enumerate() {
            assert_fd(&format!("{what}: ∂out{i}/∂x{j} at {x:?}"), *a, *b);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The 2-link arm: forward kinematics and its Jacobian in closed form.

const L1: f64 = 1.5;
const L2: f64 = 0.8;

#[differentiate]
fn fk(q1: f64, q2: f64) -> [f64; 2] {
    let x = L1 * q1.cos() + L2 * (q1 + q2).cos();
    let y = L1 * q1.sin() + L2 * (q1 + q2).sin();
    [x, y]
}

#[test]
fn two_link_arm_jacobian_matches_the_closed_form() {
    for &(q1, q2) in &[(0.3, 0.7), (-1.2, 2.5), (0.0, 0.0), (3.0, -0.4)] {
        let (p, j1, j2) = fk_jacobian(q1, q2);
        same_bits("fk value", &p, &fk(q1, q2));
        // J = [[-l1 s1 - l2 s12, -l2 s12], [l1 c1 + l2 c12, l2 c12]]
        let (s1, c1, s12, c12) = (q1.sin(), q1.cos(), (q1 + q2).sin(), (q1 + q2).cos());
        assert_exact("dx/dq1", j1[0], -L1 * s1 - L2 * s12);
        assert_exact("dx/dq2", j2[0], -L2 * s12);
        assert_exact("dy/dq1", j1[1], L1 * c1 + L2 * c12);
        assert_exact("dy/dq2", j2[1], L2 * c12);
        // The vjp is seedᵀ J.
        let seed = [0.7, -1.3];
        let (v, g1, g2) = fk_vjp(q1, q2, seed);
        same_bits("fk_vjp value", &v, &fk(q1, q2));
        assert_exact("vjp q1", g1, seed[0] * j1[0] + seed[1] * j1[1]);
        assert_exact("vjp q2", g2, seed[0] * j2[0] + seed[1] * j2[1]);
    }
}

// ------------------------------------------------------------------------------------------------
// Shapes of outputs: tuples, arrays built in branches, after loops, early returns.

#[differentiate]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[test]
fn tuple_output() {
    let (r, t) = (1.7, 0.4);
    let (v, jr, jt) = polar_jacobian(r, t);
    assert_eq!(v, polar(r, t));
    assert_exact("dx/dr", jr.0, t.cos());
    assert_exact("dy/dr", jr.1, t.sin());
    assert_exact("dx/dt", jt.0, -r * t.sin());
    assert_exact("dy/dt", jt.1, r * t.cos());
    let (v, gr, gt) = polar_vjp(r, t, (2.0, 3.0));
    assert_eq!(v, polar(r, t));
    assert_exact("vjp r", gr, 2.0 * t.cos() + 3.0 * t.sin());
    assert_exact("vjp t", gt, -2.0 * r * t.sin() + 3.0 * r * t.cos());
}

#[differentiate]
fn branchy(x: [f64; 3], k: f64) -> [f64; 3] {
    if x[0] > 0.0 {
        return [x[0] * k, x[1] * x[2], k];
    }
    let mut h = [0.0; 3];
    for i in 0..3 {
        h[i] = x[i].sin() * k;
    }
    if k > 1.0 { [h[2], h[1], h[0]] } else { h }
}

fn branchy_flat(p: &[f64]) -> Vec<f64> {
    branchy([p[0], p[1], p[2]], p[3]).to_vec()
}

#[test]
fn arrays_in_branches_after_loops_and_early_returns() {
    for p in [[0.5, -0.3, 1.1, 2.0], [-0.5, -0.3, 1.1, 2.0], [-0.5, 0.3, -1.1, 0.5]] {
        let x = [p[0], p[1], p[2]];
        let (v, jx, jk) = branchy_jacobian(x, p[3]);
        same_bits("branchy value", &v, &branchy(x, p[3]));
        let got: Vec<Vec<f64>> = (0..3).map(|i| vec![jx[i][0], jx[i][1], jx[i][2], jk[i]]).collect();
        assert_jacobian_fd("branchy", branchy_flat, &p, &got);
        let (vv, gx, gk) = branchy_vjp(x, p[3], [1.0, -2.0, 0.5]);
        same_bits("branchy_vjp value", &vv, &branchy(x, p[3]));
        for j in 0..3 {
            assert_exact("vjp x", gx[j], jx[0][j] - 2.0 * jx[1][j] + 0.5 * jx[2][j]);
        }
        assert_exact("vjp k", gk, jk[0] - 2.0 * jk[1] + 0.5 * jk[2]);
    }
}

#[differentiate]
fn carried(x: f64, n: usize) -> [f64; 2] {
    let mut a = x;
    let mut b = 1.0;
    for i in 0..n {
        if i == 7 {
            return [a, b];
        }
        a = (a * 0.9).sin() + b;
        b *= x;
    }
    [a, b]
}

#[test]
fn loop_carried_outputs_and_return_inside_a_loop() {
    for n in [0, 3, 12] {
        let x = 0.8;
        let (v, j) = carried_jacobian(x, n);
        same_bits("carried value", &v, &carried(x, n));
        for (i, ji) in j.iter().enumerate() {
            assert_fd(&format!("carried out{i}, n = {n}"), *ji, common::fd1(|x| carried(x, n)[i], x));
        }
    }
}

// ------------------------------------------------------------------------------------------------
// 3-D vector helpers, called from differentiated functions through their `_vjp`.

#[differentiate]
fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[differentiate]
fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[differentiate]
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

#[differentiate]
fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

/// Distance from the sphere (`center`, `radius`) to the ray from `origin` along `dir`: the
/// distance from the center to the line, minus the radius.
#[differentiate]
fn ray_sphere(origin: [f64; 3], dir: [f64; 3], center: [f64; 3], radius: f64) -> f64 {
    let oc: [f64; 3] = sub(center, origin);
    let c: [f64; 3] = cross(oc, dir);
    norm(c) / norm(dir) - radius
}

fn ray_sphere_flat(p: &[f64]) -> f64 {
    ray_sphere([p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], p[8]], p[9])
}

#[test]
fn ray_sphere_distance_through_vector_helpers() {
    let p = [0.1, -0.2, 0.3, 1.0, 0.5, -0.25, 2.0, 1.0, -1.0, 0.4];
    let (o, d, c) = ([p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], p[8]]);
    let (v, go, gd, gc, gr) = ray_sphere_grad(o, d, c, p[9]);
    assert_eq!(v.to_bits(), ray_sphere(o, d, c, p[9]).to_bits());
    let got: Vec<f64> = go.iter().chain(&gd).chain(&gc).copied().chain([gr]).collect();
    common::assert_fd_all("ray_sphere", ray_sphere_flat, &p, &got);
    // Closed form: the distance from c to the line is |(c - o) × d| / |d|; its gradient with
    // respect to c is the unit vector from the closest point on the line to c.
    let oc = [c[0] - o[0], c[1] - o[1], c[2] - o[2]];
    let dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    let t = (oc[0] * d[0] + oc[1] * d[1] + oc[2] * d[2]) / dd;
    let perp = [oc[0] - t * d[0], oc[1] - t * d[1], oc[2] - t * d[2]];
    let len = (perp[0] * perp[0] + perp[1] * perp[1] + perp[2] * perp[2]).sqrt();
    for k in 0..3 {
        assert_exact("d/dcenter", gc[k], perp[k] / len);
        assert_exact("d/dorigin", go[k], -perp[k] / len);
    }
    assert_exact("d/dradius", gr, -1.0);
}

/// The issue's spellings: an untyped `let r = sub(a, b); r[0] * r[1]`, destructuring with `let
/// [x, y] = fk(..)` and `let (u, v) = g(..)`, a typed `let`.
#[differentiate]
fn spellings(a: [f64; 3], b: [f64; 3], q: f64) -> f64 {
    let r = sub(a, b);
    let [x, y] = fk(q, r[2]);
    let (u, v) = polar(x, y);
    let w: [f64; 3] = cross(a, r);
    r[0] * r[1] + u * v + w[1]
}

fn spellings_flat(p: &[f64]) -> f64 {
    spellings([p[0], p[1], p[2]], [p[3], p[4], p[5]], p[6])
}

#[test]
fn calls_to_vector_valued_functions() {
    let p = [0.3, -0.7, 1.2, 0.5, 0.25, -0.4, 0.9];
    let (a, b) = ([p[0], p[1], p[2]], [p[3], p[4], p[5]]);
    let (v, ga, gb, gq) = spellings_grad(a, b, p[6]);
    assert_eq!(v.to_bits(), spellings(a, b, p[6]).to_bits());
    let got: Vec<f64> = ga.iter().chain(&gb).copied().chain([gq]).collect();
    common::assert_fd_all("spellings", spellings_flat, &p, &got);
}

/// A vector-valued function calling a vector-valued function, returned directly.
#[differentiate]
fn end_effector_velocity(q1: f64, q2: f64, w: f64) -> [f64; 2] {
    let [x, y] = fk(q1, q2);
    let p = fk(q1 * w, q2);
    if w > 0.0 { [x * w + p[0], y] } else { fk(q2, q1) }
}

#[test]
fn vector_calls_inside_vector_functions() {
    for p in [[0.3, 0.9, 1.5], [0.3, 0.9, -1.5]] {
        let (v, j1, j2, jw) = end_effector_velocity_jacobian(p[0], p[1], p[2]);
        same_bits("value", &v, &end_effector_velocity(p[0], p[1], p[2]));
        let got: Vec<Vec<f64>> = (0..2).map(|i| vec![j1[i], j2[i], jw[i]]).collect();
        assert_jacobian_fd("end_effector_velocity", |p| end_effector_velocity(p[0], p[1], p[2]).to_vec(), &p, &got);
    }
}

// ------------------------------------------------------------------------------------------------
// A hand-written `_vjp`: a custom gate for a vector-valued function.

fn rotate(x: f64, y: f64, t: f64) -> [f64; 2] {
    let (s, c) = t.sin_cos();
    [c * x - s * y, s * x + c * y]
}

fn rotate_vjp(x: f64, y: f64, t: f64, seed: [f64; 2]) -> ([f64; 2], f64, f64, f64) {
    let (s, c) = t.sin_cos();
    let v = [c * x - s * y, s * x + c * y];
    let gx = seed[0] * c + seed[1] * s;
    let gy = -seed[0] * s + seed[1] * c;
    let gt = seed[0] * (-s * x - c * y) + seed[1] * (c * x - s * y);
    (v, gx, gy, gt)
}

#[differentiate]
fn rotated_energy(x: f64, y: f64, t: f64) -> f64 {
    let [u, v] = rotate(x, y, t);
    u * u * 2.0 + v
}

#[test]
fn hand_written_vjp_is_a_custom_gate() {
    let p = [0.4, -1.1, 0.7];
    let (v, gx, gy, gt) = rotated_energy_grad(p[0], p[1], p[2]);
    assert_eq!(v.to_bits(), rotated_energy(p[0], p[1], p[2]).to_bits());
    common::assert_fd_all("rotated_energy", |p| rotated_energy(p[0], p[1], p[2]), &p, &[gx, gy, gt]);
}

// ------------------------------------------------------------------------------------------------
// num-dual as a second oracle.

#[test]
fn jacobian_agrees_with_num_dual() {
    use nalgebra::SVector;
    use num_dual::{DualNum, jacobian};
    fn cross_dual<D: DualNum + Copy + nalgebra::Scalar>(v: SVector<D, 6>) -> SVector<D, 3> {
        let (a, b) = ([v[0], v[1], v[2]], [v[3], v[4], v[5]]);
        SVector::from([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])
    }
    let p = SVector::from([0.3, -1.2, 2.0, 0.7, 0.1, -0.5]);
    let (_, want) = jacobian(cross_dual, &p);
    let (_, ja, jb) = cross_jacobian([p[0], p[1], p[2]], [p[3], p[4], p[5]]);
    for i in 0..3 {
        for k in 0..3 {
            assert_exact("∂cross/∂a", ja[i][k], want[(i, k)]);
            assert_exact("∂cross/∂b", jb[i][k], want[(i, k + 3)]);
        }
    }
}

#[test]
fn a_zero_seed_component_ignores_an_infinite_derivative() {
    #[differentiate]
    fn roots(x: f64) -> [f64; 2] {
        [x.sqrt(), x * 3.0]
    }
    let (_, j) = roots_jacobian(0.0);
    assert!(j[0].is_infinite(), "d sqrt(x)/dx at 0 is inf");
    assert_eq!(j[1], 3.0);
    let _ = step(1.0);
}

/// A vector call in a loop whose array argument the loop overwrites after the call: the
/// backward pass hands `cross_vjp` the array as it was at the call.
#[differentiate]
fn calls_in_loop(a: [f64; 3], n: usize) -> [f64; 3] {
    let mut s = [0.0; 3];
    let mut h = [a[0], a[1] * a[0], a[2]];
    for i in 0..n {
        let d: [f64; 3] = cross(h, a);
        for k in 0..3 {
            s[k] += d[k] * 0.1;
        }
        h[i % 3] = s[i % 3].sin() + h[(i + 1) % 3];
    }
    sub(s, a)
}

#[test]
fn vector_calls_in_a_loop_over_an_overwritten_array() {
    for n in [0, 1, 5] {
        let p = [0.3, -0.8, 1.1];
        let (v, ja) = calls_in_loop_jacobian(p, n);
        same_bits("calls_in_loop value", &v, &calls_in_loop(p, n));
        let got: Vec<Vec<f64>> = ja.iter().map(|r| r.to_vec()).collect();
        assert_jacobian_fd(
            &format!("calls_in_loop n = {n}"),
            |q| calls_in_loop([q[0], q[1], q[2]], n).to_vec(),
            &p,
            &got,
        );
        let seed = [0.5, 2.0, -1.0];
        let (vv, g) = calls_in_loop_vjp(p, n, seed);
        same_bits("calls_in_loop_vjp value", &vv, &calls_in_loop(p, n));
        for k in 0..3 {
            assert_exact("vjp", g[k], (0..3).map(|i| seed[i] * ja[i][k]).sum());
        }
    }
}

/// Methods: a vector-valued method called on a constant receiver, and a method with vector output.
struct Arm {
    l1: f64,
    l2: f64,
}

impl Arm {
    #[differentiate]
    fn tip(&self, q1: f64, q2: f64) -> [f64; 2] {
        [self.l1 * q1.cos() + self.l2 * (q1 + q2).cos(), self.l1 * q1.sin() + self.l2 * (q1 + q2).sin()]
    }

    #[differentiate]
    fn reach(&self, q1: f64, q2: f64) -> f64 {
        let [x, y] = self.tip(q1, q2);
        (x * x + y * y).sqrt()
    }
}

#[test]
fn vector_valued_methods() {
    let arm = Arm { l1: 1.5, l2: 0.8 };
    let (q1, q2) = (0.4, 1.3);
    let (v, g1, g2) = arm.reach_grad(q1, q2);
    assert_eq!(v.to_bits(), arm.reach(q1, q2).to_bits());
    // reach² = l1² + l2² + 2 l1 l2 cos q2: independent of q1.
    let r = (arm.l1 * arm.l1 + arm.l2 * arm.l2 + 2.0 * arm.l1 * arm.l2 * q2.cos()).sqrt();
    assert!(g1.abs() < 1e-14, "d reach/d q1 = {g1}");
    assert_exact("d reach/d q2", g2, -arm.l1 * arm.l2 * q2.sin() / r);
    let (t, j1, j2) = arm.tip_jacobian(q1, q2);
    same_bits("tip", &t, &arm.tip(q1, q2));
    assert_exact("dx/dq2", j2[0], -arm.l2 * (q1 + q2).sin());
    assert_exact("dy/dq1", j1[1], arm.l1 * q1.cos() + arm.l2 * (q1 + q2).cos());
}

/// Hygiene: a parameter named `seed` is the user's, not `f_vjp`'s seed; a typed tuple read by
/// field; a call returned from inside a loop.
#[differentiate]
fn named_seed(seed: f64, t: f64, n: usize) -> (f64, f64) {
    let r: (f64, f64) = polar(seed, t);
    let mut a = r.0 * r.1;
    for i in 0..n {
        if i == 2 {
            return polar(a, seed);
        }
        a = a.sin() + t;
    }
    (a, r.1)
}

#[test]
fn a_parameter_named_seed_and_tuple_fields() {
    for n in [1, 4] {
        let p = [0.9, 0.4];
        let (v, js, jt) = named_seed_jacobian(p[0], p[1], n);
        assert_eq!(v, named_seed(p[0], p[1], n));
        let f = |q: &[f64]| {
            let (a, b) = named_seed(q[0], q[1], n);
            vec![a, b]
        };
        assert_jacobian_fd(&format!("named_seed n = {n}"), f, &p, &[vec![js.0, jt.0], vec![js.1, jt.1]]);
        let (vv, gs, gt) = named_seed_vjp(p[0], p[1], n, (0.0, 1.0));
        assert_eq!(vv, named_seed(p[0], p[1], n));
        assert_exact("vjp seed", gs, js.1);
        assert_exact("vjp t", gt, jt.1);
    }
}

/// A scalar call whose name is bound again to an array later is still a scalar call.
#[differentiate]
fn scalar_then_shadowed(a: [f64; 3], b: [f64; 3]) -> f64 {
    let s = dot(a, b);
    let t = s * 2.0;
    let s = [t, a[0]];
    s[0] + s[1]
}

#[differentiate]
fn single_precision(x: f32, y: f32) -> [f32; 2] {
    [x * y, x.sin()]
}

#[test]
fn shadowing_and_f32() {
    let (a, b) = ([0.3, -0.2, 0.5], [1.0, 2.0, -1.0]);
    let (v, ga, gb) = scalar_then_shadowed_grad(a, b);
    assert_eq!(v.to_bits(), scalar_then_shadowed(a, b).to_bits());
    for k in 0..3 {
        assert_exact("d/da", ga[k], 2.0 * b[k] + if k == 0 { 1.0 } else { 0.0 });
        assert_exact("d/db", gb[k], 2.0 * a[k]);
    }
    let (v, jx, jy) = single_precision_jacobian(0.5, 2.0);
    assert_eq!(v, single_precision(0.5, 2.0));
    assert_eq!((jx, jy), ([2.0, 0.5_f32.cos()], [0.5, 0.0]));
}

// A vector call's result bound without a type and read only by iterating it (`for x in c`,
// `c.iter()`, `c.len()`): a vector, as when it is indexed (was "a `for` loop over
// differentiated values is supported over ...").
#[differentiate]
fn cross_sq(u: [f64; 3], v: [f64; 3]) -> f64 {
    let c = cross(u, v);
    let mut s = 0.0;
    for x in c {
        s += x * x;
    }
    let m = cross(v, u);
    s + m.iter().map(|x| x.abs()).sum::<f64>() / m.len() as f64
}

#[test]
fn vector_call_results_iterated() {
    let p = [0.3, -1.1, 0.7, 1.3, 0.4, -0.9];
    let f = |p: &[f64]| {
        let c = cross([p[0], p[1], p[2]], [p[3], p[4], p[5]]);
        c.iter().map(|x| x * x + x.abs() / 3.0).sum::<f64>()
    };
    let (v, du, dv) = cross_sq_grad([p[0], p[1], p[2]], [p[3], p[4], p[5]]);
    assert!((v - f(&p)).abs() < 1e-12);
    let got: Vec<f64> = du.iter().chain(&dv).copied().collect();
    common::assert_fd_all("cross_sq", f, &p, &got);
}
