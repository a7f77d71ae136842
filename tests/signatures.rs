//! The companion's signature, CONTRACT.md §1-2: same visibility and parameters, a tuple of the
//! value and one gradient per active parameter in declaration order, with the gradient types of
//! the contract's table. The tuple types are written out, so a wrong shape fails to compile and
//! a wrong order fails the finite-difference comparison.

#![allow(clippy::ptr_arg, reason = "`&Vec<f64>` is a parameter type of the contract")]

mod common;

use common::{assert_fd_all, assert_same_value};
use gradmacro::differentiate;

#[differentiate(wrt(a, c))]
fn partial(a: f64, b: f64, c: &[f64], d: [f64; 2]) -> f64 {
    let mut s = a * b;
    for i in 0..c.len() {
        s += c[i] * d[i % 2] * a;
    }
    s
}

#[test]
fn wrt_selects_parameters_and_the_rest_are_constants() {
    let c = [0.5, -1.5, 2.0];
    let d = [0.3, -0.7];
    let (v, da, dc): (f64, f64, Vec<f64>) = partial_grad(1.2, -0.4, &c, d);
    assert_same_value("partial", v, partial(1.2, -0.4, &c, d));
    let f = |p: &[f64]| partial(p[0], -0.4, &p[1..], d);
    assert_fd_all("partial", f, &[1.2, 0.5, -1.5, 2.0], &[&[da], dc.as_slice()].concat());
}

#[differentiate(wrt(y, x))]
fn listed_out_of_order(x: f64, y: f64, z: f64) -> f64 {
    x * 2.0 + y * 3.0 + z
}

#[test]
fn gradients_come_in_declaration_order_whatever_the_wrt_order() {
    let (v, dx, dy): (f64, f64, f64) = listed_out_of_order_grad(1.0, 1.0, 1.0);
    assert_same_value("listed_out_of_order", v, listed_out_of_order(1.0, 1.0, 1.0));
    assert_eq!((dx, dy), (2.0, 3.0));
}

#[differentiate]
fn one_slice(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x {
        s += v * v * v;
    }
    s
}

#[differentiate]
fn one_scalar(x: f64, n: usize, flag: bool, k: i32) -> f64 {
    let mut s = x;
    for _ in 0..n {
        s *= x;
    }
    if flag { s.powi(k) } else { s }
}

#[test]
fn one_active_parameter_gives_a_pair() {
    let x = [0.5, -2.0, 1e-3, 3.0];
    let (v, dx): (f64, Vec<f64>) = one_slice_grad(&x);
    assert_same_value("one_slice", v, one_slice(&x));
    assert_eq!(dx.len(), x.len());
    assert_fd_all("one_slice", one_slice, &x, &dx);

    for (x, n, flag, k) in [(1.3, 2, true, 2), (-0.7, 3, false, 5), (0.4, 0, true, -1)] {
        let (v, dx): (f64, f64) = one_scalar_grad(x, n, flag, k);
        assert_same_value("one_scalar", v, one_scalar(x, n, flag, k));
        assert_fd_all("one_scalar", |p| one_scalar(p[0], n, flag, k), &[x], &[dx]);
    }
}

#[differentiate]
fn all_kinds(a: f64, arr: [f64; 2], arr_ref: &[f64; 3], s: &[f64], rv: &Vec<f64>, ov: Vec<f64>) -> f64 {
    a * (arr[0] - arr[1]) + arr_ref[0] * arr_ref[1] * arr_ref[2] + s[0] * s[1] + rv[0] / ov[0]
}

#[test]
fn gradient_types_follow_the_table() {
    let (arr, arr_ref, s, rv, ov) = ([1.0, 2.0], [0.5, -1.0, 3.0], [2.0, -0.5], vec![4.0], vec![-2.0, 7.0]);
    #[allow(clippy::type_complexity, reason = "the point is to spell out the type")]
    let (v, da, darr, darr_ref, ds, drv, dov): (f64, f64, [f64; 2], [f64; 3], Vec<f64>, Vec<f64>, Vec<f64>) =
        all_kinds_grad(0.3, arr, &arr_ref, &s, &rv, ov.clone());
    assert_same_value("all_kinds", v, all_kinds(0.3, arr, &arr_ref, &s, &rv, ov.clone()));
    assert_eq!((ds.len(), drv.len(), dov.len()), (2, 1, 2));
    let f = |p: &[f64]| all_kinds(p[0], [p[1], p[2]], &[p[3], p[4], p[5]], &p[6..8], &vec![p[8]], vec![p[9], p[10]]);
    let point = [0.3, 1.0, 2.0, 0.5, -1.0, 3.0, 2.0, -0.5, 4.0, -2.0, 7.0];
    let got = [&[da], darr.as_slice(), &darr_ref, &ds, &drv, &dov].concat();
    assert_fd_all("all_kinds", f, &point, &got);
    // The element that is never read gets an exact zero.
    assert_eq!(dov[1], 0.0);
}

#[differentiate]
fn all_kinds_f32(a: f32, arr: [f32; 2], arr_ref: &[f32; 2], s: &[f32], ov: Vec<f32>) -> f32 {
    a * arr[1] + arr_ref[0] * s[0] - ov[0] * a
}

#[test]
fn f32_gradient_types() {
    let (v, da, darr, darr_ref, ds, dov): (f32, f32, [f32; 2], [f32; 2], Vec<f32>, Vec<f32>) =
        all_kinds_f32_grad(2.0, [3.0, 5.0], &[7.0, 11.0], &[13.0], vec![17.0]);
    assert_eq!(v.to_bits(), all_kinds_f32(2.0, [3.0, 5.0], &[7.0, 11.0], &[13.0], vec![17.0]).to_bits());
    // Exact in f32: every product of these small integers is representable.
    assert_eq!(da, 5.0 - 17.0);
    assert_eq!(darr, [0.0, 2.0]);
    assert_eq!(darr_ref, [13.0, 0.0]);
    assert_eq!(ds, vec![7.0]);
    assert_eq!(dov, vec![-2.0]);
}

mod visibility {
    use gradmacro::differentiate;

    #[differentiate]
    pub fn public(x: f64) -> f64 {
        x * x
    }

    #[differentiate]
    pub(crate) fn crate_visible(x: f64) -> f64 {
        x * 3.0
    }
}

#[test]
fn companion_has_the_same_visibility() {
    assert_eq!(visibility::public_grad(3.0), (9.0, 6.0));
    assert_eq!(visibility::crate_visible_grad(2.0), (6.0, 3.0));
}

#[differentiate]
fn unused_parameter(x: f64, _unused: f64) -> f64 {
    x.sin()
}

#[test]
fn a_parameter_the_value_does_not_depend_on_gets_zero() {
    let (v, dx, du) = unused_parameter_grad(0.5, 2.0);
    assert_same_value("unused_parameter", v, unused_parameter(0.5, 2.0));
    approx::assert_relative_eq!(dx, 0.5f64.cos(), max_relative = 1e-15);
    assert_eq!(du, 0.0);
}

#[differentiate]
fn mut_parameter(mut x: f64, y: f64) -> f64 {
    x *= y;
    x = x.sin();
    x
}

#[test]
fn mut_parameters_keep_their_pattern() {
    for (x, y) in [(0.5, 2.0), (-1.3, 0.4)] {
        let (v, dx, dy) = mut_parameter_grad(x, y);
        assert_same_value("mut_parameter", v, mut_parameter(x, y));
        assert_fd_all("mut_parameter", |p| mut_parameter(p[0], p[1]), &[x, y], &[dx, dy]);
    }
}
