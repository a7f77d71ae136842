#[differentiate(wrt(p))]
fn residuals(p: &[f64], xs: &[f64], ys: &[f64]) -> Vec<f64> {
    // A residual vector whose length is the data's: `f_vjp` seeds the collected buffer's
    // adjoint; `f_jacobian` runs forward and backward once per residual.
    xs.iter().zip(ys).map(|(x, y)| p[0] * (p[1] * x).exp() - y).collect()
}
