//! `f_grad`'s rustdoc shows its backward pass, with values and adjoints named after the
//! parameters and variables of the user's code.

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
    block_under(doc, "# Backward pass")
}

/// The code block under `heading`.
fn block_under<'a>(doc: &'a str, heading: &str) -> &'a str {
    let section = &doc[doc.find(heading).unwrap_or_else(|| panic!("a `{heading}` heading in\n{doc}"))..];
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
        "let x = a * b;",
        "let out = f64::sin(x);",
        "let d_out = 1.0;",
        "let cos_x = f64::cos(x);",
        "let d_x = d_out * cos_x;",
        "let d_a = b * d_x;",
        "let d_b = a * d_x;",
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

/// The lines of the backward pass, trimmed.
fn lines_of(code: &str) -> Vec<&str> {
    code.lines().map(str::trim).collect()
}

fn assert_lines(code: &str, expected: &[&str]) {
    let lines = lines_of(code);
    for e in expected {
        assert!(lines.contains(e), "no `{e}` in\n{code}");
    }
}

/// The guide's circuit `f = (a x + b y + c) z`: `q`, `f` and their adjoints `d_q`, `d_f` as the
/// guide writes them.
const GUIDE: &str = "fn circuit(a: f64, b: f64, c: f64, x: f64, y: f64, z: f64) -> f64 {
    let q = a * x + b * y + c;
    let f = q * z;
    f
}";

#[test]
fn values_and_adjoints_are_named_after_the_users_variables() {
    let doc = doc_of("", GUIDE, "circuit_grad");
    let code = backward_block(&doc);
    assert_lines(
        code,
        &[
            "let t1 = a * x;",
            "let t2 = b * y;",
            "let t3 = t1 + t2;",
            "let q = t3 + c;",
            "let f = q * z;",
            "let d_f = 1.0;",
            "let d_q = z * d_f;",
            "let d_z = q * d_f;",
            "let d_t3 = d_q;",
            "let d_c = d_q;",
            "(f, d_a, d_b, d_c, d_x, d_y, d_z)",
        ],
    );
    // The value returned is the user's `f`, and the text says so.
    assert!(doc.contains("and `f` is the value returned"), "{doc}");
    assert!(doc.contains("`d_f` is the seed, 1."), "{doc}");
    assert!(!code.contains("out"), "{code}");
}

#[test]
fn a_reassigned_or_shadowed_variable_is_numbered_in_order() {
    let item = "fn f(x: f64, k: f64) -> f64 {
        let mut y = x * k;
        y = y.sin();
        y += x;
        let y = y * y;
        y + k
    }";
    let code = backward_block(&doc_of("", item, "f_grad")).to_owned();
    assert_lines(
        &code,
        &[
            "let y = x * k;",
            "let y_1 = f64::sin(y);",
            "let y_2 = y_1 + x;",
            "let y_3 = y_2 * y_2;",
            "let out = y_3 + k;",
            "let d_y_3 = d_out;",
            "let mut d_y_2 = y_2 * d_y_3;",
            "let d_y_1 = d_y_2;",
            "let cos_y = f64::cos(y);",
            "let d_y = d_y_1 * cos_y;",
        ],
    );
}

#[test]
fn numbered_names_step_around_the_users_own() {
    // The user has a `q_1` and a `t1` of their own: the second `q` is `q_2`, the first
    // numbered temporary `t2`.
    let item = "fn f(x: f64) -> f64 {
        let mut q = x * 2.0;
        q = q.sin();
        let q_1 = q + x;
        let t1 = q_1 * x;
        t1.exp() * q_1.cos()
    }";
    let code = backward_block(&doc_of("", item, "f_grad")).to_owned();
    assert_lines(
        &code,
        &[
            "let q = x * 2.0;",
            "let q_2 = f64::sin(q);",
            "let q_1 = q_2 + x;",
            "let t1 = q_1 * x;",
            "let t2 = f64::exp(t1);",
        ],
    );
}

#[test]
fn a_carried_variable_and_a_local_array_keep_their_names() {
    let item = "fn f(x: f64, k: f64) -> f64 {
        let mut y = x;
        let mut h = [0.0; 2];
        for i in 0..2 {
            y = y.sin() * k + x;
            h[i] = y;
        }
        h[0] * h[1] + y
    }";
    let code = backward_block(&doc_of("reverse", item, "f_grad")).to_owned();
    assert_lines(&code, &["let mut y_carried = x;", "let y = y_carried;", "y_carried = y_1;", "h[i] = y_1;"]);
    assert!(code.contains("let mut h: [f64; 2] = [0.0; 2];"), "{code}");
    assert!(code.contains("let mut d_h = [0.0; 2];"), "{code}");
    assert!(code.contains("d_y_carried"), "{code}");
}

#[test]
fn a_forward_mode_gradient_names_each_tangent_after_its_value_and_parameter() {
    let item = "fn f(x: f64, k: f64) -> f64 {
        let mut y = x;
        for _ in 0..100 {
            y = y.sin() * k + x;
        }
        y
    }";
    let doc = doc_of("", item, "f_grad");
    assert!(!doc.contains("# Backward pass"), "{doc}");
    let code = block_under(&doc, "# Forward mode").to_owned();
    assert_lines(
        &code,
        &[
            "let dx_dx: f64 = 1.0;",
            "let dk_dk: f64 = 1.0;",
            "let mut dy_carried_dx: f64 = dx_dx;",
            "let dt1_dx: f64 = dy_dx * cos_y;",
            "let dt2_dk: f64 = k * dt1_dk + t1 * dk_dk;",
            "(y_2, dy_2_dx, dy_2_dk)",
        ],
    );
    // `cos y` is a partial of `sin`'s rule: its own tangent is needed by nothing.
    assert!(!code.contains("dcos_y"), "{code}");
}

/// A local closure, an iterator chain's element, a `loop` with `break value`.
const CLOSURES: &str = "fn f(a: f64, b: f64, w: &[f64]) -> f64 {
    let sq = |v: f64| v * v;
    let s: f64 = w.iter().map(|&x| sq(x * a)).sum();
    let mut k = 0.0;
    let r = loop {
        k += b;
        if k > 3.0 {
            break k * a;
        }
    };
    sq(a) + sq(b) + s + r
}";

#[test]
fn closures_chains_and_loop_values_keep_their_names() {
    let code = backward_block(&doc_of("", CLOSURES, "f_grad")).to_owned();
    assert_lines(&code, &["let sq = |v: f64| v * v;", "let s = carry1;", "let r = carry2;", "let k_2 = k_1 + b;"]);
    // The closure's own `v` is in the code shown: the values bound to it step aside.
    assert!(code.contains("let v_1 = x * a;"), "{code}");
    assert!(code.contains("let x = w["), "{code}");
}

#[test]
fn a_raw_identifier_variable_is_shown_raw_with_a_plain_adjoint() {
    let item = "fn f(x: f64) -> f64 { let r#type = x * 2.0; let r#type = r#type.exp(); r#type * x }";
    let code = backward_block(&doc_of("", item, "f_grad")).to_owned();
    assert_lines(&code, &["let r#type = x * 2.0;", "let type_1 = f64::exp(r#type);", "d_x += 2.0 * d_type;"]);
    syn::parse_file(&code).unwrap();
}

#[test]
fn the_arguments_of_a_kept_assert_are_renamed_too() {
    let item = "fn f(x: f64) -> f64 { let y = x.ln(); assert!(y.is_finite(), \"ln x = {}\", y); y * x }";
    let code = backward_block(&doc_of("", item, "f_grad")).to_owned();
    assert!(code.contains("assert!(y.is_finite(), \"ln x = {}\", y)"), "{code}");
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

/// The identifiers of `tokens` in order, without what the doc leaves out of the code: the
/// `::core::module::` and `::gradmacro::__private::` prefixes of longer paths, and `#[allow(..)]`.
fn code_idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    use proc_macro2::{Delimiter, TokenTree};
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    let colon = |i: usize| matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    let mut i = 0;
    while i < tts.len() {
        match &tts[i] {
            TokenTree::Punct(p)
                if p.as_char() == '#'
                    && matches!(tts.get(i + 1), Some(TokenTree::Group(g))
                        if g.delimiter() == Delimiter::Bracket && g.stream().to_string().starts_with("allow")) =>
            {
                i += 2;
                continue;
            }
            TokenTree::Ident(id)
                if (id == "core" || id == "gradmacro")
                    && colon(i + 1)
                    && colon(i + 2)
                    && matches!(tts.get(i + 3), Some(TokenTree::Ident(_)))
                    && colon(i + 4)
                    && colon(i + 5) =>
            {
                i += 4;
                continue;
            }
            TokenTree::Ident(id) => out.push(id.to_string()),
            TokenTree::Group(g) => code_idents(g.stream(), out),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
        i += 1;
    }
}

/// The doc's code is `f_grad`'s code with its identifiers renamed one to one: the same names
/// where the code has the user's (parameters, methods, paths), and one distinct readable name
/// for each hidden one. So no readable name shadows or captures another.
fn assert_renamed_one_to_one(item: &str, name: &str) {
    let expanded = common::engine::expand(proc_macro2::TokenStream::new(), item.parse().unwrap());
    let file: syn::File = syn::parse2(expanded).unwrap();
    let f = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fn {name}"));
    let (sig, block) = (&f.sig, &f.block);
    let mut real = Vec::new();
    code_idents(quote::quote!(#sig #block), &mut real);
    let doc = doc_of("", item, name);
    // A forward-mode `f_grad` shows its code under its own heading.
    let shown = block_under(&doc, if doc.contains("# Forward mode") { "# Forward mode" } else { "# Backward pass" });
    let mut readable = Vec::new();
    code_idents(shown.parse().unwrap(), &mut readable);
    assert_eq!(real.len(), readable.len(), "{shown}");
    let mut to: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut from: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for (r, d) in real.iter().zip(&readable) {
        if !r.starts_with("__") {
            assert_eq!(r, d, "the user's `{r}` is shown as `{d}` in\n{shown}");
        }
        assert!(!d.starts_with("__"), "`{d}` is left hidden in\n{shown}");
        assert_eq!(*to.entry(r).or_insert(d), d, "`{r}` is shown under two names in\n{shown}");
        assert_eq!(*from.entry(d).or_insert(r), r, "`{d}` names two things in\n{shown}");
    }
}

#[test]
fn the_doc_is_the_code_renamed_one_to_one() {
    let items = [
        (GUIDE, "circuit_grad"),
        (
            "fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 { let q = a * x + b * y + c; 1.0 / (1.0 + (-q).exp()) }",
            "neuron_grad",
        ),
        (
            "fn f(x: f64, k: f64) -> f64 { let mut y = x * k; y = y.sin(); y += x; let y = y * y; let y_1 = y; y + k * y_1 }",
            "f_grad",
        ),
        // The user's names are the ones numbering would pick.
        (
            "fn f(x: f64, t1: f64, d_q: f64) -> f64 { let q = x * t1; let q_1 = q * d_q; let d_t1 = q_1.sin(); let q = d_t1 + q; q * q }",
            "f_grad",
        ),
        (
            "fn f(a: f64, d_a: f64, out: f64) -> f64 { let out_ = a * d_a; let d_out = out_ * out; d_out.exp() }",
            "f_grad",
        ),
        (
            "fn f(x: f64, k: f64) -> f64 { let mut y = x; let mut h = [0.0; 2]; for i in 0..2 { y = y.sin() * k + x; h[i] = y; } h[0] * h[1] + y }",
            "f_grad",
        ),
        (
            "fn halve(x: f64, limit: f64) -> f64 { let mut y = x * x; let mut n = 0; while n < 100 { y = y * 0.5; if y < limit { break; } n += 1; } y + limit }",
            "halve_grad",
        ),
        (
            "fn loss(w: &[f64], xs: &[f64]) -> f64 { let mut s = 0.0; for (i, &x) in xs.iter().enumerate() { let e = w[i] * x - 1.0; s += e.max(0.0); } s }",
            "loss_grad",
        ),
        (
            "fn f(x: f64) -> f64 { let y = x.ln(); assert!(y.is_finite(), \"{}\", y); let r#type = y * x; r#type }",
            "f_grad",
        ),
        ("fn energy(&self, x: f64) -> f64 { let e = self.k * x * x; let e = e + x; e }", "energy_grad"),
        (CLOSURES, "f_grad"),
    ];
    for (item, name) in items {
        assert_renamed_one_to_one(item, name);
    }
}
