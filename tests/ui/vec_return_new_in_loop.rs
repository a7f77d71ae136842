use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> Vec<f64> {
    let mut s = x;
    for _ in 0..n {
        s = s.sin();
        if s < 0.1 {
            return vec![s, x];
        }
    }
    vec![s]
}

fn main() {}
