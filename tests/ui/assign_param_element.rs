use gradmacro::differentiate;

#[differentiate]
fn f(mut w: [f64; 3], x: f64) -> f64 {
    w[0] = x;
    w[0] * w[1] + w[2]
}

fn main() {}
