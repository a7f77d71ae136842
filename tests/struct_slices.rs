//! Issue 13, item 1 (rest): slices of structs (`&[Particle]`, `&Vec<Particle>`, `Vec<Particle>`
//! named in `wrt`) and nested `Differentiable` structs (`b.pos.x`). CONTRACT.md §7: the gradient
//! of a slice of structs is a `Vec` of them, float fields holding the partials and constant
//! fields copied from the argument.
//!
//! Expected values come from closed forms written here, central finite differences of the
//! original functions and num-dual; never from the code under test.

// The user's style in these bodies (index loops, `&Vec` parameters) is what is being tested.
#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

mod common;

use common::assert_fd;
use gradmacro::{Differentiable, differentiate};
use num_dual::{Dual64, DualNum};

#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Particle {
    pub x: [f64; 2],
    pub v: [f64; 2],
    pub m: f64,
    pub id: usize,
    pub pinned: bool,
}

const REST: f64 = 0.8;

/// Kinetic energy (an iterator chain), gravity (a `for` over the slice), pairwise springs of
/// rest length `REST` (indexing, and a name bound to an element); pinned particles feel no
/// gravity (a constant field in a condition).
#[differentiate(wrt(ps), forward)]
fn energy(ps: &[Particle], k: f64, g: f64) -> f64 {
    let kinetic: f64 = ps.iter().map(|p| 0.5 * p.m * (p.v[0] * p.v[0] + p.v[1] * p.v[1])).sum();
    let mut potential = 0.0;
    for p in ps {
        if !p.pinned {
            potential += p.m * g * p.x[1];
        }
    }
    for i in 0..ps.len() {
        let a = &ps[i];
        for j in (i + 1)..ps.len() {
            let dx = a.x[0] - ps[j].x[0];
            let dy = a.x[1] - ps[j].x[1];
            let r = (dx * dx + dy * dy).sqrt();
            potential += 0.5 * k * (r - REST) * (r - REST);
        }
    }
    kinetic + potential
}

fn system() -> Vec<Particle> {
    let at = |x: f64, y: f64, vx: f64, vy: f64, m: f64, id: usize, pinned: bool| Particle {
        x: [x, y],
        v: [vx, vy],
        m,
        id,
        pinned,
    };
    vec![
        at(0.0, 0.0, 0.3, -0.2, 1.5, 10, false),
        at(1.1, 0.2, -0.7, 0.4, 0.8, 11, true),
        at(0.4, 1.3, 0.1, 0.9, 2.2, 12, false),
        at(-0.6, 0.9, 0.0, -1.1, 1.1, 13, false),
    ]
}

/// The gradient written by hand.
fn closed_form(ps: &[Particle], k: f64, g: f64) -> Vec<[f64; 5]> {
    let mut out: Vec<[f64; 5]> = ps
        .iter()
        .map(|p| {
            let v2 = p.v[0] * p.v[0] + p.v[1] * p.v[1];
            let grav = if p.pinned { 0.0 } else { 1.0 };
            [0.0, grav * p.m * g, p.m * p.v[0], p.m * p.v[1], 0.5 * v2 + grav * g * p.x[1]]
        })
        .collect();
    for i in 0..ps.len() {
        for j in 0..ps.len() {
            if i == j {
                continue;
            }
            let (dx, dy) = (ps[i].x[0] - ps[j].x[0], ps[i].x[1] - ps[j].x[1]);
            let r = (dx * dx + dy * dy).sqrt();
            out[i][0] += k * (r - REST) * dx / r;
            out[i][1] += k * (r - REST) * dy / r;
        }
    }
    out
}

fn flat(p: &Particle) -> [f64; 5] {
    [p.x[0], p.x[1], p.v[0], p.v[1], p.m]
}

fn from_flat(base: &[Particle], f: &[f64]) -> Vec<Particle> {
    base.iter()
        .enumerate()
        .map(|(i, p)| Particle {
            x: [f[5 * i], f[5 * i + 1]],
            v: [f[5 * i + 2], f[5 * i + 3]],
            m: f[5 * i + 4],
            ..p.clone()
        })
        .collect()
}

#[test]
fn particle_system_energy_matches_the_closed_form_and_finite_differences() {
    let ps = system();
    let (e, d) = energy_grad(&ps, 3.0, 9.81);
    assert_eq!(e.to_bits(), energy(&ps, 3.0, 9.81).to_bits());
    assert_eq!(d.len(), ps.len());
    let want = closed_form(&ps, 3.0, 9.81);
    let x0: Vec<f64> = ps.iter().flat_map(flat).collect();
    let fd = common::fd(|f| energy(&from_flat(&ps, f), 3.0, 9.81), &x0);
    for (i, (got, want)) in d.iter().zip(&want).enumerate() {
        for (c, (g, w)) in flat(got).iter().zip(want).enumerate() {
            assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "particle {i} component {c}: {g} vs closed form {w}");
            assert_fd(&format!("particle {i} component {c}"), *g, fd[5 * i + c]);
        }
        // Constant fields are copied from the argument.
        assert_eq!((got.id, got.pinned), (ps[i].id, ps[i].pinned));
    }
}

#[test]
fn particle_system_forward_mode_matches_num_dual() {
    let ps = system();
    let t: Vec<Particle> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let s = i as f64;
            Particle { x: [0.3 - s, 0.1 * s], v: [1.0, -0.5 + s], m: 0.2 * s - 0.1, ..p.clone() }
        })
        .collect();
    let (e, dir) = energy_jvp(&ps, 3.0, 9.81, &t);
    assert_eq!(e.to_bits(), energy(&ps, 3.0, 9.81).to_bits());
    // The same energy on dual numbers, each float seeded with its tangent.
    let d = |a: f64, b: f64| Dual64::new(a, b);
    let xs: Vec<[Dual64; 2]> = ps.iter().zip(&t).map(|(p, q)| [d(p.x[0], q.x[0]), d(p.x[1], q.x[1])]).collect();
    let mut want = Dual64::from(0.0);
    for (p, q) in ps.iter().zip(&t) {
        let (vx, vy, m) = (d(p.v[0], q.v[0]), d(p.v[1], q.v[1]), d(p.m, q.m));
        want += m * (vx * vx + vy * vy) * 0.5;
        if !p.pinned {
            want += m * 9.81 * d(p.x[1], q.x[1]);
        }
    }
    for i in 0..xs.len() {
        for j in (i + 1)..xs.len() {
            let (dx, dy) = (xs[i][0] - xs[j][0], xs[i][1] - xs[j][1]);
            let r = (dx * dx + dy * dy).sqrt();
            want += (r - REST) * (r - REST) * 1.5;
        }
    }
    assert!((dir - want.eps).abs() <= 1e-12 * (1.0 + want.eps.abs()), "{dir} vs num-dual {}", want.eps);
}

/// `&Vec<T>` and `Vec<T>` take the same reads; `enumerate` and `zip` over a slice of structs.
#[differentiate(wrt(ps))]
fn weighted(ps: &Vec<Particle>, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, p) in ps.iter().enumerate() {
        s += w[i] * p.m * p.x[0];
    }
    s + ps.iter().zip(w).map(|(p, wi)| wi * p.v[1].sin()).sum::<f64>()
}

#[differentiate(wrt(ps))]
fn owned(ps: Vec<Particle>) -> f64 {
    ps.iter().fold(0.0, |acc, p| acc + p.m * p.m)
}

#[test]
fn vec_of_structs_and_adaptors() {
    let ps = system();
    let w = [0.5, -1.0, 2.0, 0.25];
    let (_, d) = weighted_grad(&ps, &w);
    for (i, p) in ps.iter().enumerate() {
        assert_fd("d/dx0", d[i].x[0], w[i] * p.m);
        assert_fd("d/dm", d[i].m, w[i] * p.x[0]);
        assert_fd("d/dv1", d[i].v[1], w[i] * p.v[1].cos());
        assert_eq!((d[i].x[1], d[i].v[0]), (0.0, 0.0));
    }
    let (v, d) = owned_grad(ps.clone());
    assert_eq!(v.to_bits(), owned(ps.clone()).to_bits());
    for (i, p) in ps.iter().enumerate() {
        assert_fd("d/dm", d[i].m, 2.0 * p.m);
    }
}

/// A slice not named in `wrt` is constant data, read as written.
#[differentiate(wrt(k))]
fn constant_slice(ps: &[Particle], k: f64) -> f64 {
    ps.iter().map(|p| k * p.m).sum()
}

#[test]
fn a_slice_of_structs_outside_wrt_is_constant() {
    let ps = system();
    let (_, dk) = constant_slice_grad(&ps, 2.0);
    assert_fd("d/dk", dk, ps.iter().map(|p| p.m).sum());
}

/// Nested `Differentiable` structs: `b.pos.x`.
#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Body {
    pub pos: Vec2,
    pub vel: Vec2,
    pub m: f64,
    pub name: String,
}

/// Gravitational potential of `b` in the field of `others`, plus `b`'s kinetic energy.
#[differentiate(wrt(b, others), forward)]
fn body_energy(b: &Body, others: &[Body]) -> f64 {
    let mut e = 0.5 * b.m * (b.vel.x * b.vel.x + b.vel.y * b.vel.y);
    for o in others {
        let dx = b.pos.x - o.pos.x;
        let dy = b.pos.y - o.pos.y;
        e -= b.m * o.m / (dx * dx + dy * dy).sqrt();
    }
    e
}

fn body(x: f64, y: f64, m: f64) -> Body {
    Body { pos: Vec2 { x, y }, vel: Vec2 { x: 0.5 * y, y: -0.3 * x }, m, name: format!("b{m}") }
}

#[test]
fn nested_structs_match_the_closed_form() {
    let b = body(0.3, -0.4, 2.0);
    let others = vec![body(1.0, 1.0, 3.0), body(-1.5, 0.5, 0.7)];
    let (e, db, dothers) = body_energy_grad(&b, &others);
    assert_eq!(e.to_bits(), body_energy(&b, &others).to_bits());
    let (mut fx, mut fy, mut dm) = (0.0, 0.0, 0.5 * (b.vel.x * b.vel.x + b.vel.y * b.vel.y));
    for (o, d) in others.iter().zip(&dothers) {
        let (dx, dy) = (b.pos.x - o.pos.x, b.pos.y - o.pos.y);
        let r = (dx * dx + dy * dy).sqrt();
        fx += b.m * o.m * dx / r.powi(3);
        fy += b.m * o.m * dy / r.powi(3);
        dm -= o.m / r;
        common::assert_exact("d/do.pos.x", d.pos.x, -b.m * o.m * dx / r.powi(3));
        common::assert_exact("d/do.pos.y", d.pos.y, -b.m * o.m * dy / r.powi(3));
        common::assert_exact("d/do.m", d.m, -b.m / r);
        assert_eq!((d.vel.x, d.vel.y, d.name.as_str()), (0.0, 0.0, o.name.as_str()));
    }
    common::assert_exact("d/dpos.x", db.pos.x, fx);
    common::assert_exact("d/dpos.y", db.pos.y, fy);
    common::assert_exact("d/dm", db.m, dm);
    common::assert_exact("d/dvel.x", db.vel.x, b.m * b.vel.x);
    common::assert_exact("d/dvel.y", db.vel.y, b.m * b.vel.y);
    assert_eq!(db.name, b.name);
    // Forward mode against num-dual along one direction of `b` (the others held fixed).
    let t = Body { pos: Vec2 { x: 1.0, y: -2.0 }, vel: Vec2 { x: 0.5, y: 0.25 }, m: 0.3, name: String::new() };
    let zero: Vec<Body> = others
        .iter()
        .map(|o| Body { pos: Vec2 { x: 0.0, y: 0.0 }, vel: Vec2 { x: 0.0, y: 0.0 }, m: 0.0, ..o.clone() })
        .collect();
    let (_, dir) = body_energy_jvp(&b, &others, &t, &zero);
    let d = |a: f64, b: f64| Dual64::new(a, b);
    let (px, py, vx, vy, m) = (d(b.pos.x, 1.0), d(b.pos.y, -2.0), d(b.vel.x, 0.5), d(b.vel.y, 0.25), d(b.m, 0.3));
    let mut want = m * (vx * vx + vy * vy) * 0.5;
    for o in &others {
        let (dx, dy) = (px - o.pos.x, py - o.pos.y);
        want -= m * o.m / (dx * dx + dy * dy).sqrt();
    }
    assert!((dir - want.eps).abs() <= 1e-12 * (1.0 + want.eps.abs()), "{dir} vs num-dual {}", want.eps);
}

/// A vector output over a slice of structs: `f_jacobian` rows are `Vec<Particle>`s.
#[differentiate(wrt(ps))]
fn momenta(ps: &[Particle]) -> [f64; 2] {
    let mut m = [0.0, 0.0];
    for p in ps {
        m[0] += p.m * p.v[0];
        m[1] += p.m * p.v[1];
    }
    m
}

#[test]
fn vector_outputs_over_a_slice_of_structs() {
    let ps = system();
    let (v, [j0, j1]) = momenta_jacobian(&ps);
    assert_eq!(v, momenta(&ps));
    for (i, p) in ps.iter().enumerate() {
        assert_eq!((j0[i].v, j0[i].m, j0[i].x), ([p.m, 0.0], p.v[0], [0.0, 0.0]));
        assert_eq!((j1[i].v, j1[i].m), ([0.0, p.m], p.v[1]));
        assert_eq!(j1[i].id, p.id);
    }
    let (_, g) = momenta_vjp(&ps, [2.0, -1.0]);
    for (i, p) in ps.iter().enumerate() {
        common::assert_exact("vjp d/dm", g[i].m, 2.0 * p.v[0] - p.v[1]);
    }
}
