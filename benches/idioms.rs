//! The idiomatic constructs of issue 12, each timed next to a backward pass written by hand in
//! the same idiom (the same iterator chain, closure or `loop`, with the adjoints added by hand),
//! and next to num-dual's forward mode, in one run:
//!
//! - `chain_nll`: a Gaussian negative log-likelihood over 1,000 data points written as
//!   `data.iter().map(|x| (x - mu).powi(2)).sum()`, w.r.t. `mu` and `sigma`;
//! - `closure_act`: `w.iter().zip(x).map(|(a, b)| act(a * b)).sum()` with a local closure
//!   `act = |z| z.tanh()`, n = 100, w.r.t. `w` and `x`;
//! - `max_by_lse`: log-sum-exp with `max_by(f64::total_cmp)` for the shift, n = 64;
//! - `collect_buf`: `let h: Vec<f64> = w.iter().map(|v| v.exp()).collect();` then reads of the
//!   buffer, n = 64;
//! - `loop_break`: eight Heron steps for `sqrt(a)` in a `loop { .. break y; }` (a carried value);
//! - `sub_slices`: a roughness penalty over neighbours,
//!   `x[1..].iter().zip(&x[..n - 1]).map(|(b, a)| (b - a).powi(2)).sum()`, n = 256;
//! - `windows`: the same penalty written `x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()`.
//!
//! Before anything is timed every method's value and gradient is asserted equal to the
//! hand-written pass's (relative 1e-9). Run with `cargo bench --bench idioms`; results in
//! BENCHMARKS.md.

#![allow(clippy::cast_precision_loss)]

mod common;

use std::hint::black_box;

use common::{config, dual_per_input_grad};
use criterion::{Criterion, criterion_group, criterion_main};
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum};

fn assert_close(what: &str, got: (f64, &[f64]), want: (f64, &[f64])) {
    let close = |g: f64, w: f64| (g - w).abs() <= 1e-9 * g.abs().max(w.abs()).max(1e-12);
    assert!(close(got.0, want.0), "{what}: value {} != hand-written {}", got.0, want.0);
    assert_eq!(got.1.len(), want.1.len(), "{what}: gradient length");
    for (i, (g, w)) in got.1.iter().zip(want.1).enumerate() {
        assert!(close(*g, *w), "{what}: d[{i}] = {g}, hand-written {w}");
    }
}

fn data(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 37 % 101) as f64 / 101.0 - 0.5) * 3.0).collect()
}

// ---------------------------------------------------------------------------------------------

#[differentiate(wrt(mu, sigma))]
fn chain_nll(mu: f64, sigma: f64, data: &[f64]) -> f64 {
    let n = data.len() as f64;
    let ss: f64 = data.iter().map(|x| (x - mu).powi(2)).sum();
    n * sigma.ln() + ss / (2.0 * sigma * sigma)
}

fn chain_nll_hand(mu: f64, sigma: f64, data: &[f64]) -> (f64, f64, f64) {
    let n = data.len() as f64;
    let (ss, dss_dmu) = data.iter().map(|x| x - mu).fold((-0.0, 0.0), |(s, d), r| (s + r.powi(2), d - 2.0 * r));
    let s2 = 2.0 * sigma * sigma;
    let value = n * sigma.ln() + ss / s2;
    let d_ss = 1.0 / s2;
    let d_s2 = -ss / (s2 * s2);
    (value, d_ss * dss_dmu, n / sigma + d_s2 * 4.0 * sigma)
}

fn bench_chain_nll(c: &mut Criterion) {
    let d = data(1000);
    let (mu, sigma) = (0.3, 1.4);
    let hand = chain_nll_hand(mu, sigma, &d);
    let gm = chain_nll_grad(mu, sigma, &d);
    assert_close("chain_nll gradmacro", (gm.0, &[gm.1, gm.2]), (hand.0, &[hand.1, hand.2]));
    let dual = |p: &[Dual64]| {
        let ss = d.iter().fold(Dual64::from(-0.0), |s, x| s + (p[0] - *x).powi(2));
        p[1].ln() * d.len() as f64 + ss / (p[1] * p[1] * 2.0)
    };
    let dg = dual_per_input_grad(&[mu, sigma], dual);
    assert_close("chain_nll num_dual", (dg.0, &dg.1), (hand.0, &[hand.1, hand.2]));
    let mut g = c.benchmark_group("idiom_chain_nll");
    g.bench_function("f", |b| b.iter(|| chain_nll(black_box(mu), black_box(sigma), black_box(&d))));
    g.bench_function("hand", |b| b.iter(|| chain_nll_hand(black_box(mu), black_box(sigma), black_box(&d))));
    g.bench_function("gradmacro", |b| b.iter(|| chain_nll_grad(black_box(mu), black_box(sigma), black_box(&d))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&[mu, sigma]), dual)));
    g.finish();
}

// ---------------------------------------------------------------------------------------------

#[differentiate]
fn closure_act(w: &[f64], x: &[f64]) -> f64 {
    let act = |z: f64| z.tanh();
    w.iter().zip(x).map(|(a, b)| act(a * b)).sum()
}

fn closure_act_hand(w: &[f64], x: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    // The local gate and its derivative, as closures too.
    let act = |z: f64| z.tanh();
    let d_act = |t: f64| 1.0 - t * t;
    let n = w.len().min(x.len());
    let (mut dw, mut dx) = (vec![0.0; w.len()], vec![0.0; x.len()]);
    let mut value = -0.0;
    for i in 0..n {
        let t = act(w[i] * x[i]);
        value += t;
        let dz = d_act(t);
        dw[i] = dz * x[i];
        dx[i] = dz * w[i];
    }
    (value, dw, dx)
}

fn bench_closure_act(c: &mut Criterion) {
    let (w, x) = (data(100), data(130)[30..].to_vec());
    let hand = closure_act_hand(&w, &x);
    let gm = closure_act_grad(&w, &x);
    let cat = |a: &[f64], b: &[f64]| [a, b].concat();
    assert_close("closure_act gradmacro", (gm.0, &cat(&gm.1, &gm.2)), (hand.0, &cat(&hand.1, &hand.2)));
    let wx = cat(&w, &x);
    let dual = |p: &[Dual64]| (0..100).fold(Dual64::from(-0.0), |s, i| s + (p[i] * p[100 + i]).tanh());
    let dg = dual_per_input_grad(&wx, dual);
    assert_close("closure_act num_dual", (dg.0, &dg.1), (hand.0, &cat(&hand.1, &hand.2)));
    let mut g = c.benchmark_group("idiom_closure_act");
    g.bench_function("f", |b| b.iter(|| closure_act(black_box(&w), black_box(&x))));
    g.bench_function("hand", |b| b.iter(|| closure_act_hand(black_box(&w), black_box(&x))));
    g.bench_function("gradmacro", |b| b.iter(|| closure_act_grad(black_box(&w), black_box(&x))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&wx), dual)));
    g.finish();
}

// ---------------------------------------------------------------------------------------------

/// # Panics
/// When `w` is empty.
#[differentiate]
fn max_by_lse(w: &[f64]) -> f64 {
    let m = w.iter().copied().max_by(f64::total_cmp).unwrap();
    m + w.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn max_by_lse_hand(w: &[f64]) -> (f64, Vec<f64>) {
    let m = w.iter().copied().max_by(f64::total_cmp).unwrap();
    let e: Vec<f64> = w.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    // d/dm cancels: 1 - sum(e) / s = 0, so only the softmax remains.
    (m + s.ln(), e.iter().map(|v| v / s).collect())
}

fn bench_max_by_lse(c: &mut Criterion) {
    let w = data(64);
    let hand = max_by_lse_hand(&w);
    let gm = max_by_lse_grad(&w);
    assert_close("max_by_lse gradmacro", (gm.0, &gm.1), (hand.0, &hand.1));
    let dual = |p: &[Dual64]| {
        let m = p.iter().copied().max_by(|a, b| a.re.total_cmp(&b.re)).unwrap();
        m + p.iter().fold(Dual64::from(-0.0), |s, x| s + (*x - m).exp()).ln()
    };
    let dg = dual_per_input_grad(&w, dual);
    assert_close("max_by_lse num_dual", (dg.0, &dg.1), (hand.0, &hand.1));
    let mut g = c.benchmark_group("idiom_max_by_lse");
    g.bench_function("f", |b| b.iter(|| max_by_lse(black_box(&w))));
    g.bench_function("hand", |b| b.iter(|| max_by_lse_hand(black_box(&w))));
    g.bench_function("gradmacro", |b| b.iter(|| max_by_lse_grad(black_box(&w))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&w), dual)));
    g.finish();
}

// ---------------------------------------------------------------------------------------------

#[differentiate]
fn collect_buf(w: &[f64]) -> f64 {
    let h: Vec<f64> = w.iter().map(|v| v.exp()).collect();
    let s: f64 = h.iter().sum();
    s.ln() + h[0] * h[1]
}

fn collect_buf_hand(w: &[f64]) -> (f64, Vec<f64>) {
    let h: Vec<f64> = w.iter().map(|v| v.exp()).collect();
    let s: f64 = h.iter().sum();
    let value = s.ln() + h[0] * h[1];
    let d_s = 1.0 / s;
    let mut d_h = vec![d_s; h.len()];
    d_h[0] += h[1];
    d_h[1] += h[0];
    (value, d_h.iter().zip(&h).map(|(d, e)| d * e).collect())
}

fn bench_collect_buf(c: &mut Criterion) {
    let w = data(64);
    let hand = collect_buf_hand(&w);
    let gm = collect_buf_grad(&w);
    assert_close("collect_buf gradmacro", (gm.0, &gm.1), (hand.0, &hand.1));
    let dual = |p: &[Dual64]| {
        let h: Vec<Dual64> = p.iter().map(|v| v.exp()).collect();
        h.iter().fold(Dual64::from(-0.0), |s, v| s + *v).ln() + h[0] * h[1]
    };
    let dg = dual_per_input_grad(&w, dual);
    assert_close("collect_buf num_dual", (dg.0, &dg.1), (hand.0, &hand.1));
    let mut g = c.benchmark_group("idiom_collect_buf");
    g.bench_function("f", |b| b.iter(|| collect_buf(black_box(&w))));
    g.bench_function("hand", |b| b.iter(|| collect_buf_hand(black_box(&w))));
    g.bench_function("gradmacro", |b| b.iter(|| collect_buf_grad(black_box(&w))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&w), dual)));
    g.finish();
}

// ---------------------------------------------------------------------------------------------

#[differentiate]
fn loop_break(a: f64) -> f64 {
    let mut y = a.max(1.0);
    let mut k = 0;
    loop {
        y = 0.5 * (y + a / y);
        k += 1;
        if k == 8 {
            break y;
        }
    }
}

fn loop_break_hand(a: f64) -> (f64, f64) {
    // Forward keeping each step's input in a stack array, then the steps in reverse:
    // y' = 0.5 (y + a / y)  =>  dy += 0.5 (1 - a / y^2) dy',  da += 0.5 / y dy'.
    let y0 = a.max(1.0);
    let mut ys = [0.0; 8];
    let mut y = y0;
    let mut k = 0;
    let value = loop {
        ys[k] = y;
        y = 0.5 * (y + a / y);
        k += 1;
        if k == 8 {
            break y;
        }
    };
    let (mut dy, mut da) = (1.0, 0.0);
    for &yk in ys.iter().rev() {
        da += 0.5 / yk * dy;
        dy *= 0.5 * (1.0 - a / (yk * yk));
    }
    if a > 1.0 {
        da += dy;
    }
    (value, da)
}

fn bench_loop_break(c: &mut Criterion) {
    let a = 7.3;
    let hand = loop_break_hand(a);
    let gm = loop_break_grad(a);
    assert_close("loop_break gradmacro", (gm.0, &[gm.1]), (hand.0, &[hand.1]));
    let dual = |p: &[Dual64]| {
        let mut y = if p[0].re > 1.0 { p[0] } else { Dual64::from(1.0) };
        for _ in 0..8 {
            y = (y + p[0] / y) * 0.5;
        }
        y
    };
    let dg = dual_per_input_grad(&[a], dual);
    assert_close("loop_break num_dual", (dg.0, &dg.1), (hand.0, &[hand.1]));
    let mut g = c.benchmark_group("idiom_loop_break");
    g.bench_function("f", |b| b.iter(|| loop_break(black_box(a))));
    g.bench_function("hand", |b| b.iter(|| loop_break_hand(black_box(a))));
    g.bench_function("gradmacro", |b| b.iter(|| loop_break_grad(black_box(a))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&[a]), dual)));
    g.finish();
}

// ---------------------------------------------------------------------------------------------

#[differentiate]
fn sub_slices(x: &[f64]) -> f64 {
    let n = x.len();
    x[1..].iter().zip(&x[..n - 1]).map(|(b, a)| (b - a).powi(2)).sum()
}

fn sub_slices_hand(x: &[f64]) -> (f64, Vec<f64>) {
    // r = b - a  =>  db += 2 r, da -= 2 r, in the same zip of sub-slices.
    let n = x.len();
    let mut d = vec![0.0; n];
    let mut value = 0.0;
    for (i, (b, a)) in x[1..].iter().zip(&x[..n - 1]).enumerate() {
        let r = b - a;
        value += r.powi(2);
        d[i + 1] += 2.0 * r;
        d[i] -= 2.0 * r;
    }
    (value, d)
}

fn bench_sub_slices(c: &mut Criterion) {
    let x = data(256);
    let hand = sub_slices_hand(&x);
    let gm = sub_slices_grad(&x);
    assert_close("sub_slices gradmacro", (gm.0, &gm.1), (hand.0, &hand.1));
    let dual = |p: &[Dual64]| {
        let n = p.len();
        p[1..].iter().zip(&p[..n - 1]).fold(Dual64::from(0.0), |s, (b, a)| s + (*b - *a).powi(2))
    };
    let dg = dual_per_input_grad(&x, dual);
    assert_close("sub_slices num_dual", (dg.0, &dg.1), (hand.0, &hand.1));
    let mut g = c.benchmark_group("idiom_sub_slices");
    g.bench_function("f", |b| b.iter(|| sub_slices(black_box(&x))));
    g.bench_function("hand", |b| b.iter(|| sub_slices_hand(black_box(&x))));
    g.bench_function("gradmacro", |b| b.iter(|| sub_slices_grad(black_box(&x))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&x), dual)));
    g.finish();
}

#[differentiate]
fn windows(x: &[f64]) -> f64 {
    x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
}

fn windows_hand(x: &[f64]) -> (f64, Vec<f64>) {
    // r = w[1] - w[0]  =>  d[i + 1] += 2 r, d[i] -= 2 r, over the same windows.
    let mut d = vec![0.0; x.len()];
    let mut value = 0.0;
    for (i, w) in x.windows(2).enumerate() {
        let r = w[1] - w[0];
        value += r.powi(2);
        d[i + 1] += 2.0 * r;
        d[i] -= 2.0 * r;
    }
    (value, d)
}

fn bench_windows(c: &mut Criterion) {
    let x = data(256);
    let hand = windows_hand(&x);
    let gm = windows_grad(&x);
    assert_close("windows gradmacro", (gm.0, &gm.1), (hand.0, &hand.1));
    let dual = |p: &[Dual64]| p.windows(2).fold(Dual64::from(0.0), |s, w| s + (w[1] - w[0]).powi(2));
    let dg = dual_per_input_grad(&x, dual);
    assert_close("windows num_dual", (dg.0, &dg.1), (hand.0, &hand.1));
    let mut g = c.benchmark_group("idiom_windows");
    g.bench_function("f", |b| b.iter(|| windows(black_box(&x))));
    g.bench_function("hand", |b| b.iter(|| windows_hand(black_box(&x))));
    g.bench_function("gradmacro", |b| b.iter(|| windows_grad(black_box(&x))));
    g.bench_function("num_dual", |b| b.iter(|| dual_per_input_grad(black_box(&x), dual)));
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_chain_nll, bench_closure_act, bench_max_by_lse, bench_collect_buf, bench_loop_break, bench_sub_slices, bench_windows
}
criterion_main!(benches);
