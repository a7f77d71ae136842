//! The forward code of a loop: carried values in mutable slots, the tape a backward pass pops,
//! the iteration counter and exit code, and, for a fused loop, the backward statements that run
//! at the end of each iteration.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::ir::{Kind, Loop, LoopKind, Operand};
use super::super::lower::{EXIT_BREAK, EXIT_RETURN};
use super::super::reverse::LoopPlan;
use super::super::{array_ident, count_ident, exit_slot_ident, iter_ident, slot_ident, tape_ident};
use super::{Fwd, Mode};

/// Entries a `while`/`loop` tape keeps on the stack before it spills to the heap: such a loop of
/// up to this many iterations (eight Heron steps, say) tapes without allocating.
const INLINE_ENTRIES: usize = 16;

/// The most floats a tape of a literal trip count keeps in a stack array (`StackTape`): 4 KiB
/// of `f64` (8 KiB of `f_hvp`'s duals). `for _ in 0..100` taping a cosine and a sine is 200.
const STACK_FLOATS: usize = 512;

/// The declaration of a (not hoisted) loop's tape. `len` is the trip count when known before
/// the loop (a `for` loop's range or iterator's lower bound), `None` for a `while`/`loop`;
/// `literal`, its value when the source spells it out (`0..8`).
///
/// Where the count is unknown, the first [`INLINE_ENTRIES`] entries go on the stack
/// ([`Tape`](::gradmacro::__private::Tape)) instead of a `Vec` grown by doubling. Where it is an
/// integer literal of at most [`INLINE_ENTRIES`], the tape is exactly that long, on the stack.
/// Otherwise the count sizes one `Vec` (a `Tape` there costs a check per push: 5 % on a
/// 64-element fill). Only entries of a few values go on the stack: one that saves arrays or
/// iterators (of any size), or whose runs are marked on it (`pop_above` reads its length), is
/// always a `Vec`.
///
/// An entry of floats only (`floats`: `Copy` and `Default`, which a stack array needs) under a
/// literal trip count of at most [`STACK_FLOATS`] floats in all goes in a
/// [`StackTape`](::gradmacro::__private::StackTape) of exactly that length, as a hand-written
/// pass keeps its stack arrays: `carry`'s 100 steps went from 2.75 to 2.53 µs (hand 2.45 µs);
/// a `Tape` (an `ArrayVec`) of the same length timed 2.77 µs.
fn new_tape(
    plan: &LoopPlan,
    tape: &proc_macro2::Ident,
    len: Option<&TokenStream>,
    literal: Option<usize>,
    floats: bool,
) -> TokenStream {
    let small = plan.tape_arrays.is_empty()
        && plan.marks.is_empty()
        && plan.iters.is_empty()
        && !plan.marked
        && plan.tape_vals.len() <= 8;
    if let (true, true, Some(n)) = (small, floats, literal)
        && n * plan.tape_vals.len().max(1) <= STACK_FLOATS
    {
        let n = proc_macro2::Literal::usize_unsuffixed(n);
        return quote!(let mut #tape = ::gradmacro::__private::StackTape::<_, #n>::new(););
    }
    let inline = match (len, literal) {
        (None, _) => Some(INLINE_ENTRIES),
        (Some(_), Some(n)) if n <= INLINE_ENTRIES => Some(n),
        _ => None,
    };
    match inline {
        Some(n) if small => {
            let n = proc_macro2::Literal::usize_unsuffixed(n);
            quote!(let mut #tape = ::gradmacro::__private::Tape::<_, #n>::new();)
        }
        _ => {
            let cap = len.cloned().unwrap_or_else(|| quote!(0));
            quote!(let mut #tape = ::gradmacro::__private::Vec::with_capacity(#cap);)
        }
    }
}

/// An integer literal's value (`8`, `8usize`).
fn literal_usize(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }) => n.base10_parse::<usize>().ok(),
        _ => None,
    }
}

/// The trip count of a loop known to the macro: a range of integer literals (`0..8`, `1..=4`)
/// for a `for` over a range, an integer literal for an index loop's length.
fn literal_trip_count(iterable: &TokenStream) -> Option<usize> {
    match syn::parse2::<syn::Expr>(iterable.clone()).ok()? {
        syn::Expr::Range(r) => {
            let (start, stop) = (literal_usize(r.start.as_deref()?)?, literal_usize(r.end.as_deref()?)?);
            match r.limits {
                syn::RangeLimits::HalfOpen(_) => stop.checked_sub(start),
                syn::RangeLimits::Closed(_) => stop.checked_sub(start)?.checked_add(1),
            }
        }
        e => literal_usize(&e),
    }
}

impl Fwd<'_> {
    /// Whether every value `plan`'s tape entries hold is a float (a dual in `f_hvp`), which is
    /// `Copy` and `Default`; a generic `F: Float` has no `Default`.
    fn float_entries(&self, plan: &LoopPlan) -> bool {
        !super::super::generic_mode::on()
            && plan.tape_vals.iter().all(|&v| {
                self.body.vals[v].active || self.body.vals[v].kind == Kind::Float || plan.numbers.contains(&v)
            })
    }

    /// What a tape entry holds of `v`: `v`, or the float it is or refers to
    /// ([`LoopPlan::numbers`]).
    pub(in super::super) fn tape_val(&self, plan: &LoopPlan, v: super::super::ir::ValId) -> TokenStream {
        let n = self.name(v);
        if plan.numbers.contains(&v) {
            let f = self.sig.float.path();
            quote!(::gradmacro::__private::number::<#f, _>(#n))
        } else {
            n
        }
    }

    pub(super) fn loop_stmt(&self, l: &Loop) -> TokenStream {
        let plan = match self.mode {
            Mode::Level { .. } | Mode::Inner { plans: true, .. } => self.plans.get(&l.id).cloned().unwrap_or_default(),
            Mode::Inner { .. } => LoopPlan::default(),
        };
        let mut pre = TokenStream::new();
        for c in &l.carried {
            let s = slot_ident(c.slot);
            let init = self.op_to(self.body.vals[c.entry].active, &c.init);
            pre.extend(quote!(let mut #s = #init;));
        }
        let x = exit_slot_ident(l.id);
        if l.exit_after.is_some() {
            pre.extend(quote!(let mut #x = 0u8;));
        }
        let tape = tape_ident(l.id);
        let n = count_ident(l.id);
        let it = iter_ident(l.id);

        let entries = self.entries(l);
        let mut head_body = TokenStream::new();
        // The tape entry is pushed when the iteration's values are all computed (the body is
        // structured: nothing leaves it before its end).
        let mut tail_push = TokenStream::new();
        if plan.count {
            pre.extend(quote!(let mut #n = 0usize;));
            head_body.extend(quote!(#n += 1;));
        }
        if plan.taped && !plan.checkpoint {
            let vals = plan.tape_vals.iter().map(|v| self.tape_val(&plan, *v));
            // Arrays are saved as they are when the iteration starts (a `Vec` is cloned).
            for &s in &plan.tape_arrays {
                let (a, saved) = (array_ident(s), super::super::hidden("saved", s));
                head_body.extend(if self.body.arrays[s].heap {
                    quote!(let #saved = ::core::clone::Clone::clone(&#a);)
                } else {
                    quote!(let #saved = #a;)
                });
            }
            let saved = plan.tape_arrays.iter().map(|s| super::super::hidden("saved", *s));
            let marks = plan.marks.iter().map(|n| super::super::hidden("mark", *n));
            let iters = plan.iters.iter().map(|n| iter_ident(*n));
            tail_push.extend(quote!(#tape.push((#(#vals,)* #(#saved,)* #(#marks,)* #(#iters,)*));));
        }
        if plan.marked {
            let mark = super::super::hidden("mark", l.id);
            pre.extend(quote!(let #mark = #tape.len();));
        }
        let fused = match self.mode {
            Mode::Level { .. } => self.fused.get(&l.id),
            Mode::Inner { .. } => None,
        };
        let (body, fused_backward) = match fused {
            Some(f) => {
                pre.extend(f.prelude.clone());
                let fwd = Fwd { mode: Mode::Level { needed: &f.reads, filter: false }, ..*self };
                (fwd.block(&l.body), f.iteration.clone())
            }
            // The inner loops push their tapes, which the backward pass pops without running
            // them again.
            None if plan.pretaped => {
                let fwd = Fwd { mode: Mode::Inner { recompute: self.recomputing(), plans: true }, ..*self };
                (fwd.block(&l.body), TokenStream::new())
            }
            None => (self.inner().block(&l.body), TokenStream::new()),
        };
        let write_back = self.write_back(l);
        let exit = l.exit_code.as_ref().map(|code| {
            let code = self.op(code);
            let (brk, ret) = (EXIT_BREAK, EXIT_RETURN);
            let record = l.exit_after.map(|_| quote!(#x = #code;));
            quote! {
                #record
                if #code == #brk || #code == #ret {
                    break;
                }
            }
        });

        let iteration = quote!(#entries #head_body #body #fused_backward #tail_push #write_back #exit);
        let lp = match &l.kind {
            _ if plan.checkpoint => {
                let rest = quote!(#head_body #body #fused_backward #tail_push #write_back #exit);
                self.checkpointed_loop(l, &mut pre, &entries, &rest)
            }
            LoopKind::ForIter { pat, iterable, iterable_uses, .. } => {
                // In the dual program, a bound computed from active values reads their value parts.
                let (prim, iterable) = self.plain(iterable, iterable_uses);
                pre.extend(quote!(#prim let #it = ::core::iter::IntoIterator::into_iter(#iterable);));
                if plan.hoisted {
                    pre.extend(quote!(#tape.reserve(::core::iter::Iterator::size_hint(&#it).0);));
                } else if plan.taped {
                    let literal = literal_trip_count(&iterable);
                    pre.extend(new_tape(
                        &plan,
                        &tape,
                        Some(&quote!(::core::iter::Iterator::size_hint(&#it).0)),
                        literal,
                        self.float_entries(&plan),
                    ));
                }
                let source = if plan.clone_iter { quote!(::core::clone::Clone::clone(&#it)) } else { quote!(#it) };
                quote!(for #pat in #source { #iteration })
            }
            LoopKind::ForIndex { index, len, len_uses } => {
                let (prim, len) = self.plain(len, len_uses);
                pre.extend(prim);
                let k = self.name(*index);
                if plan.hoisted {
                    pre.extend(quote!(#tape.reserve(#len);));
                } else if plan.taped {
                    let literal = literal_trip_count(&len);
                    pre.extend(new_tape(&plan, &tape, Some(&len), literal, self.float_entries(&plan)));
                }
                quote!(for #k in 0..#len { #iteration })
            }
            LoopKind::While { cond_block, cond } => {
                if plan.taped && !plan.hoisted {
                    pre.extend(new_tape(&plan, &tape, None, None, false));
                }
                let cond_code = self.inner().block(cond_block);
                // `loop { .. }` is a `while` whose condition is `true`.
                let test = match cond {
                    Operand::Lit(t) if t.to_string() == "true" => TokenStream::new(),
                    c => {
                        let c = self.op(c);
                        quote!(if !(#c) { break; })
                    }
                };
                quote! {
                    loop {
                        #entries
                        #cond_code
                        #test
                        #head_body
                        #body
                        #fused_backward
                        #tail_push
                        #write_back
                        #exit
                    }
                }
            }
        };
        let mut after = TokenStream::new();
        for c in &l.carried {
            let a = self.name(c.after);
            let s = slot_ident(c.slot);
            after.extend(quote!(let #a = #s;));
        }
        if let Some(v) = l.exit_after {
            let a = self.name(v);
            let ret = EXIT_RETURN;
            after.extend(quote!(let #a = if #x == #ret { #ret } else { 0u8 };));
        }
        quote!(#pre #lp #after)
    }

    /// Each carried value's entry value, read from its slot at the start of an iteration.
    pub(in super::super) fn entries(&self, l: &Loop) -> TokenStream {
        l.carried
            .iter()
            .map(|c| {
                let e = self.name(c.entry);
                let s = slot_ident(c.slot);
                quote!(let #e = #s;)
            })
            .collect()
    }

    /// Each carried value's exit value, written to its slot at the end of an iteration.
    pub(in super::super) fn write_back(&self, l: &Loop) -> TokenStream {
        l.carried
            .iter()
            .map(|c| {
                let s = slot_ident(c.slot);
                let v = self.op_to(self.body.vals[c.entry].active, &c.exit);
                quote!(#s = #v;)
            })
            .collect()
    }
}
