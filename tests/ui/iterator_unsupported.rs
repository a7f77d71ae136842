use gradmacro::differentiate;

// Chains the lowering does not know (yet) are rejected, never run as constants.
#[differentiate]
fn skipped(w: &[f64]) -> f64 {
    w.iter().skip(1).sum()
}

#[differentiate]
fn maximum(w: &[f64]) -> f64 {
    *w.iter().max_by(|a, b| a.total_cmp(b)).unwrap()
}

#[differentiate(wrt(w))]
fn early(w: f64, data: &[f64]) -> f64 {
    data.iter().map(|x| if *x > 0.0 { return w; } else { x * w }).sum()
}

fn main() {}
