//! Put-backs of replaced array elements (`loop_arrays::dead_put_backs`): the backward pass puts a
//! store's replaced element back only where something that runs after it there reads the array.
//! Each function is checked against num-dual (one `Dual64` pass per input, written the same way)
//! in the shapes where the put-back is dropped (a buffer filled, then read by later loops) and in
//! those where it must stay (a loop before the store reads the array; the store inside a loop
//! that reads it; a buffer refilled per iteration of an outer loop).

#![allow(clippy::needless_range_loop)]

mod common;

use common::dual_grad;
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum};

fn check(what: &str, got: (f64, Vec<f64>), want: (f64, Vec<f64>)) {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    assert!(close(got.0, want.0), "{what}: value {} != {}", got.0, want.0);
    assert_eq!(got.1.len(), want.1.len(), "{what}");
    for (i, (g, w)) in got.1.iter().zip(&want.1).enumerate() {
        assert!(close(*g, *w), "{what}: d[{i}] = {g}, num-dual {w}");
    }
}

const W: [f64; 5] = [0.3, -1.1, 0.7, 0.05, -0.4];

/// `(value, d/da, d/dw)` of a function of `(a, w)` at `(a, W)` against num-dual's over the
/// inputs `a, w[0], w[1], ..`: `f` is the same function written over `Dual64`.
fn check_aw(what: &str, a: f64, (v, da, dw): (f64, f64, Vec<f64>), f: impl Fn(Dual64, &[Dual64]) -> Dual64) {
    let x: Vec<f64> = [a].iter().chain(&W).copied().collect();
    let want = dual_grad(&x, |p| f(p[0], &p[1..]));
    check(what, (v, [da].into_iter().chain(dw).collect()), want);
}

// Dropped: the buffer is filled first, then only read.
#[differentiate]
fn collect_then_read(a: f64, w: &[f64]) -> f64 {
    let h: Vec<f64> = w.iter().map(|v| (v * a).exp()).collect();
    let s: f64 = h.iter().sum();
    s.ln() + h[0] * h[1]
}

#[test]
fn a_collected_buffer_read_by_a_later_loop() {
    check_aw("collect_then_read", 0.8, collect_then_read_grad(0.8, &W), |a, w| {
        let h: Vec<Dual64> = w.iter().map(|v| (*v * a).exp()).collect();
        let s: Dual64 = h.iter().copied().sum();
        s.ln() + h[0] * h[1]
    });
}

// Dropped: a pushed buffer (the put-back would truncate it), read by a carried loop after.
#[differentiate]
fn push_then_carry(a: f64, w: &[f64]) -> f64 {
    let mut h = Vec::with_capacity(w.len());
    for v in w {
        h.push((v - a).tanh());
    }
    let mut y = a;
    for i in 0..h.len() {
        y = y * h[i] + a;
    }
    y
}

#[test]
fn a_pushed_buffer_read_by_a_carried_loop() {
    check_aw("push_then_carry", 0.6, push_then_carry_grad(0.6, &W), |a, w| {
        let h: Vec<Dual64> = w.iter().map(|v| (*v - a).tanh()).collect();
        let mut y = a;
        for hi in &h {
            y = y * *hi + a;
        }
        y
    });
}

// Kept: a carried loop before the writing loop reads the buffer (its backward pass reads the
// elements the writing loop replaced).
#[differentiate]
fn read_before_write(a: f64, w: &[f64]) -> f64 {
    let mut h = vec![1.5; w.len()];
    let mut y = a;
    for i in 0..h.len() {
        y = (y * h[i]).sin() + a;
    }
    for i in 0..w.len() {
        h[i] = w[i] * y;
    }
    let s: f64 = h.iter().map(|v| v * v).sum();
    s + y
}

#[test]
fn a_buffer_read_before_the_loop_that_overwrites_it() {
    check_aw("read_before_write", 0.4, read_before_write_grad(0.4, &W), |a, w| {
        let n = w.len();
        let mut h = vec![Dual64::from(1.5); n];
        let mut y = a;
        for i in 0..n {
            y = (y * h[i]).sin() + a;
        }
        for i in 0..n {
            h[i] = w[i] * y;
        }
        let s: Dual64 = h.iter().map(|v| *v * *v).sum();
        s + y
    });
}

// Kept: a store at the function's level after a loop that reads the array.
#[differentiate]
fn store_after_read(a: f64, b: f64) -> f64 {
    let mut h = [a, 2.0, b];
    let mut y = 1.0;
    for i in 0..3 {
        y = y * h[i] + a * b;
    }
    h[1] = y * b;
    h[1] + h[0] * y
}

#[test]
fn a_top_level_store_after_a_loop_reading_the_array() {
    let (v, da, db) = store_after_read_grad(0.7, -1.3);
    let want = dual_grad(&[0.7, -1.3], |p| {
        let mut h = [p[0], Dual64::from(2.0), p[1]];
        let mut y = Dual64::from(1.0);
        for i in 0..3 {
            y = y * h[i] + p[0] * p[1];
        }
        h[1] = y * p[1];
        h[1] + h[0] * y
    });
    check("store_after_read", (v, vec![da, db]), want);
}

// Kept: the buffer is refilled in each iteration of an outer loop, whose earlier iterations read
// it (the writing loop is not at the function's level).
#[differentiate]
fn refilled_per_iteration(a: f64, w: &[f64]) -> f64 {
    let mut h = vec![0.0; w.len()];
    let mut y = a;
    for _ in 0..3 {
        for i in 0..w.len() {
            h[i] = (w[i] + y).cos();
        }
        for i in 0..w.len() {
            y = y * 0.5 + h[i] * a;
        }
    }
    y
}

#[test]
fn a_buffer_refilled_in_each_iteration_of_an_outer_loop() {
    check_aw("refilled_per_iteration", 0.9, refilled_per_iteration_grad(0.9, &W), |a, w| {
        let n = w.len();
        let mut h = vec![Dual64::from(0.0); n];
        let mut y = a;
        for _ in 0..3 {
            for i in 0..n {
                h[i] = (w[i] + y).cos();
            }
            for i in 0..n {
                y = y * 0.5 + h[i] * a;
            }
        }
        y
    });
}

// Dropped, then a second writing loop (kept: the first one's values are read by the loop between).
#[differentiate]
fn fill_read_overwrite(a: f64, w: &[f64]) -> f64 {
    let mut h: Vec<f64> = w.iter().map(|v| v * a).collect();
    let mut y = a;
    for i in 0..h.len() {
        y = (y + h[i]).sin();
    }
    for i in 0..h.len() {
        h[i] *= y;
    }
    h.iter().sum::<f64>() + y
}

#[test]
fn a_buffer_filled_read_then_overwritten() {
    check_aw("fill_read_overwrite", 1.1, fill_read_overwrite_grad(1.1, &W), |a, w| {
        let mut h: Vec<Dual64> = w.iter().map(|v| *v * a).collect();
        let mut y = a;
        for hi in &h {
            y = (y + *hi).sin();
        }
        for hi in &mut h {
            *hi *= y;
        }
        h.iter().copied().sum::<Dual64>() + y
    });
}

// The dual program (`f_hvp`) makes the same choice: its gradient and H·v against differences of
// `f_grad` along the direction.
#[differentiate(hessian)]
fn collect_hvp(a: f64, w: &[f64]) -> f64 {
    let h: Vec<f64> = w.iter().map(|v| (v * a).exp()).collect();
    let s: f64 = h.iter().sum();
    s.ln() * a + h[0] * h[1]
}

#[test]
fn the_dual_program_of_a_collected_buffer() {
    let (a, va) = (0.8, 0.3);
    let vw = [1.0, -0.5, 0.25, 2.0, -1.0];
    let (v, ga, gw, hva, hvw) = collect_hvp_hvp(a, &W, va, vw.to_vec());
    let (v0, ga0, gw0) = collect_hvp_grad(a, &W);
    assert_eq!(v.to_bits(), v0.to_bits());
    assert!((ga - ga0).abs() <= 1e-12 * ga0.abs().max(1.0));
    for (g, g0) in gw.iter().zip(&gw0) {
        assert!((g - g0).abs() <= 1e-12 * g0.abs().max(1.0));
    }
    let eps = 1e-6;
    let at = |t: f64| {
        let w: Vec<f64> = W.iter().zip(&vw).map(|(w, v)| w + t * v).collect();
        collect_hvp_grad(a + t * va, &w)
    };
    let (p, m) = (at(eps), at(-eps));
    let fd_a = (p.1 - m.1) / (2.0 * eps);
    assert!((hva - fd_a).abs() <= 1e-6 * fd_a.abs().max(1.0), "H·v[a] = {hva}, differences {fd_a}");
    for i in 0..W.len() {
        let fd = (p.2[i] - m.2[i]) / (2.0 * eps);
        assert!((hvw[i] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "H·v[w{i}] = {}, differences {fd}", hvw[i]);
    }
}
