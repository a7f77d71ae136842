//! Second order through calls (CONTRACT.md §9): a `#[differentiate(hessian)]` function that
//! calls other differentiated functions goes through their `g_hvp` companions (generated, or
//! written by hand), at the top level, in loops (taped and fused), in branches, with constant and
//! active, scalar and array arguments, and calls nested two deep.
//!
//! References the code under test does not produce: num-dual's `hessian` on a hand-written twin
//! (the callees inlined), and central differences of `f_grad`'s gradient (the reverse pass, a
//! different program). The gradient `f_hessian` returns is `f_grad`'s, bit for bit.

#![allow(clippy::ptr_arg, clippy::float_cmp, clippy::many_single_char_names, clippy::needless_range_loop)]

mod common;

use common::{assert_matrix, close, fd_hessian, mat_vec};
use gradmacro::differentiate;
use num_dual::{DualNum, HyperDual64 as H};

/// num-dual's Hessian of `twin` at `x`: entry `(i, j)` is the `ε₁ε₂` part of one evaluation in
/// hyper-dual numbers seeded with `e_i` and `e_j`.
fn num_dual_hessian(twin: impl Fn(&[H]) -> H, x: &[f64]) -> (f64, Vec<Vec<f64>>) {
    let k = x.len();
    let at = |i: usize, j: usize| -> H {
        let v: Vec<H> =
            (0..k).map(|m| H::new(x[m], f64::from(u8::from(m == i)), f64::from(u8::from(m == j)), 0.0)).collect();
        twin(&v)
    };
    let re = at(k, k).re;
    (re, (0..k).map(|i| (0..k).map(|j| at(i, j).eps1eps2).collect()).collect())
}

// ---------------------------------------------------------------- callees

#[differentiate(hessian)]
fn bump(x: f64, y: f64) -> f64 {
    x.sin() * y + x * x * y.exp()
}

fn bump_twin(x: H, y: H) -> H {
    x.sin() * y + x * x * y.exp()
}

/// Calls `bump`: three deep with the caller below.
#[differentiate(hessian)]
fn twice(x: f64, y: f64) -> f64 {
    bump(x * y, y) + bump(y, 0.5) * x
}

fn twice_twin(x: H, y: H) -> H {
    bump_twin(x * y, y) + bump_twin(y, H::from(0.5)) * x
}

/// An array argument: `w · xs` squashed, `w` and `xs` both differentiated.
#[differentiate(hessian)]
fn squash(w: &[f64], xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * xs[i];
    }
    s.tanh() * s
}

fn squash_twin(w: &[H], xs: &[H]) -> H {
    let mut s = H::from(0.0);
    for i in 0..w.len() {
        s += w[i] * xs[i];
    }
    s.tanh() * s
}

// ---------------------------------------------------------------- callers

/// Top level, a constant argument, a call nested in a call's argument.
#[differentiate(hessian)]
fn top(a: f64, b: f64) -> f64 {
    let u = bump(a, b) * 0.25;
    twice(u, a - b) + bump(2.0, a)
}

fn top_twin(v: &[H]) -> H {
    let (a, b) = (v[0], v[1]);
    let u = bump_twin(a, b) * 0.25;
    twice_twin(u, a - b) + bump_twin(H::from(2.0), a)
}

/// In a carried loop (taped), in a branch, with an inactive argument.
#[differentiate(hessian, wrt(w, t))]
fn looped(w: &[f64], t: f64, k: f64) -> f64 {
    let mut acc = t;
    for i in 0..w.len() {
        acc = if w[i] > 0.0 { bump(acc, w[i]) * 0.1 } else { bump(w[i], k) + acc };
    }
    acc * t
}

fn looped_twin(v: &[H], k: f64) -> H {
    let n = v.len() - 1;
    let (w, t) = (&v[..n], v[n]);
    let mut acc = t;
    for i in 0..n {
        acc = if w[i].re > 0.0 { bump_twin(acc, w[i]) * 0.1 } else { bump_twin(w[i], H::from(k)) + acc };
    }
    acc * t
}

/// Array arguments: an active parameter, an active local array, constant data.
#[differentiate(hessian, wrt(w, a))]
fn arrays(w: &[f64], a: f64, data: &[f64]) -> f64 {
    let h = [a * w[0], a + w[1], w[2].sin()];
    squash(w, &h) + squash(&h, data) * a
}

fn arrays_twin(v: &[H], data: &[f64]) -> H {
    let (w, a) = (&v[..3], v[3]);
    let h = [a * w[0], a + w[1], w[2].sin()];
    let data: Vec<H> = data.iter().map(|&x| H::from(x)).collect();
    squash_twin(w, &h) + squash_twin(&h, &data) * a
}

/// A call in a loop that does not carry a value (fused: each iteration's backward right after
/// its forward), and a hand-written `g_hvp` (`cube`) beside generated ones.
#[differentiate(hessian)]
fn fused(xs: &[f64], s: f64) -> f64 {
    let mut total = 0.0;
    for &x in xs {
        total += bump(x, s) + cube(x * s);
    }
    total
}

fn fused_twin(v: &[H]) -> H {
    let n = v.len() - 1;
    let s = v[n];
    let mut total = H::from(0.0);
    for &x in &v[..n] {
        total += bump_twin(x, s) + (x * s).powi(3);
    }
    total
}

fn cube(x: f64) -> f64 {
    x * x * x
}

/// Hand-written companions: `f_grad` needs `cube_grad`, `f_hvp` needs `cube_hvp`.
fn cube_grad(x: f64) -> (f64, f64) {
    (x * x * x, 3.0 * x * x)
}

fn cube_hvp(x: f64, v: f64) -> (f64, f64, f64) {
    (x * x * x, 3.0 * x * x, 6.0 * x * v)
}

// ---------------------------------------------------------------- tests

#[test]
fn top_level_calls() {
    for &(a, b) in &[(0.3, -0.7), (1.1, 0.4), (-0.9, 0.2)] {
        let (value, ga, gb, h) = top_hessian(a, b);
        assert_eq!(value.to_bits(), top(a, b).to_bits());
        assert_eq!(
            (ga, gb),
            {
                let (_, x, y) = top_grad(a, b);
                (x, y)
            },
            "gradient is f_grad's"
        );
        let (re, reference) = num_dual_hessian(top_twin, &[a, b]);
        assert!(close(re, value, 1e-14));
        let h: Vec<Vec<f64>> = h.iter().map(|r| r.to_vec()).collect();
        assert_matrix("top vs num-dual", &h, &reference, 1e-12);
        let fd = fd_hessian(
            |p| {
                let (_, x, y) = top_grad(p[0], p[1]);
                vec![x, y]
            },
            &[a, b],
        );
        assert_matrix("top vs differences", &h, &fd, 1e-6);
        let (_, _, _, hva, hvb) = top_hvp(a, b, 0.5, -1.5);
        let hv = mat_vec(&reference, &[0.5, -1.5]);
        assert!(close(hva, hv[0], 1e-12) && close(hvb, hv[1], 1e-12), "H·v {hva} {hvb} vs {hv:?}");
    }
}

#[test]
fn calls_in_a_carried_loop_and_branches() {
    for (w, t, k) in [(vec![0.3, -0.4, 0.8], 0.7, 0.2), (vec![-0.1, -0.6], -0.3, 1.3), (vec![0.5], 1.2, -0.4)] {
        let (value, gw, gt, h) = looped_hessian(&w, t, k);
        assert_eq!(value.to_bits(), looped(&w, t, k).to_bits());
        let (_, rw, rt) = looped_grad(&w, t, k);
        assert_eq!((gw, gt), (rw, rt), "gradient is f_grad's");
        let mut x = w.clone();
        x.push(t);
        let (re, reference) = num_dual_hessian(|v| looped_twin(v, k), &x);
        assert!(close(re, value, 1e-14));
        assert_matrix("looped vs num-dual", &h, &reference, 1e-12);
        let n = w.len();
        let fd = fd_hessian(
            |p| {
                let (_, gw, gt) = looped_grad(&p[..n], p[n], k);
                gw.into_iter().chain([gt]).collect()
            },
            &x,
        );
        assert_matrix("looped vs differences", &h, &fd, 1e-5);
    }
}

#[test]
fn array_arguments() {
    let data = [0.4, -1.2, 0.9];
    for (w, a) in [([0.3, -0.5, 1.1], 0.6), ([-0.8, 0.2, 0.4], -1.3)] {
        let (value, gw, ga, h) = arrays_hessian(&w, a, &data);
        assert_eq!(value.to_bits(), arrays(&w, a, &data).to_bits());
        let (_, rw, ra) = arrays_grad(&w, a, &data);
        assert_eq!((gw, ga), (rw, ra), "gradient is f_grad's");
        let mut x = w.to_vec();
        x.push(a);
        let (re, reference) = num_dual_hessian(|v| arrays_twin(v, &data), &x);
        assert!(close(re, value, 1e-14));
        assert_matrix("arrays vs num-dual", &h, &reference, 1e-12);
        let fd = fd_hessian(
            |p| {
                let (_, gw, ga) = arrays_grad(&p[..3], p[3], &data);
                gw.into_iter().chain([ga]).collect()
            },
            &x,
        );
        assert_matrix("arrays vs differences", &h, &fd, 1e-5);
        // H·v with a direction over both parameters.
        let v = [0.2, -0.7, 0.5, 1.1];
        let (_, _, _, hvw, hva) = arrays_hvp(&w, a, &data, v[..3].to_vec(), v[3]);
        let hv = mat_vec(&reference, &v);
        for (i, got) in hvw.iter().chain([&hva]).enumerate() {
            assert!(close(*got, hv[i], 1e-12), "H·v[{i}] = {got:e}, reference {:e}", hv[i]);
        }
    }
}

#[test]
fn fused_loop_and_hand_written_companion() {
    for (xs, s) in [(vec![0.3, -0.4, 0.8, 1.5], 0.7), (vec![-1.1], -0.3)] {
        let (value, gxs, gs, h) = fused_hessian(&xs, s);
        assert_eq!(value.to_bits(), fused(&xs, s).to_bits());
        let (_, rxs, rs) = fused_grad(&xs, s);
        assert_eq!((gxs, gs), (rxs, rs), "gradient is f_grad's");
        let mut x = xs.clone();
        x.push(s);
        let (re, reference) = num_dual_hessian(fused_twin, &x);
        assert!(close(re, value, 1e-14));
        assert_matrix("fused vs num-dual", &h, &reference, 1e-12);
    }
}

// ---------------------------------------------------------------- regression

#[differentiate(hessian)]
fn pick(x: f64, s: &[f64], w: [f64; 3]) -> f64 {
    x * w[0] + w[1] * x.sin() + s[0] * w[2]
}

/// Found by the oracle (seed 20261216, p863; older than forward mode): a constant array argument
/// whose elements read a differentiated value through an integer cast. The dual program built
/// the argument's zero tangent from its tokens with `x` a dual (`x.abs()`: no such method); it
/// reads the value parts now, as the argument itself does.
#[differentiate(wrt(x), hessian)]
fn picks(x: f64, s: &[f64], w: [f64; 3]) -> f64 {
    pick(x * x, s, [w[0], s[(x.abs() as usize) % s.len()], 0.5])
}

#[test]
fn a_constant_array_argument_reading_a_differentiated_value_through_a_cast() {
    let s = [0.5, -1.0, 2.0];
    for x in [1.3_f64, 0.4, 2.2] {
        let k = s[(x.abs() as usize) % s.len()];
        // f = x² + k sin(x²) + 0.5 s₀
        let (v, dx, hx) = picks_hvp(x, &s, [1.0, 7.0, 7.0], 1.0);
        assert_eq!(v.to_bits(), picks(x, &s, [1.0, 7.0, 7.0]).to_bits());
        let (x2, c, sn) = (x * x, (x * x).cos(), (x * x).sin());
        assert!(close(dx, 2.0 * x + k * c * 2.0 * x, 1e-12), "x = {x}: d/dx {dx}");
        assert!(close(hx, 2.0 + k * (2.0 * c - 4.0 * x2 * sn), 1e-12), "x = {x}: d²/dx² {hx}");
    }
}
