//! Issue 13, item 2: nested arrays named in `wrt(...)` (CONTRACT.md §7): `&[[F; D]]`,
//! `&Vec<[F; D]>`, `[[F; D]; N]`, `&[[F; D]; N]`, `&[Vec<F>]`, `&Vec<Vec<F>>`, with gradients of the
//! matching owned shape. Without `wrt` they stay constant data.
//!
//! Expected values come from closed forms written here, central finite differences of the
//! original functions and num-dual; never from the code under test.

mod common;

use common::{assert_fd, step};
use gradmacro::differentiate;

/// Energy of a chain of springs between consecutive 2-D points: `k/2 · Σ (|p_{i+1} - p_i| - l)²`.
#[differentiate(wrt(pos), forward)]
fn energy(pos: &[[f64; 2]], k: f64, rest: f64) -> f64 {
    let mut e = 0.0;
    for i in 1..pos.len() {
        let dx = pos[i][0] - pos[i - 1][0];
        let dy = pos[i][1] - pos[i - 1][1];
        let r = (dx * dx + dy * dy).sqrt();
        e += 0.5 * k * (r - rest) * (r - rest);
    }
    e
}

/// The spring forces in closed form: `F_i = -∂E/∂p_i`.
fn forces(pos: &[[f64; 2]], k: f64, rest: f64) -> Vec<[f64; 2]> {
    let mut f = vec![[0.0; 2]; pos.len()];
    for i in 1..pos.len() {
        let (dx, dy) = (pos[i][0] - pos[i - 1][0], pos[i][1] - pos[i - 1][1]);
        let r = (dx * dx + dy * dy).sqrt();
        let s = k * (r - rest) / r;
        f[i][0] -= s * dx;
        f[i][1] -= s * dy;
        f[i - 1][0] += s * dx;
        f[i - 1][1] += s * dy;
    }
    f
}

fn points() -> Vec<[f64; 2]> {
    vec![[0.0, 0.0], [1.2, 0.1], [2.1, -0.7], [2.9, 0.4], [4.3, 0.2]]
}

#[test]
fn springs_forces_match_the_closed_form() {
    let pos = points();
    let (v, g) = energy_grad(&pos, 3.0, 1.0);
    assert_eq!(v.to_bits(), energy(&pos, 3.0, 1.0).to_bits());
    let f = forces(&pos, 3.0, 1.0);
    assert_eq!(g.len(), pos.len());
    for (i, (gi, fi)) in g.iter().zip(&f).enumerate() {
        for j in 0..2 {
            assert!(
                (gi[j] + fi[j]).abs() <= 1e-12 * (1.0 + fi[j].abs()),
                "point {i} axis {j}: {} vs force {}",
                gi[j],
                fi[j]
            );
        }
    }
}

#[test]
fn springs_forward_mode_matches_the_gradient() {
    let pos = points();
    let (_, g) = energy_grad(&pos, 3.0, 1.0);
    let t: Vec<[f64; 2]> = (0..pos.len()).map(|i| [0.3 * i as f64 - 0.5, 1.0 / (1.0 + i as f64)]).collect();
    let (v, dir) = energy_jvp(&pos, 3.0, 1.0, &t);
    assert_eq!(v.to_bits(), energy(&pos, 3.0, 1.0).to_bits());
    let want: f64 = g.iter().zip(&t).map(|(a, b)| a[0] * b[0] + a[1] * b[1]).sum();
    assert!((dir - want).abs() <= 1e-12 * (1.0 + want.abs()), "{dir} vs {want}");
}

/// Without `wrt`, a nested array is constant data and `k` is the only gradient.
#[differentiate]
fn energy_k(pos: &[[f64; 2]], k: f64) -> f64 {
    let mut e = 0.0;
    for p in pos {
        e += k * (p[0] * p[0] + p[1] * p[1]);
    }
    e
}

#[test]
fn without_wrt_a_nested_array_stays_constant() {
    let pos = points();
    let (_, dk): (f64, f64) = energy_k_grad(&pos, 2.0);
    let want: f64 = pos.iter().map(|p| p[0] * p[0] + p[1] * p[1]).sum();
    assert!((dk - want).abs() < 1e-12);
}

/// Rows bound by pattern, by name, and iterated: `let [x, y] = pos[i];`, `let p = pos[i];`,
/// `for &[x, y] in pos`, `for p in pos.iter()`, and an iterator chain.
#[differentiate(wrt(pos))]
#[allow(clippy::needless_range_loop)]
fn rows(pos: &[[f64; 2]], c: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..pos.len() {
        let [x, y] = pos[i];
        s += x * y.sin();
    }
    let p = pos[0];
    s += c * p[0] * p[1];
    for &[x, y] in pos {
        s += (x - y).powi(2);
    }
    for p in pos.iter() {
        s += p[0].exp() * 0.1 + p[1];
    }
    s + pos.iter().map(|q| q[0] * q[1] * q[1]).sum::<f64>()
}

fn flat(pos: &[[f64; 2]]) -> Vec<f64> {
    pos.iter().flatten().copied().collect()
}

fn unflat(x: &[f64]) -> Vec<[f64; 2]> {
    x.chunks(2).map(|c| [c[0], c[1]]).collect()
}

#[test]
fn row_patterns_match_finite_differences() {
    let pos = vec![[0.3, -0.4], [1.1, 0.7], [-0.8, 0.25]];
    let (v, g) = rows_grad(&pos, 1.5);
    assert_eq!(v.to_bits(), rows(&pos, 1.5).to_bits());
    let want = common::fd(|x| rows(&unflat(x), 1.5), &flat(&pos));
    for (k, (a, b)) in flat(&g).iter().zip(&want).enumerate() {
        assert_fd(&format!("rows d/dpos[{}][{}]", k / 2, k % 2), *a, *b);
    }
    let _ = step;
}
