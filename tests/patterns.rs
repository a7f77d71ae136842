//! `match`, `if let` and `let ... else` on constant scrutinees (issue 12): the arm taken is
//! differentiated. Gradients against closed forms; values bit for bit against the function.
//! The `Option` of an element of a differentiated slice (`w.last()`, `w.get(i)`), taken apart
//! the same ways or unwrapped: gradients against num-dual on the same code over `Dual64`.

#![allow(clippy::float_cmp)]

mod common;

use common::dual_grad;
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum};

#[derive(Clone, Copy)]
pub enum Act {
    Relu,
    Tanh,
    Leaky(f64),
}

#[differentiate(wrt(x))]
fn activate(x: f64, act: Act) -> f64 {
    match act {
        Act::Relu => x.max(0.0),
        Act::Tanh => x.tanh(),
        Act::Leaky(a) if a > 0.0 => {
            if x > 0.0 {
                x
            } else {
                a * x
            }
        }
        Act::Leaky(_) => x,
    }
}

#[test]
fn match_on_an_enum_with_bindings_and_guards() {
    assert_eq!(activate_grad(-2.0, Act::Relu), (0.0, 0.0));
    assert_eq!(activate_grad(2.0, Act::Relu), (2.0, 1.0));
    let (v, d) = activate_grad(0.5, Act::Tanh);
    assert_eq!(v, 0.5_f64.tanh());
    assert!((d - (1.0 - v * v)).abs() < 1e-15);
    assert_eq!(activate_grad(-2.0, Act::Leaky(0.1)), (-0.2, 0.1));
    assert_eq!(activate_grad(-2.0, Act::Leaky(-1.0)), (-2.0, 1.0));
}

#[differentiate(wrt(x, y))]
fn by_int(x: f64, y: f64, k: usize, flag: bool) -> f64 {
    let base = match k {
        0 => x,
        1 | 2 => x * y,
        n if n < 10 => x * n as f64,
        _ => return y,
    };
    let scale = match flag {
        true => 2.0,
        false => y,
    };
    base * scale
}

#[test]
fn match_on_integers_and_bools() {
    assert_eq!(by_int_grad(3.0, 4.0, 0, true), (6.0, 2.0, 0.0));
    assert_eq!(by_int_grad(3.0, 4.0, 2, false), (48.0, 16.0, 24.0));
    assert_eq!(by_int_grad(3.0, 4.0, 5, true), (30.0, 10.0, 0.0));
    assert_eq!(by_int_grad(3.0, 4.0, 50, true), (4.0, 0.0, 1.0));
}

#[differentiate(wrt(w))]
fn if_let(w: f64, prior: Option<f64>, data: &[f64]) -> f64 {
    let mut loss = 0.0;
    for d in data {
        loss += (w - d).powi(2);
    }
    if let Some(p) = prior {
        loss += p * w * w;
    }
    loss
}

#[differentiate(wrt(w))]
fn let_else(w: f64, scale: Option<f64>) -> f64 {
    let Some(s) = scale else {
        return w;
    };
    s * w.sin()
}

#[test]
fn if_let_and_let_else() {
    let data = [1.0, 2.0];
    // (w-1)^2 + (w-2)^2 + 3 w^2 at w = 0.5
    assert_eq!(if_let_grad(0.5, Some(3.0), &data), (0.25 + 2.25 + 0.75, -1.0 - 3.0 + 3.0));
    assert_eq!(if_let_grad(0.5, None, &data), (2.5, -4.0));
    assert_eq!(let_else_grad(0.5, None), (0.5, 1.0));
    let (v, d) = let_else_grad(0.5, Some(2.0));
    assert_eq!(v, 2.0 * 0.5_f64.sin());
    assert!((d - 2.0 * 0.5_f64.cos()).abs() < 1e-15);
}

// A match inside a loop that carries a value, on the loop's index.
#[differentiate]
fn match_in_loop(x: f64) -> f64 {
    let mut y = x;
    for i in 0..4 {
        y = match i % 3 {
            0 => y * x,
            1 => y.sin(),
            _ => y + 1.0,
        };
    }
    y
}

#[test]
fn match_in_a_carried_loop() {
    // y = sin(x^2) + 1, then * x
    let x: f64 = 0.7;
    let (v, d) = match_in_loop_grad(x);
    assert_eq!(v, match_in_loop(x));
    let e = ((x * x).sin() + 1.0) + x * (x * x).cos() * 2.0 * x;
    assert!((d - e).abs() < 1e-14, "{d} {e}");
}

// Patterns that test without binding: a unit variant (`None`), a shorthand field next to a
// literal one, and `n @ range`.
#[differentiate(wrt(x))]
fn unit_variant(x: f64, o: Option<f64>) -> f64 {
    match o {
        None => x * x,
        Some(k) => k * x,
    }
}

pub struct Cfg {
    scale: f64,
    on: bool,
}

#[differentiate(wrt(x))]
fn shorthand_field(x: f64, c: &Cfg, n: i32) -> f64 {
    let y = match c {
        Cfg { scale, on: true } => scale * x.sin(),
        Cfg { .. } => x,
    };
    match n {
        k @ 1..=3 => y * f64::from(k),
        _ => y,
    }
}

#[test]
fn patterns_that_bind_nothing() {
    assert_eq!(unit_variant_grad(3.0, None), (9.0, 6.0));
    assert_eq!(unit_variant_grad(3.0, Some(5.0)), (15.0, 5.0));
    let on = Cfg { scale: 2.0, on: true };
    let off = Cfg { scale: 2.0, on: false };
    let (v, d) = shorthand_field_grad(0.5, &on, 3);
    assert_eq!(v, 6.0 * 0.5_f64.sin());
    assert!((d - 6.0 * 0.5_f64.cos()).abs() < 1e-15);
    assert_eq!(shorthand_field_grad(0.5, &off, 2), (1.0, 2.0));
    assert_eq!(shorthand_field_grad(0.5, &off, 7), (0.5, 1.0));
}

// ---- the `Option` of an element of a differentiated slice ----------------------------------
// Before these were lowered as the indexed reads they mean, a name bound out of `w.last()` was
// a constant: `if let Some(l) = w.last() { l * l }` had gradient 0 (found by a new-user trial).

#[differentiate(wrt(w, x))]
fn elem_options(w: &[f64], x: f64, i: usize) -> f64 {
    let a = if let Some(l) = w.last() { l * l } else { x };
    let b = match w.first() {
        Some(&f) => f * x,
        None => x * x,
    };
    let c = match w.get(i) {
        None => 0.5 * x,
        Some(g) => g.sin() * *g,
    };
    let d = w.get(1).copied().unwrap_or(x) + *w.get(i).unwrap_or(&(2.0 * x));
    let e = w.last().map_or(x, |l| l * l * x);
    a + b + c + d + e
}

fn elem_options_dual(w: &[Dual64], x: Dual64, i: usize) -> Dual64 {
    let a = if let Some(l) = w.last() { *l * *l } else { x };
    let b = match w.first() {
        Some(&f) => f * x,
        None => x * x,
    };
    let c = match w.get(i) {
        None => x * 0.5,
        Some(g) => (*g).sin() * *g,
    };
    let d = w.get(1).copied().unwrap_or(x) + *w.get(i).unwrap_or(&(x * 2.0));
    let e = w.last().map_or(x, |l| *l * *l * x);
    a + b + c + d + e
}

#[differentiate]
fn elem_let_else(w: &[f64], x: f64) -> f64 {
    let Some(&l) = w.last() else {
        return x;
    };
    let f = *w.first().unwrap();
    let g = w.last().copied().expect("not empty");
    l * x + f * g
}

fn elem_let_else_dual(w: &[Dual64], x: Dual64) -> Dual64 {
    let Some(&l) = w.last() else {
        return x;
    };
    let f = *w.first().unwrap();
    let g = w.last().copied().expect("not empty");
    l * x + f * g
}

#[test]
fn element_options_of_a_differentiated_slice_against_num_dual() {
    for (w, x, i) in
        [(vec![0.5, -1.25, 2.0], 0.75, 2), (vec![0.5, -1.25, 2.0], 0.75, 7), (vec![1.5], -0.4, 0), (vec![], 1.1, 0)]
    {
        let n = w.len();
        let (v, gw, gx) = elem_options_grad(&w, x, i);
        assert_eq!(v.to_bits(), elem_options(&w, x, i).to_bits());
        let mut at = w.clone();
        at.push(x);
        let (dv, dg) = dual_grad(&at, |p| elem_options_dual(&p[..n], p[n], i));
        assert!((v - dv).abs() <= 1e-12 * (1.0 + dv.abs()), "value at {w:?}, {x}, {i}");
        let mut got = gw.clone();
        got.push(gx);
        for (k, (a, b)) in got.iter().zip(&dg).enumerate() {
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "component {k} at {w:?}, {x}, {i}: {a} vs {b}");
        }
        if n > 0 {
            let (v, gw, gx) = elem_let_else_grad(&w, x);
            assert_eq!(v.to_bits(), elem_let_else(&w, x).to_bits());
            let (_, dg) = dual_grad(&at, |p| elem_let_else_dual(&p[..n], p[n]));
            let mut got = gw;
            got.push(gx);
            assert_eq!(got, dg, "let-else and unwraps at {w:?}, {x}");
        }
    }
    assert_eq!(elem_let_else_grad(&[], 2.0), (2.0, vec![], 1.0));
}

// A constant `Option` with a differentiated default or closure (`map_or`, `unwrap_or`): the
// arm taken is differentiated. (`map_or` was an error before.)
#[differentiate(wrt(w))]
fn const_option(w: f64, opt: Option<f64>, r: Option<&f64>) -> f64 {
    opt.map_or(w, |f| f * w * w) + opt.unwrap_or(w.sin()) + *r.unwrap_or(&(3.0 * w))
}

#[test]
fn constant_options_with_differentiated_defaults() {
    let w = 0.7_f64;
    let (v, d) = const_option_grad(w, Some(2.0), Some(&5.0));
    assert_eq!(v.to_bits(), const_option(w, Some(2.0), Some(&5.0)).to_bits());
    assert!((d - 4.0 * w).abs() < 1e-15, "{d}");
    let (_, d) = const_option_grad(w, None, None);
    assert!((d - (1.0 + w.cos() + 3.0)).abs() < 1e-15, "{d}");
}

// Tuple assignment: every right-hand value is computed before any variable is assigned (a
// Fibonacci-like recurrence, a symplectic step).
#[differentiate]
fn tuple_assign(a: f64, b: f64, h: f64) -> f64 {
    let (mut p, mut q) = (a, b);
    for _ in 0..3 {
        (p, q) = (q, p + h * q);
    }
    let mut e = p;
    (e, _) = (e * q.sin(), 0.0);
    e
}

fn tuple_assign_dual(a: Dual64, b: Dual64, h: Dual64) -> Dual64 {
    let (mut p, mut q) = (a, b);
    for _ in 0..3 {
        (p, q) = (q, p + h * q);
    }
    let mut e = p;
    (e, _) = (e * q.sin(), 0.0);
    e
}

#[test]
fn tuple_assignment_against_num_dual() {
    for at in [[1.0, 2.0, 0.5], [-0.3, 0.7, 1.5]] {
        let (v, da, db, dh) = tuple_assign_grad(at[0], at[1], at[2]);
        assert_eq!(v.to_bits(), tuple_assign(at[0], at[1], at[2]).to_bits());
        let (dv, g) = dual_grad(&at, |x| tuple_assign_dual(x[0], x[1], x[2]));
        assert!((v - dv).abs() <= 1e-14 * dv.abs().max(1.0));
        for (k, (a, b)) in [da, db, dh].iter().zip(&g).enumerate() {
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "component {k} at {at:?}: {a} vs {b}");
        }
    }
}
