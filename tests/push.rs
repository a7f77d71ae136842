//! Buffers that grow (issue 12): `Vec::with_capacity(n)` or `Vec::new()`, then `push`, then
//! reads by index and iteration. Values bit for bit against the function itself, gradients
//! against closed forms, num-dual and central differences.

#![allow(clippy::float_cmp, clippy::cast_precision_loss, clippy::needless_range_loop)]

mod common;

use common::{assert_exact, assert_fd_all, assert_same_value};
use gradmacro::differentiate;

#[differentiate]
fn products(xs: &[f64], n: usize) -> f64 {
    let mut h = Vec::with_capacity(n);
    for i in 0..n {
        h.push(xs[i] * 2.0);
    }
    h[0] * h[1] + h.iter().sum::<f64>()
}

#[test]
fn push_in_a_loop_then_read() {
    let xs = [0.5, -1.5, 2.0];
    let (v, d) = products_grad(&xs, 3);
    assert_same_value("products", v, products(&xs, 3));
    // 4 x0 x1 + 2 (x0 + x1 + x2)
    assert_exact("d0", d[0], 4.0 * xs[1] + 2.0);
    assert_exact("d1", d[1], 4.0 * xs[0] + 2.0);
    assert_exact("d2", d[2], 2.0);
}

#[differentiate]
fn interleaved(a: f64, b: f64) -> f64 {
    let mut h = Vec::new();
    h.push(a);
    let mut s = 0.0;
    for v in &h {
        s += v * b;
    }
    h.push(b * b);
    h.push(1.0);
    let mut t = 0.0;
    for (i, v) in h.iter().enumerate() {
        t += v.sin() * (i as f64 + 1.0);
    }
    s * t + h.len() as f64
}

#[test]
fn loops_between_pushes_see_the_length_of_their_time() {
    let f = |p: &[f64]| interleaved(p[0], p[1]);
    for p in [[0.7, -0.4], [1.3, 2.0]] {
        let (v, da, db) = interleaved_grad(p[0], p[1]);
        assert_same_value("interleaved", v, interleaved(p[0], p[1]));
        assert_fd_all("interleaved", f, &p, &[da, db]);
    }
}

#[differentiate]
fn carried(x: f64, n: usize) -> f64 {
    let mut h = Vec::with_capacity(n);
    let mut y = x;
    for k in 0..n {
        y = (y * 1.1).sin() + x;
        h.push(y);
        if k > 0 {
            y += 0.5 * h[k - 1] * h.len() as f64;
        }
    }
    h.iter().map(|v| v * v).sum()
}

#[test]
fn push_and_read_back_in_a_carried_loop() {
    let f = |p: &[f64]| carried(p[0], 5);
    for x in [0.3, -0.8] {
        let (v, d) = carried_grad(x, 5);
        assert_same_value("carried", v, carried(x, 5));
        assert_fd_all("carried", f, &[x], &[d]);
    }
}

#[differentiate(wrt(w))]
fn constant_pushes(w: f64, data: &[f64]) -> f64 {
    let mut kept = Vec::new();
    for &d in data {
        if d > 0.0 {
            kept.push(d);
        }
    }
    let mut s = 0.0;
    for k in &kept {
        s += (k * w).exp();
    }
    s / kept.len() as f64
}

#[test]
fn constant_buffer_filled_conditionally() {
    let data = [0.5, -1.0, 2.0, 0.0, 1.5];
    let (v, d) = constant_pushes_grad(0.2, &data);
    assert_same_value("constant_pushes", v, constant_pushes(0.2, &data));
    let want = (0.5 * (0.1_f64).exp() + 2.0 * (0.4_f64).exp() + 1.5 * (0.3_f64).exp()) / 3.0;
    assert_exact("constant_pushes", d, want);
}

#[differentiate]
fn active_pushes_in_a_branch(w: &[f64]) -> f64 {
    let mut pos = Vec::with_capacity(w.len());
    for &x in w {
        if x > 0.0 {
            pos.push(x.ln());
        } else {
            pos.push(x * x);
        }
    }
    let mut total = 0.0;
    for (i, p) in pos.iter().enumerate() {
        total += p * (i as f64 + 0.5);
    }
    total
}

#[test]
fn pushes_in_both_arms() {
    let w = [0.5, -1.2, 2.0];
    let (v, d) = active_pushes_in_a_branch_grad(&w);
    assert_same_value("arms", v, active_pushes_in_a_branch(&w));
    assert_exact("d0", d[0], 0.5 / 0.5);
    assert_exact("d1", d[1], 2.0 * -1.2 * 1.5);
    assert_exact("d2", d[2], 2.5 / 2.0);
}

#[differentiate]
fn grows_from_its_own_sum(x: f64, n: usize) -> f64 {
    let h = [x];
    let mut g = Vec::with_capacity(n);
    for _ in 0..n {
        let s: f64 = h.iter().sum::<f64>() + g.iter().map(|v| v * 0.5).sum::<f64>();
        g.push((x * s).tanh() + 1.0);
    }
    g.iter().product()
}

#[test]
fn a_loop_reading_the_whole_buffer_it_pushes_onto() {
    let f = |p: &[f64]| grows_from_its_own_sum(p[0], 4);
    for x in [0.3, -0.9, 1.7] {
        let (v, d) = grows_from_its_own_sum_grad(x, 4);
        assert_same_value("grows", v, grows_from_its_own_sum(x, 4));
        assert_fd_all("grows", f, &[x], &[d]);
    }
}
