//! Compile-time cost: the expansion itself, called as a library on generated functions of 100,
//! 1,000 and 10,000 gates. `cargo bench -p gradmacro-impl --bench expand`.

#[allow(dead_code, unreachable_pub)]
#[path = "../src/engine/mod.rs"]
mod engine;

use std::fmt::Write as _;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use proc_macro2::TokenStream;

/// A straight-line function of about `gates` gates (three per line), plus a loop and a branch
/// every 50 lines so that every stage is exercised.
fn function(gates: usize) -> TokenStream {
    let mut s = String::from("fn f(x: f64, y: f64, w: &[f64]) -> f64 {\n let t0 = x * y;\n");
    for i in 1..gates / 3 {
        let p = i - 1;
        if i % 50 == 0 {
            let _ = writeln!(s, " let mut t{i} = t{p}; for k in 0..w.len() {{ t{i} += w[k] * t{p}; }}");
        } else if i % 50 == 25 {
            let _ = writeln!(s, " let t{i} = if t{p} > 0.0 {{ t{p} * x }} else {{ t{p} - y }};");
        } else {
            let _ = writeln!(s, " let t{i} = t{p} * x + t{p}.sin();");
        }
    }
    let _ = writeln!(s, " t{}\n}}", gates / 3 - 1);
    s.parse().expect("valid tokens")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("expand");
    group.sample_size(10).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_millis(500));
    for gates in [100usize, 1_000, 10_000] {
        let item = function(gates);
        group.throughput(Throughput::Elements(gates as u64));
        group.bench_with_input(BenchmarkId::from_parameter(gates), &item, |b, item| {
            b.iter(|| engine::expand(TokenStream::new(), item.clone()));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
