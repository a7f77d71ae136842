//! Lowering, the `Option` of an element of a differentiated array: `w.first()`, `w.last()`,
//! `w.get(i)` (also through `.copied()` / `.cloned()`), taken apart by `if let Some(l) = ..`,
//! `match`, `let Some(l) = .. else`, `.unwrap()`, `.expect(..)`, `.unwrap_or(d)` or
//! `.map_or(d, |l| ..)`. Each is the
//! indexed read it means, under the test that the element exists:
//!
//! ```text
//! if let Some(l) = w.last() { A } else { B }   =>   if !w.is_empty() { l = w[w.len() - 1]; A } else { B }
//! w.get(i).copied().unwrap_or(d)               =>   if i < w.len() { w[i] } else { d }
//! ```
//!
//! so `l` is the element, differentiated like `w[k]`. Any other use of such an `Option` is
//! rejected (see `lower_match::scrutinee`): a name bound out of it by plain code would be a
//! constant.

use proc_macro2::Span;
use syn::{Expr, Pat, parse_quote_spanned};

use super::ir::{ArrayRef, Block, Operand};
use super::lower::{Binding, Lower, strip};
use super::lower_closure::{Arg, LocalClosure, early_exit};
use super::lower_iter::Item;
use super::sig::Shape;

/// `w.first()`, `w.last()` or `w.get(i)` on an array `w` the body reads by index.
pub(super) struct OptElem {
    /// `w[k]`, the element when there is one.
    elem: Expr,
    /// Whether there is one: `!w.is_empty()`, `i < w.len()`.
    present: Expr,
    /// `Some(&element)` (`first`) rather than `Some(element)` (`.copied()`).
    by_ref: bool,
}

/// What `Some(p)` binds of the element: a name (seen through `refs` references), or nothing.
pub(super) enum Payload {
    Name(syn::Ident, u8),
    Ignore,
}

impl Lower<'_> {
    /// `e` as an element `Option` of an array, if it is one.
    pub(super) fn opt_elem(&self, e: &Expr) -> Option<OptElem> {
        let mut e = strip(e);
        let mut by_ref = true;
        if let Expr::MethodCall(m) = e
            && m.args.is_empty()
            && (m.method == "copied" || m.method == "cloned")
        {
            by_ref = false;
            e = strip(&m.receiver);
        }
        let Expr::MethodCall(m) = e else { return None };
        let Expr::Path(p) = strip(&m.receiver) else { return None };
        let w = p.path.get_ident()?;
        // A differentiated float array or slice, or a local float array (constant or not: its
        // element may meet a differentiated default, `unwrap_or(x)`); not a tuple, not rows.
        let flat = match self.lookup(&w.to_string()) {
            Some(Binding::Array { array: ArrayRef::Param(i), .. }) => {
                matches!(self.sig.params[*i].shape, Shape::Array { .. } | Shape::Slice)
            }
            Some(Binding::Array { array: ArrayRef::Local(slot), .. }) => !self.arrays[*slot].tuple,
            _ => false,
        };
        if !flat {
            return None;
        }
        let s = m.method.span();
        let (elem, present) = match (m.method.to_string().as_str(), m.args.first()) {
            ("first", None) => (parse_quote_spanned!(s=> #w[0]), parse_quote_spanned!(s=> !#w.is_empty())),
            ("last", None) => (parse_quote_spanned!(s=> #w[#w.len() - 1]), parse_quote_spanned!(s=> !#w.is_empty())),
            // The index is evaluated twice (test and read): a name or a literal only.
            ("get", Some(i)) if m.args.len() == 1 && matches!(strip(i), Expr::Path(_) | Expr::Lit(_)) => {
                let i = strip(i);
                (parse_quote_spanned!(s=> #w[#i]), parse_quote_spanned!(s=> #i < #w.len()))
            }
            _ => return None,
        };
        Some(OptElem { elem, present, by_ref })
    }

    /// `Some(p)` with a payload the element can be bound to.
    pub(super) fn some_payload(pat: &Pat, o: &OptElem) -> Option<Payload> {
        let Pat::TupleStruct(ts) = pat else { return None };
        if !ts.path.is_ident("Some") || ts.elems.len() != 1 {
            return None;
        }
        let refs = u8::from(o.by_ref);
        match &ts.elems[0] {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(Payload::Name(pi.ident.clone(), refs)),
            Pat::Reference(r) if o.by_ref => match &*r.pat {
                Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    Some(Payload::Name(pi.ident.clone(), 0))
                }
                _ => None,
            },
            Pat::Wild(_) => Some(Payload::Ignore),
            _ => None,
        }
    }

    /// Binds the payload to the element (in the arm where it exists).
    pub(super) fn bind_payload(&mut self, o: &OptElem, p: &Payload, out: &mut Block) {
        if let Payload::Name(name, refs) = p {
            let v = self.expr(&o.elem, out);
            self.bind(name.to_string(), Binding::Scalar { op: v, refs: *refs });
        }
    }

    /// `match` on an element `Option` with one `Some(p)` arm and one `None` (or `_`) arm, no
    /// guards: `(payload, Some's body, None's body)`.
    pub(super) fn some_none_arms<'a>(arms: &'a [syn::Arm], o: &OptElem) -> Option<(Payload, &'a Expr, &'a Expr)> {
        // (an arm with a guard has a `Pat::Guard`, which neither test takes)
        let [a, b] = arms else { return None };
        let is_none = |p: &Pat| match p {
            Pat::Wild(_) => true,
            Pat::Ident(pi) => pi.ident == "None" && pi.subpat.is_none(),
            Pat::Path(pp) => pp.path.is_ident("None"),
            _ => false,
        };
        if let Some(p) = Self::some_payload(&a.pat, o)
            && is_none(&b.pat)
        {
            return Some((p, &a.body, &b.body));
        }
        if let Some(p) = Self::some_payload(&b.pat, o)
            && is_none(&a.pat)
        {
            return Some((p, &b.body, &a.body));
        }
        None
    }

    /// `.unwrap()`, `.expect(..)`, `.unwrap_or(d)` on an element `Option`.
    pub(super) fn unwrap_elem(&mut self, o: &OptElem, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        match (m.method.to_string().as_str(), m.args.first()) {
            // Both panic on a missing element: `unwrap` says so, the index is out of bounds.
            ("unwrap", None) | ("expect", Some(_)) => Some(self.expr(&o.elem, out)),
            ("unwrap_or", Some(d)) => {
                let d = match strip(d) {
                    Expr::Reference(r) if o.by_ref => &*r.expr,
                    d if !o.by_ref => d,
                    _ => return None,
                };
                let (elem, present, s) = (&o.elem, &o.present, m.method.span());
                let e: Expr = parse_quote_spanned!(s=> if #present { #elem } else { #d });
                Some(self.expr(&e, out))
            }
            _ => None,
        }
    }

    /// `o.map_or(d, |e| body)`: `if present { body with e the element } else { d }`, the
    /// closure inlined as a local closure's call is.
    pub(super) fn map_or_elem(&mut self, o: &OptElem, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        let [d, f] = m.args.iter().collect::<Vec<_>>()[..] else { return None };
        let Expr::Closure(c) = strip(f) else { return None };
        if m.method != "map_or" || c.inputs.len() != 1 {
            return None;
        }
        let lc = LocalClosure::literal(c.clone());
        let span = m.method.span();
        self.if_some(
            o,
            &Payload::Ignore,
            span,
            |l, b| {
                let e = l.expr(&o.elem, b);
                let arg = Arg::Item(Item::Elem(e, u8::from(o.by_ref)));
                Some(l.inline(&lc, &[arg], span, b, |s, body, b| s.expr(body, b)))
            },
            |l, b| Some(l.expr(d, b)),
            out,
        )
    }

    /// `opt.unwrap_or(d)` and `opt.map_or(d, |v| body)` on a constant `Option` whose default or
    /// closure reads a differentiated value: `match opt { Some(v) => v, None => d }` (`*v` and
    /// `e` for a default `&e`), `match opt { Some(v) => body, None => d }`; the test is plain
    /// code on the constant, the arm taken is differentiated.
    pub(super) fn option_const(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        if self.mentions_active(&m.receiver) || !m.args.iter().any(|a| self.mentions_active(a)) {
            return None;
        }
        let (recv, s) = (&m.receiver, m.method.span());
        let e: Expr = match (m.method.to_string().as_str(), &m.args.iter().collect::<Vec<_>>()[..]) {
            ("unwrap_or", [d]) => {
                // Bound in the `Some` arm only, whose body is just this name: nothing of the
                // user's is shadowed.
                let v = syn::Ident::new("__gm_some", s);
                match strip(d) {
                    Expr::Reference(r) => {
                        let d = &r.expr;
                        parse_quote_spanned!(s=> match #recv { ::core::option::Option::Some(#v) => *#v, ::core::option::Option::None => #d })
                    }
                    d => {
                        parse_quote_spanned!(s=> match #recv { ::core::option::Option::Some(#v) => #v, ::core::option::Option::None => #d })
                    }
                }
            }
            ("map_or", [d, Expr::Closure(c)]) if c.inputs.len() == 1 && early_exit(&c.body).is_none() => {
                let p = match &c.inputs[0] {
                    Pat::Type(t) => &*t.pat,
                    p => p,
                };
                let body = &c.body;
                parse_quote_spanned!(s=> match #recv { ::core::option::Option::Some(#p) => #body, ::core::option::Option::None => #d })
            }
            _ => return None,
        };
        Some(self.expr(&e, out))
    }

    /// `if let Some(p) = o { then } else { otherwise }`, `otherwise` lowered by `else_f`.
    pub(super) fn if_some(
        &mut self,
        o: &OptElem,
        p: &Payload,
        span: Span,
        then_f: impl FnOnce(&mut Self, &mut Block) -> Option<Operand>,
        else_f: impl FnOnce(&mut Self, &mut Block) -> Option<Operand>,
        out: &mut Block,
    ) -> Option<Operand> {
        let test = self.cond(&o.present, out);
        self.lower_if_arms(
            test,
            span,
            |l, b| {
                l.bind_payload(o, p, b);
                then_f(l, b)
            },
            else_f,
            out,
        )
    }
}
