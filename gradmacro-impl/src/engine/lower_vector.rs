//! Lowering, vector values: a function returning `[F; N]` or a tuple of floats returns through
//! one pseudo-variable per component (`$ret0`, `$ret1`, ...), which joins at `if`s and loops
//! like any variable; a call to a vector-valued function fills a local array slot, read by
//! index, and is differentiated through the callee's `_vjp` companion.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, UnOp};

use super::gates;
use super::ir::{ArrayRef, ArraySlot, Block, CallArg, Kind, Operand, Stmt};
use super::lower::{Binding, EXIT, EXIT_RETURN, Lower, RET, exit_lit, float_fn, strip};
use super::sig::Output;

const NOT_A_VECTOR: &str = "a function that returns a vector returns an array literal (`[a, b]`), a tuple (`(a, b)`), a local array by name, or the result of a call to a vector-valued function (`g(x)`, differentiated through `g_vjp`): compute this value into a local array first (`let mut h = [0.0; 2]; h[0] = ...;`)";

/// The pseudo-variable holding component `i` of a vector result.
pub fn ret_name(i: usize) -> String {
    format!("{RET}{i}")
}

/// `e` with every value it can end with returned: `if c { a } else { b }` becomes
/// `if c { return a } else { return b }`, through blocks, `else if`s and `match` arms, so that
/// the existing lowering of `if` and `match` carries the components of a vector result.
pub fn returnify(e: &Expr) -> Expr {
    match e {
        Expr::Paren(p) => returnify(&p.expr),
        Expr::Group(g) => returnify(&g.expr),
        Expr::Block(b) if b.label.is_none() => {
            let mut b = b.clone();
            returnify_block(&mut b.block);
            Expr::Block(b)
        }
        Expr::If(i) if i.else_branch.is_some() => {
            let mut i = i.clone();
            returnify_block(&mut i.then_branch);
            if let Some((_, els)) = &mut i.else_branch {
                **els = returnify(els);
            }
            Expr::If(i)
        }
        Expr::Match(m) => {
            let mut m = m.clone();
            for arm in &mut m.arms {
                *arm.body = returnify(&arm.body);
                if arm.comma.is_none() {
                    arm.comma = Some(syn::Token![,](arm.body.span()));
                }
            }
            Expr::Match(m)
        }
        // Already leaves the function, or never has a value.
        Expr::Return(_) | Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) | Expr::Break(_) | Expr::Continue(_) => {
            e.clone()
        }
        // `assert!` and its kin have no value; `vec![..]` is one (of a function returning `Vec`).
        Expr::Macro(m) if !m.mac.path.is_ident("vec") => e.clone(),
        leaf => Expr::Return(syn::ExprReturn {
            attrs: Vec::new(),
            return_token: syn::Token![return](leaf.span()),
            expr: Some(Box::new(leaf.clone())),
        }),
    }
}

fn returnify_block(b: &mut syn::Block) {
    if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last_mut() {
        *tail = returnify(tail);
    }
}

/// Whether `name` is read later as a vector: indexed (`name[..]`) or by field (`name.0`), before
/// any `let` that binds the name again (a later `let name = [..]; name[0]` is another variable).
pub fn indexed_later(name: &syn::Ident, rest: &[syn::Stmt]) -> bool {
    use proc_macro2::TokenTree as T;
    /// `Some(true)`: read as a vector; `Some(false)`: bound again first; `None`: neither.
    fn scan(t: TokenStream, name: &syn::Ident) -> Option<bool> {
        let toks: Vec<T> = t.into_iter().collect();
        for (k, tt) in toks.iter().enumerate() {
            match tt {
                T::Ident(l) if l == "let" => {
                    let next = match toks.get(k + 1) {
                        Some(T::Ident(m)) if m == "mut" => toks.get(k + 2),
                        other => other,
                    };
                    if matches!(next, Some(T::Ident(i)) if i == name) {
                        return Some(false);
                    }
                }
                // `for x in r`, `for x in &r`: only a vector is iterated.
                T::Ident(l) if l == "in" => {
                    let at =
                        if matches!(toks.get(k + 1), Some(T::Punct(p)) if p.as_char() == '&') { k + 2 } else { k + 1 };
                    let whole = !matches!(toks.get(at + 1), Some(T::Punct(p)) if p.as_char() == '.');
                    if whole && matches!(toks.get(at), Some(T::Ident(i)) if i == name) {
                        return Some(true);
                    }
                }
                T::Ident(i) if i == name => match (toks.get(k + 1), toks.get(k + 2)) {
                    (Some(T::Group(g)), _) if g.delimiter() == proc_macro2::Delimiter::Bracket => return Some(true),
                    (Some(T::Punct(p)), Some(T::Literal(_))) if p.as_char() == '.' => return Some(true),
                    // A float has no `iter`: `r.iter()` reads a vector (a `Vec` a call returned).
                    (Some(T::Punct(p)), Some(T::Ident(m))) if p.as_char() == '.' && (m == "iter" || m == "len") => {
                        return Some(true);
                    }
                    _ => {}
                },
                T::Group(g) => {
                    if let Some(found) = scan(g.stream(), name) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }
    rest.iter().find_map(|s| scan(s.to_token_stream(), name)).unwrap_or(false)
}

impl Lower<'_> {
    /// The number of components of the function's vector result, and whether it is a tuple.
    pub fn vector_out(&self) -> Option<(usize, bool)> {
        match self.sig.output {
            Output::Scalar | Output::Rejected | Output::Vec => None,
            Output::Array(n) => Some((n, false)),
            Output::Tuple(n) => Some((n, true)),
        }
    }

    /// `return value;` in a function with a vector result.
    pub(super) fn vector_return(&mut self, r: &syn::ExprReturn, out: &mut Block) {
        let shape = self.vector_out();
        let Some(v) = &r.expr else {
            self.error(r.span(), "`return` needs a value in a function that returns a vector");
            return;
        };
        match strip(v) {
            // `return if c { a } else { b };`: each arm returns.
            e @ (Expr::If(syn::ExprIf { else_branch: Some(_), .. }) | Expr::Match(_)) => {
                let _ = self.expr(&returnify(e), out);
            }
            Expr::Block(b) if b.label.is_none() => {
                let _ = self.expr(&returnify(&Expr::Block(b.clone())), out);
            }
            e => {
                let Some((n, tuple)) = shape else { return self.vec_return(e, out) };
                let ops = self.components(e, n, tuple, out);
                for (i, op) in ops.into_iter().enumerate() {
                    self.set_scalar(&ret_name(i), op);
                }
                self.set_scalar(EXIT, exit_lit(EXIT_RETURN));
                self.returns += 1;
            }
        }
    }

    /// The `n` components of a vector-valued expression.
    pub(super) fn components(&mut self, e: &Expr, n: usize, tuple: bool, out: &mut Block) -> Vec<Operand> {
        let zeros = || vec![Operand::Lit(quote!(0.0)); n];
        match strip(e) {
            Expr::Array(a) if !tuple => {
                let ops: Vec<Operand> = a.elems.iter().map(|x| self.expr(x, out)).collect();
                if ops.len() == n { ops } else { zeros() }
            }
            Expr::Repeat(r) if !tuple => {
                let v = self.expr(&r.expr, out);
                vec![v; n]
            }
            Expr::Tuple(t) if tuple => {
                let ops: Vec<Operand> = t.elems.iter().map(|x| self.expr(x, out)).collect();
                if ops.len() == n { ops } else { zeros() }
            }
            Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.lookup(&i.to_string()).is_some()) => {
                (0..n).map(|i| self.element_of(p, i, tuple, out)).collect()
            }
            call @ (Expr::Call(_) | Expr::MethodCall(_)) if self.mentions_active(call) => {
                let f = self.sig.float.path();
                let ty = if tuple {
                    let fs = (0..n).map(|_| f.clone());
                    quote_spanned!(call.span()=> (#(#fs,)*))
                } else {
                    quote_spanned!(call.span()=> [#f; #n])
                };
                let before = self.errors.len();
                match self.vector_call(call, Some((n, tuple)), Some(ty), out) {
                    Some(binding) => {
                        let name = format!("$vec{}", self.arrays.len());
                        let mark = self.env.len();
                        self.env.push(name.clone(), binding);
                        let path: syn::ExprPath = syn::parse_quote_spanned!(call.span()=> vector_result);
                        let ops = (0..n).map(|i| self.element_named(&name, &path, i, tuple, out)).collect();
                        self.env.truncate(mark);
                        ops
                    }
                    None => {
                        if self.errors.len() == before {
                            self.error_tokens(call, NOT_A_VECTOR);
                        }
                        zeros()
                    }
                }
            }
            other if !self.mentions_active(other) && self.is_simple(other) => {
                let w = self.plain(other, None, out);
                (0..n).map(|i| self.plain_component(w, i, tuple, other.span(), out)).collect()
            }
            other => {
                self.error_tokens(other, NOT_A_VECTOR);
                zeros()
            }
        }
    }

    fn plain_component(&mut self, w: usize, i: usize, tuple: bool, span: Span, out: &mut Block) -> Operand {
        let wi = super::val_ident_plain(w);
        let idx = syn::Index { index: u32::try_from(i).unwrap_or(u32::MAX), span };
        let tokens = if tuple { quote!(#wi.#idx) } else { quote!(#wi[#idx]) };
        self.plain_tokens(tokens, vec![w], span, out)
    }

    /// Component `i` of the vector bound to the path `p`.
    fn element_of(&mut self, p: &syn::ExprPath, i: usize, tuple: bool, out: &mut Block) -> Operand {
        let name = p.path.get_ident().map(ToString::to_string).unwrap_or_default();
        self.element_named(&name, p, i, tuple, out)
    }

    fn element_named(&mut self, name: &str, p: &syn::ExprPath, i: usize, tuple: bool, out: &mut Block) -> Operand {
        let span = p.span();
        let idx = syn::Index { index: u32::try_from(i).unwrap_or(u32::MAX), span };
        match self.lookup(name).cloned() {
            Some(Binding::Array { array, active: true, .. }) => {
                let v = self.new_val(true, span);
                if let ArrayRef::Local(s) = array
                    && self.loop_depth > 0
                {
                    self.arrays[s].read_in_loop = true;
                }
                out.stmts.push(Stmt::Index { out: v, array, index: Operand::Lit(quote!(#idx)), path: Vec::new() });
                Operand::Val(v)
            }
            Some(Binding::Array { handle, handle_use, .. }) => {
                let tokens = if tuple { quote!(#handle.#idx) } else { quote!(#handle[#idx]) };
                self.plain_tokens(tokens, handle_use.into_iter().collect(), span, out)
            }
            Some(Binding::Scalar { op: Operand::Val(w), .. }) if !self.vals[w].active => {
                self.plain_component(w, i, tuple, span, out)
            }
            _ => {
                self.error_tokens(p, "this value is not a vector: return an array literal (`[a, b]`), a tuple (`(a, b)`) or a local array");
                Operand::Lit(quote!(0.0))
            }
        }
    }

    /// `g(args)` or `obj.g(args)` with a vector result (`shape`: its length and whether it is a
    /// tuple, when known): a local array slot that the backward pass hands to `g_vjp` as the
    /// seed. `None` when `e` is not such a call (nothing is reported) or after an error.
    pub(super) fn vector_call(
        &mut self,
        e: &Expr,
        shape: Option<(usize, bool)>,
        ty: Option<TokenStream>,
        out: &mut Block,
    ) -> Option<Binding> {
        let (plain, vjp, receiver, args, span) = match strip(e) {
            Expr::Call(c) => match strip(&c.func) {
                Expr::Path(p)
                    if p.qself.is_none()
                        && !p.path.segments.is_empty()
                        && float_fn(&p.path).is_none()
                        && p.path.get_ident().is_none_or(|i| self.lookup(&i.to_string()).is_none()) =>
                {
                    let mut path = p.path.clone();
                    if let Some(last) = path.segments.last_mut() {
                        let span = Span::mixed_site().located_at(last.ident.span());
                        last.ident = format_ident!("{}_vjp", last.ident, span = span);
                    }
                    (p.path.to_token_stream(), path.to_token_stream(), None, &c.args, c.span())
                }
                _ => return None,
            },
            Expr::MethodCall(m)
                if !self.mentions_active(&m.receiver)
                    && m.turbofish.is_none()
                    && gates::method(&m.method.to_string()).is_none() =>
            {
                let (recv, uses) = self.rename(&m.receiver);
                let method = format_ident!("{}_vjp", m.method, span = m.method.span());
                let plain = &m.method;
                (quote!(#plain), quote!(#method), Some((recv, uses)), &m.args, m.span())
            }
            _ => return None,
        };
        let (call_args, partials, any_active) = self.call_args(&plain, args, out)?;
        if call_args.iter().any(|a| matches!(a, CallArg::Struct { .. })) {
            self.error(span, "passing a differentiated struct whole to a vector-valued function is not supported yet: pass the fields it reads (`g(p.x, p.v)`), or call a function returning a float");
            return None;
        }
        if !any_active {
            let op = self.plain_call(&plain, receiver.as_ref(), &call_args, span, out);
            if let Some(v) = op.val() {
                self.vals[v].kind = Kind::FloatArray;
            }
            return Some(Binding::Scalar { op, refs: 0 });
        }
        // The backward pass passes the arguments again: local arrays among them must still hold
        // what they held at the call (their later writes are undone, and they outlive the arm
        // or iteration that declared them).
        for a in args {
            let bare = match strip(a) {
                Expr::Reference(r) => strip(&r.expr),
                Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => strip(&u.expr),
                other => other,
            };
            if let Expr::Path(p) = bare
                && let Some(id) = p.path.get_ident()
                && let Some(Binding::Array { array: ArrayRef::Local(s), .. }) = self.lookup(&id.to_string()).cloned()
            {
                self.arrays[s].read_in_loop = true;
            }
        }
        for a in &call_args {
            if let CallArg::Array { active: Some(ArrayRef::Local(s)), .. } = a {
                self.arrays[*s].read_in_loop = true;
            }
        }
        let slot = self.arrays.len();
        let a = super::array_ident(slot);
        let zeros = match shape {
            Some((n, false)) => quote!([0.0; #n]),
            Some((n, true)) => {
                let zs = (0..n).map(|_| quote!(0.0));
                quote!((#(#zs,)*))
            }
            None => {
                let vec_ty = ty.as_ref().is_some_and(|t| {
                    syn::parse2::<syn::Type>(t.clone()).is_ok_and(|t| super::sig::vec_elem(&t).is_some())
                });
                if vec_ty && (self.loop_depth > 0 || self.branch_depth > 0) {
                    // Its adjoint, as long as the `Vec`, is declared beside it by the forward
                    // pass and read by the backward pass after the loop or arm has ended.
                    self.error_tokens(
                        e,
                        "a call to a `Vec`-valued function inside a loop or an `if`/`match` arm is not supported: call it once before the loop or the `if`, at the top level of the function (`let r = g(..);`), and read `r` there",
                    );
                } else if self.loop_depth > 0 || self.branch_depth > 0 {
                    self.error_tokens(
                        e,
                        "the length of this call's result is not known here: write its type (`let r: [f64; 3] = g(..);`) or destructure it (`let [x, y, z] = g(..);`); a `Vec`-valued `g` cannot be called inside a loop or an `if`/`match` arm: call it once before, at the top level of the function",
                    );
                }
                quote!(::gradmacro::__private::zeros_like(&#a))
            }
        };
        self.arrays.push(ArraySlot {
            active: true,
            written: false,
            zeros,
            read_in_loop: self.loop_depth > 0,
            heap: false,
            capacity: None,
            user: None,
            tuple: shape.is_some_and(|(_, t)| t),
            beside: shape.is_none(),
        });
        out.stmts.push(Stmt::VCall { slot, plain, vjp, receiver, args: call_args, partials, ty, span });
        Some(Binding::Array {
            array: ArrayRef::Local(slot),
            active: true,
            handle: a.to_token_stream(),
            handle_use: None,
        })
    }

    /// `let [x, y] = g(..);`, `let (u, v) = g(..);` with a vector-valued `g`, or from a vector
    /// bound to a name: binds each name to a component. `false` when `init` is not one of those.
    pub(super) fn destructure_vector(
        &mut self,
        pats: &[syn::Pat],
        tuple: bool,
        ty: Option<&syn::Type>,
        init: &Expr,
        out: &mut Block,
    ) -> bool {
        self.destructure_vector_call(pats, tuple, ty, init, false, out)
    }

    /// [`Self::destructure_vector`]; with `constant`, also a call none of whose arguments is
    /// differentiated but which is not plain code either (an `if` expression among its
    /// arguments, say): its arguments are lowered, the call is evaluated as written, and each
    /// name is bound to a component (found by the oracle's vector family, program v54 of the
    /// default seed: `let (a, b) = g(if c { k } else { y }, ..);` with `y` left out by `wrt`
    /// was rejected as "destructuring a differentiated value").
    pub(super) fn destructure_vector_call(
        &mut self,
        pats: &[syn::Pat],
        tuple: bool,
        ty: Option<&syn::Type>,
        init: &Expr,
        constant: bool,
        out: &mut Block,
    ) -> bool {
        let n = pats.len();
        let ops = match strip(init) {
            call @ (Expr::Call(_) | Expr::MethodCall(_)) if constant || self.mentions_active(call) => {
                let f = self.sig.float.path();
                let ty = match ty {
                    Some(t) => t.to_token_stream(),
                    None if tuple => {
                        let fs = (0..n).map(|_| f.clone());
                        quote_spanned!(call.span()=> (#(#fs,)*))
                    }
                    None => quote_spanned!(call.span()=> [#f; #n]),
                };
                let Some(binding) = self.vector_call(call, Some((n, tuple)), Some(ty), out) else {
                    return false;
                };
                let name = format!("$vec{}", self.arrays.len());
                let mark = self.env.len();
                self.env.push(name.clone(), binding);
                let path: syn::ExprPath = syn::parse_quote_spanned!(call.span()=> vector_result);
                let ops: Vec<Operand> = (0..n).map(|i| self.element_named(&name, &path, i, tuple, out)).collect();
                self.env.truncate(mark);
                ops
            }
            Expr::Path(p)
                if !tuple
                    && p.path.get_ident().is_some_and(|i| {
                        matches!(self.lookup(&i.to_string()), Some(Binding::Array { active: true, .. }))
                    }) =>
            {
                (0..n).map(|i| self.element_of(p, i, tuple, out)).collect()
            }
            _ => return false,
        };
        for (p, op) in pats.iter().zip(ops) {
            match p {
                syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    self.bind(pi.ident.to_string(), Binding::Scalar { op, refs: 0 });
                }
                syn::Pat::Wild(_) => {}
                other => self.error_tokens(other, "bind each component of a vector to a plain name or `_`"),
            }
        }
        true
    }
}
