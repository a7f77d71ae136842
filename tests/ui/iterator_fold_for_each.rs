use gradmacro::differentiate;

#[differentiate(wrt(w))]
fn folded(w: f64, data: &[f64]) -> f64 {
    data.iter().fold(0.0, |acc, &x| acc + (w * x).sin())
}

#[differentiate(wrt(w))]
fn for_each(w: f64, data: &[f64]) -> f64 {
    let mut total = 0.0;
    data.iter().for_each(|x| total += (w - x).powi(2));
    total
}

#[differentiate(wrt(w))]
fn over_active(w: &[f64]) -> f64 {
    w.iter().sum()
}

fn main() {}
