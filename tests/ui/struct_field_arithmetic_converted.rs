// The macro cannot see a struct's field types: `(s.n / s.m) as f64` may be an integer division,
// `f64::from(s.w * s.w)` an `f32` product. Computing either in the function's float type would
// give another value and gradient, so converting an expression over fields is an error (a bare
// field converts: `s.n as f64`, `f64::from(s.w)`).
use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct S {
    pub x: f64,
    pub n: usize,
    pub m: usize,
    pub w: f32,
}

#[differentiate(wrt(s))]
fn ratio(s: &S) -> f64 {
    s.x * (s.n / s.m) as f64
}

#[differentiate(wrt(s))]
fn square(s: &S) -> f64 {
    f64::from(s.w * s.w) * s.x + s.w.sin() as f64
}

#[differentiate(wrt(s))]
fn untyped_index(s: &S) -> f64 {
    let m = s.n;
    s.x * [1.0, 2.0, 3.0][m - 1]
}

fn main() {}
