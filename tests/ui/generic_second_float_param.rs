use gradmacro::differentiate;
use num_traits::Float;

#[differentiate]
fn f<F: Float, G>(x: F, k: G) -> F
where
    G: Float,
{
    x * F::from(k).unwrap()
}

fn main() {}
