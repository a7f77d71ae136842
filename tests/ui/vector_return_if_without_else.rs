//! An `if` without `else` returned from a function with a vector output: a spanned error (the
//! macro once recursed on it until the stack overflowed).
use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> [f64; 2] {
    return if x > 0.0 { [x, x] };
}

fn main() {}
