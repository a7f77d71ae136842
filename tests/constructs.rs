//! The constructs of CONTRACT.md §3 that may appear in a body (bindings, assignment, blocks,
//! literals, constants, casts, indexing, local arrays): every gradient against central finite
//! differences of the original function, and the value element bit-identical to the function's.
//!
//! Control flow (`if`, loops, `break`, `continue`, `return`) is in `control_flow.rs`; the shape
//! of the returned tuple (`wrt`, gradient types) in `signatures.rs`.

#![allow(
    clippy::neg_multiply,
    clippy::needless_return,
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::unnecessary_cast,
    clippy::ptr_arg,
    reason = "the bodies are written to exercise exactly these constructs"
)]

mod common;

use std::f64::consts::PI;

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

const XY: &[(f64, f64)] = &[(0.7, -1.3), (-2.1, 0.4), (1e-3, 2.5), (-0.6, -1e-3), (3.0, 1.2)];

#[differentiate]
fn bindings(x: f64, y: f64) -> f64 {
    let a: f64 = x * y;
    let (b, c) = (x, y);
    let mut m = a + b;
    m = m * c;
    let a = a.sin() + m;
    let (p, q): (f64, f64) = (a * 2.0, c - b);
    let mut r = p * q;
    let r2 = r;
    r = r2 + x;
    r
}

#[test]
fn let_mut_annotations_tuples_shadowing() {
    check_xy("bindings", bindings, bindings_grad, XY);
}

#[differentiate]
fn compound(x: f64, y: f64) -> f64 {
    let mut s = x;
    s += y * 2.0;
    s -= x.sin();
    s *= y;
    s /= x * x + 3.0;
    let mut t = 1.0;
    t += s;
    t *= t;
    t -= y;
    t /= 2.0;
    t
}

#[test]
fn assignment_and_compound_assignment() {
    check_xy("compound", compound, compound_grad, XY);
}

#[differentiate]
fn blocks(x: f64, y: f64) -> f64 {
    let z = {
        let t = x * x;
        t + y
    };
    let w = {
        let x = y.cos();
        x * z
    };
    let mut u = z;
    {
        let v = w - x;
        u *= v * 1.5;
    }
    u
}

#[test]
fn block_expressions() {
    check_xy("blocks", blocks, blocks_grad, XY);
}

const SCALE: f64 = 2.5;

#[differentiate]
fn literals_and_consts(x: f64, y: f64) -> f64 {
    let a = 0.5_f64 * x + 1e-3 * y + 2. * x * y - 3f64;
    let b = SCALE * a + std::f64::consts::PI * x.sin();
    b * core::f64::consts::E + std::f64::consts::FRAC_PI_4 * y + 7.0
}

#[test]
fn literals_const_items_and_std_consts() {
    check_xy("literals_and_consts", literals_and_consts, literals_and_consts_grad, XY);
}

#[differentiate]
fn const_in_body(x: f64) -> f64 {
    const K: f64 = 0.75;
    K * x * x
}

#[test]
fn const_item_in_the_body() {
    for x in [-1.5, 1e-3, 2.0] {
        let (v, dx) = const_in_body_grad(x);
        assert_same_value("const_in_body", v, const_in_body(x));
        assert_fd_all("const_in_body", |p| const_in_body(p[0]), &[x], &[dx]);
    }
}

#[differentiate]
fn casts(x: f64, n: usize) -> f64 {
    let k = n as f64;
    let i = x as i64;
    let j = (x * 3.0) as usize;
    x * k + x * i as f64 + j as f64 + 2.0 * x as f64
}

#[test]
fn integer_to_float_and_float_to_integer_casts_are_constants() {
    // Points away from the jumps of `x as i64` and `(x * 3.0) as usize`.
    for (x, n) in [(0.2, 3), (1.5, 0), (2.4, 7), (-1.7, 2)] {
        let what = format!("casts at ({x}, {n})");
        let (v, dx) = casts_grad(x, n);
        assert_same_value(&what, v, casts(x, n));
        assert_fd_all(&what, |p| casts(p[0], n), &[x], &[dx]);
    }
}

#[differentiate]
fn arrays(w: [f64; 3], x: &[f64; 3], b: f64) -> f64 {
    let i = 1;
    w[0] * x[0] + w[i] * x[i] + w[i + 1] * x[2 * i] + b * w[2 - i - 1]
}

#[test]
fn index_reads_of_arrays_and_array_references() {
    let w = [0.3, -1.2, 2.0];
    let x = [1e-3, 0.7, -2.5];
    let (v, dw, dx, db) = arrays_grad(w, &x, 0.4);
    assert_same_value("arrays", v, arrays(w, &x, 0.4));
    let f = |p: &[f64]| arrays([p[0], p[1], p[2]], &[p[3], p[4], p[5]], p[6]);
    let got = [dw.as_slice(), dx.as_slice(), &[db]].concat();
    assert_fd_all("arrays", f, &[0.3, -1.2, 2.0, 1e-3, 0.7, -2.5, 0.4], &got);
}

#[differentiate]
fn vectors(s: &[f64], rv: &Vec<f64>, ov: Vec<f64>) -> f64 {
    let mut acc = 0.0;
    for i in 0..s.len() {
        acc += s[i] * rv[i] + ov[i].sin() * s[s.len() - 1 - i];
    }
    acc * ov[0]
}

#[test]
fn index_reads_of_slices_and_vectors() {
    let s = vec![0.5, -1.0, 2.0, 1e-3];
    let rv = vec![1.5, 0.2, -0.7, 3.0];
    let ov = vec![-0.3, 0.9, 1.1, -2.0];
    let (v, ds, drv, dov) = vectors_grad(&s, &rv, ov.clone());
    assert_same_value("vectors", v, vectors(&s, &rv, ov.clone()));
    let f = |p: &[f64]| vectors(&p[0..4], &p[4..8].to_vec(), p[8..12].to_vec());
    let point = [s.as_slice(), &rv, &ov].concat();
    assert_fd_all("vectors", f, &point, &[ds, drv, dov].concat());
}

#[differentiate(wrt(a, b))]
fn constant_data(a: f64, b: f64, data: &[[f64; 2]], labels: &[f64], scale: [f64; 2]) -> f64 {
    let mut loss = 0.0;
    for i in 0..data.len() {
        let s = a * data[i][0] + b * data[i][1] * scale[1];
        loss += (s - labels[i]) * (s - labels[i]) * scale[0];
    }
    loss
}

#[test]
fn index_reads_of_constant_nested_arrays_and_slices() {
    let data = [[1.0, 2.0], [-0.5, 0.3], [2.2, -1.1]];
    let labels = [0.5, -1.0, 2.0];
    let scale = [0.5, 1.5];
    for (a, b) in XY {
        let (v, da, db) = constant_data_grad(*a, *b, &data, &labels, scale);
        assert_same_value("constant_data", v, constant_data(*a, *b, &data, &labels, scale));
        let f = |p: &[f64]| constant_data(p[0], p[1], &data, &labels, scale);
        assert_fd_all("constant_data", f, &[*a, *b], &[da, db]);
    }
}

#[differentiate]
fn local_array(x: f64, y: f64) -> f64 {
    let mut h = [0.0; 3];
    for k in 0..3 {
        h[k] = x * k as f64 + y.sin();
    }
    h[1] = h[1] * h[2];
    let mut g = [x, y, 1.0];
    g[2] = g[0] * g[1];
    g[0] = 0.5;
    h[0] * h[1] + h[2] * g[2] + g[0] * g[1]
}

#[test]
fn local_float_arrays_written_by_index() {
    check_xy("local_array", local_array, local_array_grad, XY);
}

#[differentiate]
fn local_array_compound(x: f64, y: f64) -> f64 {
    let mut h = [0.0; 2];
    h[0] += x * y;
    h[1] -= y;
    h[0] *= x;
    h[1] /= 3.0;
    h[0] + h[1] * x
}

#[test]
fn compound_assignment_to_local_array_elements() {
    check_xy("local_array_compound", local_array_compound, local_array_compound_grad, XY);
}

#[differentiate]
fn integer_arithmetic(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut count = 0;
    for i in 0..n {
        let j = (i * 2 + 1) % n;
        count += 1;
        s += x[i] * x[j] * count as f64;
    }
    s / n as f64
}

#[test]
fn integer_arithmetic_for_indices_and_counters() {
    let x = [0.4, -1.3, 2.2, 1e-3, 0.9];
    let (v, dx) = integer_arithmetic_grad(&x);
    assert_same_value("integer_arithmetic", v, integer_arithmetic(&x));
    assert_fd_all("integer_arithmetic", integer_arithmetic, &x, &dx);
}

#[differentiate]
fn imported_const_and_negative_literal(x: f64) -> f64 {
    PI * x.sin() - -1.0 * x
}

#[differentiate]
fn return_as_last_statement(x: f64, y: f64) -> f64 {
    let s = x * y;
    return s + x.cos();
}

#[test]
fn imported_consts_negative_literals_and_final_return() {
    for x in [-1.5, 1e-3, 2.0] {
        let (v, dx) = imported_const_and_negative_literal_grad(x);
        assert_same_value("imported_const", v, imported_const_and_negative_literal(x));
        let f = |p: &[f64]| imported_const_and_negative_literal(p[0]);
        assert_fd_all("imported_const", f, &[x], &[dx]);
    }
    check_xy("return_as_last_statement", return_as_last_statement, return_as_last_statement_grad, XY);
}

#[differentiate]
fn local_array_carried(x: f64, y: f64) -> f64 {
    let mut h = [0.0; 4];
    h[0] = x;
    for k in 1..4 {
        h[k] = h[k - 1] * 0.5 + y * k as f64 + h[k - 1].sin();
    }
    h[3] * h[1]
}

#[test]
fn local_array_written_from_its_previous_element_in_a_loop() {
    check_xy("local_array_carried", local_array_carried, local_array_carried_grad, XY);
}
