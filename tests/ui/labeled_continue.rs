use gradmacro::differentiate;

#[differentiate]
fn f(x: f64, n: usize) -> f64 {
    let mut y = x;
    'rows: for i in 0..n {
        while y < 100.0 {
            if i == 2 {
                continue 'rows;
            }
            y = y * x;
        }
    }
    y
}

fn main() {}
