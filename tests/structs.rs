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

// Fields that are not the function's float type, read the way Rust converts them: an integer
// field cast to a float (`p.n as f64`, `f64::from(p.k)`: a constant), an integer field as an
// index or a loop bound (`p.v[p.n - 1]`, `0..p.n`), an `f32` field in an `f64` function
// (`f64::from(p.w)`, `p.w as f64`: its partial derivative, rounded to `f32`). Each once failed
// to compile in the generated code (E0277, E0308) or was rejected as a differentiated index.
#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Mixed {
    pub c: f64,
    pub n: usize,
    pub k: u32,
    pub w: f32,
    pub v: Vec<f64>,
    pub on: bool,
}

#[differentiate(wrt(m), forward)]
fn mixed(m: &Mixed) -> f64 {
    let mut h = [0.0; 4];
    h[m.n - 1] = m.c;
    let mut s = 0.0;
    for i in 0..m.n {
        s += m.v[i] * h[m.n - 1];
    }
    let scale = if m.on { f64::from(m.k) } else { 1.0 };
    m.c * m.n as f64 + m.v[m.n - 1] * (m.n as f64).sqrt() + s * scale + f64::from(m.w) * m.c + (m.w as f64).powi(2)
}

#[test]
fn integer_and_f32_fields_convert_as_rust_does() {
    let m = Mixed { c: 0.5, n: 3, k: 4, w: 1.25, v: vec![1.0, 2.0, 3.0, 7.0], on: true };
    let (v, g) = mixed_grad(&m);
    assert_eq!(v, mixed(&m));
    // f = c n + v[n-1] sqrt(n) + k c (v0 + v1 + v2) + w c + w²
    let (c, n, k, w) = (0.5, 3.0_f64, 4.0, 1.25);
    let dc = n + k * (1.0 + 2.0 + 3.0) + w;
    assert!((g.c - dc).abs() < 1e-12, "{} {dc}", g.c);
    let dv = [k * c, k * c, k * c + n.sqrt(), 0.0];
    assert!(g.v.iter().zip(dv).all(|(a, b)| (a - b).abs() < 1e-12), "{:?} {dv:?}", g.v);
    assert_eq!(g.w, (c + 2.0 * w) as f32);
    // constant fields are copied into the gradient
    assert_eq!((g.n, g.k, g.on), (3, 4, true));
    let (tv, t) = mixed_jvp(&m, &Mixed { c: 1.0, n: 0, k: 0, w: 0.5, v: vec![0.0, 0.0, 1.0, 0.0], on: false });
    assert_eq!(tv, v);
    let want = dc + dv[2] + (c + 2.0 * w) * 0.5;
    assert!((t - want).abs() < 1e-12, "{t} {want}");
}

// `let mut u = a;` / `let mut w = *b;` of array parameters: copies Rust makes by moving the
// array, then written. Were "parameters cannot be written"; now the copy is the buffer
// `a.to_vec()` lowers to.
#[differentiate]
fn array_copies(a: [f64; 2], b: &[f64; 2]) -> f64 {
    let mut u = a;
    let mut w = *b;
    u[1] += w[0];
    w[1] *= u[0];
    u[0] * u[1] + w[1]
}

#[test]
fn array_parameters_copied_then_written() {
    let (a, b) = ([1.5, 2.0], [3.0, -4.0]);
    let (v, da, db) = array_copies_grad(a, &b);
    assert_eq!(v, array_copies(a, &b));
    // a0 (a1 + b0) + b1 a0
    assert_eq!((da, db), ([a[1] + b[0] + b[1], a[0]], [a[0], a[0]]));
}

// `let q = p.clone();` of a differentiated struct reads the same fields (was "fields of
// differentiated values are not supported").
#[differentiate(wrt(p))]
fn cloned_particle(p: &Particle, g: f64) -> f64 {
    let q = p.clone();
    q.mass * g * q.x + p.x * p.x
}

#[test]
fn a_cloned_struct_is_read_as_the_original() {
    let p = particle();
    let (v, gp) = cloned_particle_grad(&p, 9.8);
    assert_eq!(v, cloned_particle(&p, 9.8));
    assert_eq!((gp.x, gp.mass, gp.v), (p.mass * 9.8 + 2.0 * p.x, 9.8 * p.x, [0.0; 3]));
}
