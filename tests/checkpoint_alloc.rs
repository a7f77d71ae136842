//! Peak heap of `f_grad` for a long carried loop, plain tape against `#[differentiate(checkpoint)]`
//! (CONTRACT.md §6: memory sub-linear in the trip count), both with `reverse`; and the
//! forward-mode `f_grad` these functions get by default (no heap). Its own test binary: it installs a
//! global allocator that tracks the bytes live on the measuring thread and their peak.

use std::hint::black_box;

use gradmacro::differentiate;

#[path = "../benches/common/peak_alloc.rs"]
mod peak_alloc;
use peak_alloc::peak_during;

#[path = "../benches/common/long_loops.rs"]
mod long_loops;
use long_loops::{
    simulate_ck_grad, simulate_fwd_grad, simulate_grad, sine_map_ck_grad, sine_map_fwd_grad, sine_map_grad,
};

#[differentiate(reverse)]
fn relax(x: f64, steps: usize) -> f64 {
    let mut y = x;
    let mut i = 0;
    while i < steps {
        y = y.sin() * 0.9 + x;
        i += 1;
    }
    y
}

#[differentiate(reverse, checkpoint)]
fn relax_ck(x: f64, steps: usize) -> f64 {
    let mut y = x;
    let mut i = 0;
    while i < steps {
        y = y.sin() * 0.9 + x;
        i += 1;
    }
    y
}

#[test]
fn the_tracker_sees_live_bytes() {
    let (v, peak) = peak_during(|| {
        let a = vec![black_box(1.0_f64); 1000];
        drop(a);
        vec![black_box(1.0_f64); 10]
    });
    assert_eq!(v.len(), 10);
    assert_eq!(peak, 8000);
}

const TRIPS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// Peak heap, plain and checkpointed, at each trip count; the gradients agree bit for bit.
fn peaks<G: PartialEq + std::fmt::Debug>(plain: impl Fn(usize) -> G, ck: impl Fn(usize) -> G) -> Vec<(usize, usize)> {
    TRIPS
        .iter()
        .map(|&n| {
            let (g, p) = peak_during(|| plain(n));
            let (gc, c) = peak_during(|| ck(n));
            assert_eq!(g, gc, "n = {n}");
            eprintln!("n = {n:>9}: peak heap taped {p:>10} B, checkpointed {c:>7} B");
            (p, c)
        })
        .collect()
}

/// `taped_growth`: the least factor the plain tape's peak grows by from 10⁴ to 10⁶ (the trip
/// count's 100×; a `while` loop's tape grows by doubling its capacity, so between 64× and 128×).
fn assert_sublinear(what: &str, peaks: &[(usize, usize)], taped_growth: usize) {
    let (taped_1e4, ck_1e4) = peaks[1];
    let (taped_1e6, ck_1e6) = peaks[3];
    // The plain tape grows with n (100× the trip count, ~100× the bytes) ...
    assert!(taped_1e6 > taped_growth * taped_1e4, "{what}: taped peak {taped_1e4} B at 10⁴, {taped_1e6} B at 10⁶");
    // ... the checkpointed store and segment tape with √n (10×; 20× allowed).
    assert!(ck_1e6 < 20 * ck_1e4, "{what}: checkpointed peak {ck_1e4} B at 10⁴, {ck_1e6} B at 10⁶");
    for (n, (p, c)) in TRIPS.iter().zip(peaks) {
        assert!(c < p, "{what}: at n = {n} checkpointed {c} B is not below taped {p} B");
    }
    // 10⁶ iterations in under 100 kB: 2√n entries of a few words.
    assert!(ck_1e6 < 100_000, "{what}: checkpointed peak {ck_1e6} B at 10⁶");
}

#[test]
fn checkpointed_peak_heap_grows_with_the_square_root_of_the_trip_count() {
    let sine = peaks(
        |n| {
            let (v, a, b) = sine_map_grad(0.4, 0.9, n);
            [v.to_bits(), a.to_bits(), b.to_bits()]
        },
        |n| {
            let (v, a, b) = sine_map_ck_grad(0.4, 0.9, n);
            [v.to_bits(), a.to_bits(), b.to_bits()]
        },
    );
    assert_sublinear("sine_map", &sine, 90);
    let sim = peaks(
        |n| {
            let (v, a, b, c) = simulate_grad(1.0, 0.0, 1.3, 1e-4, n);
            [v.to_bits(), a.to_bits(), b.to_bits(), c.to_bits()]
        },
        |n| {
            let (v, a, b, c) = simulate_ck_grad(1.0, 0.0, 1.3, 1e-4, n);
            [v.to_bits(), a.to_bits(), b.to_bits(), c.to_bits()]
        },
    );
    assert_sublinear("simulate", &sim, 90);
    // a `while` loop: no trip count up front, segments doubled as the snapshots pile up
    let relax = peaks(
        |n| {
            let (v, a) = relax_grad(0.4, n);
            [v.to_bits(), a.to_bits()]
        },
        |n| {
            let (v, a) = relax_ck_grad(0.4, n);
            [v.to_bits(), a.to_bits()]
        },
    );
    assert_sublinear("relax (while)", &relax, 50);
}

/// Relative difference, for gradients computed in another order (forward against reverse mode).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * a.abs().max(b.abs()).max(1.0)
}

/// Without `reverse`, these functions (few scalar parameters, a carried loop) get a forward-mode
/// `f_grad`: no heap at all at any trip count, the value bit-identical to the taped one, the
/// gradient equal to it to rounding (the products are summed in another order).
#[test]
fn forward_mode_gradients_use_no_heap_at_any_trip_count() {
    for n in TRIPS {
        let ((v, a, b), peak) = peak_during(|| sine_map_fwd_grad(black_box(0.4), 0.9, n));
        assert_eq!(peak, 0, "sine_map at n = {n}: {peak} B");
        let (tv, ta, tb) = sine_map_grad(0.4, 0.9, n);
        assert_eq!(v.to_bits(), tv.to_bits());
        assert!(close(a, ta) && close(b, tb), "n = {n}: ({a}, {b}) against taped ({ta}, {tb})");
        eprintln!("n = {n:>9}: sine_map forward mode peak heap {peak} B");
        let ((v, a, b, c), peak) = peak_during(|| simulate_fwd_grad(black_box(1.0), 0.0, 1.3, 1e-4, n));
        assert_eq!(peak, 0, "simulate at n = {n}: {peak} B");
        let (tv, ta, tb, tc) = simulate_grad(1.0, 0.0, 1.3, 1e-4, n);
        assert_eq!(v.to_bits(), tv.to_bits());
        assert!(close(a, ta) && close(b, tb) && close(c, tc), "n = {n}: ({a}, {b}, {c}) against ({ta}, {tb}, {tc})");
    }
}
