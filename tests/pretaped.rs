//! Loop nests whose middle loops are *pretaped* (issue 15, GMM): the forward run of a loop
//! nested in another pushes its inner loops' tapes, and its backward pass pops them instead of
//! running them forward again. Each shape is checked against central differences, its value bit
//! for bit against the function; the shapes that must fall back to replaying (the rest of the
//! body touches what the inner loops write) are checked the same way.

#![allow(clippy::float_cmp, clippy::needless_range_loop)]

mod common;

use common::{assert_fd_all, assert_same_value};
use gradmacro::differentiate;

/// ADBench's GMM inner part: per point and component, a difference buffer, a diagonal product
/// and a lower triangle walked column by column (a carried index), then a squared norm.
#[differentiate(wrt(m, q))]
fn triangle(m: &[f64], q: &[f64], x: &[f64], d: usize, k: usize) -> f64 {
    let n = x.len() / d;
    let t = d * (d + 1) / 2;
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut total = 0.0;
    for i in 0..n {
        let mut best = 0.0;
        for j in 0..k {
            for r in 0..d {
                xc[r] = x[i * d + r] - m[j * d + r];
            }
            for r in 0..d {
                qx[r] = q[j * t + r].exp() * xc[r];
            }
            let mut l = j * t + d;
            for s in 0..d {
                for r in s + 1..d {
                    qx[r] += q[l] * xc[s];
                    l += 1;
                }
            }
            let sq: f64 = qx.iter().map(|v| v * v).sum();
            best += (-0.5 * sq).exp();
        }
        total += best.ln();
    }
    total
}

fn flat(p: &[f64], split: usize) -> (Vec<f64>, Vec<f64>) {
    (p[..split].to_vec(), p[split..].to_vec())
}

#[test]
fn gmm_triangle_matches_finite_differences() {
    let (d, k) = (3, 2);
    let x = [0.3, -0.2, 0.9, 0.1, 0.5, -0.7, 1.1, 0.4, 0.2];
    let m: Vec<f64> = (0..k * d).map(|i| 0.1 * i as f64 - 0.2).collect();
    let q: Vec<f64> = (0..k * d * (d + 1) / 2).map(|i| 0.05 * (i as f64 - 3.0)).collect();
    let (v, gm, gq) = triangle_grad(&m, &q, &x, d, k);
    assert_same_value("triangle", v, triangle(&m, &q, &x, d, k));
    let all: Vec<f64> = m.iter().chain(&q).copied().collect();
    let f = |p: &[f64]| {
        let (m, q) = flat(p, k * d);
        triangle(&m, &q, &x, d, k)
    };
    let got: Vec<f64> = gm.iter().chain(&gq).copied().collect();
    assert_fd_all("triangle", f, &all, &got);
}

/// Four levels: the two middle ones are pretaped (a chain), the innermost carries a product
/// and writes a buffer element it read, the next one reads what the innermost left after it.
#[differentiate(wrt(w))]
fn four_levels(w: &[f64], n: usize) -> f64 {
    let mut h = vec![1.0; n];
    let mut acc = 0.0;
    for a in 0..n {
        for b in 0..n {
            let mut c_sum = 0.0;
            for c in 0..n {
                let mut p = 1.0;
                for e in 0..n {
                    h[e] = (h[e] * w[(a + b + c + e) % w.len()]).sin() + 0.5;
                    p *= h[e];
                }
                c_sum += p * w[c];
            }
            acc += c_sum.tanh();
        }
        acc *= 0.9;
    }
    acc + h.iter().sum::<f64>()
}

#[test]
fn four_levels_match_finite_differences() {
    let w = [0.7, -0.4, 1.2, 0.3, -0.9];
    for n in [1, 2, 3] {
        let (v, g) = four_levels_grad(&w, n);
        assert_same_value("four_levels", v, four_levels(&w, n));
        assert_fd_all(&format!("four_levels n={n}"), |p| four_levels(p, n), &w, &g);
    }
}

/// Not pretaped: the middle loop's own statements write the buffer its inner loop reads (the
/// replay must run them in order); the inner loops are a `while` and a loop with a `break`.
#[differentiate(wrt(w))]
fn falls_back(w: &[f64], n: usize) -> f64 {
    let mut h = vec![0.0; n];
    let mut acc = 0.0;
    for a in 0..n {
        for b in 0..n {
            h[b] = w[(a + b) % w.len()] * acc + 0.3;
            let mut s = 0.0;
            let mut r = 0;
            while r < n {
                s += h[r] * w[r % w.len()];
                r += 1;
            }
            for c in 0..n {
                if h[c] > 2.0 {
                    break;
                }
                s += (h[c] * s).cos();
            }
            acc += s.sin();
        }
    }
    acc
}

#[test]
fn falling_back_to_replays_matches_finite_differences() {
    let w = [0.7, -0.4, 1.2, 0.3, -0.9];
    for n in [1, 2, 4] {
        let (v, g) = falls_back_grad(&w, n);
        assert_same_value("falls_back", v, falls_back(&w, n));
        assert_fd_all(&format!("falls_back n={n}"), |p| falls_back(p, n), &w, &g);
    }
}

/// Pretaped middle loop whose inner loops write a buffer, carry a sum and a counter, and only
/// read; what they leave after them (`s`, `r`, `m`) is read by the rest of the body, which
/// writes an array they do not touch.
#[differentiate(wrt(w, y))]
fn leaves_after(w: &[f64], y: f64, n: usize) -> f64 {
    let mut h = vec![0.0; n];
    let mut out = vec![0.0; n];
    let mut total = 0.0;
    for a in 0..n {
        for b in 0..n {
            for r in 0..n {
                h[r] = (w[(a * b + r) % w.len()] * y).exp();
            }
            let mut s = 0.0;
            let mut r = 0;
            for e in 0..n {
                s += h[e] * h[(e + b) % n];
                r += 1;
            }
            let mut m = 0.0;
            for r in 0..n {
                m += h[r].sqrt();
            }
            out[b] = s * m + r as f64 * y;
        }
        total += out.iter().map(|v| v.ln()).sum::<f64>();
    }
    total
}

#[test]
fn values_left_after_inner_loops_come_from_the_tape() {
    let w = [0.7, -0.4, 1.2, 0.3, -0.9];
    for n in [1, 2, 3] {
        let (v, gw, gy) = leaves_after_grad(&w, 0.6, n);
        assert_same_value("leaves_after", v, leaves_after(&w, 0.6, n));
        let all: Vec<f64> = w.iter().copied().chain([0.6]).collect();
        let got: Vec<f64> = gw.iter().copied().chain([gy]).collect();
        assert_fd_all(&format!("leaves_after n={n}"), |p| leaves_after(&p[..5], p[5], n), &all, &got);
    }
}
