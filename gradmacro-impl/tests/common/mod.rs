//! The expansion as a library: the engine's source compiled into the test crate, so tests can
//! call it on `proc_macro2` token streams without a compiler.

#[allow(dead_code, unreachable_pub)]
#[path = "../../src/engine/mod.rs"]
pub mod engine;

/// Expands `#[differentiate(attr)] item` and pretty-prints the result.
#[allow(dead_code)]
pub fn expand_pretty(attr: &str, item: &str) -> String {
    let attr: proc_macro2::TokenStream = attr.parse().expect("attribute tokens");
    let item: proc_macro2::TokenStream = item.parse().expect("item tokens");
    let out = engine::expand(attr, item);
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => out.to_string(),
    }
}
