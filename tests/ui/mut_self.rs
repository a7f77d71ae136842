use gradmacro::differentiate;

struct Model {
    w: f64,
}

impl Model {
    #[differentiate]
    fn loss(&mut self, x: f64) -> f64 {
        self.w += 1.0;
        x * x
    }
}

fn main() {}
