use gradmacro::differentiate;

trait Foo {
    fn foo(self) -> f64;
}

impl Foo for f64 {
    fn foo(self) -> f64 {
        self * 2.0
    }
}

#[differentiate]
fn f(x: f64, k: f64) -> f64 {
    x.foo() * k
}

fn main() {
    let v: f64 = f(1.0, 2.0);
    let (w, dx, dk): (f64, f64, f64) = f_grad(1.0, 2.0);
    let _ = (v, w, dx, dk);
}
