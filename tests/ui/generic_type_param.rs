use gradmacro::differentiate;

#[differentiate]
fn f<T: Into<f64>>(x: f64, k: T) -> f64 {
    x * k.into()
}

fn main() {}
