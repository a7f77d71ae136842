use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    let s = x.sin();
    s.atan2(1.0_f32) + y
}

fn main() {}
