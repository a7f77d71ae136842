//! A call passing a differentiated struct, with a differentiated float argument the callee does
//! not differentiate (`g` is not in `energy`'s `wrt`): its gradient would be dropped, so it is
//! a compile error at the call.

use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
    pub m: f64,
}

#[differentiate(wrt(p))]
fn energy(p: &P, g: f64) -> f64 {
    p.m * g * p.x
}

#[differentiate(wrt(p, g))]
fn caller(p: &P, g: f64) -> f64 {
    energy(p, g)
}

fn main() {}
