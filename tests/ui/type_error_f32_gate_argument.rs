use gradmacro::differentiate;

#[differentiate(wrt(x))]
fn f(x: f64, k: f32) -> f64 {
    let y = x * 2.0;
    y.powf(k) + 1.0
}

fn main() {}
