use gradmacro::differentiate;

#[differentiate]
fn f(x: [f64; 2]) -> [f64; 2] {
    let y = x[0] * 2.0;
    [y, x[1]].map(|v| v + y)
}

fn main() {}
