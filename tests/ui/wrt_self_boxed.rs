use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Model {
    pub w: f64,
}

impl Model {
    #[differentiate(wrt(self))]
    fn boxed(self: Box<Self>, a: f64) -> f64 {
        self.w * a
    }
}

fn main() {}
