//! Lowering, reads of differentiated structs (`wrt(p)`, `wrt(self)`, `wrt(ps)` for a slice of
//! them): a field path `p.x`, `b.pos.x`, `self.w[i]`, `ps[i].v[k]`, `p.x` for a `p` bound to an
//! element (`for p in ps`, `let p = &ps[i];`, a closure's parameter in `ps.iter().map(|p| ..)`)
//! is one read of the parameter ([`Stmt::Index`]): its adjoint goes straight into the gradient
//! (`g.b.pos.x += d`, `g[i].x += d`), nothing is copied. The macro cannot see the struct's
//! definition: a path that ends at a field of another type (a nested struct read whole) is a type
//! error at the read, through `::gradmacro::__private::Field`, never a silent constant.

use quote::quote;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::ir::{ArrayRef, Block, Operand, Stmt};
use super::lower::{Binding, Lower, strip};
use super::sig::Shape;

impl Lower<'_> {
    /// The parameter a bare name in `e` binds, when it is a differentiated struct.
    pub(super) fn struct_param(&self, e: &Expr) -> Option<usize> {
        let p = self.active_param(e)?;
        matches!(self.sig.params[p].shape, Shape::Struct { .. }).then_some(p)
    }

    /// The parameter a bare name in `e` binds, when it is a differentiated slice of structs.
    pub(super) fn struct_slice_param(&self, e: &Expr) -> Option<usize> {
        let p = self.active_param(e)?;
        matches!(self.sig.params[p].shape, Shape::StructSlice { .. }).then_some(p)
    }

    /// The parameter whose struct `e` is, without emitting anything: a differentiated struct
    /// (`p`, `self`), an element of a differentiated slice of structs (`ps[i]`), or a name
    /// bound to one.
    pub(super) fn struct_root(&self, e: &Expr) -> Option<usize> {
        match strip(e) {
            Expr::Path(p) => match self.lookup(&p.path.get_ident()?.to_string()) {
                Some(Binding::Elem { param, .. }) => Some(*param),
                _ => self.struct_param(e),
            },
            Expr::Index(ix) => self.struct_slice_param(&ix.expr),
            _ => None,
        }
    }

    /// Whether `e` is a field path of a differentiated struct (`p.n`, `ps[i].k`, `self.v[j]`)
    /// whose indices read no differentiated value: plain code can read it as it is.
    pub(super) fn is_plain_struct_place(&self, e: &Expr) -> bool {
        let mut cur = strip(e);
        while let Expr::Index(ix) = cur
            && self.struct_root(cur).is_none()
        {
            if self.mentions_active(&ix.index) {
                return false;
            }
            cur = strip(&ix.expr);
        }
        let mut fields = 0;
        while let Expr::Field(f) = cur {
            if !matches!(f.member, syn::Member::Named(_)) {
                return false;
            }
            fields += 1;
            cur = strip(&f.base);
        }
        if let Expr::Index(ix) = cur
            && self.mentions_active(&ix.index)
        {
            return false;
        }
        fields > 0 && self.struct_root(cur).is_some()
    }

    /// An integer read out of differentiated structs' fields only (`p.n - 1`, `ps[i].k`, an
    /// index or an integer cast): plain code, as the user wrote it. The macro cannot tell an
    /// integer field from a float one; where an integer is required, the field is one (a float
    /// there is the user's own type error). `None` when `e` reads any other differentiated value.
    pub(super) fn plain_integer(&mut self, e: &Expr, out: &mut Block) -> Option<Operand> {
        struct Blank<'a, 'b>(&'a Lower<'b>);
        impl syn::visit_mut::VisitMut for Blank<'_, '_> {
            fn visit_expr_mut(&mut self, e: &mut Expr) {
                if self.0.is_plain_struct_place(e) {
                    *e = syn::parse_quote!(0);
                } else {
                    syn::visit_mut::visit_expr_mut(self, e);
                }
            }
        }
        if !self.mentions_active(e) || !self.is_simple(e) {
            return None;
        }
        let mut blank = e.clone();
        syn::visit_mut::VisitMut::visit_expr_mut(&mut Blank(self), &mut blank);
        if self.mentions_active(&blank) {
            return None;
        }
        let (t, uses) = self.rename(e);
        let r = self.plain_tokens(t, uses, e.span(), out);
        if let Some(v) = r.val() {
            self.vals[v].kind = super::ir::Kind::Other;
        }
        Some(r)
    }

    /// An integer Rust requires (a length, a capacity): read out of struct fields as it is, or
    /// computed as a condition is (no derivative).
    pub(super) fn int_value(&mut self, e: &Expr, out: &mut Block) -> Operand {
        match self.plain_integer(e, out) {
            Some(n) => n,
            None => self.cond(e, out),
        }
    }

    /// A read of a differentiated struct: a root ([`Self::struct_root`]), one or more named
    /// fields, then indices into an array field (`p.v[k]`, `self.w[i][j]`). `None` when `e` is
    /// not of that shape (the caller reports what is left).
    pub(super) fn struct_read(&mut self, e: &Expr, out: &mut Block) -> Option<Operand> {
        self.struct_place_read(e, None, out)
    }

    /// Element `k` of the array field `place` of a differentiated struct (`q.c`, `ps[i].v`): an
    /// item of a loop over the field.
    pub(super) fn struct_elem(&mut self, place: &Expr, k: &Operand, out: &mut Block) -> Option<Operand> {
        self.struct_place_read(place, Some(k), out)
    }

    /// [`Self::struct_read`] of `e`, then at index `last` if given.
    fn struct_place_read(&mut self, e: &Expr, last: Option<&Operand>, out: &mut Block) -> Option<Operand> {
        let mut cur = strip(e);
        let mut indices = Vec::new();
        while let Expr::Index(ix) = cur
            && self.struct_root(cur).is_none()
        {
            indices.push(&*ix.index);
            cur = strip(&ix.expr);
        }
        let mut fields = Vec::new();
        while let Expr::Field(f) = cur {
            let syn::Member::Named(name) = &f.member else { return None };
            fields.push(name.clone());
            cur = strip(&f.base);
        }
        if fields.is_empty() {
            return None;
        }
        let p = self.struct_root(cur)?;
        fields.reverse();
        let field = quote!(#(#fields).*);
        let element = match cur {
            Expr::Index(ix) => Some(self.int_index(&ix.index, out)),
            Expr::Path(path) => match path.path.get_ident().and_then(|id| self.lookup(&id.to_string())) {
                Some(Binding::Elem { index, .. }) => Some(index.clone()),
                _ => None,
            },
            _ => None,
        };
        let mut path = Vec::new();
        // A slice's element is the index, the field path the first step into it.
        let index = match element {
            Some(i) => {
                path.push(Operand::Lit(field));
                i
            }
            None => Operand::Lit(field),
        };
        for ix in indices.into_iter().rev() {
            let op = self.int_index(ix, out);
            path.push(op);
        }
        path.extend(last.cloned());
        let v = self.new_val(true, e.span());
        out.stmts.push(Stmt::Index { out: v, array: ArrayRef::Param(p), index, path });
        Some(Operand::Val(v))
    }

    /// A field of constant data whose indices are computed with control flow over
    /// differentiated values (`ps[(if c { a } else { v }).abs() as usize % n].v`, `ps` not in
    /// `wrt`): an index is an integer, so the element is constant; the indices are lowered, the
    /// rest is kept as written. `None` when `e` reads a differentiated value outside an index or
    /// is not a name followed by fields and indices.
    ///
    /// ```text
    /// before: error "fields of differentiated values are not supported"
    /// after:  let i = <lowered index>; let t = ps[i].v;    (a constant, no gradient)
    /// ```
    pub(super) fn constant_field(&mut self, e: &Expr, out: &mut Block) -> Option<Operand> {
        enum Step<'e> {
            Field(&'e syn::Member),
            Index(&'e Expr),
        }
        if self.mentions_active(e) {
            return None;
        }
        let mut steps = Vec::new();
        let mut cur = strip(e);
        loop {
            match cur {
                Expr::Field(f) => {
                    steps.push(Step::Field(&f.member));
                    cur = strip(&f.base);
                }
                Expr::Index(ix) => {
                    steps.push(Step::Index(&ix.index));
                    cur = strip(&ix.expr);
                }
                _ => break,
            }
        }
        let Expr::Path(p) = cur else { return None };
        let name = p.path.get_ident()?.to_string();
        // a differentiated root is `struct_read`'s, a local binding of a value the lowering made
        // has no field to read
        match self.lookup(&name) {
            None | Some(Binding::Scalar { op: Operand::Lit(_), .. }) => {}
            Some(Binding::Scalar { op: Operand::Val(v), .. }) if !self.vals[*v].active => {}
            _ => return None,
        }
        let (mut tokens, mut uses) = self.rename(cur);
        for step in steps.into_iter().rev() {
            match step {
                Step::Field(m) => tokens = quote!(#tokens.#m),
                Step::Index(ix) => {
                    let op = self.int_index(ix, out);
                    if let Operand::Val(v) = op {
                        uses.push(v);
                    }
                    let t = self.op_tokens(&op);
                    tokens = quote!(#tokens[#t]);
                }
            }
        }
        let v = self.new_val_kind(false, self.kind_of_expr(e), e.span());
        out.stmts.push(Stmt::Plain { out: Some(v), ty: None, tokens, uses });
        Some(Operand::Val(v))
    }

    /// Binds `pat` to element `index` of the differentiated slice of structs `p` (a `for`
    /// pattern, a closure's parameter); `false` when the pattern does not fit.
    pub(super) fn bind_struct_elem(&mut self, pat: &Pat, p: usize, index: &Operand) -> bool {
        match pat {
            Pat::Paren(q) => self.bind_struct_elem(&q.pat, p, index),
            Pat::Type(t) => self.bind_struct_elem(&t.pat, p, index),
            // `&p` of a `Copy` struct: the same element.
            Pat::Reference(r) => self.bind_struct_elem(&r.pat, p, index),
            Pat::Wild(_) => true,
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                let ident = self.sig.params[p].ident.clone();
                let handle = quote!(#ident);
                // The parameter's value is among the first, named after it (`lower_fn`).
                let handle_use = ident.as_ref().and_then(|i| self.vals.iter().position(|v| v.name.as_ref() == Some(i)));
                self.bind(pi.ident.to_string(), Binding::Elem { param: p, index: index.clone(), handle, handle_use });
                true
            }
            other => {
                self.error_tokens(other, "bind an element of a differentiated slice of structs to a name (`for p in ps { p.x }`) and read its fields; destructuring it is not supported");
                true
            }
        }
    }

    /// `let p = &ps[i];` (or `ps[i]` of a `Copy` struct) with `ps` a differentiated slice of
    /// structs; `false` when `init` is not that.
    pub(super) fn let_struct_elem(&mut self, pat: &Pat, init: &Expr, out: &mut Block) -> bool {
        let init = match strip(init) {
            Expr::Reference(r) if r.mutability.is_none() => strip(&r.expr),
            other => other,
        };
        let Expr::Index(ix) = init else { return false };
        let Some(p) = self.struct_slice_param(&ix.expr) else { return false };
        let index = self.int_index(&ix.index, out);
        self.bind_struct_elem(pat, p, &index)
    }

    /// Whether `e` is a place inside a differentiated struct (`p.items[0]`, `ps[i].q`): its
    /// fields and indices lead back to a struct root.
    pub(super) fn reads_struct_place(&self, e: &Expr) -> bool {
        let mut cur = strip(e);
        loop {
            if self.struct_root(cur).is_some() {
                return true;
            }
            cur = match cur {
                Expr::Field(f) => strip(&f.base),
                Expr::Index(ix) => strip(&ix.expr),
                _ => return false,
            };
        }
    }

    /// A float conversion (`as f64`, `f64::from(..)`) of anything but a bare field that reads a
    /// differentiated struct's fields (`(p.n / p.m) as f64`, `f64::from(p.w * p.w)`): the macro
    /// cannot see the fields' types, so it cannot compute the operand in them (integer division,
    /// `f32` rounding) as Rust does. Reports it and returns `true`.
    pub(super) fn converts_field_arithmetic(&mut self, operand: &Expr) -> bool {
        struct V<'a, 'b> {
            l: &'a Lower<'b>,
            found: bool,
        }
        impl<'ast> syn::visit::Visit<'ast> for V<'_, '_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                match e {
                    Expr::Field(_) if self.l.reads_struct_place(e) => self.found = true,
                    other => syn::visit::visit_expr(self, other),
                }
            }
        }
        if self.is_plain_struct_place(operand) {
            return false;
        }
        let mut v = V { l: self, found: false };
        syn::visit::Visit::visit_expr(&mut v, operand);
        let found = v.found;
        if found {
            self.error_tokens(
                operand,
                "converting an expression over fields of a differentiated struct is not supported: the macro cannot see the fields' types (an integer division, `f32` rounding); bind the integer first (`let q: usize = p.n / p.m;` then `q as f64`), or convert each field (`f64::from(p.w) * f64::from(p.w)`)",
            );
        }
        found
    }

    /// The operand of a float conversion: a bare struct field is read converted
    /// ([`super::ir::ValInfo::convert`]); anything else as [`Self::expr`] lowers it.
    pub(super) fn converted(&mut self, e: &Expr, out: &mut Block) -> Operand {
        let bare = self.is_plain_struct_place(e);
        let a = self.expr(e, out);
        if bare && let Some(v) = a.val() {
            self.vals[v].convert = true;
        }
        a
    }

    /// Whether `e` reads a field of a differentiated struct, and no other differentiated value.
    pub(super) fn reads_struct(&self, e: &Expr) -> bool {
        struct V<'a, 'b> {
            l: &'a Lower<'b>,
            field: bool,
            other: bool,
        }
        impl<'ast> syn::visit::Visit<'ast> for V<'_, '_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                match e {
                    Expr::Field(f) if self.l.struct_root(field_root(&f.base)).is_some() => {
                        self.field = true;
                        if let Expr::Index(ix) = strip(field_root(&f.base)) {
                            self.visit_expr(&ix.index);
                        }
                    }
                    Expr::Path(_) => self.other |= self.l.mentions_active(e),
                    other => syn::visit::visit_expr(self, other),
                }
            }
        }
        let mut v = V { l: self, field: false, other: false };
        syn::visit::Visit::visit_expr(&mut v, e);
        v.field && !v.other
    }
}

/// The base of a chain of field accesses (`p` in `p.inner.y`, `ps[i]` in `ps[i].pos.x`).
pub fn field_root(e: &Expr) -> &Expr {
    match strip(e) {
        Expr::Field(f) => field_root(&f.base),
        other => other,
    }
}
