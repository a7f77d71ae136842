use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> (f64, f32) {
    (x, 1.0)
}

fn main() {}
