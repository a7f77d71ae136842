//! Peak heap of `f_grad` for a long carried loop, plain tape against `#[differentiate(checkpoint)]`
//! (CONTRACT.md §6: memory sub-linear in the trip count). Its own test binary: it installs a
//! global allocator that tracks the bytes live on the measuring thread and their peak.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use gradmacro::differentiate;

struct PeakAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(delta: isize) {
    // `try_with`: the allocator can be called while this thread's locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let live = LIVE.try_with(|l| {
            l.set(l.get() + delta);
            l.get()
        });
        if let Ok(live) = live {
            let _ = PEAK.try_with(|p| p.set(p.get().max(live)));
        }
    }
}

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping only touches
// const-initialised thread locals, which never allocate.
unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(size(layout));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(size(layout));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout));
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-size(layout));
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: PeakAllocator = PeakAllocator;

/// Runs `f` and returns its result with the peak of the bytes this thread had allocated and not
/// freed during the call, counted from its start.
fn peak_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    COUNTING.with(|c| c.set(true));
    let result = black_box(f());
    COUNTING.with(|c| c.set(false));
    (result, usize::try_from(PEAK.with(Cell::get)).unwrap_or(0))
}

#[differentiate]
fn sine_map(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate(checkpoint)]
fn sine_map_ck(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate]
fn oscillator(p0: f64, v0: f64, dt: f64, steps: usize) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _ in 0..steps {
        v -= dt * (p + 0.1 * p * p * p);
        p += dt * v;
    }
    p
}

#[differentiate(checkpoint)]
fn oscillator_ck(p0: f64, v0: f64, dt: f64, steps: usize) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _ in 0..steps {
        v -= dt * (p + 0.1 * p * p * p);
        p += dt * v;
    }
    p
}

#[differentiate]
fn relax(x: f64, steps: usize) -> f64 {
    let mut y = x;
    let mut i = 0;
    while i < steps {
        y = y.sin() * 0.9 + x;
        i += 1;
    }
    y
}

#[differentiate(checkpoint)]
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
    let osc = peaks(
        |n| {
            let (v, a, b, c) = oscillator_grad(1.0, 0.0, 1e-4, n);
            [v.to_bits(), a.to_bits(), b.to_bits(), c.to_bits()]
        },
        |n| {
            let (v, a, b, c) = oscillator_ck_grad(1.0, 0.0, 1e-4, n);
            [v.to_bits(), a.to_bits(), b.to_bits(), c.to_bits()]
        },
    );
    assert_sublinear("oscillator", &osc, 90);
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
