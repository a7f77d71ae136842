use gradmacro::differentiate;
#[differentiate]
fn moved_array(x: f64) -> f64 {
    let mut h = [1.0, 2.0];
    let g = move |i: usize| h[i] * x;
    h[0] = x;
    g(0) + h[0]
}
fn main() {}
