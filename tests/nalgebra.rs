//! Issue 13, item 4: nalgebra vectors (feature `nalgebra`, CONTRACT.md §7). `SVector<F, N>`
//! (`Vector2<F>`, `Vector3<F>`, ...) and `DVector<F>` parameters and results, written with
//! nalgebra's operators and methods; gradients of the same types.
//!
//! Expected values come from closed forms written here and from central finite differences of
//! the original functions (which nalgebra itself evaluates), never from the code under test.

#![allow(clippy::needless_range_loop, reason = "matrices are checked entry by entry against closed forms")]

mod common;

use common::{assert_exact, assert_fd_all, assert_matrix, fd, fd_hessian, mat_vec};
use gradmacro::differentiate;
use nalgebra::{DVector, SVector, Vector2, Vector3};

fn v3(x: &[f64]) -> Vector3<f64> {
    Vector3::new(x[0], x[1], x[2])
}

fn flat(vs: &[&Vector3<f64>]) -> Vec<f64> {
    vs.iter().flat_map(|v| v.iter().copied()).collect()
}

// ------------------------------------------------------------------------------------------------
// A spring between two particles: `k (|p - q| - l)²`, by value and by reference.

#[differentiate]
fn spring(p: Vector3<f64>, q: &Vector3<f64>, k: f64, l: f64) -> f64 {
    let d = p - q;
    k * (d.norm() - l).powi(2)
}

#[test]
fn spring_energy_against_its_closed_form() {
    for (p, q, k, l) in [
        (Vector3::new(1.0, 2.0, 0.5), Vector3::new(-0.5, 0.3, 1.5), 2.0, 1.0),
        (Vector3::new(0.1, -0.2, 0.3), Vector3::new(0.4, 0.4, -0.4), 0.7, 3.0),
    ] {
        let (v, gp, gq, gk, gl) = spring_grad(p, &q, k, l);
        assert_exact("value", v, spring(p, &q, k, l));
        let d = p - q;
        let r = d.norm();
        let force = d * (2.0 * k * (r - l) / r);
        for i in 0..3 {
            assert_exact(&format!("∂/∂p{i}"), gp[i], force[i]);
            assert_exact(&format!("∂/∂q{i}"), gq[i], -force[i]);
        }
        assert_exact("∂/∂k", gk, (r - l).powi(2));
        assert_exact("∂/∂l", gl, -2.0 * k * (r - l));
    }
}

// ------------------------------------------------------------------------------------------------
// Ray to sphere centre: `normalize`, `dot`, `cross`, scalar products, `norm_squared`.

#[differentiate]
fn ray_distance(o: Vector3<f64>, dir: Vector3<f64>, c: Vector3<f64>) -> f64 {
    let oc = c - o;
    let n = dir.normalize();
    let t = oc.dot(&n);
    let closest = o + n * t;
    (closest - c).norm() + oc.cross(&dir).norm_squared() * 0.01
}

#[test]
fn ray_distance_against_differences() {
    let (o, dir, c) = (Vector3::new(0.2, -1.0, 0.4), Vector3::new(0.3, 1.0, -0.2), Vector3::new(1.0, 2.0, 0.5));
    let (v, go, gd, gc) = ray_distance_grad(o, dir, c);
    assert_exact("value", v, ray_distance(o, dir, c));
    let f = |x: &[f64]| ray_distance(v3(&x[0..3]), v3(&x[3..6]), v3(&x[6..9]));
    assert_fd_all("ray_distance", f, &flat(&[&o, &dir, &c]), &flat(&[&go, &gd, &gc]));
}

// ------------------------------------------------------------------------------------------------
// Components, constructors, compound assignment, arms returning vectors.

#[differentiate]
fn components(a: Vector3<f64>, b: Vector3<f64>, s: f64) -> f64 {
    let mut acc = Vector3::zeros();
    acc += a.component_mul(&b);
    acc -= b * s;
    acc *= 0.5;
    let u = -(a - b) / s + Vector3::repeat(s).scale(2.0);
    let w = Vector3::new(a.x * s, (a - b).y, a.z.sin());
    let mut total = acc.sum() + u.dot(&w) + (a + b)[2] * a.y;
    for x in u.iter() {
        total += x * x.cos();
    }
    if s > 0.0 { total + w.norm() } else { total - acc.x }
}

#[test]
fn components_against_differences() {
    let (a, b) = (Vector3::new(0.3, -0.7, 1.1), Vector3::new(1.2, 0.4, -0.5));
    for s in [0.8, -1.3] {
        let (v, ga, gb, gs) = components_grad(a, b, s);
        assert_exact("value", v, components(a, b, s));
        let f = |x: &[f64]| components(v3(&x[0..3]), v3(&x[3..6]), x[6]);
        let mut x = flat(&[&a, &b]);
        x.push(s);
        let mut g = flat(&[&ga, &gb]);
        g.push(gs);
        assert_fd_all("components", f, &x, &g);
    }
}

// ------------------------------------------------------------------------------------------------
// A vector result: the 2-link arm's end effector, `f_jacobian` and `f_vjp` in closed form.

#[differentiate]
fn arm(q: Vector2<f64>, l2: f64) -> Vector2<f64> {
    let a = q[0] + q[1];
    Vector2::new(q[0].cos() + l2 * a.cos(), q[0].sin() + l2 * a.sin())
}

#[test]
fn arm_jacobian_in_closed_form() {
    let (q, l2) = (Vector2::new(0.3, 0.5), 0.7);
    let (out, jq, jl) = arm_jacobian(q, l2);
    assert_eq!(out, arm(q, l2));
    let (s1, c1, s12, c12) = (q[0].sin(), q[0].cos(), (q[0] + q[1]).sin(), (q[0] + q[1]).cos());
    let want = [[-s1 - l2 * s12, -l2 * s12], [c1 + l2 * c12, l2 * c12]];
    for i in 0..2 {
        for j in 0..2 {
            assert_exact(&format!("J[{i}][{j}]"), jq[i][j], want[i][j]);
        }
    }
    assert_exact("∂x/∂l2", jl[0], c12);
    assert_exact("∂y/∂l2", jl[1], s12);
    let seed = Vector2::new(0.25, -2.0);
    let (out, gq, gl) = arm_vjp(q, l2, seed);
    assert_eq!(out, arm(q, l2));
    for j in 0..2 {
        assert_exact(&format!("seedᵀJ[{j}]"), gq[j], seed[0] * want[0][j] + seed[1] * want[1][j]);
    }
    assert_exact("seedᵀ∂/∂l2", gl, seed[0] * c12 + seed[1] * s12);
}

#[differentiate]
fn reflect(d: SVector<f64, 3>, n: &SVector<f64, 3>) -> SVector<f64, 3> {
    let k = 2.0 * d.dot(n);
    if k > 0.0 {
        return d;
    }
    d - n * k
}

#[test]
fn reflection_jacobian_in_closed_form() {
    let n = Vector3::new(0.0, 0.6, 0.8);
    let d = Vector3::new(0.5, -1.0, 0.25);
    let (out, jd, jn) = reflect_jacobian(d, &n);
    assert_eq!(out, reflect(d, &n));
    let k = 2.0 * d.dot(&n);
    for i in 0..3 {
        for j in 0..3 {
            let delta = if i == j { 1.0 } else { 0.0 };
            assert_exact(&format!("∂out{i}/∂d{j}"), jd[i][j], delta - 2.0 * n[i] * n[j]);
            assert_exact(&format!("∂out{i}/∂n{j}"), jn[i][j], -2.0 * n[i] * d[j] - k * delta);
        }
    }
    let (_, jd, _) = reflect_jacobian(-d, &n);
    for i in 0..3 {
        for j in 0..3 {
            assert_exact("early return: identity", jd[i][j], if i == j { 1.0 } else { 0.0 });
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Dynamic vectors: reductions and iterator chains; a `DVector` result.

#[differentiate(forward)]
fn dyn_loss(x: &DVector<f64>, w: &DVector<f64>, b: f64) -> f64 {
    let z = x.dot(w) + b;
    z.tanh() + 0.5 * w.norm_squared() + w.iter().map(|v| (v - 0.1).powi(2)).sum::<f64>() / (x.len() as f64)
}

#[test]
fn dynamic_vectors_in_closed_form() {
    let x = DVector::from_vec(vec![0.5, -1.0, 2.0, 0.25]);
    let w = DVector::from_vec(vec![0.1, 0.3, -0.2, 0.7]);
    let b = 0.05;
    let (v, gx, gw, gb) = dyn_loss_grad(&x, &w, b);
    assert_exact("value", v, dyn_loss(&x, &w, b));
    let z: f64 = x.dot(&w) + b;
    let dz = 1.0 - z.tanh().powi(2);
    let n = x.len() as f64;
    for i in 0..4 {
        assert_exact(&format!("∂/∂x{i}"), gx[i], dz * w[i]);
        assert_exact(&format!("∂/∂w{i}"), gw[i], dz * x[i] + w[i] + 2.0 * (w[i] - 0.1) / n);
    }
    assert_exact("∂/∂b", gb, dz);
    let (tx, tw) = (DVector::from_vec(vec![1.0, 0.0, -1.0, 0.5]), DVector::from_vec(vec![0.2, 0.2, 0.0, -1.0]));
    let (jv, t) = dyn_loss_jvp(&x, &w, b, &tx, &tw, 0.3);
    assert_exact("jvp value", jv, v);
    assert_exact("jvp", t, gx.dot(&tx) + gw.dot(&tw) + gb * 0.3);
}

#[differentiate]
fn softplus_all(x: &DVector<f64>, s: f64) -> DVector<f64> {
    DVector::from_vec(x.iter().map(|v| (s * v).exp().ln_1p()).collect())
}

#[test]
fn dynamic_vector_result() {
    let x = DVector::from_vec(vec![0.5, -1.0, 2.0]);
    let s = 1.5;
    let (out, jx, js) = softplus_all_jacobian(&x, s);
    assert_eq!(out, softplus_all(&x, s));
    for i in 0..3 {
        let sig = 1.0 / (1.0 + (-s * x[i]).exp());
        for j in 0..3 {
            assert_exact(&format!("∂out{i}/∂x{j}"), jx[i][j], if i == j { s * sig } else { 0.0 });
        }
        assert_exact(&format!("∂out{i}/∂s"), js[i], x[i] * sig);
    }
    let seed = DVector::from_vec(vec![1.0, -0.5, 2.0]);
    let (_, gx, gs) = softplus_all_vjp(&x, s, seed.clone());
    for j in 0..3 {
        assert_exact("vjp", gx[j], seed[j] * jx[j][j]);
    }
    assert_exact("vjp s", gs, (0..3).map(|i| seed[i] * js[i]).sum());
}

// ------------------------------------------------------------------------------------------------
// Second order, `wrt`, and a method.

#[differentiate(hessian)]
fn pair_energy(p: Vector2<f64>, q: Vector2<f64>) -> f64 {
    let d = p - q;
    let r2 = d.norm_squared();
    1.0 / r2 + (p.x * q.y).sin()
}

#[test]
fn hessian_against_differences_of_the_gradient() {
    let (p, q) = (Vector2::new(0.4, -0.3), Vector2::new(-0.6, 0.9));
    let (v, gp, gq, h) = pair_energy_hessian(p, q);
    assert_exact("value", v, pair_energy(p, q));
    let g = |x: &[f64]| {
        let (_, gp, gq) = pair_energy_grad(Vector2::new(x[0], x[1]), Vector2::new(x[2], x[3]));
        vec![gp[0], gp[1], gq[0], gq[1]]
    };
    let x = [p[0], p[1], q[0], q[1]];
    let want_g = fd(|x| pair_energy(Vector2::new(x[0], x[1]), Vector2::new(x[2], x[3])), &x);
    for (i, gi) in [gp[0], gp[1], gq[0], gq[1]].into_iter().enumerate() {
        common::assert_fd(&format!("∂/∂x{i}"), gi, want_g[i]);
    }
    let reference = fd_hessian(g, &x);
    let h: Vec<Vec<f64>> = h.iter().map(|r| r.to_vec()).collect();
    assert_matrix("hessian", &h, &reference, 1e-6);
    let dir = [0.3, -1.0, 0.5, 2.0];
    let (_, _, _, hp, hq) = pair_energy_hvp(p, q, Vector2::new(dir[0], dir[1]), Vector2::new(dir[2], dir[3]));
    let hv = mat_vec(&reference, &dir);
    for (i, got) in [hp[0], hp[1], hq[0], hq[1]].into_iter().enumerate() {
        assert!(common::close(got, hv[i], 1e-6), "H·v[{i}]: {got:e}, differences {:e}", hv[i]);
    }
}

#[differentiate(wrt(p))]
fn only_p(p: Vector3<f64>, q: Vector3<f64>) -> f64 {
    (p - q).norm()
}

struct Arm {
    l1: f64,
    l2: f64,
}

impl Arm {
    #[differentiate]
    fn tip(&self, q: Vector2<f64>) -> Vector2<f64> {
        let a = q.x + q.y;
        Vector2::new(self.l1 * q.x.cos() + self.l2 * a.cos(), self.l1 * q.x.sin() + self.l2 * a.sin())
    }
}

#[test]
fn wrt_and_methods() {
    let (p, q) = (Vector3::new(1.0, 2.0, 3.0), Vector3::new(0.0, 0.5, -1.0));
    let (v, gp) = only_p_grad(p, q);
    assert_exact("value", v, only_p(p, q));
    let u = (p - q) / (p - q).norm();
    for i in 0..3 {
        assert_exact("∂/∂p", gp[i], u[i]);
    }
    let arm = Arm { l1: 1.0, l2: 0.7 };
    let q = Vector2::new(0.3, 0.5);
    let (out, j) = arm.tip_jacobian(q);
    assert_eq!(out, arm.tip(q));
    let s12 = (q[0] + q[1]).sin();
    assert_exact("J[0][0]", j[0][0], -q[0].sin() - 0.7 * s12);
    assert_exact("J[0][1]", j[0][1], -0.7 * s12);
}

// ------------------------------------------------------------------------------------------------
// Calls: a function taking or returning nalgebra vectors, `#[differentiate]`d too, in another
// module, by value and by reference, with vector expressions as arguments; a vector-valued one
// bound with its type.

mod geom {
    use gradmacro::differentiate;
    use nalgebra::{DVector, Vector3};

    #[differentiate(forward, hessian)]
    pub fn dist(a: Vector3<f64>, b: &Vector3<f64>) -> f64 {
        (a - b).norm()
    }

    #[differentiate(forward, hessian)]
    pub fn weight(w: &DVector<f64>) -> f64 {
        w.norm_squared()
    }

    #[differentiate]
    pub fn mid(a: Vector3<f64>, b: Vector3<f64>) -> Vector3<f64> {
        (a + b) * 0.5
    }
}

#[differentiate(forward, hessian)]
fn triangle(p: Vector3<f64>, q: Vector3<f64>, r: Vector3<f64>, w: &DVector<f64>) -> f64 {
    geom::dist(p, &q) + geom::dist(q - r, &r) * geom::weight(w) + geom::dist(p.cross(&q), &(r * 2.0))
}

#[differentiate]
fn centre(p: Vector3<f64>, q: Vector3<f64>) -> f64 {
    let m: Vector3<f64> = geom::mid(p, q);
    m.norm_squared() + m.x * q.y
}

#[test]
fn calls_against_differences_and_closed_forms() {
    let (p, q, r) = (Vector3::new(1.0, 2.0, 0.5), Vector3::new(-0.5, 0.3, 1.5), Vector3::new(0.2, -0.1, 0.9));
    let w = DVector::from_vec(vec![0.5, 1.0]);
    let (v, gp, gq, gr, gw) = triangle_grad(p, q, r, &w);
    assert_exact("value", v, triangle(p, q, r, &w));
    let unpack = |x: &[f64]| (v3(&x[0..3]), v3(&x[3..6]), v3(&x[6..9]), DVector::from_column_slice(&x[9..11]));
    let f = |x: &[f64]| {
        let (p, q, r, w) = unpack(x);
        triangle(p, q, r, &w)
    };
    let mut x = flat(&[&p, &q, &r]);
    x.extend(w.iter());
    let mut g = flat(&[&gp, &gq, &gr]);
    g.extend(gw.iter());
    assert_fd_all("triangle", f, &x, &g);
    // Second order through the calls' `_hvp` companions: against differences of the gradient.
    let (_, _, _, _, _, h) = triangle_hessian(p, q, r, &w);
    let grad = |x: &[f64]| {
        let (p, q, r, w) = unpack(x);
        let (_, gp, gq, gr, gw) = triangle_grad(p, q, r, &w);
        let mut g = flat(&[&gp, &gq, &gr]);
        g.extend(gw.iter());
        g
    };
    assert_matrix("triangle's Hessian", &h, &fd_hessian(grad, &x), 1e-5);
    // A vector-valued callee, in closed form: m = (p + q) / 2, f = |m|² + m.x q.y.
    let (v, cp, cq) = centre_grad(p, q);
    assert_exact("value", v, centre(p, q));
    let m = (p + q) * 0.5;
    let want_p = [m[0] + 0.5 * q.y, m[1], m[2]];
    let want_q = [m[0] + 0.5 * q.y, m[1] + m.x, m[2]];
    for i in 0..3 {
        assert_exact(&format!("∂/∂p{i}"), cp[i], want_p[i]);
        assert_exact(&format!("∂/∂q{i}"), cq[i], want_q[i]);
    }
}
