//! Lowering, iterator chains: `xs.iter().map(|x| ..).sum()` and its kin become the loop they
//! mean, the closures' bodies inlined at their one call site and the result accumulated into a
//! fresh variable, so the loop machinery (recomputation, fusion into the forward loop, tapes)
//! handles them exactly as it handles the hand-written `for` loop, at the same speed.
//!
//! The items a loop hands out are [`Item`]s: the element of an array at the loop's index, a
//! constant value, or a tuple of items (`zip`, `enumerate`); a pattern (a `for` pattern, a
//! closure's parameter) binds names to them.

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::gates::{self, Gate};
use super::ir::{ArrayRef, Block, LoopKind, Operand, Stmt, ValId};
use super::lower::{Binding, Lower, float_fn, strip};
use super::lower_closure::{Arg, LocalClosure};
use super::lower_loop::IterShape;
use super::scope::{binding_names, keeping};
use super::unsupported::iterator_msg as iterator_msg_for;

/// What one iteration hands to a pattern.
#[derive(Clone)]
pub enum Item {
    /// A value, seen behind `refs` references (`xs.iter()` hands out `&f64`).
    Elem(Operand, u8),
    Tuple(Vec<Item>),
    /// Row `index` of a differentiated nested-array parameter, behind `refs` references (or
    /// element `index` of a differentiated slice of structs).
    Row(usize, Operand, u8),
    /// A window of an array (`xs.windows(k)`): a [`Binding::Window`].
    Window(Binding),
}

impl Item {
    /// What `.copied()` makes of it.
    fn copied(self) -> Item {
        match self {
            Item::Elem(op, r) => Item::Elem(op, r.saturating_sub(1)),
            Item::Tuple(items) => Item::Tuple(items.into_iter().map(Item::copied).collect()),
            Item::Row(p, index, r) => Item::Row(p, index, r.saturating_sub(1)),
            w @ Item::Window(_) => w,
        }
    }

    /// What a `filter` closure sees: a reference to it (a tuple's elements each behind one more
    /// reference, as match ergonomics binds them).
    fn by_ref(&self) -> Item {
        match self {
            Item::Elem(op, r) => Item::Elem(op.clone(), r + 1),
            Item::Tuple(items) => Item::Tuple(items.iter().map(Item::by_ref).collect()),
            Item::Row(p, index, r) => Item::Row(*p, index.clone(), r + 1),
            w @ Item::Window(_) => w.clone(),
        }
    }
}

enum Stage<'a> {
    Map(&'a Expr),
    Filter(&'a Expr),
    Copied,
}

pub(super) enum Terminal<'a> {
    Sum,
    Product,
    Fold(&'a Expr, &'a Expr),
    /// `fold((a, b), |(s, t), x| (.., ..))`: one accumulator per tuple element, named by
    /// suffixing the accumulator's name with the element's position.
    FoldTuple(&'a syn::ExprTuple, &'a Expr),
    ForEach(&'a Expr),
    /// `max_by`, `min_by` or `reduce`: the first item starts the accumulator (the pseudo-variable
    /// `first` says whether it has), the others are combined into it.
    Reduce {
        how: Reduce<'a>,
        first: String,
    },
    /// `collect` into the local buffer in `slot`, at the position the counter holds; after a
    /// `filter` the buffer grows by `push` (its length is known only at run time).
    Collect {
        slot: usize,
        push: bool,
    },
}

#[derive(Clone, Copy)]
pub(super) enum Reduce<'a> {
    /// `max_by(cmp)`: std keeps the later of two equal items (`cmp::max_by`).
    MaxBy(&'a Expr),
    /// `min_by(cmp)`: std keeps the earlier one.
    MinBy(&'a Expr),
    With(&'a Expr),
}

/// Where a loop's items come from.
pub enum Source {
    /// Elements of arrays at an index `0..len` (differentiated or local arrays).
    Index { shape: IterShape, len: TokenStream, len_uses: Vec<ValId> },
    /// A constant iterator, written as the user wrote it (renamed).
    Iter { iterable: TokenStream, uses: Vec<ValId> },
}

impl Lower<'_> {
    /// How a loop over `e` runs: over indices when `e` walks differentiated or local arrays (a
    /// local array may be written later: an iterator borrowing it could not be kept for the
    /// backward pass), as written when `e` is constant; `None` otherwise.
    pub(super) fn loop_source(&mut self, e: &Expr, out: &mut Block) -> Option<Source> {
        if let Some(mut shape) = self.iter_shape(e)
            && shape.sources().iter().any(|s| match s {
                Expr::Path(p) => matches!(
                    p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
                    Some(
                        Binding::Array { active: true, .. }
                            | Binding::Array { array: ArrayRef::Local(_), .. }
                            | Binding::Window { active: true, .. }
                            | Binding::Window { array: Some(ArrayRef::Local(_)), .. }
                    )
                ),
                // a field of a differentiated struct (`iter_shape` takes no other)
                _ => true,
            })
        {
            if shape.adapted() {
                let n = self.count(&mut shape, out);
                let len = self.op_tokens(&n);
                return Some(Source::Index { shape, len, len_uses: n.val().into_iter().collect() });
            }
            let mut lens = Vec::new();
            let mut len_uses = Vec::new();
            for s in shape.sources() {
                let (t, u) = self.rename(&s);
                lens.push(quote!(#t.len()));
                len_uses.extend(u);
            }
            let len = lens.iter().skip(1).fold(lens[0].clone(), |acc, l| quote!(::core::cmp::min(#acc, #l)));
            return Some(Source::Index { shape, len, len_uses });
        }
        // A range's bounds are integers (a `for` over a range of floats does not compile): they
        // carry no derivative even when read from a differentiated struct (`0..p.n`).
        let range = matches!(strip(e), Expr::Range(_)) && self.reads_struct(e);
        if (self.mentions_active(e) && !range) || !self.is_simple(e) {
            return None;
        }
        // `into_iter((0..n))` would trip `unused_parens` on the user's tokens.
        let (iterable, uses) = self.rename_iterable(strip(e));
        Some(Source::Iter { iterable, uses })
    }

    /// Rust evaluates an iterator's source once, before the loop: `for a in ps[i].v.iter() {
    /// i = 1; }` walks `ps[0].v` to the end. The index loop the macro writes reads the element
    /// at `ps[i]` in each iteration, so a loop whose `body` assigns a variable that selects the
    /// array it walks is an error (never a walk over the wrong array).
    pub(super) fn selector_kept(&mut self, src: &Expr, body: &[&Expr]) -> bool {
        let Some(shape) = self.iter_shape(src) else { return true };
        let mut selectors = Vec::new();
        for place in shape.sources() {
            let mut cur = strip(&place);
            loop {
                match cur {
                    Expr::Index(ix) => {
                        selectors.extend(super::scope::free_reads(&ix.index));
                        cur = strip(&ix.expr);
                    }
                    Expr::Field(f) => cur = strip(&f.base),
                    _ => break,
                }
            }
        }
        if selectors.is_empty() {
            return true;
        }
        for e in body {
            if let Some(name) = super::scope::assigned_in(e).into_iter().find(|n| selectors.contains(n)) {
                self.error_tokens(
                    src,
                    format!("this loop assigns `{name}`, which selects the array it walks: Rust reads `{name}` once, before the loop; bind it first (`let row = {name};`) and index with that"),
                );
                return false;
            }
        }
        true
    }

    /// A loop over `source` whose iteration `body` receives the item.
    pub(super) fn loop_over(
        &mut self,
        span: Span,
        source: &Source,
        mut body: impl FnMut(&mut Self, Item, &mut Block),
        out: &mut Block,
    ) {
        let bound = Cell::new(0);
        match source {
            Source::Index { shape, len, len_uses } => self.lower_loop_with(
                span,
                |s, _| {
                    let index = s.new_val(false, span);
                    bound.set(index);
                    Some(LoopKind::ForIndex { index, len: len.clone(), len_uses: len_uses.clone() })
                },
                |s, b| {
                    let item = s.shape_item(shape, &Operand::Val(bound.get()), b);
                    body(s, item, b);
                },
                out,
            ),
            Source::Iter { iterable, uses } => self.lower_loop_with(
                span,
                |s, _| {
                    let v = s.new_val(false, span);
                    bound.set(v);
                    let pat = super::val_ident_plain(v).to_token_stream();
                    Some(LoopKind::ForIter {
                        pat,
                        iterable: iterable.clone(),
                        iterable_uses: uses.clone(),
                        bound: vec![v],
                    })
                },
                |s, b| body(s, Item::Elem(Operand::Val(bound.get()), 0), b),
                out,
            ),
        }
    }

    /// The elements of the shape's arrays at `index`.
    fn shape_item(&mut self, shape: &IterShape, index: &Operand, out: &mut Block) -> Item {
        match shape {
            IterShape::Source { ident, .. }
                if let Some(w @ Binding::Window { .. }) = self.lookup(&ident.to_string()).cloned() =>
            {
                Item::Elem(self.window_iter_elem(&w, index, out), 1)
            }
            IterShape::Source { ident, bare } => {
                let binding = self.lookup(&ident.to_string()).cloned();
                let owned = *bare
                    && match &binding {
                        Some(Binding::Array { array: ArrayRef::Local(_), .. }) => true,
                        Some(Binding::Array { array: ArrayRef::Param(p), .. }) => self.sig.params[*p].owned,
                        _ => false,
                    };
                if let Some(Binding::Array { array: ArrayRef::Local(s), .. }) = &binding {
                    self.arrays[*s].read_in_loop = true;
                }
                let op = match binding {
                    Some(Binding::Array { array: ArrayRef::Param(p), active: true, .. })
                        if matches!(
                            self.sig.params[p].shape,
                            super::sig::Shape::Rows { .. }
                                | super::sig::Shape::Ragged
                                | super::sig::Shape::StructSlice { .. }
                        ) =>
                    {
                        return Item::Row(p, index.clone(), u8::from(!owned));
                    }
                    Some(Binding::Array { array, active: true, .. }) => {
                        let v = self.new_val(true, ident.span());
                        out.stmts.push(Stmt::Index { out: v, array, index: index.clone(), path: Vec::new() });
                        Operand::Val(v)
                    }
                    _ => {
                        let (t, mut uses) = self.rename(&syn::parse_quote!(#ident));
                        let k = self.op_tokens(index);
                        uses.extend(index.val());
                        self.plain_tokens(quote!(#t[#k]), uses, ident.span(), out)
                    }
                };
                Item::Elem(op, u8::from(!owned))
            }
            IterShape::Field { place, bare } => match self.struct_elem(place, index, out) {
                // an array field of a borrowed struct read by value is a copy (`for v in p.w`)
                Some(op) => Item::Elem(op, u8::from(!*bare)),
                None if let Some(op) = self.row_elem(place, index, out) => Item::Elem(op, 1),
                None => {
                    self.error_tokens(place, "this field cannot be iterated: iterate an array field of a differentiated struct (`p.w.iter()`, `&self.v`), or loop over indices");
                    Item::Elem(Operand::Lit(quote!(0.0)), 0)
                }
            },
            IterShape::Zip(a, b) => Item::Tuple(vec![self.shape_item(a, index, out), self.shape_item(b, index, out)]),
            IterShape::Enumerate(a) => Item::Tuple(vec![Item::Elem(index.clone(), 0), self.shape_item(a, index, out)]),
            IterShape::Copied(a) => self.shape_item(a, index, out).copied(),
            IterShape::Windows(w) => match self.window_item(w, index, out) {
                Some(b) => Item::Window(b),
                None => {
                    self.error_tokens(
                        &w.ident,
                        "only an array or slice by name, or a sub-slice of one, can be split into windows here: `xs.windows(k)`, `xs[1..].windows(k)`",
                    );
                    Item::Elem(Operand::Lit(quote!(0.0)), 0)
                }
            },
            IterShape::Adapt(a, adapter) => {
                let at = self.position(adapter, index, out);
                self.shape_item(a, &at, out)
            }
        }
    }

    /// Binds the names of `pat` to `item`; `false` when the pattern does not fit it.
    pub(super) fn bind_item(&mut self, pat: &Pat, item: &Item, out: &mut Block) -> bool {
        match (pat, item) {
            (Pat::Paren(p), _) => self.bind_item(&p.pat, item, out),
            (Pat::Type(t), _) => self.bind_item(&t.pat, item, out),
            (Pat::Wild(_), _) => true,
            (_, Item::Row(p, index, _))
                if matches!(self.sig.params[*p].shape, super::sig::Shape::StructSlice { .. }) =>
            {
                self.bind_struct_elem(pat, *p, index)
            }
            (_, Item::Row(p, index, refs)) => self.bind_row(pat, *p, index, *refs, out),
            (Pat::Ident(pi), Item::Window(w)) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                self.bind(pi.ident.to_string(), w.clone());
                true
            }
            (Pat::Ident(pi), Item::Elem(op, refs)) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                self.bind(pi.ident.to_string(), Binding::Scalar { op: op.clone(), refs: *refs });
                true
            }
            (Pat::Reference(r), Item::Elem(op, refs)) if *refs > 0 => {
                self.bind_item(&r.pat, &Item::Elem(op.clone(), refs - 1), out)
            }
            (Pat::Reference(r), Item::Tuple(_)) => self.bind_item(&r.pat, &item.clone().copied(), out),
            (Pat::Tuple(t), Item::Tuple(items)) if t.elems.len() == items.len() => {
                t.elems.iter().zip(items).all(|(p, it)| self.bind_item(p, it, out))
            }
            // A constant value (a tuple from a constant iterator, say) destructured by any
            // pattern: each name is read out of it in plain code.
            (other, Item::Elem(op, refs)) if !self.is_active(op) => {
                let amps: Vec<TokenStream> = (0..*refs).map(|_| quote!(&)).collect();
                let v = self.op_tokens(op);
                for name in binding_names(other) {
                    let n = syn::Ident::new(&name, other.span());
                    let only = keeping(other, &name);
                    let uses = op.val().into_iter().collect();
                    let got = self.plain_tokens(quote!({ let #only = #(#amps)* #v; #n }), uses, other.span(), out);
                    self.bind(name, Binding::Scalar { op: got, refs: 0 });
                }
                true
            }
            _ => false,
        }
    }

    /// `src.stages().terminal(..)` reading active values: the loop it means. `None` when the
    /// chain is not one of the supported shapes (the caller reports it).
    pub(super) fn iter_chain(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        let terminal = match (m.method.to_string().as_str(), m.args.len()) {
            ("sum", 0) => Terminal::Sum,
            ("product", 0) => Terminal::Product,
            ("fold", 2) => Terminal::Fold(&m.args[0], &m.args[1]),
            ("for_each", 1) => Terminal::ForEach(&m.args[0]),
            _ => return None,
        };
        self.chain_into(&m.receiver, terminal, m.method.span(), out)
    }

    /// `chain.max_by(cmp).unwrap()`, `.min_by(..).expect(..)`, `.reduce(f).unwrap_or(d)`: the
    /// `Option` is taken apart where the chain ends. `None` when `m` is not of that shape.
    pub(super) fn iter_reduce(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        let Expr::MethodCall(r) = strip(&m.receiver) else { return None };
        let how = match (r.method.to_string().as_str(), r.args.len()) {
            ("max_by", 1) => Reduce::MaxBy(&r.args[0]),
            ("min_by", 1) => Reduce::MinBy(&r.args[0]),
            ("reduce", 1) => Reduce::With(&r.args[0]),
            _ => return None,
        };
        let on_empty = match (m.method.to_string().as_str(), m.args.len()) {
            ("unwrap", 0) => None,
            ("expect" | "unwrap_or", 1) => Some(&m.args[0]),
            _ => return None,
        };
        let first = format!("$first{}", self.loops);
        let mark = self.env.len();
        self.bind(first.clone(), Binding::Scalar { op: Operand::Lit(quote!(true)), refs: 0 });
        let terminal = Terminal::Reduce { how, first: first.clone() };
        let span = r.method.span();
        let acc = self.chain_into(&r.receiver, terminal, span, out);
        let empty = self.scalar(&first);
        self.env.truncate(mark);
        let acc = acc?;
        let et = self.op_tokens(&empty);
        let uses: Vec<ValId> = empty.val().into_iter().collect();
        if m.method == "unwrap_or" {
            let d = on_empty?;
            return self.lower_if_arms(empty, span, |s, b| Some(s.expr(d, b)), |_, _| Some(acc), out);
        }
        // An empty iterator panics as `Option::unwrap`/`expect` would.
        let panic = match on_empty {
            Some(msg) => {
                let (msg, mut u) = self.rename(msg);
                u.extend(uses);
                (quote!(if #et { ::core::panic!("{}", #msg) }), u)
            }
            None => (quote!(if #et { ::core::panic!("called `Option::unwrap()` on a `None` value") }), uses),
        };
        out.stmts.push(Stmt::Plain { out: None, ty: None, tokens: panic.0, uses: panic.1 });
        Some(acc)
    }

    /// `let v: Vec<f64> = chain.collect();` reading differentiated values: a local buffer as long
    /// as the chain, written element by element in the loop the chain means.
    pub(super) fn collect_into(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Binding {
        let zero = Binding::Scalar { op: Operand::Lit(quote!(0.0)), refs: 0 };
        let (src, stages) = chain_stages(&m.receiver);
        if !self.selector_kept(src, &[&m.receiver]) {
            return zero;
        }
        let Some(source) = self.loop_source(src, out) else {
            self.error(m.method.span(), iterator_msg_for("collect"));
            return zero;
        };
        // The buffer's length (its capacity after a `filter`): the arrays' common length, or the
        // constant iterator's count.
        let len = match &source {
            Source::Index { len, len_uses, .. } => self.plain_tokens(len.clone(), len_uses.clone(), m.span(), out),
            Source::Iter { iterable, uses } => self.plain_tokens(
                quote!(::core::iter::Iterator::count(::core::iter::IntoIterator::into_iter(#iterable))),
                uses.clone(),
                m.span(),
                out,
            ),
        };
        let len_uses: Vec<ValId> = len.val().into_iter().collect();
        let len = self.op_tokens(&len);
        let push = stages.iter().any(|s| matches!(s, Stage::Filter(_)));
        let init: Expr = if push { syn::parse_quote!([0.0; 0]) } else { syn::parse_quote!([0.0; #len]) };
        let buffer = self.new_array(None, &init, true, out);
        let Binding::Array { array: ArrayRef::Local(slot), .. } = buffer else { return zero };
        if !push {
            Self::add_decl_uses(slot, len_uses.clone(), out);
        }
        // A filtered chain pushes, like `h.push(v)` onto `Vec::with_capacity(len)`: the counter
        // is the buffer's, and outlives the chain.
        let counter = if push {
            self.set_capacity(slot, len, len_uses, out);
            self.arrays[slot].written = true;
            super::lower_push::counter(slot)
        } else {
            format!("$acc{}", self.loops)
        };
        if push {
            self.bind(counter.clone(), Binding::Scalar { op: Operand::Lit(quote!(0usize)), refs: 0 });
        }
        let mark = self.env.len();
        if !push {
            self.bind(counter.clone(), Binding::Scalar { op: Operand::Lit(quote!(0usize)), refs: 0 });
        }
        let span = m.method.span();
        let terminal = Terminal::Collect { slot, push };
        self.loop_over(span, &source, |s, item, b| s.chain_body(&stages, &terminal, item, &counter, span, b), out);
        self.env.truncate(mark);
        // The buffer is differentiated if a value stored in it is.
        let binding = Binding::Array {
            array: ArrayRef::Local(slot),
            active: self.arrays[slot].active,
            handle: super::array_ident(slot).to_token_stream(),
            handle_use: None,
        };
        self.buffer_in_loop(&binding);
        binding
    }

    /// The loop a chain over `receiver` ending in `terminal` means; its value.
    fn chain_into(&mut self, receiver: &Expr, terminal: Terminal<'_>, span: Span, out: &mut Block) -> Option<Operand> {
        self.chain_into_parts(receiver, terminal, span, None, out)
    }

    /// [`Self::chain_into`], with a tuple accumulator's elements in `parts`.
    pub(super) fn chain_into_parts(
        &mut self,
        receiver: &Expr,
        terminal: Terminal<'_>,
        span: Span,
        parts: Option<&mut Vec<Operand>>,
        out: &mut Block,
    ) -> Option<Operand> {
        let n_parts = if let Terminal::FoldTuple(init, _) = &terminal { init.elems.len() } else { 0 };
        let (src, stages) = chain_stages(receiver);
        let closure = match &terminal {
            Terminal::Fold(_, f) | Terminal::FoldTuple(_, f) | Terminal::ForEach(f) => Some(*f),
            _ => None,
        };
        if !self.selector_kept(src, &[receiver].into_iter().chain(closure).collect::<Vec<_>>()) {
            // reported: no second message from the caller
            return Some(Operand::Lit(quote!(0.0)));
        }
        let source = self.loop_source(src, out)?;
        let acc_name = format!("$acc{}", self.loops);
        let mark = self.env.len();
        let init = match &terminal {
            Terminal::Sum => Some(Operand::Lit(quote!(-0.0))),
            Terminal::Product => Some(Operand::Lit(quote!(1.0))),
            Terminal::Fold(init, _) => Some(self.expr(init, out)),
            Terminal::FoldTuple(init, _) => {
                for (k, e) in init.elems.iter().enumerate() {
                    let v = self.expr(e, out);
                    self.bind(format!("{acc_name}.{k}"), Binding::Scalar { op: v, refs: 0 });
                }
                None
            }
            // Overwritten by the first item; typed, since no operation on it fixes its type.
            // (A generic `F` has no `Default`: any float will do.)
            Terminal::Reduce { .. } if super::generic_mode::on() => Some(Operand::Lit(quote!(0.0))),
            Terminal::Reduce { .. } => {
                let f = self.sig.float.path();
                Some(Operand::Lit(quote!(<#f as ::core::default::Default>::default())))
            }
            Terminal::ForEach(_) | Terminal::Collect { .. } => None,
        };
        if let Some(init) = init.clone() {
            self.bind(acc_name.clone(), Binding::Scalar { op: init, refs: 0 });
        }
        self.loop_over(span, &source, |s, item, b| s.chain_body(&stages, &terminal, item, &acc_name, span, b), out);
        let result = if init.is_some() { self.scalar(&acc_name) } else { Operand::Lit(quote!(())) };
        if let Some(parts) = parts {
            *parts = (0..n_parts).map(|k| self.scalar(&format!("{acc_name}.{k}"))).collect();
        }
        self.env.truncate(mark);
        Some(result)
    }

    fn chain_body(
        &mut self,
        stages: &[Stage<'_>],
        terminal: &Terminal<'_>,
        item: Item,
        acc: &str,
        span: Span,
        out: &mut Block,
    ) {
        let Some((first, rest)) = stages.split_first() else {
            match terminal {
                Terminal::Sum | Terminal::Product => {
                    let Some(v) = self.item_value(&item, span) else { return };
                    let cur = self.scalar(acc);
                    let (gate, op) =
                        if matches!(terminal, Terminal::Sum) { (Gate::Add, quote!(+)) } else { (Gate::Mul, quote!(*)) };
                    let (ct, vt) = (self.op_tokens(&cur), self.op_tokens(&v));
                    let new = self.gate(gate, vec![cur, v], span, quote!(#ct #op #vt), out);
                    self.set_scalar(acc, new);
                }
                Terminal::Fold(_, f) => {
                    let cur = self.scalar(acc);
                    let new = self.apply(f, &[Item::Elem(cur, 0), item], out);
                    self.set_scalar(acc, new);
                }
                Terminal::FoldTuple(init, f) => self.fold_tuple_step(init, f, item, acc, out),
                Terminal::ForEach(f) => {
                    let _ = self.apply(f, &[item], out);
                }
                Terminal::Reduce { how, first } => {
                    let Some(v) = self.item_value(&item, span) else { return };
                    let is_first = self.scalar(first);
                    let (how, first) = (*how, first.clone());
                    let _ = self.lower_if_arms(
                        is_first,
                        span,
                        |s, _| {
                            s.set_scalar(acc, v.clone());
                            s.set_scalar(&first, Operand::Lit(quote!(false)));
                            None
                        },
                        |s, b| {
                            let cur = s.scalar(acc);
                            let new = s.combine(how, cur, v.clone(), span, b);
                            s.set_scalar(acc, new);
                            None
                        },
                        out,
                    );
                }
                Terminal::Collect { slot, push } => {
                    let Some(v) = self.item_value(&item, span) else { return };
                    let k = self.scalar(acc);
                    let kt = self.op_tokens(&k);
                    self.store_or_push(*slot, k.clone(), v, *push, span, out);
                    let next = self.plain_tokens(quote!(#kt + 1), k.val().into_iter().collect(), span, out);
                    self.set_scalar(acc, next);
                }
            }
            return;
        };
        match first {
            Stage::Copied => self.chain_body(rest, terminal, item.copied(), acc, span, out),
            Stage::Map(f) => {
                let v = self.apply(f, &[item], out);
                self.chain_body(rest, terminal, Item::Elem(v, 0), acc, span, out);
            }
            Stage::Filter(f) => {
                let keep = self.apply_cond(f, &item.by_ref(), out);
                let _ = self.lower_if_arms(
                    keep,
                    span,
                    |s, b| {
                        s.chain_body(rest, terminal, item.clone(), acc, span, b);
                        None
                    },
                    |_, _| None,
                    out,
                );
            }
        }
    }

    /// One step of `max_by`/`min_by`/`reduce`: the accumulator and the next item combined.
    fn combine(&mut self, how: Reduce<'_>, cur: Operand, v: Operand, span: Span, out: &mut Block) -> Operand {
        let cmp = match how {
            Reduce::With(f) => return self.apply(f, &[Item::Elem(cur, 0), Item::Elem(v, 0)], out),
            Reduce::MaxBy(cmp) | Reduce::MinBy(cmp) => cmp,
        };
        // The comparison sees both by reference, and decides which one is kept: no gradient.
        let greater = if let Expr::Closure(_) = strip(cmp) {
            let args = [Item::Elem(cur.clone(), 1), Item::Elem(v.clone(), 1)];
            self.apply_with(cmp, &args, out, |s, body, b| {
                s.cond(&syn::parse_quote!((#body) == ::core::cmp::Ordering::Greater), b)
            })
        } else {
            // `f64::total_cmp`, a local closure or function: called as written.
            let (f, mut uses) = self.rename(cmp);
            let (ct, vt) = (self.op_tokens(&cur), self.op_tokens(&v));
            uses.extend(cur.val().into_iter().chain(v.val()));
            self.plain_tokens(quote!(#f(&#ct, &#vt) == ::core::cmp::Ordering::Greater), uses, span, out)
        };
        let (keep, other) = if matches!(how, Reduce::MaxBy(_)) { (cur, v) } else { (v, cur) };
        self.lower_if_arms(greater, span, |_, _| Some(keep), |_, _| Some(other), out)
            .unwrap_or_else(|| Operand::Lit(quote!(0.0)))
    }

    fn item_value(&mut self, item: &Item, span: Span) -> Option<Operand> {
        match item {
            Item::Elem(op, _) => Some(op.clone()),
            Item::Tuple(_) => {
                self.error(span, "this iterator hands out tuples: `.map(|(x, y)| ...)` them to one value first");
                None
            }
            Item::Row(p, ..) if matches!(self.sig.params[*p].shape, super::sig::Shape::StructSlice { .. }) => {
                self.error(span, "this iterator hands out elements of a differentiated slice of structs: `.map(|p| p.x)` them to one value first");
                None
            }
            Item::Row(..) => {
                self.error(span, "this iterator hands out rows of a differentiated nested array: `.map(|r| ...)` them to one value first");
                None
            }
            Item::Window(_) => {
                self.error(
                    span,
                    "this iterator hands out windows of an array: `.map(|w| ...)` them to one value first",
                );
                None
            }
        }
    }

    /// The value of `f(args)` for a closure or a float function (`f64::max`) passed to an
    /// iterator adaptor, with the closure's body inlined.
    fn apply(&mut self, f: &Expr, args: &[Item], out: &mut Block) -> Operand {
        self.apply_with(f, args, out, |s, body, b| s.expr(body, b))
    }

    /// A `filter` predicate: a condition, which carries no gradient.
    fn apply_cond(&mut self, f: &Expr, item: &Item, out: &mut Block) -> Operand {
        self.apply_with(f, std::slice::from_ref(item), out, |s, body, b| s.cond(body, b))
    }

    pub(super) fn apply_with(
        &mut self,
        f: &Expr,
        args: &[Item],
        out: &mut Block,
        lower: impl FnOnce(&mut Self, &Expr, &mut Block) -> Operand,
    ) -> Operand {
        let args: Vec<Arg> = args.iter().cloned().map(Arg::Item).collect();
        match strip(f) {
            Expr::Closure(c) if c.inputs.len() == args.len() => {
                // Written in place: it captures the variables as they are here.
                let lc = LocalClosure::literal(c.clone());
                self.inline(&lc, &args, c.span(), out, lower)
            }
            Expr::Path(p)
                if let Some(id) = p.path.get_ident()
                    && let Some(Binding::Closure(lc)) = self.lookup(&id.to_string()).cloned()
                    && lc.closure.inputs.len() == args.len() =>
            {
                self.inline(&lc, &args, p.span(), out, lower)
            }
            // `f64::max`, `f64::exp`: a float gate in path form.
            Expr::Path(p)
                if let Some((g, n)) = float_fn(&p.path).and_then(|name| gates::method(&name))
                    && n == args.len() =>
            {
                let mut ops = Vec::new();
                for a in &args {
                    let Arg::Item(a) = a else { return Operand::Lit(quote!(0.0)) };
                    let Some(v) = self.item_value(a, p.span()) else { return Operand::Lit(quote!(0.0)) };
                    ops.push(v);
                }
                let toks: Vec<TokenStream> = ops.iter().map(|a| self.op_tokens(a)).collect();
                self.gate(Gate::Method(g), ops, p.span(), quote!(#p(#(#toks),*)), out)
            }
            other => {
                self.error_tokens(other, "an iterator adaptor over differentiated values takes a closure (`|x| ...`) or a float function (`f64::max`): write `.map(|x| f(x))`");
                Operand::Lit(quote!(0.0))
            }
        }
    }
}

/// The source of a chain and its stages in the order they run: `data.iter().copied()` is a
/// source, a `.copied()` after a closure is a stage.
fn chain_stages(receiver: &Expr) -> (&Expr, Vec<Stage<'_>>) {
    let mut stages = Vec::new();
    let mut src = receiver;
    while let Expr::MethodCall(c) = strip(src) {
        let stage = match (c.method.to_string().as_str(), c.args.len()) {
            ("map", 1) => Stage::Map(&c.args[0]),
            ("filter", 1) => Stage::Filter(&c.args[0]),
            ("copied" | "cloned", 0) => Stage::Copied,
            _ => break,
        };
        stages.push((src, stage));
        src = &c.receiver;
    }
    while let Some((e, Stage::Copied)) = stages.last() {
        src = e;
        stages.pop();
    }
    (src, stages.into_iter().rev().map(|(_, s)| s).collect())
}

impl Lower<'_> {
    /// A constant iterable, renamed. The iterator is bound for the backward pass: a copy it
    /// borrows (`s.to_vec().iter()`) would be a temporary dropped at the end of that `let`; it
    /// iterates the original instead.
    pub(super) fn rename_iterable(&mut self, e: &Expr) -> (TokenStream, Vec<ValId>) {
        let mut e = e.clone();
        syn::visit_mut::VisitMut::visit_expr_mut(&mut IterateOriginal, &mut e);
        self.rename(&e)
    }
}

/// Rewrites `x.to_vec().iter()` and `x.to_owned().iter()` into `x.iter()`: the same items
/// (`&F`), borrowed from `x` rather than from a temporary copy.
struct IterateOriginal;

impl syn::visit_mut::VisitMut for IterateOriginal {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        if let Expr::MethodCall(m) = e
            && m.method == "iter"
            && m.args.is_empty()
            && let Expr::MethodCall(copy) = strip(&m.receiver)
            && (copy.method == "to_vec" || copy.method == "to_owned")
            && copy.args.is_empty()
            && matches!(strip(&copy.receiver), Expr::Path(_))
        {
            let original = (*copy.receiver).clone();
            *m.receiver = original;
        }
    }
}
