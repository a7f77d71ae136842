use gradmacro::differentiate;
use num_traits::Float;

#[differentiate(wrt(x, k))]
fn f<F: Float>(x: F, k: f64) -> F {
    x * F::from(k).unwrap()
}

#[differentiate]
fn g<F: Float>(x: f64) -> f64 {
    x * F::one().to_f64().unwrap()
}

fn main() {}
