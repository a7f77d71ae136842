//! The backward pass as `f_grad`'s rustdoc shows it: the generated function, renamed for a
//! reader and pretty-printed. Only the documentation is renamed; the code keeps its hygienic
//! names.
//!
//! Internal names become short readable ones: the gradient returned for parameter `a` is `d_a`,
//! the value returned is `out` (its adjoint, the seed, `d_out`), other values are numbered in
//! order of appearance (`t1`, `t2`, ... with adjoints `d_t1`, ...), and so are arrays, carried
//! variables, tapes and iterators. Absolute paths lose their prefixes (`f64::exp`, `tie`), and
//! the shape check around a `_grad` call is dropped.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::visit_mut::VisitMut;

use super::sig::Sig;

/// A function this long or longer is shown up to this many lines, then a pointer to
/// `gradmacro-show`: a doc comment is read by a person, and rustc keeps every byte of it.
const MAX_LINES: usize = 400;

/// The `# Backward pass` section of `f_grad`'s doc: `header` is `fn f_grad(...) -> (...)` and
/// `body` the generated body.
pub fn backward_pass(sig: &Sig, header: &TokenStream, body: &TokenStream) -> Option<String> {
    // A long body is cut before it is parsed and printed, so that a 10,000-gate function pays
    // for the lines shown, not for the ones that would be cut anyway: one pass over its
    // top-level tokens.
    let (shown_body, cut, last) = prefix(body, MAX_LINES - 2);
    let mut names = Names::new(sig, &shown_body, last.as_ref());
    let mut file: syn::File = syn::parse2(quote!(#header { #shown_body })).ok()?;
    names.visit_file_mut(&mut file);
    let code = prettyplease::unparse(&file);
    // Lint levels are for the compiler, not the reader.
    let lines: Vec<&str> =
        code.lines().filter(|l| !(l.trim_start().starts_with("#[allow(") && l.trim_end().ends_with(")]"))).collect();
    let more = "`cargo run -p gradmacro-show -- FILE.rs FN` prints them all";
    let shown = if lines.len() > MAX_LINES {
        let mut s = lines[..MAX_LINES].join("\n");
        s.push_str(&format!("\n// ... {} more lines: {more}", lines.len() - MAX_LINES));
        s
    } else if cut > 0 {
        // The printed prefix ends with the function's closing brace; the note goes inside.
        let (last, init) = lines.split_last()?;
        format!("{}\n    // ... {cut} more statements: {more}\n{last}", init.join("\n"))
    } else {
        lines.join("\n")
    };
    Some(format!(
        "\n\n# Backward pass\n\nThe code `#[differentiate]` generated, with readable names: the forward pass keeps \
         every intermediate value (`t1`, `t2`, ...; `out` is the value returned), then the backward pass runs \
         the gates in reverse, one local-gradient rule per gate. `d_x` is the derivative of `out` with respect \
         to `x`; `d_out` is the seed, 1.\n\n```text\n{shown}\n```"
    ))
}

/// The first `n` top-level statements of `body` (each ends with a `;` outside any group, or is a
/// block-like statement before the next one), how many top-level `;`-statements were left out,
/// and the last token (the tuple `(value, gradients...)`).
fn prefix(body: &TokenStream, n: usize) -> (TokenStream, usize, Option<TokenTree>) {
    let mut out = TokenStream::new();
    let mut ends = 0;
    let mut rest = 0;
    let mut last = None;
    for tt in body.clone() {
        let end = matches!(&tt, TokenTree::Punct(p) if p.as_char() == ';');
        if ends < n {
            out.extend([tt.clone()]);
        } else if end {
            rest += 1;
        }
        if end {
            ends += 1;
        }
        last = Some(tt);
    }
    (if rest > 0 { out } else { body.clone() }, rest, last)
}

/// The renaming: hidden identifier → readable name.
struct Names {
    map: HashMap<String, String>,
    /// Names the user's code already uses, which a readable name must not shadow.
    taken: HashSet<String>,
    counters: HashMap<&'static str, usize>,
}

/// `__v7` → `("v", 7)`; `None` for any other identifier.
fn hidden_parts(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("__")?;
    let digits = rest.find(|c: char| c.is_ascii_digit())?;
    let (prefix, n) = rest.split_at(digits);
    (!prefix.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then_some((prefix, n))
}

fn idents(tokens: &TokenStream, out: &mut HashSet<String>) {
    for tt in tokens.clone() {
        match tt {
            TokenTree::Ident(i) => {
                out.insert(i.unraw().to_string());
            }
            TokenTree::Group(g) => idents(&g.stream(), out),
            _ => {}
        }
    }
}

/// The parts of the last expression of the body, the tuple `(value, gradients...)`.
fn result_tuple(last: Option<&TokenTree>) -> Vec<TokenStream> {
    let Some(TokenTree::Group(g)) = last else {
        return Vec::new();
    };
    if g.delimiter() != proc_macro2::Delimiter::Parenthesis {
        return Vec::new();
    }
    let mut parts = vec![TokenStream::new()];
    for tt in g.stream() {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(TokenStream::new()),
            _ => parts.last_mut().into_iter().for_each(|s| s.extend([tt.clone()])),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

fn single_ident(t: &TokenStream) -> Option<String> {
    let mut it = t.clone().into_iter();
    match (it.next(), it.next()) {
        (Some(TokenTree::Ident(i)), None) => Some(i.to_string()),
        _ => None,
    }
}

impl Names {
    /// `shown` is the code shown; `last` the body's last token, the returned tuple.
    fn new(sig: &Sig, shown: &TokenStream, last: Option<&TokenTree>) -> Names {
        let mut taken = HashSet::new();
        idents(shown, &mut taken);
        if let Some(TokenTree::Group(g)) = last {
            idents(&g.stream(), &mut taken);
        }
        for p in &sig.params {
            if let Some(i) = &p.ident {
                taken.insert(i.unraw().to_string());
            }
        }
        taken.retain(|n| hidden_parts(n).is_none());
        let mut names = Names { map: HashMap::new(), taken, counters: HashMap::new() };
        let tuple = result_tuple(last);
        let active = sig.params.iter().filter(|p| p.active);
        if let Some(value) = tuple.first().and_then(single_ident)
            && let Some((prefix, n)) = hidden_parts(&value)
            && prefix == "v"
        {
            names.assign(&value, "out");
            names.assign(&format!("__d{n}"), "d_out");
        }
        for (grad, param) in tuple.iter().skip(1).zip(active) {
            if let (Some(g), Some(p)) = (single_ident(grad), &param.ident)
                && hidden_parts(&g).is_some()
            {
                names.assign(&g, &format!("d_{}", p.unraw()));
            }
        }
        names
    }

    /// Gives `hidden` the name `wanted`, or `wanted_`, ... if the user's code uses it.
    fn assign(&mut self, hidden: &str, wanted: &str) -> String {
        if let Some(n) = self.map.get(hidden) {
            return n.clone();
        }
        let mut name = wanted.to_owned();
        while self.taken.contains(&name) {
            name.push('_');
        }
        self.taken.insert(name.clone());
        self.map.insert(hidden.to_owned(), name.clone());
        name
    }

    fn rename(&mut self, name: &str) -> Option<String> {
        if let Some(n) = self.map.get(name) {
            return Some(n.clone());
        }
        let (prefix, n) = hidden_parts(name)?;
        // A value and its adjoint share their number: `__v7` is `t3` and `__d7` is `d_t3`.
        let (kind, base, adjoint, partner) = match prefix {
            "v" => ("t", "t", false, format!("__d{n}")),
            "d" => ("t", "t", true, format!("__v{n}")),
            "a" => ("arr", "arr", false, format!("__da{n}")),
            "da" => ("arr", "arr", true, format!("__a{n}")),
            "s" => ("s", "s", false, format!("__ds{n}")),
            "ds" => ("s", "s", true, format!("__s{n}")),
            "g" => ("g", "g", true, format!("__g{n}")),
            "tape" => ("tape", "tape", false, String::new()),
            "it" => ("iter", "iter", false, String::new()),
            "n" => ("count", "count", false, String::new()),
            "x" => ("exit", "exit", false, String::new()),
            _ => ("tmp", "tmp", false, String::new()),
        };
        let counter = self.counters.entry(kind).or_insert(0);
        *counter += 1;
        let plain = format!("{base}{counter}");
        let (own, other) = if adjoint { (format!("d_{plain}"), plain) } else { (plain.clone(), format!("d_{plain}")) };
        let own = self.assign(name, &own);
        if !partner.is_empty() && !self.map.contains_key(&partner) {
            self.assign(&partner, &other);
        }
        Some(own)
    }
}

/// Drops `::core::x::` and `::gradmacro::__private::` from the front of `p`, if fewer than `limit`
/// segments go; how many went.
fn strip_prefix(p: &mut syn::Path, limit: usize) -> usize {
    let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
    let drop = match segs.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["core", _, _, ..] if p.leading_colon.is_some() => 2,
        ["gradmacro", "__private", _, ..] if p.leading_colon.is_some() => 2,
        _ => 0,
    };
    if drop == 0 || drop >= limit {
        return 0;
    }
    p.leading_colon = None;
    p.segments = p.segments.iter().skip(drop).cloned().collect();
    drop
}

impl Names {
    fn qualified(&mut self, q: &mut syn::QSelf, p: &mut syn::Path) {
        self.visit_type_mut(&mut q.ty);
        q.position -= strip_prefix(p, q.position);
        for s in &mut p.segments {
            self.visit_path_segment_mut(s);
        }
    }
}

impl VisitMut for Names {
    fn visit_ident_mut(&mut self, i: &mut Ident) {
        // A name that is not an identifier (never expected) leaves the hidden one: the doc
        // must not make the macro panic.
        if let Some(n) = self.rename(&i.to_string())
            && let Ok(new) = syn::parse_str::<Ident>(&n)
        {
            *i = Ident::new(&new.to_string(), Span::call_site());
        }
    }

    fn visit_path_mut(&mut self, p: &mut syn::Path) {
        strip_prefix(p, usize::MAX);
        syn::visit_mut::visit_path_mut(self, p);
    }

    // `<T as ::core::default::Default>::default`: the prefix is part of the trait, which the
    // `<..>` counts segments of (syn panics printing a count past the end).
    fn visit_expr_path_mut(&mut self, e: &mut syn::ExprPath) {
        match &mut e.qself {
            Some(q) => self.qualified(q, &mut e.path),
            None => self.visit_path_mut(&mut e.path),
        }
    }

    fn visit_type_path_mut(&mut self, t: &mut syn::TypePath) {
        match &mut t.qself {
            Some(q) => self.qualified(q, &mut t.path),
            None => self.visit_path_mut(&mut t.path),
        }
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        // `::gradmacro::__private::companion::<..>(g_grad(..))` only checks the shape of what
        // `g_grad` returns: the reader sees the call.
        if let syn::Expr::Call(c) = e
            && let syn::Expr::Path(f) = &*c.func
            && f.path.leading_colon.is_some()
            && f.path.segments.len() == 3
            && f.path.segments.iter().map(|s| s.ident.to_string()).eq(["gradmacro", "__private", "companion"])
            && c.args.len() == 1
            && let Some(arg) = c.args.first()
        {
            *e = arg.clone();
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_attribute_mut(&mut self, _: &mut syn::Attribute) {}
}
