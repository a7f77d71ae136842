//! A field of a constant struct (`self.xs[i][0]`, `m.k`), a float method of one (`m.k.sin()`), a
//! constant call (`h(2.0)`) or a literal float array as a constant argument of a call, placed
//! before a differentiated argument, is rejected: "cannot tell whether this argument is a float".
//! `1.0 + m.k` in the same place is accepted. The layered network of `tests/composition.rs`
//! passes `self.xs[i][0]` after the parameters, which works; here the constants come first.

use gradmacro::differentiate;

struct Model {
    xs: Vec<[f64; 2]>,
    k: f64,
}

fn h(x: f64) -> f64 {
    x * x
}

#[differentiate]
fn g(x: f64, w: f64) -> f64 {
    w * x * w
}

#[differentiate]
fn dot2(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

impl Model {
    #[differentiate]
    fn f(&self, w: f64) -> f64 {
        let mut s = 0.0;
        for i in 0..self.xs.len() {
            s += g(self.xs[i][0], w) + g(self.k, w);
        }
        s
    }
}

#[differentiate]
fn free(w: f64, m: &Model) -> f64 {
    let a = [w, 1.0];
    g(m.k, w) + g(m.k.sin(), w) + g(h(2.0), w) + dot2([3.0, 4.0], a)
}

pub fn main() {
    let m = Model { xs: vec![[1.0, 0.0], [2.0, 0.0]], k: 0.5 };
    let w = 3.0;
    let (v, d) = m.f_grad(w);
    assert_eq!(v.to_bits(), m.f(w).to_bits());
    approx::assert_relative_eq!(d, 2.0 * w * (1.0 + 0.5 + 2.0 + 0.5), max_relative = 1e-12);

    let (v, d) = free_grad(w, &m);
    assert_eq!(v.to_bits(), free(w, &m).to_bits());
    approx::assert_relative_eq!(d, 2.0 * w * (0.5 + 0.5_f64.sin() + 4.0) + 3.0, max_relative = 1e-12);
}
