// A function taking nalgebra vectors, called from a differentiated body, must be
// `#[differentiate]`d too: the call goes to its array twin.
use gradmacro::differentiate;
use nalgebra::Vector3;

fn helper(v: Vector3<f64>) -> f64 {
    v.x * v.y
}

#[differentiate]
fn calls_plain(p: Vector3<f64>) -> f64 {
    helper(p) + p.z
}

fn main() {
    let p = Vector3::new(1.0, 2.0, 3.0);
    let _ = calls_plain_grad(p);
}
