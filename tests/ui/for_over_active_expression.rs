use gradmacro::differentiate;

#[differentiate]
fn f(w: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in w.iter().rev() {
        s += v * v;
    }
    s
}

fn main() {}
