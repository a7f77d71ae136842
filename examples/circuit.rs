//! Chapter 1 of Karpathy's *Hacker's guide to Neural Networks*: how to make a circuit's output
//! a little larger, with the guide's three strategies side by side.
//!
//! 1. Random local search: try 100 random tweaks of size at most 0.01, keep the best.
//! 2. Numerical gradient: nudge each input by h = 0.0001, see how the output moves, then step
//!    every input by 0.01 times its slope.
//! 3. Analytic gradient: the same step, with the exact slopes from the `_grad` function that
//!    `#[differentiate]` generates.
//!
//! Run with `cargo run --release --example circuit`.

use gradmacro::differentiate;

/// Tweak size of random local search and step size of both gradient strategies.
const STEP: f64 = 0.01;
/// Number of random tries of random local search.
const TRIES: usize = 100;
/// Forward-difference step of the numerical gradient (the guide's `h`).
const H: f64 = 0.0001;
/// Seed of random local search, so the output is the same on every run.
const SEED: u64 = 2014;

/// The guide's `forwardMultiplyGate`.
#[differentiate]
fn forward_multiply_gate(x: f64, y: f64) -> f64 {
    x * y
}

/// The guide's `forwardCircuit`: an add gate feeding a multiply gate.
#[differentiate]
fn forward_circuit(x: f64, y: f64, z: f64) -> f64 {
    let q = x + y;
    q * z
}

/// A circuit with its inputs: one of the guide's two running examples.
struct Circuit {
    name: &'static str,
    formula: &'static str,
    input_names: &'static [&'static str],
    inputs: &'static [f64],
    f: fn(&[f64]) -> f64,
    f_grad: fn(&[f64]) -> (f64, Vec<f64>),
}

fn multiply_gate() -> Circuit {
    Circuit {
        name: "multiply gate",
        formula: "x * y",
        input_names: &["x", "y"],
        inputs: &[-2.0, 3.0],
        f: |v| forward_multiply_gate(v[0], v[1]),
        f_grad: |v| {
            let (out, dx, dy) = forward_multiply_gate_grad(v[0], v[1]);
            (out, vec![dx, dy])
        },
    }
}

fn add_multiply_circuit() -> Circuit {
    Circuit {
        name: "circuit",
        formula: "(x + y) * z",
        input_names: &["x", "y", "z"],
        inputs: &[-2.0, 5.0, -4.0],
        f: |v| forward_circuit(v[0], v[1], v[2]),
        f_grad: |v| {
            let (out, dx, dy, dz) = forward_circuit_grad(v[0], v[1], v[2]);
            (out, vec![dx, dy, dz])
        },
    }
}

#[path = "common/splitmix.rs"]
mod splitmix;
use splitmix::SplitMix64;

/// What one strategy did: where it moved the inputs, the output there, and what it cost.
struct Outcome {
    /// Slopes the strategy found (none for random search).
    gradient: Option<Vec<f64>>,
    /// Inputs after the strategy's move.
    inputs: Vec<f64>,
    /// Circuit output at those inputs.
    output: f64,
    /// What the strategy spent to choose its move.
    cost: String,
}

/// Strategy 1: the best of `TRIES` random tweaks of every input by up to `STEP`.
fn random_local_search(circuit: &Circuit, rng: &mut SplitMix64) -> Outcome {
    let mut best_output = f64::NEG_INFINITY;
    let mut best_inputs = circuit.inputs.to_vec();
    for _ in 0..TRIES {
        let tried: Vec<f64> = circuit.inputs.iter().map(|&v| v + STEP * (rng.uniform() * 2.0 - 1.0)).collect();
        let output = (circuit.f)(&tried);
        if output > best_output {
            best_output = output;
            best_inputs = tried;
        }
    }
    Outcome { gradient: None, inputs: best_inputs, output: best_output, cost: format!("{TRIES} evaluations of f") }
}

/// The guide's forward-difference slopes `(f(v + h·eᵢ) - f(v)) / h`, with `n + 1` evaluations.
fn forward_difference(f: fn(&[f64]) -> f64, inputs: &[f64], h: f64) -> Vec<f64> {
    let out = f(inputs);
    (0..inputs.len())
        .map(|i| {
            let mut nudged = inputs.to_vec();
            nudged[i] += h;
            (f(&nudged) - out) / h
        })
        .collect()
}

fn step(inputs: &[f64], gradient: &[f64]) -> Vec<f64> {
    inputs.iter().zip(gradient).map(|(v, g)| v + STEP * g).collect()
}

/// Strategy 2: forward differences with `H`, then one step of `STEP` along them.
fn numerical_gradient_step(circuit: &Circuit) -> Outcome {
    let gradient = forward_difference(circuit.f, circuit.inputs, H);
    let inputs = step(circuit.inputs, &gradient);
    Outcome {
        output: (circuit.f)(&inputs),
        gradient: Some(gradient),
        inputs,
        cost: format!("{} evaluations of f", circuit.inputs.len() + 1),
    }
}

/// Strategy 3: exact slopes from the generated `_grad` function, then one step of `STEP`.
fn analytic_gradient_step(circuit: &Circuit) -> Outcome {
    let (_, gradient) = (circuit.f_grad)(circuit.inputs);
    let inputs = step(circuit.inputs, &gradient);
    Outcome {
        output: (circuit.f)(&inputs),
        gradient: Some(gradient),
        inputs,
        cost: "1 call of the generated _grad function (one forward and one backward pass)".into(),
    }
}

fn list(names: &[&str], values: &[f64], precision: usize) -> String {
    names.iter().zip(values).map(|(n, v)| format!("{n} = {v:.precision$}")).collect::<Vec<_>>().join(", ")
}

/// The report for one circuit, one line per item, as printed.
fn report(circuit: &Circuit, rng: &mut SplitMix64) -> Vec<String> {
    let names = circuit.input_names;
    let before = (circuit.f)(circuit.inputs);
    let mut lines = vec![format!(
        "== {}: f({}) = {} at {}: f = {before}",
        circuit.name,
        names.join(", "),
        circuit.formula,
        list(names, circuit.inputs, 0),
    )];
    let strategies = [
        (format!("random local search ({TRIES} tries, tweak {STEP})"), random_local_search(circuit, rng)),
        (format!("numerical gradient (h = {H}), step {STEP}"), numerical_gradient_step(circuit)),
        (format!("analytic gradient, step {STEP}"), analytic_gradient_step(circuit)),
    ];
    for (label, outcome) in strategies {
        lines.push(format!("{label}:"));
        if let Some(gradient) = &outcome.gradient {
            let d_names: Vec<String> = names.iter().map(|n| format!("df/d{n}")).collect();
            let d_names: Vec<&str> = d_names.iter().map(String::as_str).collect();
            lines.push(format!("  gradient:   {}", list(&d_names, gradient, 4)));
        }
        lines.push(format!("  new inputs: {}", list(names, &outcome.inputs, 4)));
        lines.push(format!("  output:     {before} -> {:.2} ({:.4})", outcome.output, outcome.output));
        lines.push(format!("  cost:       {}", outcome.cost));
    }
    lines
}

fn main() {
    let mut rng = SplitMix64(SEED);
    for circuit in [multiply_gate(), add_multiply_circuit()] {
        for line in report(&circuit, &mut rng) {
            println!("{line}");
        }
        println!();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use gradmacro::check::check_gradient;

    fn output_lines(circuit: &Circuit) -> Vec<String> {
        report(circuit, &mut SplitMix64(SEED)).into_iter().filter(|l| l.contains("output:")).collect()
    }

    #[test]
    fn multiply_gate_gradient_is_y_x() {
        for (x, y) in [(-2.0, 3.0), (0.5, -7.0), (0.0, 0.0)] {
            let (out, dx, dy) = forward_multiply_gate_grad(x, y);
            assert_eq!(out.to_bits(), forward_multiply_gate(x, y).to_bits());
            assert_relative_eq!(dx, y);
            assert_relative_eq!(dy, x);
        }
    }

    #[test]
    fn circuit_gradient_is_closed_form_and_passes_numerical_check() {
        let (x, y, z) = (-2.0, 5.0, -4.0);
        let (out, dx, dy, dz) = forward_circuit_grad(x, y, z);
        assert_relative_eq!(out, -12.0);
        assert_relative_eq!(dx, z);
        assert_relative_eq!(dy, z);
        assert_relative_eq!(dz, x + y);
        let c = add_multiply_circuit();
        check_gradient(c.f, &[dx, dy, dz], c.inputs).unwrap();
    }

    #[test]
    fn multiply_gate_both_gradient_steps_reach_the_guides_minus_5_87() {
        let lines = output_lines(&multiply_gate());
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains("-6 -> -5.87 "), "{}", lines[1]);
        assert!(lines[2].contains("-6 -> -5.87 "), "{}", lines[2]);
        // Closed form: -1.97 * 2.98.
        assert_relative_eq!(analytic_gradient_step(&multiply_gate()).output, -1.97 * 2.98, epsilon = 1e-12);
    }

    #[test]
    fn circuit_both_gradient_steps_reach_the_guides_minus_11_59() {
        let lines = output_lines(&add_multiply_circuit());
        assert!(lines[1].contains("-12 -> -11.59 "), "{}", lines[1]);
        assert!(lines[2].contains("-12 -> -11.59 "), "{}", lines[2]);
        // Closed form: (-2.04 + 4.96) * -3.97.
        assert_relative_eq!(
            analytic_gradient_step(&add_multiply_circuit()).output,
            (-2.04 + 4.96) * -3.97,
            epsilon = 1e-12
        );
    }

    #[test]
    fn numerical_and_analytic_slopes_agree() {
        for c in [multiply_gate(), add_multiply_circuit()] {
            let numerical = numerical_gradient_step(&c).gradient.unwrap();
            let analytic = analytic_gradient_step(&c).gradient.unwrap();
            for (n, a) in numerical.iter().zip(&analytic) {
                assert_relative_eq!(n, a, epsilon = 1e-6);
            }
        }
    }

    #[test]
    fn random_search_improves_a_little_and_is_deterministic() {
        let c = multiply_gate();
        let first = random_local_search(&c, &mut SplitMix64(SEED));
        let second = random_local_search(&c, &mut SplitMix64(SEED));
        assert_eq!(first.output.to_bits(), second.output.to_bits());
        assert!(first.output > -6.0, "{}", first.output);
        // No tweak of at most 0.01 per input can beat the gradient step by much.
        assert!(first.output < -5.9, "{}", first.output);
        for (new, old) in first.inputs.iter().zip(c.inputs) {
            assert!((new - old).abs() <= STEP);
        }
    }

    #[test]
    fn uniform_is_in_unit_interval() {
        let mut rng = SplitMix64(1);
        for _ in 0..10_000 {
            let u = rng.uniform();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
