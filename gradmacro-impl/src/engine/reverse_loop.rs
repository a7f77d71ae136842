//! The reverse pass of loops that are not fused (those are `reverse_fuse.rs`'s): a backward loop
//! that recomputes each iteration's needed forward statements, restoring carried values from a
//! tape when the recomputation needs them.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::forward::{Fwd, Mode};
use super::ir::{Block, Body, Loop, LoopKind, Operand, Stmt, ValId};
use super::reverse::{B, LoopPlan, Ref, Rev, direct_defs, loop_inner_defs, writes_tracked_array};
use super::{array_ident, count_ident, iter_ident, slot_adj_ident};

impl Rev<'_> {
    #[allow(clippy::too_many_lines, reason = "one loop reversal, step by step")]
    pub(super) fn loop_stmt(&mut self, l: &Loop, out: &mut Vec<B>) {
        let active_carried: Vec<_> = l.carried.iter().filter(|c| self.body.vals[c.after].active).cloned().collect();
        let seeded = active_carried.iter().any(|c| self.has_adj(c.after));
        if !seeded && !writes_tracked_array(self.body, &l.body) {
            return;
        }
        if self.fuse(l, &active_carried, out) {
            return;
        }
        // Slot adjoints carry each variable's adjoint from one iteration to the one before.
        for c in &active_carried {
            let ds = slot_adj_ident(c.slot);
            let init = self.adj_or_zero(c.after);
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
                // A carried value overwritten after the loop, or not read after it, carries a
                // zero adjoint through every iteration.
                self.zero_prone.insert(v);
                self.contribute(v, quote!(#ds), None, &mut body_bs);
            }
        }
        self.loop_depth += 1;
        self.block(&l.body, &mut body_bs);
        self.loop_depth -= 1;
        body_bs.splice(0..0, self.loop_buffers(l));
        for c in &active_carried {
            let ds = slot_adj_ident(c.slot);
            let value = self.adj_or_zero(c.entry);
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
        let base = needed.clone();
        close_needed(self.body, &l.body, &mut needed, &HashSet::new());
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
        // Arrays the body only writes need no copy per iteration (see `loop_arrays`): a push is
        // undone by its index, a store by the element it replaced, which the loop's tape keeps.
        // A loop with nothing else to tape gets a tape for them: copying the whole array per
        // iteration, the alternative, would tape too (`for j in 0..k { h[j] = .. }`: O(k) per
        // iteration, O(k²) in all, against O(1) and O(k)).
        let plain_stores =
            |s: usize| l.body.stmts.iter().any(|st| matches!(st, Stmt::Store { slot, push: false, .. } if *slot == s));
        let kept: Vec<usize> = super::loop_arrays::unread_written(self.body, l);
        let tape_kept = kept.iter().any(|&s| plain_stores(s));
        // Arrays the body reads, written only by its top-level stores: put back element by
        // element before each replay (see `loop_arrays::top_stores`).
        let undone: Vec<(usize, Vec<(Operand, ValId)>)> = l
            .written_arrays
            .iter()
            .copied()
            .filter(|s| self.body.arrays[*s].read_in_loop && !kept.contains(s))
            .filter_map(|s| super::loop_arrays::top_stores(l, s).map(|st| (s, st)))
            .collect();
        // A pretaped loop's inner loops put back what they wrote (see `loop_arrays`).
        let pretaped: Option<Vec<&Loop>> =
            if self.loop_depth > 0 { super::loop_arrays::pretaped_inner(self.body, l, &self.plans) } else { None };
        let inner_written =
            |s: usize| pretaped.as_ref().is_some_and(|inner| inner.iter().any(|n| n.written_arrays.contains(&s)));
        let tape_arrays: Vec<usize> = l
            .written_arrays
            .iter()
            .copied()
            .filter(|s| self.body.arrays[*s].read_in_loop && !kept.contains(s) && !undone.iter().any(|u| u.0 == *s))
            .filter(|s| !inner_written(*s))
            .collect();
        // Iterations differ (they read the index or element) and an adjoint travels from one
        // to the one before: the backward pass must visit them in reverse. A constant iterator
        // that stopped early cannot be reversed in general, so its elements go on the tape.
        let early = l.exit_code.is_some();
        // Stores into an array that outlives the iteration: a later iteration may overwrite what
        // an earlier one wrote, so only the reverse order gives each write its adjoint.
        let writes_outer = l.written_arrays.iter().any(|s| self.body.arrays[*s].active);
        let order_sensitive =
            !bound.is_empty() && (writes_outer || active_carried.iter().any(|c| !accumulates(&l.body, c)));
        // A pretaped loop's backward pass visits the iterations in reverse (its inner loops' tapes
        // are stacks): its own tape gives it that order.
        let taped = pretaped.is_some()
            || !entries.is_empty()
            || !tape_arrays.is_empty()
            || tape_kept
            || !undone.is_empty()
            || (order_sensitive && early && matches!(l.kind, LoopKind::ForIter { .. }));
        // A taped loop also stores the gate values its backward rules read (those computed at
        // the body's top level) instead of computing them again: `y.sin()` is popped, not
        // recomputed. What the rest of the recomputation then needs is found again.
        let mut stored: Vec<ValId> = Vec::new();
        let from_item = copies_of_item(&l.body, bound_all(l));
        let (needed, entries, bound) = if taped {
            stored = l
                .body
                .stmts
                .iter()
                .filter_map(|s| match s {
                    Stmt::Gate { out, .. } if base.contains(&Ref::Val(*out)) => Some(*out),
                    // A number computed from the loop's item (`for &a in b.iter()`,
                    // `(i, &a)` of an `enumerate`): stored, not recomputed from the item, which
                    // may borrow a buffer of an `if` arm that the arm hands out (a tape holding
                    // that borrow could not leave the arm with it).
                    Stmt::Plain { out: Some(out), .. } if base.contains(&Ref::Val(*out)) && from_item.contains(out) => {
                        Some(*out)
                    }
                    Stmt::Store { slot, old, push: false, .. }
                        if kept.contains(slot) && base.contains(&Ref::Val(*old)) =>
                    {
                        Some(*old)
                    }
                    _ => None,
                })
                .collect();
            // What putting back an undone array's elements reads: each replaced element, and its
            // index where the iteration computes it.
            for (_, stores) in &undone {
                for (index, old) in stores {
                    stored.push(*old);
                    if let Operand::Val(i) = index {
                        if inner_defs.contains(i) {
                            stored.push(*i);
                        } else {
                            self.refs.insert(Ref::Val(*i));
                        }
                    }
                }
            }
            let mut seen = HashSet::new();
            stored.retain(|v| seen.insert(*v));
            // What a pretaped loop's inner loops leave after them comes from the tape: they do
            // not run again.
            let inner_out: Vec<ValId> =
                pretaped.iter().flatten().flat_map(|n| n.carried.iter().map(|c| c.after).chain(n.exit_after)).collect();
            let mut leaves: HashSet<ValId> = stored.iter().copied().collect();
            leaves.extend(inner_out.iter().copied());
            let mut rest: HashSet<Ref> =
                base.iter().filter(|r| !matches!(r, Ref::Val(v) if leaves.contains(v))).copied().collect();
            rest.extend(kept.iter().map(|s| Ref::Kept(*s)));
            rest.extend(
                undone
                    .iter()
                    .filter(|(s, _)| !super::loop_arrays::read_after_store(&l.body, *s))
                    .map(|(s, _)| Ref::Kept(*s)),
            );
            rest.extend(pretaped.iter().flatten().map(|n| Ref::Taped(n.id)));
            close_needed(self.body, &l.body, &mut rest, &leaves);
            for v in inner_out {
                if (rest.contains(&Ref::Val(v)) || base.contains(&Ref::Val(v))) && seen.insert(v) {
                    stored.push(v);
                }
            }
            rest.retain(|r| !matches!(r, Ref::Val(v) if leaves.contains(v)));
            let keep = |vs: &[ValId]| vs.iter().copied().filter(|v| rest.contains(&Ref::Val(*v))).collect::<Vec<_>>();
            let (entries, bound) = (keep(&entries), keep(&bound));
            (rest, entries, bound)
        } else {
            let mut needed = needed;
            needed.extend(kept.iter().map(|s| Ref::Kept(*s)));
            (needed, entries, bound)
        };
        let hoisted = taped && self.loop_depth > 0 && !borrows_iteration_locals(self.body, l);
        if hoisted {
            self.hoisted_tapes.insert(l.id);
        }
        let checkpoint = taped && !hoisted && pretaped.is_none() && self.checkpointable(l);
        let mut plan = LoopPlan { taped, hoisted, checkpoint, pretaped: pretaped.is_some(), ..LoopPlan::default() };

        let mut restore = TokenStream::new();
        let header = if taped {
            let mut pat: Vec<TokenStream> =
                entries.iter().chain(bound.iter()).chain(stored.iter()).map(|v| self.name(*v)).collect();
            // An undone array's elements go back in reverse order of their stores: the array is
            // then as the iteration found it.
            for (s, stores) in &undone {
                let a = array_ident(*s);
                for (index, old) in stores.iter().rev() {
                    let (i, o) = (self.op(index), self.name(*old));
                    restore.extend(quote!(#a[#i] = #o;));
                }
            }
            // A popped array is copied back into its slot: the recomputation writes the slot.
            for s in &tape_arrays {
                let (a, t) = (array_ident(*s), super::hidden("saved", *s));
                pat.push(quote!(#t));
                restore.extend(quote!(#a = #t;));
            }
            // The inner loops' tapes hold every iteration's entries: each iteration's backward
            // pass pops down to the marks its forward run took.
            for n in pretaped.iter().flatten() {
                if self.plans.get(&n.id).is_some_and(|p| p.taped) {
                    let mark = super::hidden("mark", n.id);
                    pat.push(quote!(#mark));
                    plan.marks.push(n.id);
                    self.mark_run(n.id, &mut body_bs);
                }
            }
            // .. and an untaped inner loop iterates its range again.
            for n in pretaped.iter().flatten() {
                if self.plans.get(&n.id).is_some_and(|p| !p.taped && p.clone_iter) {
                    let it = iter_ident(n.id);
                    pat.push(quote!(#it));
                    plan.iters.push(n.id);
                }
            }
            plan.tape_vals = entries.iter().chain(bound.iter()).chain(stored.iter()).copied().collect();
            plan.numbers =
                bound.iter().copied().filter(|v| !self.body.vals[*v].active && only_floats(&l.body, *v)).collect();
            plan.tape_arrays.clone_from(&tape_arrays);
            self.refs.insert(Ref::Tape(l.id));
            Head::Pop(quote!((#(#pat,)*)))
        } else {
            Head::Group(match &l.kind {
                LoopKind::ForIter { pat, iterable, iterable_uses, .. } => {
                    // In the dual program the iterable is not evaluated again: it may read active
                    // values, whose value parts the forward pass took (`Fwd::plain`).
                    let it = if !super::dual_mode::on() && self.rebuilds(iterable, iterable_uses) {
                        self.refs.extend(iterable_uses.iter().map(|v| Ref::Val(*v)));
                        quote!(::core::iter::IntoIterator::into_iter(#iterable))
                    } else {
                        plan.clone_iter = true;
                        self.refs.insert(Ref::Iter(l.id));
                        iter_ident(l.id).into_token_stream()
                    };
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
            })
        };
        self.plans.insert(l.id, plan);

        let recompute = self.replay(&needed, true, |fwd| fwd.block(&l.body));
        let mut iteration = vec![B::Raw(restore), B::Raw(recompute)];
        iteration.extend(body_bs);
        out.extend(pre);
        out.push(match header {
            Head::Pop(pat) if checkpoint => {
                let plan = self.plans.get(&l.id).cloned().unwrap_or_default();
                self.checkpointed(l, &plan, super::reverse::pop_head(l.id, &pat, false), iteration)
            }
            Head::Pop(pat) => B::Pop { id: l.id, pat, marked: false, body: iteration },
            Head::Group(head) => B::Group { head, body: iteration, tail: None },
        });

        for c in &active_carried {
            if let Some(v) = self.active(&c.init) {
                let ds = slot_adj_ident(c.slot);
                self.zero_prone.insert(v);
                self.contribute(v, quote!(#ds), None, out);
            }
        }
    }
}

impl Rev<'_> {
    /// Runs `f` with the forward emitter of a replay inside the backward pass: the statements
    /// `needed` asks for (all of them without `filter`), no loop fused and no adjoint declared
    /// beside its `Vec` (those belong to the function's forward pass).
    pub(super) fn replay<R>(&self, needed: &HashSet<Ref>, filter: bool, f: impl FnOnce(&Fwd<'_>) -> R) -> R {
        let (no_fused, no_heap) = (HashMap::new(), HashSet::new());
        f(&Fwd {
            body: self.body,
            sig: self.sig,
            plans: &self.plans,
            fused: &no_fused,
            heap_adj: &no_heap,
            mode: Mode::Level { needed, filter },
        })
    }
}

/// A loop's backward head: a taped loop pops its tape (`B::Pop`, the entries bound to the
/// pattern); any other runs its iterations again (`for`).
enum Head {
    Pop(TokenStream),
    Group(TokenStream),
}

impl Rev<'_> {
    /// Makes the backward pass of taped inner loop `n` (in `body_bs`, the body's backward code)
    /// pop only the entries of its own run, above the mark its forward run took.
    fn mark_run(&mut self, n: super::ir::LoopId, body_bs: &mut [B]) {
        let Some(p) = self.plans.get_mut(&n) else { return };
        p.marked = true;
        for b in body_bs {
            if let B::Pop { id, marked, .. } = b
                && *id == n
            {
                *marked = true;
            }
        }
    }
}

/// Whether a carried variable only accumulates (`s += e`, `s -= e`, possibly under an `if`): its
/// adjoint is then the same in every iteration and the iterations can be replayed in any order.
pub(super) fn accumulates(body: &Block, c: &super::ir::Carried) -> bool {
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
pub fn close_needed(body: &Body, block: &Block, needed: &mut HashSet<Ref>, leaves: &HashSet<ValId>) {
    loop {
        let before = needed.len();
        walk_needed(body, block, needed, leaves);
        if needed.len() == before {
            break;
        }
    }
}

/// Whether a loop's items may borrow what an enclosing loop's iteration made (`for (i, &v) in
/// terms.iter().enumerate()` over a `Vec` collected in the outer body): a tape of such items
/// hoisted to the function's level would outlive the borrowed value (E0716, found by the oracle
/// when it began to collect buffers in loop bodies), so it stays in the enclosing iteration.
fn borrows_iteration_locals(body: &Body, l: &Loop) -> bool {
    let LoopKind::ForIter { iterable, iterable_uses, .. } = &l.kind else { return false };
    // A range (`s + 1..d`, `(0..k).rev()`) owns its bounds: only its adaptors' arguments
    // (`.zip(v.iter())`) may borrow.
    let mut looked_at = iterable.clone();
    if let Ok(mut e) = syn::parse2::<syn::Expr>(iterable.clone()) {
        let mut args = TokenStream::new();
        loop {
            match e {
                syn::Expr::MethodCall(m) => {
                    args.extend(m.args.to_token_stream());
                    e = *m.receiver;
                }
                syn::Expr::Paren(p) => e = *p.expr,
                _ => break,
            }
        }
        if matches!(e, syn::Expr::Range(_)) {
            looked_at = args;
        }
    }
    let iterable = &looked_at;
    let iterable_uses: Vec<ValId> = iterable_uses
        .iter()
        .copied()
        .filter(|v| super::mentions(iterable, &super::val_ident(&body.vals, *v).to_string()))
        .collect();
    let top = direct_defs(&body.block);
    let top_arrays: HashSet<usize> = body
        .block
        .stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::ArrayDecl { slot, .. } => Some(*slot),
            _ => None,
        })
        .collect();
    iterable_uses.iter().any(|v| !top.contains(v) && !body.params.contains(&Some(*v)))
        || (0..body.arrays.len())
            .any(|s| !top_arrays.contains(&s) && super::mentions(iterable, &array_ident(s).to_string()))
}

/// `leaves` are values the iteration gets from the tape: their statements are not recomputed.
fn walk_needed(body: &Body, block: &Block, needed: &mut HashSet<Ref>, leaves: &HashSet<ValId>) {
    for s in block.stmts.iter().rev() {
        if let Stmt::Gate { out, .. } | Stmt::Plain { out: Some(out), .. } = s
            && leaves.contains(out)
        {
            continue;
        }
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
                    walk_needed(body, &i.then_block, needed, leaves);
                    walk_needed(body, &i.else_block, needed, leaves);
                }
                other => other.for_each_use(&mut |v| {
                    needed.insert(Ref::Val(v));
                }),
            }
        }
    }
}

impl Rev<'_> {
    /// Whether the backward pass of a `for` loop over `iterable` makes the iterator again
    /// instead of keeping the forward pass's. The forward pass hands its iterator out of the `if`
    /// arm around the loop, which cannot be done when the iterator borrows a value of the arm
    /// (`let v: Vec<f64> = ..collect(); for x in v.iter()`, also after an early `return`: the
    /// rest of the function is an arm). Then the borrowed values are handed out instead, and the
    /// iterator is made again from them: only for an `iterable` that borrows (`&v`, `v.iter()`,
    /// adaptors of those, ranges), so evaluating it again gives the same items, and never over a
    /// local array (its elements may change after the loop).
    pub(super) fn rebuilds(&self, iterable: &TokenStream, uses: &[ValId]) -> bool {
        let arm_local = uses.iter().any(|u| self.arm_defs.iter().any(|d| d.contains(u)));
        arm_local
            && !mentions_local_array(iterable.clone())
            && syn::parse2::<syn::Expr>(iterable.clone()).is_ok_and(|e| borrows(&e, &|e| self.borrowed_param(e)))
    }

    /// A parameter that is a reference to floats (`y` in `x.iter().zip(y)`): `Copy`.
    pub(super) fn borrowed_param(&self, e: &syn::Expr) -> bool {
        let syn::Expr::Path(p) = e else { return false };
        p.path.get_ident().is_some_and(|id| {
            self.sig.params.iter().any(|q| {
                q.ident.as_ref() == Some(id)
                    && !q.owned
                    && matches!(q.shape, super::sig::Shape::Array { .. } | super::sig::Shape::Slice)
            })
        })
    }
}

pub(super) fn mentions_local_array(t: TokenStream) -> bool {
    t.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => {
            let s = i.to_string();
            s.strip_prefix("__a").is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        }
        proc_macro2::TokenTree::Group(g) => mentions_local_array(g.stream()),
        _ => false,
    })
}

/// An iterable that only borrows what it iterates (evaluating it again moves nothing);
/// `param` accepts a bare parameter that is a reference.
pub(super) fn borrows(e: &syn::Expr, param: &dyn Fn(&syn::Expr) -> bool) -> bool {
    use syn::Expr;
    match e {
        Expr::Paren(p) => borrows(&p.expr, param),
        Expr::Group(g) => borrows(&g.expr, param),
        Expr::Path(_) => param(e),
        Expr::Reference(r) => r.mutability.is_none() && matches!(&*r.expr, Expr::Path(_) | Expr::Field(_)),
        Expr::Range(_) => true,
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match name.as_str() {
                "iter" | "windows" | "chunks" | "chunks_exact" | "keys" | "values" | "chars" | "bytes" => {
                    matches!(&*m.receiver, Expr::Path(_) | Expr::Field(_)) || borrows(&m.receiver, param)
                }
                "enumerate" | "rev" | "skip" | "take" | "step_by" | "copied" | "cloned" => borrows(&m.receiver, param),
                "zip" | "chain" => borrows(&m.receiver, param) && m.args.iter().all(|a| borrows(a, param)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// The loop's item values (`for t in ..` binds them), all of them.
fn bound_all(l: &Loop) -> Vec<ValId> {
    match &l.kind {
        LoopKind::ForIter { bound, .. } => bound.clone(),
        _ => Vec::new(),
    }
}

/// Values of `body`'s top level computed in plain code from the loop's item values `item`
/// (transitively) that are numbers, so a tape can hold them in the item's place: floats (their
/// kind, or a gate reads them as a float) and indices (an `Index` or `Store` reads them).
fn copies_of_item(body: &Block, item: Vec<ValId>) -> HashSet<ValId> {
    let mut derived: HashSet<ValId> = item.into_iter().collect();
    let mut numbers: HashSet<ValId> = HashSet::new();
    for s in &body.stmts {
        match s {
            Stmt::Gate { gate, args, .. } => numbers.extend(
                args.iter().enumerate().filter(|(i, _)| !gate.is_integer_input(*i)).filter_map(|(_, a)| a.val()),
            ),
            Stmt::Index { index, .. } | Stmt::Store { index, .. } => numbers.extend(index.val()),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for s in &body.stmts {
        if let Stmt::Plain { out: Some(v), uses, .. } = s
            && uses.iter().any(|u| derived.contains(u))
        {
            derived.insert(*v);
            out.insert(*v);
        }
    }
    out.retain(|v| numbers.contains(v));
    out
}

/// Whether every read of `v` in `b` (nested blocks too) is a float operand of a gate: then `v`
/// is a float or a reference to one, and a tape may hold the float instead.
fn only_floats(b: &Block, v: ValId) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Gate { gate, args, .. } => {
            args.iter().enumerate().all(|(i, a)| a.val() != Some(v) || !gate.is_integer_input(i))
        }
        Stmt::If(i) => {
            i.cond.val() != Some(v) && only_floats(&i.then_block, v) && only_floats(&i.else_block, v) && {
                i.phis.iter().all(|p| p.then_val.val() != Some(v) && p.else_val.val() != Some(v))
            }
        }
        other => {
            let mut reads = false;
            other.for_each_use(&mut |u| reads |= u == v);
            !reads
        }
    })
}
