//! The "more conventional approach" of Karpathy's *Hacker's guide to Neural Networks*
//! (chapter 2): a linear SVM's cost as one function of the weights, `hinge loss + alpha * |w|²`,
//! evaluated on the guide's three points with its lines of output, then differentiated with
//! `#[differentiate(wrt(w))]` and minimised by a few steps of gradient descent.
//!
//! Run with `cargo run --release --example loss`.

use gradmacro::differentiate;

const X: [[f64; 2]; 3] = [[1.2, 0.7], [-0.3, 0.5], [3.0, 2.5]];
const Y: [f64; 3] = [1.0, -1.0, 1.0];
const W: [f64; 3] = [0.1, 0.2, 0.3];
const ALPHA: f64 = 0.1;
const STEP: f64 = 0.1;
const STEPS: usize = 5;

/// The guide's `cost(X, y, w)`: hinge loss of every point plus L2 regularisation of the
/// weights (not of the bias `w[2]`).
#[differentiate(wrt(w))]
fn cost(x: &[[f64; 2]], y: &[f64], w: &[f64; 3], alpha: f64) -> f64 {
    let mut total_cost = 0.0;
    for i in 0..x.len() {
        let score = w[0] * x[i][0] + w[1] * x[i][1] + w[2];
        let cost_i = f64::max(0.0, -y[i] * score + 1.0);
        total_cost += cost_i;
    }
    let reg_cost = alpha * (w[0] * w[0] + w[1] * w[1]);
    total_cost + reg_cost
}

/// The lines the guide's `cost` prints, computed the same way; `cost` itself is kept free of
/// printing so it can be differentiated.
fn cost_report(x: &[[f64; 2]], y: &[f64], w: &[f64; 3], alpha: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut total_cost = 0.0;
    for (i, (xi, &yi)) in x.iter().zip(y).enumerate() {
        let score = w[0] * xi[0] + w[1] * xi[1] + w[2];
        let cost_i = f64::max(0.0, -yi * score + 1.0);
        lines.push(format!("example {i}: xi = ({},{}) and label = {yi}", xi[0], xi[1]));
        lines.push(format!("  score computed to be {score:.3}"));
        lines.push(format!("  => cost computed to be {cost_i:.3}"));
        total_cost += cost_i;
    }
    let reg_cost = alpha * (w[0] * w[0] + w[1] * w[1]);
    lines.push(format!("regularization cost for current model is {reg_cost:.3}"));
    total_cost += reg_cost;
    lines.push(format!("total cost is {total_cost:.3}"));
    lines
}

/// `STEPS` steps of gradient descent from `w`: the weights and cost before each step.
fn descend(w: [f64; 3]) -> Vec<([f64; 3], f64, [f64; 3])> {
    let mut w = w;
    let mut history = Vec::new();
    for _ in 0..=STEPS {
        let (value, gradient) = cost_grad(&X, &Y, &w, ALPHA);
        history.push((w, value, gradient));
        for (wi, gi) in w.iter_mut().zip(gradient) {
            *wi -= STEP * gi;
        }
    }
    history
}

fn fmt3(v: &[f64; 3]) -> String {
    format!("[{:.4}, {:.4}, {:.4}]", v[0], v[1], v[2])
}

fn report() -> Vec<String> {
    let mut lines = cost_report(&X, &Y, &W, ALPHA);
    let (_, gradient) = cost_grad(&X, &Y, &W, ALPHA);
    lines.push(format!("gradient of the cost wrt w: {}", fmt3(&gradient)));
    lines.push(format!("gradient descent, step size {STEP}:"));
    for (k, (w, value, _)) in descend(W).iter().enumerate() {
        lines.push(format!("  step {k}: w = {}, cost = {value:.4}", fmt3(w)));
    }
    lines
}

fn main() {
    for line in report() {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use gradmacro::check::check_gradient;

    #[test]
    fn prints_the_guides_lines() {
        let lines = report();
        let guide = [
            "example 0: xi = (1.2,0.7) and label = 1",
            "  score computed to be 0.560",
            "  => cost computed to be 0.440",
            "example 1: xi = (-0.3,0.5) and label = -1",
            "  score computed to be 0.370",
            "  => cost computed to be 1.370",
            "example 2: xi = (3,2.5) and label = 1",
            "  score computed to be 1.100",
            "  => cost computed to be 0.000",
            "regularization cost for current model is 0.005",
            "total cost is 1.815",
        ];
        assert_eq!(lines[..guide.len()], guide);
    }

    #[test]
    fn differentiated_cost_is_the_printed_total() {
        let (value, _) = cost_grad(&X, &Y, &W, ALPHA);
        assert_eq!(value.to_bits(), cost(&X, &Y, &W, ALPHA).to_bits());
        assert_relative_eq!(value, 1.815, epsilon = 1e-12);
    }

    #[test]
    fn gradient_is_the_closed_form() {
        // Points 0 and 1 are inside the margin and contribute -y_i * (x_i, 1); point 2 is
        // outside it. The regulariser adds 2 * alpha * (w0, w1, 0).
        let expected = [-1.2 - 0.3 + 2.0 * ALPHA * W[0], -0.7 + 0.5 + 2.0 * ALPHA * W[1], -1.0 + 1.0];
        let (_, gradient) = cost_grad(&X, &Y, &W, ALPHA);
        for (g, e) in gradient.iter().zip(expected) {
            assert_relative_eq!(*g, e, epsilon = 1e-12);
        }
    }

    #[test]
    fn gradient_passes_the_numerical_check_along_the_descent() {
        for (w, _, gradient) in descend(W) {
            let f = |v: &[f64]| cost(&X, &Y, &[v[0], v[1], v[2]], ALPHA);
            check_gradient(f, &gradient, &w).unwrap();
        }
    }

    #[test]
    fn descent_lowers_the_cost() {
        let history = descend(W);
        for pair in history.windows(2) {
            assert!(pair[1].1 < pair[0].1, "{} then {}", pair[0].1, pair[1].1);
        }
    }
}
