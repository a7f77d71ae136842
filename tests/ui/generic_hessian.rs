use gradmacro::differentiate;
use num_traits::Float;

#[differentiate(hessian)]
fn f<F: Float>(x: F, y: F) -> F {
    x * y.sin()
}

fn main() {}
