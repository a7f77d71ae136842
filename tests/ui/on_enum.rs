use gradmacro::differentiate;

#[differentiate]
enum Shape {
    Circle(f64),
}

fn main() {}
