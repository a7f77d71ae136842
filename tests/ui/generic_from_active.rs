use gradmacro::differentiate;
use num_traits::Float;

#[differentiate]
fn f<F: Float>(x: F, y: F) -> F {
    let t = x * y;
    F::from(t).unwrap() + F::from(0.5).unwrap()
}

fn main() {}
