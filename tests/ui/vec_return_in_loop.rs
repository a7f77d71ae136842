use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> Vec<f64> {
    for i in 0..n {
        let r = vec![x; 2];
        if i == 2 {
            return r;
        }
    }
    vec![x]
}

fn main() {}
