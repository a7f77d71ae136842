//! `loop { .. break value; }` (issue 12): a `loop` is a `while` whose condition always holds; the
//! value of `break value` is a variable the loop carries. Values bit for bit against the function
//! itself, gradients against closed forms and central differences.

#![allow(clippy::float_cmp, clippy::cast_precision_loss)]

mod common;

use common::{assert_exact, assert_fd, assert_fd_all, assert_same_value, fd1};
use gradmacro::differentiate;

#[differentiate]
fn halve_until_small(x: f64) -> f64 {
    let mut y = x;
    let r = loop {
        y *= 0.5;
        if y < 0.1 {
            break y * x;
        }
    };
    r + 1.0
}

#[test]
fn break_with_a_differentiated_value() {
    // x in (0.8, 1.6): four halvings, r = x^2 / 16.
    for x in [0.9, 1.0, 1.5] {
        let (v, d) = halve_until_small_grad(x);
        assert_same_value("halve", v, halve_until_small(x));
        assert_exact("halve", d, x / 8.0);
    }
}

#[differentiate]
fn newton_sqrt(a: f64) -> f64 {
    let mut g = a.max(1.0);
    loop {
        let next = 0.5 * (g + a / g);
        if (next - g).abs() <= 1e-15 * next {
            break next;
        }
        g = next;
    }
}

#[test]
fn newton_iteration_as_the_tail_value() {
    for a in [2.0, 9.0, 0.3] {
        let (v, d) = newton_sqrt_grad(a);
        assert_same_value("newton_sqrt", v, newton_sqrt(a));
        // Converged Newton iterates carry the derivative of the fixed point.
        assert!((d - 0.5 / a.sqrt()).abs() < 1e-9, "newton_sqrt'({a}) = {d}");
    }
}

#[differentiate]
fn count_steps(x: f64) -> f64 {
    let mut k = 0_u32;
    let n = loop {
        k += 1;
        if x * f64::from(k) > 3.0 {
            break k;
        }
    };
    x * f64::from(n) + x.sin()
}

#[test]
fn integer_break_value_from_a_differentiated_condition() {
    for x in [0.7, 1.3, 2.5] {
        let (v, d) = count_steps_grad(x);
        assert_same_value("count_steps", v, count_steps(x));
        assert_fd("count_steps", d, fd1(count_steps, x));
    }
}

#[differentiate]
fn statement_loop(x: f64, y: f64) -> f64 {
    let mut s = x;
    let mut i = 0;
    loop {
        i += 1;
        if i % 2 == 0 {
            continue;
        }
        s = s * y + x;
        if i > 5 {
            break;
        }
    }
    s
}

#[test]
fn loop_as_a_statement_with_continue_and_break() {
    let f = |p: &[f64]| statement_loop(p[0], p[1]);
    for p in [[0.5, 1.2], [-1.0, 0.7]] {
        let (v, dx, dy) = statement_loop_grad(p[0], p[1]);
        assert_same_value("statement_loop", v, statement_loop(p[0], p[1]));
        assert_fd_all("statement_loop", f, &p, &[dx, dy]);
    }
}

#[differentiate]
fn nested(w: &[f64], x: f64) -> f64 {
    let mut total = 0.0;
    for &wi in w {
        let mut z = x;
        let mut steps = 0;
        let hit = loop {
            z = (z * wi).sin() + 0.5;
            steps += 1;
            if !(0.0..=0.9).contains(&z) {
                break z * 2.0;
            }
            if steps == 6 {
                break z - wi;
            }
            z += 0.25;
        };
        total += hit;
    }
    total
}

#[test]
fn loop_inside_a_for_loop_with_two_break_values() {
    let w = [0.8, 1.7, -0.4];
    let f = |p: &[f64]| nested(&p[..3], p[3]);
    for x in [0.3, 1.1] {
        let (v, dw, dx) = nested_grad(&w, x);
        assert_same_value("nested", v, nested(&w, x));
        let mut g = dw.clone();
        g.push(dx);
        assert_fd_all("nested", f, &[w[0], w[1], w[2], x], &g);
    }
}
