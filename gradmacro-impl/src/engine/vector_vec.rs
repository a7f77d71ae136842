//! `Vec` outputs: for `fn f(..) -> Vec<F>`, `f_vjp(.., seed: Vec<F>)` and `f_jacobian(..)`.
//!
//! The returned buffer's adjoint starts as the seed (see `lower_vec_out`). The output's length
//! is known only once the forward pass has run, so `f_jacobian` runs forward and backward once
//! per output, in one loop whose first pass also yields the value (and the length). Running the
//! backward pass again after one forward pass would need the buffers' adjoints, declared beside
//! them in the forward code, reset, and the loops' tapes kept: not done (see the crate docs).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::ir::{ArrayRef, Body};
use super::reverse::{B, Rev};
use super::sig::Sig;
use super::vector::seed_ident;
use super::{Parts, array_ident, emit_parts, hidden, mentions, val_ident};

impl Rev<'_> {
    /// The backward pass of a `Vec` result starts from its buffer's adjoint equal to the seed
    /// (whose length `f_vjp` has checked). A constant buffer takes no seed.
    pub(super) fn seed_vec_result(&mut self, out: &mut Vec<B>) {
        let Some(r) = &self.body.vec_result else { return };
        let seed = seed_ident();
        let mut arms = Vec::new();
        for &s in &r.slots {
            if !self.body.arrays[s].active {
                continue;
            }
            let da = self.array_adj_target(ArrayRef::Local(s));
            // Copied in: the adjoint exists already (declared beside the buffer, with its length).
            let copy = quote!(#da.copy_from_slice(&#seed););
            let k = s + 1;
            arms.push((k, copy));
        }
        match (r.which, arms.as_slice()) {
            (_, []) => {}
            (None, [(_, copy)]) => out.push(B::Raw(copy.clone())),
            (which, arms) => {
                let w = which.map(|v| self.op(&super::ir::Operand::Val(v))).unwrap_or_default();
                let arms = arms.iter().map(|(k, copy)| quote!(#k => { #copy }));
                out.push(B::Raw(quote!(match #w { #(#arms)* _ => {} })));
            }
        }
    }
}

/// The `Vec` the function returns, taken after the forward pass: copied when the backward pass
/// still reads its buffer (which it may also put back as it was), moved otherwise.
fn take_value(body: &Body, backward: &TokenStream) -> TokenStream {
    let Some(r) = &body.vec_result else { return quote!(::gradmacro::__private::Vec::new()) };
    let take = |s: usize| {
        let a = array_ident(s);
        if mentions(backward, &a.to_string()) { quote!(::core::clone::Clone::clone(&#a)) } else { quote!(#a) }
    };
    match r.which {
        None => take(r.slots[0]),
        Some(w) => {
            let w = val_ident(&body.vals, w);
            let arms = r.slots.iter().map(|&s| {
                let k = s + 1;
                let v = take(s);
                quote!(#k => #v,)
            });
            quote!(match #w { #(#arms)* _ => ::core::unreachable!() })
        }
    }
}

/// The bodies of `f_vjp` and `f_jacobian` for `fn f(..) -> Vec<F>`.
pub fn bodies(sig: &Sig, s: &syn::Signature, body: &Body) -> (TokenStream, TokenStream) {
    let Parts { items, decls, forward, backward, grads, .. } = emit_parts(sig, body);
    let seed = seed_ident();
    let f = sig.float.path();
    let value = take_value(body, &backward);
    let seed_used = body.vec_result.as_ref().is_some_and(|r| r.slots.iter().any(|&s| body.arrays[s].active));
    let ignore = (!seed_used).then(|| quote!(let _ = #seed;));
    let o = hidden("vout", 0);
    let msg = format!(
        "`{0}_vjp`: the seed needs one component per value `{0}` returns (one per element of its `Vec`)",
        s.ident
    );
    let vjp = quote! {
        #(#items)*
        #decls
        #forward
        let #o: ::gradmacro::__private::Vec<#f> = #value;
        ::core::assert_eq!(#seed.len(), #o.len(), #msg);
        #ignore
        #backward
        (#o, #(#grads,)*)
    };

    // Prefixes of their own: `__n0` is a loop's trip count, which the backward pass reads.
    let (i, n, k, first) = (hidden("vrow", 0), hidden("vlen", 0), hidden("vk", 0), hidden("vvalue", 0));
    let grad_types: Vec<TokenStream> = sig.params.iter().filter(|p| p.active).map(|p| sig.grad_type(p)).collect();
    let rows: Vec<Ident> = (0..grads.len()).map(|p| hidden("vjac", p)).collect();
    let jac = quote! {
        #(#items)*
        let mut #i: usize = 0;
        let mut #first: ::gradmacro::__private::Vec<#f> = ::gradmacro::__private::Vec::new();
        #(let mut #rows: ::gradmacro::__private::Vec<#grad_types> = ::gradmacro::__private::Vec::new();)*
        loop {
            #decls
            #forward
            let #o: ::gradmacro::__private::Vec<#f> = #value;
            let #n = #o.len();
            let #seed: ::gradmacro::__private::Vec<#f> =
                ::core::iter::Iterator::collect((0..#n).map(|#k| if #k == #i { 1.0 } else { 0.0 }));
            #ignore
            #backward
            if #i < #n {
                #(#rows.push(#grads);)*
            }
            if #i == 0 {
                #first = #o;
            }
            #i += 1;
            if #i >= #n {
                break;
            }
        }
        (#first, #(#rows,)*)
    };
    (vjp, jac)
}
