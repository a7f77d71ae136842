//! `#[derive(Differentiable)]`: the zero gradient of a struct, from an argument of it, and the
//! scaled addition of a gradient (`__private::AddScaled`) for calls that pass the struct whole.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Fields, Item, Type};

/// Expands the derive. Never panics; what it cannot take is a spanned error.
pub fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<Item>(input) {
        Ok(Item::Struct(s)) => s,
        Ok(Item::Enum(e)) => {
            return syn::Error::new(
                e.enum_token.span,
                "#[derive(Differentiable)] applies to a struct with named fields, not to an enum",
            )
            .to_compile_error();
        }
        Ok(other) => {
            return syn::Error::new(other.span(), "#[derive(Differentiable)] applies to a struct with named fields")
                .to_compile_error();
        }
        Err(e) => return e.to_compile_error(),
    };
    let fields = match &input.fields {
        Fields::Named(n) => &n.named,
        other => {
            return syn::Error::new(
                other.span(),
                "#[derive(Differentiable)] needs a struct with named fields (`struct P { x: f64 }`): a differentiated struct is read by field name",
            )
            .to_compile_error();
        }
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let inits = fields.iter().map(|f| {
        let id = f.ident.as_ref();
        if float_valued(&f.ty) {
            quote_spanned!(f.ty.span()=> #id: ::gradmacro::__private::ZerosLike::zeros_like(&self.#id))
        } else {
            // A nested `Differentiable` struct or a constant: see `__private::Nested`.
            quote_spanned!(f.ty.span()=> #id: {
                #[allow(unused_imports)]
                use ::gradmacro::__private::{ConstantField as _, NestedZero as _};
                (&&::gradmacro::__private::Nested(&self.#id)).zero_field()
            })
        }
    });
    let add = |k: TokenStream, probe: TokenStream| {
        let adds = fields.iter().map(|f| {
            let id = f.ident.as_ref();
            if float_valued(&f.ty) {
                quote_spanned!(f.ty.span()=> ::gradmacro::__private::AddScaled::<#k>::add_scaled(&mut self.#id, &g.#id, k);)
            } else {
                // A nested `Differentiable` struct adds its own; a constant field nothing.
                quote_spanned!(f.ty.span()=> {
                    #[allow(unused_imports)]
                    use ::gradmacro::__private::{ConstantAdd as _, NestedAdd as _};
                    if let ::core::option::Option::Some(add) = (&&::gradmacro::__private::Nested(&self.#id)).#probe() {
                        add(&mut self.#id, &g.#id, k);
                    }
                })
            }
        });
        quote! {
            #[automatically_derived]
            #[doc(hidden)]
            impl #impl_generics ::gradmacro::__private::AddScaled<#k> for #name #ty_generics #where_clause {
                #[inline]
                #[allow(unused_variables)] // a struct of constants only
                fn add_scaled(&mut self, g: &Self, k: #k) {
                    #(#adds)*
                }
            }
        }
    };
    let add64 = add(quote!(f64), quote!(add_f64));
    let add32 = add(quote!(f32), quote!(add_f32));
    quote! {
        #[automatically_derived]
        impl #impl_generics ::gradmacro::Differentiable for #name #ty_generics #where_clause {
            #[inline]
            fn zero_gradient(&self) -> Self {
                Self { #(#inits,)* }
            }
        }
        #add64
        #add32
    }
}

/// A field that holds partial derivatives: a float, an array or `Vec` of them, nested.
fn float_valued(ty: &Type) -> bool {
    match ty {
        Type::Paren(p) => float_valued(&p.elem),
        Type::Group(g) => float_valued(&g.elem),
        Type::Array(a) => float_valued(&a.elem),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else { return false };
            match (last.ident.to_string().as_str(), &last.arguments) {
                ("f32" | "f64", syn::PathArguments::None) => true,
                ("Vec", syn::PathArguments::AngleBracketed(a)) if a.args.len() == 1 => {
                    matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if float_valued(t))
                }
                _ => false,
            }
        }
        _ => false,
    }
}
