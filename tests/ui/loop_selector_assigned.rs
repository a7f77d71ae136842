// Rust evaluates a loop's iterator once: `for a in ps[i].v.iter() { i = 1; }` walks `ps[0].v`.
// The macro's index loop would read `ps[i]` in every iteration, so assigning the selector in the
// loop is an error, never a walk over another array.
use gradmacro::{Differentiable, differentiate};

#[derive(Differentiable, Clone)]
pub struct P {
    pub v: [f64; 3],
}

#[differentiate(wrt(ps))]
fn field_row(ps: &[P]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    for a in ps[i].v.iter() {
        s += a * a;
        i = 1;
    }
    s + ps[i].v[0]
}

#[differentiate(wrt(w))]
fn nested_row(w: &[[f64; 2]]) -> f64 {
    let mut j = 0;
    w[j].iter().map(|a| {
        j += 1;
        a * a
    }).sum()
}

fn main() {}
