//! Compile cost in the test output: expands a generated function of 10,000 gates and prints how
//! long the expansion took, so that every test run (CI's included) shows the figure. There is no
//! timed assertion (the machines differ and are shared); the test asserts only that the expansion
//! succeeded: no `compile_error!`, the gradient function present, the output valid Rust.
//!
//! `cargo test -p gradmacro-impl --test compile_cost -- --nocapture` shows the line; `--release`
//! gives the figure rustc sees when the proc macro is built optimised. `benches/expand.rs` times
//! 100, 1,000 and 10,000 gates with criterion.

mod common;

use std::fmt::Write as _;
use std::time::Instant;

/// A straight-line function of about `gates` gates (three per line), with a loop and a branch
/// every 50 lines so that every stage of the engine runs: the same shape as `benches/expand.rs`.
fn function(gates: usize) -> String {
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
    s
}

#[test]
fn expansion_of_10000_gates_succeeds_and_prints_its_time() {
    let gates = 10_000;
    let item: proc_macro2::TokenStream = function(gates).parse().expect("valid tokens");
    let start = Instant::now();
    let out = common::engine::expand(proc_macro2::TokenStream::new(), item);
    let elapsed = start.elapsed();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    eprintln!(
        "compile cost: expanding a {gates}-gate function took {:.1} ms ({:.1} µs per gate, {profile} build of the engine)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / gates as f64
    );

    let text = out.to_string();
    assert!(!text.contains("compile_error"), "the expansion reported an error: {}", &text[..text.len().min(2000)]);
    let file = syn::parse2::<syn::File>(out).expect("the expansion is valid Rust");
    let names: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["f", "f_grad"], "the expansion keeps `f` and adds `f_grad`");
}
