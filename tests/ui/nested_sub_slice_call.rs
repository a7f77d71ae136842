use gradmacro::differentiate;

#[differentiate(wrt(rows))]
fn area(rows: &[[f64; 2]]) -> f64 {
    rows.iter().map(|q| q[0] * q[1]).sum()
}

#[differentiate(wrt(rows))]
fn tail_area(rows: &[[f64; 2]]) -> f64 {
    area(&rows[1..])
}

fn main() {}
