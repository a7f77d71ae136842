//! Lowering, expressions: flattening into gates, left to right in Rust's evaluation order.
//!
//! An expression that mentions no active value and contains no control flow is kept whole as a
//! plain statement (with user variables renamed to the values they hold): it needs no adjoint,
//! and keeping it whole keeps `&&`'s short circuit and the user's types.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, UnOp};

use super::activity::{is_discrete_type, is_float_predicate, is_impure_closure};
use super::gates::{self, Gate, M};
use super::ir::{ArrayRef, Block, Kind, Operand, Stmt, ValId};
use super::lower::{Binding, EXIT, EXIT_BREAK, EXIT_CONTINUE, EXIT_RETURN, Lower, RET, exit_lit, strip};
use super::unsupported::{is_iterator_method, is_std_method, iterator_msg, std_method_msg};

impl Lower<'_> {
    pub fn op_tokens(&self, op: &Operand) -> TokenStream {
        match op {
            Operand::Val(v) => super::val_ident(&self.vals, *v).to_token_stream(),
            Operand::Lit(t) => t.clone(),
        }
    }

    /// A whole inactive expression as one plain statement.
    pub fn plain(&mut self, e: &Expr, ty: Option<TokenStream>, out: &mut Block) -> ValId {
        // `let v = (a as f64);` would trip `unused_parens` on the user's tokens.
        let e = strip(e);
        let kind = match &ty {
            Some(t) => match syn::parse2::<syn::Type>(t.clone()) {
                Ok(t) if super::sig::float_of(&t).is_some() => Kind::Float,
                Ok(syn::Type::Array(a)) if super::sig::float_of(&a.elem).is_some() => Kind::FloatArray,
                _ => Kind::Other,
            },
            None => self.kind_of_expr(e),
        };
        let (tokens, uses) = self.rename(e);
        let v = self.new_val_kind(false, kind, e.span());
        out.stmts.push(Stmt::Plain { out: Some(v), ty, tokens, uses });
        v
    }

    pub(super) fn plain_tokens(
        &mut self,
        tokens: TokenStream,
        uses: Vec<ValId>,
        span: Span,
        out: &mut Block,
    ) -> Operand {
        let v = self.new_val(false, span);
        out.stmts.push(Stmt::Plain { out: Some(v), ty: None, tokens, uses });
        Operand::Val(v)
    }

    /// A value that carries no gradient (a condition, an operand of a comparison or of `&&`):
    /// kept whole when it has no control flow inside, whatever it reads (closures included).
    pub fn cond(&mut self, e: &Expr, out: &mut Block) -> Operand {
        if self.is_simple(e) { Operand::Val(self.plain(e, None, out)) } else { self.expr(e, out) }
    }

    /// `gate(args)`: a gate statement when an input is active, plain code otherwise.
    /// `fallback` writes the plain form the way the user wrote it (method syntax for integers).
    pub fn gate(
        &mut self,
        gate: Gate,
        args: Vec<Operand>,
        span: Span,
        fallback: TokenStream,
        out: &mut Block,
    ) -> Operand {
        let active_in = args.iter().enumerate().any(|(i, a)| self.is_active(a) && !gate.is_integer_input(i));
        if !active_in {
            let uses = args.iter().filter_map(Operand::val).collect();
            let kind = args.iter().map(|a| self.kind(a)).fold(Kind::Other, Kind::join);
            let r = self.plain_tokens(fallback, uses, span, out);
            if let Some(v) = r.val() {
                self.vals[v].kind = kind;
            }
            return r;
        }
        // `sin` and `cos` of an active value: the other one beside it, for the rule to read.
        let (gate, args) = match gate {
            Gate::Method(m @ (M::Sin | M::Cos)) => {
                let other = if m == M::Sin { M::Cos } else { M::Sin };
                let o = self.new_val(true, span);
                // named after its argument in the readable expansion (`cos_y`)
                let arg_name = args[0].val().and_then(|a| self.vals[a].user.clone());
                self.vals[o].user = arg_name.map(|n| format!("{}_{n}", if m == M::Sin { "cos" } else { "sin" }));
                out.stmts.push(Stmt::Gate { out: o, gate: Gate::Method(other), args: args.clone(), span });
                let paired = if m == M::Sin { Gate::SinPaired } else { Gate::CosPaired };
                (paired, vec![args[0].clone(), Operand::Val(o)])
            }
            _ => (gate, args),
        };
        let v = self.new_val(!gate.is_flat(), span);
        out.stmts.push(Stmt::Gate { out: v, gate, args, span });
        Operand::Val(v)
    }

    pub fn expr(&mut self, e: &Expr, out: &mut Block) -> Operand {
        // A push changes the buffer's length, which the lowering counts: never plain code.
        if let Expr::MethodCall(m) = strip(e)
            && let Some(unit) = self.push(m, out)
        {
            return unit;
        }
        if !self.mentions_active(e) && self.is_simple(e) {
            return match e {
                Expr::Lit(l) => Operand::Lit(l.to_token_stream()),
                Expr::Path(p) if p.path.get_ident().is_none_or(|i| self.lookup(&i.to_string()).is_none()) => {
                    Operand::Lit(p.to_token_stream())
                }
                Expr::Path(p) => match p.path.get_ident().and_then(|i| self.lookup(&i.to_string())).cloned() {
                    Some(Binding::Scalar { op, refs: 0 }) => op,
                    _ => Operand::Val(self.plain(e, None, out)),
                },
                _ => Operand::Val(self.plain(e, None, out)),
            };
        }
        match e {
            Expr::Paren(p) => self.expr(&p.expr, out),
            Expr::Group(g) => self.expr(&g.expr, out),
            Expr::Lit(l) => Operand::Lit(l.to_token_stream()),
            Expr::Path(p) => self.path(p),
            Expr::Binary(b) => self.binary(b, out),
            Expr::Unary(u) => self.unary(u, out),
            Expr::MethodCall(m) => self.method_call(m, out),
            Expr::Call(c) => self.call(c, out),
            Expr::Cast(c) => self.cast(c, out),
            Expr::Index(i) => self.index(i, out),
            Expr::Field(_) if let Some(v) = self.struct_read(e, out) => v,
            Expr::Field(f) if let Some(v) = self.tuple_field(f, out) => v,
            Expr::Field(_) if let Some(v) = self.constant_field(e, out) => v,
            Expr::Block(b) => {
                if let Some(l) = &b.label {
                    self.error_tokens(
                        l,
                        "labeled blocks are not supported in a #[differentiate] body: use `if`/`else`",
                    );
                }
                self.lower_stmts(&b.block.stmts, out).unwrap_or_else(unit)
            }
            Expr::If(i) => self.if_expr(i, out),
            Expr::Match(m) => self.match_expr(m, out),
            Expr::Macro(m) if self.checking_macro(&m.mac, out) => unit(),
            Expr::ForLoop(f) => {
                self.for_loop(f, out);
                unit()
            }
            Expr::While(w) => {
                self.while_loop(w, out);
                unit()
            }
            Expr::Loop(l) => self.loop_expr(l, out),
            Expr::Assign(a) => {
                self.assign(&a.left, &a.right, None, out);
                unit()
            }
            Expr::Return(r) if self.returns_vector() => {
                self.vector_return(r, out);
                unit()
            }
            Expr::Return(r) => {
                match &r.expr {
                    Some(v) => {
                        let op = self.expr(v, out);
                        self.set_scalar(RET, op);
                    }
                    None => self.error(r.span(), "`return` needs a value in a function that returns a float"),
                }
                self.set_scalar(EXIT, exit_lit(EXIT_RETURN));
                self.returns += 1;
                unit()
            }
            Expr::Break(b) => {
                if let Some(l) = &b.label {
                    self.error_tokens(l, "labeled `break` is not supported in a #[differentiate] body: set a flag and `break` from each loop");
                } else if let Some(v) = &b.expr {
                    match self.loop_values.last().cloned().flatten() {
                        Some(name) => {
                            let op = self.expr(v, out);
                            let kind = self.kind(&op);
                            self.loop_value_kinds.entry(name.clone()).and_modify(|k| *k = k.join(kind)).or_insert(kind);
                            self.set_scalar(&name, op);
                        }
                        None => self.error_tokens(v, "`break` with a value belongs to a `loop` (not `while` or `for`): assign the value to a variable and `break`"),
                    }
                } else if self.loop_depth == 0 {
                    self.error(b.span(), "`break` outside of a loop");
                }
                self.set_scalar(EXIT, exit_lit(EXIT_BREAK));
                unit()
            }
            Expr::Continue(c) => {
                if let Some(l) = &c.label {
                    self.error_tokens(l, "labeled `continue` is not supported in a #[differentiate] body: set a flag and `continue` from each loop");
                }
                self.set_scalar(EXIT, exit_lit(EXIT_CONTINUE));
                unit()
            }
            Expr::Tuple(t) if t.elems.is_empty() => unit(),
            _ => {
                if is_compound_assign(e)
                    && let Expr::Binary(b) = e
                {
                    self.assign(&b.left, &b.right, Some(b.op), out);
                    return unit();
                }
                self.unsupported(e);
                Operand::Lit(quote!(0.0))
            }
        }
    }

    fn path(&mut self, p: &syn::ExprPath) -> Operand {
        if let Some(id) = p.path.get_ident() {
            match self.lookup(&id.to_string()).cloned() {
                Some(Binding::Scalar { op, .. }) => return op,
                Some(Binding::Array { array: ArrayRef::Param(i), .. })
                    if matches!(self.sig.params[i].shape, super::sig::Shape::Tuple { .. }) =>
                {
                    self.error_tokens(p, format!("`{id}` is a differentiated tuple: read its fields (`{id}.0`) or destructure it (`let (a, b) = {id};`); it cannot be used as a whole value here"));
                    return Operand::Lit(quote!(0.0));
                }
                Some(Binding::Array { array: ArrayRef::Param(i), .. }) if self.sig.params[i].shape.only_with_wrt() => {
                    let msg = self.whole_msg(i, &id.to_string());
                    self.error_tokens(p, msg);
                    return Operand::Lit(quote!(0.0));
                }
                Some(Binding::Array { .. }) => {
                    self.error_tokens(p, format!("`{id}` is a differentiated array: read its elements by index (`{id}[i]`) or iterate over it with `for`; it cannot be used as a whole value here"));
                    return Operand::Lit(quote!(0.0));
                }
                Some(Binding::Elem { param, .. }) => {
                    let msg = self.whole_msg(param, &id.to_string());
                    self.error_tokens(p, msg);
                    return Operand::Lit(quote!(0.0));
                }
                Some(Binding::Closure(_)) => {
                    self.error_tokens(p, format!("`{id}` is a local closure: it is inlined where it is called, so call it (`{id}(x)`) or pass it to an iterator adaptor (`.map({id})`); it cannot be stored, returned or passed to a function"));
                    return Operand::Lit(quote!(0.0));
                }
                Some(Binding::Window { .. }) => {
                    self.error_tokens(p, format!("`{id}` is a window of an array: read its elements by index (`{id}[0]`) or iterate over it (`{id}.iter()`); it cannot be used as a whole value here"));
                    return Operand::Lit(quote!(0.0));
                }
                None => {}
            }
        }
        Operand::Lit(p.to_token_stream())
    }

    fn binary(&mut self, b: &syn::ExprBinary, out: &mut Block) -> Operand {
        let gate = match b.op {
            BinOp::Add(_) => Some(Gate::Add),
            BinOp::Sub(_) => Some(Gate::Sub),
            BinOp::Mul(_) => Some(Gate::Mul),
            BinOp::Div(_) => Some(Gate::Div),
            BinOp::Rem(_) => Some(Gate::Rem),
            _ => None,
        };
        if is_compound_assign_op(b.op) {
            self.assign(&b.left, &b.right, Some(b.op), out);
            return unit();
        }
        match gate {
            Some(g) => {
                let l = self.expr(&b.left, out);
                let r = self.expr(&b.right, out);
                let (lt, rt, op) = (self.op_tokens(&l), self.op_tokens(&r), b.op);
                self.gate(g, vec![l, r], b.op.span(), quote!(#lt #op #rt), out)
            }
            // Comparisons and logic carry no gradient: kept whole, short circuit included.
            None => {
                let e = Expr::Binary(b.clone());
                if self.is_simple(&e) {
                    return Operand::Val(self.plain(&e, None, out));
                }
                // With control flow inside: `a && b` is `if a { b } else { false }`, and a
                // comparison evaluates its sides in order, then compares. Either way the
                // operands carry no gradient.
                let span = b.op.span();
                let l = self.cond(&b.left, out);
                match b.op {
                    BinOp::And(_) | BinOp::Or(_) => {
                        let and = matches!(b.op, BinOp::And(_));
                        let right = &*b.right;
                        let short = Operand::Lit(if and { quote!(false) } else { quote!(true) });
                        let (s1, s2) = (short.clone(), short);
                        let r = self.lower_if_arms(
                            l,
                            span,
                            |s, blk| Some(if and { s.cond(right, blk) } else { s1 }),
                            |s, blk| Some(if and { s2 } else { s.cond(right, blk) }),
                            out,
                        );
                        r.unwrap_or_else(|| Operand::Lit(quote!(false)))
                    }
                    op => {
                        let r = self.cond(&b.right, out);
                        let (lt, rt) = (self.op_tokens(&l), self.op_tokens(&r));
                        let uses = [l.val(), r.val()].into_iter().flatten().collect();
                        self.plain_tokens(quote!(#lt #op #rt), uses, span, out)
                    }
                }
            }
        }
    }

    fn unary(&mut self, u: &syn::ExprUnary, out: &mut Block) -> Operand {
        match u.op {
            UnOp::Neg(_) => {
                let a = self.expr(&u.expr, out);
                let at = self.op_tokens(&a);
                self.gate(Gate::Neg, vec![a], u.span(), quote!(-#at), out)
            }
            // `*x` on an element bound by reference is the element itself.
            UnOp::Deref(_) => self.expr(&u.expr, out),
            _ => {
                let e = Expr::Unary(u.clone());
                if self.is_simple(&e) {
                    return Operand::Val(self.plain(&e, None, out));
                }
                let a = self.expr(&u.expr, out);
                let (at, op) = (self.op_tokens(&a), u.op);
                self.plain_tokens(quote!(#op #at), a.val().into_iter().collect(), u.span(), out)
            }
        }
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Operand {
        if let Some(v) = self.misplaced_copy(m) {
            return v;
        }
        if let Some(v) = self.generic_method(m, out) {
            return v;
        }
        let name = m.method.to_string();
        match gates::method(&name) {
            Some((g, arity)) if arity == m.args.len() + 1 && m.turbofish.is_none() => {
                let mut args = vec![self.expr(&m.receiver, out)];
                for a in &m.args {
                    args.push(self.expr(a, out));
                }
                let toks: Vec<TokenStream> = args.iter().map(|a| self.op_tokens(a)).collect();
                let (recv, rest) = (&toks[0], &toks[1..]);
                let method = &m.method;
                self.gate(Gate::Method(g), args, m.method.span(), quote!(#recv.#method(#(#rest),*)), out)
            }
            // `x.is_nan()`, `a.total_cmp(&b)`: a `bool` or an ordering of a float, no gradient.
            // The receiver is lowered as a value, so an active one is known to be a float.
            _ if is_float_predicate(&name, m.args.len()) && m.turbofish.is_none() => {
                let recv = self.expr(&m.receiver, out);
                let args: Vec<Operand> = m.args.iter().map(|a| self.cond(a, out)).collect();
                let toks: Vec<TokenStream> = args.iter().map(|a| self.op_tokens(a)).collect();
                let rt = self.op_tokens(&recv);
                let uses = recv.val().into_iter().chain(args.iter().filter_map(Operand::val)).collect();
                let method = &m.method;
                let v = self.plain_tokens(quote!(#rt.#method(#(#toks),*)), uses, m.span(), out);
                if let Some(v) = v.val() {
                    self.vals[v].kind = Kind::Other;
                }
                v
            }
            // `w.last().unwrap()`, `w.get(i).copied().unwrap_or(0.0)`: the element, read by index.
            _ if matches!(name.as_str(), "unwrap" | "expect" | "unwrap_or")
                && let Some(o) = self.opt_elem(&m.receiver)
                && let Some(v) = self.unwrap_elem(&o, m, out) =>
            {
                v
            }
            _ if name == "map_or"
                && let Some(o) = self.opt_elem(&m.receiver)
                && let Some(v) = self.map_or_elem(&o, m, out) =>
            {
                v
            }
            _ if let Some(v) = self.option_const(m, out) => v,
            // (a chain of constant items with a differentiated default is one too)
            _ if matches!(name.as_str(), "unwrap" | "expect" | "unwrap_or")
                && (self.mentions_active(&m.receiver)
                    || name == "unwrap_or" && m.args.iter().any(|a| self.mentions_active(a)))
                && let Some(v) = self.iter_reduce(m, out) =>
            {
                v
            }
            _ if is_iterator_method(&name, m.args.len())
                && (self.mentions_active(&m.receiver)
                    || m.args.iter().any(|a| {
                        self.mentions_active(a) || is_impure_closure(a) || self.calls_assigning_closure(a)
                    })) =>
            {
                self.iter_chain(m, out).unwrap_or_else(|| {
                    self.error(m.method.span(), iterator_msg(&name));
                    Operand::Lit(quote!(0.0))
                })
            }
            _ if is_std_method(&name) && m.args.iter().any(|a| self.mentions_active(a)) => {
                self.error(m.method.span(), std_method_msg(&name));
                Operand::Lit(quote!(0.0))
            }
            _ if !self.mentions_active(&m.receiver) && m.turbofish.is_none() => {
                let (recv, uses) = self.rename(&m.receiver);
                let method = format_ident!("{}_grad", m.method, span = m.method.span());
                let plain = &m.method;
                self.call_grad([quote!(#plain), quote!(#method)], Some((recv, uses)), &m.args, m.span(), out)
            }
            _ if let Some(inner) = iterator_in(&m.receiver) => {
                self.error(m.method.span(), iterator_msg(&inner));
                Operand::Lit(quote!(0.0))
            }
            _ if self.struct_root(&m.receiver).is_some() => self.struct_method(m, out),
            _ => {
                self.error(
                    m.method.span(),
                    format!("`.{name}(...)` on a differentiated value is not a gate: the float methods that are gates are {}; for your own function, write `{name}(x)` with a #[differentiate] (or hand-written `{name}_grad`) companion", gate_list()),
                );
                Operand::Lit(quote!(0.0))
            }
        }
    }

    fn cast(&mut self, c: &syn::ExprCast, out: &mut Block) -> Operand {
        // An integer field of a differentiated struct cast to an integer (`p.n as usize`) is
        // read as it is, never through a float.
        if is_discrete_type(&c.ty)
            && let Some(r) = self.plain_integer(&Expr::Cast(c.clone()), out)
        {
            return r;
        }
        if super::sig::float_of(&c.ty).is_some() && self.converts_field_arithmetic(&c.expr) {
            return Operand::Lit(quote!(0.0));
        }
        let a = self.converted(&c.expr, out);
        let at = self.op_tokens(&a);
        let ty = &c.ty;
        match super::sig::float_of(ty) {
            Some(f) if f == self.sig.float => self.gate(Gate::Id, vec![a], c.span(), quote!(#at as #ty), out),
            Some(_) => {
                self.error_tokens(
                    c,
                    "casting a differentiated value to another float type is not supported: compute in one float type",
                );
                Operand::Lit(quote!(0.0))
            }
            // A float cast to an integer is a constant.
            None if is_discrete_type(ty) => {
                let uses = a.val().into_iter().collect();
                let r = self.plain_tokens(quote!(#at as #ty), uses, c.span(), out);
                if let Some(v) = r.val() {
                    self.vals[v].kind = Kind::Other;
                }
                r
            }
            None if !self.is_active(&a) => {
                let uses = a.val().into_iter().collect();
                self.plain_tokens(quote!(#at as #ty), uses, c.span(), out)
            }
            None => {
                self.error_tokens(
                    ty,
                    "a differentiated value can be cast only to its own float type (a derivative passes through) or to a primitive integer or `bool` (a constant): write the type as `f64`/`f32`, `usize`, `i32`, ...",
                );
                Operand::Lit(quote!(0.0))
            }
        }
    }

    fn index(&mut self, i: &syn::ExprIndex, out: &mut Block) -> Operand {
        if let Some(v) = self.struct_read(&Expr::Index(i.clone()), out) {
            return v;
        }
        if let Some(v) = self.nested_read(i, out) {
            return v;
        }
        let array = match strip(&i.expr) {
            Expr::Path(p) => p.path.get_ident().and_then(|id| self.lookup(&id.to_string()).cloned()),
            _ => None,
        };
        match array {
            Some(w @ Binding::Window { .. }) => self.window_read(&w, &i.index, out),
            Some(Binding::Array { array: ArrayRef::Param(p), active: true, .. })
                if self.sig.params[p].shape.only_with_wrt() =>
            {
                let name = i.expr.to_token_stream().to_string();
                let msg = self.whole_msg(p, &name);
                self.error_tokens(i, msg);
                Operand::Lit(quote!(0.0))
            }
            Some(Binding::Array { array, active: true, .. }) => {
                let idx = self.int_index(&i.index, out);
                if let ArrayRef::Local(s) = array
                    && self.loop_depth > 0
                {
                    self.arrays[s].read_in_loop = true;
                }
                let v = self.new_val(true, i.span());
                out.stmts.push(Stmt::Index { out: v, array, index: idx, path: Vec::new() });
                Operand::Val(v)
            }
            _ => {
                let e = Expr::Index(i.clone());
                if self.is_simple(&e) && !self.mentions_active(&e) {
                    Operand::Val(self.plain(&e, None, out))
                } else if self.is_simple(&i.expr) && !self.mentions_active(&i.expr) {
                    // Constant data at an index that needs lowering (`s[(if a < b { a } else { b })
                    // as usize]`) but is an integer after all.
                    let idx = self.int_index(&i.index, out);
                    if self.is_active(&idx) {
                        return Operand::Lit(quote!(0.0));
                    }
                    let (base, mut uses) = self.rename(&i.expr);
                    uses.extend(idx.val());
                    let it = self.op_tokens(&idx);
                    self.plain_tokens(quote!(#base[#it]), uses, i.span(), out)
                } else if let Some(v) = self.constant_field(&e, out) {
                    // Constant nested data at indices that need lowering (`rows[(if c { a } else
                    // { v }).abs() as usize % n][1]`, `rows` not in `wrt`).
                    v
                } else {
                    let scalar = match strip(&i.expr) {
                        Expr::Path(p) => p.path.get_ident().and_then(|id| match self.lookup(&id.to_string()) {
                            Some(Binding::Scalar { op, .. }) if self.is_active(op) => Some(id.to_string()),
                            _ => None,
                        }),
                        _ => None,
                    };
                    let msg = if let Some(name) = scalar {
                        &*format!(
                            "`{name}` is a differentiated value, not an array that can be indexed: to read an element of a differentiated struct's array field, index the field where it is read (`p.v[k]`)"
                        )
                    } else if matches!(strip(&i.expr), Expr::Index(_)) {
                        "only one level of indexing into a differentiated array or slice is supported (`w[i]`): differentiated arrays are one-dimensional"
                    } else {
                        "indexing this expression is not supported: bind the array to a local first (`let h = [x, 2.0 * x]; h[i]`)"
                    };
                    self.error_tokens(&e, msg);
                    Operand::Lit(quote!(0.0))
                }
            }
        }
    }

    fn if_expr(&mut self, i: &syn::ExprIf, out: &mut Block) -> Operand {
        if let Expr::Let(l) = strip(&i.cond) {
            return self.if_let(i, l, out);
        }
        let cond = self.cond(&i.cond, out);
        let then_branch = &i.then_branch;
        let else_branch = i.else_branch.as_ref().map(|(_, e)| &**e);
        let r = self.lower_if_arms(
            cond,
            i.if_token.span(),
            |s, b| s.lower_stmts(&then_branch.stmts, b),
            |s, b| match else_branch {
                None => None,
                Some(Expr::Block(eb)) => s.lower_stmts(&eb.block.stmts, b),
                Some(other) => Some(s.expr(other, b)),
            },
            out,
        );
        r.unwrap_or_else(unit)
    }

    fn assign(&mut self, left: &Expr, right: &Expr, op: Option<BinOp>, out: &mut Block) {
        let gate = op.map(|o| match o {
            BinOp::AddAssign(_) => Some(Gate::Add),
            BinOp::SubAssign(_) => Some(Gate::Sub),
            BinOp::MulAssign(_) => Some(Gate::Mul),
            BinOp::DivAssign(_) => Some(Gate::Div),
            BinOp::RemAssign(_) => Some(Gate::Rem),
            _ => None,
        });
        match strip(left) {
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let Some(id) = p.path.get_ident() else { return };
                let name = id.to_string();
                match self.lookup(&name).cloned() {
                    Some(Binding::Scalar { op: cur, .. }) => {
                        let value = self.expr(right, out);
                        let new = match (gate, op) {
                            (None, _) => value,
                            (Some(Some(g)), Some(o)) => {
                                let (lt, rt) = (self.op_tokens(&cur), self.op_tokens(&value));
                                let bin = plain_op(o);
                                self.gate(g, vec![cur, value], o.span(), quote!(#lt #bin #rt), out)
                            }
                            (Some(_), Some(o)) => {
                                if self.is_active(&value) || self.is_active(&cur) {
                                    self.error(o.span(), format!("`{}` on a differentiated value is not supported: use `+=`, `-=`, `*=`, `/=` or `%=`", o.to_token_stream()));
                                    return;
                                }
                                let (lt, rt) = (self.op_tokens(&cur), self.op_tokens(&value));
                                let bin = plain_op(o);
                                let uses = [cur.val(), value.val()].into_iter().flatten().collect();
                                self.plain_tokens(quote!(#lt #bin #rt), uses, o.span(), out)
                            }
                            _ => value,
                        };
                        self.set_scalar(&name, new);
                    }
                    Some(Binding::Array { .. }) => self.error_tokens(left, "assigning a whole array is not supported: assign its elements by index"),
                    Some(Binding::Closure(_)) => self.error_tokens(left, "assigning to a local closure is not supported: bind the new closure with its own `let`"),
                    Some(Binding::Elem { .. }) => self.error_tokens(left, format!("`{name}` is an element of a differentiated slice of structs: it cannot be reassigned; bind the other element with its own `let`")),
                    Some(Binding::Window { .. }) => self.error_tokens(left, format!("`{name}` is a window of an array: it cannot be reassigned; bind the other window with its own `let`")),
                    None => self.error_tokens(left, format!("`{name}` is not a local variable of this function: only locals can be assigned in a #[differentiate] body")),
                }
            }
            Expr::Index(ix) => self.store(ix, right, gate.flatten(), op, out),
            Expr::Infer(_) => {
                let _ = self.expr(right, out);
            }
            // `(p, q) = (q, p + h * q);`: every right-hand value first, then the assignments.
            Expr::Tuple(lt) if op.is_none() => {
                let Expr::Tuple(rt) = strip(right) else {
                    self.error_tokens(right, "assigning to a tuple of variables is supported from a tuple expression only (`(a, b) = (b, a + b);`): assign each variable on its own");
                    return;
                };
                if lt.elems.len() != rt.elems.len() {
                    self.error_tokens(
                        right,
                        "the tuple assigned has another number of elements than the variables it is assigned to",
                    );
                    return;
                }
                let values: Vec<Operand> = rt.elems.iter().map(|e| self.expr(e, out)).collect();
                for (target, value) in lt.elems.iter().zip(values) {
                    match strip(target) {
                        Expr::Infer(_) => {}
                        Expr::Path(p)
                            if p.path.get_ident().is_some_and(|id| {
                                matches!(self.lookup(&id.to_string()), Some(Binding::Scalar { .. }))
                            }) =>
                        {
                            if let Some(id) = p.path.get_ident() {
                                self.set_scalar(&id.to_string(), value);
                            }
                        }
                        other => self.error_tokens(
                            other,
                            "in a tuple assignment `(a, b) = (..);` only local variables (and `_`) can be assigned: assign array elements on their own",
                        ),
                    }
                }
            }
            other => self.error_tokens(
                other,
                "only local variables and elements of local arrays can be assigned in a #[differentiate] body",
            ),
        }
    }

    /// `p.0` of a differentiated tuple parameter: a read of its element 0.
    pub(super) fn tuple_field(&mut self, f: &syn::ExprField, out: &mut Block) -> Option<Operand> {
        let Expr::Path(p) = strip(&f.base) else { return None };
        let id = p.path.get_ident()?;
        let Some(Binding::Array { array, active: true, .. }) = self.lookup(&id.to_string()).cloned() else {
            return None;
        };
        let syn::Member::Unnamed(k) = &f.member else { return None };
        match array {
            ArrayRef::Param(i) => {
                let super::sig::Shape::Tuple { n } = self.sig.params[i].shape else { return None };
                if k.index as usize >= n {
                    return None;
                }
            }
            // The tuple a tuple-valued call returned (`let r: (f64, f64) = g(x); r.0`).
            ArrayRef::Local(s) if self.arrays[s].tuple => {}
            ArrayRef::Local(_) => return None,
        }
        let v = self.new_val(true, f.span());
        let index = syn::Index { index: k.index, span: f.span() };
        out.stmts.push(Stmt::Index { out: v, array, index: Operand::Lit(quote!(#index)), path: Vec::new() });
        Some(Operand::Val(v))
    }

    fn store(&mut self, ix: &syn::ExprIndex, right: &Expr, gate: Option<Gate>, op: Option<BinOp>, out: &mut Block) {
        let slot = match strip(&ix.expr) {
            Expr::Path(p) => p.path.get_ident().and_then(|id| match self.lookup(&id.to_string()) {
                Some(Binding::Array { array: ArrayRef::Local(s), .. }) => Some(*s),
                _ => None,
            }),
            _ => None,
        };
        let Some(slot) = slot else {
            let msg = match strip(&ix.expr) {
                Expr::Index(_) => {
                    "only one-dimensional local arrays can be written by index: flatten the array (`[0.0; 4]` for 2 x 2) and write `m[2 * i + j]`"
                }
                Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.lookup(&i.to_string()).is_some()) => {
                    "parameters cannot be written in a #[differentiate] body: copy the values into a local buffer first (`let mut v = w.to_vec();`)"
                }
                _ => "only local arrays (`let mut h = [0.0; 3];`) can be written by index in a #[differentiate] body",
            };
            self.error_tokens(ix, msg);
            return;
        };
        let value = self.expr(right, out);
        let index = self.int_index(&ix.index, out);
        let value = match (gate, op) {
            (None, None) => value,
            (Some(g), Some(o)) => {
                let cur = self.read_slot(slot, &index, ix.span(), out);
                let (lt, rt) = (self.op_tokens(&cur), self.op_tokens(&value));
                let bin = plain_op(o);
                self.gate(g, vec![cur, value], o.span(), quote!(#lt #bin #rt), out)
            }
            _ => {
                self.error_tokens(
                    ix,
                    "this compound assignment is not supported on array elements: use `+=`, `-=`, `*=` or `/=`",
                );
                return;
            }
        };
        self.store_slot(slot, index, value, ix.span(), out);
    }

    /// `array[index] = value` for the local array in `slot`.
    pub(super) fn store_slot(&mut self, slot: usize, index: Operand, value: Operand, span: Span, out: &mut Block) {
        self.store_or_push(slot, index, value, false, span, out);
    }

    /// A store, or with `push` a `push` that puts the element at `index`.
    pub(super) fn store_or_push(
        &mut self,
        slot: usize,
        index: Operand,
        value: Operand,
        push: bool,
        span: Span,
        out: &mut Block,
    ) {
        if self.is_active(&value) && !self.arrays[slot].active {
            self.arrays[slot].active = true;
        }
        self.arrays[slot].written = true;
        self.stores.push(slot);
        let old = self.new_val(self.arrays[slot].active, span);
        out.stmts.push(Stmt::Store { slot, index, value, old, push });
    }

    fn read_slot(&mut self, slot: usize, index: &Operand, span: Span, out: &mut Block) -> Operand {
        if self.loop_depth > 0 {
            self.arrays[slot].read_in_loop = true;
        }
        if self.arrays[slot].active {
            let v = self.new_val(true, span);
            out.stmts.push(Stmt::Index {
                out: v,
                array: ArrayRef::Local(slot),
                index: index.clone(),
                path: Vec::new(),
            });
            Operand::Val(v)
        } else {
            let a = super::array_ident(slot);
            let it = self.op_tokens(index);
            self.plain_tokens(quote!(#a[#it]), index.val().into_iter().collect(), span, out)
        }
    }
}

fn unit() -> Operand {
    Operand::Lit(quote!(()))
}

/// The iterator method a method chain is built on (`xs.iter().max_by(..)` in `.unwrap()`).
fn iterator_in(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::MethodCall(m) if is_iterator_method(&m.method.to_string(), m.args.len()) => Some(m.method.to_string()),
        Expr::MethodCall(m) => iterator_in(&m.receiver),
        Expr::Unary(u) => iterator_in(&u.expr),
        _ => None,
    }
}

fn gate_list() -> String {
    gates::method_names().collect::<Vec<_>>().join(", ")
}

pub(super) fn is_compound_assign_op(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

pub(super) fn is_compound_assign(e: &Expr) -> bool {
    matches!(e, Expr::Binary(b) if is_compound_assign_op(b.op))
}

/// The binary operator of a compound assignment (`+=` to `+`).
fn plain_op(op: BinOp) -> TokenStream {
    match op {
        BinOp::AddAssign(_) => quote!(+),
        BinOp::SubAssign(_) => quote!(-),
        BinOp::MulAssign(_) => quote!(*),
        BinOp::DivAssign(_) => quote!(/),
        BinOp::RemAssign(_) => quote!(%),
        BinOp::BitXorAssign(_) => quote!(^),
        BinOp::BitAndAssign(_) => quote!(&),
        BinOp::BitOrAssign(_) => quote!(|),
        BinOp::ShlAssign(_) => quote!(<<),
        BinOp::ShrAssign(_) => quote!(>>),
        other => other.to_token_stream(),
    }
}
