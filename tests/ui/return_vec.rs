use gradmacro::differentiate;

// A `Vec` result is returned from a buffer the body builds; a copy made by a method is not one.
#[differentiate]
fn f(x: &[f64]) -> Vec<f64> {
    x.to_vec()
}

fn main() {}
