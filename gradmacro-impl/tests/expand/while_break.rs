#[differentiate]
fn halve(x: f64, limit: f64) -> f64 {
    let mut y = x * x;
    let mut n = 0;
    while n < 100 {
        y = y * 0.5;
        if y < limit {
            break;
        }
        n += 1;
    }
    y + limit
}
