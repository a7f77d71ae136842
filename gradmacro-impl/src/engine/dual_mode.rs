//! Whether the backward pass being emitted is `f_grad`'s or `f_hvp`'s (the same program run in
//! the dual number `::gradmacro::__private::Dual<F>`, forward over reverse).
//!
//! In the dual program every active value and every adjoint is a dual; inactive values stay of
//! the float type `F`. The emitter writes the same code for both, except where a token fixes a
//! type: the literals that start an adjoint (`0.0`, `-0.0`, `1.0`), a gate's operands (lifted to
//! duals, so that the dual type only needs dual ⊕ dual methods), the float path of a gate
//! (`F::exp` becomes `Dual::<F>::exp`), the sparse skip (an adjoint is skipped only when its
//! value and its tangent are 0). Each such site asks this module; outside the dual program every
//! helper returns exactly its input, so `f_grad` is unchanged token for token.

use std::cell::Cell;

use proc_macro2::TokenStream;
use quote::quote;

use super::sig::Float;

thread_local! {
    static DUAL: Cell<Option<Float>> = const { Cell::new(None) };
}

/// Emits the dual program while it lives.
pub struct Guard(Option<Float>);

impl Guard {
    pub fn new(f: Float) -> Self {
        Guard(DUAL.with(|d| d.replace(Some(f))))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        DUAL.with(|d| d.set(self.0));
    }
}

pub fn on() -> bool {
    DUAL.with(Cell::get).is_some()
}

/// `::gradmacro::__private::Dual::<F>`.
pub fn dual_path(f: Float) -> TokenStream {
    let p = f.path();
    quote!(::gradmacro::__private::Dual::<#p>)
}

/// `t` (a float literal or value) as a dual in the dual program, else `t`.
pub fn lift(t: TokenStream) -> TokenStream {
    match DUAL.with(Cell::get) {
        // A literal is `{float}` to the compiler until something fixes its type: `new` fixes it.
        Some(f) if is_literal(&t) => {
            let d = dual_path(f);
            quote!(<#d>::new(#t, 0.0))
        }
        // A placeholder of a path not taken takes its type from the other path.
        Some(_) if t.to_string().replace(' ', "") == "::core::default::Default::default()" => t,
        Some(f) => {
            let d = dual_path(f);
            quote!(<#d as ::core::convert::From<_>>::from(#t))
        }
        None => t,
    }
}

/// A float literal, possibly negated (`0.5`, `-0.0`).
fn is_literal(t: &TokenStream) -> bool {
    use proc_macro2::TokenTree as T;
    let tts: Vec<T> = t.clone().into_iter().collect();
    match tts.as_slice() {
        [T::Literal(l)] => is_float_literal(&l.to_string()),
        [T::Punct(p), T::Literal(l)] => p.as_char() == '-' && is_float_literal(&l.to_string()),
        _ => false,
    }
}

/// The path gate methods are called through: the float type, or the dual type.
pub fn float_path(f: Float) -> TokenStream {
    match DUAL.with(Cell::get) {
        Some(f) => dual_path(f),
        None => f.path(),
    }
}

/// The float type whatever the program (for `n as F`).
pub fn primitive(f: &TokenStream) -> TokenStream {
    match DUAL.with(Cell::get) {
        Some(p) => p.path(),
        None => f.clone(),
    }
}

/// The exact tie a rule tests (on values).
pub fn tie() -> TokenStream {
    match DUAL.with(Cell::get) {
        Some(f) => {
            let d = dual_path(f);
            quote!(#d::tie)
        }
        None => quote!(::gradmacro::__private::tie),
    }
}

/// The condition under which the backward pass skips the work downstream of adjoint `d`.
pub fn nonzero(d: &TokenStream) -> TokenStream {
    match DUAL.with(Cell::get) {
        Some(f) => {
            let p = dual_path(f);
            quote!(!#p::is_zero(#d))
        }
        None => quote!(!::gradmacro::__private::tie(#d, 0.0)),
    }
}

/// In the dual program, `t` (zeros for an adjoint, the type of an active local array) with its
/// float literals lifted to duals and the float type (`::core::primitive::F`, a generic
/// function's `F`) replaced by the dual type; else `t`.
pub fn retype(t: &TokenStream) -> TokenStream {
    use proc_macro2::TokenTree as T;
    let Some(f) = DUAL.with(Cell::get) else {
        return t.clone();
    };
    let tts: Vec<T> = t.clone().into_iter().collect();
    let is_punct = |i: usize, c: char| matches!(tts.get(i), Some(T::Punct(p)) if p.as_char() == c);
    let is_ident = |i: usize, s: &str| matches!(tts.get(i), Some(T::Ident(id)) if id == s);
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < tts.len() {
        if is_punct(i, ':')
            && is_punct(i + 1, ':')
            && is_ident(i + 2, "core")
            && is_punct(i + 3, ':')
            && is_punct(i + 4, ':')
            && is_ident(i + 5, "primitive")
            && is_punct(i + 6, ':')
            && is_punct(i + 7, ':')
            && (is_ident(i + 8, "f64") || is_ident(i + 8, "f32"))
        {
            out.extend(dual_path(f));
            i += 9;
            continue;
        }
        // A generic function's float type is its parameter `F` (not `F::one()`, a constant).
        if let Some(T::Ident(id)) = tts.get(i)
            && super::generic_mode::is_param(&id.to_string())
            && !(is_punct(i + 1, ':') && is_punct(i + 2, ':'))
        {
            out.extend(dual_path(f));
            i += 1;
            continue;
        }
        match &tts[i] {
            T::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), retype(&g.stream()));
                ng.set_span(g.span());
                out.extend([T::Group(ng)]);
            }
            T::Literal(l) if is_float_literal(&l.to_string()) => out.extend(lift(quote!(#l))),
            other => out.extend([other.clone()]),
        }
        i += 1;
    }
    out
}

fn is_float_literal(s: &str) -> bool {
    if !s.starts_with(|c: char| c.is_ascii_digit()) || s.starts_with("0x") || s.starts_with("0b") {
        return false;
    }
    if s.ends_with("f64") || s.ends_with("f32") {
        return true;
    }
    // An integer suffix (`3usize`, `2u8`) has letters that are not an exponent.
    let letters = s.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E' && c != '_');
    !letters && (s.contains('.') || s.contains(['e', 'E']))
}

/// `t` with every identifier `from` (not a field after `.`) replaced by `to`.
pub fn substitute(t: &TokenStream, from: &str, to: &proc_macro2::Ident) -> TokenStream {
    use proc_macro2::TokenTree as T;
    let mut out = TokenStream::new();
    let (mut after_dot, mut prev_joint_dot) = (false, false);
    for tt in t.clone() {
        let next = match &tt {
            T::Ident(i) if i == from && !after_dot => T::Ident(to.clone()),
            T::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), substitute(&g.stream(), from, to));
                ng.set_span(g.span());
                T::Group(ng)
            }
            other => other.clone(),
        };
        // A field access `x.f`, not the end of a range `a..b` (whose first `.` is joint).
        after_dot = matches!(&tt, T::Punct(p) if p.as_char() == '.' && p.spacing() == proc_macro2::Spacing::Alone)
            && !prev_joint_dot;
        prev_joint_dot = matches!(&tt, T::Punct(p) if p.as_char() == '.' && p.spacing() == proc_macro2::Spacing::Joint);
        out.extend([next]);
    }
    out
}
