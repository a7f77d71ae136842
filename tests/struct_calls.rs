//! Issue 13, item 1: a differentiated struct passed whole to another differentiated function
//! (`energy(p, g)`, `energy(&ps[i], g)`, `for p in ps { energy(p, g) }`) or a method called on
//! one (`p.ke()`). The callee's struct gradient is added to the caller's, scaled by the call's
//! adjoint.
//!
//! Expected values come from closed forms written here and central finite differences of the
//! original functions (every float field perturbed); never from the code under test.

mod common;

use common::{assert_fd_all, assert_same_value};
use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Particle {
    pub x: f64,
    pub v: f64,
    pub m: f64,
    pub id: usize,
}

impl Particle {
    /// Kinetic energy, differentiated with respect to the receiver.
    #[differentiate(wrt(self))]
    pub fn ke(&self) -> f64 {
        0.5 * self.m * self.v * self.v
    }

    /// With a float argument the caller keeps constant.
    #[differentiate(wrt(self))]
    pub fn pe(&self, g: f64) -> f64 {
        self.m * g * self.x
    }
}

#[differentiate(wrt(p))]
pub fn energy(p: &Particle, g: f64) -> f64 {
    0.5 * p.m * p.v * p.v + p.m * g * p.x
}

#[differentiate(wrt(ps))]
pub fn total(ps: &[Particle], g: f64) -> f64 {
    let mut s = 0.0;
    for p in ps {
        s += energy(p, g);
    }
    s
}

#[allow(clippy::needless_range_loop)] // the index is the point
#[differentiate(wrt(ps))]
pub fn total_indexed(ps: &[Particle], g: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..ps.len() {
        s += energy(&ps[i], g) * (i as f64 + 1.0);
    }
    s
}

#[differentiate(wrt(ps))]
pub fn kinetic(ps: &[Particle]) -> f64 {
    ps.iter().map(|p| p.ke()).sum::<f64>()
}

#[allow(clippy::ptr_arg)] // a `&Vec` of structs is one of the accepted parameter types
#[differentiate(wrt(ps))]
pub fn kinetic_and_potential(ps: &Vec<Particle>, g: f64) -> f64 {
    ps.iter().map(|p| p.ke() + p.pe(g)).sum::<f64>()
}

/// Pair interaction: both arguments are elements of the same slice.
#[differentiate(wrt(a, b))]
pub fn interact(a: &Particle, b: &Particle) -> f64 {
    let d = a.x - b.x;
    a.m * b.m * d * d
}

#[differentiate(wrt(ps))]
pub fn pairs(ps: &[Particle]) -> f64 {
    let mut e = 0.0;
    for i in 0..ps.len() {
        for j in 0..ps.len() {
            if i != j {
                e += interact(&ps[i], &ps[j]);
            }
        }
    }
    e
}

/// The same struct twice in one call: both gradients add up.
#[differentiate(wrt(p))]
pub fn self_pair(p: &Particle) -> f64 {
    interact(p, p) + p.x * interact(p, p)
}

/// Calls in branches, with an active float argument and a by-value struct parameter.
#[differentiate(wrt(p, s))]
pub fn branchy(p: Particle, s: f64) -> f64 {
    let e = if p.x > 0.0 { energy(&p, 9.81) * s } else { p.ke() - s };
    let mut acc = e;
    for k in 0..3 {
        acc += scaled(&p, s * k as f64);
    }
    acc
}

#[differentiate(wrt(p, k))]
pub fn scaled(p: &Particle, k: f64) -> f64 {
    p.v * k.sin()
}

#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Inner {
    pub a: f64,
    pub tag: String,
}

#[derive(Differentiable, Clone, Debug, PartialEq)]
pub struct Body {
    pub w: [f64; 3],
    pub h: Vec<f64>,
    pub inner: Inner,
    pub n: usize,
}

#[differentiate(wrt(b))]
pub fn body_energy(b: &Body, c: f64) -> f64 {
    b.w[0] * b.w[1] + c * b.w[2] * b.inner.a + b.h[1] * b.h[0] * b.h[0]
}

#[differentiate(wrt(bs))]
pub fn bodies(bs: &[Body]) -> f64 {
    bs.iter().map(|b| body_energy(b, 2.0).sin()).sum::<f64>()
}

#[differentiate(wrt(b))]
pub fn body_twice(b: &Body) -> f64 {
    body_energy(b, 1.5) * body_energy(b, -0.5)
}

/// A struct outside the callee's `wrt(...)` beside one in it: the caller passes a constant
/// struct to the first, a differentiated one to the second.
#[differentiate(wrt(q))]
pub fn pull(anchor: &Particle, q: &Particle, k: f64) -> f64 {
    k * anchor.m * (q.x - anchor.x) * (q.x - anchor.x)
}

#[differentiate(wrt(q))]
pub fn pulled(anchor: &Particle, q: &Particle) -> f64 {
    pull(anchor, q, 0.5) + q.v * q.m
}

/// A method on a constant receiver that takes a differentiated struct.
pub struct Spring {
    pub k: f64,
}

impl Spring {
    #[differentiate(wrt(p))]
    pub fn stretch(&self, p: &Particle) -> f64 {
        self.k * p.x * p.x
    }
}

#[differentiate(wrt(p))]
pub fn sprung(s: &Spring, p: &Particle) -> f64 {
    s.stretch(p) * p.m
}

fn particles() -> Vec<Particle> {
    vec![
        Particle { x: 1.0, v: 2.0, m: 3.0, id: 1 },
        Particle { x: -0.5, v: 0.25, m: 1.5, id: 2 },
        Particle { x: 2.0, v: -1.0, m: 0.75, id: 3 },
    ]
}

fn flat(ps: &[Particle]) -> Vec<f64> {
    ps.iter().flat_map(|p| [p.x, p.v, p.m]).collect()
}

fn unflat(ps: &[Particle], f: &[f64]) -> Vec<Particle> {
    ps.iter().enumerate().map(|(i, p)| Particle { x: f[3 * i], v: f[3 * i + 1], m: f[3 * i + 2], id: p.id }).collect()
}

fn check_slice(what: &str, ps: &[Particle], f: impl Fn(&[Particle]) -> f64, d: &[Particle]) {
    assert_eq!(d.len(), ps.len());
    for (a, b) in d.iter().zip(ps) {
        assert_eq!(a.id, b.id, "{what}: constant field copied");
    }
    assert_fd_all(what, |x| f(&unflat(ps, x)), &flat(ps), &flat(d));
}

#[test]
fn total_matches_the_closed_form_and_finite_differences() {
    let ps = particles();
    let g = 9.81;
    let (v, d) = total_grad(&ps, g);
    assert_same_value("total", v, total(&ps, g));
    for (p, dp) in ps.iter().zip(&d) {
        assert!((dp.x - p.m * g).abs() < 1e-12);
        assert!((dp.v - p.m * p.v).abs() < 1e-12);
        assert!((dp.m - (0.5 * p.v * p.v + g * p.x)).abs() < 1e-12);
    }
    check_slice("total", &ps, |q| total(q, g), &d);
    let (v, d) = total_indexed_grad(&ps, g);
    assert_same_value("total_indexed", v, total_indexed(&ps, g));
    for (i, (p, dp)) in ps.iter().zip(&d).enumerate() {
        let w = i as f64 + 1.0;
        assert!((dp.x - w * p.m * g).abs() < 1e-12);
    }
    check_slice("total_indexed", &ps, |q| total_indexed(q, g), &d);
}

#[test]
fn methods_in_an_iterator_chain() {
    let ps = particles();
    let (v, d) = kinetic_grad(&ps);
    assert_same_value("kinetic", v, kinetic(&ps));
    for (p, dp) in ps.iter().zip(&d) {
        assert_eq!((dp.x, dp.v, dp.m), (0.0, p.m * p.v, 0.5 * p.v * p.v));
    }
    check_slice("kinetic", &ps, kinetic, &d);
    let ps = ps.clone();
    let (v, d) = kinetic_and_potential_grad(&ps, 3.0);
    assert_same_value("kinetic_and_potential", v, kinetic_and_potential(&ps, 3.0));
    check_slice("kinetic_and_potential", &ps, |q| kinetic_and_potential(&q.to_vec(), 3.0), &d);
}

#[test]
fn pairs_of_elements_add_up() {
    let ps = particles();
    let (v, d) = pairs_grad(&ps);
    assert_same_value("pairs", v, pairs(&ps));
    // e = 2 Σ_{i<j} m_i m_j (x_i - x_j)^2
    for (i, p) in ps.iter().enumerate() {
        let dx: f64 = ps.iter().map(|q| 4.0 * p.m * q.m * (p.x - q.x)).sum();
        let dm: f64 = ps.iter().map(|q| 2.0 * q.m * (p.x - q.x) * (p.x - q.x)).sum();
        assert!((d[i].x - dx).abs() < 1e-12, "{} {dx}", d[i].x);
        assert!((d[i].m - dm).abs() < 1e-12, "{} {dm}", d[i].m);
        assert_eq!(d[i].v, 0.0);
    }
    check_slice("pairs", &ps, pairs, &d);

    // interact(p, p) = 0 for every p, but its partials in `m` are not: 2 m d^2 = 0, and in `x`
    // 2 m^2 d - 2 m^2 d = 0; the second term p.x * interact(p, p) likewise. A plain check of
    // the two-argument sum: the gradient through both arguments is the sum of both.
    let p = Particle { x: 0.7, v: 0.1, m: 1.3, id: 9 };
    let (v, d) = self_pair_grad(&p);
    assert_same_value("self_pair", v, self_pair(&p));
    assert_eq!((d.x, d.v, d.m, d.id), (0.0, 0.0, 0.0, 9));
    let (_, da, db) = interact_grad(&p, &Particle { x: 0.2, ..p.clone() });
    assert!((da.x + db.x).abs() < 1e-12);
}

#[test]
fn branches_loops_and_by_value() {
    for p in [Particle { x: 0.4, v: 1.5, m: 2.0, id: 0 }, Particle { x: -0.4, v: 1.5, m: 2.0, id: 0 }] {
        let s = 0.8;
        let (v, dp, ds) = branchy_grad(p.clone(), s);
        assert_same_value("branchy", v, branchy(p.clone(), s));
        let x = [p.x, p.v, p.m, s];
        let f = |y: &[f64]| branchy(Particle { x: y[0], v: y[1], m: y[2], id: 0 }, y[3]);
        assert_fd_all("branchy", f, &x, &[dp.x, dp.v, dp.m, ds]);
        // closed form of the loop part: Σ_k v sin(s k)
        let loop_dv: f64 = (0..3).map(|k| (s * f64::from(k)).sin()).sum();
        let branch_dv = if p.x > 0.0 { p.m * p.v * s } else { p.m * p.v };
        assert!((dp.v - loop_dv - branch_dv).abs() < 1e-12);
    }
}

fn body(w: [f64; 3], h: Vec<f64>, a: f64) -> Body {
    Body { w, h, inner: Inner { a, tag: "t".into() }, n: 4 }
}

fn body_flat(b: &Body) -> Vec<f64> {
    let mut v = b.w.to_vec();
    v.extend(&b.h);
    v.push(b.inner.a);
    v
}

fn body_unflat(x: &[f64]) -> Body {
    body([x[0], x[1], x[2]], x[3..5].to_vec(), x[5])
}

#[test]
fn arrays_vecs_and_nested_structs() {
    let bs = vec![body([1.0, 2.0, 0.5], vec![0.3, -1.0], 0.7), body([-0.2, 0.4, 1.1], vec![1.2, 0.5], -0.3)];
    let (v, d) = bodies_grad(&bs);
    assert_same_value("bodies", v, bodies(&bs));
    for (b, db) in bs.iter().zip(&d) {
        let c = body_energy(b, 2.0).cos();
        assert!((db.w[0] - c * b.w[1]).abs() < 1e-12);
        assert!((db.w[2] - c * 2.0 * b.inner.a).abs() < 1e-12);
        assert!((db.inner.a - c * 2.0 * b.w[2]).abs() < 1e-12);
        assert!((db.h[0] - c * 2.0 * b.h[1] * b.h[0]).abs() < 1e-12);
        assert_eq!((db.n, db.inner.tag.as_str()), (4, "t"));
        let got = body_flat(db);
        let f = |x: &[f64]| body_energy(&body_unflat(x), 2.0).sin();
        assert_fd_all("bodies", f, &body_flat(b), &got);
    }
    let b = &bs[0];
    let (v, d) = body_twice_grad(b);
    assert_same_value("body_twice", v, body_twice(b));
    assert_fd_all("body_twice", |x| body_twice(&body_unflat(x)), &body_flat(b), &body_flat(&d));
}

#[test]
fn constant_structs_and_receivers_beside_differentiated_ones() {
    let a = Particle { x: 0.3, v: -2.0, m: 1.7, id: 5 };
    let q = Particle { x: -0.9, v: 0.6, m: 2.5, id: 6 };
    let (v, d) = pulled_grad(&a, &q);
    assert_same_value("pulled", v, pulled(&a, &q));
    // 0.5 m_a (x_q - x_a)^2 + v_q m_q
    assert!((d.x - a.m * (q.x - a.x)).abs() < 1e-12);
    assert_eq!((d.v, d.m, d.id), (q.m, q.v, 6));
    let f = |y: &[f64]| pulled(&a, &Particle { x: y[0], v: y[1], m: y[2], id: 6 });
    assert_fd_all("pulled", f, &[q.x, q.v, q.m], &[d.x, d.v, d.m]);

    let s = Spring { k: 1.25 };
    let (v, d) = sprung_grad(&s, &q);
    assert_same_value("sprung", v, sprung(&s, &q));
    // k x^2 m
    assert!((d.x - 2.0 * s.k * q.x * q.m).abs() < 1e-12);
    assert!((d.m - s.k * q.x * q.x).abs() < 1e-12);
    assert_eq!(d.v, 0.0);
    let f = |y: &[f64]| sprung(&s, &Particle { x: y[0], v: y[1], m: y[2], id: 6 });
    assert_fd_all("sprung", f, &[q.x, q.v, q.m], &[d.x, d.v, d.m]);
}
