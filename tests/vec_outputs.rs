//! Issue 13: `Vec<F>` outputs (CONTRACT.md §8). A function returning `Vec<F>` gets
//! `f_vjp(args.., seed: Vec<F>) -> (value, seedᵀ·J per parameter)` and
//! `f_jacobian(args..) -> (value, J per parameter)`, `J_p: Vec<G_p>` with one row per output.
//!
//! Expected values come from closed forms written here, from central finite differences of the
//! original functions and from num-dual's forward mode; never from the code under test. Values
//! are checked bit for bit against the original functions.

// Index loops written as users write them against closed forms.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{assert_exact, assert_fd, fd};
use gradmacro::differentiate;

fn same_bits(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.to_bits(), w.to_bits(), "{what}: component {i}: {g:e} from the companion, {w:e} from f");
    }
}

/// Rows of a Jacobian against central differences of `f: R^m -> R^n` at `x`.
fn assert_jacobian_fd(what: &str, f: impl Fn(&[f64]) -> Vec<f64>, x: &[f64], got: &[Vec<f64>]) {
    let n = f(x).len();
    assert_eq!(got.len(), n, "{what}: rows");
    for (i, row) in got.iter().enumerate() {
        let want = fd(|p| f(p)[i], x);
        assert_eq!(row.len(), want.len(), "{what}: row {i} length");
        for (j, (a, b)) in row.iter().zip(&want).enumerate() {
            assert_fd(&format!("{what}: ∂out{i}/∂x{j} at {x:?}"), *a, *b);
        }
    }
}

/// `[a | b | ..]`: the rows of several Jacobian blocks side by side.
fn concat_rows(blocks: &[&[Vec<f64>]]) -> Vec<Vec<f64>> {
    let n = blocks[0].len();
    (0..n).map(|i| blocks.iter().flat_map(|b| b[i].iter().copied()).collect()).collect()
}

// ------------------------------------------------------------------------------------------------
// Form 1: the tail is `.collect()` of an iterator chain.

#[differentiate]
fn residuals(p: &[f64], xs: &[f64], ys: &[f64]) -> Vec<f64> {
    xs.iter().zip(ys).map(|(x, y)| p[0] * (p[1] * x).exp() - y).collect()
}

const XS: [f64; 5] = [0.0, 0.5, 1.0, 1.7, 2.2];
const YS: [f64; 5] = [1.1, 1.4, 2.3, 3.9, 6.2];

#[test]
fn collect_residuals_jacobian_matches_the_closed_form() {
    let p = [1.3, 0.45];
    let (r, jp, jx, jy) = residuals_jacobian(&p, &XS, &YS);
    same_bits("residuals value", &r, &residuals(&p, &XS, &YS));
    assert_eq!((jp.len(), jx.len(), jy.len()), (5, 5, 5));
    for i in 0..5 {
        let e = (p[1] * XS[i]).exp();
        assert_exact("∂r/∂p0", jp[i][0], e);
        assert_exact("∂r/∂p1", jp[i][1], p[0] * XS[i] * e);
        for j in 0..5 {
            let want = if i == j { p[0] * p[1] * e } else { 0.0 };
            assert_exact("∂r/∂x", jx[i][j], want);
            assert_exact("∂r/∂y", jy[i][j], if i == j { -1.0 } else { 0.0 });
        }
    }
}

#[test]
fn collect_residuals_jacobian_matches_num_dual() {
    use num_dual::{Dual64, DualNum};
    let p = [0.7, -0.3];
    let (_, jp, _, _) = residuals_jacobian(&p, &XS, &YS);
    // One forward-mode pass per parameter.
    for k in 0..2 {
        let pd: Vec<Dual64> = (0..2).map(|j| Dual64::new(p[j], if j == k { 1.0 } else { 0.0 })).collect();
        for i in 0..5 {
            let r = pd[0] * (pd[1] * XS[i]).exp() - YS[i];
            assert_exact(&format!("∂r{i}/∂p{k} vs num-dual"), jp[i][k], r.eps);
            assert_eq!(r.re.to_bits(), residuals(&p, &XS, &YS)[i].to_bits());
        }
    }
}

#[test]
fn collect_residuals_vjp_is_seed_times_jacobian() {
    let p = [1.1, 0.2];
    let seed = vec![0.5, -1.0, 2.0, 0.0, 3.0];
    let (r, gp, gx, gy) = residuals_vjp(&p, &XS, &YS, seed.clone());
    same_bits("residuals_vjp value", &r, &residuals(&p, &XS, &YS));
    // Σ seed_i r_i by finite differences.
    let dot =
        |p: &[f64], xs: &[f64], ys: &[f64]| -> f64 { residuals(p, xs, ys).iter().zip(&seed).map(|(r, s)| r * s).sum() };
    let want_p = fd(|q| dot(q, &XS, &YS), &p);
    let want_x = fd(|q| dot(&p, q, &YS), &XS);
    let want_y = fd(|q| dot(&p, &XS, q), &YS);
    for (g, w) in gp.iter().zip(&want_p).chain(gx.iter().zip(&want_x)).chain(gy.iter().zip(&want_y)) {
        assert_fd("residuals_vjp", *g, *w);
    }
}

#[test]
#[should_panic(expected = "`residuals_vjp`: the seed needs one component per value `residuals` returns")]
fn a_seed_of_the_wrong_length_panics() {
    let _ = residuals_vjp(&[1.0, 0.5], &XS, &YS, vec![1.0; 4]);
}

#[test]
fn empty_output() {
    let (r, jp, jx, jy) = residuals_jacobian(&[1.0, 2.0], &[], &[]);
    assert!(r.is_empty() && jp.is_empty() && jx.is_empty() && jy.is_empty());
    let (r, gp, gx, gy) = residuals_vjp(&[1.0, 2.0], &[], &[], Vec::new());
    assert!(r.is_empty() && gx.is_empty() && gy.is_empty());
    assert_eq!(gp, vec![0.0, 0.0]);
    let (v, j) = scaled_jacobian(2.0, 0);
    assert!(v.is_empty() && j.is_empty());
}

// `let r: Vec<f64> = ..collect(); r` and `.collect::<Vec<f64>>()` with a filter.

#[differentiate]
fn let_collect(p: &[f64], xs: &[f64]) -> Vec<f64> {
    let r: Vec<f64> = xs.iter().map(|x| (p[0] * x).sin() + p[1]).collect();
    r
}

#[differentiate(wrt(a))]
fn filtered(a: f64, xs: &[f64]) -> Vec<f64> {
    xs.iter().filter(|x| **x > 0.0).map(|x| a * a * x).collect::<Vec<f64>>()
}

#[test]
fn let_collect_and_turbofish_collect() {
    let p = [0.8, -0.2];
    let xs = [0.3, -1.2, 2.0];
    let (v, jp, jx) = let_collect_jacobian(&p, &xs);
    same_bits("let_collect", &v, &let_collect(&p, &xs));
    let flat = |q: &[f64]| let_collect(&q[..2], &q[2..]);
    let got = concat_rows(&[&jp, &jx]);
    assert_jacobian_fd("let_collect", flat, &[p[0], p[1], xs[0], xs[1], xs[2]], &got);

    let xs = [1.0, -2.0, 3.0, 0.0, 0.5];
    let (v, ja) = filtered_jacobian(1.5, &xs);
    same_bits("filtered", &v, &filtered(1.5, &xs));
    let want: Vec<f64> = xs.iter().filter(|x| **x > 0.0).map(|x| 2.0 * 1.5 * x).collect();
    assert_eq!(ja.len(), want.len());
    for (g, w) in ja.iter().zip(&want) {
        assert_exact("filtered ∂/∂a", *g, *w);
    }
}

// ------------------------------------------------------------------------------------------------
// Form 2: a `vec![0.0; n]` buffer written in a loop, returned by name; `wrt`.

#[differentiate(wrt(a))]
fn scaled(a: f64, n: usize) -> Vec<f64> {
    let mut r = vec![0.0; n];
    for i in 0..n {
        #[allow(clippy::cast_precision_loss)]
        let k = i as f64;
        r[i] = a * k + a.sin();
    }
    r
}

#[test]
fn vec_buffer_with_wrt() {
    for &(a, n) in &[(0.4, 5usize), (-2.0, 1), (3.0, 3)] {
        let (v, ja) = scaled_jacobian(a, n);
        same_bits("scaled", &v, &scaled(a, n));
        assert_eq!(ja.len(), n);
        for (i, g) in ja.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            assert_exact("∂scaled/∂a", *g, i as f64 + a.cos());
        }
        let seed: Vec<f64> = (0..n).map(|i| 1.0 - 0.3 * f64::from(u32::try_from(i).unwrap())).collect();
        let (v2, ga) = scaled_vjp(a, n, seed.clone());
        same_bits("scaled_vjp", &v2, &v);
        let want: f64 = ja.iter().zip(&seed).map(|(j, s)| j * s).sum();
        assert_exact("scaled_vjp", ga, want);
    }
}

// A loop-carried value written into the buffer, a slice parameter, a branch in the loop, and an
// early `return` of the same buffer from inside the loop.

#[differentiate]
fn running(x: &[f64], cap: f64) -> Vec<f64> {
    let mut r = vec![0.0; x.len()];
    let mut acc = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            acc += x[i] * x[i];
        } else {
            acc = acc * 0.5 + x[i];
        }
        r[i] = acc.tanh() * cap;
        if acc > 10.0 {
            return r;
        }
    }
    r
}

#[test]
fn running_buffer_with_branches_and_early_return() {
    for x in [vec![0.5, -0.3, 1.2, -2.0], vec![2.0, 3.0, 0.1, 0.2], vec![-1.0]] {
        let cap = 1.7;
        let (v, jx, jc) = running_jacobian(&x, cap);
        same_bits("running", &v, &running(&x, cap));
        let mut q = x.clone();
        q.push(cap);
        let m = x.len();
        let got: Vec<Vec<f64>> = jx.iter().zip(&jc).map(|(row, c)| row.iter().copied().chain([*c]).collect()).collect();
        assert_jacobian_fd("running", |q| running(&q[..m], q[m]), &q, &got);
    }
}

// ------------------------------------------------------------------------------------------------
// Form 3: `Vec::with_capacity` + `push`; early `return` of a `vec![..]` literal: two buffers,
// chosen at run time.

#[differentiate]
fn pushed(a: f64, b: f64) -> Vec<f64> {
    if a > 10.0 {
        return vec![a, b * a];
    }
    let mut r = Vec::with_capacity(3);
    r.push(a * b);
    r.push(a.sin());
    if b < 0.0 {
        r.push(b.exp());
    }
    r
}

#[test]
fn push_buffer_and_early_vec_literal() {
    for &(a, b) in &[(0.3, 0.7), (0.3, -0.7), (11.0, 2.0), (12.0, -1.0)] {
        let (v, ja, jb) = pushed_jacobian(a, b);
        same_bits("pushed", &v, &pushed(a, b));
        let got: Vec<Vec<f64>> = ja.iter().zip(&jb).map(|(x, y)| vec![*x, *y]).collect();
        assert_jacobian_fd("pushed", |q| pushed(q[0], q[1]), &[a, b], &got);
        let want = if a > 10.0 {
            vec![vec![1.0, 0.0], vec![b, a]]
        } else if b < 0.0 {
            vec![vec![b, a], vec![a.cos(), 0.0], vec![0.0, b.exp()]]
        } else {
            vec![vec![b, a], vec![a.cos(), 0.0]]
        };
        for (g, w) in got.iter().zip(&want) {
            assert_exact("pushed ∂/∂a", g[0], w[0]);
            assert_exact("pushed ∂/∂b", g[1], w[1]);
        }
    }
}

// A tail `if` whose arms are a literal and a buffer; a `match`.

#[differentiate]
fn tail_if(x: f64, k: u8) -> Vec<f64> {
    let mut h = vec![x; 2];
    h[1] = x * x;
    match k {
        0 => vec![x.exp()],
        1 => h,
        _ => {
            if x > 0.0 {
                vec![x, 2.0 * x, 3.0]
            } else {
                Vec::new()
            }
        }
    }
}

#[test]
fn tail_if_and_match() {
    for k in 0..3 {
        for x in [0.6, -0.4] {
            let (v, jx) = tail_if_jacobian(x, k);
            same_bits("tail_if", &v, &tail_if(x, k));
            let got: Vec<Vec<f64>> = jx.iter().map(|g| vec![*g]).collect();
            assert_jacobian_fd("tail_if", |q| tail_if(q[0], k), &[x], &got);
        }
    }
}

// A constant output: nothing is differentiated, the rows are zeros.

#[differentiate(wrt(a))]
fn constant_out(a: f64, xs: &[f64]) -> Vec<f64> {
    // Piecewise constant in `a`.
    let k = if a > 0.0 { 2.0 } else { 3.0 };
    xs.iter().map(|x| x * k).collect()
}

#[test]
fn constant_output_has_zero_rows() {
    let (v, ja) = constant_out_jacobian(1.0, &[1.0, 2.0]);
    assert_eq!(v, vec![2.0, 4.0]);
    assert_eq!(ja, vec![0.0, 0.0]);
    let (_, ga) = constant_out_vjp(1.0, &[1.0, 2.0], vec![1.0, 1.0]);
    assert_eq!(ga.to_bits(), 0.0f64.to_bits());
}

// f32.

#[differentiate]
fn squares32(x: &[f32]) -> Vec<f32> {
    x.iter().map(|v| v * v).collect()
}

#[test]
fn f32_output() {
    let (v, j) = squares32_jacobian(&[1.5, -2.0]);
    assert_eq!(v, squares32(&[1.5, -2.0]));
    assert_eq!(j, vec![vec![3.0, 0.0], vec![0.0, -4.0]]);
}

// ------------------------------------------------------------------------------------------------
// Calls: a differentiated function calling a `Vec`-valued one through its `_vjp`.

#[differentiate]
fn sum_of_squares(p: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let r = residuals(p, xs, ys);
    r.iter().map(|v| v * v).sum::<f64>() * 0.5
}

#[differentiate(wrt(p))]
fn indexed_call(p: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let r: Vec<f64> = residuals(p, xs, ys);
    r[0] * r[1] + r[r.len() - 1].sin()
}

#[differentiate(wrt(p))]
fn returns_call(p: &[f64], xs: &[f64]) -> Vec<f64> {
    residuals(p, xs, xs)
}

#[test]
fn calls_to_a_vec_valued_function() {
    let p = [1.2, 0.3];
    let (v, gp, _, _) = sum_of_squares_grad(&p, &XS, &YS);
    assert_eq!(v.to_bits(), sum_of_squares(&p, &XS, &YS).to_bits());
    // ∇_p ½|r|² = Jᵀ r, from the closed form of J.
    let r = residuals(&p, &XS, &YS);
    let mut want = [0.0; 2];
    for i in 0..5 {
        let e = (p[1] * XS[i]).exp();
        want[0] += e * r[i];
        want[1] += p[0] * XS[i] * e * r[i];
    }
    assert_exact("sum_of_squares ∂/∂p0", gp[0], want[0]);
    assert_exact("sum_of_squares ∂/∂p1", gp[1], want[1]);

    let (v, gp) = indexed_call_grad(&p, &XS, &YS);
    assert_eq!(v.to_bits(), indexed_call(&p, &XS, &YS).to_bits());
    let want = fd(|q| indexed_call(q, &XS, &YS), &p);
    assert_fd("indexed_call ∂/∂p0", gp[0], want[0]);
    assert_fd("indexed_call ∂/∂p1", gp[1], want[1]);

    let (v, jp) = returns_call_jacobian(&p, &XS);
    same_bits("returns_call", &v, &returns_call(&p, &XS));
    assert_jacobian_fd("returns_call", |q| returns_call(q, &XS), &p, &jp);
}

// ------------------------------------------------------------------------------------------------
// A `while` loop (whose trip count the backward pass keeps) and a carried value; an early
// `return` before later writes to the same buffer.

#[differentiate]
fn halving(x: f64, k: f64) -> Vec<f64> {
    let mut r = Vec::new();
    let mut y = x;
    let mut steps = 0;
    while y.abs() > 0.1 && steps < 6 {
        y = y * 0.5 + k * y.sin();
        r.push(y);
        steps += 1;
    }
    r.push(y * k);
    r
}

#[test]
fn while_loop_push() {
    for &(x, k) in &[(3.0, 0.1), (0.05, 0.2), (-2.0, 0.3)] {
        let (v, jx, jk) = halving_jacobian(x, k);
        same_bits("halving", &v, &halving(x, k));
        let got: Vec<Vec<f64>> = jx.iter().zip(&jk).map(|(a, b)| vec![*a, *b]).collect();
        assert_jacobian_fd("halving", |q| halving(q[0], q[1]), &[x, k], &got);
    }
}

#[differentiate]
fn partial(x: f64) -> Vec<f64> {
    let mut r = vec![0.0; 3];
    r[0] = x.exp();
    if x > 0.0 {
        return r;
    }
    r[1] = x * x;
    r[2] = r[0] * r[1];
    r
}

#[test]
fn early_return_before_later_writes() {
    for x in [0.4, -0.7] {
        let (v, jx) = partial_jacobian(x);
        same_bits("partial", &v, &partial(x));
        let e = x.exp();
        let want = if x > 0.0 { [e, 0.0, 0.0] } else { [e, 2.0 * x, e * x * x + e * 2.0 * x] };
        for (g, w) in jx.iter().zip(want) {
            assert_exact("partial", *g, w);
        }
        let (v2, g) = partial_vjp(x, vec![1.0, -2.0, 0.5]);
        same_bits("partial_vjp", &v2, &v);
        assert_exact("partial_vjp", g, want[0] - 2.0 * want[1] + 0.5 * want[2]);
    }
}

// Generic over the float type.

#[differentiate]
fn generic_scale<F: num_traits::Float>(xs: &[F], a: F) -> Vec<F> {
    xs.iter().map(|x| (*x * a).sin()).collect()
}

#[test]
fn generic_vec_output() {
    let xs = [0.5, -1.0];
    let (v, jx, ja) = generic_scale_jacobian(&xs, 0.7_f64);
    same_bits("generic_scale", &v, &generic_scale(&xs, 0.7));
    for i in 0..2 {
        let c = (xs[i] * 0.7).cos();
        assert_exact("∂/∂a", ja[i], xs[i] * c);
        assert_exact("∂/∂x_i", jx[i][i], 0.7 * c);
    }
    let (v32, _, ja32) = generic_scale_jacobian(&[0.5_f32], 2.0_f32);
    assert_eq!(v32, generic_scale(&[0.5_f32], 2.0_f32));
    assert!((ja32[0] - 0.5 * 1.0_f32.cos()).abs() < 1e-6);
}

// Methods: a `Vec`-valued method and a method calling it through `self.res_vjp`.

struct Scaler {
    k: f64,
}

impl Scaler {
    #[differentiate]
    fn res(&self, p: &[f64]) -> Vec<f64> {
        p.iter().map(|v| v * self.k).collect()
    }

    #[differentiate]
    fn loss(&self, p: &[f64]) -> f64 {
        let r = self.res(p);
        r.iter().map(|v| v * v).sum()
    }
}

#[test]
fn methods() {
    let s = Scaler { k: 1.5 };
    let p = [0.3, -2.0, 1.0];
    let (v, j) = s.res_jacobian(&p);
    same_bits("res", &v, &s.res(&p));
    for i in 0..3 {
        for k in 0..3 {
            assert_exact("∂res/∂p", j[i][k], if i == k { 1.5 } else { 0.0 });
        }
    }
    let (l, g) = s.loss_grad(&p);
    assert_eq!(l.to_bits(), s.loss(&p).to_bits());
    for i in 0..3 {
        assert_exact("∂loss/∂p", g[i], 2.0 * 1.5 * 1.5 * p[i]);
    }
}

// What the error for returning a parameter suggests writing instead.

// The chain the error for returning a parameter suggested before `x.to_vec()` was taken: still
// taken (clippy prefers `to_vec`).
#[allow(clippy::iter_cloned_collect)]
#[differentiate]
fn copy_of(x: Vec<f64>, k: f64) -> Vec<f64> {
    if k > 0.0 {
        return x.iter().copied().collect();
    }
    vec![k]
}

#[test]
fn copy_of_a_parameter() {
    let (v, jx, jk) = copy_of_jacobian(vec![1.0, 2.0], 1.0);
    assert_eq!(v, vec![1.0, 2.0]);
    assert_eq!(jx, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_eq!(jk, vec![0.0, 0.0]);
    let (v, jx, jk) = copy_of_jacobian(vec![1.0, 2.0], -1.0);
    assert_eq!(v, vec![-1.0]);
    assert_eq!((jx, jk), (vec![vec![0.0, 0.0]], vec![1.0]));
}

// Copies: `x.to_vec()` of a slice, `Vec` or array (parameter or local buffer) and `.clone()` of a
// `Vec`, returned or bound by `let` and then written. A copy's adjoint flows back element by
// element: its Jacobian block is the identity where it is not written.

#[differentiate]
fn copied(x: &[f64]) -> Vec<f64> {
    x.to_vec()
}

#[differentiate]
fn copied_then_scaled(x: &[f64], a: f64) -> Vec<f64> {
    let mut r = x.to_vec();
    r[0] *= a;
    r[1] = r[1].sin() + r[0];
    r
}

/// A constant copy that becomes differentiated by a write.
#[differentiate(wrt(a))]
fn constant_copy_written(x: &[f64], a: f64) -> Vec<f64> {
    let mut r = x.to_vec();
    r[1] += a * r[0];
    r
}

/// `.clone()` of a local buffer, returned.
#[differentiate]
fn buffer_clone(x: &[f64], a: f64) -> Vec<f64> {
    let mut v = vec![0.0; 2];
    v[0] = a * x[0];
    v[1] = x[1].exp();
    v.clone()
}

/// `.to_vec()` of a local buffer and of an array parameter, bound and written.
#[allow(clippy::useless_vec)] // the buffer is the point
#[differentiate]
fn buffer_and_array_copies(x: [f64; 3], k: f64) -> Vec<f64> {
    let mut v = vec![0.0; 2];
    v[0] = x[0] * x[1];
    v[1] = k * x[2];
    let mut w = v.to_vec();
    w[0] += v[1] * k;
    let mut y = x.to_vec();
    y[2] = w[0] * w[1];
    y
}

/// `.clone()` of a `Vec` parameter taken by value.
#[allow(clippy::needless_pass_by_value)]
#[differentiate]
fn owned_clone(x: Vec<f64>, a: f64) -> Vec<f64> {
    let mut y = x.clone();
    y[1] *= a;
    y
}

/// A copy in a scalar function, made in each iteration of a loop.
#[differentiate]
fn copy_per_iteration(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..x.len() {
        let mut r = x.to_vec();
        r[k] *= a;
        s += r[0] * r[r.len() - 1];
    }
    s
}

#[test]
fn copies_of_parameters_and_buffers() {
    let x = [0.7, -1.3, 2.1];
    let (v, jx) = copied_jacobian(&x);
    same_bits("copied", &v, &copied(&x));
    for i in 0..3 {
        for j in 0..3 {
            assert_exact("∂copied/∂x", jx[i][j], if i == j { 1.0 } else { 0.0 });
        }
    }
    let seed = vec![0.5, -2.0, 3.0];
    let (_, gx) = copied_vjp(&x, seed.clone());
    assert_eq!(gx, seed);

    let a = 1.7;
    let (v, jx, ja) = copied_then_scaled_jacobian(&x, a);
    same_bits("copied_then_scaled", &v, &copied_then_scaled(&x, a));
    // r = [a x0, sin x1 + a x0, x2]
    let want_x = [[a, 0.0, 0.0], [a, x[1].cos(), 0.0], [0.0, 0.0, 1.0]];
    for i in 0..3 {
        for j in 0..3 {
            assert_exact("∂copied_then_scaled/∂x", jx[i][j], want_x[i][j]);
        }
    }
    for (g, w) in ja.iter().zip([x[0], x[0], 0.0]) {
        assert_exact("∂copied_then_scaled/∂a", *g, w);
    }
    let flat = |q: &[f64]| copied_then_scaled(&q[..3], q[3]);
    let rows: Vec<Vec<f64>> = jx.iter().zip(&ja).map(|(r, g)| r.iter().copied().chain([*g]).collect()).collect();
    assert_jacobian_fd("copied_then_scaled", flat, &[x[0], x[1], x[2], a], &rows);

    let (v, ja) = constant_copy_written_jacobian(&x, a);
    same_bits("constant_copy_written", &v, &constant_copy_written(&x, a));
    for (g, w) in ja.iter().zip([0.0, x[0], 0.0]) {
        assert_exact("∂constant_copy_written/∂a", *g, w);
    }

    let x2 = [0.4, -0.6];
    let (v, jx, ja) = buffer_clone_jacobian(&x2, a);
    same_bits("buffer_clone", &v, &buffer_clone(&x2, a));
    let want_x = [[a, 0.0], [0.0, x2[1].exp()]];
    for i in 0..2 {
        for j in 0..2 {
            assert_exact("∂buffer_clone/∂x", jx[i][j], want_x[i][j]);
        }
        assert_exact("∂buffer_clone/∂a", ja[i], [x2[0], 0.0][i]);
    }

    let k = -0.8;
    let (v, jx, jk) = buffer_and_array_copies_jacobian(x, k);
    same_bits("buffer_and_array_copies", &v, &buffer_and_array_copies(x, k));
    let flat = |q: &[f64]| buffer_and_array_copies([q[0], q[1], q[2]], q[3]);
    let rows: Vec<Vec<f64>> = jx.iter().zip(&jk).map(|(r, g)| r.iter().copied().chain([*g]).collect()).collect();
    assert_jacobian_fd("buffer_and_array_copies", flat, &[x[0], x[1], x[2], k], &rows);
    // y2 = (x0 x1 + k^2 x2) (k x2): closed form of its row
    let (w0, w1) = (x[0] * x[1] + k * k * x[2], k * x[2]);
    let want = [x[1] * w1, x[0] * w1, k * k * w1 + w0 * k, 2.0 * k * x[2] * w1 + w0 * x[2]];
    for (j, w) in want.iter().enumerate() {
        assert_exact("∂y2", rows[2][j], *w);
    }

    let (v, jx, ja) = owned_clone_jacobian(x.to_vec(), a);
    same_bits("owned_clone", &v, &owned_clone(x.to_vec(), a));
    let want_x = [[1.0, 0.0, 0.0], [0.0, a, 0.0], [0.0, 0.0, 1.0]];
    for i in 0..3 {
        for j in 0..3 {
            assert_exact("∂owned_clone/∂x", jx[i][j], want_x[i][j]);
        }
        assert_exact("∂owned_clone/∂a", ja[i], [0.0, x[1], 0.0][i]);
    }
}

#[test]
fn a_copy_per_loop_iteration() {
    let x = [0.7, -1.3, 2.1];
    let a = 1.4;
    let (v, gx, ga) = copy_per_iteration_grad(&x, a);
    assert_eq!(v.to_bits(), copy_per_iteration(&x, a).to_bits());
    // s = a x0 x2 + x0 x2 + a x0 x2 (k = 0, 1, 2)
    assert_exact("∂/∂x0", gx[0], (2.0 * a + 1.0) * x[2]);
    assert_exact("∂/∂x1", gx[1], 0.0);
    assert_exact("∂/∂x2", gx[2], (2.0 * a + 1.0) * x[0]);
    assert_exact("∂/∂a", ga, 2.0 * x[0] * x[2]);
    let f = |q: &[f64]| copy_per_iteration(&q[..3], q[3]);
    let want = fd(f, &[x[0], x[1], x[2], a]);
    for (g, w) in gx.iter().chain([&ga]).zip(&want) {
        assert_fd("copy_per_iteration", *g, *w);
    }
}

// `.to_owned()` of a slice (a `Vec`, as `.to_vec()`), and copies iterated in place
// (`x.to_vec().iter()`, `for v in x.to_owned()`): the copy's elements are the parameter's, so
// the loop runs over the parameter itself and no copy is made in `f_grad`.

#[differentiate]
fn owned_copy(x: &[f64], a: f64) -> Vec<f64> {
    let mut r = x.to_owned();
    r[0] *= a;
    r
}

#[allow(clippy::unnecessary_to_owned, reason = "the copy iterated is what is tested")]
#[differentiate]
fn copies_iterated(x: &[f64], w: f64) -> f64 {
    x.to_vec().iter().map(|v| v * v * w).sum::<f64>() + x.to_owned().iter().sum::<f64>()
}

#[allow(clippy::unnecessary_to_owned, reason = "the copy iterated is what is tested")]
#[differentiate]
fn copy_in_for(x: [f64; 3]) -> f64 {
    let mut s = 0.0;
    for v in x.to_vec() {
        s += v.sin() * s + v;
    }
    s
}

#[test]
fn to_owned_and_iterated_copies() {
    let x = [0.7, -1.3, 2.1];
    let a = 1.7;
    let (v, jx, ja) = owned_copy_jacobian(&x, a);
    same_bits("owned_copy", &v, &owned_copy(&x, a));
    for i in 0..3 {
        for j in 0..3 {
            assert_exact(
                "∂owned_copy/∂x",
                jx[i][j],
                if i != j {
                    0.0
                } else if i == 0 {
                    a
                } else {
                    1.0
                },
            );
        }
        assert_exact("∂owned_copy/∂a", ja[i], [x[0], 0.0, 0.0][i]);
    }

    let w = -0.4;
    let (v, gx, gw) = copies_iterated_grad(&x, w);
    assert_eq!(v.to_bits(), copies_iterated(&x, w).to_bits());
    // Σ w x² + Σ x
    for i in 0..3 {
        assert_exact("∂copies_iterated/∂x", gx[i], 2.0 * x[i] * w + 1.0);
    }
    assert_exact("∂copies_iterated/∂w", gw, x.iter().map(|v| v * v).sum());

    let (v, gx) = copy_in_for_grad(x);
    assert_eq!(v.to_bits(), copy_in_for(x).to_bits());
    let want = fd(|q| copy_in_for([q[0], q[1], q[2]]), &x);
    for i in 0..3 {
        assert_fd("∂copy_in_for/∂x", gx[i], want[i]);
    }
}
