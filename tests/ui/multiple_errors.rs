use gradmacro::differentiate;

#[differentiate(wrt(x, nope))]
fn f(x: f64, out: &mut f64) -> f64 {
    println!("{x}");
    let y = match 1 {
        _ => x,
    };
    *out = y;
    y % 2.0
}

fn main() {}
