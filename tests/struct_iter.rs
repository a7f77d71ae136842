//! Array fields of differentiated structs iterated (issue 13): `q.c.iter()`, `&q.c`,
//! `for v in q.w` (a copy), `.enumerate()`, `.zip(..)`, sub-slices `&q.c[1..]`, fields of
//! slice elements (`p.v.iter()` for `p` in `ps`, `&ps[i].v`) and of `self` in a method. Each
//! element read goes straight into the field's gradient. Against closed forms and central finite
//! differences of the original function.

#![allow(clippy::needless_range_loop, reason = "indexed loops over the struct's fields are what is tested")]

mod common;

use common::{assert_exact, assert_fd, fd1};
use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone, Debug)]
pub struct Q {
    pub c: Vec<f64>,
    pub w: [f64; 3],
    pub k: f64,
}

#[differentiate(wrt(q, x), forward)]
fn fields(q: &Q, x: f64) -> f64 {
    let mut s = 0.0;
    for v in q.c.iter() {
        s += v * x * q.k;
    }
    for (i, v) in q.w.iter().enumerate() {
        s += v * i as f64;
    }
    for v in &q.c[1..] {
        s += v.sin();
    }
    for v in q.w {
        s += v * v;
    }
    s + q.w.iter().zip(&q.c).map(|(a, b)| a * b).sum::<f64>()
}

#[derive(Differentiable, Clone, Debug)]
pub struct P {
    pub v: [f64; 2],
    pub m: f64,
}

#[differentiate(wrt(ps))]
fn elements(ps: &[P], g: f64) -> f64 {
    let mut e = 0.0;
    for p in ps {
        e += p.v.iter().map(|x| x * x).sum::<f64>() * p.m * g;
    }
    for i in 0..ps.len() {
        for x in &ps[i].v {
            e += x * ps[i].m;
        }
    }
    e
}

#[differentiate(wrt(p))]
fn kinetic(p: &P) -> f64 {
    0.5 * p.m * (p.v[0] * p.v[0] + p.v[1] * p.v[1])
}

/// A sub-slice of a slice of structs iterated, each element passed to a differentiated function.
#[differentiate(wrt(ps))]
fn tail_kinetic(ps: &[P]) -> f64 {
    let mut s = 0.0;
    for p in &ps[1..] {
        s += kinetic(p) + p.m;
    }
    s
}

/// A linear model whose weights are a field: the prediction as users write it.
#[derive(Differentiable, Clone, Debug)]
pub struct Linear {
    pub w: Vec<f64>,
    pub b: f64,
}

impl Linear {
    #[differentiate(wrt(self))]
    pub fn loss(&self, x: &[f64], y: f64) -> f64 {
        let pred: f64 = self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b;
        (pred - y).powi(2)
    }
}

/// Central differences of `f` in each float of `q` (in the order `c`, `w`, `k`).
fn fd_q(f: impl Fn(&Q) -> f64, q: &Q) -> Vec<f64> {
    let mut out = Vec::new();
    let bump = |g: &dyn Fn(&mut Q, f64)| {
        fd1(
            |h| {
                let mut p = q.clone();
                g(&mut p, h);
                f(&p)
            },
            0.0,
        )
    };
    for i in 0..q.c.len() {
        out.push(bump(&|p: &mut Q, h| p.c[i] += h));
    }
    for i in 0..3 {
        out.push(bump(&|p: &mut Q, h| p.w[i] += h));
    }
    out.push(bump(&|p: &mut Q, h| p.k += h));
    out
}

fn flat(q: &Q) -> Vec<f64> {
    q.c.iter().chain(&q.w).copied().chain([q.k]).collect()
}

#[test]
fn struct_array_fields_iterated() {
    let q = Q { c: vec![1.0, 2.0], w: [1.0, 2.0, 3.0], k: 0.5 };
    let x = 2.0;
    let (v, d, dx) = fields_grad(&q, x);
    assert_eq!(v.to_bits(), fields(&q, x).to_bits());
    // closed form: d/dc_i = x k + [i >= 1] cos c_i + w_i, d/dw_i = i + 2 w_i + [i < 2] c_i,
    // d/dk = x Σ c, d/dx = k Σ c
    let c = &q.c;
    assert_exact("c0", d.c[0], x * q.k + q.w[0]);
    assert_exact("c1", d.c[1], x * q.k + c[1].cos() + q.w[1]);
    for i in 0..3 {
        let zip = if i < 2 { c[i] } else { 0.0 };
        assert_exact("w", d.w[i], i as f64 + 2.0 * q.w[i] + zip);
    }
    assert_exact("k", d.k, x * (c[0] + c[1]));
    assert_exact("x", dx, q.k * (c[0] + c[1]));
    for (g, want) in flat(&d).iter().zip(fd_q(|q| fields(q, x), &q)) {
        assert_fd("fields", *g, want);
    }
    // forward mode along a direction of the struct's floats and x
    let t = Q { c: vec![0.3, -0.2], w: [0.1, 0.5, -0.4], k: 0.7 };
    let (jv, dot) = fields_jvp(&q, x, &t, 0.25);
    assert_eq!(jv.to_bits(), v.to_bits());
    let along = |e: f64| {
        let p = Q {
            c: q.c.iter().zip(&t.c).map(|(a, b)| a + e * b).collect(),
            w: std::array::from_fn(|i| q.w[i] + e * t.w[i]),
            k: q.k + e * t.k,
        };
        fields(&p, x + e * 0.25)
    };
    assert_fd("fields, jvp", dot, fd1(along, 0.0));
}

#[test]
fn fields_of_slice_elements_iterated() {
    let ps = vec![P { v: [1.0, 2.0], m: 3.0 }, P { v: [-1.0, 0.5], m: 0.5 }];
    let g = 2.0;
    let (v, d) = elements_grad(&ps, g);
    assert_eq!(v.to_bits(), elements(&ps, g).to_bits());
    for (j, p) in ps.iter().enumerate() {
        // e = Σ_p (|v|² m g + Σ v m)
        for i in 0..2 {
            assert_exact("v", d[j].v[i], 2.0 * p.v[i] * p.m * g + p.m);
        }
        assert_exact("m", d[j].m, (p.v[0] * p.v[0] + p.v[1] * p.v[1]) * g + p.v[0] + p.v[1]);
    }
}

#[test]
fn elements_of_a_sub_slice_passed_to_a_call() {
    let ps = vec![P { v: [1.0, 2.0], m: 3.0 }, P { v: [-1.0, 0.5], m: 0.5 }, P { v: [0.25, 4.0], m: 2.0 }];
    let (v, d) = tail_kinetic_grad(&ps);
    assert_eq!(v.to_bits(), tail_kinetic(&ps).to_bits());
    assert_eq!((d[0].v, d[0].m), ([0.0, 0.0], 0.0));
    for j in 1..3 {
        let p = &ps[j];
        for i in 0..2 {
            assert_exact("v", d[j].v[i], p.m * p.v[i]);
        }
        assert_exact("m", d[j].m, 0.5 * (p.v[0] * p.v[0] + p.v[1] * p.v[1]) + 1.0);
    }
}

#[test]
fn a_method_zips_its_weights_with_the_input() {
    let model = Linear { w: vec![0.5, -1.0, 2.0], b: 0.1 };
    let (x, y) = ([1.0, 2.0, -0.5], 0.3);
    let (v, d) = model.loss_grad(&x, y);
    assert_eq!(v.to_bits(), model.loss(&x, y).to_bits());
    let r = model.w.iter().zip(&x).map(|(w, x)| w * x).sum::<f64>() + model.b - y;
    for i in 0..3 {
        assert_exact("w", d.w[i], 2.0 * r * x[i]);
    }
    assert_exact("b", d.b, 2.0 * r);
}
