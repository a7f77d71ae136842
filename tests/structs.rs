//! Issue 13, item 1: structs (CONTRACT.md §7). `#[derive(gradmacro::Differentiable)]` on a struct;
//! a parameter of its type named in `wrt(...)` is differentiated, and its gradient is a value of
//! the same struct: float fields hold the partial derivatives, constant fields are copied.
//!
//! Expected values come from closed forms written here, central finite differences of the
//! original functions and num-dual; never from the code under test.

mod common;

use common::assert_fd;
use gradmacro::{Differentiable, differentiate};
use num_dual::Dual64;

#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Particle {
    pub x: f64,
    pub v: [f64; 3],
    pub mass: f64,
    pub id: usize,
    pub fixed: bool,
    pub name: String,
}

/// Kinetic plus potential energy in a uniform field `g`.
#[differentiate(wrt(p), forward)]
fn energy(p: &Particle, g: f64) -> f64 {
    let mut ke = 0.0;
    for k in 0..3 {
        ke += p.v[k] * p.v[k];
    }
    0.5 * p.mass * ke + p.mass * g * p.x
}

fn particle() -> Particle {
    Particle { x: 2.5, v: [0.3, -1.2, 0.8], mass: 1.7, id: 42, fixed: true, name: "a".to_owned() }
}

#[test]
fn particle_energy_matches_the_closed_form() {
    let p = particle();
    let (e, d) = energy_grad(&p, 9.81);
    assert_eq!(e.to_bits(), energy(&p, 9.81).to_bits());
    let v2: f64 = p.v.iter().map(|v| v * v).sum();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
    assert!(close(d.x, p.mass * 9.81), "d/dx {}", d.x);
    assert!(close(d.mass, 0.5 * v2 + 9.81 * p.x), "d/dmass {}", d.mass);
    for k in 0..3 {
        assert!(close(d.v[k], p.mass * p.v[k]), "d/dv[{k}] {}", d.v[k]);
    }
    // Constant fields are copied from the argument.
    assert_eq!((d.id, d.fixed, d.name.as_str()), (42, true, "a"));
}

#[test]
fn particle_forward_mode_matches_num_dual() {
    let p = particle();
    let t = Particle { x: 0.4, v: [1.0, -0.5, 0.25], mass: -0.3, id: 0, fixed: false, name: String::new() };
    let (e, dir) = energy_jvp(&p, 9.81, &t);
    assert_eq!(e.to_bits(), energy(&p, 9.81).to_bits());
    // The same energy on dual numbers, seeded with the tangent.
    let x = Dual64::new(p.x, t.x);
    let m = Dual64::new(p.mass, t.mass);
    let v: Vec<Dual64> = (0..3).map(|k| Dual64::new(p.v[k], t.v[k])).collect();
    let ke = v.iter().fold(Dual64::from(0.0), |a, vk| a + *vk * *vk);
    let want = m * ke * 0.5 + m * 9.81 * x;
    assert!((dir - want.eps).abs() <= 1e-12 * (1.0 + want.eps.abs()), "{dir} vs {}", want.eps);
}

/// A constant field read in the body: an integer as a loop bound, a `bool` in a condition.
#[derive(Differentiable, Clone, Debug)]
pub struct Poly {
    pub c: Vec<f64>,
    pub scale: f64,
    pub degree: usize,
    pub even: bool,
}

#[differentiate(wrt(q, x))]
fn poly(q: Poly, x: f64) -> f64 {
    let mut s = 0.0;
    let mut xp = 1.0;
    for i in 0..q.degree {
        s += q.c[i] * xp;
        xp *= x;
    }
    if q.even { s * q.scale } else { -s * q.scale }
}

#[test]
fn constant_fields_are_read_and_copied() {
    let q = Poly { c: vec![1.0, -2.0, 0.5, 3.0], scale: 1.5, degree: 4, even: true };
    let x = 0.7;
    let (v, d, dx) = poly_grad(q.clone(), x);
    assert_eq!(v.to_bits(), poly(q.clone(), x).to_bits());
    let s: f64 = (0..4).map(|i| q.c[i] * x.powi(i as i32)).sum();
    assert!((d.scale - s).abs() < 1e-12);
    for i in 0..4 {
        assert!((d.c[i] - q.scale * x.powi(i as i32)).abs() < 1e-12, "d/dc[{i}]");
    }
    let want_dx: f64 = (1..4).map(|i| q.scale * q.c[i] * i as f64 * x.powi(i as i32 - 1)).sum();
    assert_fd("d/dx", dx, want_dx);
    assert_eq!((d.degree, d.even), (4, true));
}

/// A model struct trained with its gradient: a line `w·x + b` fitted by gradient descent.
#[derive(Differentiable, Clone, Debug)]
pub struct Line {
    pub w: f64,
    pub b: f64,
}

#[differentiate(wrt(m))]
fn loss(m: &Line, xs: &[f64], ys: &[f64]) -> f64 {
    let mut l = 0.0;
    for (x, y) in xs.iter().zip(ys) {
        let r = m.w * x + m.b - y;
        l += r * r;
    }
    l / xs.len() as f64
}

#[test]
fn a_struct_model_trains_with_its_gradient() {
    let xs: Vec<f64> = (0..20).map(|i| f64::from(i) / 10.0).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 3.0 * x - 1.0).collect();
    let mut m = Line { w: 0.0, b: 0.0 };
    let mut last = loss(&m, &xs, &ys);
    let first = last;
    for _ in 0..200 {
        let (l, g) = loss_grad(&m, &xs, &ys);
        assert!(l <= last, "the loss went up: {l} > {last}");
        last = l;
        m.w -= 0.2 * g.w;
        m.b -= 0.2 * g.b;
    }
    assert!(last < 1e-3 * first, "{first} -> {last}");
    assert!((m.w - 3.0).abs() < 0.05 && (m.b + 1.0).abs() < 0.05, "{m:?}");
    // The gradient against finite differences at one point.
    let (_, g) = loss_grad(&Line { w: 0.5, b: 0.2 }, &xs, &ys);
    let fd = common::fd(|p| loss(&Line { w: p[0], b: p[1] }, &xs, &ys), &[0.5, 0.2]);
    assert_fd("d/dw", g.w, fd[0]);
    assert_fd("d/db", g.b, fd[1]);
}
