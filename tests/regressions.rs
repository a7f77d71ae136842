//! Named regression tests for engine bugs found while building it, each against finite
//! differences or a closed form.

use gradmacro::differentiate;

#[differentiate(wrt(x, k))]
fn ifloop(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    if n > 2 {
        for i in 0..n {
            y = y.sin() * k + i as f64;
        }
    } else {
        let mut s = 0.0;
        for i in 0..n {
            s += x * i as f64;
        }
        y = s;
        if s > 100.0 {
            return s * k;
        }
    }
    y * k
}

#[differentiate]
fn early(x: f64, y: f64) -> f64 {
    if x > 0.0 {
        return x * y;
    }
    let z = x * x;
    z + y
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
}

/// Loops inside `if` arms hand their tape, iterator and count out of the arm; the function's
/// tail after an early `return` goes to the result only on the path that did not return.
#[test]
fn loops_in_arms_and_tail_after_early_return() {
    for (x, k, n) in [(0.3, 0.7, 5), (0.3, 0.7, 2), (60.0, 0.7, 2)] {
        let (v, dx, dk) = ifloop_grad(x, k, n);
        assert_eq!(v, ifloop(x, k, n));
        let fx = fd(|x| ifloop(x, k, n), x);
        let fk = fd(|k| ifloop(x, k, n), k);
        println!("{v} {dx} {fx} {dk} {fk}");
        assert!((dx - fx).abs() < 1e-6 * (1.0 + fx.abs()));
        assert!((dk - fk).abs() < 1e-6 * (1.0 + fk.abs()));
    }
    for (x, y) in [(0.5, 2.0), (-0.5, 2.0)] {
        let (v, dx, dy) = early_grad(x, y);
        assert_eq!(v, early(x, y));
        assert!((dx - fd(|x| early(x, y), x)).abs() < 1e-6);
        assert!((dy - fd(|y| early(x, y), y)).abs() < 1e-6);
    }
}

/// An array declared inside a loop body is not carried by the loop (its tape push once
/// referenced it before its declaration).
#[differentiate]
fn array_in_loop_body(x: f64) -> f64 {
    let mut total = 0.0;
    for _ in 0..2 {
        let mut h = [0.0; 2];
        h[0] = x * x;
        h[1] = x;
        total += h[0] + h[1];
    }
    total
}

#[test]
fn array_declared_in_a_loop_body() {
    // 2 (x^2 + x): value 24 and slope 2 (2x + 1) = 14 at x = 3
    assert_eq!(array_in_loop_body_grad(3.0), (24.0, 14.0));
}

/// A carried value updated as `row = row * c + v[j]` has an adjoint that changes from one
/// iteration to the next: the recomputed backward loop must run in reverse.
#[differentiate]
fn affine_carry(v: [f64; 3], x: f64) -> f64 {
    let mut row = x;
    for e in v {
        row = row * 0.5 + e;
    }
    row
}

#[test]
fn affine_carry_runs_backwards() {
    // row = x/8 + v0/4 + v1/2 + v2
    assert_eq!(affine_carry_grad([1.0, 2.0, 3.0], 1.0).1, [0.25, 0.5, 1.0]);
    assert_eq!(affine_carry_grad([1.0, 2.0, 3.0], 1.0).2, 0.125);
}

/// Control flow inside a condition (the contract's "any condition"): an `if` expression in a
/// comparison, and `&&` whose right side holds one, keeping the short circuit.
#[differentiate]
fn condition_with_if(x: f64, y: f64) -> f64 {
    if (if x > 0.0 { x } else { -x }) > 1.0 && (if y > 0.0 { y } else { 0.0 }) < 2.0 { x * y } else { x + y }
}

#[test]
fn control_flow_inside_a_condition() {
    // |x| > 1 and max(y, 0) < 2: x * y; otherwise x + y
    assert_eq!(condition_with_if_grad(1.5, 0.5), (0.75, 0.5, 1.5));
    assert_eq!(condition_with_if_grad(0.5, 0.5), (1.0, 1.0, 1.0));
    assert_eq!(condition_with_if_grad(-1.5, 3.0), (1.5, 1.0, 1.0));
}

// A function whose tail expression returns on some path (`if c { return a; } else { b }`, a
// block or a `loop` with a `return` inside) returned 0 with a zero gradient on that path: the
// tail's value overwrote what the `return` had set. Found by the oracle once its programs ended
// in a `loop`.
#[allow(clippy::needless_return, reason = "the shape under test")]
#[differentiate]
fn tail_if_returns(x: f64) -> f64 {
    if x > 1.0 {
        return x * 5.0;
    } else {
        x * 2.0
    }
}

#[differentiate]
fn tail_block_returns(x: f64) -> f64 {
    {
        if x > 1.0 {
            return x * 5.0;
        }
        x.sin()
    }
}

#[differentiate]
fn tail_loop_returns(x: f64) -> f64 {
    let mut j = 0;
    loop {
        j += 1;
        if x > 1.0 {
            return x * 5.0;
        }
        if j >= 4 {
            break x * 2.0;
        }
    }
}

#[test]
fn bug_tail_expression_that_returns() {
    for x in [1.5, 0.5] {
        let ret = x > 1.0;
        let (v, d) = tail_if_returns_grad(x);
        assert_eq!(v.to_bits(), tail_if_returns(x).to_bits());
        assert_eq!(d, if ret { 5.0 } else { 2.0 });
        let (v, d) = tail_block_returns_grad(x);
        assert_eq!(v.to_bits(), tail_block_returns(x).to_bits());
        assert_eq!(d, if ret { 5.0 } else { x.cos() });
        let (v, d) = tail_loop_returns_grad(x);
        assert_eq!(v.to_bits(), tail_loop_returns(x).to_bits());
        assert_eq!(d, if ret { 5.0 } else { 2.0 });
    }
}

/// A reference the user destructured inside an arm (`let (xi, yi) = pair;`, both `&f64`), read by
/// the backward pass, did not compile: the forward pass handed it out of the arm with
/// `Default::default()` for the other arm, and `&f64` has no default.
#[differentiate(wrt(w))]
fn reference_bound_in_an_arm(w: f64, x: &[f64], y: &[f64], keep: &[bool]) -> f64 {
    let mut s = 0.0;
    for (i, pair) in x.iter().zip(y).enumerate() {
        if keep[i] {
            let (xi, yi) = pair;
            s += (w * xi - yi).powi(2);
        } else {
            let (_, yi) = pair;
            s += w * yi;
        }
    }
    s
}

#[test]
fn bug_reference_bound_in_an_arm() {
    let (x, y, keep) = ([0.5, -1.0, 2.0], [1.0, 0.25, -3.0], [true, false, true]);
    let w = 0.7;
    let (v, dw) = reference_bound_in_an_arm_grad(w, &x, &y, &keep);
    assert_eq!(v, reference_bound_in_an_arm(w, &x, &y, &keep));
    // closed form: sum over kept of 2 (w x - y) x, plus y over the others
    let want = 2.0 * (w * 0.5 - 1.0) * 0.5 + 0.25 + 2.0 * (w * 2.0 + 3.0) * 2.0;
    assert!((dw - want).abs() < 1e-12, "{dw} vs {want}");
}

/// A loop over a constant `Vec` made after an early `return` (the rest of the function is lowered
/// as the arm that did not return) did not compile (E0716): the forward pass handed the loop's
/// iterator out of that arm, and the iterator borrows the `Vec`, which the arm owns.
#[differentiate(wrt(x))]
fn loop_over_a_vec_made_after_a_return(x: f64, s: &[f64], n: usize) -> f64 {
    if s[0] >= x {
        return x * 2.0;
    }
    let c: Vec<f64> = (0..n).map(|i| (i as f64).clamp(-1.0, 1.5)).collect();
    let mut acc = 0.0;
    for (ci, si) in c.iter().zip(s) {
        acc = (acc + ci * x).sin() * si;
    }
    let t = c.iter().map(|v| v * x).sum::<f64>();
    acc + t * x
}

#[test]
fn bug_loop_over_a_vec_made_after_a_return() {
    let s = [0.5, -1.0, 2.0, 0.75];
    for (x, n) in [(0.9, 4), (1.7, 3), (0.2, 0)] {
        let (v, dx) = loop_over_a_vec_made_after_a_return_grad(x, &s, n);
        assert_eq!(v, loop_over_a_vec_made_after_a_return(x, &s, n));
        let h = 1e-6;
        let fd = (loop_over_a_vec_made_after_a_return(x + h, &s, n)
            - loop_over_a_vec_made_after_a_return(x - h, &s, n))
            / (2.0 * h);
        assert!((dx - fd).abs() < 1e-6 * fd.abs().max(1.0), "x={x} n={n}: {dx} vs {fd}");
    }
    // the early return: d(2x)/dx
    assert_eq!(loop_over_a_vec_made_after_a_return_grad(0.1, &s, 3), (0.2, 2.0));
}

/// Found by the oracle's vector family (`verify/gen/vector.rs`, program v38 of the default seed):
/// a vector-valued function that calls a differentiated helper with a slice after an early
/// `return`. The helper's gradient for the slice (a `Vec`) leaves the guarded rest of the body
/// as an `Option`, which the backward pass unwraps by value; `f_jacobian` ran that backward pass
/// once per output inside one closure and did not compile (E0507, "cannot move out of a
/// captured variable in an `FnMut` closure"). It now runs forward and backward once per output.
#[differentiate]
fn dot_helper(x: f64, s: &[f64]) -> f64 {
    x * s[0] + s[1] * s[1]
}

#[differentiate]
fn vector_call_after_return(x: f64, s: &[f64]) -> [f64; 2] {
    if x > 0.5 {
        return [x * s[0], s[1]];
    }
    let v = dot_helper(x, s);
    [v, x * v]
}

#[test]
fn bug_vector_output_slice_gradient_after_early_return() {
    let s = [0.75, -1.25, 2.0];
    for x in [0.9, 0.1, -1.3] {
        let (value, jx, js) = vector_call_after_return_jacobian(x, &s);
        let plain = vector_call_after_return(x, &s);
        assert_eq!(value.map(f64::to_bits), plain.map(f64::to_bits));
        let h = 1e-6;
        let f = |x: f64, s: &[f64]| vector_call_after_return(x, s);
        for i in 0..2 {
            let fd = (f(x + h, &s)[i] - f(x - h, &s)[i]) / (2.0 * h);
            assert!((jx[i] - fd).abs() < 1e-6 * fd.abs().max(1.0), "x={x}: d out{i}/dx {} vs {fd}", jx[i]);
            for k in 0..s.len() {
                let (mut sp, mut sm) = (s, s);
                sp[k] += h;
                sm[k] -= h;
                let fd = (f(x, &sp)[i] - f(x, &sm)[i]) / (2.0 * h);
                assert!((js[i][k] - fd).abs() < 1e-6 * fd.abs().max(1.0), "x={x}: d out{i}/ds{k} {} vs {fd}", js[i][k]);
            }
        }
        // the vjp with seed (1, 0) is row 0
        let (_, gx, gs) = vector_call_after_return_vjp(x, &s, [1.0, 0.0]);
        assert_eq!(gx, jx[0]);
        assert_eq!(gs, js[0]);
    }
}

/// Found by the oracle's vector family (program v54 of the default seed): destructuring the
/// result of a vector-valued call whose arguments are all constant (here `x` is left out by
/// `wrt`) but not plain code (an `if` expression among them) was rejected with "destructuring a
/// differentiated value is supported only from a tuple expression". The call is now evaluated
/// as written and its components bound.
#[differentiate]
fn polar_pair(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiate]
fn polar_array(r: f64, t: f64) -> [f64; 2] {
    [r * t.cos(), r * t.sin()]
}

#[differentiate(wrt(y))]
fn constant_vector_calls(x: f64, y: f64) -> f64 {
    let (u, v) = polar_pair(if x > 0.0 { x } else { 1.0 }, 0.5);
    let [p, _] = polar_array(if x < 1.0 { 2.0 } else { x }, x);
    y * u + v * y * y + p
}

#[test]
fn bug_destructured_constant_vector_call() {
    for (x, y) in [(0.7, 1.3), (-0.4, 0.2), (1.5, -2.0)] {
        let (value, dy) = constant_vector_calls_grad(x, y);
        assert_eq!(value.to_bits(), constant_vector_calls(x, y).to_bits());
        // closed form: d/dy (y u + v y² + p) = u + 2 v y
        let (u, v) = polar_pair(if x > 0.0 { x } else { 1.0 }, 0.5);
        assert!((dy - (u + 2.0 * v * y)).abs() < 1e-14, "x={x} y={y}: {dy}");
    }
}

/// Found by the oracle's vector family (program v87 of the default seed): a typed local array
/// initialised by a vector-valued call with constant arguments, `let r: [f64; 2] = g(c);`, was
/// lowered as a repeated element (`[r; 2]`, E0308 "expected `f64`, found `[f64; 2]`"). It is now
/// the call's value, also when later stores make the array differentiated.
#[differentiate(wrt(y), forward)]
fn typed_constant_vector_call(x: f64, y: f64) -> f64 {
    let r: [f64; 2] = polar_array(x, 2.0);
    let mut h: [f64; 2] = polar_array(2.0, x);
    h[0] = h[1] * y;
    r[0] * y + (r[1] - r[0]) + h[0] * y + h[1]
}

#[test]
fn bug_typed_constant_vector_call() {
    for (x, y) in [(0.7, 1.3), (-0.4, 0.2), (1.5, -2.0)] {
        let (value, dy) = typed_constant_vector_call_grad(x, y);
        assert_eq!(value.to_bits(), typed_constant_vector_call(x, y).to_bits());
        // closed form: d/dy (r0 y + h1 y²) = r0 + 2 h1 y
        let (r, h) = (polar_array(x, 2.0), polar_array(2.0, x));
        let want = r[0] + 2.0 * h[1] * y;
        assert!((dy - want).abs() < 1e-14 * want.abs().max(1.0), "x={x} y={y}: {dy} vs {want}");
        let (jv, jd) = typed_constant_vector_call_jvp(x, y, 0.5);
        assert_eq!(jv.to_bits(), value.to_bits());
        assert!((jd - 0.5 * want).abs() < 1e-14 * want.abs().max(1.0), "jvp {jd} vs {}", 0.5 * want);
    }
}

/// Found by the oracle (program v1225 of the default seed, `GRADMACRO_VERIFY_FIRST=5000`; the
/// shape is the `p` family's closures and buffers): a `move` closure calling another closure that
/// reads a buffer (a `Vec`). The `move` closure's plain copy carried the other closure's literal,
/// which moved the buffer into it (E0382 "borrow of moved value" where the buffer was read
/// again); the buffer is now borrowed before the `move`.
#[differentiate]
fn move_closure_over_buffer_reader(x: f64, s: &[f64]) -> f64 {
    let mut g: Vec<f64> = Vec::with_capacity(2);
    g.push(s[0] * x);
    let c1 = |u: f64| u * g[0];
    let a = s.iter().copied().map(c1).sum::<f64>();
    let c2 = move |u: f64| c1(u) * x;
    c2(x) + a + g[0]
}

#[test]
fn bug_move_closure_over_buffer_reader() {
    let s = [0.5, 1.5, -0.25];
    for x in [0.7, -1.2, 2.0] {
        let (v, dx, ds) = move_closure_over_buffer_reader_grad(x, &s);
        assert_eq!(v.to_bits(), move_closure_over_buffer_reader(x, &s).to_bits());
        let h = 1e-6;
        let fd = (move_closure_over_buffer_reader(x + h, &s) - move_closure_over_buffer_reader(x - h, &s)) / (2.0 * h);
        assert!((dx - fd).abs() < 1e-6 * fd.abs().max(1.0), "x={x}: {dx} vs {fd}");
        for k in 0..s.len() {
            let (mut sp, mut sm) = (s, s);
            sp[k] += h;
            sm[k] -= h;
            let fd = (move_closure_over_buffer_reader(x, &sp) - move_closure_over_buffer_reader(x, &sm)) / (2.0 * h);
            assert!((ds[k] - fd).abs() < 1e-6 * fd.abs().max(1.0), "x={x}: d/ds{k} {} vs {fd}", ds[k]);
        }
    }
}

/// Found by the large oracle run (seed 20261205, program p3607): the same shape over a parameter
/// passed as an owned `Vec`. The `move` closure's plain copy moved the parameter, which the
/// lowered iterator chain read afterwards (E0382); owned `Vec` and struct parameters are now
/// borrowed before a `move` closure too. `g` names the parameter in the `move` closure itself.
#[differentiate(wrt(x, s))]
fn move_closure_over_owned_vec(x: f64, s: Vec<f64>, w: &[f64; 3]) -> f64 {
    let c1 = |u: f64| u * s[0];
    let c2 = move |u: f64| c1(u) * x;
    c1(x) + w.iter().copied().map(c2).sum::<f64>()
}

#[differentiate(wrt(x, s))]
fn move_closure_naming_owned_vec(x: f64, s: Vec<f64>, w: &[f64; 3]) -> f64 {
    let c = move |u: f64| u * s[1] * x;
    w.iter().copied().map(c).sum::<f64>()
}

#[test]
fn bug_move_closure_over_owned_vec() {
    let w = [1.0, 2.0, -0.5];
    let (sw, xs) = (w.iter().sum::<f64>(), [0.7, -1.2, 2.0]);
    for x in xs {
        let s = vec![0.5, 1.5];
        // Closed forms: f = s0 x (1 + sum w), g = s1 x sum w.
        let (v, dx, ds) = move_closure_over_owned_vec_grad(x, s.clone(), &w);
        assert_eq!(v.to_bits(), move_closure_over_owned_vec(x, s.clone(), &w).to_bits());
        assert!((dx - s[0] * (1.0 + sw)).abs() < 1e-12, "x={x}: {dx}");
        assert!((ds[0] - x * (1.0 + sw)).abs() < 1e-12 && ds[1] == 0.0, "x={x}: {ds:?}");
        let (v, dx, ds) = move_closure_naming_owned_vec_grad(x, s.clone(), &w);
        assert_eq!(v.to_bits(), move_closure_naming_owned_vec(x, s.clone(), &w).to_bits());
        assert!((dx - s[1] * sw).abs() < 1e-12, "x={x}: {dx}");
        assert!(ds[0] == 0.0 && (ds[1] - x * sw).abs() < 1e-12, "x={x}: {ds:?}");
    }
}

/// Found by the oracle (program p197 of seed 104372539490311) once its generator collected
/// buffers in loop bodies: a taped loop over a `Vec` the enclosing iteration collected kept its
/// items (`(usize, &f64)`) on a tape hoisted to the function's level, which outlived the `Vec`
/// (E0716). Such a tape now stays in the enclosing iteration.
#[differentiate(wrt(x))]
fn taped_loop_over_an_iteration_vec(x: f64, s: &[f64]) -> f64 {
    let mut total = 0.0;
    for &e in s {
        let c: Vec<f64> = s.iter().map(|v| v * e).collect();
        total += c.iter().enumerate().map(|(i, &v)| i as f64 * v * x).reduce(|a, b| (a * x).sin() + b).unwrap_or(x);
    }
    total
}

#[test]
fn bug_hoisted_tape_outlived_an_iteration_vec() {
    let s = [0.5, -1.5, 0.75];
    for x in [0.7, -1.2, 2.0] {
        let (v, dx) = taped_loop_over_an_iteration_vec_grad(x, &s);
        assert_eq!(v.to_bits(), taped_loop_over_an_iteration_vec(x, &s).to_bits());
        let fd = fd(|x| taped_loop_over_an_iteration_vec(x, &s), x);
        assert!((dx - fd).abs() < 1e-6 * fd.abs().max(1.0), "x={x}: {dx} vs {fd}");
    }
}

// Found by the large oracle run (seed 20261205, program v12): a row of a Jacobian that does not
// depend on an argument of a vector-valued call still ran that argument's backward pass with
// the call's gradient, exactly 0 there, and `0 × NaN` at a point where the argument's slope is
// not finite (`atan2(0, 0)`, whose partials are 0/0) made the whole row NaN.
#[differentiate]
fn pair(a: f64, b: f64) -> [f64; 2] {
    [a * 2.0, b]
}

#[differentiate]
fn ignores_singular_argument(x: f64, y: f64) -> [f64; 2] {
    let r = pair(y.atan2(x), x);
    [r[1] + y, y]
}

#[test]
fn bug_nan_from_a_zero_gradient_of_a_vector_call() {
    // out = [x + y, y] wherever atan2 is defined or not: its value is never read.
    let (value, jx, jy) = ignores_singular_argument_jacobian(0.0, 0.0);
    assert_eq!(value, ignores_singular_argument(0.0, 0.0));
    assert_eq!((jx, jy), ([1.0, 0.0], [1.0, 1.0]));
    let (_, dx, dy) = ignores_singular_argument_vjp(0.0, 0.0, [0.5, 2.0]);
    assert_eq!((dx, dy), (0.5, 2.5));
}

// The same for a scalar call: `g` ignores `a` on the path taken, so `dg/da` is exactly 0, and
// `0 × NaN` at `atan2(0, 0)` made the whole gradient NaN.
#[differentiate]
fn picks_b(a: f64, b: f64) -> f64 {
    if b > 0.0 { b } else { a }
}

#[differentiate]
fn ignores_singular_scalar_argument(x: f64, y: f64) -> f64 {
    picks_b(y.atan2(x), 1.0 + x)
}

#[test]
fn bug_nan_from_a_zero_partial_of_a_scalar_call() {
    // f = 1 + x near the origin (b > 0 there)
    let (value, dx, dy) = ignores_singular_scalar_argument_grad(0.0, 0.0);
    assert_eq!(value, ignores_singular_scalar_argument(0.0, 0.0));
    assert_eq!((dx, dy), (1.0, 0.0));
}

// Large run 7 (seed 20261207), p1135: a field of an element of a constant slice of structs whose
// index holds an `if` over a differentiated value was rejected ("fields of differentiated values
// are not supported"), though an index is an integer and the element constant data.
#[derive(gradmacro::Differentiable, Clone)]
pub struct Tagged {
    pub v: f64,
    pub id: usize,
}

#[differentiate(wrt(x), forward, hessian)]
fn picks_by_computed_index(x: f64, s: &[f64], ps: &[Tagged]) -> f64 {
    let e = x.exp();
    (x * x) * ps[((if x > 0.5 { 0.1_f64 } else { e }).abs() as usize) % s.len()].v + ps[0].id as f64
}

#[test]
fn bug_constant_struct_field_at_a_computed_index() {
    let ps = [Tagged { v: 1.5, id: 3 }, Tagged { v: 2.5, id: 1 }];
    let s = [1.0, 2.0];
    // x = 0.3: e^0.3 = 1.35 picks ps[1] (v = 2.5); x = 0.7 and -0.2 pick ps[0] (v = 1.5).
    // f = x² v + 3 where the index is locally constant: f' = 2 x v, f'' = 2 v.
    for (x, v) in [(0.3, 2.5), (0.7, 1.5), (-0.2, 1.5)] {
        let (value, dx) = picks_by_computed_index_grad(x, &s, &ps);
        assert_eq!(value.to_bits(), picks_by_computed_index(x, &s, &ps).to_bits());
        assert!((dx - 2.0 * x * v).abs() <= 1e-15, "x = {x}: {dx}");
        let (_, t) = picks_by_computed_index_jvp(x, &s, &ps, 1.0);
        assert!((t - 2.0 * x * v).abs() <= 1e-15, "x = {x}: jvp {t}");
        let (_, _, hv) = picks_by_computed_index_hvp(x, &s, &ps, 1.0);
        assert!((hv - 2.0 * v).abs() <= 1e-14, "x = {x}: hvp {hv}");
    }
}

// Large run 9 (seed 20261209), shard p1000: the same for a constant nested array,
// `rows[(if .. { x } else { 2.0 }).abs() as usize % n][1]` with `rows` not in `wrt`: rejected
// ("only one level of indexing into a differentiated array"), though the element is constant.
#[differentiate(wrt(x), forward, hessian)]
fn picks_row_by_computed_index(x: f64, rows: &[[f64; 2]]) -> f64 {
    (x * x) * rows[((if x > 0.5 { x } else { 2.0_f64 }).abs() as usize) % rows.len()][1]
}

#[test]
fn bug_constant_nested_array_at_a_computed_index() {
    let rows = [[0.0, 1.5], [0.0, 2.5], [0.0, 4.0]];
    // x = 1.7 picks row 1 (v = 2.5), x = 0.2 picks row 2 (|2.0| as usize = 2, v = 4.0).
    // f = x² v where the index is locally constant: f' = 2 x v, f'' = 2 v.
    for (x, v) in [(1.7, 2.5), (0.2, 4.0)] {
        let (value, dx) = picks_row_by_computed_index_grad(x, &rows);
        assert_eq!(value.to_bits(), picks_row_by_computed_index(x, &rows).to_bits());
        assert!((dx - 2.0 * x * v).abs() <= 1e-14, "x = {x}: {dx}");
        let (_, t) = picks_row_by_computed_index_jvp(x, &rows, 1.0);
        assert!((t - 2.0 * x * v).abs() <= 1e-14, "x = {x}: jvp {t}");
        let (_, _, hv) = picks_row_by_computed_index_hvp(x, &rows, 1.0);
        assert!((hv - 2.0 * v).abs() <= 1e-14, "x = {x}: hvp {hv}");
    }
}

/// Large oracle run 12, p1570: `atan2(0, 0)` has the value 0 and a NaN derivative. Its result
/// reaches the output only through a product with 0, so `f_grad` drops its exactly-zero adjoint;
/// `f_hvp`'s dual backward pass computed `0 / (1 + v * v)` with `v`'s NaN tangent and got a NaN
/// tangent, which then multiplied the NaN partial: the gradient and `H v` came out NaN. The dual
/// product and quotient now keep an exactly-zero factor's tangent 0 (the backward pass's strong
/// zero).
#[differentiate(hessian)]
fn zero_times_singular(x: f64) -> f64 {
    let v: f64 = (x * 0.0).atan2(0.0);
    f64::max(-1.25, v).atan() * 0.0 + x * x
}

#[test]
fn bug_hvp_nan_from_a_singular_value_under_a_zero_adjoint() {
    let x = -0.9642745144513922;
    let (value, dx) = zero_times_singular_grad(x);
    assert_eq!(value.to_bits(), zero_times_singular(x).to_bits());
    assert_eq!(dx, 2.0 * x);
    // f = x^2 (the other term is 0 * finite): H = 2.
    let (v, g, hv) = zero_times_singular_hvp(x, 0.7);
    assert_eq!(v.to_bits(), value.to_bits());
    assert_eq!(g.to_bits(), dx.to_bits());
    assert_eq!(hv, 1.4);
}

#[differentiate]
fn scaled_pair(x: f64, w: [f64; 2]) -> [f64; 2] {
    [x * w[0], x + w[1]]
}

/// Large run 13, v292: after an early `return`, the rest of the body is an `if` arm whose
/// backward pass runs after it. An array literal built for a vector-valued call's argument
/// (`[t.0, t.1]`, of constants whose type the macro cannot see) was not handed out of that arm,
/// though the backward pass calls `scaled_pair_vjp` with it again: `cannot find value __a0`.
#[differentiate(wrt(x))]
fn literal_argument_after_return(x: f64, t: &(f64, f64)) -> [f64; 2] {
    if t.0 > 5.0 {
        return [x, x];
    }
    let r: [f64; 2] = scaled_pair(x, [t.0, t.1]);
    [r[0] * r[1], r[0]]
}

#[test]
fn bug_literal_array_argument_after_an_early_return() {
    let t = (0.5, 2.0);
    for x in [0.3, -1.2] {
        let (v, [d0, d1]) = literal_argument_after_return_jacobian(x, &t);
        assert_eq!(v.map(f64::to_bits), literal_argument_after_return(x, &t).map(f64::to_bits));
        // (x t0)(x + t1): d/dx = t0 (x + t1) + x t0; x t0: t0
        assert!((d0 - (t.0 * (x + t.1) + x * t.0)).abs() < 1e-12, "{d0}");
        assert!((d1 - t.0).abs() < 1e-12, "{d1}");
    }
    assert_eq!(literal_argument_after_return_jacobian(0.3, &(6.0, 0.0)).1, [1.0, 1.0]);
}

#[differentiate(hessian)]
fn distance_times(a: [f64; 3], b: &[f64; 3], s: f64) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt() * s.tanh()
}

/// nalgebra family, seed 4242, a808: a call whose value reaches only a dead array (`m`, never
/// read) passed its partials times the adjoint 0 on: `NaN · 0` where the distance of `p` to
/// itself has a NaN gradient, so `f_grad` gave NaN for every component of `p` where the exact
/// gradient is `[0, 1, 0]`. The call's adjoint is now zero-prone: its backward work is skipped
/// when that adjoint is exactly 0, as for any gate.
#[differentiate(hessian)]
fn dead_call_result(p: [f64; 3], k: f64) -> f64 {
    let s = distance_times(p, &p, p[2]).tanh();
    let m = [-k * s, -k * s, 2.0 * s];
    let _ = m.len();
    p[1]
}

#[test]
fn bug_nan_from_a_call_whose_result_is_dead() {
    let (p, k) = ([0.1, 0.2, 0.3], 0.5);
    let (v, dp, dk) = dead_call_result_grad(p, k);
    assert_eq!(v.to_bits(), dead_call_result(p, k).to_bits());
    assert_eq!((dp, dk), ([0.0, 1.0, 0.0], 0.0));
    let (_, _, _, hp, hk) = dead_call_result_hvp(p, k, [1.0, -1.0, 0.5], 2.0);
    assert_eq!((hp, hk), ([0.0; 3], 0.0));
}

/// Large oracle run 16 (seed 20261207, p981), reduced: a loop replayed backwards whose arm (the
/// path past an early `return`) collects a constant buffer, then collects another through
/// `buf.iter().map(|&a| ..)`, a taped loop (its position is carried). The tape held the loop's
/// item, a reference into the buffer, and the arm handed both the tape and the buffer out: "cannot move out of `buf` because it is borrowed" (E0505) in the generated
/// code. A number read out of the item (`&a`, `*a`, an `enumerate` index) is taped now, not
/// the item, and an item only read as a float (`for a in buf.iter() { y * a }`) is taped as the
/// float it refers to (`__private::number`).
#[differentiate(reverse)]
fn arm_collects_then_iterates(x: f64, s: &[f64]) -> f64 {
    let mut y = x;
    for &e in s {
        if x > 0.5 {
            return e * x;
        }
        let buf: Vec<f64> = (0..3).map(|k| f64::from(k) * 0.5 + 0.25).collect();
        let hold: Vec<f64> = buf.iter().map(|&a| a.max(e * x)).collect();
        y = (y * hold[1]).sin() + hold[2];
        for a in buf.iter() {
            y = (y * a).cos() + e;
        }
    }
    y
}

#[test]
fn a_taped_loop_over_a_buffer_collected_in_an_arm() {
    fn f(x: f64, s: &[f64]) -> f64 {
        let mut y = x;
        for &e in s {
            if x > 0.5 {
                return e * x;
            }
            let buf: Vec<f64> = (0..3).map(|k| f64::from(k) * 0.5 + 0.25).collect();
            let hold: Vec<f64> = buf.iter().map(|&a| a.max(e * x)).collect();
            y = (y * hold[1]).sin() + hold[2];
            for a in &buf {
                y = (y * a).cos() + e;
            }
        }
        y
    }
    let s = [0.3, -0.7, 1.2];
    for x in [0.2, 0.45, 0.9] {
        let (v, dx, ds) = arm_collects_then_iterates_grad(x, &s);
        assert_eq!(v.to_bits(), f(x, &s).to_bits());
        let h = 1e-6;
        let fd = (f(x + h, &s) - f(x - h, &s)) / (2.0 * h);
        assert!((dx - fd).abs() <= 1e-6 * fd.abs().max(1.0), "x = {x}: d/dx {dx}, differences {fd}");
        for i in 0..s.len() {
            let (mut p, mut m) = (s, s);
            p[i] += h;
            m[i] -= h;
            let fd = (f(x, &p) - f(x, &m)) / (2.0 * h);
            assert!((ds[i] - fd).abs() <= 1e-6 * fd.abs().max(1.0), "x = {x}: d/ds[{i}] {}, differences {fd}", ds[i]);
        }
    }
}
