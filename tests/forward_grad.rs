//! The forward-mode `f_grad` (few float parameters and a loop the backward pass would tape,
//! `gradmacro-impl/src/engine/lanes.rs`): each function is written twice, as `#[differentiate]`
//! gives it (forward mode) and with `reverse` (the backward pass), and the two gradients must
//! agree to rounding, the values bit for bit, and both must match central differences of `f`.
//! The shapes: carried loops with arms, `while` with `break` and an early `return`, local stack
//! arrays written in the loop, iterator chains and closures capturing parameters, `match`,
//! nested loops, `loop { break value }`, `wrt`, `f32` and a generic function.

// The index loops writing a local array and the eight float parameters (forward mode's limit)
// are the shapes under test.
#![allow(clippy::needless_range_loop, clippy::too_many_arguments)]

use gradmacro::differentiate;

/// `$fwd` as `#[differentiate($opt)]` gives it and `$rev` with `reverse` added.
macro_rules! twins {
    ($fwd:ident, $rev:ident, [$($opt:tt)*], fn [$($gen:tt)*] $params:tt -> $r:tt $body:tt) => {
        #[differentiate($($opt)*)]
        fn $fwd <$($gen)*> $params -> $r $body
        #[differentiate(reverse, $($opt)*)]
        fn $rev <$($gen)*> $params -> $r $body
    };
    ($fwd:ident, $rev:ident, [$($opt:tt)*], fn $params:tt -> $r:tt $body:tt) => {
        twins!($fwd, $rev, [$($opt)*], fn [] $params -> $r $body);
    };
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol * want.abs().max(1.0), "{what}: forward mode {got:e}, reference {want:e}");
}

/// Central differences of `f` at `x`, one per component.
fn differences(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let h = 1e-6 * x[i].abs().max(1.0);
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[i] += h;
            b[i] -= h;
            (f(&a) - f(&b)) / (2.0 * h)
        })
        .collect()
}

/// Forward mode against the backward pass (to rounding) and against differences of `f`.
fn check(what: &str, x: &[f64], fwd: (f64, Vec<f64>), rev: (f64, Vec<f64>), f: impl Fn(&[f64]) -> f64) {
    assert_eq!(fwd.0.to_bits(), rev.0.to_bits(), "{what}: values differ");
    assert_eq!(fwd.0.to_bits(), f(x).to_bits(), "{what}: value is not f's");
    let fd = differences(&f, x);
    for (i, ((g, r), d)) in fwd.1.iter().zip(&rev.1).zip(&fd).enumerate() {
        close(&format!("{what}, component {i}, against the backward pass"), *g, *r, 1e-12);
        close(&format!("{what}, component {i}, against differences"), *g, *d, 1e-5);
    }
}

twins!(sine_map, sine_map_rev, [], fn(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
});

#[test]
fn a_carried_sine_map() {
    for n in [0, 1, 2, 7, 100] {
        for (x, k) in [(0.4, 0.9), (-1.3, 1.7), (2.0, -0.5)] {
            let (v, a, b) = sine_map_grad(x, k, n);
            let (rv, ra, rb) = sine_map_rev_grad(x, k, n);
            check(&format!("sine_map n = {n}"), &[x, k], (v, vec![a, b]), (rv, vec![ra, rb]), |p| {
                sine_map(p[0], p[1], n)
            });
        }
    }
}

twins!(clipped, clipped_rev, [], fn(x: f64, k: f64, c: f64) -> f64 {
    let mut y = x;
    let mut acc = 0.0;
    for i in 0..20 {
        let t = y * k + c * f64::from(i) * 0.05;
        y = if t > 1.0 { 1.0 + (t - 1.0) * 0.1 } else { t.max(-2.0) };
        acc += y.abs() * 0.5 + (y * c).tanh();
    }
    acc + y
});

#[test]
fn arms_max_and_abs_in_a_carried_loop() {
    for p in [[0.3, 1.1, 0.2], [0.9, 1.3, -0.4], [-0.7, 0.8, 0.9], [0.1, -1.2, 0.3]] {
        let (v, a, b, c) = clipped_grad(p[0], p[1], p[2]);
        let (rv, ra, rb, rc) = clipped_rev_grad(p[0], p[1], p[2]);
        check("clipped", &p, (v, vec![a, b, c]), (rv, vec![ra, rb, rc]), |q| clipped(q[0], q[1], q[2]));
    }
}

twins!(halve, halve_rev, [], fn(x: f64, limit: f64) -> f64 {
    let mut y = x * x + 1.0;
    let mut n = 0;
    while n < 60 {
        y = y * 0.5 + limit * 0.01;
        if y < limit {
            break;
        }
        if y > 1e6 {
            return y.ln();
        }
        n += 1;
    }
    y * limit + f64::from(n)
});

#[test]
fn while_with_break_and_an_early_return() {
    for p in [[1.5, 0.3], [3.0, 0.05], [0.2, 0.9], [2500.0, 1e-9]] {
        let (v, a, b) = halve_grad(p[0], p[1]);
        let (rv, ra, rb) = halve_rev_grad(p[0], p[1]);
        check("halve", &p, (v, vec![a, b]), (rv, vec![ra, rb]), |q| halve(q[0], q[1]));
    }
}

twins!(history, history_rev, [], fn(x: f64, k: f64) -> f64 {
    let mut h = [0.0; 8];
    let mut y = x;
    for i in 0..8 {
        y = (y * k).cos() + x * 0.1;
        h[i] = y * y;
    }
    let mut s = 0.0;
    for i in 1..8 {
        s += h[i] * h[i - 1];
    }
    s + h[3]
});

#[test]
fn a_local_array_written_in_a_carried_loop() {
    for p in [[0.4, 0.9], [1.2, -0.7], [-0.3, 2.1]] {
        let (v, a, b) = history_grad(p[0], p[1]);
        let (rv, ra, rb) = history_rev_grad(p[0], p[1]);
        check("history", &p, (v, vec![a, b]), (rv, vec![ra, rb]), |q| history(q[0], q[1]));
    }
}

twins!(chains, chains_rev, [wrt(w, b)], fn(w: f64, b: f64, data: &[f64]) -> f64 {
    let act = |z: f64| z.tanh();
    let mut h = b;
    for &x in data {
        h = act(w * h + x);
    }
    let s: f64 = data.iter().map(|x| (x * w - h).powi(2)).sum();
    let m = data.iter().fold(h, |acc, x| acc * 0.5 + x * b);
    s + m
});

#[test]
fn closures_and_iterator_chains_capturing_the_parameters() {
    let data = [0.3, -1.2, 0.8, 0.05, 1.7, -0.4];
    for p in [[0.7, 0.1], [-1.1, 0.6], [0.2, -0.9]] {
        let (v, a, b) = chains_grad(p[0], p[1], &data);
        let (rv, ra, rb) = chains_rev_grad(p[0], p[1], &data);
        check("chains", &p, (v, vec![a, b]), (rv, vec![ra, rb]), |q| chains(q[0], q[1], &data));
    }
}

twins!(modes, modes_rev, [], fn(x: f64, k: f64, phase: usize) -> f64 {
    let mut y = x;
    let mut s = 0.0_f64;
    for i in 0..12 {
        y = match (i + phase) % 3 {
            0 => y * k + 0.1,
            1 | 2 if y > 0.0 => y.sqrt() * k,
            _ => -y * 0.5 + k,
        };
        for j in 0..3 {
            s += y * f64::from(j) + (s * 0.01).sin();
        }
    }
    let r = loop {
        y *= 0.9;
        if y.abs() < 0.5 {
            break y + s * 0.001;
        }
    };
    r + s
});

#[test]
fn match_nested_loops_and_a_loop_breaking_with_a_value() {
    for phase in 0..3 {
        for p in [[0.4, 0.9], [1.2, 0.7], [-0.3, 1.1]] {
            let (v, a, b) = modes_grad(p[0], p[1], phase);
            let (rv, ra, rb) = modes_rev_grad(p[0], p[1], phase);
            check(&format!("modes phase {phase}"), &p, (v, vec![a, b]), (rv, vec![ra, rb]), |q| {
                modes(q[0], q[1], phase)
            });
        }
    }
}

twins!(eight, eight_rev, [], fn(a: f64, b: f64, c: f64, d: f64, e: f64, f: f64, g: f64, h: f64) -> f64 {
    let mut y = a;
    for _ in 0..30 {
        y = (y * b + c).sin() * d + e * y * 0.1 + f * (y * g - h) * 0.01;
    }
    y + a * h
});

twins!(unused, unused_rev, [], fn(x: f64, k: f64, z: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y * k * 0.5 + 0.3;
    }
    let _ = z;
    y
});

#[test]
fn eight_parameters_and_one_the_value_does_not_depend_on() {
    let p = [0.3, 0.8, -0.2, 1.1, 0.4, -0.6, 0.9, 0.25];
    let r = eight_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    let q = eight_rev_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    check(
        "eight",
        &p,
        (r.0, vec![r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8]),
        (q.0, vec![q.1, q.2, q.3, q.4, q.5, q.6, q.7, q.8]),
        |p| eight(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]),
    );
    let (v, dx, dk, dz) = unused_grad(0.7, 0.9, 5.0);
    let (rv, rx, rk, rz) = unused_rev_grad(0.7, 0.9, 5.0);
    check("unused", &[0.7, 0.9, 5.0], (v, vec![dx, dk, dz]), (rv, vec![rx, rk, rz]), |p| unused(p[0], p[1], p[2]));
    assert_eq!(dz.to_bits(), 0.0_f64.to_bits());
}

twins!(single, single_rev, [], fn(x: f32, k: f32) -> f32 {
    let mut y = x;
    for _ in 0..25 {
        y = y.sin() * k + x;
    }
    y
});

twins!(generic, generic_rev, [], fn[F: num_traits::Float] (x: F, k: F) -> F {
    let mut y = x;
    for _ in 0..25 {
        y = y.sin() * k + x;
    }
    y
});

#[test]
fn f32_and_a_generic_function() {
    let (v, a, b) = single_grad(0.4, 0.9);
    let (rv, ra, rb) = single_rev_grad(0.4, 0.9);
    assert_eq!(v.to_bits(), rv.to_bits());
    assert!((a - ra).abs() <= 1e-5 * ra.abs().max(1.0) && (b - rb).abs() <= 1e-5 * rb.abs().max(1.0));
    let (v, a, b) = generic_grad::<f64>(0.4, 0.9);
    let (rv, ra, rb) = generic_rev_grad::<f64>(0.4, 0.9);
    check("generic", &[0.4, 0.9], (v, vec![a, b]), (rv, vec![ra, rb]), |p| generic(p[0], p[1]));
    // the same function for f64, written out: bit-identical
    let (sv, sa, sb) = sine_map_grad(0.4, 0.9, 25);
    assert_eq!([v, a, b].map(f64::to_bits), [sv, sa, sb].map(f64::to_bits));
}

#[differentiate]
fn force(p: f64, stiffness: f64) -> f64 {
    -stiffness * p - 0.1 * p * p * p
}

/// A hand-written companion (a custom derivative): forward mode uses its partials too.
fn soft(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn soft_grad(x: f64) -> (f64, f64) {
    (soft(x), 1.0 / (1.0 + (-x).exp()))
}

#[differentiate]
fn weighted(x: f64, ws: &[f64]) -> f64 {
    ws.iter().map(|w| (w * x).sin()).sum()
}

twins!(oscillator, oscillator_rev, [wrt(p0, v0, stiffness)], fn(p0: f64, v0: f64, stiffness: f64, dt: f64, ws: &[f64]) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _ in 0..40 {
        v += dt * force(p, stiffness);
        p += dt * (v + 0.01 * soft(v) + 0.001 * weighted(p, ws));
    }
    p * p + 0.5 * v * v
});

#[test]
fn calls_to_differentiated_and_hand_written_functions_go_through_their_partials() {
    let ws = [0.5, -1.5, 2.0];
    for p in [[1.0, 0.0, 1.3], [0.2, -0.7, 0.4], [-1.5, 0.3, 2.2]] {
        let (v, a, b, c) = oscillator_grad(p[0], p[1], p[2], 0.05, &ws);
        let (rv, ra, rb, rc) = oscillator_rev_grad(p[0], p[1], p[2], 0.05, &ws);
        check("oscillator", &p, (v, vec![a, b, c]), (rv, vec![ra, rb, rc]), |q| {
            oscillator(q[0], q[1], q[2], 0.05, &ws)
        });
    }
}
