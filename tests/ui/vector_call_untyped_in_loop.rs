use gradmacro::differentiate;

#[differentiate]
fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[differentiate]
fn f(a: [f64; 3], b: [f64; 3]) -> f64 {
    let mut s = 0.0;
    for _ in 0..3 {
        let r = sub(a, b);
        s += r[0] * r[1];
    }
    s
}

fn main() {}
