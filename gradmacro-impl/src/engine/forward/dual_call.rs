//! A call `y = g(args)` in `f_hvp`'s dual program: through `g_hvp`, not `g_grad`.
//!
//! `f_grad` calls `g_grad(args) -> (y, ∂g/∂a..)` and its backward pass adds `(∂g/∂a) · dy` to
//! each argument's adjoint. In the dual program every active value is `re + eps·ε`, so the
//! call needs `y`'s tangent and each partial's tangent along the arguments' tangents `t`:
//! - `y`'s tangent is `∇g · t`;
//! - the tangent of `∂g/∂a` is `(H_g t)_a`, exactly what `g_hvp(values.., t..)` returns.
//!
//! So `let (y, p_a, ..) = g_grad(a, ..)` becomes
//! `let (y, p_a, ..) = { let (v, g_a, .., h_a, ..) = g_hvp(a.re, .., a.eps, ..);
//! (Dual(v, g_a · a.eps + ..), Dual(g_a, h_a), ..) }`, and the backward pass is unchanged:
//! `da += p_a * dy` in duals is `(g_a dy.re, g_a dy.eps + h_a dy.re)`, the chain rule one order
//! up. A callee without `g_hvp` (not `#[differentiate(hessian)]`, no hand-written one) is an error
//! at the call that names `g_hvp`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use super::super::ir::{CallArg, Operand, Partial, ValId};
use super::super::{dual_mode, hidden};
use super::Fwd;

impl Fwd<'_> {
    pub(super) fn dual_call(
        &self,
        out: ValId,
        func: &TokenStream,
        receiver: Option<&(TokenStream, Vec<ValId>)>,
        args: &[CallArg],
        partials: &[Partial],
        span: Span,
    ) -> TokenStream {
        let f = self.sig.float.path();
        let d = dual_mode::dual_path(self.sig.float);
        let mut pre = TokenStream::new();
        // The arguments as `g` takes them: floats, the value parts of active ones.
        let values: Vec<TokenStream> = args
            .iter()
            .map(|a| match a {
                CallArg::Scalar(Operand::Val(v)) if self.body.vals[*v].active => {
                    let n = self.name(*v);
                    quote!(#n.re)
                }
                CallArg::Scalar(o) => self.op(o),
                CallArg::Array { tokens, uses, .. }
                | CallArg::Other { tokens, uses }
                | CallArg::Struct { tokens, uses, .. } => {
                    let (p, t) = self.plain(tokens, uses);
                    pre.extend(p);
                    t
                }
            })
            .collect();
        // One tangent per gradient `g_grad` returns, and the term it adds to `y`'s tangent.
        let (mut tangents, mut terms) = (Vec::new(), Vec::new());
        // Whether gradient `i` is read (by a term or a partial): the others are not bound (no
        // unused variables in the user's crate).
        let mut used_g: Vec<bool> = partials.iter().map(|p| p.val.is_some()).collect();
        let gs: Vec<_> = (0..partials.len()).map(|i| hidden("cg", i)).collect();
        let hs: Vec<_> = (0..partials.len()).map(|i| hidden("ch", i)).collect();
        for (i, p) in partials.iter().enumerate() {
            let g = &gs[i];
            match &args[p.arg] {
                CallArg::Scalar(Operand::Val(v)) if self.body.vals[*v].active => {
                    let n = self.name(*v);
                    tangents.push(quote!(#n.eps));
                    terms.push(quote!(#g * #n.eps));
                    used_g[i] = true;
                }
                // a constant: tangent 0, and no term (`0 * inf` would be NaN)
                CallArg::Scalar(_) => tangents.push(quote!(0.0)),
                CallArg::Array { active, .. } => {
                    let e = hidden("ce", i);
                    match active {
                        Some(a) => {
                            let dual = self.array(*a);
                            pre.extend(quote!(let #e = ::gradmacro::__private::Split::eps(&#dual);));
                            terms.push(quote!(::gradmacro::__private::tangent_dot(&#g, &#e)));
                            used_g[i] = true;
                        }
                        // Shaped like the argument as passed: its tokens with active values
                        // read through their value parts (`s[x.abs() as usize]` in an array
                        // literal reads `x`, a dual here).
                        None => {
                            let t = &values[p.arg];
                            pre.extend(quote!(let #e = ::gradmacro::__private::zero_tangent(&(#t));));
                        }
                    }
                    tangents.push(quote!(::gradmacro::__private::tangent(&#e)));
                }
                CallArg::Other { .. } | CallArg::Struct { .. } => {}
            }
        }
        let hvp = super::super::companion_named(func, "hvp");
        let call = match receiver {
            Some((r, _)) => quote!(#r.#hvp(#(#values,)* #(#tangents),*)),
            None => quote!(#hvp(#(#values,)* #(#tangents),*)),
        };
        let x = self.name(out);
        let tangent = if terms.is_empty() { quote!(0.0) } else { quote!(#(#terms)+*) };
        let places: Vec<TokenStream> = partials
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (g, h) = (&gs[i], &hs[i]);
                match p.val {
                    Some(_) => quote!(::gradmacro::__private::Lift::lift(#g, #h)),
                    None => quote!(()),
                }
            })
            .collect();
        let binds = partials.iter().map(|p| p.val.map_or_else(|| quote!(_), |v| self.name(v)));
        let v = hidden("cv", 0);
        let g_pat = (0..partials.len()).map(|i| {
            if used_g[i] {
                let g = &gs[i];
                quote!(#g)
            } else {
                quote!(_)
            }
        });
        let h_pat = (0..partials.len()).map(|i| {
            if partials[i].val.is_some() {
                let h = &hs[i];
                quote!(#h)
            } else {
                quote!(_)
            }
        });
        let shape: Vec<TokenStream> = partials.iter().map(|_| quote!(_)).collect();
        quote_spanned! {span=>
            let (#x, #(#binds,)*) = {
                #pre
                let (#v, #(#g_pat,)* #(#h_pat,)*): (#f, #(#shape,)* #(#shape,)*) = #call;
                (<#d>::new(#v, #tangent), #(#places,)*)
            };
        }
    }
}
