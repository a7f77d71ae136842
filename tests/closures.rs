//! Local closures (issue 12): `let sq = |v: f64| v * v;` is inlined at each call, so calls with
//! differentiated arguments, closures capturing differentiated values, closures calling closures
//! and closures that accumulate into a captured variable are all differentiated. Values are
//! compared bit for bit with the function itself, gradients with closed forms and central
//! differences.

#![allow(clippy::float_cmp, clippy::cast_precision_loss)]

mod common;

use common::{assert_exact, assert_fd_all, assert_same_value, check2};
use gradmacro::differentiate;

#[differentiate]
fn sum_of_squares(a: f64, b: f64) -> f64 {
    let sq = |v: f64| v * v;
    sq(a) + sq(b)
}

#[test]
fn closure_called_with_differentiated_arguments() {
    check2(
        "sum_of_squares",
        sum_of_squares,
        sum_of_squares_grad,
        |a, _| 2.0 * a,
        |_, b| 2.0 * b,
        &[(1.5, -2.0), (0.0, 3.0)],
    );
}

#[differentiate]
fn captures(x: f64, y: f64) -> f64 {
    let scaled = |a: f64| a * y;
    let shifted = |b| scaled(b) + y.sin();
    shifted(x) * shifted(2.0)
}

#[test]
fn closures_capture_and_call_closures() {
    // f = (x y + sin y)(2 y + sin y)
    check2(
        "captures",
        captures,
        captures_grad,
        |_, y| y * (2.0 * y + y.sin()),
        |x, y| (x + y.cos()) * (2.0 * y + y.sin()) + (x * y + y.sin()) * (2.0 + y.cos()),
        &[(0.7, 1.3), (-1.0, 0.2)],
    );
}

#[differentiate]
fn move_copy(x: f64) -> f64 {
    let mut k = x * 2.0;
    let f = move |v: f64| v * k;
    k = x * 10.0;
    f(x) + k
}

#[test]
fn move_closure_sees_the_value_it_copied() {
    // f = x (2 x) + 10 x: the closure copied k = 2 x before k changed.
    for x in [0.5, -1.5] {
        let (v, d) = move_copy_grad(x);
        assert_same_value("move_copy", v, move_copy(x));
        assert_exact("move_copy", d, 4.0 * x + 10.0);
    }
}

#[differentiate]
fn shadowed_capture(x: f64) -> f64 {
    let k = x.exp();
    let f = |v: f64| v * k;
    let k = 3.0;
    f(x) * k
}

#[test]
fn a_later_let_does_not_change_what_the_closure_reads() {
    for x in [0.3, -0.8] {
        let (v, d) = shadowed_capture_grad(x);
        assert_same_value("shadowed_capture", v, shadowed_capture(x));
        assert_exact("shadowed_capture", d, 3.0 * (x.exp() + x * x.exp()));
    }
}

#[differentiate]
fn accumulate(w: f64, xs: &[f64]) -> f64 {
    let mut total = 0.0;
    let mut add = |v: f64| total += v * v;
    for x in xs {
        add(w * x);
    }
    add(w);
    total
}

#[test]
fn closure_assigning_a_capture_in_a_loop() {
    let xs = [1.0, -2.0, 0.5];
    for w in [0.7, -1.1] {
        let (v, dw, dxs) = accumulate_grad(w, &xs);
        assert_same_value("accumulate", v, accumulate(w, &xs));
        let s2: f64 = xs.iter().map(|x| x * x).sum();
        assert_exact("accumulate dw", dw, 2.0 * w * (s2 + 1.0));
        for (i, d) in dxs.iter().enumerate() {
            assert_exact("accumulate dxs", *d, 2.0 * w * w * xs[i]);
        }
    }
}

#[differentiate]
fn in_chains(w: &[f64], x: &[f64]) -> f64 {
    let act = |z: f64| z.tanh();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let hidden: f64 = w.iter().map(|v| act(*v)).sum();
    dot(w, x) + hidden + w.iter().copied().map(act).sum::<f64>()
}

#[test]
fn closures_in_iterator_chains_and_with_slice_arguments() {
    let (w, x) = ([0.3, -0.5, 1.2], [1.0, 2.0, -0.5]);
    let (v, dw, dx) = in_chains_grad(&w, &x);
    assert_same_value("in_chains", v, in_chains(&w, &x));
    for i in 0..3 {
        assert_exact("in_chains dw", dw[i], x[i] + 2.0 * (1.0 - w[i].tanh().powi(2)));
        assert_exact("in_chains dx", dx[i], w[i]);
    }
}

#[differentiate]
fn branchy(x: f64, y: f64) -> f64 {
    let pick = |a: f64, b: f64| if a > b { a * b } else { (a - b).powi(2) };
    let mut s = 0.0;
    for i in 0..3 {
        s += pick(x * f64::from(i), y);
    }
    if s > 1.0 { pick(s, x) } else { s }
}

#[test]
fn closure_with_a_branch_in_a_loop_and_an_arm() {
    let f = |p: &[f64]| branchy(p[0], p[1]);
    for p in [[0.4, 0.9], [2.0, 0.5], [-1.0, 0.3]] {
        let (v, dx, dy) = branchy_grad(p[0], p[1]);
        assert_same_value("branchy", v, branchy(p[0], p[1]));
        assert_fd_all("branchy", f, &p, &[dx, dy]);
    }
}

#[differentiate(wrt(w))]
fn used_in_a_condition(w: f64, data: &[f64]) -> f64 {
    let near = |x: &f64| (x - w).abs() < 0.5;
    if data.iter().any(near) { w * w } else { w.sin() }
}

#[test]
fn constant_use_of_a_closure_reading_differentiated_values() {
    let data = [1.0, 3.0];
    let (v, d) = used_in_a_condition_grad(1.2, &data);
    assert_same_value("used_in_a_condition", v, used_in_a_condition(1.2, &data));
    assert_exact("near", d, 2.4);
    let (_, d) = used_in_a_condition_grad(2.0, &data);
    assert_exact("far", d, 2.0_f64.cos());
}

#[differentiate(wrt(w))]
fn accumulate_from_a_constant_chain(w: f64, data: &[f64]) -> f64 {
    let mut total = w;
    let mut add = |v: f64| total += v * w;
    data.iter().for_each(|&v| add(v * 2.0));
    add(1.0);
    total
}

#[test]
fn assigning_closure_called_inside_a_chain_over_constants() {
    // total = w + w (2 Σ d) + w
    let data = [0.5, -1.0, 2.0];
    let (v, d) = accumulate_from_a_constant_chain_grad(0.7, &data);
    assert_same_value("accumulate_from_a_constant_chain", v, accumulate_from_a_constant_chain(0.7, &data));
    assert_exact("accumulate_from_a_constant_chain", d, 1.0 + 2.0 * 1.5 + 1.0);
}
