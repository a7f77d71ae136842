//! Issue 13, item 2: nested arrays named in `wrt(...)` (CONTRACT.md §7): `&[[F; D]]`,
//! `&Vec<[F; D]>`, `[[F; D]; N]`, `&[[F; D]; N]`, `&[Vec<F>]`, `&Vec<Vec<F>>`, with gradients of the
//! matching owned shape. Without `wrt` they stay constant data.
//!
//! Expected values come from closed forms written here, central finite differences of the
//! original functions and num-dual; never from the code under test.

#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

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

/// The other nested shapes: a fixed `[[F; D]; N]` (by value and by reference), a `&Vec<[F; D]>`,
/// and ragged rows `&[Vec<F>]`, `&Vec<Vec<F>>`.
#[differentiate(wrt(m), forward)]
fn quad(m: [[f64; 2]; 2], v: [f64; 2]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        for j in 0..2 {
            s += v[i] * m[i][j] * v[j];
        }
    }
    s + m[0][1].sin() * m[1][0]
}

#[differentiate(wrt(m))]
fn quad_ref(m: &[[f64; 2]; 2], v: [f64; 2]) -> f64 {
    let [a, b] = m[0];
    let [c, d] = m[1];
    a * d - b * c + v[0] * a
}

#[differentiate(wrt(pts))]
fn spread(pts: &Vec<[f64; 3]>) -> f64 {
    let mut s = 0.0;
    for p in pts {
        s += p[0] * p[1] + p[2].powi(3);
    }
    s
}

#[differentiate(wrt(rows), forward)]
fn ragged(rows: &[Vec<f64>], c: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..rows.len() {
        for j in 0..rows[i].len() {
            s += c * rows[i][j] * rows[i][j] * (j as f64 + 1.0);
        }
    }
    s
}

#[differentiate(wrt(rows))]
fn ragged_vec(rows: &Vec<Vec<f64>>) -> f64 {
    let mut s = 1.0;
    for i in 0..rows.len() {
        s *= rows[i][0].exp() + rows[i][rows[i].len() - 1];
    }
    s
}

#[test]
fn fixed_nested_arrays_match_the_closed_form() {
    let m = [[1.5, -0.5], [0.25, 2.0]];
    let v = [0.7, -1.3];
    let (val, g) = quad_grad(m, v);
    assert_eq!(val.to_bits(), quad(m, v).to_bits());
    // d/dm[i][j] of vᵀ M v is v[i] v[j]; plus the sin term.
    let mut want = [[v[0] * v[0], v[0] * v[1]], [v[1] * v[0], v[1] * v[1]]];
    want[0][1] += m[0][1].cos() * m[1][0];
    want[1][0] += m[0][1].sin();
    for i in 0..2 {
        for j in 0..2 {
            assert!((g[i][j] - want[i][j]).abs() < 1e-12, "d/dm[{i}][{j}]: {} vs {}", g[i][j], want[i][j]);
        }
    }
    let t = [[0.1, 0.2], [-0.3, 0.4]];
    let (_, dir) = quad_jvp(m, v, t);
    let w: f64 = (0..2).flat_map(|i| (0..2).map(move |j| (i, j))).map(|(i, j)| want[i][j] * t[i][j]).sum();
    assert!((dir - w).abs() < 1e-12, "{dir} vs {w}");

    let (val, g) = quad_ref_grad(&m, v);
    assert_eq!(val.to_bits(), quad_ref(&m, v).to_bits());
    let want = [[m[1][1] + v[0], -m[1][0]], [-m[0][1], m[0][0]]];
    assert_eq!(g, want);
}

#[test]
fn vec_of_rows_matches_the_closed_form() {
    let pts = vec![[0.5, 1.5, -0.5], [2.0, -1.0, 0.3]];
    let (val, g) = spread_grad(&pts);
    assert_eq!(val.to_bits(), spread(&pts).to_bits());
    for (p, gp) in pts.iter().zip(&g) {
        let want = [p[1], p[0], 3.0 * p[2] * p[2]];
        for k in 0..3 {
            assert!((gp[k] - want[k]).abs() < 1e-12);
        }
    }
}

#[test]
fn ragged_rows_match_the_closed_form_and_finite_differences() {
    let rows = vec![vec![0.5, -1.0, 2.0], vec![], vec![1.5]];
    let (val, g) = ragged_grad(&rows, 0.7);
    assert_eq!(val.to_bits(), ragged(&rows, 0.7).to_bits());
    assert_eq!(g.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 0, 1]);
    for (r, gr) in rows.iter().zip(&g) {
        for (j, (x, d)) in r.iter().zip(gr).enumerate() {
            let want = 2.0 * 0.7 * x * (j as f64 + 1.0);
            assert!((d - want).abs() < 1e-12);
        }
    }
    let t = vec![vec![1.0, 0.5, -0.25], vec![], vec![2.0]];
    let (_, dir) = ragged_jvp(&rows, 0.7, &t);
    let want: f64 = g.iter().flatten().zip(t.iter().flatten()).map(|(a, b)| a * b).sum();
    assert!((dir - want).abs() < 1e-12, "{dir} vs {want}");

    let rows = vec![vec![0.2, -0.4], vec![0.9], vec![-0.3, 0.1, 0.6]];
    let (val, g) = ragged_vec_grad(&rows);
    assert_eq!(val.to_bits(), ragged_vec(&rows).to_bits());
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let rebuild = |x: &[f64]| vec![x[0..2].to_vec(), x[2..3].to_vec(), x[3..6].to_vec()];
    let want = common::fd(|x| ragged_vec(&rebuild(x)), &flat);
    for (k, (a, b)) in g.iter().flatten().zip(&want).enumerate() {
        assert_fd(&format!("ragged_vec component {k}"), *a, *b);
    }
}

// A row of a differentiated nested array iterated as an MLP layer iterates its weights:
// `w[j].iter().zip(x)` in a chain and in a `for`, `&w[j]`, over `&[[f64; 3]]` and
// `&Vec<Vec<f64>>` (was "this iterator chain over differentiated values is not differentiated").
#[differentiate(wrt(w, x), forward)]
fn layer(w: &[[f64; 3]], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for j in 0..w.len() {
        let z: f64 = w[j].iter().zip(x).map(|(a, b)| a * b).sum();
        s += z.tanh();
    }
    s
}

#[differentiate(wrt(w))]
fn layer_loops(w: &Vec<Vec<f64>>, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for j in 0..w.len() {
        let mut z = 0.0;
        for (a, b) in w[j].iter().zip(x) {
            z += a * b;
        }
        for &a in &w[j] {
            z += a * a;
        }
        s += z.tanh();
    }
    s
}

#[test]
fn rows_of_nested_arrays_iterated() {
    use num_dual::{Dual64, DualNum};
    let w = [[0.1, 0.2, -0.3], [0.5, -0.4, 0.7]];
    let x = [1.0, -2.0, 0.5];
    // The same layers over `Dual64`, every weight and input one flat vector.
    let reference = |z: &[Dual64], squares: bool| {
        let mut s = Dual64::from(0.0);
        for j in 0..2 {
            let mut t = Dual64::from(0.0);
            for k in 0..3 {
                t += z[3 * j + k] * z[6 + k];
                if squares {
                    t += z[3 * j + k] * z[3 * j + k];
                }
            }
            s += t.tanh();
        }
        s
    };
    let flat: Vec<f64> = w.iter().flatten().chain(&x).copied().collect();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);

    let (v, gw, gx) = layer_grad(&w, &x);
    assert_eq!(v, layer(&w, &x));
    let want = common::dual_grad(&flat, |z| reference(z, false)).1;
    let got: Vec<f64> = gw.iter().flatten().chain(&gx).copied().collect();
    assert!(got.iter().zip(&want).all(|(a, b)| close(*a, *b)), "{got:?} {want:?}");
    let (_, t) = layer_jvp(&w, &x, &[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], &[0.0, 1.0, 0.0]);
    assert!(close(t, want[0] + want[5] + want[7]), "{t}");

    let wv: Vec<Vec<f64>> = w.iter().map(|r| r.to_vec()).collect();
    let (v, gw) = layer_loops_grad(&wv, &x);
    assert_eq!(v, layer_loops(&wv, &x));
    let want = common::dual_grad(&flat, |z| reference(z, true)).1;
    let got: Vec<f64> = gw.iter().flatten().copied().collect();
    assert!(got.iter().zip(&want).all(|(a, b)| close(*a, *b)), "{got:?} {want:?}");
}
