use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Model {
    pub w: f64,
}

impl Model {
    fn predict(&self, a: f64) -> f64 {
        self.w * a
    }

    #[differentiate(wrt(self))]
    fn loss(&self, a: f64) -> f64 {
        self.predict(a) - 1.0
    }
}

fn main() {}
