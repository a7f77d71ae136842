//! A recomputable loop that writes the same element of a local array in two iterations: only the
//! last write reaches the result, so only its inputs get a gradient.

use gradmacro::differentiate;

#[differentiate]
fn overwrite(w: &[f64; 3], x: f64) -> f64 {
    let mut h = [0.0; 2];
    for k in 0..3 {
        h[k % 2] = (w[k] * x).tanh();
    }
    h[0] + h[1]
}

#[test]
fn overwritten_element_gets_no_gradient() {
    let w = [0.3, -0.7, 0.9];
    let x = 1.3;
    let (value, dw, dx) = overwrite_grad(&w, x);
    assert_eq!(value.to_bits(), overwrite(&w, x).to_bits());
    let sech2 = |t: f64| 1.0 - t.tanh() * t.tanh();
    let expected_dw = [0.0, x * sech2(w[1] * x), x * sech2(w[2] * x)];
    let expected_dx = w[1] * sech2(w[1] * x) + w[2] * sech2(w[2] * x);
    for (got, want) in dw.iter().zip(expected_dw) {
        approx::assert_relative_eq!(*got, want, epsilon = 1e-12);
    }
    approx::assert_relative_eq!(dx, expected_dx, epsilon = 1e-12);
}
