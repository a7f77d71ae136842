//! `#[differentiate(checkpoint)]`: a taped loop keeps snapshots instead of a full tape.
//!
//! A taped loop's tape grows with its trip count `n` (10⁷ steps of a simulation: hundreds of
//! MB). Under `checkpoint`, the forward loop saves only its state (the carried values and a
//! clone of its iterator) every `c = ⌈√n⌉` iterations, in a `Checkpoints` store. The backward
//! pass takes the snapshots back last first; for each it runs that segment's iterations forward
//! again, the same code as the forward loop, pushing what the plain loop would have pushed onto
//! a tape of at most `c` entries (one buffer, reused), then pops it with the plain loop's
//! backward iteration. Memory: about `2√n` entries instead of `n`; cost: the loop body's
//! forward code runs twice.
//!
//! Only loops the plain reversal tapes, at the function's top level (not inside another loop or
//! an `if` arm, which hand their tapes around), whose body only computes values (no local array
//! written, declared or pushed to, no nested loop): a segment then runs again exactly as it
//! first ran. Every other loop keeps the plain tape. A `for` loop's iterator must be cheap to
//! clone and borrow only what outlives the backward pass; its size hint sets the segment length.
//! A `while` loop's store starts with segments of one iteration and doubles them as the
//! snapshots pile up (`Checkpoints::save`). A `break`, `continue` or `return` in the body ends its
//! iteration (the body is structured, its exit code is tested at its end): the forward loop
//! counts the iteration that stopped it, and its segment runs again up to it.

use proc_macro2::TokenStream;
use quote::quote;

use super::forward::Fwd;
use super::ir::{Block, Loop, LoopKind, Stmt};
use super::reverse::{B, LoopPlan, Rev};
use super::{hidden, iter_ident, slot_ident, tape_ident};

fn store_ident(l: usize) -> proc_macro2::Ident {
    hidden("ck", l)
}

/// Whether a loop body only computes values (see the module's doc).
fn computes_only(b: &Block) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Gate { .. } | Stmt::Plain { .. } | Stmt::Index { .. } | Stmt::Call { .. } => true,
        Stmt::If(i) => computes_only(&i.then_block) && computes_only(&i.else_block),
        Stmt::Store { .. } | Stmt::ArrayDecl { .. } | Stmt::VCall { .. } | Stmt::Loop(_) => false,
    })
}

impl Rev<'_> {
    /// Whether a loop the plain reversal tapes is taped in segments instead.
    pub(super) fn checkpointable(&self, l: &Loop) -> bool {
        let iterates = match &l.kind {
            LoopKind::ForIndex { .. } => true,
            // Each snapshot clones the iterator: it must be cheap to clone (it borrows what it
            // walks) and what it borrows must outlive the backward pass (no local array, whose
            // elements may change after the loop).
            LoopKind::ForIter { iterable, .. } => {
                !super::reverse_loop::mentions_local_array(iterable.clone())
                    && syn::parse2::<syn::Expr>(iterable.clone())
                        .is_ok_and(|e| super::reverse_loop::borrows(&e, &|e| self.borrowed_param(e)))
            }
            // Its store starts with segments of 1 and doubles them as the snapshots pile up; its
            // condition runs again with each iteration.
            LoopKind::While { cond_block, .. } => computes_only(cond_block),
        };
        self.sig.checkpoint
            && iterates
            && self.frames.len() == 1
            && self.loop_depth == 0
            && l.written_arrays.is_empty()
            && computes_only(&l.body)
    }

    /// The backward pass of a checkpointed loop: per snapshot, last first, the segment's forward
    /// iterations again (filling the tape), then `backward`, the plain loop's backward
    /// iteration under `header`, which pops the tape.
    pub(super) fn checkpointed(&self, l: &Loop, plan: &LoopPlan, header: TokenStream, backward: Vec<B>) -> B {
        let (ck, it, len) = (store_ident(l.id), iter_ident(l.id), hidden("cn", l.id));
        let (pat, rerun) =
            self.replay(&std::collections::HashSet::new(), false, |fwd| (pattern(fwd, l), fwd.segment(l, plan)));
        let slots = l.carried.iter().map(|c| slot_ident(c.slot));
        let (head, replay) = if let LoopKind::While { .. } = l.kind {
            (
                quote!(while let ::core::option::Option::Some(((#(mut #slots,)*), #len)) = #ck.pop()),
                quote!(for _ in 0..#len { #rerun }),
            )
        } else {
            (
                quote!(while let ::core::option::Option::Some((((#(mut #slots,)*), #it), #len)) = #ck.pop()),
                quote!(for #pat in ::core::iter::Iterator::take(#it, #len) { #rerun }),
            )
        };
        B::Group { head, body: vec![B::Raw(replay), B::Group { head: header, body: backward, tail: None }], tail: None }
    }
}

/// What a checkpointed loop binds per iteration: its pattern, or its index.
fn pattern(fwd: &Fwd<'_>, l: &Loop) -> TokenStream {
    match &l.kind {
        LoopKind::ForIter { pat, .. } => pat.clone(),
        LoopKind::ForIndex { index, .. } => fwd.name(*index),
        LoopKind::While { .. } => quote!(_),
    }
}

impl Fwd<'_> {
    /// The forward loop: `entries` then `rest`, the iteration without tape pushes, with a
    /// snapshot of the carried slots (and the iterator) before each segment's first.
    pub(super) fn checkpointed_loop(
        &self,
        l: &Loop,
        pre: &mut TokenStream,
        entries: &TokenStream,
        rest: &TokenStream,
    ) -> TokenStream {
        let (ck, it, tape) = (store_ident(l.id), iter_ident(l.id), tape_ident(l.id));
        // Floats are copied; another carried value (an integer counter, say) is cloned.
        let state: Vec<TokenStream> = l
            .carried
            .iter()
            .map(|c| {
                let s = slot_ident(c.slot);
                let info = &self.body.vals[c.entry];
                if info.active || info.kind == super::ir::Kind::Float {
                    quote!(#s)
                } else {
                    quote!(::gradmacro::__private::keep(&#s))
                }
            })
            .collect();
        let iter = match &l.kind {
            LoopKind::ForIter { iterable, iterable_uses, .. } => {
                // In the dual program, a bound computed from active values reads their value parts.
                let (prim, iterable) = self.plain(iterable, iterable_uses);
                pre.extend(prim);
                quote!(::core::iter::IntoIterator::into_iter(#iterable))
            }
            LoopKind::ForIndex { len, len_uses, .. } => {
                let (prim, len) = self.plain(len, len_uses);
                pre.extend(prim);
                quote!(0..#len)
            }
            LoopKind::While { cond_block, cond } => {
                pre.extend(quote! {
                    let mut #ck = ::gradmacro::__private::Checkpoints::new(0);
                    let mut #tape = ::gradmacro::__private::Vec::with_capacity(#ck.every());
                });
                let cond_code = self.inner().block(cond_block);
                let test = while_test(self, cond);
                return quote! {
                    loop {
                        if #ck.due() {
                            #ck.save((#(#state,)*));
                        }
                        #entries
                        #cond_code
                        #test
                        #ck.step();
                        #rest
                    }
                };
            }
        };
        pre.extend(quote! {
            let mut #it = #iter;
            let mut #ck = ::gradmacro::__private::Checkpoints::new(::core::iter::Iterator::size_hint(&#it).0);
            let mut #tape = ::gradmacro::__private::Vec::with_capacity(#ck.every());
        });
        let pat = pattern(self, l);
        quote! {
            loop {
                if #ck.due() {
                    #ck.save(((#(#state,)*), ::core::clone::Clone::clone(&#it)));
                }
                let ::core::option::Option::Some(#pat) = ::core::iter::Iterator::next(&mut #it) else {
                    break;
                };
                #ck.step();
                #entries
                #rest
            }
        }
    }

    /// One iteration of a segment run again in the backward pass: the forward iteration, and
    /// the push of what the plain loop's tape holds.
    fn segment(&self, l: &Loop, plan: &LoopPlan) -> TokenStream {
        let tape = tape_ident(l.id);
        let entries = self.entries(l);
        // A `while` loop's condition again (the body may read what it computes); its test
        // passed in every iteration of the segment.
        let cond = match &l.kind {
            LoopKind::While { cond_block, .. } => self.inner().block(cond_block),
            _ => TokenStream::new(),
        };
        let body = self.inner().block(&l.body);
        let vals = plan.tape_vals.iter().map(|v| self.tape_val(plan, *v));
        let write_back = self.write_back(l);
        quote!(#entries #cond #body #tape.push((#(#vals,)*)); #write_back)
    }
}

/// A `while` loop's test: none for `loop { .. }` (a `while true`).
fn while_test(fwd: &Fwd<'_>, cond: &super::ir::Operand) -> TokenStream {
    match cond {
        super::ir::Operand::Lit(t) if t.to_string() == "true" => TokenStream::new(),
        c => {
            let c = fwd.op(c);
            quote!(if !(#c) { break; })
        }
    }
}
