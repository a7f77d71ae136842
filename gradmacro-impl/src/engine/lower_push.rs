//! Lowering, buffers that grow: `let mut h = Vec::with_capacity(n);` (or `Vec::new()`) then
//! `h.push(v)`. The buffer is a local heap array; each push is a store at the buffer's length
//! before it, which a hidden counter carries (a recomputed iteration must not ask the buffer,
//! which by then has its final length). The forward pass pushes; the backward pass takes a pushed
//! element off again where a recomputed loop before the push reads the buffer.

use quote::{ToTokens, quote};
use syn::Expr;
use syn::spanned::Spanned;
use syn::visit::Visit;

use proc_macro2::TokenStream;

use super::ir::{ArrayInit, ArrayRef, Block, Operand, Stmt, ValId};
use super::lower::{Binding, Lower, strip};

/// `Vec::with_capacity(n)` or `Vec::new()` (with or without `::<f64>`, `std::vec::`): the
/// capacity expression (`None` for `new`).
pub fn empty_vec(c: &syn::ExprCall) -> Option<Option<&Expr>> {
    let Expr::Path(p) = strip(&c.func) else { return None };
    let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let n = segs.len();
    if n < 2 || segs[n - 2] != "Vec" {
        return None;
    }
    match (segs[n - 1].as_str(), c.args.len()) {
        ("with_capacity", 1) => Some(Some(&c.args[0])),
        ("new", 0) => Some(None),
        _ => None,
    }
}

/// The pseudo-variable counting the pushes onto the buffer in `slot`.
pub(super) fn counter(slot: usize) -> String {
    format!("$len{slot}")
}

impl Lower<'_> {
    /// `let mut name = Vec::with_capacity(cap);`
    pub(super) fn declare_growable(&mut self, name: String, cap: Option<&Expr>, out: &mut Block) {
        let (cap, uses) = match cap {
            Some(e) => {
                let n = self.int_value(e, out);
                if self.is_active(&n) {
                    self.error_tokens(e, "the capacity of a `Vec` must be an integer");
                }
                (self.op_tokens(&n), n.val().into_iter().collect())
            }
            None => (quote!(0), Vec::new()),
        };
        let binding = self.new_array(None, &syn::parse_quote!([0.0; 0]), true, out);
        if let Binding::Array { array: ArrayRef::Local(slot), .. } = &binding {
            self.set_capacity(*slot, cap, uses, out);
            self.arrays[*slot].written = true;
            self.bind(counter(*slot), Binding::Scalar { op: Operand::Lit(quote!(0usize)), refs: 0 });
        }
        self.buffer_in_loop(&binding);
        self.bind(name, binding);
    }

    /// Makes the buffer just declared in `slot` a growing one, made with room for `cap`
    /// elements. The declaration reads what `cap` reads: a loop's backward pass that declares
    /// the buffer again (the buffer belongs to an iteration) must have those values.
    pub(super) fn set_capacity(&mut self, slot: usize, cap: TokenStream, uses: Vec<ValId>, out: &mut Block) {
        self.arrays[slot].capacity = Some(cap);
        Self::add_decl_uses(slot, uses, out);
    }

    /// Records that the declaration of the buffer in `slot`, just lowered into `out`, reads
    /// `uses` (its length or capacity, written as the tokens of values).
    pub(super) fn add_decl_uses(slot: usize, uses: Vec<ValId>, out: &mut Block) {
        let decl = out.stmts.iter_mut().rev().find_map(|s| match s {
            Stmt::ArrayDecl { slot: s, init: ArrayInit::Repeat(_, _, u), .. } if *s == slot => Some(u),
            _ => None,
        });
        if let Some(u) = decl {
            u.extend(uses);
        }
    }

    /// `h.push(value)` on a growing buffer; `None` when `m` is not a push onto one.
    /// Any other method that would change a local array is reported here.
    pub(super) fn push(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        let Expr::Path(p) = strip(&m.receiver) else { return None };
        let id = p.path.get_ident()?;
        let Some(Binding::Array { array: ArrayRef::Local(slot), .. }) = self.lookup(&id.to_string()) else {
            return None;
        };
        let slot = *slot;
        if m.method != "push" || m.args.len() != 1 {
            if READ_ONLY.contains(&m.method.to_string().as_str()) {
                return None;
            }
            self.check_array_mutations(&Expr::MethodCall(m.clone()));
            return Some(Operand::Lit(quote!(0.0)));
        }
        if self.arrays[slot].capacity.is_none() {
            self.error_tokens(&m.method, format!("`{id}` has a fixed length: `push` onto a buffer made with `Vec::with_capacity(n)` or `Vec::new()`, or write `{id}[i] = v`"));
            return Some(Operand::Lit(quote!(())));
        }
        let value = self.expr(&m.args[0], out);
        let name = counter(slot);
        let at = self.scalar(&name);
        let at_tokens = self.op_tokens(&at);
        self.store_or_push(slot, at.clone(), value, true, m.span(), out);
        let next = self.plain_tokens(quote!(#at_tokens + 1), at.val().into_iter().collect(), m.span(), out);
        self.set_scalar(&name, next);
        Some(Operand::Lit(quote!(())))
    }

    /// Plain code may read a local array or buffer, never change it behind the lowering's back:
    /// the lowering tracks its elements (and a buffer's length), which the backward pass relies
    /// on.
    pub(super) fn check_array_mutations(&mut self, e: &Expr) {
        struct V<'a, 'l> {
            lower: &'a Lower<'l>,
            found: Vec<(proc_macro2::TokenStream, String)>,
        }
        impl V<'_, '_> {
            fn local_array(&self, e: &Expr) -> Option<String> {
                let Expr::Path(p) = strip(e) else { return None };
                let id = p.path.get_ident()?.to_string();
                matches!(self.lower.lookup(&id), Some(Binding::Array { array: ArrayRef::Local(_), .. })).then_some(id)
            }
        }
        impl<'ast> Visit<'ast> for V<'_, '_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if let Some(id) = self.local_array(&m.receiver)
                    && !READ_ONLY.contains(&m.method.to_string().as_str())
                {
                    self.found.push((m.method.to_token_stream(), format!("`{id}.{}(..)`", m.method)));
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
                if r.mutability.is_some()
                    && let Some(id) = self.local_array(&r.expr)
                {
                    self.found.push((r.to_token_stream(), format!("`&mut {id}`")));
                }
                syn::visit::visit_expr_reference(self, r);
            }
        }
        let mut v = V { lower: self, found: Vec::new() };
        v.visit_expr(e);
        for (at, what) in v.found {
            self.error_tokens(at, format!("{what} is not supported in a #[differentiate] body: the macro follows a local array's elements (and a buffer's length) to differentiate through them, so it may be written by index (`h[i] = v`) or, if made with `Vec::with_capacity`/`Vec::new`, by `push`, and read in any way"));
        }
    }
}

/// Methods that read a local array or buffer without changing it.
const READ_ONLY: &[&str] = &[
    "len",
    "is_empty",
    "iter",
    "into_iter",
    "first",
    "last",
    "get",
    "contains",
    "to_vec",
    "clone",
    "as_slice",
    "windows",
    "chunks",
    "starts_with",
    "ends_with",
    "capacity",
    "split_at",
    "split_first",
    "split_last",
    "binary_search",
    "binary_search_by",
    "to_owned",
    "concat",
    "join",
];
