//! Forward mode (`#[differentiate(forward)]`, CONTRACT.md §9): `f_jvp(args.., tangents..)`
//! returns `f`'s value, bit for bit, and the directional derivative along the tangents.
//!
//! Every check compares against two things the code under test does not produce: num-dual's
//! `Dual64` run through a twin of the function written by hand on dual numbers (or, for gates
//! num-dual does not have, the dual number built from the closed form), and the dot product of
//! `f_grad`'s gradient (the reverse pass, a different program) with the tangents.

// The style of the functions under test is the user's, not the generated code's (tests/lint.rs
// checks that).
#![allow(
    clippy::ptr_arg,
    clippy::assign_op_pattern,
    clippy::needless_range_loop,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::float_cmp
)]

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

// ---- constructs: each function beside its twin on dual numbers, written by hand ----

type D = Dual64;

fn c(x: f64) -> D {
    D::from(x)
}

#[differentiate(forward)]
fn branches(x: f64, y: f64) -> f64 {
    let mut z = x;
    if x > y {
        z *= 2.0;
    } else if x < -y {
        z -= y;
    } else {
        z += y * y;
    }
    let w = if z > 0.0 { z.sqrt() } else { -z };
    w + z
}

fn branches_dual(x: D, y: D) -> D {
    let mut z = x;
    if x.re > y.re {
        z *= 2.0;
    } else if x.re < -y.re {
        z -= y;
    } else {
        z += y * y;
    }
    let w = if z.re > 0.0 { z.sqrt() } else { -z };
    w + z
}

#[differentiate(forward)]
fn carried(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    let mut n = 0;
    while y.abs() > 0.1 && n < 50 {
        y *= 0.5;
        n += 1;
    }
    y
}

fn carried_dual(x: D, k: D) -> D {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    let mut n = 0;
    while y.re.abs() > 0.1 && n < 50 {
        y *= 0.5;
        n += 1;
    }
    y
}

#[differentiate(forward)]
fn arrays(x: [f64; 3], v: &Vec<f64>, s: &[f64]) -> f64 {
    let mut h = [0.0; 3];
    for k in 0..3 {
        h[k] = x[k] * v[k] + s[k];
    }
    h[0] = h[0] * h[1];
    let mut acc = 0.0;
    for &e in &h {
        acc += e.tanh();
    }
    for (i, a) in s.iter().enumerate() {
        acc += a * x[i % 3];
    }
    acc
}

fn arrays_dual(x: &[D], v: &[D], s: &[D]) -> D {
    let mut h = [c(0.0); 3];
    for k in 0..3 {
        h[k] = x[k] * v[k] + s[k];
    }
    h[0] = h[0] * h[1];
    let mut acc = c(0.0);
    for &e in &h {
        acc += e.tanh();
    }
    for (i, a) in s.iter().enumerate() {
        acc += *a * x[i % 3];
    }
    acc
}

#[differentiate(forward)]
fn matched(x: f64, mode: u8, o: Option<usize>) -> f64 {
    let a = match mode {
        0 => x * x,
        1 | 2 => x.sin(),
        m if m > 5 => x.exp(),
        _ => -x,
    };
    let b = if let Some(k) = o { x.powi(2) * (k as f64) } else { 1.0 };
    let Some(j) = o else { return a };
    a * b + (j as f64) * x
}

fn matched_dual(x: D, mode: u8, o: Option<usize>) -> D {
    let a = match mode {
        0 => x * x,
        1 | 2 => x.sin(),
        m if m > 5 => x.exp(),
        _ => -x,
    };
    #[allow(clippy::cast_precision_loss)]
    let b = if let Some(k) = o { x.powi(2) * (k as f64) } else { c(1.0) };
    let Some(j) = o else { return a };
    #[allow(clippy::cast_precision_loss)]
    let r = a * b + x * (j as f64);
    r
}

#[differentiate(wrt(mu, w), forward)]
fn chains(mu: f64, w: &[f64], data: &[f64]) -> f64 {
    let sq = |v: f64| v * v;
    let m = w.iter().copied().max_by(f64::total_cmp).unwrap();
    let lse = m + w.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
    let fit: f64 = data.iter().map(|x| sq(x - mu)).sum();
    let folded = w.iter().zip(data).fold(0.0, |acc, (a, b)| acc * 0.5 + a * b);
    let mut total = 0.0;
    let mut add = |v: f64| total += v * mu;
    data.iter().for_each(|&v| add(v * 2.0));
    let mut y = mu;
    let damped = loop {
        y *= 0.5;
        if y.abs() < 0.1 {
            break y;
        }
    };
    let big: Vec<f64> = w.iter().map(|v| v * mu).collect();
    lse + fit + damped + folded + total + big[1] + w.iter().filter(|v| **v > 0.0).product::<f64>()
}

fn chains_dual(mu: D, w: &[D], data: &[f64]) -> D {
    let sq = |v: D| v * v;
    let m = *w.iter().max_by(|a, b| a.re.total_cmp(&b.re)).unwrap();
    let lse = m + w.iter().map(|x| (*x - m).exp()).fold(c(0.0), |a, b| a + b).ln();
    let fit = data.iter().map(|x| sq(-mu + *x)).fold(c(0.0), |a, b| a + b);
    let folded = w.iter().zip(data).fold(c(0.0), |acc, (a, b)| acc * 0.5 + *a * *b);
    let mut total = c(0.0);
    for &v in data {
        total += mu * (v * 2.0);
    }
    let mut y = mu;
    let damped = loop {
        y *= 0.5;
        if y.re.abs() < 0.1 {
            break y;
        }
    };
    let prod = w.iter().filter(|v| v.re > 0.0).fold(c(1.0), |a, b| a * *b);
    lse + fit + damped + folded + total + w[1] * mu + prod
}

#[differentiate(forward)]
fn early_return(x: f64, w: &[f64], lim: f64) -> f64 {
    let mut acc = x;
    for i in 0..w.len() {
        if acc > lim {
            return acc * 2.0;
        }
        acc = acc * x + w[i];
        if acc < -lim {
            break;
        }
        if w[i] < 0.0 {
            continue;
        }
        acc += 0.1 * x;
    }
    acc
}

fn early_return_dual(x: D, w: &[D], lim: D) -> D {
    let mut acc = x;
    for wi in w {
        if acc.re > lim.re {
            return acc * 2.0;
        }
        acc = acc * x + *wi;
        if acc.re < -lim.re {
            break;
        }
        if wi.re < 0.0 {
            continue;
        }
        acc += x * 0.1;
    }
    acc
}

#[differentiate(forward)]
fn buffers(x: f64, n: usize) -> f64 {
    let mut h = vec![0.0; n];
    for i in 0..n {
        h[i] = x.powi(i32::try_from(i).unwrap() + 1);
    }
    let mut p = Vec::with_capacity(n);
    for i in 0..n {
        p.push(h[i].sin());
    }
    let (s, co) = x.sin_cos();
    p.iter().sum::<f64>() * s + co
}

fn buffers_dual(x: D, n: usize) -> D {
    let mut sum = c(0.0);
    for i in 0..n {
        sum += x.powi(i32::try_from(i).unwrap() + 1).sin();
    }
    sum * x.sin() + x.cos()
}

#[differentiate(wrt(p))]
fn tuple_in(p: (f64, f64), k: f64) -> f64 {
    let (a, b) = p;
    a * b * k + p.0.exp()
}

#[differentiate(forward)]
fn tuple_fwd(p: (f64, f64), k: f64) -> f64 {
    let (a, b) = p;
    a * b * k + p.0.exp()
}

#[differentiate(forward)]
fn single(x: f32, y: f32) -> f32 {
    (x * y).sin() + x.sqrt() / y
}

/// A callee in forward mode, called with a scalar, a slice and a local array.
#[differentiate(forward)]
fn callee(a: f64, v: &[f64], k: [f64; 2]) -> f64 {
    a * v[0] + v[1].exp() * k[0] - k[1]
}

#[differentiate(forward)]
fn caller(x: f64, w: &[f64], data: &[f64]) -> f64 {
    let h = [x * 2.0, w[0]];
    let local = [x, x * x];
    callee(x.sin(), w, h) + callee(2.0, data, [x, 1.0]) + callee(x, &local, h) + Shape { k: 3.0 }.scaled(x)
}

struct Shape {
    k: f64,
}

impl Shape {
    #[differentiate(forward)]
    fn scaled(&self, x: f64) -> f64 {
        self.k * x * x
    }
}

fn callee_dual(a: D, v: &[D], k: [D; 2]) -> D {
    a * v[0] + v[1].exp() * k[0] - k[1]
}

fn caller_dual(x: D, w: &[D], data: &[f64]) -> D {
    let h = [x * 2.0, w[0]];
    let local = [x, x * x];
    let dd = [c(data[0]), c(data[1])];
    callee_dual(x.sin(), w, h) + callee_dual(c(2.0), &dd, [x, c(1.0)]) + callee_dual(x, &local, h) + x * x * 3.0
}

#[test]
fn constructs_against_dual_and_grad() {
    for (x, y) in [(0.7, 1.9), (-1.2, 0.4), (2.5, -0.8), (-0.3, -2.2), (0.2, 0.1)] {
        for t in directions(2, 4) {
            let what = format!("at ({x}, {y}), t = {t:?}");
            let (_, ga, gb) = branches_grad(x, y);
            let d = branches_dual(D::new(x, t[0]), D::new(y, t[1]));
            check(
                &format!("branches {what}"),
                branches_jvp(x, y, t[0], t[1]),
                branches(x, y),
                d.eps,
                ga * t[0] + gb * t[1],
            );
            let (_, ga, gb) = carried_grad(x, y);
            let d = carried_dual(D::new(x, t[0]), D::new(y, t[1]));
            check(
                &format!("carried {what}"),
                carried_jvp(x, y, t[0], t[1]),
                carried(x, y),
                d.eps,
                ga * t[0] + gb * t[1],
            );
            for mode in [0, 1, 2, 4, 9] {
                for o in [None, Some(0), Some(3)] {
                    let d = matched_dual(D::new(x, t[0]), mode, o);
                    let g = matched_grad(x, mode, o).1 * t[0];
                    let w = format!("matched {mode} {o:?} {what}");
                    check(&w, matched_jvp(x, mode, o, t[0]), matched(x, mode, o), d.eps, g);
                }
            }
            for n in [0, 1, 4] {
                let d = buffers_dual(D::new(x, t[0]), n);
                let g = buffers_grad(x, n).1 * t[0];
                check(&format!("buffers {n} {what}"), buffers_jvp(x, n, t[0]), buffers(x, n), d.eps, g);
            }
            let p = (x, y);
            let (_, gp) = tuple_in_grad(p, 1.5);
            let (_, gp2, gk) = tuple_fwd_grad(p, 1.5);
            assert_eq!(gp, gp2);
            let d = {
                let (a, b) = (D::new(x, t[0]), D::new(y, t[1]));
                a * b * D::new(1.5, 0.25) + a.exp()
            };
            let want = gp.0 * t[0] + gp.1 * t[1] + gk * 0.25;
            check(&format!("tuple {what}"), tuple_fwd_jvp(p, 1.5, (t[0], t[1]), 0.25), tuple_fwd(p, 1.5), d.eps, want);
        }
    }
}

#[test]
fn arrays_slices_chains_calls_against_dual_and_grad() {
    let points: [[f64; 9]; 3] = [
        [0.7, -0.3, 1.2, 0.5, 2.0, -1.0, 0.3, 0.8, -0.6],
        [-1.1, 0.4, 0.9, -0.5, 1.5, 0.25, 1.3, -0.2, 0.1],
        [0.05, 2.2, -0.7, 1.0, -1.0, 0.6, -0.9, 0.45, 1.7],
    ];
    for p in points {
        for t in directions(9, 4) {
            let what = format!("at {p:?}, t = {t:?}");
            // arrays([f64; 3], &Vec, &[f64]) with 3 + 3 + 3 components
            let (x, v, s) = ([p[0], p[1], p[2]], vec![p[3], p[4], p[5]], vec![p[6], p[7], p[8]]);
            let (tx, tv, ts) = ([t[0], t[1], t[2]], vec![t[3], t[4], t[5]], vec![t[6], t[7], t[8]]);
            let (_, gx, gv, gs) = arrays_grad(x, &v, &s);
            let d = arrays_dual(&duals(&x, &tx), &duals(&v, &tv), &duals(&s, &ts));
            let g = dot(&gx, &tx) + dot(&gv, &tv) + dot(&gs, &ts);
            check(&format!("arrays {what}"), arrays_jvp(x, &v, &s, tx, &tv, &ts), arrays(x, &v, &s), d.eps, g);
            // chains(mu, w, data), wrt(mu, w)
            let (mu, w, data) = (p[0], [p[1], p[2], p[3]], [p[4], p[5], p[6]]);
            let (_, gmu, gw) = chains_grad(mu, &w, &data);
            let d = chains_dual(D::new(mu, t[0]), &duals(&w, &t[1..4]), &data);
            let g = gmu * t[0] + dot(&gw, &t[1..4]);
            check(
                &format!("chains {what}"),
                chains_jvp(mu, &w, &data, t[0], &t[1..4]),
                chains(mu, &w, &data),
                d.eps,
                g,
            );
            // early_return(x, w, lim)
            let (x, w, lim) = (p[0], [p[1], p[2], p[3], p[4]], 0.5 + p[5].abs());
            let (_, gx, gw, gl) = early_return_grad(x, &w, lim);
            let d = early_return_dual(D::new(x, t[0]), &duals(&w, &t[1..5]), D::new(lim, t[5]));
            let g = gx * t[0] + dot(&gw, &t[1..5]) + gl * t[5];
            let jvp = early_return_jvp(x, &w, lim, t[0], &t[1..5], t[5]);
            check(&format!("early_return {what}"), jvp, early_return(x, &w, lim), d.eps, g);
            // caller(x, w, data): calls through callee_jvp and a method's _jvp
            let (x, w, data) = (p[0], [p[1], p[2]], [p[3], p[4]]);
            let (_, gx, gw, gd) = caller_grad(x, &w, &data);
            let d = caller_dual(D::new(x, t[0]), &duals(&w, &t[1..3]), &data);
            let g = gx * t[0] + dot(&gw, &t[1..3]) + dot(&gd, &t[3..5]);
            // `data` is active too (every float parameter is): its tangent is 0 in the dual twin.
            let g0 = gx * t[0] + dot(&gw, &t[1..3]);
            let jvp = caller_jvp(x, &w, &data, t[0], &t[1..3], &[0.0, 0.0]);
            check(&format!("caller {what}"), jvp, caller(x, &w, &data), d.eps, g0);
            let full = caller_jvp(x, &w, &data, t[0], &t[1..3], &t[3..5]);
            assert!(close(full.1, g), "caller with a data tangent {what}: {:e} vs {g:e}", full.1);
        }
    }
}

#[test]
fn f32_against_dual_and_grad() {
    for (x, y) in [(0.7f32, 1.9f32), (2.5, -0.8), (0.2, 0.1)] {
        for t in directions(2, 3) {
            let (tx, ty) = (t[0] as f32, t[1] as f32);
            let d = {
                let (a, b) = (D::new(f64::from(x), f64::from(tx)), D::new(f64::from(y), f64::from(ty)));
                (a * b).sin() + a.sqrt() / b
            };
            let (v, jv) = single_jvp(x, y, tx, ty);
            let (_, gx, gy) = single_grad(x, y);
            assert_eq!(v.to_bits(), single(x, y).to_bits());
            assert!(relative_eq!(f64::from(jv), d.eps, epsilon = 1e-5, max_relative = 1e-4), "f32 {jv} vs {}", d.eps);
            assert!(relative_eq!(jv, gx * tx + gy * ty, epsilon = 1e-5, max_relative = 1e-4));
        }
    }
}

/// Constant arrays passed beside differentiated arguments get zero tangents.
#[differentiate(wrt(x), forward)]
fn caller_constants(x: f64, data: &[f64], k: [f64; 2]) -> f64 {
    let local = [1.0, 2.0];
    callee(x, data, k) + callee(x * x, &local, [3.0, 4.0]) + callee(2.0, data, [x, 1.0])
}

#[test]
fn constant_arrays_to_callees() {
    for x in [0.3, -1.4, 2.0] {
        for &t in TANGENTS {
            let (data, k) = ([0.5, -0.25], [1.5, 0.75]);
            let dd = [c(data[0]), c(data[1])];
            let d = D::new(x, t);
            let want = callee_dual(d, &dd, [c(k[0]), c(k[1])])
                + callee_dual(d * d, &[c(1.0), c(2.0)], [c(3.0), c(4.0)])
                + callee_dual(c(2.0), &dd, [d, c(1.0)]);
            let g = caller_constants_grad(x, &data, k).1 * t;
            check(
                &format!("caller_constants at {x}, t = {t}"),
                caller_constants_jvp(x, &data, k, t),
                caller_constants(x, &data, k),
                want.eps,
                g,
            );
        }
    }
}
