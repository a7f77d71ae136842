use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let t = (x, 1.0);
    t.0 * 2.0
}

fn main() {}
