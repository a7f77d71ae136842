//! A copy of a differentiated array anywhere but a `let` initialiser or a returned `Vec`, and a
//! `.clone()` of a slice (a reference, not a `Vec`): errors saying what to write.

use gradmacro::differentiate;

#[allow(clippy::needless_pass_by_value)]
fn total(v: Vec<f64>) -> f64 {
    v.iter().sum()
}

#[differentiate]
fn passed(x: &[f64]) -> f64 {
    total(x.to_vec())
}

#[differentiate]
fn cloned(x: &[f64], a: f64) -> Vec<f64> {
    let r = x.clone();
    vec![r[0] * a, r[1]]
}

fn main() {}
