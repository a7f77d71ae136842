//! The nalgebra family (`gen/nalgebra.rs`): each generated `aK` written with nalgebra's
//! operators is checked at random points against its twin `aK_dual` evaluated by nalgebra itself
//! over num-dual's numbers: `aK_grad`'s gradient against one `Dual64` pass per input, `aK_jvp`
//! against the exact gradient dotted with a direction, `aK_hvp` and `aK_hessian` against
//! `HyperDual64` (one pass per pair of inputs); for a `Vector3` result, `aK_jacobian` row by row
//! and `aK_vjp` along a seed. Values: the companions' against `aK`'s (equal to a relative 1e-12;
//! bit-identical ones are counted).

use nalgebra::{DVector, RealField, Vector3};
use num_dual::{Dual64, HyperDual64};

type Check = fn(&[f64], &[f64]) -> Result<(), String>;

#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    unreachable_code,
    clippy::all,
    clippy::pedantic
)]
mod programs {
    use super::{Check, check_scalar, check_vector, flat, unpack};
    use gradmacro::differentiate;
    use nalgebra::{DVector, RealField, Vector3};
    include!(concat!(env!("OUT_DIR"), "/nalgebra_programs.rs"));
}

const N: usize = 7 + programs::L;
const RTOL: f64 = 1e-9;

thread_local! {
    static VALUES: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// A point where the exact derivative is not finite (forward mode's `0 · ∞` in a constant
/// branch, `‖0‖`'s derivative): skipped and counted, not compared.
const SKIP: &str = "skip: the exact derivative is not finite here";

fn unpack(x: &[f64]) -> (Vector3<f64>, Vector3<f64>, f64, DVector<f64>) {
    (Vector3::new(x[0], x[1], x[2]), Vector3::new(x[3], x[4], x[5]), x[6], DVector::from_column_slice(&x[7..N]))
}

fn unpack_d<D: RealField + Copy>(x: &[D]) -> (Vector3<D>, Vector3<D>, D, DVector<D>) {
    (Vector3::new(x[0], x[1], x[2]), Vector3::new(x[3], x[4], x[5]), x[6], DVector::from_column_slice(&x[7..N]))
}

fn flat(p: &Vector3<f64>, q: &Vector3<f64>, k: f64, v: &DVector<f64>) -> Vec<f64> {
    p.iter().chain(q.iter()).copied().chain([k]).chain(v.iter().copied()).collect()
}

/// `a` within `RTOL` of `b` relative to `scale` (or both NaN).
fn near(a: f64, b: f64, scale: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= RTOL * scale.max(1.0)
}

fn value(what: &str, got: f64, want: f64) -> Result<(), String> {
    VALUES.with(|c| {
        let (same, all) = c.get();
        c.set((same + usize::from(got.to_bits() == want.to_bits()), all + 1));
    });
    if (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-12 * want.abs().max(1.0) {
        Ok(())
    } else {
        Err(format!("{what}: {got:e}, the function gives {want:e}"))
    }
}

fn vector(what: &str, got: &[f64], want: &[f64]) -> Result<(), String> {
    let scale = want.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if !near(*g, *w, scale) {
            return Err(format!("{what}[{i}]: {g:e}, exact {w:e} (all: {got:?} against {want:?})"));
        }
    }
    Ok(())
}

type DualFn<'a, D, R> = &'a dyn Fn(Vector3<D>, &Vector3<D>, D, &DVector<D>) -> R;

/// Column `j` of the exact derivative: one `Dual64` pass seeded on input `j`.
fn dual_column<R>(x: &[f64], j: usize, f: DualFn<'_, Dual64, R>) -> R {
    let d: Vec<Dual64> = x.iter().enumerate().map(|(i, &xi)| Dual64::new(xi, if i == j { 1.0 } else { 0.0 })).collect();
    let (p, q, k, v) = unpack_d(&d);
    f(p, &q, k, &v)
}

#[allow(clippy::too_many_arguments, reason = "one call per generated program")]
fn check_scalar(
    x: &[f64],
    t: &[f64],
    values: [f64; 4],
    grad: &[f64],
    jvp: f64,
    hv: &[f64],
    hess: &[Vec<f64>],
    dual: impl Fn(Vector3<Dual64>, &Vector3<Dual64>, Dual64, &DVector<Dual64>) -> Dual64,
    hyper: impl Fn(Vector3<HyperDual64>, &Vector3<HyperDual64>, HyperDual64, &DVector<HyperDual64>) -> HyperDual64,
) -> Result<(), String> {
    for (what, v) in ["f_grad", "f_jvp", "f_hvp"].iter().zip(&values[1..]) {
        value(&format!("{what}'s value"), *v, values[0])?;
    }
    let exact: Vec<f64> = (0..N).map(|j| dual_column(x, j, &dual).eps).collect();
    if exact.iter().any(|e| !e.is_finite()) {
        return Err(SKIP.into());
    }
    vector("gradient", grad, &exact)?;
    let dot: f64 = exact.iter().zip(t).map(|(e, ti)| e * ti).sum();
    let scale: f64 = exact.iter().zip(t).map(|(e, ti)| (e * ti).abs()).sum();
    if !near(jvp, dot, scale) {
        return Err(format!("f_jvp: {jvp:e}, exact ∇f·t {dot:e}"));
    }
    let mut h = vec![vec![0.0; N]; N];
    #[allow(clippy::needless_range_loop, reason = "entry (i, j) and its mirror (j, i)")]
    for i in 0..N {
        for j in i..N {
            let d: Vec<HyperDual64> = x
                .iter()
                .enumerate()
                .map(|(m, &xm)| HyperDual64::new(xm, f64::from(u8::from(m == i)), f64::from(u8::from(m == j)), 0.0))
                .collect();
            let (p, q, k, v) = unpack_d(&d);
            let e = hyper(p, &q, k, &v).eps1eps2;
            h[i][j] = e;
            h[j][i] = e;
        }
    }
    if h.iter().flatten().any(|e| !e.is_finite()) {
        return Err(SKIP.into());
    }
    let hscale = h.iter().flatten().fold(0.0_f64, |m, e| m.max(e.abs()));
    for i in 0..N {
        for j in 0..N {
            if !near(hess[i][j], h[i][j], hscale) {
                return Err(format!("f_hessian[{i}][{j}]: {:e}, exact {:e}", hess[i][j], h[i][j]));
            }
        }
    }
    let hvt: Vec<f64> = h.iter().map(|r| r.iter().zip(t).map(|(a, b)| a * b).sum()).collect();
    vector("f_hvp's H·v", hv, &hvt)
}

#[allow(clippy::too_many_arguments, reason = "one call per generated program")]
fn check_vector(
    x: &[f64],
    value_f: Vector3<f64>,
    out: Vector3<f64>,
    vout: Vector3<f64>,
    rows: &[Vec<f64>],
    vjp: &[f64],
    seed: &Vector3<f64>,
    dual: impl Fn(Vector3<Dual64>, &Vector3<Dual64>, Dual64, &DVector<Dual64>) -> Vector3<Dual64>,
) -> Result<(), String> {
    for i in 0..3 {
        value(&format!("f_jacobian's out[{i}]"), out[i], value_f[i])?;
        value(&format!("f_vjp's out[{i}]"), vout[i], value_f[i])?;
    }
    let columns: Vec<Vector3<Dual64>> = (0..N).map(|j| dual_column(x, j, &dual)).collect();
    if columns.iter().any(|c| c.iter().any(|e| !e.eps.is_finite())) {
        return Err(SKIP.into());
    }
    let mut want_vjp = vec![0.0; N];
    for i in 0..3 {
        let exact: Vec<f64> = columns.iter().map(|c| c[i].eps).collect();
        vector(&format!("f_jacobian row {i}"), &rows[i], &exact)?;
        for (w, e) in want_vjp.iter_mut().zip(&exact) {
            *w += seed[i] * e;
        }
    }
    vector("f_vjp", vjp, &want_vjp)
}

#[test]
fn nalgebra_family() {
    let points: usize = std::env::var("GRADMACRO_VERIFY_POINTS").ok().and_then(|s| s.parse().ok()).unwrap_or(8);
    let mut failures = Vec::new();
    let (mut checked, mut skipped) = (0, 0);
    for (k, (name, src, check)) in programs::PROGRAMS.iter().enumerate() {
        let mut rng = verify::Rng(
            programs::SEED ^ 0x0A1C_EB2A ^ ((programs::FIRST + k) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        for _ in 0..points {
            let x: Vec<f64> = (0..N).map(|_| rng.uniform(-1.5, 1.5)).collect();
            let t: Vec<f64> = (0..N).map(|_| rng.uniform(-1.0, 1.0)).collect();
            match check(&x, &t) {
                Ok(()) => checked += 1,
                Err(e) if e == SKIP => skipped += 1,
                Err(e) => {
                    failures.push(format!("{name} at {x:?}: {e}\n{src}"));
                    break;
                }
            }
        }
    }
    let (same, all) = VALUES.with(std::cell::Cell::get);
    println!(
        "nalgebra family: {} programs (seed {}, from a{}), {checked} points checked, {skipped} skipped (exact derivative not finite), {} failures; companions' values bit-identical to the function's: {same} of {all}",
        programs::PROGRAMS.len(),
        programs::SEED,
        programs::FIRST,
        failures.len()
    );
    for f in failures.iter().take(5) {
        println!("{f}");
    }
    assert!(!programs::PROGRAMS.is_empty(), "the family is generated");
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert!(skipped * 10 < checked, "too many points skipped: {skipped} against {checked} checked");
}
