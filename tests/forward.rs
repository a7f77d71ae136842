//! Forward mode (`#[differentiate(forward)]`, CONTRACT.md §9): `f_jvp(args.., tangents..)`
//! returns `f`'s value, bit for bit, and the directional derivative along the tangents.
//!
//! Every check compares against two things the code under test does not produce: num-dual's
//! `Dual64` run through a twin of the function written by hand on dual numbers (or, for gates
//! num-dual does not have, the dual number built from the closed form), and the dot product of
//! `f_grad`'s gradient (the reverse pass, a different program) with the tangents.

use approx::relative_eq;
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum};

/// Tangent directions, including zero and negative ones.
const TANGENTS: &[f64] = &[1.0, -0.37, 2.5, 0.0];

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || relative_eq!(a, b, epsilon = 1e-12, max_relative = 1e-10)
}

/// `jvp` = (value, derivative) against `f`'s value (bit for bit), the dual number's derivative
/// part, and the gradient dotted with the tangents.
fn check(what: &str, jvp: (f64, f64), value: f64, dual: f64, grad_dot: f64) {
    assert_eq!(jvp.0.to_bits(), value.to_bits(), "{what}: value {} is not f's {value}", jvp.0);
    assert!(close(jvp.1, dual), "{what}: jvp {:e}, Dual64 {dual:e}", jvp.1);
    assert!(close(jvp.1, grad_dot), "{what}: jvp {:e}, grad . t {grad_dot:e}", jvp.1);
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A deterministic spread of tangent vectors of length `n` (a plain LCG, nothing to do with the
/// code under test).
fn directions(n: usize, count: usize) -> Vec<Vec<f64>> {
    let mut s: u64 = 0x2545_f491_4f6c_dd1d;
    (0..count)
        .map(|_| {
            (0..n)
                .map(|_| {
                    s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    #[allow(clippy::cast_precision_loss)]
                    let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                    4.0 * u - 2.0
                })
                .collect()
        })
        .collect()
}

fn duals(x: &[f64], t: &[f64]) -> Vec<Dual64> {
    x.iter().zip(t).map(|(&x, &t)| Dual64::new(x, t)).collect()
}

/// One-argument gates, method and path form, against `$dual` (a `Dual64` expression of `$d`).
macro_rules! gate1 {
    ($test:ident, $gate:ident, |$d:ident| $dual:expr, $points:expr) => {
        mod $test {
            use super::*;

            #[differentiate(forward)]
            fn m(x: f64) -> f64 {
                x.$gate()
            }

            #[differentiate(forward)]
            fn p(x: f64) -> f64 {
                f64::$gate(x)
            }

            #[test]
            fn against_dual_and_grad() {
                for &x in $points {
                    for &t in TANGENTS {
                        let $d = Dual64::new(x, t);
                        let want: Dual64 = $dual;
                        let what = format!("{} at {x:e}, t = {t}", stringify!($gate));
                        check(&format!("{what} (method)"), m_jvp(x, t), m(x), want.eps, m_grad(x).1 * t);
                        check(&format!("{what} (path)"), p_jvp(x, t), p(x), want.eps, p_grad(x).1 * t);
                    }
                }
            }
        }
    };
}

const SPREAD: &[f64] = &[-3.7, -1.0, -0.2, -1e-3, 0.0, 1e-3, 0.3, 1.0, 2.9];
const UNIT: &[f64] = &[-0.95, -0.5, -1e-3, 0.0, 1e-3, 0.4, 0.9];
const POSITIVE: &[f64] = &[1e-3, 0.02, 0.5, 1.0, 3.0, 250.0];
const NONZERO: &[f64] = &[-4.0, -0.7, -1e-3, 1e-3, 0.6, 5.5];
const BETWEEN_JUMPS: &[f64] = &[-2.3, -0.7, -1e-3, 1e-3, 0.2, 3.6];

fn flat(d: Dual64, f: fn(f64) -> f64) -> Dual64 {
    Dual64::new(f(d.re), 0.0)
}

gate1!(abs, abs, |d| Dual64::new(d.re.abs(), d.eps * d.re.signum()), NONZERO);
gate1!(acos, acos, |d| d.acos(), UNIT);
gate1!(acosh, acosh, |d| d.acosh(), &[1.01, 1.5, 3.0, 40.0]);
gate1!(asin, asin, |d| d.asin(), UNIT);
gate1!(asinh, asinh, |d| d.asinh(), SPREAD);
gate1!(atan, atan, |d| d.atan(), SPREAD);
gate1!(atanh, atanh, |d| d.atanh(), UNIT);
gate1!(cbrt, cbrt, |d| d.cbrt(), NONZERO);
gate1!(cos, cos, |d| d.cos(), SPREAD);
gate1!(cosh, cosh, |d| d.cosh(), SPREAD);
gate1!(exp, exp, |d| d.exp(), SPREAD);
gate1!(exp2, exp2, |d| d.exp2(), SPREAD);
gate1!(exp_m1, exp_m1, |d| d.exp_m1(), SPREAD);
gate1!(ln, ln, |d| d.ln(), POSITIVE);
gate1!(ln_1p, ln_1p, |d| d.ln_1p(), &[-0.9, -0.3, -1e-3, 0.0, 1e-3, 2.0, 90.0]);
gate1!(log10, log10, |d| d.log10(), POSITIVE);
gate1!(log2, log2, |d| d.log2(), POSITIVE);
gate1!(recip, recip, |d| d.recip(), NONZERO);
gate1!(sin, sin, |d| d.sin(), SPREAD);
gate1!(sinh, sinh, |d| d.sinh(), SPREAD);
gate1!(sqrt, sqrt, |d| d.sqrt(), POSITIVE);
gate1!(tan, tan, |d| d.tan(), &[-1.4, -0.6, -1e-3, 0.0, 1e-3, 0.8, 1.3]);
gate1!(tanh, tanh, |d| d.tanh(), SPREAD);
gate1!(to_degrees, to_degrees, |d| d * (180.0 / std::f64::consts::PI), SPREAD);
gate1!(to_radians, to_radians, |d| d * (std::f64::consts::PI / 180.0), SPREAD);
gate1!(floor, floor, |d| flat(d, f64::floor), BETWEEN_JUMPS);
gate1!(ceil, ceil, |d| flat(d, f64::ceil), BETWEEN_JUMPS);
gate1!(round, round, |d| flat(d, f64::round), BETWEEN_JUMPS);
gate1!(round_ties_even, round_ties_even, |d| flat(d, f64::round_ties_even), BETWEEN_JUMPS);
gate1!(trunc, trunc, |d| flat(d, f64::trunc), BETWEEN_JUMPS);
gate1!(signum, signum, |d| flat(d, f64::signum), NONZERO);
gate1!(fract, fract, |d| d - flat(d, f64::trunc), BETWEEN_JUMPS);

/// Gates of two arguments (both active, and each alone), against `$dual` of duals `$a`, `$b`.
macro_rules! gate2 {
    ($test:ident, $gate:ident, |$a:ident, $b:ident| $dual:expr, $points:expr) => {
        mod $test {
            use super::*;

            #[differentiate(forward)]
            fn m(a: f64, b: f64) -> f64 {
                a.$gate(b)
            }

            #[differentiate(forward)]
            fn p(a: f64, b: f64) -> f64 {
                f64::$gate(a, b)
            }

            #[differentiate(wrt(b), forward)]
            fn only_b(a: f64, b: f64) -> f64 {
                a.$gate(b)
            }

            #[test]
            fn against_dual_and_grad() {
                for &(a, b) in $points {
                    for t in directions(2, 4) {
                        let ($a, $b) = (Dual64::new(a, t[0]), Dual64::new(b, t[1]));
                        let want: Dual64 = $dual;
                        let what = format!("{} at ({a:e}, {b:e}), t = {t:?}", stringify!($gate));
                        let (_, ga, gb) = m_grad(a, b);
                        let gd = ga * t[0] + gb * t[1];
                        check(&format!("{what} (method)"), m_jvp(a, b, t[0], t[1]), m(a, b), want.eps, gd);
                        check(&format!("{what} (path)"), p_jvp(a, b, t[0], t[1]), p(a, b), want.eps, gd);
                        let ($a, $b) = (Dual64::new(a, 0.0), Dual64::new(b, t[1]));
                        let want: Dual64 = $dual;
                        let gd = only_b_grad(a, b).1 * t[1];
                        check(&format!("{what} (wrt b)"), only_b_jvp(a, b, t[1]), only_b(a, b), want.eps, gd);
                    }
                }
            }
        }
    };
}

fn pick(c: bool, a: Dual64, b: Dual64) -> Dual64 {
    if c { a } else { b }
}

const PAIRS: &[(f64, f64)] = &[(0.7, 1.9), (-1.2, 0.4), (2.5, -0.8), (-0.3, -2.2), (1.5, 0.6)];
const POS_PAIRS: &[(f64, f64)] = &[(0.7, 1.9), (2.5, 0.8), (0.3, 3.2), (4.0, 0.6)];

gate2!(atan2, atan2, |a, b| a.atan2(b), PAIRS);
gate2!(hypot, hypot, |a, b| (a * a + b * b).sqrt(), PAIRS);
gate2!(max, max, |a, b| pick(a.re > b.re, a, b), PAIRS);
gate2!(min, min, |a, b| pick(a.re < b.re, a, b), PAIRS);
gate2!(powf, powf, |a, b| (b * a.ln()).exp(), POS_PAIRS);
gate2!(log, log, |a, b| a.ln() / b.ln(), POS_PAIRS);
gate2!(rem_euclid, rem_euclid, |a, b| a - b * a.re.div_euclid(b.re), PAIRS);

/// The arithmetic operators, both operands active.
#[differentiate(forward)]
fn ops(a: f64, b: f64) -> f64 {
    (a + b) * (a - b) + a / b - (a % b) * 0.5 + -a
}

#[test]
fn arithmetic_operators() {
    for &(a, b) in PAIRS {
        for t in directions(2, 4) {
            let (da, db) = (Dual64::new(a, t[0]), Dual64::new(b, t[1]));
            let want = (da + db) * (da - db) + da / db - (da - db * (a / b).trunc()) * 0.5 + -da;
            let (_, ga, gb) = ops_grad(a, b);
            let what = format!("ops at ({a}, {b}), t = {t:?}");
            check(&what, ops_jvp(a, b, t[0], t[1]), ops(a, b), want.eps, ga * t[0] + gb * t[1]);
        }
    }
}

/// Operators, `mul_add`, `clamp`, `powi`, negation and `as f64`, all in one function.
#[differentiate(forward)]
#[allow(clippy::unnecessary_cast)]
fn three(a: f64, b: f64, c: f64) -> f64 {
    let n = -a + a.mul_add(b, c) + f64::mul_add(c, a, b);
    let k = a.clamp(b.min(c), b.max(c)) + b.clamp(-0.5, 0.5) + c.powi(3) + a.powi(-2);
    n * k + (b as f64) / c - a % c
}

fn three_dual(a: Dual64, b: Dual64, c: Dual64) -> Dual64 {
    let n = -a + (a * b + c) + (c * a + b);
    let (lo, hi) = (pick(b.re < c.re, b, c), pick(b.re > c.re, b, c));
    let ca = pick(a.re < lo.re, lo, pick(a.re > hi.re, hi, a));
    let cb = pick(b.re < -0.5, Dual64::from(-0.5), pick(b.re > 0.5, Dual64::from(0.5), b));
    let k = ca + cb + c.powi(3) + a.powi(-2);
    n * k + b / c - (a - c * (a.re / c.re).trunc())
}

#[test]
fn operators_mul_add_clamp_powi() {
    for x in [[0.7, 1.9, -0.4], [-1.2, 0.4, 2.0], [2.5, -0.8, 0.3], [0.1, 0.2, 0.9]] {
        for t in directions(3, 5) {
            let d = duals(&x, &t);
            let want = three_dual(d[0], d[1], d[2]);
            let (_, ga, gb, gc) = three_grad(x[0], x[1], x[2]);
            check(
                &format!("three at {x:?}, t = {t:?}"),
                three_jvp(x[0], x[1], x[2], t[0], t[1], t[2]),
                three(x[0], x[1], x[2]),
                want.eps,
                dot(&[ga, gb, gc], &t),
            );
        }
    }
}
