//! Lowering, loops: `for` over constant iterators, `for` over the elements of differentiated
//! arrays (rewritten to an index loop), `while`; and the search for the variables a loop carries.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat};

use super::ir::{Block, Carried, Kind, Loop, LoopKind, Operand, Stmt, ValId};
use super::lower::{Binding, EXIT, EXIT_NONE, Lower, default_lit, exit_lit, is_lit, is_unit, strip};
use super::lower_iter::Source;

impl Lower<'_> {
    /// A loop: finds the names the body rebinds (carried) by lowering it until the set and
    /// their activity stop changing, then keeps the last lowering.
    pub fn lower_loop(
        &mut self,
        span: Span,
        head: impl FnMut(&mut Self, &mut Block) -> Option<LoopKind>,
        body: &syn::Block,
        out: &mut Block,
    ) {
        self.lower_loop_with(span, head, |s, b| s.loop_body(body, b), out);
    }

    fn loop_body(&mut self, body: &syn::Block, out: &mut Block) {
        let tail = self.lower_stmts(&body.stmts, out);
        if let Some(t) = tail
            && !is_unit(&t)
        {
            self.error(body.span(), "a loop body cannot produce a value: end it with `;`");
        }
    }

    /// A loop whose body `body` lowers (an iterator chain's body is not the user's syntax).
    pub fn lower_loop_with(
        &mut self,
        span: Span,
        mut head: impl FnMut(&mut Self, &mut Block) -> Option<LoopKind>,
        mut body: impl FnMut(&mut Self, &mut Block),
        out: &mut Block,
    ) {
        let id = self.loops;
        self.loops += 1;
        let value = self.next_loop_value.take();
        self.loop_values.push(value);
        self.lower_loop_passes(id, span, &mut head, &mut body, out);
        self.loop_values.pop();
    }

    fn lower_loop_passes(
        &mut self,
        id: usize,
        span: Span,
        head: &mut impl FnMut(&mut Self, &mut Block) -> Option<LoopKind>,
        body: &mut impl FnMut(&mut Self, &mut Block),
        out: &mut Block,
    ) {
        let mark = self.env.len();
        let before = self.env.snapshot();
        let exit_index = self.env.position(EXIT);
        let cp = self.checkpoint();
        let mut carried: Vec<(usize, bool)> = Vec::new();
        for _pass in 0..=mark + 1 {
            let mut entries = Vec::new();
            for &(i, active) in &carried {
                let kind = match &before[i] {
                    Binding::Scalar { op, .. } => self.kind(op),
                    Binding::Array { .. } | Binding::Closure(_) | Binding::Elem { .. } | Binding::Window { .. } => {
                        Kind::Unknown
                    }
                };
                let e = self.new_val_kind(active, kind, span);
                entries.push(e);
                let refs = match &self.env[i].1 {
                    Binding::Scalar { refs, .. } => *refs,
                    Binding::Array { .. } | Binding::Closure(_) | Binding::Elem { .. } | Binding::Window { .. } => 0,
                };
                self.env[i].1 = Binding::Scalar { op: Operand::Val(e), refs };
                self.name_for_doc(i);
            }
            if let Some(x) = exit_index {
                self.env[x].1 = Binding::Scalar { op: exit_lit(EXIT_NONE), refs: 0 };
            }
            let start = self.env.snapshot();
            let returns_before = self.returns;
            let stores_before = self.stores.len();
            let arrays_before = self.arrays.len();

            let mut block = Block::default();
            let kind = head(self, &mut block);
            self.loop_depth += 1;
            let inner = self.env.len();
            body(self, &mut block);
            self.env.truncate(inner);
            self.loop_depth -= 1;
            self.env.truncate(mark);

            let mut found: Vec<(usize, bool)> = Vec::new();
            for i in 0..mark {
                if Some(i) == exit_index {
                    continue;
                }
                if let (Binding::Scalar { op: now, .. }, Binding::Scalar { op: then, .. }) = (&self.env[i].1, &start[i])
                    && !now.same(then)
                {
                    let init_active = match &before[i] {
                        Binding::Scalar { op, .. } => self.is_active(op),
                        Binding::Array { .. } | Binding::Closure(_) | Binding::Elem { .. } | Binding::Window { .. } => {
                            false
                        }
                    };
                    let prev = carried.iter().any(|&(j, a)| j == i && a);
                    found.push((i, init_active || self.is_active(now) || prev));
                }
            }
            // A name carried in an earlier pass stays carried.
            for &(i, a) in &carried {
                if !found.iter().any(|&(j, _)| j == i) {
                    found.push((i, a));
                }
            }
            found.sort_unstable();

            if found == carried
                && let Some(kind) = kind
            {
                let exit_code = exit_index.and_then(|x| match &self.env[x].1 {
                    Binding::Scalar { op, .. } if !is_lit(op, EXIT_NONE) => Some(op.clone()),
                    _ => None,
                });
                let returns = self.returns > returns_before;
                // Arrays declared inside the body start afresh each iteration: not carried.
                let mut written: Vec<usize> =
                    self.stores[stores_before..].iter().copied().filter(|s| *s < arrays_before).collect();
                written.sort_unstable();
                written.dedup();
                let mut carried_ir = Vec::new();
                for (k, &(i, active)) in carried.iter().enumerate() {
                    let Binding::Scalar { op: exit, .. } = self.env[i].1.clone() else {
                        continue;
                    };
                    let Binding::Scalar { op: init, refs } = before[i].clone() else {
                        continue;
                    };
                    let after = self.new_val_kind(active, self.vals[entries[k]].kind, span);
                    let slot = self.slots;
                    self.slots += 1;
                    carried_ir.push(Carried { slot, init, entry: entries[k], exit, after });
                    self.env[i].1 = Binding::Scalar { op: Operand::Val(after), refs };
                    self.name_for_doc(i);
                }
                for (i, b) in before.iter().enumerate() {
                    if !carried.iter().any(|&(j, _)| j == i) {
                        self.env[i].1 = b.clone();
                    }
                }
                let exit_after = if returns {
                    let v = self.new_val(false, span);
                    if let Some(x) = exit_index {
                        self.env[x].1 = Binding::Scalar { op: Operand::Val(v), refs: 0 };
                    }
                    Some(v)
                } else {
                    None
                };
                out.stmts.push(Stmt::Loop(Loop {
                    id,
                    kind,
                    carried: carried_ir,
                    written_arrays: written,
                    body: block,
                    exit_code,
                    exit_after,
                }));
                return;
            }
            if kind.is_none() {
                // The head was rejected; its error is recorded. Keep the outer bindings.
                self.env.restore(&before);
                return;
            }
            self.rollback(&cp);
            self.env.restore(&before);
            carried = found;
        }
        self.error(span, "internal limit: this loop's carried variables did not settle; please report it");
        self.env.restore(&before);
    }

    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop, out: &mut Block) {
        if let Some(l) = &f.label {
            self.error_tokens(
                l,
                "labeled loops are not supported in a #[differentiate] body: set a flag and `break` from each loop",
            );
        }
        let span = f.for_token.span();
        let body = Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block: f.body.clone() });
        if !self.selector_kept(&f.expr, &[&body]) {
            return;
        }
        if let Some(source @ Source::Index { .. }) = self.loop_source(&f.expr, out) {
            let pat = &*f.pat;
            self.loop_over(
                span,
                &source,
                |s, item, b| {
                    if !s.bind_item(pat, &item, b) {
                        s.error_tokens(pat, "this pattern does not match the iterator: bind `x` or `&x` per element, `(i, x)` for `.enumerate()`, `(x, y)` for `.zip(...)`");
                        return;
                    }
                    s.loop_body(&f.body, b);
                },
                out,
            );
            return;
        }
        // A range's bounds are integers (a `for` over a range of floats does not compile): they
        // carry no derivative even when read from a differentiated struct (`0..p.n`).
        let struct_range = matches!(strip(&f.expr), Expr::Range(_)) && self.reads_struct(&f.expr);
        let (iterable, iterable_uses) = if (!self.mentions_active(&f.expr) || struct_range) && self.is_simple(&f.expr) {
            self.rename_iterable(&f.expr)
        } else if let Some(range) = self.range_bounds(&f.expr, out) {
            range
        } else {
            self.error_tokens(&f.expr, "a `for` loop over differentiated values is supported over `xs`, `&xs`, `xs.iter()`, `&xs[a..b]`, `.enumerate()`, `.zip(...)`, `.rev()`, `.skip(n)`, `.take(n)` and `.step_by(n)` of arrays and slices, and `xs.windows(k)`, `xs.chunks(k)`, `xs.chunks_exact(k)` of an array by name; otherwise loop over indices: `for i in 0..xs.len()`");
            return;
        };
        let pat = (*f.pat).clone();
        self.lower_loop(
            span,
            |s, _| {
                let (pat, bound) = s.rename_pattern(&pat)?;
                Some(LoopKind::ForIter { pat, iterable: iterable.clone(), iterable_uses: iterable_uses.clone(), bound })
            },
            &f.body,
            out,
        );
    }

    /// `lo..hi` whose bounds need lowering (`0..(if a < b { a } else { b }).abs() as usize`)
    /// but are constants after all: the range of their values.
    fn range_bounds(&mut self, e: &Expr, out: &mut Block) -> Option<(TokenStream, Vec<ValId>)> {
        let Expr::Range(r) = strip(e) else { return None };
        let mut bound = |s: &mut Self, b: &Option<Box<Expr>>| -> Option<Option<Operand>> {
            match b {
                None => Some(None),
                Some(x) => {
                    let op = s.expr(x, out);
                    (!s.is_active(&op)).then_some(Some(op))
                }
            }
        };
        let lo = bound(self, &r.start)?;
        let hi = bound(self, &r.end)?;
        let uses = lo.iter().chain(hi.iter()).filter_map(Operand::val).collect();
        let (lo, hi) = (lo.map(|o| self.op_tokens(&o)), hi.map(|o| self.op_tokens(&o)));
        let limits = &r.limits;
        Some((quote!(#lo #limits #hi), uses))
    }

    /// `loop { .. }`: a `while` whose condition always holds. Its value, if a `break value` gives
    /// it one, is a variable the loop carries, set where it breaks.
    pub(super) fn loop_expr(&mut self, l: &syn::ExprLoop, out: &mut Block) -> Operand {
        if let Some(label) = &l.label {
            self.error_tokens(
                label,
                "labeled loops are not supported in a #[differentiate] body: set a flag and `break` from each loop",
            );
        }
        let name = format!("$loop{}", self.loop_depth);
        let mark = self.env.len();
        self.bind(name.clone(), Binding::Scalar { op: default_lit(), refs: 0 });
        self.next_loop_value = Some(name.clone());
        self.lower_loop(
            l.loop_token.span(),
            |_, _| Some(LoopKind::While { cond_block: Block::default(), cond: Operand::Lit(quote!(true)) }),
            &l.body,
            out,
        );
        let value = self.scalar(&name);
        self.env.truncate(mark);
        // In a generic function the value of a path not taken is a float (`F` has no
        // `Default`); a loop that breaks with an integer or a `bool` needs one of that type.
        if self.loop_value_kinds.remove(&name) == Some(Kind::Other)
            && super::generic_mode::on()
            && let Some(Stmt::Loop(lp)) = out.stmts.last_mut()
            && let Some(c) = lp.carried.iter_mut().find(|c| value.val() == Some(c.after))
        {
            c.init = Operand::Lit(quote!(::core::default::Default::default()));
            let (entry, after) = (c.entry, c.after);
            self.vals[entry].kind = Kind::Other;
            self.vals[after].kind = Kind::Other;
        }
        // without a `break value`, a loop is a statement (`()`), also as a block's last one
        if breaks_with_value(&l.body) { value } else { Operand::Lit(quote!(())) }
    }

    pub(super) fn while_loop(&mut self, w: &syn::ExprWhile, out: &mut Block) {
        if let Some(l) = &w.label {
            self.error_tokens(
                l,
                "labeled loops are not supported in a #[differentiate] body: set a flag and `break` from each loop",
            );
        }
        if let Expr::Let(l) = strip(&w.cond) {
            self.error_tokens(
                l,
                "`while let` is not supported in a #[differentiate] body: loop with a condition or over a range",
            );
            return;
        }
        let cond = (*w.cond).clone();
        self.lower_loop(
            w.while_token.span(),
            |s, _| {
                let mut cond_block = Block::default();
                let c = s.cond(&cond, &mut cond_block);
                Some(LoopKind::While { cond_block, cond: c })
            },
            &w.body,
            out,
        );
    }

    /// Binds the names of a `for` pattern to fresh inactive values; returns the renamed pattern.
    fn rename_pattern(&mut self, pat: &Pat) -> Option<(TokenStream, Vec<ValId>)> {
        struct R<'a, 'b> {
            l: &'a mut Lower<'b>,
            bound: Vec<(String, ValId)>,
            bad: bool,
        }
        impl VisitMut for R<'_, '_> {
            fn visit_pat_mut(&mut self, p: &mut Pat) {
                match p {
                    Pat::Ident(pi) if pi.subpat.is_none() => {
                        let v = self.l.new_val(false, pi.ident.span());
                        self.bound.push((pi.ident.to_string(), v));
                        pi.ident = super::val_ident_plain(v);
                        pi.mutability = None;
                    }
                    Pat::Macro(_) | Pat::Verbatim(_) | Pat::Or(_) | Pat::Guard(_) => self.bad = true,
                    _ => syn::visit_mut::visit_pat_mut(self, p),
                }
            }
        }
        let mut p = pat.clone();
        let mut r = R { l: self, bound: Vec::new(), bad: false };
        r.visit_pat_mut(&mut p);
        let (bound, bad) = (r.bound, r.bad);
        if bad {
            self.error_tokens(pat, "this `for` pattern is not supported: bind names, tuples of names, `&name` or `_`");
            return None;
        }
        let ids = bound.iter().map(|(_, v)| *v).collect();
        for (name, v) in bound {
            self.bind(name, Binding::Scalar { op: Operand::Val(v), refs: 0 });
        }
        Some((p.to_token_stream(), ids))
    }
}

/// The shape of an iterator over arrays, rewritten to an index loop.
pub enum IterShape {
    /// An array by name; `bare` without `&` or `.iter()` (an owned array then yields elements).
    Source {
        ident: syn::Ident,
        bare: bool,
    },
    /// An array field of a differentiated struct (`q.c`, `self.w`, `ps[i].v`); `bare` as above.
    Field {
        place: Box<Expr>,
        bare: bool,
    },
    Zip(Box<IterShape>, Box<IterShape>),
    Enumerate(Box<IterShape>),
    /// `.copied()` / `.cloned()`: the elements by value.
    Copied(Box<IterShape>),
    /// `.rev()`, `.skip(n)`, `.take(n)`, `.step_by(n)`: other positions of the same arrays.
    Adapt(Box<IterShape>, Box<super::lower_adapt::Adapter>),
    /// `xs.windows(k)`, `xs.chunks(k)`, `xs.chunks_exact(k)`: windows of an array by name.
    Windows(Box<super::lower_window::Windows>),
}

impl IterShape {
    /// The arrays the shape walks: names and struct fields.
    pub(super) fn sources(&self) -> Vec<Expr> {
        match self {
            IterShape::Source { ident, .. } => vec![syn::parse_quote!(#ident)],
            IterShape::Field { place, .. } => vec![(**place).clone()],
            IterShape::Windows(w) => {
                let ident = &w.ident;
                vec![syn::parse_quote!(#ident)]
            }
            IterShape::Zip(a, b) => {
                let mut v = a.sources();
                v.extend(b.sources());
                v
            }
            IterShape::Enumerate(a) | IterShape::Copied(a) | IterShape::Adapt(a, _) => a.sources(),
        }
    }
}

impl Lower<'_> {
    pub(super) fn iter_shape(&self, e: &Expr) -> Option<IterShape> {
        match strip(e) {
            Expr::Path(p) => p.path.get_ident().map(|i| IterShape::Source { ident: i.clone(), bare: true }),
            Expr::Field(_) if self.reads_struct_place(e) => {
                Some(IterShape::Field { place: Box::new(strip(e).clone()), bare: true })
            }
            Expr::Reference(r) if r.mutability.is_none() => match strip(&r.expr) {
                Expr::Path(p) => p.path.get_ident().map(|i| IterShape::Source { ident: i.clone(), bare: false }),
                Expr::Index(_) => self.sub_slice(&r.expr),
                _ => match self.iter_shape(&r.expr)? {
                    IterShape::Field { place, .. } => Some(IterShape::Field { place, bare: false }),
                    _ => None,
                },
            },
            Expr::MethodCall(m) if m.args.is_empty() && m.method == "iter" => match strip(&m.receiver) {
                Expr::Index(_) => self.sub_slice(&m.receiver),
                _ => match self.iter_shape(&m.receiver)? {
                    IterShape::Source { ident, .. } => Some(IterShape::Source { ident, bare: false }),
                    IterShape::Field { place, .. } => Some(IterShape::Field { place, bare: false }),
                    _ => None,
                },
            },
            Expr::MethodCall(m) if m.args.is_empty() && m.method == "into_iter" => self.iter_shape(&m.receiver),
            // A copy iterated (`x.to_vec().iter()`, `for v in x.to_owned()`): `x`'s elements.
            Expr::MethodCall(m) if m.args.is_empty() && (m.method == "to_vec" || m.method == "to_owned") => {
                match strip(&m.receiver) {
                    Expr::Path(p) => p.path.get_ident().map(|i| IterShape::Source { ident: i.clone(), bare: true }),
                    _ => None,
                }
            }
            Expr::MethodCall(m) if m.args.is_empty() && (m.method == "copied" || m.method == "cloned") => {
                Some(IterShape::Copied(Box::new(self.iter_shape(&m.receiver)?)))
            }
            Expr::MethodCall(m) if m.args.is_empty() && m.method == "enumerate" => {
                Some(IterShape::Enumerate(Box::new(self.iter_shape(&m.receiver)?)))
            }
            Expr::MethodCall(m) if let Some(a) = super::lower_adapt::Adapter::of(m) => {
                Some(IterShape::Adapt(Box::new(self.iter_shape(&m.receiver)?), Box::new(a)))
            }
            Expr::MethodCall(m) if let Some(w) = super::lower_window::Windows::of(m) => {
                Some(IterShape::Windows(Box::new(w)))
            }
            Expr::MethodCall(m) if m.args.len() == 1 && m.method == "zip" => {
                Some(IterShape::Zip(Box::new(self.iter_shape(&m.receiver)?), Box::new(self.iter_shape(&m.args[0])?)))
            }
            _ => None,
        }
    }
}

impl Lower<'_> {
    /// `xs[a..b]` (any range) of an array by name or a struct's array field, iterated by
    /// reference: the positions `a..b` of `xs`, so a differentiated `xs` gets its gradient at
    /// those positions.
    fn sub_slice(&self, e: &Expr) -> Option<IterShape> {
        let Expr::Index(ix) = strip(e) else { return None };
        // A row of a differentiated nested array (`w[j].iter()`, an MLP layer's weights): its
        // elements are `w[j][k]`.
        if !matches!(strip(&ix.index), Expr::Range(_)) && self.nested_param(&ix.expr).is_some() {
            return Some(IterShape::Field { place: Box::new(strip(e).clone()), bare: false });
        }
        let Expr::Range(range) = strip(&ix.index) else { return None };
        let inner = match strip(&ix.expr) {
            Expr::Path(p) => IterShape::Source { ident: p.path.get_ident()?.clone(), bare: false },
            Expr::Field(_) if self.reads_struct_place(&ix.expr) => {
                IterShape::Field { place: Box::new(strip(&ix.expr).clone()), bare: false }
            }
            _ => return None,
        };
        let adapter = super::lower_adapt::Adapter::slice(strip(&ix.expr).clone(), range);
        Some(IterShape::Adapt(Box::new(inner), Box::new(adapter)))
    }
}

/// Whether a `break value` in `body` leaves this loop (not a nested loop, nor a closure's).
fn breaks_with_value(body: &syn::Block) -> bool {
    struct B(bool);
    impl<'ast> syn::visit::Visit<'ast> for B {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Break(b) if b.expr.is_some() && b.label.is_none() => self.0 = true,
                Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) | Expr::Closure(_) => {}
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut b = B(false);
    syn::visit::Visit::visit_block(&mut b, body);
    b.0
}
