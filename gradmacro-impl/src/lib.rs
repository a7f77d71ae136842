//! Implementation detail of [`gradmacro`](https://docs.rs/gradmacro): the `#[differentiate]`
//! attribute. Depend on `gradmacro`, not on this crate.

mod derive;
mod engine;

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
