//! A call to a function differentiated with `wrt(...)`: its companion returns gradients for the
//! `wrt` parameters only, the caller expects one per float-valued argument. A documented
//! limitation, reported as an error that says so.

use gradmacro::differentiate;

#[differentiate(wrt(a))]
fn g(a: f64, x: f64) -> f64 {
    a * x * x
}

/// The guide's neuron with only its parameters active, called from a loss.
#[differentiate(wrt(a, b, c))]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    1.0 / (1.0 + (-(a * x + b * y + c)).exp())
}

#[differentiate]
fn f(a: f64) -> f64 {
    g(a, 3.0)
}

#[differentiate]
fn loss(a: f64, b: f64, c: f64) -> f64 {
    let s = neuron(a, b, c, -1.0, 3.0);
    (s - 1.0) * (s - 1.0)
}

fn main() {
    let (v, d) = f_grad(2.0);
    assert_eq!(v.to_bits(), f(2.0).to_bits());
    assert_eq!(d, 9.0);

    let (v, da, db, dc) = loss_grad(1.0, 2.0, -3.0);
    assert_eq!(v.to_bits(), loss(1.0, 2.0, -3.0).to_bits());
    let s = 1.0 / (1.0 + (-2.0_f64).exp());
    let dz = 2.0 * (s - 1.0) * s * (1.0 - s);
    approx::assert_relative_eq!(da, -dz, max_relative = 1e-12);
    approx::assert_relative_eq!(db, 3.0 * dz, max_relative = 1e-12);
    approx::assert_relative_eq!(dc, dz, max_relative = 1e-12);
}
