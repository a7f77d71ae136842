//! Property tests: at random points, the gradient of a set of smooth (or piecewise smooth, away
//! from their kinks) functions matches central finite differences of the original function,
//! within a tolerance scaled to the gradient's magnitude, and the value is bit-identical.

mod common;

use common::fd;
use gradmacro::differentiate;
use proptest::prelude::*;

/// `got` matches finite differences of `f` at `x`, with a tolerance relative to the largest
/// component of the gradient.
fn matches_fd(f: impl Fn(&[f64]) -> f64, x: &[f64], got: &[f64]) -> Result<(), TestCaseError> {
    let want = fd(f, x);
    prop_assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(1.0_f64, |m, w| m.max(w.abs()));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        prop_assert!(
            (g - w).abs() <= 1e-6 * scale,
            "component {} at {:?}: gradient {:e}, finite differences {:e}",
            i,
            x,
            g,
            w
        );
    }
    Ok(())
}

#[differentiate]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    let q = a * x + b * y + c;
    1.0 / (1.0 + (-q).exp())
}

#[differentiate]
fn polynomial(x: f64, y: f64) -> f64 {
    let p = ((3.0 * x - 2.0) * x + 0.5) * x * x + x - 5.0;
    p + x * x * y - 4.0 * y.powi(3) + x.mul_add(y, 1.0)
}

#[differentiate]
fn carried(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate(wrt(w))]
fn slice_loss(w: &[f64], data: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut loss = 0.0;
    for (i, point) in data.iter().enumerate() {
        let mut s = 0.0;
        for (j, wj) in w.iter().enumerate() {
            s += wj * (point[0] * j as f64 + point[1]).cos();
        }
        let r = s - labels[i];
        loss += r * r;
    }
    loss / data.len() as f64
}

#[differentiate]
fn log_sum_exp(x: &[f64]) -> f64 {
    let mut m = x[0];
    for &v in x {
        m = m.max(v);
    }
    let mut s = 0.0;
    for v in x.iter() {
        s += (v - m).exp();
    }
    m + s.ln()
}

#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

#[differentiate]
fn branchy(x: f64, y: f64) -> f64 {
    let base = if x > y {
        x * y + x.abs()
    } else if x < -1.0 {
        (x - y).exp()
    } else {
        y.tanh() - x * 0.5
    };
    base + x.max(y) * 2.0 + (x - 0.5).abs()
}

#[differentiate]
fn geometry(a: f64, b: f64, c: f64) -> f64 {
    a.atan2(b) * c.hypot(a) + (a * b - c).tanh() + (c * c + 1.0).ln() * b.sinh()
}

fn data_strategy() -> impl Strategy<Value = (Vec<[f64; 2]>, Vec<f64>)> {
    (1usize..6).prop_flat_map(|n| {
        (prop::collection::vec(prop::array::uniform2(-2.0..2.0f64), n), prop::collection::vec(-1.0..1.0f64, n))
    })
}

proptest! {
    #[test]
    fn neuron_matches_fd(p in prop::array::uniform5(-3.0..3.0f64)) {
        let [a, b, c, x, y] = p;
        let (v, da, db, dc, dx, dy) = neuron_grad(a, b, c, x, y);
        prop_assert_eq!(v.to_bits(), neuron(a, b, c, x, y).to_bits());
        matches_fd(|q| neuron(q[0], q[1], q[2], q[3], q[4]), &p, &[da, db, dc, dx, dy])?;
    }

    #[test]
    fn polynomial_matches_fd(x in -3.0..3.0f64, y in -3.0..3.0f64) {
        let (v, dx, dy) = polynomial_grad(x, y);
        prop_assert_eq!(v.to_bits(), polynomial(x, y).to_bits());
        matches_fd(|q| polynomial(q[0], q[1]), &[x, y], &[dx, dy])?;
    }

    #[test]
    fn carried_matches_fd(x in -2.0..2.0f64, k in -0.9..0.9f64) {
        let (v, dx, dk) = carried_grad(x, k);
        prop_assert_eq!(v.to_bits(), carried(x, k).to_bits());
        matches_fd(|q| carried(q[0], q[1]), &[x, k], &[dx, dk])?;
    }

    #[test]
    fn slice_loss_matches_fd(
        w in prop::collection::vec(-2.0..2.0f64, 1..6),
        (data, labels) in data_strategy(),
    ) {
        let (v, dw) = slice_loss_grad(&w, &data, &labels);
        prop_assert_eq!(v.to_bits(), slice_loss(&w, &data, &labels).to_bits());
        matches_fd(|q| slice_loss(q, &data, &labels), &w, &dw)?;
    }

    #[test]
    fn log_sum_exp_matches_fd(x in prop::collection::vec(-5.0..5.0f64, 1..8)) {
        // The max over the inputs is a kink when two of them are (nearly) equal; the function
        // itself is smooth, but stay clear of ties so that the finite difference is not across
        // one. Its total gradient sums to 1 whatever the max.
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        prop_assume!(sorted.windows(2).all(|p| p[1] - p[0] > 1e-3));
        let (v, dx) = log_sum_exp_grad(&x);
        prop_assert_eq!(v.to_bits(), log_sum_exp(&x).to_bits());
        matches_fd(log_sum_exp, &x, &dx)?;
    }

    #[test]
    fn rosenbrock_matches_fd(x in prop::collection::vec(-2.0..2.0f64, 2..7)) {
        let (v, dx) = rosenbrock_grad(&x);
        prop_assert_eq!(v.to_bits(), rosenbrock(&x).to_bits());
        matches_fd(rosenbrock, &x, &dx)?;
    }

    #[test]
    fn branchy_matches_fd_away_from_kinks(x in -3.0..3.0f64, y in -3.0..3.0f64) {
        prop_assume!((x - y).abs() > 1e-3);
        prop_assume!((x + 1.0).abs() > 1e-3);
        prop_assume!(x.abs() > 1e-3);
        prop_assume!((x - 0.5).abs() > 1e-3);
        let (v, dx, dy) = branchy_grad(x, y);
        prop_assert_eq!(v.to_bits(), branchy(x, y).to_bits());
        matches_fd(|q| branchy(q[0], q[1]), &[x, y], &[dx, dy])?;
    }

    #[test]
    fn geometry_matches_fd(p in prop::array::uniform3(-2.0..2.0f64)) {
        let [a, b, c] = p;
        // atan2 jumps across the negative b axis, and hypot has a cone point at the origin.
        prop_assume!(b > 1e-2 || a.abs() > 1e-2);
        prop_assume!(c.hypot(a) > 1e-2);
        let (v, da, db, dc) = geometry_grad(a, b, c);
        prop_assert_eq!(v.to_bits(), geometry(a, b, c).to_bits());
        matches_fd(|q| geometry(q[0], q[1], q[2]), &p, &[da, db, dc])?;
    }
}
