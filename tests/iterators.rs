//! Iterator chains with closures over differentiated values (issue 12): each chain is lowered to
//! the loop it means. Values are checked bit for bit against the function itself, gradients
//! against closed forms or num-dual.

#![allow(clippy::float_cmp, clippy::cast_precision_loss)]

mod common;

use common::dual_grad;
use gradmacro::differentiate;
use num_dual::{Dual64, DualNum};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn close_all(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| close(*x, *y))
}

#[differentiate(wrt(mu, sigma))]
fn gaussian_nll(mu: f64, sigma: f64, data: &[f64]) -> f64 {
    let n = data.len() as f64;
    let ss: f64 = data.iter().map(|x| (x - mu).powi(2)).sum();
    n * sigma.ln() + ss / (2.0 * sigma * sigma)
}

#[test]
fn map_sum_over_constant_data() {
    let data = [1.0, 2.0, 3.0];
    let (v, dmu, dsigma) = gaussian_nll_grad(1.5, 1.2, &data);
    assert_eq!(v, gaussian_nll(1.5, 1.2, &data));
    // d/dmu = -(sum x - n mu) / sigma^2; d/dsigma = n / sigma - ss / sigma^3
    let ss: f64 = data.iter().map(|x| (x - 1.5_f64).powi(2)).sum();
    assert!(close(dmu, -(6.0 - 3.0 * 1.5) / 1.44), "{dmu}");
    assert!(close(dsigma, 3.0 / 1.2 - ss / 1.2_f64.powi(3)), "{dsigma}");
}

#[differentiate]
fn total(w: &[f64]) -> f64 {
    w.iter().sum()
}

#[differentiate]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>()
}

#[differentiate(wrt(w))]
fn by_index(w: &[f64], x: &[f64], n: usize) -> f64 {
    (0..n).map(|i| w[i] * x[i]).sum::<f64>()
}

#[test]
fn sums_over_differentiated_slices() {
    let (v, g) = total_grad(&[1.0, 2.0, 3.5]);
    assert_eq!((v, g), (6.5, vec![1.0, 1.0, 1.0]));
    let (a, b) = ([1.0, 2.0], [3.0, -4.0]);
    let (v, da, db) = dot_grad(&a, &b);
    assert_eq!((v, da, db), (-5.0, b.to_vec(), a.to_vec()));
    let (v, dw) = by_index_grad(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], 2);
    assert_eq!((v, dw), (14.0, vec![4.0, 5.0, 0.0]));
}

#[differentiate(wrt(w))]
fn folded(w: f64, data: &[f64]) -> f64 {
    data.iter().fold(0.0, |acc, &x| acc + (w * x).sin())
}

#[differentiate(wrt(w))]
fn for_each(w: f64, data: &[f64]) -> f64 {
    let mut total = 0.0;
    data.iter().for_each(|x| total += (w - x).powi(2));
    total
}

#[test]
fn fold_and_for_each() {
    let data = [1.0, 2.0, 3.0];
    let (v, d) = folded_grad(0.4, &data);
    assert_eq!(v, folded(0.4, &data));
    let e: f64 = data.iter().map(|x| x * (0.4 * x).cos()).sum();
    assert!(close(d, e));
    let (v, d) = for_each_grad(0.4, &data);
    assert_eq!(v, for_each(0.4, &data));
    let e: f64 = data.iter().map(|x| 2.0 * (0.4 - x)).sum();
    assert!(close(d, e));
}

#[differentiate]
fn relu_norm(w: &[f64]) -> f64 {
    w.iter().filter(|x| **x > 0.0).map(|x| x * x).sum()
}

#[differentiate(wrt(w))]
fn filtered_data(w: f64, data: &[f64]) -> f64 {
    data.iter().filter(|&&x| x > 0.0).map(|x| x * w).product()
}

#[test]
fn filters() {
    let (v, g) = relu_norm_grad(&[1.0, -2.0, 3.0]);
    assert_eq!((v, g), (10.0, vec![2.0, 0.0, 6.0]));
    // (1 w)(3 w) = 3 w^2
    let (v, d) = filtered_data_grad(2.0, &[1.0, -2.0, 3.0]);
    assert_eq!((v, d), (12.0, 12.0));
}

#[differentiate]
fn log_sum_exp(w: &[f64]) -> f64 {
    let m = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = w.iter().map(|x| (x - m).exp()).sum();
    m + s.ln()
}

#[test]
fn log_sum_exp_gradient_is_softmax() {
    let w = [0.5, -1.0, 2.0, 1.5];
    let (v, g) = log_sum_exp_grad(&w);
    assert_eq!(v, log_sum_exp(&w));
    let z: f64 = w.iter().map(|x| x.exp()).sum();
    let softmax: Vec<f64> = w.iter().map(|x| x.exp() / z).collect();
    assert!(close_all(&g, &softmax), "{g:?} {softmax:?}");
}

#[differentiate]
fn weighted(w: &[f64], k: f64) -> f64 {
    w.iter().enumerate().map(|(i, x)| x * i as f64 * k).sum::<f64>() + w.iter().map(|x| x.sin()).product::<f64>()
}

#[differentiate]
fn nested_chains(a: &[f64], b: &[f64]) -> f64 {
    a.iter().map(|x| b.iter().map(|y| (x * y).tanh()).sum::<f64>()).sum()
}

#[test]
fn enumerate_product_and_nested_chains() {
    let w = [0.3, -0.7, 1.1];
    let (v, dw, dk) = weighted_grad(&w, 1.5);
    assert_eq!(v, weighted(&w, 1.5));
    let f = |x: &[Dual64]| {
        let s = x[0] * 0.0 + x[1] * 1.0 + x[2] * 2.0;
        s * x[3] + x[0].sin() * x[1].sin() * x[2].sin()
    };
    let e = dual_grad(&[0.3, -0.7, 1.1, 1.5], f).1;
    assert!(close_all(&dw, &e[..3]) && close(dk, e[3]), "{dw:?} {dk} {e:?}");

    let (a, b) = ([0.2, -0.4], [0.5, 1.5, -1.0]);
    let (v, da, db) = nested_chains_grad(&a, &b);
    assert_eq!(v, nested_chains(&a, &b));
    let f = |x: &[Dual64]| {
        let mut s = Dual64::from(0.0);
        for i in 0..2 {
            for j in 2..5 {
                s += (x[i] * x[j]).tanh();
            }
        }
        s
    };
    let e = dual_grad(&[0.2, -0.4, 0.5, 1.5, -1.0], f).1;
    assert!(close_all(&da, &e[..2]) && close_all(&db, &e[2..]), "{da:?} {db:?} {e:?}");
}

// A chain inside a loop that carries a value, and a chain over a local array.
#[differentiate]
fn chain_in_carried_loop(x: f64, c: &[f64]) -> f64 {
    let mut y = x;
    for _ in 0..3 {
        y = c.iter().map(|ci| (ci * y).sin()).sum::<f64>() * 0.5;
    }
    let h = [y, 2.0 * y];
    h.iter().map(|v| v * v).sum::<f64>()
}

#[test]
fn chains_in_loops_and_over_local_arrays() {
    let c = [0.5, -1.0];
    let (v, dx, dc) = chain_in_carried_loop_grad(0.8, &c);
    assert_eq!(v, chain_in_carried_loop(0.8, &c));
    let f = |x: &[Dual64]| {
        let mut y = x[0];
        for _ in 0..3 {
            y = ((x[1] * y).sin() + (x[2] * y).sin()) * 0.5;
        }
        y * y * 5.0
    };
    let e = dual_grad(&[0.8, 0.5, -1.0], f).1;
    assert!(close(dx, e[0]) && close_all(&dc, &e[1..]), "{dx} {dc:?} {e:?}");
}

#[differentiate]
fn lse_max_by(w: &[f64]) -> f64 {
    let m = w.iter().copied().max_by(|a, b| a.total_cmp(b)).unwrap();
    m + w.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

#[differentiate]
fn smallest_squared(w: &[f64]) -> f64 {
    let lo = w.iter().copied().min_by(|a, b| a.partial_cmp(b).unwrap()).expect("not empty");
    lo * lo
}

#[differentiate]
fn largest_by_path(w: &[f64]) -> f64 {
    w.iter().copied().max_by(f64::total_cmp).unwrap()
}

#[differentiate]
fn largest_by_reference(w: &[f64]) -> f64 {
    *w.iter().max_by(|a, b| a.total_cmp(b)).unwrap() * 2.0
}

#[differentiate]
fn reduced(w: &[f64]) -> f64 {
    w.iter().copied().reduce(|a, b| a * b + 1.0).unwrap_or(-1.0)
}

#[test]
fn max_by_min_by_and_reduce() {
    let w = [0.3, -1.2, 2.0, 0.5];
    let (v, d) = lse_max_by_grad(&w);
    assert_eq!(v, lse_max_by(&w));
    let z: f64 = w.iter().map(|x| x.exp()).sum();
    let softmax: Vec<f64> = w.iter().map(|x| x.exp() / z).collect();
    assert!(close_all(&d, &softmax), "{d:?} vs {softmax:?}");

    let (v, d) = smallest_squared_grad(&w);
    assert_eq!(v, smallest_squared(&w));
    assert_eq!(d, vec![0.0, -2.4, 0.0, 0.0]);

    // On a tie `max_by` keeps the later item, and so does its gradient; `min_by` the earlier.
    let tie = [1.0, 3.0, 3.0];
    let (v, d) = largest_by_path_grad(&tie);
    assert_eq!(v, 3.0);
    assert_eq!(d, vec![0.0, 0.0, 1.0]);
    let (v, d) = largest_by_reference_grad(&tie);
    assert_eq!(v, 6.0);
    assert_eq!(d, vec![0.0, 0.0, 2.0]);
    let (_, d) = smallest_squared_grad(&[2.0, 1.0, 1.0]);
    assert_eq!(d, vec![0.0, 2.0, 0.0]);

    // ((w0 w1 + 1) w2 + 1) w3 + 1
    let w = [0.5, -2.0, 1.5, 0.25];
    let (v, d) = reduced_grad(&w);
    assert_eq!(v, reduced(&w));
    let want = dual_grad(&w, |w| ((w[0] * w[1] + 1.0) * w[2] + 1.0) * w[3] + 1.0).1;
    assert!(close_all(&d, &want), "{d:?} vs {want:?}");
    assert_eq!(reduced_grad(&[]), (-1.0, vec![]));
}

#[test]
#[should_panic(expected = "not empty")]
fn min_by_of_nothing_panics_as_expect_does() {
    let _ = smallest_squared_grad(&[]);
}

#[differentiate]
fn collected(w: &[f64], x: &[f64]) -> f64 {
    let h: Vec<f64> = w.iter().zip(x).map(|(a, b)| (a * b).tanh()).collect();
    h.iter().sum::<f64>() + h[0] * h[1]
}

#[differentiate(wrt(k))]
fn collected_from_a_range(k: f64, n: usize) -> f64 {
    let p = (0..n).map(|i| k * i as f64).collect::<Vec<f64>>();
    let mut s = 0.0;
    for v in &p {
        s += v.sin();
    }
    s * p[1]
}

#[test]
fn collect_into_a_buffer() {
    let (w, x) = ([0.3, -0.7, 1.1], [1.5, 0.2, -0.4]);
    let (v, dw, dx) = collected_grad(&w, &x);
    assert_eq!(v, collected(&w, &x));
    let all: Vec<f64> = w.iter().chain(&x).copied().collect();
    let f = |p: &[Dual64]| {
        let h: Vec<Dual64> = (0..3).map(|i| (p[i] * p[3 + i]).tanh()).collect();
        h[0] + h[1] + h[2] + h[0] * h[1]
    };
    let want = dual_grad(&all, f).1;
    assert!(close_all(&dw, &want[..3]), "{dw:?} vs {:?}", &want[..3]);
    assert!(close_all(&dx, &want[3..]), "{dx:?} vs {:?}", &want[3..]);

    // s = sum_i sin(k i), times p[1] = k
    let (k, n) = (0.4, 4);
    let (v, dk) = collected_from_a_range_grad(k, n);
    assert_eq!(v, collected_from_a_range(k, n));
    let s: f64 = (0..n).map(|i| (k * i as f64).sin()).sum();
    let ds: f64 = (0..n).map(|i| i as f64 * (k * i as f64).cos()).sum();
    assert!(close(dk, s + k * ds), "{dk} vs {}", s + k * ds);
}

#[differentiate]
fn adapted(w: &[f64], x: &[f64]) -> f64 {
    let mut horner = 0.0;
    for c in w.iter().rev() {
        horner = horner * 0.5 + c;
    }
    let diffs: f64 = w.iter().skip(1).zip(w).map(|(b, a)| (b - a).powi(2)).sum();
    let head: f64 = x.iter().take(2).map(|v| v * v).sum();
    let evens: f64 = x.iter().enumerate().step_by(2).map(|(i, v)| v * i as f64).sum();
    let tail: f64 = w.iter().zip(x.iter().rev().skip(1)).map(|(a, b)| a * b).sum();
    horner + diffs + head + evens + tail
}

#[test]
fn rev_skip_take_step_by_over_differentiated_slices() {
    let (w, x) = ([0.3, -0.7, 1.1, 0.25], [1.5, 0.2, -0.4, 0.9, 2.0]);
    let (v, dw, dx) = adapted_grad(&w, &x);
    assert_eq!(v, adapted(&w, &x));
    let all: Vec<f64> = w.iter().chain(&x).copied().collect();
    let f = |p: &[Dual64]| {
        let (w, x) = (&p[..4], &p[4..]);
        let mut horner = Dual64::from(0.0);
        for c in w.iter().rev() {
            horner = horner * 0.5 + c;
        }
        let diffs = (1..4).fold(Dual64::from(0.0), |s, i| s + (w[i] - w[i - 1]).powi(2));
        let head = x[0] * x[0] + x[1] * x[1];
        let evens = x[2] * 2.0 + x[4] * 4.0;
        let tail = (0..4).fold(Dual64::from(0.0), |s, i| s + w[i] * x[3 - i]);
        horner + diffs + head + evens + tail
    };
    let want = dual_grad(&all, f).1;
    assert!(close_all(&dw, &want[..4]), "{dw:?} vs {:?}", &want[..4]);
    assert!(close_all(&dx, &want[4..]), "{dx:?} vs {:?}", &want[4..]);
    // Empty slices: no position is computed, nothing underflows.
    assert_eq!(adapted_grad(&[], &[]), (0.0, vec![], vec![]));
}

/// Keeps the residuals the data marks as inliers, then reads them back by position, by iteration
/// and by length: the buffer grows by `push` in the loop the chain means.
#[differentiate(wrt(w, b))]
fn inlier_loss(w: f64, b: f64, x: &[f64], y: &[f64], inlier: &[bool]) -> f64 {
    let r: Vec<f64> =
        x.iter().zip(y).enumerate().filter(|(i, _)| inlier[*i]).map(|(_, (xi, yi))| w * xi + b - yi).collect();
    let n = r.len() as f64;
    let sq: f64 = r.iter().map(|v| v * v).sum();
    sq / n + r[0] * r[r.len() - 1]
}

#[differentiate(wrt(w))]
fn positive_part(w: &[f64]) -> f64 {
    let kept: Vec<f64> = w.iter().filter(|v| **v > 0.0).map(|v| v.sqrt()).collect();
    let mut s = 0.0;
    for (i, k) in kept.iter().enumerate() {
        s += k * (i + 1) as f64;
    }
    s
}

#[test]
fn filter_then_collect() {
    let (x, y) = ([0.5, 1.0, -2.0, 3.0, 0.25], [1.0, 2.5, 0.0, 5.0, -1.0]);
    let inlier = [true, false, true, true, false];
    let (w, b) = (1.3, -0.4);
    let (v, dw, db) = inlier_loss_grad(w, b, &x, &y, &inlier);
    assert_eq!(v, inlier_loss(w, b, &x, &y, &inlier));
    let f = |p: &[Dual64]| {
        let r: Vec<Dual64> = (0..5).filter(|&i| inlier[i]).map(|i| p[0] * x[i] + p[1] - y[i]).collect();
        let sq = r.iter().fold(Dual64::from(0.0), |s, v| s + v * v);
        sq / r.len() as f64 + r[0] * r[r.len() - 1]
    };
    let want = dual_grad(&[w, b], f).1;
    assert!(close(dw, want[0]) && close(db, want[1]), "{dw} {db} vs {want:?}");

    // the kept elements' gradient: (rank of the kept element) / (2 sqrt(w_i)); 0 elsewhere
    let w = [0.5, -1.0, 2.0, 0.0, 4.0];
    let (v, dw) = positive_part_grad(&w);
    assert_eq!(v, positive_part(&w));
    let want = [1.0 / (2.0 * 0.5f64.sqrt()), 0.0, 2.0 / (2.0 * 2.0f64.sqrt()), 0.0, 3.0 / (2.0 * 2.0)];
    assert!(close_all(&dw, &want), "{dw:?} vs {want:?}");
}

// Folds with a tuple accumulator: one accumulator per element, every element computed from the
// old tuple; the closure may end with an `if`/`else` of tuples, and the fold may run in a loop.
#[differentiate(hessian)]
fn mean_and_variance(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (s, s2) = xs.iter().fold((0.0, 0.0), |(s, s2), &x| (s + x, s2 + x * x));
    s2 / n - (s / n) * (s / n) + s / n
}

#[differentiate]
fn weighted_mean(w: &[f64], xs: &[f64]) -> f64 {
    let (sw, swx) = xs.iter().zip(w).fold((0.0, 0.0), |(a, b), (&x, &wi)| {
        let t = wi * x;
        (a + wi, b + t)
    });
    swx / sw
}

#[differentiate]
fn recurrence_in_loop(w: &[f64], c: f64) -> f64 {
    let mut tot = 0.0;
    for k in 0..3 {
        let (mut p, q) = w.iter().enumerate().fold((c, f64::from(k)), |(p, q), (i, x)| {
            if i % 2 == 0 { (p.max(*x), q + x * p) } else { (p * 0.5, q.sin() + x) }
        });
        p += 1.0;
        tot += p * q;
    }
    tot
}

#[test]
fn folds_with_tuple_accumulators() {
    let xs = [0.3, -1.2, 2.0, 0.7];
    let (v, g) = mean_and_variance_grad(&xs);
    assert_eq!(v, mean_and_variance(&xs));
    let f = |x: &[Dual64]| {
        let n = x.len() as f64;
        let (s, s2) = x.iter().fold((Dual64::from(0.0), Dual64::from(0.0)), |(s, s2), &x| (s + x, s2 + x * x));
        s2 / n - (s / n) * (s / n) + s / n
    };
    let e = dual_grad(&xs, f).1;
    assert!(close_all(&g, &e), "{g:?} {e:?}");
    // d²/dxi dxj of the (biased) variance: (δij - 1/n) 2/n
    let (_, _, h) = mean_and_variance_hessian(&xs);
    for (i, row) in h.iter().enumerate() {
        for (j, hij) in row.iter().enumerate() {
            let want = (f64::from(u8::from(i == j)) - 0.25) * 0.5;
            assert!(close(*hij, want), "h[{i}][{j}] = {hij}, want {want}");
        }
    }

    let w = [0.5, 1.5, 0.2, 0.9];
    let (v, dw, dx) = weighted_mean_grad(&w, &xs);
    assert_eq!(v, weighted_mean(&w, &xs));
    let f = |z: &[Dual64]| {
        let (sw, swx) =
            (0..4).fold((Dual64::from(0.0), Dual64::from(0.0)), |(a, b), i| (a + z[i], b + z[i] * z[4 + i]));
        swx / sw
    };
    let e = dual_grad(&[w, xs].concat(), f).1;
    assert!(close_all(&dw, &e[..4]) && close_all(&dx, &e[4..]), "{dw:?} {dx:?} {e:?}");

    let (v, dw, dc) = recurrence_in_loop_grad(&w, 0.7);
    assert_eq!(v, recurrence_in_loop(&w, 0.7));
    let f = |z: &[Dual64]| {
        let mut tot = Dual64::from(0.0);
        for k in 0..3 {
            let (mut p, q) = z[..4].iter().enumerate().fold((z[4], Dual64::from(f64::from(k))), |(p, q), (i, &x)| {
                if i % 2 == 0 { (if x > p { x } else { p }, q + x * p) } else { (p * 0.5, q.sin() + x) }
            });
            p += 1.0;
            tot += p * q;
        }
        tot
    };
    let e = dual_grad(&[0.5, 1.5, 0.2, 0.9, 0.7], f).1;
    assert!(close_all(&dw, &e[..4]) && close(dc, e[4]), "{dw:?} {dc} {e:?}");
}
