//! `f_grad`'s rustdoc shows its backward pass, with adjoints named after the parameters.

mod common;

/// The doc comment of the generated `name` in the expansion of `#[differentiate(attr)] item`.
fn doc_of(attr: &str, item: &str, name: &str) -> String {
    let out = common::engine::expand(attr.parse().unwrap(), item.parse().unwrap());
    let file: syn::File = syn::parse2(out).unwrap();
    let f = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fn {name}"));
    f.attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }),
                ..
            }) => s.value(),
            _ => panic!("a doc attribute that is not a string"),
        })
        .collect()
}

/// The code block under `# Backward pass`.
fn backward_block(doc: &str) -> &str {
    let section = &doc[doc.find("# Backward pass").expect("a `# Backward pass` heading")..];
    let start = section.find("```text\n").expect("a code block") + "```text\n".len();
    let end = section[start..].find("```").expect("a closed code block");
    &section[start..start + end]
}

#[test]
fn a_product_shows_its_local_gradient_rules() {
    let doc = doc_of("", "fn mul(a: f64, b: f64) -> f64 { let x = a * b; x.sin() }", "mul_grad");
    let code = backward_block(&doc);
    let lines: Vec<&str> = code.lines().map(str::trim).collect();
    for expected in [
        "fn mul_grad(a: f64, b: f64) -> (f64, f64, f64) {",
        "let t1 = a * b;",
        "let out = f64::sin(t1);",
        "let d_out = 1.0;",
        "let d_t1 = d_out * f64::cos(t1);",
        "let d_a = b * d_t1;",
        "let d_b = a * d_t1;",
        "(out, d_a, d_b)",
    ] {
        assert!(lines.contains(&expected), "no `{expected}` in\n{code}");
    }
    // Forward pass, then backward pass: every adjoint comes after the value returned.
    let out = lines.iter().position(|l| l.starts_with("let out")).unwrap();
    assert!(lines.iter().position(|l| l.starts_with("let d_")).unwrap() > out);
    // The block is Rust, and no internal name is left.
    syn::parse_file(code).unwrap();
    assert!(!code.contains("__"), "{code}");
}

#[test]
fn readable_names_never_shadow_the_users() {
    let doc = doc_of("", "fn f(a: f64, d_a: f64, out: f64) -> f64 { a * d_a * out }", "f_grad");
    let code = backward_block(&doc);
    // The parameters keep their names; the adjoints and the result step aside.
    assert!(code.contains("fn f_grad(a: f64, d_a: f64, out: f64)"), "{code}");
    assert!(code.contains("(out_, d_a_, d_d_a, d_out_)"), "{code}");
    assert!(!code.contains("let d_a ="), "{code}");
}

#[test]
fn a_method_links_to_itself_through_self() {
    let item = "fn energy(&self, x: f64) -> f64 { self.k * x * x }";
    let out = common::engine::expand(proc_macro2::TokenStream::new(), item.parse().unwrap()).to_string();
    assert!(out.contains("[`energy`](Self::energy)"), "{out}");
    let free = doc_of("", "fn energy(x: f64) -> f64 { x * x }", "energy_grad");
    assert!(free.starts_with("Value and gradient of [`energy`], "), "{free}");
}

#[test]
fn a_function_with_errors_shows_no_backward_pass() {
    let out = common::engine::expand(
        proc_macro2::TokenStream::new(),
        "fn f(x: f64) -> f64 { x.frobnicate() }".parse().unwrap(),
    )
    .to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(!out.contains("Backward pass"), "{out}");
}

#[test]
fn a_long_function_is_cut_with_a_pointer_to_gradmacro_show() {
    let body: String = (0..300).map(|i| format!("let x = x * {i}.5 + x.sin();")).collect();
    let doc = doc_of("", &format!("fn long(mut x: f64) -> f64 {{ {body} x }}"), "long_grad");
    let code = backward_block(&doc);
    assert!(code.lines().count() <= 402, "{} lines", code.lines().count());
    assert!(code.contains("more statements: `cargo run -p gradmacro-show"), "{code}");
    assert!(code.starts_with("fn long_grad(x: f64) -> (f64, f64) {\n    let t1 = "), "{code}");
}

#[test]
fn raw_identifiers_get_plain_adjoint_names() {
    let doc = doc_of("", "fn f(r#x: f64, r#type: f64) -> f64 { r#x * r#type }", "f_grad");
    let code = backward_block(&doc);
    assert!(code.contains("(out, d_x, d_type)"), "{code}");
}

#[test]
fn the_readme_shows_what_the_doc_of_neuron_grad_shows() {
    let readme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let Ok(readme) = std::fs::read_to_string(readme) else {
        return; // a packaged crate has no workspace README beside it
    };
    let item = "fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
        let q = a * x + b * y + c;
        1.0 / (1.0 + (-q).exp())
    }";
    let doc = doc_of("", item, "neuron_grad");
    let code = backward_block(&doc);
    let section = &readme[readme.find("## Reading the derivative").unwrap()..];
    let start = section.find("```rust,ignore\n").unwrap() + "```rust,ignore\n".len();
    let shown = &section[start..start + section[start..].find("```").unwrap()];
    assert_eq!(shown, code);
}
