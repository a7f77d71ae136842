//! Generic twins: a `p` program rewritten over a float type `F` (`pK_g<F: Float + ..>`), whose
//! companions `pK_g_grad::<f64>`, `pK_g_jvp::<f64>` and `pK_g_hvp::<f64>` must return
//! `pK_grad`'s, `pK_jvp`'s and `pK_hvp`'s bits. `x.abs() as usize` becomes `x.abs().to_f64().unwrap() as usize` (the same integer for
//! `F = f64`, and a constant to the macro as the cast is); `.sum()` takes the bounds
//! `Sum + for<'a> Sum<&'a F>`. The rewrite is conservative: any construct it cannot carry over
//! soundly (another cast to an integer, `total_cmp`, a macro other than `vec!`, a method it does
//! not know, ...) drops the twin, and so do the constructs of [`Scan`].

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Type, parse_quote};

/// Methods the twin may call: those of `num_traits::Float` the generator uses, and the
/// iterator, slice and `Vec` methods it writes (on `F` values as on `f64` ones).
const METHODS: &[&str] = &[
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "clamp",
    "copysign",
    "cos",
    "cosh",
    "exp",
    "exp2",
    "exp_m1",
    "floor",
    "fract",
    "hypot",
    "is_finite",
    "is_nan",
    "is_sign_negative",
    "is_sign_positive",
    "ln",
    "ln_1p",
    "log",
    "log10",
    "log2",
    "max",
    "min",
    "mul_add",
    "powf",
    "powi",
    "recip",
    "round",
    "signum",
    "sin",
    "sin_cos",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "to_degrees",
    "to_radians",
    "trunc",
    // iterators, slices, vectors, options, comparisons
    "all",
    "any",
    "clone",
    "collect",
    "copied",
    "enumerate",
    "extend",
    "extend_from_slice",
    "filter",
    "fold",
    "for_each",
    "into_iter",
    "iter",
    "len",
    "map",
    "max_by",
    "min_by",
    "partial_cmp",
    "push",
    "reduce",
    "resize",
    "sum",
    "rev",
    "skip",
    "step_by",
    "take",
    "to_vec",
    "unwrap",
    "unwrap_or",
    "expect",
    "first",
    "last",
    "get",
    "zip",
];

struct Rewrite {
    /// Why the twin is dropped, if it is.
    fail: Option<String>,
}

impl Rewrite {
    fn no(&mut self, why: impl Into<String>) {
        if self.fail.is_none() {
            self.fail = Some(why.into());
        }
    }
}

fn is_f64(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("f64"))
}

impl VisitMut for Rewrite {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if is_f64(ty) {
            *ty = parse_quote!(F);
            return;
        }
        visit_mut::visit_type_mut(self, ty);
    }

    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Lit(l) => {
                if let syn::Lit::Float(f) = &l.lit {
                    let digits: f64 = match f.base10_digits().parse() {
                        Ok(v) => v,
                        Err(_) => return self.no("a float literal"),
                    };
                    if !matches!(f.suffix(), "" | "f64") {
                        return self.no("an f32 literal");
                    }
                    let lit = syn::LitFloat::new(&format!("{digits:?}"), f.span());
                    *e = parse_quote!(F::from(#lit).unwrap());
                }
                return;
            }
            Expr::Path(p) => {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
                match segs[..] {
                    ["std" | "core", "f64", "consts", c] => {
                        let id = syn::Ident::new(
                            c,
                            p.path.segments.last().map_or_else(proc_macro2::Span::call_site, |s| s.ident.span()),
                        );
                        *e = parse_quote!(F::#id());
                    }
                    ["KA" | "KB"] => {
                        let path = p.path.clone();
                        *e = parse_quote!(F::from(#path).unwrap());
                    }
                    _ if segs.contains(&"f64") => self.no(format!("the path {}", segs.join("::"))),
                    _ if segs.len() > 1 => self.no(format!("the path {}", segs.join("::"))),
                    _ => {}
                }
                return;
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &mut *c.func {
                    let n = p.path.segments.len();
                    if n == 2 && p.path.segments[0].ident == "f64" {
                        p.path.segments[0].ident = syn::Ident::new("F", p.path.segments[0].ident.span());
                        let m = p.path.segments[1].ident.to_string();
                        if !METHODS.contains(&m.as_str()) {
                            self.no(format!("f64::{m}"));
                        }
                    } else if n == 2 && p.path.segments[0].ident == "Vec" && p.path.segments[1].ident == "new" {
                        // `Vec::<f64>::new()`: its type argument
                        visit_mut::visit_path_mut(self, &mut p.path);
                    } else if n != 1 {
                        self.no("a call of a path");
                    } else if p.path.segments[0].ident.to_string().starts_with('p') {
                        self.no("a call of a generated function");
                    }
                    // a closure `clN(..)`, or `Some(..)`: the arguments are rewritten below
                    for a in &mut c.args {
                        self.visit_expr_mut(a);
                    }
                    return;
                }
                self.no("a call of an expression");
                return;
            }
            Expr::Cast(c) => {
                if is_f64(&c.ty) {
                    // the generator casts only integers (indices, `n`, lengths) to `f64`
                    let mut inner = (*c.expr).clone();
                    self.visit_expr_mut(&mut inner);
                    *e = parse_quote!(F::from(#inner).unwrap());
                } else if matches!(&*c.ty, Type::Path(t) if t.path.is_ident("usize"))
                    && matches!(&*c.expr, Expr::MethodCall(m) if m.method == "abs")
                {
                    // `x.abs() as usize` (the generator's only float-to-integer cast in the `p`
                    // family): `x.abs().to_f64().unwrap() as usize`, the same integer when `F` is
                    // `f64` (`to_f64` is the identity), a constant as the cast is
                    let mut inner = (*c.expr).clone();
                    self.visit_expr_mut(&mut inner);
                    *e = match &*c.expr {
                        Expr::MethodCall(m) if simple(&m.receiver) => parse_quote!(#inner.to_f64().unwrap() as usize),
                        // the macro takes `.to_f64().unwrap()` of a name, not of a compound value
                        _ => parse_quote!({
                            let abs_ = #inner;
                            abs_.to_f64().unwrap() as usize
                        }),
                    };
                } else {
                    self.no("a cast to an integer");
                }
                return;
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if !METHODS.contains(&name.as_str()) {
                    self.no(format!(".{name}()"));
                    return;
                }
            }
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                // `vec![a, b]`, `vec![a; n]`: their expressions
                let repeat = |input: syn::parse::ParseStream| -> syn::Result<(Expr, Expr)> {
                    let x: Expr = input.parse()?;
                    input.parse::<syn::Token![;]>()?;
                    Ok((x, input.parse()?))
                };
                if let Ok((mut x, mut n)) = m.mac.parse_body_with(repeat) {
                    self.visit_expr_mut(&mut x);
                    self.visit_expr_mut(&mut n);
                    m.mac.tokens = quote::quote!(#x; #n);
                } else if let Ok(mut items) =
                    m.mac.parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
                {
                    items.iter_mut().for_each(|x| self.visit_expr_mut(x));
                    m.mac.tokens = quote::quote!(#items);
                } else {
                    self.no("a macro");
                }
                return;
            }
            Expr::Macro(_) => {
                self.no("a macro");
                return;
            }
            _ => {}
        }
        visit_mut::visit_expr_mut(self, e);
    }

    fn visit_pat_mut(&mut self, p: &mut syn::Pat) {
        if let syn::Pat::Lit(_) | syn::Pat::Range(_) = p {
            self.no("a literal pattern");
        }
        visit_mut::visit_pat_mut(self, p);
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {
        self.no("a macro");
    }
}

/// `x`, `w[1]`, `h4[i3]`, `(x)`: a receiver of `.abs() as usize` whose `to_f64()` the macro
/// takes (it rejects `.unwrap()` on a compound receiver, `(if .. { .. } else { .. }).abs()`).
fn simple(e: &Expr) -> bool {
    match e {
        Expr::Path(_) => true,
        Expr::Paren(p) => simple(&p.expr),
        Expr::Index(i) => simple(&i.expr) && matches!(&*i.index, Expr::Lit(_) | Expr::Path(_)),
        _ => false,
    }
}

/// Constructs that `F`'s operators do not take (found by compiling twins; each drops the twin):
/// a binary operator or negation on a value bound by reference (`|e: &f64| -e`,
/// `for e in s.iter() { e * x }`): `&f64` has the operators, `&F` does not. (Arrays defined in an
/// `if` branch or a loop body, `loop` with an integer value and `.reduce(..)` were dropped here
/// too until the companions gave their paths not taken a value of the right type.)
/// A compound assignment to an element of a buffer whose right side reads the same buffer
/// (`h9[1] += h9[1].sinh()`): `f64`'s built-in `+=` evaluates the right side first, `F`'s
/// `AddAssign` holds `IndexMut`'s borrow of the `Vec` while it does (E0502 in the user's code).
#[derive(Default)]
struct Scan {
    /// Names bound by a closure parameter or a `for` pattern that may be references.
    refs: Vec<String>,
    fail: Option<String>,
}

fn idents(p: &syn::Pat, out: &mut Vec<String>) {
    match p {
        syn::Pat::Ident(i) => out.push(i.ident.to_string()),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| idents(p, out)),
        syn::Pat::Type(t) if !is_f64(&t.ty) => idents(&t.pat, out),
        syn::Pat::Paren(p) => idents(&p.pat, out),
        _ => {}
    }
}

impl Scan {
    fn is_ref(&self, e: &Expr) -> bool {
        match e {
            Expr::Path(p) => p.path.get_ident().is_some_and(|i| self.refs.contains(&i.to_string())),
            Expr::Paren(p) => self.is_ref(&p.expr),
            _ => false,
        }
    }
}

fn is_compound(op: syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(op, B::AddAssign(_) | B::SubAssign(_) | B::MulAssign(_) | B::DivAssign(_) | B::RemAssign(_))
}

/// Whether `left` is `name[..]` (at any depth of indexing) and `right` mentions `name`.
fn reads_own_buffer(left: &Expr, right: &Expr) -> bool {
    struct Mentions<'n>(&'n syn::Ident, bool);
    impl<'a> syn::visit::Visit<'a> for Mentions<'_> {
        fn visit_ident(&mut self, i: &'a syn::Ident) {
            self.1 |= i == self.0;
        }
    }
    let mut base = left;
    while let Expr::Index(i) = base {
        base = &i.expr;
    }
    match base {
        Expr::Path(p) if !std::ptr::eq(base, left) => p.path.get_ident().is_some_and(|name| {
            let mut m = Mentions(name, false);
            syn::visit::Visit::visit_expr(&mut m, right);
            m.1
        }),
        _ => false,
    }
}

impl<'a> syn::visit::Visit<'a> for Scan {
    /// `vec![a, b]` and `vec![a; n]`: syn leaves a macro's tokens unparsed, and an operator on a
    /// reference inside one fails all the same (`vec![(-e10), ..]` in large-run seed 20261207).
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        use syn::parse::Parser;
        let items = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated.parse2(m.tokens.clone());
        let repeat = |input: syn::parse::ParseStream| {
            let v: Expr = input.parse()?;
            input.parse::<syn::Token![;]>()?;
            let n: Expr = input.parse()?;
            Ok([v, n])
        };
        let exprs: Vec<Expr> = match (items, repeat.parse2(m.tokens.clone())) {
            (Ok(items), _) => items.into_iter().collect(),
            (_, Ok(pair)) => pair.into(),
            _ => Vec::new(),
        };
        for e in &exprs {
            syn::visit::Visit::visit_expr(self, e);
        }
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::ForLoop(f) if !matches!(&*f.expr, Expr::Range(_)) => idents(&f.pat, &mut self.refs),
            Expr::Closure(c) => c.inputs.iter().for_each(|p| idents(p, &mut self.refs)),
            Expr::Binary(b) if self.is_ref(&b.left) || self.is_ref(&b.right) => {
                self.fail.get_or_insert_with(|| "an operator on a value bound by reference".into());
            }
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) && self.is_ref(&u.expr) => {
                self.fail.get_or_insert_with(|| "an operator on a value bound by reference".into());
            }
            Expr::Binary(b) if is_compound(b.op) && reads_own_buffer(&b.left, &b.right) => {
                self.fail.get_or_insert_with(|| "`h[i] op= ..h[j]..` (E0502 with `F`'s operators)".into());
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }
}

/// The generic twin of `src` (one `#[differentiate(..)] pub fn pK(..) -> f64`), named `name`,
/// or why there is none.
pub fn twin(src: &str, name: &str) -> Result<String, String> {
    let mut f: syn::ItemFn = syn::parse_str(src).map_err(|e| format!("does not parse: {e}"))?;
    let mut scan = Scan::default();
    syn::visit::Visit::visit_block(&mut scan, &f.block);
    if let Some(why) = scan.fail {
        return Err(why);
    }
    let mut r = Rewrite { fail: None };
    // The attribute is kept as it is, `hessian` included: `pK_g_hvp::<f64>` must return
    // `pK_hvp`'s bits.
    f.sig.ident = syn::Ident::new(name, f.sig.ident.span());
    f.sig.generics = parse_quote!(<F: num_traits::Float + num_traits::FloatConst + num_traits::NumAssign + core::iter::Sum + for<'a> core::iter::Sum<&'a F>>);
    for input in &mut f.sig.inputs {
        r.visit_fn_arg_mut(input);
    }
    match &f.sig.output {
        syn::ReturnType::Type(_, ty) if is_f64(ty) => f.sig.output = parse_quote!(-> F),
        _ => return Err("not an f64 output".into()),
    }
    r.visit_block_mut(&mut f.block);
    if let Some(why) = r.fail {
        return Err(why);
    }
    let file: syn::File = parse_quote!(#f);
    Ok(prettyplease::unparse(&file))
}
