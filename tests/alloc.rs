//! The generated gradients allocate nothing on the heap for straight-line code and for loops the
//! backward pass can recompute (CONTRACT.md §6), beyond the `Vec` returned as the gradient of a
//! slice parameter.
//!
//! This is its own test binary because it installs a counting global allocator. The counter is
//! per thread and only counts while a measured call runs, so the test harness's own allocations
//! and tests running in parallel on other threads never show up in a count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use approx::assert_relative_eq;
use gradmacro::differentiate;

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn record_allocation() {
    // `try_with`: the allocator can be called while this thread's locals are being torn down.
    let counting = COUNTING.try_with(Cell::get).unwrap_or(false);
    if counting {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping only touches
// const-initialised thread locals, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record_allocation();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record_allocation();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record_allocation();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Runs `f` and returns its result with the number of heap allocations (including reallocations)
/// this thread made during the call. Dropping the result happens outside the measured window.
fn allocations_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let result = black_box(f());
    COUNTING.with(|c| c.set(false));
    (result, ALLOCATIONS.with(Cell::get))
}

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = allocations_during(|| vec![black_box(1.0_f64); 3]);
    assert_eq!(v.len(), 3);
    assert_eq!(n, 1);
    let ((), n) = allocations_during(|| ());
    assert_eq!(n, 0);
}

// ---------------------------------------------------------------------------------------------
// Straight-line code: the guide's neuron
// ---------------------------------------------------------------------------------------------

#[differentiate]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    1.0 / (1.0 + (-(a * x + b * y + c)).exp())
}

#[test]
fn straight_line_neuron_allocates_nothing() {
    let (a, b, c, x, y) = (1.0, 2.0, -3.0, -1.0, 3.0);
    let ((s, da, db, dc, dx, dy), n) =
        allocations_during(|| neuron_grad(black_box(a), black_box(b), black_box(c), black_box(x), black_box(y)));
    assert_eq!(n, 0, "neuron_grad allocated {n} times");

    // sigma(2) and its slope sigma(2) (1 - sigma(2)), times each input's partner
    let z: f64 = 2.0;
    let sig = 1.0 / (1.0 + (-z).exp());
    let slope = sig * (1.0 - sig);
    assert_eq!(s.to_bits(), neuron(a, b, c, x, y).to_bits());
    assert_relative_eq!(s, sig, max_relative = 1e-12);
    assert_relative_eq!(da, x * slope, max_relative = 1e-12);
    assert_relative_eq!(db, y * slope, max_relative = 1e-12);
    assert_relative_eq!(dc, slope, max_relative = 1e-12);
    assert_relative_eq!(dx, a * slope, max_relative = 1e-12);
    assert_relative_eq!(dy, b * slope, max_relative = 1e-12);
}

// ---------------------------------------------------------------------------------------------
// A recomputable loop over `&[[f64; 2]]` data: the guide's SVM loss w.r.t. scalar a, b, c
// ---------------------------------------------------------------------------------------------

const POINTS: [[f64; 2]; 6] = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]];
const LABELS: [f64; 6] = [1.0, -1.0, 1.0, -1.0, -1.0, 1.0];

#[differentiate(wrt(a, b, c))]
fn svm_loss(a: f64, b: f64, c: f64, points: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut loss = 0.5 * (a * a + b * b);
    for i in 0..points.len() {
        let score = a * points[i][0] + b * points[i][1] + c;
        loss += (-labels[i] * score + 1.0).max(0.0);
    }
    loss
}

#[test]
fn svm_loss_over_point_slice_allocates_nothing() {
    let ((loss, da, db, dc), n) = allocations_during(|| {
        svm_loss_grad(black_box(1.0), black_box(-2.0), black_box(-1.0), black_box(&POINTS[..]), black_box(&LABELS[..]))
    });
    assert_eq!(n, 0, "svm_loss_grad allocated {n} times");

    // At a = 1, b = -2, c = -1 the margins are 2.2, 0.7, -0.8, 1.9, -3.2, -6.1: points 1, 2
    // and 4 are in the hinge. loss = 0.5 (1 + 4) + 2.2 + 0.7 + 1.9, and each active point
    // adds -y (x0, x1, 1) to the regulariser's (a, b, 0).
    assert_eq!(loss.to_bits(), svm_loss(1.0, -2.0, -1.0, &POINTS, &LABELS).to_bits());
    assert_relative_eq!(loss, 7.3, max_relative = 1e-12);
    assert_relative_eq!(da, 1.0 - 1.2 - 0.3 - 0.1, max_relative = 1e-12);
    assert_relative_eq!(db, -2.0 - 0.7 - 0.5 - 1.0, max_relative = 1e-12);
    assert_relative_eq!(dc, -1.0 + 1.0 + 1.0, max_relative = 1e-12);
}

// ---------------------------------------------------------------------------------------------
// A recomputable loop over `&[f64]` data: least squares of a line w.r.t. slope and intercept
// ---------------------------------------------------------------------------------------------

#[differentiate(wrt(w, b))]
fn line_loss(w: f64, b: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..xs.len() {
        let e = w * xs[i] + b - ys[i];
        loss += e * e;
    }
    loss
}

#[test]
fn line_loss_over_f64_slice_allocates_nothing() {
    let xs = [0.0, 1.0, 2.0, 3.0];
    let ys = [1.0, 3.0, 5.0, 7.0];
    let ((loss, dw, db), n) =
        allocations_during(|| line_loss_grad(black_box(1.0), black_box(0.0), black_box(&xs[..]), black_box(&ys[..])));
    assert_eq!(n, 0, "line_loss_grad allocated {n} times");

    // residuals e = x - (2x + 1) = -(x + 1) = -1, -2, -3, -4:
    // loss = sum e², d/dw = 2 sum e x, d/db = 2 sum e
    assert_eq!(loss.to_bits(), line_loss(1.0, 0.0, &xs, &ys).to_bits());
    assert_relative_eq!(loss, 30.0, max_relative = 1e-12);
    assert_relative_eq!(dw, -40.0, max_relative = 1e-12);
    assert_relative_eq!(db, -20.0, max_relative = 1e-12);
}

// ---------------------------------------------------------------------------------------------
// An active slice: the returned gradient `Vec` is the only allocation
// ---------------------------------------------------------------------------------------------

#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let t = x[i + 1] - x[i] * x[i];
        let u = 1.0 - x[i];
        s += 100.0 * t * t + u * u;
    }
    s
}

#[test]
fn rosenbrock_allocates_only_its_gradient_vec() {
    let x = [0.5, -1.0, 2.0];
    let ((value, grad), n) = allocations_during(|| rosenbrock_grad(black_box(&x[..])));
    assert_eq!(n, 1, "rosenbrock_grad allocated {n} times; only the returned Vec expected");

    // t0 = -1 - 0.25 = -1.25, u0 = 0.5; t1 = 2 - 1 = 1, u1 = 2
    // f = 100 t0² + u0² + 100 t1² + u1² = 156.25 + 0.25 + 100 + 4
    // df/dx0 = -400 x0 t0 - 2 u0, df/dx1 = 200 t0 - 400 x1 t1 - 2 u1, df/dx2 = 200 t1
    assert_eq!(value.to_bits(), rosenbrock(&x).to_bits());
    assert_relative_eq!(value, 260.5, max_relative = 1e-12);
    assert_eq!(grad.len(), 3);
    assert_relative_eq!(grad[0], 250.0 - 1.0, max_relative = 1e-12);
    assert_relative_eq!(grad[1], -250.0 + 400.0 - 4.0, max_relative = 1e-12);
    assert_relative_eq!(grad[2], 200.0, max_relative = 1e-12);
}

/// A buffer filled by a chain, then read: `f_grad` used to push a copy of the whole buffer onto
/// its tape at every iteration of the fill (n allocations and O(n²) memory); it now keeps each
/// replaced element, so its allocations do not grow with n (a fill of at most 16 elements keeps
/// them on the stack: fewer at n = 4).
#[differentiate]
fn softmax_first(w: &[f64]) -> f64 {
    let e: Vec<f64> = w.iter().map(|v| v.exp()).collect();
    let mut kept = Vec::with_capacity(w.len());
    for v in &e {
        kept.push(v * 0.5);
    }
    let s: f64 = e.iter().sum();
    e[0] / s + kept[kept.len() - 1]
}

#[test]
fn filling_a_buffer_does_not_copy_it_per_iteration() {
    let counts: Vec<usize> = [4usize, 64, 1024]
        .iter()
        .map(|&n| {
            let w: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let ((value, grad), count) = allocations_during(|| softmax_first_grad(black_box(&w)));
            assert_eq!(value.to_bits(), softmax_first(&w).to_bits());
            // d/dw0 of e0/s = p0 (1 - p0); d/dwk for k > 0: -p0 pk, plus 0.5 e_last for the last
            let s: f64 = w.iter().map(|v| v.exp()).sum();
            let p0 = w[0].exp() / s;
            let pl = w[n - 1].exp() / s;
            assert_relative_eq!(grad[0], p0 * (1.0 - p0), max_relative = 1e-9);
            assert_relative_eq!(grad[n - 1], -p0 * pl + 0.5 * w[n - 1].exp(), max_relative = 1e-9);
            count
        })
        .collect();
    assert!(counts[0] <= counts[1] && counts[1] == counts[2], "allocations grow with n: {counts:?}");
}

/// Eight Heron steps for √a in a `loop` that breaks: the trip count is unknown when the loop
/// starts, and the tape of the carried `y` (`Vec::new()`, grown by doubling) allocated 3 times
/// per call. Its first 16 entries are on the stack now; a longer run spills to the heap (which
/// grows by doubling: 84 more entries, 6 allocations).
#[differentiate]
fn heron(a: f64, steps: usize) -> f64 {
    let mut y = a.max(1.0);
    let mut k = 0;
    loop {
        y = 0.5 * (y + a / y);
        k += 1;
        if k == steps {
            break y;
        }
    }
}

#[test]
fn a_short_carried_loop_tapes_on_the_stack() {
    let a = 7.3;
    for (steps, most) in [(8, 0), (16, 0), (17, 1), (100, 6)] {
        let ((value, d_a), n) = allocations_during(|| heron_grad(black_box(a), black_box(steps)));
        assert!(n <= most, "{steps} steps allocated {n} times, expected at most {most}");
        assert_eq!(value.to_bits(), heron(a, steps).to_bits());
        // After enough steps y = √a, and d√a/da = 1 / (2√a).
        if steps >= 16 {
            assert_relative_eq!(d_a, 0.5 / a.sqrt(), max_relative = 1e-12);
        }
    }
    // Eight steps are not yet converged: against a central difference.
    let h = 1e-6;
    let fd = (heron(a + h, 8) - heron(a - h, 8)) / (2.0 * h);
    assert_relative_eq!(heron_grad(a, 8).1, fd, max_relative = 1e-7);
}

/// A buffer made again for every point, as a mixture's log-likelihood is written: `f` allocates
/// one per point, and `f_grad` no more than that plus a constant. The buffer's adjoint and the
/// tape of the loop that fills it are made once and reused by every point (the tape used to be
/// allocated per point, and to hold a copy of the whole buffer per element: k + 1 allocations per
/// point).
#[allow(clippy::needless_range_loop, reason = "indexing is the shape under test")]
#[differentiate(wrt(w))]
fn per_point(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut lp = vec![0.0; w.len()];
        for j in 0..w.len() {
            lp[j] = w[j] * x[i];
        }
        s += lp.iter().map(|v| v.exp()).sum::<f64>().ln();
    }
    s
}

#[test]
fn a_buffer_per_iteration_adds_no_allocation_per_iteration() {
    let w = [0.3, -0.2, 0.7];
    for n in [4usize, 64, 1024] {
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        let (_, f_count) = allocations_during(|| per_point(black_box(&w), black_box(&x)));
        let ((value, grad), count) = allocations_during(|| per_point_grad(black_box(&w), black_box(&x)));
        assert_eq!(value.to_bits(), per_point(&w, &x).to_bits());
        // d/dw_j Σ_i ln Σ_j exp(w_j x_i) = Σ_i x_i softmax_j(w x_i)
        let want: f64 =
            x.iter().map(|xi| xi * (w[0] * xi).exp() / w.iter().map(|wj| (wj * xi).exp()).sum::<f64>()).sum();
        assert_relative_eq!(grad[0], want, max_relative = 1e-12);
        assert_eq!(f_count, n);
        // the forward pass's n buffers, the returned gradient, the adjoint and the fill tape
        assert!(count <= n + 3, "n = {n}: f_grad made {count} allocations, f {f_count}");
    }
}

/// `q[r] += ..` into a buffer an inner loop also reads, over a packed lower triangle (the GMM
/// objective's `Q (x - μ)`): each inner iteration used to copy the whole buffer onto the tape,
/// O(d²) copies of d elements; it now tapes the one element it replaces, and puts it back before
/// it replays the iteration, and its tape is reused by every column, so the allocations grow like
/// d (one copy of the buffer per column, for the column loop's replay).
#[allow(clippy::needless_range_loop, reason = "ADBench's index loops are the shape under test")]
#[differentiate(wrt(w))]
fn lower_triangle(w: &[f64], x: &[f64]) -> f64 {
    let d = x.len();
    let mut q = vec![0.0; d];
    let mut l = 0;
    for s in 0..d {
        for r in s + 1..d {
            q[r] += w[l] * x[s];
            l += 1;
        }
    }
    q.iter().map(|v| v * v).sum()
}

#[test]
#[allow(clippy::needless_range_loop, reason = "the closed form follows the loops")]
fn adding_into_a_buffer_in_nested_loops_does_not_copy_it_per_element() {
    for d in [4usize, 16, 64] {
        let x: Vec<f64> = (0..d).map(|i| (i as f64 * 0.61).cos()).collect();
        let w: Vec<f64> = (0..d * (d - 1) / 2).map(|i| (i as f64 * 0.37).sin()).collect();
        let ((value, grad), count) = allocations_during(|| lower_triangle_grad(black_box(&w), black_box(&x)));
        assert_eq!(value.to_bits(), lower_triangle(&w, &x).to_bits());
        // closed form: q_r = Σ_{s<r} w_l(s,r) x_s, so d/dw_l(s,r) Σ q_r² = 2 q_r x_s
        let mut q = vec![0.0; d];
        let mut at = Vec::new();
        for s in 0..d {
            for r in s + 1..d {
                q[r] += w[at.len()] * x[s];
                at.push((s, r));
            }
        }
        for (l, &(s, r)) in at.iter().enumerate() {
            assert_relative_eq!(grad[l], 2.0 * q[r] * x[s], max_relative = 1e-12);
        }
        // per column, one copy of the buffer; once, the buffer, its adjoint, the gradient, the
        // column loop's tape, and the reused tape of the inner loop, grown by doubling (the
        // backward pass meets the columns shortest first)
        assert!(count <= d + 5 + d.ilog2() as usize, "d = {d}: {count} allocations");
    }
}

/// A carried `for` over a literal range keeps its tape in a stack array of that length (the
/// entries are floats), also inside an `if` arm (the other arm hands an empty tape on) and when
/// a `break` ends it early; the dual program of `f_hvp` does the same with duals. (`reverse`:
/// without it, `f_grad` of these two parameters runs in forward mode, with no tape at all.)
#[differentiate(hessian, reverse)]
fn iterate_in_arm(x: f64, k: f64) -> f64 {
    let mut y = x;
    if k > 0.0 {
        for _ in 0..50 {
            y = y.sin() * k + x;
            if y > 10.0 {
                break;
            }
        }
    }
    y * y
}

#[test]
fn a_literal_trip_count_tapes_in_a_stack_array() {
    // (10.2, 0.3) breaks at the second step; (9.9, 0.5) runs all 50; k < 0 skips the loop
    for (x, k) in [(0.5, 0.9), (0.5, -0.9), (10.2, 0.3), (9.9, 0.5)] {
        let ((value, dx, dk), n) = allocations_during(|| iterate_in_arm_grad(black_box(x), black_box(k)));
        assert_eq!(n, 0, "iterate_in_arm_grad allocated {n} times");
        assert_eq!(value.to_bits(), iterate_in_arm(x, k).to_bits());
        let h = 1e-6;
        let fdx = (iterate_in_arm(x + h, k) - iterate_in_arm(x - h, k)) / (2.0 * h);
        let fdk = (iterate_in_arm(x, k + h) - iterate_in_arm(x, k - h)) / (2.0 * h);
        assert_relative_eq!(dx, fdx, max_relative = 1e-6, epsilon = 1e-9);
        assert_relative_eq!(dk, fdk, max_relative = 1e-6, epsilon = 1e-9);
        // H v against differences of the gradient along v = (1, 0)
        let (_, gx, _, hx, _) = iterate_in_arm_hvp(x, k, 1.0, 0.0);
        assert_eq!(gx.to_bits(), dx.to_bits());
        let fd_hx = (iterate_in_arm_grad(x + h, k).1 - iterate_in_arm_grad(x - h, k).1) / (2.0 * h);
        assert_relative_eq!(hx, fd_hx, max_relative = 1e-5, epsilon = 1e-8);
    }
}
