use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Particle {
    pub x: f64,
    pub m: f64,
}

#[differentiate(wrt(ps))]
fn total(ps: &[Particle]) -> f64 {
    let mut s = 0.0;
    for Particle { x, m } in ps {
        s += x * m;
    }
    s
}

fn main() {}
