//! The long carried loops of the checkpointing figures, with the plain tape (`reverse`), with
//! `checkpoint` (`reverse, checkpoint`) and as `#[differentiate]` gives them by default (few
//! scalar parameters: forward mode, no tape at all): the issue's `y = y.sin() * k + x`, and a
//! time-stepping simulation (velocity Verlet style, a cubic force).
//! Shared with `#[path]` by `benches/checkpoint.rs`, `examples/checkpoint_memory.rs` and
//! `tests/checkpoint_alloc.rs`, so all three measure the same functions.

use gradmacro::differentiate;

#[differentiate(reverse)]
pub fn sine_map(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate(reverse, checkpoint)]
pub fn sine_map_ck(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate(wrt(p0, v0, stiffness), reverse)]
pub fn simulate(p0: f64, v0: f64, stiffness: f64, dt: f64, steps: usize) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _ in 0..steps {
        v -= dt * (stiffness * p + 0.1 * p * p * p);
        p += dt * v;
    }
    p * p + v * v
}

#[differentiate(wrt(p0, v0, stiffness), reverse, checkpoint)]
pub fn simulate_ck(p0: f64, v0: f64, stiffness: f64, dt: f64, steps: usize) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _ in 0..steps {
        v -= dt * (stiffness * p + 0.1 * p * p * p);
        p += dt * v;
    }
    p * p + v * v
}

#[differentiate]
pub fn sine_map_fwd(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate(wrt(p0, v0, stiffness))]
pub fn simulate_fwd(p0: f64, v0: f64, stiffness: f64, dt: f64, steps: usize) -> f64 {
    let mut p = p0;
    let mut v = v0;
    for _ in 0..steps {
        v -= dt * (stiffness * p + 0.1 * p * p * p);
        p += dt * v;
    }
    p * p + v * v
}
