//! Vector outputs: for `fn f(..) -> [F; N]` or `-> (F, F, ..)`, `f_vjp(.., seed)` (one reverse
//! pass seeded with the output's cotangent) and `f_jacobian(..)` (one reverse pass per output)
//! instead of `f_grad`.
//!
//! The body is lowered and reversed as for `f_grad`; the result is `N` values instead of one
//! (see `lower_vector`), and the backward pass starts from `d(result[i]) = seed[i]`.
//! `f_jacobian` runs the forward pass once and the backward pass once per output when the
//! backward pass can run again (no loops, whose tapes it consumes, and no array writes it
//! undoes); otherwise it runs forward and backward once per output.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::Type;

use super::ir::{Block, Body, Stmt};
use super::sig::{Float, Output, Sig, float_of, vec_elem};
use super::{Errors, Parts, emit_parts, hidden, lower_body};

/// The name of `f_vjp`'s seed parameter (hygienic: a user's parameter `seed` is another name).
pub fn seed_ident() -> Ident {
    Ident::new("seed", Span::mixed_site())
}

/// The shape of a vector return type, or an error saying what to write instead.
pub fn output_of(ty: &Type) -> Result<(Output, Float), syn::Error> {
    let wanted = "#[differentiate] needs a function that returns `f64` or `f32` (it gets `f_grad`), an array `[f64; N]`, a tuple of floats `(f64, f64)` or a `Vec<f64>` (it gets `f_vjp` and `f_jacobian`)";
    match ty {
        Type::Paren(p) => output_of(&p.elem),
        Type::Group(g) => output_of(&g.elem),
        Type::Array(a) => {
            let Some(f) = float_of(&a.elem) else {
                return Err(syn::Error::new_spanned(
                    ty,
                    format!("{wanted}: the elements of a returned array must be `f64` or `f32`"),
                ));
            };
            match &a.len {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) => match n.base10_parse::<usize>() {
                    Ok(n) if n > 0 => Ok((Output::Array(n), f)),
                    _ => Err(syn::Error::new_spanned(&a.len, "a returned array needs at least one element")),
                },
                other => Err(syn::Error::new_spanned(
                    other,
                    "the length of a returned array must be an integer literal (`[f64; 3]`): write the number, not a constant or a generic parameter",
                )),
            }
        }
        Type::Tuple(t) if !t.elems.is_empty() => {
            let fs: Option<Vec<Float>> = t.elems.iter().map(float_of).collect();
            match fs {
                Some(fs) if fs.iter().all(|f| *f == fs[0]) => Ok((Output::Tuple(fs.len()), fs[0])),
                Some(_) => Err(syn::Error::new_spanned(
                    ty,
                    "the components of a returned tuple must all have the same float type: convert them to `f64` (or all to `f32`)",
                )),
                None => Err(syn::Error::new_spanned(
                    ty,
                    format!("{wanted}: every component of a returned tuple must be `f64` or `f32`"),
                )),
            }
        }
        other if let Some(f) = vec_elem(other) => Ok((Output::Vec, f)),
        other => {
            Err(syn::Error::new_spanned(other, format!("{wanted}: return the values you want the derivatives of")))
        }
    }
}

/// `#[differentiate] fn f(..) -> [F; N]`: the original function, `f_vjp` and `f_jacobian`.
pub fn expand(
    sig: &Sig,
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    s: &syn::Signature,
    block: &syn::Block,
    item: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    if sig.output == Output::Rejected {
        let errs = errors.to_compile_errors();
        return quote!(#item #errs);
    }
    let is_vec = sig.output == Output::Vec;
    let bodies = match lower_body(sig, block) {
        Ok(body) if errors.is_empty() && is_vec => Some(super::vector_vec::bodies(sig, s, &body)),
        Ok(body) if errors.is_empty() => Some(bodies(sig, &body)),
        Ok(_) => None,
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let (vjp_header, jac_header) = headers(sig, attrs, vis, s);
    let item = quote!(#[allow(dead_code)] #item);
    match bodies {
        Some((vjp, jac)) if errors.is_empty() => {
            let (vjp, jac) = (super::generic_mode::rewrite(&vjp), super::generic_mode::rewrite(&jac));
            quote!(#item #vjp_header { #vjp } #jac_header { #jac })
        }
        _ => {
            let errs = errors.to_compile_errors();
            quote! {
                #item
                #[allow(unused_variables)] #vjp_header { ::core::unreachable!() }
                #[allow(unused_variables)] #jac_header { ::core::unreachable!() }
                #errs
            }
        }
    }
}

fn shape(sig: &Sig) -> (usize, bool) {
    match sig.output {
        Output::Array(n) => (n, false),
        Output::Tuple(n) => (n, true),
        Output::Scalar | Output::Rejected | Output::Vec => (1, false),
    }
}

/// `[F; N]`, `(F, F, ..)` or `Vec<F>` for the output; the same with `elem` for a block of a
/// Jacobian.
fn vector_type(sig: &Sig, elem: &TokenStream) -> TokenStream {
    if matches!(sig.output, Output::Vec) {
        return quote!(::gradmacro::__private::Vec<#elem>);
    }
    match shape(sig) {
        (n, false) => quote!([#elem; #n]),
        (n, true) => {
            let es = (0..n).map(|_| elem);
            quote!((#(#es,)*))
        }
    }
}

/// `[a, b]` or `(a, b,)`.
fn vector_value(sig: &Sig, items: &[TokenStream]) -> TokenStream {
    if shape(sig).1 { quote!((#(#items,)*)) } else { quote!([#(#items),*]) }
}

fn headers(
    sig: &Sig,
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    s: &syn::Signature,
) -> (TokenStream, TokenStream) {
    let f = sig.float.path();
    let out = vector_type(sig, &f);
    let grads: Vec<TokenStream> = sig.params.iter().filter(|p| p.active).map(|p| sig.grad_type(p)).collect();
    let jacs: Vec<TokenStream> = grads.iter().map(|g| vector_type(sig, g)).collect();
    let inputs: Vec<TokenStream> = super::companion_inputs(s).iter().map(ToTokens::to_token_stream).collect();
    let generics = &s.generics;
    let where_clause = &s.generics.where_clause;
    let original = &s.ident;
    let (vjp, jac) = (format_ident!("{}_vjp", s.ident), format_ident!("{}_jacobian", s.ident));
    let seed = seed_ident();
    let active = super::active_names(sig);
    let constants = super::constants_doc(sig, "derivative");
    let link = super::doc_link(s);
    let vjp_tuple: String = active.iter().map(|a| format!(", seed·∂out/∂{a}")).collect();
    let jac_tuple: String = active.iter().map(|a| format!(", ∂out/∂{a}")).collect();
    // What the two output shapes differ in: the output's description, the panic a `Vec` seed of
    // the wrong length raises, and how a block's rows are laid out and computed.
    let (kind, panics, rows) = match shape(sig) {
        _ if matches!(sig.output, Output::Vec) => (
            "a `Vec`, `out`, whose length is known when it runs".to_owned(),
            "\n\n# Panics\n\nIf `seed.len()` differs from `out.len()`.",
            "a `Vec` with one row per output: row `i` is the gradient of `out[i]` with respect to that parameter. Runs the forward and the backward pass once per output (once when `out` is empty)",
        ),
        (n, true) => (
            format!("a tuple of {n} floats, `out`"),
            "",
            "whose element `i` of the tuple is the gradient of `out[i]` with respect to that parameter (one reverse pass per output)",
        ),
        (n, false) => (
            format!("an array of {n} floats, `out`"),
            "",
            "whose row `i` is the gradient of `out[i]` with respect to that parameter (one reverse pass per output)",
        ),
    };
    let vjp_doc = format!(
        "Value and vector-Jacobian product of {link}, generated by `#[differentiate]`.\n\n`{original}` returns {kind}. Returns `(out{vjp_tuple})`: the value `{original}` returns for the same arguments, bit for bit, then for each differentiated parameter the gradient of `Σ seed[i] · out[i]` with respect to it (one reverse pass). A component of `seed` that is exactly 0 contributes nothing, even where its output's derivative is infinite or NaN.{panics}{constants}"
    );
    let jac_doc = format!(
        "Value and Jacobian of {link}, generated by `#[differentiate]`.\n\n`{original}` returns {kind}. Returns `(out{jac_tuple})`: the value `{original}` returns for the same arguments, bit for bit, then for each differentiated parameter its block of the Jacobian, {rows}.{constants}"
    );
    let cfgs = super::kept_attrs(attrs);
    let vjp_header = quote! {
        #(#cfgs)*
        #[doc = #vjp_doc]
        #vis fn #vjp #generics (#(#inputs,)* #seed: #out) -> (#out, #(#grads,)*) #where_clause
    };
    let jac_header = quote! {
        #(#cfgs)*
        #[doc = #jac_doc]
        #vis fn #jac #generics (#(#inputs),*) -> (#out, #(#jacs,)*) #where_clause
    };
    (vjp_header, jac_header)
}

/// Whether the backward pass can run again after itself: no loops (it pops their tapes), no
/// array element it puts back, and no value an `if` arm hands out as an `Option` (a callee's
/// `Vec` gradient of a slice argument after an early `return`, say): the backward arm unwraps it
/// by value, which it can do once (found by the oracle's vector family, `verify/gen/vector.rs`).
fn rerunnable(body: &Body, b: &Block) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Loop(_) => false,
        Stmt::Store { slot, .. } => !body.arrays[*slot].read_in_loop,
        Stmt::If(i) => {
            let mut optional = false;
            i.then_block.for_each_def(&mut |v| optional |= super::forward::absent_in_other_arm(body, v));
            i.else_block.for_each_def(&mut |v| optional |= super::forward::absent_in_other_arm(body, v));
            !optional && rerunnable(body, &i.then_block) && rerunnable(body, &i.else_block)
        }
        _ => true,
    })
}

/// The bodies of `f_vjp` and `f_jacobian`.
fn bodies(sig: &Sig, body: &Body) -> (TokenStream, TokenStream) {
    let Parts { items, decls, forward, backward, results, grads, beside, .. } = emit_parts(sig, body);
    let seed = seed_ident();
    let f = sig.float.path();
    let out_ty = vector_type(sig, &f);
    let value = vector_value(sig, &results);
    // Every output constant: the seed is not read.
    let seed_used = body.results.iter().any(|r| r.val().is_some_and(|v| body.vals[v].active));
    let ignore = (!seed_used).then(|| quote!(let _ = #seed;));
    let vjp = quote! {
        #ignore
        #(#items)*
        #decls
        #forward
        #backward
        (#value, #(#grads,)*)
    };

    let (n, tuple) = shape(sig);
    let unit = |i: &TokenStream| {
        if tuple {
            let cs = (0..n).map(|k| quote!(if #i == #k { 1.0 } else { 0.0 }));
            quote!((#(#cs,)*))
        } else {
            let k = hidden("k", 0);
            quote!(::core::array::from_fn(|#k| if #k == #i { 1.0 } else { 0.0 }))
        }
    };
    let rows: Vec<Ident> = (0..n).map(|i| hidden("row", i)).collect();
    let k = grads.len();
    let jacs: Vec<TokenStream> = (0..k)
        .map(|p| {
            let idx = syn::Index::from(p);
            let items: Vec<TokenStream> = rows.iter().map(|r| quote!(#r.#idx)).collect();
            vector_value(sig, &items)
        })
        .collect();
    let grad_types: Vec<TokenStream> = sig.params.iter().filter(|p| p.active).map(|p| sig.grad_type(p)).collect();
    let jac = if rerunnable(body, &body.block) && !beside {
        // One forward pass, then one backward pass per output.
        let i = hidden("i", 0);
        let all = hidden("rows", 0);
        let unit = unit(&quote!(#i));
        quote! {
            #(#items)*
            #forward
            let #all: [(#(#grad_types,)*); #n] = ::core::array::from_fn(|#i| {
                let #seed: #out_ty = #unit;
                #ignore
                #decls
                #backward
                (#(#grads,)*)
            });
            let [#(#rows),*] = #all;
            (#value, #(#jacs,)*)
        }
    } else {
        // Forward and backward once per output.
        let blocks = rows.iter().enumerate().map(|(i, r)| {
            let ones: Vec<TokenStream> = (0..n).map(|k| if k == i { quote!(1.0) } else { quote!(0.0) }).collect();
            let unit = vector_value(sig, &ones);
            let out = hidden("out", 0);
            let pat = if i == 0 { quote!(#out) } else { quote!(_) };
            quote! {
                let (#pat, #r) = {
                    let #seed: #out_ty = #unit;
                    #ignore
                    #decls
                    #forward
                    #backward
                    (#value, (#(#grads,)*))
                };
            }
        });
        let out = hidden("out", 0);
        quote! {
            #(#items)*
            #(#blocks)*
            (#out, #(#jacs,)*)
        }
    };
    (vjp, jac)
}
