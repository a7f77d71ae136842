use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for k in 0..n {
        if k % 2 == 0 {
            let mut h = vec![x; k + 1];
            h[0] *= x;
            s += h[0];
        }
    }
    s
}

fn main() {}
