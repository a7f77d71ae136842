//! Minimising the n-dimensional Rosenbrock function with argmin's L-BFGS, the gradient coming
//! from the `rosenbrock_grad` that `#[differentiate]` generates for a function of a `&[f64]`,
//! handed to argmin through `gradmacro::argmin::Objective` (feature `argmin`): no trait impls to
//! write, and one `rosenbrock_grad` call where the solver asks for cost and gradient at a point.
//!
//! Run with `cargo run --release --example optimize`.

use argmin::core::{Error, Executor, State, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use gradmacro::argmin::Objective;
use gradmacro::differentiate;

/// `Σ (1 - xᵢ)² + 100 (xᵢ₊₁ - xᵢ²)²`, minimal (0) at `x = (1, ..., 1)`.
#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 1..x.len() {
        let a = 1.0 - x[i - 1];
        let b = x[i] - x[i - 1] * x[i - 1];
        sum += a * a + 100.0 * b * b;
    }
    sum
}

/// What one run of L-BFGS found.
struct Minimum {
    x: Vec<f64>,
    cost: f64,
    iterations: u64,
    cost_evaluations: u64,
    gradient_evaluations: u64,
    termination: TerminationStatus,
}

/// L-BFGS (memory 7, Moré–Thuente line search) from `start`.
fn minimise(start: Vec<f64>) -> Result<Minimum, Error> {
    minimise_with(rosenbrock_grad, start)
}

/// L-BFGS on the function whose `(value, gradient)` `grad` returns.
fn minimise_with(grad: impl Fn(&[f64]) -> (f64, Vec<f64>), start: Vec<f64>) -> Result<Minimum, Error> {
    let linesearch = MoreThuenteLineSearch::new().with_c(1e-4, 0.9)?;
    let solver = LBFGS::new(linesearch, 7).with_tolerance_grad(1e-12)?.with_tolerance_cost(0.0)?;
    let result = Executor::new(Objective::new(grad), solver)
        .configure(|state| state.param(start).max_iters(1000).counting(true))
        .run()?;
    let state = &result.state;
    let counts = state.get_func_counts();
    Ok(Minimum {
        x: state.get_best_param().cloned().ok_or_else(|| Error::msg("L-BFGS returned no parameter"))?,
        cost: state.get_best_cost(),
        iterations: state.get_iter(),
        cost_evaluations: counts.get("cost_count").copied().unwrap_or(0),
        gradient_evaluations: counts.get("gradient_count").copied().unwrap_or(0),
        termination: state.get_termination_status().clone(),
    })
}

fn starts() -> Vec<(&'static str, Vec<f64>)> {
    vec![("2-D, classic start (-1.2, 1)", vec![-1.2, 1.0]), ("10-D, start at the origin", vec![0.0; 10])]
}

fn main() -> Result<(), Error> {
    for (name, start) in starts() {
        let m = minimise(start)?;
        let shown: Vec<String> = m.x.iter().map(|v| format!("{v:.9}")).collect();
        println!("{name}:");
        println!("  stopped:    {}", m.termination);
        println!(
            "  iterations: {} ({} cost and {} gradient evaluations)",
            m.iterations, m.cost_evaluations, m.gradient_evaluations
        );
        println!("  minimum at: [{}]", shown.join(", "));
        println!("  cost there: {:e}", m.cost);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use gradmacro::check::check_gradient;

    #[test]
    fn gradient_is_the_closed_form_in_2d() {
        for (x, y) in [(-1.2, 1.0), (0.0, 0.0), (1.0, 1.0), (0.3, -2.0)] {
            let (value, g) = rosenbrock_grad(&[x, y]);
            assert_eq!(value.to_bits(), rosenbrock(&[x, y]).to_bits());
            assert_relative_eq!(value, (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x));
            assert_eq!(g.len(), 2);
            assert_relative_eq!(g[0], -2.0 * (1.0 - x) - 400.0 * x * (y - x * x), epsilon = 1e-12);
            assert_relative_eq!(g[1], 200.0 * (y - x * x), epsilon = 1e-12);
        }
    }

    #[test]
    fn gradient_passes_the_numerical_check_in_10d() {
        let x: Vec<f64> = (0..10).map(|i| f64::from(i) * 0.37 - 1.5).collect();
        let (_, g) = rosenbrock_grad(&x);
        check_gradient(rosenbrock, &g, &x).unwrap();
    }

    #[test]
    fn short_inputs() {
        assert_eq!(rosenbrock_grad(&[]), (0.0, vec![]));
        assert_eq!(rosenbrock_grad(&[3.0]), (0.0, vec![0.0]));
    }

    #[test]
    fn lbfgs_reaches_the_minimum_from_the_classic_start() {
        let m = minimise(vec![-1.2, 1.0]).unwrap();
        for v in &m.x {
            assert!((v - 1.0).abs() < 1e-6, "{:?}", m.x);
        }
        assert!(m.cost < 1e-12, "{}", m.cost);
    }

    #[test]
    fn cost_and_gradient_at_a_point_share_one_grad_call() {
        let calls = std::cell::Cell::new(0_u64);
        let counted = |x: &[f64]| {
            calls.set(calls.get() + 1);
            rosenbrock_grad(x)
        };
        let m = minimise_with(counted, vec![-1.2, 1.0]).unwrap();
        let asked = m.cost_evaluations + m.gradient_evaluations;
        assert!(m.cost_evaluations > 0 && m.gradient_evaluations > 0);
        // A cost and a gradient asked at the same point (and a point asked again) are one call:
        // without `Objective`'s reuse there would be `asked` calls.
        assert!(
            calls.get() <= m.cost_evaluations.max(m.gradient_evaluations) && calls.get() < asked,
            "{} calls for {} cost and {} gradient requests",
            calls.get(),
            m.cost_evaluations,
            m.gradient_evaluations
        );
    }

    #[test]
    fn lbfgs_reaches_the_minimum_in_10d() {
        let m = minimise(vec![0.0; 10]).unwrap();
        for v in &m.x {
            assert!((v - 1.0).abs() < 1e-6, "{:?}", m.x);
        }
    }
}
