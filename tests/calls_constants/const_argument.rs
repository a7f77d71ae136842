//! A module-level `const` item passed as a constant argument of a call before a differentiated
//! argument, by value or by reference, is rejected: "cannot tell whether this argument is a float, which decides where its gradient
//! sits in the tuple the `_grad` companion returns". CONTRACT.md §3 allows `const` items and
//! calls; the direct form should work as the typed-binding workaround does (passing the constant after
//! the differentiated arguments works).

use gradmacro::differentiate;

const K: f64 = 2.5;
const POINTS: [[f64; 2]; 3] = [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]];

#[differentiate]
fn scale(k: f64, w: f64) -> f64 {
    w * k * w
}

#[differentiate]
fn pairs_sum(data: &[[f64; 2]], a: f64) -> f64 {
    let mut s = 0.0;
    for p in data {
        s += a * p[0] * p[1];
    }
    s
}

#[differentiate]
fn f(w: f64) -> f64 {
    scale(K, w) + pairs_sum(&POINTS, w)
}

pub fn main() {
    let (v, d) = f_grad(0.8);
    assert_eq!(v.to_bits(), f(0.8).to_bits());
    // 2.5 w² + w (2 - 0.125 - 3)
    approx::assert_relative_eq!(d, 5.0 * 0.8 - 1.125, max_relative = 1e-12);
}
