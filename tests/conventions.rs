//! CONTRACT.md §4: what the gradient is where a function is not differentiable, and how IEEE
//! special values behave. Expected values are written out by hand from the contract's text.

mod common;

use common::assert_same_value;
use gradmacro::differentiate;

#[differentiate]
fn max_m(a: f64, b: f64) -> f64 {
    a.max(b)
}

#[differentiate]
fn max_p(a: f64, b: f64) -> f64 {
    f64::max(a, b)
}

#[differentiate]
fn min_m(a: f64, b: f64) -> f64 {
    a.min(b)
}

#[differentiate]
fn min_p(a: f64, b: f64) -> f64 {
    f64::min(a, b)
}

type Grad2 = fn(f64, f64) -> (f64, f64, f64);

#[test]
fn max_selects_the_larger_input_and_splits_ties() {
    for (name, g) in [("max", max_m_grad as Grad2), ("f64::max", max_p_grad)] {
        assert_eq!(g(3.0, -1.0), (3.0, 1.0, 0.0), "{name}");
        assert_eq!(g(-1.0, 3.0), (3.0, 0.0, 1.0), "{name}");
        assert_eq!(g(2.5, 2.5), (2.5, 0.5, 0.5), "{name}");
        assert_eq!(g(0.0, 0.0), (0.0, 0.5, 0.5), "{name}");
        assert_eq!(g(-4.0, -4.0), (-4.0, 0.5, 0.5), "{name}");
    }
}

#[test]
fn min_selects_the_smaller_input_and_splits_ties() {
    for (name, g) in [("min", min_m_grad as Grad2), ("f64::min", min_p_grad)] {
        assert_eq!(g(3.0, -1.0), (-1.0, 0.0, 1.0), "{name}");
        assert_eq!(g(-1.0, 3.0), (-1.0, 1.0, 0.0), "{name}");
        assert_eq!(g(2.5, 2.5), (2.5, 0.5, 0.5), "{name}");
        assert_eq!(g(0.0, 0.0), (0.0, 0.5, 0.5), "{name}");
    }
}

#[differentiate]
fn self_max(x: f64) -> f64 {
    x.max(x) * 3.0 + x.min(x)
}

#[test]
fn a_tie_with_itself_gives_the_whole_slope() {
    assert_eq!(self_max_grad(1.5), (6.0, 4.0));
}

#[differentiate]
fn abs_m(x: f64) -> f64 {
    x.abs()
}

#[differentiate]
fn abs_p(x: f64) -> f64 {
    f64::abs(x) * 2.0
}

#[test]
fn abs_at_zero_has_slope_zero() {
    assert_eq!(abs_m_grad(0.0), (0.0, 0.0));
    assert_eq!(abs_m_grad(-0.0).1, 0.0);
    assert_eq!(abs_p_grad(0.0), (0.0, 0.0));
    assert_eq!(abs_m_grad(-2.0), (2.0, -1.0));
}

#[differentiate]
fn flat(x: f64) -> f64 {
    x.signum() + x.floor() * 2.0 + x.ceil() * 3.0 + x.round() * 5.0 + x.trunc() * 7.0
}

#[differentiate]
fn flat_path(x: f64) -> f64 {
    f64::signum(x) + f64::floor(x) + f64::ceil(x) + f64::round(x) + f64::trunc(x)
}

#[test]
fn piecewise_constant_gates_have_slope_zero_everywhere() {
    // Jumps (0, integers, half-integers) included.
    for x in [-2.5, -2.0, -0.5, -1e-3, -0.0, 0.0, 0.3, 0.5, 1.0, 3.5, 7.25] {
        let (v, dx) = flat_grad(x);
        assert_same_value("flat", v, flat(x));
        assert_eq!(dx, 0.0, "flat at {x}");
        let (v, dx) = flat_path_grad(x);
        assert_same_value("flat_path", v, flat_path(x));
        assert_eq!(dx, 0.0, "flat_path at {x}");
    }
}

#[differentiate]
fn fract(x: f64) -> f64 {
    x.fract() * 2.0
}

#[test]
fn fract_has_slope_one_everywhere() {
    for x in [-2.5, -2.0, -1e-3, 0.0, 0.3, 1.0, 3.5] {
        let (v, dx) = fract_grad(x);
        assert_same_value("fract", v, fract(x));
        assert_eq!(dx, 2.0, "fract at {x}");
    }
}

#[differentiate]
fn clamp_m(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

#[differentiate]
fn clamp_p(x: f64, lo: f64, hi: f64) -> f64 {
    f64::clamp(x, lo, hi)
}

type Grad3 = fn(f64, f64, f64) -> (f64, f64, f64, f64);

/// `x.clamp(lo, hi)` is like `x.max(lo).min(hi)`: the returned input gets the slope, and a tie
/// splits it in halves at each of the two selections.
#[test]
fn clamp_is_like_nested_max_and_min() {
    for (name, g) in [("clamp", clamp_m_grad as Grad3), ("f64::clamp", clamp_p_grad)] {
        assert_eq!(g(-3.0, -1.0, 2.0), (-1.0, 0.0, 1.0, 0.0), "{name} below");
        assert_eq!(g(0.5, -1.0, 2.0), (0.5, 1.0, 0.0, 0.0), "{name} inside");
        assert_eq!(g(5.0, -1.0, 2.0), (2.0, 0.0, 0.0, 1.0), "{name} above");
        assert_eq!(g(-1.0, -1.0, 2.0), (-1.0, 0.5, 0.5, 0.0), "{name} at lo");
        assert_eq!(g(2.0, -1.0, 2.0), (2.0, 0.5, 0.0, 0.5), "{name} at hi");
    }
}

/// With `lo == hi`, `x.max(lo).min(hi)` ties at the `min`: half goes to `hi`, half to what the
/// `max` returned (split again on a tie there).
#[test]
fn clamp_with_an_empty_interval_is_like_nested_max_and_min() {
    assert_eq!(clamp_m_grad(0.0, 1.0, 1.0), (1.0, 0.0, 0.5, 0.5), "below");
    assert_eq!(clamp_m_grad(1.0, 1.0, 1.0), (1.0, 0.25, 0.25, 0.5), "at the tie");
    // max(3, 1) = 3 is above hi: the min selects hi alone.
    assert_eq!(clamp_m_grad(3.0, 1.0, 1.0), (1.0, 0.0, 0.0, 1.0), "above");
}

#[differentiate]
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[differentiate]
fn sqrt_of_square(x: f64) -> f64 {
    (x * x).sqrt()
}

#[differentiate]
fn ln(x: f64) -> f64 {
    x.ln()
}

#[differentiate]
fn div(a: f64, b: f64) -> f64 {
    a / b
}

#[differentiate]
fn recip_square(x: f64) -> f64 {
    1.0 / (x * x)
}

#[test]
fn sqrt_and_ln_at_zero_give_ieee_infinities() {
    assert_eq!(sqrt_grad(0.0), (0.0, f64::INFINITY));
    let (v, dx) = sqrt_of_square_grad(0.0);
    assert_eq!(v, 0.0);
    assert!(dx.is_nan(), "inf * 0 is NaN, got {dx}");
    assert_eq!(ln_grad(0.0), (f64::NEG_INFINITY, f64::INFINITY));
}

#[test]
fn division_by_zero_gives_ieee_values_without_panicking() {
    let (v, da, db) = div_grad(1.0, 0.0);
    assert_eq!((v, da), (f64::INFINITY, f64::INFINITY));
    assert!(!db.is_finite(), "d/db of 1/b at 0 is -inf or NaN, got {db}");
    let (v, da, db) = div_grad(0.0, 0.0);
    assert!(v.is_nan());
    assert!(!da.is_finite() && !db.is_finite(), "got {da}, {db}");
    let (v, dx) = recip_square_grad(0.0);
    assert_eq!(v, f64::INFINITY);
    assert!(!dx.is_finite(), "got {dx}");
}

#[differentiate]
fn smooth(x: f64, y: f64) -> f64 {
    (x * y).sin() * 2.0 + x.exp() + y
}

#[differentiate]
fn data_loss(w: f64, xs: &[f64]) -> f64 {
    let mut loss = 0.0;
    for x in xs {
        let r = w * x - 1.0;
        loss += r * r;
    }
    loss
}

#[test]
fn nan_propagates_into_value_and_gradient() {
    let (v, dx, dy) = smooth_grad(f64::NAN, 0.5);
    assert!(v.is_nan() && dx.is_nan() && dy.is_nan(), "got {v}, {dx}, {dy}");
    let (v, dx, dy) = smooth_grad(0.5, f64::NAN);
    assert!(v.is_nan() && dx.is_nan() && dy.is_nan(), "got {v}, {dx}, {dy}");
    let (v, dw, dxs) = data_loss_grad(0.7, &[1.0, f64::NAN, 2.0]);
    assert!(v.is_nan() && dw.is_nan(), "got {v}, {dw}");
    assert!(dxs[1].is_nan(), "got {dxs:?}");
    let (v, dw, _) = data_loss_grad(f64::NAN, &[1.0, 2.0]);
    assert!(v.is_nan() && dw.is_nan(), "got {v}, {dw}");
    let (v, dx) = abs_m_grad(f64::NAN);
    assert!(v.is_nan() && dx.is_nan(), "abs: got {v}, {dx}");
    let (v, dx) = sqrt_grad(-1.0);
    assert!(v.is_nan() && dx.is_nan(), "sqrt(-1): got {v}, {dx}");
}

#[test]
fn max_and_min_follow_the_input_they_return_when_one_is_nan() {
    // Rust's max/min return the non-NaN input; the slope goes to it.
    assert_eq!(max_m_grad(f64::NAN, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(min_m_grad(2.0, f64::NAN), (2.0, 1.0, 0.0));
}

#[test]
fn clamp_of_nan_does_not_silently_zero_the_slope() {
    let (v, dx, _, _) = clamp_m_grad(f64::NAN, -1.0, 1.0);
    assert!(v.is_nan());
    assert!(dx != 0.0, "the NaN flows from x to the value; its slope is not silently 0");
}

#[test]
fn infinities_propagate() {
    let (v, dx, dy) = smooth_grad(f64::INFINITY, 0.0);
    assert!(v.is_nan() || v.is_infinite(), "got {v}");
    assert!(!dx.is_finite(), "got {dx}");
    assert!(!dy.is_finite(), "got {dy}");
    let (v, dw, _) = data_loss_grad(f64::INFINITY, &[1.0]);
    assert_eq!(v, f64::INFINITY);
    assert_eq!(dw, f64::INFINITY);
    assert_eq!(ln_grad(f64::INFINITY), (f64::INFINITY, 0.0));
    assert_eq!(sqrt_grad(f64::INFINITY), (f64::INFINITY, 0.0));
}

#[differentiate]
fn guarded_inside(x: f64) -> f64 {
    if x > 0.0 { x.sqrt() } else { x }
}

#[differentiate]
fn guarded_outside(x: f64) -> f64 {
    let r = x.sqrt();
    if x > 0.0 { r } else { x }
}

#[test]
fn a_singular_gate_in_the_branch_not_taken_does_not_leak() {
    assert_eq!(guarded_inside_grad(0.0), (0.0, 1.0));
    assert_eq!(guarded_inside_grad(-1.0), (-1.0, 1.0));
    assert_eq!(guarded_inside_grad(4.0), (2.0, 0.25));
}

/// The value `r` is computed but not used on the path taken at x <= 0: the branch taken is
/// `x`, with slope 1. r's adjoint is exactly 0 there, and the backward pass skips sqrt's rule
/// (its infinite local slope at 0 would give 0 * inf = NaN, as in JAX).
#[test]
fn a_singular_value_unused_on_the_path_taken_does_not_leak() {
    assert_eq!(guarded_outside_grad(0.0), (0.0, 1.0));
    assert_eq!(guarded_outside_grad(-1.0).1, 1.0);
    assert_eq!(guarded_outside_grad(4.0), (2.0, 0.25));
}

/// `atan2(y, 0.0)` at `y = 0` has NaN partials (0 / 0); `h[1]` is never read, so `y` gets
/// nothing from it. Found by the random-program oracle (10,000-program run, seed
/// 254022172813565, p3385: `(1 + v3.atan2(h9[0])^2).log(10)` in an element never read).
#[differentiate]
fn unread_element(x: f64, y: f64) -> f64 {
    let h = [x * x, (y * x).atan2(0.0), y];
    h[0] + h[2]
}

#[test]
fn a_singular_value_in_an_array_element_never_read_does_not_leak() {
    assert_eq!(unread_element_grad(0.0, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(unread_element_grad(1.5, 0.0), (2.25, 3.0, 1.0));
}

/// The `max` does not select `x.sqrt()` at `x = 0`: no NaN from sqrt's infinite slope. Where
/// the singular value is selected, its infinite slope is the answer.
#[differentiate]
fn unselected(x: f64) -> f64 {
    x.sqrt().max(0.5) + x
}

#[test]
fn a_singular_input_max_does_not_select_does_not_leak() {
    assert_eq!(unselected_grad(0.0), (0.5, 1.0));
    let (_, d) = unselected_grad(4.0);
    assert!((d - 1.25).abs() < 1e-15, "{d}");
}

/// A NaN on a path the result depends on still comes out as NaN.
#[differentiate]
fn depends_on_nan(x: f64, y: f64) -> f64 {
    (x * y).sqrt().max(-1.0) + y
}

#[test]
fn a_nan_the_result_depends_on_propagates() {
    let (v, dx, dy) = depends_on_nan_grad(0.0, 0.0);
    assert_eq!(v, 0.0);
    assert!(dx.is_nan() && dy.is_nan(), "{dx} {dy}");
}

// A selecting rule whose adjoint a longer run spreads further: the run is written inside the
// rule's arms (`reverse_render.rs`), which must keep every arm's weight, the tie's half and
// the NaN case's zero.
#[differentiate]
fn hinge_run(w: f64, x: f64, y: f64) -> f64 {
    let s = w * x;
    let m = (1.0 - y * s).max(0.0);
    m * 3.0
}

#[test]
fn a_hinge_whose_adjoint_spreads_further_keeps_each_arm() {
    // margin 1 - y w x = 0.8 > 0: d/dw = -3 y x, d/dx = -3 y w, d/dy = -3 w x
    let (v, dw, dx, dy) = hinge_run_grad(0.1, 2.0, 1.0);
    assert_eq!(v.to_bits(), hinge_run(0.1, 2.0, 1.0).to_bits());
    assert_eq!((dw, dx), (-6.0, -0.30000000000000004));
    assert!((dy + 0.6).abs() < 1e-15);
    // margin exactly 0: a tie, half of each
    assert_eq!(hinge_run_grad(0.5, 2.0, 1.0), (0.0, -3.0, -0.75, -1.5));
    // margin -1: the literal is selected
    assert_eq!(hinge_run_grad(1.0, 2.0, 1.0), (0.0, 0.0, 0.0, 0.0));
    // NaN margin: `max` returns the literal, nothing flows back (no NaN either)
    assert_eq!(hinge_run_grad(1.0, f64::NAN, 1.0), (0.0, 0.0, 0.0, 0.0));
}

#[differentiate]
fn clamp_min_abs_run(a: f64, b: f64) -> f64 {
    let mut t = 0.0;
    for k in 0..3 {
        let u = a * f64::from(k) - b;
        t += u.clamp(-1.0, 1.0) * b + u.abs().min(0.5) * a;
    }
    t
}

#[test]
fn clamp_min_and_abs_in_a_loop_keep_their_kinks() {
    // a = 0.5, b = 0.5: u = -0.5, 0, 0.5. clamp passes all three (slope 1); abs: slope -1, 0
    // (at 0), 1; min(|u|, 0.5): |u| = 0.5 ties at k = 0 and 2 (half), 0 < 0.5 at k = 1 (whole).
    // t = Σ clamp(u) b + min(|u|, 0.5) a
    // d/da = Σ k b + Σ min(|u|, 0.5) + a Σ w_k sign(u) k,  w = (0.5, 1, 0.5), sign = (-1, 0, 1)
    //      = 3 * 0.5 + (0.5 + 0 + 0.5) + 0.5 * (0.5 * 1 * 2) = 1.5 + 1 + 0.5 = 3
    // d/db = Σ clamp(u) + b Σ (-1) + a Σ w_k sign(u) (-1) = 0 - 1.5 + 0.5 * (0.5 - 0.5) = -1.5
    let (v, da, db) = clamp_min_abs_run_grad(0.5, 0.5);
    assert_eq!(v.to_bits(), clamp_min_abs_run(0.5, 0.5).to_bits());
    assert_eq!((da, db), (3.0, -1.5));
    // away from the kinks, against differences
    let (a, b) = (0.37, 0.21);
    let (_, da, db) = clamp_min_abs_run_grad(a, b);
    let h = 1e-6;
    let fa = (clamp_min_abs_run(a + h, b) - clamp_min_abs_run(a - h, b)) / (2.0 * h);
    let fb = (clamp_min_abs_run(a, b + h) - clamp_min_abs_run(a, b - h)) / (2.0 * h);
    assert!((da - fa).abs() < 1e-8 && (db - fb).abs() < 1e-8, "({da}, {db}) against ({fa}, {fb})");
}
