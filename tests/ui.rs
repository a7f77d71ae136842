//! Diagnostics (CONTRACT §5): every rejected construct is a compile error spanned on the user's
//! code, with a message that says what to write instead. One small program per diagnostic in
//! `tests/ui/`; `TRYBUILD=overwrite cargo test --test ui` regenerates the `.stderr` files.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
