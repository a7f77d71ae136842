//! The reverse pass: walks the IR backwards and emits the adjoint statements.
//!
//! Adjoints belong to SSA values. The first contribution to an adjoint in the block that defines
//! the value is a `let`; later ones are `+=` (the `let` becomes `let mut` only then). A
//! contribution from inside an `if` arm or a loop to a value defined outside is a `+=` on an
//! adjoint declared, zeroed, just before that construct. An `if` replays the arm that ran; a
//! loop re-runs each iteration's forward statements (only those the backward pass reads) and
//! then its adjoints, restoring the carried values it needs from a tape when there are any.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::forward::{Fwd, Mode};
use super::gates::{self, RuleCtx, Use};
use super::ir::{ArrayInit, ArrayRef, Block, Body, CallArg, Loop, LoopId, LoopKind, Operand, Stmt, ValId};
use super::sig::Sig;
use super::{
    adj_ident, array_adj_ident, array_ident, count_ident, iter_ident, param_adj_ident, slot_adj_ident, tape_ident,
    val_ident,
};

/// Something of the forward pass that backward code reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Val(ValId),
    /// A loop's tape of carried values.
    Tape(LoopId),
    /// A loop's hoisted iterator, iterated again.
    Iter(LoopId),
    /// A loop's trip count.
    Count(LoopId),
}

/// How a loop's backward pass gets each iteration's values.
#[derive(Clone, Debug, Default)]
pub struct LoopPlan {
    /// Pushed each iteration: carried entry values, bound loop values, then local arrays.
    pub tape_vals: Vec<ValId>,
    pub tape_arrays: Vec<usize>,
    pub taped: bool,
    /// Iterate the hoisted iterator again (a recomputed `for` over a constant iterator).
    pub clone_iter: bool,
    /// Count iterations (a loop that can stop early, or a `while`).
    pub count: bool,
}

/// A loop whose backward pass runs inside it: the declarations before the loop, the backward
/// statements at the end of each iteration, and the values they read.
pub struct Fused<T> {
    pub prelude: T,
    pub iteration: T,
    pub reads: HashSet<Ref>,
}

/// How an adjoint's first contribution is finally written: decided after the whole pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetState {
    Let,
    /// A later `+=` follows.
    LetMut,
    /// The adjoint was declared earlier after all (by a loop fused into the forward pass).
    AddAssign,
}

fn make_mut(cell: &Cell<LetState>) {
    if cell.get() == LetState::Let {
        cell.set(LetState::LetMut);
    }
}

/// One backward statement; `let`s decide their `mut` after the whole pass.
pub enum B {
    Let { name: Ident, expr: TokenStream, state: Rc<Cell<LetState>> },
    Raw(TokenStream),
    Group { head: TokenStream, body: Vec<B>, tail: Option<(TokenStream, Vec<B>)> },
}

pub fn render(bs: &[B]) -> TokenStream {
    bs.iter()
        .map(|b| match b {
            B::Let { name, expr, state } => match state.get() {
                LetState::Let => quote!(let #name = #expr;),
                LetState::LetMut => quote!(let mut #name = #expr;),
                LetState::AddAssign => quote!(#name += #expr;),
            },
            B::Raw(t) => t.clone(),
            B::Group { head, body, tail } => {
                let body = render(body);
                match tail {
                    Some((kw, t)) => {
                        let t = render(t);
                        quote!(#head { #body } #kw { #t })
                    }
                    None => quote!(#head { #body }),
                }
            }
        })
        .collect()
}

struct Frame {
    defs: HashSet<ValId>,
    outer: BTreeSet<ValId>,
}

pub struct Rev<'a> {
    pub body: &'a Body,
    pub sig: &'a Sig,
    pub float: TokenStream,
    consts: TokenStream,
    adj: HashMap<ValId, Rc<Cell<LetState>>>,
    /// Adjoints that are exactly the seed 1 (a chain of copies from the result).
    unit: HashSet<ValId>,
    /// Loops whose backward pass runs inside their forward loop: (declarations, iteration).
    pub fused: HashMap<LoopId, Fused<Vec<B>>>,
    frames: Vec<Frame>,
    pub refs: HashSet<Ref>,
    pub plans: HashMap<LoopId, LoopPlan>,
    /// Array adjoints that received something: parameters by index, local slots.
    pub param_adj_used: BTreeSet<usize>,
    pub local_adj_used: BTreeSet<usize>,
    loop_depth: usize,
}

/// Values a block defines at its own level (nested blocks' values belong to them, except the
/// phis of an `if` and the values after a loop, which belong here).
pub fn direct_defs(block: &Block) -> HashSet<ValId> {
    let mut d = HashSet::new();
    for s in &block.stmts {
        match s {
            Stmt::Gate { out, .. } | Stmt::Index { out, .. } => {
                d.insert(*out);
            }
            Stmt::Plain { out: Some(o), .. } => {
                d.insert(*o);
            }
            Stmt::Call { out, partials, .. } => {
                d.insert(*out);
                d.extend(partials.iter().filter_map(|p| p.val));
            }
            Stmt::Store { old, .. } => {
                d.insert(*old);
            }
            Stmt::If(i) => d.extend(i.phis.iter().map(|p| p.out)),
            Stmt::Loop(l) => {
                d.extend(l.carried.iter().map(|c| c.after));
                d.extend(l.exit_after);
            }
            Stmt::Plain { out: None, .. } | Stmt::ArrayDecl { .. } => {}
        }
    }
    d
}

/// Values defined inside a loop's iteration: the body's, the entries, the bound values.
pub fn loop_inner_defs(l: &Loop) -> HashSet<ValId> {
    let mut d = HashSet::new();
    l.body.for_each_def(&mut |v| {
        d.insert(v);
    });
    d.extend(l.carried.iter().map(|c| c.entry));
    match &l.kind {
        LoopKind::ForIter { bound, .. } => d.extend(bound.iter().copied()),
        LoopKind::ForIndex { index, .. } => {
            d.insert(*index);
        }
        LoopKind::While { cond_block, .. } => cond_block.for_each_def(&mut |v| {
            d.insert(v);
        }),
    }
    d
}

/// Whether a block writes a local array that has an adjoint (its backward pass is needed even
/// when no value flows out of it).
fn writes_active_array(body: &Body, block: &Block) -> bool {
    block.stmts.iter().any(|s| match s {
        Stmt::Store { slot, .. } | Stmt::ArrayDecl { slot, .. } => body.arrays[*slot].active,
        Stmt::If(i) => writes_active_array(body, &i.then_block) || writes_active_array(body, &i.else_block),
        Stmt::Loop(l) => writes_active_array(body, &l.body),
        _ => false,
    })
}

impl<'a> Rev<'a> {
    pub fn new(body: &'a Body, sig: &'a Sig) -> Self {
        Rev {
            body,
            sig,
            float: sig.float.path(),
            consts: sig.float.consts(),
            adj: HashMap::new(),
            unit: HashSet::new(),
            fused: HashMap::new(),
            frames: Vec::new(),
            refs: HashSet::new(),
            plans: HashMap::new(),
            param_adj_used: BTreeSet::new(),
            local_adj_used: BTreeSet::new(),
            loop_depth: 0,
        }
    }

    fn name(&self, v: ValId) -> TokenStream {
        let i = val_ident(&self.body.vals, v);
        quote!(#i)
    }

    fn op(&mut self, o: &Operand) -> TokenStream {
        match o {
            Operand::Val(v) => {
                self.refs.insert(Ref::Val(*v));
                self.name(*v)
            }
            Operand::Lit(t) => t.clone(),
        }
    }

    pub fn has_adj(&self, v: ValId) -> bool {
        self.adj.contains_key(&v)
    }

    fn active(&self, o: &Operand) -> Option<ValId> {
        o.val().filter(|v| self.body.vals[*v].active)
    }

    /// Adds `expr` to the adjoint of `v`.
    fn contribute(&mut self, v: ValId, expr: TokenStream, out: &mut Vec<B>) {
        let name = adj_ident(v);
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        if frame.defs.contains(&v) {
            if let Some(cell) = self.adj.get(&v) {
                make_mut(cell);
                self.unit.remove(&v);
                out.push(B::Raw(quote!(#name += #expr;)));
            } else {
                let cell = Rc::new(Cell::new(LetState::Let));
                self.adj.insert(v, cell.clone());
                if self.frames.len() == 1 && self.is_unit_expr(&expr) {
                    self.unit.insert(v);
                }
                out.push(B::Let { name, expr, state: cell });
            }
        } else {
            frame.outer.insert(v);
            out.push(B::Raw(quote!(#name += #expr;)));
        }
    }

    /// `1.0`, or a copy of an adjoint that is exactly the seed.
    fn is_unit_expr(&self, expr: &TokenStream) -> bool {
        let text = expr.to_string();
        text == "1.0"
            || text.strip_prefix("__d").and_then(|n| n.parse::<ValId>().ok()).is_some_and(|v| self.unit.contains(&v))
    }

    fn push_frame(&mut self, defs: HashSet<ValId>) {
        self.frames.push(Frame { defs, outer: BTreeSet::new() });
    }

    /// Ends a nested construct: adjoints it added to from outside are declared before it.
    fn pop_frame(&mut self, out: &mut Vec<B>) {
        let Some(done) = self.frames.pop() else {
            return;
        };
        let Some(parent) = self.frames.last_mut() else {
            return;
        };
        for v in done.outer {
            if parent.defs.contains(&v) {
                self.unit.remove(&v);
                if let Some(cell) = self.adj.get(&v) {
                    make_mut(cell);
                } else {
                    let cell = Rc::new(Cell::new(LetState::LetMut));
                    self.adj.insert(v, cell.clone());
                    // Inside a loop iteration the zero is -0.0: `-0.0 + x` folds to `x` where
                    // `0.0 + x` cannot (IEEE), so the first `+=` costs nothing.
                    let zero = if self.loop_depth > 0 { quote!(-0.0) } else { quote!(0.0) };
                    out.push(B::Let { name: adj_ident(v), expr: zero, state: cell });
                }
            } else {
                parent.outer.insert(v);
            }
        }
    }

    /// The backward pass of the whole function, seeded with d(result) = 1.
    pub fn function(&mut self) -> Vec<B> {
        let mut defs = direct_defs(&self.body.block);
        defs.extend(self.body.params.iter().flatten().copied());
        self.push_frame(defs);
        let mut out = Vec::new();
        if let Some(r) = self.active(&self.body.result) {
            self.contribute(r, quote!(1.0), &mut out);
        }
        let block = &self.body.block;
        self.block(block, &mut out);
        out
    }

    fn block(&mut self, block: &Block, out: &mut Vec<B>) {
        for s in block.stmts.iter().rev() {
            self.stmt(s, out);
        }
    }

    fn stmt(&mut self, s: &Stmt, out: &mut Vec<B>) {
        match s {
            Stmt::Gate { out: x, gate, args, .. } => {
                if !self.body.vals[*x].active || !self.has_adj(*x) {
                    return;
                }
                let arg_tokens: Vec<TokenStream> = args
                    .iter()
                    .map(|a| match a {
                        Operand::Val(v) => self.name(*v),
                        Operand::Lit(t) => t.clone(),
                    })
                    .collect();
                let x_tokens = self.name(*x);
                let d = adj_ident(*x);
                let d = quote!(#d);
                for (i, a) in args.iter().enumerate() {
                    let Some(av) = self.active(a) else { continue };
                    if gate.is_integer_input(i) {
                        continue;
                    }
                    let ctx = RuleCtx::new(&arg_tokens, &x_tokens, &d, &self.float, &self.consts);
                    let Some(expr) = gates::adjoint(*gate, i, &ctx) else {
                        continue;
                    };
                    for u in ctx.used() {
                        match u {
                            Use::Arg(k) => {
                                if let Some(v) = args.get(k).and_then(Operand::val) {
                                    self.refs.insert(Ref::Val(v));
                                }
                            }
                            Use::Out => {
                                self.refs.insert(Ref::Val(*x));
                            }
                        }
                    }
                    self.contribute(av, expr, out);
                }
            }
            Stmt::Plain { .. } => {}
            Stmt::Call { out: x, args, partials, .. } => self.call(*x, args, partials, out),
            Stmt::Index { out: x, array, index } => {
                if !self.has_adj(*x) {
                    return;
                }
                let d = adj_ident(*x);
                let idx = self.op(index);
                let target = match array {
                    ArrayRef::Param(p) => {
                        self.param_adj_used.insert(*p);
                        param_adj_ident(*p)
                    }
                    ArrayRef::Local(s) => {
                        self.local_adj_used.insert(*s);
                        array_adj_ident(*s)
                    }
                };
                out.push(B::Raw(quote!(#target[#idx] += #d;)));
            }
            Stmt::Store { slot, index, value, old } => {
                let arr = &self.body.arrays[*slot];
                if !arr.active {
                    return;
                }
                let restore = arr.read_in_loop;
                let idx = self.op(index);
                let da = array_adj_ident(*slot);
                self.local_adj_used.insert(*slot);
                if let Some(v) = self.active(value) {
                    self.contribute(v, quote!(#da[#idx]), out);
                }
                out.push(B::Raw(quote!(#da[#idx] = 0.0;)));
                if restore {
                    let a = array_ident(*slot);
                    let o = self.op(&Operand::Val(*old));
                    out.push(B::Raw(quote!(#a[#idx] = #o;)));
                }
            }
            Stmt::ArrayDecl { slot, init, .. } => {
                if !self.body.arrays[*slot].active {
                    return;
                }
                let da = array_adj_ident(*slot);
                self.local_adj_used.insert(*slot);
                match init {
                    ArrayInit::List(items) => {
                        for (k, it) in items.iter().enumerate() {
                            if let Some(v) = self.active(it) {
                                self.contribute(v, quote!(#da[#k]), out);
                            }
                        }
                    }
                    ArrayInit::Repeat(it, _) => {
                        if let Some(v) = self.active(it) {
                            let f = &self.float;
                            self.contribute(
                                v,
                                quote!(::core::iter::Iterator::sum::<#f>(::core::iter::IntoIterator::into_iter(#da))),
                                out,
                            );
                        }
                    }
                }
                let zeros = &self.body.arrays[*slot].zeros;
                out.push(B::Raw(quote!(#da = #zeros;)));
            }
            Stmt::If(i) => self.if_stmt(i, out),
            Stmt::Loop(l) => self.loop_stmt(l, out),
        }
    }

    fn call(&mut self, x: ValId, args: &[CallArg], partials: &[super::ir::Partial], out: &mut Vec<B>) {
        if !self.has_adj(x) {
            return;
        }
        let d = adj_ident(x);
        for p in partials {
            let Some(pv) = p.val else { continue };
            match &args[p.arg] {
                // y = g(.., a, ..)  =>  da += (dg/da) * dy
                CallArg::Scalar(o) => {
                    if let Some(v) = self.active(o) {
                        let pt = self.op(&Operand::Val(pv));
                        self.contribute(v, quote!(#pt * #d), out);
                    }
                }
                // y = g(.., w, ..) with an array w  =>  dw[k] += (dg/dw)[k] * dy
                CallArg::Array { active: Some(array), .. } => {
                    let pt = self.op(&Operand::Val(pv));
                    let target = match array {
                        ArrayRef::Param(i) => {
                            self.param_adj_used.insert(*i);
                            param_adj_ident(*i)
                        }
                        ArrayRef::Local(s) => {
                            self.local_adj_used.insert(*s);
                            array_adj_ident(*s)
                        }
                    };
                    let (k, g) = (super::hidden("k", 0), super::hidden("p", 0));
                    out.push(B::Raw(quote! {
                        for (#k, #g) in ::core::iter::Iterator::enumerate(#pt.iter()) {
                            #target[#k] += *#g * #d;
                        }
                    }));
                }
                _ => {}
            }
        }
    }

    fn if_stmt(&mut self, i: &super::ir::If, out: &mut Vec<B>) {
        let seeded: Vec<_> = i.phis.iter().filter(|p| self.has_adj(p.out)).cloned().collect();
        let arrays = writes_active_array(self.body, &i.then_block) || writes_active_array(self.body, &i.else_block);
        if seeded.is_empty() && !arrays {
            return;
        }
        let cond = self.op(&i.cond);
        let mut arms = Vec::new();
        for (k, block) in [&i.then_block, &i.else_block].into_iter().enumerate() {
            self.push_frame(direct_defs(block));
            let mut bs = Vec::new();
            for p in &seeded {
                let v = if k == 0 { &p.then_val } else { &p.else_val };
                if let Some(v) = self.active(v) {
                    let d = adj_ident(p.out);
                    self.contribute(v, quote!(#d), &mut bs);
                }
            }
            self.block(block, &mut bs);
            let mut pre = Vec::new();
            self.pop_frame(&mut pre);
            arms.push((pre, bs));
        }
        let (else_pre, else_bs) = arms.pop().unwrap_or_default();
        let (then_pre, then_bs) = arms.pop().unwrap_or_default();
        out.extend(then_pre);
        out.extend(else_pre);
        out.push(B::Group { head: quote!(if #cond), body: then_bs, tail: Some((quote!(else), else_bs)) });
    }

    /// A top-level loop that only accumulates into variables whose adjoint is the seed 1 (a loss
    /// summed over data, returned as it is or plus other terms) has the same adjoint in every
    /// iteration, known before the loop runs: its backward pass is fused into the forward loop,
    /// one pass over the data as a hand-written backward pass would do.
    fn fuse(&mut self, l: &Loop, active_carried: &[super::ir::Carried], out: &mut Vec<B>) -> bool {
        let fusable = self.frames.len() == 1
            && self.loop_depth == 0
            && l.written_arrays.is_empty()
            && active_carried
                .iter()
                .all(|c| accumulates(&l.body, c) && (!self.has_adj(c.after) || self.unit.contains(&c.after)));
        if !fusable {
            return false;
        }
        let outer_refs = std::mem::take(&mut self.refs);
        let mut defs = direct_defs(&l.body);
        defs.extend(l.carried.iter().map(|c| c.entry));
        self.push_frame(defs);
        let mut prelude = Vec::new();
        let mut body_bs = Vec::new();
        let seeded: Vec<_> = active_carried.iter().filter(|c| self.has_adj(c.after)).cloned().collect();
        for c in &seeded {
            let ds = slot_adj_ident(c.slot);
            prelude.push(B::Raw(quote!(let #ds = 1.0;)));
            if let Some(v) = self.active(&c.exit) {
                self.contribute(v, quote!(#ds), &mut body_bs);
            }
        }
        self.loop_depth += 1;
        self.block(&l.body, &mut body_bs);
        self.loop_depth -= 1;
        // Adjoints the loop adds to are declared before it; a declaration the backward pass
        // already made becomes a `+=`.
        if let Some(done) = self.frames.pop() {
            for v in done.outer {
                self.unit.remove(&v);
                if let Some(cell) = self.adj.get(&v) {
                    cell.set(LetState::AddAssign);
                }
                let cell = Rc::new(Cell::new(LetState::LetMut));
                self.adj.insert(v, cell.clone());
                prelude.push(B::Let { name: adj_ident(v), expr: quote!(0.0), state: cell });
            }
        }
        let inner_refs = std::mem::replace(&mut self.refs, outer_refs);
        let inner_defs = loop_inner_defs(l);
        for r in &inner_refs {
            if let Ref::Val(v) = r
                && !inner_defs.contains(v)
            {
                self.refs.insert(*r);
            }
        }
        for c in &seeded {
            if let Some(v) = self.active(&c.init) {
                let d = adj_ident(c.after);
                self.contribute(v, quote!(#d), out);
            }
        }
        self.fused.insert(l.id, Fused { prelude, iteration: body_bs, reads: inner_refs });
        true
    }

    #[allow(clippy::too_many_lines, reason = "one loop reversal, step by step")]
    fn loop_stmt(&mut self, l: &Loop, out: &mut Vec<B>) {
        let active_carried: Vec<_> = l.carried.iter().filter(|c| self.body.vals[c.after].active).cloned().collect();
        let seeded = active_carried.iter().any(|c| self.has_adj(c.after));
        if !seeded && !writes_active_array(self.body, &l.body) {
            return;
        }
        if self.fuse(l, &active_carried, out) {
            return;
        }
        // Slot adjoints carry each variable's adjoint from one iteration to the one before.
        for c in &active_carried {
            let ds = slot_adj_ident(c.slot);
            let init = if self.has_adj(c.after) {
                let d = adj_ident(c.after);
                quote!(#d)
            } else {
                quote!(0.0)
            };
            out.push(B::Raw(quote!(let mut #ds = #init;)));
        }

        let outer_refs = std::mem::take(&mut self.refs);
        let mut defs = direct_defs(&l.body);
        defs.extend(l.carried.iter().map(|c| c.entry));
        self.push_frame(defs);
        let mut body_bs = Vec::new();
        for c in &active_carried {
            if let Some(v) = self.active(&c.exit) {
                let ds = slot_adj_ident(c.slot);
                self.contribute(v, quote!(#ds), &mut body_bs);
            }
        }
        self.loop_depth += 1;
        self.block(&l.body, &mut body_bs);
        self.loop_depth -= 1;
        for c in &active_carried {
            let ds = slot_adj_ident(c.slot);
            let value = if self.has_adj(c.entry) {
                let d = adj_ident(c.entry);
                quote!(#d)
            } else {
                quote!(0.0)
            };
            body_bs.push(B::Raw(quote!(#ds = #value;)));
        }
        let mut pre = Vec::new();
        self.pop_frame(&mut pre);
        let inner_refs = std::mem::replace(&mut self.refs, outer_refs);

        // What the iteration's recomputation must provide, and what only a tape can.
        let inner_defs = loop_inner_defs(l);
        let mut needed: HashSet<Ref> = HashSet::new();
        for r in inner_refs {
            match r {
                Ref::Val(v) if !inner_defs.contains(&v) => {
                    self.refs.insert(r);
                }
                _ => {
                    needed.insert(r);
                }
            }
        }
        close_needed(self.body, &l.body, &mut needed);
        for r in &needed {
            if let Ref::Val(v) = r
                && !inner_defs.contains(v)
            {
                self.refs.insert(*r);
            }
        }
        let entries: Vec<ValId> =
            l.carried.iter().map(|c| c.entry).filter(|e| needed.contains(&Ref::Val(*e))).collect();
        let bound: Vec<ValId> = match &l.kind {
            LoopKind::ForIter { bound, .. } => {
                bound.iter().copied().filter(|b| needed.contains(&Ref::Val(*b))).collect()
            }
            LoopKind::ForIndex { index, .. } => {
                if needed.contains(&Ref::Val(*index)) {
                    vec![*index]
                } else {
                    vec![]
                }
            }
            LoopKind::While { .. } => vec![],
        };
        let tape_arrays: Vec<usize> =
            l.written_arrays.iter().copied().filter(|s| self.body.arrays[*s].read_in_loop).collect();
        // Iterations differ (they read the index or element) and an adjoint travels from one
        // to the one before: the backward pass must visit them in reverse. A constant iterator
        // that stopped early cannot be reversed in general, so its elements go on the tape.
        let early = l.exit_code.is_some();
        // Stores into an array that outlives the iteration: a later iteration may overwrite what
        // an earlier one wrote, so only the reverse order gives each write its adjoint.
        let writes_outer = l.written_arrays.iter().any(|s| self.body.arrays[*s].active);
        let order_sensitive =
            !bound.is_empty() && (writes_outer || active_carried.iter().any(|c| !accumulates(&l.body, c)));
        let taped = !entries.is_empty()
            || !tape_arrays.is_empty()
            || (order_sensitive && early && matches!(l.kind, LoopKind::ForIter { .. }));
        let mut plan = LoopPlan { taped, ..LoopPlan::default() };

        let mut restore = TokenStream::new();
        let header = if taped {
            let mut pat: Vec<TokenStream> = entries.iter().chain(bound.iter()).map(|v| self.name(*v)).collect();
            // A popped array is copied back into its slot: the recomputation writes the slot.
            for s in &tape_arrays {
                let (a, t) = (array_ident(*s), super::hidden("saved", *s));
                pat.push(quote!(#t));
                restore.extend(quote!(#a = #t;));
            }
            plan.tape_vals = entries.iter().chain(bound.iter()).copied().collect();
            plan.tape_arrays.clone_from(&tape_arrays);
            let tape = tape_ident(l.id);
            self.refs.insert(Ref::Tape(l.id));
            quote!(while let ::core::option::Option::Some((#(#pat,)*)) = #tape.pop())
        } else {
            match &l.kind {
                LoopKind::ForIter { pat, .. } => {
                    plan.clone_iter = true;
                    self.refs.insert(Ref::Iter(l.id));
                    let it = iter_ident(l.id);
                    if early {
                        plan.count = true;
                        self.refs.insert(Ref::Count(l.id));
                        let n = count_ident(l.id);
                        quote!(for #pat in ::core::iter::Iterator::take(#it, #n))
                    } else if order_sensitive {
                        quote!(for #pat in ::core::iter::Iterator::rev(#it))
                    } else {
                        quote!(for #pat in #it)
                    }
                }
                LoopKind::ForIndex { index, len, len_uses } => {
                    let k = self.name(*index);
                    let range = if early {
                        plan.count = true;
                        self.refs.insert(Ref::Count(l.id));
                        let n = count_ident(l.id);
                        quote!(0..#n)
                    } else {
                        self.refs.extend(len_uses.iter().map(|v| Ref::Val(*v)));
                        quote!(0..#len)
                    };
                    if order_sensitive {
                        quote!(for #k in ::core::iter::Iterator::rev(#range))
                    } else {
                        quote!(for #k in #range)
                    }
                }
                LoopKind::While { .. } => {
                    plan.count = true;
                    self.refs.insert(Ref::Count(l.id));
                    let n = count_ident(l.id);
                    quote!(for _ in 0..#n)
                }
            }
        };
        self.plans.insert(l.id, plan);

        let no_fused = HashMap::new();
        let fwd = Fwd {
            body: self.body,
            sig: self.sig,
            plans: &self.plans,
            fused: &no_fused,
            mode: Mode::Level { needed: &needed, filter: true },
        };
        let recompute = fwd.block(&l.body);
        let mut iteration = vec![B::Raw(restore), B::Raw(recompute)];
        iteration.extend(body_bs);
        out.extend(pre);
        out.push(B::Group { head: header, body: iteration, tail: None });

        for c in &active_carried {
            if let Some(v) = self.active(&c.init) {
                let ds = slot_adj_ident(c.slot);
                self.contribute(v, quote!(#ds), out);
            }
        }
    }
}

/// Whether a carried variable only accumulates (`s += e`, `s -= e`, possibly under an `if`): its
/// adjoint is then the same in every iteration and the iterations can be replayed in any order.
fn accumulates(body: &Block, c: &super::ir::Carried) -> bool {
    use super::gates::Gate;
    fn walk(b: &Block, chain: &mut HashSet<ValId>, links: &mut HashMap<ValId, usize>, bad: &mut bool) {
        let on = |o: &Operand, chain: &HashSet<ValId>| o.val().is_some_and(|v| chain.contains(&v));
        for s in &b.stmts {
            match s {
                Stmt::Gate { out, gate, args, .. } => {
                    let ins: Vec<bool> = args.iter().map(|a| on(a, chain)).collect();
                    if !ins.iter().any(|x| *x) {
                        continue;
                    }
                    let link = match (gate, ins.as_slice()) {
                        (Gate::Add, [true, false] | [false, true]) | (Gate::Sub, [true, false]) => {
                            args.iter().find(|a| on(a, chain)).and_then(Operand::val)
                        }
                        _ => None,
                    };
                    match link {
                        Some(v) => {
                            *links.entry(v).or_default() += 1;
                            chain.insert(*out);
                        }
                        None => *bad = true,
                    }
                }
                Stmt::Plain { .. } => {}
                Stmt::If(i) => {
                    walk(&i.then_block, chain, links, bad);
                    walk(&i.else_block, chain, links, bad);
                    for p in &i.phis {
                        match (on(&p.then_val, chain), on(&p.else_val, chain)) {
                            (true, true) => {
                                chain.insert(p.out);
                            }
                            (false, false) => {}
                            _ => *bad = true,
                        }
                    }
                }
                other => other.for_each_use(&mut |v| *bad |= chain.contains(&v)),
            }
        }
    }
    let mut chain = HashSet::from([c.entry]);
    let mut links = HashMap::new();
    let mut bad = false;
    walk(body, &mut chain, &mut links, &mut bad);
    !bad && links.values().all(|n| *n <= 1) && on_chain(&c.exit, &chain)
}

fn on_chain(o: &Operand, chain: &HashSet<ValId>) -> bool {
    o.val().is_some_and(|v| chain.contains(&v))
}

/// Closes `needed` over the forward statements of `block` that compute needed values.
pub fn close_needed(body: &Body, block: &Block, needed: &mut HashSet<Ref>) {
    loop {
        let before = needed.len();
        walk_needed(body, block, needed);
        if needed.len() == before {
            break;
        }
    }
}

fn walk_needed(body: &Body, block: &Block, needed: &mut HashSet<Ref>) {
    for s in block.stmts.iter().rev() {
        if super::forward::included(body, s, needed) {
            match s {
                Stmt::If(i) => {
                    if let Some(c) = i.cond.val() {
                        needed.insert(Ref::Val(c));
                    }
                    for p in &i.phis {
                        if needed.contains(&Ref::Val(p.out)) {
                            for o in [&p.then_val, &p.else_val] {
                                if let Some(v) = o.val() {
                                    needed.insert(Ref::Val(v));
                                }
                            }
                        }
                    }
                    walk_needed(body, &i.then_block, needed);
                    walk_needed(body, &i.else_block, needed);
                }
                other => other.for_each_use(&mut |v| {
                    needed.insert(Ref::Val(v));
                }),
            }
        }
    }
}
