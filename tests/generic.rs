use gradmacro::differentiate;
use num_traits::{Float, FloatConst};

#[differentiate(forward)]
fn neuron<F: Float>(a: F, b: F, c: F, x: F, y: F) -> F {
    let z = a * x + b * y + c;
    F::one() / (F::one() + (-z).exp())
}

#[differentiate]
fn rosen<F: num_traits::Float>(xs: &[F]) -> F {
    let mut s = F::zero();
    for i in 0..xs.len() - 1 {
        let t = xs[i + 1] - xs[i] * xs[i];
        let u = F::one() - xs[i];
        s = s + F::from(100.0).unwrap() * t * t + u * u;
    }
    s
}

#[differentiate]
fn misc<F>(x: F, y: F) -> F
where
    F: Float + FloatConst + core::fmt::Debug,
{
    let mut acc = F::zero();
    for i in 1..4 {
        let k = F::from(i).unwrap();
        if x > y {
            acc = acc + (k * x).sin() * F::PI();
        } else {
            acc = acc + y.powi(i) / k;
        }
    }
    acc + x.sqrt() * F::from(0.5).unwrap() + x.max(y) + F::sin(y) + x.exp2()
}

#[test]
fn smoke() {
    let (v, ga, _, _, _, _) = neuron_grad(0.5f32, 0.2, 0.1, 1.0, 2.0);
    let (v64, ga64, ..) = neuron_grad(0.5f64, 0.2, 0.1, 1.0, 2.0);
    println!("{v} {ga} {v64} {ga64}");
    println!("{:?}", rosen_grad(&[1.0f32, 2.0, 3.0]));
    println!("{:?}", misc_grad(1.0f32, 2.0));
    println!("{:?}", misc_grad(2.0f64, 1.0));
}
