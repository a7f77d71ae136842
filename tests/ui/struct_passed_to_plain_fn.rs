//! A differentiated struct passed whole to a function without `#[differentiate]`: the struct's
//! gradient through it cannot be known, so the call does not compile (it is never treated as a
//! constant).

use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
}

fn norm(p: &P) -> f64 {
    p.x
}

#[differentiate(wrt(p))]
fn f(p: &P) -> f64 {
    norm(p) * 2.0
}

fn main() {}
