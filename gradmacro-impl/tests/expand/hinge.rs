#[differentiate(wrt(a, b, c))]
fn svm_loss(a: f64, b: f64, c: f64, points: &[[f64; 2]], labels: &[f64]) -> f64 {
    // The guide's SVM: after the hinge's `max` rule, `if !tie(d, 0.0) { ... }` skips the
    // backward work of the points whose margin is not positive.
    let mut loss = 0.5 * (a * a + b * b);
    for i in 0..points.len() {
        let score = a * points[i][0] + b * points[i][1] + c;
        loss += (-labels[i] * score + 1.0).max(0.0);
    }
    loss
}
