//! Structs and nested arrays in the `p` family (issue 13, CONTRACT.md §7): a fifth of the
//! programs take their float parameters as fields of a struct `q: &verify::Sx` (or `verify::Sx`
//! by value), the slice `s` as a `Vec` field of it (`q.c[i]`), as a slice of structs
//! (`ps: &[verify::Se]`, read `ps[i].v` or through a nested struct `ps[i].pos.y`) or as a nested
//! array (`rows: &[[f64; 2]]`, read `rows[i][1]`), and the array `w` as an array field
//! (`q.w[k]`). The body is the one drawn for the plain parameters, rewritten read by read, so
//! every construct of the grammar (loops, branches, chains, closures, calls) reads the struct;
//! the dual program keeps the plain parameters, and the check builds the struct arguments from
//! the point and reads the gradient back out of the struct gradients.
//!
//! A parameter is moved into a struct only when the body reads it by index (and `s` also by
//! `s.len()`): a struct's field cannot be iterated over (the engine rejects it), and the helpers
//! take the plain slice.

use std::fmt::Write as _;

use super::{Rng, Sig, SliceKind, replace_word};

/// Where the index reads `s[i]` of the slice `s` go.
#[derive(Clone, Copy, PartialEq)]
pub enum SDest {
    /// Stay reads of `s`.
    Keep,
    /// The `Vec` field `q.c`.
    Field,
    /// A slice of structs `ps` (`&[Se]`, `&Vec<Se>` or `Vec<Se>`), read through `path`.
    Elems(SliceKind, &'static str),
    /// A nested array `rows: &[[f64; 2]]`, read as `rows[i][1]`.
    Rows,
}

pub struct Plan {
    q_ref: bool,
    s: SDest,
    /// `s` is also read whole (iterated, passed to a helper): it stays a parameter beside its
    /// copy, and its gradient is the sum of both.
    keep_s: bool,
    /// Likewise for `w`, whose index reads go to `q.w`.
    keep_w: bool,
    /// The reads of `x0` and `x2` go through a call `verify::sx_x(q, k)` that takes `q` whole
    /// (only with `q: &Sx`: a `move` closure would take an owned `q` away). Such a program has
    /// no `forward` (the macro does not take struct arguments there yet).
    pub calls: bool,
    /// The integer parameter `n` is read as the constant field `q.id` (`0..q.id`, `i % q.id`,
    /// `q.id as f64`): an integer field of a differentiated struct, in every integer context.
    n_field: bool,
}

/// Whether every whole-word `word` in `text` is followed by one of `after`.
fn only_followed_by(text: &str, word: &str, after: &[&str]) -> bool {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut from = 0;
    while let Some(k) = text[from..].find(word) {
        let at = from + k;
        let end = at + word.len();
        if !after_ident_or_field(&text[..at])
            && !ident(text[end..].chars().next())
            && !after.iter().any(|a| text[end..].starts_with(a))
        {
            return false;
        }
        from = end;
    }
    true
}

/// `s[E]` to `{to}[E]{suffix}` (brackets matched).
fn reindex(text: &str, word: &str, to: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(k) = rest.find(word) {
        let tail = &rest[k + word.len()..];
        if after_ident_or_field(&format!("{out}{}", &rest[..k])) || !tail.starts_with('[') {
            out.push_str(&rest[..k + word.len()]);
            rest = tail;
            continue;
        }
        out.push_str(&rest[..k]);
        let mut depth = 0usize;
        let mut close = 0;
        for (i, c) in tail.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = reindex(&tail[1..close], word, to, suffix);
        let _ = write!(out, "{to}[{inner}]{suffix}");
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Draws the rewriting for a program whose body is `body_p`, or `None` (four programs in five,
/// and those with a tuple parameter). Drawn after everything else of the program, so the other
/// programs and this one's body are the same as without it.
pub fn draw(rng: &mut Rng, body_p: &str, slice: SliceKind, tuple: bool) -> Option<Plan> {
    if tuple || !rng.chance(0.2) {
        return None;
    }
    let q_ref = rng.chance(0.7);
    let keep_w = !only_followed_by(body_p, "w", &["["]);
    let s = match rng.below(6) {
        0 => SDest::Field,
        1..=3 => SDest::Elems(slice, if rng.chance(0.5) { ".v" } else { ".pos.y" }),
        4 => SDest::Rows,
        _ => SDest::Keep,
    };
    // A sub-slice of `s` (`s[1..].iter()`) has no counterpart among struct elements or rows.
    let sub_slice = ["s[1..", "s[..", "s[0..", "s[s.len() - 2.."].iter().any(|t| body_p.contains(t));
    let s = if sub_slice && matches!(s, SDest::Elems(..) | SDest::Rows) { SDest::Keep } else { s };
    // A name bound to a sub-slice (`let t = &s[1..];`) and windows of a sub-slice
    // (`s[1..].windows(2)`) are windows of an array by name only.
    let s = if body_p.contains("= &s[") || body_p.contains("s[1..].windows") || body_p.contains("s[1..].chunks") {
        SDest::Keep
    } else {
        s
    };
    // `s` goes where it is only indexed and measured, and for a field also where it is iterated
    // (`q.c.iter()`: a loop over a differentiated struct's array field).
    let iterated: &[&str] = if s == SDest::Field { &["[", ".len()", ".iter()"] } else { &["[", ".len()"] };
    let keep_s = !only_followed_by(body_p, "s", iterated);
    // A `move` closure that reads `s` would move the `Vec` field `q.c` out of a `q` taken by
    // value (E0382 at the next read): `q` is then taken by reference.
    let q_ref = q_ref || (s == SDest::Field && body_p.contains("move |"));
    let calls = q_ref && rng.chance(0.4);
    let n_field = rng.chance(0.5);
    Some(Plan { q_ref, s, keep_s: keep_s || s == SDest::Keep, keep_w, calls, n_field })
}

/// What the program's text and its check look like with the plan applied.
pub struct Rendered {
    pub body_p: String,
    pub params_p: Vec<String>,
    pub args: Vec<String>,
    /// `wrt(..)` names.
    pub wrt: Vec<String>,
    /// `pK_jvp`'s tangents.
    pub targs: Vec<String>,
    /// Gradient names, in the order `pK_grad` returns them.
    pub gnames: Vec<String>,
    /// Pushes the flat gradient (`x0.., s.., w..`) and its active flags.
    pub unpack: String,
}

/// The plan applied; `wrt` are the plain parameters' flags (`x0..`, `s`, `w`).
pub fn render(plan: &Plan, body_p: &str, sig: Sig, wrt: &[bool]) -> Rendered {
    let Sig { nf, has_w, w_ref, has_n, slice } = sig;
    let mut body = body_p.to_string();
    for i in 0..nf {
        let read = if plan.calls && i % 2 == 0 { format!("verify::sx_x(q, {i})") } else { format!("q.x{i}") };
        body = replace_word(&body, &format!("x{i}"), &read);
    }
    if has_w {
        body = reindex(&body, "w", "q.w", "");
    }
    let n_field = has_n && plan.n_field;
    if n_field {
        body = replace_word(&body, "n", "q.id");
        // A helper's `n: usize` argument: the macro cannot see that the field is an integer
        // there (a field passed to a differentiated function is a float argument), so the
        // program binds it with its type first, as the docs say to.
        if body.contains(", q.id)") {
            body = format!("    let n: usize = q.id;\n{}", body.replace(", q.id)", ", n)"));
        }
    }
    // `s.len()` is rewritten only where `s` is gone.
    let len = |b: &str, to: &str| if plan.keep_s { b.to_string() } else { replace_method(b, ".len()", to) };
    body = match plan.s {
        SDest::Keep => body,
        SDest::Field if !plan.keep_s => reindex(&replace_method(&len(&body, "q.c"), ".iter()", "q.c"), "s", "q.c", ""),
        SDest::Field => reindex(&body, "s", "q.c", ""),
        SDest::Elems(_, path) => reindex(&len(&body, "ps"), "s", "ps", path),
        SDest::Rows => reindex(&len(&body, "rows"), "s", "rows", "[1]"),
    };
    let s_on = wrt[nf];
    let w_on = has_w && wrt[nf + 1];
    // The struct is active when any of what it holds is; all its floats are then compared.
    let q_on = wrt[..nf].contains(&true) || (plan.s == SDest::Field && s_on) || w_on;
    let amp = if plan.q_ref { "&" } else { "" };
    let mut r = Rendered {
        body_p: body,
        params_p: vec![format!("q: {amp}verify::Sx")],
        args: vec![if n_field {
            format!("{amp}verify::sx_n(&pt.x, &pt.s, pt.w, pt.n)")
        } else {
            format!("{amp}verify::sx(&pt.x, &pt.s, pt.w)")
        }],
        wrt: Vec::new(),
        targs: Vec::new(),
        gnames: Vec::new(),
        unpack: String::new(),
    };
    let ts = format!("&t[{nf}..{nf} + pt.s.len()]");
    let tw = format!("[t[{nf} + pt.s.len()], t[{nf} + pt.s.len() + 1], t[{nf} + pt.s.len() + 2]]");
    // Whether the flat `s` and `w` components are compared: with a parameter of their own, when
    // it is active; held by `q` only, when `q` is.
    let s_cmp = if plan.s == SDest::Field && !plan.keep_s { q_on } else { s_on };
    let w_cmp = if plan.keep_w { w_on } else { q_on };
    if q_on {
        r.wrt.push("q".into());
        r.gnames.push("gq".into());
        // A tangent only where the flat tangent is compared.
        let c = if plan.s == SDest::Field && s_cmp { ts.clone() } else { "&vec![0.0; pt.s.len()]".to_string() };
        let w = if has_w && w_cmp { tw.clone() } else { "[0.0; 3]".to_string() };
        let mut x = (0..nf).map(|i| format!("t[{i}]")).collect::<Vec<_>>();
        x.resize(4, "0.0".into());
        r.targs.push(format!("&verify::sx(&[{}], {c}, {w})", x.join(", ")));
    }
    if plan.keep_s {
        let (ty, arg) = match slice {
            SliceKind::Slice => ("&[f64]", "&pt.s"),
            SliceKind::RefVec => ("&Vec<f64>", "&pt.s"),
            SliceKind::Vec => ("Vec<f64>", "pt.s.clone()"),
        };
        r.params_p.push(format!("s: {ty}"));
        r.args.push(arg.into());
        if s_on {
            r.wrt.push("s".into());
            r.gnames.push("gs".into());
            r.targs.push(ts.clone());
        }
    }
    match plan.s {
        SDest::Keep | SDest::Field => {}
        SDest::Elems(kind, _) => {
            let (ty, arg) = match kind {
                SliceKind::Slice => ("&[verify::Se]", "&verify::se(&pt.s)"),
                SliceKind::RefVec => ("&Vec<verify::Se>", "&verify::se(&pt.s)"),
                SliceKind::Vec => ("Vec<verify::Se>", "verify::se(&pt.s)"),
            };
            r.params_p.push(format!("ps: {ty}"));
            r.args.push(arg.into());
            if s_on {
                r.wrt.push("ps".into());
                r.gnames.push("gps".into());
                r.targs.push(format!("&verify::se({ts})"));
            }
        }
        SDest::Rows => {
            r.params_p.push("rows: &[[f64; 2]]".into());
            r.args.push("&verify::rows(&pt.s)".into());
            if s_on {
                r.wrt.push("rows".into());
                r.gnames.push("grows".into());
                r.targs.push(format!("&verify::rows({ts})"));
            }
        }
    }
    if has_w && plan.keep_w {
        r.params_p.push(if w_ref { "w: &[f64; 3]" } else { "w: [f64; 3]" }.into());
        r.args.push(if w_ref { "&pt.w" } else { "pt.w" }.into());
        if w_on {
            r.wrt.push("w".into());
            r.gnames.push("gw".into());
            r.targs.push(tw);
        }
    }
    if has_n && !n_field {
        r.params_p.push("n: usize".into());
        r.args.push("pt.n".into());
    }
    // The flat gradient `x0.., s.., w..`: each component the sum of the gradients of where it
    // went (a kept parameter and its copy).
    let mut push = |on: bool, what: String, len: &str| {
        if on {
            let _ = write!(r.unpack, "\n    grad.extend({what});\n    active.resize(grad.len(), true);");
        } else {
            let _ =
                write!(r.unpack, "\n    grad.resize(grad.len() + {len}, 0.0);\n    active.resize(grad.len(), false);");
        }
    };
    for i in 0..nf {
        push(q_on, format!("[gq.x{i}]"), "1");
    }
    let copy = match plan.s {
        SDest::Keep => None,
        SDest::Field => Some("gq.c.iter().copied()".to_string()),
        SDest::Elems(_, path) => Some(format!("gps.iter().map(|e| e{path})")),
        SDest::Rows => Some("grows.iter().map(|r| r[1])".to_string()),
    };
    let s_flat = match (plan.keep_s, copy) {
        (true, None) => "gs.iter().copied()".to_string(),
        (true, Some(c)) => format!("gs.iter().zip({c}).map(|(a, b)| a + b)"),
        (false, Some(c)) => c,
        (false, None) => unreachable!("`s` is kept when nothing takes its reads"),
    };
    push(s_cmp, s_flat, "pt.s.len()");
    if has_w {
        let w_flat = if plan.keep_w { "gw.iter().zip(gq.w).map(|(a, b)| a + b)" } else { "gq.w" };
        push(w_cmp, w_flat.to_string(), "3");
    }
    r
}

/// Whether text ending in `before` continues an identifier or a field access (`a.s`, not the
/// range `0..s`).
fn after_ident_or_field(before: &str) -> bool {
    let mut rev = before.chars().rev();
    match rev.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => true,
        Some('.') => rev.next() != Some('.'),
        _ => false,
    }
}

/// `s{method}` (`s.len()`, `s.iter()`) to `{to}{method}`.
fn replace_method(text: &str, method: &str, to: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    let call = format!("s{method}");
    while let Some(k) = rest.find(&call) {
        out.push_str(&rest[..k]);
        if after_ident_or_field(&out) {
            out.push_str(&call);
        } else {
            let _ = write!(out, "{to}{method}");
        }
        rest = &rest[k + call.len()..];
    }
    out.push_str(rest);
    out
}
