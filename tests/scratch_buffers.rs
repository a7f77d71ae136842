//! Buffers declared before a loop and used only as its scratch space (issue 15, GMM): each
//! iteration overwrites them in full (`for r in 0..len { h[r] = .. }`) before reading them, so
//! no iteration reads what another wrote, and the loop's backward pass runs each iteration's
//! backward right after its forward (fused), as for a buffer declared in the loop. Shapes where
//! an iteration does read an earlier one's values (a read before the overwrite, a partial
//! overwrite, an overwrite in one arm only, a read after the loop) must keep the replaying
//! backward pass: every shape is checked against central differences, its value bit for bit.

#![allow(clippy::float_cmp, clippy::needless_range_loop)]
#![allow(clippy::useless_vec, reason = "run-time buffers are the point; `fused` has a fixed array too")]

mod common;

use common::{assert_fd_all, assert_same_value};
use gradmacro::differentiate;

/// Fused: two buffers, overwritten in nested loops, read after (also at another index).
#[differentiate(wrt(w))]
fn fused(w: &[f64], x: &[f64]) -> f64 {
    let d = w.len();
    let mut h = vec![0.0; d];
    let mut g = [0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        for r in 0..d {
            h[r] = x[i] * w[r];
        }
        for r in 0..d {
            h[r] = h[r].sin() + 0.5 * h[(r + 1) % d];
        }
        for r in 0..2 {
            g[r] = h[r] * h[d - 1 - r];
        }
        s += h.iter().map(|v| v * v).sum::<f64>() + g[0] * g[1];
    }
    s
}

/// Not fused: `h[0]` is read before this iteration overwrites it (the previous one's value).
#[differentiate(wrt(w))]
fn read_before(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        s += h[0] * x[i] + h[1].sin();
        for r in 0..2 {
            h[r] = x[i] * w[r] + s;
        }
    }
    s
}

/// Not fused: the overwrite covers `0..1` of a buffer of 3 (the rest is the previous
/// iteration's).
#[differentiate(wrt(w))]
fn partial(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![0.0; 3];
    let mut s = 0.0;
    for i in 0..x.len() {
        for r in 0..1 {
            h[r] = x[i] * w[0];
        }
        h[2] += h[0] * w[1];
        s += h[2] * h[2];
    }
    s
}

/// Not fused: overwritten in one arm only, read after the `if`.
#[differentiate(wrt(w))]
fn one_arm(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            for r in 0..2 {
                h[r] = x[i] * w[r];
            }
        }
        s += h[0] * h[1] + w[0];
    }
    s
}

/// Not fused: the buffer is read after the loop (the last iteration's values).
#[differentiate(wrt(w))]
fn read_after(w: &[f64], x: &[f64]) -> f64 {
    let mut h = vec![0.0; 2];
    let mut s = 0.0;
    for i in 0..x.len() {
        for r in 0..2 {
            h[r] = (x[i] * w[r]).exp();
        }
        s += h[0] - h[1];
    }
    s * h[0]
}

/// Not fused: the loop fills the buffer the function returns (read by the seed, after the
/// loop); a first version of the analysis fused it, and the Jacobian came out zero (oracle, vector
/// family).
#[differentiate]
fn collected_output(x: &[f64], a: f64) -> Vec<f64> {
    let h = [x[0] * a, x[1] + a, x[2].sin()];
    let r: Vec<f64> = h.iter().map(|v| *v * 1.5).collect();
    r
}

#[test]
fn a_returned_buffer_is_not_scratch() {
    let (x, a) = ([0.3, -0.8, 1.2], 0.7);
    let (v, jx, ja) = collected_output_jacobian(&x, a);
    assert_eq!(v, collected_output(&x, a));
    let want_x = [[1.5 * a, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 1.5 * x[2].cos()]];
    for i in 0..3 {
        for j in 0..3 {
            assert_eq!(jx[i][j], want_x[i][j], "∂r{i}/∂x{j}");
        }
    }
    assert_eq!(ja, vec![1.5 * x[0], 1.5, 0.0]);
}

#[test]
fn scratch_buffers_against_differences() {
    let x = [0.3, -0.8, 1.2, 0.5];
    let w = [0.7, -0.4, 0.9];
    type F = fn(&[f64], &[f64]) -> f64;
    type G = fn(&[f64], &[f64]) -> (f64, Vec<f64>);
    let cases: [(&str, F, G); 5] = [
        ("fused", fused, fused_grad),
        ("read_before", read_before, read_before_grad),
        ("partial", partial, partial_grad),
        ("one_arm", one_arm, one_arm_grad),
        ("read_after", read_after, read_after_grad),
    ];
    for (name, f, g) in cases {
        for x in [&x[..], &x[..1], &[-0.6, 0.2][..]] {
            let (v, gw) = g(&w, x);
            assert_same_value(name, v, f(&w, x));
            assert_fd_all(name, |q| f(q, x), &w, &gw);
        }
    }
}
