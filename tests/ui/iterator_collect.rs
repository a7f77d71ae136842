use gradmacro::differentiate;

#[differentiate(wrt(w))]
fn collected_in_an_arm_in_a_loop(w: f64, data: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        if i > 0 {
            let kept: Vec<f64> = data.iter().filter(|x| **x > 0.0).map(|x| x * w).collect();
            s += kept[0];
        }
    }
    s
}

#[differentiate(wrt(w))]
fn pushed_in_an_arm_in_a_loop(w: f64, data: &[f64]) -> f64 {
    let mut s = 0.0;
    for x in data {
        if *x > 0.0 {
            let mut kept = Vec::with_capacity(2);
            kept.push(x * w);
            s += kept[0];
        }
    }
    s
}

fn main() {}
