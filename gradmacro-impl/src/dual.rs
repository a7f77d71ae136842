//! `__dual!(f64)`: the methods and operators of `gradmacro::__private::Dual<f64>` (value and one
//! tangent), which `f_hvp` runs the backward pass in (forward over reverse).
//!
//! Nothing here writes a derivative: each method's tangent is the gate table's own rule
//! ([`gates::tangent`], the rule `f_jvp` uses), evaluated on the value parts, so a gate's local
//! derivative stays written down once, in `gates.rs`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::engine::gates::{self, Gate, M};
use crate::engine::generic_mode;

/// A product with a factor that is exactly 0 (value and tangent), or a quotient with such a
/// numerator, gets the tangent 0 where the rule's IEEE arithmetic gives NaN (`0 * inf`, `0 * NaN`
/// from the other operand's tangent): the "strong zero" of the backward pass, which skips an
/// adjoint that is exactly 0 whatever the partial it would multiply. Without it an adjoint that
/// `f_grad` drops (`d = 0.0 * d_out`, then `d / (1 + v * v)` with `v = atan2(0, 0)`, whose tangent
/// is NaN) poisons `f_hvp`'s gradient and Hessian-vector product (found by the large oracle run
/// 12, p1570). The value part is untouched (bit-identical to `f_grad`); the common path costs one
/// NaN test.
fn strong_zero(
    g: Gate,
    body: TokenStream,
    zeros: [&TokenStream; 2],
    f: &TokenStream,
    dual: &TokenStream,
) -> TokenStream {
    let [zero0, zero1] = zeros;
    let zero = match g {
        Gate::Mul => quote!(#zero0 || #zero1),
        Gate::Div => quote!(#zero0),
        _ => return body,
    };
    quote! {
        let r: #dual = { #body };
        if #f::is_nan(r.eps) && (#zero) { <#dual>::new(r.re, 0.0) } else { r }
    }
}

/// `__dual!(F)`: the impls of `Dual<F>` for every `F: DualFloat` (the methods `Float` has, the
/// operators with a dual or an `F` on the right, conversions); written for `f64` like every rule
/// of the gate table and turned generic by the rewrite generic functions get, so a generic
/// function's `f_hvp` and an `f64` one's run the same code. `__dual!(f64)` / `__dual!(f32)`: what
/// cannot be generic, an `F` on the left of an operator (the orphan rule) and the gates `Float`
/// lacks (`rem_euclid`, ...), and the traits the generic part asks of the float.
pub fn expand(input: TokenStream) -> TokenStream {
    let name = input.to_string();
    match name.as_str() {
        "F" => generic(),
        "f64" => concrete(&quote!(::core::primitive::f64), &quote!(::core::f64::consts)),
        "f32" => concrete(&quote!(::core::primitive::f32), &quote!(::core::f32::consts)),
        _ => syn::Error::new(Span::call_site(), "`__dual!` takes `F`, `f64` or `f32`").to_compile_error(),
    }
}

/// The inherent methods of the gates in `which`, on `Dual<#f>`.
fn methods(f: &TokenStream, k: &TokenStream, which: impl Fn(M) -> bool) -> TokenStream {
    let mut methods = TokenStream::new();
    for (method, m, arity) in gates::methods().filter(|&(_, m, _)| which(m)) {
        let g = Gate::Method(m);
        let fname = Ident::new(method, Span::call_site());
        let params: Vec<TokenStream> = (0..arity)
            .map(|i| {
                let a = format_ident!("a{}", i);
                if g.is_integer_input(i) { quote!(#a: ::core::primitive::i32) } else { quote!(#a: Self) }
            })
            .collect();
        let (body, doc) = gate_body(g, arity, f, k, &[]);
        let doc = format!("`{method}` on the value, with the tangent of `gates.rs`' rule{doc}.");
        methods.extend(quote! {
            #[doc = #doc]
            #[inline]
            #[must_use]
            pub fn #fname(#(#params),*) -> Self { #body }
        });
    }
    methods
}

/// The arithmetic operators: `(trait, method, gate, assign trait, assign method)`.
fn operators() -> [(TokenStream, TokenStream, Gate, TokenStream, TokenStream); 5] {
    [
        (quote!(Add), quote!(add), Gate::Add, quote!(AddAssign), quote!(add_assign)),
        (quote!(Sub), quote!(sub), Gate::Sub, quote!(SubAssign), quote!(sub_assign)),
        (quote!(Mul), quote!(mul), Gate::Mul, quote!(MulAssign), quote!(mul_assign)),
        (quote!(Div), quote!(div), Gate::Div, quote!(DivAssign), quote!(div_assign)),
        (quote!(Rem), quote!(rem), Gate::Rem, quote!(RemAssign), quote!(rem_assign)),
    ]
}

fn dual_zero(a: &TokenStream) -> TokenStream {
    quote!((#a.re == 0.0 && #a.eps == 0.0))
}

/// The generic part, see [`expand`].
fn generic() -> TokenStream {
    let param = Ident::new("F", Span::call_site());
    let (f, k) = (quote!(#param), quote!(::core::f64::consts));
    let dual = quote!(crate::__private::Dual<#f>);
    let bound = quote!(<#param: crate::__private::DualFloat>);
    // On while the rules are written too: they ask it how to write an integer as an `F`.
    let _generic = generic_mode::Guard::new(Some(param.clone()));
    let methods = methods(&f, &k, |m| !generic_mode::lacks(m));
    let mut ops = TokenStream::new();
    for (tr, method, g, assign_tr, assign_method) in operators() {
        let (body, _) = gate_body(g, 2, &f, &k, &[]);
        // A constant operand (a literal, an inactive value) is a value with tangent 0: the same
        // rule without that operand's term, nothing written twice.
        let (dual_float, _) = gate_body(g, 2, &f, &k, &[false, true]);
        let (a0, a1) = (quote!(a0), quote!(a1));
        let body = strong_zero(g, body, [&dual_zero(&a0), &dual_zero(&a1)], &f, &dual);
        let dual_float = strong_zero(g, dual_float, [&dual_zero(&a0), &quote!((#a1 == 0.0))], &f, &dual);
        ops.extend(quote! {
            impl #bound ::core::ops::#tr for #dual {
                type Output = Self;
                #[inline]
                fn #method(self, a1: Self) -> Self { let a0 = self; #body }
            }
            impl #bound ::core::ops::#tr<#f> for #dual {
                type Output = Self;
                #[inline]
                fn #method(self, a1: #f) -> Self { let a0 = self; #dual_float }
            }
            // A constant read through a reference (`for yi in y.iter()`, then `yi * z`).
            impl #bound ::core::ops::#tr<&#f> for #dual {
                type Output = Self;
                #[inline]
                fn #method(self, a1: &#f) -> Self { ::core::ops::#tr::#method(self, *a1) }
            }
            impl #bound ::core::ops::#assign_tr for #dual {
                #[inline]
                fn #assign_method(&mut self, b: Self) { *self = ::core::ops::#tr::#method(*self, b); }
            }
            impl #bound ::core::ops::#assign_tr<#f> for #dual {
                #[inline]
                fn #assign_method(&mut self, b: #f) { *self = ::core::ops::#tr::#method(*self, b); }
            }
        });
    }
    let (neg, _) = gate_body(Gate::Neg, 1, &f, &k, &[]);
    let impls = quote! {
        #ops
        impl #bound ::core::iter::Sum for #dual {
            #[inline]
            fn sum<I: ::core::iter::Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(<Self as ::core::convert::From<#f>>::from(0.0), ::core::ops::Add::add)
            }
        }
        impl #bound #dual {
            #methods
            /// Whether both the value and the tangent are exactly 0: an adjoint that adds nothing
            /// to a gradient nor to a Hessian-vector product (the backward pass skips it).
            #[inline]
            #[must_use]
            pub fn is_zero(a: Self) -> bool { a.re == 0.0 && a.eps == 0.0 }
            /// The exact tie of two values that `max`, `min`, `clamp`, `abs` and `powf` test:
            /// on the value parts, so the branch taken is `f`'s.
            #[inline]
            #[must_use]
            pub fn tie(a: Self, b: Self) -> bool { a.re == b.re }
            /// Whether the value is NaN.
            #[inline]
            #[must_use]
            pub fn is_nan(a: Self) -> bool { #f::is_nan(a.re) }
        }
        impl #bound ::core::convert::From<#f> for #dual {
            #[inline]
            fn from(re: #f) -> Self { Self { re, eps: 0.0 } }
        }
        // A constant the body reads through a reference (`for yi in y.iter()`, then `yi * w`).
        impl #bound ::core::convert::From<&#f> for #dual {
            #[inline]
            fn from(re: &#f) -> Self { Self { re: *re, eps: 0.0 } }
        }
        impl #bound ::core::ops::Neg for #dual {
            type Output = Self;
            #[inline]
            fn neg(self) -> Self { let a0 = self; #neg }
        }
        // Comparisons read the value: the branch a rule takes (`max`'s winner) is `f`'s.
        impl #bound ::core::cmp::PartialEq for #dual {
            #[inline]
            fn eq(&self, other: &Self) -> bool { self.re == other.re }
        }
        impl #bound ::core::cmp::PartialOrd for #dual {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> ::core::option::Option<::core::cmp::Ordering> {
                ::core::cmp::PartialOrd::partial_cmp(&self.re, &other.re)
            }
        }
        impl #bound crate::__private::Split for #dual {
            type Re = #f;
            #[inline]
            fn re(&self) -> #f { self.re }
            #[inline]
            fn eps(&self) -> #f { self.eps }
        }
        impl #bound crate::__private::Primal for #dual {
            type Re = #f;
            #[inline]
            fn primal(self) -> #f { self.re }
        }
    };
    generic_mode::rewrite(&impls)
}

/// The part for one float type, see [`expand`].
fn concrete(f: &TokenStream, k: &TokenStream) -> TokenStream {
    let dual = quote!(crate::__private::Dual<#f>);
    let methods = methods(f, k, generic_mode::lacks);
    let mut ops = TokenStream::new();
    for (tr, method, g, _, _) in operators() {
        let (float_dual, _) = gate_body(g, 2, f, k, &[true, false]);
        let float_dual = strong_zero(g, float_dual, [&quote!((a0 == 0.0)), &dual_zero(&quote!(a1))], f, &dual);
        ops.extend(quote! {
            impl ::core::ops::#tr<#dual> for #f {
                type Output = #dual;
                #[inline]
                fn #method(self, a1: #dual) -> #dual { let a0 = self; #float_dual }
            }
            impl ::core::ops::#tr<#dual> for &#f {
                type Output = #dual;
                #[inline]
                fn #method(self, a1: #dual) -> #dual { ::core::ops::#tr::#method(*self, a1) }
            }
        });
    }
    quote! {
        #ops
        impl #dual {
            #methods
        }
        impl crate::__private::DualFloat for #f {}
        impl crate::__private::Split for #f {
            type Re = #f;
            #[inline]
            fn re(&self) -> #f { *self }
            #[inline]
            fn eps(&self) -> #f { 0.0 }
        }
        impl crate::__private::Lift for #f {
            type Dual = #dual;
            #[inline]
            fn lift(self, eps: #f) -> #dual { crate::__private::Dual::new(self, eps) }
        }
        impl crate::__private::Primal for #f {
            type Re = #f;
            #[inline]
            fn primal(self) -> #f { self }
        }
    }
}

/// The body of gate `g` on duals `a0, a1, ..`: the value is the gate's forward expression on the
/// values, the tangent the gate table's tangent rule seeded with the operands' tangents. Operands
/// marked in `plain` are floats (tangent 0): their terms are left out of the tangent, not
/// multiplied by 0, which IEEE arithmetic could not fold away (`0 * inf` is NaN). The second
/// result is a note for the doc comment.
fn gate_body(g: Gate, arity: usize, f: &TokenStream, k: &TokenStream, plain: &[bool]) -> (TokenStream, &'static str) {
    let mut lets = TokenStream::new();
    let mut vals = Vec::new();
    let mut tans = Vec::new();
    for i in 0..arity {
        let (a, r, t) = (format_ident!("a{}", i), format_ident!("r{}", i), format_ident!("t{}", i));
        if g.is_integer_input(i) {
            vals.push(quote!(#a));
            tans.push(None);
        } else if plain.get(i).copied().unwrap_or(false) {
            lets.extend(quote!(let #r = #a;));
            vals.push(quote!(#r));
            tans.push(None);
        } else if g.is_flat() {
            lets.extend(quote!(let #r = #a.re;));
            vals.push(quote!(#r));
            tans.push(None);
        } else {
            lets.extend(quote!(let (#r, #t) = (#a.re, #a.eps);));
            vals.push(quote!(#r));
            tans.push(Some(quote!(#t)));
        }
    }
    let x = quote!(x);
    let value = g.forward(&vals, f);
    let dual = quote!(crate::__private::Dual::<#f>);
    match gates::tangent(g, &tans, &vals, &x, f, k) {
        Some(t) => (quote!(#lets let x: #f = #value; let _ = &x; #dual { re: x, eps: #t }), ""),
        None => (quote!(#lets #dual { re: #value, eps: 0.0 }), " (0: flat)"),
    }
}
