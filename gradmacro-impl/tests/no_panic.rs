//! The expansion never panics (CONTRACT §5: anything unsupported is a compile error, never a
//! panic). Thousands of functions are generated from a small grammar that mixes supported and
//! unsupported statements, expressions, types, patterns and attributes; random token streams are
//! fed as both the attribute and the item. Each must come back from `expand`.

mod common;

use proc_macro2::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::Config;

const FUNCTIONS: u32 = 4000;
const TOKEN_STREAMS: u32 = 2000;
const BODIES: u32 = 1500;

/// `GRADMACRO_PROPTEST_SCALE=20` multiplies every case count, for a longer hunt.
fn cases(n: u32) -> u32 {
    n * std::env::var("GRADMACRO_PROPTEST_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1)
}

fn pick(options: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(options).prop_map(str::to_owned).boxed()
}

/// Mostly one of `common` (what the macro supports), sometimes one of `rare`.
fn mix(common: &'static [&'static str], rare: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![4 => pick(common), 1 => pick(rare)].boxed()
}

fn name() -> BoxedStrategy<String> {
    mix(
        &["a", "b", "x", "k", "y", "z", "t"],
        &["w", "xs", "n", "h", "i", "self", "__v0", "__d1", "d_a", "grad", "value"],
    )
}

fn ty() -> BoxedStrategy<String> {
    mix(
        &["f64", "f64", "f64", "f32", "usize", "[f64; 3]", "&[f64]", "Vec<f64>"],
        &[
            "i32",
            "bool",
            "&[f64; 3]",
            "&Vec<f64>",
            "&mut f64",
            "&mut [f64]",
            "&[[f64; 2]]",
            "(f64, f64)",
            "Option<f64>",
            "T",
            "impl Fn(f64) -> f64",
            "String",
            "[f32; 2]",
            "&'a [f64]",
            "std::primitive::f64",
            "core::f64",
            "Vec<f32>",
            "[f64; N]",
            "&[f64; 0]",
            "Box<f64>",
            "_",
            "!",
            "(f64)",
        ],
    )
}

fn ret() -> BoxedStrategy<String> {
    mix(
        &["-> f64", "-> f64", "-> f64", "-> f32"],
        &[
            "",
            "-> i32",
            "-> (f64, f64)",
            "-> T",
            "-> [f64; 2]",
            "-> Self",
            "-> impl Copy",
            "-> ()",
            "-> !",
            "-> core::primitive::f64",
        ],
    )
}

fn attr() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(String::new()),
        2 => pick(&[
            "",
            "wrt(a)",
            "wrt(a, b)",
            "wrt()",
            "wrt",
            "wrt(a, a)",
            "wrt(zz)",
            "foo",
            "wrt(a), wrt(b)",
            "forward",
            "wrt(a), forward",
            "forward, forward",
            "forward(a)",
            "forward = 1",
            "wrt = 3",
            "1",
            "wrt(n)",
            "wrt(self)",
            "wrt(a,)",
            "wrt(a b)",
            "wrt[a]",
            "wrt(1)",
            ",",
            "wrt(a), foo(b)",
            "foo = ",
        ]),
        1 => prop::collection::vec(name(), 0..4).prop_map(|ns| format!("wrt({})", ns.join(", "))),
    ]
    .boxed()
}

fn literal() -> BoxedStrategy<String> {
    pick(&[
        "1.0",
        "0.5",
        "2",
        "0.5f32",
        "1e300",
        "0.0",
        "true",
        "\"s\"",
        "'c'",
        "3usize",
        "std::f64::consts::PI",
        "f64::NAN",
        "core::f64::consts::E",
        "K",
        "f64::INFINITY",
    ])
}

fn method() -> BoxedStrategy<String> {
    mix(
        &[
            "sin()",
            "exp()",
            "ln()",
            "sqrt()",
            "abs()",
            "tanh()",
            "floor()",
            "signum()",
            "fract()",
            "recip()",
            "powi(2)",
            "powi(n as i32)",
            "powf(2.0)",
            "max(1.0)",
            "min(y)",
            "atan2(x)",
            "hypot(k)",
            "mul_add(a, b)",
            "clamp(0.0, 1.0)",
            "log(2.0)",
            "to_degrees()",
        ],
        &[
            "foo()",
            "len()",
            "iter()",
            "sum::<f64>()",
            "into()",
            "clone()",
            "to_string()",
            "unwrap()",
            "round_ties_even()",
            "is_nan()",
            "total_cmp(&x)",
            "sin_cos()",
            "foo_grad()",
        ],
    )
}

fn path_call() -> BoxedStrategy<String> {
    pick(&[
        "f64::exp",
        "f64::sqrt",
        "f64::max",
        "f64::mul_add",
        "f32::sin",
        "g",
        "g_grad",
        "Self::g",
        "self::g",
        "std::f64::sin",
        "crate::g",
        "neuron",
        "core::cmp::max",
        "<f64>::cos",
        "f64::powi",
    ])
}

thread_local! {
    static EXPR: BoxedStrategy<String> = expr_levels(3);
}

/// Expressions up to three levels deep, built once: `prop_recursive` would rebuild its
/// strategies for every value, which dominated the run time.
fn expr() -> BoxedStrategy<String> {
    EXPR.with(Clone::clone)
}

fn expr_levels(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        3 => name(),
        2 => literal(),
        1 => (name(), name()).prop_map(|(a, i)| format!("{a}[{i}]")),
        1 => name().prop_map(|a| format!("{a}[0][1]")),
        1 => pick(&["break", "continue", "return", "()", "..", "_", "y.0", "h[k]", "xs[i]"]),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    let e = expr_levels(depth - 1);
    let binop = pick(&[
        "+", "-", "*", "/", "%", "==", "<", ">", "<=", "!=", "&&", "||", "&", "|", "^", "<<", ">>", "..", "..=",
    ]);
    // Supported shapes.
    let arithmetic = prop_oneof![
        4 => (e.clone(), binop, e.clone()).prop_map(|(l, o, r)| format!("{l} {o} {r}")),
        2 => (e.clone(), method()).prop_map(|(r, m)| format!("({r}).{m}")),
        1 => (pick(&["-", "!", "*", "&", "&mut "]), e.clone()).prop_map(|(o, x)| format!("{o}{x}")),
        2 => (path_call(), prop::collection::vec(e.clone(), 0..4))
            .prop_map(|(p, args)| format!("{p}({})", args.join(", "))),
        1 => (e.clone(), pick(&["f64", "f32", "usize", "i32", "u8", "bool"])).prop_map(|(x, t)| format!("{x} as {t}")),
        2 => e.clone().prop_map(|x| format!("({x})")),
        2 => (e.clone(), e.clone(), e.clone()).prop_map(|(c, a, b)| format!("if {c} {{ {a} }} else {{ {b} }}")),
        2 => (e.clone(), e.clone()).prop_map(|(a, i)| format!("({a})[{i}]")),
        1 => (e.clone(), e.clone()).prop_map(|(c, a)| format!("{{ let q = {c}; q * {a} }}")),
    ];
    // Unsupported or odd shapes.
    let control = prop_oneof![
        (e.clone(), e.clone()).prop_map(|(c, a)| format!("if {c} {{ {a} }}")),
        (e.clone(), e.clone()).prop_map(|(c, a)| format!("match {c} {{ 0 => {a}, _ => {c} }}")),
        e.clone().prop_map(|x| format!("|v: f64| {x}")),
        e.clone().prop_map(|x| format!("(|v| v * {x})(1.0)")),
        (pick(&["m!", "vec!", "println!", "dbg!", "format!"]), e.clone()).prop_map(|(m, x)| format!("{m}({x})")),
        e.clone().prop_map(|x| format!("loop {{ break {x}; }}")),
        e.clone().prop_map(|x| format!("'l: loop {{ break 'l {x}; }}")),
        e.clone().prop_map(|a| format!("return {a}")),
        e.clone().prop_map(|a| format!("break {a}")),
        (e.clone(), e.clone(), e.clone())
            .prop_map(|(s, a, b)| format!("if let Some(v) = {s} {{ {a} }} else {{ {b} }}")),
    ];
    let values = prop_oneof![
        (e.clone(), e.clone()).prop_map(|(a, b)| format!("({a}, {b})")),
        (e.clone(), e.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
        e.clone().prop_map(|a| format!("[{a}; 3]")),
        e.clone().prop_map(|a| format!("({a}).0")),
        e.clone().prop_map(|a| format!("{a}?")),
        e.clone().prop_map(|a| format!("async {{ {a} }}")),
        e.clone().prop_map(|a| format!("{a}.await")),
        e.clone().prop_map(|a| format!("unsafe {{ {a} }}")),
        e.clone().prop_map(|a| format!("S {{ f: {a} }}")),
        e.prop_map(|a| format!("'b: {{ {a} }}")),
    ];
    prop_oneof![8 => leaf, 6 => arithmetic, 1 => control, 1 => values].boxed()
}

fn pattern() -> BoxedStrategy<String> {
    prop_oneof![
        4 => name(),
        2 => name().prop_map(|n| format!("mut {n}")),
        1 => Just("_".to_owned()),
        2 => (name(), name()).prop_map(|(a, b)| format!("({a}, {b})")),
        1 => (name(), name(), name()).prop_map(|(a, b, c)| format!("({a}, (mut {b}, {c}))")),
        1 => (name(), name()).prop_map(|(a, b)| format!("[{a}, {b}]")),
        1 => name().prop_map(|a| format!("Some({a})")),
        1 => name().prop_map(|a| format!("ref {a}")),
        1 => name().prop_map(|a| format!("&{a}")),
        1 => name().prop_map(|a| format!("{a} @ 1..=2")),
        1 => pick(&["(..)", "S { f }", "0", "[a, .., b]", "(a | b)"]),
    ]
    .boxed()
}

fn iterable() -> BoxedStrategy<String> {
    prop_oneof![
        pick(&[
            "0..n",
            "0..3",
            "0..xs.len()",
            "xs.iter()",
            "&xs",
            "xs",
            "w.iter()",
            "xs.iter().enumerate()",
            "xs.iter().zip(w.iter())",
            "xs.iter().zip(w)",
            "w.iter().rev()",
            "(0..n).rev()",
            "h",
            "&w",
            "xs.iter().enumerate().skip(1)",
            "0..",
            "1..=n",
        ]),
        expr(),
    ]
    .boxed()
}

fn stmts(depth: u32) -> BoxedStrategy<String> {
    let simple = prop_oneof![
        4 => (pattern(), prop::option::of(ty()), prop::option::of(expr()))
            .prop_map(|(p, t, e)| {
                let t = t.map(|t| format!(": {t}")).unwrap_or_default();
                let e = e.map(|e| format!(" = {e}")).unwrap_or_default();
                format!("let {p}{t}{e};")
            }),
        1 => (pattern(), expr(), expr()).prop_map(|(p, e, r)| format!("let {p} = {e} else {{ return {r}; }};")),
        3 => (name(), pick(&["=", "+=", "-=", "*=", "/=", "%=", "<<=", "|=", "^="]), expr())
            .prop_map(|(n, o, e)| format!("{n} {o} {e};")),
        2 => (name(), expr(), pick(&["=", "+=", "*=", "%="]), expr())
            .prop_map(|(n, i, o, e)| format!("{n}[{i}] {o} {e};")),
        2 => expr().prop_map(|e| format!("{e};")),
        1 => expr().prop_map(|e| format!("return {e};")),
        1 => pick(&[
            "break;",
            "continue;",
            "return;",
            "break 'outer;",
            "continue 'outer;",
            ";",
            "fn inner(v: f64) -> f64 { v }",
            "const C: f64 = 1.0;",
            "use std::f64::consts::PI;",
            "struct S { f: f64 }",
            "println!(\"{}\", x);",
            "m! { x }",
            "let mut h = [0.0; 3];",
            "let mut y = 0.0;",
            "#[allow(unused)] let q = 1.0;",
        ]),
    ];
    if depth == 0 {
        return prop::collection::vec(simple, 0..4).prop_map(|v| v.join("\n")).boxed();
    }
    let inner = stmts(depth - 1);
    let compound = prop_oneof![
        6 => simple,
        1 => (pattern(), iterable(), inner.clone()).prop_map(|(p, it, b)| format!("for {p} in {it} {{ {b} }}")),
        1 => (pattern(), iterable(), inner.clone()).prop_map(|(p, it, b)| format!("'outer: for {p} in {it} {{ {b} }}")),
        1 => (expr(), inner.clone()).prop_map(|(c, b)| format!("while {c} {{ {b} }}")),
        1 => (expr(), inner.clone()).prop_map(|(c, b)| format!("while let Some(v) = {c} {{ {b} }}")),
        1 => inner.clone().prop_map(|b| format!("loop {{ {b} }}")),
        1 => (expr(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| format!("if {c} {{ {a} }} else {{ {b} }}")),
        1 => (expr(), inner.clone()).prop_map(|(c, a)| format!("if {c} {{ {a} }}")),
        1 => (expr(), inner.clone()).prop_map(|(c, a)| format!("match {c} {{ _ => {{ {a} }} }}")),
        1 => prop_oneof![
            inner.clone().prop_map(|b| format!("{{ {b} }}")),
            inner.clone().prop_map(|b| format!("let c = |v: f64| {{ {b} }};")),
        ],
    ];
    prop::collection::vec(compound, 0..4).prop_map(|v| v.join("\n")).boxed()
}

fn params() -> BoxedStrategy<String> {
    let receiver = mix(&[""], &["&self, ", "&mut self, ", "self, ", "mut self, ", "self: &Self, "]);
    let param = (prop_oneof![6 => name(), 1 => pattern()], ty()).prop_map(|(p, t)| format!("{p}: {t}"));
    (receiver, prop::collection::vec(param, 0..5)).prop_map(|(r, ps)| format!("{r}{}", ps.join(", "))).boxed()
}

fn function() -> BoxedStrategy<String> {
    let qualifiers = mix(
        &["", "", "pub ", "pub(crate) "],
        &["async ", "const ", "unsafe ", "extern \"C\" ", "const unsafe ", "default "],
    );
    let generics = mix(&[""], &["<T>", "<'a>", "<const N: usize>", "<T: Copy>", "<'a, T>"]);
    let outer_attr = mix(&[""], &["#[inline]\n", "#[cfg(test)]\n", "/// doc\n", "#[must_use]\n", "#[differentiate]\n"]);
    let tail = prop::option::of(expr());
    (outer_attr, qualifiers, generics, params(), ret(), stmts(2), tail)
        .prop_map(|(oa, q, g, p, r, body, tail)| {
            let tail = tail.unwrap_or_default();
            format!("{oa}{q}fn f{g}({p}) {r} {{\n{body}\n{tail}\n}}")
        })
        .boxed()
}

/// A function, sometimes inside an `impl` block or replaced by another kind of item.
fn item() -> BoxedStrategy<String> {
    prop_oneof![
        8 => function(),
        1 => function().prop_map(|f| format!("impl S {{ {f} }}")),
        1 => pick(&[
            "struct S { x: f64 }",
            "enum E { A(f64) }",
            "const K: f64 = 1.0;",
            "trait T { fn f(x: f64) -> f64; }",
            "mod m {}",
            "static S: f64 = 0.0;",
            "fn f(x: f64) -> f64;",
            "type T = f64;",
            "use std::f64;",
            "",
            "fn",
            "fn f(x: f64) -> f64 { x } fn g() {}",
        ]),
    ]
    .boxed()
}

fn token_tree(depth: u32) -> BoxedStrategy<TokenTree> {
    let ident = prop::sample::select(
        &[
            "fn", "let", "mut", "wrt", "if", "else", "match", "for", "in", "while", "loop", "self", "Self", "f64",
            "f32", "x", "a", "return", "break", "continue", "as", "pub", "async", "const", "unsafe", "impl", "struct",
            "_", "r#fn", "__v0",
        ][..],
    )
    .prop_map(|s| {
        let tt: TokenStream = s.parse().expect("an identifier");
        tt.into_iter().next().expect("one token")
    });
    let punct = (
        prop::sample::select(
            &[
                '+', '-', '*', '/', '%', '=', '<', '>', '!', '&', '|', '^', ',', ';', ':', '.', '?', '#', '@', '~',
                '$', '\'',
            ][..],
        ),
        any::<bool>(),
    )
        .prop_map(|(c, joint)| TokenTree::Punct(Punct::new(c, if joint { Spacing::Joint } else { Spacing::Alone })));
    let literal = prop_oneof![
        any::<f64>().prop_map(|f| TokenTree::Literal(Literal::f64_unsuffixed(if f.is_finite() {
            f.abs()
        } else {
            1.0
        }))),
        any::<u32>().prop_map(|n| TokenTree::Literal(Literal::u32_unsuffixed(n))),
        Just(TokenTree::Literal(Literal::string("s"))),
        Just(TokenTree::Literal(Literal::f32_suffixed(0.5))),
        Just(TokenTree::Literal(Literal::character('c'))),
    ];
    let leaf = prop_oneof![3 => ident, 3 => punct, 1 => literal].boxed();
    if depth == 0 {
        return leaf;
    }
    let group = (
        prop::sample::select(&[Delimiter::Parenthesis, Delimiter::Brace, Delimiter::Bracket, Delimiter::None][..]),
        prop::collection::vec(token_tree(depth - 1), 0..8),
    )
        .prop_map(|(d, ts)| TokenTree::Group(Group::new(d, ts.into_iter().collect())));
    prop_oneof![4 => leaf, 1 => group].boxed()
}

fn token_stream() -> BoxedStrategy<TokenStream> {
    prop::collection::vec(token_tree(3), 0..24).prop_map(|ts| ts.into_iter().collect()).boxed()
}

fn expand_str(attr: &str, item: &str) {
    let (Ok(attr), Ok(item)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        return;
    };
    let _ = common::engine::expand(attr, item);
}

proptest! {
    #![proptest_config(Config { cases: cases(FUNCTIONS), failure_persistence: None, ..Config::default() })]

    #[test]
    fn random_functions_never_panic(attr in attr(), item in item()) {
        expand_str(&attr, &item);
    }
}

proptest! {
    #![proptest_config(Config { cases: cases(TOKEN_STREAMS), failure_persistence: None, ..Config::default() })]

    #[test]
    fn random_token_streams_never_panic(attr in token_stream(), item in token_stream()) {
        let _ = common::engine::expand(attr.clone(), item.clone());
        // The same streams swapped, and the random item as the body of a well-formed function.
        let _ = common::engine::expand(item.clone(), attr);
        let body = TokenTree::Group(Group::new(Delimiter::Brace, item));
        let mut f: TokenStream = "fn f(x: f64, w: &[f64], n: usize) -> f64".parse().expect("a signature");
        f.extend([body]);
        let _ = common::engine::expand(TokenStream::new(), f);
    }
}

proptest! {
    #![proptest_config(Config { cases: cases(BODIES), failure_persistence: None, ..Config::default() })]

    /// Bodies only, under a signature the engine accepts, so that they reach lowering and the
    /// reverse pass rather than stopping at the signature.
    #[test]
    fn random_bodies_never_panic(attr in pick(&["", "wrt(x)", "wrt(w)", "forward", "wrt(w), forward"]), body in stmts(3), tail in expr()) {
        let item = format!("fn f(x: f64, k: f64, w: &[f64], xs: [f64; 3], n: usize, i: usize) -> f64 {{\n{body}\n{tail}\n}}");
        expand_str(&attr, &item);
    }
}

/// How the grammar's output splits, printed with `--nocapture`: the generators must reach the
/// engine's later stages, not only its first checks.
#[test]
fn grammar_reaches_the_engine() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = (attr(), item());
    let (mut total, mut tokens, mut fns, mut clean) = (0, 0, 0, 0);
    for _ in 0..1000 {
        let (attr, item) = strategy.new_tree(&mut runner).expect("a value").current();
        total += 1;
        let (Ok(attr), Ok(item)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
            continue;
        };
        tokens += 1;
        if syn::parse2::<syn::ItemFn>(item.clone()).is_ok() {
            fns += 1;
        }
        if !common::engine::expand(attr, item).to_string().contains("compile_error") {
            clean += 1;
        }
    }
    let body_strategy = (stmts(3), expr());
    let (mut bodies, mut clean_bodies) = (0, 0);
    for _ in 0..1000 {
        let (body, tail) = body_strategy.new_tree(&mut runner).expect("a value").current();
        let item =
            format!("fn f(x: f64, k: f64, w: &[f64], xs: [f64; 3], n: usize, i: usize) -> f64 {{\n{body}\n{tail}\n}}");
        let Ok(item) = item.parse::<TokenStream>() else { continue };
        bodies += 1;
        if !common::engine::expand(TokenStream::new(), item).to_string().contains("compile_error") {
            clean_bodies += 1;
        }
    }
    println!(
        "functions: {total} generated, {tokens} tokenize, {fns} parse as `fn`, {clean} expand without error; \
         bodies: {bodies} tokenize, {clean_bodies} expand without error"
    );
    assert!(tokens > total / 2 && fns > total / 4 && clean > 0 && clean_bodies > 0);
}

/// Hand-picked corners the grammar reaches only rarely: wrong arities, odd patterns, loops that
/// carry values in unusual ways.
#[test]
fn hand_picked_corners_never_panic() {
    const SIG: &str = "fn f(x: f64, y: f64, w: &[f64], xs: [f64; 3], v: Vec<f64>, n: usize, i: usize) -> f64";
    let bodies = [
        "",
        "x",
        "return x; x",
        "return;",
        "break",
        "continue; x",
        "let () = (); x",
        "let (a, b) = (x, y, x); a * b",
        "let (a, b, c) = (x, y); a * b * c",
        "let (a, (b, c)) = (x, (y, x)); a * b * c",
        "let [a, b, c] = xs; a * b * c",
        "let [a, b] = [x, y]; a * b",
        "x.powi()",
        "x.max()",
        "x.mul_add(1.0)",
        "f64::exp()",
        "f64::max(x)",
        "x.clamp(1.0)",
        "f64::atan2(x, y, x)",
        "x.sin::<f64>()",
        "{ x }.sin()",
        "(x).sin().cos().exp().ln()",
        "std::f64::consts::PI.sin() * x",
        "x as f64 as f32 as f64",
        "-(-(-x))",
        "w[i][0]",
        "xs[w[i] as usize] * x",
        "xs[xs.len() - 1]",
        "let mut h = [0.0; 0]; h[0] = x; h[0]",
        "let mut h = [0.0; N]; h[0] = x; h[0]",
        "let mut h = [x; 3]; h[1] = h[0] * y; h[1] + h[2]",
        "let h = []; x",
        "let h = [x]; h",
        "let h = [x, y]; let g = h; g[0]",
        "h[0] = x; x",
        "g(x, ..)",
        "self.g(x)",
        "Self::g(x, y)",
        "g::<f64>(x)",
        "<f64 as Float>::sin(x)",
        "f64::sin(x, y)",
        "let mut z = 0; for _ in 0..n { z = z + x; } z",
        "let mut z = 0.0; while z < 10.0 { z = z * x; while y < z { break; } } z",
        "let mut z = x; for k in 0..n { if k == 2 { return z; } z = z * x; } z",
        "let mut z = x; for k in 0..n { for j in 0..k { if j == 1 { continue; } z = z.sin() * y; if z > 3.0 { return z; } } } z",
        "let mut h = [0.0; 3]; for k in 0..3 { h[k] = h[k] * x + w[k]; } h[0] + h[1] + h[2]",
        "let mut h = [0.0; 3]; for k in 0..3 { h[k] = x; } for k in 0..3 { h[k] = h[k] * h[(k + 1) % 3]; } h[0]",
        "let mut s = 0.0; for (k, &a) in xs.iter().enumerate() { s += a * k as f64; } s",
        "let mut s = 0.0; for (a, b) in xs.iter().zip(w.iter()) { s += a * b; } s",
        "let mut s = 0.0; for ((a, b), c) in xs.iter().zip(w.iter()).zip(v.iter()) { s += a * b * c; } s",
        "let mut s = 0.0; for (k, (a, b)) in xs.iter().zip(w).enumerate() { s += a * b; } s",
        "let mut s = 0.0; for &a in &v { s += a; } s",
        "let mut s = 0.0; for a in v { s += a; } s",
        "let mut s = 0.0; for a in [].iter() { s += a; } s",
        "let mut s = 0.0; for a in xs.iter().zip() { s += a; } s",
        "let mut s = 0.0; for _ in xs.iter().enumerate().enumerate() { s += x; } s",
        "let x = x * 2.0; let x = [x, x]; x[0]",
        "let xs = xs; xs[0]",
        "let w = w; w[0]",
        "let y: f32 = 1.0; x * y as f64",
        "let y: usize = x; y as f64",
        "let mut z = x; z %= y; z",
        "let mut z = x; z <<= 1; z",
        "let mut z = x; z = z; z",
        "let mut z; z = x; z",
        "if x > 0.0 { return x } else { return y }",
        "if x > 0.0 { x } else if y > 0.0 { y } else { return 0.0; }",
        "if x > 0.0 { return x; } else { }; y",
        "while x > 0.0 { return x; } y",
        "while x > 0.0 { } y",
        "for _ in 0..n { } x",
        "for _ in 0..n { x } x",
        "for _ in 0..n { break; continue; } x",
        "let mut z = x; while z > 1.0 { z = z / 2.0; if z < 1.5 { break; } } z",
        "let mut z = x; let mut k = 0; while k < n { z = z.sin(); k += 1; } z",
        "let mut a = x; let mut b = y; for _ in 0..n { let t = a; a = b; b = t * a; } a + b",
        "1.0e400 * x",
        "x.max(f64::NAN).min(f64::INFINITY)",
        "{ { { x } } }",
        "{ let x = 1.0; } x",
        "let _ = x; let _: f64 = y; x",
        "#[allow(unused)] let z = x; z",
        "(x, y).0",
        "[x, y][0]",
        "*&x",
        "&x * 2.0",
        "xs.len() as f64 * x",
        "w.len() as f64 * x",
        "w.iter().sum::<f64>()",
        "xs.iter().map(|a| a * x).sum()",
        "r#x",
        "self",
        "Self",
        "crate::K * x",
    ];
    let attrs = ["", "wrt(x)", "wrt(w)", "wrt(xs, v)", "wrt(y)"];
    for body in bodies {
        for attr in attrs {
            let item = format!("{SIG} {{ {body} }}");
            expand_str(attr, &item);
        }
    }
    let items = [
        "fn f(self: f64) -> f64 { self }",
        "fn f(&self) -> f64 { self.x }",
        "fn f(r#x: f64) -> f64 { r#x }",
        "fn f(x: f64, x: f64) -> f64 { x }",
        "fn f(_: f64) -> f64 { 1.0 }",
        "fn f(x: [f64; 0]) -> f64 { 0.0 }",
        "fn f(x: [f64; 3 - 1]) -> f64 { x[0] }",
        "fn f(x: &[f64; N]) -> f64 { x[0] }",
        "fn f(x: f64) -> f64 where f64: Copy { x }",
        "fn f(x: f64, ...) -> f64 { x }",
        "fn f_grad(x: f64) -> f64 { x }",
        "fn f(x: f64) -> f64 { f_grad(x).0 }",
        "fn f(x: f64) -> f64 { f(x) }",
        "pub(in crate::a) fn f(x: f64) -> f64 { x }",
        "#[cfg(all())] #[doc = \"d\"] fn f(x: f64) -> f64 { x }",
        "fn r#f(x: f64) -> f64 { x }",
        "fn f(x: impl Into<f64>) -> f64 { x.into() }",
        "fn f<'a>(x: &'a [f64]) -> f64 { x[0] }",
        "fn f(x: &mut &mut f64) -> f64 { **x }",
    ];
    for item in items {
        for attr in ["", "wrt(x)", "wrt(self)", "wrt(r#x)"] {
            expand_str(attr, item);
        }
    }
}
