use gradmacro::differentiate;

#[differentiate]
fn in_loop_body(x: f64) -> f64 {
    let mut total = 0.0;
    for _ in 0..2 {
        let mut h = [0.0; 2];
        h[0] = x * x;
        h[1] = x;
        total += h[0] + h[1];
    }
    total
}

#[test]
fn smoke5() {
    let (v, dx) = in_loop_body_grad(3.0);
    assert_eq!(v, 24.0);
    assert_eq!(dx, 14.0);
}
