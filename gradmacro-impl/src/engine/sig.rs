//! The attribute's arguments and the function's signature: which parameters are active, what
//! their gradients look like, and which float type the function computes in.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, ReturnType, Signature, Token, Type};

use super::Errors;

/// `#[differentiate]`, `#[differentiate(wrt(a, b))]`, `#[differentiate(forward)]`, or both.
pub struct Args {
    pub wrt: Option<Vec<Ident>>,
    /// `forward`: also generate `f_jvp`.
    pub forward: bool,
    /// `hessian`: also generate `f_hvp` and `f_hessian`.
    pub hessian: bool,
    /// `checkpoint`: taped loops keep snapshots every √n iterations instead of a full tape.
    pub checkpoint: bool,
    /// `reverse`: `f_grad` stays in reverse mode where forward mode would be chosen
    /// ([`super::lanes`]).
    pub reverse: bool,
}

const ACCEPTED: &str = "accepted arguments: `wrt(param, ...)`, `forward`, `hessian`, `checkpoint` and `reverse`, e.g. `#[differentiate(wrt(a, c), forward, hessian)]`";

pub fn parse_args(tokens: TokenStream, errors: &mut Errors) -> Args {
    // Every problem is recorded and parsing goes on, so all are reported together.
    let mut found = Vec::new();
    let parser = |input: ParseStream<'_>| -> syn::Result<Args> {
        let mut wrt: Option<Vec<Ident>> = None;
        let mut forward = false;
        let mut hessian = false;
        let mut checkpoint = false;
        let mut reverse = false;
        while !input.is_empty() {
            let key: Ident = input
                .call(param_name)
                .map_err(|e| syn::Error::new(e.span(), format!("expected an argument name; {ACCEPTED}")))?;
            if key == "forward" || key == "hessian" || key == "checkpoint" || key == "reverse" {
                if input.peek(syn::token::Paren) || input.peek(Token![=]) {
                    found.push(syn::Error::new(
                        key.span(),
                        format!("`{key}` takes no arguments: write `#[differentiate({key})]` (combine with `wrt(...)` to choose the parameters)"),
                    ));
                    if input.peek(syn::token::Paren) {
                        let content;
                        syn::parenthesized!(content in input);
                        let _: TokenStream = content.parse()?;
                    } else {
                        input.parse::<Token![=]>()?;
                        input.parse::<syn::Expr>()?;
                    }
                } else if (key == "forward" && forward)
                    || (key == "hessian" && hessian)
                    || (key == "checkpoint" && checkpoint)
                    || (key == "reverse" && reverse)
                {
                    found.push(syn::Error::new(key.span(), format!("`{key}` is given twice")));
                }
                if key == "forward" {
                    forward = true;
                } else if key == "hessian" {
                    hessian = true;
                } else if key == "reverse" {
                    reverse = true;
                } else {
                    checkpoint = true;
                }
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
                continue;
            }
            let list = if input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in input);
                if key != "wrt" || wrt.is_some() {
                    // Reported below; its contents are not looked at.
                    let _: TokenStream = content.parse()?;
                    None
                } else {
                    Some(content)
                }
            } else {
                if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    input.parse::<syn::Expr>()?;
                }
                None
            };
            if key != "wrt" {
                found.push(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}` to #[differentiate]; {ACCEPTED}"),
                ));
            } else if wrt.is_some() {
                found.push(syn::Error::new(key.span(), "`wrt` is given twice; list every parameter in one `wrt(...)`"));
            } else if let Some(content) = list {
                let names = content.parse_terminated(param_name, Token![,])?;
                if names.is_empty() {
                    found.push(syn::Error::new(key.span(), "`wrt()` is empty: name at least one parameter, or drop `wrt` to differentiate with respect to every float parameter"));
                }
                wrt = Some(names.into_iter().collect());
            } else {
                found.push(syn::Error::new(key.span(), "`wrt` takes a list of parameters: write `wrt(a, b)`"));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(Args { wrt, forward, hessian, checkpoint, reverse })
    };
    let args = match parser.parse2(tokens) {
        Ok(a) => a,
        Err(e) => {
            found.push(e);
            Args { wrt: None, forward: false, hessian: false, checkpoint: false, reverse: false }
        }
    };
    for e in found {
        errors.push(e);
    }
    args
}

fn param_name(input: ParseStream<'_>) -> syn::Result<Ident> {
    // `self` is a keyword, not an `Ident` to `parse`: `wrt(self, x)` names the receiver.
    if input.peek(Token![self]) {
        return syn::ext::IdentExt::parse_any(input);
    }
    input.parse::<Ident>().map_err(|e| syn::Error::new(e.span(), "expected a parameter name in `wrt(...)`"))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Float {
    F32,
    F64,
}

impl Float {
    pub fn path(self) -> TokenStream {
        // A generic function is lowered as the `f64` program, its float type named `F`.
        if let Some(f) = super::generic_mode::param() {
            return quote!(#f);
        }
        match self {
            Float::F32 => quote!(::core::primitive::f32),
            Float::F64 => quote!(::core::primitive::f64),
        }
    }

    pub fn consts(self) -> TokenStream {
        match self {
            Float::F32 => quote!(::core::f32::consts),
            Float::F64 => quote!(::core::f64::consts),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
        }
    }
}

/// How a parameter takes part in differentiation.
#[derive(Clone, Debug)]
pub enum Shape {
    /// `f64` / `f32`.
    Scalar,
    /// `[F; N]` or `&[F; N]`: gradient `[F; N]`.
    Array { len: TokenStream },
    /// `&[F]`, `&Vec<F>`, `Vec<F>`: gradient `Vec<F>`.
    Slice,
    /// `(F, F, ..)` (also behind `&`): gradient the same tuple, read by field (`p.0`).
    Tuple { n: usize },
    /// With `wrt`, a nested array `&[[F; D]]`, `&Vec<[F; D]>`, `Vec<[F; D]>` (`outer: None`,
    /// gradient `Vec<[F; D]>`) or `[[F; D]; N]`, `&[[F; D]; N]` (`outer: Some(N)`, gradient
    /// `[[F; D]; N]`), read as `a[i][j]`.
    Rows { inner: TokenStream, outer: Option<TokenStream> },
    /// With `wrt`, `&[Vec<F>]`, `&Vec<Vec<F>>`, `Vec<Vec<F>>`: gradient `Vec<Vec<F>>` shaped like
    /// the argument, read as `a[i][j]`.
    Ragged,
    /// With `wrt`, a struct deriving `gradmacro::Differentiable` (by value or behind `&`):
    /// gradient the same struct, read by field (`p.x`, `p.v[k]`).
    Struct { ty: TokenStream },
    /// With `wrt`, a slice of such structs (`&[T]`, `&Vec<T>`, `Vec<T>`): gradient `Vec<T>`, read
    /// as `ps[i].x`, `for p in ps { p.x }`.
    StructSlice { ty: TokenStream },
    /// Anything else: never has a gradient.
    Other,
}

impl Shape {
    /// A shape that is active only when named in `wrt(...)`.
    pub fn only_with_wrt(&self) -> bool {
        matches!(self, Shape::Rows { .. } | Shape::Ragged | Shape::Struct { .. } | Shape::StructSlice { .. })
    }

    /// A struct or a slice of structs: read by field.
    pub fn is_struct(&self) -> bool {
        matches!(self, Shape::Struct { .. } | Shape::StructSlice { .. })
    }
}

pub struct Param {
    /// `None` for the receiver.
    pub ident: Option<Ident>,
    pub shape: Shape,
    pub float: Option<Float>,
    pub active: bool,
    pub span: Span,
    /// Passed by value (`[f64; 3]`, `Vec<f64>`), not by reference: iterating it by name yields
    /// elements, not references.
    pub owned: bool,
}

pub struct Sig {
    pub float: Float,
    pub params: Vec<Param>,
    /// What the function returns: a float (`f_grad`), or a vector (`f_vjp`, `f_jacobian`).
    pub output: Output,
    /// `#[differentiate(checkpoint)]`: see `reverse_checkpoint`.
    pub checkpoint: bool,
    /// `#[differentiate(reverse)]`: no forward-mode `f_grad` ([`super::lanes`]).
    pub reverse: bool,
}

/// The shape of the returned value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Scalar,
    /// `[F; N]`, `N` an integer literal.
    Array(usize),
    /// `(F, F, ..)`.
    Tuple(usize),
    /// `Vec<F>`: its length is known only at run time.
    Vec,
    /// A vector the macro does not take (a `Vec`, an array of unwritten length): reported, and
    /// no companion is generated.
    Rejected,
}

/// The float type of a plain `f32`/`f64` type path.
pub fn float_of(ty: &Type) -> Option<Float> {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if !last.arguments.is_none() {
                return None;
            }
            let prefix_ok =
                p.path.segments.iter().rev().skip(1).all(|s| {
                    s.arguments.is_none() && matches!(s.ident.to_string().as_str(), "core" | "std" | "primitive")
                });
            if !prefix_ok {
                return None;
            }
            // In a generic function the float type is `F`; an `f64` or `f32` there is data.
            if super::generic_mode::on() {
                let is_f = p.path.segments.len() == 1 && super::generic_mode::is_param(&last.ident.to_string());
                return is_f.then_some(Float::F64);
            }
            match last.ident.to_string().as_str() {
                "f64" => Some(Float::F64),
                "f32" => Some(Float::F32),
                _ => None,
            }
        }
        Type::Paren(p) => float_of(&p.elem),
        Type::Group(g) => float_of(&g.elem),
        _ => None,
    }
}

fn shape_of(ty: &Type) -> (Shape, Option<Float>) {
    if let Some(f) = float_of(ty) {
        return (Shape::Scalar, Some(f));
    }
    if let Some(found) = nested_of(ty) {
        return found;
    }
    match ty {
        Type::Array(a) => match float_of(&a.elem) {
            Some(f) => (Shape::Array { len: a.len.to_token_stream() }, Some(f)),
            None => (Shape::Other, None),
        },
        Type::Tuple(t) => match t.elems.iter().map(float_of).collect::<Option<Vec<Float>>>() {
            Some(fs) if !fs.is_empty() && fs.iter().all(|f| *f == fs[0]) => (Shape::Tuple { n: fs.len() }, Some(fs[0])),
            _ => (Shape::Other, None),
        },
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            t @ Type::Tuple(_) => shape_of(t),
            Type::Array(a) => match float_of(&a.elem) {
                Some(f) => (Shape::Array { len: a.len.to_token_stream() }, Some(f)),
                None => (Shape::Other, None),
            },
            Type::Slice(s) => match float_of(&s.elem) {
                Some(f) => (Shape::Slice, Some(f)),
                None => (Shape::Other, None),
            },
            inner => match vec_elem(inner) {
                Some(f) => (Shape::Slice, Some(f)),
                None => (Shape::Other, None),
            },
        },
        other => match vec_elem(other) {
            Some(f) => (Shape::Slice, Some(f)),
            None => (Shape::Other, None),
        },
    }
}

/// A nested float array: `&[[F; D]]`, `&Vec<[F; D]>`, `Vec<[F; D]>`, `[[F; D]; N]`,
/// `&[[F; D]; N]`, `&[Vec<F>]`, `&Vec<Vec<F>>`, `Vec<Vec<F>>`.
fn nested_of(ty: &Type) -> Option<(Shape, Option<Float>)> {
    let row = |t: &Type| -> Option<(Shape, Float)> {
        match t {
            Type::Array(a) => {
                float_of(&a.elem).map(|f| (Shape::Rows { inner: a.len.to_token_stream(), outer: None }, f))
            }
            other => vec_elem(other).map(|f| (Shape::Ragged, f)),
        }
    };
    let (inner, by_ref) = match ty {
        Type::Reference(r) if r.mutability.is_none() => (&*r.elem, true),
        other => (other, false),
    };
    let (shape, f) = match inner {
        Type::Slice(s) if by_ref => row(&s.elem)?,
        Type::Array(a) => match row(&a.elem)? {
            (Shape::Rows { inner, .. }, f) => (Shape::Rows { inner, outer: Some(a.len.to_token_stream()) }, f),
            _ => return None,
        },
        other => row(vec_type_elem(other)?)?,
    };
    Some((shape, Some(f)))
}

/// The element type of `Vec<T>`.
fn vec_type_elem(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// A type that may be a user's struct (a path that is no primitive, `Vec`, `Option`, ...), by
/// value or behind `&`: its path without the reference.
fn struct_type(ty: &Type) -> Option<TokenStream> {
    let inner = match ty {
        Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        other => other,
    };
    let Type::Path(p) = inner else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    const NOT_STRUCTS: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "String", "Vec", "Option", "Result", "Box", "Rc", "Arc", "HashMap", "BTreeMap",
    ];
    if NOT_STRUCTS.contains(&name.as_str()) {
        return None;
    }
    Some(inner.to_token_stream())
}

/// A slice or `Vec` of what may be a user's struct (`&[T]`, `&Vec<T>`, `Vec<T>`): `T`.
fn struct_slice_type(ty: &Type) -> Option<TokenStream> {
    let elem = match ty {
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Slice(s) => &*s.elem,
            other => vec_type_elem(other)?,
        },
        other => vec_type_elem(other)?,
    };
    if matches!(elem, Type::Reference(_)) {
        return None;
    }
    struct_type(elem)
}

/// `Self` or `&Self`, the types `wrt(self)` takes for a typed receiver.
fn receiver_is_self(ty: &Type) -> bool {
    let inner = match ty {
        Type::Reference(r) if r.mutability.is_none() => &*r.elem,
        other => other,
    };
    matches!(inner, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self"))
}

/// `Vec<F>` (also spelled with a path) to its float type.
pub fn vec_elem(ty: &Type) -> Option<Float> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => float_of(t),
        _ => None,
    }
}

/// Checks the signature and decides the active parameters. Errors are collected; the returned
/// `Sig` is usable even when there were some.
pub fn analyse(sig: &Signature, args: &Args, errors: &mut Errors) -> Sig {
    if let Some(c) = &sig.constness {
        errors.push(syn::Error::new(
            c.span(),
            "#[differentiate] does not support `const fn`: remove `const` (the gradient is computed at run time)",
        ));
    }
    if let Some(a) = &sig.asyncness {
        errors.push(syn::Error::new(
            a.span(),
            "#[differentiate] does not support `async fn`: differentiate a plain `fn` and call it from async code",
        ));
    }
    if let syn::Safety::Unsafe(u) = &sig.safety {
        errors.push(syn::Error::new(
            u.span(),
            "#[differentiate] does not support `unsafe fn`: differentiate a safe function",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "#[differentiate] does not support `extern` functions: differentiate a plain Rust `fn` and wrap it",
        ));
    }
    if let Some(v) = &sig.variadic {
        errors.push(syn::Error::new_spanned(v, "#[differentiate] does not support variadic functions"));
    }
    // Type parameters are checked by `generic_mode::detect`.

    let mut output = Output::Scalar;
    let ret_float = match &sig.output {
        ReturnType::Type(_, ty) => match float_of(ty) {
            Some(f) => Some(f),
            None => match super::vector::output_of(ty) {
                Ok((o, f)) => {
                    output = o;
                    Some(f)
                }
                Err(e) => {
                    // A vector the macro cannot take: the body is not looked at as a scalar's.
                    if matches!(&**ty, Type::Array(_) | Type::Tuple(_)) || vec_elem(ty).is_some() {
                        output = Output::Rejected;
                    }
                    errors.push(e);
                    None
                }
            },
        },
        ReturnType::Default => {
            errors.push(syn::Error::new(
                sig.ident.span(),
                "#[differentiate] needs a function that returns `f64` or `f32`; this one returns nothing",
            ));
            None
        }
    };

    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if let syn::ReceiverKind::Reference(_, _, Some(m)) = &r.kind {
                    errors.push(syn::Error::new(
                        m.span(),
                        "#[differentiate] does not support `&mut self`: take `&self` and return the new value instead",
                    ));
                }
                let named = args.wrt.as_ref().and_then(|w| w.iter().find(|n| *n == "self"));
                let (ident, shape) = match named {
                    // `wrt(self)`: the receiver is a struct of type `Self` named `self`, with the
                    // user's span so that the generated code's `self` resolves to the method's.
                    Some(n) => {
                        if let syn::ReceiverKind::Typed(_, ty) = &r.kind
                            && !receiver_is_self(ty)
                        {
                            errors.push(syn::Error::new_spanned(
                                ty,
                                "`wrt(self)` takes a receiver `self`, `&self` or `self: &Self`: write the receiver in one of those forms",
                            ));
                        }
                        (
                            Some(Ident::new("self", n.span().located_at(r.self_token.span))),
                            Shape::Struct { ty: quote!(Self) },
                        )
                    }
                    None => (None, Shape::Other),
                };
                params.push(Param {
                    ident,
                    shape,
                    float: None,
                    active: false,
                    span: r.span(),
                    owned: !matches!(r.kind, syn::ReceiverKind::Reference(..)),
                });
            }
            FnArg::Typed(pt) => {
                let ident = match &*pt.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(pi.ident.clone()),
                    other => {
                        errors.push(syn::Error::new_spanned(other, "#[differentiate] supports only plain parameter names here: bind the parameter to a name and destructure it in the body"));
                        None
                    }
                };
                if let Type::Reference(r) = &*pt.ty
                    && let Some(m) = &r.mutability
                {
                    let what = ident.as_ref().map_or_else(|| "this parameter".to_owned(), |i| format!("`{i}`"));
                    errors.push(syn::Error::new(
                        m.span(),
                        format!("#[differentiate] does not support `&mut` parameters ({what}): take the value and return it instead"),
                    ));
                }
                let (shape, float) = shape_of(&pt.ty);
                let owned = !matches!(&*pt.ty, Type::Reference(_));
                // A struct is a struct only when named in `wrt(...)` (below).
                let shape = match (shape, struct_type(&pt.ty), struct_slice_type(&pt.ty)) {
                    (Shape::Other, Some(ty), _) => Shape::Struct { ty },
                    (Shape::Other, _, Some(ty)) => Shape::StructSlice { ty },
                    (shape, _, _) => shape,
                };
                params.push(Param { ident, shape, float, active: false, span: pt.span(), owned });
            }
        }
    }

    let float = ret_float.unwrap_or(Float::F64);

    match &args.wrt {
        Some(names) => {
            for n in names {
                let found = params.iter_mut().find(|p| p.ident.as_ref().is_some_and(|i| i == n));
                match found {
                    None if n == "self" => errors.push(syn::Error::new(
                        n.span(),
                        "`wrt(self)` names the receiver, and this function has none: write the method inside `impl T { .. }` with `&self` (T deriving `gradmacro::Differentiable`), or name a parameter",
                    )),
                    None => {
                        let known: Vec<String> =
                            params.iter().filter_map(|p| p.ident.as_ref().map(|i| format!("`{i}`"))).collect();
                        errors.push(syn::Error::new(
                            n.span(),
                            format!("`wrt({n})` names no parameter of this function; its parameters are {}", if known.is_empty() { "none".to_owned() } else { known.join(", ") }),
                        ));
                    }
                    Some(p) if p.active => {
                        errors.push(syn::Error::new(n.span(), format!("`{n}` is listed twice in `wrt(...)`")));
                    }
                    Some(p) => match p.shape {
                        Shape::Other => errors.push(syn::Error::new(
                            n.span(),
                            match super::generic_mode::param() {
                                Some(f) => format!("`{n}` has no gradient: in a generic function the differentiated values are those of the float type `{f}` (`{f}`, `[{f}; N]`, `&[{f}]`, `Vec<{f}>`); an `f64` or `f32` there is data. Give `{n}` the type `{f}`, or leave it out of `wrt(...)`"),
                                None => format!("`{n}` has no gradient: it is not a float, a float array, a float slice or a `Vec` of floats, nor a struct deriving `gradmacro::Differentiable` (or a slice of them), so it cannot be listed in `wrt(...)`"),
                            },
                        )),
                        _ => p.active = true,
                    },
                }
            }
        }
        None => {
            for p in &mut params {
                p.active = !matches!(p.shape, Shape::Other) && !p.shape.only_with_wrt();
            }
        }
    }

    for p in &params {
        if p.active
            && let Some(f) = p.float
            && ret_float.is_some()
            && f != float
        {
            let name = p.ident.as_ref().map(ToString::to_string).unwrap_or_default();
            errors.push(syn::Error::new(
                p.span,
                format!(
                    "`{name}` is {} but the function returns {}: differentiated parameters must use the return type's float type (convert inside the body, or leave `{name}` out with `wrt(...)`)",
                    f.name(),
                    float.name()
                ),
            ));
        }
    }

    Sig { float, params, output, checkpoint: args.checkpoint, reverse: args.reverse }
}

impl Sig {
    /// The gradient's type for one active parameter.
    pub fn grad_type(&self, p: &Param) -> TokenStream {
        let f = self.float.path();
        match &p.shape {
            Shape::Scalar | Shape::Other => f,
            Shape::Array { len } => quote!([#f; #len]),
            Shape::Rows { inner, outer: None } => quote!(::gradmacro::__private::Vec<[#f; #inner]>),
            Shape::Rows { inner, outer: Some(n) } => quote!([[#f; #inner]; #n]),
            Shape::Ragged => quote!(::gradmacro::__private::Vec<::gradmacro::__private::Vec<#f>>),
            Shape::Struct { ty } => ty.clone(),
            Shape::StructSlice { ty } => quote!(::gradmacro::__private::Vec<#ty>),
            Shape::Slice => quote!(::gradmacro::__private::Vec<#f>),
            Shape::Tuple { n } => {
                let fs = (0..*n).map(|_| f.clone());
                quote!((#(#fs,)*))
            }
        }
    }

    /// The type of `f_jvp`'s tangent for one active parameter: the gradient's type, except that
    /// a slice or `Vec` takes its tangent as a slice (`&[F]`, nothing to allocate).
    pub fn tangent_type(&self, p: &Param) -> TokenStream {
        let f = self.float.path();
        match &p.shape {
            Shape::Slice => quote!(&[#f]),
            Shape::Rows { inner, outer: None } => quote!(&[[#f; #inner]]),
            Shape::Ragged => quote!(&[::gradmacro::__private::Vec<#f>]),
            Shape::Struct { ty } => quote!(&#ty),
            Shape::StructSlice { ty } => quote!(&[#ty]),
            _ => self.grad_type(p),
        }
    }
}
