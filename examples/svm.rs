//! The linear support vector machine of Karpathy's *Hacker's guide to Neural Networks*
//! (chapter 2) on the guide's six points, trained by full-batch gradient descent on the hinge
//! loss with L2 regularisation. The whole loss is one `#[differentiate]` function with a `for`
//! loop and `max`; its generated `loss_grad` gives the gradient.
//!
//! The guide's SVM starts at a = 1, b = -2, c = -1, which already classifies 4 of the 6 points
//! correctly (the guide's printout shows 1/3 after its first stochastic update); this program
//! prints what it actually computes.
//!
//! Writes `svm.svg` (data, decision boundary, margins, and the loss curve) to the current
//! directory, or to the directory given as the first argument (or to the file, if the argument
//! ends in `.svg`).
//!
//! Run with `cargo run --release --example svm [OUTPUT_DIR]`.

use std::error::Error;
use std::path::{Path, PathBuf};

use gradmacro::differentiate;
use plotters::prelude::*;

const DATA: [[f64; 2]; 6] = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]];
const LABELS: [f64; 6] = [1.0, -1.0, 1.0, -1.0, -1.0, 1.0];
const START: [f64; 3] = [1.0, -2.0, -1.0];
/// Regularisation strength, as in the guide's "conventional approach".
const ALPHA: f64 = 0.1;
const STEP_SIZE: f64 = 0.01;
const REPORT_EVERY: usize = 25;
const MAX_ITERATIONS: usize = 10_000;

/// Hinge loss of the classifier `a*x + b*y + c` on every point, plus `ALPHA * (a² + b²)`.
#[differentiate(wrt(a, b, c))]
fn loss(a: f64, b: f64, c: f64, data: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut total = 0.0;
    for (point, &label) in data.iter().zip(labels) {
        let score = a * point[0] + b * point[1] + c;
        total += (1.0 - label * score).max(0.0);
    }
    total + ALPHA * (a * a + b * b)
}

fn score(p: &[f64; 3], point: &[f64; 2]) -> f64 {
    p[0] * point[0] + p[1] * point[1] + p[2]
}

/// Number of points on the correct side of the decision boundary.
fn correct(p: &[f64; 3]) -> usize {
    DATA.iter().zip(LABELS).filter(|(point, label)| score(p, point) * label > 0.0).count()
}

struct Training {
    /// Parameters `[a, b, c]` at the end.
    params: [f64; 3],
    /// Loss before every update, and at the end.
    losses: Vec<f64>,
    /// One line per report.
    log: Vec<String>,
    /// Iteration at which all points were classified correctly, if they were.
    converged_at: Option<usize>,
}

/// Gradient descent from `START`, reporting every `REPORT_EVERY` iterations, until every
/// training point is classified correctly at a report.
fn train() -> Training {
    let mut p = START;
    let mut losses = Vec::new();
    let mut log = Vec::new();
    for iteration in 0..=MAX_ITERATIONS {
        let (value, da, db, dc) = loss_grad(p[0], p[1], p[2], &DATA, &LABELS);
        losses.push(value);
        if iteration % REPORT_EVERY == 0 {
            let n = correct(&p);
            log.push(format!(
                "iteration {iteration:4}: training accuracy {n}/{} = {:.3}, loss {value:.4}",
                DATA.len(),
                ratio(n, DATA.len())
            ));
            if n == DATA.len() {
                return Training { params: p, losses, log, converged_at: Some(iteration) };
            }
        }
        p[0] -= STEP_SIZE * da;
        p[1] -= STEP_SIZE * db;
        p[2] -= STEP_SIZE * dc;
    }
    Training { params: p, losses, log, converged_at: None }
}

#[allow(clippy::cast_precision_loss, reason = "small counts")]
fn ratio(n: usize, d: usize) -> f64 {
    n as f64 / d as f64
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

/// The segment of the line `a*x + b*y = k` inside the rectangle `x_range × y_range`, if any.
fn clip_line((a, b, k): (f64, f64, f64), x_range: (f64, f64), y_range: (f64, f64)) -> Option<[(f64, f64); 2]> {
    let mut hits = Vec::new();
    if b != 0.0 {
        for x in [x_range.0, x_range.1] {
            let y = (k - a * x) / b;
            if (y_range.0..=y_range.1).contains(&y) {
                hits.push((x, y));
            }
        }
    }
    if a != 0.0 {
        for y in [y_range.0, y_range.1] {
            let x = (k - b * y) / a;
            if (x_range.0..=x_range.1).contains(&x) {
                hits.push((x, y));
            }
        }
    }
    hits.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));
    match (hits.first(), hits.last()) {
        (Some(&first), Some(&last)) if first != last => Some([first, last]),
        _ => None,
    }
}

/// `v` as a term after another: `+ 1.500` or `- 1.500`.
fn signed(v: f64) -> String {
    let sign = if v < 0.0 { '-' } else { '+' };
    format!("{sign} {:.3}", v.abs())
}

const X_RANGE: (f64, f64) = (-2.0, 4.0);
const Y_RANGE: (f64, f64) = (-4.0, 2.0);

fn plot(training: &Training, path: &Path) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(600);

    let [a, b, c] = training.params;
    let mut chart = ChartBuilder::on(&left)
        .caption(format!("SVM: {a:.3}·x {}·y {} = 0 (dashed: ±1)", signed(b), signed(c)), ("sans-serif", 18))
        .margin(15)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(X_RANGE.0..X_RANGE.1, Y_RANGE.0..Y_RANGE.1)?;
    chart.configure_mesh().x_desc("x").y_desc("y").draw()?;
    if let Some(segment) = clip_line((a, b, -c), X_RANGE, Y_RANGE) {
        chart
            .draw_series(LineSeries::new(segment, BLACK.stroke_width(2)))?
            .label("decision boundary")
            .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], BLACK.stroke_width(2)));
    }
    for k in [-1.0, 1.0] {
        if let Some([p, q]) = clip_line((a, b, k - c), X_RANGE, Y_RANGE) {
            let dashes = (0..20).map(|i| {
                let (s, t) = (f64::from(2 * i) / 40.0, f64::from(2 * i + 1) / 40.0);
                let at = |u: f64| (p.0 + u * (q.0 - p.0), p.1 + u * (q.1 - p.1));
                PathElement::new(vec![at(s), at(t)], BLACK)
            });
            chart.draw_series(dashes)?;
        }
    }
    let (positive, negative): (Vec<_>, Vec<_>) = DATA.iter().zip(LABELS).partition(|(_, label)| *label > 0.0);
    chart
        .draw_series(positive.iter().map(|(p, _)| Circle::new((p[0], p[1]), 6, BLUE.filled())))?
        .label("label +1")
        .legend(|(x, y)| Circle::new((x, y), 5, BLUE.filled()));
    chart
        .draw_series(negative.iter().map(|(p, _)| Circle::new((p[0], p[1]), 6, RED.filled())))?
        .label("label -1")
        .legend(|(x, y)| Circle::new((x, y), 5, RED.filled()));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;

    let last = training.losses.len().saturating_sub(1);
    let top = training.losses.iter().copied().fold(0.0, f64::max) * 1.05;
    let mut curve = ChartBuilder::on(&right)
        .caption("loss during training", ("sans-serif", 18))
        .margin(15)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0..last.max(1), 0.0..top)?;
    curve.configure_mesh().x_desc("iteration").y_desc("loss").draw()?;
    curve.draw_series(LineSeries::new(training.losses.iter().copied().enumerate(), BLUE.stroke_width(2)))?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let training = train();
    println!(
        "start: a = {}, b = {}, c = {}; step size {STEP_SIZE}, regularisation {ALPHA}",
        START[0], START[1], START[2]
    );
    for line in &training.log {
        println!("{line}");
    }
    match training.converged_at {
        Some(i) => println!("all training points classified correctly at iteration {i}"),
        None => println!("not all points classified correctly after {MAX_ITERATIONS} iterations"),
    }
    let [a, b, c] = training.params;
    println!("final: a = {a:.4}, b = {b:.4}, c = {c:.4}");
    let path = output_path(std::env::args().nth(1), "svm.svg");
    plot(&training, &path)?;
    println!("wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use gradmacro::check::check_gradient;

    fn f(v: &[f64]) -> f64 {
        loss(v[0], v[1], v[2], &DATA, &LABELS)
    }

    #[test]
    fn starts_at_four_of_six_and_reaches_all_six() {
        assert_eq!(correct(&START), 4);
        let training = train();
        assert!(training.log[0].contains("4/6"), "{}", training.log[0]);
        assert!(training.converged_at.is_some(), "{:?}", training.log);
        assert_eq!(correct(&training.params), 6);
        assert!(training.log.last().is_some_and(|l| l.contains("6/6")));
    }

    #[test]
    fn loss_at_start_is_the_closed_form() {
        // Margins 1 - y * score: 2.2, 0.7, -0.8, 1.9, -3.2, -6.1; reg 0.1 * (1 + 4).
        let expected = 2.2 + 0.7 + 1.9 + 0.5;
        let (value, ..) = loss_grad(START[0], START[1], START[2], &DATA, &LABELS);
        assert_eq!(value.to_bits(), f(&START).to_bits());
        assert_relative_eq!(value, expected, epsilon = 1e-12);
    }

    #[test]
    fn gradient_is_the_closed_form_at_start() {
        // Points 0, 1, 3 violate the margin: each adds -y * (x, y, 1).
        let da = -1.2 - 0.3 - 0.1 + 2.0 * ALPHA * START[0];
        let db = -0.7 - 0.5 - 1.0 + 2.0 * ALPHA * START[1];
        let dc = -1.0 + 1.0 + 1.0;
        let (_, ga, gb, gc) = loss_grad(START[0], START[1], START[2], &DATA, &LABELS);
        assert_relative_eq!(ga, da, epsilon = 1e-12);
        assert_relative_eq!(gb, db, epsilon = 1e-12);
        assert_relative_eq!(gc, dc, epsilon = 1e-12);
    }

    #[test]
    fn gradient_passes_the_numerical_check_at_several_points() {
        for p in [START, [0.5, 0.3, 0.25], [-1.0, 2.0, 0.7]] {
            let (_, da, db, dc) = loss_grad(p[0], p[1], p[2], &DATA, &LABELS);
            check_gradient(f, &[da, db, dc], &p).unwrap();
        }
    }

    #[test]
    fn output_path_rules() {
        assert_eq!(output_path(None, "svm.svg"), PathBuf::from("svm.svg"));
        assert_eq!(output_path(Some("out".into()), "svm.svg"), Path::new("out").join("svm.svg"));
        assert_eq!(output_path(Some("x/y.svg".into()), "svm.svg"), PathBuf::from("x/y.svg"));
    }

    #[test]
    fn clipped_lines_stay_in_the_box() {
        let [p, q] = clip_line((1.0, -2.0, 1.0), X_RANGE, Y_RANGE).unwrap();
        for (x, y) in [p, q] {
            assert!((X_RANGE.0..=X_RANGE.1).contains(&x));
            assert!((Y_RANGE.0..=Y_RANGE.1).contains(&y));
            assert_relative_eq!(x - 2.0 * y, 1.0, epsilon = 1e-12);
        }
        assert!(clip_line((1.0, 0.0, 100.0), X_RANGE, Y_RANGE).is_none());
    }

    #[test]
    fn writes_a_non_empty_svg() {
        let dir = std::env::temp_dir().join(format!("gradmacro-svm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = output_path(Some(dir.display().to_string()), "svm.svg");
        plot(&train(), &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(100)]);
        assert!(svg.contains("<circle"));
        assert!(svg.len() > 1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
