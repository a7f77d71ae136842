use gradmacro::differentiate;

#[differentiate(wrt(x, nope))]
fn f(x: f64, out: &mut f64) -> f64 {
    dbg!(x);
    let y = x.foo();
    *out = y;
    y * 2.0
}

trait Foo {
    fn foo(self) -> f64;
}

impl Foo for f64 {
    fn foo(self) -> f64 {
        self
    }
}

fn main() {}
