use gradmacro::differentiate;

fn total(v: [f64; 2]) -> f64 {
    v[0] + v[1]
}

#[differentiate]
fn f(w: [f64; 2]) -> f64 {
    let v = w;
    total(v)
}

fn main() {}
