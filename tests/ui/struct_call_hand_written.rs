//! A struct whose `Differentiable` is written by hand (not derived) passed whole to a
//! differentiated call: the caller cannot add the callee's gradient to its own, a compile error
//! saying to derive it.

use gradmacro::{Differentiable, differentiate};

#[derive(Clone)]
pub struct P {
    pub x: f64,
}

impl Differentiable for P {
    fn zero_gradient(&self) -> Self {
        P { x: 0.0 }
    }
}

#[differentiate(wrt(p))]
fn energy(p: &P) -> f64 {
    p.x * p.x
}

#[differentiate(wrt(p))]
fn caller(p: &P) -> f64 {
    energy(p) + 1.0
}

fn main() {}
