use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    dbg!(x);
    x * x
}

fn main() {}
