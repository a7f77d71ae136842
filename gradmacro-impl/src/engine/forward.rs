//! Forward code: the primal pass of `f_grad`, and the recomputation of a loop iteration inside
//! the backward pass.
//!
//! The primal pass is the user's computation, gate for gate in the same order, so its value is
//! bit-identical to `f`'s. An `if` hands the values its arms computed and the backward pass
//! reads out as a tuple (the other arm fills its places with defaults). A loop keeps its carried
//! variables in mutable slots and, when its backward pass needs them, pushes them on a tape.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::ir::{ArrayInit, ArrayRef, Block, Body, CallArg, If, LoopId, Operand, Stmt, ValId};
use super::reverse::{Fused, LoopPlan, Ref};
use super::sig::Sig;
use super::{array_ident, count_ident, iter_ident, tape_ident, val_ident};

mod dual_call;
mod loops;

#[derive(Clone, Copy)]
pub enum Mode<'a> {
    /// Code at the level of a backward pass: `needed` is what that pass reads; with `filter`,
    /// only the statements computing it are emitted (a recomputation).
    Level { needed: &'a HashSet<Ref>, filter: bool },
    /// Inside a loop body whose backward pass recomputes it: everything, nothing exported. In a
    /// recomputation (`recompute`), arrays no recomputed read looks at are left alone. With
    /// `plans`, the body of a pretaped loop: its inner loops push their tapes as their plans say.
    Inner { recompute: bool, plans: bool },
}

pub struct Fwd<'a> {
    pub body: &'a Body,
    pub sig: &'a Sig,
    pub plans: &'a std::collections::HashMap<LoopId, LoopPlan>,
    /// Loops whose backward pass runs inside them: declarations, iteration, what it reads.
    pub fused: &'a std::collections::HashMap<LoopId, Fused<TokenStream>>,
    /// `Vec`s whose adjoint is declared with them (with the length the forward pass gives them).
    pub heap_adj: &'a HashSet<usize>,
    pub mode: Mode<'a>,
}

/// Whether a recomputation must include statement `s`.
pub fn included(body: &Body, s: &Stmt, needed: &HashSet<Ref>) -> bool {
    let has = |v: ValId| needed.contains(&Ref::Val(v));
    match s {
        Stmt::Gate { out, .. } | Stmt::Index { out, .. } => has(*out),
        Stmt::Plain { out, .. } => out.is_some_and(has),
        Stmt::Call { out, partials, .. } => has(*out) || partials.iter().any(|p| p.val.is_some_and(has)),
        // An array no recomputed read looks at need not be rebuilt.
        Stmt::Store { slot, .. } | Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. } => {
            body.arrays[*slot].read_in_loop && !needed.contains(&Ref::Kept(*slot))
        }
        Stmt::If(i) => {
            let mut any = i.phis.iter().any(|p| has(p.out));
            let mut f = |v| any |= has(v);
            i.then_block.for_each_def(&mut f);
            i.else_block.for_each_def(&mut f);
            any || has_store(body, &i.then_block) || has_store(body, &i.else_block) || {
                let mut loops = Vec::new();
                loop_artifacts(&i.then_block, needed, &mut loops);
                loop_artifacts(&i.else_block, needed, &mut loops);
                !loops.is_empty()
            }
        }
        Stmt::Loop(l) if needed.contains(&Ref::Taped(l.id)) => false,
        Stmt::Loop(l) => {
            l.carried.iter().any(|c| has(c.after))
                || l.exit_after.is_some_and(has)
                || needed.contains(&Ref::Tape(l.id))
                || needed.contains(&Ref::Iter(l.id))
                || needed.contains(&Ref::Count(l.id))
                || l.written_arrays.iter().any(|s| body.arrays[*s].read_in_loop)
        }
    }
}

/// The tapes, iterators and counts of the loops in `b` (not inside other loops) that `needed`
/// reads: (pattern, value, is the iterator of a loop directly in `b`, not in a nested `if`).
/// What leaves an `if` arm besides its values: the pattern it is bound to, its name in the arm,
/// whether it is an iterator (which leaves as a `MaybeIter`), and the other arm's placeholder
/// when `Default::default()` will not do.
type Artifact = (TokenStream, TokenStream, bool, Option<TokenStream>);

fn loop_artifacts(b: &Block, needed: &HashSet<Ref>, out: &mut Vec<Artifact>) {
    for s in &b.stmts {
        match s {
            Stmt::If(i) => {
                let from = out.len();
                loop_artifacts(&i.then_block, needed, out);
                loop_artifacts(&i.else_block, needed, out);
                // already handed out of that `if` as a `MaybeIter`
                for a in &mut out[from..] {
                    a.2 = false;
                }
            }
            Stmt::Loop(l) => {
                for (r, ident) in [
                    (Ref::Tape(l.id), tape_ident(l.id)),
                    (Ref::Iter(l.id), iter_ident(l.id)),
                    (Ref::Count(l.id), count_ident(l.id)),
                ] {
                    if needed.contains(&r) {
                        // The backward pass pops the tape.
                        let pat = if matches!(r, Ref::Tape(_)) { quote!(mut #ident) } else { quote!(#ident) };
                        out.push((pat, quote!(#ident), matches!(r, Ref::Iter(_)), None));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The values an arm defines that are visible at its end: a loop's body values are not (only
/// what the loop leaves after it).
fn arm_defs(b: &Block, f: &mut dyn FnMut(ValId)) {
    for s in &b.stmts {
        match s {
            Stmt::Loop(l) => {
                l.carried.iter().for_each(|c| f(c.after));
                if let Some(x) = l.exit_after {
                    f(x);
                }
            }
            Stmt::If(i) => {
                arm_defs(&i.then_block, f);
                arm_defs(&i.else_block, f);
                i.phis.iter().for_each(|p| f(p.out));
            }
            other => other.for_each_def(f),
        }
    }
}

/// `let (pat..) = if cond { then_code (then_vals..) } else { else_code (else_vals..) };`: an
/// `if` whose arms hand values out.
pub fn tuple_if(
    cond: &TokenStream,
    pat: &[TokenStream],
    (then_code, then_vals): (TokenStream, Vec<TokenStream>),
    (else_code, else_vals): (TokenStream, Vec<TokenStream>),
) -> TokenStream {
    quote! {
        let (#(#pat,)*) = if #cond {
            #then_code
            (#(#then_vals,)*)
        } else {
            #else_code
            (#(#else_vals,)*)
        };
    }
}

/// Whether `v`, defined in an arm and read by the backward pass, leaves the arm as an `Option`:
/// the other arm has no value of its type to give when the type is not known to be a float.
pub fn absent_in_other_arm(body: &Body, v: ValId) -> bool {
    let info = &body.vals[v];
    // A generic `F` has no default: every value not known to be a float goes as an `Option`.
    !info.active
        && info.kind != super::ir::Kind::Float
        && (super::generic_mode::on() || !info.cond && info.name.is_none())
}

/// Local arrays declared in `b` (not inside loops) that the backward pass may read: restores of
/// overwritten elements and recomputed loops use them after the arm that declared them. A
/// buffer's adjoint, declared beside it (it takes the buffer's length), goes with it.
fn arm_arrays(body: &Body, heap_adj: &HashSet<usize>, b: &Block, out: &mut Vec<Artifact>) {
    for s in &b.stmts {
        match s {
            Stmt::If(i) => {
                arm_arrays(body, heap_adj, &i.then_block, out);
                arm_arrays(body, heap_adj, &i.else_block, out);
            }
            Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. } => {
                let arr = &body.arrays[*slot];
                // The buffer a `Vec` result returns is handed back after the forward pass.
                let returned = body.vec_result.as_ref().is_some_and(|r| r.slots.contains(slot));
                if arr.read_in_loop || returned {
                    let a = array_ident(*slot);
                    let pat = if arr.written { quote!(mut #a) } else { quote!(#a) };
                    // `[F; N]` has no `Default` in a generic function: zeros of its length
                    // (duals in `f_hvp`'s program when the array is active).
                    let other = (super::generic_mode::on() && !arr.heap)
                        .then(|| if arr.active { super::dual_mode::retype(&arr.zeros) } else { arr.zeros.clone() });
                    out.push((pat, quote!(#a), false, other));
                }
                if heap_adj.contains(slot) {
                    let da = super::array_adj_ident(*slot);
                    out.push((quote!(mut #da), quote!(#da), false, None));
                }
            }
            _ => {}
        }
    }
}

fn has_store(body: &Body, b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Store { slot, .. } | Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. } => {
            body.arrays[*slot].read_in_loop
        }
        Stmt::If(i) => has_store(body, &i.then_block) || has_store(body, &i.else_block),
        Stmt::Loop(l) => l.written_arrays.iter().any(|s| body.arrays[*s].read_in_loop),
        _ => false,
    })
}

impl Fwd<'_> {
    pub(super) fn name(&self, v: ValId) -> TokenStream {
        let i = val_ident(&self.body.vals, v);
        quote!(#i)
    }

    pub(super) fn op(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Val(v) => self.name(*v),
            Operand::Lit(t) => t.clone(),
        }
    }

    /// Operand `o` where an active value goes (a phi, a carried slot, an active array): in the
    /// dual program a constant is lifted to a dual there.
    pub(super) fn op_to(&self, active: bool, o: &Operand) -> TokenStream {
        let t = self.op(o);
        let is_active = o.val().is_some_and(|v| self.body.vals[v].active);
        if active && !is_active { super::dual_mode::lift(t) } else { t }
    }

    /// Operand `i` of a gate: in the dual program every float operand is a dual (see
    /// [`super::dual_mode`]), except a constant one of `+ - * /` ([`Gate::mixes_floats`]);
    /// `powi`'s exponent stays an integer.
    fn gate_arg(&self, gate: super::gates::Gate, i: usize, o: &Operand) -> TokenStream {
        self.op_to(!gate.is_integer_input(i) && !gate.mixes_floats(), o)
    }

    /// An inactive statement's tokens; in the dual program, the active values it reads (a
    /// condition `x > 0.0`, a cast `x as i32`) are read as their value parts, so it computes
    /// exactly what it computes in `f`.
    /// The value parts are bound before the statement (a closure the statement defines may
    /// capture them) and the statement reads them instead.
    pub(super) fn plain(&self, tokens: &TokenStream, uses: &[ValId]) -> (TokenStream, TokenStream) {
        if !super::dual_mode::on() {
            return (TokenStream::new(), tokens.clone());
        }
        let mut seen = HashSet::new();
        let mut pre = TokenStream::new();
        let mut tokens = tokens.clone();
        for &v in uses {
            if !self.body.vals[v].active || !seen.insert(v) {
                continue;
            }
            let n = val_ident(&self.body.vals, v);
            let p = super::hidden("p", v);
            pre.extend(quote!(let #p = ::gradmacro::__private::Primal::primal(#n);));
            tokens = super::dual_mode::substitute(&tokens, &n.to_string(), &p);
        }
        // An active local array the statement reads by name (`h[0].abs() as usize`, a call's
        // argument `&h`): a copy of its value parts, of the same shape.
        for (slot, arr) in self.body.arrays.iter().enumerate() {
            let a = array_ident(slot);
            if !arr.active || !super::mentions(&tokens, &a.to_string()) {
                continue;
            }
            let p = super::hidden("pa", slot);
            pre.extend(quote!(let #p = ::gradmacro::__private::Split::re(&#a);));
            tokens = super::dual_mode::substitute(&tokens, &a.to_string(), &p);
        }
        (pre, tokens)
    }

    pub(super) fn inner(&self) -> Fwd<'_> {
        Fwd { mode: Mode::Inner { recompute: self.recomputing(), plans: false }, ..*self }
    }

    /// Whether this code runs again in a backward pass (not the primal pass).
    pub(super) fn recomputing(&self) -> bool {
        matches!(self.mode, Mode::Level { filter: true, .. } | Mode::Inner { recompute: true, .. })
    }

    pub fn block(&self, b: &Block) -> TokenStream {
        b.stmts.iter().map(|s| self.stmt(s)).collect()
    }

    /// The forward code of a block whose last statement may be an `if` fused with its backward
    /// pass (`fused`, see `Rev::tail_block`): all but that `if`, which the backward code places
    /// ([`Fwd::fused_if`]).
    pub fn block_prefix(&self, b: &Block, fused: &HashSet<usize>) -> TokenStream {
        match b.stmts.split_last() {
            Some((Stmt::If(i), rest)) if fused.contains(&super::reverse::if_id(i)) => {
                rest.iter().map(|s| self.stmt(s)).collect()
            }
            _ => self.block(b),
        }
    }

    /// A fused `if`: each arm's forward code, then its backward code (`then_bwd`, `else_bwd`);
    /// only the phis leave the arms.
    pub fn fused_if(
        &self,
        i: &If,
        fused: &HashSet<usize>,
        then_bwd: TokenStream,
        else_bwd: TokenStream,
    ) -> TokenStream {
        let cond = self.op(&i.cond);
        let then_fwd = self.block_prefix(&i.then_block, fused);
        let else_fwd = self.block_prefix(&i.else_block, fused);
        let pat: Vec<TokenStream> = i.phis.iter().map(|p| self.name(p.out)).collect();
        let then_vals = i.phis.iter().map(|p| self.op_to(self.body.vals[p.out].active, &p.then_val)).collect();
        let else_vals = i.phis.iter().map(|p| self.op_to(self.body.vals[p.out].active, &p.else_val)).collect();
        tuple_if(&cond, &pat, (quote!(#then_fwd #then_bwd), then_vals), (quote!(#else_fwd #else_bwd), else_vals))
    }

    pub(super) fn stmt(&self, s: &Stmt) -> TokenStream {
        match self.mode {
            Mode::Level { needed, filter: true } if !included(self.body, s, needed) => return TokenStream::new(),
            Mode::Inner { recompute: true, .. } => {
                if let Stmt::Store { slot, .. } | Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. } = s
                    && !self.body.arrays[*slot].read_in_loop
                {
                    return TokenStream::new();
                }
            }
            _ => {}
        }
        match s {
            Stmt::Gate { out, gate, args, span } => {
                let x = self.name(*out);
                // A flat gate's output is inactive (a float): in the dual program it reads the
                // value parts of its operands.
                let (args, float): (Vec<TokenStream>, TokenStream) = if gate.is_flat() && super::dual_mode::on() {
                    let args = args
                        .iter()
                        .map(|a| match a {
                            Operand::Val(v) if self.body.vals[*v].active => {
                                let n = self.name(*v);
                                quote!(::gradmacro::__private::Primal::primal(#n))
                            }
                            _ => self.op(a),
                        })
                        .collect();
                    (args, self.sig.float.path())
                } else {
                    let args = args.iter().enumerate().map(|(i, a)| self.gate_arg(*gate, i, a)).collect();
                    (args, super::dual_mode::float_path(self.sig.float))
                };
                let rhs = super::respan(gate.forward(&args, &float), *span);
                // A type error in the gate lands on the user's expression.
                quote_spanned!(*span=> let #x = #rhs;)
            }
            Stmt::Plain { out, ty, tokens, uses } => match (out, ty) {
                (Some(o), Some(t)) => {
                    let (x, (pre, tokens)) = (self.name(*o), self.plain(tokens, uses));
                    quote!(#pre let #x: #t = #tokens;)
                }
                (Some(o), None) => {
                    let (x, (pre, tokens)) = (self.name(*o), self.plain(tokens, uses));
                    quote!(#pre let #x = #tokens;)
                }
                (None, _) => {
                    let (pre, tokens) = self.plain(tokens, uses);
                    quote!(#pre let _ = #tokens;)
                }
            },
            Stmt::Call { out, func, receiver, args, partials, span, self_arg: false } if super::dual_mode::on() => {
                self.dual_call(*out, func, receiver.as_ref(), args, partials, *span)
            }
            Stmt::Call { out, func, receiver, args, partials, span, self_arg } => {
                let x = self.name(*out);
                let ps = super::struct_call::places(args, partials, receiver.is_some(), |v| self.name(v));
                let checks = super::struct_call::received_checks(
                    self.sig,
                    args,
                    partials,
                    *span,
                    |v| self.name(v),
                    |v| self.body.vals[v].span,
                );
                let args = args.iter().map(|a| match a {
                    CallArg::Scalar(o) => self.op(o),
                    CallArg::Array { tokens, .. } | CallArg::Other { tokens, .. } | CallArg::Struct { tokens, .. } => {
                        tokens.clone()
                    }
                });
                let call = match receiver {
                    Some((r, _)) => quote!(#r.#func(#(#args),*)),
                    None if *self_arg => super::struct_call::method_call(func, args),
                    None => quote!(#func(#(#args),*)),
                };
                // The companion must return the value and one place per float argument (per
                // argument for the hidden one); a different shape (a `_grad` of a callee with
                // `wrt(...)`) is a compile error that says so.
                let f = self.sig.float.path();
                let shape = ps.iter().map(|_| quote!(_));
                quote_spanned! {*span=>
                    let (#x, #(#ps,)*) = ::gradmacro::__private::companion::<(#f, #(#shape,)*), _>(#call);
                    #checks
                }
            }
            Stmt::VCall { slot, plain, receiver, args, ty, span, .. } => {
                let a = array_ident(*slot);
                let args = args.iter().map(|a| match a {
                    CallArg::Scalar(o) => self.op(o),
                    CallArg::Array { tokens, .. } | CallArg::Other { tokens, .. } | CallArg::Struct { tokens, .. } => {
                        tokens.clone()
                    }
                });
                let call = match receiver {
                    Some((r, _)) => quote!(#r.#plain(#(#args),*)),
                    None => quote!(#plain(#(#args),*)),
                };
                let ty = ty.as_ref().map(|t| quote!(: #t));
                let beside = self.heap_adj.contains(slot).then(|| {
                    let (da, z) =
                        (super::array_adj_ident(*slot), super::dual_mode::retype(&self.body.arrays[*slot].zeros));
                    quote!(let mut #da = #z;)
                });
                quote_spanned!(*span=> let #a #ty = #call; #beside)
            }
            Stmt::Index { out, array, index, path } => {
                let x = self.name(*out);
                let i = self.op(index);
                let a = self.array(*array);
                let path: Vec<TokenStream> = path.iter().map(|p| self.op(p)).collect();
                let e = super::element(self.sig, self.body, *array, &a, &i, &path);
                if super::is_struct(self.sig, *array) && self.body.vals[*out].convert {
                    // A field's own type may not be the function's (`p.n as f64` of an integer
                    // field, `p.k as f64` of an `f32` one): read as `as` converts.
                    let f = self.sig.float.path();
                    quote!(let #x = ::gradmacro::__private::Field::<#f>::value(&#e);)
                } else {
                    quote!(let #x = #e;)
                }
            }
            Stmt::Store { slot, index, value, push: true, .. } => {
                // A push where the buffer is as long as `index` (the forward pass, or a
                // recomputation after the buffer was put back as it was); a store of the same
                // value where it is longer (a recomputation over the final buffer). The adjoint
                // grows with the buffer.
                let a = array_ident(*slot);
                let i = self.op(index);
                let v = self.op_to(self.body.arrays[*slot].active, value);
                let grow = self.heap_adj.contains(slot).then(|| {
                    let da = super::array_adj_ident(*slot);
                    let zero = super::dual_mode::lift(quote!(0.0));
                    quote!(if #da.len() <= #i { #da.resize(#i + 1, #zero); })
                });
                quote!(if #a.len() == #i { #a.push(#v); } else { #a[#i] = #v; } #grow)
            }
            Stmt::Store { slot, index, value, old, .. } => {
                let a = array_ident(*slot);
                let i = self.op(index);
                let v = self.op_to(self.body.arrays[*slot].active, value);
                let arr = &self.body.arrays[*slot];
                if arr.read_in_loop {
                    let o = self.name(*old);
                    quote!(let #o = #a[#i]; #a[#i] = #v;)
                } else {
                    quote!(#a[#i] = #v;)
                }
            }
            Stmt::ArrayDecl { slot, init, ty } => {
                let a = array_ident(*slot);
                let m = if self.body.arrays[*slot].written { quote!(mut) } else { quote!() };
                let act = self.body.arrays[*slot].active;
                let ty = ty.as_ref().map(|t| if act { super::dual_mode::retype(t) } else { t.clone() });
                let ty = ty.as_ref().map(|t| quote!(: #t));
                let heap = self.body.arrays[*slot].heap;
                let init = match init {
                    ArrayInit::List(items) => {
                        let items = items.iter().map(|i| self.op_to(act, i));
                        if heap {
                            quote!(::gradmacro::__private::Vec::from([#(#items),*]))
                        } else {
                            quote!([#(#items),*])
                        }
                    }
                    // vec![v; n], as `vec!` writes it: `n` clones of `v`
                    _ if let Some(cap) = &self.body.arrays[*slot].capacity => {
                        quote!(::gradmacro::__private::Vec::with_capacity(#cap))
                    }
                    ArrayInit::Repeat(v, len, _) if heap => {
                        let v = self.op_to(act, v);
                        quote!(::core::iter::Iterator::collect::<::gradmacro::__private::Vec<_>>(::core::iter::repeat_n(#v, #len)))
                    }
                    ArrayInit::Repeat(v, len, _) => {
                        let v = self.op_to(act, v);
                        quote!([#v; #len])
                    }
                    ArrayInit::Whole(v) => self.op(v),
                };
                if self.heap_adj.contains(slot) {
                    let (da, z) =
                        (super::array_adj_ident(*slot), super::dual_mode::retype(&self.body.arrays[*slot].zeros));
                    // A buffer's adjoint grows with it: as much room up front.
                    let z = match &self.body.arrays[*slot].capacity {
                        Some(cap) => {
                            let f = super::dual_mode::float_path(self.sig.float);
                            quote!(::gradmacro::__private::Vec::<#f>::with_capacity(#cap))
                        }
                        None => z.clone(),
                    };
                    quote!(let #m #a #ty = #init; let mut #da = #z;)
                } else {
                    quote!(let #m #a #ty = #init;)
                }
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::Loop(l) => self.loop_stmt(l),
        }
    }

    fn array(&self, a: ArrayRef) -> TokenStream {
        match a {
            // In the dual program, the lifted copy (the parameter itself stays as the user's code
            // reads it).
            ArrayRef::Param(p) if super::dual_mode::on() => {
                let i = super::hidden("hx", p);
                quote!(#i)
            }
            ArrayRef::Param(p) => self.sig.params[p].ident.as_ref().map(|i| quote!(#i)).unwrap_or_default(),
            ArrayRef::Local(s) => {
                let i = array_ident(s);
                quote!(#i)
            }
        }
    }

    fn if_stmt(&self, i: &If) -> TokenStream {
        let (needed, filter) = match self.mode {
            Mode::Level { needed, filter } => (Some(needed), filter),
            Mode::Inner { .. } => (None, false),
        };
        let phis: Vec<_> =
            i.phis.iter().filter(|p| !filter || needed.is_some_and(|n| n.contains(&Ref::Val(p.out)))).collect();
        let mut then_defs = Vec::new();
        let mut else_defs = Vec::new();
        if let Some(n) = needed {
            arm_defs(&i.then_block, &mut |v| {
                if n.contains(&Ref::Val(v)) {
                    then_defs.push(v);
                }
            });
            arm_defs(&i.else_block, &mut |v| {
                if n.contains(&Ref::Val(v)) {
                    else_defs.push(v);
                }
            });
        }
        // A loop inside an arm whose backward pass re-iterates, counts or pops its tape hands
        // those out of the arm too.
        let mut then_loops = Vec::new();
        let mut else_loops = Vec::new();
        if let Some(n) = needed {
            loop_artifacts(&i.then_block, n, &mut then_loops);
            loop_artifacts(&i.else_block, n, &mut else_loops);
            // A tape declared at the function's level is there after the arm already.
            let hoisted: HashSet<String> =
                self.plans.iter().filter(|(_, p)| p.hoisted).map(|(id, _)| tape_ident(*id).to_string()).collect();
            then_loops.retain(|(_, ident, _, _)| !hoisted.contains(&ident.to_string()));
            else_loops.retain(|(_, ident, _, _)| !hoisted.contains(&ident.to_string()));
            arm_arrays(self.body, self.heap_adj, &i.then_block, &mut then_loops);
            arm_arrays(self.body, self.heap_adj, &i.else_block, &mut else_loops);
        }
        let cond = self.op(&i.cond);
        let then_code = self.block(&i.then_block);
        let else_code = self.block(&i.else_block);
        if phis.is_empty()
            && then_defs.is_empty()
            && else_defs.is_empty()
            && then_loops.is_empty()
            && else_loops.is_empty()
        {
            return quote!(if #cond { #then_code } else { #else_code });
        }
        let dflt = quote!(::core::default::Default::default());
        let mut pat = Vec::new();
        let mut then_vals = Vec::new();
        let mut else_vals = Vec::new();
        for p in &phis {
            pat.push(self.name(p.out));
            then_vals.push(self.op_to(self.body.vals[p.out].active, &p.then_val));
            else_vals.push(self.op_to(self.body.vals[p.out].active, &p.else_val));
        }
        // A value of a type the macro does not know (a `&f64` the user destructured, say) may
        // have no default: it leaves the arm that defines it as an `Option`, which the backward
        // arm unwraps (see `absent_in_other_arm`).
        let then_direct = super::reverse::direct_defs(&i.then_block);
        let else_direct = super::reverse::direct_defs(&i.else_block);
        let hoist = |v: ValId, direct: &HashSet<ValId>| {
            let n = self.name(v);
            if direct.contains(&v) && absent_in_other_arm(self.body, v) {
                quote!(::core::option::Option::Some(#n))
            } else {
                n
            }
        };
        let placeholder = |v: ValId| {
            let info = &self.body.vals[v];
            if info.active || info.kind == super::ir::Kind::Float {
                super::generic_mode::float_placeholder(&dflt, info.active)
            } else {
                dflt.clone()
            }
        };
        for v in &then_defs {
            pat.push(self.name(*v));
            then_vals.push(hoist(*v, &then_direct));
            else_vals.push(placeholder(*v));
        }
        for v in &else_defs {
            pat.push(self.name(*v));
            then_vals.push(placeholder(*v));
            else_vals.push(hoist(*v, &else_direct));
        }
        // An iterator (a `Zip`, say) need not have a default: it leaves its arm as a `MaybeIter`.
        for (k, (p, t, iter, other)) in then_loops.iter().chain(&else_loops).enumerate() {
            let mine = if *iter {
                quote!(::gradmacro::__private::MaybeIter(::core::option::Option::Some(#t)))
            } else {
                t.clone()
            };
            let other = other.clone().unwrap_or_else(|| dflt.clone());
            let (tv, ev) = if k < then_loops.len() { (mine, other) } else { (other, mine) };
            pat.push(p.clone());
            then_vals.push(tv);
            else_vals.push(ev);
        }
        tuple_if(&cond, &pat, (then_code, then_vals), (else_code, else_vals))
    }
}
