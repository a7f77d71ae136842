//! Every one-argument gate of CONTRACT.md §3, in method form (`x.exp()`) and path form
//! (`f64::exp(x)`), against the closed-form derivative written here and against central finite
//! differences, at points inside each function's domain: negative ones and ones near 0 included.
//!
//! Gates of several arguments and arithmetic are in
//! `gates_multi.rs`; f32 versions in `gates_f32.rs`.

mod common;

use std::f64::consts::{LN_2, LN_10, PI};

use common::check1;

/// Points for gates defined on the whole real line.
const SPREAD: &[f64] = &[-3.7, -1.0, -0.2, -1e-3, 0.0, 1e-3, 0.3, 1.0, 2.9];
/// Points inside (-1, 1).
const UNIT: &[f64] = &[-0.95, -0.5, -1e-3, 0.0, 1e-3, 0.4, 0.9];
/// Points for gates defined for positive arguments only.
const POSITIVE: &[f64] = &[1e-3, 0.02, 0.5, 1.0, 3.0, 250.0];
/// Points avoiding 0.
const NONZERO: &[f64] = &[-4.0, -0.7, -1e-3, 1e-3, 0.6, 5.5];

/// Defines, in module `$test`, `m` (the gate in method form) and `p` (in path form), both
/// `#[differentiate]`d, and a test checking both against the closed form `$d` at `$points`.
macro_rules! gate1 {
    ($test:ident, $gate:ident, |$x:ident| $d:expr, $points:expr) => {
        mod $test {
            use super::*;
            use gradmacro::differentiate;

            #[differentiate]
            fn m(x: f64) -> f64 {
                x.$gate()
            }

            #[differentiate]
            fn p(x: f64) -> f64 {
                f64::$gate(x)
            }

            #[test]
            fn method_and_path_forms() {
                let d = |$x: f64| -> f64 { $d };
                check1(concat!(stringify!($gate), "(method)"), m, m_grad, d, $points);
                check1(concat!(stringify!($gate), "(path)"), p, p_grad, d, $points);
            }
        }
    };
}

gate1!(abs, abs, |x| if x > 0.0 { 1.0 } else { -1.0 }, NONZERO);
gate1!(acos, acos, |x| -1.0 / (1.0 - x * x).sqrt(), UNIT);
gate1!(acosh, acosh, |x| 1.0 / (x * x - 1.0).sqrt(), &[1.01, 1.5, 3.0, 40.0]);
gate1!(asin, asin, |x| 1.0 / (1.0 - x * x).sqrt(), UNIT);
gate1!(asinh, asinh, |x| 1.0 / (x * x + 1.0).sqrt(), SPREAD);
gate1!(atan, atan, |x| 1.0 / (1.0 + x * x), SPREAD);
gate1!(atanh, atanh, |x| 1.0 / (1.0 - x * x), UNIT);
gate1!(cbrt, cbrt, |x| 1.0 / (3.0 * x.abs().powf(2.0 / 3.0)), NONZERO);
gate1!(cos, cos, |x| -x.sin(), SPREAD);
gate1!(cosh, cosh, |x| x.sinh(), SPREAD);
gate1!(exp, exp, |x| x.exp(), SPREAD);
gate1!(exp2, exp2, |x| LN_2 * 2f64.powf(x), SPREAD);
gate1!(exp_m1, exp_m1, |x| x.exp(), SPREAD);
gate1!(ln, ln, |x| 1.0 / x, POSITIVE);
gate1!(ln_1p, ln_1p, |x| 1.0 / (1.0 + x), &[-0.9, -0.3, -1e-3, 0.0, 1e-3, 2.0, 90.0]);
gate1!(log10, log10, |x| 1.0 / (x * LN_10), POSITIVE);
gate1!(log2, log2, |x| 1.0 / (x * LN_2), POSITIVE);
gate1!(recip, recip, |x| -1.0 / (x * x), NONZERO);
gate1!(sin, sin, |x| x.cos(), SPREAD);
gate1!(sinh, sinh, |x| x.cosh(), SPREAD);
gate1!(sqrt, sqrt, |x| 0.5 / x.sqrt(), POSITIVE);
gate1!(tan, tan, |x| 1.0 / (x.cos() * x.cos()), &[-1.4, -0.6, -1e-3, 0.0, 1e-3, 0.8, 1.3]);
gate1!(tanh, tanh, |x| 1.0 - x.tanh() * x.tanh(), SPREAD);
gate1!(to_degrees, to_degrees, |_x| 180.0 / PI, SPREAD);
gate1!(to_radians, to_radians, |_x| PI / 180.0, SPREAD);

/// Points away from the jumps of the piecewise-constant gates (integers and half-integers).
const BETWEEN_JUMPS: &[f64] = &[-2.3, -0.7, -1e-3, 1e-3, 0.2, 3.6];

gate1!(floor, floor, |_x| 0.0, BETWEEN_JUMPS);
gate1!(ceil, ceil, |_x| 0.0, BETWEEN_JUMPS);
gate1!(round, round, |_x| 0.0, BETWEEN_JUMPS);
gate1!(trunc, trunc, |_x| 0.0, BETWEEN_JUMPS);
gate1!(signum, signum, |_x| 0.0, NONZERO);
gate1!(fract, fract, |_x| 1.0, BETWEEN_JUMPS);

/// A gate whose argument is itself computed: the chain rule runs through the gate.
mod chain {
    use super::*;
    use gradmacro::differentiate;

    #[differentiate]
    fn f(x: f64) -> f64 {
        (x * x - 0.5).sin().exp()
    }

    #[test]
    fn gate_of_an_expression() {
        let d = |x: f64| (x * x - 0.5).sin().exp() * (x * x - 0.5).cos() * 2.0 * x;
        check1("exp(sin(x^2 - 0.5))", f, f_grad, d, SPREAD);
    }
}
