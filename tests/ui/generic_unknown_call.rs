use gradmacro::differentiate;
use num_traits::Float;

#[differentiate]
fn f<F: Float>(x: F, y: F) -> F {
    let a = F::to_f64(&x).unwrap();
    let b = F::abs_sub(x, y) + F::powi(x, 2);
    b + F::from(a).unwrap()
}

fn main() {}
