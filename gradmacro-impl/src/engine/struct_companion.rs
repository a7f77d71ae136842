//! The hidden companion of a function with a differentiated struct parameter, for callers that
//! pass a differentiated struct whole (`energy(p, g)`, `p.ke()`).
//!
//! A caller cannot see the callee's `wrt(...)`: it expects one gradient per float-valued
//! argument, in order (the convention of a `_grad` without `wrt`), and one per struct it passes
//! differentiated. `f_grad` of a function with `wrt(p)` returns fewer, so the caller calls
//! `__f_grad_for_struct_args` instead: the value, then for each parameter in order its gradient
//! when it is in `wrt(...)`, a `::gradmacro::__private::NoGradient` when it is float-valued but
//! not in `wrt(...)`, nothing otherwise. A caller's constant argument ignores its place; a
//! differentiated one is checked (`__private::received`), so a gradient is never dropped: a
//! mismatch is a compile error. The body is `f_grad`'s, with that tuple at its end.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::ir::Body;
use super::sig::{Output, Param, Shape, Sig};

/// Whether `f` gets the hidden companion: it returns a float and differentiates a struct.
pub fn wanted(sig: &Sig) -> bool {
    sig.output == Output::Scalar && sig.params.iter().any(|p| p.active && p.shape.is_struct())
}

/// The hidden companion's name for `f` (an item: callers in other expansions name it).
pub fn name(f: &Ident) -> Ident {
    format_ident!("__{}_grad_for_struct_args", f, span = f.span())
}

/// A parameter that has a place in the tuple without being in `wrt(...)`: one a `_grad` without
/// `wrt` would differentiate.
fn float_valued(sig: &Sig, p: &Param) -> bool {
    !p.active && !matches!(p.shape, Shape::Other) && !p.shape.only_with_wrt() && p.float.is_none_or(|f| f == sig.float)
}

/// `fn __f_grad_for_struct_args(...) -> (F, ..)`, without the body.
pub fn header(sig: &Sig, attrs: &[syn::Attribute], vis: &syn::Visibility, s: &syn::Signature) -> TokenStream {
    let hidden = name(&s.ident);
    let f = sig.float.path();
    let slots = sig.params.iter().filter_map(|p| {
        if p.active {
            Some(sig.grad_type(p))
        } else {
            float_valued(sig, p).then(|| quote!(::gradmacro::__private::NoGradient))
        }
    });
    let inputs = super::companion_inputs(s);
    let generics = &s.generics;
    let where_clause = &s.generics.where_clause;
    let cfgs = attrs.iter().filter(|a| ["cfg", "allow"].iter().any(|n| a.path().is_ident(n)));
    quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(dead_code)]
        #[inline]
        #vis fn #hidden #generics (#inputs) -> (#f, #(#slots,)*) #where_clause
    }
}

/// The body: `f_grad`'s, ending in the hidden companion's tuple.
pub fn body(sig: &Sig, body: &Body) -> TokenStream {
    let super::Parts { items, decls, forward, backward, result, grads, .. } = super::emit_parts(sig, body);
    let mut grads = grads.into_iter();
    let slots: Vec<TokenStream> = sig
        .params
        .iter()
        .filter_map(|p| {
            if p.active {
                grads.next()
            } else {
                float_valued(sig, p).then(|| quote!(::gradmacro::__private::NoGradient))
            }
        })
        .collect();
    super::generic_mode::rewrite(&quote! {
        #(#items)*
        #decls
        #forward
        #backward
        (#result, #(#slots,)*)
    })
}
