//! The gates of CONTRACT.md §3 that take several arguments (every argument active), `powi`, and
//! the arithmetic operators, against closed forms written here and central finite differences.
//! Ties and other non-differentiable points are in `conventions.rs`.

mod common;

use common::{assert_exact, assert_fd, assert_same_value, check1, check2, check3, fd1};
use gradmacro::differentiate;

/// Defines, in module `$test`, `m` (method form `a.$gate(b)`) and `p` (path form
/// `f64::$gate(a, b)`), and a test checking both against the closed forms `$da`, `$db`.
macro_rules! gate2 {
    ($test:ident, $gate:ident, |$a:ident, $b:ident| $da:expr, $db:expr, $points:expr) => {
        mod $test {
            use super::*;

            #[differentiate]
            fn m(a: f64, b: f64) -> f64 {
                a.$gate(b)
            }

            #[differentiate]
            fn p(a: f64, b: f64) -> f64 {
                f64::$gate(a, b)
            }

            #[test]
            fn method_and_path_forms() {
                let da = |$a: f64, $b: f64| -> f64 { $da };
                let db = |$a: f64, $b: f64| -> f64 { $db };
                check2(concat!(stringify!($gate), "(method)"), m, m_grad, da, db, $points);
                check2(concat!(stringify!($gate), "(path)"), p, p_grad, da, db, $points);
            }
        }
    };
}

gate2!(
    atan2,
    atan2,
    |y, x| x / (x * x + y * y),
    -y / (x * x + y * y),
    &[(1.0, 2.0), (-1.0, 2.0), (1.0, -2.0), (0.5, -1e-3), (-1e-3, 0.7), (-3.0, -0.4)]
);
gate2!(
    hypot,
    hypot,
    |a, b| a / (a * a + b * b).sqrt(),
    b / (a * a + b * b).sqrt(),
    &[(3.0, 4.0), (-3.0, 4.0), (1e-3, -2.0), (-1.0, -1.0), (0.0, 0.5)]
);
gate2!(
    log,
    log,
    |a, b| 1.0 / (a * b.ln()),
    -a.ln() / (b * b.ln() * b.ln()),
    &[(8.0, 2.0), (0.5, 10.0), (1e-3, 3.0), (5.0, 0.5), (2.0, 1e-2)]
);
gate2!(
    max,
    max,
    |a, b| if a > b { 1.0 } else { 0.0 },
    if a > b { 0.0 } else { 1.0 },
    &[(1.0, 2.0), (2.0, 1.0), (-3.0, -1e-3), (-1e-3, -3.0), (0.0, -0.5)]
);
gate2!(
    min,
    min,
    |a, b| if a < b { 1.0 } else { 0.0 },
    if a < b { 0.0 } else { 1.0 },
    &[(1.0, 2.0), (2.0, 1.0), (-3.0, -1e-3), (-1e-3, -3.0), (0.0, -0.5)]
);
gate2!(
    powf,
    powf,
    |a, b| b * a.powf(b - 1.0),
    a.powf(b) * a.ln(),
    &[(0.5, 2.5), (3.0, -1.5), (1e-3, 0.7), (2.0, 0.0), (1.7, 1.0), (0.9, -3.2)]
);

/// `a % b` (the remainder of the truncated quotient), `%=`, `rem_euclid` and `div_euclid` (a
/// step function). Points away from the jumps.
mod rem {
    use super::*;

    #[differentiate]
    fn euclid(a: f64, b: f64) -> f64 {
        a.rem_euclid(b)
    }

    #[differentiate]
    fn op(a: f64, b: f64) -> f64 {
        a % b
    }

    #[differentiate]
    fn assign(a: f64, b: f64) -> f64 {
        let mut y = a * 1.5;
        y %= b;
        y + a.div_euclid(b)
    }

    #[test]
    fn against_closed_forms() {
        let points = [(7.3, 2.0), (-7.3, 2.0), (7.3, -2.0), (-7.3, -2.0), (0.4, 3.1), (-0.4, 0.7)];
        let db = |a: f64, b: f64| -(a / b).trunc();
        check2("%", op, op_grad, |_, _| 1.0, db, &points);
        // the Euclidean quotient is `floor(a / b)` for `b > 0` and `ceil(a / b)` for `b < 0`
        let db = |a: f64, b: f64| if b > 0.0 { -(a / b).floor() } else { -(a / b).ceil() };
        check2("rem_euclid", euclid, euclid_grad, |_, _| 1.0, db, &points);
        let db = |a: f64, b: f64| -(1.5 * a / b).trunc();
        check2("%=", assign, assign_grad, |_, _| 1.5, db, &points);
    }
}

/// `powf` of a negative base with an integer-valued constant exponent: the base's derivative
/// exists (the exponent's does not, in the reals).
mod powf_negative_base {
    use super::*;

    #[differentiate(wrt(a))]
    fn cube(a: f64, b: f64) -> f64 {
        a.powf(b)
    }

    #[test]
    fn base_derivative() {
        for a in [-2.0, -0.5, -1e-3] {
            let (v, da) = cube_grad(a, 3.0);
            assert_same_value("powf(a, 3)", v, cube(a, 3.0));
            assert_exact("powf(a, 3)", da, 3.0 * a * a);
            assert_fd("powf(a, 3)", da, fd1(|a| cube(a, 3.0), a));
        }
    }
}

mod mul_add {
    use super::*;

    #[differentiate]
    fn m(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }

    #[differentiate]
    fn p(a: f64, b: f64, c: f64) -> f64 {
        f64::mul_add(a, b, c)
    }

    #[test]
    fn method_and_path_forms() {
        let d = |a: f64, b: f64, _c: f64| [b, a, 1.0];
        let points = [(1.5, -2.0, 0.3), (-1e-3, 4.0, -7.0), (0.0, 0.0, 0.0), (-2.0, -3.0, 1e-3)];
        check3("mul_add(method)", m, m_grad, d, &points);
        check3("mul_add(path)", p, p_grad, d, &points);
    }
}

mod clamp {
    use super::*;

    #[differentiate]
    fn m(x: f64, lo: f64, hi: f64) -> f64 {
        x.clamp(lo, hi)
    }

    #[differentiate]
    fn p(x: f64, lo: f64, hi: f64) -> f64 {
        f64::clamp(x, lo, hi)
    }

    #[test]
    fn method_and_path_forms() {
        // Below, inside and above the interval, away from its ends.
        let d = |x: f64, lo: f64, hi: f64| {
            if x < lo {
                [0.0, 1.0, 0.0]
            } else if x > hi {
                [0.0, 0.0, 1.0]
            } else {
                [1.0, 0.0, 0.0]
            }
        };
        let points = [
            (-3.0, -1.0, 2.0),
            (-1e-3, -1.0, 2.0),
            (1e-3, -1.0, 2.0),
            (2.5, -1.0, 2.0),
            (-0.3, 0.1, 0.2),
            (0.15, 0.1, 0.2),
            (7.0, -2.0, -1.0),
        ];
        check3("clamp(method)", m, m_grad, d, &points);
        check3("clamp(path)", p, p_grad, d, &points);
    }
}

/// `powi` with a literal exponent and with a constant `i32` parameter as exponent.
mod powi {
    use super::*;

    #[differentiate]
    fn cube_m(x: f64) -> f64 {
        x.powi(3)
    }

    #[differentiate]
    fn inv_square_p(x: f64) -> f64 {
        f64::powi(x, -2)
    }

    #[differentiate]
    fn general(x: f64, n: i32) -> f64 {
        x.powi(n)
    }

    #[differentiate]
    fn general_p(x: f64, n: i32) -> f64 {
        f64::powi(x, n)
    }

    #[test]
    fn literal_exponents() {
        let points = [-2.5, -1e-3, 1e-3, 0.8, 3.0];
        check1("powi(x, 3)", cube_m, cube_m_grad, |x| 3.0 * x * x, &points);
        check1("powi(x, -2)", inv_square_p, inv_square_p_grad, |x| -2.0 / (x * x * x), &points);
    }

    #[test]
    fn exponent_parameter() {
        for n in [-3, -1, 0, 1, 2, 5] {
            let d = |x: f64| {
                if n == 0 { 0.0 } else { f64::from(n) * x.powf(f64::from(n - 1)) }
            };
            let name = format!("powi(x, {n})");
            check1(&name, |x| general(x, n), |x| general_grad(x, n), d, &[-1.5, -1e-2, 0.3, 2.0]);
            check1(&name, |x| general_p(x, n), |x| general_p_grad(x, n), d, &[-0.7, 4.0]);
        }
    }

    /// At x = 0, x^n is differentiable for n >= 1: slope 1 for n = 1, 0 for n >= 2.
    #[test]
    fn zero_base_positive_exponents() {
        for (n, want) in [(1, 1.0), (2, 0.0), (3, 0.0)] {
            let (v, dx) = general_grad(0.0, n);
            assert_same_value(&format!("powi(0, {n})"), v, general(0.0, n));
            assert_exact(&format!("powi(0, {n})"), dx, want);
        }
    }

    /// x^0 is the constant 1, also at x = 0: its slope there is 0, not NaN.
    #[test]
    fn zero_base_zero_exponent() {
        let (v, dx) = general_grad(0.0, 0);
        assert_same_value("powi(0, 0)", v, general(0.0, 0));
        assert_exact("powi(0, 0)", dx, 0.0);
    }

    #[differentiate(wrt(x))]
    fn powf_const(x: f64, b: f64) -> f64 {
        x.powf(b)
    }

    /// Same for `powf` with a constant exponent 0.
    #[test]
    fn powf_zero_base_zero_exponent() {
        let (v, dx) = powf_const_grad(0.0, 0.0);
        assert_same_value("powf(0, 0)", v, powf_const(0.0, 0.0));
        assert_exact("powf(0, 0)", dx, 0.0);
    }

    #[test]
    fn powf_zero_base_positive_exponents() {
        for (b, want) in [(1.0, 1.0), (2.0, 0.0), (3.5, 0.0)] {
            let (v, dx) = powf_const_grad(0.0, b);
            assert_same_value(&format!("powf(0, {b})"), v, powf_const(0.0, b));
            assert_exact(&format!("powf(0, {b})"), dx, want);
        }
    }
}

/// `+ - * /` and unary `-` on two active values.
mod arithmetic {
    use super::*;

    #[differentiate]
    fn add(a: f64, b: f64) -> f64 {
        a + b
    }

    #[differentiate]
    fn sub(a: f64, b: f64) -> f64 {
        a - b
    }

    #[differentiate]
    fn mul(a: f64, b: f64) -> f64 {
        a * b
    }

    #[differentiate]
    fn div(a: f64, b: f64) -> f64 {
        a / b
    }

    #[differentiate]
    fn neg(a: f64) -> f64 {
        -a
    }

    #[differentiate]
    fn same_operand(a: f64) -> f64 {
        a * a - a / (a + 2.0) + -(a - 1.0)
    }

    const POINTS: &[(f64, f64)] = &[(1.5, -2.0), (-1e-3, 4.0), (-3.0, -0.25), (0.0, 1e-3), (7.0, 7.0)];

    #[test]
    fn binary_operators() {
        check2("a + b", add, add_grad, |_, _| 1.0, |_, _| 1.0, POINTS);
        check2("a - b", sub, sub_grad, |_, _| 1.0, |_, _| -1.0, POINTS);
        check2("a * b", mul, mul_grad, |_, b| b, |a, _| a, POINTS);
        check2("a / b", div, div_grad, |_, b| 1.0 / b, |a, b| -a / (b * b), POINTS);
    }

    #[test]
    fn unary_minus_and_reuse() {
        check1("-a", neg, neg_grad, |_| -1.0, &[-2.0, 0.0, 1e-3, 5.0]);
        // d/da (a^2 - a / (a + 2) - (a - 1)) = 2a - 2 / (a + 2)^2 - 1
        let d = |a: f64| 2.0 * a - 2.0 / ((a + 2.0) * (a + 2.0)) - 1.0;
        check1("a*a - a/(a+2) - (a-1)", same_operand, same_operand_grad, d, &[-1.5, -1e-3, 0.0, 3.0]);
    }
}
