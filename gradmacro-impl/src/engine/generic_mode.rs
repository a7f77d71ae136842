//! Generic functions `fn f<F: num_traits::Float>(..) -> F`: the companions are generic over the
//! same `F`.
//!
//! The engine lowers and differentiates a generic function as the `f64` program (the float type
//! is only a name in the code it writes), with [`sig::Float::path`] naming `F` while the guard
//! lives. What fixes a type in that program is then rewritten by [`rewrite`] in the companions'
//! bodies: the engine's float literals (`1.0`, `0.5`, the zeros of adjoints) and its
//! `::core::f64::consts::*` become `F` values through `::gradmacro::__private::lit`, and the
//! runtime helpers that need `Default` (which `Float` does not imply) take their `Float`
//! versions. Outside a generic function nothing here changes a token.
//!
//! [`sig::Float::path`]: super::sig::Float::path

use std::cell::RefCell;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};

use super::Errors;
use super::gates::M;

thread_local! {
    static PARAM: RefCell<Option<Ident>> = const { RefCell::new(None) };
}

/// Emits the companions of a generic function (over the given type parameter) while it lives.
pub struct Guard(Option<Ident>);

impl Guard {
    pub fn new(f: Option<Ident>) -> Self {
        Guard(PARAM.with(|p| p.replace(f)))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let old = self.0.take();
        PARAM.with(|p| *p.borrow_mut() = old);
    }
}

/// The float type parameter, in a generic function.
pub fn param() -> Option<Ident> {
    PARAM.with(|p| p.borrow().clone())
}

pub fn on() -> bool {
    PARAM.with(|p| p.borrow().is_some())
}

/// Whether `name` is the float type parameter.
pub fn is_param(name: &str) -> bool {
    PARAM.with(|p| p.borrow().as_ref().is_some_and(|f| f == name))
}

/// Associated functions of `Float` and `FloatConst` that are constants: `F::one()`, `F::PI()`.
const CONSTANTS: &[&str] = &[
    "zero",
    "one",
    "epsilon",
    "infinity",
    "neg_infinity",
    "nan",
    "neg_zero",
    "max_value",
    "min_value",
    "min_positive_value",
    "E",
    "FRAC_1_PI",
    "FRAC_1_SQRT_2",
    "FRAC_2_PI",
    "FRAC_2_SQRT_PI",
    "FRAC_PI_2",
    "FRAC_PI_3",
    "FRAC_PI_4",
    "FRAC_PI_6",
    "FRAC_PI_8",
    "LN_10",
    "LN_2",
    "LOG10_E",
    "LOG2_E",
    "PI",
    "SQRT_2",
    "TAU",
    "LOG10_2",
    "LOG2_10",
];

/// `F::name()` with no arguments is a constant.
pub fn is_constant_fn(name: &str) -> bool {
    CONSTANTS.contains(&name)
}

/// Gates whose method `num_traits::Float` does not have.
pub fn lacks(m: M) -> bool {
    matches!(m, M::RemEuclid | M::DivEuclid | M::RoundTiesEven)
}

/// The float type parameter of `generics`, if there is one; every other type parameter (and a
/// second float one) is reported. Lifetimes and const generics are left alone.
pub fn detect(generics: &syn::Generics, errors: &mut Errors) -> Option<Ident> {
    let mut found: Option<Ident> = None;
    for p in &generics.params {
        let syn::GenericParam::Type(t) = p else { continue };
        let bounded = t.bounds.iter().any(is_float_bound)
            || generics.where_clause.as_ref().is_some_and(|w| {
                w.predicates.iter().any(|pr| match pr {
                    syn::WherePredicate::Type(pt) => {
                        is_type(&pt.bounded_ty, &t.ident) && pt.bounds.iter().any(is_float_bound)
                    }
                    _ => false,
                })
            });
        if !bounded {
            errors.push(syn::Error::new_spanned(
                t,
                format!(
                    "#[differentiate] does not support the generic type parameter `{}`: the only type parameter it takes is the float type, bounded by `num_traits::Float` (`fn f<F: num_traits::Float>(x: F) -> F`); write the function for that `F`, `f64` or `f32`",
                    t.ident
                ),
            ));
        } else if let Some(first) = &found {
            errors.push(syn::Error::new_spanned(
                t,
                format!(
                    "#[differentiate] takes one float type parameter, and `{first}` is already one: compute in `{first}` and convert with `{first}::from(..)` where a value of `{}` is needed (or write the function for concrete types)",
                    t.ident
                ),
            ));
        } else {
            found = Some(t.ident.clone());
        }
    }
    found
}

/// Whether `ty` is the type parameter `id` (the bounded type of a `where` predicate).
pub fn is_type(ty: &syn::Type, id: &Ident) -> bool {
    matches!(ty, syn::Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident(id))
}

/// `Float`, `num_traits::Float`, `::num_traits::float::Float`, ...
fn is_float_bound(b: &syn::TypeParamBound) -> bool {
    matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Float"))
}

/// `lhs += rhs;`, the backward pass's accumulation: `lhs = lhs + rhs;` for a generic `F`, which
/// `num_traits::Float` does not give `+=` (the same operation, so the same bits). In `f_hvp`'s
/// program the adjoints are `Dual<F>`s, which have `+=` (and clippy asks for it).
pub fn add_assign(lhs: &TokenStream, rhs: &TokenStream) -> TokenStream {
    if on() && !super::dual_mode::on() { quote!(#lhs = #lhs + #rhs;) } else { quote!(#lhs += #rhs;) }
}

/// The placeholder a float value defined in one arm of an `if` takes in the other arm: `F` has
/// no `Default`. An active value is a dual in `f_hvp`'s program.
pub fn float_placeholder(dflt: &TokenStream, active: bool) -> TokenStream {
    match (on(), active) {
        (false, _) => dflt.clone(),
        (true, false) => quote!(0.0),
        (true, true) => super::dual_mode::lift(quote!(0.0)),
    }
}

/// `::gradmacro::__private::lit::<F>(t)`, spanned at `span`.
fn lit(f: &Ident, t: TokenStream, span: Span) -> TokenStream {
    super::respan(quote!(::gradmacro::__private::lit::<#f>(#t)), span)
}

/// A companion's body in a generic function: see the module's documentation. Outside one, `t`.
pub fn rewrite(t: &TokenStream) -> TokenStream {
    match param() {
        Some(f) => rewrite_with(t, &f),
        None => t.clone(),
    }
}

fn rewrite_with(t: &TokenStream, f: &Ident) -> TokenStream {
    let tts: Vec<TokenTree> = t.clone().into_iter().collect();
    let punct = |i: usize, c: char| matches!(tts.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let ident = |i: usize, s: &str| matches!(tts.get(i), Some(TokenTree::Ident(id)) if id == s);
    let path_sep = |i: usize| punct(i, ':') && punct(i + 1, ':');
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < tts.len() {
        // `::core::primitive::f64` (a type the engine wrote): `F`.
        if path_sep(i)
            && ident(i + 2, "core")
            && path_sep(i + 3)
            && ident(i + 5, "primitive")
            && path_sep(i + 6)
            && (ident(i + 8, "f64") || ident(i + 8, "f32"))
        {
            out.extend(quote!(#f));
            i += 9;
            continue;
        }
        // `::core::f64::consts::LN_2`: `lit::<F>(::core::f64::consts::LN_2)`.
        if path_sep(i)
            && ident(i + 2, "core")
            && path_sep(i + 3)
            && ident(i + 5, "f64")
            && path_sep(i + 6)
            && ident(i + 8, "consts")
            && path_sep(i + 9)
            && let Some(TokenTree::Ident(name)) = tts.get(i + 11)
        {
            let path: TokenStream = tts[i..i + 12].iter().cloned().collect();
            out.extend(lit(f, path, name.span()));
            i += 12;
            continue;
        }
        // The runtime helpers that need `Default`: their `Float` versions.
        if ident(i, "__private")
            && path_sep(i + 1)
            && let Some(TokenTree::Ident(name)) = tts.get(i + 3)
            && matches!(name.to_string().as_str(), "zeros" | "reset_zeros" | "zeros_ragged")
        {
            let renamed = Ident::new(&format!("float_{name}"), name.span());
            out.extend(tts[i..i + 3].iter().cloned());
            out.extend(quote!(#renamed));
            i += 4;
            continue;
        }
        // The user's conversion `F::from(..)` keeps its argument as written (an `f64` computed
        // in `f64`).
        if (ident(i, &f.to_string()) || ident(i, "NumCast"))
            && path_sep(i + 1)
            && ident(i + 3, "from")
            && matches!(tts.get(i + 4), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            out.extend(tts[i..i + 5].iter().cloned());
            i += 5;
            continue;
        }
        match &tts[i] {
            TokenTree::Group(g) => {
                let mut ng = Group::new(g.delimiter(), rewrite_with(&g.stream(), f));
                ng.set_span(g.span());
                out.extend([TokenTree::Group(ng)]);
            }
            TokenTree::Literal(l) if is_unsuffixed_float(&l.to_string()) => {
                out.extend(lit(f, l.to_token_stream(), l.span()));
            }
            other => out.extend([other.clone()]),
        }
        i += 1;
    }
    out
}

fn is_unsuffixed_float(s: &str) -> bool {
    if !s.starts_with(|c: char| c.is_ascii_digit()) || s.starts_with("0x") || s.starts_with("0b") || s.starts_with("0o")
    {
        return false;
    }
    let letters = s.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E');
    !letters && (s.contains('.') || s.contains(['e', 'E']))
}
