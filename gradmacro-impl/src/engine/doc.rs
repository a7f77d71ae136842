//! The backward pass as `f_grad`'s rustdoc shows it: the generated function, renamed for a
//! reader and pretty-printed. Only the documentation is renamed; the code keeps its hygienic
//! names.
//!
//! Internal names become short readable ones: the gradient returned for parameter `a` is `d_a`;
//! a value or local array the user's code binds to a variable takes its name (`q` for
//! `let q = ...;`, adjoint `d_q`; the later values of a reassigned or shadowed `q` are `q_1`,
//! `q_2`, ... in the order of their numbers, which is the order of the code), and the slot of a
//! variable `y` carried across loop iterations is `y_carried`; the value returned is `out` (its
//! adjoint, the seed, `d_out`) unless it has such a name; other values are numbered in order of
//! appearance (`t1`, `t2`, ... with adjoints `d_t1`, ...), and so are arrays, carried slots
//! (`carry1`), tapes and iterators. No readable name is one the code shown already uses, nor a
//! user's variable's name for another variable's value. Absolute paths lose their prefixes
//! (`f64::exp`, `tie`), and the shape check around a `_grad` call is dropped.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::visit_mut::VisitMut;

use super::idents;
use super::ir::{ArrayRef, Block, Body, LoopKind, Operand, Stmt};
use super::lower::{Binding, Lower};
use super::sig::Sig;

/// The user's names of values, local arrays and carried slots, by the hidden identifier of the
/// value, array or slot (`__v7` → `q`, `__a0` → `h`, `__s0` → `y_carried`).
pub type UserNames = HashMap<String, String>;

/// What `f_grad`'s doc shows: its backward pass, or (`lane_params` is `Some`) its forward mode,
/// whose tangents are named after their values, parameters' included (`__v0` is `x`).
pub struct Pass {
    pub users: UserNames,
    pub lane_params: Option<UserNames>,
}

/// The parameters' values by hidden name, for a forward-mode doc.
pub fn param_names(body: &Body) -> UserNames {
    body.params
        .iter()
        .filter_map(|v| {
            let v = (*v)?;
            Some((format!("__v{v}"), body.vals[v].name.as_ref()?.unraw().to_string()))
        })
        .collect()
}

/// The names [`Lower::name_for_doc`] recorded on `body`'s values and arrays; a loop's slot for
/// a carried variable `y` (whose value at the start of an iteration is named `y`) is
/// `y_carried`.
pub fn user_names(body: &Body) -> UserNames {
    let vals = body.vals.iter().enumerate().filter_map(|(v, i)| Some((format!("__v{v}"), i.user.clone()?)));
    let arrays = body.arrays.iter().enumerate().filter_map(|(s, a)| Some((format!("__a{s}"), a.user.clone()?)));
    let mut names: UserNames = vals.chain(arrays).collect();
    carried_slots(&body.block, &mut names);
    names
}

fn carried_slots(block: &Block, names: &mut UserNames) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::If(i) => {
                carried_slots(&i.then_block, names);
                carried_slots(&i.else_block, names);
            }
            Stmt::Loop(l) => {
                for c in &l.carried {
                    if let Some(user) = names.get(&format!("__v{}", c.entry)) {
                        let slot = format!("{user}_carried");
                        names.insert(format!("__s{}", c.slot), slot);
                    }
                }
                if let LoopKind::While { cond_block, .. } = &l.kind {
                    carried_slots(cond_block, names);
                }
                carried_slots(&l.body, names);
            }
            _ => {}
        }
    }
}

impl Lower<'_> {
    /// Records the name of variable `i` of the environment as the user's name of the value or
    /// local array it now holds, for the doc only. The first name wins (`let y = q;` leaves the
    /// value `q`), a parameter keeps its own, and the pseudo-variables (`$exit`) give none.
    pub(super) fn name_for_doc(&mut self, i: usize) {
        let (name, binding) = &self.env[i];
        let name = name.strip_prefix("r#").unwrap_or(name);
        if name.starts_with('$') || hidden_parts(name).is_some() {
            return;
        }
        let user = match binding {
            Binding::Scalar { op: Operand::Val(v), .. } => {
                self.vals.get_mut(*v).filter(|info| info.name.is_none()).map(|info| &mut info.user)
            }
            Binding::Array { array: ArrayRef::Local(s), .. } => self.arrays.get_mut(*s).map(|a| &mut a.user),
            // A local closure kept as a value for plain code (`let near = |x| ..;`).
            Binding::Closure(lc) => lc.plain.and_then(|v| self.vals.get_mut(v)).map(|info| &mut info.user),
            _ => None,
        };
        if let Some(user @ None) = user {
            *user = Some(name.to_owned());
        }
    }
}

/// A function this long or longer is shown up to this many lines, then a pointer to
/// `gradmacro-show`: a doc comment is read by a person, and rustc keeps every byte of it.
const MAX_LINES: usize = 400;

/// The `# Backward pass` section of `f_grad`'s doc: `header` is `fn f_grad(...) -> (...)` and
/// `body` the generated body.
pub fn backward_pass(sig: &Sig, header: &TokenStream, body: &TokenStream, users: &UserNames) -> Option<String> {
    let (shown, names) = readable(sig, header, body, users, (Vec::new(), UserNames::new()))?;
    let (out, seed) = names.result.clone().unwrap_or_else(|| ("out".to_owned(), "d_out".to_owned()));
    Some(format!(
        "\n\n# Backward pass\n\nThe code `#[differentiate]` generated, with readable names: the forward pass keeps \
         every intermediate value, under the name of the variable it is bound to (a reassigned or shadowed `v` \
         gives `v`, `v_1`, `v_2`, ...) or numbered (`t1`, `t2`, ...), and `{out}` is the value returned; then the \
         backward pass runs the gates in reverse, one local-gradient rule per gate. `d_v` is the derivative of \
         `{out}` with respect to `v`, a parameter, variable or numbered value alike; `{seed}` is the seed, 1.\n\n```text\n{shown}\n```"
    ))
}

/// The `# Forward mode` section of an `f_grad` that runs in forward mode ([`super::lanes`]).
pub fn forward_pass(
    sig: &Sig,
    header: &TokenStream,
    body: &TokenStream,
    users: &UserNames,
    params: &UserNames,
) -> Option<String> {
    let lanes: Vec<String> =
        sig.params.iter().filter(|p| p.active).filter_map(|p| Some(p.ident.as_ref()?.unraw().to_string())).collect();
    let example = lanes.first().cloned().unwrap_or_else(|| "x".to_owned());
    let (shown, names) = readable(sig, header, body, users, (lanes, params.clone()))?;
    let out = names.result.map_or_else(|| "out".to_owned(), |(out, _)| out);
    Some(format!(
        "\n\n# Forward mode\n\nWith few float parameters and a loop whose reverse pass would keep a tape, \
         `#[differentiate]` computes the gradient in forward mode: the code runs once, in constant memory, with \
         the derivative of each value with respect to each parameter it depends on beside it \
         (`#[differentiate(reverse)]` keeps the backward pass instead). The code generated, with readable names: \
         each value is named after the variable it is bound to (a reassigned or shadowed `v` gives `v`, `v_1`, \
         ...) or numbered (`t1`, `t2`, ...), `{out}` is the value returned, and `dv_d{example}` is the \
         derivative of `v` with respect to `{example}`, seeded with `d{example}_d{example} = 1`.\n\n```text\n{shown}\n```"
    ))
}

/// The body printed with readable names, cut to [`MAX_LINES`]; `lanes` names the parameters of
/// a forward-mode body's tangent lanes.
fn readable(
    sig: &Sig,
    header: &TokenStream,
    body: &TokenStream,
    users: &UserNames,
    (lanes, params): (Vec<String>, UserNames),
) -> Option<(String, Names)> {
    // A long body is cut before it is parsed and printed, so that a 10,000-gate function pays
    // for the lines shown, not for the ones that would be cut anyway: one pass over its
    // top-level tokens.
    let (shown_body, cut, last) = prefix(body, MAX_LINES - 2);
    let mut names = Names::new(sig, &shown_body, last.as_ref(), users);
    names.lanes = lanes;
    names.params = params;
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
    Some((shown, names))
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
    /// The names of the value returned and of its adjoint, the seed.
    result: Option<(String, String)>,
    /// The parameter of each tangent lane, in forward mode (`__t7_1` is `dq_dk` for a value
    /// `q` and lane 1 `k`).
    lanes: Vec<String>,
    /// The parameters' values (`__v0` → `x`), whose tangents are `dx_dk`.
    params: UserNames,
}

/// `__t7_1` → `("t", 7, 1)`: a tangent in a lane of forward mode.
fn lane_parts(name: &str) -> Option<(&str, usize, usize)> {
    let (prefix, numbers) = prefix_and_rest(name)?;
    let (n, l) = numbers.split_once('_')?;
    Some((prefix, n.parse().ok()?, l.parse().ok()?))
}

/// `__v7` → `("v", "7")`, `__t7_1` → `("t", "7_1")`: a hidden name's letters and what follows.
fn prefix_and_rest(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("__")?;
    let digits = rest.find(|c: char| c.is_ascii_digit())?;
    Some(rest.split_at(digits))
}

/// `__v7` → `("v", 7)`; `None` for any other identifier.
fn hidden_parts(name: &str) -> Option<(&str, &str)> {
    let (prefix, n) = prefix_and_rest(name)?;
    (!prefix.is_empty() && n.chars().all(|c| c.is_ascii_digit())).then_some((prefix, n))
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
    /// `shown` is the code shown; `last` the body's last token, the returned tuple; `users` the
    /// user's names of values and arrays.
    fn new(sig: &Sig, shown: &TokenStream, last: Option<&TokenTree>, users: &UserNames) -> Names {
        let mut all = HashSet::new();
        idents(shown, &mut all);
        let (hidden, mut taken): (HashSet<String>, HashSet<String>) =
            all.into_iter().partition(|n| hidden_parts(n).is_some());
        if let Some(TokenTree::Group(g)) = last {
            idents(&g.stream(), &mut taken);
            taken.retain(|n| hidden_parts(n).is_none());
        }
        for p in &sig.params {
            if let Some(i) = &p.ident {
                taken.insert(i.unraw().to_string());
            }
        }
        let mut names = Names {
            map: HashMap::new(),
            taken,
            counters: HashMap::new(),
            result: None,
            lanes: Vec::new(),
            params: UserNames::new(),
        };
        let tuple = result_tuple(last);
        let active = sig.params.iter().filter(|p| p.active);
        let result = tuple.first().and_then(single_ident).and_then(|value| {
            let (prefix, n) = hidden_parts(&value)?;
            (prefix == "v").then(|| (value.clone(), format!("__d{n}")))
        });
        // The value returned keeps the user's name only where the code shown (not cut before its
        // end) says so.
        if let Some((value, seed)) = &result
            && !(users.contains_key(value) && hidden.contains(value))
        {
            names.assign(value, "out");
            names.assign(seed, "d_out");
        }
        for (grad, param) in tuple.iter().skip(1).zip(active) {
            if let (Some(g), Some(p)) = (single_ident(grad), &param.ident)
                && hidden_parts(&g).is_some()
            {
                names.assign(&g, &format!("d_{}", p.unraw()));
            }
        }
        names.name_users(&hidden, users);
        names.result =
            result.and_then(|(value, seed)| Some((names.map.get(&value)?.clone(), names.map.get(&seed)?.clone())));
        names
    }

    /// Names the values, arrays and slots of the code shown (`hidden`: its hidden identifiers)
    /// that have a user's name, in the order of their numbers: the first takes the user's name,
    /// the later ones `_1`, `_2`, ..., skipping any that the value or its adjoint would share
    /// with a name taken and any the user gives a variable of their own (`q_1`).
    fn name_users(&mut self, hidden: &HashSet<String>, users: &UserNames) {
        let mut named: Vec<(u8, usize, String, String)> = hidden
            .iter()
            .filter_map(|h| {
                let (prefix, n) = hidden_parts(h)?;
                let (order, value, adjoint) = match prefix {
                    "v" | "d" => (0, format!("__v{n}"), format!("__d{n}")),
                    "a" | "da" => (1, format!("__a{n}"), format!("__da{n}")),
                    "s" | "ds" => (2, format!("__s{n}"), format!("__ds{n}")),
                    _ => return None,
                };
                if !users.contains_key(&value) {
                    return None;
                }
                Some((order, n.parse().ok()?, value, adjoint))
            })
            .collect();
        named.sort_unstable();
        named.dedup();
        let own: HashSet<&str> =
            named.iter().filter_map(|(_, _, value, _)| users.get(value)).map(String::as_str).collect();
        let mut versions: HashMap<&str, usize> = HashMap::new();
        for (_, _, value, adjoint) in &named {
            let Some(user) = users.get(value).filter(|_| !self.map.contains_key(value)) else { continue };
            let k = versions.entry(user).or_insert(0);
            let base = loop {
                let base = if *k == 0 { user.clone() } else { format!("{user}_{k}") };
                // A later value never takes the name of another variable of the user's.
                let theirs = *k > 0 && own.contains(base.as_str());
                *k += 1;
                let taken = self.taken.contains(&base) || self.taken.contains(&format!("d_{base}"));
                if !taken && !theirs {
                    break base;
                }
            };
            let d = format!("d_{base}");
            // A keyword (`r#type` in the user's code) is shown raw; its adjoint needs no `r#`.
            let shown = if syn::parse_str::<Ident>(&base).is_ok() { base.clone() } else { format!("r#{base}") };
            self.taken.insert(base);
            self.taken.insert(d.clone());
            self.map.insert(value.clone(), shown);
            self.map.insert(adjoint.clone(), d);
        }
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
        if let Some((prefix, n, l)) = lane_parts(name) {
            // Named after its value: `dq_dk` beside `q`, `dcarry1_dk` beside slot `carry1`.
            let value = match prefix {
                "t" => format!("__v{n}"),
                "ts" => format!("__s{n}"),
                "ta" => format!("__a{n}"),
                _ => return None,
            };
            let lane = self.lanes.get(l)?.clone();
            let base = match self.params.get(&value) {
                Some(p) => p.clone(),
                None => self.rename(&value)?,
            };
            let base = base.trim_start_matches("r#");
            return Some(self.assign(name, &format!("d{base}_d{lane}")));
        }
        let (prefix, n) = hidden_parts(name)?;
        // A value and its adjoint share their number: `__v7` is `t3` and `__d7` is `d_t3`.
        let (kind, base, adjoint, partner) = match prefix {
            "v" => ("t", "t", false, format!("__d{n}")),
            "d" => ("t", "t", true, format!("__v{n}")),
            "a" => ("arr", "arr", false, format!("__da{n}")),
            "da" => ("arr", "arr", true, format!("__a{n}")),
            "s" => ("carry", "carry", false, format!("__ds{n}")),
            "ds" => ("carry", "carry", true, format!("__s{n}")),
            "g" => ("g", "g", true, format!("__g{n}")),
            "tape" => ("tape", "tape", false, String::new()),
            "ck" => ("snapshots", "snapshots", false, String::new()),
            "cn" => ("segment", "segment", false, String::new()),
            "it" => ("iter", "iter", false, String::new()),
            "n" => ("count", "count", false, String::new()),
            "x" => ("exit", "exit", false, String::new()),
            "pre" => ("pre", "pre", false, String::new()),
            _ => ("tmp", "tmp", false, String::new()),
        };
        // The next number whose name (and adjoint's) nobody has taken: a user's `t1` is not a
        // number's.
        let counter = self.counters.entry(kind).or_insert(0);
        let plain = loop {
            *counter += 1;
            let plain = format!("{base}{counter}");
            if !self.taken.contains(&plain) && !self.taken.contains(&format!("d_{plain}")) {
                break plain;
            }
        };
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
            && let Ok(mut new) = syn::parse_str::<Ident>(&n)
        {
            new.set_span(Span::call_site());
            *i = new;
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
        // `::gradmacro::__private::Field::<F>::value(&p.x)`, a struct field's read: `p.x`.
        if let syn::Expr::Call(c) = e
            && let syn::Expr::Path(f) = &*c.func
            && f.path.leading_colon.is_some()
            && f.path.segments.iter().map(|s| s.ident.to_string()).eq(["gradmacro", "__private", "Field", "value"])
            && c.args.len() == 1
            && let Some(syn::Expr::Reference(r)) = c.args.first()
        {
            *e = (*r.expr).clone();
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_attribute_mut(&mut self, _: &mut syn::Attribute) {}

    // The arguments of a macro kept in `f_grad` (`assert!`, `debug_assert!`) are tokens to syn,
    // not expressions: renamed token by token.
    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        m.tokens = self.rename_tokens(m.tokens.clone());
        syn::visit_mut::visit_macro_mut(self, m);
    }
}

impl Names {
    fn rename_tokens(&mut self, tokens: TokenStream) -> TokenStream {
        tokens
            .into_iter()
            .map(|tt| match tt {
                TokenTree::Ident(mut i) => {
                    self.visit_ident_mut(&mut i);
                    TokenTree::Ident(i)
                }
                TokenTree::Group(g) => {
                    let mut group = proc_macro2::Group::new(g.delimiter(), self.rename_tokens(g.stream()));
                    group.set_span(g.span());
                    TokenTree::Group(group)
                }
                other => other,
            })
            .collect()
    }
}
