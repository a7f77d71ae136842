//! Lowering, windows over arrays: `xs.windows(k)`, `xs.chunks(k)`, `xs.chunks_exact(k)`.
//!
//! Like the position adaptors (`lower_adapt`), the loop runs an index over the number of windows
//! (counted by std itself, so a `k` of 0 panics as in `f`), and window `i` is not a borrowed
//! slice but a [`Binding::Window`]: a start position in `xs` and a length. Reading `w[j]` reads
//! `xs[start + j]` (after the bounds check `w[j]` makes), so a differentiated `xs` gets its
//! gradient at that position; plain code (`w.len()`) sees the sub-slice `&xs[start..start + len]`.
//!
//! ```text
//! x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
//!   =>  for i in 0..x.windows(2).len() { s += (x[window_index(i, 2, 1)] - x[window_index(i, 2, 0)]).powi(2) }
//! ```

use proc_macro2::TokenStream;
use quote::quote;
use syn::Expr;
use syn::spanned::Spanned;

use super::ir::{ArrayRef, Block, Operand, Stmt};
use super::lower::{Binding, Lower, strip};
use super::sig::Shape;

/// Which of the three windowing methods, and so where window `i` starts and how long it is.
#[derive(Clone, Copy)]
pub enum Step {
    /// `windows(k)`: positions `i..i + k`.
    Windows,
    /// `chunks(k)`: positions `i k..min(i k + k, n)` (the last chunk may be shorter).
    Chunks,
    /// `chunks_exact(k)`: positions `i k..i k + k` (the remainder is skipped).
    ChunksExact,
}

/// The windowed array (maybe a sub-slice of it, `xs[a..b].windows(k)`) and what the loop
/// computed once before it: `k`, for `chunks` the windowed slice's length, and the sub-slice's
/// start.
pub struct Windows {
    pub ident: syn::Ident,
    range: Option<syn::ExprRange>,
    size: Box<Expr>,
    step: Step,
    method: &'static str,
    plan: Option<Plan>,
}

struct Plan {
    k: Operand,
    n: Option<Operand>,
    offset: Option<Operand>,
}

impl Windows {
    /// `xs.windows(k)` (or `chunks`, `chunks_exact`) of an array by name or of a sub-slice of
    /// one (`xs[1..].windows(k)`).
    pub fn of(m: &syn::ExprMethodCall) -> Option<Windows> {
        let (step, method) = match m.method.to_string().as_str() {
            "windows" => (Step::Windows, "windows"),
            "chunks" => (Step::Chunks, "chunks"),
            "chunks_exact" => (Step::ChunksExact, "chunks_exact"),
            _ => return None,
        };
        let [size] = m.args.iter().collect::<Vec<_>>()[..] else { return None };
        let (base, range) = match strip(&m.receiver) {
            Expr::Index(ix) => match strip(&ix.index) {
                Expr::Range(r) => (strip(&ix.expr), Some(r.clone())),
                _ => return None,
            },
            other => (other, None),
        };
        let Expr::Path(p) = base else { return None };
        let ident = p.path.get_ident()?.clone();
        Some(Windows { ident, range, size: Box::new(size.clone()), step, method, plan: None })
    }
}

impl Lower<'_> {
    /// How many windows there are, as std counts them; keeps `k` and the array's length.
    pub(super) fn window_count(&mut self, w: &mut Windows, out: &mut Block) -> Operand {
        let k = self.cond(&w.size, out);
        if self.is_active(&k) {
            self.error_tokens(
                &*w.size,
                "the size of `.windows(k)`, `.chunks(k)` or `.chunks_exact(k)` must be an integer",
            );
        }
        let ident = &w.ident;
        let (mut t, mut uses) = self.rename(&syn::parse_quote!(#ident));
        // A sub-slice, taken as `f` takes it (out of bounds, both panic): windows of it start at
        // its start.
        let mut offset = None;
        if let Some(r) = &w.range {
            let a = r.start.as_ref().map(|a| self.index_arg(a, out));
            let b = r.end.as_ref().map(|b| self.index_arg(b, out));
            uses.extend(a.iter().chain(&b).filter_map(Operand::val));
            let (at, bt, limits) =
                (a.as_ref().map(|a| self.op_tokens(a)), b.as_ref().map(|b| self.op_tokens(b)), &r.limits);
            t = quote!(#t[#at #limits #bt]);
            offset = a;
        }
        let kt = self.op_tokens(&k);
        uses.extend(k.val());
        let method = syn::Ident::new(w.method, ident.span());
        let count = self.plain_tokens(quote!(#t.#method(#kt).len()), uses.clone(), ident.span(), out);
        let n = matches!(w.step, Step::Chunks).then(|| self.plain_tokens(quote!(#t.len()), uses, ident.span(), out));
        w.plan = Some(Plan { k, n, offset });
        count
    }

    /// Window `index`: its binding (start and length in the windowed array).
    pub(super) fn window_item(&mut self, w: &Windows, index: &Operand, out: &mut Block) -> Option<Binding> {
        let Plan { k, n, offset } = w.plan.as_ref()?;
        let (it, kt) = (self.op_tokens(index), self.op_tokens(k));
        let uses = |ops: &[&Operand]| ops.iter().filter_map(|o| o.val()).collect::<Vec<_>>();
        let span = w.ident.span();
        // `index < count`: none of these overflows or underflows.
        let (start, len) = match w.step {
            Step::Windows => (index.clone(), k.clone()),
            Step::ChunksExact => (self.plain_tokens(quote!(#it * #kt), uses(&[index, k]), span, out), k.clone()),
            Step::Chunks => {
                let n = n.as_ref()?;
                let nt = self.op_tokens(n);
                let start = self.plain_tokens(quote!(#it * #kt), uses(&[index, k]), span, out);
                let st = self.op_tokens(&start);
                let len = self.plain_tokens(quote!(::core::cmp::min(#kt, #nt - #st)), uses(&[k, n, &start]), span, out);
                (start, len)
            }
        };
        // positions in the array itself, past a sub-slice's start
        let start = match offset {
            Some(a) => {
                let (st, at) = (self.op_tokens(&start), self.op_tokens(a));
                self.plain_tokens(quote!(#st + #at), uses(&[&start, a]), span, out)
            }
            None => start,
        };
        let ident = &w.ident;
        let (array, active, handle, handle_use) = match self.lookup(&ident.to_string()).cloned() {
            Some(Binding::Array { array, active, handle, handle_use }) if self.flat(array) => {
                (Some(array), active, handle, handle_use)
            }
            // constant data
            None | Some(Binding::Scalar { .. }) if !self.mentions_active(&syn::parse_quote!(#ident)) => {
                let (t, uses) = self.rename(&syn::parse_quote!(#ident));
                (None, false, t, uses.first().copied())
            }
            _ => return None,
        };
        Some(Binding::Window { array, active, start, len, handle, handle_use })
    }

    /// Whether `array` holds floats (not rows of a nested array, structs or a tuple).
    fn flat(&self, array: ArrayRef) -> bool {
        match array {
            ArrayRef::Local(_) => true,
            ArrayRef::Param(p) => matches!(self.sig.params[p].shape, Shape::Array { .. } | Shape::Slice),
        }
    }

    /// `let t = &x[a..b];` (any range) of a differentiated or local float array by name: `t` is
    /// a window of `x`, so `t[j]` reads `x[a + j]` and `x` gets the gradient. The length is
    /// `x[a..b].len()`, computed as `f` computes the sub-slice: out of bounds, both panic.
    pub(super) fn let_window(&mut self, pat: &syn::Pat, init: &Expr, out: &mut Block) -> bool {
        let syn::Pat::Ident(pi) = pat else { return false };
        let Expr::Reference(r) = strip(init) else { return false };
        let (Expr::Index(ix), None, None, None) = (strip(&r.expr), r.mutability, &pi.by_ref, &pi.subpat) else {
            return false;
        };
        let (Expr::Range(range), Expr::Path(p)) = (strip(&ix.index), strip(&ix.expr)) else { return false };
        let Some(id) = p.path.get_ident() else { return false };
        let Some(Binding::Array { array, active, handle, handle_use }) = self.lookup(&id.to_string()).cloned() else {
            return false;
        };
        if !self.flat(array) || !(active || matches!(array, ArrayRef::Local(_))) {
            return false;
        }
        let start = match &range.start {
            Some(a) => self.index_arg(a, out),
            None => Operand::Lit(quote!(0usize)),
        };
        let end = range.end.as_ref().map(|e| self.index_arg(e, out));
        let (st, limits) = (range.start.as_ref().map(|_| self.op_tokens(&start)), &range.limits);
        let et = end.as_ref().map(|e| self.op_tokens(e));
        let uses = handle_use.iter().copied().chain(start.val()).chain(end.as_ref().and_then(Operand::val)).collect();
        let len = self.plain_tokens(quote!(#handle[#st #limits #et].len()), uses, ix.span(), out);
        self.bind(pi.ident.to_string(), Binding::Window { array: Some(array), active, start, len, handle, handle_use });
        true
    }

    /// `w[j]` of a window `w`: the windowed array at `start + j`, with the bounds check `w[j]`
    /// makes (`j < len`).
    pub(super) fn window_read(&mut self, w: &Binding, j: &Expr, out: &mut Block) -> Operand {
        let Binding::Window { start, len, .. } = w else { return Operand::Lit(quote!(0.0)) };
        let jv = self.int_index(j, out);
        let (st, lt, jt) = (self.op_tokens(start), self.op_tokens(len), self.op_tokens(&jv));
        let uses = [start, len, &jv].iter().filter_map(|o| o.val()).collect();
        let at = self.plain_tokens(
            quote!(::gradmacro::__private::window_index(#st, #lt, #jt)),
            uses,
            syn::spanned::Spanned::span(j),
            out,
        );
        self.window_elem(w, &at, syn::spanned::Spanned::span(j), out)
    }

    /// Element `k` of window `w` for `k < len` (a loop over the window): `start + k`.
    pub(super) fn window_iter_elem(&mut self, w: &Binding, k: &Operand, out: &mut Block) -> Operand {
        let Binding::Window { start, .. } = w else { return Operand::Lit(quote!(0.0)) };
        let (st, kt) = (self.op_tokens(start), self.op_tokens(k));
        let uses = [start, k].iter().filter_map(|o| o.val()).collect();
        let at = self.plain_tokens(quote!(#st + #kt), uses, proc_macro2::Span::call_site(), out);
        self.window_elem(w, &at, proc_macro2::Span::call_site(), out)
    }

    /// The windowed array at position `at`: a read of the differentiated array, or plain code.
    fn window_elem(&mut self, w: &Binding, at: &Operand, span: proc_macro2::Span, out: &mut Block) -> Operand {
        let Binding::Window { array, active, handle, handle_use, .. } = w else { return Operand::Lit(quote!(0.0)) };
        self.note_window_read(w);
        if let (true, Some(array)) = (*active, array) {
            let v = self.new_val(true, span);
            out.stmts.push(Stmt::Index { out: v, array: *array, index: at.clone(), path: Vec::new() });
            Operand::Val(v)
        } else {
            let a = self.op_tokens(at);
            let uses = handle_use.iter().copied().chain(at.val()).collect();
            self.plain_tokens(quote!(#handle[#a]), uses, span, out)
        }
    }
}

impl Lower<'_> {
    /// A read of window `w`: inside a loop, a local array's values are kept for the backward
    /// pass (`read_in_loop`), as for a read of the array itself.
    pub(super) fn note_window_read(&mut self, w: &Binding) {
        if let Binding::Window { array: Some(ArrayRef::Local(s)), .. } = w
            && self.loop_depth > 0
        {
            self.arrays[*s].read_in_loop = true;
        }
    }
}

/// The values plain code reading window `w` depends on: its array's handle, start and length.
pub(super) fn window_uses(w: &Binding) -> Vec<super::ir::ValId> {
    let Binding::Window { start, len, handle_use, .. } = w else { return Vec::new() };
    handle_use.iter().copied().chain(start.val()).chain(len.val()).collect()
}

/// How plain code sees window `w` (`w.len()`): the sub-slice it is.
pub(super) fn window_tokens(l: &Lower<'_>, w: &Binding) -> TokenStream {
    let Binding::Window { start, len, handle, .. } = w else { return TokenStream::new() };
    let (st, lt) = (l.op_tokens(start), l.op_tokens(len));
    quote!((&#handle[#st..#st + #lt]))
}
