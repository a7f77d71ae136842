//! How fast are gradmacro's generated gradients?
//!
//! For each case this times, in one run:
//!
//! - `f`: the function alone (the cost of one forward evaluation);
//! - `hand`: a backward pass written by hand in the style of Karpathy's "Hacker's guide to Neural
//!   Networks" (forward keeping the intermediates it needs, then `da = b * dx`-style adjoints in
//!   reverse order, fused with the forward pass per data point where the guide does that): the
//!   limit any generated code is measured against;
//! - `gradmacro`: the `f_grad` that `#[differentiate]` generates;
//! - `num_dual`: forward mode with num-dual (one pass with `DualSVec64<N>` when there are at
//!   most 16 inputs, which is what `num_dual::gradient` does, else one `Dual64` pass per input);
//! - `tape`: reverse mode with a runtime tape (the `reverse` crate, one tape reused across calls);
//! - `fd`: central finite differences (2n + 1 evaluations of `f`);
//! - `jvp`: the `f_jvp` that `#[differentiate(forward)]` generates, the derivative along one
//!   fixed direction `t` (one forward pass);
//! - `dual64_jvp`: the same directional derivative with num-dual, one `Dual64` pass seeded with
//!   `t`: the forward-mode peer of `jvp`. (`gradmacro` gives the whole gradient, `∇f · t` for
//!   any `t`; `jvp` and `dual64_jvp` one directional derivative.)
//!
//! Every method's value and gradient is asserted equal to the hand-written one once, before
//! anything is timed, so a benchmark can never time a wrong gradient: relative 1e-9 for the exact
//! methods, looser for finite differences; `jvp` and `dual64_jvp` are asserted equal to the
//! hand-written gradient dotted with `t`. Run with `cargo bench --bench gradients`; see
//! BENCHMARKS.md for the results.

mod common;

use std::hint::black_box;

use common::{config, dual_per_input_grad};
use criterion::{Criterion, criterion_group, criterion_main};
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum, DualSVec64};
use reverse::{Gradient, Tape, Var};

/// The guide's six 2-D data points and their labels.
const POINTS: [[f64; 2]; 6] = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]];
const LABELS: [f64; 6] = [1.0, -1.0, 1.0, -1.0, -1.0, 1.0];

/// Relative tolerance of the exact methods against the hand-written pass.
const EXACT: f64 = 1e-9;
/// Relative tolerance of central finite differences.
const FD: f64 = 1e-5;

// ---------------------------------------------------------------------------------------------
// Checking and the generic helpers of the peers
// ---------------------------------------------------------------------------------------------

/// Panics unless `got` matches `want` (value and gradient) within `rel`, relative to each
/// component, with a floor of `1e-6 * max |want|` for components that are nearly zero.
fn assert_close(what: &str, got: (f64, &[f64]), want: (f64, &[f64]), rel: f64) {
    let (got_value, got_grad) = got;
    let (want_value, want_grad) = want;
    let close = |g: f64, w: f64, floor: f64| (g - w).abs() <= rel * g.abs().max(w.abs()).max(floor);
    assert!(close(got_value, want_value, f64::MIN_POSITIVE), "{what}: value {got_value} != hand-written {want_value}");
    assert_eq!(got_grad.len(), want_grad.len(), "{what}: gradient length");
    let scale = want_grad.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
    for (i, (&g, &w)) in got_grad.iter().zip(want_grad).enumerate() {
        assert!(close(g, w, 1e-6 * scale), "{what}: d[{i}] = {g}, hand-written {w}");
    }
}

/// Central differences of `f` at `x`, plus `f(x)`: 2n + 1 evaluations.
fn central_fd(x: &[f64], f: impl Fn(&[f64]) -> f64) -> (f64, Vec<f64>) {
    let mut v = x.to_vec();
    let value = f(&v);
    let mut grad = vec![0.0; x.len()];
    for i in 0..x.len() {
        let h = 6e-6 * x[i].abs().max(1.0);
        let (xp, xm) = (x[i] + h, x[i] - h);
        v[i] = xp;
        let fp = f(&v);
        v[i] = xm;
        let fm = f(&v);
        v[i] = x[i];
        grad[i] = (fp - fm) / (xp - xm);
    }
    (value, grad)
}

/// Forward mode in one pass with `N`-wide dual numbers (what `num_dual::gradient` does).
fn dual_vec_grad<const N: usize>(x: [f64; N], f: impl Fn(&[DualSVec64<N>; N]) -> DualSVec64<N>) -> (f64, [f64; N]) {
    let v: [DualSVec64<N>; N] = std::array::from_fn(|i| DualSVec64::<N>::from(x[i]).derivative(i));
    let r = f(&v);
    let mut grad = [0.0; N];
    if let Some(eps) = r.eps.0 {
        for (g, e) in grad.iter_mut().zip(eps.iter()) {
            *g = *e;
        }
    }
    (r.re, grad)
}

/// A fixed direction of `n` components for the directional derivatives, in [-1, 1].
fn direction(n: usize) -> Vec<f64> {
    (0..n).map(|i| (f64::from(u32::try_from(i).unwrap_or(0)) * 1.7 + 0.3).cos()).collect()
}

/// Panics unless a directional derivative `(value, derivative)` matches the hand-written
/// gradient dotted with `t` (relative 1e-9 of the sum of the magnitudes of the terms).
fn assert_directional(what: &str, got: (f64, f64), want: (f64, &[f64]), t: &[f64]) {
    let (value, grad) = want;
    let dot: f64 = grad.iter().zip(t).map(|(g, t)| g * t).sum();
    let scale: f64 = grad.iter().zip(t).map(|(g, t)| (g * t).abs()).sum::<f64>().max(f64::MIN_POSITIVE);
    assert!((got.0 - value).abs() <= EXACT * value.abs().max(f64::MIN_POSITIVE), "{what}: value {} != {value}", got.0);
    assert!((got.1 - dot).abs() <= EXACT * scale, "{what}: derivative {} != hand-written gradient . t {dot}", got.1);
}

/// Forward mode along `t` with one `Dual64` pass.
fn dual64_jvp(x: &[f64], t: &[f64], f: impl Fn(&[Dual64]) -> Dual64) -> (f64, f64) {
    let v: Vec<Dual64> = x.iter().zip(t).map(|(&x, &t)| Dual64::new(x, t)).collect();
    let r = f(&v);
    (r.re, r.eps)
}

// ---------------------------------------------------------------------------------------------
// Case 1: the guide's neuron, sig(a*x + b*y + c), w.r.t. all five inputs
// ---------------------------------------------------------------------------------------------

#[differentiate(forward)]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    1.0 / (1.0 + (-(a * x + b * y + c)).exp())
}

fn neuron_hand(a: f64, b: f64, c: f64, x: f64, y: f64) -> (f64, [f64; 5]) {
    // forward, keeping the intermediates
    let ax = a * x;
    let by = b * y;
    let axpby = ax + by;
    let axpbypc = axpby + c;
    let s = 1.0 / (1.0 + (-axpbypc).exp());
    // backward: ds = 1
    let daxpbypc = s * (1.0 - s);
    let dc = daxpbypc;
    let daxpby = daxpbypc;
    let dax = daxpby;
    let dby = daxpby;
    let da = x * dax;
    let dx = a * dax;
    let db = y * dby;
    let dy = b * dby;
    (s, [da, db, dc, dx, dy])
}

fn neuron_dual<D: DualNum<Primitive = f64> + Copy>(a: D, b: D, c: D, x: D, y: D) -> D {
    ((-(a * x + b * y + c)).exp() + 1.0).recip()
}

fn neuron_tape(tape: &Tape, a: f64, b: f64, c: f64, x: f64, y: f64) -> (f64, Vec<f64>) {
    tape.clear();
    let v = [tape.add_var(a), tape.add_var(b), tape.add_var(c), tape.add_var(x), tape.add_var(y)];
    let s = ((-(v[0] * v[3] + v[1] * v[4] + v[2])).exp() + 1.0).recip();
    (s.val(), s.grad().wrt(&v))
}

fn bench_neuron(c: &mut Criterion) {
    let [a, b, cc, x, y] = [1.0, 2.0, -3.0, -1.0, 3.0];
    let f5 = |v: &[f64]| neuron(v[0], v[1], v[2], v[3], v[4]);
    let (hv, hg) = neuron_hand(a, b, cc, x, y);
    let want = (hv, &hg[..]);

    let (dv, dg) = dual_vec_grad([a, b, cc, x, y], |v| neuron_dual(v[0], v[1], v[2], v[3], v[4]));
    assert_close("neuron/num_dual", (dv, &dg), want, EXACT);
    let tape = Tape::new();
    let (tv, tg) = neuron_tape(&tape, a, b, cc, x, y);
    assert_close("neuron/tape", (tv, &tg), want, EXACT);
    let (fv, fg) = central_fd(&[a, b, cc, x, y], f5);
    assert_close("neuron/fd", (fv, &fg), want, FD);
    let (mv, mda, mdb, mdc, mdx, mdy) = neuron_grad(a, b, cc, x, y);
    assert_close("neuron/gradmacro", (mv, &[mda, mdb, mdc, mdx, mdy]), want, EXACT);
    let t = direction(5);
    let nd = |v: &[Dual64]| neuron_dual(v[0], v[1], v[2], v[3], v[4]);
    assert_directional("neuron/jvp", neuron_jvp(a, b, cc, x, y, t[0], t[1], t[2], t[3], t[4]), want, &t);
    assert_directional("neuron/dual64_jvp", dual64_jvp(&[a, b, cc, x, y], &t, nd), want, &t);

    let mut g = c.benchmark_group("neuron");
    g.bench_function("f", |bch| {
        bch.iter(|| neuron(black_box(a), black_box(b), black_box(cc), black_box(x), black_box(y)));
    });
    g.bench_function("hand", |bch| {
        bch.iter(|| neuron_hand(black_box(a), black_box(b), black_box(cc), black_box(x), black_box(y)));
    });
    g.bench_function("gradmacro", |bch| {
        bch.iter(|| neuron_grad(black_box(a), black_box(b), black_box(cc), black_box(x), black_box(y)));
    });
    g.bench_function("num_dual", |bch| {
        bch.iter(|| dual_vec_grad(black_box([a, b, cc, x, y]), |v| neuron_dual(v[0], v[1], v[2], v[3], v[4])));
    });
    g.bench_function("tape", |bch| {
        bch.iter(|| neuron_tape(&tape, black_box(a), black_box(b), black_box(cc), black_box(x), black_box(y)));
    });
    g.bench_function("fd", |bch| {
        bch.iter(|| central_fd(black_box(&[a, b, cc, x, y]), f5));
    });
    g.bench_function("jvp", |bch| {
        bch.iter(|| {
            let (a, b, cc, x, y) = (black_box(a), black_box(b), black_box(cc), black_box(x), black_box(y));
            let t = black_box(&t);
            neuron_jvp(a, b, cc, x, y, t[0], t[1], t[2], t[3], t[4])
        });
    });
    g.bench_function("dual64_jvp", |bch| {
        bch.iter(|| dual64_jvp(black_box(&[a, b, cc, x, y]), black_box(&t), nd));
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Case 2: the guide's SVM, hinge loss over the six points plus 0.5 (a² + b²), w.r.t. a, b, c
// ---------------------------------------------------------------------------------------------

#[differentiate(wrt(a, b, c), forward)]
fn svm_loss(a: f64, b: f64, c: f64, points: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut loss = 0.5 * (a * a + b * b);
    for i in 0..points.len() {
        let score = a * points[i][0] + b * points[i][1] + c;
        loss += (-labels[i] * score + 1.0).max(0.0);
    }
    loss
}

fn svm_hand(a: f64, b: f64, c: f64, points: &[[f64; 2]], labels: &[f64]) -> (f64, [f64; 3]) {
    let mut loss = 0.5 * (a * a + b * b);
    let (mut da, mut db, mut dc) = (a, b, 0.0);
    for (p, &y) in points.iter().zip(labels) {
        let score = a * p[0] + b * p[1] + c;
        let margin = -y * score + 1.0;
        if margin > 0.0 {
            loss += margin;
            let dscore = -y;
            da += p[0] * dscore;
            db += p[1] * dscore;
            dc += dscore;
        }
    }
    (loss, [da, db, dc])
}

fn svm_dual<D: DualNum<Primitive = f64> + Copy>(a: D, b: D, c: D, points: &[[f64; 2]], labels: &[f64]) -> D {
    let mut loss = (a * a + b * b) * 0.5;
    for (p, &y) in points.iter().zip(labels) {
        let score = a * p[0] + b * p[1] + c;
        let margin = -(score * y) + 1.0;
        if margin > 0.0 {
            loss += margin;
        }
    }
    loss
}

fn svm_tape(tape: &Tape, abc: [f64; 3], points: &[[f64; 2]], labels: &[f64]) -> (f64, Vec<f64>) {
    tape.clear();
    let v = [tape.add_var(abc[0]), tape.add_var(abc[1]), tape.add_var(abc[2])];
    let mut loss = (v[0] * v[0] + v[1] * v[1]) * 0.5;
    for (p, &y) in points.iter().zip(labels) {
        let score = v[0] * p[0] + v[1] * p[1] + v[2];
        let margin = -(score * y) + 1.0;
        if margin.val() > 0.0 {
            loss = loss + margin;
        }
    }
    (loss.val(), loss.grad().wrt(&v))
}

fn bench_svm(c: &mut Criterion) {
    let abc = [1.0, -2.0, -1.0];
    let f3 = |v: &[f64]| svm_loss(v[0], v[1], v[2], &POINTS, &LABELS);
    let (hv, hg) = svm_hand(abc[0], abc[1], abc[2], &POINTS, &LABELS);
    let want = (hv, &hg[..]);

    let (dv, dg) = dual_vec_grad(abc, |v| svm_dual(v[0], v[1], v[2], &POINTS, &LABELS));
    assert_close("svm/num_dual", (dv, &dg), want, EXACT);
    let tape = Tape::new();
    let (tv, tg) = svm_tape(&tape, abc, &POINTS, &LABELS);
    assert_close("svm/tape", (tv, &tg), want, EXACT);
    let (fv, fg) = central_fd(&abc, f3);
    assert_close("svm/fd", (fv, &fg), want, FD);
    let (mv, mda, mdb, mdc) = svm_loss_grad(abc[0], abc[1], abc[2], &POINTS, &LABELS);
    assert_close("svm/gradmacro", (mv, &[mda, mdb, mdc]), want, EXACT);
    let t = direction(3);
    let sd = |v: &[Dual64]| svm_dual(v[0], v[1], v[2], &POINTS, &LABELS);
    assert_directional("svm/jvp", svm_loss_jvp(abc[0], abc[1], abc[2], &POINTS, &LABELS, t[0], t[1], t[2]), want, &t);
    assert_directional("svm/dual64_jvp", dual64_jvp(&abc, &t, sd), want, &t);

    let mut g = c.benchmark_group("svm");
    g.bench_function("f", |bch| {
        bch.iter(|| {
            svm_loss(black_box(abc[0]), black_box(abc[1]), black_box(abc[2]), black_box(&POINTS), black_box(&LABELS))
        });
    });
    g.bench_function("hand", |bch| {
        bch.iter(|| {
            svm_hand(black_box(abc[0]), black_box(abc[1]), black_box(abc[2]), black_box(&POINTS), black_box(&LABELS))
        });
    });
    g.bench_function("gradmacro", |bch| {
        bch.iter(|| {
            svm_loss_grad(
                black_box(abc[0]),
                black_box(abc[1]),
                black_box(abc[2]),
                black_box(&POINTS),
                black_box(&LABELS),
            )
        });
    });
    g.bench_function("num_dual", |bch| {
        bch.iter(|| {
            let (p, l) = (black_box(&POINTS), black_box(&LABELS));
            dual_vec_grad(black_box(abc), |v| svm_dual(v[0], v[1], v[2], p, l))
        });
    });
    g.bench_function("tape", |bch| {
        bch.iter(|| svm_tape(&tape, black_box(abc), black_box(&POINTS), black_box(&LABELS)));
    });
    g.bench_function("fd", |bch| {
        bch.iter(|| central_fd(black_box(&abc), f3));
    });
    g.bench_function("jvp", |bch| {
        bch.iter(|| {
            let (abc, t) = (black_box(abc), black_box(&t));
            svm_loss_jvp(abc[0], abc[1], abc[2], black_box(&POINTS), black_box(&LABELS), t[0], t[1], t[2])
        });
    });
    g.bench_function("dual64_jvp", |bch| {
        bch.iter(|| {
            let (p, l) = (black_box(&POINTS), black_box(&LABELS));
            dual64_jvp(black_box(&abc), black_box(&t), |v| svm_dual(v[0], v[1], v[2], p, l))
        });
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Case 3: the guide's 2-3-1 ReLU net, squared loss over the six points, w.r.t. its 13 parameters
// ---------------------------------------------------------------------------------------------

/// Parameters in the guide's order: a1 b1 c1, a2 b2 c2, a3 b3 c3 (hidden), a4 b4 c4 d4 (output).
const NET_PARAMS: [f64; 13] = [0.5, -0.3, 0.1, -0.4, 0.8, 0.2, 0.7, 0.6, -0.5, 0.9, -1.1, 0.4, 0.05];

#[differentiate(wrt(p), forward)]
fn net_loss(p: &[f64], points: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..points.len() {
        let x = points[i][0];
        let y = points[i][1];
        let n1 = (p[0] * x + p[1] * y + p[2]).max(0.0);
        let n2 = (p[3] * x + p[4] * y + p[5]).max(0.0);
        let n3 = (p[6] * x + p[7] * y + p[8]).max(0.0);
        let score = p[9] * n1 + p[10] * n2 + p[11] * n3 + p[12];
        let e = score - labels[i];
        loss += e * e;
    }
    loss
}

fn net_hand(p: &[f64], points: &[[f64; 2]], labels: &[f64]) -> (f64, Vec<f64>) {
    let mut loss = 0.0;
    let mut dp = vec![0.0; 13];
    for (pt, &label) in points.iter().zip(labels) {
        let (x, y) = (pt[0], pt[1]);
        // forward
        let z1 = p[0] * x + p[1] * y + p[2];
        let z2 = p[3] * x + p[4] * y + p[5];
        let z3 = p[6] * x + p[7] * y + p[8];
        let n1 = z1.max(0.0);
        let n2 = z2.max(0.0);
        let n3 = z3.max(0.0);
        let score = p[9] * n1 + p[10] * n2 + p[11] * n3 + p[12];
        let e = score - label;
        loss += e * e;
        // backward
        let dscore = 2.0 * e;
        dp[9] += n1 * dscore;
        dp[10] += n2 * dscore;
        dp[11] += n3 * dscore;
        dp[12] += dscore;
        let dz1 = if z1 > 0.0 { p[9] * dscore } else { 0.0 };
        let dz2 = if z2 > 0.0 { p[10] * dscore } else { 0.0 };
        let dz3 = if z3 > 0.0 { p[11] * dscore } else { 0.0 };
        dp[0] += x * dz1;
        dp[1] += y * dz1;
        dp[2] += dz1;
        dp[3] += x * dz2;
        dp[4] += y * dz2;
        dp[5] += dz2;
        dp[6] += x * dz3;
        dp[7] += y * dz3;
        dp[8] += dz3;
    }
    (loss, dp)
}

fn net_dual<D: DualNum<Primitive = f64> + Copy>(p: &[D], points: &[[f64; 2]], labels: &[f64]) -> D {
    let relu = |z: D| if z > 0.0 { z } else { D::from(0.0) };
    let mut loss = D::from(0.0);
    for (pt, &label) in points.iter().zip(labels) {
        let (x, y) = (pt[0], pt[1]);
        let n1 = relu(p[0] * x + p[1] * y + p[2]);
        let n2 = relu(p[3] * x + p[4] * y + p[5]);
        let n3 = relu(p[6] * x + p[7] * y + p[8]);
        let score = p[9] * n1 + p[10] * n2 + p[11] * n3 + p[12];
        let e = score - label;
        loss += e * e;
    }
    loss
}

fn relu_tape<'t>(z: Var<'t>, zero: Var<'t>) -> Var<'t> {
    if z.val() > 0.0 { z } else { zero }
}

fn net_tape(tape: &Tape, p: &[f64], points: &[[f64; 2]], labels: &[f64]) -> (f64, Vec<f64>) {
    tape.clear();
    let v = tape.add_vars(p);
    let zero = tape.add_var(0.0);
    let mut loss = zero;
    for (pt, &label) in points.iter().zip(labels) {
        let (x, y) = (pt[0], pt[1]);
        let n1 = relu_tape(v[0] * x + v[1] * y + v[2], zero);
        let n2 = relu_tape(v[3] * x + v[4] * y + v[5], zero);
        let n3 = relu_tape(v[6] * x + v[7] * y + v[8], zero);
        let score = v[9] * n1 + v[10] * n2 + v[11] * n3 + v[12];
        let e = score - label;
        loss = loss + e * e;
    }
    (loss.val(), loss.grad().wrt(&v))
}

fn bench_net(c: &mut Criterion) {
    let p = NET_PARAMS;
    let f13 = |v: &[f64]| net_loss(v, &POINTS, &LABELS);
    let (hv, hg) = net_hand(&p, &POINTS, &LABELS);
    let want = (hv, &hg[..]);

    let (dv, dg) = dual_vec_grad(p, |v| net_dual(v, &POINTS, &LABELS));
    assert_close("net/num_dual", (dv, &dg), want, EXACT);
    let tape = Tape::new();
    let (tv, tg) = net_tape(&tape, &p, &POINTS, &LABELS);
    assert_close("net/tape", (tv, &tg), want, EXACT);
    let (fv, fg) = central_fd(&p, f13);
    assert_close("net/fd", (fv, &fg), want, FD);
    let (mv, mg) = net_loss_grad(&p, &POINTS, &LABELS);
    assert_close("net/gradmacro", (mv, &mg), want, EXACT);
    let t = direction(p.len());
    assert_directional("net/jvp", net_loss_jvp(&p, &POINTS, &LABELS, &t), want, &t);
    let nd = |v: &[Dual64]| net_dual(v, &POINTS, &LABELS);
    assert_directional("net/dual64_jvp", dual64_jvp(&p, &t, nd), want, &t);

    let mut g = c.benchmark_group("net");
    g.bench_function("f", |bch| {
        bch.iter(|| net_loss(black_box(&p), black_box(&POINTS), black_box(&LABELS)));
    });
    g.bench_function("hand", |bch| {
        bch.iter(|| net_hand(black_box(&p), black_box(&POINTS), black_box(&LABELS)));
    });
    g.bench_function("gradmacro", |bch| {
        bch.iter(|| net_loss_grad(black_box(&p), black_box(&POINTS), black_box(&LABELS)));
    });
    g.bench_function("num_dual", |bch| {
        bch.iter(|| {
            let (pts, l) = (black_box(&POINTS), black_box(&LABELS));
            dual_vec_grad(black_box(p), |v| net_dual(v, pts, l))
        });
    });
    g.bench_function("tape", |bch| {
        bch.iter(|| net_tape(&tape, black_box(&p), black_box(&POINTS), black_box(&LABELS)));
    });
    g.bench_function("fd", |bch| {
        bch.iter(|| central_fd(black_box(&p), f13));
    });
    g.bench_function("jvp", |bch| {
        bch.iter(|| net_loss_jvp(black_box(&p), black_box(&POINTS), black_box(&LABELS), black_box(&t)));
    });
    g.bench_function("dual64_jvp", |bch| {
        bch.iter(|| {
            let (pts, l) = (black_box(&POINTS), black_box(&LABELS));
            dual64_jvp(black_box(&p), black_box(&t), |v| net_dual(v, pts, l))
        });
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Case 4: a 100-input chain, sum x[i] * x[i+1] + sin(x[i])
// ---------------------------------------------------------------------------------------------

#[differentiate(forward)]
fn chain(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += x[i] * x[i + 1] + x[i].sin();
    }
    s
}

fn chain_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let mut s = 0.0;
    let mut dx = vec![0.0; x.len()];
    for i in 0..x.len() - 1 {
        let (sin, cos) = x[i].sin_cos();
        s += x[i] * x[i + 1] + sin;
        dx[i] += x[i + 1] + cos;
        dx[i + 1] += x[i];
    }
    (s, dx)
}

fn chain_dual<D: DualNum<Primitive = f64> + Copy>(x: &[D]) -> D {
    let mut s = D::from(0.0);
    for i in 0..x.len() - 1 {
        s += x[i] * x[i + 1] + x[i].sin();
    }
    s
}

fn chain_tape(tape: &Tape, x: &[f64]) -> (f64, Vec<f64>) {
    tape.clear();
    let v = tape.add_vars(x);
    let mut s = tape.add_var(0.0);
    for i in 0..v.len() - 1 {
        s = s + v[i] * v[i + 1] + v[i].sin();
    }
    (s.val(), s.grad().wrt(&v))
}

// ---------------------------------------------------------------------------------------------
// Case 5: Rosenbrock, sum 100 (x[i+1] - x[i]²)² + (1 - x[i])², n = 10, 100, 1000
// ---------------------------------------------------------------------------------------------

#[differentiate(forward)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        s += 100.0 * t * t + u * u;
    }
    s
}

fn rosenbrock_hand(x: &[f64]) -> (f64, Vec<f64>) {
    let mut s = 0.0;
    let mut dx = vec![0.0; x.len()];
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        s += 100.0 * t * t + u * u;
        let dt = 200.0 * t;
        let du = 2.0 * u;
        dx[i + 1] += dt;
        dx[i] -= 2.0 * x[i] * dt + du;
    }
    (s, dx)
}

fn rosenbrock_dual<D: DualNum<Primitive = f64> + Copy>(x: &[D]) -> D {
    let mut s = D::from(0.0);
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = -x[i] + 1.0;
        s += t * t * 100.0 + u * u;
    }
    s
}

fn rosenbrock_tape(tape: &Tape, x: &[f64]) -> (f64, Vec<f64>) {
    tape.clear();
    let v = tape.add_vars(x);
    let mut s = tape.add_var(0.0);
    for i in 0..v.len() - 1 {
        let t = v[i + 1] - v[i] * v[i];
        let u = 1.0 - v[i];
        s = s + 100.0 * t * t + u * u;
    }
    (s.val(), s.grad().wrt(&v))
}

/// The slice cases: `chain` and `rosenbrock` share their shape `fn(&[f64]) -> f64`.
struct SliceCase {
    name: &'static str,
    f: fn(&[f64]) -> f64,
    hand: fn(&[f64]) -> (f64, Vec<f64>),
    gradmacro: fn(&[f64]) -> (f64, Vec<f64>),
    dual: fn(&[Dual64]) -> Dual64,
    dual10: fn(&[DualSVec64<10>]) -> DualSVec64<10>,
    tape: fn(&Tape, &[f64]) -> (f64, Vec<f64>),
    jvp: fn(&[f64], &[f64]) -> (f64, f64),
}

fn bench_slice_case(c: &mut Criterion, case: &SliceCase, x: &[f64]) {
    let name = case.name;
    let (hv, hg) = (case.hand)(x);
    let want = (hv, &hg[..]);

    // num-dual: one 10-wide pass for n = 10, one Dual64 pass per input above that.
    let dual = |x: &[f64]| -> (f64, Vec<f64>) {
        if let Ok(x10) = <[f64; 10]>::try_from(x) {
            let (v, g) = dual_vec_grad(x10, |v| (case.dual10)(v));
            (v, g.to_vec())
        } else {
            dual_per_input_grad(x, case.dual)
        }
    };
    let (dv, dg) = dual(x);
    assert_close(&format!("{name}/num_dual"), (dv, &dg), want, EXACT);
    let tape = Tape::new();
    let (tv, tg) = (case.tape)(&tape, x);
    assert_close(&format!("{name}/tape"), (tv, &tg), want, EXACT);
    let (fv, fg) = central_fd(x, case.f);
    assert_close(&format!("{name}/fd"), (fv, &fg), want, FD);
    let (mv, mg) = (case.gradmacro)(x);
    assert_close(&format!("{name}/gradmacro"), (mv, &mg), want, EXACT);
    let t = direction(x.len());
    assert_directional(&format!("{name}/jvp"), (case.jvp)(x, &t), want, &t);
    assert_directional(&format!("{name}/dual64_jvp"), dual64_jvp(x, &t, case.dual), want, &t);

    let mut g = c.benchmark_group(name);
    g.bench_function("f", |bch| bch.iter(|| (case.f)(black_box(x))));
    g.bench_function("hand", |bch| bch.iter(|| (case.hand)(black_box(x))));
    g.bench_function("gradmacro", |bch| bch.iter(|| (case.gradmacro)(black_box(x))));
    g.bench_function("num_dual", |bch| bch.iter(|| dual(black_box(x))));
    g.bench_function("tape", |bch| bch.iter(|| (case.tape)(&tape, black_box(x))));
    g.bench_function("fd", |bch| bch.iter(|| central_fd(black_box(x), case.f)));
    g.bench_function("jvp", |bch| bch.iter(|| (case.jvp)(black_box(x), black_box(&t))));
    g.bench_function("dual64_jvp", |bch| bch.iter(|| dual64_jvp(black_box(x), black_box(&t), case.dual)));
    g.finish();
}

fn bench_chain_and_rosenbrock(c: &mut Criterion) {
    let chain_case = SliceCase {
        name: "chain_n100",
        f: chain,
        hand: chain_hand,
        gradmacro: chain_grad,
        dual: chain_dual,
        dual10: chain_dual,
        tape: chain_tape,
        jvp: chain_jvp,
    };
    let x: Vec<f64> = (0..100).map(|i| (f64::from(i) * 0.37).sin() * 1.5).collect();
    bench_slice_case(c, &chain_case, &x);

    for (n, name) in [(10, "rosenbrock_n10"), (100, "rosenbrock_n100"), (1000, "rosenbrock_n1000")] {
        let case = SliceCase {
            name,
            f: rosenbrock,
            hand: rosenbrock_hand,
            gradmacro: rosenbrock_grad,
            dual: rosenbrock_dual,
            dual10: rosenbrock_dual,
            tape: rosenbrock_tape,
            jvp: rosenbrock_jvp,
        };
        let x: Vec<f64> = (0..n).map(|i| 0.5 + 0.6 * (f64::from(i) * 0.7).sin()).collect();
        bench_slice_case(c, &case, &x);
    }
}

// ---------------------------------------------------------------------------------------------
// Case 6: a loop that carries a value, y = sin(y) * k + x for 100 steps, w.r.t. x and k
// ---------------------------------------------------------------------------------------------

const STEPS: usize = 100;

#[differentiate(forward)]
fn carry(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = y.sin() * k + x;
    }
    y
}

fn carry_hand(x: f64, k: f64) -> (f64, [f64; 2]) {
    // forward, keeping each step's sine and cosine (one `sin_cos` call: the cosine is nearly free)
    let mut sins = [0.0; STEPS];
    let mut coss = [0.0; STEPS];
    let mut y = x;
    for t in 0..STEPS {
        (sins[t], coss[t]) = y.sin_cos();
        y = sins[t] * k + x;
    }
    // backward
    let (mut dy, mut dx, mut dk) = (1.0, 0.0, 0.0);
    for t in (0..STEPS).rev() {
        dk += sins[t] * dy;
        dx += dy;
        dy *= k * coss[t];
    }
    dx += dy;
    (y, [dx, dk])
}

fn carry_dual<D: DualNum<Primitive = f64> + Copy>(x: D, k: D) -> D {
    let mut y = x;
    for _ in 0..STEPS {
        y = y.sin() * k + x;
    }
    y
}

fn carry_tape(tape: &Tape, x: f64, k: f64) -> (f64, Vec<f64>) {
    tape.clear();
    let v = [tape.add_var(x), tape.add_var(k)];
    let mut y = v[0];
    for _ in 0..STEPS {
        y = y.sin() * v[1] + v[0];
    }
    (y.val(), y.grad().wrt(&v))
}

fn bench_carry(c: &mut Criterion) {
    let (x, k) = (0.5, 0.9);
    let f2 = |v: &[f64]| carry(v[0], v[1]);
    let (hv, hg) = carry_hand(x, k);
    let want = (hv, &hg[..]);

    let (dv, dg) = dual_vec_grad([x, k], |v| carry_dual(v[0], v[1]));
    assert_close("carry/num_dual", (dv, &dg), want, EXACT);
    let tape = Tape::new();
    let (tv, tg) = carry_tape(&tape, x, k);
    assert_close("carry/tape", (tv, &tg), want, EXACT);
    let (fv, fg) = central_fd(&[x, k], f2);
    assert_close("carry/fd", (fv, &fg), want, FD);
    let (mv, mdx, mdk) = carry_grad(x, k);
    assert_close("carry/gradmacro", (mv, &[mdx, mdk]), want, EXACT);
    let t = direction(2);
    assert_directional("carry/jvp", carry_jvp(x, k, t[0], t[1]), want, &t);
    let cd = |v: &[Dual64]| carry_dual(v[0], v[1]);
    assert_directional("carry/dual64_jvp", dual64_jvp(&[x, k], &t, cd), want, &t);

    let mut g = c.benchmark_group("carry");
    g.bench_function("f", |bch| bch.iter(|| carry(black_box(x), black_box(k))));
    g.bench_function("hand", |bch| {
        bch.iter(|| carry_hand(black_box(x), black_box(k)));
    });
    g.bench_function("gradmacro", |bch| {
        bch.iter(|| carry_grad(black_box(x), black_box(k)));
    });
    g.bench_function("num_dual", |bch| {
        bch.iter(|| dual_vec_grad(black_box([x, k]), |v| carry_dual(v[0], v[1])));
    });
    g.bench_function("tape", |bch| {
        bch.iter(|| carry_tape(&tape, black_box(x), black_box(k)));
    });
    g.bench_function("fd", |bch| {
        bch.iter(|| central_fd(black_box(&[x, k]), f2));
    });
    g.bench_function("jvp", |bch| {
        bch.iter(|| carry_jvp(black_box(x), black_box(k), black_box(t[0]), black_box(t[1])));
    });
    g.bench_function("dual64_jvp", |bch| {
        bch.iter(|| dual64_jvp(black_box(&[x, k]), black_box(&t), cd));
    });
    g.finish();
}

criterion_group! {
    name = gradients;
    config = config();
    targets = bench_neuron, bench_svm, bench_net, bench_chain_and_rosenbrock, bench_carry
}
criterion_main!(gradients);
