use gradmacro::differentiate;

// Chains the lowering does not know (yet) are rejected, never run as constants.
#[differentiate]
fn skipped(w: &[f64]) -> f64 {
    w.iter().map(|x| x * 2.0).skip(1).sum()
}

#[differentiate]
fn pairs(w: &[f64]) -> f64 {
    w.rchunks(2).map(|p| p[1] - p[0]).sum()
}

#[differentiate(wrt(w))]
fn early(w: f64, data: &[f64]) -> f64 {
    data.iter().map(|x| if *x > 0.0 { return w; } else { x * w }).sum()
}

fn main() {}
