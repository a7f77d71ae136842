use gradmacro::differentiate;

#[differentiate(wrt(x, nope))]
fn f(x: f64, k: f64) -> f64 {
    x * k
}

fn main() {
    let v: f64 = f(1.0, 2.0);
    let (w, dx): (f64, f64) = f_grad(1.0, 2.0);
    let _ = (v, w, dx);
}
