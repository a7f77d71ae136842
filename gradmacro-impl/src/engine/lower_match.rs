//! Lowering, pattern matching: `match`, `if let` and `let ... else` on constant scrutinees become
//! `if` chains. Each arm's test is the plain `match s { PAT => true, _ => false }` (guards
//! included: a guard carries no gradient), and the names an arm binds are read out of the
//! scrutinee inside that arm only, so the arm taken is differentiated like an `if` arm.

use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::ir::{Block, Operand};
use super::lower::{Binding, Lower, strip};
use super::scope::{binding_names, keeping};

impl Lower<'_> {
    /// The scrutinee's value. `None` when it depends on an active value, or when names are bound
    /// out of something computed from one (`Some(l) = w.last()`): the pattern test is plain code,
    /// so `l` would be a constant, its gradient silently dropped.
    fn scrutinee<'p>(&mut self, e: &Expr, pats: impl IntoIterator<Item = &'p Pat>, out: &mut Block) -> Option<Operand> {
        let binds = pats.into_iter().any(|p| !binding_names(p).is_empty());
        if binds && self.mentions_active(e) {
            self.error_tokens(
                e,
                "binding names out of a value computed from a differentiated one is not supported here (a name this pattern binds would be a constant): bind the value with `let` and test it with `if` (`let m = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);`), or read elements by index (`if w.len() == 2 { w[0] * w[1] } else { .. }`); `if let Some(e) = w.last()` (`first()`, `get(i)`) on an array is differentiated",
            );
            return None;
        }
        let v = self.cond(e, out);
        if self.is_active(&v) {
            self.error_tokens(
                e,
                "matching on a differentiated value is not supported: match on a constant (an integer, a bool, an enum), or compare the value with `if`",
            );
            return None;
        }
        Some(v)
    }

    /// Whether `s` matches `pat` (its guard included).
    /// A guard sees the names by value, as in the user's `match`; without one, the test binds
    /// nothing (no unused bindings, nothing moved out of the scrutinee).
    fn matches(&mut self, s: &Operand, pat: &Pat, out: &mut Block) -> Operand {
        let st = self.op_tokens(s);
        let pat = match pat {
            Pat::Guard(_) => pat.clone(),
            p => keeping(p, ""),
        };
        let Ok(mut test) = syn::parse2::<syn::ExprMatch>(quote!(match x { #pat => true, _ => false })) else {
            self.error_tokens(
                pat,
                "this pattern is not supported: match on simpler patterns (literals, enum variants, tuples, ranges)",
            );
            return Operand::Lit(quote!(false));
        };
        test.expr = Box::new(Expr::Verbatim(st));
        let (tokens, mut uses) = self.rename(&Expr::Match(test));
        uses.extend(s.val());
        self.plain_tokens(tokens, uses, pat.span(), out)
    }

    /// Binds the names `pat` binds, read out of `s` (which matches it) through a reference,
    /// and cloned: whatever their type, nothing is moved out of the scrutinee.
    fn bind_matched(&mut self, s: &Operand, pat: &Pat, out: &mut Block) {
        let pat = match pat {
            Pat::Guard(g) => &*g.pat,
            p => p,
        };
        let st = self.op_tokens(s);
        let mut names = binding_names(pat);
        names.sort();
        names.dedup();
        for name in names {
            let n = syn::Ident::new(&name, pat.span());
            let only = keeping(pat, &name);
            let (has_ref, under_ref) = refs_in(pat, &name);
            let tokens = if has_ref {
                // A `&` inside (`Some(&v)`) is matched as the user's own `match` matches it, by
                // value (through `&scrutinee` it would be under an implicit borrow, an error in
                // edition 2024); under such a `&` the name holds a value the user's `match`
                // needs to be `Copy`.
                let value = if under_ref { quote!(#n) } else { quote!(::core::clone::Clone::clone(&#n)) };
                quote! {
                    match #st {
                        #only => #value,
                        _ => ::core::unreachable!(),
                    }
                }
            } else {
                quote! {
                    match &#st {
                        #only => ::core::clone::Clone::clone(#n),
                        _ => ::core::unreachable!(),
                    }
                }
            };
            let v = self.plain_tokens(tokens, s.val().into_iter().collect(), pat.span(), out);
            self.bind(name, Binding::Scalar { op: v, refs: 0 });
        }
    }

    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch, out: &mut Block) -> Operand {
        if let Some(o) = self.opt_elem(&m.expr)
            && let Some((p, some, none)) = Self::some_none_arms(&m.arms, &o)
        {
            return self
                .if_some(&o, &p, m.match_token.span(), |l, b| Some(l.expr(some, b)), |l, b| Some(l.expr(none, b)), out)
                .unwrap_or_else(|| Operand::Lit(quote!(())));
        }
        let Some(s) = self.scrutinee(&m.expr, m.arms.iter().map(|a| &a.pat), out) else {
            return Operand::Lit(quote!(0.0));
        };
        self.match_arms(&s, &m.arms, m.match_token.span(), out).unwrap_or_else(|| Operand::Lit(quote!(())))
    }

    /// The arms from the first: the last is taken when no earlier one matched (the match is
    /// exhaustive: rustc checks it on the function itself).
    fn match_arms(&mut self, s: &Operand, arms: &[syn::Arm], span: Span, out: &mut Block) -> Option<Operand> {
        let (arm, rest) = arms.split_first()?;
        if rest.is_empty() {
            let mark = self.env.len();
            self.bind_matched(s, &arm.pat, out);
            let v = self.expr(&arm.body, out);
            self.env.truncate(mark);
            return Some(v);
        }
        let test = self.matches(s, &arm.pat, out);
        self.lower_if_arms(
            test,
            span,
            |l, b| {
                l.bind_matched(s, &arm.pat, b);
                Some(l.expr(&arm.body, b))
            },
            |l, b| l.match_arms(s, rest, span, b),
            out,
        )
    }

    /// `if let PAT = e { then } else { .. }`.
    pub(super) fn if_let(&mut self, i: &syn::ExprIf, l: &syn::ExprLet, out: &mut Block) -> Operand {
        let else_branch = i.else_branch.as_ref().map(|(_, e)| &**e);
        let else_f = |lw: &mut Self, b: &mut Block| match else_branch {
            None => None,
            Some(Expr::Block(eb)) => lw.lower_stmts(&eb.block.stmts, b),
            Some(other) => Some(lw.expr(other, b)),
        };
        let then_f = |lw: &mut Self, b: &mut Block| lw.lower_stmts(&i.then_branch.stmts, b);
        let unit = || Operand::Lit(quote!(()));
        if let Some(o) = self.opt_elem(&l.expr)
            && let Some(p) = Self::some_payload(&l.pat, &o)
        {
            return self.if_some(&o, &p, i.if_token.span(), then_f, else_f, out).unwrap_or_else(unit);
        }
        let Some(s) = self.scrutinee(&l.expr, [&*l.pat], out) else {
            return Operand::Lit(quote!(0.0));
        };
        let test = self.matches(&s, &l.pat, out);
        self.lower_if_arms(
            test,
            i.if_token.span(),
            |lw, b| {
                lw.bind_matched(&s, &l.pat, b);
                then_f(lw, b)
            },
            else_f,
            out,
        )
        .unwrap_or_else(unit)
    }

    /// `let PAT = e else { diverge }; rest`: `if let PAT = e { rest } else { diverge }`.
    pub(super) fn let_else(
        &mut self,
        local: &syn::Local,
        rest: &[syn::Stmt],
        tail_returns: bool,
        out: &mut Block,
    ) -> Option<Operand> {
        let init = local.init.as_ref()?;
        let (_, diverge) = init.diverge.as_ref()?;
        if let Some(o) = self.opt_elem(&init.expr)
            && let Some(p) = Self::some_payload(&local.pat, &o)
        {
            return self.if_some(
                &o,
                &p,
                local.let_token.span(),
                |l, b| l.lower_stmts_inner(rest, tail_returns, b),
                |l, b| {
                    let _ = l.expr(strip(diverge), b);
                    None
                },
                out,
            );
        }
        let s = self.scrutinee(&init.expr, [&local.pat], out)?;
        let test = self.matches(&s, &local.pat, out);
        let pat = &local.pat;
        self.lower_if_arms(
            test,
            local.let_token.span(),
            |l, b| {
                l.bind_matched(&s, pat, b);
                l.lower_stmts_inner(rest, tail_returns, b)
            },
            |l, b| {
                let _ = l.expr(strip(diverge), b);
                None
            },
            out,
        )
    }
}

/// Whether `pat` has a reference pattern (`&v`, `&_`) anywhere, and whether it binds `name`
/// inside one (`Some(&name)`).
fn refs_in(pat: &Pat, name: &str) -> (bool, bool) {
    struct R<'a> {
        name: &'a str,
        depth: usize,
        any: bool,
        under: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for R<'_> {
        fn visit_pat_reference(&mut self, r: &'ast syn::PatReference) {
            self.any = true;
            self.depth += 1;
            syn::visit::visit_pat_reference(self, r);
            self.depth -= 1;
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.under |= self.depth > 0 && p.ident == self.name;
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut r = R { name, depth: 0, any: false, under: false };
    syn::visit::Visit::visit_pat(&mut r, pat);
    (r.any, r.under)
}
