//! Minimal reproducers of the macro bugs the random-program oracle found, each checked against
//! the exact forward-mode gradient (num-dual).
//!
//! All of them are fixed: most made the generated `f_grad` fail to compile (a name used outside
//! the scope that defines it), one gave a wrong gradient (a recomputed loop overwriting an array
//! element, replayed in forward order). They stay here as named regression tests.

#[allow(clippy::float_cmp, clippy::needless_range_loop, clippy::never_loop, unused_variables)]
mod compile_bugs {
    use gradmacro::differentiate;
    use num_dual::{Dual64, DualNum};
    use verify::{Margin, assert_grad, dual_grad, lt};

    fn mg() -> Margin {
        Margin::default()
    }

    /// A local array declared after an early return and read (non-linearly) in a later loop:
    /// ``cannot find value `__a0` ``.
    #[differentiate]
    fn early_return_then_array_in_loop(x: f64, y: f64) -> f64 {
        if y < 0.0 {
            return x;
        }
        let h = [x, y];
        let mut v = 0.0;
        for i in 0..2 {
            v += h[i].sin();
        }
        v
    }

    #[test]
    fn bug_early_return_then_array_in_loop() {
        let f = |x: &[Dual64]| {
            if lt(x[1], Dual64::from(0.0), &mut mg()) {
                return x[0];
            }
            x[0].sin() + x[1].sin()
        };
        let (v, dx, dy) = early_return_then_array_in_loop_grad(0.3, 0.7);
        let (ev, eg) = dual_grad(&[0.3, 0.7], f);
        assert_eq!(v, early_return_then_array_in_loop(0.3, 0.7));
        assert!((v - ev).abs() < 1e-15);
        assert_grad(&[dx, dy], &eg);
    }

    /// A local array declared in a loop body after a `continue` (found by the 10,000-program
    /// run, seed 31449, p2997): ``cannot find value `__a0` ``.
    #[differentiate]
    fn continue_then_array_in_loop(x: f64, y: f64, s: &[f64]) -> f64 {
        let mut v = 0.0;
        for i in 0..s.len() {
            if y > 0.0 {
                continue;
            }
            let mut h = [0.0_f64; 2];
            h[i % 2] = x * s[i];
            v += h[0];
        }
        v
    }

    #[test]
    fn bug_continue_then_array_in_loop() {
        let s = [0.5, -1.5, 2.0];
        let (_, dx, dy, ds) = continue_then_array_in_loop_grad(0.3, -0.7, &s);
        // v = x * (s[0] + s[2]): h[0] holds x * s[i] for even i only
        assert_grad(&[dx, dy], &[s[0] + s[2], 0.0]);
        assert_grad(&ds, &[0.3, 0.0, 0.3]);
    }

    /// A local array declared inside an `if` and read (non-linearly) by a loop in the same
    /// branch: ``cannot find value `__a0` ``.
    #[differentiate]
    fn array_declared_in_if_read_in_loop(x: f64, y: f64) -> f64 {
        let mut v = 0.0;
        if y < 0.5 {
            let h = [x, y];
            for i in 0..2 {
                v += h[i].sin();
            }
        }
        v
    }

    #[test]
    fn bug_array_declared_in_if_read_in_loop() {
        let f = |x: &[Dual64]| x[0].sin() + x[1].sin();
        let (_, dx, dy) = array_declared_in_if_read_in_loop_grad(0.3, 0.2);
        assert_grad(&[dx, dy], &dual_grad(&[0.3, 0.2], f).1);
    }

    /// A loop carrying a value, inside an `if`, inside another loop:
    /// ``cannot find value `__tape1` ``.
    #[differentiate]
    fn carried_loop_in_if_in_loop(x: f64, y: f64) -> f64 {
        let mut v = 1.0;
        for _ in 0..2 {
            if x < y {
                for _ in 0..3 {
                    v *= x;
                }
            }
        }
        v
    }

    #[test]
    fn bug_carried_loop_in_if_in_loop() {
        let f = |x: &[Dual64]| x[0].powi(6);
        let (_, dx, dy) = carried_loop_in_if_in_loop_grad(0.3, 0.7);
        assert_grad(&[dx, dy], &dual_grad(&[0.3, 0.7], f).1);
    }

    /// `continue` in a loop body before a nested loop that carries a value:
    /// ``cannot find value `__tape1` ``.
    #[differentiate]
    fn continue_before_nested_carried_loop(x: f64, y: f64) -> f64 {
        let mut v = x;
        for _ in 0..3 {
            if y > 0.5 {
                continue;
            }
            for _ in 0..2 {
                v = v.sin() * x;
            }
        }
        v
    }

    #[test]
    fn bug_continue_before_nested_carried_loop() {
        let f = |x: &[Dual64]| {
            let mut v = x[0];
            for _ in 0..6 {
                v = v.sin() * x[0];
            }
            v
        };
        let (_, dx, dy) = continue_before_nested_carried_loop_grad(0.9, 0.2);
        assert_grad(&[dx, dy], &dual_grad(&[0.9, 0.2], f).1);
    }

    /// `break` in a loop body before a nested loop that returns:
    /// ``cannot find value `__it1` `` and `` `__n1` ``.
    #[differentiate]
    fn break_before_nested_loop_with_return(x: f64, y: f64) -> f64 {
        for _ in 0..3 {
            if y > 0.5 {
                break;
            }
            for _ in 0..1 {
                return x * y;
            }
        }
        x
    }

    #[test]
    fn bug_break_before_nested_loop_with_return() {
        let f = |x: &[Dual64]| x[0] * x[1];
        let (_, dx, dy) = break_before_nested_loop_with_return_grad(0.3, 0.2);
        assert_grad(&[dx, dy], &dual_grad(&[0.3, 0.2], f).1);
    }

    /// A local array declared in a loop nested in an `if` in a loop:
    /// ``cannot find value `__it1` ``.
    #[differentiate]
    fn array_in_loop_in_if_in_loop(x: f64, y: f64, s: &[f64]) -> f64 {
        let mut v = 0.0;
        for _ in 0..s.len() {
            if x < y {
                for k in 0..s.len() {
                    let h = [x, y * s[k]];
                    v += h[1];
                }
            }
        }
        v
    }

    #[test]
    fn bug_array_in_loop_in_if_in_loop() {
        let s = [0.5, -1.5];
        let (_, dx, dy, ds) = array_in_loop_in_if_in_loop_grad(0.3, 0.7, &s);
        // v = len * y * sum(s)
        let sum: f64 = s.iter().sum();
        assert_grad(&[dx, dy], &[0.0, 2.0 * sum]);
        assert_grad(&ds, &[2.0 * 0.7, 2.0 * 0.7]);
    }
}

/// Bugs found by the oracle and since fixed.
mod fixed {
    use gradmacro::differentiate;
    use num_dual::{Dual64, DualNum};
    use verify::{assert_grad, dual_grad};

    /// A mutable local array declared inside a loop that carries a value (did not compile:
    /// ``cannot find value `__a0` ``; fixed).
    #[differentiate]
    fn mutable_array_declared_in_carried_loop(x: f64, y: f64) -> f64 {
        let mut v = x;
        for _ in 0..2 {
            let mut h = [x, y];
            h[1] *= v;
            v = h[1].sin();
        }
        v
    }

    #[test]
    fn bug_mutable_array_declared_in_carried_loop() {
        let f = |x: &[Dual64]| {
            let mut v = x[0];
            for _ in 0..2 {
                v = (x[1] * v).sin();
            }
            v
        };
        let (_, dx, dy) = mutable_array_declared_in_carried_loop_grad(0.3, 0.7);
        assert_grad(&[dx, dy], &dual_grad(&[0.3, 0.7], f).1);
    }
}

/// A recomputed loop that overwrites the same element of a local array in every iteration: only
/// the last write reaches the result, so only `s[last]` may get a gradient. Found as p308 of the
/// default seed (`h2[0] = ... e7.hypot(e6.asinh())` in a `zip` loop).
#[gradmacro::differentiate]
fn overwrite_same_element(x: f64, s: &[f64]) -> f64 {
    let mut h = [0.0; 2];
    for &e in s {
        h[0] = (x * e).sin();
    }
    h[0] + h[1]
}

// Failed (the first write got the gradient of the last: the backward loop ran in forward order);
// passes with the engine fix in progress at the time of writing.
#[test]
fn bug_overwrite_same_element() {
    use num_dual::DualNum;
    let s = [0.3, -0.7, 0.9];
    let (v, dx, ds) = overwrite_same_element_grad(1.3, &s);
    assert_eq!(v.to_bits(), overwrite_same_element(1.3, &s).to_bits());
    let (_, g) = verify::dual_grad(&[1.3, 0.3, -0.7, 0.9], |x| (x[0] * x[3]).sin());
    let mut actual = vec![dx];
    actual.extend_from_slice(&ds);
    verify::assert_grad(&actual, &g);
}

#[gradmacro::differentiate]
fn weighted(x: f64, w: [f64; 3]) -> f64 {
    x * (w[0] + 2.0 * w[1] + 3.0 * w[2].sin())
}

/// An array literal with differentiated elements passed to a call (`weighted(x, [a, b, c])`)
/// was rejected ("array expressions ... only as the value of a `let`"), and `*w` for a
/// `&[f64; 3]` parameter was rejected as "a whole value". Found when the generator started
/// calling helper functions (p0 of the default seed).
#[gradmacro::differentiate]
fn array_literal_argument(x: f64, y: f64, w: &[f64; 3]) -> f64 {
    weighted(x, [y * x, y.cos(), x]) + weighted(y, *w)
}

#[test]
fn bug_array_literal_argument() {
    use num_dual::{Dual64, DualNum};
    let weighted_d = |x: Dual64, w: [Dual64; 3]| x * (w[0] + w[1] * 2.0 + w[2].sin() * 3.0);
    let p = [0.4, -1.1, 0.3, 0.8, -0.6];
    let (v, dx, dy, dw) = array_literal_argument_grad(p[0], p[1], &[p[2], p[3], p[4]]);
    assert_eq!(v.to_bits(), array_literal_argument(p[0], p[1], &[p[2], p[3], p[4]]).to_bits());
    let (_, g) = verify::dual_grad(&p, |x| {
        weighted_d(x[0], [x[1] * x[0], x[1].cos(), x[0]]) + weighted_d(x[1], [x[2], x[3], x[4]])
    });
    verify::assert_grad(&[dx, dy, dw[0], dw[1], dw[2]], &g);
}

/// An array literal passed to a call inside the initialiser of another local array got the same
/// slot number as that array (``identifier `__a0` is bound more than once``, p2 of the default
/// seed once the generator called helpers): the outer array's slot was taken after lowering its
/// elements.
#[gradmacro::differentiate]
fn array_literal_argument_inside_array(x: f64, y: f64) -> f64 {
    let h = [x, weighted(y, [x, y, 0.5]), y * y];
    if x > 0.0 {
        let k = [h[1] * x, weighted(x, [y, h[0], h[2]]), 1.0];
        return k[0] + k[1] + h[2];
    }
    h[0] * h[1]
}

#[test]
fn bug_array_literal_argument_inside_array() {
    use num_dual::{Dual64, DualNum, DualStruct};
    let weighted_d = |x: Dual64, w: [Dual64; 3]| x * (w[0] + w[1] * 2.0 + w[2].sin() * 3.0);
    let f = |x: &[Dual64]| {
        let h = [x[0], weighted_d(x[1], [x[0], x[1], Dual64::from(0.5)]), x[1] * x[1]];
        if x[0].re() > 0.0 {
            let k = [h[1] * x[0], weighted_d(x[0], [x[1], h[0], h[2]])];
            return k[0] + k[1] + h[2];
        }
        h[0] * h[1]
    };
    for p in [[0.7, -0.4], [-0.3, 1.2]] {
        let (v, dx, dy) = array_literal_argument_inside_array_grad(p[0], p[1]);
        assert_eq!(v.to_bits(), array_literal_argument_inside_array(p[0], p[1]).to_bits());
        verify::assert_grad(&[dx, dy], &verify::dual_grad(&p, f).1);
    }
}

const K1: f64 = 0.75;
const K2: f64 = -1.25;

/// A constant array literal whose element type the syntax does not tell (`[K1, 0.25, K2]` has a
/// float literal, `[K1, K2, K2]` has none) passed to a call: the first was taken to be a float,
/// not an array (``expected `f64`, found `[f64; 3]` ``, p914 of the default seed).
#[gradmacro::differentiate]
fn constant_array_literal_argument(x: f64) -> f64 {
    weighted(x, [K1, 0.25, K2]) * weighted(x.sin(), [K1, K2, K2])
}

#[test]
fn bug_constant_array_literal_argument() {
    use num_dual::{Dual64, DualNum};
    let weighted_d = |x: Dual64, w: [f64; 3]| x * (w[0] + w[1] * 2.0 + w[2].sin() * 3.0);
    let (v, dx) = constant_array_literal_argument_grad(0.6);
    assert_eq!(v.to_bits(), constant_array_literal_argument(0.6).to_bits());
    let (_, g) = verify::dual_grad(&[0.6], |x| weighted_d(x[0], [K1, 0.25, K2]) * weighted_d(x[0].sin(), [K1, K2, K2]));
    verify::assert_grad(&[dx], &g);
}

/// `atan2(0, 0)`: NaN partials, so `singular_at_zero`'s gradient is NaN at `b = 0`.
#[allow(clippy::eq_op, reason = "`a - a` is 0 with a slope, on purpose")]
#[gradmacro::differentiate]
fn singular_at_zero(a: f64, b: f64, w: [f64; 2]) -> f64 {
    (a - a).atan2(b * w[0] * 0.0) + b * w[1]
}

/// A value carried through a loop (and read inside it), then overwritten: its adjoint is 0 in
/// every iteration, and the NaN partials of the call at `k = 0` must not reach `x`'s gradient
/// (NaN instead of 3: p4759 of the 10,000-program run with seed 7414275455094). The zero
/// adjoint has to stop in the loop's backward pass and, through the adjoints the skipped
/// statements leave at 0, in later statements too (the second call).
#[gradmacro::differentiate]
fn carried_then_overwritten(x: f64) -> f64 {
    let mut v = x;
    for k in 0..3 {
        let h = singular_at_zero(x, (k as f64).tanh(), [0.5, x]);
        let g = singular_at_zero(x, (k as f64).tanh(), [x, 0.25]);
        v += h / (1.0 + g * h);
        let _read_inside = v.tanh();
    }
    v = x * 2.0;
    v + x
}

#[test]
fn bug_carried_then_overwritten() {
    assert!(singular_at_zero_grad(0.5, 0.0, [0.5, 0.5]).1.is_nan(), "the callee really is singular here");
    let (v, dx) = carried_then_overwritten_grad(0.7);
    assert_eq!(v.to_bits(), carried_then_overwritten(0.7).to_bits());
    let (_, g) = verify::dual_grad(&[0.7], |x| x[0] * 3.0);
    verify::assert_grad(&[dx], &g);
}

/// A loop over a `zip` inside an `if`, whose backward pass iterates again: the iterator left the
/// arm with `Default::default()` in the other arm, and `Zip` has no default (did not compile:
/// p929 of the 10,000-program run with seed 96861148168659, the first with `wrt`).
#[gradmacro::differentiate(wrt(x1))]
fn zip_loop_in_if(x1: f64, x2: f64, s: &[f64], w: [f64; 3]) -> f64 {
    let mut v = x1;
    if x2 > 0.0 {
        for (&a, &b) in s.iter().zip(w.iter()) {
            v = (a * b).sin() + x1;
        }
    }
    v * x1
}

#[test]
fn bug_zip_loop_in_if() {
    use num_dual::{Dual64, DualNum};
    let (s, w) = ([0.3, -0.7], [0.9, 0.4, -0.2]);
    for (x1, x2) in [(0.6, 1.0), (0.6, -1.0)] {
        let (v, dx1) = zip_loop_in_if_grad(x1, x2, &s, w);
        assert_eq!(v.to_bits(), zip_loop_in_if(x1, x2, &s, w).to_bits());
        let f = |x: &[Dual64]| {
            let mut v = x[0];
            if x2 > 0.0 {
                for (&a, &b) in s.iter().zip(w.iter()) {
                    v = Dual64::from(a * b).sin() + x[0];
                }
            }
            v * x[0]
        };
        verify::assert_grad(&[dx1], &verify::dual_grad(&[x1], f).1);
    }
}

/// `v1.atan2(v1)` at `v1 = 0` has NaN partials, and `min` does not select it; after an early
/// `return`, the backward statements sit inside a region guarded by another zero-prone adjoint,
/// and the `min` rule's zero was not guarded there (NaN instead of the finite slope: p9283 of the
/// 10,000-program run with seed 279216817785806).
#[allow(clippy::eq_op, reason = "`v1 += -v1` is 0 with a slope, on purpose")]
#[gradmacro::differentiate]
fn unselected_singular_after_early_return(x0: f64, s: &[f64]) -> f64 {
    let mut v1 = x0 * s[0];
    v1 += -v1;
    let v2 = (v1.atan2(v1).min(x0).hypot(3.0) + 0.25).ln();
    if v1.signum() < 0.0 {
        return s[1];
    }
    v2 + v1
}

#[test]
fn bug_unselected_singular_after_early_return() {
    use num_dual::DualNum;
    let s = [1.5, 0.25];
    let (v, dx, _) = unselected_singular_after_early_return_grad(-0.4, &s);
    assert_eq!(v.to_bits(), unselected_singular_after_early_return(-0.4, &s).to_bits());
    let (_, g) = verify::dual_grad(&[-0.4], |x| ((x[0] * x[0] + 9.0).sqrt() + 0.25).ln());
    verify::assert_grad(&[dx], &g);
}

/// A `vec!` buffer that is only read: its adjoint is used only through `+=`, which does not fix its element type
/// once another crate in the graph (`wide`, through num-dual) implements `AddAssign<f64>` too:
/// E0282/E0283 ``type annotations needed`` on `zeros(..)` (found by the oracle's first run with
/// `vec!` buffers, p423 of the default seed). The adjoint is now `zeros::<f64>(..)`.
#[allow(clippy::useless_vec, reason = "the `vec!` is what is tested")]
#[gradmacro::differentiate]
fn vec_adjoint_untyped(x: f64, y: f64) -> f64 {
    let h = vec![x, 2.0, -y];
    h[0] + h[2].sin()
}

#[test]
fn bug_vec_adjoint_untyped() {
    use num_dual::DualNum;
    let (v, dx, dy) = vec_adjoint_untyped_grad(0.3, 0.8);
    assert_eq!(v.to_bits(), vec_adjoint_untyped(0.3, 0.8).to_bits());
    let (_, g) = verify::dual_grad(&[0.3, 0.8], |x| x[0] + (-x[1]).sin());
    verify::assert_grad(&[dx, dy], &g);
}

/// A local array of unsuffixed literals whose type only a loop fixes (`h[i] * K`), inside a loop
/// whose backward pass recomputes the body without that loop (its value has no adjoint): E0689
/// ``can't call method `exp` on ambiguous numeric type `{float}` `` on `h[1].exp()` in the
/// recomputed copy (found by the large run, seed 21371266075335, p1866). Such declarations now
/// name the float type.
#[allow(clippy::needless_range_loop, reason = "the indexed loop is what is tested")]
#[gradmacro::differentiate]
fn literal_array_type_from_pruned_loop(x: f64, s: &[f64]) -> f64 {
    const K: f64 = 0.75;
    let mut acc = x;
    for &e in s {
        let h = [1.0, 2.0, -0.25];
        let mut u = e.floor();
        for i in 0..3 {
            u += (h[i] * K).sin();
        }
        let g = [h[1].exp().ln(), 0.5_f64];
        let mut v = acc;
        for i in 0..2 {
            v = (v * g[i] + x).tanh();
        }
        acc = v * e + u.floor();
    }
    acc
}

#[test]
fn bug_literal_array_type_from_pruned_loop() {
    use num_dual::DualNum;
    let s = [0.5, -1.25, 2.0];
    let (v, dx, ds) = literal_array_type_from_pruned_loop_grad(0.3, &s);
    assert_eq!(v.to_bits(), literal_array_type_from_pruned_loop(0.3, &s).to_bits());
    let u: Vec<f64> = s
        .iter()
        .map(|e: &f64| (e.floor() + (0.75_f64).sin() + (1.5_f64).sin() + (-0.1875_f64).sin()).floor())
        .collect();
    let (_, g) = verify::dual_grad(&[0.3, s[0], s[1], s[2]], |x| {
        let g = [num_dual::Dual64::from(2.0_f64.exp().ln()), num_dual::Dual64::from(0.5)];
        let mut acc = x[0];
        for (j, e) in x[1..].iter().enumerate() {
            let mut v = acc;
            for gi in g {
                v = (v * gi + x[0]).tanh();
            }
            acc = v * *e + u[j];
        }
        acc
    });
    let mut got = vec![dx];
    got.extend(ds);
    verify::assert_grad(&got, &g);
}

/// A closure that assigns to a variable it captures, called with constant arguments only while
/// the variable is constant too: the call was taken for constant code and copied as written,
/// and the closure has no plain copy ("`add` assigns to a variable it captures, so it can only
/// be called (`add(x)`) .." at the call `add(1.5)`; found by the first draft of the oracle's
/// closures, 4 programs of 1,000). Such calls are now always inlined.
#[gradmacro::differentiate]
fn constant_call_of_assigning_closure(x: f64, y: f64) -> f64 {
    let mut acc = 0.5;
    let mut add = |v: f64| acc *= v;
    add(1.5);
    add(y);
    acc * x
}

#[test]
fn bug_constant_call_of_assigning_closure() {
    let (v, dx, dy) = constant_call_of_assigning_closure_grad(0.3, -0.8);
    assert_eq!(v.to_bits(), constant_call_of_assigning_closure(0.3, -0.8).to_bits());
    let (_, g) = verify::dual_grad(&[0.3, -0.8], |x| x[0] * x[1] * 0.75);
    verify::assert_grad(&[dx, dy], &g);
}

/// `loop { .. }` without a `break value` as the last statement of a block (a `for` body, an
/// `if` arm): its value was taken to be a float, and "a loop body cannot produce a value" was
/// reported (found by the first draft of the oracle's `loop`s, 6 programs of 1,000). A loop
/// without a `break value` is now `()`.
#[gradmacro::differentiate]
fn unit_loop_ends_block(x: f64, s: &[f64]) -> f64 {
    let mut y = 0.0;
    for &e in s {
        y += e * x;
        let mut k = 0;
        loop {
            k += 1;
            y = (y * 0.5).sin();
            if k >= 2 {
                break;
            }
        }
    }
    if y > 0.0 {
        let mut k = 0;
        loop {
            k += 1;
            y *= x;
            if k >= 2 {
                break;
            }
        }
    }
    y
}

#[test]
fn bug_unit_loop_ends_block() {
    use num_dual::DualNum;
    let s = [0.5, -1.25, 2.0];
    let f = |x: &[num_dual::Dual64]| {
        let mut y = num_dual::Dual64::from(0.0);
        for e in &x[1..] {
            y += *e * x[0];
            for _ in 0..2 {
                y = (y * 0.5).sin();
            }
        }
        if y.re > 0.0 { y * x[0] * x[0] } else { y }
    };
    for x in [0.3, -0.7] {
        let (v, dx, ds) = unit_loop_ends_block_grad(x, &s);
        assert_eq!(v.to_bits(), unit_loop_ends_block(x, &s).to_bits());
        let (ev, g) = verify::dual_grad(&[x, s[0], s[1], s[2]], f);
        assert!((v - ev).abs() < 1e-15);
        let mut got = vec![dx];
        got.extend(ds);
        verify::assert_grad(&got, &g);
    }
}

/// A closure declared in an `if` arm inside a loop, used in a condition: the backward pass's
/// recomputation of the arm handed the closure out of it with `Default::default()` in the other
/// arm (E0277 "the trait `Default` is not implemented for closure"; found by the oracle's
/// closures, 3 programs of 1,000). Plain code that uses a closure as a value now gets the
/// closure's literal (its captures renamed to the values they held at its definition), not a
/// closure value bound once; keeping that value inside its arm is not enough (next test).
#[gradmacro::differentiate]
fn closure_in_arm_in_loop(x: f64, s: &[f64], w: [f64; 3]) -> f64 {
    let mut acc = 0.0;
    for &e in s {
        if e * x < 0.5 {
            let near = |u: &f64| (*u - x).abs() < 0.25;
            if w.iter().any(near) {
                return e * x;
            }
            acc += e * x.sin();
        }
    }
    acc * x
}

#[test]
fn bug_closure_in_arm_in_loop() {
    use num_dual::{Dual64, DualNum};
    let s = [0.5, -1.25, 2.0];
    let w = [1.0, 2.0, 3.0];
    let f = |x: &[Dual64]| {
        let xv = x[0];
        let mut acc = Dual64::from(0.0);
        for e in &x[1..] {
            if (*e * xv).re < 0.5 {
                if w.iter().any(|u| (u - xv.re).abs() < 0.25) {
                    return *e * xv;
                }
                acc += *e * xv.sin();
            }
        }
        acc * xv
    };
    // 0.3: no element of `w` is near, the loop accumulates; 1.1: `w[0]` is, it returns
    for x in [0.3, 1.1] {
        let (v, dx, ds, dw) = closure_in_arm_in_loop_grad(x, &s, w);
        assert_eq!(v.to_bits(), closure_in_arm_in_loop(x, &s, w).to_bits());
        let (ev, g) = verify::dual_grad(&[x, s[0], s[1], s[2]], f);
        assert!((v - ev).abs() < 1e-15);
        let mut got = vec![dx];
        got.extend(ds);
        verify::assert_grad(&got, &g);
        assert_eq!(dw, [0.0; 3]);
    }
}

/// A closure declared after an early `return` (in the guard the rest of the body runs in), used
/// in a condition inside a loop: the backward pass re-runs the loop outside that guard and needs
/// the closure there (E0277 as above; ``cannot find value `__v108` `` with the closure kept in
/// its arm; E0716 with the closure handed out in an `Option`, as it borrows values of the arm;
/// found by the oracle's closures).
#[gradmacro::differentiate(wrt(x, w))]
fn closure_after_early_return(x: f64, s: &[f64], w: [f64; 3]) -> f64 {
    if s[0] <= w[2] {
        return w[0] * 2.0;
    }
    let mut v = w[1];
    let t = x.abs() + 0.1;
    let big = |u: &f64| *u * t > 0.5;
    for &e in s {
        v += (if s.iter().any(big) { w[0] * e } else { 0.5 }).tanh();
    }
    v
}

#[test]
fn bug_closure_after_early_return() {
    use num_dual::{Dual64, DualNum};
    let s = [1.5, -1.25, 2.0];
    let f = |p: &[Dual64]| {
        let (x, w) = (p[0], [p[1], p[2], p[3]]);
        if s[0] <= w[2].re {
            return w[0] * 2.0;
        }
        let any = s.iter().any(|u| u * (x.re.abs() + 0.1) > 0.5);
        let mut v = w[1];
        for e in s {
            v += (if any { w[0] * e } else { Dual64::from(0.5) }).tanh();
        }
        v
    };
    for (x, w) in [(0.7, [0.4, -0.3, 0.2]), (-0.1, [0.4, -0.3, 0.2]), (0.7, [0.4, -0.3, 1.8])] {
        let (v, dx, dw) = closure_after_early_return_grad(x, &s, w);
        assert_eq!(v.to_bits(), closure_after_early_return(x, &s, w).to_bits());
        let (ev, g) = verify::dual_grad(&[x, w[0], w[1], w[2]], f);
        assert!((v - ev).abs() < 1e-15);
        let mut got = vec![dx];
        got.extend(dw);
        verify::assert_grad(&got, &g);
    }
}

/// `max_by` / `min_by` / `reduce` over a chain of constant items, ended by `.unwrap_or(d)` with a
/// differentiated default (found by the oracle once it generated chains: `(0..4).map(|i| ..)
/// .min_by(..).unwrap_or(s[0].tanh())`, and chains over parameters `wrt(..)` leaves out): the
/// chain was taken for plain code and `unwrap_or(active)` rejected ("no `_grad` companion").
#[gradmacro::differentiate(wrt(x))]
fn constant_chain_active_default(x: f64, s: &[f64]) -> f64 {
    let m = (0..4).map(|i| (i as f64).cos()).min_by(|a, b| a.total_cmp(b)).unwrap_or(x);
    let r = s.iter().copied().reduce(|a, b| a.max(b)).unwrap_or(x * x);
    let t = s.iter().map(|a| a * 2.0).max_by(f64::total_cmp).unwrap_or(x.sin());
    m * x + r + t
}

#[test]
fn bug_constant_chain_active_default() {
    for s in [&[0.5, -1.25, 2.0][..], &[]] {
        let (v, dx) = constant_chain_active_default_grad(0.3, s);
        assert_eq!(v.to_bits(), constant_chain_active_default(0.3, s).to_bits());
        let m = (0..4).map(|i| f64::from(i).cos()).fold(f64::INFINITY, f64::min);
        // nonempty: m x + max(s) + 2 max(s); empty: m x + x² + sin x
        let want = if s.is_empty() { m + 2.0 * 0.3 + 0.3_f64.cos() } else { m };
        verify::assert_grad(&[dx], &[want]);
    }
}
