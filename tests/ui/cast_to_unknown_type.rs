use gradmacro::differentiate;

type Real = f64;

// `Real` may be a float: a cast to it is neither a float gate nor a constant the macro can prove.
#[differentiate]
fn f(w: f64) -> f64 {
    let r = w as Real;
    r * 2.0
}

fn main() {}
