#[differentiate(forward)]
fn hinge<F: num_traits::Float>(w: &[F], x: &[F], y: F) -> F {
    let mut s = F::zero();
    for i in 0..w.len() {
        s = s + w[i] * x[i];
    }
    (F::one() - y * s).max(F::zero()) + F::from(0.5).unwrap() * s.powi(2)
}
