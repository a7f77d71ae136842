use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let m = [[x, 1.0], [2.0, x]];
    m[0][1] + m[1][1]
}

fn main() {}
