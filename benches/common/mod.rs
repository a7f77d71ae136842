//! What both benchmark suites share: criterion's settings and num-dual's per-input forward mode.

use std::time::Duration;

use criterion::Criterion;
use num_dual::Dual64;

/// 500 ms warm-up, 2 s measurement, 50 samples.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// Forward mode with one `Dual64` pass per input: for inputs too many for `DualSVec64`.
pub fn dual_per_input_grad(x: &[f64], f: impl Fn(&[Dual64]) -> Dual64) -> (f64, Vec<f64>) {
    let mut v: Vec<Dual64> = x.iter().map(|&xi| Dual64::from_re(xi)).collect();
    let mut grad = vec![0.0; x.len()];
    let mut value = f64::NAN;
    for i in 0..x.len() {
        v[i].eps = 1.0;
        let r = f(&v);
        v[i].eps = 0.0;
        grad[i] = r.eps;
        value = r.re;
    }
    (value, grad)
}
