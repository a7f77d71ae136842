// Names bound out of something computed from a differentiated value by plain code would be
// constants: each such pattern is an error (the element forms `w.last()`, `w.get(i)` are
// differentiated, see tests/patterns.rs).
use gradmacro::differentiate;

#[differentiate]
fn max_elem(w: &[f64]) -> f64 {
    if let Some(m) = w.iter().copied().reduce(f64::max) { m * 2.0 } else { 0.0 }
}

#[differentiate]
fn pair(w: &[f64]) -> f64 {
    match w {
        [a, b] => a * b,
        _ => 0.0,
    }
}

#[differentiate]
fn wrapped(x: f64) -> f64 {
    let o = Some(x);
    if o.is_some() { x } else { 0.0 }
}

fn main() {}
