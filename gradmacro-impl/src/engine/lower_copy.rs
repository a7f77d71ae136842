//! Lowering, copies of float arrays: `x.to_vec()` of a slice, `Vec` or array (a parameter or a
//! local array or buffer), and `v.clone()` of a `Vec` (a parameter taken by value or a local
//! buffer), as a `let` initialiser or as a `Vec` result.
//!
//! A differentiated copy is the buffer `x.iter().copied().collect()` is lowered into: each
//! element a store of the source's, so the copy's adjoint flows back element by element, and
//! writes into the copy (`r[0] *= a`) are a buffer's writes. A constant copy that is written
//! (`let mut r = x.to_vec();`) is a buffer starting from the value as written; one only read
//! stays plain code. Any other copy of a differentiated array is an error saying where a copy
//! may stand: no differentiated value is ever read through code the lowering cannot follow.

use quote::{ToTokens, quote};
use syn::Expr;
use syn::spanned::Spanned;

use super::ir::{ArrayRef, Block, Operand};
use super::lower::{Binding, Lower, strip};
use super::sig::Shape;

/// Where a copy of a differentiated array may stand, for the errors elsewhere.
const WHERE: &str = "a copy of a differentiated array (`x.to_vec()`) is supported as the initialiser of a `let` (`let mut r = x.to_vec();`) and as the value a function returning `Vec` returns: bind the copy to a name first, and use the name here";

impl Lower<'_> {
    /// `m` as a copy of a whole float array the lowering follows: `x.to_vec()` of a slice,
    /// `Vec` or array parameter or of a local array or buffer; `x.to_owned()` of a slice or
    /// `Vec` parameter or of a local buffer; `x.clone()` of a `Vec` parameter taken by value or
    /// of a local buffer (`.clone()` of a `&[F]` is a reference, `.clone()` and `.to_owned()` of
    /// an array an array: not a `Vec`).
    fn array_copy<'e>(&self, e: &'e Expr) -> Option<&'e syn::ExprMethodCall> {
        let Expr::MethodCall(m) = strip(e) else { return None };
        let to_vec = m.method == "to_vec";
        let to_owned = m.method == "to_owned";
        if !(to_vec || to_owned || m.method == "clone") || !m.args.is_empty() || m.turbofish.is_some() {
            return None;
        }
        let Expr::Path(p) = strip(&m.receiver) else { return None };
        let id = p.path.get_ident()?.to_string();
        let param_ok = |i: usize| {
            let p = &self.sig.params[i];
            let shape = match p.shape {
                Shape::Slice => to_vec || to_owned || p.owned,
                Shape::Array { .. } => to_vec,
                _ => false,
            };
            shape && p.float.is_none_or(|f| f == self.sig.float)
        };
        let ok = match self.lookup(&id)? {
            Binding::Array { array: ArrayRef::Param(i), .. } => param_ok(*i),
            Binding::Array { array: ArrayRef::Local(s), .. } => {
                let a = &self.arrays[*s];
                !a.tuple && (a.heap || to_vec)
            }
            // A constant parameter, or a name bound to one.
            Binding::Scalar { op: Operand::Val(v), refs: 0 } => {
                let name = self.vals[*v].name.as_ref()?;
                let i = self.sig.params.iter().position(|p| p.ident.as_ref() == Some(name))?;
                param_ok(i)
            }
            _ => false,
        };
        ok.then_some(m)
    }

    /// The copy `e` as the buffer it is lowered into, if it is a differentiated one.
    pub(super) fn active_copy(&mut self, e: &Expr, out: &mut Block) -> Option<Binding> {
        let m = self.array_copy(e)?;
        if !self.mentions_active(&m.receiver) {
            return None;
        }
        Some(self.collect_copy(m, out))
    }

    /// The copy `m` of `x` lowered as `x.iter().copied().collect()`: a store per element.
    fn collect_copy(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Binding {
        let recv = &m.receiver;
        let chain: syn::ExprMethodCall = syn::parse_quote_spanned!(m.method.span()=> #recv.iter().copied().collect());
        self.collect_into(&chain, out)
    }

    /// A copy of the sub-slice `xs[a..b]` of a differentiated array: the buffer
    /// `xs[a..b].iter().copied().collect()` is lowered into, so its adjoint flows back to
    /// `xs[a + k]` (`let t = x[1..].to_vec();`, a call's argument `g(&x[1..])`).
    pub(super) fn sub_slice_copy(&mut self, sub: &Expr, out: &mut Block) -> Binding {
        let collect: syn::ExprMethodCall = syn::parse_quote_spanned! {sub.span()=>
            #sub.iter().copied().collect::<::gradmacro::__private::Vec<_>>()
        };
        let buffer = self.collect_into(&collect, out);
        self.buffer_in_loop(&buffer);
        buffer
    }

    /// `let [mut] name = x.to_vec();`: whether `init` is a copy and `name` is now bound to it.
    pub(super) fn let_copy(&mut self, name: &syn::Ident, mutable: bool, init: &Expr, out: &mut Block) -> bool {
        // `x[a..b].to_vec()` of a differentiated flat array: the buffer its elements are
        // collected into, as for a copy of the whole array.
        if let Expr::MethodCall(m) = strip(init)
            && (m.method == "to_vec" || m.method == "to_owned")
            && m.args.is_empty()
            && let Expr::Index(ix) = strip(&m.receiver)
            && matches!(strip(&ix.index), Expr::Range(_))
            && self.mentions_active(&m.receiver)
            && self
                .active_param(&ix.expr)
                .is_none_or(|i| matches!(self.sig.params[i].shape, Shape::Slice | Shape::Array { .. }))
        {
            let buffer = self.sub_slice_copy(&m.receiver, out);
            self.bind(name.to_string(), buffer);
            return true;
        }
        if let Some(buffer) = self.active_copy(init, out) {
            self.bind(name.to_string(), buffer);
            return true;
        }
        // `let mut v = a;` of a differentiated array parameter (`*a` of a `&[F; N]`): a copy
        // Rust makes by moving the array, to be written; lowered as `a.to_vec()` is.
        if mutable && let Some(src) = self.array_value(init) {
            let chain: syn::ExprMethodCall = syn::parse_quote_spanned!(init.span()=> #src.iter().copied().collect());
            let buffer = self.collect_into(&chain, out);
            self.buffer_in_loop(&buffer);
            self.bind(name.to_string(), buffer);
            return true;
        }
        // A copy written another way (`x.clone()` of a slice) is reported, then lowered as the
        // copy it was meant to be, so that its uses report nothing more.
        if let Expr::MethodCall(m) = strip(init)
            && self.misplaced_copy(m).is_some()
        {
            let buffer = self.collect_copy(m, out);
            self.bind(name.to_string(), buffer);
            return true;
        }
        if !mutable || self.array_copy(init).is_none() {
            return false;
        }
        // Written later: a buffer, whose writes the lowering follows (plain code may only read
        // a local array).
        let f = self.sig.float.path();
        let ty: syn::Type = syn::parse_quote_spanned!(init.span()=> ::gradmacro::__private::Vec<#f>);
        let v = self.plain(init, Some(ty.to_token_stream()), out);
        let slot = self.constant_buffer(Operand::Val(v), &ty, out);
        let handle = super::array_ident(slot).to_token_stream();
        let binding =
            Binding::Array { array: ArrayRef::Local(slot), active: self.arrays[slot].active, handle, handle_use: None };
        self.buffer_in_loop(&binding);
        self.bind(name.to_string(), binding);
        true
    }

    /// The differentiated float array `e` copies as a value: a fixed-size array parameter by
    /// name (`a`, `*a`).
    fn array_value(&self, e: &Expr) -> Option<Expr> {
        let inner = match strip(e) {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
            other => other,
        };
        // (A struct's field cannot be told from a float field by its syntax: `let mut c = p.c;`.)
        let i = self.active_param(inner)?;
        (matches!(self.sig.params[i].shape, Shape::Array { .. })
            && self.sig.params[i].float.is_none_or(|f| f == self.sig.float))
        .then(|| inner.clone())
    }

    /// A copy (`x.to_vec()`, `x.clone()`, `x.to_owned()`) of a differentiated float array
    /// anywhere else: an error saying where it may stand and how to write it; `None` when `m` is
    /// no such copy.
    pub(super) fn misplaced_copy(&mut self, m: &syn::ExprMethodCall) -> Option<Operand> {
        let name = m.method.to_string();
        if !matches!(name.as_str(), "to_vec" | "clone" | "to_owned") || !m.args.is_empty() {
            return None;
        }
        let Expr::Path(p) = strip(&m.receiver) else { return None };
        let id = p.path.get_ident()?;
        let flat = match self.lookup(&id.to_string()) {
            Some(Binding::Array { array: ArrayRef::Param(i), active: true, .. }) => {
                matches!(self.sig.params[*i].shape, Shape::Slice | Shape::Array { .. })
            }
            Some(Binding::Array { array: ArrayRef::Local(s), active: true, .. }) => !self.arrays[*s].tuple,
            _ => false,
        };
        if !flat {
            return None;
        }
        if self.array_copy(&Expr::MethodCall(m.clone())).is_some() {
            self.error(m.method.span(), WHERE);
        } else {
            self.error(
                m.method.span(),
                format!("`{id}.{name}()` of a differentiated array is not supported: write `{id}.to_vec()`, as the initialiser of a `let` (`let mut r = {id}.to_vec();`) or as the value a function returning `Vec` returns"),
            );
        }
        Some(Operand::Lit(quote!(0.0)))
    }
}
