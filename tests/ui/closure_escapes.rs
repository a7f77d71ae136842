use gradmacro::differentiate;

struct Holder<F: Fn(f64) -> f64> {
    f: F,
}

#[differentiate]
fn stored(x: f64) -> f64 {
    let scale = |v: f64| v * x;
    let h = Holder { f: scale };
    (h.f)(x)
}

#[differentiate]
fn early_return(x: f64) -> f64 {
    let f = |v: f64| {
        if v > 0.0 {
            return v;
        }
        v * v
    };
    f(x)
}

#[differentiate]
fn move_assigns(x: f64) -> f64 {
    let mut t = 0.0;
    let mut add = move |v: f64| t += v;
    add(x);
    t
}

#[differentiate]
fn boxed(x: f64) -> f64 {
    let f: Box<dyn Fn(f64) -> f64> = Box::new(move |v| v * x);
    f(x)
}

fn main() {}
