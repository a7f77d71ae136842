//! `#[differentiate(hessian)]`: `f_hvp` and `f_hessian`, forward over reverse.
//!
//! `f_hvp` is `f_grad`'s program, emitted again with every active value and adjoint a dual
//! number `::gradmacro::__private::Dual<F>` (see [`super::dual_mode`]): the active parameters
//! enter as `Dual(x, v)`, so each adjoint's tangent is the derivative of that adjoint along `v`,
//! and the parameters' adjoints come out as `(∇f, H·v)` in one pass. The dual type's methods are
//! generated from the gate table (`crate::dual`), so no derivative is written a second time.
//! `f_hessian` runs `f_hvp` once per active component with the unit directions: column `j` of
//! the Hessian is `H·e_j`, computed as is (symmetric up to rounding, not symmetrised).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::ir::{Block, Body, Stmt};
use super::sig::{Output, Shape, Sig};
use super::{Errors, dual_mode, hidden};

/// The names of `f_hvp`'s direction parameters, by parameter index: `v_x` for an active `x`
/// (`vv_x`, ... if the function already has a parameter of that name).
pub fn names(sig: &Sig) -> Vec<Option<Ident>> {
    use syn::ext::IdentExt as _;
    let taken: std::collections::HashSet<String> =
        sig.params.iter().filter_map(|p| p.ident.as_ref().map(|i| i.unraw().to_string())).collect();
    sig.params
        .iter()
        .map(|p| {
            let ident = p.ident.as_ref().filter(|_| p.active)?;
            let mut name = format!("v_{}", ident.unraw());
            while taken.contains(&name) {
                name.insert(0, 'v');
            }
            Some(Ident::new(&name, Span::mixed_site().located_at(ident.span())))
        })
        .collect()
}

/// What `hessian` does not take yet, as spanned errors: vector outputs, active parameters other
/// than floats, float arrays, slices and `Vec`s, and calls to vector-valued functions.
pub fn check(sig: &Sig, signature: &syn::Signature, body: Option<&Body>, errors: &mut Errors) {
    if sig.output != Output::Scalar {
        let at = match &signature.output {
            syn::ReturnType::Type(_, ty) => syn::spanned::Spanned::span(&**ty),
            syn::ReturnType::Default => signature.ident.span(),
        };
        errors.push(syn::Error::new(
            at,
            "`hessian` is not supported for a function returning a vector: differentiate one scalar function per output (or a weighted sum of the outputs) with `hessian`",
        ));
        return;
    }
    for p in sig.params.iter().filter(|p| p.active) {
        if !matches!(p.shape, Shape::Scalar | Shape::Array { .. } | Shape::Slice) {
            errors.push(syn::Error::new(
                p.span,
                "`hessian` supports active parameters of type `f64`/`f32`, `[F; N]`, `&[F]`, `&Vec<F>` and `Vec<F>` for now: flatten this parameter into a slice, or leave it out of `wrt(...)`",
            ));
        }
    }
    if let Some(b) = body {
        calls(&b.block, errors);
    }
}

fn calls(b: &Block, errors: &mut Errors) {
    for s in &b.stmts {
        match s {
            // A call to a scalar function goes through `g_hvp` (see `forward/dual_call.rs`); one
            // that passes a differentiated struct needs an active struct, rejected in `check`.
            Stmt::VCall { span, .. } => errors.push(syn::Error::new(
                *span,
                "`hessian` does not support calls to vector-valued functions yet: return the components from scalar functions (each `#[differentiate(hessian)]`), or drop `hessian`",
            )),
            Stmt::If(i) => {
                calls(&i.then_block, errors);
                calls(&i.else_block, errors);
            }
            Stmt::Loop(l) => {
                if let super::ir::LoopKind::While { cond_block, .. } = &l.kind {
                    calls(cond_block, errors);
                }
                calls(&l.body, errors);
            }
            _ => {}
        }
    }
}

/// The body of `f_hvp`: the active parameters lifted to duals, `f_grad`'s program in the dual
/// type, then the value and gradient (value parts) and `H·v` (tangent parts).
pub fn hvp_body(sig: &Sig, body: &Body, names: &[Option<Ident>]) -> TokenStream {
    let d = dual_mode::dual_path(sig.float);
    let mut lifts = TokenStream::new();
    // A scalar is shadowed by its dual (the inactive statements that read it get its value part
    // back, see `Fwd::plain`); an array's dual copy has a hidden name that only the active reads
    // use, so the user's code that reads the array (a condition, an index) still sees floats.
    for (i, (p, v)) in sig.params.iter().zip(names).enumerate() {
        let (Some(x), Some(v)) = (&p.ident, v) else { continue };
        let hx = hidden("hx", i);
        lifts.extend(match p.shape {
            Shape::Scalar => quote!(let #x = <#d>::new(#x, #v); let _ = &#x;),
            Shape::Array { .. } => quote!(let #hx = ::gradmacro::__private::lift_array(&#x, &#v); let _ = &#hx;),
            _ => quote!(let #hx = ::gradmacro::__private::lift_slice(&#x, &#v); let _ = &#hx;),
        });
    }
    let program = {
        let _dual = dual_mode::Guard::new(sig.float);
        super::emit(sig, body)
    };
    let k = sig.params.iter().filter(|p| p.active).count();
    let r = hidden("hr", 0);
    let gs: Vec<Ident> = (0..k).map(|i| hidden("hg", i)).collect();
    quote! {
        #lifts
        let (#r, #(#gs,)*) = { #program };
        (
            ::gradmacro::__private::Split::re(&#r),
            #(::gradmacro::__private::Split::re(&#gs),)*
            #(::gradmacro::__private::Split::eps(&#gs),)*
        )
    }
}

/// The headers of `f_hvp` and `f_hessian` (without bodies).
pub fn headers(
    sig: &Sig,
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    s: &syn::Signature,
    names: &[Option<Ident>],
) -> (TokenStream, TokenStream) {
    let f = sig.float.path();
    let grads: Vec<TokenStream> = sig.params.iter().filter(|p| p.active).map(|p| sig.grad_type(p)).collect();
    let inputs = super::companion_inputs(s);
    let dirs = sig.params.iter().zip(names).filter_map(|(p, n)| {
        let n = n.as_ref()?;
        let ty = sig.grad_type(p);
        Some(quote!(#n: #ty))
    });
    let generics = dual_generics(&s.generics);
    let (where_clause, original) = (&generics.where_clause, &s.ident);
    let (hvp, hess) = (format_ident!("{}_hvp", s.ident), format_ident!("{}_hessian", s.ident));
    let active = super::active_names(sig);
    let list = active.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    let link = super::doc_link(s);
    let hvp_doc = format!(
        "Value, gradient and Hessian-vector product of {link}, generated by `#[differentiate(hessian)]`.\n\nReturns `(value, gradient..., H·v...)`: the value `{original}` returns for the same arguments, bit for bit; its partial derivatives with respect to {list}, as its `_grad` companion returns them (exact to rounding: the backward pass runs in a dual number); then the product of the Hessian with the direction `v` (one direction per active parameter, of its gradient's type), one part per active parameter. One forward-over-reverse pass: a small constant times the cost of the gradient, whatever the number of inputs."
    );
    let hess_doc = format!(
        "Value, gradient and Hessian of {link}, generated by `#[differentiate(hessian)]`.\n\nReturns `(value, gradient..., H)`: value and gradient as from the `_hvp` companion, and `H[i][j]`, the second derivative with respect to active components `i` and `j`, counted over {list} in that order with arrays flattened. Column `j` is `H·e_j` from one `_hvp` pass, so the cost is one `_hvp` pass per component; `H` is symmetric up to rounding (it is not symmetrised)."
    );
    let h = hessian_type(sig, s);
    let cfgs = super::kept_attrs(attrs);
    // The directions double the parameters: a lint on the user's own count is theirs to set.
    let hvp_header = quote! {
        #(#cfgs)*
        #[doc = #hvp_doc]
        #[allow(clippy::too_many_arguments)]
        #vis fn #hvp #generics (#inputs, #(#dirs,)*) -> (#f, #(#grads,)* #(#grads,)*) #where_clause
    };
    let hess_header = quote! {
        #(#cfgs)*
        #[doc = #hess_doc]
        #vis fn #hess #generics (#inputs) -> (#f, #(#grads,)* #h) #where_clause
    };
    (hvp_header, hess_header)
}

/// The generics of `f_hvp` and `f_hessian`: the function's, and in a generic function what the
/// dual number asks of its float type (`f64` and `f32` have it), added where the user bounds
/// `F` (inline, or in the `where` clause) so that clippy sees one place.
fn dual_generics(g: &syn::Generics) -> syn::Generics {
    let mut g = g.clone();
    let Some(f) = super::generic_mode::param() else { return g };
    let bound: syn::TypeParamBound = syn::parse_quote!(::gradmacro::__private::DualFloat);
    let in_where = g.where_clause.as_mut().and_then(|w| {
        w.predicates.iter_mut().find_map(|p| match p {
            syn::WherePredicate::Type(pt) if super::generic_mode::is_type(&pt.bounded_ty, &f) => Some(pt),
            _ => None,
        })
    });
    if let Some(pt) = in_where {
        pt.bounds.push(bound);
    } else if let Some(tp) = g.type_params_mut().find(|t| t.ident == f) {
        tp.bounds.push(bound);
    }
    g
}

/// The number of active components when the macro knows it: every active parameter a float or
/// an array whose length is an integer literal.
fn fixed_k(sig: &Sig) -> Option<usize> {
    let mut k = 0;
    for p in sig.params.iter().filter(|p| p.active) {
        k += match &p.shape {
            Shape::Scalar => 1,
            Shape::Array { len } => syn::parse2::<syn::LitInt>(len.clone()).ok()?.base10_parse::<usize>().ok()?,
            _ => return None,
        };
    }
    Some(k)
}

/// The single array parameter's length, when it is the only active parameter (`[[F; N]; N]`
/// for a const generic `N`).
fn single_len(sig: &Sig) -> Option<TokenStream> {
    let mut active = sig.params.iter().filter(|p| p.active);
    match (active.next(), active.next()) {
        (Some(p), None) => match &p.shape {
            Shape::Array { len } => Some(len.clone()),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn hessian_type(sig: &Sig, _s: &syn::Signature) -> TokenStream {
    let f = sig.float.path();
    if let Some(k) = fixed_k(sig) {
        quote!([[#f; #k]; #k])
    } else if let Some(n) = single_len(sig) {
        quote!([[#f; #n]; #n])
    } else {
        quote!(::gradmacro::__private::Vec<::gradmacro::__private::Vec<#f>>)
    }
}

/// The body of `f_hessian`: one `f_hvp` pass per active component, direction `e_j`.
pub fn hessian_body(sig: &Sig, s: &syn::Signature, names: &[Option<Ident>]) -> TokenStream {
    let f = sig.float.path();
    let hvp = format_ident!("{}_hvp", s.ident);
    let (j, o, kk, h) = (hidden("hj", 0), hidden("ho", 0), hidden("HK", 0), hidden("hh", 0));
    // The arguments of each pass: references and plain floats as they are, the rest cloned.
    let mut args = Vec::new();
    for input in &s.inputs {
        match input {
            syn::FnArg::Receiver(r) => {
                args.push(if matches!(r.kind, syn::ReceiverKind::Reference(..)) {
                    quote!(self)
                } else {
                    quote!(::core::clone::Clone::clone(&self))
                });
            }
            syn::FnArg::Typed(pt) => {
                let syn::Pat::Ident(pi) = &*pt.pat else { continue };
                let x = &pi.ident;
                args.push(if is_copy(&pt.ty) { quote!(#x) } else { quote!(::core::clone::Clone::clone(&#x)) });
            }
        }
    }
    let call = if s.receiver().is_some() { quote!(Self::#hvp) } else { quote!(#hvp) };
    let mut dirs = TokenStream::new();
    let mut dir_names = Vec::new();
    let mut count = quote!(0usize);
    let mut fill = TokenStream::new();
    let hvs: Vec<Ident> = (0..names.iter().flatten().count()).map(|i| hidden("hv", i)).collect();
    let mut a = 0;
    let (ei, e) = (hidden("hi", 0), hidden("he", 0));
    for (p, v) in sig.params.iter().zip(names) {
        let (Some(x), Some(v)) = (&p.ident, v) else { continue };
        let hv = &hvs[a];
        a += 1;
        let (dir, len) = match &p.shape {
            Shape::Scalar => (quote!(let #v: #f = if #j == #o { 1.0 } else { 0.0 };), quote!(1usize)),
            Shape::Array { len } => {
                (quote!(let #v: [#f; #len] = ::gradmacro::__private::unit_array(#j.wrapping_sub(#o));), quote!(#len))
            }
            _ => (
                quote!(let #v: ::gradmacro::__private::Vec<#f> = ::gradmacro::__private::unit_vec(#x.len(), #j.wrapping_sub(#o));),
                quote!(#x.len()),
            ),
        };
        dirs.extend(quote!(#dir #o += #len;));
        dir_names.push(v.clone());
        count = quote!(#count + #len);
        fill.extend(match p.shape {
            Shape::Scalar => quote!(#h[#o][#j] = #hv; #o += 1;),
            _ => quote! {
                for (#ei, #e) in ::core::iter::Iterator::enumerate(::core::iter::IntoIterator::into_iter(#hv)) {
                    #h[#o + #ei][#j] = #e;
                }
                #o += #len;
            },
        });
    }
    let grads: Vec<Ident> = (0..hvs.len()).map(|i| hidden("hg", i)).collect();
    let val = hidden("hr", 0);
    let pass = hidden("hpass", 0);
    let skip = grads.iter().map(|_| quote!(_));
    let zeros = if fixed_k(sig).is_some() {
        quote!([[0.0; #kk]; #kk])
    } else if let Some(n) = single_len(sig) {
        // A const generic `N` cannot be named by an inner `const` item: the repeat names it.
        quote!([[0.0; #n]; #n])
    } else {
        quote!(::gradmacro::__private::Vec::from_iter((0..#kk).map(|_| ::gradmacro::__private::zeros::<#f>(#kk))))
    };
    let kdecl = match (fixed_k(sig), single_len(sig)) {
        (Some(k), _) => quote!(const #kk: usize = #k;),
        (None, Some(n)) => quote!(let #kk: usize = #n;),
        _ => quote!(let #kk: usize = #count;),
    };
    quote! {
        #kdecl
        let #pass = |#j: usize| {
            let mut #o = 0usize;
            #dirs
            let _ = #o;
            #call(#(#args,)* #(#dir_names,)*)
        };
        let (#val, #(#grads,)* #(#hvs,)*) = #pass(0);
        let mut #h = #zeros;
        if #kk > 0 {
            let #j = 0usize;
            let mut #o = 0usize;
            #fill
            let _ = #o;
        }
        // A range clippy cannot see to be empty when there is one component.
        for #j in (::core::ops::Range { start: 1usize, end: #kk }) {
            let (_, #(#skip,)* #(#hvs,)*) = #pass(#j);
            let mut #o = 0usize;
            #fill
            let _ = #o;
        }
        (#val, #(#grads,)* #h)
    }
}

/// Whether an argument of this type can be passed again without a clone: a reference, or a
/// primitive number, `bool`, `char`, or an array of them.
fn is_copy(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => r.mutability.is_none(),
        syn::Type::Array(a) => is_copy(&a.elem),
        syn::Type::Paren(p) => is_copy(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => p.path.get_ident().is_some_and(|i| {
            [
                "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
                "bool", "char",
            ]
            .iter()
            .any(|n| i == n)
        }),
        _ => false,
    }
}
