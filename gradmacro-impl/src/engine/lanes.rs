//! `f_grad` in forward mode, for a function of a few scalar parameters whose loop carries an
//! active value.
//!
//! Reverse mode pays for such a loop with a tape (or a recomputation) and a second sweep over
//! it; forward mode with one tangent per parameter (a *lane*) needs neither: the loop runs once,
//! carrying its tangents beside its values, in constant memory. With `k` lanes a value costs its
//! primal plus at most `k` tangent rules, and fewer: a value carries the tangent of lane `l` only
//! if it depends on parameter `l` (`score = a * p[0] + b * p[1] + c` carries three lanes whose
//! rules are one multiplication each, as a hand-written pass computes `da`, `db`, `dc`). So the
//! choice is a small `k` ([`MAX_LANES`]) and a carried loop; everything else stays in reverse
//! mode, whose straight-line code costs one rule per gate whatever the number of parameters.
//!
//! Before (reverse, `y = y.sin() * k + x` carried over `n` steps): a forward loop pushing each
//! step's `y` on a tape, then a backward loop popping it (`d_k += sin(y) * d_y; d_y *= k * cos(y)`).
//! After (forward, lanes `x` and `k`, named as the rustdoc shows them): one loop,
//! `dy_dx = cos(y) * dy_dx * k + 1`, `dy_dk = cos(y) * dy_dk * k + sin(y)`; the gradient is
//! `(dy_dx, dy_dk)`.
//!
//! The statements come from [`super::tangent`] (the gate table's tangent rules, as `f_jvp`);
//! this module decides when, and which value carries which lane.

use proc_macro2::TokenStream;
use quote::{ToTokens as _, format_ident, quote};

use super::ir::{ArrayInit, ArrayRef, Block, Body, CallArg, Operand, Partial, Stmt, ValId};
use super::sig::{Output, Shape, Sig};
use super::tangent::Tan;

/// At most this many scalar parameters. Measured on loops of 100 steps whose every value
/// depends on every parameter (`benches/forward_grad.rs`): forward mode takes 0.49× the taped
/// reverse pass's time with 2 parameters, 0.47× with 4, 0.52× with 6 and 0.61× with 8 on
/// polynomial steps, 0.85× with 2 and 0.76× with 8 on steps with a `sin`. The tape's pushes and
/// pops cost more than `k` tangent rules up to 8 at least; past 8 it is unmeasured, so reverse.
pub const MAX_LANES: usize = 8;

/// Which lanes (bit `l` for the `l`-th active parameter) each value and each local array
/// carries.
pub struct Masks {
    pub count: usize,
    pub vals: Vec<u64>,
    pub arrays: Vec<u64>,
}

/// The lanes of `f_grad` in forward mode, when it is the better mode for this body: every active
/// parameter a scalar and at most [`MAX_LANES`] of them, a loop whose reversal needs a tape,
/// calls only with differentiated floats as arguments (through `g_grad`, whose partials make the
/// call a gate; see [`eligible`]), no active `Vec` (its tangents would be `k` more allocations),
/// and no `reverse` option. With `checkpoint` too: forward mode needs no memory for the loop.
pub fn plan(sig: &Sig, body: &Body) -> Option<Masks> {
    if sig.reverse || sig.output != Output::Scalar {
        return None;
    }
    let active: Vec<usize> = (0..sig.params.len()).filter(|&i| sig.params[i].active).collect();
    if active.is_empty() || active.len() > MAX_LANES {
        return None;
    }
    let mut seeds = Vec::new();
    for &i in &active {
        match (&sig.params[i].shape, body.params.get(i).copied().flatten()) {
            (Shape::Scalar, Some(v)) => seeds.push(v),
            _ => return None,
        }
    }
    if body.arrays.iter().any(|a| a.active && a.heap) || !eligible(&body.block) {
        return None;
    }
    if !carries_active(&body.block, body) || !taped(sig, body) {
        return None;
    }
    let mut m = Masks { count: seeds.len(), vals: vec![0; body.vals.len()], arrays: vec![0; body.arrays.len()] };
    for (l, v) in seeds.into_iter().enumerate() {
        m.vals[v] |= 1 << l;
    }
    // Loops and arrays feed values back: spread until nothing changes (each pass only adds bits).
    while m.spread(&body.block, body) {}
    // Then keep only the tangents the result's tangents read (a hoisted partial such as `sin`'s
    // `cos y` has a tangent nothing needs).
    let mut need = Masks { count: m.count, vals: vec![0; m.vals.len()], arrays: vec![0; m.arrays.len()] };
    if let Some(r) = body.result.val() {
        need.vals[r] = m.vals[r];
    }
    while need.pull(&body.block, &m) {}
    Some(need)
}

/// No call whose tangent needs more than its partials: one to a vector-valued function, a
/// method of a differentiated receiver, or a call with a differentiated array or struct argument.
fn eligible(b: &Block) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Call { args, partials, self_arg, .. } => {
            !self_arg
                && partials.iter().all(|p| p.val.is_none() || matches!(args[p.arg], CallArg::Scalar(_)))
                && !args.iter().any(|a| matches!(a, CallArg::Struct { .. }))
        }
        Stmt::VCall { .. } => false,
        Stmt::If(i) => eligible(&i.then_block) && eligible(&i.else_block),
        Stmt::Loop(l) => {
            eligible(&l.body)
                && match &l.kind {
                    super::ir::LoopKind::While { cond_block, .. } => eligible(cond_block),
                    _ => true,
                }
        }
        _ => true,
    })
}

/// The reverse pass would keep a tape for some loop: the cost forward mode saves. (A loop that
/// only accumulates runs fused with its backward pass, as fast as forward mode or faster.)
fn taped(sig: &Sig, body: &Body) -> bool {
    let mut rev = super::reverse::Rev::new(body, sig);
    let _ = rev.function();
    rev.plans.values().any(|p| p.taped)
}

/// A loop somewhere carries an active value from one iteration to the next.
fn carries_active(b: &Block, body: &Body) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::If(i) => carries_active(&i.then_block, body) || carries_active(&i.else_block, body),
        Stmt::Loop(l) => l.carried.iter().any(|c| body.vals[c.entry].active) || carries_active(&l.body, body),
        _ => false,
    })
}

impl Masks {
    fn of(&self, o: &Operand) -> u64 {
        o.val().map_or(0, |v| self.vals[v])
    }

    fn add(&mut self, v: ValId, bits: u64, body: &Body) -> bool {
        // A value the lowering found constant carries nothing, whatever it reads.
        let bits = if body.vals[v].active { bits } else { 0 };
        let old = self.vals[v];
        self.vals[v] |= bits;
        self.vals[v] != old
    }

    fn add_array(&mut self, s: usize, bits: u64, body: &Body) -> bool {
        let bits = if body.arrays[s].active { bits } else { 0 };
        let old = self.arrays[s];
        self.arrays[s] |= bits;
        self.arrays[s] != old
    }

    /// One pass over the block; whether any value or array gained a lane.
    fn spread(&mut self, b: &Block, body: &Body) -> bool {
        let mut changed = false;
        for s in &b.stmts {
            changed |= match s {
                Stmt::Gate { out, args, .. } => {
                    let bits = args.iter().fold(0, |acc, a| acc | self.of(a));
                    self.add(*out, bits, body)
                }
                Stmt::Index { out, array: ArrayRef::Local(slot), .. } => self.add(*out, self.arrays[*slot], body),
                Stmt::Call { out, args, partials, .. } => {
                    let bits = call_inputs(args, partials).fold(0, |acc, a| acc | self.of(a));
                    self.add(*out, bits, body)
                }
                Stmt::Store { slot, value, .. } => self.add_array(*slot, self.of(value), body),
                Stmt::ArrayDecl { slot, init, .. } => {
                    let bits = match init {
                        ArrayInit::List(items) => items.iter().fold(0, |acc, a| acc | self.of(a)),
                        ArrayInit::Repeat(v, ..) => self.of(v),
                        ArrayInit::Whole(_) => 0,
                    };
                    self.add_array(*slot, bits, body)
                }
                Stmt::If(i) => {
                    let mut c = self.spread(&i.then_block, body) | self.spread(&i.else_block, body);
                    for p in &i.phis {
                        c |= self.add(p.out, self.of(&p.then_val) | self.of(&p.else_val), body);
                    }
                    c
                }
                Stmt::Loop(l) => {
                    let mut c = false;
                    for k in &l.carried {
                        c |= self.add(k.entry, self.of(&k.init) | self.of(&k.exit), body);
                    }
                    if let super::ir::LoopKind::While { cond_block, .. } = &l.kind {
                        c |= self.spread(cond_block, body);
                    }
                    c |= self.spread(&l.body, body);
                    for k in &l.carried {
                        c |= self.add(k.after, self.vals[k.entry] | self.of(&k.exit), body);
                    }
                    c
                }
                // Excluded by `plan` (`VCall`), constant (`Plain`), or reading a parameter array,
                // which no lane plan has.
                Stmt::VCall { .. } | Stmt::Plain { .. } | Stmt::Index { .. } => false,
            };
        }
        changed
    }
}

/// The differentiated float arguments of a call: those `g_grad` returns a partial for.
fn call_inputs<'a>(args: &'a [CallArg], partials: &'a [Partial]) -> impl Iterator<Item = &'a Operand> {
    partials.iter().filter(|p| p.val.is_some()).filter_map(|p| match &args[p.arg] {
        CallArg::Scalar(a) => Some(a),
        _ => None,
    })
}

/// Which inputs' tangents gate `g`'s tangent rule reads: not those that only pass a partial
/// computed beforehand (`sin`'s `cos y`). Found by asking the gate table with a marker per input.
fn tangent_reads(g: super::gates::Gate, n: usize) -> Vec<bool> {
    let marker = |i: usize| format_ident!("__lane_probe{}", i);
    let probes: Vec<Option<TokenStream>> = (0..n).map(|i| Some(marker(i).to_token_stream())).collect();
    let args: Vec<TokenStream> = (0..n).map(|i| format_ident!("__lane_arg{}", i).to_token_stream()).collect();
    let rule =
        super::gates::tangent(g, &probes, &args, &quote!(__lane_out), &quote!(f64), &quote!(c)).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    super::idents(&rule, &mut seen);
    (0..n).map(|i| seen.contains(&marker(i).to_string())).collect()
}

impl Masks {
    /// Marks `o`'s tangents in `bits` as needed (those it has); whether that is news.
    fn need(&mut self, o: &Operand, bits: u64, has: &Masks) -> bool {
        let Some(v) = o.val() else { return false };
        let old = self.vals[v];
        self.vals[v] |= bits & has.vals[v];
        self.vals[v] != old
    }

    /// One backward pass over the block: every tangent a needed tangent reads is needed.
    fn pull(&mut self, b: &Block, has: &Masks) -> bool {
        let mut changed = false;
        for s in b.stmts.iter().rev() {
            changed |= match s {
                Stmt::Gate { out, gate, args, .. } => {
                    let bits = self.vals[*out];
                    let reads = tangent_reads(*gate, args.len());
                    args.iter().zip(reads).fold(false, |c, (a, r)| (r && self.need(a, bits, has)) | c)
                }
                Stmt::Index { out, array: ArrayRef::Local(slot), .. } => {
                    let old = self.arrays[*slot];
                    self.arrays[*slot] |= self.vals[*out] & has.arrays[*slot];
                    self.arrays[*slot] != old
                }
                Stmt::Store { slot, value, .. } => self.need(value, self.arrays[*slot], has),
                Stmt::ArrayDecl { slot, init, .. } => {
                    let bits = self.arrays[*slot];
                    match init {
                        ArrayInit::List(items) => items.iter().fold(false, |c, a| self.need(a, bits, has) | c),
                        ArrayInit::Repeat(v, ..) => self.need(v, bits, has),
                        ArrayInit::Whole(_) => false,
                    }
                }
                Stmt::If(i) => {
                    let mut c = false;
                    for p in &i.phis {
                        let bits = self.vals[p.out];
                        c |= self.need(&p.then_val, bits, has) | self.need(&p.else_val, bits, has);
                    }
                    c | self.pull(&i.then_block, has) | self.pull(&i.else_block, has)
                }
                Stmt::Loop(l) => {
                    let mut c = false;
                    for k in &l.carried {
                        // The slot holds `init`, then each `exit`; `entry` and `after` read it.
                        let bits = self.vals[k.entry] | self.vals[k.after];
                        c |= self.need(&Operand::Val(k.entry), bits, has);
                        c |= self.need(&k.init, bits, has) | self.need(&k.exit, bits, has);
                    }
                    c |= self.pull(&l.body, has);
                    if let super::ir::LoopKind::While { cond_block, .. } = &l.kind {
                        c |= self.pull(cond_block, has);
                    }
                    c
                }
                Stmt::Call { out, args, partials, .. } => {
                    let bits = self.vals[*out];
                    call_inputs(args, partials).fold(false, |c, a| self.need(a, bits, has) | c)
                }
                Stmt::VCall { .. } | Stmt::Plain { .. } | Stmt::Index { .. } => false,
            };
        }
        changed
    }
}

/// The body of `f_grad` in forward mode: the forward pass with every lane's tangents beside it,
/// seeded with 1 for each parameter in its own lane; the gradient is the result's tangents.
pub fn emit(sig: &Sig, body: &Body, masks: &Masks) -> TokenStream {
    let names = vec![None; sig.params.len()];
    super::tangent::with_tan(sig, body, &names, Some(masks), |tan| emit_grad(sig, body, masks, tan))
}

fn emit_grad(sig: &Sig, body: &Body, masks: &Masks, tan: &Tan<'_>) -> TokenStream {
    let f = sig.float.path();
    let mut seeds = TokenStream::new();
    let mut grads = Vec::new();
    let lanes = (0..sig.params.len()).filter(|&i| sig.params[i].active);
    for (l, i) in lanes.enumerate() {
        if let Some(v) = body.params[i] {
            let t = super::tangent::lane_ident("t", v, l);
            seeds.extend(quote!(let #t: #f = 1.0;));
        }
        grads.push(match body.result.val() {
            Some(r) if masks.vals[r] >> l & 1 == 1 => {
                let t = super::tangent::lane_ident("t", r, l);
                quote!(#t)
            }
            _ => quote!(0.0),
        });
    }
    let code = tan.block(&body.block);
    let result = tan.op(&body.result);
    let items = &body.items;
    quote! {
        #(#items)*
        #seeds
        #code
        (#result, #(#grads,)*)
    }
}
