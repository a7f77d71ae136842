use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Joint {
    pub angle: f64,
}

#[derive(Differentiable, Clone)]
pub struct Arm {
    pub joints: Vec<Joint>,
    pub base: f64,
}

#[differentiate(wrt(arm))]
fn reach(arm: &Arm) -> f64 {
    arm.base + arm.joints[0].angle.cos()
}

fn main() {}
