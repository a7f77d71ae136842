//! Expansion goldens: every `tests/expand/<name>.rs` (first line `#[differentiate...]`, then the
//! function) is expanded and pretty-printed, and compared with `tests/expand/<name>.expanded.rs`,
//! so that every change to the generated code shows up in review.
//!
//! `GRADMACRO_BLESS=1 cargo test -p gradmacro-impl --test expand` rewrites the goldens.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn split_attribute(src: &str) -> (String, String) {
    let (first, rest) = src.split_once('\n').unwrap_or((src, ""));
    let first = first.trim();
    assert!(first.starts_with("#[differentiate") && first.ends_with(']'), "first line must be `#[differentiate...]`");
    let inner = &first["#[differentiate".len()..first.len() - 1];
    let attr = inner.strip_prefix('(').and_then(|s| s.strip_suffix(')')).unwrap_or("");
    (attr.to_owned(), rest.to_owned())
}

/// The first lines where `expected` and `actual` differ, with line numbers.
fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            let _ = writeln!(out, "line {}:\n  - {}\n  + {}", i + 1, x.unwrap_or(&"<end>"), y.unwrap_or(&"<end>"));
            shown += 1;
            if shown == 12 {
                let _ = writeln!(out, "  ...");
                break;
            }
        }
    }
    out
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/expand exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.to_string_lossy().ends_with(".expanded.rs"))
        .collect();
    files.sort();
    files
}

#[test]
fn expansions_match_goldens() {
    let bless = std::env::var_os("GRADMACRO_BLESS").is_some_and(|v| v == "1");
    let mut failures = String::new();
    let files = inputs();
    assert!(!files.is_empty(), "no inputs in tests/expand");
    for input in files {
        let src = std::fs::read_to_string(&input).expect("readable input");
        let (attr, item) = split_attribute(&src);
        let actual = common::expand_pretty(&attr, &item);
        let golden = input.with_extension("expanded.rs");
        if bless {
            std::fs::write(&golden, &actual).expect("writable golden");
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => {
                let _ =
                    writeln!(failures, "{} differs from its golden:\n{}", input.display(), diff(&expected, &actual));
            }
            Err(_) => {
                let _ = writeln!(failures, "{} has no golden {}", input.display(), golden.display());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{failures}\nIf the change is intended, rerun with GRADMACRO_BLESS=1 and review the `.expanded.rs` diff."
    );
}
