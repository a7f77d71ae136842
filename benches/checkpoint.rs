//! `#[differentiate(checkpoint)]` (issue 15 item 2): `f_grad` of a long carried loop with the
//! plain tape against checkpointing (snapshots every ⌈√n⌉ iterations, each segment run forward
//! twice), at n = 10³ to 10⁶ iterations. Target: checkpointed at most 2× the taped time at 10⁶.
//!
//! Two loops: the issue's `y = y.sin() * k + x`, and a time-stepping simulation (velocity Verlet
//! style, a cubic force). Before anything is timed the two gradients are asserted bit-identical.
//! A third line, `forward`, is the `f_grad` these functions get without `reverse`: forward mode
//! (few float parameters), no tape at all.
//! Run with `cargo bench --bench checkpoint`; results in BENCHMARKS.md (peak heap:
//! `cargo run --release --example checkpoint_memory`).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

#[path = "common/long_loops.rs"]
mod long_loops;
use long_loops::{
    simulate, simulate_ck_grad, simulate_fwd_grad, simulate_grad, sine_map, sine_map_ck_grad, sine_map_fwd_grad,
    sine_map_grad,
};

const TRIPS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

fn bench(c: &mut Criterion) {
    for n in TRIPS {
        let (a, b) = (sine_map_grad(0.4, 0.9, n), sine_map_ck_grad(0.4, 0.9, n));
        assert_eq!([a.0, a.1, a.2].map(f64::to_bits), [b.0, b.1, b.2].map(f64::to_bits), "sine_map, n = {n}");
        let (a, b) = (simulate_grad(1.0, 0.0, 1.3, 1e-4, n), simulate_ck_grad(1.0, 0.0, 1.3, 1e-4, n));
        assert_eq!([a.0, a.1, a.2, a.3].map(f64::to_bits), [b.0, b.1, b.2, b.3].map(f64::to_bits), "simulate, n = {n}");
    }
    let mut g = c.benchmark_group("checkpoint/sine_map");
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    for n in TRIPS {
        g.bench_with_input(BenchmarkId::new("f", n), &n, |bch, &n| bch.iter(|| sine_map(black_box(0.4), 0.9, n)));
        g.bench_with_input(BenchmarkId::new("taped", n), &n, |bch, &n| {
            bch.iter(|| sine_map_grad(black_box(0.4), 0.9, n));
        });
        g.bench_with_input(BenchmarkId::new("checkpointed", n), &n, |bch, &n| {
            bch.iter(|| sine_map_ck_grad(black_box(0.4), 0.9, n));
        });
        g.bench_with_input(BenchmarkId::new("forward", n), &n, |bch, &n| {
            bch.iter(|| sine_map_fwd_grad(black_box(0.4), 0.9, n));
        });
    }
    g.finish();
    let mut g = c.benchmark_group("checkpoint/simulate");
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    for n in TRIPS {
        g.bench_with_input(BenchmarkId::new("f", n), &n, |bch, &n| {
            bch.iter(|| simulate(black_box(1.0), 0.0, 1.3, 1e-4, n));
        });
        g.bench_with_input(BenchmarkId::new("taped", n), &n, |bch, &n| {
            bch.iter(|| simulate_grad(black_box(1.0), 0.0, 1.3, 1e-4, n));
        });
        g.bench_with_input(BenchmarkId::new("checkpointed", n), &n, |bch, &n| {
            bch.iter(|| simulate_ck_grad(black_box(1.0), 0.0, 1.3, 1e-4, n));
        });
        g.bench_with_input(BenchmarkId::new("forward", n), &n, |bch, &n| {
            bch.iter(|| simulate_fwd_grad(black_box(1.0), 0.0, 1.3, 1e-4, n));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
