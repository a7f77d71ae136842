use gradmacro::differentiate;

#[differentiate]
fn norm2(p: (f64, f64)) -> f64 {
    p.0 * p.0 + p.1 * p.1
}

#[differentiate]
fn passed(p: (f64, f64)) -> f64 {
    norm2(p) * 2.0
}

#[differentiate]
fn copied(p: (f64, f64)) -> f64 {
    let q = p;
    q.0
}

fn main() {}
