//! The library half of `gradmacro-show`: finds the `#[differentiate]` functions of a source file
//! and expands them with the macro's engine.

use std::fmt::Write as _;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

#[allow(dead_code, unreachable_pub, clippy::all, clippy::pedantic)]
#[path = "../../gradmacro-impl/src/engine/mod.rs"]
mod engine;

/// Why nothing could be shown.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// The source is not a Rust file (1-based line, 1-based column).
    Parse { line: usize, column: usize, message: String },
    /// No `#[differentiate]` function (with that name, if one was given).
    NotFound(Option<String>),
}

/// One annotated function: where it is, its attribute's arguments and the item without the
/// attribute; `self_ty` is the `impl` block's type for a method.
struct Found {
    place: String,
    name: String,
    args: TokenStream,
    item: TokenStream,
    self_ty: Option<TokenStream>,
}

/// The pretty-printed expansion of every `#[differentiate]` function in `src` (or only of those
/// named `name`), each under a `// ---- path::to::fn ----` line.
///
/// # Errors
///
/// [`Error::Parse`] if `src` does not parse, [`Error::NotFound`] if there is nothing to show.
pub fn show(src: &str, name: Option<&str>) -> Result<String, Error> {
    let file = syn::parse_file(src).map_err(|e| {
        let start = e.span().start();
        Error::Parse { line: start.line, column: start.column + 1, message: e.to_string() }
    })?;
    let mut found = Vec::new();
    collect(&file.items, "", &mut found);
    found.retain(|f| name.is_none_or(|n| f.name == n));
    if found.is_empty() {
        return Err(Error::NotFound(name.map(str::to_owned)));
    }
    let mut out = String::new();
    for f in found {
        let expanded = engine::expand(f.args, f.item);
        let wrapped = match &f.self_ty {
            Some(ty) => quote!(impl #ty { #expanded }),
            None => expanded,
        };
        let text = match syn::parse2::<syn::File>(wrapped.clone()) {
            Ok(file) => prettyplease::unparse(&file),
            Err(_) => format!("{wrapped}\n"),
        };
        let _ = writeln!(out, "// ---- {} ----\n{text}", f.place);
    }
    Ok(out)
}

/// The arguments of a `#[differentiate]` / `#[gradmacro::differentiate]` attribute, if `attr`
/// is one.
fn differentiate_args(attr: &syn::Attribute) -> Option<TokenStream> {
    let last = attr.path().segments.last()?;
    if last.ident != "differentiate" {
        return None;
    }
    Some(match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    })
}

/// Splits the `#[differentiate]` attribute off `attrs`: its arguments and the other attributes.
fn split(attrs: &[syn::Attribute]) -> Option<(TokenStream, Vec<syn::Attribute>)> {
    let i = attrs.iter().position(|a| differentiate_args(a).is_some())?;
    let args = differentiate_args(&attrs[i])?;
    let mut rest = attrs.to_vec();
    rest.remove(i);
    Some((args, rest))
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}::{name}") }
}

fn collect(items: &[syn::Item], prefix: &str, found: &mut Vec<Found>) {
    for item in items {
        match item {
            syn::Item::Fn(f) => {
                if let Some((args, attrs)) = split(&f.attrs) {
                    let mut f = f.clone();
                    f.attrs = attrs;
                    let name = f.sig.ident.to_string();
                    found.push(Found {
                        place: join(prefix, &name),
                        name,
                        args,
                        item: f.into_token_stream(),
                        self_ty: None,
                    });
                }
            }
            syn::Item::Impl(i) => {
                let ty = i.self_ty.to_token_stream();
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it
                        && let Some((args, attrs)) = split(&f.attrs)
                    {
                        let mut f = f.clone();
                        f.attrs = attrs;
                        let name = f.sig.ident.to_string();
                        found.push(Found {
                            place: join(prefix, &format!("{ty}::{name}").replace(' ', "")),
                            name,
                            args,
                            item: f.into_token_stream(),
                            self_ty: Some(ty.clone()),
                        });
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect(items, &join(prefix, &m.ident.to_string()), found);
                }
            }
            _ => {}
        }
    }
}
