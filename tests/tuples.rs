//! Tuple parameters of floats (issue 12): `p: (f64, f64)` (or `&(f64, f64)`) is active like an
//! array, read by field (`p.0`) or destructured (`let (x, y) = p;`); its gradient is the same
//! tuple. Values bit for bit against the function, gradients against closed forms.

#![allow(clippy::float_cmp)]

mod common;

use common::{assert_exact, assert_same_value};
use gradmacro::differentiate;

#[differentiate]
fn spring(p: (f64, f64), k: f64) -> f64 {
    0.5 * k * (p.0 * p.0 + p.1 * p.1)
}

#[differentiate(wrt(q))]
fn angle(q: &(f64, f64, f64), w: f64) -> f64 {
    let (x, y, z) = q;
    let s = if *x > 0.0 { 1.0 } else { -1.0 };
    x.atan2(*y) * w * s + z.exp()
}

#[differentiate]
fn in_loop(p: (f64, f64), data: &[f64]) -> f64 {
    let mut s = 0.0;
    for d in data {
        s += (p.0 * d + p.1).powi(2);
    }
    s
}

#[test]
fn tuple_parameters_get_tuple_gradients() {
    let (v, (d0, d1), dk) = spring_grad((1.5, -2.0), 3.0);
    assert_same_value("spring", v, spring((1.5, -2.0), 3.0));
    assert_exact("spring d0", d0, 4.5);
    assert_exact("spring d1", d1, -6.0);
    assert_exact("spring dk", dk, 0.5 * (2.25 + 4.0));

    let q = (0.3, 1.2, -0.5);
    let (v, (dx, dy, dz)) = angle_grad(&q, 2.0);
    assert_same_value("angle", v, angle(&q, 2.0));
    let r2 = q.0 * q.0 + q.1 * q.1;
    assert_exact("angle dx", dx, 2.0 * q.1 / r2);
    assert_exact("angle dy", dy, -2.0 * q.0 / r2);
    assert_exact("angle dz", dz, q.2.exp());

    let data = [1.0, -0.5, 2.0];
    let (v, (da, db), dd) = in_loop_grad((0.7, 0.2), &data);
    assert_same_value("in_loop", v, in_loop((0.7, 0.2), &data));
    let (mut wa, mut wb) = (0.0, 0.0);
    for (i, d) in data.iter().enumerate() {
        let r = 0.7 * d + 0.2;
        wa += 2.0 * r * d;
        wb += 2.0 * r;
        assert_exact("in_loop dd", dd[i], 2.0 * r * 0.7);
    }
    assert_exact("in_loop da", da, wa);
    assert_exact("in_loop db", db, wb);
}
