//! The forward-mode `f_grad` (`gradmacro-impl/src/engine/lanes.rs`) against the backward pass of
//! the same function (`#[differentiate(reverse)]`, a tape), on loops of 100 steps whose values
//! depend on every parameter, with 2 to 8 parameters: `sin_k` (`sin` steps, 2, 3, 4 and 8
//! parameters) and `poly_k` (polynomial steps, 2, 4, 6 and 8). Every pair of gradients is asserted
//! equal to rounding (and the values bit for bit) before anything is timed.
//! `cargo bench --bench forward_grad`; results in BENCHMARKS.md ("Forward-mode f_grad").
#![allow(clippy::too_many_arguments)]

use criterion::{Criterion, criterion_group, criterion_main};
use gradmacro::differentiate;
use std::hint::black_box;

const STEPS: usize = 100;

/// `$fwd` as `#[differentiate]` gives it (forward mode) and `$rev` with `reverse`.
macro_rules! twins {
    ($fwd:ident, $rev:ident, fn $params:tt -> $r:tt $body:tt) => {
        #[differentiate]
        fn $fwd $params -> $r $body
        #[differentiate(reverse)]
        fn $rev $params -> $r $body
    };
}

twins!(sin_2, sin_2_rev, fn(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = y.sin() * k + x;
    }
    y
});

twins!(sin_3, sin_3_rev, fn(x: f64, k: f64, w: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = (y * w).sin() * k + x;
    }
    y
});

twins!(sin_4, sin_4_rev, fn(x: f64, k: f64, w: f64, b: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = (y * w + b).sin() * k + x;
    }
    y
});

twins!(sin_8, sin_8_rev, fn(x: f64, k: f64, w: f64, b: f64, c: f64, d: f64, e: f64, g: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = (y * w + b).sin() * k * 0.5 + x * y * 0.1 + c * (y * d - e) * g;
    }
    y
});

twins!(poly_2, poly_2_rev, fn(x: f64, k: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = y * k * 0.5 + x * y * 0.1;
    }
    y
});

twins!(poly_4, poly_4_rev, fn(x: f64, k: f64, w: f64, b: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = (y * w + b) * k * 0.5 + x * y * 0.1;
    }
    y
});

twins!(poly_6, poly_6_rev, fn(x: f64, k: f64, w: f64, b: f64, c: f64, d: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = (y * w + b) * k * 0.5 + x * y * 0.1 + c * (y * d);
    }
    y
});

twins!(poly_8, poly_8_rev, fn(x: f64, k: f64, w: f64, b: f64, c: f64, d: f64, e: f64, g: f64) -> f64 {
    let mut y = x;
    for _ in 0..STEPS {
        y = (y * w + b) * k * 0.5 + x * y * 0.1 + c * (y * d - e) * g;
    }
    y
});

/// The gradient tuple as a value and a vector.
macro_rules! flat {
    ($t:expr, $($i:tt),*) => {{
        let t = $t;
        (t.0, vec![$(t.$i),*])
    }};
}

fn same(what: &str, fwd: (f64, Vec<f64>), rev: (f64, Vec<f64>)) {
    assert_eq!(fwd.0.to_bits(), rev.0.to_bits(), "{what}: values");
    for (a, b) in fwd.1.iter().zip(&rev.1) {
        assert!((a - b).abs() <= 1e-11 * b.abs().max(1.0), "{what}: forward {a:e}, reverse {b:e}");
    }
}

fn bench(c: &mut Criterion) {
    let p = [0.5, 0.9, 0.7, 0.2, 0.5, 0.9, 0.7, 0.2];
    same("sin_2", flat!(sin_2_grad(p[0], p[1]), 1, 2), flat!(sin_2_rev_grad(p[0], p[1]), 1, 2));
    same("sin_3", flat!(sin_3_grad(p[0], p[1], p[2]), 1, 2, 3), flat!(sin_3_rev_grad(p[0], p[1], p[2]), 1, 2, 3));
    same(
        "sin_4",
        flat!(sin_4_grad(p[0], p[1], p[2], p[3]), 1, 2, 3, 4),
        flat!(sin_4_rev_grad(p[0], p[1], p[2], p[3]), 1, 2, 3, 4),
    );
    same(
        "sin_8",
        flat!(sin_8_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]), 1, 2, 3, 4, 5, 6, 7, 8),
        flat!(sin_8_rev_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]), 1, 2, 3, 4, 5, 6, 7, 8),
    );
    same("poly_2", flat!(poly_2_grad(p[0], p[1]), 1, 2), flat!(poly_2_rev_grad(p[0], p[1]), 1, 2));
    same(
        "poly_4",
        flat!(poly_4_grad(p[0], p[1], p[2], p[3]), 1, 2, 3, 4),
        flat!(poly_4_rev_grad(p[0], p[1], p[2], p[3]), 1, 2, 3, 4),
    );
    same(
        "poly_6",
        flat!(poly_6_grad(p[0], p[1], p[2], p[3], p[4], p[5]), 1, 2, 3, 4, 5, 6),
        flat!(poly_6_rev_grad(p[0], p[1], p[2], p[3], p[4], p[5]), 1, 2, 3, 4, 5, 6),
    );
    same(
        "poly_8",
        flat!(poly_8_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]), 1, 2, 3, 4, 5, 6, 7, 8),
        flat!(poly_8_rev_grad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]), 1, 2, 3, 4, 5, 6, 7, 8),
    );
    let b = black_box;
    let mut g = c.benchmark_group("forward_grad");
    g.bench_function("sin_2/forward", |t| t.iter(|| sin_2_grad(b(p[0]), b(p[1]))));
    g.bench_function("sin_2/reverse", |t| t.iter(|| sin_2_rev_grad(b(p[0]), b(p[1]))));
    g.bench_function("sin_3/forward", |t| t.iter(|| sin_3_grad(b(p[0]), b(p[1]), b(p[2]))));
    g.bench_function("sin_3/reverse", |t| t.iter(|| sin_3_rev_grad(b(p[0]), b(p[1]), b(p[2]))));
    g.bench_function("sin_4/forward", |t| t.iter(|| sin_4_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]))));
    g.bench_function("sin_4/reverse", |t| t.iter(|| sin_4_rev_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]))));
    g.bench_function("sin_8/forward", |t| {
        t.iter(|| sin_8_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]), b(p[4]), b(p[5]), b(p[6]), b(p[7])));
    });
    g.bench_function("sin_8/reverse", |t| {
        t.iter(|| sin_8_rev_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]), b(p[4]), b(p[5]), b(p[6]), b(p[7])));
    });
    g.bench_function("poly_2/forward", |t| t.iter(|| poly_2_grad(b(p[0]), b(p[1]))));
    g.bench_function("poly_2/reverse", |t| t.iter(|| poly_2_rev_grad(b(p[0]), b(p[1]))));
    g.bench_function("poly_4/forward", |t| t.iter(|| poly_4_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]))));
    g.bench_function("poly_4/reverse", |t| t.iter(|| poly_4_rev_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]))));
    g.bench_function("poly_6/forward", |t| {
        t.iter(|| poly_6_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]), b(p[4]), b(p[5])));
    });
    g.bench_function("poly_6/reverse", |t| {
        t.iter(|| poly_6_rev_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]), b(p[4]), b(p[5])));
    });
    g.bench_function("poly_8/forward", |t| {
        t.iter(|| poly_8_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]), b(p[4]), b(p[5]), b(p[6]), b(p[7])));
    });
    g.bench_function("poly_8/reverse", |t| {
        t.iter(|| poly_8_rev_grad(b(p[0]), b(p[1]), b(p[2]), b(p[3]), b(p[4]), b(p[5]), b(p[6]), b(p[7])));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
