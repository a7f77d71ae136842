//! Generated code is user code: this crate denies every warning and enables clippy's pedantic
//! group, and differentiates many shapes of function. `cargo test` checks the rustc lints and
//! CI's `cargo clippy --all-targets -- -D warnings` checks clippy's.
#![deny(warnings)]
#![warn(clippy::pedantic)]
// The user's own style choices below, not the generated code's.
#![allow(clippy::many_single_char_names, clippy::must_use_candidate, clippy::ptr_arg)]

use gradmacro::differentiate;

const SCALE: f64 = 0.5;

#[differentiate]
pub fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    let q = a * x + b * y + c;
    1.0 / (1.0 + (-q).exp())
}

#[differentiate]
pub fn gates(x: f64, y: f64) -> f64 {
    let a = x.sin() * y.cos() + x.exp() * y.tanh() - (x * x + 1.0).ln();
    let b = x.max(y) + x.min(y) + x.abs() + x.hypot(y) + x.atan2(y) + x.powi(3) + y.powf(2.0);
    let c = f64::sqrt(x * x + 1.0) + f64::mul_add(x, y, 1.0) + x.clamp(-1.0, 1.0) + x.floor();
    a + b + c * SCALE + std::f64::consts::PI
}

#[differentiate]
pub fn single(x: f32) -> f32 {
    x * x
}

#[differentiate(wrt(a))]
pub fn with_wrt(a: f64, b: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        #[allow(clippy::cast_precision_loss)]
        let k = i as f64;
        s += a * k + b;
    }
    s
}

#[differentiate]
pub fn branches(x: f64, y: f64) -> f64 {
    let mut z = x;
    if x > y {
        z *= 2.0;
    } else if x < -y {
        z -= y;
    } else {
        z += y * y;
    }
    let w = if z > 0.0 { z.sqrt() } else { -z };
    w + z
}

#[differentiate]
pub fn carried(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate]
pub fn slice_loss(w: &[f64], data: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut loss = 0.0;
    for (p, &l) in data.iter().zip(labels.iter()) {
        let s = w[0] * p[0] + w[1] * p[1] + w[2];
        loss += (1.0 - l * s).max(0.0);
    }
    loss
}

#[differentiate]
pub fn arrays(x: [f64; 3], v: &Vec<f64>) -> f64 {
    let mut h = [0.0; 3];
    for k in 0..3 {
        h[k] = x[k] * v[k];
    }
    let mut s = 0.0;
    for &e in &h {
        s += e * e;
    }
    s
}

#[differentiate]
pub fn control(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while i < xs.len() {
        if xs[i] < 0.0 {
            i += 1;
            continue;
        }
        if s > 10.0 {
            break;
        }
        s += xs[i] * xs[i];
        i += 1;
    }
    for &x in xs {
        if x > 100.0 {
            return x;
        }
    }
    s
}

#[differentiate]
pub fn composed(a: f64, b: f64) -> f64 {
    neuron(a, b, 1.0, 2.0, 3.0) * carried(a, 0.5)
}

pub struct Model {
    pub k: f64,
}

impl Model {
    #[differentiate]
    pub fn energy(&self, x: f64) -> f64 {
        self.k * x * x
    }
}

#[test]
fn lint_clean_code_runs() {
    let (v, _, _, _, _, _) = neuron_grad(1.0, 2.0, -3.0, -1.0, 3.0);
    assert!((v - neuron(1.0, 2.0, -3.0, -1.0, 3.0)).abs() < f64::EPSILON);
    let _ = gates_grad(0.3, 0.4);
    let _ = single_grad(2.0);
    let _ = with_wrt_grad(1.0, 2.0, 3);
    let _ = branches_grad(0.3, 0.2);
    let _ = carried_grad(0.3, 0.2);
    let _ = slice_loss_grad(&[1.0, 2.0, 3.0], &[[1.0, 2.0]], &[1.0]);
    let _ = arrays_grad([1.0, 2.0, 3.0], &vec![1.0, 2.0, 3.0]);
    let _ = control_grad(&[1.0, -2.0, 3.0]);
    let _ = composed_grad(0.1, 0.2);
    let _ = Model { k: 1.0 }.energy_grad(2.0);
    let _ = chains_grad(0.5, 1.5, &[1.0, 2.0], &[0.5, -0.5]);
}

// Iterator chains, closures in conditions, predicates, casts and `%` of casts (issues 11, 12, 17).
// The user's casts: an `allow` on the function holds for its companion too.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
#[differentiate(wrt(mu, sigma))]
pub fn chains(mu: f64, sigma: f64, data: &[f64], w: &[f64]) -> f64 {
    let ss: f64 = data.iter().map(|x| (x - mu).powi(2)).sum();
    let dot = w.iter().zip(data).map(|(a, b)| a * b).sum::<f64>();
    let m = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pos: f64 = data.iter().filter(|&&x| x > mu).map(|x| x * sigma).product();
    let mut t = 0.0;
    data.iter().enumerate().for_each(|(i, x)| t += x * mu * f64::from(u8::try_from(i).unwrap_or(0)));
    let big = data.iter().any(|&x| x > mu * sigma);
    let k = mu.abs() as usize % 2;
    let neg = mu.is_sign_negative();
    let v = if big && !neg { ss / sigma } else { dot + m };
    v + pos + t + f64::from(u8::try_from(k).unwrap_or(0)) * sigma
}

/// Buffers, checks, `sin_cos` and remainders (issue 12).
///
/// # Panics
/// When `n` is 0.
#[allow(clippy::cast_precision_loss, clippy::useless_vec)]
#[differentiate(wrt(x, w))]
pub fn buffers(x: f64, w: &[f64], n: usize) -> f64 {
    assert!(n > 0, "n = {n}");
    let mut h = vec![0.0; n];
    let l = vec![x, x * x];
    for k in 0..n {
        h[k] = w[k % w.len()] * x + l[k % 2];
    }
    debug_assert!(h.iter().all(|v| v.is_finite()), "h = {h:?}");
    let (s, c) = x.sin_cos();
    let mut t = 0.0;
    for v in &h {
        t += v * s;
    }
    t % 3.0 + c.rem_euclid(0.5) + (n as f64).div_euclid(2.0)
}

/// Local closures and `loop` with a value (issue 12).
#[differentiate]
pub fn closures_and_loop(x: f64, w: &[f64]) -> f64 {
    let sq = |v: f64| v * v;
    let scaled = |v: f64| sq(v) * x;
    let mut total = 0.0;
    let mut add = |v: f64| total += v;
    for &wi in w {
        add(scaled(wi));
    }
    let near = |v: &f64| (v - x).abs() < 0.5;
    let mut y = x;
    let r = loop {
        y *= 0.5;
        if y.abs() < 0.1 || w.iter().any(near) {
            break y * total;
        }
    };
    r + w.iter().copied().map(sq).sum::<f64>()
}

/// Adaptors, `max_by`, `reduce` and `collect` over differentiated slices (issue 12).
///
/// # Panics
/// When `w` is empty.
#[differentiate]
pub fn adaptors(w: &[f64], x: &[f64]) -> f64 {
    let m = w.iter().copied().max_by(f64::total_cmp).unwrap();
    let p = x.iter().copied().reduce(|a, b| a * b).unwrap_or(1.0);
    let h: Vec<f64> = w.iter().rev().skip(1).map(|v| (v - m).exp()).collect();
    let t: f64 = x.iter().step_by(2).take(3).zip(&h).map(|(a, b)| a * b).sum();
    m + p + t + h.iter().sum::<f64>()
}

/// A buffer grown by `push` (issue 12).
#[differentiate]
pub fn pushed(x: f64, w: &[f64]) -> f64 {
    let mut h = Vec::with_capacity(w.len());
    for &v in w {
        h.push(v * x);
    }
    let mut kept = Vec::new();
    for &v in w {
        if v > 0.0 {
            kept.push(v);
        }
    }
    h.iter().sum::<f64>() + f64::from(u32::try_from(kept.len()).unwrap_or(0)) * x
}

/// Tuple parameters (issue 12).
#[differentiate]
pub fn tuple_param(p: (f64, f64), q: &(f64, f64)) -> f64 {
    let (a, b) = q;
    p.0 * a + p.1 * b
}

// Forward mode: `f_jvp` is user code too.

#[differentiate(forward)]
pub fn jvp_gates(x: f64, y: f64) -> f64 {
    let a = x.sin() * y.cos() + x.exp() * y.tanh() - (x * x + 1.0).ln();
    let b = x.max(y) + x.min(y) + x.abs() + x.hypot(y) + x.atan2(y) + x.powi(3) + y.powf(2.0);
    let c = f64::sqrt(x * x + 1.0) + f64::mul_add(x, y, 1.0) + x.clamp(-1.0, 1.0) + x.floor();
    a + b + c * SCALE + std::f64::consts::PI
}

#[differentiate(forward)]
pub fn jvp_single(x: f32) -> f32 {
    x * x
}

#[differentiate(wrt(a), forward)]
pub fn jvp_with_wrt(a: f64, b: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        #[allow(clippy::cast_precision_loss)]
        let k = i as f64;
        s += a * k + b;
    }
    s
}

#[differentiate(forward)]
pub fn jvp_branches_loops(x: f64, y: f64, w: &[f64], k: [f64; 2], p: (f64, f64)) -> f64 {
    let mut z = x;
    if x > y {
        z *= 2.0;
    } else {
        z += y * y;
    }
    let mut h = [0.0; 2];
    for i in 0..2 {
        h[i] = k[i] * z;
    }
    let mut acc = 0.0;
    for &v in w {
        if v > 10.0 {
            return acc;
        }
        acc = acc * 0.5 + v * h[0];
    }
    let s: f64 = w.iter().map(|v| v * x).sum();
    let m = match w.len() {
        0 => p.0,
        _ => p.1 * h[1],
    };
    acc + s + m + jvp_single_callee(z, w)
}

#[differentiate(forward)]
pub fn jvp_single_callee(x: f64, w: &[f64]) -> f64 {
    let mut buf = vec![0.0; w.len()];
    for i in 0..w.len() {
        buf[i] = w[i] * x;
    }
    buf.iter().sum()
}

#[differentiate(forward)]
pub fn jvp_unused(x: f64, w: &[f64], k: [f64; 2]) -> f64 {
    let _ = (w.len(), k.len());
    2.0 + x.floor()
}

#[test]
fn jvp_runs() {
    let (v, d) = jvp_gates_jvp(0.3, 0.7, 1.0, 0.0);
    assert!(v.is_finite() && d.is_finite());
    assert_eq!(jvp_unused_jvp(1.5, &[1.0], [1.0, 2.0], 1.0, &[1.0], [0.0, 1.0]), (3.0, 0.0));
}

/// Vector outputs (issue 13): `f_vjp` and `f_jacobian`, straight-line (one forward pass, one
/// backward pass per output) and with a loop (a pass per output); a tuple output; calls through
/// `_vjp`; a parameter named like the seed.
#[differentiate]
pub fn vec_sub(a: [f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[differentiate]
pub fn vec_cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

#[differentiate]
pub fn vec_polar(r: f64, t: f64, seed: f64) -> (f64, f64) {
    (r * t.cos() + seed, r * t.sin())
}

#[differentiate]
pub fn vec_loop(x: &[f64], k: f64) -> [f64; 2] {
    let mut h = [0.0; 2];
    for (i, v) in x.iter().enumerate() {
        h[i % 2] += v * k;
        if *v > 10.0 {
            return [k, h[0]];
        }
    }
    if k > 0.0 { h } else { [h[1], h[0]] }
}

#[differentiate]
pub fn vec_constant(x: f64) -> [f64; 2] {
    if x > 0.0 { [1.0, 2.0] } else { [2.0, 1.0] }
}

#[differentiate]
pub fn vec_calls(a: [f64; 3], b: [f64; 3], q: f64) -> f64 {
    let r = vec_sub(a, &b);
    let c: [f64; 3] = vec_cross(r, b);
    let [x, _, z] = vec_cross(a, c);
    let (u, v) = vec_polar(x, q, 1.0);
    r[0] * z + u * v
}

#[differentiate]
pub fn vec_in_loop(a: [f64; 3], n: usize) -> [f64; 3] {
    let mut s = [0.0; 3];
    for _ in 0..n {
        let d: [f64; 3] = vec_cross(a, [1.0, 0.5, 0.25]);
        for k in 0..3 {
            s[k] += d[k];
        }
    }
    vec_sub(s, &a)
}

// Nested arrays and structs named in `wrt(...)` (issue 13, items 1-2).
#[differentiate(wrt(pos), forward)]
pub fn lint_springs(pos: &[[f64; 2]], k: f64) -> f64 {
    let mut e = 0.0;
    for i in 1..pos.len() {
        let [x0, y0] = pos[i - 1];
        let p = pos[i];
        e += k * ((p[0] - x0).powi(2) + (p[1] - y0).powi(2));
    }
    for &[x, y] in pos {
        e += x * y;
    }
    e
}

#[allow(clippy::needless_range_loop)]
#[differentiate(wrt(m, rows), forward)]
pub fn lint_nested(m: [[f64; 2]; 3], rows: &Vec<Vec<f64>>) -> f64 {
    let mut s = m[0][1] * m[2][0];
    for i in 0..rows.len() {
        s += rows[i][0];
    }
    s
}

#[derive(gradmacro::Differentiable, Clone, Debug)]
pub struct LintBody {
    pub x: f64,
    pub v: [f64; 2],
    pub w: Vec<f64>,
    pub n: usize,
    pub on: bool,
    pub label: String,
}

#[allow(clippy::needless_pass_by_value)]
#[differentiate(wrt(b, c), forward)]
pub fn lint_struct(b: &LintBody, c: LintBody, g: f64) -> f64 {
    let mut s = b.x * g + b.v[0] * b.v[1] + c.x;
    for i in 0..b.n {
        s += b.w[i];
    }
    if b.on { s } else { -s }
}

#[test]
fn nested_and_structs_run() {
    let (_, _) = lint_springs_grad(&[[0.0, 1.0], [1.0, 2.0]], 2.0);
    let _ = lint_springs_jvp(&[[0.0, 1.0], [1.0, 2.0]], 2.0, &[[1.0, 0.0], [0.0, 1.0]]);
    let _ = lint_nested_grad([[1.0; 2]; 3], &vec![vec![1.0], vec![2.0, 3.0]]);
    let b = LintBody { x: 1.0, v: [2.0, 3.0], w: vec![1.0, 2.0], n: 2, on: true, label: String::new() };
    let (_, gb, gc) = lint_struct_grad(&b, b.clone(), 9.8);
    assert_eq!(gb.label, b.label);
    assert!((gc.x - 1.0).abs() < f64::EPSILON);
    let _ = lint_struct_jvp(&b, b.clone(), 9.8, &b, &b);
}

// Slices of structs, nested structs and `wrt(self)` (issue 13, rest of item 1).
#[derive(gradmacro::Differentiable, Clone, Debug)]
pub struct LintVec2 {
    pub x: f64,
    pub y: f64,
}

#[derive(gradmacro::Differentiable, Clone, Debug)]
pub struct LintPoint {
    pub pos: LintVec2,
    pub m: f64,
    pub id: usize,
}

#[differentiate(wrt(ps), forward)]
pub fn lint_points(ps: &[LintPoint], k: f64) -> f64 {
    let mut e: f64 = ps.iter().map(|p| p.m * p.pos.y).sum();
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            let q = &ps[i - 1];
            e += k * (p.pos.x - q.pos.x).powi(2);
        }
    }
    e
}

impl LintPoint {
    #[differentiate(wrt(self, s), forward)]
    pub fn lint_scaled(&self, s: f64) -> f64 {
        (self.pos.x * s).sin() + self.m * self.pos.y
    }
}

// Structs outside `wrt(...)`: their functions get the hidden companion for struct arguments too
// (it only evaluates the function), and a caller passes constant structs beside a
// differentiated one.
#[allow(clippy::needless_pass_by_value)]
#[differentiate(wrt(g))]
pub fn lint_struct_constant(b: &LintBody, c: LintBody, g: f64) -> f64 {
    b.x * g + c.x
}

#[differentiate(wrt(p))]
pub fn lint_struct_call_constant(q: &LintPoint, p: &LintPoint) -> f64 {
    p.lint_scaled(q.m) + q.m * p.m
}

#[test]
fn struct_slices_and_methods_run() {
    let p = LintPoint { pos: LintVec2 { x: 1.0, y: 2.0 }, m: 0.5, id: 3 };
    let ps = vec![p.clone(), LintPoint { pos: LintVec2 { x: 2.0, y: 0.5 }, m: 1.5, id: 4 }];
    let (_, g) = lint_points_grad(&ps, 2.0);
    assert_eq!((g[0].id, g[1].id), (3, 4));
    let _ = lint_points_jvp(&ps, 2.0, &ps);
    let (_, gp, _) = p.lint_scaled_grad(0.5);
    assert_eq!(gp.id, 3);
    let _ = p.lint_scaled_jvp(0.5, &p, 1.0);
    let (_, gp) = lint_struct_call_constant_grad(&ps[1], &p);
    assert_eq!(gp.id, 3);
    let b = LintBody { x: 1.0, v: [2.0, 3.0], w: vec![1.0], n: 1, on: true, label: String::new() };
    let (_, dg) = lint_struct_constant_grad(&b, b.clone(), 2.0);
    assert!((dg - 1.0).abs() < f64::EPSILON);
}

// Second order (issue 14): `f_hvp` and `f_hessian` are generated code too.

#[differentiate(hessian)]
pub fn gates_hessian_lint(x: f64, y: f64) -> f64 {
    let a = x.sin() * y.cos() + x.exp() * y.tanh() - (x * x + 1.0).ln();
    let b = x.max(y) + x.min(y) + x.abs() + x.hypot(y) + x.atan2(y) + x.powi(3) + y.powf(2.0);
    let c = f64::sqrt(x * x + 1.0) + f64::mul_add(x, y, 1.0) + x.clamp(-1.0, 1.0) + x.floor();
    a + b + c * SCALE + std::f64::consts::PI
}

#[differentiate(hessian)]
pub fn single_hessian_lint(x: f32) -> f32 {
    x * x * x
}

#[differentiate(wrt(a), hessian, forward)]
pub fn with_wrt_hessian_lint(a: f64, b: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        #[allow(clippy::cast_precision_loss)]
        let k = i as f64;
        s += (a * k + b).sin();
    }
    s
}

#[differentiate(hessian)]
pub fn slices_hessian_lint(w: &[f64], v: &Vec<f64>, z: [f64; 2]) -> f64 {
    let mut y = z[0];
    for i in 0..w.len() {
        y = (y * w[i]).tanh() + v[i % v.len()] * z[1];
    }
    if y > 0.0 { y * y } else { -y }
}

// Generic functions (issue 14 item 3): the rewritten constants and accumulations stay lint-free.
#[differentiate(forward)]
pub fn generic_neuron<F: num_traits::Float>(a: F, b: F, x: F) -> F {
    F::one() / (F::one() + (-(a * x + b)).exp())
}

pub struct LintSwitch {
    pub on: bool,
}

// A generic function with a struct parameter gets the hidden companion for struct arguments.
#[differentiate]
pub fn generic_switched<F: num_traits::Float>(s: &LintSwitch, x: F) -> F {
    if s.on { x * x } else { x }
}

#[test]
fn generic_with_a_struct_runs() {
    let (_, d) = generic_switched_grad(&LintSwitch { on: true }, 3.0_f64);
    assert!((d - 6.0).abs() < f64::EPSILON);
}

/// # Panics
/// Never: an `F: Float` represents every loop index.
#[differentiate]
pub fn generic_loop<F>(xs: &[F], w: [F; 3], k: usize) -> F
where
    F: num_traits::Float + num_traits::FloatConst,
{
    let mut s = F::zero();
    let mut last = F::zero();
    for (i, x) in xs.iter().enumerate() {
        let t = if i % 2 == 0 {
            let u = x.sin() * w[i % 3];
            last = u;
            u.max(F::zero())
        } else {
            x.powi(2) * F::from(i).unwrap() + x.sqrt().ln() * F::PI()
        };
        s = s + t * F::from(0.5).unwrap();
    }
    if k > 2 {
        return s * last;
    }
    s + last.abs()
}

#[differentiate]
pub fn generic_vector<F: num_traits::Float>(r: F, t: F) -> (F, F) {
    (r * t.cos(), r * t.sin())
}

// `Vec` outputs (issue 13): the forms a `Vec` result is returned in.

#[differentiate]
pub fn vec_out_collect(p: &[f64], xs: &[f64], ys: &[f64]) -> Vec<f64> {
    xs.iter().zip(ys).map(|(x, y)| p[0] * (p[1] * x).exp() - y).collect()
}

#[differentiate(wrt(a))]
pub fn vec_out_buffer(a: f64, x: &[f64]) -> Vec<f64> {
    let mut r = vec![0.0; x.len()];
    let mut acc = a;
    for i in 0..x.len() {
        acc = acc.sin() * x[i];
        r[i] = acc;
        if acc > 5.0 {
            return r;
        }
    }
    r
}

#[differentiate]
pub fn vec_out_two_buffers(a: f64, b: f64) -> Vec<f64> {
    if a > 1.0 {
        return vec![a, b];
    }
    let mut r = Vec::with_capacity(2);
    r.push(a * b);
    if b > 0.0 {
        r.push(b.ln());
    }
    r
}

#[differentiate]
pub fn vec_out_call(p: &[f64], xs: &[f64]) -> f64 {
    let r = vec_out_collect(p, xs, xs);
    r.iter().map(|v| v * v).sum()
}

#[differentiate(wrt(a))]
pub fn vec_out_constant(a: f64, xs: &[f64]) -> Vec<f64> {
    let k = if a > 0.0 { 1.0 } else { 2.0 };
    xs.iter().map(|x| x * k).collect()
}

#[differentiate]
pub fn generic_vec_out<F: num_traits::Float>(xs: &[F], a: F) -> Vec<F> {
    xs.iter().map(|x| *x * a).collect()
}

// Copies: `to_vec` of a parameter, `clone` of a buffer, a constant copy written.
#[differentiate]
pub fn vec_out_copies(x: &[f64], a: f64) -> Vec<f64> {
    let mut r = x.to_vec();
    r[0] *= a;
    let mut w = r.clone();
    w[1] += r[0];
    if a > 0.0 {
        return w.clone();
    }
    x.to_vec()
}

#[differentiate(wrt(a))]
pub fn vec_out_constant_copy(x: &[f64], a: f64) -> Vec<f64> {
    let mut r = x.to_vec();
    r[0] *= a;
    r
}

#[differentiate]
pub fn generic_copy<F: num_traits::Float>(xs: &[F], a: F) -> Vec<F> {
    let mut r = xs.to_vec();
    r[0] = r[0] * a;
    r
}

#[differentiate]
pub fn scalar_copy(x: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..x.len() {
        let mut r = x.to_vec();
        r[k] *= a;
        s += r[0];
    }
    s
}

#[test]
fn copies_run() {
    let (v, _, _) = vec_out_copies_jacobian(&[1.0, 2.0], 0.5);
    assert_eq!(v, vec![0.5, 2.5]);
    let (v, _) = vec_out_constant_copy_jacobian(&[1.0, 2.0], 0.5);
    assert_eq!(v, vec![0.5, 2.0]);
    let (v, _, _) = generic_copy_jacobian(&[1.0_f32, 2.0], 0.5);
    assert_eq!(v, vec![0.5, 2.0]);
    let (v, _, _) = scalar_copy_grad(&[1.0, 2.0], 0.5);
    assert!((v - 1.5).abs() < f64::EPSILON);
}

// `checkpoint` (issue 15 item 2): the snapshot store, the segment re-run, an integer counter
// carried beside the float, a loop over an active slice, an `if` in the body, `f32`.
#[differentiate(checkpoint)]
pub fn checkpointed(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    let mut j = 0usize;
    for i in 0..n {
        j += i % 3;
        #[allow(clippy::cast_precision_loss)]
        let c = j as f64;
        y = if y > 0.5 { y.sin() * k + x } else { y * c.cos() };
    }
    y
}

#[differentiate(checkpoint, wrt(w, y0))]
pub fn checkpointed_slice(w: &[f64], y0: f64, data: &[f64]) -> f64 {
    let mut y = y0;
    for (&wi, d) in w.iter().zip(data.iter()) {
        y = (y * wi).tanh() + d;
    }
    y
}

#[differentiate(checkpoint, forward, hessian)]
pub fn checkpointed_f32(x: f32, steps: usize) -> f32 {
    let mut p = x;
    let mut v = 0.0;
    for _ in 0..steps {
        v -= 0.01 * p;
        p += 0.01 * v;
    }
    p
}

#[differentiate(checkpoint)]
pub fn checkpointed_while(x: f64, tol: f64) -> f64 {
    let mut y = 1.0;
    let mut steps = 0;
    while steps < 100 {
        let next = y - (y * y * y - x) / (3.0 * y * y);
        steps += 1;
        if (next - y).abs() < tol {
            return next;
        }
        y = next;
    }
    y
}

/// Buffers declared in the arms of a loop body: made again by each iteration that takes the arm.
#[differentiate(forward, hessian)]
pub fn buffers_in_arms(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate() {
        match i % 3 {
            0 => {
                let mut h = vec![0.0; x.len()];
                h[0] = xi * w;
                h[1] = h[0].sin();
                s += h[0] * h[1];
            }
            1 => {
                let mut g = Vec::with_capacity(i);
                for v in x.iter().take(i) {
                    g.push(v * w * s);
                }
                s += g.iter().sum::<f64>();
            }
            _ => {
                let k: Vec<f64> = x.iter().map(|v| v * w).collect();
                s = s * 0.5 + k[i];
            }
        }
    }
    s
}

/// Sub-slices iterated: neighbours' differences.
#[differentiate(forward, hessian)]
pub fn sub_slices(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut s = x[1..].iter().zip(&x[..n - 1]).map(|(b, a)| ((b - a) * w).powi(2)).sum::<f64>();
    for v in &x[..=1] {
        s += v;
    }
    s
}

// nalgebra vectors (feature `nalgebra`): the array twin, its companions and the converting
// wrappers are user code too.
#[differentiate(forward, hessian)]
pub fn na_spring(p: nalgebra::Vector3<f64>, q: &nalgebra::Vector3<f64>, k: f64) -> f64 {
    let d = p - q;
    let n = d.normalize();
    k * (d.norm() - 1.0).powi(2) + n.cross(&p).norm_squared() + d.x * q.y
}

#[differentiate]
pub fn na_arm(q: nalgebra::Vector2<f64>) -> nalgebra::Vector2<f64> {
    let a = q.x + q.y;
    nalgebra::Vector2::new(q.x.cos() + a.cos(), q.x.sin() + a.sin())
}

#[differentiate(forward)]
#[allow(clippy::needless_pass_by_value)]
pub fn na_dyn(x: &nalgebra::DVector<f64>, w: nalgebra::DVector<f64>) -> f64 {
    x.dot(&w).tanh() + w.norm()
}

// Forward-mode `f_grad` (few float parameters, a taped loop) and the same functions with
// `reverse`: arms, a local array, `while` with `break`, an early `return`, a closure, `f32`, a
// generic function, eight parameters, a parameter the body only names in `let _ = z;`.
#[differentiate(forward)]
pub fn forward_shapes(x: f64, k: f64, z: f64) -> f64 {
    let mut h = [0.0; 4];
    let mut y = x;
    let act = |v: f64| v.tanh() * k;
    let mut i = 0;
    while i < 4 {
        y = if y > 0.5 { act(y) + x } else { y.abs().sqrt() * k };
        if y > 100.0 {
            return y;
        }
        h[i] = y * y;
        i += 1;
    }
    let _ = z;
    h[0] * h[3] + y
}

#[differentiate(reverse)]
pub fn reverse_shapes(x: f64, k: f64, z: f64) -> f64 {
    let mut h = [0.0; 4];
    let mut y = x;
    let act = |v: f64| v.tanh() * k;
    let mut i = 0;
    while i < 4 {
        y = if y > 0.5 { act(y) + x } else { y.abs().sqrt() * k };
        if y > 100.0 {
            return y;
        }
        h[i] = y * y;
        i += 1;
    }
    let _ = z;
    h[0] * h[3] + y
}

#[differentiate(reverse, checkpoint)]
pub fn reverse_checkpointed(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate]
pub fn forward_f32(x: f32, k: f32) -> f32 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate]
pub fn forward_generic<F: num_traits::Float>(x: F, k: F) -> F {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate]
#[allow(clippy::too_many_arguments)]
pub fn forward_eight(a: f64, b: f64, c: f64, d: f64, e: f64, f: f64, g: f64, h: f64) -> f64 {
    let mut y = a;
    for _ in 0..10 {
        y = (y * b + c).sin() * d + e * y + f * (y * g - h);
    }
    y
}

// Forward mode through a call: `gates_grad`'s partials make the call a gate in every lane.
#[differentiate]
pub fn forward_calls(p0: f64, k: f64) -> f64 {
    let mut p = p0;
    for _ in 0..10 {
        p += 0.1 * gates(p, k);
    }
    p
}

/// A selecting rule whose arms carry the run its adjoint guards (`max`, `min`, `abs`, `clamp`).
#[differentiate(wrt(w, c))]
pub fn hinge_arms(w: &[f64], c: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..xs.len() {
        let s = w[i % w.len()] * xs[i] + c;
        loss += (1.0 - ys[i] * s).max(0.0) + s.abs().min(2.0) * 0.1 + s.clamp(-1.0, 1.0) * c;
    }
    loss
}

/// A nalgebra `dot` as a block's value (its array twin wrote it in parentheses: `unused_parens`).
#[differentiate]
pub fn na_dot_tail(a: nalgebra::Vector3<f64>, b: nalgebra::Vector3<f64>, c: f64) -> f64 {
    if c > 0.0 { a.normalize().dot(&b.normalize()) } else { a.dot(&b) }
}

/// A generic function's Hessian (`F: DualFloat` added where `F` is bounded: one place), and the
/// element `Option`s of a slice.
#[differentiate(hessian)]
pub fn generic_hessian<F: num_traits::Float>(x: F, w: &[F]) -> F {
    let l = if let Some(&l) = w.last() { l } else { x };
    let f = w.first().copied().unwrap_or(x);
    x * x * l + f.sin()
}

#[differentiate(hessian)]
pub fn generic_hessian_where<F>(x: F, y: F) -> F
where
    F: num_traits::Float + core::fmt::Debug,
{
    x.exp() * y + (x * y).sin()
}
