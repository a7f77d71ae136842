//! Newton's method with the Hessian that `#[differentiate(hessian)]` generates (`f_hessian`), on
//! the Rosenbrock function and on an L2-regularised logistic regression, against gradient
//! descent (same line search, gradient only) and argmin's L-BFGS: iterations to a gradient norm
//! below 1e-8 (1e-6 for the logistic loss, see `LOGISTIC_TOL`), and how far each stops from
//! Newton's minimiser, printed as a table.
//!
//! Run with `cargo run --release --example newton`.

#[path = "common/splitmix.rs"]
mod splitmix;

use argmin::core::{Error, Executor, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use gradmacro::argmin::Objective;
use gradmacro::differentiate;
use nalgebra::{DMatrix, DVector};
use splitmix::SplitMix64;

/// Stop when the gradient's norm is below this (Rosenbrock, whose minimum is 0).
const TOL: f64 = 1e-8;
/// The logistic loss's minimum is about 38: near it a step's decrease `t‖g‖²` falls below the
/// rounding of f well before ‖g‖ = 1e-8 (gradient descent stalls at 2e-7), so it stops here.
const LOGISTIC_TOL: f64 = 1e-6;
/// Give up after this many iterations (gradient descent on Rosenbrock needs them).
const MAX_ITERS: u64 = 200_000;
/// argmin's L-BFGS stops here.
const LBFGS_MAX_ITERS: u64 = 1000;

/// `Σ (1 - xᵢ)² + 100 (xᵢ₊₁ - xᵢ²)²`, minimal (0) at `x = (1, ..., 1)`.
#[differentiate(hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 1..x.len() {
        let a = 1.0 - x[i - 1];
        let b = x[i] - x[i - 1] * x[i - 1];
        sum += a * a + 100.0 * b * b;
    }
    sum
}

/// `Σᵢ ln(1 + exp(-yᵢ w·xᵢ)) + λ/2 ‖w‖²` over points `xᵢ` (rows of `x`, `w.len()` wide) with
/// labels `yᵢ = ±1`: strictly convex, so Newton's method converges quadratically from anywhere.
#[differentiate(wrt(w), hessian)]
fn logistic_loss(w: &[f64], x: &[f64], y: &[f64], lambda: f64) -> f64 {
    let d = w.len();
    let mut loss = 0.0;
    for (i, yi) in y.iter().enumerate() {
        let margin = yi * (0..d).map(|k| w[k] * x[i * d + k]).sum::<f64>();
        // ln(1 + e^-m) without overflow for large |m|
        loss += (-margin).max(0.0) + (-margin.abs()).exp().ln_1p();
    }
    loss + 0.5 * lambda * w.iter().map(|v| v * v).sum::<f64>()
}

/// Value and gradient at a point.
type GradFn<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>) + 'a;
/// Value, gradient and Hessian at a point.
type HessianFn<'a> = dyn Fn(&[f64]) -> (f64, Vec<f64>, Vec<Vec<f64>>) + 'a;

/// A problem to minimise, with where to start and when to stop.
struct Problem<'a> {
    name: String,
    grad: Box<GradFn<'a>>,
    hessian: Box<HessianFn<'a>>,
    start: Vec<f64>,
    /// Stop when the gradient's norm is below this.
    tol: f64,
}

/// Where a method stopped.
#[derive(Debug)]
struct Run {
    x: Vec<f64>,
    value: f64,
    grad_norm: f64,
    iterations: u64,
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

/// Backtracking (Armijo) from a unit step along the descent direction `p`.
fn line_search(grad: &GradFn<'_>, x: &[f64], f: f64, g: &[f64], p: &[f64]) -> Vec<f64> {
    let slope: f64 = g.iter().zip(p).map(|(a, b)| a * b).sum();
    let mut t = 1.0;
    loop {
        let next: Vec<f64> = x.iter().zip(p).map(|(a, b)| a + t * b).collect();
        if grad(&next).0 <= f + 1e-4 * t * slope || t < 1e-16 {
            return next;
        }
        t *= 0.5;
    }
}

/// Newton's method: solve `H p = -g` (Cholesky; `H + μI` with a growing `μ` where `H` is not
/// positive definite, so `p` descends), then the line search.
fn newton(problem: &Problem<'_>) -> Run {
    let mut x = problem.start.clone();
    for iterations in 0..MAX_ITERS {
        let (f, g, h) = (problem.hessian)(&x);
        if norm(&g) < problem.tol {
            return Run { x, value: f, grad_norm: norm(&g), iterations };
        }
        let n = x.len();
        let hm = DMatrix::from_fn(n, n, |i, j| h[i][j]);
        let minus_g = -DVector::from_column_slice(&g);
        let mut mu = 0.0;
        let p = loop {
            let damped = &hm + DMatrix::identity(n, n) * mu;
            if let Some(c) = damped.cholesky() {
                break c.solve(&minus_g);
            }
            mu = if mu == 0.0 { 1e-6 } else { mu * 10.0 };
        };
        x = line_search(&*problem.grad, &x, f, &g, p.as_slice());
    }
    let (f, g) = (problem.grad)(&x);
    Run { x, value: f, grad_norm: norm(&g), iterations: MAX_ITERS }
}

/// Gradient descent with the same line search, from the last accepted step length.
fn gradient_descent(problem: &Problem<'_>) -> Run {
    let mut x = problem.start.clone();
    for iterations in 0..MAX_ITERS {
        let (f, g) = (problem.grad)(&x);
        if norm(&g) < problem.tol {
            return Run { x, value: f, grad_norm: norm(&g), iterations };
        }
        let p: Vec<f64> = g.iter().map(|v| -v).collect();
        x = line_search(&*problem.grad, &x, f, &g, &p);
    }
    let (f, g) = (problem.grad)(&x);
    Run { x, value: f, grad_norm: norm(&g), iterations: MAX_ITERS }
}

/// argmin's L-BFGS (memory 7, Moré–Thuente line search) on the generated gradient.
fn lbfgs(problem: &Problem<'_>) -> Result<Run, Error> {
    let linesearch = MoreThuenteLineSearch::new().with_c(1e-4, 0.9)?;
    let solver = LBFGS::new(linesearch, 7).with_tolerance_grad(problem.tol)?.with_tolerance_cost(0.0)?;
    let result = Executor::new(Objective::new(&*problem.grad), solver)
        .configure(|state| state.param(problem.start.clone()).max_iters(LBFGS_MAX_ITERS))
        .run()?;
    let x = result.state.get_best_param().cloned().ok_or_else(|| Error::msg("L-BFGS returned no parameter"))?;
    let (value, g) = (problem.grad)(&x);
    Ok(Run { x, value, grad_norm: norm(&g), iterations: result.state.get_iter() })
}

/// A seeded two-class data set in `d` dimensions: `n` points, labels from a noisy linear rule.
fn classification_data(n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64(20_261_205);
    let truth: Vec<f64> = (0..d).map(|k| if k % 2 == 0 { 1.5 } else { -1.0 }).collect();
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = (0..d).map(|_| 2.0 * rng.uniform() - 1.0).collect();
        let z: f64 = row.iter().zip(&truth).map(|(a, b)| a * b).sum::<f64>() + 0.5 * (rng.uniform() - 0.5);
        y.push(if z > 0.0 { 1.0 } else { -1.0 });
        x.extend(row);
    }
    (x, y)
}

fn problems<'a>(x: &'a [f64], y: &'a [f64], d: usize) -> Vec<Problem<'a>> {
    vec![
        Problem {
            name: "Rosenbrock, 2-D, from (-1.2, 1)".into(),
            grad: Box::new(rosenbrock_grad),
            hessian: Box::new(rosenbrock_hessian),
            start: vec![-1.2, 1.0],
            tol: TOL,
        },
        Problem {
            name: "Rosenbrock, 10-D, from 0".into(),
            grad: Box::new(rosenbrock_grad),
            hessian: Box::new(rosenbrock_hessian),
            start: vec![0.0; 10],
            tol: TOL,
        },
        Problem {
            name: format!("logistic regression, d = {d}, {} points", y.len()),
            grad: Box::new(move |w: &[f64]| logistic_loss_grad(w, x, y, 0.1)),
            hessian: Box::new(move |w: &[f64]| logistic_loss_hessian(w, x, y, 0.1)),
            start: vec![0.0; d],
            tol: LOGISTIC_TOL,
        },
    ]
}

fn main() -> Result<(), Error> {
    let d = 6;
    let (x, y) = classification_data(400, d);
    println!("| problem | method | iterations | final value | final ‖g‖ | ‖x − x_Newton‖ |");
    println!("|---|---|---:|---:|---:|---:|");
    for p in problems(&x, &y, d) {
        let runs = [
            ("Newton (f_hessian)", newton(&p)),
            ("gradient descent", gradient_descent(&p)),
            ("L-BFGS (argmin)", lbfgs(&p)?),
        ];
        let best = runs[0].1.x.clone();
        for (method, r) in runs {
            let its = if r.iterations >= MAX_ITERS { format!("> {MAX_ITERS}") } else { r.iterations.to_string() };
            let dist: Vec<f64> = r.x.iter().zip(&best).map(|(a, b)| a - b).collect();
            println!("| {} | {method} | {its} | {:.6e} | {:.1e} | {:.1e} |", p.name, r.value, r.grad_norm, norm(&dist));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hessian_is_the_closed_form_in_2d() {
        for (a, b) in [(-1.2, 1.0), (0.5, -0.3), (1.0, 1.0)] {
            let (_, _, h) = rosenbrock_hessian(&[a, b]);
            let want = [[2.0 - 400.0 * (b - a * a) + 800.0 * a * a, -400.0 * a], [-400.0 * a, 200.0]];
            for i in 0..2 {
                for j in 0..2 {
                    assert!((h[i][j] - want[i][j]).abs() < 1e-10 * want[i][j].abs().max(1.0), "{h:?}");
                }
            }
        }
    }

    #[test]
    fn newton_reaches_the_minima_in_fewer_iterations_than_the_others() {
        let d = 6;
        let (x, y) = classification_data(400, d);
        for p in problems(&x, &y, d) {
            let n = newton(&p);
            let l = lbfgs(&p).unwrap();
            let g = gradient_descent(&p);
            assert!(n.grad_norm < p.tol, "{}: {n:?}", p.name);
            assert!(n.iterations < 60, "{}: {} Newton iterations", p.name, n.iterations);
            assert!(n.iterations < l.iterations && n.iterations < g.iterations, "{}: {n:?} {l:?} {g:?}", p.name);
            // the same minimum as L-BFGS
            for (a, b) in n.x.iter().zip(&l.x) {
                assert!((a - b).abs() < 1e-5, "{}: {:?} against {:?}", p.name, n.x, l.x);
            }
        }
    }

    #[test]
    fn rosenbrock_minimum_is_all_ones() {
        let d = 2;
        let (x, y) = classification_data(10, d);
        for p in problems(&x, &y, d).into_iter().take(2) {
            let n = newton(&p);
            assert!(n.x.iter().all(|v| (v - 1.0).abs() < 1e-8), "{:?}", n.x);
        }
    }
}
