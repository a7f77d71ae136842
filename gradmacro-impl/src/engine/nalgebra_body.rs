//! The body of a function with nalgebra vectors, rewritten for its array twin (see `nalgebra`):
//! a static vector becomes `[F; N]` and every vector expression the elements it means, so the
//! engine differentiates arrays and scalars it already knows. A dynamic vector (`DVector`) is a
//! slice: its reductions become the iterator chains they mean.
//!
//! Before/after, `p`, `q: Vector3<f64>`:
//! `let d = p - q; d.norm()` → `let d = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
//! (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()`.
//!
//! A vector used where the rewrite cannot follow it (passed to a function, stored in a tuple,
//! an unknown method) is a spanned error, never silently a constant.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::spanned::Spanned as _;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Stmt};

use super::Errors;

/// What a name or an expression holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// `SVector<F, N>` (`Vector3<F>`, ...): an array `[F; N]` in the twin.
    Static(usize),
    /// `DVector<F>`: a slice or `Vec<F>` in the twin.
    Dyn,
}

const SUPPORTED: &str = "supported on a nalgebra vector: `v[i]`, `v.x`/`.y`/`.z`/`.w`, `v.len()`, `v.iter()`, `v.dot(&w)`, `v.norm()`, `v.norm_squared()`, `v.sum()`, and for `SVector`s `+`, `-`, `* s`, `/ s`, `-v`, `cross`, `normalize`, `component_mul`, `component_div`, `scale`, `unscale`, `VectorN::new(..)`, `zeros()`, `repeat(s)`, `from([..])`, `+=`, `-=`, `*= s`, `/= s`";

pub struct Desugar<'e> {
    /// Innermost last; `None` shadows an outer vector with something else.
    scopes: Vec<HashMap<String, Option<Kind>>>,
    float: TokenStream,
    output: Option<Kind>,
    errors: &'e mut Errors,
    next: usize,
}

/// Rewrites `block` in place. `params` are the vector parameters, `output` the returned vector.
pub fn desugar(
    block: &mut syn::Block,
    params: &[(String, Kind)],
    output: Option<Kind>,
    float: TokenStream,
    errors: &mut Errors,
) {
    let top = params.iter().map(|(n, k)| (n.clone(), Some(*k))).collect();
    let mut d = Desugar { scopes: vec![top], float, output, errors, next: 0 };
    if output.is_some() {
        d.tail_block(block);
    } else {
        d.visit_block_mut(block);
    }
    Unparen.visit_block_mut(block);
}

/// Removes the parentheses the rewrite put around a whole value where rustc's `unused_parens`
/// would flag them in the user's crate (`let t = (a * b + c * d);`).
struct Unparen;

fn unparen(e: &mut Expr) {
    if let Expr::Paren(p) = e {
        *e = (*p.expr).clone();
    }
}

impl VisitMut for Unparen {
    // A block's value, `{ a.dot(&b) }` (found by a new-user trial: `unused_parens`).
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last_mut() {
            unparen(e);
        }
        visit_mut::visit_block_mut(self, b);
    }

    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        if let Some(init) = &mut l.init
            && init.diverge.is_none()
        {
            unparen(&mut init.expr);
        }
        visit_mut::visit_local_mut(self, l);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Assign(a) => unparen(&mut a.right),
            Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::AddAssign(_)
                        | syn::BinOp::SubAssign(_)
                        | syn::BinOp::MulAssign(_)
                        | syn::BinOp::DivAssign(_)
                ) =>
            {
                unparen(&mut b.right);
            }
            Expr::Return(r) => {
                if let Some(v) = &mut r.expr {
                    unparen(v);
                }
            }
            Expr::Call(c) => c.args.iter_mut().for_each(unparen),
            Expr::MethodCall(m) => m.args.iter_mut().for_each(unparen),
            _ => {}
        }
        visit_mut::visit_expr_mut(self, e);
    }
}

fn single_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::Reference(r) => strip(&r.expr),
        _ => e,
    }
}

fn parse(t: TokenStream) -> Expr {
    syn::parse2(t).unwrap_or_else(|e| Expr::Verbatim(e.to_compile_error()))
}

/// The length nalgebra's alias names: `Vector3` is 3.
pub fn alias_len(name: &str) -> Option<usize> {
    let n = name.strip_prefix("Vector")?.parse::<usize>().ok()?;
    (1..=6).contains(&n).then_some(n)
}

/// `Vector3`, `SVector::<F, 3>`, `DVector` in a constructor's path: the vector it builds.
fn constructor_kind(path: &syn::Path) -> Option<(Kind, String)> {
    let n = path.segments.len();
    if n < 2 {
        return None;
    }
    let (ty, f) = (&path.segments[n - 2], path.segments[n - 1].ident.to_string());
    let name = ty.ident.to_string();
    if let Some(len) = alias_len(&name) {
        return Some((Kind::Static(len), f));
    }
    match name.as_str() {
        "DVector" => Some((Kind::Dyn, f)),
        "SVector" => {
            let syn::PathArguments::AngleBracketed(a) = &ty.arguments else { return None };
            let len = a.args.iter().find_map(|g| match g {
                syn::GenericArgument::Const(Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. })) => {
                    i.base10_parse::<usize>().ok()
                }
                _ => None,
            });
            len.map(|n| (Kind::Static(n), f))
        }
        _ => None,
    }
}

impl Desugar<'_> {
    fn lookup(&self, name: &str) -> Option<Kind> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied()).flatten()
    }

    fn bind(&mut self, name: String, k: Option<Kind>) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name, k);
        }
    }

    fn err(&mut self, at: impl quote::ToTokens, msg: &str) {
        self.errors.push(syn::Error::new_spanned(at, msg));
    }

    fn fresh(&mut self, what: &str, span: Span) -> syn::Ident {
        self.next += 1;
        format_ident!("__gradmacro_{}{}", what, self.next, span = span)
    }

    /// The vector `e` holds, if any (read before `e` is rewritten).
    fn kind(&self, e: &Expr) -> Option<Kind> {
        match e {
            Expr::Path(_) => self.lookup(&single_name(e)?),
            Expr::Paren(p) => self.kind(&p.expr),
            Expr::Group(g) => self.kind(&g.expr),
            Expr::Reference(r) => self.kind(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_) | syn::UnOp::Deref(_)) => self.kind(&u.expr),
            Expr::Binary(b) => {
                let (l, r) = (self.kind(&b.left), self.kind(&b.right));
                match b.op {
                    syn::BinOp::Add(_) | syn::BinOp::Sub(_) => l.or(r),
                    syn::BinOp::Mul(_) => l.xor(r),
                    syn::BinOp::Div(_) => l.filter(|_| r.is_none()),
                    _ => None,
                }
            }
            Expr::MethodCall(m) => {
                let k = self.kind(&m.receiver)?;
                match m.method.to_string().as_str() {
                    "cross" => Some(Kind::Static(3)),
                    "normalize" | "component_mul" | "component_div" | "scale" | "unscale" | "clone" => Some(k),
                    _ => None,
                }
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => {
                    let (k, f) = constructor_kind(&p.path)?;
                    match (k, f.as_str(), c.args.first()) {
                        (Kind::Static(_), "new", _) => Some(Kind::Static(c.args.len())),
                        (Kind::Static(_), "from", Some(Expr::Array(a))) => Some(Kind::Static(a.elems.len())),
                        (_, "from_vec", _) | (Kind::Static(_), "zeros" | "repeat" | "from_element", _) => Some(k),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// A scalar sub-expression, rewritten (it may hold reductions of vectors).
    fn scalar(&mut self, mut e: Expr) -> Expr {
        self.visit_expr_mut(&mut e);
        e
    }

    /// `s` bound to a fresh name when it is not a literal or a name, so that repeating it per
    /// element repeats no work.
    fn once(&mut self, s: Expr, prelude: &mut Vec<Stmt>) -> Expr {
        let s = self.scalar(s);
        if matches!(strip(&s), Expr::Lit(_) | Expr::Path(_)) {
            return s;
        }
        let t = self.fresh("s", s.span());
        prelude.push(syn::parse_quote_spanned!(s.span()=> let #t = #s;));
        parse(quote::quote!(#t))
    }

    /// Elements used more than once (a cross product, a norm) bound to one array first.
    fn shared(&mut self, elems: Vec<Expr>, span: Span, prelude: &mut Vec<Stmt>) -> Vec<Expr> {
        let simple =
            |e: &Expr| matches!(e, Expr::Index(i) if matches!(&*i.expr, Expr::Path(_))) || matches!(e, Expr::Lit(_));
        if elems.iter().all(simple) {
            return elems;
        }
        let t = self.fresh("v", span);
        prelude.push(syn::parse_quote_spanned!(span=> let #t = [#(#elems),*];));
        (0..elems.len()).map(|i| parse(quote_spanned!(span=> #t[#i]))).collect()
    }

    /// The elements of the static vector `e` of length `n`, after the statements in `prelude`.
    fn elems(&mut self, e: &Expr, n: usize, prelude: &mut Vec<Stmt>) -> Option<Vec<Expr>> {
        let span = e.span();
        let bad = |d: &mut Self, msg: String| {
            d.err(e, &msg);
            None
        };
        match e {
            Expr::Paren(p) => return self.elems(&p.expr, n, prelude),
            Expr::Group(g) => return self.elems(&g.expr, n, prelude),
            Expr::Reference(r) => return self.elems(&r.expr, n, prelude),
            _ => {}
        }
        match self.kind(e) {
            _ if matches!(e, Expr::Call(c) if !is_constructor(c)) => {}
            Some(Kind::Static(m)) if m == n => {}
            Some(Kind::Static(m)) => {
                return bad(self, format!("this vector has {m} components where {n} are expected"));
            }
            _ => {
                return bad(
                    self,
                    format!(
                        "#[differentiate] cannot follow this expression as a nalgebra vector of {n} components; {SUPPORTED}"
                    ),
                );
            }
        }
        let zip = |l: Vec<Expr>, r: Vec<Expr>, f: &dyn Fn(&Expr, &Expr) -> TokenStream| {
            l.iter().zip(&r).map(|(a, b)| parse(f(a, b))).collect::<Vec<_>>()
        };
        Some(match e {
            Expr::Path(p) => (0..n).map(|i| parse(quote_spanned!(span=> #p[#i]))).collect(),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => return self.elems(&u.expr, n, prelude),
            Expr::Unary(u) => {
                let x = self.elems(&u.expr, n, prelude)?;
                x.into_iter().map(|a| parse(quote_spanned!(span=> (-#a)))).collect()
            }
            Expr::Binary(b) => {
                let op = &b.op;
                match (self.kind(&b.left).is_some(), self.kind(&b.right).is_some()) {
                    (true, true) => {
                        let (l, r) = (self.elems(&b.left, n, prelude)?, self.elems(&b.right, n, prelude)?);
                        zip(l, r, &|a, b| quote_spanned!(span=> (#a #op #b)))
                    }
                    (true, false) => {
                        let l = self.elems(&b.left, n, prelude)?;
                        let s = self.once((*b.right).clone(), prelude);
                        l.into_iter().map(|a| parse(quote_spanned!(span=> (#a #op #s)))).collect()
                    }
                    _ => {
                        let s = self.once((*b.left).clone(), prelude);
                        let r = self.elems(&b.right, n, prelude)?;
                        r.into_iter().map(|a| parse(quote_spanned!(span=> (#s #op #a)))).collect()
                    }
                }
            }
            Expr::MethodCall(m) => {
                let x = self.elems(&m.receiver, n, prelude)?;
                let arg = m.args.first();
                match (m.method.to_string().as_str(), arg) {
                    ("clone", None) => x,
                    ("cross", Some(arg)) => {
                        let a = self.shared(x, span, prelude);
                        let b = self.elems(arg, 3, prelude)?;
                        let b = self.shared(b, span, prelude);
                        let c = |i: usize, j: usize| {
                            let (ai, bj, aj, bi) = (&a[i], &b[j], &a[j], &b[i]);
                            parse(quote_spanned!(span=> (#ai * #bj - #aj * #bi)))
                        };
                        vec![c(1, 2), c(2, 0), c(0, 1)]
                    }
                    ("component_mul" | "component_div", Some(arg)) => {
                        let y = self.elems(arg, n, prelude)?;
                        let op = if m.method == "component_mul" {
                            quote_spanned!(span=> *)
                        } else {
                            quote_spanned!(span=> /)
                        };
                        zip(x, y, &|a, b| quote_spanned!(span=> (#a #op #b)))
                    }
                    ("scale" | "unscale", Some(arg)) => {
                        let s = self.once(arg.clone(), prelude);
                        let op = if m.method == "scale" { quote_spanned!(span=> *) } else { quote_spanned!(span=> /) };
                        x.into_iter().map(|a| parse(quote_spanned!(span=> (#a #op #s)))).collect()
                    }
                    ("normalize", None) => {
                        let x = self.shared(x, span, prelude);
                        let t = self.fresh("norm", span);
                        let sq = sum_of_squares(&x, span);
                        prelude.push(syn::parse_quote_spanned!(span=> let #t = (#sq).sqrt();));
                        x.into_iter().map(|a| parse(quote_spanned!(span=> (#a / #t)))).collect()
                    }
                    _ => return bad(self, format!("`{}` is not supported here; {SUPPORTED}", m.method)),
                }
            }
            Expr::Call(c) if !is_constructor(c) => {
                // A vector-valued function: its twin's array, bound once.
                let mut call = c.clone();
                self.call(&mut call, prelude);
                let (t, f) = (self.fresh("r", span), &self.float);
                prelude.push(syn::parse_quote_spanned!(span=> let #t: [#f; #n] = #call;));
                (0..n).map(|i| parse(quote_spanned!(span=> #t[#i]))).collect()
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let (_, f) = constructor_kind(&p.path)?;
                let f64_zero = {
                    let fl = &self.float;
                    parse(quote_spanned!(span=> (0.0 as #fl)))
                };
                match (f.as_str(), c.args.first()) {
                    ("new", _) => c.args.iter().map(|a| self.scalar(a.clone())).collect(),
                    ("from", Some(Expr::Array(a))) => a.elems.iter().map(|a| self.scalar(a.clone())).collect(),
                    ("zeros", None) => vec![f64_zero; n],
                    ("repeat" | "from_element", Some(s)) => {
                        let s = self.once(s.clone(), prelude);
                        vec![s; n]
                    }
                    _ => return bad(self, format!("`{f}` is not supported here; {SUPPORTED}")),
                }
            }
            _ => return bad(self, format!("this vector expression is not supported; {SUPPORTED}")),
        })
    }

    /// `e`, a vector expression, as the array (or, for a `DVector`, the `Vec`) it means, after
    /// the statements returned (the engine takes an array literal only as a `let`'s value, so
    /// callers put them before the statement).
    fn materialize(&mut self, e: &mut Expr, k: Kind) -> Vec<Stmt> {
        let mut prelude = Vec::new();
        match k {
            Kind::Static(n) => {
                let span = e.span();
                if let Some(elems) = self.elems(e, n, &mut prelude) {
                    *e = parse(quote_spanned!(span=> [#(#elems),*]));
                }
            }
            Kind::Dyn => match strip(e) {
                Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if constructor_kind(&p.path).is_some_and(|(_, f)| f == "from_vec")) => {
                    let mut inner = c.args.first().cloned().unwrap_or_else(|| parse(quote::quote!(())));
                    self.visit_expr_mut(&mut inner);
                    *e = inner;
                }
                Expr::Binary(_) | Expr::Unary(_) | Expr::MethodCall(_) => self.err(
                    &*e,
                    "element-wise arithmetic on a `DVector` is not supported yet: read its components (`a[i]`, `a.iter()`), e.g. `a.iter().zip(b.iter()).map(|(x, y)| (x - y).powi(2)).sum::<f64>()`, or build the result with `DVector::from_vec(..)`",
                ),
                _ => self.err(
                    &*e,
                    "a `DVector` is built here in a way #[differentiate] does not follow: build it with `DVector::from_vec(..)` from a `Vec` (an iterator chain's `collect`, a `vec!` buffer)",
                ),
            },
        }
        prelude
    }

    /// A block's statements, each `let` of a vector after the statements its value needs; the
    /// last expression the returned vector when `tail`.
    fn stmts(&mut self, b: &mut syn::Block, tail: bool) {
        self.scopes.push(HashMap::new());
        let n = b.stmts.len();
        let mut out = Vec::with_capacity(n);
        for (i, mut s) in std::mem::take(&mut b.stmts).into_iter().enumerate() {
            match &mut s {
                Stmt::Expr(e, None) if tail && i + 1 == n => {
                    let prelude = self.tail(e);
                    out.extend(prelude);
                }
                Stmt::Local(l) => {
                    let prelude = self.local(l);
                    out.extend(prelude);
                }
                s => self.visit_stmt_mut(s),
            }
            out.push(s);
        }
        b.stmts = out;
        self.scopes.pop();
    }

    /// The function's result (or an arm of it) is the returned vector.
    fn tail_block(&mut self, b: &mut syn::Block) {
        self.stmts(b, true);
    }

    /// The returned vector `e`, rewritten; what must run before it.
    fn tail(&mut self, e: &mut Expr) -> Vec<Stmt> {
        match e {
            Expr::If(i) => {
                self.visit_expr_mut(&mut i.cond);
                self.tail_block(&mut i.then_branch);
                if let Some((_, els)) = &mut i.else_branch {
                    return self.tail(els);
                }
                Vec::new()
            }
            Expr::Block(b) if b.label.is_none() => {
                self.tail_block(&mut b.block);
                Vec::new()
            }
            Expr::Match(m) => {
                self.visit_expr_mut(&mut m.expr);
                for arm in &mut m.arms {
                    self.scopes.push(HashMap::new());
                    self.visit_pat_mut(&mut arm.pat);
                    let prelude = self.tail(&mut arm.body);
                    if !prelude.is_empty() {
                        let body = &arm.body;
                        *arm.body = parse(quote::quote!({ #(#prelude)* #body }));
                    }
                    self.scopes.pop();
                }
                Vec::new()
            }
            Expr::Return(_) => {
                self.visit_expr_mut(e);
                Vec::new()
            }
            e => match self.output {
                Some(k) => self.materialize(e, k),
                None => {
                    self.visit_expr_mut(e);
                    Vec::new()
                }
            },
        }
    }

    /// A `let`: a vector's value is materialized, and the name bound to what it holds.
    fn local(&mut self, l: &mut syn::Local) -> Vec<Stmt> {
        let mut declared = None;
        if let syn::Pat::Type(pt) = &mut l.pat
            && let Some((k, twin)) = super::nalgebra::twin_type(&pt.ty)
        {
            declared = Some(k);
            *pt.ty = twin;
        }
        let k = l.init.as_ref().and_then(|i| self.kind(&i.expr)).or(declared);
        let mut prelude = Vec::new();
        if let Some(init) = &mut l.init {
            match k {
                Some(k) => prelude = self.materialize(&mut init.expr, k),
                None => self.visit_expr_mut(&mut init.expr),
            }
            if let Some((_, d)) = &mut init.diverge {
                self.visit_expr_mut(d);
            }
        }
        let ident = match &l.pat {
            syn::Pat::Ident(p) => Some(p.ident.to_string()),
            syn::Pat::Type(pt) => match &*pt.pat {
                syn::Pat::Ident(p) => Some(p.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        match ident {
            Some(name) => self.bind(name, k),
            None => self.visit_pat_mut(&mut l.pat),
        }
        prelude
    }

    /// A reduction or a read of the vector `m.receiver` of kind `k`, in a scalar context.
    fn method(&mut self, e: &mut Expr, k: Kind) {
        let Expr::MethodCall(m) = &*e else { return };
        let span = e.span();
        let method = m.method.to_string();
        let f = self.float.clone();
        if let Kind::Dyn = k {
            let Some(v) = single_name(strip(&m.receiver)) else {
                return self.err(
                    &m.receiver,
                    "a `DVector` is read here through an expression: bind it with `let` first, or index it (`v[i]`)",
                );
            };
            let v = format_ident!("{}", v, span = m.receiver.span());
            let (a, b) = (format_ident!("__gradmacro_a", span = span), format_ident!("__gradmacro_b", span = span));
            let new = match (method.as_str(), m.args.first()) {
                ("len" | "iter" | "nrows", _) => return,
                ("dot", Some(w)) => match single_name(strip(w)) {
                    Some(w) if self.lookup(&w) == Some(Kind::Dyn) => {
                        let w = format_ident!("{}", w, span = span);
                        quote_spanned!(span=> #v.iter().zip(#w.iter()).map(|(#a, #b)| #a * #b).sum::<#f>())
                    }
                    _ => return self.err(w, "the argument of `dot` on a `DVector` must be another `DVector` named by a parameter or a `let`"),
                },
                ("norm" | "magnitude", None) => quote_spanned!(span=> #v.iter().map(|#a| #a * #a).sum::<#f>().sqrt()),
                ("norm_squared" | "magnitude_squared", None) => quote_spanned!(span=> #v.iter().map(|#a| #a * #a).sum::<#f>()),
                ("sum", None) => quote_spanned!(span=> #v.iter().sum::<#f>()),
                _ => return self.err(&m.method, &format!("`{method}` on a `DVector` is not supported by #[differentiate]; {SUPPORTED}")),
            };
            *e = parse(new);
            return;
        }
        let Kind::Static(n) = k else { return };
        if matches!(method.as_str(), "len" | "nrows") && m.args.is_empty() {
            *e = parse(quote_spanned!(span=> #n));
            return;
        }
        if method == "iter" && m.args.is_empty() && single_name(strip(&m.receiver)).is_some() {
            return;
        }
        let mut prelude = Vec::new();
        let Some(x) = self.elems(&m.receiver.clone(), n, &mut prelude) else { return };
        let value = match (method.as_str(), m.args.first().cloned()) {
            ("dot", Some(w)) => {
                let Some(y) = self.elems(&w, n, &mut prelude) else { return };
                let terms = x.iter().zip(&y).map(|(a, b)| quote_spanned!(span=> #a * #b));
                quote_spanned!(span=> (#(#terms)+*))
            }
            ("norm" | "magnitude", None) => {
                let x = self.shared(x, span, &mut prelude);
                let sq = sum_of_squares(&x, span);
                quote_spanned!(span=> (#sq).sqrt())
            }
            ("norm_squared" | "magnitude_squared", None) => {
                let x = self.shared(x, span, &mut prelude);
                let sq = sum_of_squares(&x, span);
                quote_spanned!(span=> (#sq))
            }
            ("sum", None) => quote_spanned!(span=> (#(#x)+*)),
            _ if self.kind(e).is_some() => {
                return self.err(
                    &*e,
                    "a nalgebra vector is used here as a whole value: bind it with `let` (`let d = a - b;`) and read it by component or with a reduction",
                );
            }
            _ => return self.err(&m.method, &format!("`{method}` is not supported by #[differentiate]; {SUPPORTED}")),
        };
        *e = if prelude.is_empty() { parse(value) } else { parse(quote_spanned!(span=> { #(#prelude)* #value })) };
    }

    fn compound_assign(&mut self, e: &mut Expr, n: usize) {
        let Expr::Binary(b) = &*e else { return };
        let span = e.span();
        let Some(target) = single_name(&b.left).map(|t| format_ident!("{}", t, span = b.left.span())) else {
            return self.err(&b.left, "assign to a nalgebra vector by name (`v += w;`) or by component (`v[i] += x;`)");
        };
        let op = &b.op;
        let mut prelude = Vec::new();
        let stmts: Vec<TokenStream> = match op {
            syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_) => {
                let Some(y) = self.elems(&b.right.clone(), n, &mut prelude) else { return };
                y.iter().enumerate().map(|(i, a)| quote_spanned!(span=> #target[#i] #op #a;)).collect()
            }
            syn::BinOp::MulAssign(_) | syn::BinOp::DivAssign(_) if self.kind(&b.right).is_none() => {
                let s = self.once((*b.right).clone(), &mut prelude);
                (0..n).map(|i| quote_spanned!(span=> #target[#i] #op #s;)).collect()
            }
            _ => return self.err(&*e, &format!("this assignment to a nalgebra vector is not supported; {SUPPORTED}")),
        };
        *e = parse(quote_spanned!(span=> { #(#prelude)* #(#stmts)* }));
    }
}

fn sum_of_squares(x: &[Expr], span: Span) -> TokenStream {
    let terms = x.iter().map(|a| quote_spanned!(span=> #a * #a));
    quote_spanned!(span=> #(#terms)+*)
}

impl VisitMut for Desugar<'_> {
    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.stmts(b, false);
    }

    fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
        // A name a pattern binds shadows a vector of the same name.
        self.bind(p.ident.to_string(), None);
        visit_mut::visit_pat_ident_mut(self, p);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        self.scopes.push(HashMap::new());
        visit_mut::visit_expr_closure_mut(self, c);
        self.scopes.pop();
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        self.scopes.push(HashMap::new());
        visit_mut::visit_arm_mut(self, a);
        self.scopes.pop();
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::MethodCall(m) if let Some(k) = self.kind(&m.receiver) => self.method(e, k),
            Expr::MethodCall(m) => {
                self.visit_expr_mut(&mut m.receiver);
                for a in &mut m.args {
                    self.argument(a);
                }
            }
            Expr::Call(c) if !is_constructor(c) && c.args.iter().any(|a| self.kind(a).is_some()) => {
                let mut prelude = Vec::new();
                self.call(c, &mut prelude);
                if !prelude.is_empty() {
                    let span = e.span();
                    let call = &*e;
                    *e = parse(quote_spanned!(span=> { #(#prelude)* #call }));
                }
            }
            Expr::Call(c) => {
                self.visit_expr_mut(&mut c.func);
                for a in &mut c.args {
                    self.argument(a);
                }
            }
            Expr::Field(f) if let Some(k) = self.kind(&f.base) => {
                let (base, member) = ((*f.base).clone(), f.member.clone());
                let i = match &member {
                    syn::Member::Named(n) => ["x", "y", "z", "w", "a", "b"].iter().position(|c| n == c),
                    syn::Member::Unnamed(_) => None,
                };
                match (i, k) {
                    (Some(i), Kind::Static(n)) if i < n => {
                        let mut prelude = Vec::new();
                        let span = e.span();
                        if let Some(x) = self.elems(&base, n, &mut prelude) {
                            let x = &x[i];
                            *e = if prelude.is_empty() {
                                x.clone()
                            } else {
                                parse(quote_spanned!(span=> { #(#prelude)* #x }))
                            };
                        }
                    }
                    _ => self.err(&member, &format!("this field of a nalgebra vector is not supported; {SUPPORTED}")),
                }
            }
            Expr::Index(ix) if let Some(k) = self.kind(&ix.expr) => {
                self.visit_expr_mut(&mut ix.index);
                if single_name(strip(&ix.expr)).is_some() {
                    return;
                }
                let Kind::Static(n) = k else {
                    return self.err(&ix.expr, "index a `DVector` by name (`v[i]`): bind the expression with `let` first");
                };
                let mut prelude = Vec::new();
                let span = e.span();
                let Expr::Index(ix) = &*e else { return };
                let (base, index) = ((*ix.expr).clone(), (*ix.index).clone());
                let Some(x) = self.elems(&base, n, &mut prelude) else { return };
                let literal = match &index {
                    Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => i.base10_parse::<usize>().ok(),
                    _ => None,
                };
                // A literal index picks its element (the others are not computed); any other
                // index reads an array of all of them, as `v[i]` does.
                if let Some(i) = literal.filter(|i| *i < n) {
                    let x = &x[i];
                    *e = if prelude.is_empty() { x.clone() } else { parse(quote_spanned!(span=> { #(#prelude)* #x })) };
                    return;
                }
                let t = self.fresh("v", span);
                prelude.push(syn::parse_quote_spanned!(span=> let #t = [#(#x),*];));
                *e = parse(quote_spanned!(span=> { #(#prelude)* #t[#index] }));
            }
            Expr::Return(r) if self.output.is_some() => {
                if let (Some(v), Some(k)) = (&mut r.expr, self.output) {
                    let prelude = self.materialize(v, k);
                    if !prelude.is_empty() {
                        let ret = &*e;
                        *e = parse(quote::quote!({ #(#prelude)* #ret }));
                    }
                }
            }
            Expr::Assign(a) if let Some(k) = self.kind(&a.left) => {
                if single_name(&a.left).is_none() {
                    return self.err(&a.left, "assign to a nalgebra vector by name or by component");
                }
                let prelude = self.materialize(&mut a.right, k);
                if !prelude.is_empty() {
                    let assign = &*e;
                    *e = parse(quote::quote!({ #(#prelude)* #assign; }));
                }
            }
            Expr::Binary(b)
                if matches!(
                    b.op,
                    syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_) | syn::BinOp::MulAssign(_) | syn::BinOp::DivAssign(_)
                ) && self.kind(&b.left).is_some() =>
            {
                match self.kind(&b.left) {
                    Some(Kind::Static(n)) => self.compound_assign(e, n),
                    _ => self.err(&*e, "element-wise assignment to a `DVector` is not supported: write it by component in a loop (`v[i] += ..`)"),
                }
            }
            Expr::ForLoop(f) => {
                // `for x in v.iter()`, `for x in &v`, `for x in v`: the array iterates the same.
                if self.kind(&f.expr).is_none() || single_name(strip(&f.expr)).is_none() {
                    self.visit_expr_mut(&mut f.expr);
                }
                self.scopes.push(HashMap::new());
                self.visit_pat_mut(&mut f.pat);
                self.visit_block_mut(&mut f.body);
                self.scopes.pop();
            }
            Expr::Reference(r) if self.kind(&r.expr).is_some() && single_name(strip(&r.expr)).is_some() => {}
            _ if self.kind(e).is_some() => self.err(
                &*e,
                "a nalgebra vector is used here as a whole value, which #[differentiate] does not follow: bind it with `let` and read it by component (`v[i]`, `v.x`) or with a reduction (`dot`, `norm`, `sum`); a vector cannot be passed to a function yet (pass its components)",
            ),
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }
}

/// `Vector3::new(..)` and the other constructors `kind` knows, not a user's function.
fn is_constructor(c: &syn::ExprCall) -> bool {
    matches!(&*c.func, Expr::Path(p) if constructor_kind(&p.path).is_some())
}

impl Desugar<'_> {
    /// A call that passes or returns nalgebra vectors: it goes to the callee's array twin
    /// (`dist(a, b)` → `__gradmacro_dist(a, b)`, which `#[differentiate]` on `dist` generates),
    /// a vector argument as its array (a name as is, an expression as its elements).
    fn call(&mut self, c: &mut syn::ExprCall, prelude: &mut Vec<Stmt>) {
        match &mut *c.func {
            Expr::Path(p) if p.qself.is_none() => {
                if let Some(last) = p.path.segments.last_mut() {
                    last.ident = format_ident!("__gradmacro_{}", last.ident, span = last.ident.span());
                }
            }
            other => {
                return self.err(&*other, "a function taking or returning nalgebra vectors is called by its path (`dist(a, b)`, `geom::dist(a, b)`) from a #[differentiate] body");
            }
        }
        for a in &mut c.args {
            match self.kind(a) {
                Some(Kind::Static(n)) if single_name(strip(a)).is_none() => {
                    let by_ref = matches!(a, Expr::Reference(_));
                    let span = a.span();
                    let Some(x) = self.elems(&a.clone(), n, prelude) else { continue };
                    *a = if by_ref {
                        parse(quote_spanned!(span=> &[#(#x),*]))
                    } else {
                        parse(quote_spanned!(span=> [#(#x),*]))
                    };
                }
                Some(Kind::Dyn) if single_name(strip(a)).is_none() => {
                    self.err(
                        &*a,
                        "pass a `DVector` to a function by name (`g(&v)`): bind the expression with `let` first",
                    );
                }
                Some(_) => {}
                None => self.visit_expr_mut(a),
            }
        }
    }

    /// A call's argument: a vector cannot be passed whole (the callee takes nalgebra types, the
    /// twin has arrays).
    fn argument(&mut self, a: &mut Expr) {
        if self.kind(a).is_some() {
            self.err(
                &*a,
                "a nalgebra vector cannot be passed here: pass it to a function called by its path (`dist(a, b)`, a function `#[differentiate]` too), or pass its components (`v[0], v[1]`)",
            );
        } else {
            self.visit_expr_mut(a);
        }
    }
}
