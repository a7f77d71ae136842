use gradmacro::differentiate;

#[differentiate(wrt(w))]
fn filtered(w: f64, data: &[f64]) -> f64 {
    let kept: Vec<f64> = data.iter().filter(|x| **x > 0.0).map(|x| x * w).collect();
    kept[0]
}

fn main() {}
