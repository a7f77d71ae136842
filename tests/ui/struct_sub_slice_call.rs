use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub v: f64,
}

#[differentiate(wrt(ps))]
fn energy(ps: &[P]) -> f64 {
    ps.iter().map(|p| p.v * p.v).sum()
}

#[differentiate(wrt(ps))]
fn tail_energy(ps: &[P]) -> f64 {
    energy(&ps[1..])
}

fn main() {}
