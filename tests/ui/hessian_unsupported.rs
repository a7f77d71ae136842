use gradmacro::differentiate;

#[derive(gradmacro::Differentiable, Clone)]
struct P {
    a: f64,
}

#[differentiate]
fn inner(x: f64) -> f64 {
    x.sin()
}

// A call to another differentiated function: not yet under `hessian`.
#[differentiate(hessian)]
fn calls(x: f64) -> f64 {
    inner(x) * x
}

// A vector output.
#[differentiate(hessian)]
fn vector(x: f64) -> [f64; 2] {
    [x, x * x]
}

// A struct parameter.
#[differentiate(wrt(p), hessian)]
fn structs(p: &P) -> f64 {
    p.a * p.a
}

#[differentiate(hessian(x), hessian)]
fn args(x: f64) -> f64 {
    x
}

fn main() {
    let _ = (calls(1.0), vector(1.0), structs(&P { a: 1.0 }), args(1.0));
    let _ = (calls_hvp(1.0, 1.0), structs_hessian(&P { a: 1.0 }));
}
