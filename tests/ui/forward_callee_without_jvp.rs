use gradmacro::differentiate;

// Forward mode differentiates a call through the callee's `_jvp` companion: `g` must be
// `#[differentiate(forward)]` (or have a hand-written `g_jvp`).
#[differentiate]
fn g(x: f64) -> f64 {
    x.sin()
}

#[differentiate(forward)]
fn f(x: f64) -> f64 {
    g(x * 2.0) + x
}

fn main() {
    let _ = f_jvp(1.0, 1.0);
}
