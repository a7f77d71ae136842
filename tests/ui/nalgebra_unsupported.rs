// nalgebra vectors: what the rewrite into arrays cannot follow is an error spanned on it, and
// `f` itself still compiles (its callers keep working).
use gradmacro::differentiate;
use nalgebra::{DVector, Vector3};

fn helper(v: Vector3<f64>) -> f64 {
    v.x
}

#[differentiate]
fn passed_whole(p: Vector3<f64>) -> f64 {
    helper(p) + p.amax()
}

#[differentiate]
fn dynamic_arithmetic(a: &DVector<f64>, b: &DVector<f64>) -> f64 {
    let d = a - b;
    d.norm()
}

#[differentiate]
fn generic_length<const N: usize>(p: nalgebra::SVector<f64, 3>, x: [f64; N]) -> f64 {
    p.norm() + x[0]
}

fn main() {
    let p = Vector3::new(1.0, 2.0, 3.0);
    let _ = passed_whole(p);
    let _ = passed_whole_grad(p);
    let a = DVector::from_vec(vec![1.0]);
    let _ = dynamic_arithmetic_grad(&a, &a);
    let _ = generic_length(p, [1.0]);
}
