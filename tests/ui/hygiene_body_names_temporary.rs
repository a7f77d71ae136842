use gradmacro::differentiate;

#[differentiate]
fn f(a: f64, x: f64) -> f64 {
    let q = a * x;
    q.tanh() + __d1
}

fn main() {}
