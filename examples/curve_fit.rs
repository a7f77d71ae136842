//! Nonlinear least squares with a generated Jacobian: fit a damped sinusoid
//! `y = a·exp(-b·t)·cos(c·t + d)` to 40 noisy samples with Levenberg-Marquardt.
//!
//! The residuals are one `#[differentiate(wrt(p))]` function returning `[f64; 40]` (a vector
//! output, CONTRACT.md §8), so the macro generates `residuals_jacobian(p, t, y) -> (r, J)` with
//! `J[i]` the gradient of residual `i` with respect to the four parameters: exactly what a
//! Gauss-Newton / Levenberg-Marquardt step needs. `residuals_vec` is the same function for any
//! number of samples, returning `Vec<f64>`: its `residuals_vec_jacobian(p, t, y)` returns
//! `(Vec<f64>, Vec<[f64; 4]>)`, one row per sample, and fits data whose size is known only at run
//! time (the last lines of the output). The data come from a fixed generator
//! (SplitMix64 with Box-Muller noise, σ = 0.05), so every run prints the same table.
//!
//! Writes `curve_fit.svg` (data, true curve, initial guess and fit) to the current directory, or
//! to the directory given as the first argument (or to the file, if it ends in `.svg`).
//!
//! Run with `cargo run --release --example curve_fit [OUTPUT_DIR]`.

use std::error::Error;
use std::path::{Path, PathBuf};

use gradmacro::differentiate;
use nalgebra::{Matrix4, Vector4};
use plotters::prelude::*;

#[path = "common/splitmix.rs"]
mod splitmix;
use splitmix::SplitMix64;

/// Number of samples (the length of `residuals`' output, written as a literal there).
const M: usize = 40;
/// The parameters the data are drawn from: amplitude, decay rate, angular frequency, phase.
const TRUE: [f64; 4] = [2.0, 0.3, 2.5, 0.4];
/// The starting point of the fit.
const START: [f64; 4] = [1.0, 0.1, 2.2, 0.0];
/// Standard deviation of the noise added to the samples.
const SIGMA: f64 = 0.05;
const SEED: u64 = 7;
const T_END: f64 = 10.0;
const NAMES: [&str; 4] = ["a", "b", "c", "d"];
/// The number of samples of the second data set, fitted through `residuals_vec` only.
const M2: usize = 123;

/// The model at one time.
fn model(p: &[f64; 4], t: f64) -> f64 {
    p[0] * (-p[1] * t).exp() * (p[2] * t + p[3]).cos()
}

/// `model(p, t[i]) - y[i]` for every sample. Only `p` is differentiated; `t` and `y` are data.
#[differentiate(wrt(p))]
fn residuals(p: [f64; 4], t: &[f64], y: &[f64]) -> [f64; 40] {
    let mut r = [0.0; 40];
    for i in 0..40 {
        let envelope = p[0] * (-p[1] * t[i]).exp();
        r[i] = envelope * (p[2] * t[i] + p[3]).cos() - y[i];
    }
    r
}

/// The same residuals for any number of samples (`Vec<f64>` output, issue 13): the operations
/// of `residuals`, in the same order, so both return the same bits on the same data.
#[differentiate(wrt(p))]
fn residuals_vec(p: [f64; 4], t: &[f64], y: &[f64]) -> Vec<f64> {
    t.iter().zip(y).map(|(ti, yi)| p[0] * (-p[1] * ti).exp() * (p[2] * ti + p[3]).cos() - yi).collect()
}

/// The value and the rows of the Jacobian of some residual function.
type Jacobian = fn([f64; 4], &[f64], &[f64]) -> (Vec<f64>, Vec<[f64; 4]>);

/// `residuals_jacobian` (fixed length `M`) with its arrays as `Vec`s.
fn fixed_jacobian(p: [f64; 4], t: &[f64], y: &[f64]) -> (Vec<f64>, Vec<[f64; 4]>) {
    let (r, j) = residuals_jacobian(p, t, y);
    (r.to_vec(), j.to_vec())
}

/// The samples: `M` times evenly spaced in `[0, T_END]`, `model(truth, t) + N(0, sigma²)`.
fn data(truth: &[f64; 4], sigma: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    data_n(truth, sigma, seed, M)
}

/// [`data`] with `m` samples.
fn data_n(truth: &[f64; 4], sigma: f64, seed: u64, m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64(seed);
    #[allow(clippy::cast_precision_loss, reason = "small integers")]
    let t: Vec<f64> = (0..m).map(|i| T_END * i as f64 / (m - 1) as f64).collect();
    let y = t
        .iter()
        .map(|&ti| {
            // Box-Muller: one standard normal from two uniforms
            let (u1, u2) = (1.0 - rng.uniform(), rng.uniform());
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            model(truth, ti) + sigma * z
        })
        .collect();
    (t, y)
}

/// Half the sum of squared residuals.
fn cost(r: &[f64]) -> f64 {
    0.5 * r.iter().map(|v| v * v).sum::<f64>()
}

/// One line of the iteration table.
#[derive(Clone, Debug)]
struct Step {
    iteration: usize,
    cost: f64,
    lambda: f64,
    /// Largest component of the gradient `Jᵀr` of the cost.
    gradient: f64,
    /// "accepted", "rejected" (λ doubled) or "converged" (`max|Jᵀr|` below 1e-10: no step).
    outcome: &'static str,
}

struct Fit {
    params: [f64; 4],
    steps: Vec<Step>,
    converged: bool,
}

/// `JᵀJ` and `Jᵀr` from the rows of the Jacobian.
fn normal_equations(j: &[[f64; 4]], r: &[f64]) -> (Matrix4<f64>, Vector4<f64>) {
    let mut jtj = Matrix4::zeros();
    let mut jtr = Vector4::zeros();
    for (row, &ri) in j.iter().zip(r) {
        let g = Vector4::from_column_slice(row);
        jtj += g * g.transpose();
        jtr += g * ri;
    }
    (jtj, jtr)
}

/// Levenberg-Marquardt with Marquardt's scaling (`JᵀJ + λ·diag(JᵀJ)`): a step that lowers the
/// cost is taken and λ divided by 3; otherwise λ is doubled and the step tried again.
fn levenberg_marquardt(start: [f64; 4], t: &[f64], y: &[f64], max_iterations: usize) -> Fit {
    levenberg_marquardt_with(start, t, y, max_iterations, fixed_jacobian)
}

/// [`levenberg_marquardt`] with the residuals and Jacobian of `jacobian`.
fn levenberg_marquardt_with(start: [f64; 4], t: &[f64], y: &[f64], max_iterations: usize, jacobian: Jacobian) -> Fit {
    let mut p = start;
    let mut lambda = 1e-2;
    let mut steps = Vec::new();
    let (mut r, mut j) = jacobian(p, t, y);
    let mut converged = false;
    for iteration in 0..max_iterations {
        let (jtj, jtr) = normal_equations(&j, &r);
        let gradient = jtr.amax();
        let c = cost(&r);
        if gradient < 1e-10 {
            steps.push(Step { iteration, cost: c, lambda, gradient, outcome: "converged" });
            converged = true;
            break;
        }
        let damped = jtj + Matrix4::from_diagonal(&jtj.diagonal()) * lambda;
        let Some(delta) = damped.lu().solve(&(-jtr)) else {
            lambda *= 2.0;
            continue;
        };
        let trial = [p[0] + delta[0], p[1] + delta[1], p[2] + delta[2], p[3] + delta[3]];
        let (r_trial, j_trial) = jacobian(trial, t, y);
        let accepted = cost(&r_trial) < c;
        steps.push(Step {
            iteration,
            cost: c,
            lambda,
            gradient,
            outcome: if accepted { "accepted" } else { "rejected" },
        });
        if accepted {
            let small = delta.amax() < 1e-12 * (1.0 + p.iter().fold(0.0f64, |m, v| m.max(v.abs())));
            p = trial;
            r = r_trial;
            j = j_trial;
            lambda = (lambda / 3.0).max(1e-12);
            if small {
                converged = true;
                break;
            }
        } else {
            lambda *= 2.0;
        }
    }
    Fit { params: p, steps, converged }
}

/// Where to write `file_name`: the first argument if it names an `.svg` file, inside it if it
/// names a directory, else the current directory.
fn output_path(argument: Option<String>, file_name: &str) -> PathBuf {
    match argument {
        Some(a) if Path::new(&a).extension().is_some_and(|e| e == "svg") => PathBuf::from(a),
        Some(a) => Path::new(&a).join(file_name),
        None => PathBuf::from(file_name),
    }
}

fn curve(p: &[f64; 4]) -> impl Iterator<Item = (f64, f64)> + '_ {
    (0..=400).map(move |i| {
        let t = T_END * f64::from(i) / 400.0;
        (t, model(p, t))
    })
}

fn plot(t: &[f64], y: &[f64], fit: &[f64; 4], path: &Path) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Levenberg-Marquardt fit of a·exp(-b·t)·cos(c·t + d)", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(0.0..T_END, -2.2..2.2)?;
    chart.configure_mesh().x_desc("t").y_desc("y").draw()?;
    chart
        .draw_series(LineSeries::new(curve(&START), RGBColor(180, 180, 180).stroke_width(1)))?
        .label("initial guess")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RGBColor(180, 180, 180)));
    chart
        .draw_series(LineSeries::new(curve(&TRUE), GREEN.stroke_width(1)))?
        .label("true curve")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], GREEN));
    chart
        .draw_series(LineSeries::new(curve(fit), BLUE.stroke_width(2)))?
        .label("fit")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(t.iter().zip(y).map(|(&ti, &yi)| Circle::new((ti, yi), 3, RED.filled())))?
        .label("data (σ = 0.05)")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, RED.filled()));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let (t, y) = data(&TRUE, SIGMA, SEED);
    let fit = levenberg_marquardt(START, &t, &y, 100);
    println!("{M} samples of a·exp(-b·t)·cos(c·t + d) + N(0, {SIGMA}²), Jacobian from residuals_jacobian");
    println!("{:>4}  {:>14}  {:>9}  {:>10}  step", "iter", "cost", "lambda", "max|Jᵀr|");
    for s in &fit.steps {
        println!("{:>4}  {:>14.8e}  {:>9.2e}  {:>10.3e}  {}", s.iteration, s.cost, s.lambda, s.gradient, s.outcome);
    }
    println!("converged: {}", fit.converged);
    println!("{:>9}  {:>8}  {:>8}  {:>8}", "parameter", "true", "start", "fit");
    for i in 0..4 {
        println!("{:>9}  {:>8.4}  {:>8.4}  {:>8.4}", NAMES[i], TRUE[i], START[i], fit.params[i]);
    }
    let path = output_path(std::env::args().nth(1), "curve_fit.svg");
    plot(&t, &y, &fit.params, &path)?;
    println!("wrote {}", path.display());

    // The same fit with `residuals_vec` (a `Vec<f64>` output), then on data of a size the
    // `[f64; 40]` version cannot take.
    let same = levenberg_marquardt_with(START, &t, &y, 100, residuals_vec_jacobian);
    let identical = same.params.iter().zip(&fit.params).all(|(a, b)| a.to_bits() == b.to_bits());
    println!(
        "residuals_vec (Vec<f64> output) on the same {M} samples: {} iterations, same parameters bit for bit: {identical}",
        same.steps.len()
    );
    let (t2, y2) = data_n(&TRUE, SIGMA, SEED + 1, M2);
    let fit2 = levenberg_marquardt_with(START, &t2, &y2, 100, residuals_vec_jacobian);
    let shown: Vec<String> = fit2.params.iter().map(|v| format!("{v:.4}")).collect();
    println!(
        "residuals_vec on {M2} other samples: {} iterations, converged: {}, a b c d = {}",
        fit2.steps.len(),
        fit2.converged,
        shown.join(" ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of residual `i` along parameter `k`.
    fn central(p: [f64; 4], t: &[f64], y: &[f64], i: usize, k: usize) -> f64 {
        let h = 1e-6 * (1.0 + p[k].abs());
        let (mut plus, mut minus) = (p, p);
        plus[k] += h;
        minus[k] -= h;
        (residuals(plus, t, y)[i] - residuals(minus, t, y)[i]) / (2.0 * h)
    }

    #[test]
    fn jacobian_matches_central_differences_and_the_closed_form() {
        let (t, y) = data(&TRUE, SIGMA, SEED);
        for p in [START, TRUE, [1.3, 0.05, 3.1, -0.7]] {
            let (r, j) = residuals_jacobian(p, &t, &y);
            let plain = residuals(p, &t, &y);
            for i in 0..M {
                assert_eq!(r[i].to_bits(), plain[i].to_bits(), "value bit-identical to residuals()");
                // closed form: ∂/∂a = e·cos, ∂/∂b = -t·a·e·cos, ∂/∂c = -t·a·e·sin, ∂/∂d = -a·e·sin
                let (e, ph) = ((-p[1] * t[i]).exp(), p[2] * t[i] + p[3]);
                let exact =
                    [e * ph.cos(), -t[i] * p[0] * e * ph.cos(), -t[i] * p[0] * e * ph.sin(), -p[0] * e * ph.sin()];
                for k in 0..4 {
                    let fd = central(p, &t, &y, i, k);
                    let scale = 1.0 + exact[k].abs();
                    assert!((j[i][k] - exact[k]).abs() <= 1e-12 * scale, "J[{i}][{k}] = {} vs {}", j[i][k], exact[k]);
                    assert!((j[i][k] - fd).abs() <= 1e-6 * scale, "J[{i}][{k}] = {} vs central {fd}", j[i][k]);
                }
            }
        }
    }

    #[test]
    fn vjp_is_the_gradient_of_the_cost() {
        // the gradient of ½|r|² is Jᵀr: `residuals_vjp` with the residuals as the seed
        let (t, y) = data(&TRUE, SIGMA, SEED);
        let (r, j) = residuals_jacobian(START, &t, &y);
        let (_, g) = residuals_vjp(START, &t, &y, r);
        let (_, jtr) = normal_equations(&j, &r);
        for k in 0..4 {
            assert!((g[k] - jtr[k]).abs() <= 1e-12 * (1.0 + jtr[k].abs()), "{} vs {}", g[k], jtr[k]);
        }
    }

    #[test]
    fn recovers_exact_parameters_from_noiseless_data() {
        let (t, y) = data(&TRUE, 0.0, SEED);
        let fit = levenberg_marquardt(START, &t, &y, 200);
        assert!(fit.converged);
        for k in 0..4 {
            assert!((fit.params[k] - TRUE[k]).abs() < 1e-8, "{} = {} (true {})", NAMES[k], fit.params[k], TRUE[k]);
        }
    }

    #[test]
    fn recovers_the_true_parameters_from_noisy_data() {
        let (t, y) = data(&TRUE, SIGMA, SEED);
        let fit = levenberg_marquardt(START, &t, &y, 100);
        assert!(fit.converged, "converged within 100 iterations");
        // the noise (σ = 0.05 on 40 samples) moves the least-squares optimum a little
        let tolerance = [0.1, 0.03, 0.03, 0.1];
        for k in 0..4 {
            assert!(
                (fit.params[k] - TRUE[k]).abs() < tolerance[k],
                "{} = {} (true {}, tolerance {})",
                NAMES[k],
                fit.params[k],
                TRUE[k],
                tolerance[k]
            );
        }
        // the cost fell from the start, and ends near the noise floor M·σ²/2
        let first = fit.steps.first().unwrap().cost;
        let last = cost(&residuals(fit.params, &t, &y));
        assert!(last < first / 100.0, "{last} < {first} / 100");
        assert!(last < 2.0 * (M as f64) * SIGMA * SIGMA / 2.0, "cost {last} near the noise floor");
        // the cost at each iteration never rose (only steps that lower it are taken)
        let costs: Vec<f64> = fit.steps.iter().map(|s| s.cost).collect();
        assert!(costs.windows(2).all(|w| w[1] <= w[0]));
        assert_eq!(fit.steps.last().map(|s| s.outcome), Some("converged"));
    }

    #[test]
    fn vec_residuals_match_the_fixed_ones_and_the_closed_form() {
        let (t, y) = data(&TRUE, SIGMA, SEED);
        for p in [START, TRUE, [1.3, 0.05, 3.1, -0.7]] {
            let (r, j) = residuals_vec_jacobian(p, &t, &y);
            let (rf, jf) = residuals_jacobian(p, &t, &y);
            assert_eq!((r.len(), j.len()), (M, M));
            for i in 0..M {
                assert_eq!(r[i].to_bits(), rf[i].to_bits(), "value bit-identical to residuals()");
                assert_eq!(
                    r[i].to_bits(),
                    residuals_vec(p, &t, &y)[i].to_bits(),
                    "value bit-identical to residuals_vec()"
                );
                let (e, ph) = ((-p[1] * t[i]).exp(), p[2] * t[i] + p[3]);
                let exact =
                    [e * ph.cos(), -t[i] * p[0] * e * ph.cos(), -t[i] * p[0] * e * ph.sin(), -p[0] * e * ph.sin()];
                for k in 0..4 {
                    let scale = 1.0 + exact[k].abs();
                    assert!((j[i][k] - exact[k]).abs() <= 1e-12 * scale, "J[{i}][{k}] = {} vs {}", j[i][k], exact[k]);
                    assert!((j[i][k] - jf[i][k]).abs() <= 1e-12 * scale, "J[{i}][{k}] vs the fixed-length Jacobian");
                }
            }
            // the gradient of ½|r|² is Jᵀr
            let (_, g) = residuals_vec_vjp(p, &t, &y, r.clone());
            let (_, jtr) = normal_equations(&j, &r);
            for k in 0..4 {
                assert!((g[k] - jtr[k]).abs() <= 1e-12 * (1.0 + jtr[k].abs()), "{} vs {}", g[k], jtr[k]);
            }
        }
        let (r, j) = residuals_vec_jacobian(START, &[], &[]);
        assert!(r.is_empty() && j.is_empty());
    }

    #[test]
    fn vec_residuals_fit_run_time_sized_data() {
        let (t, y) = data(&TRUE, SIGMA, SEED);
        let fixed = levenberg_marquardt(START, &t, &y, 100);
        let vec = levenberg_marquardt_with(START, &t, &y, 100, residuals_vec_jacobian);
        assert_eq!(fixed.steps.len(), vec.steps.len());
        for k in 0..4 {
            assert!((fixed.params[k] - vec.params[k]).abs() <= 1e-12, "{} vs {}", fixed.params[k], vec.params[k]);
        }
        let (t2, y2) = data_n(&TRUE, SIGMA, SEED + 1, M2);
        let fit = levenberg_marquardt_with(START, &t2, &y2, 100, residuals_vec_jacobian);
        assert!(fit.converged);
        let tolerance = [0.1, 0.03, 0.03, 0.1];
        for k in 0..4 {
            assert!((fit.params[k] - TRUE[k]).abs() < tolerance[k], "{} = {}", NAMES[k], fit.params[k]);
        }
    }

    #[test]
    fn writes_an_svg() {
        let dir = std::env::temp_dir().join(format!("gradmacro-curve-fit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = output_path(Some(dir.display().to_string()), "curve_fit.svg");
        let (t, y) = data(&TRUE, SIGMA, SEED);
        plot(&t, &y, &levenberg_marquardt(START, &t, &y, 100).params, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<circle"));
        assert!(svg.contains("<polyline") || svg.contains("<path"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
