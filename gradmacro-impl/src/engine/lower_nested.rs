//! Lowering, nested arrays and structs named in `wrt(...)`: `a[i][j]` of a `&[[F; D]]` (or any
//! nested shape of [`Shape::Rows`], [`Shape::Ragged`]) and `p.x`, `p.v[k]` of a struct deriving
//! `gradmacro::Differentiable` are reads of the parameter at an index and a path
//! ([`Stmt::Index`]): the adjoint is the gradient itself (`g[i][j] += d`, `g.x += d`), no
//! flattening and no copy. A whole row (`let r = a[i];`, `for r in a.iter()`) of a fixed width
//! `D` becomes a local array of its `D` elements.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::ir::{ArrayInit, ArrayRef, ArraySlot, Block, Operand, Stmt};
use super::lower::{Binding, Lower, strip};
use super::sig::Shape;

impl Lower<'_> {
    /// The parameter a bare name in `e` binds, when it is a differentiated nested array.
    pub(super) fn nested_param(&self, e: &Expr) -> Option<usize> {
        let p = self.active_param(e)?;
        matches!(self.sig.params[p].shape, Shape::Rows { .. } | Shape::Ragged).then_some(p)
    }

    pub(super) fn active_param(&self, e: &Expr) -> Option<usize> {
        let Expr::Path(p) = strip(e) else { return None };
        let id = p.path.get_ident()?;
        match self.lookup(&id.to_string()) {
            Some(Binding::Array { array: ArrayRef::Param(i), active: true, .. }) => Some(*i),
            _ => None,
        }
    }

    /// An integer index, evaluated; reported when it is differentiated.
    pub(super) fn int_index(&mut self, e: &Expr, out: &mut Block) -> Operand {
        if let Some(i) = self.plain_integer(e, out) {
            return i;
        }
        let idx = self.expr(e, out);
        if self.is_active(&idx) {
            self.error_tokens(e, "an index cannot be a differentiated value: index with an integer (an integer field of a differentiated struct bound to a name needs its type: `let n: usize = p.n;`)");
        }
        idx
    }

    /// `a[i][j]` of a differentiated nested array; `None` when `ix` is not that.
    pub(super) fn nested_read(&mut self, ix: &syn::ExprIndex, out: &mut Block) -> Option<Operand> {
        let (array, index) = match strip(&ix.expr) {
            Expr::Index(row) if let Some(p) = self.nested_param(&row.expr) => {
                (ArrayRef::Param(p), self.int_index(&row.index, out))
            }
            _ => return None,
        };
        let col = self.int_index(&ix.index, out);
        let v = self.new_val(true, ix.span());
        out.stmts.push(Stmt::Index { out: v, array, index, path: vec![col] });
        Some(Operand::Val(v))
    }

    /// Element `k` of the row `w[j]` of a differentiated nested array: an item of a loop over
    /// the row (`w[j].iter()`). `None` when `row` is not such a row.
    pub(super) fn row_elem(&mut self, row: &Expr, k: &Operand, out: &mut Block) -> Option<Operand> {
        let Expr::Index(ix) = strip(row) else { return None };
        let p = self.nested_param(&ix.expr)?;
        let index = self.int_index(&ix.index, out);
        let v = self.new_val(true, ix.span());
        out.stmts.push(Stmt::Index { out: v, array: ArrayRef::Param(p), index, path: vec![k.clone()] });
        Some(Operand::Val(v))
    }

    /// The message for a differentiated nested array or struct used where only its elements or
    /// fields can be.
    pub(super) fn whole_msg(&self, p: usize, name: &str) -> String {
        match self.sig.params[p].shape {
            Shape::Struct { .. } => format!(
                "`{name}` is a differentiated struct: read its fields (`{name}.x`, `{name}.v[k]`); it cannot be used as a whole value here (passing it to a function or method is not supported yet: pass the fields it reads)"
            ),
            Shape::StructSlice { .. } => format!(
                "`{name}` is (an element of) a differentiated slice of structs: read the fields of its elements (`ps[i].x`, `for p in ps {{ p.x }}`, `ps.iter().map(|p| p.x)`); it cannot be used as a whole value here"
            ),
            _ => format!(
                "`{name}` is a differentiated nested array: read its elements (`{name}[i][j]`), bind a row (`let [x, y] = {name}[i];`) or iterate over its rows with `for`; it cannot be used as a whole value here"
            ),
        }
    }

    /// The fixed width `D` of the rows of a `[[F; D]]` parameter, when it is an integer literal.
    fn row_width(&self, p: usize) -> Option<usize> {
        match &self.sig.params[p].shape {
            Shape::Rows { inner, .. } => syn::parse2::<syn::LitInt>(inner.clone()).ok()?.base10_parse().ok(),
            _ => None,
        }
    }

    /// Binds `pat` to row `index` of nested-array parameter `p`, seen behind `refs` references:
    /// `[x, y]` to its elements, a name to a local copy of the row (fixed width only). `false`
    /// when the pattern does not fit.
    pub(super) fn bind_row(&mut self, pat: &Pat, p: usize, index: &Operand, refs: u8, out: &mut Block) -> bool {
        match pat {
            Pat::Paren(q) => self.bind_row(&q.pat, p, index, refs, out),
            Pat::Type(t) => self.bind_row(&t.pat, p, index, refs, out),
            Pat::Reference(r) if refs > 0 => self.bind_row(&r.pat, p, index, refs - 1, out),
            Pat::Wild(_) => true,
            Pat::Slice(s) => {
                if s.elems.iter().any(|e| matches!(e, Pat::Rest(_))) {
                    self.error_tokens(s, "a `..` rest pattern is not supported in a row of a differentiated nested array: name every element (`[x, y]`) or index the row (`a[i][j]`)");
                    return true;
                }
                for (k, e) in s.elems.iter().enumerate() {
                    let v = self.new_val(true, e.span());
                    out.stmts.push(Stmt::Index {
                        out: v,
                        array: ArrayRef::Param(p),
                        index: index.clone(),
                        path: vec![Operand::Lit(quote!(#k))],
                    });
                    let (e, r) = match e {
                        Pat::Reference(r) if refs > 0 => (&*r.pat, refs - 1),
                        e => (e, refs),
                    };
                    match e {
                        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                            self.bind(pi.ident.to_string(), Binding::Scalar { op: Operand::Val(v), refs: r });
                        }
                        Pat::Wild(_) => {}
                        other => {
                            self.error_tokens(other, "bind each element of a row to a plain name (`[x, y]`) or `_`");
                        }
                    }
                }
                true
            }
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let Some(d) = self.row_width(p) else {
                    let msg = if matches!(self.sig.params[p].shape, Shape::Ragged) {
                        "a row of a differentiated `Vec` of `Vec`s cannot be bound to a name (its length is known only at run time): index it instead (`for i in 0..a.len() { for j in 0..a[i].len() { .. a[i][j] .. } }`)"
                    } else {
                        "a row of this differentiated nested array cannot be bound to a name (its width is not an integer literal): read its elements (`a[i][j]`) instead, or write the width as a literal (`[[f64; 2]]`)"
                    };
                    self.error_tokens(pat, msg);
                    self.bind(pi.ident.to_string(), Binding::Scalar { op: Operand::Lit(quote!(0.0)), refs: 0 });
                    return true;
                };
                let b = self.row_copy(p, index, d, pi.ident.span(), out);
                self.bind(pi.ident.to_string(), b);
                true
            }
            _ => false,
        }
    }

    /// A local array holding row `index` of `p` (`[a[i][0], .., a[i][D - 1]]`).
    fn row_copy(&mut self, p: usize, index: &Operand, d: usize, span: Span, out: &mut Block) -> Binding {
        let mut ops = Vec::new();
        for k in 0..d {
            let v = self.new_val(true, span);
            out.stmts.push(Stmt::Index {
                out: v,
                array: ArrayRef::Param(p),
                index: index.clone(),
                path: vec![Operand::Lit(quote!(#k))],
            });
            ops.push(Operand::Val(v));
        }
        let slot = self.arrays.len();
        let read_in_loop = self.loop_depth > 0;
        self.arrays.push(ArraySlot {
            active: true,
            written: false,
            zeros: quote!([0.0; #d]),
            read_in_loop,
            heap: false,
            capacity: None,
            user: None,
            tuple: false,
            beside: false,
        });
        let f = self.sig.float.path();
        out.stmts.push(Stmt::ArrayDecl { slot, init: ArrayInit::List(ops), ty: Some(quote!([#f; #d])) });
        let handle: TokenStream = super::array_ident(slot).to_token_stream();
        Binding::Array { array: ArrayRef::Local(slot), active: true, handle, handle_use: None }
    }

    /// `let pat = a[i];` with `a` a differentiated nested array; `false` when `init` is not that.
    pub(super) fn let_row(&mut self, pat: &Pat, init: &Expr, out: &mut Block) -> bool {
        let Expr::Index(ix) = strip(init) else { return false };
        let Some(p) = self.nested_param(&ix.expr) else { return false };
        let index = self.int_index(&ix.index, out);
        if !self.bind_row(pat, p, &index, 0, out) {
            self.error_tokens(pat, "bind a row of a differentiated nested array to a name (`let r = a[i];`) or to its elements (`let [x, y] = a[i];`)");
        }
        true
    }
}
