//! Lowering, calls: a call with a differentiated argument goes through the callee's `_grad`
//! companion, whose gradients line up with the callee's float-valued parameters.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, UnOp};

use super::gates::{self, Gate};
use super::ir::{ArrayRef, Block, CallArg, Kind, Operand, Partial, Stmt, ValId};
use super::lower::{Binding, Lower, float_fn, lit_kind, strip};
use super::scope;

impl Lower<'_> {
    pub(super) fn call(&mut self, c: &syn::ExprCall, out: &mut Block) -> Operand {
        if let Some(v) = self.generic_call(c, out) {
            return v;
        }
        if let Expr::Path(p) = strip(&c.func)
            && p.qself.is_none()
            && let Some((g, arity)) = float_fn(&p.path).and_then(|name| gates::method(&name))
            && arity == c.args.len()
        {
            let mut args = Vec::new();
            for a in &c.args {
                args.push(self.expr(a, out));
            }
            let toks: Vec<TokenStream> = args.iter().map(|a| self.op_tokens(a)).collect();
            let func = &c.func;
            return self.gate(Gate::Method(g), args, c.span(), quote!(#func(#(#toks),*)), out);
        }
        // `f64::from(x)` of a differentiated value in the function's own float type: the value
        // itself. A field of a differentiated struct is read as that type whatever its own
        // (`f64::from(p.k)` of an `f32` field takes its derivative, of an integer one none).
        if let Expr::Path(p) = strip(&c.func)
            && p.qself.is_none()
            && float_fn(&p.path).is_some_and(|name| name == "from")
            && p.path.segments.first().and_then(|s| super::sig::float_of(&syn::parse_quote!(#s)))
                == Some(self.sig.float)
            && let [arg] = c.args.iter().collect::<Vec<_>>()[..]
            && self.mentions_active(arg)
        {
            if self.converts_field_arithmetic(arg) {
                return Operand::Lit(quote!(0.0));
            }
            let a = self.converted(arg, out);
            let at = self.op_tokens(&a);
            return self.gate(Gate::Id, vec![a], c.span(), quote!(#at), out);
        }
        if let Expr::Path(p) = strip(&c.func)
            && let Some(id) = p.path.get_ident()
            && let Some(Binding::Closure(lc)) = self.lookup(&id.to_string()).cloned()
        {
            return self.call_closure(&lc, c, out);
        }
        // Another local value called (a closure parameter of a closure, say): with constants, it
        // runs as written.
        if let Expr::Path(p) = strip(&c.func)
            && let Some(id) = p.path.get_ident()
            && self.lookup(&id.to_string()).is_some()
        {
            let e = Expr::Call(c.clone());
            if !self.mentions_active(&e) && self.is_simple(&e) {
                return Operand::Val(self.plain(&e, None, out));
            }
            self.error_tokens(
                &c.func,
                format!("`{id}` is a local value whose code the macro cannot see (a `Box<dyn Fn>`, a function pointer, a closure's parameter): calling it with differentiated arguments is not supported; bind the closure itself (`let {id} = |x: f64| ..;`), or write `fn {id}(..)` with #[differentiate] (it may sit inside this function) and call that"),
            );
            return Operand::Lit(quote!(0.0));
        }
        // An enum variant, not a function with a companion.
        if let Expr::Path(p) = strip(&c.func)
            && p.path.segments.last().is_some_and(|s| matches!(s.ident.to_string().as_str(), "Some" | "Ok" | "Err"))
            && c.args.iter().any(|a| self.mentions_active(a))
        {
            self.error_tokens(
                c,
                "an `Option` or `Result` holding a differentiated value is not supported: keep the value in a variable and a `bool` (or branch with `if`) beside it",
            );
            return Operand::Lit(quote!(0.0));
        }
        match strip(&c.func) {
            Expr::Path(p) if p.qself.is_none() && !p.path.segments.is_empty() => {
                let mut path = p.path.clone();
                if let Some(last) = path.segments.last_mut() {
                    // Resolved like an item, never like a local (a parameter named `g_grad` cannot
                    // capture the call), reported at the user's name.
                    let span = Span::mixed_site().located_at(last.ident.span());
                    last.ident = format_ident!("{}_grad", last.ident, span = span);
                }
                self.call_grad([p.path.to_token_stream(), path.to_token_stream()], None, &c.args, c.span(), out)
            }
            other => {
                self.error_tokens(other, "only calls by path (`g(x)`, `module::g(x)`, `Self::g(x)`) can be differentiated: call the function by name");
                Operand::Lit(quote!(0.0))
            }
        }
    }

    /// `g(args)` with a differentiated argument: `g_grad(args)` gives the value and one gradient
    /// per float-valued argument, in order.
    pub(super) fn call_grad(
        &mut self,
        [plain_func, func]: [TokenStream; 2],
        receiver: Option<(TokenStream, Vec<ValId>)>,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        span: Span,
        out: &mut Block,
    ) -> Operand {
        let Some((call_args, partials, any_active)) = self.call_args(&plain_func, args, out) else {
            return Operand::Lit(quote!(0.0));
        };
        if !any_active {
            return self.plain_call(&plain_func, receiver.as_ref(), &call_args, span, out);
        }
        let v = self.new_val_kind(true, Kind::Float, span);
        let func = if call_args.iter().any(|a| matches!(a, CallArg::Struct { .. })) {
            super::struct_call::companion_path(&plain_func, span)
        } else {
            func
        };
        out.stmts.push(Stmt::Call { out: v, func, receiver, args: call_args, partials, span, self_arg: false });
        Operand::Val(v)
    }

    /// The arguments of a call through a companion, and one partial per float-valued argument;
    /// whether any is differentiated. `None` after an error.
    pub(super) fn call_args(
        &mut self,
        plain_func: &TokenStream,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        out: &mut Block,
    ) -> Option<(Vec<CallArg>, Vec<Partial>, bool)> {
        let mut call_args = Vec::new();
        let mut partials = Vec::new();
        let mut any_active = false;
        for (k, a) in args.iter().enumerate() {
            // The callee is opaque: a closure passed to it cannot be differentiated, nor can the
            // variables it assigns be followed.
            if let Expr::Closure(cl) = strip(a) {
                if self.mentions_active(a) || scope::assigns_capture(cl) {
                    self.error_tokens(
                        a,
                        format!("a closure that reads a differentiated value, or assigns to a variable of the function, cannot be passed to `{0}`: the macro cannot see what `{0}` does with it; call the closure yourself (`let f = |x: f64| ..; f(a)`), compute the value with `if`/`else` or a `for` loop, or pass only constants to the closure", plain_func.to_string().replace(" :: ", "::")),
                    );
                }
                let (tokens, uses) = self.rename(a);
                call_args.push(CallArg::Other { tokens, uses });
                continue;
            }
            // `&w`, `*w` and `w` all pass the array `w`.
            let (bare, by_ref) = match strip(a) {
                Expr::Reference(r) if r.mutability.is_none() => (strip(&r.expr), true),
                Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => (strip(&u.expr), false),
                other => (other, false),
            };
            if let Some(arg) = self.struct_arg(a, bare, out) {
                any_active = true;
                partials.push(Partial { arg: k, val: Some(self.new_val_kind(false, Kind::Other, a.span())) });
                call_args.push(arg);
                continue;
            }
            // `g([a, b])` with differentiated elements: the literal becomes a local array
            // (`let h = [a, b]; g(h)`), whose adjoint passes the partials on to `a` and `b`. A
            // literal whose type cannot be told from the syntax (`[K1, K2]`) is taken to be of
            // floats, and declared with that type: anything else is a type error on it, never a
            // gradient read from the wrong place.
            let mut literal = None;
            let array = match bare {
                // A window of a differentiated array (`let t = &x[1..]; g(t)`): a copy of it, as for
                // `g(&x[1..])` below.
                Expr::Path(p)
                    if matches!(
                        p.path.get_ident().and_then(|i| self.lookup(&i.to_string())),
                        Some(Binding::Window { active: true, .. })
                    ) =>
                {
                    let binding = self.sub_slice_copy(bare, out);
                    if let Binding::Array { handle, .. } = &binding {
                        literal = Some(quote!(&#handle));
                    }
                    Some(binding)
                }
                Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string()).cloned()),
                // `g(&x[a..b])` of a differentiated `x`: a copy of the sub-slice, collected as
                // `x[a..b].iter().copied().collect()` would be (a local buffer whose adjoint
                // passes the callee's partials on to `x[a + k]`), passed by reference.
                Expr::Index(ix) if matches!(strip(&ix.index), Expr::Range(_)) && self.mentions_active(bare) => {
                    if let Some(i) = self.active_param(&ix.expr)
                        && matches!(
                            self.sig.params[i].shape,
                            super::sig::Shape::Rows { .. } | super::sig::Shape::Ragged
                        )
                    {
                        self.error_tokens(a, "a sub-slice of a differentiated nested array cannot be passed to a function yet: pass its rows' elements (`a[i][j]`), or flatten it into a `&[f64]` parameter");
                        return None;
                    }
                    let binding = self.sub_slice_copy(bare, out);
                    if let Binding::Array { handle, .. } = &binding {
                        literal = Some(quote!(&#handle));
                    }
                    Some(binding)
                }
                // of a constant array: passed as written, the callee's gradient for it unused
                Expr::Index(ix) if matches!(strip(&ix.index), Expr::Range(_)) => match strip(&ix.expr) {
                    Expr::Path(p) => p.path.get_ident().and_then(|i| self.lookup(&i.to_string()).cloned()),
                    _ => None,
                },
                Expr::Array(_) | Expr::Repeat(_)
                    if self.mentions_active(bare) || self.kind_of_expr(bare) == Kind::Unknown =>
                {
                    let len = match bare {
                        Expr::Array(a) => {
                            let n = a.elems.len();
                            quote!(#n)
                        }
                        Expr::Repeat(r) => r.len.to_token_stream(),
                        _ => TokenStream::new(),
                    };
                    let f = self.sig.float.path();
                    let ty = syn::parse2::<syn::Type>(quote!([#f; #len])).ok();
                    let binding = self.new_array(ty.as_ref(), bare, false, out);
                    if let Binding::Array { array: ArrayRef::Local(s), handle, .. } = &binding {
                        // The backward pass passes it to the callee's companion again, also after
                        // the `if` arm it was made in (the rest of a body after an early `return`):
                        // kept like an array a loop reads (large run 13, v292).
                        self.arrays[*s].read_in_loop = true;
                        literal = Some(if by_ref { quote!(&#handle) } else { handle.clone() });
                    }
                    Some(binding)
                }
                _ => None,
            };
            if let Some(Binding::Array { array: ArrayRef::Param(i), active: true, .. }) = &array
                && let super::sig::Shape::Tuple { n } = self.sig.params[*i].shape
            {
                let fields: Vec<String> = (0..n).map(|k| format!("{}.{k}", a.to_token_stream())).collect();
                self.error_tokens(
                    a,
                    format!(
                        "a differentiated tuple cannot be passed whole to a function: pass its fields (`{}`)",
                        fields.join(", ")
                    ),
                );
                return None;
            }
            if let Some(Binding::Array { array: ArrayRef::Param(i), active: true, .. }) = &array
                && self.sig.params[*i].shape.only_with_wrt()
            {
                let what = match self.sig.params[*i].shape {
                    super::sig::Shape::Struct { .. } => {
                        "a differentiated struct cannot be passed whole to a function yet: pass the fields it reads (`p.x`, `p.v[k]`), or read them here"
                    }
                    _ => {
                        "a differentiated nested array cannot be passed whole to a function yet: pass its elements (`a[i][j]`), or flatten it into a `&[f64]` parameter"
                    }
                };
                self.error_tokens(a, what);
                return None;
            }
            let arg = match array {
                Some(Binding::Array { array, active, .. }) => {
                    let (tokens, uses) = match literal {
                        Some(tokens) => (tokens, Vec::new()),
                        None => self.rename(a),
                    };
                    any_active |= active;
                    partials.push(Partial {
                        arg: k,
                        val: active.then(|| self.new_val_kind(false, Kind::FloatArray, a.span())),
                    });
                    CallArg::Array { tokens, uses, active: active.then_some(array) }
                }
                Some(Binding::Scalar { op, .. }) if self.kind(&op) == Kind::FloatArray => {
                    let (tokens, uses) = self.rename(a);
                    partials.push(Partial { arg: k, val: None });
                    CallArg::Array { tokens, uses, active: None }
                }
                _ if self.mentions_active(a) => {
                    let op = self.expr(a, out);
                    any_active = true;
                    partials.push(Partial { arg: k, val: Some(self.new_val_kind(false, Kind::Float, a.span())) });
                    CallArg::Scalar(op)
                }
                _ => match self.kind_of_expr(a) {
                    Kind::Float => {
                        let op = self.expr(a, out);
                        partials.push(Partial { arg: k, val: None });
                        CallArg::Scalar(op)
                    }
                    Kind::FloatArray => {
                        let (tokens, uses) = self.rename(a);
                        partials.push(Partial { arg: k, val: None });
                        CallArg::Array { tokens, uses, active: None }
                    }
                    Kind::Other => {
                        let (tokens, uses) = self.rename(a);
                        CallArg::Other { tokens, uses }
                    }
                    // A reference of unknown type is taken to be constant data without a gradient;
                    // if it has one, the companion's tuple is longer than expected: an error.
                    Kind::Unknown if matches!(strip(a), Expr::Reference(_)) => {
                        let (tokens, uses) = self.rename(a);
                        CallArg::Other { tokens, uses }
                    }
                    // Anything else is taken to be a float (the common case: a `const`, a field),
                    // and checked: a typed `let` makes anything else a type error on this
                    // argument, never a gradient read from the wrong place.
                    Kind::Unknown => {
                        let f = self.sig.float.path();
                        let v = self.plain(a, Some(f), out);
                        self.vals[v].kind = Kind::Float;
                        partials.push(Partial { arg: k, val: None });
                        CallArg::Scalar(Operand::Val(v))
                    }
                },
            };
            call_args.push(arg);
        }
        Some((call_args, partials, any_active))
    }

    /// Constant arguments after all (a differentiated array's length, say): call as written.
    pub(super) fn plain_call(
        &mut self,
        plain_func: &TokenStream,
        receiver: Option<&(TokenStream, Vec<ValId>)>,
        call_args: &[CallArg],
        span: Span,
        out: &mut Block,
    ) -> Operand {
        let toks: Vec<TokenStream> = call_args.iter().map(|a| self.call_arg_tokens(a)).collect();
        let mut uses = Vec::new();
        if let Some((_, u)) = receiver {
            uses.extend(u.iter().copied());
        }
        for a in call_args {
            match a {
                CallArg::Scalar(o) => uses.extend(o.val()),
                CallArg::Array { uses: u, .. } | CallArg::Other { uses: u, .. } | CallArg::Struct { uses: u, .. } => {
                    uses.extend(u.iter().copied());
                }
            }
        }
        let call = match receiver {
            Some((r, _)) => quote!(#r.#plain_func(#(#toks),*)),
            None => quote!(#plain_func(#(#toks),*)),
        };
        self.plain_tokens(call, uses, span, out)
    }

    pub fn call_arg_tokens(&self, a: &CallArg) -> TokenStream {
        match a {
            CallArg::Scalar(o) => self.op_tokens(o),
            CallArg::Array { tokens, .. } | CallArg::Other { tokens, .. } | CallArg::Struct { tokens, .. } => {
                tokens.clone()
            }
        }
    }

    /// What the lowering can tell of an expression's type without type inference.
    pub fn kind_of_expr(&self, e: &Expr) -> Kind {
        match strip(e) {
            Expr::Lit(l) => lit_kind(&l.to_token_stream()),
            Expr::Path(p) => match p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                Some(Binding::Scalar { op, .. }) => self.kind(op),
                Some(Binding::Array { active: true, .. }) => Kind::FloatArray,
                Some(Binding::Array { .. } | Binding::Closure(_) | Binding::Elem { .. } | Binding::Window { .. }) => {
                    Kind::Unknown
                }
                None => match p.path.get_ident().and_then(|i| self.item_kinds.get(&i.to_string())) {
                    Some(k) => *k,
                    None => lit_kind(&p.to_token_stream()),
                },
            },
            Expr::Cast(c) => {
                if super::sig::float_of(&c.ty).is_some() {
                    Kind::Float
                } else {
                    Kind::Other
                }
            }
            Expr::Binary(b) => match b.op {
                BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Div(_) | BinOp::Rem(_) => {
                    self.kind_of_expr(&b.left).join(self.kind_of_expr(&b.right))
                }
                _ => Kind::Other,
            },
            Expr::Unary(u) => match u.op {
                UnOp::Not(_) => Kind::Other,
                _ => self.kind_of_expr(&u.expr),
            },
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if matches!(name.as_str(), "len" | "is_empty" | "count") {
                    Kind::Other
                } else if gates::method(&name).is_some() && self.kind_of_expr(&m.receiver) == Kind::Float {
                    Kind::Float
                } else {
                    Kind::Unknown
                }
            }
            Expr::Call(c) => match strip(&c.func) {
                Expr::Path(p) if float_fn(&p.path).is_some() => Kind::Float,
                _ => Kind::Unknown,
            },
            // The elements of an array share one type: one float element makes a float array.
            Expr::Array(a) => match a.elems.iter().map(|e| self.kind_of_expr(e)).find(|k| *k != Kind::Unknown) {
                Some(Kind::Float) => Kind::FloatArray,
                Some(_) => Kind::Other,
                None => Kind::Unknown,
            },
            Expr::Repeat(r) => match self.kind_of_expr(&r.expr) {
                Kind::Float => Kind::FloatArray,
                Kind::Unknown => Kind::Unknown,
                _ => Kind::Other,
            },
            Expr::Index(i) => {
                if self.kind_of_expr(&i.expr) == Kind::FloatArray {
                    Kind::Float
                } else {
                    Kind::Unknown
                }
            }
            Expr::Reference(r) if self.kind_of_expr(&r.expr) == Kind::FloatArray => Kind::FloatArray,
            Expr::Closure(_) => Kind::Other,
            _ => Kind::Unknown,
        }
    }
}
