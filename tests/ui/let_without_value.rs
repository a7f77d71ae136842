use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let y;
    if x > 0.0 {
        y = x;
    } else {
        y = -x;
    }
    y
}

fn main() {}
