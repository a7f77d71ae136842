//! BENCHMARKS.md's GMM table and `docs/gmm_ratio.svg` (gradient time / objective time against
//! the parameter count), from criterion's results of `cargo bench --bench gmm`.
//!
//! ```sh
//! cargo bench --bench gmm -- --quick
//! cargo run --release --example gmm_ratio            # or: -- path/to/criterion
//! ```
//!
//! Reads each benchmark's median from `<criterion>/gmm_d{d}_k{k}/<method>/new/estimates.json`
//! (default `$CARGO_TARGET_DIR/criterion`, else `target/criterion`); a method criterion did not
//! run (a skipped peer) shows as `—`.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

const DS: [usize; 4] = [2, 10, 20, 64];
const KS: [usize; 4] = [5, 10, 25, 50];

/// The median point estimate, in ns, of one benchmark, if criterion wrote it in the latest run.
/// The file is criterion's own small JSON; the number after `"median"`'s `"point_estimate":` is
/// all we need, which saves a JSON dependency. A result older than its group's `f` is left from
/// an earlier run (a peer that run and was skipped since) and is ignored: each run times `f`
/// first, so its own results are newer.
fn median(root: &Path, group: &str, method: &str) -> Option<f64> {
    let file = |m: &str| root.join(group).join(m).join("new/estimates.json");
    let modified = |m: &str| std::fs::metadata(file(m)).and_then(|meta| meta.modified()).ok();
    if modified(method)? < modified("f")? {
        eprintln!("{group}/{method}: ignored, older than {group}/f (an earlier run's)");
        return None;
    }
    let text = std::fs::read_to_string(file(method)).ok()?;
    let after = &text[text.find("\"median\"")?..];
    let value = &after[after.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

fn fmt_time(ns: f64) -> String {
    match ns {
        ns if ns < 1e3 => format!("{ns:.1} ns"),
        ns if ns < 1e6 => format!("{:.1} µs", ns / 1e3),
        ns if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
        ns => format!("{:.2} s", ns / 1e9),
    }
}

/// One size's row: parameter count and the medians of `f`, `gradmacro`, `tape`, `num_dual`.
struct Row {
    d: usize,
    k: usize,
    params: usize,
    f: f64,
    grad: f64,
    tape: Option<f64>,
    dual: Option<f64>,
    /// The per-point-buffers form: its `f` and its `f_grad`.
    point: Option<(f64, f64)>,
}

/// Which time of a row a series plots.
type Timing = fn(&Row) -> Option<f64>;

fn plot(rows: &[Row], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (820, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let xmax = rows.iter().map(|r| r.params).max().unwrap_or(10) as f64 * 1.5;
    let ymax = rows
        .iter()
        .flat_map(|r| [Some(r.grad), r.tape, r.dual].map(|t| t.map_or(0.0, |t| t / r.f)))
        .fold(10.0, f64::max)
        * 1.5;
    let mut chart = ChartBuilder::on(&root)
        .caption("ADBench GMM, n = 1000: gradient time / objective time", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((20.0..xmax).log_scale(), (0.5..ymax).log_scale())?;
    chart.configure_mesh().x_desc("parameters k(1 + d + d(d+1)/2)").y_desc("gradient / f").draw()?;
    let target = RGBColor(0, 150, 0);
    chart
        .draw_series(LineSeries::new([(20.0, 3.0), (xmax, 3.0)], target.stroke_width(2)))?
        .label("target 3×")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], target.stroke_width(2)));
    let grey = RGBColor(170, 170, 170);
    chart
        .draw_series([1.9, 7.2].map(|r| PathElement::new([(20.0, r), (xmax, r)], grey)))?
        .label("ADBench hand-written C++: 1.9-7.2×")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], grey));
    let series: [(&str, RGBColor, Timing); 4] = [
        ("gradmacro f_grad", BLUE, |r| Some(r.grad)),
        // plotted against its own `f` (scaled so that the division by `r.f` below gives that)
        ("gradmacro f_grad, per-point buffers", RGBColor(0, 170, 200), |r| r.point.map(|(f, g)| g / f * r.f)),
        ("reverse (runtime tape)", RED, |r| r.tape),
        ("num-dual (Dual64 per parameter)", RGBColor(200, 120, 0), |r| r.dual),
    ];
    for (label, colour, time) in series {
        // one line per d, so each line runs over k
        for d in DS {
            let points: Vec<(f64, f64)> =
                rows.iter().filter(|r| r.d == d).filter_map(|r| time(r).map(|t| (r.params as f64, t / r.f))).collect();
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(1)))?;
            let drawn = chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
            if d == DS[0] {
                drawn.label(label).legend(move |(x, y)| Circle::new((x + 10, y), 3, colour.filled()));
            }
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root: PathBuf = std::env::args().nth(1).map_or_else(
        || PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into())).join("criterion"),
        PathBuf::from,
    );
    let mut rows = Vec::new();
    for d in DS {
        for k in KS {
            let group = format!("gmm_d{d}_k{k}");
            let (Some(f), Some(grad)) = (median(&root, &group, "f"), median(&root, &group, "gradmacro")) else {
                eprintln!("{group}: no results under {}", root.display());
                continue;
            };
            let params = k * (1 + d + d * (d + 1) / 2);
            rows.push(Row {
                d,
                k,
                params,
                f,
                grad,
                tape: median(&root, &group, "tape"),
                dual: median(&root, &group, "num_dual"),
                point: median(&root, &group, "f_point_buffers").zip(median(&root, &group, "gradmacro_point_buffers")),
            });
        }
    }
    if rows.is_empty() {
        return Err(format!("no GMM results under {}: run `cargo bench --bench gmm` first", root.display()).into());
    }
    let ratio = |t: Option<f64>, f: f64| t.map_or_else(|| "—".to_owned(), |t| format!("{:.1}×", t / f));
    println!(
        "| d | k | parameters | `f` | `f_grad` | `f_grad` / `f` | per-point buffers: `f_grad` / its `f` | tape / `f` | num-dual / `f` |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.d,
            r.k,
            r.params,
            fmt_time(r.f),
            fmt_time(r.grad),
            ratio(Some(r.grad), r.f),
            r.point.map_or_else(|| "—".to_owned(), |(f, g)| format!("{:.1}×", g / f)),
            ratio(r.tape, r.f),
            ratio(r.dual, r.f)
        );
    }
    // docs/: the one place .gitignore lets SVGs be committed
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("gmm_ratio.svg");
    plot(&rows, &path)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
