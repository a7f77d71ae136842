//! Lowering, local closures: `let sq = |v: f64| v * v;` then `sq(a) + sq(b)`. A closure is not a
//! value the reverse pass could follow, so each call is inlined: the arguments are evaluated, the
//! parameters bound to them and the body lowered in place, gate by gate, like any other code.
//!
//! The body sees the variables it captures as they were when the closure was made. For a `move`
//! closure that is what Rust does; for any other closure it is the same thing, because the
//! borrow checker forbids changing a captured variable while the closure lives. Only a closure
//! that assigns to a captured variable (`|x| total += x`) changes the caller's variable, and it
//! does so at its calls: those names are looked up where it is called.

use std::rc::Rc;

use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Pat};

use super::ir::{Block, Operand, ValId};
use super::lower::{Binding, Lower, strip};
use super::lower_iter::Item;
use super::scope;

/// A closure bound to a name.
pub struct LocalClosure {
    pub closure: syn::ExprClosure,
    /// The variables it reads, bound as at its definition.
    captured: Vec<(String, Binding)>,
    /// The variables it assigns to, with their position in the environment at its definition.
    assigned: Vec<(String, usize)>,
    /// The closure as plain code (its tokens with the variables it reads renamed to the values
    /// they hold at its definition, and those values), written in place of its name where plain
    /// code uses it as a value (`data.iter().filter(|x| near(x))` in a condition); `None` when
    /// it assigns to a capture. A literal rather than a value bound once: the backward pass may
    /// run that plain code outside the `if` arm that declares the closure (after an early
    /// `return`, say), where the values it reads are handed out; a closure value has no
    /// `Default` for the other arm, and handed out it would outlive the values it borrows.
    pub code: Option<(proc_macro2::TokenStream, Vec<ValId>)>,
    /// The closure bound once as a value, which the backward pass's doc shows under its name
    /// (`let sq = |v: f64| v * v;`); plain code does not read it (`code`). Only with every
    /// parameter typed: an unused closure whose parameter has no type does not compile.
    pub plain: Option<ValId>,
    /// Whether it reads a differentiated value.
    pub active: bool,
}

impl std::fmt::Debug for LocalClosure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalClosure").field("plain", &self.plain).field("active", &self.active).finish_non_exhaustive()
    }
}

/// What a closure's parameter is bound to.
pub enum Arg {
    Item(Item),
    /// A whole array (`dot(&w, &x)`), read by index inside.
    Array(Binding),
}

impl LocalClosure {
    /// A closure written where it is used (`.map(|x| x * w)`): it reads the variables as they
    /// are there.
    pub fn literal(closure: syn::ExprClosure) -> Self {
        LocalClosure { closure, captured: Vec::new(), assigned: Vec::new(), code: None, plain: None, active: false }
    }
}

impl Lower<'_> {
    /// `let name = |..| ..;`
    pub(super) fn declare_closure(&mut self, name: String, c: &syn::ExprClosure, out: &mut Block) {
        let assigned_names = scope::assigned_captures(c);
        if c.capture.is_some() && !assigned_names.is_empty() {
            self.error_tokens(c, "a `move` closure that assigns to a variable it captures changes its own copy, which the macro does not follow: drop `move`, or return the new value from the closure");
        }
        let assigned: Vec<(String, usize)> =
            assigned_names.iter().filter_map(|n| Some((n.clone(), self.env.position(n)?))).collect();
        let e = Expr::Closure(c.clone());
        let captured: Vec<(String, Binding)> = scope::free_reads(&e)
            .into_iter()
            .filter(|n| !assigned_names.contains(n))
            .filter_map(|n| {
                let b = self.lookup(&n)?.clone();
                Some((n, b))
            })
            .collect();
        // A `move` closure copies an array it captures (`[f64; 3]` is `Copy`); inlined, it would
        // read the array as later stores leave it.
        if c.capture.is_some()
            && let Some((n, _)) =
                captured.iter().find(|(_, b)| matches!(b, Binding::Array { array: super::ir::ArrayRef::Local(_), .. }))
        {
            self.error_tokens(c, format!("a `move` closure that captures the local array `{n}` is not supported: it would keep its own copy of `{n}`, which the macro does not follow; drop `move`, or copy the elements it needs into variables first"));
        }
        let active =
            captured.iter().map(|(_, b)| b).chain(assigned.iter().map(|(_, i)| &self.env[*i].1)).any(|b| match b {
                Binding::Scalar { op, .. } => self.is_active(op),
                Binding::Array { active, .. } => *active,
                Binding::Closure(lc) => lc.active,
                Binding::Elem { .. } => true,
                Binding::Window { active, .. } => *active,
            });
        let code = (assigned.is_empty()
            && self.is_simple(&e)
            && captured.iter().all(|(_, b)| !matches!(b, Binding::Closure(lc) if lc.code.is_none())))
        .then(|| self.rename(&e));
        let typed = c.inputs.iter().all(|p| matches!(p, Pat::Type(_)));
        let plain = (code.is_some() && typed).then(|| self.plain(&e, None, out));
        let lc = LocalClosure { closure: c.clone(), captured, assigned, code, plain, active };
        self.bind(name, Binding::Closure(Rc::new(lc)));
    }

    /// `f(args)` for a local closure `f`.
    pub(super) fn call_closure(&mut self, lc: &LocalClosure, call: &syn::ExprCall, out: &mut Block) -> Operand {
        if call.args.len() != lc.closure.inputs.len() {
            // rustc reports the count.
            return Operand::Lit(quote!(0.0));
        }
        let mut args = Vec::new();
        for a in &call.args {
            args.push(self.closure_arg(a, out));
        }
        self.inline(lc, &args, call.span(), out, |s, body, b| s.expr(body, b))
    }

    /// An argument of a call to a local closure, evaluated before the body runs.
    fn closure_arg(&mut self, a: &Expr, out: &mut Block) -> Arg {
        let mut inner = strip(a);
        if let Expr::Reference(r) = inner {
            inner = strip(&r.expr);
        }
        if let Expr::Path(p) = inner
            && let Some(id) = p.path.get_ident()
            && let Some(b @ Binding::Array { .. }) = self.lookup(&id.to_string())
        {
            return Arg::Array(b.clone());
        }
        Arg::Item(Item::Elem(self.expr(a, out), 0))
    }

    /// The closure's body with its parameters bound to `args`, lowered by `lower` (as a value, or
    /// as a condition).
    pub(super) fn inline(
        &mut self,
        lc: &LocalClosure,
        args: &[Arg],
        span: Span,
        out: &mut Block,
        lower: impl FnOnce(&mut Self, &Expr, &mut Block) -> Operand,
    ) -> Operand {
        let c = &lc.closure;
        if let Some(r) = early_exit(&c.body) {
            self.error_tokens(r, "`return` or `?` inside a closure is not supported: the closure is inlined where it is called; compute the value with `if`/`else`");
            return Operand::Lit(quote!(0.0));
        }
        for (name, at) in &lc.assigned {
            if self.env.position(name) != Some(*at) {
                self.error(span, format!("this closure assigns to `{name}`, which a later `let` shadows here: call the closure before shadowing `{name}`, or rename one of them"));
                return Operand::Lit(quote!(0.0));
            }
        }
        let mark = self.env.len();
        for (name, b) in &lc.captured {
            self.bind(name.clone(), b.clone());
        }
        for (p, a) in c.inputs.iter().zip(args) {
            let bound = match a {
                Arg::Item(item) => self.bind_item(p, item, out),
                Arg::Array(b) => match param_ident(p) {
                    Some(id) => {
                        self.bind(id.to_string(), b.clone());
                        true
                    }
                    None => false,
                },
            };
            if !bound {
                self.error_tokens(p, "this closure parameter does not match its argument: bind a name (`|x| ..`, `|x: f64| ..`), `&x` for a reference, or `(a, b)` for a tuple of constants");
                self.env.truncate(mark);
                return Operand::Lit(quote!(0.0));
            }
        }
        let v = lower(self, &c.body, out);
        self.env.truncate(mark);
        v
    }
}

/// The name a parameter binds, with or without a type (`x`, `x: &[f64]`).
fn param_ident(p: &Pat) -> Option<&syn::Ident> {
    match p {
        Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => Some(&pi.ident),
        Pat::Type(t) => param_ident(&t.pat),
        Pat::Paren(p) => param_ident(&p.pat),
        _ => None,
    }
}

/// A `return` or `?` that would leave the closure (not one inside a nested closure).
pub fn early_exit(e: &Expr) -> Option<&Expr> {
    struct R<'a>(Option<&'a Expr>);
    impl<'ast> Visit<'ast> for R<'ast> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Return(_) | Expr::Try(_) if self.0.is_none() => self.0 = Some(e),
                Expr::Closure(_) => {}
                _ => syn::visit::visit_expr(self, e),
            }
        }
    }
    let mut r = R(None);
    r.visit_expr(e);
    r.0
}
