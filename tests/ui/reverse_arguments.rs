use gradmacro::differentiate;

// `reverse` (keep the backward pass where `f_grad` would run in forward mode) takes no
// arguments, and is given once.
#[differentiate(reverse = true)]
fn f(x: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin();
    }
    y
}

#[differentiate(reverse, wrt(x), reverse)]
fn g(x: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin();
    }
    y
}

fn main() {}
