//! The 2-layer neural network of Karpathy's *Hacker's guide to Neural Networks* (chapter 2):
//! three ReLU hidden units `max(0, a_i*x + b_i*y + c_i)` feeding a linear score
//! `a4*n1 + b4*n2 + c4*n3 + d4`, 13 parameters in all, trained on the guide's six points.
//!
//! Instead of the guide's hand-written backward pass, the whole loss (hinge loss on every point
//! plus L2 regularisation of the multiplicative parameters) is one `#[differentiate]` function
//! of the parameter slice, and `loss_grad` gives all 13 partial derivatives at once. Parameters
//! start seeded-random in [-0.5, 0.5), so every run prints the same.
//!
//! Writes `neural_net.svg` (decision regions and the data) to the current directory, or to the
//! directory given as the first argument (or to the file, if the argument ends in `.svg`).
//!
//! Run with `cargo run --release --example neural_net [OUTPUT_DIR]`.

use std::error::Error;
use std::path::{Path, PathBuf};

use gradmacro::differentiate;
use plotters::prelude::*;

const DATA: [[f64; 2]; 6] = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]];
const LABELS: [f64; 6] = [1.0, -1.0, 1.0, -1.0, -1.0, 1.0];
/// Regularisation strength.
const ALPHA: f64 = 0.1;
const STEP_SIZE: f64 = 0.01;
const ITERATIONS: usize = 300;
const REPORT_EVERY: usize = 25;
const SEED: u64 = 2024;
/// Parameter names in slice order.
const NAMES: [&str; 13] = ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3", "a4", "b4", "c4", "d4"];

/// The network's score for one point: three ReLU units feeding a linear output, as in the guide.
///
/// `p` holds `[a1, b1, c1, a2, b2, c2, a3, b3, c3, a4, b4, c4, d4]`. Differentiated with respect
/// to all its float parameters (no `wrt`), as a function called with differentiated arguments
/// must be: `loss` reads the gradient for `p` and ignores those for `x` and `y`.
#[differentiate]
fn score(p: &[f64], x: f64, y: f64) -> f64 {
    let n1 = f64::max(0.0, p[0] * x + p[1] * y + p[2]);
    let n2 = f64::max(0.0, p[3] * x + p[4] * y + p[5]);
    let n3 = f64::max(0.0, p[6] * x + p[7] * y + p[8]);
    p[9] * n1 + p[10] * n2 + p[11] * n3 + p[12]
}

/// Hinge loss of the network on every point plus `ALPHA` times the squares of the
/// multiplicative parameters (not the biases `c1, c2, c3, d4`), as in the guide. The call to
/// `score` is differentiated through the generated `score_grad`.
#[differentiate(wrt(p))]
fn loss(p: &[f64], data: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut total = 0.0;
    for (&[x, y], &label) in data.iter().zip(labels) {
        total += f64::max(0.0, 1.0 - label * score(p, x, y));
    }
    let mut reg = 0.0;
    for (i, &w) in p.iter().enumerate() {
        // The biases c1, c2, c3 and d4 are not regularised.
        if i == 2 || i == 5 || i == 8 || i == 12 {
            continue;
        }
        reg += w * w;
    }
    total + ALPHA * reg
}

fn correct(p: &[f64]) -> usize {
    DATA.iter().zip(LABELS).filter(|(point, label)| score(p, point[0], point[1]) * label > 0.0).count()
}

#[path = "common/splitmix.rs"]
mod splitmix;
use splitmix::SplitMix64;

/// The guide's initialisation: every parameter uniform in [-0.5, 0.5).
fn initial_parameters(seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..NAMES.len()).map(|_| rng.uniform() - 0.5).collect()
}

struct Training {
    params: Vec<f64>,
    log: Vec<String>,
}

fn train() -> Training {
    let mut p = initial_parameters(SEED);
    let mut log = Vec::new();
    for iteration in 0..=ITERATIONS {
        let (value, gradient) = loss_grad(&p, &DATA, &LABELS);
        if iteration % REPORT_EVERY == 0 {
            let n = correct(&p);
            log.push(format!("iteration {iteration:4}: training accuracy {n}/{}, loss {value:.4}", DATA.len()));
        }
        if iteration < ITERATIONS {
            for (pi, gi) in p.iter_mut().zip(&gradient) {
                *pi -= STEP_SIZE * gi;
            }
        }
    }
    Training { params: p, log }
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

const X_RANGE: (f64, f64) = (-2.0, 4.0);
const Y_RANGE: (f64, f64) = (-4.0, 2.0);
const CELLS: u32 = 240;

fn plot(p: &[f64], path: &Path) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (640, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("2-layer ReLU net: decision regions (blue: +1, red: -1)", ("sans-serif", 18))
        .margin(15)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(X_RANGE.0..X_RANGE.1, Y_RANGE.0..Y_RANGE.1)?;

    // One rectangle per run of equally classified cells in a column keeps the file small.
    let cell_w = (X_RANGE.1 - X_RANGE.0) / f64::from(CELLS);
    let cell_h = (Y_RANGE.1 - Y_RANGE.0) / f64::from(CELLS);
    let mut regions = Vec::new();
    for i in 0..CELLS {
        let x0 = X_RANGE.0 + f64::from(i) * cell_w;
        let positive_at = |j: u32| score(p, x0 + cell_w / 2.0, Y_RANGE.0 + (f64::from(j) + 0.5) * cell_h) > 0.0;
        let mut start = 0;
        while start < CELLS {
            let positive = positive_at(start);
            let mut end = start + 1;
            while end < CELLS && positive_at(end) == positive {
                end += 1;
            }
            let colour = if positive { RGBColor(200, 215, 255) } else { RGBColor(255, 210, 205) };
            let y0 = Y_RANGE.0 + f64::from(start) * cell_h;
            let y1 = Y_RANGE.0 + f64::from(end) * cell_h;
            regions.push(Rectangle::new([(x0, y0), (x0 + cell_w, y1)], colour.filled()));
            start = end;
        }
    }
    chart.draw_series(regions)?;
    chart.configure_mesh().disable_mesh().x_desc("x").y_desc("y").draw()?;
    chart.draw_series(DATA.iter().zip(LABELS).map(|(point, label)| {
        let colour = if label > 0.0 { BLUE } else { RED };
        Circle::new((point[0], point[1]), 6, colour.filled())
    }))?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let training = train();
    println!(
        "{} parameters, seeded uniform in [-0.5, 0.5); step size {STEP_SIZE}, regularisation {ALPHA}",
        NAMES.len()
    );
    for line in &training.log {
        println!("{line}");
    }
    let listed: Vec<String> = NAMES.iter().zip(&training.params).map(|(n, v)| format!("{n} = {v:.3}")).collect();
    println!("final parameters: {}", listed.join(", "));
    let path = output_path(std::env::args().nth(1), "neural_net.svg");
    plot(&training.params, &path)?;
    println!("wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use gradmacro::check::check_gradient;

    fn f(p: &[f64]) -> f64 {
        loss(p, &DATA, &LABELS)
    }

    #[test]
    fn reaches_full_training_accuracy() {
        let training = train();
        assert_eq!(correct(&training.params), DATA.len());
        assert!(training.log.last().is_some_and(|l| l.contains("6/6")));
    }

    #[test]
    fn loss_is_hinge_of_score_plus_regularisation() {
        let p = initial_parameters(SEED);
        let hinge: f64 = DATA.iter().zip(LABELS).map(|(pt, l)| f64::max(0.0, 1.0 - l * score(&p, pt[0], pt[1]))).sum();
        let reg: f64 = [0, 1, 3, 4, 6, 7, 9, 10, 11].iter().map(|&i| p[i] * p[i]).sum();
        let (value, gradient) = loss_grad(&p, &DATA, &LABELS);
        assert_eq!(value.to_bits(), f(&p).to_bits());
        assert_eq!(gradient.len(), 13);
        assert_relative_eq!(value, hinge + ALPHA * reg, epsilon = 1e-12);
    }

    #[test]
    fn gradient_passes_the_numerical_check_during_training() {
        let mut p = initial_parameters(SEED);
        for step in 0..60 {
            let (_, gradient) = loss_grad(&p, &DATA, &LABELS);
            if step % 10 == 0 {
                check_gradient(f, &gradient, &p).unwrap();
            }
            for (pi, gi) in p.iter_mut().zip(&gradient) {
                *pi -= STEP_SIZE * gi;
            }
        }
    }

    #[test]
    fn regulariser_gradient_is_two_alpha_p_when_no_point_is_active() {
        // Huge positive bias d4 with zero output weights: every +1 point is beyond the margin,
        // so only the -1 points contribute (through d4 alone) and the rest is the regulariser.
        let mut p: Vec<f64> = (1..=13).map(|i| f64::from(i) * 0.1).collect();
        p[9] = 0.0;
        p[10] = 0.0;
        p[11] = 0.0;
        p[12] = 5.0;
        let (_, g) = loss_grad(&p, &DATA, &LABELS);
        // With a4 = b4 = c4 = 0 nothing flows back into the hidden layer.
        for i in [0, 1, 3, 4, 6, 7] {
            assert_relative_eq!(g[i], 2.0 * ALPHA * p[i], epsilon = 1e-12);
        }
        for i in [2, 5, 8] {
            assert_relative_eq!(g[i], 0.0, epsilon = 1e-12);
        }
        assert_relative_eq!(g[12], 3.0, epsilon = 1e-12);
    }

    #[test]
    fn writes_a_non_empty_svg() {
        let dir = std::env::temp_dir().join(format!("gradmacro-nn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = output_path(Some(dir.display().to_string()), "neural_net.svg");
        plot(&train().params, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<circle"));
        assert!(svg.contains("<rect"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
