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

use super::gates::{self, RuleCtx, Use};
use super::ir::{ArrayInit, ArrayRef, Block, Body, CallArg, Loop, LoopId, LoopKind, Operand, Stmt, ValId};
use super::sig::Sig;
use super::{adj_ident, array_adj_ident, array_ident, param_adj_ident, val_ident};

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
    /// A local array that a recomputed iteration leaves alone (its stores are not replayed; see
    /// `loop_arrays`).
    Kept(usize),
    /// An inner loop that a recomputed iteration does not run again: its forward run in the
    /// enclosing loop's forward pushed its tape already (see `loop_arrays::pretaped_inner`).
    Taped(LoopId),
}

/// How a loop's backward pass gets each iteration's values.
#[derive(Clone, Debug, Default)]
pub struct LoopPlan {
    /// Pushed each iteration: carried entry values, bound loop values, then local arrays.
    pub tape_vals: Vec<ValId>,
    /// Those of `tape_vals` pushed as numbers of the float type: loop items (`&f64`, say) the
    /// body only reads as floats, so the tape holds no borrow of what the loop iterates.
    pub numbers: Vec<ValId>,
    pub tape_arrays: Vec<usize>,
    pub taped: bool,
    /// Iterate the hoisted iterator again (a recomputed `for` over a constant iterator).
    pub clone_iter: bool,
    /// Count iterations (a loop that can stop early, or a `while`).
    pub count: bool,
    /// Taped inside another loop: its tape is declared once, at the function's level, and reused
    /// by every run of the loop (each run's backward pass pops it empty), instead of a new
    /// allocation per run of the enclosing loop.
    pub hoisted: bool,
    /// Taped in segments from snapshots (`#[differentiate(checkpoint)]`, see
    /// `reverse_checkpoint`): the forward loop saves snapshots instead of pushing the tape.
    pub checkpoint: bool,
    /// Its forward run pushes its inner loops' tapes, and its backward pass pops them without
    /// running the inner loops again (`loop_arrays::pretaped_inner`).
    pub pretaped: bool,
    /// Inner loops whose tape marks (`marked`) its own tape carries: a pretaped loop's.
    pub marks: Vec<LoopId>,
    /// Inner loops whose ranges (`clone_iter`) its own tape carries: a pretaped loop's.
    pub iters: Vec<LoopId>,
    /// Taped in a pretaped loop's forward run: its forward run notes where its entries start on
    /// the tape, and its backward pass pops only those.
    pub marked: bool,
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

pub(super) fn make_mut(cell: &Cell<LetState>) {
    if cell.get() == LetState::Let {
        cell.set(LetState::LetMut);
    }
}

/// The one adjoint a contribution reads (besides forward values).
#[derive(Clone, Copy, Debug)]
pub struct Reads {
    pub adj: ValId,
    /// Exactly 0 on whole regions of inputs (see [`gates::Gate::selects`]).
    pub sparse: bool,
}

impl Reads {
    pub fn of(adj: ValId) -> Option<Reads> {
        Some(Reads { adj, sparse: false })
    }
}

/// One backward statement; `let`s decide their `mut` after the whole pass.
pub enum B {
    /// The first contribution to an adjoint (`link`: whose, and what `expr` reads); `escapes`:
    /// read outside the statements (a parameter's, by the returned tuple).
    Let {
        name: Ident,
        expr: TokenStream,
        state: Rc<Cell<LetState>>,
        link: Option<(ValId, Reads)>,
        escapes: bool,
    },
    /// `t += expr`, with `t` an adjoint of an outer value or an array element, reading `reads`.
    Add {
        tokens: TokenStream,
        reads: ValId,
    },
    Raw(TokenStream),
    Group {
        head: TokenStream,
        body: Vec<B>,
        tail: Option<(TokenStream, Vec<B>)>,
    },
    /// A taped loop's backward pass: `while let Some(pat) = tape.pop() { body }`; with `marked`
    /// (an inner loop of a pretaped loop, see [`LoopPlan::marked`]), it pops only the entries
    /// of its own run, above the mark its forward run took.
    Pop {
        id: LoopId,
        pat: TokenStream,
        marked: bool,
        body: Vec<B>,
    },
    /// The backward pass of an `if` that ends the function (or ends an arm of such an `if`): it
    /// runs inside the forward `if`, after the arm's forward code (see [`Rev::tail_block`]).
    /// `id` names the `if` (see [`if_id`]).
    Fused {
        id: usize,
        then_bs: Vec<B>,
        else_bs: Vec<B>,
    },
}

/// An `if`'s identity while its body is emitted: its address in the IR.
pub fn if_id(i: &super::ir::If) -> usize {
    std::ptr::from_ref(i) as usize
}

pub use super::reverse_render::{pop_head, render, render_fused};

pub(super) struct Frame {
    pub(super) defs: HashSet<ValId>,
    pub(super) outer: BTreeSet<ValId>,
}

pub struct Rev<'a> {
    pub body: &'a Body,
    pub sig: &'a Sig,
    pub float: TokenStream,
    consts: TokenStream,
    pub(super) adj: HashMap<ValId, Rc<Cell<LetState>>>,
    /// Adjoints that are exactly the seed 1 (a chain of copies from the result).
    pub(super) unit: HashSet<ValId>,
    /// Adjoints that are often exactly 0: fed by a `max`/`min`/`clamp` rule or by an element of
    /// an array adjoint, or declared zero before an `if` or loop that may not add to them.
    pub zero_prone: HashSet<ValId>,
    /// Loops whose backward pass runs inside their forward loop: (declarations, iteration).
    pub fused: HashMap<LoopId, Fused<Vec<B>>>,
    /// Preaccumulated sums named so far (`__pre1`, ...).
    pub pres: usize,
    pub(super) frames: Vec<Frame>,
    pub refs: HashSet<Ref>,
    pub plans: HashMap<LoopId, LoopPlan>,
    /// Array adjoints that received something: parameters by index, local slots.
    pub param_adj_used: BTreeSet<usize>,
    pub local_adj_used: BTreeSet<usize>,
    /// Loops whose tape is declared at the function's level ([`LoopPlan::hoisted`]).
    pub hoisted_tapes: BTreeSet<LoopId>,
    pub(super) loop_depth: usize,
    /// Local arrays written after the statement being reversed (the walk is backwards).
    pub(super) stored_later: HashSet<usize>,
    /// Local arrays whose stores in the function-level statement being reversed need no
    /// put-back ([`super::loop_arrays::dead_put_backs`]).
    dead_put_backs: HashSet<usize>,
    /// The values defined in each `if` arm being reversed, innermost last.
    pub(super) arm_defs: Vec<HashSet<ValId>>,
    /// The `if`s whose backward pass is fused into their forward `if` ([`B::Fused`]).
    pub fused_ifs: HashSet<usize>,
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
            Stmt::Store { old, push: false, .. } => {
                d.insert(*old);
            }
            Stmt::Store { push: true, .. } => {}
            Stmt::If(i) => d.extend(i.phis.iter().map(|p| p.out)),
            Stmt::Loop(l) => {
                d.extend(l.carried.iter().map(|c| c.after));
                d.extend(l.exit_after);
            }
            Stmt::Plain { out: None, .. } | Stmt::ArrayDecl { .. } | Stmt::VCall { .. } => {}
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

/// Whether a block writes a local array that has an adjoint, or one that a loop reads (whose
/// backward pass may read it again, so the write is undone): its backward pass is needed even
/// when no value flows out of it.
pub(super) fn writes_tracked_array(body: &Body, block: &Block) -> bool {
    block.stmts.iter().any(|s| match s {
        Stmt::Store { slot, .. } => body.arrays[*slot].active || body.arrays[*slot].read_in_loop,
        Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. } => body.arrays[*slot].active,
        Stmt::If(i) => writes_tracked_array(body, &i.then_block) || writes_tracked_array(body, &i.else_block),
        Stmt::Loop(l) => writes_tracked_array(body, &l.body),
        _ => false,
    })
}

/// Whether a block adds to the adjoint of one of `slots` (reads an element of one of these
/// active local arrays, or passes one to a call).
pub(super) fn adds_to_array_adj(block: &Block, slots: &HashSet<usize>) -> bool {
    block.stmts.iter().any(|s| match s {
        Stmt::Index { array: ArrayRef::Local(a), .. } => slots.contains(a),
        Stmt::Call { args, .. } | Stmt::VCall { args, .. } => args
            .iter()
            .any(|a| matches!(a, CallArg::Array { active: Some(ArrayRef::Local(x)), .. } if slots.contains(x))),
        Stmt::If(i) => adds_to_array_adj(&i.then_block, slots) || adds_to_array_adj(&i.else_block, slots),
        Stmt::Loop(l) => adds_to_array_adj(&l.body, slots),
        _ => false,
    })
}

impl<'a> Rev<'a> {
    pub fn new(body: &'a Body, sig: &'a Sig) -> Self {
        Rev {
            body,
            sig,
            float: super::dual_mode::float_path(sig.float),
            consts: sig.float.consts(),
            adj: HashMap::new(),
            unit: HashSet::new(),
            zero_prone: HashSet::new(),
            fused: HashMap::new(),
            pres: 0,
            frames: Vec::new(),
            refs: HashSet::new(),
            plans: HashMap::new(),
            param_adj_used: BTreeSet::new(),
            local_adj_used: BTreeSet::new(),
            hoisted_tapes: BTreeSet::new(),
            loop_depth: 0,
            stored_later: HashSet::new(),
            dead_put_backs: HashSet::new(),
            arm_defs: Vec::new(),
            fused_ifs: HashSet::new(),
        }
    }

    pub(super) fn name(&self, v: ValId) -> TokenStream {
        let i = val_ident(&self.body.vals, v);
        quote!(#i)
    }

    pub(super) fn op(&mut self, o: &Operand) -> TokenStream {
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

    /// `v`'s adjoint, or `0.0` if nothing contributed to it.
    pub(super) fn adj_or_zero(&self, v: ValId) -> TokenStream {
        if self.has_adj(v) {
            let d = adj_ident(v);
            quote!(#d)
        } else {
            super::dual_mode::lift(quote!(0.0))
        }
    }

    pub(super) fn active(&self, o: &Operand) -> Option<ValId> {
        o.val().filter(|v| self.body.vals[*v].active)
    }

    /// Adds `expr` to the adjoint of `v`; `reads` is the one adjoint `expr` reads, if so.
    pub(super) fn contribute(&mut self, v: ValId, expr: TokenStream, reads: Option<Reads>, out: &mut Vec<B>) {
        let name = adj_ident(v);
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        if reads.is_some_and(|r| r.sparse) {
            self.zero_prone.insert(v);
        }
        let add = |tokens: TokenStream| match reads {
            Some(r) => B::Add { tokens, reads: r.adj },
            None => B::Raw(tokens),
        };
        if frame.defs.contains(&v) {
            if let Some(cell) = self.adj.get(&v) {
                make_mut(cell);
                self.unit.remove(&v);
                out.push(add(super::generic_mode::add_assign(&quote!(#name), &expr)));
            } else {
                let cell = Rc::new(Cell::new(LetState::Let));
                self.adj.insert(v, cell.clone());
                if self.frames.len() == 1 && self.is_unit_expr(&expr, reads) {
                    self.unit.insert(v);
                }
                let escapes = self.body.params.iter().flatten().any(|p| *p == v);
                out.push(B::Let { name, expr, state: cell, link: reads.map(|r| (v, r)), escapes });
            }
        } else {
            frame.outer.insert(v);
            out.push(add(super::generic_mode::add_assign(&quote!(#name), &expr)));
        }
    }

    /// `1.0` (the dual program's `1 + 0ε` too: a constant seed there as well, so its loops fuse
    /// as `f_grad`'s do), or a plain copy of the one adjoint it reads, which is exactly the seed.
    fn is_unit_expr(&self, expr: &TokenStream, reads: Option<Reads>) -> bool {
        let text = expr.to_string();
        text == "1.0"
            || (super::dual_mode::on() && text == super::dual_mode::lift(quote!(1.0)).to_string())
            || reads.is_some_and(|r| self.unit.contains(&r.adj) && adj_ident(r.adj) == text)
    }

    pub(super) fn push_frame(&mut self, defs: HashSet<ValId>) {
        self.frames.push(Frame { defs, outer: BTreeSet::new() });
    }

    /// Ends a nested construct: adjoints it added to from outside are declared before it.
    pub(super) fn pop_frame(&mut self, out: &mut Vec<B>) {
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
                    let zero = super::dual_mode::lift(zero);
                    self.zero_prone.insert(v);
                    out.push(B::Let { name: adj_ident(v), expr: zero, state: cell, link: None, escapes: false });
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
            self.contribute(r, super::dual_mode::lift(quote!(1.0)), None, &mut out);
        }
        // A vector result: its components' adjoints are the seed's (often exactly 0: a
        // Jacobian's unit seeds).
        let tuple = matches!(self.sig.output, super::sig::Output::Tuple(_));
        let seed = super::vector::seed_ident();
        for (i, r) in self.body.results.iter().enumerate() {
            if let Some(v) = self.active(r) {
                let idx = syn::Index::from(i);
                let s = if tuple { quote!(#seed.#idx) } else { quote!(#seed[#idx]) };
                self.zero_prone.insert(v);
                self.contribute(v, s, None, &mut out);
            }
        }
        self.seed_vec_result(&mut out);
        let stmts = &self.body.block.stmts;
        // A vector output's Jacobian may run the backward code once per output: it must not
        // hold forward code (an `if` ending a scalar function runs its arms' backward passes
        // inside it, as `tail_block` does).
        let tail = matches!(self.sig.output, super::sig::Output::Scalar);
        let mut dead = super::loop_arrays::dead_put_backs(self.body);
        for (i, s) in stmts.iter().enumerate().rev() {
            self.dead_put_backs = std::mem::take(&mut dead[i]);
            match s {
                Stmt::If(x) if tail && i + 1 == stmts.len() => self.if_stmt_in(x, true, &mut out),
                s => self.stmt(s, &mut out),
            }
        }
        self.dead_put_backs.clear();
        out
    }

    /// The adjoint of an active array (a parameter's gradient or a local array's adjoint),
    /// marked used so that it is declared.
    pub(super) fn array_adj_target(&mut self, array: ArrayRef) -> Ident {
        match array {
            ArrayRef::Param(i) => {
                self.param_adj_used.insert(i);
                param_adj_ident(i)
            }
            ArrayRef::Local(s) => {
                self.local_adj_used.insert(s);
                array_adj_ident(s)
            }
        }
    }

    /// The backward pass of a block whose backward pass starts right after its forward pass
    /// (the function's body, the arms of an `if` that ends one). An `if` that ends it runs its
    /// arms' backward passes inside the forward `if`: the arms' values are used where they are
    /// made, never handed out of the arm (cheaper, and possible for all of them: an iterator
    /// that borrows a `Vec` of the arm cannot leave it). Early `return`s make such `if`s: the rest
    /// of the function after one is the arm that did not return.
    fn tail_block(&mut self, block: &Block, out: &mut Vec<B>) {
        let Some((last, rest)) = block.stmts.split_last() else { return };
        match last {
            Stmt::If(i) => self.if_stmt_in(i, true, out),
            s => self.stmt(s, out),
        }
        for s in rest.iter().rev() {
            self.stmt(s, out);
        }
    }

    pub(super) fn block(&mut self, block: &Block, out: &mut Vec<B>) {
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
                    .enumerate()
                    .map(|(i, a)| match a {
                        Operand::Val(v)
                            if self.body.vals[*v].active || gate.is_integer_input(i) || gate.mixes_floats() =>
                        {
                            self.name(*v)
                        }
                        Operand::Val(v) => super::dual_mode::lift(self.name(*v)),
                        Operand::Lit(t) if gate.is_integer_input(i) || gate.mixes_floats() => t.clone(),
                        Operand::Lit(t) => super::dual_mode::lift(t.clone()),
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
                    self.contribute(av, expr, Some(Reads { adj: *x, sparse: gate.selects() }), out);
                }
            }
            Stmt::Plain { .. } => {}
            Stmt::Call { out: x, args, partials, .. } => self.call(*x, args, partials, out),
            Stmt::VCall { slot, vjp, receiver, args, partials, span, .. } => {
                self.vcall(*slot, vjp, receiver.as_ref(), args, partials, *span, out);
            }
            Stmt::Index { out: x, array, index, path } => {
                if !self.has_adj(*x) {
                    return;
                }
                let d = adj_ident(*x);
                let idx = self.op(index);
                let path: Vec<TokenStream> = path.iter().map(|p| self.op(p)).collect();
                let target = self.array_adj_target(*array);
                let e = super::element(self.sig, self.body, *array, &quote!(#target), &idx, &path);
                let tokens = if super::is_struct(self.sig, *array) {
                    quote!(::gradmacro::__private::Field::add_adjoint(&mut #e, #d);)
                } else {
                    super::generic_mode::add_assign(&e, &quote!(#d))
                };
                out.push(B::Add { tokens, reads: *x });
            }
            Stmt::Store { slot, index, value, old, push } => {
                self.stored_later.insert(*slot);
                let arr = &self.body.arrays[*slot];
                // A loop before this store that the backward pass recomputes reads the array as
                // it was before the store: put the old element back (Tapenade's POP), or take
                // the pushed one off again.
                let restore = arr.read_in_loop && !self.dead_put_backs.contains(slot);
                // Only rendered where it runs: naming `old` makes the forward pass keep it.
                let undo = |s: &mut Self| {
                    let (a, idx) = (array_ident(*slot), s.op(index));
                    if *push {
                        quote!(#a.truncate(#idx);)
                    } else {
                        let o = s.op(&Operand::Val(*old));
                        quote!(#a[#idx] = #o;)
                    }
                };
                if !arr.active {
                    if restore {
                        let u = undo(self);
                        out.push(B::Raw(u));
                    }
                    return;
                }
                let idx = self.op(index);
                let da = array_adj_ident(*slot);
                self.local_adj_used.insert(*slot);
                if let Some(v) = self.active(value) {
                    self.zero_prone.insert(v);
                    self.contribute(v, quote!(#da[#idx]), None, out);
                }
                let zero = super::dual_mode::lift(quote!(0.0));
                out.push(B::Raw(quote!(#da[#idx] = #zero;)));
                if restore {
                    let u = undo(self);
                    out.push(B::Raw(u));
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
                                self.zero_prone.insert(v);
                                self.contribute(v, quote!(#da[#k]), None, out);
                            }
                        }
                    }
                    // h = [v; n]  =>  dv += dh[0] + .. + dh[n - 1]
                    ArrayInit::Repeat(it, _, _) => {
                        if let Some(v) = self.active(it) {
                            let f = &self.float;
                            // A `Vec`'s adjoint may be reused by the next iteration's buffer
                            // (`Rev::loop_buffers`): summed through a borrow.
                            let elems = if self.body.arrays[*slot].heap {
                                quote!(::core::iter::Iterator::copied(::core::iter::IntoIterator::into_iter(&#da)))
                            } else {
                                quote!(::core::iter::IntoIterator::into_iter(#da))
                            };
                            self.contribute(v, quote!(::core::iter::Iterator::sum::<#f>(#elems)), None, out);
                        }
                    }
                    // a constant value: nothing to spread
                    ArrayInit::Whole(_) => {}
                }
                // An array declared again (in a loop) starts from zeros; a `Vec` is declared once,
                // at the function's level, and its adjoint is not read again.
                if !self.body.arrays[*slot].heap {
                    let zeros = super::dual_mode::retype(&self.body.arrays[*slot].zeros);
                    out.push(B::Raw(quote!(#da = #zeros;)));
                }
            }
            Stmt::If(i) => self.if_stmt_in(i, false, out),
            Stmt::Loop(l) => self.loop_stmt(l, out),
        }
    }

    fn call(&mut self, x: ValId, args: &[CallArg], partials: &[super::ir::Partial], out: &mut Vec<B>) {
        if !self.has_adj(x) {
            return;
        }
        // A call's adjoint is exactly 0 where its value reaches nothing the result depends on (a
        // dead array element): then its partials, which may be NaN there (`‖a - a‖`), pass
        // nothing on.
        self.zero_prone.insert(x);
        let d = adj_ident(x);
        for p in partials {
            let Some(pv) = p.val else { continue };
            match &args[p.arg] {
                // y = g(.., a, ..)  =>  da += (dg/da) * dy
                // (zero-prone: `dg/da` is exactly 0 where `g` ignores `a` on its path, see `vcall`)
                CallArg::Scalar(o) => {
                    if let Some(v) = self.active(o) {
                        self.zero_prone.insert(v);
                        let pt = self.op(&Operand::Val(pv));
                        self.contribute(v, quote!(#pt * #d), Reads::of(x), out);
                    }
                }
                // y = g(.., p, ..) with a struct p  =>  dp += (dg/dp) * dy, field by field (the
                // derive's `AddScaled`: the macro cannot see the fields)
                CallArg::Struct { param, index, .. } => {
                    let pt = self.op(&Operand::Val(pv));
                    let target = self.array_adj_target(ArrayRef::Param(*param));
                    let place = match index {
                        Some(i) => {
                            let i = self.op(i);
                            quote!(#target[#i])
                        }
                        None => quote!(#target),
                    };
                    let tokens = quote!(::gradmacro::__private::AddScaled::add_scaled(&mut #place, &#pt, #d););
                    out.push(B::Add { tokens, reads: x });
                }
                // y = g(.., w, ..) with an array w  =>  dw[k] += (dg/dw)[k] * dy
                CallArg::Array { active: Some(array), .. } => {
                    let pt = self.op(&Operand::Val(pv));
                    let target = self.array_adj_target(*array);
                    let (k, g) = (super::hidden("k", 0), super::hidden("p", 0));
                    let add = super::generic_mode::add_assign(&quote!(#target[#k]), &quote!(*#g * #d));
                    let tokens = quote! {
                        for (#k, #g) in ::core::iter::Iterator::enumerate(#pt.iter()) {
                            #add
                        }
                    };
                    out.push(B::Add { tokens, reads: x });
                }
                _ => {}
            }
        }
    }

    /// `slot = g(args)` with a vector result  =>  `(_, grads..) = g_vjp(args, d_slot)`, each
    /// gradient added to its argument's adjoint.
    #[allow(clippy::too_many_arguments)]
    fn vcall(
        &mut self,
        slot: usize,
        vjp: &TokenStream,
        receiver: Option<&(TokenStream, Vec<ValId>)>,
        args: &[CallArg],
        partials: &[super::ir::Partial],
        span: proc_macro2::Span,
        out: &mut Vec<B>,
    ) {
        if !self.body.arrays[slot].active || !self.local_adj_used.contains(&slot) {
            return;
        }
        let da = array_adj_ident(slot);
        let names: Vec<Ident> = (0..partials.len()).map(|k| super::hidden(&format!("c{slot}_"), k)).collect();
        let active: Vec<bool> = partials
            .iter()
            .map(|p| match &args[p.arg] {
                CallArg::Scalar(o) => self.active(o).is_some(),
                CallArg::Array { active, .. } => active.is_some(),
                CallArg::Other { .. } | CallArg::Struct { .. } => false,
            })
            .collect();
        let pats = names.iter().zip(&active).map(|(n, a)| if *a { quote!(#n) } else { quote!(_) });
        let mut toks = Vec::new();
        for a in args {
            toks.push(match a {
                CallArg::Scalar(o) => self.op(o),
                CallArg::Array { tokens, uses, .. }
                | CallArg::Other { tokens, uses }
                | CallArg::Struct { tokens, uses, .. } => {
                    self.refs.extend(uses.iter().map(|u| Ref::Val(*u)));
                    tokens.clone()
                }
            });
        }
        let call = match receiver {
            Some((r, uses)) => {
                self.refs.extend(uses.iter().map(|u| Ref::Val(*u)));
                quote!(#r.#vjp(#(#toks,)* #da))
            }
            None => quote!(#vjp(#(#toks,)* #da)),
        };
        let shape = partials.iter().map(|_| quote!(_));
        out.push(B::Raw(quote::quote_spanned! {span=>
            let (_, #(#pats,)*) = ::gradmacro::__private::vjp_companion::<(_, #(#shape,)*), _>(#call);
        }));
        for ((p, n), a) in partials.iter().zip(&names).zip(&active) {
            if !*a {
                continue;
            }
            match &args[p.arg] {
                // A vjp's gradient is exactly 0 whenever its seed is (the rows of a Jacobian,
                // an output the caller ignores): the backward work downstream is then skipped,
                // as for a seed, so an infinite slope there cannot make 0 × inf = NaN.
                CallArg::Scalar(o) => {
                    if let Some(v) = self.active(o) {
                        self.zero_prone.insert(v);
                        self.contribute(v, quote!(#n), None, out);
                    }
                }
                CallArg::Array { active: Some(array), .. } => {
                    let target = self.array_adj_target(*array);
                    let (k, g) = (super::hidden("k", 0), super::hidden("p", 0));
                    let add = super::generic_mode::add_assign(&quote!(#target[#k]), &quote!(*#g));
                    out.push(B::Raw(quote! {
                        for (#k, #g) in ::core::iter::Iterator::enumerate(#n.iter()) {
                            #add
                        }
                    }));
                }
                _ => {}
            }
        }
        // Called again (in a loop), the slot's adjoint starts from zeros.
        if !self.body.arrays[slot].beside {
            let zeros = &super::dual_mode::retype(&self.body.arrays[slot].zeros);
            out.push(B::Raw(quote!(#da = #zeros;)));
        }
    }

    /// The backward pass of an `if`; `fused`: it ends a block whose backward pass follows its
    /// forward pass (see [`Rev::tail_block`]).
    fn if_stmt_in(&mut self, i: &super::ir::If, fused: bool, out: &mut Vec<B>) {
        let seeded: Vec<_> = i.phis.iter().filter(|p| self.has_adj(p.out)).cloned().collect();
        let arrays = writes_tracked_array(self.body, &i.then_block) || writes_tracked_array(self.body, &i.else_block);
        if seeded.is_empty() && !arrays {
            return;
        }
        let cond = self.op(&i.cond);
        let mut arms = Vec::new();
        for (k, block) in [&i.then_block, &i.else_block].into_iter().enumerate() {
            let defs = direct_defs(block);
            // What the forward pass hands out of the arm as an `Option` is unwrapped where it is
            // read: only in this arm's backward pass, which runs only if the arm did.
            let absent: Vec<ValId> =
                defs.iter().copied().filter(|&v| !fused && super::forward::absent_in_other_arm(self.body, v)).collect();
            self.push_frame(defs);
            let mut all = HashSet::new();
            if !fused {
                block.for_each_def(&mut |v| {
                    all.insert(v);
                });
            }
            self.arm_defs.push(all);
            let mut bs = Vec::new();
            for p in &seeded {
                let v = if k == 0 { &p.then_val } else { &p.else_val };
                if let Some(v) = self.active(v) {
                    let d = adj_ident(p.out);
                    self.contribute(v, quote!(#d), Reads::of(p.out), &mut bs);
                }
            }
            if fused {
                self.tail_block(block, &mut bs);
            } else {
                self.block(block, &mut bs);
            }
            self.arm_defs.pop();
            let mut pre = Vec::new();
            self.pop_frame(&mut pre);
            let mut unwraps: Vec<B> = absent
                .iter()
                .filter(|&&v| self.refs.contains(&Ref::Val(v)))
                .map(|&v| {
                    let n = self.name(v);
                    B::Raw(quote!(let #n = ::core::option::Option::unwrap(#n);))
                })
                .collect();
            unwraps.extend(bs);
            arms.push((pre, unwraps));
        }
        let (else_pre, else_bs) = arms.pop().unwrap_or_default();
        let (then_pre, then_bs) = arms.pop().unwrap_or_default();
        out.extend(then_pre);
        out.extend(else_pre);
        if fused {
            self.fused_ifs.insert(if_id(i));
            out.push(B::Fused { id: if_id(i), then_bs, else_bs });
        } else {
            out.push(B::Group { head: quote!(if #cond), body: then_bs, tail: Some((quote!(else), else_bs)) });
        }
    }
}
