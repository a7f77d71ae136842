//! The single neuron of Karpathy's *Hacker's guide to Neural Networks* (chapter 1, "a single
//! neuron"): `f(a, b, c, x, y) = sig(a*x + b*y + c)` at a = 1, b = 2, c = -3, x = -1, y = 3.
//!
//! The sigmoid is a custom gate: `sig` is a plain function and `sig_grad` is written by hand
//! with the guide's local derivative `sig(x) * (1 - sig(x))`; `#[differentiate]` on `neuron`
//! chains through it. The gradient is then checked numerically with `gradmacro::check`.
//!
//! The two outputs are printed in full, as the guide's `console.log(s.value)` prints them; the
//! guide's comments abbreviate them to 0.8808 and 0.8825.
//!
//! Run with `cargo run --release --example neuron`.

use gradmacro::check::check_gradient;
use gradmacro::differentiate;

const STEP: f64 = 0.01;
const START: [f64; 5] = [1.0, 2.0, -3.0, -1.0, 3.0];
const NAMES: [&str; 5] = ["a", "b", "c", "x", "y"];

/// The sigmoid function `1 / (1 + e^-x)`.
fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The sigmoid gate's value and local derivative, written by hand as in the guide.
fn sig_grad(x: f64) -> (f64, f64) {
    let s = sig(x);
    (s, s * (1.0 - s))
}

/// The guide's neuron: a weighted sum of the inputs squashed by the sigmoid.
#[differentiate]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    sig(a * x + b * y + c)
}

fn neuron_at(p: &[f64]) -> f64 {
    neuron(p[0], p[1], p[2], p[3], p[4])
}

fn gradient_at(p: &[f64; 5]) -> (f64, [f64; 5]) {
    let (out, da, db, dc, dx, dy) = neuron_grad(p[0], p[1], p[2], p[3], p[4]);
    (out, [da, db, dc, dx, dy])
}

/// The report, one printed line per element.
fn report() -> Vec<String> {
    let (out, gradient) = gradient_at(&START);
    let mut lines = vec![format!("circuit output: {out}")];
    let listed: Vec<String> = NAMES.iter().zip(gradient).map(|(n, g)| format!("{n} = {g:.3}")).collect();
    lines.push(format!("gradient: {}", listed.join(", ")));

    let mut stepped = START;
    for (p, g) in stepped.iter_mut().zip(gradient) {
        *p += STEP * g;
    }
    lines.push(format!("circuit output after one backprop: {}", neuron_at(&stepped)));

    lines.push(match check_gradient(neuron_at, &gradient, &START) {
        Ok(()) => "numerical gradient check (gradmacro::check): agrees".to_string(),
        Err(e) => format!("numerical gradient check (gradmacro::check): FAILED: {e}"),
    });
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
    use gradmacro::check::numerical_gradient;

    #[test]
    fn prints_the_guides_numbers() {
        let lines = report();
        let printed = |line: &str, prefix: &str| -> f64 {
            let number = line.strip_prefix(prefix).unwrap_or_else(|| panic!("{line}"));
            number.parse().unwrap()
        };
        // The guide: "prints 0.8808" (0.88079... rounded) ...
        let out = printed(&lines[0], "circuit output: ");
        assert_eq!(format!("{out:.4}"), "0.8808");
        // ... and "prints 0.8825" (0.882550... cut after four digits).
        let after = printed(&lines[2], "circuit output after one backprop: ");
        assert!(format!("{after}").starts_with("0.8825"), "{after}");
        // Closed form, independent of the generated gradient: sig'(2) = s(1 - s).
        let sig = |t: f64| 1.0 / (1.0 + f64::exp(-t));
        let s = sig(2.0);
        assert_relative_eq!(out, s, epsilon = 1e-15);
        let ds = s * (1.0 - s);
        let [a, b, c, x, y] = START;
        let [a, b, c, x, y] =
            [a + 0.01 * x * ds, b + 0.01 * y * ds, c + 0.01 * ds, x + 0.01 * a * ds, y + 0.01 * b * ds];
        assert_relative_eq!(after, sig(a * x + b * y + c), epsilon = 1e-15);
        assert_eq!(lines[1], "gradient: a = -0.105, b = 0.315, c = 0.105, x = 0.105, y = 0.210");
        assert_eq!(lines[3], "numerical gradient check (gradmacro::check): agrees");
    }

    #[test]
    fn gradient_matches_the_closed_form() {
        let [a, b, c, x, y] = START;
        let s = 1.0 / (1.0 + f64::exp(-(a * x + b * y + c)));
        let ds = s * (1.0 - s);
        let (out, g) = gradient_at(&START);
        assert_eq!(out.to_bits(), neuron_at(&START).to_bits());
        let expected = [x * ds, y * ds, ds, a * ds, b * ds];
        for (got, want) in g.iter().zip(expected) {
            assert_relative_eq!(*got, want, epsilon = 1e-15);
        }
    }

    #[test]
    fn gradient_matches_finite_differences_elsewhere() {
        for p in [[0.3, -1.2, 0.5, 2.0, -0.7], [-2.0, 0.1, 4.0, 1.5, 1.5]] {
            let (_, g) = gradient_at(&p);
            let n = numerical_gradient(neuron_at, &p);
            for (got, want) in g.iter().zip(n) {
                assert_relative_eq!(*got, want, epsilon = 1e-8);
            }
        }
    }
}
