#[derive(gradmacro::Differentiable)]
pub enum E {
    A(f64),
}

#[derive(gradmacro::Differentiable)]
pub struct T(f64);

fn main() {}
