//! `#[differentiate(checkpoint)]` (CONTRACT.md §6, issue 15 item 2): a long carried loop keeps
//! snapshots every ⌈√n⌉ iterations instead of a tape of n entries. Each function here is
//! written twice with the same body, plain and checkpointed (`twins!`): the checkpointed gradient
//! must equal the plain one bit for bit (a segment runs again the same operations in the same
//! order), and both must match a closed form or central finite differences of the function.
//! Loops that are not checkpointed (nested, in an `if` arm, with `break`, `while`) keep the
//! plain tape under the option: they are checked the same way.
//! The memory bound itself is measured in `tests/checkpoint_alloc.rs`.

mod common;

use common::{assert_exact, assert_fd, assert_fd_all, assert_same_value};
use gradmacro::differentiate;

/// Trip counts: none, one, two, three, perfect squares and the numbers either side of them.
const TRIPS: [usize; 14] = [0, 1, 2, 3, 4, 5, 8, 9, 10, 15, 16, 17, 100, 1001];

/// The same function twice: `$plain` with `#[differentiate(reverse, $($opt)*)]` (the plain
/// tape: without `reverse`, a function of few scalar parameters gets a forward-mode `f_grad`),
/// `$ck` with `checkpoint` added.
/// Tokens go through as token trees: a `$t:ty` fragment would hide `&[f64]` from the macro.
macro_rules! twins {
    ($plain:ident, $ck:ident, [$($opt:tt)*], fn [$($gen:tt)*] $params:tt -> $r:tt $body:tt) => {
        #[differentiate(reverse, $($opt)*)]
        fn $plain <$($gen)*> $params -> $r $body
        #[differentiate(reverse, checkpoint, $($opt)*)]
        fn $ck <$($gen)*> $params -> $r $body
    };
    ($plain:ident, $ck:ident, [$($opt:tt)*], fn $params:tt -> $r:tt $body:tt) => {
        twins!($plain, $ck, [$($opt)*], fn [] $params -> $r $body);
    };
}

/// Bitwise equality of two gradient tuples' components.
fn same_bits(what: &str, plain: &[f64], ck: &[f64]) {
    assert_eq!(plain.len(), ck.len());
    for (i, (p, c)) in plain.iter().zip(ck).enumerate() {
        assert_eq!(p.to_bits(), c.to_bits(), "{what}: component {i}: plain {p:e}, checkpointed {c:e}");
    }
}

// ---------------------------------------------------------------------------------------------
// A linear recurrence: closed form
// ---------------------------------------------------------------------------------------------

twins!(linear, linear_ck, [], fn(a: f64, b: f64, y0: f64, n: usize) -> f64 {
    let mut y = y0;
    for _ in 0..n {
        y = a * y + b;
    }
    y
});

#[test]
fn linear_recurrence_matches_closed_form_at_every_trip_count() {
    let (a, b, y0) = (0.97, 0.3, 1.5);
    for n in TRIPS {
        let (v, da, db, dy0) = linear_grad(a, b, y0, n);
        let (vc, dac, dbc, dy0c) = linear_ck_grad(a, b, y0, n);
        assert_same_value("linear_ck", vc, linear_ck(a, b, y0, n));
        same_bits(&format!("linear, n = {n}"), &[v, da, db, dy0], &[vc, dac, dbc, dy0c]);
        // y_n = aⁿ y0 + b (aⁿ - 1)/(a - 1)
        let nf = f64::from(u32::try_from(n).unwrap());
        let an = a.powf(nf);
        let geo = (an - 1.0) / (a - 1.0);
        let dgeo = (nf * a.powf(nf - 1.0) * (a - 1.0) - (an - 1.0)) / ((a - 1.0) * (a - 1.0));
        let what = format!("linear_ck, n = {n}");
        assert_exact(&what, dy0c, an);
        assert_exact(&what, dbc, geo);
        assert_exact(&what, dac, nf * a.powf(nf - 1.0) * y0 + b * dgeo);
    }
}

// ---------------------------------------------------------------------------------------------
// A nonlinear carried loop (the example)
// ---------------------------------------------------------------------------------------------

twins!(sine_map, sine_map_ck, [], fn(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
});

#[test]
fn sine_map_equals_the_taped_gradient_and_finite_differences() {
    let (x, k) = (0.4, 0.9);
    for n in TRIPS {
        let (v, dx, dk) = sine_map_grad(x, k, n);
        let (vc, dxc, dkc) = sine_map_ck_grad(x, k, n);
        assert_same_value("sine_map_ck", vc, sine_map_ck(x, k, n));
        same_bits(&format!("sine_map, n = {n}"), &[v, dx, dk], &[vc, dxc, dkc]);
        assert_fd_all(&format!("sine_map_ck, n = {n}"), |p| sine_map_ck(p[0], p[1], n), &[x, k], &[dxc, dkc]);
    }
}

// ---------------------------------------------------------------------------------------------
// A time-stepping simulation calling a differentiated force
// ---------------------------------------------------------------------------------------------

#[differentiate]
fn force(p: f64, stiffness: f64) -> f64 {
    -stiffness * p - 0.1 * p * p * p
}

twins!(oscillator, oscillator_ck, [wrt(p0, v0, stiffness)], fn(p0: f64, v0: f64, stiffness: f64, dt: f64, steps: usize) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _t in 0..steps {
        v += dt * force(p, stiffness);
        p += dt * v;
    }
    p * p + 0.5 * v * v
});

#[test]
fn oscillator_equals_the_taped_gradient_and_finite_differences() {
    let (p0, v0, s, dt) = (1.0, 0.2, 1.3, 0.01);
    for steps in TRIPS {
        let (e, dp, dv, ds) = oscillator_grad(p0, v0, s, dt, steps);
        let (ec, dpc, dvc, dsc) = oscillator_ck_grad(p0, v0, s, dt, steps);
        assert_same_value("oscillator_ck", ec, oscillator_ck(p0, v0, s, dt, steps));
        same_bits(&format!("oscillator, steps = {steps}"), &[e, dp, dv, ds], &[ec, dpc, dvc, dsc]);
        let f = |q: &[f64]| oscillator_ck(q[0], q[1], q[2], dt, steps);
        assert_fd_all(&format!("oscillator_ck, steps = {steps}"), f, &[p0, v0, s], &[dpc, dvc, dsc]);
    }
}

// ---------------------------------------------------------------------------------------------
// Loops over slices: by `.iter()` over constant data, by element over an active slice (a loop
// over indices), `enumerate`, `zip`; an `if` in the body; an integer counter carried along
// ---------------------------------------------------------------------------------------------

twins!(over_data, over_data_ck, [wrt(a, y0)], fn(a: f64, y0: f64, data: &[f64]) -> f64 {
    let mut y = y0;
    for d in data.iter() {
        y = (y * d).tanh() + a * d;
    }
    y
});

twins!(over_weights, over_weights_ck, [], fn(w: &[f64], y0: f64) -> f64 {
    let mut y = y0;
    for &wi in w {
        y = (y * wi).sin() + wi;
    }
    y * y
});

twins!(indexed, indexed_ck, [wrt(w, c)], fn(w: &[f64], xs: &[f64], c: f64) -> f64 {
    let mut y = c;
    let mut j = 0usize;
    for (i, &x) in xs.iter().enumerate() {
        j += i % 3;
        if y > 0.5 {
            y = y * w[i] - x;
        } else {
            y = (y + c) * x + w[j % w.len()];
        }
    }
    y
});

twins!(zipped, zipped_ck, [], fn(a: &[f64], b: &[f64], s: f64) -> f64 {
    let mut y = s;
    for (p, q) in a.iter().zip(b.iter()) {
        y = y * p + (q * y).cos();
    }
    y
});

fn data(n: usize, seed: f64) -> Vec<f64> {
    (0..n).map(|i| 0.3 + 0.6 * ((i as f64) * 0.77 + seed).sin().abs()).collect()
}

#[test]
fn slice_loops_equal_the_taped_gradient_and_finite_differences() {
    for n in TRIPS {
        let d = data(n, 0.1);
        let what = format!("over_data, n = {n}");
        let (v, da, dy) = over_data_grad(0.3, 0.7, &d);
        let (vc, dac, dyc) = over_data_ck_grad(0.3, 0.7, &d);
        assert_same_value(&what, vc, over_data_ck(0.3, 0.7, &d));
        same_bits(&what, &[v, da, dy], &[vc, dac, dyc]);
        assert_fd_all(&what, |p| over_data_ck(p[0], p[1], &d), &[0.3, 0.7], &[dac, dyc]);

        let what = format!("over_weights, n = {n}");
        let (v, dw, dy) = over_weights_grad(&d, 0.2);
        let (vc, dwc, dyc) = over_weights_ck_grad(&d, 0.2);
        assert_same_value(&what, vc, over_weights_ck(&d, 0.2));
        same_bits(&what, &[v, dy], &[vc, dyc]);
        same_bits(&what, &dw, &dwc);
        if n <= 100 {
            let mut point = d.clone();
            point.push(0.2);
            let mut got = dwc.clone();
            got.push(dyc);
            assert_fd_all(&what, |p| over_weights_ck(&p[..n], p[n]), &point, &got);
        }

        if n > 0 {
            let xs = data(n, 0.5);
            let w = data(n, 1.3);
            let what = format!("indexed, n = {n}");
            let (v, dw, dc) = indexed_grad(&w, &xs, 0.6);
            let (vc, dwc, dcc) = indexed_ck_grad(&w, &xs, 0.6);
            assert_same_value(&what, vc, indexed_ck(&w, &xs, 0.6));
            same_bits(&what, &[v, dc], &[vc, dcc]);
            same_bits(&what, &dw, &dwc);
            if n <= 17 {
                let mut point = w.clone();
                point.push(0.6);
                let mut got = dwc.clone();
                got.push(dcc);
                assert_fd_all(&what, |p| indexed_ck(&p[..n], &xs, p[n]), &point, &got);
            }
        }

        let b = data(n, 2.0);
        let what = format!("zipped, n = {n}");
        let (v, da, db, ds) = zipped_grad(&d, &b, 0.4);
        let (vc, dac, dbc, dsc) = zipped_ck_grad(&d, &b, 0.4);
        assert_same_value(&what, vc, zipped_ck(&d, &b, 0.4));
        same_bits(&what, &[v, ds], &[vc, dsc]);
        same_bits(&what, &da, &dac);
        same_bits(&what, &db, &dbc);
        if n <= 17 {
            let f = |p: &[f64]| zipped_ck(&p[..n], &p[n..2 * n], p[2 * n]);
            let point: Vec<f64> = d.iter().chain(&b).copied().chain([0.4]).collect();
            let got: Vec<f64> = dac.iter().chain(&dbc).copied().chain([dsc]).collect();
            assert_fd_all(&what, f, &point, &got);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Early exits: `break`, `continue`, `return` inside the loop, at every position in a segment
// ---------------------------------------------------------------------------------------------

twins!(breaks, breaks_ck, [], fn(x: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() + x;
        if y > 1.2 {
            break;
        }
    }
    y
});

twins!(stops, stops_ck, [], fn(x: f64, m: usize, n: usize) -> f64 {
    let mut y = x;
    for i in 0..n {
        y = y.sin() * 1.1 + x;
        if i == m {
            break;
        }
    }
    y
});

twins!(continues, continues_ck, [], fn(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for i in 0..n {
        if i % 3 == 1 {
            continue;
        }
        y = (y * k).sin() + x;
    }
    y
});

twins!(returns, returns_ck, [], fn(x: f64, k: f64, m: usize, n: usize) -> f64 {
    let mut y = x;
    for i in 0..n {
        y = y.cos() * k + x * 0.1;
        if i == m && y < 10.0 {
            return y * 2.0;
        }
        if i > 1000 {
            break;
        }
    }
    y
});

#[test]
fn early_exits_equal_the_taped_gradient_and_finite_differences() {
    // a `break` after iteration `m`: every position in the segments of 9, 10 and 17 iterations
    for n in [9, 10, 17] {
        for m in 0..n + 2 {
            let what = format!("stops, n = {n}, m = {m}");
            let (v, d) = stops_grad(0.4, m, n);
            let (vc, dc) = stops_ck_grad(0.4, m, n);
            assert_same_value(&what, vc, stops_ck(0.4, m, n));
            same_bits(&what, &[v, d], &[vc, dc]);
            assert_fd(&what, dc, common::fd1(|x| stops_ck(x, m, n), 0.4));
        }
    }
    for n in TRIPS {
        for x in [0.3, 0.8] {
            let what = format!("breaks, n = {n}, x = {x}");
            let (v, d) = breaks_grad(x, n);
            let (vc, dc) = breaks_ck_grad(x, n);
            assert_same_value(&what, vc, breaks_ck(x, n));
            same_bits(&what, &[v, d], &[vc, dc]);
            assert_fd(&what, dc, common::fd1(|x| breaks_ck(x, n), x));

            let what = format!("continues, n = {n}, x = {x}");
            let (v, d, dk) = continues_grad(x, 0.9, n);
            let (vc, dc, dkc) = continues_ck_grad(x, 0.9, n);
            assert_same_value(&what, vc, continues_ck(x, 0.9, n));
            same_bits(&what, &[v, d, dk], &[vc, dc, dkc]);
            assert_fd_all(&what, |p| continues_ck(p[0], p[1], n), &[x, 0.9], &[dc, dkc]);

            // a `return` from iteration `m`, or none
            for m in [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 99, 5000] {
                let what = format!("returns, n = {n}, x = {x}, m = {m}");
                let (v, d, dk) = returns_grad(x, 1.3, m, n);
                let (vc, dc, dkc) = returns_ck_grad(x, 1.3, m, n);
                assert_same_value(&what, vc, returns_ck(x, 1.3, m, n));
                same_bits(&what, &[v, d, dk], &[vc, dc, dkc]);
                assert_fd_all(&what, |p| returns_ck(p[0], p[1], m, n), &[x, 1.3], &[dc, dkc]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `while` and `loop`: the trip count is unknown when they start; the store starts with segments
// of one iteration and doubles them as snapshots pile up
// ---------------------------------------------------------------------------------------------

twins!(whiles, whiles_ck, [], fn(x: f64, n: usize) -> f64 {
    let mut y = x;
    let mut i = 0;
    while i < n {
        y = y.sin() * 1.5 + x;
        i += 1;
    }
    y
});

twins!(until, until_ck, [], fn(x: f64, tol: f64) -> f64 {
    // Newton's iteration for the cube root of `x`, to a tolerance: a data-dependent trip count
    let mut y = 1.0;
    let mut steps = 0;
    loop {
        let next = y - (y * y * y - x) / (3.0 * y * y);
        let done = (next - y).abs() < tol || steps > 200;
        y = next;
        steps += 1;
        if done {
            break;
        }
    }
    y
});

#[test]
fn while_loops_equal_the_taped_gradient_and_finite_differences() {
    for n in TRIPS.into_iter().chain([4097, 100_003]) {
        for x in [0.3, 0.8] {
            let what = format!("whiles, n = {n}, x = {x}");
            let (v, d) = whiles_grad(x, n);
            let (vc, dc) = whiles_ck_grad(x, n);
            assert_same_value(&what, vc, whiles_ck(x, n));
            same_bits(&what, &[v, d], &[vc, dc]);
            assert_fd(&what, dc, common::fd1(|x| whiles_ck(x, n), x));
        }
    }
    for x in [0.5, 2.0, 27.0, 1e3] {
        let what = format!("until, x = {x}");
        let (v, d, dt) = until_grad(x, 1e-12);
        let (vc, dc, dtc) = until_ck_grad(x, 1e-12);
        assert_same_value(&what, vc, until_ck(x, 1e-12));
        same_bits(&what, &[v, d, dt], &[vc, dc, dtc]);
        // d cbrt(x) / dx = 1 / (3 x^(2/3)): Newton's iterates converge to it too
        assert_exact(&what, dc, 1.0 / (3.0 * x.cbrt() * x.cbrt()));
    }
}

// ---------------------------------------------------------------------------------------------
// Loops the option leaves on the plain tape: nested, inside an `if` arm, writing a local array.
// The gradient is the plain one.
// ---------------------------------------------------------------------------------------------

twins!(nested, nested_ck, [], fn(x: f64, n: usize) -> f64 {
    let mut y = x;
    for i in 0..n {
        for _ in 0..i % 3 {
            y = (y * 1.1).sin() + x;
        }
        y = y * 0.9 + 0.1;
    }
    y
});

twins!(in_arm, in_arm_ck, [], fn(x: f64, n: usize) -> f64 {
    let mut y = x;
    if x > 0.0 {
        for _ in 0..n {
            y = y.cos() * x;
        }
    }
    y
});

twins!(writes, writes_ck, [], fn(x: f64, n: usize) -> f64 {
    let mut h = [0.0; 2];
    let mut y = x;
    for i in 0..n {
        h[i % 2] = y;
        y = (y + h[(i + 1) % 2]).sin();
    }
    y
});

#[test]
fn loops_left_on_the_tape_equal_the_taped_gradient() {
    type G = fn(f64, usize) -> (f64, f64);
    type F = fn(f64, usize) -> f64;
    let pairs: [(&str, G, G, F); 3] = [
        ("nested", nested_grad, nested_ck_grad, nested_ck),
        ("in_arm", in_arm_grad, in_arm_ck_grad, in_arm_ck),
        ("writes", writes_grad, writes_ck_grad, writes_ck),
    ];
    for (name, plain, ck, f) in pairs {
        for n in TRIPS {
            for x in [0.3, 0.8] {
                let what = format!("{name}, n = {n}, x = {x}");
                let (v, d) = plain(x, n);
                let (vc, dc) = ck(x, n);
                assert_same_value(&what, vc, f(x, n));
                same_bits(&what, &[v, d], &[vc, dc]);
                assert_fd(&what, dc, common::fd1(|x| f(x, n), x));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// With the other options: `forward`, `hessian`, `f32`, a generic float, a vector output
// ---------------------------------------------------------------------------------------------

twins!(damped, damped_ck, [forward, hessian], fn(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = (y * k).sin() + 0.5 * x * y;
    }
    y * k
});

#[test]
fn hessian_and_jvp_of_a_checkpointed_function_equal_the_plain_ones() {
    for n in TRIPS {
        let what = format!("damped, n = {n}");
        let (x, k) = (0.6, 0.8);
        let (v, dx, dk) = damped_grad(x, k, n);
        let (vc, dxc, dkc) = damped_ck_grad(x, k, n);
        same_bits(&what, &[v, dx, dk], &[vc, dxc, dkc]);
        let (j, jc) = (damped_jvp(x, k, n, 0.3, -0.7), damped_ck_jvp(x, k, n, 0.3, -0.7));
        same_bits(&what, &[j.0, j.1], &[jc.0, jc.1]);
        let (h, hc) = (damped_hessian(x, k, n), damped_ck_hessian(x, k, n));
        let (h, hc) = (h.3, hc.3);
        same_bits(&what, &h.concat(), &hc.concat());
        let dxk = |x: f64| damped_ck_grad(x, k, n).2;
        assert_fd(&what, hc[0][1], common::fd1(dxk, x));
    }
}

twins!(single, single_ck, [], fn(x: f32, k: f32, n: usize) -> f32 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
});

twins!(generic, generic_ck, [], fn [F: num_traits::Float] (x: F, k: F, n: usize) -> F {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
});

#[test]
fn f32_and_generic_checkpointed_functions_equal_the_plain_ones() {
    for n in TRIPS {
        let what = format!("n = {n}");
        let (a, b) = (single_grad(0.4, 0.9, n), single_ck_grad(0.4, 0.9, n));
        assert_eq!(
            [a.0.to_bits(), a.1.to_bits(), a.2.to_bits()],
            [b.0.to_bits(), b.1.to_bits(), b.2.to_bits()],
            "{what}"
        );
        let (a, b) = (generic_grad(0.4_f64, 0.9, n), generic_ck_grad(0.4_f64, 0.9, n));
        same_bits(&what, &[a.0, a.1, a.2], &[b.0, b.1, b.2]);
        let c = sine_map_grad(0.4, 0.9, n);
        same_bits(&what, &[c.0, c.1, c.2], &[b.0, b.1, b.2]);
    }
}

twins!(pair, pair_ck, [], fn(x: f64, n: usize) -> [f64; 2] {
    let mut y = x;
    let mut z = 1.0;
    for _ in 0..n {
        y = y.sin() + x;
        z = z * 0.5 + y;
    }
    [y, z]
});

#[test]
fn vector_output_of_a_checkpointed_function_equals_the_plain_one() {
    for n in TRIPS {
        let what = format!("pair, n = {n}");
        let (a, b) = (pair_jacobian(0.7, n), pair_ck_jacobian(0.7, n));
        same_bits(&what, &[a.0[0], a.0[1], a.1[0], a.1[1]], &[b.0[0], b.0[1], b.1[0], b.1[1]]);
        let (a, b) = (pair_vjp(0.7, n, [0.3, -1.0]), pair_ck_vjp(0.7, n, [0.3, -1.0]));
        same_bits(&what, &[a.0[0], a.0[1], a.1], &[b.0[0], b.0[1], b.1]);
        let seeded = |x: f64| {
            let [y, z] = pair_ck(x, n);
            0.3 * y - z
        };
        assert_fd(&what, b.1, common::fd1(seeded, 0.7));
    }
}

// ---------------------------------------------------------------------------------------------
// A long run: n = 10⁵ still equals the plain tape bit for bit
// ---------------------------------------------------------------------------------------------

#[test]
fn a_long_run_equals_the_taped_gradient() {
    let n = 100_003;
    let (v, dx, dk) = sine_map_grad(0.4, 0.9, n);
    let (vc, dxc, dkc) = sine_map_ck_grad(0.4, 0.9, n);
    same_bits("sine_map, n = 100003", &[v, dx, dk], &[vc, dxc, dkc]);
    let (e, dp, dv, ds) = oscillator_grad(1.0, 0.2, 1.3, 0.001, n);
    let (ec, dpc, dvc, dsc) = oscillator_ck_grad(1.0, 0.2, 1.3, 0.001, n);
    same_bits("oscillator, n = 100003", &[e, dp, dv, ds], &[ec, dpc, dvc, dsc]);
}
