use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
    pub inner: Q,
}

#[derive(Differentiable, Clone)]
pub struct Q {
    pub y: f64,
}

fn norm(p: &P) -> f64 {
    p.x
}

#[differentiate(wrt(p))]
fn f(p: &P, pos: &[[f64; 2]]) -> f64 {
    let a = norm(p);
    let b = p.inner.y;
    a + b + pos[0][0]
}

#[differentiate(wrt(rows))]
fn h(rows: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for r in rows {
        s += r[0];
    }
    s
}

fn main() {}
