use gradmacro::differentiate;

#[differentiate]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    let q = a * x + b * y + c;
    1.0 / (1.0 + (-q).exp())
}

#[differentiate]
fn looped(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y.sin() * k + x;
    }
    y
}

#[differentiate]
fn svm(a: f64, b: f64, c: f64, data: &[[f64; 2]], labels: &[f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..data.len() {
        let s = a * data[i][0] + b * data[i][1] + c;
        let m = -labels[i] * s + 1.0;
        if m > 0.0 {
            loss += m;
        }
    }
    loss + 0.5 * (a * a + b * b)
}

#[differentiate]
fn chain(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        s += x[i] * x[i + 1] + x[i].sin();
    }
    s
}

#[test]
fn smoke() {
    let (v, da, db, dc, dx, dy) = neuron_grad(1.0, 2.0, -3.0, -1.0, 3.0);
    assert_eq!(v, neuron(1.0, 2.0, -3.0, -1.0, 3.0));
    println!("{v} {da} {db} {dc} {dx} {dy}");
    let (v, dx, dk) = looped_grad(0.3, 0.7);
    let h = 1e-6;
    println!(
        "{v} {dx} {} {dk} {}",
        (looped(0.3 + h, 0.7) - looped(0.3 - h, 0.7)) / 2e-6,
        (looped(0.3, 0.7 + h) - looped(0.3, 0.7 - h)) / 2e-6
    );
    let data = [[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1]];
    let labels = [1.0, -1.0, 1.0];
    println!("{:?}", svm_grad(1.0, -2.0, -1.0, &data, &labels));
    println!("{:?}", chain_grad(&[1.0, 2.0, 3.0]));
}
