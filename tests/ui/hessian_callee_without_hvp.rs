use gradmacro::differentiate;

// `inner` has `inner_grad` but no `inner_hvp`: `outer_hvp` goes through it, so the error names
// the companion at the user's call (make `inner` `#[differentiate(hessian)]`, or write
// `inner_hvp` by hand).
#[differentiate]
fn inner(x: f64) -> f64 {
    x.sin()
}

#[differentiate(hessian)]
fn outer(x: f64) -> f64 {
    inner(x) * x
}

fn main() {
    let _ = outer_hvp(1.0, 1.0);
}
