use gradmacro::differentiate;

pub struct Particle {
    pub x: f64,
}

#[differentiate(wrt(p))]
fn energy(p: &Particle, g: f64) -> f64 {
    p.x * g
}

fn main() {
    let _ = energy_grad(&Particle { x: 1.0 }, 9.8);
}
