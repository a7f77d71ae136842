use gradmacro::differentiate;

// `checkpoint` takes no arguments (the segment length is ⌈√n⌉), and is given once.
#[differentiate(checkpoint(100))]
fn f(x: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin();
    }
    y
}

#[differentiate(checkpoint, wrt(x), checkpoint)]
fn g(x: f64, n: usize) -> f64 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin();
    }
    y
}

#[differentiate(checkpoints)]
fn h(x: f64) -> f64 {
    x
}

fn main() {}
