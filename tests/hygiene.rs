//! Hygiene (CONTRACT.md §6): the generated code's identifiers never collide with the user's.
//! Parameters, locals, loop variables and functions named like anything the macro might generate
//! (`d_a`, `grad`, `value`, `d_out`, `__t0`, `__v0`, `__d0`, `__s0`, `__tape0`, `__it0`, ...) and
//! shadowing across branches and loops must still compile and give the right gradients, checked
//! against central finite differences of the original function and closed forms.

#![allow(clippy::used_underscore_binding, reason = "the point is to use names like `__t0`")]

use approx::relative_eq;
use gradmacro::check::numerical_gradient;
use gradmacro::differentiate;

fn assert_same_bits(what: &str, from_grad: f64, from_f: f64) {
    assert_eq!(from_grad.to_bits(), from_f.to_bits(), "{what}: value {from_grad:e} from _grad, {from_f:e} from f");
}

/// A gradient against central finite differences of `f` at `x`.
fn assert_fd(what: &str, f: impl Fn(&[f64]) -> f64, x: &[f64], got: &[f64]) {
    let want = numerical_gradient(f, x);
    assert_eq!(got.len(), want.len(), "{what}: gradient length");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            relative_eq!(*g, *w, epsilon = 1e-7, max_relative = 1e-6),
            "{what}: component {i} at {x:?}: gradient {g:e}, finite differences {w:e}"
        );
    }
}

/// A gradient against a closed form: equal up to rounding.
fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: gradient length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            relative_eq!(*g, *w, epsilon = 1e-13, max_relative = 1e-11),
            "{what}: component {i}: gradient {g:e}, closed form {w:e}"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Parameters named like generated identifiers.

#[differentiate]
fn params_like_names(d_a: f64, grad: f64, value: f64, d_out: f64, __t0: f64) -> f64 {
    d_a * grad + value.sin() * d_out - __t0 * __t0 / d_a
}

#[test]
fn parameters_named_d_a_grad_value_d_out_t0() {
    let p = [1.5, -0.7, 0.4, 2.0, 0.3];
    let (v, g0, g1, g2, g3, g4) = params_like_names_grad(p[0], p[1], p[2], p[3], p[4]);
    assert_same_bits("params_like_names", v, params_like_names(p[0], p[1], p[2], p[3], p[4]));
    let want = [p[1] + p[4] * p[4] / (p[0] * p[0]), p[0], p[2].cos() * p[3], p[2].sin(), -2.0 * p[4] / p[0]];
    let got = [g0, g1, g2, g3, g4];
    assert_close("params_like_names", &got, &want);
    assert_fd("params_like_names", |q| params_like_names(q[0], q[1], q[2], q[3], q[4]), &p, &got);
}

#[differentiate]
fn params_like_slots(__v0: f64, __d0: f64, __s0: f64, __a0: f64, __g0: f64, tmp: f64, adj: f64) -> f64 {
    let __v1 = __v0 * __d0 + __s0.exp();
    let __d1 = __a0 * __g0 - tmp;
    __v1 * __d1 + adj.powi(3)
}

#[test]
fn parameters_named_v0_d0_s0_a0_g0_tmp_adj() {
    let p = [0.5, -1.25, 0.3, 2.0, 0.75, -0.4, 1.1];
    let f = |q: &[f64]| params_like_slots(q[0], q[1], q[2], q[3], q[4], q[5], q[6]);
    let (v, g0, g1, g2, g3, g4, g5, g6) = params_like_slots_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    assert_same_bits("params_like_slots", v, f(&p));
    let v1 = p[0] * p[1] + p[2].exp();
    let d1 = p[3] * p[4] - p[5];
    let want = [p[1] * d1, p[0] * d1, p[2].exp() * d1, v1 * p[4], v1 * p[3], -v1, 3.0 * p[6] * p[6]];
    let got = [g0, g1, g2, g3, g4, g5, g6];
    assert_close("params_like_slots", &got, &want);
    assert_fd("params_like_slots", f, &p, &got);
}

/// A carried loop (which keeps a tape) over a slice parameter named `__tape0`, with an iterator
/// loop over `__it0`, and scalar parameters `__n0`, `__ds0`, `__g2`.
#[differentiate]
fn params_like_tape(__tape0: &[f64], __it0: &[f64], __n0: f64, __ds0: f64, __g2: f64) -> f64 {
    let mut y = __n0;
    for &__v0 in __tape0 {
        y = (y * __v0).sin() + __ds0;
    }
    let mut s = 0.0;
    for x in __it0 {
        s += x * x * __g2;
    }
    y * s
}

#[test]
fn parameters_named_tape_it_n() {
    let tape = [0.9, -1.2, 0.5];
    let it = [0.3, -0.6];
    let (n, ds, g2) = (0.8, 0.1, 1.7);
    let (v, gt, gi, dn, dds, dg2) = params_like_tape_grad(&tape, &it, n, ds, g2);
    assert_same_bits("params_like_tape", v, params_like_tape(&tape, &it, n, ds, g2));
    let mut all = tape.to_vec();
    all.extend(it);
    all.extend([n, ds, g2]);
    let mut got = gt.clone();
    got.extend(&gi);
    got.extend([dn, dds, dg2]);
    assert_fd("params_like_tape", |q| params_like_tape(&q[..3], &q[3..5], q[5], q[6], q[7]), &all, &got);
}

// ------------------------------------------------------------------------------------------------
// Locals and loop variables named like generated identifiers.

#[differentiate]
fn locals_like_internals(x: f64, w: &[f64]) -> f64 {
    let mut __s0 = x;
    let mut __v3 = 0.0;
    for &__it0 in w {
        let __d0 = __it0 * __s0;
        __s0 = __d0.sin() + x;
        __v3 += __d0;
    }
    let __tape0 = __s0 * __v3;
    let grad = __tape0 + 1.0;
    let value = grad * x;
    let d_out = value - __s0;
    let __v4 = d_out * d_out;
    let __g0 = [__v4, x];
    __g0[0] + __g0[1] * __v4
}

#[test]
fn locals_named_like_internals() {
    let w = [0.4, -0.9, 1.3, 0.2];
    for x in [-0.8, 0.35, 1.4] {
        let (v, dx, dw) = locals_like_internals_grad(x, &w);
        assert_same_bits("locals_like_internals", v, locals_like_internals(x, &w));
        let mut all = vec![x];
        all.extend(w);
        let mut got = vec![dx];
        got.extend(&dw);
        assert_fd("locals_like_internals", |q| locals_like_internals(q[0], &q[1..]), &all, &got);
    }
}

/// Loop variables `__v0`, `__d0` over a zip, a tuple pattern with `__a0`, `__n0`.
#[differentiate]
fn loop_vars_like_internals(a: &[f64], b: &[f64], k: f64) -> f64 {
    let mut __n0 = 0.0;
    for (__v0, __d0) in a.iter().zip(b.iter()) {
        let (__a0, __t0) = (__v0 * k, __d0 * __d0);
        __n0 += __a0 * __t0;
    }
    let mut tmp = 1.0;
    for (adj, __s0) in a.iter().enumerate() {
        tmp *= __s0 + adj as f64 * k;
    }
    __n0 + tmp
}

#[test]
fn loop_variables_named_like_internals() {
    let a = [0.5, -1.0, 0.25];
    let b = [2.0, 0.3, -0.7];
    let k = 0.6;
    let (v, ga, gb, dk) = loop_vars_like_internals_grad(&a, &b, k);
    assert_same_bits("loop_vars_like_internals", v, loop_vars_like_internals(&a, &b, k));
    // closed form: Σ a_i k b_i² + Π (a_i + i k)
    let t = [a[0], a[1] + k, a[2] + 2.0 * k];
    let prod = t[0] * t[1] * t[2];
    let want_a: Vec<f64> = (0..3).map(|i| k * b[i] * b[i] + prod / t[i]).collect();
    let want_b: Vec<f64> = (0..3).map(|i| 2.0 * a[i] * k * b[i]).collect();
    let want_k = (0..3).map(|i| a[i] * b[i] * b[i]).sum::<f64>() + t[0] * t[2] + 2.0 * t[0] * t[1];
    assert_close("loop_vars_like_internals, a", &ga, &want_a);
    assert_close("loop_vars_like_internals, b", &gb, &want_b);
    assert_close("loop_vars_like_internals, k", &[dk], &[want_k]);
}

// ------------------------------------------------------------------------------------------------
// Functions named like generated identifiers, calling each other.

#[differentiate]
fn grad(value: f64) -> f64 {
    value * value.cos()
}

#[differentiate]
fn value(grad: f64, d_out: f64) -> f64 {
    // the parameter `grad` shadows the function `grad`: call it by path
    self::grad(grad * d_out) + crate::grad(d_out)
}

#[differentiate]
fn d_out(d_a: f64) -> f64 {
    let grad_grad = 0.5;
    value(d_a, d_a * grad_grad) * grad_grad
}

#[test]
fn functions_named_grad_value_d_out() {
    let dg = |t: f64| t.cos() - t * t.sin();
    for (x, y) in [(0.4, -1.2), (1.1, 0.7)] {
        let (v, dx, dy) = value_grad(x, y);
        assert_same_bits("value", v, value(x, y));
        assert_close("value", &[dx, dy], &[dg(x * y) * y, dg(x * y) * x + dg(y)]);
        assert_fd("value", |q| value(q[0], q[1]), &[x, y], &[dx, dy]);
        let (v, d) = d_out_grad(x);
        assert_same_bits("d_out", v, d_out(x));
        assert_fd("d_out", |q| d_out(q[0]), &[x], &[d]);
    }
}

// ------------------------------------------------------------------------------------------------
// Shadowing across branches and loops.

#[differentiate]
fn shadow_in_if_arms(x: f64, y: f64) -> f64 {
    let z = if y > 0.0 {
        let x = x * 2.0;
        let y = y + x;
        x * y
    } else {
        let x = x.sin();
        x - y
    };
    // the parameters again, not the shadows of the arms
    z + x * y
}

#[test]
fn shadowing_inside_if_arms() {
    for (x, y) in [(0.7, 1.5), (0.7, -1.5), (-1.2, 0.4), (2.0, -0.3)] {
        let (v, dx, dy) = shadow_in_if_arms_grad(x, y);
        assert_same_bits("shadow_in_if_arms", v, shadow_in_if_arms(x, y));
        // y > 0: 2x (y + 2x) + xy; else: sin x - y + xy
        let want = if y > 0.0 { [2.0 * y + 8.0 * x + y, 2.0 * x + x] } else { [x.cos() + y, -1.0 + x] };
        assert_close("shadow_in_if_arms", &[dx, dy], &want);
        assert_fd("shadow_in_if_arms", |q| shadow_in_if_arms(q[0], q[1]), &[x, y], &[dx, dy]);
    }
}

#[differentiate]
fn shadow_in_loop_body(x: f64, p: f64, w: &[f64]) -> f64 {
    let mut y = x;
    for &wi in w {
        let x = x * 2.0;
        let p = p * wi;
        y = y * p + x;
    }
    y + x + p
}

#[test]
fn shadowing_inside_a_loop_body() {
    let w = [0.5, -1.5, 0.8];
    for (x, p) in [(0.3, 1.2), (-0.9, 0.4)] {
        let (v, dx, dp, dw) = shadow_in_loop_body_grad(x, p, &w);
        assert_same_bits("shadow_in_loop_body", v, shadow_in_loop_body(x, p, &w));
        // y_{i+1} = y_i p w_i + 2x: closed form by forward mode
        let (mut y, mut yx, mut yp) = (x, 1.0, 0.0);
        for &wi in &w {
            yp = yp * p * wi + y * wi;
            yx = yx * p * wi + 2.0;
            y = y * p * wi + 2.0 * x;
        }
        assert_close("shadow_in_loop_body, x and p", &[dx, dp], &[yx + 1.0, yp + 1.0]);
        let mut all = vec![x, p];
        all.extend(w);
        let mut got = vec![dx, dp];
        got.extend(&dw);
        assert_fd("shadow_in_loop_body", |q| shadow_in_loop_body(q[0], q[1], &q[2..]), &all, &got);
    }
}

/// The loop variable shadows a parameter; the parameter is used again after the loop.
#[differentiate]
fn loop_var_shadows_param(x: f64, xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for x in xs {
        s += x * x;
    }
    for &x in xs {
        s += x.sin();
    }
    s * x
}

#[test]
fn loop_variable_shadowing_a_parameter() {
    let xs = [0.2, -0.5, 1.1];
    let x = 1.7;
    let (v, dx, gxs) = loop_var_shadows_param_grad(x, &xs);
    assert_same_bits("loop_var_shadows_param", v, loop_var_shadows_param(x, &xs));
    let s: f64 = xs.iter().map(|t| t * t + t.sin()).sum();
    let want_xs: Vec<f64> = xs.iter().map(|t| (2.0 * t + t.cos()) * x).collect();
    assert_close("loop_var_shadows_param, x", &[dx], &[s]);
    assert_close("loop_var_shadows_param, xs", &gxs, &want_xs);
}

/// An index loop variable shadows a float parameter: inside, `x` is an integer.
#[differentiate]
fn index_shadows_float_param(x: f64, w: &[f64]) -> f64 {
    let mut s = x;
    for (x, wx) in w.iter().enumerate() {
        s = s * wx + x as f64;
    }
    s * x
}

#[test]
fn integer_loop_variable_shadowing_a_float_parameter() {
    let w = [0.5, 2.0, -0.25];
    let x = 1.3;
    let (v, dx, gw) = index_shadows_float_param_grad(x, &w);
    assert_same_bits("index_shadows_float_param", v, index_shadows_float_param(x, &w));
    let mut all = vec![x];
    all.extend(w);
    let mut got = vec![dx];
    got.extend(&gw);
    assert_fd("index_shadows_float_param", |q| index_shadows_float_param(q[0], &q[1..]), &all, &got);
    // s = ((x w0 + 0) w1 + 1) w2 + 2; value s x
    let s = ((x * w[0]) * w[1] + 1.0) * w[2] + 2.0;
    assert_close("index_shadows_float_param, x", &[dx], &[s + x * w[0] * w[1] * w[2]]);
}

/// Shadowing in nested blocks, a shadow that changes type, and a mutable shadow in a loop.
#[differentiate]
fn nested_shadows(x: f64, n: usize) -> f64 {
    let y = {
        let x = x * x;
        {
            let x = x + 1.0;
            x.ln()
        }
    };
    let k = {
        let x = n;
        x as f64
    };
    let mut acc = 0.0;
    for _ in 0..n {
        let mut x = x;
        x *= acc + 1.0;
        acc += x;
    }
    y * k + acc + x
}

#[test]
fn shadowing_in_nested_blocks_and_mutable_shadows() {
    for (x, n) in [(0.6, 3), (-1.4, 2), (0.9, 0)] {
        let (v, dx) = nested_shadows_grad(x, n);
        assert_same_bits("nested_shadows", v, nested_shadows(x, n));
        assert_fd("nested_shadows", |q| nested_shadows(q[0], n), &[x], &[dx]);
    }
    // n = 2: acc1 = x, acc2 = x + x (x + 1) = x² + 2x; value 2 ln(x² + 1) + x² + 2x + x
    let x = 0.6;
    let (_, dx) = nested_shadows_grad(x, 2);
    assert_close("nested_shadows n = 2", &[dx], &[4.0 * x / (x * x + 1.0) + 2.0 * x + 3.0]);
}

/// A parameter shadowed by a `let` before a loop that keeps a tape and recomputes: the backward
/// pass must use the shadow, not the parameter.
#[differentiate]
fn shadow_before_carried_loop(p: f64, y0: f64, n: usize) -> f64 {
    let p = p * 3.0;
    let mut y = y0;
    for _ in 0..n {
        y = (y * p).sin();
    }
    let y0 = y * 2.0;
    y0 + p
}

#[test]
fn shadowing_a_parameter_before_a_carried_loop() {
    for (p, y0) in [(0.4, 0.9), (-0.7, 1.3)] {
        let (v, dp, dy0) = shadow_before_carried_loop_grad(p, y0, 4);
        assert_same_bits("shadow_before_carried_loop", v, shadow_before_carried_loop(p, y0, 4));
        let (mut y, mut yp, mut yy) = (y0, 0.0, 1.0);
        for _ in 0..4 {
            let c = (y * 3.0 * p).cos();
            yp = c * (yp * 3.0 * p + 3.0 * y);
            yy = c * yy * 3.0 * p;
            y = (y * 3.0 * p).sin();
        }
        assert_close("shadow_before_carried_loop", &[dp, dy0], &[2.0 * yp + 3.0, 2.0 * yy]);
        assert_fd("shadow_before_carried_loop", |q| shadow_before_carried_loop(q[0], q[1], 4), &[p, y0], &[dp, dy0]);
    }
}

// ------------------------------------------------------------------------------------------------
// Names of companions.

/// A local named like the companion of a called function: `f_grad` calls `sig_grad(x)`.
#[differentiate]
fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[differentiate]
fn local_named_like_companion(x: f64) -> f64 {
    let sig_grad = 2.0;
    sig(x) * sig_grad
}

/// A function whose parameter has the function's own name.
#[differentiate]
fn twice(twice: f64) -> f64 {
    twice * twice.exp()
}

/// Parameters named like the crates and types the generated code refers to.
#[differentiate]
fn crate_names(gradmacro: &[f64], std: f64, core: f64, f64: f64) -> f64 {
    gradmacro[0] * std * core + f64 * gradmacro[1]
}

#[test]
fn names_of_companions_crates_and_the_function_itself() {
    let (v, dx) = local_named_like_companion_grad(0.3);
    assert_same_bits("local_named_like_companion", v, local_named_like_companion(0.3));
    let s = 1.0 / (1.0 + (-0.3_f64).exp());
    assert_close("local_named_like_companion", &[dx], &[2.0 * s * (1.0 - s)]);

    let (v, d) = twice_grad(0.8);
    assert_same_bits("twice", v, twice(0.8));
    assert_close("twice", &[d], &[0.8_f64.exp() * 1.8]);

    let g = [1.5, -0.5];
    let (v, dg, ds, dc, df) = crate_names_grad(&g, 2.0, 3.0, 4.0);
    assert_same_bits("crate_names", v, crate_names(&g, 2.0, 3.0, 4.0));
    assert_close("crate_names", &[dg[0], dg[1], ds, dc, df], &[6.0, 4.0, 4.5, 3.0, -0.5]);
}
