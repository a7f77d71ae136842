//! Regressions of issue 17: local arrays written after a loop that read them (wrong gradients
//! before the fix), and valid shapes that did not compile. Expected values are the exact
//! derivatives, worked out by hand in each comment, or num-dual's.

#![allow(clippy::float_cmp, clippy::needless_range_loop, unused_assignments)]

mod common;

use common::dual_grad;
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

// A: the write after the loop must not receive the loop's adjoint of `h[0]`.
#[differentiate]
fn q1(a: f64, b: f64) -> f64 {
    let mut h = [1.0_f64];
    let mut s = 0.0;
    for _i in 0..1 {
        s += h[0] * a;
    }
    h[0] += b;
    s
}

#[test]
fn array_written_after_accumulating_loop_gets_no_loop_adjoint() {
    // s = h0 * a with h0 = 1 when the loop reads it: ds/da = 1, ds/db = 0
    assert_eq!(q1_grad(2.0, 3.0), (2.0, 1.0, 0.0));
}

// B: the backward pass must read the array as the loop saw it, not as it is at the end.
#[differentiate]
fn r1(a: f64) -> f64 {
    let mut acc = a;
    let mut h = [2.0_f64, 3.0];
    for i in 0..2 {
        acc = acc * h[i] + a;
    }
    h[0] = 5.0;
    acc
}

#[test]
fn constant_array_overwritten_after_carried_loop() {
    // acc = (2a + a) * 3 + a = 10a
    assert_eq!(r1_grad(0.5), (5.0, 10.0));
}

#[differentiate]
fn z3(a: f64) -> f64 {
    let mut acc = a;
    let mut h = [0.0_f64, 1.0];
    for i in 0..2 {
        if acc < h[i] {
            acc -= a;
        } else {
            acc += a;
        }
    }
    h[1] += 1.0;
    acc
}

#[test]
fn constant_array_overwritten_after_loop_with_branch() {
    // a = 0.5: 0.5 >= 0 so acc = 1.0; 1.0 >= 1 so acc = 1.5 = 3a
    assert_eq!(z3_grad(0.5), (1.5, 3.0));
}

// The loop's adjoint goes through an `if` after it: the loop is recomputed backwards.
#[differentiate]
fn ends_in_if(a: f64) -> f64 {
    let mut s = 0.0;
    let mut h = [2.0_f64, 3.0];
    for i in 0..2 {
        s += h[i] * a * a;
    }
    h[0] = 50.0;
    h[1] = h[0];
    if s > 0.0 { s } else { -s }
}

#[test]
fn accumulating_loop_recomputed_after_overwrite() {
    // s = 5 a^2
    let (v, d) = ends_in_if_grad(0.7);
    assert!(close(v, 5.0 * 0.49) && close(d, 10.0 * 0.7), "{v} {d}");
}

// The loop sits in another loop, which writes the array after it.
#[differentiate]
fn nested(a: f64) -> f64 {
    let mut s = 0.0;
    let mut h = [1.0_f64, 2.0];
    for _j in 0..3 {
        for i in 0..2 {
            s += (h[i] * a).sin();
        }
        h[0] += 1.0;
    }
    s
}

#[test]
fn array_written_in_outer_loop_after_inner_loop() {
    let f = |x: &[Dual64]| {
        let mut s = Dual64::from(0.0);
        let mut h = [1.0, 2.0];
        for _ in 0..3 {
            for hi in h {
                s += (x[0] * hi).sin();
            }
            h[0] += 1.0;
        }
        s
    };
    let (v, d) = nested_grad(0.3);
    let (ev, eg) = dual_grad(&[0.3], f);
    assert!(close(v, ev) && close(d, eg[0]), "{v} {d} vs {ev} {eg:?}");
}

// The write happens in a constant loop after the loop that read the array.
#[differentiate]
fn reset_in_loop(a: f64) -> f64 {
    let mut acc = a;
    let mut h = [2.0_f64, 3.0];
    for i in 0..2 {
        acc *= h[i];
    }
    for k in 0..2 {
        h[k] = 0.0;
    }
    acc + h[0]
}

#[test]
fn array_reset_by_a_later_constant_loop() {
    // acc = 6a
    assert_eq!(reset_in_loop_grad(0.5), (3.0, 6.0));
}

// An active array read in a loop whose adjoint is the seed, then written.
#[differentiate]
fn active_read_then_write(a: f64, b: f64) -> f64 {
    let mut h = [a, b];
    let mut s = 0.0;
    for i in 0..2 {
        s += h[i] * h[i];
    }
    h[0] = 3.0 * b;
    s + h[0]
}

#[test]
fn active_array_read_in_loop_then_overwritten() {
    // s = a^2 + b^2, then + 3b
    let (v, da, db) = active_read_then_write_grad(0.5, 2.0);
    assert_eq!((v, da, db), (0.25 + 4.0 + 6.0, 1.0, 4.0 + 3.0));
}

// 1: `%` of integers computed from a differentiated value.
#[differentiate]
fn rem_of_cast(x: f64) -> f64 {
    let k = x.abs() as usize % 2;
    x * k as f64
}

#[test]
fn rem_of_an_integer_cast() {
    assert_eq!(rem_of_cast_grad(1.5), (1.5, 1.0));
    assert_eq!(rem_of_cast_grad(2.5), (0.0, 0.0));
}

// 2: a loop count cast from a differentiated value.
#[differentiate]
fn range_of_cast(x: f64) -> f64 {
    let mut s = x;
    for _ in 0..x.abs() as usize {
        s = s.sin();
    }
    s
}

#[test]
fn loop_count_cast_from_a_differentiated_value() {
    let (v, d) = range_of_cast_grad(1.4);
    assert_eq!(v, 1.4_f64.sin());
    assert!(close(d, 1.4_f64.cos()));
}

// 3: an index cast from a differentiated value into a constant local array.
#[differentiate]
fn const_arr_cast_index(x: f64) -> f64 {
    let v = [1.0, 2.0, 3.0];
    x * v[x.abs() as usize]
}

#[test]
fn index_cast_from_a_differentiated_value() {
    assert_eq!(const_arr_cast_index_grad(1.5), (3.0, 2.0));
}

// 4: an array declared in an arm and iterated there.
#[differentiate]
fn in_arm(a: f64, c: f64) -> f64 {
    let mut acc = a;
    if c > 0.0 {
        let h = [1.0, 2.0];
        for y in h.iter() {
            acc += y * a;
        }
    }
    acc
}

#[differentiate]
fn in_arm_zip(a: f64, c: f64, s: &[f64]) -> f64 {
    let mut acc = a;
    if c > 0.0 {
        let h = [1.0, 2.0];
        for (y, z) in h.iter().zip(s) {
            acc += y * a * z;
        }
    }
    acc
}

#[differentiate]
fn in_arm_after_return(a: f64, c: f64) -> f64 {
    if c < -1.0 {
        return a;
    }
    let mut acc = a;
    if c > 0.0 {
        let h = [1.0, 2.0];
        for y in &h {
            acc += y * a * acc;
        }
    }
    acc
}

#[test]
fn array_declared_and_iterated_in_an_arm() {
    // acc = a + 1a + 2a = 4a
    assert_eq!(in_arm_grad(0.5, 1.0), (2.0, 4.0, 0.0));
    assert_eq!(in_arm_grad(0.5, -1.0), (0.5, 1.0, 0.0));
    let (v, da, dc, ds) = in_arm_zip_grad(0.5, 1.0, &[3.0, 4.0]);
    // acc = a + 3a + 8a = 12a
    assert_eq!((v, da, dc, ds), (6.0, 12.0, 0.0, vec![0.5, 1.0]));
    let f = |x: &[Dual64]| {
        let mut acc = x[0];
        for y in [1.0, 2.0] {
            acc += x[0] * y * acc;
        }
        acc
    };
    let (v, da, _) = in_arm_after_return_grad(0.5, 1.0);
    let (ev, eg) = dual_grad(&[0.5], f);
    assert!(close(v, ev) && close(da, eg[0]));
}

// 5: `if` expressions with arms that return (or break).
#[differentiate]
fn ret_r1(a: f64, b: f64) -> f64 {
    let v = if a <= b {
        a * b
    } else if b > 0.0 {
        return a;
    } else {
        return b;
    };
    v * a
}

#[differentiate]
fn break_arm(a: f64, s: &[f64]) -> f64 {
    let mut acc = 0.0;
    for i in 0..s.len() {
        let t = if s[i] > 0.0 {
            s[i] * a
        } else {
            break;
        };
        acc += t * t;
    }
    acc
}

#[test]
fn if_expression_with_diverging_arms() {
    // v * a = a^2 b
    assert_eq!(ret_r1_grad(0.5, 1.0), (0.25, 1.0, 0.25));
    assert_eq!(ret_r1_grad(2.0, 1.0), (2.0, 1.0, 0.0));
    assert_eq!(ret_r1_grad(2.0, -1.0), (-1.0, 0.0, 1.0));
    // acc = a^2 (1 + 4), then the break at -1
    let (v, da, ds) = break_arm_grad(0.5, &[1.0, 2.0, -1.0, 5.0]);
    assert_eq!((v, da), (1.25, 5.0));
    assert_eq!(ds, vec![0.5, 1.0, 0.0, 0.0]);
}

// 6: predicates of differentiated values.
#[differentiate]
fn s1(a: f64, b: f64) -> f64 {
    if (if a < b { a } else { b }).is_sign_negative() { a * b } else { a }
}

#[differentiate]
fn predicate_bound(x: f64, y: f64) -> f64 {
    let neg = x.is_sign_negative();
    let fin = (x * y).is_finite() && !y.is_nan();
    if neg && fin { x * y } else { x + y }
}

#[test]
fn predicates_of_differentiated_values() {
    assert_eq!(s1_grad(-1.0, 2.0), (-2.0, 2.0, -1.0));
    assert_eq!(s1_grad(1.0, 2.0), (1.0, 1.0, 0.0));
    assert_eq!(predicate_bound_grad(-1.0, 3.0), (-3.0, 3.0, -1.0));
    assert_eq!(predicate_bound_grad(1.0, 3.0), (4.0, 1.0, 1.0));
}

// 7: an array literal passed by reference to a differentiated callee.
#[differentiate]
fn h_dot(w: &[f64; 4], x: f64) -> f64 {
    w[0] * x + w[3]
}

#[differentiate]
fn l1(a: f64) -> f64 {
    h_dot(&[1.0, 2.0, 3.0, 4.0], a)
}

#[test]
fn array_literal_by_reference_to_a_callee() {
    assert_eq!(l1_grad(0.5), (4.5, 1.0));
}

// 8: iterating a local array that is written after the loop.
#[differentiate]
fn z1(a: f64) -> f64 {
    let mut acc = a;
    let mut h = [0.0_f64, 1.0];
    for x in &h {
        if acc < *x {
            acc -= a;
        } else {
            acc += a;
        }
    }
    h[1] += 1.0;
    acc
}

#[differentiate]
fn by_value(a: f64) -> f64 {
    let mut acc = a;
    let mut h = [0.5_f64, 2.0];
    for x in h {
        acc = acc * x + a;
    }
    h[0] = 1.0;
    acc + h[0]
}

#[test]
fn iterating_a_local_array_written_afterwards() {
    assert_eq!(z1_grad(0.5), (1.5, 3.0));
    // acc = ((a * 0.5 + a) * 2 + a) = 4a, plus 1
    assert_eq!(by_value_grad(0.5), (3.0, 4.0));
}
