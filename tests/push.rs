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

// ---- buffers declared in a loop body: one buffer per iteration ------------------------------
// The statistician's per-point buffer (`for x in data { let terms: Vec<f64> = ..collect();
// lse(&terms) }`): each iteration makes its own, and the backward pass makes it again when it
// recomputes the iteration. Checked against central differences (whole gradients), with the outer
// loop fused (a sum), carried (a product of the previous value), and with a `filter`, a `while`
// that breaks, and a loop nest.

#[differentiate]
fn log_sum_exp(v: &[f64]) -> f64 {
    let mx = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    mx + v.iter().map(|a| (a - mx).exp()).sum::<f64>().ln()
}

#[differentiate(wrt(m))]
fn pushed_per_point(x: &[f64], m: &[f64]) -> f64 {
    let mut s = 0.0;
    for xi in x {
        let mut t = Vec::with_capacity(m.len());
        for j in 0..m.len() {
            t.push(-(xi - m[j]).powi(2));
        }
        s += log_sum_exp(&t);
    }
    s
}

#[differentiate(wrt(m))]
fn collected_per_point(x: &[f64], m: &[f64]) -> f64 {
    let mut s = 0.0;
    for xi in x {
        let t: Vec<f64> = m.iter().map(|mj| -(xi - mj).powi(2)).collect();
        s += log_sum_exp(&t) * t[0];
    }
    s
}

#[differentiate(wrt(m))]
fn carried_through_pushes(x: &[f64], m: &[f64]) -> f64 {
    let mut s = 1.0;
    for xi in x {
        let mut t = Vec::with_capacity(m.len());
        for j in 0..m.len() {
            if m[j] > *xi {
                t.push(s * (xi - m[j]));
            }
        }
        t.push(s);
        s = s * log_sum_exp(&t).sin() + t[t.len() - 1] * 0.5;
    }
    s
}

#[differentiate(wrt(m))]
fn filtered_per_point(x: &[f64], m: &[f64]) -> f64 {
    let mut s = 0.5;
    for (i, xi) in x.iter().enumerate() {
        let t: Vec<f64> = m.iter().filter(|&&v| v > *xi).map(|v| v * s + xi).collect();
        if i % 2 == 0 {
            s += t.iter().sum::<f64>() * 0.3;
        } else {
            s *= 1.0 + t.len() as f64 * 0.1;
        }
    }
    s
}

#[differentiate(wrt(m))]
fn pushed_until_a_break(x: &[f64], m: &[f64]) -> f64 {
    let mut s = 0.0;
    for xi in x {
        let mut t = Vec::new();
        if *xi > 0.0 {
            let mut j = 0;
            while j < m.len() {
                t.push((m[j] * xi).tanh());
                if t[j] > 0.4 {
                    break;
                }
                j += 1;
            }
            s += t.iter().map(|v| v * v).sum::<f64>() + s * 0.1;
        } else {
            s -= m[0] * xi;
        }
    }
    s
}

#[differentiate(wrt(m))]
fn buffers_in_a_loop_nest(x: &[f64], m: &[f64]) -> f64 {
    let mut s = 0.0;
    for xi in x {
        for r in 0..2 {
            let t: Vec<f64> = m.iter().map(|v| (v - xi) * (r as f64 + 1.0) + s * 0.01).collect();
            let mut u = Vec::with_capacity(t.len());
            for v in &t {
                u.push(v * v);
            }
            s += log_sum_exp(&u) - t[0];
        }
    }
    s
}

#[test]
fn buffers_declared_in_a_loop_body() {
    type Pair = (fn(&[f64], &[f64]) -> f64, fn(&[f64], &[f64]) -> (f64, Vec<f64>));
    let cases: [(&str, Pair); 6] = [
        ("pushed_per_point", (pushed_per_point, pushed_per_point_grad)),
        ("collected_per_point", (collected_per_point, collected_per_point_grad)),
        ("carried_through_pushes", (carried_through_pushes, carried_through_pushes_grad)),
        ("filtered_per_point", (filtered_per_point, filtered_per_point_grad)),
        ("pushed_until_a_break", (pushed_until_a_break, pushed_until_a_break_grad)),
        ("buffers_in_a_loop_nest", (buffers_in_a_loop_nest, buffers_in_a_loop_nest_grad)),
    ];
    let x = [0.1, 0.5, -0.3, 1.2, 0.8];
    for m in [[0.0, 0.7, -1.0, 0.9, 0.3], [0.45, -0.2, 1.1, 0.05, -0.6]] {
        for (name, (f, g)) in cases {
            let (v, d) = g(&x, &m);
            assert_same_value(name, v, f(&x, &m));
            assert_fd_all(name, |p| f(&x, p), &m, &d);
        }
    }
    // Closed form for the first: d/dm_j = Σ_i softmax_j(-(x_i - m)²) · 2 (x_i - m_j).
    let m = [0.0, 0.7, -1.0];
    let (_, d) = pushed_per_point_grad(&x, &m);
    for j in 0..3 {
        let want: f64 = x
            .iter()
            .map(|xi| {
                let z: f64 = m.iter().map(|mk| (-(xi - mk).powi(2)).exp()).sum();
                (-(xi - m[j]).powi(2)).exp() / z * 2.0 * (xi - m[j])
            })
            .sum();
        assert_exact("pushed_per_point closed form", d[j], want);
    }
}
