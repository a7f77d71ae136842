//! Local `vec!` buffers, `assert!` and its kin, and `sin_cos` (issue 12), against closed forms and
//! central finite differences.

mod common;

use common::{assert_exact, assert_fd, assert_fd_all, assert_same_value, fd1};
use gradmacro::differentiate;

/// A hidden layer of run-time width in a `vec!` buffer: written by index in one loop, read back
/// in another, as a small MLP's forward pass is written without fixed sizes.
#[differentiate(wrt(w, v))]
fn layer(w: &[f64], v: &[f64], x: &[f64]) -> f64 {
    let n = v.len();
    let mut h = vec![0.0; n];
    for j in 0..n {
        let mut s = 0.0;
        for (i, xi) in x.iter().enumerate() {
            s += w[j * x.len() + i] * xi;
        }
        h[j] = s.tanh();
    }
    let mut out = 0.0;
    for j in 0..n {
        out += h[j] * v[j];
    }
    out
}

#[test]
fn hidden_layer_buffer() {
    let x = [0.5, -1.0];
    let w = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6];
    let v = [1.0, -2.0, 0.5];
    let (val, dw, dv) = layer_grad(&w, &v, &x);
    assert_same_value("layer", val, layer(&w, &v, &x));
    // closed form: dv_j = tanh(s_j), dw_ji = v_j (1 - tanh(s_j)^2) x_i
    for j in 0..3 {
        let s: f64 = (0..2).map(|i| w[j * 2 + i] * x[i]).sum();
        assert_exact("dv", dv[j], s.tanh());
        for i in 0..2 {
            assert!((dw[j * 2 + i] - v[j] * (1.0 - s.tanh().powi(2)) * x[i]).abs() < 1e-15);
        }
    }
    assert_fd_all("layer, w", |p| layer(p, &v, &x), &w, &dw);
    assert_fd_all("layer, v", |p| layer(&w, p, &x), &v, &dv);
}

/// `vec![a; n]` of a differentiated value and `vec![..]` of differentiated elements, updated in
/// place (`+=`, `*=`) and read through `iter()`.
#[allow(clippy::useless_vec, reason = "the `vec!` is what is tested")]
#[differentiate(wrt(a, b))]
fn filled(a: f64, b: f64, n: usize) -> f64 {
    let mut r = vec![a; n];
    let l = vec![a * b, b.sin(), 2.0];
    for k in 0..n {
        r[k] *= l[k % 3];
    }
    r[0] += b;
    let mut s = 0.0;
    for x in r.iter() {
        s += x * x;
    }
    s + l.len() as f64
}

#[test]
fn filled_buffers() {
    for (a, b, n) in [(0.7, -1.3, 4), (-0.2, 0.4, 1), (1.5, 2.0, 7)] {
        let (v, da, db) = filled_grad(a, b, n);
        assert_same_value("filled", v, filled(a, b, n));
        assert_fd("filled, a", da, fd1(|a| filled(a, b, n), a));
        assert_fd("filled, b", db, fd1(|b| filled(a, b, n), b));
    }
}

/// Checks run on the forward pass's values, kept in `f_grad`; a failing one panics there too.
#[differentiate(wrt(x))]
fn checked(x: f64, data: &[f64]) -> f64 {
    assert!(x > 0.0, "x must be positive, got {}", x);
    debug_assert_eq!(data.len() % 2, 0, "{} points, {n} of them", data.len(), n = data.len());
    let y = x.ln();
    assert!(y.is_finite(), "ln x = {y} for x = {x:e}");
    assert_ne!(y, f64::INFINITY);
    let mut s = 0.0;
    for d in data {
        debug_assert!(d.is_finite() && y.is_finite());
        s += d * y;
    }
    s
}

#[test]
fn asserts_are_kept() {
    let data = [1.0, 2.0];
    let (v, dx) = checked_grad(2.0, &data);
    assert_same_value("checked", v, checked(2.0, &data));
    assert_exact("checked", dx, 3.0 / 2.0);
    let failed = std::panic::catch_unwind(|| checked_grad(-1.0, &data));
    let msg = failed.expect_err("the assert must fail in f_grad too");
    assert_eq!(msg.downcast_ref::<String>().map(String::as_str), Some("x must be positive, got -1"));
}

/// `sin_cos` in both forms: `(x.sin(), x.cos())`, bit for bit.
#[differentiate]
fn rotate(t: f64, r: f64) -> f64 {
    let (s, c) = t.sin_cos();
    let (s2, c2) = f64::sin_cos(r * t);
    r * c * s + s2 - c2
}

#[test]
fn sin_cos_forms() {
    for (t, r) in [(0.3, 2.0), (-1.2, 0.5), (2.5, -1.0)] {
        let (v, dt, dr) = rotate_grad(t, r);
        assert_same_value("rotate", v, rotate(t, r));
        let want_dt = r * (t.cos() * t.cos() - t.sin() * t.sin()) + r * (r * t).cos() + r * (r * t).sin();
        let want_dr = t.cos() * t.sin() + t * (r * t).cos() + t * (r * t).sin();
        assert!((dt - want_dt).abs() < 1e-14 && (dr - want_dr).abs() < 1e-14, "{dt} {want_dt} {dr} {want_dr}");
        assert_fd("rotate, t", dt, fd1(|t| rotate(t, r), t));
    }
}

/// Buffers after an early `return` (the usual guard on empty data) and inside an `if` arm: the
/// engine lowers the rest of the function as the arm that did not return, so these are buffers
/// declared in a branch.
#[allow(clippy::useless_vec, reason = "a `vec!` in an arm is what is tested")]
#[differentiate(wrt(w))]
fn guarded_buffers(w: f64, x: &[f64], smooth: bool) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let mut h = Vec::with_capacity(x.len());
    for v in x {
        h.push((v * w).tanh());
    }
    let g: Vec<f64> = x.iter().map(|v| v * w * w).collect();
    let mut b = vec![0.0; x.len()];
    let mut s = 0.0;
    for i in 0..x.len() {
        s += h[i] * g[i];
        b[i] = s;
    }
    if smooth {
        let mut m = vec![w; 2];
        m[1] = b[x.len() - 1].sin();
        let k: Vec<f64> = h.iter().filter(|v| **v > 0.0).map(|v| v * m[1]).collect();
        s += m[0] * m[1] + k.iter().sum::<f64>();
    }
    s + b[0]
}

#[test]
fn buffers_after_an_early_return_and_in_arms() {
    let x = [0.5, 1.5, -2.0, 0.25];
    for (w, smooth) in [(0.3, true), (-0.8, true), (1.1, false)] {
        let (v, dw) = guarded_buffers_grad(w, &x, smooth);
        assert_same_value("guarded_buffers", v, guarded_buffers(w, &x, smooth));
        assert_fd("guarded_buffers, w", dw, fd1(|w| guarded_buffers(w, &x, smooth), w));
    }
    assert_eq!(guarded_buffers_grad(0.3, &[], true), (0.0, 0.0));
}

/// A per-point buffer, as a mixture's log-likelihood is written: `lp` is made again for every
/// point (run-time `k`), filled by index, then log-sum-exp'd. The loop over the points only
/// accumulates, so its backward pass runs inside it.
#[allow(clippy::needless_range_loop, reason = "indexing is the shape under test")]
#[differentiate(wrt(w), forward)]
fn per_point_lse(w: &[f64], x: &[f64], k: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut lp = vec![0.0; k];
        for j in 0..k {
            lp[j] = w[j] * x[i];
        }
        s += lp.iter().map(|v| v.exp()).sum::<f64>().ln();
    }
    s
}

/// A buffer built from a value the loop carries: the loop keeps a tape and its backward loop
/// rebuilds each iteration's buffer (and a fresh adjoint for it) from the tape.
#[allow(clippy::useless_vec, reason = "a `vec!` in a loop is what is tested")]
#[differentiate(wrt(w), forward)]
fn carried_buffer(w: &[f64], n: usize) -> f64 {
    let mut y = 0.5;
    for _ in 0..n {
        let h = vec![y, y * y, w[0]];
        y = (h[0] * w[1] + h[1] * h[2]).sin();
    }
    y
}

/// Length from the loop variable, an element updated in place, written by an inner loop, in a
/// `while` loop with an early `break`, and one declared in an inner loop of a carried loop.
#[allow(clippy::useless_vec, clippy::needless_range_loop, reason = "`vec!` and indexing are the shapes under test")]
#[differentiate(forward)]
fn loop_buffers(a: f64, m: usize) -> f64 {
    let mut t = a;
    let mut k = 0;
    while k < 5 {
        let mut b = vec![t; k + m];
        b[0] *= t;
        for j in 1..b.len() {
            b[j] = b[j - 1] * 0.5 + t;
        }
        for r in 0..2 {
            let c = vec![b[r], t.sin()];
            t += 0.1 * c[0] * c[1];
        }
        t = b[b.len() - 1].tanh() + t * 0.1;
        if t > 10.0 {
            break;
        }
        k += 1;
    }
    t
}

#[test]
fn buffers_declared_in_loops() {
    let w = [0.3, -0.2, 0.7];
    let x = [0.5, 1.0, -2.0, 0.1];
    let (v, g) = per_point_lse_grad(&w, &x, 3);
    assert_same_value("per_point_lse", v, per_point_lse(&w, &x, 3));
    // closed form: d/dw_j Σ_i ln Σ_j exp(w_j x_i) = Σ_i x_i softmax_j(w x_i)
    for j in 0..3 {
        let want: f64 = x
            .iter()
            .map(|xi| {
                let z: f64 = w.iter().map(|wj| (wj * xi).exp()).sum();
                xi * (w[j] * xi).exp() / z
            })
            .sum();
        assert_exact("per_point_lse, w", g[j], want);
    }
    let t = [0.25, -1.0, 0.5];
    let (tv, dt) = per_point_lse_jvp(&w, &x, 3, &t);
    assert_same_value("per_point_lse_jvp", tv, v);
    assert_exact("per_point_lse_jvp", dt, g.iter().zip(&t).map(|(a, b)| a * b).sum());

    let w2 = [0.3, 0.9];
    let (v, g) = carried_buffer_grad(&w2, 7);
    assert_same_value("carried_buffer", v, carried_buffer(&w2, 7));
    assert_fd_all("carried_buffer", |w| carried_buffer(w, 7), &w2, &g);
    let (_, dt) = carried_buffer_jvp(&w2, 7, &[1.0, 0.0]);
    assert_fd("carried_buffer_jvp", dt, fd1(|a| carried_buffer(&[a, w2[1]], 7), w2[0]));

    for (a, m) in [(0.4, 2), (-0.7, 3), (1.3, 2)] {
        let (v, da) = loop_buffers_grad(a, m);
        assert_same_value("loop_buffers", v, loop_buffers(a, m));
        assert_fd("loop_buffers", da, fd1(|a| loop_buffers(a, m), a));
        let (_, ta) = loop_buffers_jvp(a, m, 1.0);
        assert_fd("loop_buffers_jvp", ta, fd1(|a| loop_buffers(a, m), a));
    }
}
