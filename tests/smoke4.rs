use gradmacro::differentiate;

#[differentiate]
fn affine_carry(v: [f64; 3], x: f64) -> f64 {
    let mut row = x;
    for j in 0..3 {
        row = row * 0.5 + v[j];
    }
    row
}

#[differentiate]
fn moving(xs: &[f64], a: f64) -> f64 {
    let mut s = 0.0;
    for x in xs.iter() {
        s = 0.5 * s + x * a;
    }
    s
}

#[differentiate]
fn early_iter(a: f64) -> f64 {
    let mut s = a;
    for i in 1..=10 {
        s = s * 0.5 + (i as f64) * a;
        if s > 3.0 {
            break;
        }
    }
    s
}

#[test]
fn smoke4() {
    let (_, dv, dx) = affine_carry_grad([1.0, 2.0, 3.0], 1.0);
    assert_eq!(dv, [0.25, 0.5, 1.0]);
    assert_eq!(dx, 0.125);
    let (_, dxs, da) = moving_grad(&[1.0, 2.0], 0.7);
    println!("{dxs:?} {da}");
    assert!((dxs[0] - 0.35).abs() < 1e-12 && (dxs[1] - 0.7).abs() < 1e-12);
    let (_, da) = early_iter_grad(0.2);
    let fd = (early_iter(0.2 + 1e-6) - early_iter(0.2 - 1e-6)) / 2e-6;
    println!("{da} {fd}");
    assert!((da - fd).abs() < 1e-6);
}
