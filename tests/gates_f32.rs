//! f32 versions of a representative subset of the gates of CONTRACT.md §3: the generated code
//! computes in f32 and returns f32 gradients, equal to the closed form (in f32 precision) and to
//! finite differences of the f32 function.

mod common;

use approx::assert_relative_eq;
use common::check1_f32;
use gradmacro::differentiate;

const SPREAD: &[f32] = &[-2.5, -0.4, -1e-2, 0.0, 1e-2, 0.7, 1.9];
const POSITIVE: &[f32] = &[0.05, 0.5, 1.0, 3.0, 20.0];

macro_rules! gate1_f32 {
    ($test:ident, $gate:ident, |$x:ident| $d:expr, $points:expr) => {
        mod $test {
            use super::*;

            #[differentiate]
            fn m(x: f32) -> f32 {
                x.$gate()
            }

            #[differentiate]
            fn p(x: f32) -> f32 {
                f32::$gate(x)
            }

            #[test]
            fn method_and_path_forms() {
                let d = |$x: f32| -> f32 { $d };
                check1_f32(concat!(stringify!($gate), "(method)"), m, m_grad, d, $points);
                check1_f32(concat!(stringify!($gate), "(path)"), p, p_grad, d, $points);
            }
        }
    };
}

gate1_f32!(exp, exp, |x| x.exp(), SPREAD);
gate1_f32!(exp2, exp2, |x| std::f32::consts::LN_2 * x.exp2(), SPREAD);
gate1_f32!(sin, sin, |x| x.cos(), SPREAD);
gate1_f32!(cos, cos, |x| -x.sin(), SPREAD);
gate1_f32!(tanh, tanh, |x| 1.0 - x.tanh() * x.tanh(), SPREAD);
gate1_f32!(atan, atan, |x| 1.0 / (1.0 + x * x), SPREAD);
gate1_f32!(ln, ln, |x| 1.0 / x, POSITIVE);
gate1_f32!(log10, log10, |x| 1.0 / (x * std::f32::consts::LN_10), POSITIVE);
gate1_f32!(sqrt, sqrt, |x| 0.5 / x.sqrt(), POSITIVE);
gate1_f32!(cbrt, cbrt, |x| 1.0 / (3.0 * x.cbrt() * x.cbrt()), &[-3.0, -0.2, 0.2, 8.0]);
gate1_f32!(abs, abs, |x| x.signum(), &[-3.0, -0.2, 0.2, 8.0]);
gate1_f32!(recip, recip, |x| -1.0 / (x * x), &[-3.0, -0.2, 0.2, 8.0]);
gate1_f32!(to_degrees, to_degrees, |_x| 180.0 / std::f32::consts::PI, SPREAD);
gate1_f32!(floor, floor, |_x| 0.0, &[-2.3, -0.7, 0.2, 3.6]);
gate1_f32!(fract, fract, |_x| 1.0, &[-2.3, -0.7, 0.2, 3.6]);

#[differentiate]
fn mixed(a: f32, b: f32, c: f32) -> f32 {
    a.atan2(b) + a.hypot(c) * b.powf(1.5) - c.powi(3) / a.max(b) + a.mul_add(b, -c)
}

#[differentiate]
fn mixed_path(a: f32, b: f32, c: f32) -> f32 {
    f32::atan2(a, b) + f32::hypot(a, c) * f32::powf(b, 1.5) - f32::powi(c, 3) / f32::max(a, b) + f32::mul_add(a, b, -c)
}

/// Closed-form gradient of `mixed`, in f64 for accuracy.
fn mixed_closed(a: f64, b: f64, c: f64) -> [f64; 3] {
    let r2 = a * a + b * b;
    let h = (a * a + c * c).sqrt();
    let p = b.powf(1.5);
    let m = a.max(b);
    let (dm_da, dm_db) = if a > b { (1.0, 0.0) } else { (0.0, 1.0) };
    let q = c * c * c;
    [
        b / r2 + a / h * p + q / (m * m) * dm_da + b,
        -a / r2 + h * 1.5 * b.sqrt() + q / (m * m) * dm_db + a,
        c / h * p - 3.0 * c * c / m - 1.0,
    ]
}

#[test]
fn binary_and_ternary_gates_f32() {
    let points: [[f32; 3]; 4] = [[0.7, 1.3, -0.4], [2.0, 0.5, 1.5], [-0.3, 0.9, 0.05], [1.1, 2.2, -1.7]];
    for [a, b, c] in points {
        let want = mixed_closed(f64::from(a), f64::from(b), f64::from(c));
        for (name, f, g) in [
            ("method", mixed as fn(f32, f32, f32) -> f32, mixed_grad as fn(_, _, _) -> _),
            ("path", mixed_path, mixed_path_grad),
        ] {
            let (v, ga, gb, gc) = g(a, b, c);
            assert_eq!(v.to_bits(), f(a, b, c).to_bits(), "{name}: value");
            for (i, got) in [ga, gb, gc].into_iter().enumerate() {
                #[allow(clippy::cast_possible_truncation, reason = "f32 comparison")]
                let w = want[i] as f32;
                assert_relative_eq!(got, w, epsilon = 1e-5, max_relative = 1e-4);
                let mut up = [a, b, c];
                let mut down = [a, b, c];
                let h = 1e-2 * up[i].abs().max(0.1);
                up[i] += h;
                down[i] -= h;
                let num = (f(up[0], up[1], up[2]) - f(down[0], down[1], down[2])) / (2.0 * h);
                assert_relative_eq!(got, num, epsilon = 1e-3, max_relative = 3e-3);
            }
        }
    }
}
