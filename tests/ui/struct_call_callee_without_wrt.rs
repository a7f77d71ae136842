//! A differentiated struct passed to a function that does not differentiate with respect to it
//! (no `wrt(p)`): its gradient would be dropped, so it is a compile error at the argument,
//! saying to add the parameter to the callee's `wrt(...)`.

use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
}

#[differentiate(wrt(k))]
fn scaled(p: &P, k: f64) -> f64 {
    p.x * k
}

#[differentiate(wrt(p))]
fn caller(p: &P) -> f64 {
    scaled(p, 2.0)
}

fn main() {}
