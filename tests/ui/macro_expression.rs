use gradmacro::differentiate;

macro_rules! square {
    ($e:expr) => {
        $e * $e
    };
}

#[differentiate]
fn f(x: f64) -> f64 {
    let y = square!(x);
    y + 1.0
}

fn main() {}
