use gradmacro::differentiate;

fn fill(h: &mut [f64]) {
    h[0] = 1.0;
}

#[differentiate]
fn swapped(x: f64) -> f64 {
    let mut h = vec![x, 2.0 * x];
    h.swap(0, 1);
    h[0]
}

#[differentiate]
fn popped(x: f64) -> f64 {
    let mut h = Vec::new();
    h.push(x);
    h.push(2.0);
    h.pop();
    h[0]
}

#[differentiate]
fn filled(x: f64) -> f64 {
    let mut h = vec![1.0, 2.0];
    fill(&mut h);
    h[0] * x
}

#[differentiate]
fn fixed_length(x: f64) -> f64 {
    let mut h = vec![1.0, 2.0];
    h.push(x);
    h[2]
}

fn main() {}
