//! nalgebra vectors as parameters and results (feature `nalgebra`).
//!
//! A function with `SVector<F, N>` (`Vector3<F>`, ...) or `DVector<F>` parameters or result is
//! differentiated as its *array twin*: a hidden copy whose vectors are `[F; N]` and slices (or
//! `Vec<F>`), whose body `nalgebra_body` rewrites into the array and scalar operations the vector
//! expressions mean. The engine differentiates the twin like any function; the companions the
//! user calls (`f_grad`, `f_jvp`, `f_hvp`, `f_hessian`, `f_vjp`, `f_jacobian`) take and return
//! nalgebra types and convert at the boundary (one copy of each vector).
//!
//! Before/after: `fn f(p: Vector3<f64>) -> f64` → `fn __gradmacro_f(p: [f64; 3]) -> f64` (and
//! its `__gradmacro_f_grad`), and `fn f_grad(p: Vector3<f64>) -> (f64, Vector3<f64>)` calling
//! it with `to_array(&p)` and converting the gradient back.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::{FnArg, ReturnType, Type};

use super::Errors;
use super::nalgebra_body::{self, Kind, alias_len};
use super::sig::{self, Output, Sig};

/// A nalgebra vector in the signature.
#[derive(Clone)]
struct Na {
    kind: Kind,
    by_ref: bool,
    /// The type without `&`: the gradient's type.
    owned: Type,
}

/// `Vector3<F>`, `SVector<F, 3>`, `DVector<F>` (by value or behind `&`), `F` a float.
fn na_of(ty: &Type) -> Option<Na> {
    let (inner, by_ref) = match ty {
        Type::Reference(r) if r.mutability.is_none() => (&*r.elem, true),
        Type::Paren(p) => return na_of(&p.elem),
        other => (other, false),
    };
    let Type::Path(p) = inner else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    let mut args = args.args.iter();
    let syn::GenericArgument::Type(elem) = args.next()? else { return None };
    sig::float_of(elem)?;
    let name = last.ident.to_string();
    let kind = match (name.as_str(), args.next(), args.next()) {
        (_, None, _) if alias_len(&name).is_some() => Kind::Static(alias_len(&name)?),
        ("DVector", None, _) => Kind::Dyn,
        ("SVector", Some(syn::GenericArgument::Const(syn::Expr::Lit(l))), None) => match &l.lit {
            syn::Lit::Int(i) => Kind::Static(i.base10_parse().ok()?),
            _ => return None,
        },
        _ => return None,
    };
    Some(Na { kind, by_ref, owned: inner.clone() })
}

/// The float type of a recognised vector type.
fn elem_of(owned: &Type) -> Option<Type> {
    let Type::Path(p) = owned else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

/// The twin's type for a nalgebra vector type: `[F; N]`, `&[F; N]`, `Vec<F>`, `&[F]`.
pub fn twin_type(ty: &Type) -> Option<(Kind, Type)> {
    let na = na_of(ty)?;
    let f = elem_of(&na.owned)?;
    let t = match (na.kind, na.by_ref) {
        (Kind::Static(n), false) => quote!([#f; #n]),
        (Kind::Static(n), true) => quote!(&[#f; #n]),
        (Kind::Dyn, false) => quote!(::gradmacro::__private::Vec<#f>),
        (Kind::Dyn, true) => quote!(&[#f]),
    };
    Some((na.kind, syn::parse2(t).ok()?))
}

/// The expansion of `#[differentiate]` on a function with nalgebra vectors in its signature, or
/// `None` when it has none.
pub fn expand(attr: &TokenStream, item: &TokenStream) -> Option<TokenStream> {
    let (attrs, vis, user, block) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => (f.attrs, f.vis, f.sig, *f.block),
        Ok(_) => return None,
        Err(_) => {
            let f = syn::parse2::<syn::ImplItemFn>(item.clone()).ok()?;
            (f.attrs, f.vis, f.sig, f.block)
        }
    };
    let nas: Vec<Option<Na>> = user
        .inputs
        .iter()
        .map(|a| match a {
            FnArg::Typed(pt) => na_of(&pt.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let out = match &user.output {
        ReturnType::Type(_, t) => na_of(t),
        ReturnType::Default => None,
    };
    if nas.iter().all(Option::is_none) && out.is_none() {
        return None;
    }
    let mut errors = Errors::default();
    if let Some(g) = user.generics.params.iter().find(|g| !matches!(g, syn::GenericParam::Lifetime(_))) {
        errors.push(syn::Error::new_spanned(
            g,
            "#[differentiate] takes nalgebra vectors in functions without type or const parameters: write the function for `f64` (or `f32`) and a literal length",
        ));
    }
    let mut named = Vec::new();
    for (arg, na) in user.inputs.iter().zip(&nas) {
        if let (FnArg::Typed(pt), Some(na)) = (arg, na) {
            match &*pt.pat {
                syn::Pat::Ident(p) => named.push((p.ident.to_string(), na.kind)),
                other => {
                    errors.push(syn::Error::new_spanned(other, "name a nalgebra vector parameter (`v: Vector3<f64>`)"))
                }
            }
        }
    }
    let mut twin = user.clone();
    twin.ident = format_ident!("__gradmacro_{}", user.ident, span = user.ident.span());
    for arg in &mut twin.inputs {
        if let FnArg::Typed(pt) = arg
            && let Some((_, t)) = twin_type(&pt.ty)
        {
            *pt.ty = t;
        }
    }
    if let ReturnType::Type(_, t) = &mut twin.output
        && let Some((_, tt)) = twin_type(t)
    {
        **t = tt;
    }
    let mut scratch = Errors::default();
    let args = sig::parse_args(attr.clone(), &mut scratch);
    let tsig = sig::analyse(&twin, &args, &mut scratch);
    let mut body = block;
    nalgebra_body::desugar(&mut body, &named, out.as_ref().map(|o| o.kind), tsig.float.path(), &mut errors);
    let kept = super::kept_attrs(&attrs);
    let engine = if errors.is_empty() {
        // The twin takes a `DVector` passed by value as a `Vec` it may only read.
        let allow = quote!(#[allow(clippy::needless_pass_by_value)]);
        // As visible as `f`: a caller elsewhere calls the twin (`nalgebra_body`, calls).
        super::expand(attr.clone(), quote!(#(#kept)* #allow #[doc(hidden)] #vis #twin #body))
    } else {
        TokenStream::new()
    };
    let w = Wrappers {
        tsig: &tsig,
        args: &args,
        user: &user,
        twin: &twin,
        nas: &nas,
        out: out.as_ref(),
        ok: errors.is_empty(),
    };
    let companions = w.all(&kept, &vis);
    let errs = errors.to_compile_errors();
    Some(quote!(#[allow(dead_code)] #item #engine #companions #errs))
}

struct Wrappers<'a> {
    tsig: &'a Sig,
    args: &'a sig::Args,
    user: &'a syn::Signature,
    twin: &'a syn::Signature,
    nas: &'a [Option<Na>],
    out: Option<&'a Na>,
    ok: bool,
}

fn convert(e: TokenStream) -> TokenStream {
    quote!(::gradmacro::__private::na::Convert::convert(#e))
}

impl Wrappers<'_> {
    fn active(&self) -> impl Iterator<Item = (usize, &sig::Param)> {
        self.tsig.params.iter().enumerate().filter(|(_, p)| p.active)
    }

    /// Parameter `i`'s gradient type, in the user's types.
    fn grad_type(&self, i: usize) -> TokenStream {
        match &self.nas[i] {
            Some(na) => na.owned.to_token_stream(),
            None => self.tsig.grad_type(&self.tsig.params[i]),
        }
    }

    /// The gradients of the `active` parameters in the twin's result `r`, from element `from`
    /// on, converted.
    fn grad_outs(&self, active: &[usize], r: &TokenStream, from: usize) -> Vec<TokenStream> {
        active
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let k = syn::Index::from(from + j);
                self.grad_value(i, quote!(#r.#k))
            })
            .collect()
    }

    /// A twin's gradient for parameter `i`, converted.
    fn grad_value(&self, i: usize, e: TokenStream) -> TokenStream {
        if self.nas[i].is_some() { convert(e) } else { e }
    }

    /// A vector value or direction passed to the twin: `[F; N]` or a slice.
    fn pass(na: Option<&Na>, x: &TokenStream, owned: bool) -> TokenStream {
        match na {
            None => x.clone(),
            Some(Na { kind: Kind::Static(_), by_ref, .. }) => {
                let arr = quote!(::gradmacro::__private::na::to_array(#x));
                if owned {
                    quote!(::gradmacro::__private::na::to_array(&#x))
                } else if *by_ref {
                    quote!(&#arr)
                } else {
                    quote!(::gradmacro::__private::na::to_array(&#x))
                }
            }
            Some(Na { kind: Kind::Dyn, by_ref, .. }) => {
                if *by_ref && !owned {
                    quote!(#x.as_slice())
                } else {
                    quote!(::gradmacro::__private::na::into_vec(#x))
                }
            }
        }
    }

    /// The twin companion `suffix` called with the arguments converted, then `extra`.
    fn call(&self, suffix: &str, extra: &[TokenStream]) -> TokenStream {
        let name = format_ident!("{}_{}", self.twin.ident, suffix);
        let mut args = Vec::new();
        for (arg, na) in self.user.inputs.iter().zip(self.nas) {
            match arg {
                FnArg::Receiver(_) => args.push(quote!(self)),
                FnArg::Typed(pt) => {
                    let x = match &*pt.pat {
                        syn::Pat::Ident(p) => p.ident.to_token_stream(),
                        other => other.to_token_stream(),
                    };
                    args.push(Self::pass(na.as_ref(), &x, false));
                }
            }
        }
        args.extend(extra.iter().cloned());
        if self.user.receiver().is_some() { quote!(Self::#name(#(#args),*)) } else { quote!(#name(#(#args),*)) }
    }

    /// One companion: its header (`inputs` after `f`'s) and its body (the twin's call, the
    /// result's elements converted by `outputs`).
    fn companion(
        &self,
        kept: &[&syn::Attribute],
        vis: &syn::Visibility,
        (suffix, doc): (&str, String),
        extra: &[(Ident, TokenStream, TokenStream)],
        ret: &[TokenStream],
        outputs: &dyn Fn(&TokenStream) -> Vec<TokenStream>,
    ) -> TokenStream {
        let name = format_ident!("{}_{}", self.user.ident, suffix, span = self.user.ident.span());
        let inputs = super::companion_inputs(self.user);
        let extra_params = extra.iter().map(|(n, t, _)| quote!(#n: #t));
        let generics = &self.user.generics;
        let where_clause = &self.user.generics.where_clause;
        let r = Ident::new("r", Span::mixed_site());
        let body = if self.ok {
            let call = self.call(suffix, &extra.iter().map(|(_, _, c)| c.clone()).collect::<Vec<_>>());
            let outs = outputs(&quote!(#r));
            quote!({ let #r = #call; (#(#outs,)*) })
        } else {
            quote!({ ::core::unreachable!() })
        };
        let allow = (!self.ok).then(|| quote!(#[allow(unused_variables)]));
        // Tangents, directions and a seed add to the user's parameters: the count is the
        // contract's, not the user's.
        let many = (!extra.is_empty()).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        let doc = format!(
            "{doc}, generated by `#[differentiate]`.\n\nThe nalgebra vectors are differentiated as arrays (`SVector<F, N>` as `[F; N]`, `DVector<F>` as a slice): each gradient is a vector of its parameter's type. See the crate documentation for the tuple's layout."
        );
        quote! {
            #(#kept)* #allow #many
            #[doc = #doc]
            #vis fn #name #generics (#inputs #(, #extra_params)*) -> (#(#ret,)*) #where_clause #body
        }
    }

    fn all(&self, kept: &[&syn::Attribute], vis: &syn::Visibility) -> TokenStream {
        let f = self.tsig.float.path();
        let link = super::doc_link(self.user);
        let active: Vec<usize> = self.active().map(|(i, _)| i).collect();
        let grads: Vec<TokenStream> = active.iter().map(|&i| self.grad_type(i)).collect();
        let grad_outs = |r: &TokenStream, from: usize| self.grad_outs(&active, r, from);
        let mut out = TokenStream::new();
        match self.tsig.output {
            Output::Scalar => {
                let mut ret = vec![f.clone()];
                ret.extend(grads.iter().cloned());
                out.extend(self.companion(
                    kept,
                    vis,
                    ("grad", format!("Value and gradient of {link}")),
                    &[],
                    &ret,
                    &|r| {
                        let mut v = vec![quote!(#r.0)];
                        v.extend(grad_outs(r, 1));
                        v
                    },
                ));
                if self.args.forward {
                    let names = super::tangent::names(self.tsig);
                    let extra = self.directions(&names, true);
                    out.extend(self.companion(
                        kept,
                        vis,
                        ("jvp", format!("Value and directional derivative of {link}")),
                        &extra,
                        &[f.clone(), f.clone()],
                        &|r| vec![quote!(#r.0), quote!(#r.1)],
                    ));
                }
                if self.args.hessian {
                    let names = super::hessian::names(self.tsig);
                    let extra = self.directions(&names, false);
                    let mut ret = vec![f.clone()];
                    ret.extend(grads.iter().cloned());
                    ret.extend(grads.iter().cloned());
                    let n = active.len();
                    out.extend(self.companion(
                        kept,
                        vis,
                        ("hvp", format!("Value, gradient and Hessian-vector product of {link}")),
                        &extra,
                        &ret,
                        &|r| {
                            let mut v = vec![quote!(#r.0)];
                            v.extend(grad_outs(r, 1));
                            v.extend(grad_outs(r, 1 + n));
                            v
                        },
                    ));
                    let mut ret = vec![f.clone()];
                    ret.extend(grads.iter().cloned());
                    ret.push(super::hessian::hessian_type(self.tsig, self.twin));
                    let h = syn::Index::from(1 + n);
                    out.extend(self.companion(
                        kept,
                        vis,
                        ("hessian", format!("Value, gradient and Hessian of {link}")),
                        &[],
                        &ret,
                        &|r| {
                            let mut v = vec![quote!(#r.0)];
                            v.extend(grad_outs(r, 1));
                            v.push(quote!(#r.#h));
                            v
                        },
                    ));
                }
            }
            Output::Array(_) | Output::Tuple(_) | Output::Vec => out.extend(self.vector(kept, vis, &grads, &active)),
            Output::Rejected => {}
        }
        out
    }

    /// `f_jvp`'s tangents (`tangent`) or `f_hvp`'s directions, in the user's types, and how each
    /// is passed to the twin.
    fn directions(&self, names: &[Option<Ident>], tangent: bool) -> Vec<(Ident, TokenStream, TokenStream)> {
        let mut extra = Vec::new();
        for (i, p) in self.tsig.params.iter().enumerate() {
            let Some(n) = names.get(i).cloned().flatten().filter(|_| p.active) else { continue };
            let x = n.to_token_stream();
            let (ty, pass) = match &self.nas[i] {
                Some(na @ Na { kind: Kind::Dyn, owned, .. }) if tangent => {
                    (quote!(&#owned), Self::pass(Some(&Na { by_ref: true, ..na.clone() }), &x, false))
                }
                Some(na) => (na.owned.to_token_stream(), Self::pass(Some(na), &x, true)),
                None if tangent => (self.tsig.tangent_type(p), x),
                None => (self.tsig.grad_type(p), x),
            };
            extra.push((n, ty, pass));
        }
        extra
    }

    /// `f_vjp` and `f_jacobian` for a vector result.
    fn vector(
        &self,
        kept: &[&syn::Attribute],
        vis: &syn::Visibility,
        grads: &[TokenStream],
        active: &[usize],
    ) -> TokenStream {
        let link = super::doc_link(self.user);
        let out_ty = match (self.out, &self.twin.output) {
            (Some(na), _) => na.owned.to_token_stream(),
            (None, ReturnType::Type(_, t)) => t.to_token_stream(),
            (None, ReturnType::Default) => quote!(()),
        };
        let out_value = |e: TokenStream| if self.out.is_some() { convert(e) } else { e };
        let seed = super::vector::seed_ident();
        let seed_pass = Self::pass(self.out, &seed.to_token_stream(), true);
        let mut ret = vec![out_ty.clone()];
        ret.extend(grads.iter().cloned());
        let vjp = self.companion(
            kept,
            vis,
            ("vjp", format!("Value and vector-Jacobian product of {link}")),
            &[(seed, out_ty.clone(), seed_pass)],
            &ret,
            &|r| {
                let mut v = vec![out_value(quote!(#r.0))];
                v.extend(self.grad_outs(active, r, 1));
                v
            },
        );
        let jac_type = |g: &TokenStream| match self.tsig.output {
            Output::Array(n) => quote!([#g; #n]),
            Output::Tuple(n) => {
                let gs = (0..n).map(|_| g);
                quote!((#(#gs,)*))
            }
            _ => quote!(::gradmacro::__private::Vec<#g>),
        };
        let mut ret = vec![out_ty];
        ret.extend(grads.iter().map(jac_type));
        let jac = self.companion(kept, vis, ("jacobian", format!("Value and Jacobian of {link}")), &[], &ret, &|r| {
            let mut v = vec![out_value(quote!(#r.0))];
            v.extend(active.iter().enumerate().map(|(j, &i)| {
                let k = syn::Index::from(1 + j);
                match (self.tsig.output, self.nas[i].is_some()) {
                    (Output::Tuple(n), true) => {
                        let items = (0..n).map(|t| {
                            let t = syn::Index::from(t);
                            convert(quote!(#r.#k.#t))
                        });
                        quote!((#(#items,)*))
                    }
                    _ => self.grad_value(i, quote!(#r.#k)),
                }
            }));
            v
        });
        quote!(#vjp #jac)
    }
}
