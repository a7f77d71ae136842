//! Lowering, statements and control flow: a block's statements in order, the guard after a
//! statement that may have exited (`if $exit == 0 { rest }`), the function's tail value, and the
//! two arms of an `if` joined by phis (see `lower` for why exits are data flow).

use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::ir::{Block, If, Kind, Operand, Phi, Stmt, ValId};
use super::lower::{Binding, EXIT, EXIT_NONE, Lower, RET, default_lit, exit_lit, is_lit, is_unit, strip};

impl Lower<'_> {
    /// Lowers statements; returns the value of the trailing expression, if any.
    pub fn lower_stmts(&mut self, stmts: &[syn::Stmt], out: &mut Block) -> Option<Operand> {
        let mark = self.env.len();
        let tail = self.lower_stmts_inner(stmts, false, out);
        self.env.truncate(mark);
        tail
    }

    /// With `tail_returns`, the trailing expression is the function's result (`$ret`), also
    /// when it ends up inside the guard that follows an early `return`.
    pub(super) fn lower_stmts_inner(
        &mut self,
        stmts: &[syn::Stmt],
        tail_returns: bool,
        out: &mut Block,
    ) -> Option<Operand> {
        for (i, s) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            let mut tail = None;
            match s {
                // The rest of the block runs where the pattern matched.
                syn::Stmt::Local(l) if l.init.as_ref().is_some_and(|i| i.diverge.is_some()) => {
                    return self.let_else(l, &stmts[i + 1..], tail_returns, out);
                }
                // A vector result: each value the tail can end with is returned, by component.
                syn::Stmt::Expr(e, None) if last && tail_returns && self.returns_vector() => {
                    let _ = self.expr(&super::lower_vector::returnify(e), out);
                }
                syn::Stmt::Local(l)
                    if let Pat::Ident(pi) = &l.pat
                        && let Some(init) = &l.init
                        && matches!(strip(&init.expr), Expr::Call(_) | Expr::MethodCall(_))
                        && super::lower_vector::indexed_later(&pi.ident, &stmts[i + 1..]) =>
                {
                    // `let r = g(..);` read later as `r[0]`: `g` returns a vector.
                    self.vector_hint = Some(pi.ident.to_string());
                    self.stmt(s, out);
                    self.vector_hint = None;
                }
                syn::Stmt::Expr(e, None) if last => {
                    let v = self.expr(e, out);
                    if tail_returns && !is_unit(&v) {
                        self.set_tail_return(v, e.span(), out);
                    } else {
                        tail = Some(v);
                    }
                }
                _ => self.stmt(s, out),
            }
            match self.scalar(EXIT) {
                op @ Operand::Lit(_) if is_lit(&op, EXIT_NONE) => {}
                // Exited on every path: what follows never runs (rustc warns about it in `f`).
                Operand::Lit(_) => return None,
                Operand::Val(code) => {
                    let rest = &stmts[i + 1..];
                    if rest.is_empty() {
                        return tail;
                    }
                    return self.guarded(code, rest, tail_returns, out);
                }
            }
            if last {
                return tail;
            }
        }
        None
    }

    /// The function's tail value is what it returns, unless the tail expression itself returned
    /// (`if c { return a; } else { b }`, a `loop` with a `return` inside): then `$ret` holds what
    /// it returned, and only the path that did not return sets it.
    fn set_tail_return(&mut self, v: Operand, span: Span, out: &mut Block) {
        match self.scalar(EXIT) {
            op @ Operand::Lit(_) if is_lit(&op, EXIT_NONE) => self.set_scalar(RET, v),
            // Returned on every path: `$ret` is set.
            Operand::Lit(_) => {}
            Operand::Val(code) => {
                let cond = self.new_val(false, span);
                let (code_ident, none) = (super::val_ident_plain(code), EXIT_NONE);
                out.stmts.push(Stmt::Plain {
                    out: Some(cond),
                    ty: None,
                    tokens: quote!(#code_ident == #none),
                    uses: vec![code],
                });
                let _ = self.lower_if_arms(
                    Operand::Val(cond),
                    span,
                    |s, _| {
                        s.set_scalar(RET, v);
                        None
                    },
                    |_, _| None,
                    out,
                );
            }
        }
    }

    /// `rest` runs only when nothing has exited: `if $exit == 0 { rest }`.
    fn guarded(&mut self, code: ValId, rest: &[syn::Stmt], tail_returns: bool, out: &mut Block) -> Option<Operand> {
        let span = self.vals[code].span;
        let cond = self.new_val(false, span);
        let code_ident = super::val_ident_plain(code);
        let none = EXIT_NONE;
        out.stmts.push(Stmt::Plain {
            out: Some(cond),
            ty: None,
            tokens: quote!(#code_ident == #none),
            uses: vec![code],
        });
        self.lower_if_arms(
            Operand::Val(cond),
            span,
            |s, b| {
                // Nothing has exited here: the statements need not test it again.
                s.set_scalar(EXIT, exit_lit(EXIT_NONE));
                s.lower_stmts_inner(rest, tail_returns, b)
            },
            |_, _| None,
            out,
        )
    }

    fn stmt(&mut self, s: &syn::Stmt, out: &mut Block) {
        match s {
            syn::Stmt::Local(local) => self.local(local, out),
            syn::Stmt::Item(item) => match item {
                syn::Item::Const(_)
                | syn::Item::Fn(_)
                | syn::Item::Use(_)
                | syn::Item::Static(_)
                | syn::Item::Struct(_)
                | syn::Item::Enum(_)
                | syn::Item::Type(_) => {
                    if let syn::Item::Const(c) = item {
                        let kind = if super::sig::float_of(&c.ty).is_some() { Kind::Float } else { Kind::Other };
                        self.item_kinds.insert(c.ident.to_string(), kind);
                    }
                    self.items.push(item.to_token_stream());
                }
                other => self.error_tokens(
                    other,
                    "this item is not supported inside a #[differentiate] body: move it out of the function",
                ),
            },
            syn::Stmt::Expr(e, _) => {
                let _ = self.expr(e, out);
            }
            syn::Stmt::Macro(m) if self.checking_macro(&m.mac, out) => {}
            syn::Stmt::Macro(m) => self.error_tokens(&m.mac, super::unsupported::MACRO_MSG),
        }
    }

    /// `if cond { then } else { else }`, with phis for the names either arm rebinds; returns
    /// the phi of the arms' values when both have one.
    pub fn lower_if_arms(
        &mut self,
        cond: Operand,
        span: Span,
        then_f: impl FnOnce(&mut Self, &mut Block) -> Option<Operand>,
        else_f: impl FnOnce(&mut Self, &mut Block) -> Option<Operand>,
        out: &mut Block,
    ) -> Option<Operand> {
        let mark = self.env.len();
        let before = self.env.snapshot();
        if let Operand::Val(c) = cond {
            self.vals[c].cond = true;
        }

        self.branch_depth += 1;
        let mut then_block = Block::default();
        let tv = then_f(self, &mut then_block);
        self.env.truncate(mark);
        let after_then = self.env.snapshot();
        self.env.restore(&before);

        let mut else_block = Block::default();
        let ev = else_f(self, &mut else_block);
        self.branch_depth -= 1;
        self.env.truncate(mark);
        let after_else = self.env.snapshot();
        self.env.restore(&before);

        let mut phis = Vec::new();
        for i in 0..mark {
            let (b, t, e) = (&before[i], &after_then[i], &after_else[i]);
            if b.same(t) && b.same(e) {
                continue;
            }
            match (t, e) {
                (Binding::Scalar { op: t, refs: rt }, Binding::Scalar { op: e, refs: re }) => {
                    let refs = (*rt).min(*re);
                    if t.same(e) {
                        self.env[i].1 = Binding::Scalar { op: t.clone(), refs };
                    } else {
                        let active = self.is_active(t) || self.is_active(e);
                        let out_v = self.new_val(active, span);
                        phis.push(Phi { out: out_v, then_val: t.clone(), else_val: e.clone() });
                        self.env[i].1 = Binding::Scalar { op: Operand::Val(out_v), refs };
                        self.name_for_doc(i);
                    }
                }
                _ => self.env[i].1 = t.clone(),
            }
        }

        // An arm that exits on every path (`return`, `break`, `continue`) has no value: the
        // other arm's value is the `if`'s.
        let exits = |after: &[Binding]| {
            self.env.position(EXIT).is_some_and(
                |x| matches!(&after[x], Binding::Scalar { op: op @ Operand::Lit(_), .. } if !is_lit(op, EXIT_NONE)),
            )
        };
        let tv = tv.filter(|_| !exits(&after_then));
        let ev = ev.filter(|_| !exits(&after_else));
        let value = match (tv, ev) {
            (Some(t), Some(e)) if !is_unit(&t) || !is_unit(&e) => Some((t, e)),
            (Some(t), None) if !is_unit(&t) => Some((t, default_lit())),
            (None, Some(e)) if !is_unit(&e) => Some((default_lit(), e)),
            _ => None,
        };
        let result = value.map(|(t, e)| {
            if t.same(&e) {
                t
            } else {
                let active = self.is_active(&t) || self.is_active(&e);
                let out_v = self.new_val(active, span);
                phis.push(Phi { out: out_v, then_val: t, else_val: e });
                Operand::Val(out_v)
            }
        });

        out.stmts.push(Stmt::If(If { cond, then_block, else_block, phis }));
        result
    }
}
