//! `gradmacro-show` on an ordinary file with several annotated functions and other items.

use std::path::Path;
use std::process::Command;

use gradmacro_show::{Error, show};

fn fixture() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/several.rs")).unwrap()
}

#[test]
fn every_annotated_function_is_expanded_in_order() {
    let out = show(&fixture(), None).unwrap();
    let heads: Vec<&str> = out.lines().filter(|l| l.starts_with("// ---- ")).collect();
    assert_eq!(
        heads,
        [
            "// ---- square ----",
            "// ---- Point::scaled ----",
            "// ---- inner::product ----",
            "// ---- inner::wave ----"
        ]
    );
    for companion in ["fn square_grad(", "fn scaled_grad(", "fn product_grad(", "fn wave_grad("] {
        assert!(out.contains(companion), "no `{companion}` in\n{out}");
    }
    // The method is shown inside its `impl`, and ordinary items are not printed.
    assert!(out.contains("impl Point {"), "{out}");
    assert!(!out.contains("fn helper") && !out.contains("fn new(") && !out.contains("SCALE: f64"), "{out}");
    // No expansion failed.
    assert!(!out.contains("compile_error"), "{out}");
    // `wrt(a)`: `product_grad` returns the value and one gradient.
    let product = &out[out.find("fn product_grad(").unwrap()..];
    let signature = &product[..product.find('{').unwrap()];
    assert_eq!(signature.matches("f64").count(), 4, "{signature}");
}

#[test]
fn one_function_by_name() {
    let out = show(&fixture(), Some("wave")).unwrap();
    assert!(out.contains("fn wave_grad(") && !out.contains("fn square_grad("), "{out}");
    assert_eq!(show(&fixture(), Some("helper")), Err(Error::NotFound(Some("helper".to_owned()))));
}

#[test]
fn a_file_that_does_not_parse_is_an_error_with_its_position() {
    match show("fn ok() {}\nfn broken( {\n", None) {
        Err(Error::Parse { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(show("fn plain() {}", None), Err(Error::NotFound(None)));
}

#[test]
fn the_binary_prints_and_fails_clearly() {
    let bin = env!("CARGO_BIN_EXE_gradmacro-show");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/several.rs");
    let ok = Command::new(bin).arg(&fixture).arg("square").output().unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("fn square_grad("));

    let missing = Command::new(bin).arg("/nonexistent/file.rs").output().unwrap();
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("cannot read /nonexistent/file.rs"), "{err}");

    let usage = Command::new(bin).output().unwrap();
    assert!(!usage.status.success());
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage"));
}
