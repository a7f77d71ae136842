use gradmacro::differentiate;

#[derive(gradmacro::Differentiable, Clone)]
struct P {
    a: f64,
}

#[differentiate]
fn pair(x: f64) -> [f64; 2] {
    [x, x * x]
}

// A vector-valued callee: not yet under `hessian`.
#[differentiate(hessian)]
fn vector_call(x: f64) -> f64 {
    let r = pair(x);
    r[0] * r[1]
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
    let _ = (vector_call(1.0), vector(1.0), structs(&P { a: 1.0 }), args(1.0));
    let _ = structs_hessian(&P { a: 1.0 });
}
