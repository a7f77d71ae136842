use gradmacro::differentiate;

#[differentiate(wrt(x, k))]
fn ifloop(x: f64, k: f64, n: usize) -> f64 {
    let mut y = x;
    if n > 2 {
        for i in 0..n {
            y = y.sin() * k + (i as f64);
        }
    } else {
        let mut s = 0.0;
        for i in 0..n {
            s += x * (i as f64);
        }
        y = s;
        if s > 100.0 {
            return s * k;
        }
    }
    y * k
}

#[differentiate]
fn early(x: f64, y: f64) -> f64 {
    if x > 0.0 {
        return x * y;
    }
    let z = x * x;
    z + y
}

fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
}

#[test]
fn smoke3() {
    for (x, k, n) in [(0.3, 0.7, 5), (0.3, 0.7, 2), (60.0, 0.7, 2)] {
        let (v, dx, dk) = ifloop_grad(x, k, n);
        assert_eq!(v, ifloop(x, k, n));
        let fx = fd(|x| ifloop(x, k, n), x);
        let fk = fd(|k| ifloop(x, k, n), k);
        println!("{v} {dx} {fx} {dk} {fk}");
        assert!((dx - fx).abs() < 1e-6 * (1.0 + fx.abs()));
        assert!((dk - fk).abs() < 1e-6 * (1.0 + fk.abs()));
    }
    for (x, y) in [(0.5, 2.0), (-0.5, 2.0)] {
        let (v, dx, dy) = early_grad(x, y);
        assert_eq!(v, early(x, y));
        assert!((dx - fd(|x| early(x, y), x)).abs() < 1e-6);
        assert!((dy - fd(|y| early(x, y), y)).abs() < 1e-6);
    }
}
