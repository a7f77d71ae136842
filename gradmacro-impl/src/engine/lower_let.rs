//! Lowering, `let`: a pattern bound to its initialiser. A plain name is bound to the operand,
//! array or buffer the initialiser lowers to (a closure is kept for inlining, a call read later
//! by index is a vector call); tuples are bound element by element, `x.sin_cos()` as its two
//! gates.

use proc_macro2::Span;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::gates::{Gate, M};
use super::ir::{ArrayRef, Block, Operand, Stmt};
use super::lower::{Binding, Lower, float_fn, strip, untyped_float};
use super::sig::Shape;

impl Lower<'_> {
    pub(super) fn local(&mut self, local: &syn::Local, out: &mut Block) {
        let Some(init) = &local.init else {
            self.error_tokens(&local.pat, "a `let` without a value is not supported in a #[differentiate] body: write `let x = value;`, using an `if` expression to choose the value");
            // Bind the name anyway, so that its uses do not report errors of their own.
            let pat = match &local.pat {
                Pat::Type(pt) => &*pt.pat,
                other => other,
            };
            if let Pat::Ident(pi) = pat {
                self.bind(pi.ident.to_string(), Binding::Scalar { op: Operand::Lit(quote!(0.0)), refs: 0 });
            }
            return;
        };
        self.bind_pattern(&local.pat, None, &init.expr, out);
    }

    fn bind_pattern(&mut self, pat: &Pat, ty: Option<&syn::Type>, init: &Expr, out: &mut Block) {
        match pat {
            Pat::Type(pt) => self.bind_pattern(&pt.pat, Some(&pt.ty), init, out),
            Pat::Ident(_) | Pat::Slice(_) if self.let_row(pat, init, out) => {}
            Pat::Ident(_) if self.let_struct_elem(pat, init, out) => {}
            // `let q = p.clone();` (or `let q = p;`) of a differentiated struct: the same values,
            // read through another name.
            Pat::Ident(pi)
                if pi.mutability.is_none()
                    && pi.by_ref.is_none()
                    && pi.subpat.is_none()
                    && let Some(b) = self.struct_alias(init) =>
            {
                self.bind(pi.ident.to_string(), b);
            }
            Pat::Ident(_) if self.let_window(pat, init, out) => {}
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                if !self.let_copy(&pi.ident, pi.mutability.is_some(), init, out) {
                    self.bind_ident(pi.ident.to_string(), ty, init, out);
                }
            }
            Pat::Wild(_) => {
                if !self.mentions_active(init) && self.is_simple(init) {
                    let (tokens, uses) = self.rename(init);
                    out.stmts.push(Stmt::Plain { out: None, ty: None, tokens, uses });
                } else {
                    let _ = self.expr(init, out);
                }
            }
            Pat::Tuple(pt) => {
                if let Some(x) = sin_cos_of(init)
                    && pt.elems.len() == 2
                {
                    // `let (s, c) = x.sin_cos();` is `(x.sin(), x.cos())`, which is how std
                    // computes it: two gates, bit for bit.
                    let x = self.expr(x, out);
                    let xt = self.op_tokens(&x);
                    let s = self.gate(Gate::Method(M::Sin), vec![x.clone()], init.span(), quote!(#xt.sin()), out);
                    let c = self.gate(Gate::Method(M::Cos), vec![x], init.span(), quote!(#xt.cos()), out);
                    self.bind_operand(&pt.elems[0], None, s, out);
                    self.bind_operand(&pt.elems[1], None, c, out);
                } else if let Expr::Tuple(t) = strip(init)
                    && t.elems.len() == pt.elems.len()
                {
                    // Evaluate every element before binding any name, as Rust does.
                    let tys: Vec<Option<syn::Type>> = match ty {
                        Some(syn::Type::Tuple(tt)) => tt.elems.iter().cloned().map(Some).collect(),
                        _ => vec![None; t.elems.len()],
                    };
                    let mut ops = Vec::new();
                    for e in &t.elems {
                        ops.push(self.expr(e, out));
                    }
                    for ((p, op), ty) in pt.elems.iter().zip(ops).zip(tys) {
                        self.bind_operand(p, ty.as_ref(), op, out);
                    }
                } else if let Expr::Path(p) = strip(init)
                    && let Some(id) = p.path.get_ident()
                    && let Some(Binding::Array { array: ArrayRef::Param(i), active: true, .. }) = self.lookup(&id.to_string())
                    && let Shape::Tuple { n } = self.sig.params[*i].shape
                    && n == pt.elems.len()
                {
                    // `let (a, b) = p;` of a differentiated tuple parameter: its fields (behind a
                    // reference for `p: &(f64, f64)`, as match ergonomics binds them).
                    let refs = u8::from(!self.sig.params[*i].owned);
                    for (k, e) in pt.elems.iter().enumerate() {
                        let field = syn::ExprField {
                            attrs: Vec::new(),
                            base: Box::new(init.clone()),
                            dot_token: syn::Token![.](e.span()),
                            member: syn::Member::Unnamed(syn::Index::from(k)),
                        };
                        let v = self.tuple_field(&field, out).unwrap_or_else(|| Operand::Lit(quote!(0.0)));
                        match e {
                            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                                self.bind(pi.ident.to_string(), Binding::Scalar { op: v, refs });
                            }
                            other => self.bind_operand(other, None, v, out),
                        }
                    }
                } else if self.mentions_active(init)
                    && let Some(ops) = self.fold_tuple(init, pt.elems.len(), out)
                {
                    for (p, op) in pt.elems.iter().zip(ops) {
                        self.bind_operand(p, None, op, out);
                    }
                } else if self.destructure_vector(&pt.elems.iter().cloned().collect::<Vec<_>>(), true, ty, init, out) {
                    // `let (u, v) = g(x);` with a tuple-valued `g`.
                } else if !self.mentions_active(init) && self.is_simple(init) {
                    let whole = self.plain(init, ty.map(ToTokens::to_token_stream), out);
                    for (k, p) in pt.elems.iter().enumerate() {
                        let idx = syn::Index::from(k);
                        let w = super::val_ident_plain(whole);
                        let v = self.new_val(false, p.span());
                        out.stmts.push(Stmt::Plain { out: Some(v), ty: None, tokens: quote!(#w.#idx), uses: vec![whole] });
                        self.bind_operand(p, None, Operand::Val(v), out);
                    }
                } else if !self.mentions_active(init)
                    && self.destructure_vector_call(&pt.elems.iter().cloned().collect::<Vec<_>>(), true, ty, init, true, out)
                {
                    // `let (u, v) = g(if c { a } else { b });` with constant arguments.
                } else {
                    self.error_tokens(init, "destructuring a differentiated value is supported only from a tuple expression: write `let (a, b) = (x, y);` or bind each value with its own `let`");
                }
            }
            Pat::Slice(ps)
                if self.destructure_vector(&ps.elems.iter().cloned().collect::<Vec<_>>(), false, ty, init, out) => {}
            Pat::Slice(ps) if !self.mentions_active(init) && self.is_simple(init) => {
                let whole = self.plain(init, ty.map(ToTokens::to_token_stream), out);
                for (k, p) in ps.elems.iter().enumerate() {
                    let w = super::val_ident_plain(whole);
                    let v = self.new_val(false, p.span());
                    out.stmts.push(Stmt::Plain { out: Some(v), ty: None, tokens: quote!(#w[#k]), uses: vec![whole] });
                    self.bind_operand(p, None, Operand::Val(v), out);
                }
            }
            Pat::Slice(ps)
                if !self.mentions_active(init)
                    && self.destructure_vector_call(&ps.elems.iter().cloned().collect::<Vec<_>>(), false, ty, init, true, out) => {}
            other => self.error_tokens(other, "this pattern is not supported in a #[differentiate] body: bind a plain name (`let x = ...;`) or a tuple of names"),
        }
    }

    /// The binding of the differentiated struct (or element of a slice of structs) that `e`
    /// names, cloned or moved: `p.clone()`, `p.to_owned()`, `p`.
    fn struct_alias(&self, e: &Expr) -> Option<Binding> {
        let named = match strip(e) {
            Expr::MethodCall(m) if (m.method == "clone" || m.method == "to_owned") && m.args.is_empty() => {
                strip(&m.receiver)
            }
            other => other,
        };
        let Expr::Path(p) = named else { return None };
        let b = self.lookup(&p.path.get_ident()?.to_string())?;
        match b {
            Binding::Array { array: ArrayRef::Param(i), active: true, .. }
                if matches!(self.sig.params[*i].shape, Shape::Struct { .. }) =>
            {
                Some(b.clone())
            }
            Binding::Elem { .. } => Some(b.clone()),
            _ => None,
        }
    }

    /// `let name(: ty)? = init;` with a plain name.
    pub(super) fn bind_ident(&mut self, name: String, ty: Option<&syn::Type>, init: &Expr, out: &mut Block) {
        let is_array_ty = matches!(ty, Some(syn::Type::Array(_)));
        if let Some(lit) = self.vec_literal(strip(init)) {
            return self.declare_vec(&name, ty, lit, init, out);
        }
        let vector_ty = match ty {
            Some(syn::Type::Array(_)) => Some(false),
            Some(syn::Type::Tuple(t)) if !t.elems.is_empty() => Some(true),
            _ => None,
        };
        let shape = match ty {
            Some(syn::Type::Array(a)) => match &a.len {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) => {
                    n.base10_parse::<usize>().ok().map(|n| (n, false))
                }
                _ => None,
            },
            Some(syn::Type::Tuple(t)) if !t.elems.is_empty() => Some((t.elems.len(), true)),
            _ => None,
        };
        // `let r: Vec<f64> = g(..);`: a `Vec`-valued `g`, as a vector hint says for an array.
        let hinted =
            self.vector_hint.as_deref() == Some(name.as_str()) || ty.is_some_and(|t| super::sig::vec_elem(t).is_some());
        let new_vec = matches!(strip(init), Expr::Call(c) if super::lower_push::empty_vec(c).is_some());
        if (vector_ty.is_some() || hinted)
            && !new_vec
            && matches!(strip(init), Expr::Call(_) | Expr::MethodCall(_))
            && self.mentions_active(init)
        {
            let ty_tokens = ty.map(ToTokens::to_token_stream);
            if let Some(b) = self.vector_call(strip(init), shape, ty_tokens, out) {
                self.bind(name, b);
                return;
            }
        }
        match strip(init) {
            Expr::Closure(c) => self.declare_closure(name, c, out),
            Expr::Call(c) if let Some(cap) = super::lower_push::empty_vec(c) => {
                self.declare_growable(name, cap, out);
            }
            Expr::MethodCall(m) if m.method == "collect" && m.args.is_empty() && self.mentions_active(init) => {
                let buffer = self.collect_into(m, out);
                self.bind(name, buffer);
            }
            Expr::Array(_) | Expr::Repeat(_) => self.declare_array(&name, ty, strip(init), out),
            _ if is_array_ty && !self.mentions_active(init) => {
                self.declare_array(&name, ty, strip(init), out);
            }
            // `let n: usize = p.n;`: an integer read out of a differentiated struct's fields.
            _ if ty.is_some_and(super::activity::is_discrete_type)
                && let Some(op) = self.plain_integer(init, out) =>
            {
                let op = self.typed(op, ty, init.span(), out);
                if let Some(v) = op.val() {
                    self.vals[v].kind = super::ir::Kind::Other;
                }
                self.bind(name, Binding::Scalar { op, refs: 0 });
            }
            _ => {
                let op = if !self.mentions_active(init) && self.is_simple(init) {
                    let ty = match ty {
                        Some(t) => Some(t.to_token_stream()),
                        None if untyped_float(init) => Some(self.sig.float.path()),
                        None => None,
                    };
                    Operand::Val(self.plain(init, ty, out))
                } else {
                    let op = self.expr(init, out);
                    self.typed(op, ty, init.span(), out)
                };
                self.bind(name, Binding::Scalar { op, refs: 0 });
            }
        }
    }

    /// A constant bound with a type annotation keeps it (`let k: f64 = 2.0;` stays an `f64`,
    /// which the user's later `k.powi(2)` relies on); a differentiated value is already typed.
    fn typed(&mut self, op: Operand, ty: Option<&syn::Type>, span: Span, out: &mut Block) -> Operand {
        match ty {
            Some(t) if !self.is_active(&op) => {
                let v = self.new_val(false, span);
                let tokens = self.op_tokens(&op);
                let uses = op.val().into_iter().collect();
                out.stmts.push(Stmt::Plain { out: Some(v), ty: Some(t.to_token_stream()), tokens, uses });
                Operand::Val(v)
            }
            _ => op,
        }
    }

    fn bind_operand(&mut self, pat: &Pat, ty: Option<&syn::Type>, op: Operand, out: &mut Block) {
        match pat {
            Pat::Type(pt) => self.bind_operand(&pt.pat, Some(&pt.ty), op, out),
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let op = self.typed(op, ty, pi.ident.span(), out);
                self.bind(pi.ident.to_string(), Binding::Scalar { op, refs: 0 });
            }
            Pat::Wild(_) => {}
            other => self.error_tokens(
                other,
                "this pattern is not supported in a #[differentiate] body: bind a plain name or `_`",
            ),
        }
    }
}

/// `x` in `x.sin_cos()` or `f64::sin_cos(x)`.
fn sin_cos_of(e: &Expr) -> Option<&Expr> {
    match strip(e) {
        Expr::MethodCall(m) if m.method == "sin_cos" && m.args.is_empty() && m.turbofish.is_none() => Some(&m.receiver),
        Expr::Call(c)
            if c.args.len() == 1
                && matches!(&*c.func, Expr::Path(p) if float_fn(&p.path).as_deref() == Some("sin_cos")) =>
        {
            c.args.first()
        }
        _ => None,
    }
}
