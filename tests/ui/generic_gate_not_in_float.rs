use gradmacro::differentiate;
use num_traits::Float;

#[differentiate]
fn f<F: Float + num_traits::Euclid>(x: F, y: F) -> F {
    x.rem_euclid(&y) + F::sin(x)
}

fn main() {}
