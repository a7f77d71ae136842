//! Lowering, `Vec` results: a function returning `Vec<F>` returns one of its local buffers (a
//! `vec![..]`, a `Vec::with_capacity` grown by `push`, the buffer a `.collect()` is lowered
//! into, the result of a call to a `Vec`-valued function). Its length is known only at run time,
//! so it cannot go through one pseudo-variable per component as `[F; N]` does: the backward pass
//! starts from the buffer's adjoint set to the seed instead, and the stores into the buffer
//! carry the seed back like any other.
//!
//! Each `return` records which buffer it returns in the pseudo-variable `$retv` (the slot's
//! number plus one), which joins at `if`s and loops like any integer: usually every path returns
//! the same buffer and it stays a literal; otherwise the companion picks the buffer at run time.

use quote::quote;
use syn::Expr;
use syn::spanned::Spanned;

use super::ir::{ArrayInit, ArrayRef, ArraySlot, Block, Operand, Stmt, VecResult};
use super::lower::{Binding, EXIT, EXIT_RETURN, Lower, exit_lit, strip};
use super::sig::Output;

/// The pseudo-variable naming the buffer a `Vec` result is returned in.
pub const RETV: &str = "$retv";

/// The local name a returned expression is bound to before it is returned (users cannot write it).
const RETURNED: &str = "$returned";

const NOT_A_BUFFER: &str = "a function that returns a `Vec` returns a local buffer by name (`let mut r = vec![0.0; n]; ..; r`, or one made with `Vec::with_capacity(n)` and `push`), a `vec![..]` literal, the `.collect()` of an iterator chain, a copy of an array (`x.to_vec()`), or the result of a call to a `Vec`-valued function (`g(x)`, differentiated through `g_vjp`): compute this value into such a buffer and return the buffer";

fn slot_lit(slot: usize) -> Operand {
    let k = slot + 1;
    Operand::Lit(quote!(#k))
}

impl Lower<'_> {
    /// A `return` (or the tail expression) of a function with a vector result.
    pub fn returns_vector(&self) -> bool {
        self.vector_out().is_some() || self.sig.output == Output::Vec
    }

    /// `return e;` in a function returning `Vec<F>` (`e` is no `if`, `match` or block: those
    /// are returned arm by arm).
    pub(super) fn vec_return(&mut self, e: &Expr, out: &mut Block) {
        if let Some(slot) = self.returned_buffer(e, out) {
            self.vec_returns.push((slot, e.span()));
            self.set_scalar(RETV, slot_lit(slot));
        }
        self.set_scalar(EXIT, exit_lit(EXIT_RETURN));
        self.returns += 1;
    }

    /// The local buffer `e` is, or is lowered into; `None` after an error.
    fn returned_buffer(&mut self, e: &Expr, out: &mut Block) -> Option<usize> {
        let e = strip(e);
        let f = self.sig.float.path();
        let vec_ty: syn::Type = syn::parse_quote_spanned!(e.span()=> ::gradmacro::__private::Vec<#f>);
        let before = self.errors.len();
        if self.loop_depth > 0 && !matches!(e, Expr::Path(_)) {
            // A buffer made in a loop is made again by each iteration, with its adjoint, which
            // the function's backward pass would need after the loop has ended.
            self.error_tokens(
                e,
                "returning a new `Vec` from inside a loop is not supported: declare the buffer before the loop (`let mut r = vec![0.0; 2];`), fill it, and `return r;`",
            );
            return None;
        }
        let binding = match e {
            _ if let Some(b) = self.active_copy(e, out) => Some(b),
            Expr::Path(p) if let Some(id) = p.path.get_ident() => match self.lookup(&id.to_string()).cloned() {
                Some(b @ Binding::Array { array: ArrayRef::Local(_), .. }) => Some(b),
                Some(Binding::Array { array: ArrayRef::Param(_), .. }) => {
                    self.error_tokens(
                        e,
                        format!("returning the differentiated parameter `{id}` itself is not supported: return a copy, `{id}.to_vec()`"),
                    );
                    return None;
                }
                Some(Binding::Scalar { op, .. }) if !self.is_active(&op) => {
                    return Some(self.constant_buffer(op, &vec_ty, out));
                }
                _ => None,
            },
            Expr::Macro(_) | Expr::Call(_) | Expr::MethodCall(_)
                if self.vec_literal(e).is_some()
                    || matches!(e, Expr::Call(c) if super::lower_push::empty_vec(c).is_some())
                    || matches!(e, Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty() && self.mentions_active(e)) =>
            {
                self.bind_ident(RETURNED.to_owned(), Some(&vec_ty), e, out);
                self.lookup(RETURNED).cloned()
            }
            call @ (Expr::Call(_) | Expr::MethodCall(_)) if self.mentions_active(call) => {
                let ty = quote!(#vec_ty);
                self.vector_call(call, None, Some(ty), out)
            }
            other if !self.mentions_active(other) && self.is_simple(other) => {
                let v = self.plain(other, Some(quote!(#vec_ty)), out);
                return Some(self.constant_buffer(Operand::Val(v), &vec_ty, out));
            }
            _ => None,
        };
        match binding {
            Some(Binding::Array { array: ArrayRef::Local(s), .. }) if self.arrays[s].heap || self.arrays[s].beside => {
                Some(s)
            }
            _ => {
                if self.errors.len() == before {
                    self.error_tokens(e, NOT_A_BUFFER);
                }
                None
            }
        }
    }

    /// A constant `Vec` value as a buffer of its own, with no adjoint unless writes make it
    /// differentiated (found by a previous pass: `forced_active`).
    pub(super) fn constant_buffer(&mut self, op: Operand, ty: &syn::Type, out: &mut Block) -> usize {
        let slot = self.arrays.len();
        let forced = self.forced_active.get(slot).copied().unwrap_or(false);
        let (a, f) = (super::array_ident(slot), self.sig.float.path());
        self.arrays.push(ArraySlot {
            active: forced,
            written: false,
            zeros: quote!(::gradmacro::__private::zeros::<#f>(#a.len())),
            read_in_loop: false,
            heap: true,
            capacity: None,
            user: None,
            tuple: false,
            beside: false,
        });
        out.stmts.push(Stmt::ArrayDecl { slot, init: ArrayInit::Whole(op), ty: Some(quote!(#ty)) });
        slot
    }

    /// The buffer the function returns, once the body is lowered; `None` for other results and
    /// after errors (reported here when the buffer cannot be handed back).
    pub(super) fn vec_result(&mut self, block: &syn::Block, out: &Block) -> Option<VecResult> {
        if self.sig.output != Output::Vec || !self.errors.is_empty() {
            return None;
        }
        let Some(&(_, first)) = self.vec_returns.first() else {
            let at = block.stmts.last().map_or_else(|| block.brace_token.span.join(), Spanned::span);
            self.error(at, NOT_A_BUFFER);
            return None;
        };
        // A buffer declared in a loop is made again by each iteration, and its adjoint by the
        // loop's backward pass: it is gone when the function's backward pass would start.
        let mut in_loops = std::collections::HashSet::new();
        super::loop_decls(out, false, &mut in_loops);
        let mut slots: Vec<usize> = Vec::new();
        for &(s, span) in &self.vec_returns.clone() {
            if in_loops.contains(&s) {
                self.error(span, "returning a `Vec` buffer declared inside a loop is not supported: declare the buffer before the loop (`let mut r = vec![0.0; n];`), write it in the loop and return it");
            } else if !slots.contains(&s) {
                slots.push(s);
            }
        }
        if !self.errors.is_empty() {
            return None;
        }
        let which = match self.scalar(RETV) {
            Operand::Val(v) => Some(v),
            Operand::Lit(t) => {
                let chosen = slots.iter().copied().find(|s| slot_lit(*s).same(&Operand::Lit(t.clone())));
                let Some(chosen) = chosen else {
                    self.error(first, NOT_A_BUFFER);
                    return None;
                };
                slots = vec![chosen];
                None
            }
        };
        Some(VecResult { which, slots })
    }
}
