//! The activity rule (issue 11): a value is constant only if nothing it is computed from is
//! active, closures, blocks and macro arguments included. What compiles here must give the exact
//! gradient (checked against closed forms and num-dual); what would have been silently wrong is
//! rejected instead (`tests/ui/closure_*.rs`, `tests/ui/iterator_*.rs`).

#![allow(clippy::float_cmp, clippy::needless_range_loop)]

use gradmacro::differentiate;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

// A condition may read active values through any construct, closures included: it carries no
// gradient, the branch taken does.
#[differentiate(wrt(w))]
fn any_above(w: f64, data: &[f64]) -> f64 {
    if data.iter().any(|&x| x > w) { w * w } else { 3.0 * w }
}

#[differentiate(wrt(w))]
fn while_closure(w: f64, data: &[f64]) -> f64 {
    let mut y = w;
    let mut n = 0;
    while n < 5 && data.iter().all(|&x| x * y < 10.0) {
        y *= 2.0;
        n += 1;
    }
    y
}

#[differentiate(wrt(w))]
fn condition_in_and(w: f64, data: &[f64]) -> f64 {
    let big = data.len() > 1 && data.iter().map(|x| x * w).fold(0.0, f64::max) > 1.0;
    if big { w.sin() } else { w.cos() }
}

#[test]
fn closures_in_conditions_compile_and_differentiate_the_branch() {
    let data = [1.0, 2.0, 3.0];
    assert_eq!(any_above_grad(2.5, &data), (6.25, 5.0));
    assert_eq!(any_above_grad(3.5, &data), (10.5, 3.0));
    // y doubles while 3y < 10: 0.5 -> 1 -> 2 -> 4 (3 * 4 >= 10): y = 8w
    assert_eq!(while_closure_grad(0.5, &data), (4.0, 8.0));
    let (v, d) = condition_in_and_grad(0.5, &data);
    assert!(close(v, 0.5_f64.sin()) && close(d, 0.5_f64.cos()));
    let (v, d) = condition_in_and_grad(0.2, &data);
    assert!(close(v, 0.2_f64.cos()) && close(d, -(0.2_f64.sin())));
}

// Constant closures over constant data are kept as written, and a closure parameter that
// shadows an active name reads the element, not the active value.
#[differentiate(wrt(x))]
fn shadowing_closure(x: f64, data: &[f64]) -> f64 {
    let positive = data.iter().filter(|x| **x > 0.0).count() as f64;
    let total: f64 = data.iter().map(|x| x * 2.0).sum();
    x * positive + total
}

#[test]
fn closure_parameters_shadow_the_functions_variables() {
    let data = [1.0, -2.0, 3.0];
    // positive = 2, total = 4
    assert_eq!(shadowing_closure_grad(10.0, &data), (24.0, 2.0));
}

// A count that depends on `w` only through comparisons is piecewise constant: slope 0.
#[differentiate(wrt(w))]
fn count_above(w: f64, data: &[f64]) -> f64 {
    let k = data.iter().filter(|&&x| x > w).count() as f64;
    k * w
}

#[test]
fn count_of_a_comparison_is_a_constant() {
    let data = [1.0, 2.0, 3.0];
    assert_eq!(count_above_grad(1.5, &data), (3.0, 2.0));
}

// Integers cast from active values are piecewise constant: slope 0 through them, exact
// elsewhere.
#[differentiate]
fn cast_chain(x: f64) -> f64 {
    let k = (x * 3.0) as i32 as f64;
    let b = x > 0.0;
    let m = if b { 1.0 } else { -1.0 };
    x * k * m
}

#[test]
fn casts_to_integers_carry_no_slope() {
    // x = 0.7: k = 2, m = 1: value 1.4, slope k = 2
    assert_eq!(cast_chain_grad(0.7), (1.4, 2.0));
}

// Blocks are lowered, not kept whole: their active values are differentiated.
#[differentiate]
fn block_value(x: f64, y: f64) -> f64 {
    let t = {
        let u = x * y;
        u.sin()
    };
    t + { x * 2.0 }
}

#[test]
fn block_values_are_differentiated() {
    let (v, dx, dy) = block_value_grad(0.5, 0.3);
    let u: f64 = 0.15;
    assert!(close(v, u.sin() + 1.0));
    assert!(close(dx, u.cos() * 0.3 + 2.0) && close(dy, u.cos() * 0.5));
}

// A local closure called with constants runs as written.
#[differentiate]
fn local_closure_constant(x: f64) -> f64 {
    let sq = |v: f64| v * v;
    x * sq(3.0)
}

#[test]
fn local_closure_on_constants() {
    assert_eq!(local_closure_constant_grad(2.0), (18.0, 9.0));
}

// A constant function receives a constant closure: kept as written.
fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64, n: usize) -> f64 {
    let h = (hi - lo) / n as f64;
    (0..n).map(|i| f(lo + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

#[differentiate(wrt(k))]
fn scaled_integral(k: f64, lo: f64, hi: f64) -> f64 {
    k * integrate(|t| t * t, lo, hi, 100)
}

#[test]
fn constant_closure_passed_to_a_function() {
    let (v, dk) = scaled_integral_grad(2.0, 0.0, 1.0);
    let i = integrate(|t| t * t, 0.0, 1.0, 100);
    assert_eq!((v, dk), (2.0 * i, i));
}
