use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Particle {
    pub x: f64,
}

fn x_of(p: &Particle) -> f64 {
    p.x
}

#[differentiate(wrt(ps))]
fn total(ps: &[Particle]) -> f64 {
    let mut s = 0.0;
    for p in ps {
        s += x_of(p);
    }
    s
}

fn main() {}
