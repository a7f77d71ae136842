use gradmacro::differentiate;

#[differentiate(forward)]
fn fk(q1: f64, q2: f64) -> [f64; 2] {
    [q1.cos() + (q1 + q2).cos(), q1.sin() + (q1 + q2).sin()]
}

#[differentiate]
fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

#[differentiate(forward)]
fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = sub(a, b);
    (d[0] * d[0] + d[1] * d[1]).sqrt()
}

fn main() {}
