use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub x: f64,
    pub v: [f64; 2],
}

#[differentiate(wrt(p))]
fn f(p: &P) -> f64 {
    let v = p.v;
    p.x * v[0]
}

fn main() {}
