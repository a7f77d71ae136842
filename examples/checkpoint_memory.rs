//! BENCHMARKS.md's checkpointing table and `docs/checkpoint_memory.svg`: peak heap of `f_grad`
//! for a long carried loop, plain tape against `#[differentiate(checkpoint)]`, at n = 10³ to 10⁷
//! iterations, with a global allocator that tracks the live bytes and their peak; and wall time
//! (the best of a few runs, `Instant`; criterion's numbers are in `cargo bench --bench
//! checkpoint`).
//!
//! ```sh
//! cargo run --release --example checkpoint_memory
//! ```

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use plotters::prelude::*;

#[path = "../benches/common/peak_alloc.rs"]
mod peak_alloc;
use peak_alloc::peak_during;

#[path = "../benches/common/long_loops.rs"]
mod long_loops;
use long_loops::{simulate, simulate_ck_grad, simulate_grad, sine_map, sine_map_ck_grad, sine_map_grad};

/// `f`'s result, the peak of the bytes allocated and not freed during the call, and the best
/// wall time of `runs` calls.
fn measure<R>(runs: usize, f: impl Fn() -> R) -> (R, usize, f64) {
    let (result, peak) = peak_during(&f);
    let best = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    (result, peak, best)
}

const TRIPS: [usize; 5] = [1_000, 10_000, 100_000, 1_000_000, 10_000_000];

struct Row {
    n: usize,
    taped: usize,
    checkpointed: usize,
    f: f64,
    t_taped: f64,
    t_checkpointed: f64,
}

fn bytes(b: usize) -> String {
    #[allow(clippy::cast_precision_loss, reason = "a size to print")]
    let x = b as f64;
    match b {
        b if b < 10_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} kB", x / 1e3),
        _ => format!("{:.1} MB", x / 1e6),
    }
}

/// Which peak of a row a series plots.
type Pick = fn(&Row) -> usize;

fn plot(rows: &[Row], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (820, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    #[allow(clippy::cast_precision_loss, reason = "sizes to plot")]
    let points =
        |pick: fn(&Row) -> usize| -> Vec<(f64, f64)> { rows.iter().map(|r| (r.n as f64, pick(r) as f64)).collect() };
    let mut chart = ChartBuilder::on(&root)
        .caption("Peak heap of f_grad, 2 carried floats per step: tape vs checkpoint", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((500.0..2e7).log_scale(), (500.0..1e9).log_scale())?;
    chart.configure_mesh().x_desc("trip count n").y_desc("peak heap (bytes)").draw()?;
    let series: [(&str, RGBColor, Pick); 2] =
        [("plain tape (O(n))", RED, |r| r.taped), ("#[differentiate(checkpoint)] (O(√n))", BLUE, |r| r.checkpointed)];
    for (label, colour, pick) in series {
        let p = points(pick);
        chart.draw_series(LineSeries::new(p.clone(), colour.stroke_width(2)))?;
        chart
            .draw_series(p.iter().map(|&q| Circle::new(q, 4, colour.filled())))?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
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

/// One table: each trip count's peak heaps and times; the two gradients agree bit for bit.
fn table<G: PartialEq + std::fmt::Debug>(
    name: &str,
    f: impl Fn(usize) -> f64,
    taped: impl Fn(usize) -> G,
    checkpointed: impl Fn(usize) -> G,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for n in TRIPS {
        let runs = (30_000_000 / n).clamp(3, 100);
        let (_, _, t_f) = measure(runs, || f(n));
        let (a, peak_taped, t_taped) = measure(runs, || taped(n));
        let (b, peak_checkpointed, t_checkpointed) = measure(runs, || checkpointed(n));
        assert_eq!(a, b, "{name}, n = {n}");
        rows.push(Row { n, taped: peak_taped, checkpointed: peak_checkpointed, f: t_f, t_taped, t_checkpointed });
    }
    println!("\n`{name}`\n");
    println!(
        "| n | peak heap, tape | peak heap, checkpoint | tape / checkpoint | `f` | `f_grad` taped | checkpointed | checkpointed / taped |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        #[allow(clippy::cast_precision_loss, reason = "a ratio to print")]
        let ratio = r.taped as f64 / r.checkpointed as f64;
        println!(
            "| {} | {} | {} | {:.0}× | {:.3} ms | {:.3} ms | {:.3} ms | {:.2}× |",
            r.n,
            bytes(r.taped),
            bytes(r.checkpointed),
            ratio,
            r.f * 1e3,
            r.t_taped * 1e3,
            r.t_checkpointed * 1e3,
            r.t_checkpointed / r.t_taped
        );
    }
    rows
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows = table(
        "simulate",
        |n| simulate(black_box(1.0), 0.0, 1.3, 1e-7, n),
        |n| simulate_grad(black_box(1.0), 0.0, 1.3, 1e-7, n).map_bits(),
        |n| simulate_ck_grad(black_box(1.0), 0.0, 1.3, 1e-7, n).map_bits(),
    );
    table(
        "sine_map",
        |n| sine_map(black_box(0.4), 0.9, n),
        |n| sine_map_grad(black_box(0.4), 0.9, n).map_bits(),
        |n| sine_map_ck_grad(black_box(0.4), 0.9, n).map_bits(),
    );
    // docs/: the one place .gitignore lets SVGs be committed
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checkpoint_memory.svg");
    plot(&rows, &path)?;
    println!("\nwrote {}", path.display());
    Ok(())
}

/// A gradient tuple as bits, to compare exactly.
trait Bits {
    fn map_bits(self) -> Vec<u64>;
}

impl Bits for (f64, f64, f64) {
    fn map_bits(self) -> Vec<u64> {
        [self.0, self.1, self.2].map(f64::to_bits).to_vec()
    }
}

impl Bits for (f64, f64, f64, f64) {
    fn map_bits(self) -> Vec<u64> {
        [self.0, self.1, self.2, self.3].map(f64::to_bits).to_vec()
    }
}
