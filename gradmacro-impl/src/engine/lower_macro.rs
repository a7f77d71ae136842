//! Lowering, the macros a numeric body uses: `assert!` and its kin, kept as checks on the values
//! the forward pass computes (they carry no gradient), and `vec![..]` buffers, which are local
//! arrays that live on the heap.

use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

use super::ir::{Block, Stmt};
use super::lower::Lower;

/// The macros kept in `f_grad` as written (they carry no gradient), with the number of values
/// before the format string and the crate they are named from.
const CHECKS: &[(&str, usize, &str)] = &[
    ("assert", 1, "core"),
    ("assert_eq", 2, "core"),
    ("assert_ne", 2, "core"),
    ("debug_assert", 1, "core"),
    ("debug_assert_eq", 2, "core"),
    ("debug_assert_ne", 2, "core"),
    ("print", 0, "std"),
    ("println", 0, "std"),
    ("eprint", 0, "std"),
    ("eprintln", 0, "std"),
];

/// The last segment of a macro's path when the path is `name`, `std::name` or `core::name`.
pub fn macro_name(m: &syn::Macro) -> Option<String> {
    let segs: Vec<String> = m.path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.as_slice() {
        [name] => Some(name.clone()),
        [krate, name] if krate == "std" || krate == "core" || krate == "alloc" => Some(name.clone()),
        _ => None,
    }
}

/// The arguments of a function-like macro written as expressions separated by commas.
fn exprs(m: &syn::Macro) -> syn::Result<Vec<Expr>> {
    m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated).map(|p| p.into_iter().collect())
}

/// The names a format string reads by itself (`"{w}"`, `"{w:.3}"`): generated code renames the
/// function's variables, so each is passed as a named argument (`w = ..`) instead.
fn inline_captures(s: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let name: String = chars.clone().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.starts_with(|c: char| c.is_alphabetic() || c == '_') && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

impl Lower<'_> {
    /// `assert!(c, "..", args)`, `println!(..)` and kin: evaluated in `f_grad`'s forward pass on
    /// the values `f` computes, as written. Returns `false` when `m` is not one of them.
    pub(super) fn checking_macro(&mut self, m: &syn::Macro, out: &mut Block) -> bool {
        let Some(name) = macro_name(m) else { return false };
        let Some(&(_, values, krate)) = CHECKS.iter().find(|(n, ..)| *n == name) else { return false };
        let args = match exprs(m) {
            Ok(a) if a.len() >= values => a,
            _ => {
                self.error_tokens(
                    m,
                    format!("the arguments of this `{name}!` cannot be read: write them as values separated by commas, the message a string literal"),
                );
                return true;
            }
        };
        let mut toks = Vec::new();
        let mut uses = Vec::new();
        let mut named = Vec::new();
        let mut captured = Vec::new();
        for (k, a) in args.iter().enumerate() {
            match a {
                // The message: kept as it is, the names it reads passed to it by name.
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if k == values => {
                    toks.push(a.to_token_stream());
                    captured = inline_captures(&s.value()).into_iter().map(|n| (n, s.span())).collect();
                }
                Expr::Assign(na)
                    if k > values && matches!(&*na.left, Expr::Path(p) if p.path.get_ident().is_some()) =>
                {
                    let left = &na.left;
                    let vt = self.inline_arg(&na.right, &mut uses, out);
                    named.push(left.to_token_stream().to_string());
                    toks.push(quote!(#left = #vt));
                }
                _ => {
                    let vt = self.inline_arg(a, &mut uses, out);
                    toks.push(vt);
                }
            }
        }
        for (n, span) in captured {
            if named.contains(&n) {
                continue;
            }
            let id = syn::Ident::new(&n, span);
            let vt = self.inline_arg(&syn::parse_quote!(#id), &mut uses, out);
            toks.push(quote!(#id = #vt));
        }
        let (path, krate) = (syn::Ident::new(&name, m.path.span()), syn::Ident::new(krate, m.path.span()));
        out.stmts.push(Stmt::Plain { out: None, ty: None, tokens: quote!(::#krate::#path!(#(#toks),*)), uses });
        true
    }

    /// An argument of a kept macro, written in place (renamed) where it can be, so that it is
    /// evaluated when the macro evaluates it (a message only on failure) and nothing is moved.
    fn inline_arg(&mut self, e: &Expr, uses: &mut Vec<usize>, out: &mut Block) -> proc_macro2::TokenStream {
        if self.is_simple(e) {
            let (t, u) = self.rename(e);
            uses.extend(u);
            return t;
        }
        let v = self.cond(e, out);
        uses.extend(v.val());
        self.op_tokens(&v)
    }

    /// A `vec![..]` the body declares: its element expressions, or its element and length, as an
    /// array literal or repeat expression (`vec![0.0; n]` is `[0.0; n]` on the heap). `None` when
    /// `e` is not a `vec!`.
    pub(super) fn vec_literal(&mut self, e: &Expr) -> Option<syn::Result<Expr>> {
        let Expr::Macro(m) = e else { return None };
        if macro_name(&m.mac).as_deref() != Some("vec") {
            return None;
        }
        let tokens = m.mac.tokens.clone();
        Some(
            syn::parse2::<syn::ExprRepeat>(quote!([#tokens]))
                .map(Expr::Repeat)
                .or_else(|_| syn::parse2::<syn::ExprArray>(quote!([#tokens])).map(Expr::Array)),
        )
    }
}
