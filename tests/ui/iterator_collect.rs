use gradmacro::differentiate;

#[differentiate(wrt(w))]
fn collected_in_a_loop(w: f64, data: &[f64]) -> f64 {
    let mut s = 0.0;
    for _ in 0..2 {
        let kept: Vec<f64> = data.iter().filter(|x| **x > 0.0).map(|x| x * w).collect();
        s += kept[0];
    }
    s
}

fn main() {}
