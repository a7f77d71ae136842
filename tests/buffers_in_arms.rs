//! Buffers (`vec!`, `Vec::with_capacity` + `push`, `.collect()`) declared inside an `if` or
//! `match` arm of a loop body, or after a `continue` (issue 12), against a closed form and
//! central finite differences; `f_jvp` against a directional difference of `f` and `f_hessian`
//! against central differences of `f_grad`.

#![allow(
    clippy::useless_vec,
    clippy::vec_init_then_push,
    clippy::needless_range_loop,
    reason = "`vec!` and `push` buffers in arms, and indexed loops, are what is tested"
)]

mod common;

use common::{assert_exact, assert_fd, assert_fd_all, assert_matrix, assert_same_value, fd_hessian};
use gradmacro::differentiate;

const X: [f64; 6] = [1.1, -2.0, 0.5, 0.7, -0.2, 0.3];
const W: f64 = 0.3;
const VX: [f64; 6] = [0.3, -0.1, 0.2, 0.5, 0.1, -0.4];
const VW: f64 = 0.7;

/// A buffer in one arm of a carried loop, the other arm without one.
#[differentiate(forward, hessian)]
fn in_an_arm(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            let mut h = vec![0.0; 2];
            h[0] = x[i] * w;
            h[1] = h[0].sin();
            s += h[0] * h[1];
        } else {
            s += x[i] * w;
        }
    }
    s
}

/// One kind of buffer per `match` arm, read by an iterator chain, by index, and a collected one
/// that reads the whole parameter.
#[differentiate(forward, hessian)]
fn in_match_arms(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate() {
        match i % 3 {
            0 => {
                let h = vec![xi * w; i + 1];
                s += h.iter().map(|v| v * v).sum::<f64>();
            }
            1 => {
                let mut h = Vec::with_capacity(2);
                h.push(xi.sin());
                h.push(w * h[0]);
                s += h[1] * s.cos();
            }
            _ => {
                let k: Vec<f64> = x.iter().map(|v| v * w).collect();
                s = s * 0.5 + k[i] * k[0];
            }
        }
    }
    s
}

/// An arm inside an arm; the loop body does nothing when neither is taken.
#[differentiate(forward, hessian)]
fn in_nested_arms(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for xi in x {
        if *xi > -1.0 {
            if *xi < 1.0 {
                let mut h = vec![*xi; 3];
                h[1] *= w;
                h[2] = h[1] * h[0];
                s += h[2] + h[1].exp();
            } else {
                s *= xi * w;
            }
        }
    }
    s
}

/// After a `continue`, the rest of the body is an arm.
#[differentiate(forward, hessian)]
fn after_continue(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for xi in x {
        if *xi < 0.0 {
            continue;
        }
        let mut h = vec![0.0; 2];
        h[0] = xi * w;
        h[1] = h[0] * s;
        s += h[0] + h[1].tanh();
    }
    s
}

/// In a `while` loop with a `break`: the arm's buffers are written and read by inner loops
/// (by index, pushed, zipped), the other arm collects one.
#[differentiate(forward, hessian)]
fn with_inner_loops(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    while k < x.len() {
        if x[k] > 0.0 {
            let mut h = vec![0.0; x.len()];
            for j in 0..x.len() {
                h[j] = x[j] * w + s * h[(j + 1) % x.len()];
            }
            let mut t = Vec::new();
            for v in &h {
                t.push(v.sin());
            }
            s += h.iter().zip(t.iter()).map(|(a, b)| a * b).sum::<f64>();
            if s > 10.0 {
                break;
            }
        } else {
            let m: Vec<f64> = (0..3).map(|j| x[j] * s).collect();
            s -= m[2] * w;
        }
        k += 1;
    }
    s
}

/// The ui tests' two shapes that were rejected, kept as they were written there.
#[differentiate(wrt(w), forward, hessian)]
fn collected_in_an_arm(w: f64, data: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        if i > 0 {
            let kept: Vec<f64> = data.iter().filter(|x| **x > 0.0).map(|x| x * w).collect();
            s += kept[0] * kept[kept.len() - 1];
        }
    }
    s
}

#[differentiate(wrt(w), forward, hessian)]
fn pushed_in_an_arm(w: f64, data: &[f64]) -> f64 {
    let mut s = 0.0;
    for x in data {
        if *x > 0.0 {
            let mut kept = Vec::with_capacity(2);
            kept.push(x * w);
            kept.push(kept[0] * s);
            s += kept[0] + kept[1].sin();
        }
    }
    s
}

/// Checkpointed loops (`checkpoint` keeps the plain tape for loops that write a local array).
#[differentiate(checkpoint)]
fn checkpointed(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    loop {
        if k >= x.len() {
            break;
        }
        if x[k] > 0.0 {
            let mut h = vec![0.0; 2];
            h[0] = x[k] * w + s;
            h[1] = h[0].sin();
            s += h[0] * h[1];
        }
        k += 1;
    }
    s
}

type Grad = fn(&[f64], f64) -> (f64, Vec<f64>, f64);
type Jvp = fn(&[f64], f64, &[f64], f64) -> (f64, f64);
type Hessian = fn(&[f64], f64) -> (f64, Vec<f64>, f64, Vec<Vec<f64>>);

fn joined(x: &[f64], w: f64) -> Vec<f64> {
    let mut p = x.to_vec();
    p.push(w);
    p
}

/// `f_grad` against `f` and finite differences, `f_jvp` against a directional difference of
/// `f`, `f_hessian` against central differences of `f_grad`.
fn check(what: &str, f: fn(&[f64], f64) -> f64, grad: Grad, jvp: Jvp, hessian: Hessian) {
    let n = X.len();
    let (v, dx, dw) = grad(&X, W);
    assert_same_value(what, v, f(&X, W));
    assert_fd_all(what, |p| f(&p[..n], p[n]), &joined(&X, W), &joined(&dx, dw));
    let (jv, dot) = jvp(&X, W, &VX, VW);
    assert_same_value(what, jv, v);
    let along = |e: f64| f(&X.iter().zip(&VX).map(|(x, t)| x + e * t).collect::<Vec<_>>(), W + e * VW);
    assert_fd(&format!("{what}, jvp"), dot, common::fd1(along, 0.0));
    let (hv, hdx, hdw, h) = hessian(&X, W);
    assert_same_value(what, hv, v);
    assert_eq!(joined(&hdx, hdw), joined(&dx, dw), "{what}: f_hessian's gradient is f_grad's");
    let reference = fd_hessian(
        |p| {
            let (_, dx, dw) = grad(&p[..n], p[n]);
            joined(&dx, dw)
        },
        &joined(&X, W),
    );
    assert_matrix(what, &h, &reference, 1e-6);
}

/// The companions of a function of `(x: &[f64], w: f64)` with `hessian`, adapted to [`check`].
macro_rules! check {
    ($f:ident, $grad:ident, $jvp:ident, $hessian:ident) => {
        check(
            stringify!($f),
            $f,
            $grad,
            |x, w, vx, vw| $jvp(x, w, vx, vw),
            |x, w| {
                let (v, dx, dw, h) = $hessian(x, w);
                (v, dx, dw, h)
            },
        )
    };
}

#[test]
fn a_buffer_in_an_arm_against_its_closed_form() {
    let (_, dx, dw) = in_an_arm_grad(&X, W);
    // s = Σ_{x > 0} u sin u + Σ_{x <= 0} x w with u = x w: ds/du = sin u + u cos u.
    let mut want_dw = 0.0;
    for (i, &x) in X.iter().enumerate() {
        let u = x * W;
        let (dxi, dwi) = if x > 0.0 { (W * (u.sin() + u * u.cos()), x * (u.sin() + u * u.cos())) } else { (W, x) };
        assert_exact("in_an_arm, x", dx[i], dxi);
        want_dw += dwi;
    }
    assert_exact("in_an_arm, w", dw, want_dw);
}

#[test]
fn buffers_in_arms_of_loops() {
    check!(in_an_arm, in_an_arm_grad, in_an_arm_jvp, in_an_arm_hessian);
    check!(in_match_arms, in_match_arms_grad, in_match_arms_jvp, in_match_arms_hessian);
    check!(in_nested_arms, in_nested_arms_grad, in_nested_arms_jvp, in_nested_arms_hessian);
    check!(after_continue, after_continue_grad, after_continue_jvp, after_continue_hessian);
    check!(with_inner_loops, with_inner_loops_grad, with_inner_loops_jvp, with_inner_loops_hessian);
}

#[test]
fn collected_and_pushed_in_arms_of_loops() {
    for (f, grad) in [
        (collected_in_an_arm as fn(f64, &[f64]) -> f64, collected_in_an_arm_grad as fn(f64, &[f64]) -> (f64, f64)),
        (pushed_in_an_arm, pushed_in_an_arm_grad),
    ] {
        let (v, dw) = grad(W, &X);
        assert_same_value("arm", v, f(W, &X));
        assert_fd("arm, w", dw, common::fd1(|w| f(w, &X), W));
    }
    // Closed forms: collected: w² Σ... = (x₀ w)(x_last w) over the positive data.
    let pos: Vec<f64> = X.iter().copied().filter(|x| *x > 0.0).collect();
    let (_, dw) = collected_in_an_arm_grad(W, &X);
    assert_exact("collected, w", dw, 2.0 * W * pos[0] * pos[pos.len() - 1]);
    let (_, dw, h) = {
        let (v, dw, h) = collected_in_an_arm_hessian(W, &X);
        (v, dw, h)
    };
    assert_exact("collected, w", dw, 2.0 * W * pos[0] * pos[pos.len() - 1]);
    assert_exact("collected, w, hessian", h[0][0], 2.0 * pos[0] * pos[pos.len() - 1]);
    let (_, d) = pushed_in_an_arm_jvp(W, &X, 1.0);
    assert_fd("pushed, jvp", d, common::fd1(|w| pushed_in_an_arm(w, &X), W));
}

#[test]
fn checkpointed_loop_with_a_buffer_in_an_arm() {
    let n = X.len();
    let (v, dx, dw) = checkpointed_grad(&X, W);
    assert_same_value("checkpointed", v, checkpointed(&X, W));
    assert_fd_all("checkpointed", |p| checkpointed(&p[..n], p[n]), &joined(&X, W), &joined(&dx, dw));
}
