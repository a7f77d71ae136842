use gradmacro::differentiate;

#[differentiate(wrt(self))]
fn free(a: f64) -> f64 {
    a * a
}

fn main() {}
