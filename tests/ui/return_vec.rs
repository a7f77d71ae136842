use gradmacro::differentiate;

// A `Vec` result is returned from a buffer the body builds; a copy of part of a differentiated
// slice is not one (a copy of the whole, `x.to_vec()`, is).
#[differentiate]
fn f(x: &[f64]) -> Vec<f64> {
    x[1..].to_vec()
}

fn main() {}
