//! Implementation detail of [`gradmacro`](https://docs.rs/gradmacro): the `#[differentiate]`
//! attribute. Depend on `gradmacro`, not on this crate.

mod derive;
mod dual;
pub(crate) mod engine;

use proc_macro::TokenStream;

/// See the `gradmacro` crate documentation.
#[proc_macro_attribute]
pub fn differentiate(args: TokenStream, item: TokenStream) -> TokenStream {
    engine::expand(args.into(), item.into()).into()
}

/// See the `gradmacro` crate documentation (`Differentiable`).
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(item: TokenStream) -> TokenStream {
    derive::expand(item.into()).into()
}

/// The methods and operators of `gradmacro::__private::Dual<f64>` (or `f32`), generated from the
/// gate table. Used once inside `gradmacro`; not part of the API.
#[doc(hidden)]
#[proc_macro]
pub fn __dual(input: TokenStream) -> TokenStream {
    dual::expand(input.into()).into()
}
