//! Control flow of CONTRACT.md §3 (`if` / `else if` / `else` on active conditions, `for` over
//! ranges and slice iterators, `while`, `break`, `continue`, early `return`, nested loops,
//! loop-carried values): every gradient against central finite differences of the original
//! function at points away from branch switches, and the value bit-identical to the function's.

#![allow(clippy::needless_range_loop, reason = "the bodies are written to exercise exactly these constructs")]

mod common;

use common::{assert_fd_all, assert_same_value};
use gradmacro::differentiate;

/// Checks a function of two scalars at every point: value and both gradient components.
fn check_xy(name: &str, f: impl Fn(f64, f64) -> f64, g: impl Fn(f64, f64) -> (f64, f64, f64), points: &[(f64, f64)]) {
    for &(x, y) in points {
        let what = format!("{name} at ({x}, {y})");
        let (v, dx, dy) = g(x, y);
        assert_same_value(&what, v, f(x, y));
        assert_fd_all(&what, |p| f(p[0], p[1]), &[x, y], &[dx, dy]);
    }
}

/// Checks a function of one slice at `x`.
fn check_slice(name: &str, f: impl Fn(&[f64]) -> f64, g: impl Fn(&[f64]) -> (f64, Vec<f64>), x: &[f64]) {
    let (v, dx) = g(x);
    assert_same_value(name, v, f(x));
    assert_fd_all(name, f, x, &dx);
}

#[differentiate]
fn branches(x: f64, y: f64) -> f64 {
    let mut r = 0.0;
    if x > y {
        r = x * y;
    } else if x < -1.0 {
        r = x.exp();
    } else {
        r += y - x * x;
    }
    if r < 0.0 {
        r = -r;
    }
    let s = if r > 2.0 {
        r.sqrt()
    } else if y < 0.0 {
        r * y
    } else {
        r * r
    };
    s + r
}

#[test]
fn if_else_if_else_as_statement_and_expression() {
    let points = [
        (2.0, 1.5),  // x > y, r = 3 > 2
        (0.5, -1.0), // x > y, r < 0 negated, y < 0
        (0.3, 0.2),  // x > y, small r, y >= 0
        (-2.0, 0.5), // x < -1
        (-3.0, -2.5),
        (-0.5, 0.4), // else branch
        (1e-3, 3.0),
    ];
    check_xy("branches", branches, branches_grad, &points);
}

#[differentiate]
fn early_return(x: f64, y: f64) -> f64 {
    if x < 0.0 {
        return x * y;
    }
    let z = x.sqrt() + y;
    if z > 3.0 {
        return z * z;
    }
    z.sin()
}

#[test]
fn early_return_from_the_body() {
    let points = [(-1.0, 2.0), (-1e-3, -0.5), (4.0, 2.0), (0.25, 0.3), (1.0, -2.0)];
    check_xy("early_return", early_return, early_return_grad, &points);
}

#[differentiate]
fn ranges(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        s += x.powi(i) * y;
    }
    for i in 1..=3 {
        s -= (x * i as f64).sin();
    }
    let n = 3;
    for _ in 0..n {
        s *= 0.9;
    }
    s
}

#[test]
fn for_over_ranges() {
    check_xy("ranges", ranges, ranges_grad, &[(0.7, -1.3), (-2.1, 0.4), (1e-3, 2.5)]);
}

#[differentiate]
fn carried(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}

#[test]
fn loop_carried_value() {
    check_xy("carried", carried, carried_grad, &[(0.3, 0.7), (-1.2, 1.1), (2.0, -0.4), (1e-3, 0.5)]);
}

#[differentiate]
fn slice_iterators(xs: &[f64], ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in xs.iter() {
        s += v * v;
    }
    for v in ys {
        s += v.sin();
    }
    for &v in xs {
        s += v * 0.5;
    }
    for (i, v) in ys.iter().enumerate() {
        s += *v * i as f64;
    }
    for (a, b) in xs.iter().zip(ys.iter()) {
        s += a * b;
    }
    s
}

#[test]
fn iter_ref_pattern_enumerate_and_zip() {
    let x = [0.4, -1.3, 2.2, 1e-3, 0.9, -0.6];
    let f = |p: &[f64]| slice_iterators(&p[..3], &p[3..]);
    let (v, dx, dy) = slice_iterators_grad(&x[..3], &x[3..]);
    assert_same_value("slice_iterators", v, f(&x));
    assert_fd_all("slice_iterators", f, &x, &[dx, dy].concat());
}

#[differentiate]
fn array_iterators(xs: [f64; 3], ys: &[f64; 3]) -> f64 {
    let mut s = 1.0;
    for v in &xs {
        s *= v + 2.0;
    }
    for &v in ys {
        s -= v.exp();
    }
    for (a, b) in ys.iter().zip(&xs) {
        s += a / (b * b + 1.0);
    }
    for v in xs.iter() {
        s += v.cos();
    }
    s
}

#[test]
fn iterators_over_arrays() {
    let (xs, ys) = ([0.3, -1.1, 2.0], [1e-3, 0.8, -0.4]);
    let (v, dx, dy) = array_iterators_grad(xs, &ys);
    assert_same_value("array_iterators", v, array_iterators(xs, &ys));
    let f = |p: &[f64]| array_iterators([p[0], p[1], p[2]], &[p[3], p[4], p[5]]);
    let got = [dx.as_slice(), dy.as_slice()].concat();
    assert_fd_all("array_iterators", f, &[0.3, -1.1, 2.0, 1e-3, 0.8, -0.4], &got);
}

#[differentiate]
fn while_break_continue(x: f64, k: f64) -> f64 {
    let mut y = x;
    let mut i = 0;
    while i < 20 {
        i += 1;
        if i % 3 == 0 {
            continue;
        }
        y = y.sin() * k + x;
        if y > 1.5 {
            break;
        }
    }
    y * i as f64
}

#[test]
fn while_with_break_and_continue() {
    let points = [(0.3, 0.7), (-1.2, 1.1), (2.0, -0.4), (1.4, 1.2), (1e-3, 0.5)];
    check_xy("while_break_continue", while_break_continue, while_break_continue_grad, &points);
}

#[differentiate]
fn while_on_active(x: f64, a: f64) -> f64 {
    let mut y = a;
    let mut n = 0;
    while y < 10.0 && n < 50 {
        y = y * x + a;
        n += 1;
    }
    y
}

#[test]
fn while_with_an_active_condition() {
    // The iteration count depends on the inputs; these points are away from a change in count.
    let points = [(1.5, 1.0), (2.3, 0.4), (1.1, 3.0), (-1.9, 2.2)];
    check_xy("while_on_active", while_on_active, while_on_active_grad, &points);
}

#[differentiate]
fn return_in_loop(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += xs[i] * xs[i];
        if s > 3.0 {
            return s * xs[0];
        }
    }
    s.sqrt()
}

#[test]
fn early_return_inside_a_loop() {
    check_slice("return_in_loop (returns)", return_in_loop, return_in_loop_grad, &[0.5, -1.2, 1.6, 0.7]);
    check_slice("return_in_loop (runs out)", return_in_loop, return_in_loop_grad, &[0.5, -1.2, 0.3]);
}

#[differentiate]
fn nested(m: &[[f64; 3]], v: [f64; 3], x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        let mut row = 0.0;
        for j in 0..3 {
            if j == i {
                continue;
            }
            row += m[i][j] * v[j] * x;
        }
        for (j, w) in v.iter().enumerate() {
            row = row * 0.5 + w * m[i][j];
        }
        s += row.tanh();
    }
    s
}

#[test]
fn nested_loops() {
    let m = [[1.0, -0.5, 2.0], [0.3, 0.8, -1.2]];
    let (v, x) = ([0.4, -1.1, 0.7], 1.3);
    let (val, dv, dx) = nested_grad(&m, v, x);
    assert_same_value("nested", val, nested(&m, v, x));
    let f = |p: &[f64]| nested(&m, [p[0], p[1], p[2]], p[3]);
    assert_fd_all("nested", f, &[0.4, -1.1, 0.7, 1.3], &[dv.as_slice(), &[dx]].concat());
}

#[differentiate]
fn nested_plain(m: &[[f64; 3]], v: [f64; 3], x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        let mut row = 0.0;
        for j in 0..3 {
            if j == i {
                continue;
            }
            row += m[i][j] * v[j] * x;
        }
        s += row.tanh();
    }
    s
}

#[test]
fn nested_loops_with_accumulators() {
    let m = [[1.0, -0.5, 2.0], [0.3, 0.8, -1.2]];
    let (v, x) = ([0.4, -1.1, 0.7], 1.3);
    let (val, dv, dx) = nested_plain_grad(&m, v, x);
    assert_same_value("nested_plain", val, nested_plain(&m, v, x));
    let f = |p: &[f64]| nested_plain(&m, [p[0], p[1], p[2]], p[3]);
    assert_fd_all("nested_plain", f, &[0.4, -1.1, 0.7, 1.3], &[dv.as_slice(), &[dx]].concat());
}

/// Minimal reproducer: a value carried through a loop by an affine update, reading the loop's
/// index. `row = ((x/2 + v0)/2 + v1)/2 + v2`, so the gradient is `([1/4, 1/2, 1], 1/8)`.
#[differentiate]
fn affine_carry(v: [f64; 3], x: f64) -> f64 {
    let mut row = x;
    for j in 0..3 {
        row = row * 0.5 + v[j];
    }
    row
}

#[test]
fn affine_loop_carried_value_reading_the_index() {
    let (val, dv, dx) = affine_carry_grad([0.4, -1.1, 0.7], 1.3);
    assert_same_value("affine_carry", val, affine_carry([0.4, -1.1, 0.7], 1.3));
    assert_eq!(dv, [0.25, 0.5, 1.0]);
    assert_eq!(dx, 0.125);
}

/// Early return: `early(-1.0)` is `-2` with slope 2.
#[differentiate]
fn early(x: f64) -> f64 {
    if x < 0.0 {
        return x * 2.0;
    }
    x * 3.0
}

#[test]
fn early_return_minimal() {
    assert_eq!(early_grad(-1.0), (-2.0, 2.0));
    assert_eq!(early_grad(1.0), (3.0, 3.0));
}

#[differentiate]
fn nested_break_carried(x: f64, y: f64) -> f64 {
    let mut z = y;
    for i in 0..4 {
        let mut j = 0;
        while j < 5 {
            z = (z * x).sin() + y * i as f64;
            j += 1;
            if j > i {
                break;
            }
        }
        if z < -0.5 {
            continue;
        }
        z += 0.1;
    }
    z
}

#[test]
fn nested_loops_carrying_a_value_with_break() {
    let points = [(0.3, 0.7), (-1.2, 1.1), (0.9, -0.4), (1e-3, 0.5)];
    check_xy("nested_break_carried", nested_break_carried, nested_break_carried_grad, &points);
}

/// Minimal reproducer: an exponential moving average over an active slice. The value is
/// `((x0 a / 2) + x1 a) / 2 + x2 a`, so `d/dx = [a/4, a/2, a]`.
#[differentiate]
fn moving_average(xs: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for x in xs.iter() {
        s = 0.5 * s + x * a;
    }
    s
}

#[test]
fn moving_average_over_a_slice() {
    let xs = [0.3, -1.2, 2.0];
    let (v, dxs, da) = moving_average_grad(&xs, 0.7);
    assert_same_value("moving_average", v, moving_average(&xs, 0.7));
    let f = |p: &[f64]| moving_average(&p[..3], p[3]);
    let got = [dxs.as_slice(), &[da]].concat();
    assert_fd_all("moving_average", f, &[0.3, -1.2, 2.0, 0.7], &got);
}

#[differentiate]
fn enumerate_with_ref_pattern(xs: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for (i, &v) in xs.iter().enumerate() {
        s += v * w.powi(i as i32);
    }
    s
}

#[differentiate(wrt(w))]
fn zip_with_constant_data(w: &[f64], data: &[f64]) -> f64 {
    let mut s = 0.0;
    for (a, b) in w.iter().zip(data.iter()) {
        s += a * b * a;
    }
    s
}

#[differentiate]
fn shadowing_and_branches_in_a_loop(xs: &[f64], k: f64) -> f64 {
    let mut acc = 1.0;
    for i in 0..xs.len() {
        let t = xs[i] * k;
        let t = t.tanh();
        if t > 0.0 {
            acc *= 1.0 + t;
        } else {
            acc -= t * acc;
        }
    }
    acc
}

#[test]
fn loop_bodies_with_patterns_shadowing_and_branches() {
    let xs = [0.3, -1.2, 2.0, 1e-3];
    let point = [0.3, -1.2, 2.0, 1e-3, 0.7];
    let (v, dxs, dw) = enumerate_with_ref_pattern_grad(&xs, 0.7);
    assert_same_value("enumerate", v, enumerate_with_ref_pattern(&xs, 0.7));
    let f = |p: &[f64]| enumerate_with_ref_pattern(&p[..4], p[4]);
    assert_fd_all("enumerate", f, &point, &[dxs.as_slice(), &[dw]].concat());

    let data = [1.5, -0.5, 2.0, 3.0];
    let (v, dw) = zip_with_constant_data_grad(&xs, &data);
    assert_same_value("zip", v, zip_with_constant_data(&xs, &data));
    assert_fd_all("zip", |p| zip_with_constant_data(p, &data), &xs, &dw);

    let (v, dxs, dk) = shadowing_and_branches_in_a_loop_grad(&xs, 0.7);
    assert_same_value("shadowing", v, shadowing_and_branches_in_a_loop(&xs, 0.7));
    let f = |p: &[f64]| shadowing_and_branches_in_a_loop(&p[..4], p[4]);
    assert_fd_all("shadowing", f, &point, &[dxs.as_slice(), &[dk]].concat());
}

#[differentiate]
fn carried_f32(xs: &[f32], k: f32) -> f32 {
    let mut y = k;
    for &x in xs {
        y = (y * x).sin() + std::f32::consts::PI * k;
    }
    y
}

/// The same computation in f64, written by hand, for accurate finite differences.
fn carried_f64_replica(p: &[f64]) -> f64 {
    let mut y = p[3];
    for &x in &p[..3] {
        y = (y * x).sin() + std::f64::consts::PI * p[3];
    }
    y
}

#[test]
fn loop_carried_value_in_f32() {
    let xs = [0.3f32, -1.2, 2.0];
    let (v, dxs, dk) = carried_f32_grad(&xs, 0.7);
    assert_eq!(v.to_bits(), carried_f32(&xs, 0.7).to_bits());
    let got = [dxs[0], dxs[1], dxs[2], dk];
    let point: Vec<f64> = [0.3f32, -1.2, 2.0, 0.7].iter().map(|&z| f64::from(z)).collect();
    let want = common::fd(carried_f64_replica, &point);
    for (g, w) in got.iter().zip(&want) {
        approx::assert_relative_eq!(f64::from(*g), *w, epsilon = 1e-5, max_relative = 1e-4);
    }
}

#[differentiate]
fn return_in_nested_loops(xs: &[f64], k: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        let mut j = 0;
        while j < 3 {
            s += xs[i] * k;
            if s > 2.0 {
                return s * s;
            }
            j += 1;
        }
    }
    s * 0.5
}

#[test]
fn early_return_from_nested_loops() {
    for xs in [[0.5, 0.4, 1.0], [0.1, -0.2, 0.3]] {
        let (v, dxs, dk) = return_in_nested_loops_grad(&xs, 1.1);
        assert_same_value("return_in_nested_loops", v, return_in_nested_loops(&xs, 1.1));
        let f = |p: &[f64]| return_in_nested_loops(&p[..3], p[3]);
        let point = [xs[0], xs[1], xs[2], 1.1];
        let got = [dxs.as_slice(), &[dk]].concat();
        assert_fd_all("return_in_nested_loops", f, &point, &got);
    }
}
