//! The hidden companion of a function with a struct parameter, for callers that pass a
//! differentiated struct whole (`energy(p, g)`, `p.ke()`).
//!
//! A caller cannot see the callee's `wrt(...)`, nor tell a constant struct argument from any
//! other constant, so the companion's tuple has one place per parameter, in order (the receiver
//! first): the value, then each parameter's gradient when it is in `wrt(...)`, a
//! `::gradmacro::__private::NoGradient` otherwise. A caller's constant argument ignores its
//! place; a differentiated one is checked (`__private::received` for a float or an array,
//! `__private::struct_gradient` for a struct), so a gradient is never dropped: a mismatch is a
//! compile error saying which `wrt(...)` to extend.
//!
//! Every function with a parameter that may be a struct (or a receiver) gets one, so that a
//! struct passed to a callee that does not differentiate it meets that error rather than an
//! unknown name. The body is `f_grad`'s, with that tuple at its end, when a struct is in
//! `wrt(...)`; otherwise every call through it is that error, and it only evaluates `f`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::ir::Body;
use super::sig::{Output, Param, Sig};

/// Whether `f` gets the hidden companion: it returns a float and has a parameter a caller may
/// pass a struct to (a receiver is one whatever its type).
pub fn wanted(sig: &Sig, s: &syn::Signature) -> bool {
    sig.output == Output::Scalar && (s.receiver().is_some() || sig.params.iter().any(|p| p.shape.is_struct()))
}

/// Whether the companion differentiates anything: a struct is in `wrt(...)`.
fn differentiates(sig: &Sig) -> bool {
    sig.params.iter().any(|p| p.active && p.shape.is_struct())
}

/// The hidden companion's name for `f` (an item: callers in other expansions name it).
pub fn name(f: &Ident) -> Ident {
    format_ident!("__{}_grad_for_struct_args", f, span = f.span())
}

/// The type of `p`'s place in the tuple.
fn slot_type(sig: &Sig, p: &Param) -> TokenStream {
    if p.active && differentiates(sig) { sig.grad_type(p) } else { quote!(::gradmacro::__private::NoGradient) }
}

/// `fn __f_grad_for_struct_args(...) -> (F, ..)`, without the body.
pub fn header(sig: &Sig, attrs: &[syn::Attribute], vis: &syn::Visibility, s: &syn::Signature) -> TokenStream {
    let hidden = name(&s.ident);
    let f = sig.float.path();
    let slots = sig.params.iter().map(|p| slot_type(sig, p));
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

/// The body: `f_grad`'s, ending in the hidden companion's tuple; or, when no struct is in
/// `wrt(...)`, `f`'s value beside a `NoGradient` per parameter (no call through it compiles, see
/// the module's doc, and the value is still `f`'s).
pub fn body(sig: &Sig, body: &Body, s: &syn::Signature) -> TokenStream {
    if !differentiates(sig) {
        return plain_body(sig, s);
    }
    let super::Parts { items, decls, forward, backward, result, grads, .. } = super::emit_parts(sig, body);
    let mut grads = grads.into_iter();
    let slots: Vec<TokenStream> = sig
        .params
        .iter()
        .map(|p| if p.active { grads.next().unwrap_or_default() } else { quote!(::gradmacro::__private::NoGradient) })
        .collect();
    super::generic_mode::rewrite(&quote! {
        #(#items)*
        #decls
        #forward
        #backward
        (#result, #(#slots,)*)
    })
}

/// `(f(args..), NoGradient, ..)`: every argument is moved into `f` as the companion received it.
fn plain_body(sig: &Sig, s: &syn::Signature) -> TokenStream {
    let f = &s.ident;
    let args = s.inputs.iter().filter_map(|input| match input {
        syn::FnArg::Receiver(r) => {
            let this = r.self_token;
            Some(quote!(#this))
        }
        syn::FnArg::Typed(pt) => match &*pt.pat {
            syn::Pat::Ident(pi) => {
                let i = &pi.ident;
                Some(quote!(#i))
            }
            _ => None,
        },
    });
    let call = if s.receiver().is_some() { quote!(Self::#f(#(#args),*)) } else { quote!(#f(#(#args),*)) };
    let none = sig.params.iter().map(|_| quote!(::gradmacro::__private::NoGradient));
    quote!((#call, #(#none,)*))
}
