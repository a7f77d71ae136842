use gradmacro::differentiate;

#[differentiate(wrt(w))]
fn collected(w: f64, data: &[f64]) -> f64 {
    let scaled: Vec<f64> = data.iter().map(|x| x * w).collect();
    scaled[0] + scaled[1]
}

fn main() {}
