//! Lowering, folds with a tuple accumulator: `let (s, s2) = xs.iter().fold((0.0, 0.0), |(s, s2),
//! &x| (s + x, s2 + x * x));` is the loop it means with one accumulator per element (named by
//! suffixing the chain's accumulator with the position, which no user name can be). The closure
//! ends with a tuple, after statements or in each arm of an `if`/`else`; every element is
//! computed from the old accumulators before any is replaced, as the tuple is built before the
//! closure returns it.

use std::cell::Cell;

use quote::quote;
use syn::Expr;
use syn::spanned::Spanned;

use super::ir::{Block, Operand};
use super::lower::{Lower, strip};
use super::lower_iter::{Item, Terminal};

impl Lower<'_> {
    /// `let (s, t) = chain.fold((a, b), |(s, t), x| (.., ..));` reading active values: the
    /// loop it means, with one accumulator per element. `None` when `e` is not such a fold.
    pub(super) fn fold_tuple(&mut self, e: &Expr, n: usize, out: &mut Block) -> Option<Vec<Operand>> {
        let Expr::MethodCall(m) = strip(e) else { return None };
        let Expr::Tuple(init) = strip(m.args.first()?) else { return None };
        if m.method != "fold" || m.args.len() != 2 || init.elems.len() != n {
            return None;
        }
        let mut parts = Vec::new();
        let terminal = Terminal::FoldTuple(init, &m.args[1]);
        self.chain_into_parts(&m.receiver, terminal, m.method.span(), Some(&mut parts), out)?;
        (parts.len() == n).then_some(parts)
    }

    /// Assigns the tuple a closure body ends with to the accumulators `names`, element by
    /// element: `(a, b)`, `{ let d = ..; (a, b) }`, or an `if`/`else` whose arms end with tuples
    /// (each arm assigns its own, and the arms merge as any `if` that assigns does). `false`
    /// when the body is not of that shape.
    fn tuple_into(&mut self, body: &Expr, names: &[String], out: &mut Block) -> bool {
        match strip(body) {
            Expr::Tuple(t) if t.elems.len() == names.len() => {
                // Every element from the old accumulators before any is replaced.
                let new: Vec<Operand> = t.elems.iter().map(|e| self.expr(e, out)).collect();
                for (name, v) in names.iter().zip(new) {
                    self.set_scalar(name, v);
                }
                true
            }
            Expr::Block(b) if b.label.is_none() => self.tuple_tail(&b.block.stmts, names, out),
            Expr::If(i) if !matches!(strip(&i.cond), Expr::Let(_)) => {
                let Some((_, other)) = &i.else_branch else { return false };
                let cond = self.cond(&i.cond, out);
                let ok = Cell::new(true);
                let _ = self.lower_if_arms(
                    cond,
                    i.if_token.span(),
                    |s, b| {
                        ok.set(ok.get() & s.tuple_tail(&i.then_branch.stmts, names, b));
                        None
                    },
                    |s, b| {
                        ok.set(ok.get() & s.tuple_into(other, names, b));
                        None
                    },
                    out,
                );
                ok.get()
            }
            _ => false,
        }
    }

    /// [`Self::tuple_into`] for a block's statements.
    fn tuple_tail(&mut self, stmts: &[syn::Stmt], names: &[String], out: &mut Block) -> bool {
        let Some((syn::Stmt::Expr(tail, None), init)) = stmts.split_last() else { return false };
        let mark = self.env.len();
        let _ = self.lower_stmts_inner(init, false, out);
        let ok = self.tuple_into(tail, names, out);
        self.env.truncate(mark);
        ok
    }

    /// One iteration of a tuple fold: the closure applied to the accumulators and the item.
    pub(super) fn fold_tuple_step(&mut self, init: &syn::ExprTuple, f: &Expr, item: Item, acc: &str, out: &mut Block) {
        let names: Vec<String> = (0..init.elems.len()).map(|k| format!("{acc}.{k}")).collect();
        let cur = names.iter().map(|n| Item::Elem(self.scalar(n), 0)).collect();
        let mut ok = false;
        let _ = self.apply_with(f, &[Item::Tuple(cur), item], out, |s, body, b| {
            ok = s.tuple_into(body, &names, b);
            Operand::Lit(quote!(0.0))
        });
        if !ok {
            self.error_tokens(f, "a `fold` with a tuple accumulator needs a closure whose value is a tuple of the same length (or an `if`/`else` of such tuples): `|(s, t), x| (s + x, t + x * x)`");
        }
    }
}
