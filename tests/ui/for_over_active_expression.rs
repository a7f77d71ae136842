use gradmacro::differentiate;

#[differentiate]
fn f(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in w.rchunks(2) {
        s += v[0] * v[1];
    }
    s
}

fn main() {}
