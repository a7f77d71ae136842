use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let mut y = x;
    let mut left = Some(n);
    while let Some(k) = left {
        y = y * 0.5;
        left = k.checked_sub(1);
    }
    y
}

fn main() {}
