use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y = x as f32;
    f64::from(y) * 2.0
}

fn main() {}
