use gradmacro::differentiate;

struct Model;

#[differentiate]
impl Model {
    fn loss(&self, x: f64) -> f64 {
        x * x
    }
}

fn main() {}
