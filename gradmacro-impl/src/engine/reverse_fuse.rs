//! The reverse pass of a top-level loop fused into its forward loop: each iteration's backward
//! statements run at the end of the iteration, when the adjoints they need are known before the
//! loop runs (see [`Rev::fuse`]). The `vec!` buffers a loop body declares get their adjoints
//! reset where each iteration's backward pass starts ([`Rev::loop_buffers`]).

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use quote::quote;

use super::ir::{Block, Loop, Stmt};
use super::reverse::{B, Fused, LetState, Reads, Ref, Rev, direct_defs, loop_inner_defs};
use super::reverse_loop::accumulates;
use super::{adj_ident, array_ident, slot_adj_ident};

impl Rev<'_> {
    /// A top-level loop that only accumulates into variables whose adjoint is the seed 1 (a loss
    /// summed over data, returned as it is or plus other terms) has the same adjoint in every
    /// iteration, known before the loop runs: its backward pass is fused into the forward loop,
    /// one pass over the data as a hand-written backward pass would do.
    ///
    /// When one accumulator's adjoint is not the seed but the loop adds only to scalar adjoints
    /// (`Σ (xᵢ - μ)²` over constant data, then `/ n`: a mean loss), the loop is fused all the
    /// same with the seed 1, into one preaccumulated sum per scalar it adds to, and the backward
    /// pass adds each times the accumulator's adjoint once it is known: the backward pass of an
    /// iteration is linear in the adjoint it is given (preaccumulation, Griewank & Walther §10).
    pub(super) fn fuse(&mut self, l: &Loop, active_carried: &[super::ir::Carried], out: &mut Vec<B>) -> bool {
        // The fused loop adds to array adjoints during the forward pass, before the backward
        // pass of a later store reads and resets the adjoint of the element it overwrote: that
        // store would take the loop's contribution as its own. The arrays it writes are its
        // scratch space (each iteration overwrites them before reading them, see
        // `loop_arrays::scratch`): no adjoint goes from one iteration to another through them.
        let fusable = self.frames.len() == 1
            && self.loop_depth == 0
            && l.written_arrays.iter().all(|&s| super::loop_arrays::scratch(self.body, l, s))
            && !super::reverse::adds_to_array_adj(&l.body, &self.stored_later)
            && active_carried.iter().all(|c| accumulates(&l.body, c));
        if !fusable {
            return false;
        }
        let seeded_n = active_carried.iter().filter(|c| self.has_adj(c.after)).count();
        let unit = active_carried.iter().all(|c| !self.has_adj(c.after) || self.unit.contains(&c.after));
        let preaccumulate = !unit && seeded_n == 1 && !reads_arrays(&l.body);
        if !unit && !preaccumulate {
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
            let one = super::dual_mode::lift(quote!(1.0));
            prelude.push(B::Raw(quote!(let #ds = #one;)));
            if let Some(v) = self.active(&c.exit) {
                self.contribute(v, quote!(#ds), None, &mut body_bs);
            }
        }
        self.loop_depth += 1;
        self.block(&l.body, &mut body_bs);
        self.loop_depth -= 1;
        body_bs.splice(0..0, self.loop_buffers(l));
        if preaccumulate {
            let Some(done) = self.frames.pop() else { return false };
            let Some(c) = seeded.first() else { return false };
            let d_after = adj_ident(c.after);
            // Each iteration adds to its own zero `d_v` (the names the body's rules use), which
            // goes into the sum `pre_v` at the end of the iteration; `-0.0 + x` folds to `x`.
            let mut lets = Vec::new();
            let mut pres = Vec::new();
            for &v in &done.outer {
                self.pres += 1;
                let (d, pre) = (adj_ident(v), super::hidden("pre", self.pres));
                pres.push(pre.clone());
                let (zero, neg_zero) = (super::dual_mode::lift(quote!(0.0)), super::dual_mode::lift(quote!(-0.0)));
                prelude.push(B::Raw(quote!(let mut #pre = #zero;)));
                lets.push(B::Raw(quote!(let mut #d = #neg_zero;)));
                body_bs.push(B::Raw(super::generic_mode::add_assign(&quote!(#pre), &quote!(#d))));
            }
            lets.append(&mut body_bs);
            body_bs = lets;
            let inner_refs = self.leave_fused_body(l, outer_refs);
            if let Some(v) = self.active(&c.init) {
                self.contribute(v, quote!(#d_after), Reads::of(c.after), out);
            }
            for (&v, pre) in done.outer.iter().zip(pres) {
                self.contribute(v, quote!(#d_after * #pre), Reads::of(c.after), out);
            }
            self.fused.insert(l.id, Fused { prelude, iteration: body_bs, reads: inner_refs });
            return true;
        }
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
                prelude.push(B::Let {
                    name: adj_ident(v),
                    expr: super::dual_mode::lift(quote!(0.0)),
                    state: cell,
                    link: None,
                    escapes: false,
                });
            }
        }
        let inner_refs = self.leave_fused_body(l, outer_refs);
        for c in &seeded {
            if let Some(v) = self.active(&c.init) {
                let d = adj_ident(c.after);
                self.contribute(v, quote!(#d), Reads::of(c.after), out);
            }
        }
        self.fused.insert(l.id, Fused { prelude, iteration: body_bs, reads: inner_refs });
        true
    }

    /// The adjoints of the buffers the loop body declares (at its top level or in its arms, see
    /// `declare_vec`), set to zeros of the buffer's length where the iteration's backward pass
    /// starts: after the forward statements of the iteration in a fused loop, after their
    /// recomputation otherwise, in the scope of the buffer. Each iteration's buffer is a new one;
    /// its adjoint reuses the room of the last (declared once, at the function's level), so the
    /// backward pass allocates no buffer per iteration.
    pub(super) fn loop_buffers(&self, l: &Loop) -> Vec<B> {
        let mut out = Vec::new();
        self.block_buffers(&l.body, &mut out);
        out
    }

    fn block_buffers(&self, b: &Block, out: &mut Vec<B>) {
        for s in &b.stmts {
            match s {
                Stmt::ArrayDecl { slot, .. } if self.body.arrays[*slot].heap && self.local_adj_used.contains(slot) => {
                    let (da, a) = (super::array_adj_ident(*slot), array_ident(*slot));
                    out.push(B::Raw(quote!(::gradmacro::__private::reset_zeros(&mut #da, #a.len());)));
                }
                Stmt::If(i) => {
                    self.block_buffers(&i.then_block, out);
                    self.block_buffers(&i.else_block, out);
                }
                _ => {}
            }
        }
    }

    /// Puts the enclosing references back after the fused body of `l` was reversed, keeping the
    /// outer values the body reads (the forward pass must keep them); returns what the body
    /// read, which its fused backward statements need from the forward iteration.
    fn leave_fused_body(&mut self, l: &Loop, outer_refs: HashSet<Ref>) -> HashSet<Ref> {
        let inner_refs = std::mem::replace(&mut self.refs, outer_refs);
        let inner_defs = loop_inner_defs(l);
        for r in &inner_refs {
            if let Ref::Val(v) = r
                && !inner_defs.contains(v)
            {
                self.refs.insert(*r);
            }
        }
        inner_refs
    }
}

/// Whether a block reads elements of differentiated arrays (whose adjoints are arrays, which a
/// preaccumulated loop would have to copy).
fn reads_arrays(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Index { .. } | Stmt::VCall { .. } => true,
        Stmt::Call { args, .. } => args.iter().any(|a| {
            matches!(a, super::ir::CallArg::Array { active: Some(_), .. } | super::ir::CallArg::Struct { .. })
        }),
        Stmt::If(i) => reads_arrays(&i.then_block) || reads_arrays(&i.else_block),
        Stmt::Loop(l) => reads_arrays(&l.body),
        _ => false,
    })
}
