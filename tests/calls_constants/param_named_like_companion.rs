//! A parameter named like the companion of a function the body calls (`sig_grad` beside a call
//! `sig(x)`): `f` compiles, but in `f_grad` the call becomes `sig_grad(x)`, which resolves to the
//! parameter (E0618, "expected function, found `f64`"). CONTRACT.md §6: generated identifiers
//! never collide with the user's. (A *local* named `sig_grad` works: locals are renamed.)

use gradmacro::differentiate;

#[differentiate]
fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[differentiate]
fn f(x: f64, sig_grad: f64) -> f64 {
    sig(x) * sig_grad
}

pub fn main() {
    let (v, dx, dk) = f_grad(0.0, 2.0);
    assert_eq!(v.to_bits(), f(0.0, 2.0).to_bits());
    assert_eq!((dx, dk), (0.5, 0.5));
}
