//! A call to a function differentiated with `wrt(...)` whose last argument is of a type the
//! macro cannot see (a module-level `const`): the tuple pattern becomes open (`(v, d0, ..)`) and
//! the callee's only gradient, that of its *second* parameter, is silently taken as that of the
//! first. Expected: the right gradient, or a compile error as for the exact pattern. Got:
//! d/da = a cos 2 instead of sin 2.

use gradmacro::differentiate;

const K: f64 = 2.0;

#[differentiate(wrt(x))]
fn g(k: f64, x: f64) -> f64 {
    k * x.sin()
}

#[differentiate]
fn f(a: f64) -> f64 {
    g(a, K)
}

fn main() {
    let a = 0.7;
    let (v, d) = f_grad(a);
    assert_eq!(v.to_bits(), f(a).to_bits());
    approx::assert_relative_eq!(d, K.sin(), max_relative = 1e-12);
}
