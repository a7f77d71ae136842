//! Issue 13: methods with `#[differentiate(wrt(self, ..))]` (CONTRACT.md §1, §7). The companion
//! `loss_grad` is a method of the same `impl` returning `(value, Self-gradient, d/dx..)`.
//!
//! Expected values come from closed forms written here and central finite differences of the
//! original methods; never from the code under test.

mod common;

use common::assert_fd;
use gradmacro::{Differentiable, differentiate};

/// A one-hidden-layer perceptron `y = Σ_j v_j tanh(w_j x + b_j) + c`, with a constant width.
#[derive(Differentiable, Clone, Debug)]
pub struct Mlp {
    pub w: [f64; 4],
    pub b: [f64; 4],
    pub v: Vec<f64>,
    pub c: f64,
    pub width: usize,
}

impl Mlp {
    pub fn predict(&self, x: f64) -> f64 {
        (0..self.width).map(|j| self.v[j] * (self.w[j] * x + self.b[j]).tanh()).sum::<f64>() + self.c
    }

    /// Squared error at one sample, differentiated with respect to the model and the input.
    #[differentiate(wrt(self, x), forward)]
    pub fn loss(&self, x: f64, y: f64) -> f64 {
        let mut out = self.c;
        for j in 0..self.width {
            out += self.v[j] * (self.w[j] * x + self.b[j]).tanh();
        }
        let r = out - y;
        r * r
    }

    /// Mean loss over a batch, through an iterator chain; the receiver by value.
    #[differentiate(wrt(self))]
    pub fn batch(self, xs: &[f64], ys: &[f64]) -> f64 {
        let total: f64 = xs
            .iter()
            .zip(ys)
            .map(|(x, y)| {
                let mut out = self.c;
                for j in 0..self.width {
                    out += self.v[j] * (self.w[j] * x + self.b[j]).tanh();
                }
                (out - y) * (out - y)
            })
            .sum();
        total / xs.len() as f64
    }

    /// The receiver not in `wrt`: a constant.
    #[differentiate]
    pub fn at(&self, x: f64) -> f64 {
        self.c * x * x
    }
}

fn model() -> Mlp {
    Mlp { w: [0.5, -1.0, 0.8, 0.3], b: [0.1, 0.0, -0.2, 0.4], v: vec![1.0, -0.5, 0.7, 0.2], c: 0.05, width: 4 }
}

fn params(m: &Mlp) -> Vec<f64> {
    m.w.iter().chain(&m.b).chain(&m.v).chain([&m.c]).copied().collect()
}

fn with_params(m: &Mlp, p: &[f64]) -> Mlp {
    Mlp { w: [p[0], p[1], p[2], p[3]], b: [p[4], p[5], p[6], p[7]], v: p[8..12].to_vec(), c: p[12], width: m.width }
}

#[test]
fn the_gradient_of_self_matches_the_closed_form_and_finite_differences() {
    let m = model();
    let (x, y) = (0.7, 0.3);
    let (l, d, dx) = m.loss_grad(x, y);
    assert_eq!(l.to_bits(), m.loss(x, y).to_bits());
    let r = m.predict(x) - y;
    let mut want_dx = 0.0;
    for j in 0..4 {
        let t = (m.w[j] * x + m.b[j]).tanh();
        let s = 1.0 - t * t;
        common::assert_exact("d/dv", d.v[j], 2.0 * r * t);
        common::assert_exact("d/dw", d.w[j], 2.0 * r * m.v[j] * s * x);
        common::assert_exact("d/db", d.b[j], 2.0 * r * m.v[j] * s);
        want_dx += 2.0 * r * m.v[j] * s * m.w[j];
    }
    common::assert_exact("d/dc", d.c, 2.0 * r);
    common::assert_exact("d/dx", dx, want_dx);
    assert_eq!(d.width, 4);
    let fd = common::fd(|p| with_params(&m, p).loss(x, y), &params(&m));
    for (g, f) in params(&d).iter().zip(&fd) {
        assert_fd("d/dparam", *g, *f);
    }
    assert_fd("d/dx", dx, common::fd1(|x| m.loss(x, y), x));
    // Forward mode along one direction of the model and of `x`.
    let t = Mlp { w: [1.0, 0.0, -1.0, 0.5], b: [0.0, 1.0, 0.0, 0.0], v: vec![0.5, 0.5, 0.0, -1.0], c: 1.0, width: 0 };
    let (lv, dir) = m.loss_jvp(x, y, &t, 0.25);
    assert_eq!(lv.to_bits(), l.to_bits());
    let want: f64 = params(&d).iter().zip(params(&t)).map(|(g, t)| g * t).sum::<f64>() + 0.25 * dx;
    assert_fd("directional derivative", dir, want);
    let (_, dc) = m.at_grad(2.0);
    common::assert_exact("d/dx of a constant receiver", dc, 2.0 * m.c * 2.0);
}

#[test]
fn a_model_trains_through_wrt_self() {
    let xs: Vec<f64> = (0..24).map(|i| -1.5 + f64::from(i) / 8.0).collect();
    let ys: Vec<f64> = xs.iter().map(|x| (2.0 * x).sin() * 0.8).collect();
    let mut m = model();
    let first = m.clone().batch(&xs, &ys);
    let mut last = first;
    for _ in 0..400 {
        let (l, g) = m.clone().batch_grad(&xs, &ys);
        assert!(l <= last + 1e-12, "the loss went up: {l} > {last}");
        last = l;
        for j in 0..4 {
            m.w[j] -= 0.3 * g.w[j];
            m.b[j] -= 0.3 * g.b[j];
            m.v[j] -= 0.3 * g.v[j];
        }
        m.c -= 0.3 * g.c;
    }
    assert!(last < 0.2 * first, "{first} -> {last}");
    // The batch gradient against finite differences at the trained point.
    let (_, g) = m.clone().batch_grad(&xs, &ys);
    let fd = common::fd(|p| with_params(&m, p).batch(&xs, &ys), &params(&m));
    for (g, f) in params(&g).iter().zip(&fd) {
        assert_fd("d/dparam", *g, *f);
    }
}
