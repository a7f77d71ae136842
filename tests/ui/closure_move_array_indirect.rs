use gradmacro::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let h = vec![x, 2.0 * x];
    let near = |u: f64| u * h[0];
    let far = move |u: f64| near(u) + 1.0;
    far(x)
}

fn main() {}
