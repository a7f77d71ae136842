//! `forward` on a function that passes a differentiated struct whole: not supported yet, an
//! error at the call (its `f_grad` works without `forward`).

use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
}

#[differentiate(wrt(p))]
fn energy(p: &P) -> f64 {
    p.x * p.x
}

#[differentiate(wrt(p), forward)]
fn caller(p: &P) -> f64 {
    energy(p) + 1.0
}

fn main() {}
