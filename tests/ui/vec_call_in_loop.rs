use gradmacro::differentiate;

#[differentiate]
fn g(x: f64, n: usize) -> Vec<f64> {
    vec![x; n]
}

#[differentiate]
fn f(x: f64) -> f64 {
    let mut s = 0.0;
    for n in 1..3 {
        let r: Vec<f64> = g(x, n);
        s += r[0];
    }
    s
}

fn main() {}
