//! A call passing two differentiated structs to a function that differentiates only one of its
//! struct parameters: the other's gradient would be dropped, so it is a compile error at that
//! argument, saying to add the parameter to the callee's `wrt(...)`.

use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
}

#[differentiate(wrt(q))]
fn pull(anchor: &P, q: &P) -> f64 {
    (q.x - anchor.x) * (q.x - anchor.x)
}

#[differentiate(wrt(a, b))]
fn caller(a: &P, b: &P) -> f64 {
    pull(a, b)
}

fn main() {}
