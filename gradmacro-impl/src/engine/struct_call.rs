//! Calls that pass a differentiated struct whole: `energy(p, g)`, `energy(&ps[i], g)`, a `p`
//! bound to an element (`for p in ps`, `|p| ..`), a method on one (`p.ke()`). They go through
//! the callee's hidden companion `__energy_grad_for_struct_args` (see `struct_companion`), whose
//! tuple has a place for every float-valued parameter and every struct in `wrt(...)`; the struct
//! gradient it returns is added to the caller's, scaled by the call's adjoint, through the
//! derive's `::gradmacro::__private::AddScaled` (the macro cannot see the struct's fields).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Expr;
use syn::spanned::Spanned;

use super::ir::{ArrayRef, Block, CallArg, Kind, Operand, Partial, Stmt, ValId};
use super::lower::{Binding, Lower, strip};
use super::sig::{Shape, Sig};

/// The hidden companion of the function `plain_func` names (`g`, `m::g`, `Self::g`, `g::<F>`):
/// resolved like an item, never like a local, and reported at the user's name.
pub fn companion_path(plain_func: &TokenStream, span: Span) -> TokenStream {
    let Ok(mut path) = syn::parse2::<syn::Path>(plain_func.clone()) else {
        return quote::quote_spanned!(span=> ::core::compile_error!("gradmacro: this call cannot be renamed"));
    };
    if let Some(last) = path.segments.last_mut() {
        let at = Span::mixed_site().located_at(last.ident.span());
        last.ident = super::struct_companion::name(&last.ident);
        last.ident.set_span(at);
    }
    quote!(#path)
}

/// `recv.method(rest..)` for a call whose first argument is the receiver.
pub fn method_call(func: &TokenStream, mut args: impl Iterator<Item = TokenStream>) -> TokenStream {
    let recv = args.next().unwrap_or_default();
    quote!(#recv.#func(#(#args),*))
}

/// Whether a call goes through the callee's hidden companion: it passes a struct.
pub fn through_companion(args: &[CallArg]) -> bool {
    args.iter().any(|a| matches!(a, CallArg::Struct { .. }))
}

/// The patterns binding the companion's places: for the hidden companion one per argument (`_`
/// where the argument is constant), after one for a constant receiver (`obj.g(p)`, whose
/// receiver is not among `args`); for a `_grad` companion one per partial.
pub fn places(
    args: &[CallArg],
    partials: &[Partial],
    receiver: bool,
    name: impl Fn(ValId) -> TokenStream,
) -> Vec<TokenStream> {
    let bind = |p: &Partial| p.val.map_or_else(|| quote!(_), &name);
    if !through_companion(args) {
        return partials.iter().map(bind).collect();
    }
    let receiver = receiver.then(|| quote!(_));
    let each = (0..args.len()).map(|k| partials.iter().find(|p| p.arg == k).map_or_else(|| quote!(_), bind));
    receiver.into_iter().chain(each).collect()
}

/// For a call that passes a struct, the checks that each differentiated argument got a
/// gradient: the callee's place for it is a `NoGradient` when the callee does not differentiate
/// that parameter. `::gradmacro::__private::received(&g)` for a float or an array;
/// `let g = ::gradmacro::__private::struct_gradient::<T, _>(g);` for a struct of type `T`, which
/// also gives `g` that type for the backward pass whatever the callee returned, so that the
/// error is this one alone, at the argument (`span_of` the partial).
pub fn received_checks(
    sig: &Sig,
    args: &[CallArg],
    partials: &[Partial],
    span: Span,
    name: impl Fn(ValId) -> TokenStream,
    span_of: impl Fn(ValId) -> Span,
) -> TokenStream {
    if !through_companion(args) {
        return TokenStream::new();
    }
    partials
        .iter()
        .filter_map(|p| Some((p, p.val?)))
        .filter_map(|(p, v)| {
            let n = name(v);
            match &args[p.arg] {
                CallArg::Scalar(_) | CallArg::Array { active: Some(_), .. } => {
                    Some(quote::quote_spanned!(span=> ::gradmacro::__private::received(&#n);))
                }
                CallArg::Struct { param, .. } => {
                    let ty = match &sig.params[*param].shape {
                        Shape::Struct { ty } | Shape::StructSlice { ty } => ty,
                        _ => return None,
                    };
                    let at = span_of(v);
                    Some(quote::quote_spanned!(at=> let #n = ::gradmacro::__private::struct_gradient::<#ty, _>(#n);))
                }
                _ => None,
            }
        })
        .collect()
}

impl Lower<'_> {
    /// `a` (`bare` without its `&`) as a differentiated struct passed whole, if it is one.
    pub(super) fn struct_arg(&mut self, a: &Expr, bare: &Expr, out: &mut Block) -> Option<CallArg> {
        let (param, index) = match bare {
            Expr::Path(p) => match p.path.get_ident().and_then(|i| self.lookup(&i.to_string()).cloned()) {
                Some(Binding::Elem { param, index, .. }) => (param, Some(index)),
                Some(Binding::Array { array: ArrayRef::Param(i), active: true, .. })
                    if matches!(self.sig.params[i].shape, Shape::Struct { .. }) =>
                {
                    (i, None)
                }
                _ => return None,
            },
            Expr::Index(ix) => {
                let p = self.struct_slice_param(&ix.expr)?;
                if matches!(strip(&ix.index), Expr::Range(_)) {
                    self.error_tokens(
                        a,
                        "a sub-slice of a differentiated slice of structs cannot be passed to a function yet: pass its elements one by one (`for p in &ps[1..] { s += g(p); }`), or the whole slice's elements by index",
                    );
                    return Some(CallArg::Other { tokens: TokenStream::new(), uses: Vec::new() });
                }
                (p, Some(self.int_index(&ix.index, out)))
            }
            _ => return None,
        };
        if let Some(f) = super::generic_mode::param() {
            self.error_tokens(
                a,
                format!("passing a differentiated struct whole to a function is not supported in a generic function (`{f}`) yet: pass the fields it reads, or write this function for `f64` (or `f32`)"),
            );
        }
        let (tokens, uses) = self.rename(a);
        Some(CallArg::Struct { tokens, uses, param, index })
    }

    /// `p.method(args)` on a differentiated struct `p`: `p.__method_grad_for_struct_args(args)`,
    /// the receiver's gradient first.
    pub(super) fn struct_method(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Operand {
        let recv = strip(&m.receiver);
        let bare = match recv {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            other => other,
        };
        let Some(CallArg::Struct { tokens, uses, param, index }) = self.struct_arg(&m.receiver, bare, out) else {
            let name = m.method.to_string();
            let r = quote::ToTokens::to_token_stream(&m.receiver).to_string();
            self.error(
                m.method.span(),
                format!("calling a method (`.{name}(..)`) on `{r}` is not supported: call it on a differentiated struct by name (`p.{name}(..)`, `ps[i].{name}(..)`, a `p` bound by `for p in ps`), or read the fields it needs here"),
            );
            return Operand::Lit(quote!(0.0));
        };
        if m.turbofish.is_some() {
            self.error(m.method.span(), "a method with explicit generic arguments (`p.f::<T>(..)`) cannot be called on a differentiated struct: give the types through the arguments");
            return Operand::Lit(quote!(0.0));
        }
        // The receiver as written, or in parentheses (`(&ps[i])`).
        let tokens = if matches!(recv, Expr::Path(_) | Expr::Paren(_)) { tokens } else { quote!((#tokens)) };
        let plain = &m.method;
        let Some((rest, rest_partials, _)) = self.call_args(&quote!(#plain), &m.args, out) else {
            return Operand::Lit(quote!(0.0));
        };
        let mut args = vec![CallArg::Struct { tokens, uses, param, index }];
        args.extend(rest);
        let mut partials =
            vec![Partial { arg: 0, val: Some(self.new_val_kind(false, Kind::Other, m.receiver.span())) }];
        partials.extend(rest_partials.into_iter().map(|p| Partial { arg: p.arg + 1, ..p }));
        let func = format_ident!("{}", super::struct_companion::name(&m.method), span = m.method.span());
        let v = self.new_val_kind(true, Kind::Float, m.span());
        out.stmts.push(Stmt::Call {
            out: v,
            func: quote!(#func),
            receiver: None,
            args,
            partials,
            span: m.span(),
            self_arg: true,
        });
        Operand::Val(v)
    }
}
