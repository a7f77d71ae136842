//! Forward mode: `f_jvp`, the tangent transformation of the IR.
//!
//! Forward mode needs no reversal. Each statement of the primal pass is emitted as `f_grad`'s
//! forward pass emits it (so the value stays bit-identical to `f`'s), followed by its tangent
//! statement, built from the gate table's rules ([`gates::tangent`]): the same local partials the
//! backward pass uses, seeded with the inputs' tangents. A tangent rides beside every active
//! value: `__t{v}` beside value `v`, `__ta{s}` beside local array `s`, `__ts{s}` beside a
//! loop-carried slot, and `f_jvp`'s tangent parameters beside its parameters. An `if` hands its
//! phis' tangents out of the arm with their values; a loop carries tangents in slots beside its
//! values; a call with differentiated arguments goes through the callee's `_jvp` companion.
//! Iterator chains, closures, `match` and the rest are already loops, branches and gates in the
//! IR, so they need nothing here.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};

use super::forward::{Fwd, Mode};
use super::gates;
use super::ir::{ArrayInit, ArrayRef, Block, Body, CallArg, If, Loop, LoopKind, Operand, Partial, Stmt, ValId};
use super::lanes::Masks;
use super::lower::{EXIT_BREAK, EXIT_RETURN};
use super::sig::{Shape, Sig};
use super::{array_ident, exit_slot_ident, hidden, iter_ident, slot_ident, val_ident};

fn t_ident(v: ValId) -> Ident {
    hidden("t", v)
}

fn t_array_ident(slot: usize) -> Ident {
    hidden("ta", slot)
}

fn t_slot_ident(slot: usize) -> Ident {
    hidden("ts", slot)
}

/// A tangent's name in lane `l` of `f_grad`'s forward mode: `__t4_1` beside value 4.
pub(super) fn lane_ident(prefix: &str, n: usize, l: usize) -> Ident {
    format_ident!("__{}{}_{}", prefix, n, l, span = Span::mixed_site())
}

/// The names of `f_jvp`'s tangent parameters, by parameter index: `t_x` for an active `x`
/// (`tt_x`, ... if the function already has a parameter of that name).
pub fn names(sig: &Sig) -> Vec<Option<Ident>> {
    use syn::ext::IdentExt as _;
    let taken: HashSet<String> =
        sig.params.iter().filter_map(|p| p.ident.as_ref().map(|i| i.unraw().to_string())).collect();
    sig.params
        .iter()
        .map(|p| {
            let ident = p.ident.as_ref().filter(|_| p.active)?;
            let mut name = format!("t_{}", ident.unraw());
            while taken.contains(&name) {
                name.insert(0, 't');
            }
            Some(Ident::new(&name, Span::mixed_site().located_at(ident.span())))
        })
        .collect()
}

/// `f_jvp`'s tangent parameters, `t_x: G` for each active parameter.
pub fn params(sig: &Sig, names: &[Option<Ident>]) -> Vec<TokenStream> {
    sig.params
        .iter()
        .zip(names)
        .filter_map(|(p, n)| {
            let n = n.as_ref()?;
            let ty = sig.tangent_type(p);
            Some(quote!(#n: #ty))
        })
        .collect()
}

/// Runs `f` with the tangent emitter of `body`: `f_jvp`'s (`lanes` is `None`) or a forward-mode
/// `f_grad`'s. Its primal statements are `f_grad`'s forward pass with nothing kept for a
/// backward pass.
pub(super) fn with_tan<R>(
    sig: &Sig,
    body: &Body,
    names: &[Option<Ident>],
    lanes: Option<&Masks>,
    f: impl FnOnce(&Tan<'_>) -> R,
) -> R {
    let (plans, fused, heap_adj) = (HashMap::new(), HashMap::new(), HashSet::new());
    let fwd = Fwd {
        body,
        sig,
        plans: &plans,
        fused: &fused,
        heap_adj: &heap_adj,
        mode: Mode::Inner { recompute: false, plans: false },
    };
    f(&Tan::new(body, sig, fwd, names, lanes))
}

/// The body of `f_jvp`.
pub fn emit(sig: &Sig, body: &Body, names: &[Option<Ident>]) -> TokenStream {
    with_tan(sig, body, names, None, |tan| emit_jvp(sig, body, names, tan))
}

fn emit_jvp(sig: &Sig, body: &Body, names: &[Option<Ident>], tan: &Tan<'_>) -> TokenStream {
    let code = tan.block(&body.block);
    let result = tan.op(&body.result);
    let t_result = tan.t_or_zero(&body.result);
    let f = sig.float.path();
    let mut pre = TokenStream::new();
    for (i, p) in sig.params.iter().enumerate() {
        let Some(t) = &names[i] else { continue };
        match (&p.shape, body.params[i]) {
            (Shape::Scalar, Some(v)) if body.vals[v].active => {
                let tv = t_ident(v);
                pre.extend(quote!(let #tv: #f = #t;));
            }
            (Shape::Slice | Shape::Rows { outer: None, .. } | Shape::Ragged | Shape::StructSlice { .. }, _) => {
                if let Some(x) = &p.ident {
                    let msg = format!("the tangent `{t}` must have the length of `{x}`");
                    pre.extend(quote!(::core::assert_eq!(#t.len(), #x.len(), #msg);));
                }
            }
            // A tangent nothing reads (a parameter the result does not depend on).
            _ if !tan.used.borrow().contains(&i) => pre.extend(quote!(let _ = #t;)),
            _ => {}
        }
    }
    let items = &body.items;
    quote! {
        #(#items)*
        #pre
        #code
        (#result, #t_result)
    }
}

pub(super) struct Tan<'a> {
    body: &'a Body,
    sig: &'a Sig,
    fwd: Fwd<'a>,
    names: &'a [Option<Ident>],
    /// Parameters whose tangent the code reads.
    used: RefCell<BTreeSet<usize>>,
    /// `f_grad` in forward mode ([`super::lanes`]): one tangent per lane, carried only by the
    /// values that depend on that lane's parameter. `None` for `f_jvp`: one tangent, carried
    /// by every active value.
    lanes: Option<&'a Masks>,
    /// The lane whose tangents are being emitted.
    lane: Cell<usize>,
}

impl<'a> Tan<'a> {
    pub(super) fn new(
        body: &'a Body,
        sig: &'a Sig,
        fwd: Fwd<'a>,
        names: &'a [Option<Ident>],
        lanes: Option<&'a Masks>,
    ) -> Self {
        Tan { body, sig, fwd, names, used: RefCell::new(BTreeSet::new()), lanes, lane: Cell::new(0) }
    }

    /// Runs `f` once per lane with that lane current (once, in lane 0, for `f_jvp`).
    fn for_each_lane(&self, mut f: impl FnMut()) {
        for l in 0..self.lanes.map_or(1, |m| m.count) {
            self.lane.set(l);
            f();
        }
    }

    /// The tangent statements of `f` for every lane, one after the other.
    fn each_lane(&self, f: impl Fn() -> TokenStream) -> TokenStream {
        let mut out = TokenStream::new();
        self.for_each_lane(|| out.extend(f()));
        out
    }

    fn t_ident(&self, v: ValId) -> Ident {
        match self.lanes {
            None => t_ident(v),
            Some(_) => lane_ident("t", v, self.lane.get()),
        }
    }

    fn t_array_ident(&self, s: usize) -> Ident {
        match self.lanes {
            None => t_array_ident(s),
            Some(_) => lane_ident("ta", s, self.lane.get()),
        }
    }

    fn t_slot_ident(&self, s: usize) -> Ident {
        match self.lanes {
            None => t_slot_ident(s),
            Some(_) => lane_ident("ts", s, self.lane.get()),
        }
    }

    /// Whether local array `s` has a tangent in the current lane.
    fn array_active(&self, s: usize) -> bool {
        match self.lanes {
            None => self.body.arrays[s].active,
            Some(m) => m.arrays[s] >> self.lane.get() & 1 == 1,
        }
    }
    fn name(&self, v: ValId) -> TokenStream {
        let i = val_ident(&self.body.vals, v);
        quote!(#i)
    }

    pub(super) fn op(&self, o: &Operand) -> TokenStream {
        match o {
            Operand::Val(v) => self.name(*v),
            Operand::Lit(t) => t.clone(),
        }
    }

    /// Whether value `v` has a tangent (in the current lane).
    fn active(&self, v: ValId) -> bool {
        match self.lanes {
            None => self.body.vals.get(v).is_some_and(|i| i.active),
            Some(m) => m.vals.get(v).is_some_and(|b| b >> self.lane.get() & 1 == 1),
        }
    }

    /// The tangent of an operand, when it has one (an active value).
    fn t_of(&self, o: &Operand) -> Option<TokenStream> {
        let v = o.val().filter(|v| self.active(*v))?;
        let t = self.t_ident(v);
        Some(quote!(#t))
    }

    fn t_or_zero(&self, o: &Operand) -> TokenStream {
        self.t_of(o).unwrap_or_else(|| quote!(0.0))
    }

    /// The tangent of an array, by reference (`&__ta3`, or a slice parameter's `t_xs`); `None`
    /// when it has none.
    fn array_ref(&self, a: ArrayRef) -> Option<TokenStream> {
        match a {
            ArrayRef::Param(p) => {
                let t = self.names.get(p)?.as_ref()?;
                self.used.borrow_mut().insert(p);
                Some(if matches!(self.sig.params[p].shape, Shape::Slice) { quote!(#t) } else { quote!(&#t) })
            }
            ArrayRef::Local(s) if self.array_active(s) => {
                let t = self.t_array_ident(s);
                Some(quote!(&#t))
            }
            ArrayRef::Local(_) => None,
        }
    }

    /// The tangent array itself, for indexing.
    fn array(&self, a: ArrayRef) -> Option<TokenStream> {
        match a {
            ArrayRef::Param(p) => {
                let t = self.names.get(p)?.as_ref()?;
                self.used.borrow_mut().insert(p);
                Some(quote!(#t))
            }
            ArrayRef::Local(s) if self.array_active(s) => {
                let t = self.t_array_ident(s);
                Some(quote!(#t))
            }
            ArrayRef::Local(_) => None,
        }
    }

    /// A block's code, primal and tangents.
    pub(super) fn block(&self, b: &Block) -> TokenStream {
        b.stmts.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&self, s: &Stmt) -> TokenStream {
        let f = self.sig.float.path();
        match s {
            Stmt::Gate { out, gate, args, .. } => {
                let primal = self.fwd.stmt(s);
                let arg_tokens: Vec<TokenStream> = args.iter().map(|a| self.op(a)).collect();
                let x = self.name(*out);
                let tangents = self.each_lane(|| {
                    if !self.active(*out) {
                        return TokenStream::new();
                    }
                    let tangents: Vec<Option<TokenStream>> = args.iter().map(|a| self.t_of(a)).collect();
                    let rule = gates::tangent(*gate, &tangents, &arg_tokens, &x, &f, &self.sig.float.consts())
                        .unwrap_or_else(|| quote!(0.0));
                    let t = self.t_ident(*out);
                    quote!(let #t: #f = #rule;)
                });
                quote!(#primal #tangents)
            }
            Stmt::Plain { .. } => self.fwd.stmt(s),
            // A vector-valued callee has no `_jvp` companion yet.
            Stmt::VCall { slot, span, .. } => {
                let primal = self.fwd.stmt(s);
                if !self.array_active(*slot) {
                    return primal;
                }
                let msg = "`forward` mode through a call to a vector-valued function is not supported yet: take `forward` off this function (its `f_grad` works), or return the components from scalar functions";
                let err = quote::quote_spanned!(*span=> ::core::compile_error!(#msg););
                quote!(#primal #err)
            }
            // In a forward-mode `f_grad`, a call goes through `g_grad` as in reverse mode (every
            // callee has one): its partials make the call a gate, `y = g(a, b)` giving
            // `dy_dx = ∂g/∂a · da_dx + ∂g/∂b · db_dx` in each lane. `lanes::plan` takes only calls
            // whose differentiated arguments are floats.
            Stmt::Call { out, args, partials, .. } if self.lanes.is_some() => {
                let primal = self.fwd.stmt(s);
                let tangents = self.each_lane(|| {
                    if !self.active(*out) {
                        return TokenStream::new();
                    }
                    let terms: Vec<TokenStream> = partials
                        .iter()
                        .filter_map(|p| {
                            let (CallArg::Scalar(a), Some(g)) = (&args[p.arg], p.val) else { return None };
                            let (t, g) = (self.t_of(a)?, self.name(g));
                            Some(quote!(#g * #t))
                        })
                        .collect();
                    let t = self.t_ident(*out);
                    let sum = if terms.is_empty() { quote!(0.0) } else { quote!(#(#terms)+*) };
                    quote!(let #t: #f = #sum;)
                });
                quote!(#primal #tangents)
            }
            // A differentiated struct passed whole: its tangent would be a struct the caller
            // cannot build without seeing its fields.
            Stmt::Call { out, span, args, .. } if args.iter().any(|a| matches!(a, CallArg::Struct { .. })) => {
                let primal = self.fwd.stmt(s);
                // (the tangent is declared so that the error does not cascade)
                let (t, f) = (self.t_ident(*out), self.sig.float.path());
                let msg = "`forward` mode through a call that passes a differentiated struct whole (`g(p)`, `p.method()`) is not supported yet: take `forward` off this function (its `f_grad` works), or pass the fields the callee reads (`g(p.x, p.v)`)";
                let err = quote::quote_spanned!(*span=> ::core::compile_error!(#msg););
                quote!(#primal #err let #t: #f = 0.0;)
            }
            Stmt::Call { out, func, receiver, args, partials, span, .. } => {
                self.call(*out, func, receiver.as_ref(), args, partials, *span)
            }
            Stmt::Index { out, array, index, path } => {
                let primal = self.fwd.stmt(s);
                let path: Vec<TokenStream> = path.iter().map(|p| self.op(p)).collect();
                let tangents = self.each_lane(|| {
                    if !self.active(*out) {
                        return TokenStream::new();
                    }
                    let t = self.t_ident(*out);
                    let rhs = match self.array(*array) {
                        Some(ta) if super::is_struct(self.sig, *array) => {
                            let e = super::element(self.sig, self.body, *array, &ta, &self.op(index), &path);
                            quote!(::gradmacro::__private::Field::tangent(&#e))
                        }
                        Some(ta) => super::element(self.sig, self.body, *array, &ta, &self.op(index), &path),
                        None => quote!(0.0),
                    };
                    quote!(let #t: #f = #rhs;)
                });
                quote!(#primal #tangents)
            }
            Stmt::Store { slot, index, value, push, .. } => {
                let (a, i, v) = (array_ident(*slot), self.op(index), self.op(value));
                let primal = if *push {
                    quote!(if #a.len() == #i { #a.push(#v); } else { #a[#i] = #v; })
                } else {
                    quote!(#a[#i] = #v;)
                };
                let tangents = self.each_lane(|| {
                    if !self.array_active(*slot) {
                        return TokenStream::new();
                    }
                    let (ta, tv) = (self.t_array_ident(*slot), self.t_or_zero(value));
                    if *push {
                        quote!(if #ta.len() == #i { #ta.push(#tv); } else { #ta[#i] = #tv; })
                    } else {
                        quote!(#ta[#i] = #tv;)
                    }
                });
                quote!(#primal #tangents)
            }
            Stmt::ArrayDecl { slot, init, ty } => {
                let primal = self.fwd.stmt(s);
                let tangents = self.each_lane(|| self.array_decl(*slot, init, ty.as_ref()));
                quote!(#primal #tangents)
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::Loop(l) => self.loop_stmt(l),
        }
    }

    /// The declaration of local array `slot`'s tangent in the current lane, if it has one.
    fn array_decl(&self, slot: usize, init: &ArrayInit, ty: Option<&TokenStream>) -> TokenStream {
        if !self.array_active(slot) {
            return TokenStream::new();
        }
        let arr = &self.body.arrays[slot];
        let ta = self.t_array_ident(slot);
        let m = if arr.written { quote!(mut) } else { quote!() };
        let ty = ty.map(|t| quote!(: #t));
        let init = match init {
            ArrayInit::List(items) => {
                let items = items.iter().map(|i| self.t_or_zero(i));
                if arr.heap { quote!(::gradmacro::__private::Vec::from([#(#items),*])) } else { quote!([#(#items),*]) }
            }
            _ if let Some(cap) = &arr.capacity => quote!(::gradmacro::__private::Vec::with_capacity(#cap)),
            ArrayInit::Repeat(v, len, _) if arr.heap => {
                let tv = self.t_or_zero(v);
                quote!(::core::iter::Iterator::collect::<::gradmacro::__private::Vec<_>>(::core::iter::repeat_n(#tv, #len)))
            }
            ArrayInit::Repeat(v, len, _) => {
                let tv = self.t_or_zero(v);
                quote!([#tv; #len])
            }
            // a constant value: its tangent is zero
            ArrayInit::Whole(_) => arr.zeros.clone(),
        };
        quote!(let #m #ta #ty = #init;)
    }

    /// `let (y, ty) = g_jvp(args.., tangents..);`: one tangent per argument `g_grad` would
    /// return a gradient for, zero for the constant ones.
    fn call(
        &self,
        out: ValId,
        func: &TokenStream,
        receiver: Option<&(TokenStream, Vec<ValId>)>,
        args: &[CallArg],
        partials: &[Partial],
        span: Span,
    ) -> TokenStream {
        let f = self.sig.float.path();
        let (x, t) = (self.name(out), self.t_ident(out));
        let func = super::companion_named(func, "jvp");
        let mut all: Vec<TokenStream> = args
            .iter()
            .map(|a| match a {
                CallArg::Scalar(o) => self.op(o),
                CallArg::Array { tokens, .. } | CallArg::Other { tokens, .. } | CallArg::Struct { tokens, .. } => {
                    tokens.clone()
                }
            })
            .collect();
        for p in partials {
            let tangent = match &args[p.arg] {
                CallArg::Scalar(o) => self.t_or_zero(o),
                CallArg::Array { tokens, active, .. } => match active.and_then(|a| self.array_ref(a)) {
                    Some(r) => quote!(::gradmacro::__private::tangent(#r)),
                    None => quote! {
                        ::gradmacro::__private::tangent(&::gradmacro::__private::zero_tangent(&(#tokens)))
                    },
                },
                CallArg::Other { .. } | CallArg::Struct { .. } => continue,
            };
            all.push(tangent);
        }
        let call = match receiver {
            Some((r, _)) => quote!(#r.#func(#(#all),*)),
            None => quote!(#func(#(#all),*)),
        };
        // A callee without a `_jvp` companion is an error at the user's call, naming `g_jvp`.
        quote_spanned! {span=>
            let (#x, #t): (#f, #f) = #call;
        }
    }

    fn if_stmt(&self, i: &If) -> TokenStream {
        let cond = self.op(&i.cond);
        let then_code = self.block(&i.then_block);
        let else_code = self.block(&i.else_block);
        if i.phis.is_empty() {
            return quote!(if #cond { #then_code } else { #else_code });
        }
        let (mut pat, mut then_vals, mut else_vals) = (Vec::new(), Vec::new(), Vec::new());
        for p in &i.phis {
            pat.push(self.name(p.out));
            then_vals.push(self.op(&p.then_val));
            else_vals.push(self.op(&p.else_val));
        }
        self.for_each_lane(|| {
            for p in i.phis.iter().filter(|p| self.active(p.out)) {
                let t = self.t_ident(p.out);
                pat.push(quote!(#t));
                then_vals.push(self.t_or_zero(&p.then_val));
                else_vals.push(self.t_or_zero(&p.else_val));
            }
        });
        super::forward::tuple_if(&cond, &pat, (then_code, then_vals), (else_code, else_vals))
    }

    fn loop_stmt(&self, l: &Loop) -> TokenStream {
        let f = self.sig.float.path();
        let carries = |c: &super::ir::Carried| self.active(c.entry) || self.active(c.after);
        let mut pre = TokenStream::new();
        let mut entries = TokenStream::new();
        let mut write_back = TokenStream::new();
        let mut after = TokenStream::new();
        for c in &l.carried {
            let (s, e, a) = (slot_ident(c.slot), self.name(c.entry), self.name(c.after));
            let (init, exit) = (self.op(&c.init), self.op(&c.exit));
            pre.extend(quote!(let mut #s = #init;));
            entries.extend(quote!(let #e = #s;));
            write_back.extend(quote!(#s = #exit;));
            after.extend(quote!(let #a = #s;));
            self.for_each_lane(|| {
                if carries(c) {
                    let (ts, te, ta) = (self.t_slot_ident(c.slot), self.t_ident(c.entry), self.t_ident(c.after));
                    let (init, exit) = (self.t_or_zero(&c.init), self.t_or_zero(&c.exit));
                    pre.extend(quote!(let mut #ts: #f = #init;));
                    entries.extend(quote!(let #te: #f = #ts;));
                    write_back.extend(quote!(#ts = #exit;));
                    after.extend(quote!(let #ta: #f = #ts;));
                }
            });
        }
        let x = exit_slot_ident(l.id);
        if l.exit_after.is_some() {
            pre.extend(quote!(let mut #x = 0u8;));
        }
        let body = self.block(&l.body);
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
        let lp = match &l.kind {
            LoopKind::ForIter { pat, iterable, .. } => {
                let it = iter_ident(l.id);
                pre.extend(quote!(let #it = ::core::iter::IntoIterator::into_iter(#iterable);));
                quote!(for #pat in #it { #entries #body #write_back #exit })
            }
            LoopKind::ForIndex { index, len, .. } => {
                let k = self.name(*index);
                quote!(for #k in 0..#len { #entries #body #write_back #exit })
            }
            LoopKind::While { cond_block, cond } => {
                let cond_code = self.block(cond_block);
                let test = match cond {
                    Operand::Lit(t) if t.to_string() == "true" => TokenStream::new(),
                    c => {
                        let c = self.op(c);
                        quote!(if !(#c) { break; })
                    }
                };
                quote!(loop { #entries #cond_code #test #body #write_back #exit })
            }
        };
        if let Some(v) = l.exit_after {
            let a = self.name(v);
            let ret = EXIT_RETURN;
            after.extend(quote!(let #a = if #x == #ret { #ret } else { 0u8 };));
        }
        quote!(#pre #lp #after)
    }
}

/// `g_grad` to `g_jvp` in a call's path or method name (the last identifier ending in `_grad`),
/// keeping its span: resolved like an item, reported at the user's name.
/// `fn f_jvp(args.., tangents..) -> (F, F)` with its doc comment, without the body.
pub fn header(
    sig: &Sig,
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    s: &syn::Signature,
    names: &[Option<Ident>],
) -> TokenStream {
    let name = format_ident!("{}_jvp", s.ident);
    let f = sig.float.path();
    let mut inputs: Vec<TokenStream> = super::companion_inputs(s).iter().map(ToTokens::to_token_stream).collect();
    inputs.extend(params(sig, names));
    let (generics, where_clause, original) = (&s.generics, &s.generics.where_clause, &s.ident);
    let pairs: Vec<(String, String)> = sig
        .params
        .iter()
        .zip(names)
        .filter_map(|(p, n)| Some((p.ident.as_ref()?.to_string(), n.as_ref()?.to_string())))
        .collect();
    let sum = if pairs.is_empty() {
        "0 (no parameter is differentiated)".to_owned()
    } else {
        let terms: Vec<String> = pairs.iter().map(|(p, t)| format!("∂{original}/∂{p} · {t}")).collect();
        terms.join(" + ")
    };
    let slices: Vec<String> = sig
        .params
        .iter()
        .zip(names)
        .filter(|(p, n)| {
            n.is_some() && matches!(p.shape, Shape::Slice | Shape::Rows { outer: None, .. } | Shape::Ragged)
        })
        .filter_map(|(p, n)| Some(format!("`{}` is not as long as `{}`", n.as_ref()?, p.ident.as_ref()?)))
        .collect();
    let panics =
        if slices.is_empty() { String::new() } else { format!("\n\n# Panics\n\nIf {}.", slices.join(", or if ")) };
    let link = super::doc_link(s);
    let doc = format!(
        "Value and directional derivative of {link}, generated by `#[differentiate(forward)]` (forward mode).\n\nReturns `(value, derivative)`: the value `{original}` returns for the same arguments, bit for bit, then its derivative along the tangent, {sum} (each tangent has its parameter's shape; a slice or `Vec` parameter's is a slice of the same length).{panics}"
    );
    let cfgs = super::kept_attrs(attrs);
    // One tangent per active parameter doubles them: the count is the contract's, not the user's.
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[allow(clippy::too_many_arguments)]
        #vis fn #name #generics (#(#inputs),*) -> (#f, #f) #where_clause
    }
}
