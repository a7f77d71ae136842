//! A method on a differentiated struct that is itself differentiated, but not with respect to
//! its receiver: the receiver's gradient would be dropped, so it is a compile error saying to
//! add `self` to the method's `wrt(...)`.

use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct Model {
    pub w: f64,
}

impl Model {
    #[differentiate(wrt(a))]
    fn predict(&self, a: f64) -> f64 {
        self.w * a
    }

    #[differentiate(wrt(self))]
    fn loss(&self, a: f64) -> f64 {
        self.predict(a) - 1.0
    }
}

fn main() {}
