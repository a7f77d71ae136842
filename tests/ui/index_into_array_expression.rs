use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, i: usize) -> f64 {
    [x, 2.0 * x][i] + 1.0
}

fn main() {}
