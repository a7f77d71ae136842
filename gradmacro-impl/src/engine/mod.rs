//! The expansion of `#[differentiate]`, callable on `proc_macro2` token streams (so it can be
//! tested and benchmarked without a compiler).
//!
//! Stages: [`sig`] reads the attribute and the signature; [`lower`] (with `activity`, which
//! decides what is constant, `scope`, `lower_expr`,
//! `lower_call`, `lower_loop`) turns the body into the IR of [`ir`]; [`reverse`] (with
//! `reverse_loop`) walks it backwards into adjoint code using the rules of [`gates`]; [`forward`]
//! emits the forward code around it. With `forward`, [`tangent`] emits `f_jvp` from the same IR
//! and the same rules. On any error the original function is still emitted, with companions of
//! the right signatures and the errors.

mod activity;
mod doc;
pub mod dual_mode;
mod forward;
pub mod gates;
pub mod generic_mode;
mod hessian;
pub mod ir;
mod lanes;
mod loop_arrays;
mod lower;
mod lower_adapt;
mod lower_buffer;
mod lower_call;
mod lower_closure;
mod lower_copy;
mod lower_expr;
mod lower_fold;
mod lower_generic;
mod lower_iter;
mod lower_let;
mod lower_loop;
mod lower_macro;
mod lower_match;
mod lower_nested;
mod lower_option;
mod lower_push;
mod lower_stmt;
mod lower_struct;
mod lower_vec_out;
mod lower_vector;
mod lower_window;
#[cfg(feature = "nalgebra")]
mod nalgebra;
#[cfg(feature = "nalgebra")]
mod nalgebra_body;
mod reverse;
mod reverse_checkpoint;
mod reverse_fuse;
mod reverse_loop;
mod reverse_render;
mod reverse_sparse;
mod scope;
mod sig;
mod struct_call;
mod struct_companion;
mod tangent;
mod unsupported;
mod vector;
mod vector_vec;

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};

use ir::{Body, ValId, ValInfo};
use sig::{Shape, Sig};

/// Errors collected across the stages, reported together.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        self.0.push(e);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn truncate(&mut self, n: usize) {
        self.0.truncate(n);
    }

    fn extend(&mut self, other: Errors) {
        self.0.extend(other.0);
    }

    fn to_compile_errors(&self) -> TokenStream {
        self.0.iter().map(syn::Error::to_compile_error).collect()
    }
}

/// Gives the operators, literals and groups of a gate's forward expression the span of the
/// user's expression, so that a type error in it is reported there (the backward rules keep the
/// macro's spans: they are generated code, not the user's, for lints too). Identifiers keep
/// their spans: a span carries hygiene, and names must resolve as before.
pub fn respan(t: TokenStream, span: Span) -> TokenStream {
    t.into_iter()
        .map(|tt| match tt {
            proc_macro2::TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                proc_macro2::TokenTree::Group(group)
            }
            ident @ proc_macro2::TokenTree::Ident(_) => ident,
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// Whether `t` contains the identifier `name` (inside groups too).
pub fn mentions(t: &TokenStream, name: &str) -> bool {
    t.clone().into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(i) => i == name,
        proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

/// The companion `g_<kind>` a call to `g_grad` goes through in another mode (`g_jvp` in
/// `f_jvp`, `g_hvp` in `f_hvp`): the last `_grad` identifier of the path renamed, its span
/// kept, so a missing companion is an error at the user's call that names it.
pub fn companion_named(func: &TokenStream, kind: &str) -> TokenStream {
    use quote::ToTokens as _;
    let mut tokens: Vec<proc_macro2::TokenTree> = func.clone().into_iter().collect();
    if let Some(proc_macro2::TokenTree::Ident(i)) = tokens
        .iter_mut()
        .rev()
        .find(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i.to_string().ends_with("_grad")))
    {
        let s = i.to_string();
        let base = s.strip_suffix("_grad").unwrap_or(&s);
        *i = quote::format_ident!("{}_{}", base, kind, span = i.span());
    }
    tokens.into_iter().map(|t| t.into_token_stream()).collect()
}

pub fn hidden(prefix: &str, n: usize) -> Ident {
    format_ident!("__{}{}", prefix, n, span = Span::mixed_site())
}

/// The name of a value: a parameter's own name, otherwise an internal one.
pub fn val_ident(vals: &[ValInfo], v: ValId) -> Ident {
    vals.get(v).and_then(|i| i.name.clone()).unwrap_or_else(|| hidden("v", v))
}

/// The internal name of a value that is never a parameter.
pub fn val_ident_plain(v: ValId) -> Ident {
    hidden("v", v)
}

pub fn adj_ident(v: ValId) -> Ident {
    hidden("d", v)
}

pub fn array_ident(slot: usize) -> Ident {
    hidden("a", slot)
}

pub fn array_adj_ident(slot: usize) -> Ident {
    hidden("da", slot)
}

pub fn param_adj_ident(p: usize) -> Ident {
    hidden("g", p)
}

pub fn slot_ident(slot: usize) -> Ident {
    hidden("s", slot)
}

pub fn slot_adj_ident(slot: usize) -> Ident {
    hidden("ds", slot)
}

pub fn tape_ident(l: usize) -> Ident {
    hidden("tape", l)
}

pub fn iter_ident(l: usize) -> Ident {
    hidden("it", l)
}

pub fn count_ident(l: usize) -> Ident {
    hidden("n", l)
}

pub fn exit_slot_ident(l: usize) -> Ident {
    hidden("x", l)
}

/// Expands `#[differentiate(attr)] item`. Never panics; errors come back as `compile_error!`s
/// next to the original item.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    #[cfg(feature = "nalgebra")]
    if let Some(out) = nalgebra::expand(&attr, &item) {
        return out;
    }
    let mut errors = Errors::default();
    let args = sig::parse_args(attr, &mut errors);
    let parsed = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => Some((f.attrs, f.vis, f.sig, *f.block)),
        Ok(syn::Item::Impl(i)) => {
            errors.push(syn::Error::new_spanned(
                i.impl_token,
                "#[differentiate] goes on each `fn` inside the `impl` block, not on the block itself",
            ));
            None
        }
        Ok(other) => {
            errors.push(syn::Error::new_spanned(
                item_head(&other),
                "#[differentiate] applies to a function (`fn name(x: f64, ...) -> f64 { ... }`), free or in an `impl` block",
            ));
            None
        }
        Err(_) => match syn::parse2::<syn::ImplItemFn>(item.clone()) {
            Ok(f) => Some((f.attrs, f.vis, f.sig, f.block)),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let Some((attrs, vis, signature, block)) = parsed else {
        let errs = errors.to_compile_errors();
        return quote!(#item #errs);
    };
    let generic = generic_mode::detect(&signature.generics, &mut errors);
    if let Some(f) = &generic
        && let syn::ReturnType::Type(_, ty) = &signature.output
        && !mentions(&ty.to_token_stream(), &f.to_string())
    {
        errors.push(syn::Error::new_spanned(
            ty,
            format!(
                "a generic function computes in its float type `{f}`: return `{f}` (or `[{f}; N]`, a tuple of `{f}`, `Vec<{f}>`)"
            ),
        ));
    }
    let _generic = generic_mode::Guard::new(generic);
    let sig = sig::analyse(&signature, &args, &mut errors);
    if sig.output != sig::Output::Scalar {
        if args.hessian {
            hessian::check(&sig, &signature, None, &mut errors);
        }
        if args.forward {
            let at = match &signature.output {
                syn::ReturnType::Type(_, ty) => syn::spanned::Spanned::span(&**ty),
                syn::ReturnType::Default => signature.ident.span(),
            };
            errors.push(syn::Error::new(
                at,
                "`forward` is not supported yet for a function returning a vector: use its `f_jacobian` (one reverse pass per output) or `f_vjp`, or write one scalar function per output",
            ));
        }
        return vector::expand(&sig, &attrs, &vis, &signature, &block, item, errors);
    }
    // The body is checked even when the signature has errors, so that all are reported at once.
    let names = tangent::names(&sig);
    let hvp_names = hessian::names(&sig);
    let struct_args =
        struct_companion::wanted(&sig, &signature).then(|| struct_companion::header(&sig, &attrs, &vis, &signature));
    let mut struct_args_fn = TokenStream::new();
    let (grad_fn, user_names, jvp_fn, hvp_fn) = match differentiate(&sig, &block) {
        Ok((grad_fn, user_names, body)) => {
            if struct_args.is_some() {
                struct_args_fn = struct_companion::body(&sig, &body, &signature);
            }
            let grad_fn = generic_mode::rewrite(&silence_unused(&sig, grad_fn));
            let jvp_fn = if args.forward {
                silence_unused(&sig, tangent::emit(&sig, &body, &names))
            } else {
                TokenStream::new()
            };
            let jvp_fn = generic_mode::rewrite(&jvp_fn);
            let hvp_fn = if args.hessian {
                let before = errors.len();
                hessian::check(&sig, &signature, Some(&body), &mut errors);
                if errors.len() == before {
                    generic_mode::rewrite(&hessian::hvp_body(&sig, &body, &hvp_names))
                } else {
                    TokenStream::new()
                }
            } else {
                TokenStream::new()
            };
            (grad_fn, user_names, jvp_fn, hvp_fn)
        }
        Err(e) => {
            errors.extend(e);
            let pass = doc::Pass { users: doc::UserNames::new(), lane_params: None };
            (TokenStream::new(), pass, TokenStream::new(), TokenStream::new())
        }
    };
    let hess_headers = args.hessian.then(|| hessian::headers(&sig, &attrs, &vis, &signature, &hvp_names));
    let jvp_header = args.forward.then(|| tangent::header(&sig, &attrs, &vis, &signature, &names));
    let shown = (errors.is_empty() && !grad_fn.is_empty()).then_some((&grad_fn, &user_names));
    let header = grad_header(&sig, &attrs, &vis, &signature, shown);
    let errs = errors.to_compile_errors();
    // Calling only `f_grad` is a use of `f` (`f_grad` is `f`, differentiated); an unused pair
    // still warns, on `f_grad`.
    let item = quote!(#[allow(dead_code)] #item);
    if errors.is_empty() {
        let jvp = jvp_header.map(|h| quote!(#h { #jvp_fn }));
        let hess = hess_headers.map(|(hvp, hess)| {
            let hess_fn = generic_mode::rewrite(&hessian::hessian_body(&sig, &signature, &hvp_names));
            quote!(#hvp { #hvp_fn } #hess { #hess_fn })
        });
        let struct_args = struct_args.map(|h| quote!(#h { #struct_args_fn }));
        quote!(#item #header { #grad_fn } #struct_args #jvp #hess)
    } else {
        let struct_args = struct_args.map(|h| quote!(#[allow(unused_variables)] #h { ::core::unreachable!() }));
        // The companions keep their signatures so that callers type-check; their bodies never run.
        let jvp = jvp_header.map(|h| quote!(#[allow(unused_variables)] #h { ::core::unreachable!() }));
        let hess = hess_headers.map(|(hvp, hess)| {
            quote! {
                #[allow(unused_variables)] #hvp { ::core::unreachable!() }
                #[allow(unused_variables)] #hess { ::core::unreachable!() }
            }
        });
        quote!(#item #[allow(unused_variables)] #header { ::core::unreachable!() } #struct_args #jvp #hess #errs)
    }
}

/// Every identifier in `tokens`, groups included, unraw (`r#type` is `type`).
pub(super) fn idents(tokens: &TokenStream, out: &mut HashSet<String>) {
    use syn::ext::IdentExt as _;
    for tt in tokens.clone() {
        match tt {
            proc_macro2::TokenTree::Ident(i) => {
                out.insert(i.unraw().to_string());
            }
            proc_macro2::TokenTree::Group(g) => idents(&g.stream(), out),
            _ => {}
        }
    }
}

/// `body` preceded by `let _ = &p;` for each parameter `p` it never names: one the user's body
/// only reads in a way that carries no value (`let _ = p;`, which the lowering drops), so that
/// the companion does not warn where `f` does not.
fn silence_unused(sig: &Sig, body: TokenStream) -> TokenStream {
    use syn::ext::IdentExt as _;
    let mut named = HashSet::new();
    idents(&body, &mut named);
    let unused = sig.params.iter().filter_map(|p| p.ident.as_ref()).filter(|i| !named.contains(&i.unraw().to_string()));
    quote!(#(let _ = &#unused;)* #body)
}

fn item_head(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Struct(s) => s.struct_token.to_token_stream(),
        syn::Item::Enum(e) => e.enum_token.to_token_stream(),
        syn::Item::Impl(i) => i.impl_token.to_token_stream(),
        syn::Item::Trait(t) => t.trait_token.to_token_stream(),
        syn::Item::Mod(m) => m.mod_token.to_token_stream(),
        syn::Item::Const(c) => c.const_token.to_token_stream(),
        syn::Item::Static(s) => s.static_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

/// The arrays declared inside a loop of `b` (`in_loop`: `b` is itself in one).
fn loop_decls(b: &ir::Block, in_loop: bool, out: &mut HashSet<usize>) {
    for s in &b.stmts {
        match s {
            ir::Stmt::ArrayDecl { slot, .. } if in_loop => {
                out.insert(*slot);
            }
            ir::Stmt::If(i) => {
                loop_decls(&i.then_block, in_loop, out);
                loop_decls(&i.else_block, in_loop, out);
            }
            ir::Stmt::Loop(l) => loop_decls(&l.body, true, out),
            _ => {}
        }
    }
}

/// A companion's parameters: `f`'s, without `mut` on the bindings (the companion only reads them).
fn companion_inputs(s: &syn::Signature) -> syn::punctuated::Punctuated<syn::FnArg, syn::Token![,]> {
    let mut inputs = s.inputs.clone();
    for input in &mut inputs {
        if let syn::FnArg::Typed(pt) = input
            && let syn::Pat::Ident(pi) = &mut *pt.pat
        {
            pi.mutability = None;
        }
    }
    inputs
}

/// The attributes of `f` its companions carry too: conditions, lint levels, inlining hints, and
/// `#[doc(hidden)]` (a hidden function's companions are hidden).
fn kept_attrs(attrs: &[syn::Attribute]) -> Vec<&syn::Attribute> {
    attrs
        .iter()
        .filter(|a| {
            ["cfg", "allow", "inline"].iter().any(|n| a.path().is_ident(n))
                || (a.path().is_ident("doc")
                    && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string() == "hidden"))
        })
        .collect()
}

/// The names of the active parameters, in declaration order, for the companions' docs.
fn active_names(sig: &Sig) -> Vec<String> {
    sig.params.iter().filter(|p| p.active).filter_map(|p| p.ident.as_ref().map(ToString::to_string)).collect()
}

/// The rustdoc link to `f` from its companion: a method is `Self::f` (a bare `[`f`]` names
/// nothing inside an `impl`).
fn doc_link(s: &syn::Signature) -> String {
    let original = &s.ident;
    if s.receiver().is_some() { format!("[`{original}`](Self::{original})") } else { format!("[`{original}`]") }
}

/// The doc sentence listing the parameters treated as constants (`what`: "gradient",
/// "derivative"), or nothing when all are active.
fn constants_doc(sig: &Sig, what: &str) -> String {
    let constants: Vec<String> = sig
        .params
        .iter()
        .filter(|p| !p.active)
        .map(|p| p.ident.as_ref().map_or_else(|| "`self`".to_owned(), |i| format!("`{i}`")))
        .collect();
    if constants.is_empty() {
        String::new()
    } else {
        format!("\n\nTreated as constants (no {what} is returned for them): {}.", constants.join(", "))
    }
}

/// `fn f_grad(...) -> (F, G...)` with its doc comment, without the body; `body`, when there is
/// one, is shown in the doc comment, with the user's names of its values.
fn grad_header(
    sig: &Sig,
    attrs: &[syn::Attribute],
    vis: &syn::Visibility,
    s: &syn::Signature,
    body: Option<(&TokenStream, &doc::Pass)>,
) -> TokenStream {
    let name = format_ident!("{}_grad", s.ident);
    let f = sig.float.path();
    let grads: Vec<TokenStream> = sig.params.iter().filter(|p| p.active).map(|p| sig.grad_type(p)).collect();
    let inputs = companion_inputs(s);
    let generics = &s.generics;
    let where_clause = &s.generics.where_clause;
    let original = &s.ident;
    let active = active_names(sig);
    let tuple: String = active.iter().map(|a| format!(", d/d{a}")).collect();
    let then = match active.as_slice() {
        [] => String::new(),
        [one] => format!(", then its partial derivative with respect to `{one}`"),
        many => {
            let names: Vec<String> = many.iter().map(|a| format!("`{a}`")).collect();
            format!(", then its partial derivatives with respect to {}, in that order", names.join(", "))
        }
    };
    let constants = constants_doc(sig, "gradient");
    let link = doc_link(s);
    let mut doc = format!(
        "Value and gradient of {link}, generated by `#[differentiate]`.\n\nReturns `(value{tuple})`: the value `{original}` returns for the same arguments, bit for bit{then}.{constants}"
    );
    if let Some((body, pass)) = body {
        let bare = quote!(fn #name #generics (#inputs) -> (#f, #(#grads,)*) #where_clause);
        doc.extend(match &pass.lane_params {
            None => doc::backward_pass(sig, &bare, body, &pass.users),
            Some(params) => doc::forward_pass(sig, &bare, body, &pass.users, params),
        });
    }
    // Conditions, lint levels and inlining hints the user gave `f` hold for its companion too.
    let cfgs = kept_attrs(attrs);
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #vis fn #name #generics (#inputs) -> (#f, #(#grads,)*) #where_clause
    }
}

/// The body of `f_grad`, the user's names of its values for the doc, and the IR it is made from.
/// In reverse mode, or in forward mode where [`lanes`] finds it the faster.
fn differentiate(sig: &Sig, block: &syn::Block) -> Result<(TokenStream, doc::Pass, Body), Errors> {
    let body = lower_body(sig, block)?;
    let users = doc::user_names(&body);
    if let Some(masks) = lanes::plan(sig, &body) {
        let pass = doc::Pass { users, lane_params: Some(doc::param_names(&body)) };
        return Ok((lanes::emit(sig, &body, &masks), pass, body));
    }
    Ok((emit(sig, &body), doc::Pass { users, lane_params: None }, body))
}

/// The body lowered to the IR.
fn lower_body(sig: &Sig, block: &syn::Block) -> Result<Body, Errors> {
    // Arrays found active late (written in a loop after being read) need one more pass.
    let mut forced = Vec::new();
    let body = loop {
        let l = lower::Lower::new(sig, forced.clone());
        let (body, errors) = l.lower_fn(block);
        if !errors.is_empty() {
            return Err(errors);
        }
        let now: Vec<bool> = body.arrays.iter().map(|a| a.active).collect();
        if now == forced {
            break body;
        }
        forced = now;
    };
    Ok(body)
}

fn emit(sig: &Sig, body: &Body) -> TokenStream {
    let Parts { items, decls, forward: forward_code, backward: backward_code, result, grads, .. } =
        emit_parts(sig, body);
    quote! {
        #(#items)*
        #decls
        #forward_code
        #backward_code
        (#result, #(#grads,)*)
    }
}

/// The pieces of a companion's body: items of the body, adjoint declarations, forward and
/// backward code, the value (or the components of a vector value) and the gradients.
struct Parts {
    items: Vec<TokenStream>,
    decls: TokenStream,
    forward: TokenStream,
    backward: TokenStream,
    result: TokenStream,
    results: Vec<TokenStream>,
    grads: Vec<TokenStream>,
    /// Adjoints declared inside the forward code (of `Vec`s, of vectors of unknown length).
    beside: bool,
}

fn emit_parts(sig: &Sig, body: &Body) -> Parts {
    let mut rev = reverse::Rev::new(body, sig);
    let backward = rev.function();
    let mut needed = rev.refs.clone();
    if let Some(r) = body.result.val() {
        needed.insert(reverse::Ref::Val(r));
    }
    needed.extend(body.results.iter().filter_map(ir::Operand::val).map(reverse::Ref::Val));
    needed.extend(body.vec_result.as_ref().and_then(|r| r.which).map(reverse::Ref::Val));
    let plans: HashMap<_, _> = rev.plans.clone();
    let fused: HashMap<_, _> = rev
        .fused
        .iter()
        .map(|(id, f)| {
            let code = reverse::Fused {
                prelude: reverse::render(&f.prelude, &rev.zero_prone),
                iteration: reverse::render(&f.iteration, &rev.zero_prone),
                reads: f.reads.clone(),
            };
            (*id, code)
        })
        .collect();
    // A `Vec`'s adjoint takes the length the forward pass gives it: it is declared beside it.
    // One declared in a loop has its adjoint declared by the loop's backward pass instead.
    let mut in_loops = HashSet::new();
    loop_decls(&body.block, false, &mut in_loops);
    let heap_adj: HashSet<usize> = rev
        .local_adj_used
        .iter()
        .copied()
        .filter(|&s| (body.arrays[s].heap || body.arrays[s].beside) && !in_loops.contains(&s))
        .collect();
    let fwd = forward::Fwd {
        body,
        sig,
        plans: &plans,
        fused: &fused,
        heap_adj: &heap_adj,
        mode: forward::Mode::Level { needed: &needed, filter: false },
    };

    let forward_code = fwd.block_prefix(&body.block, &rev.fused_ifs);

    let mut decls = TokenStream::new();
    for &id in &rev.hoisted_tapes {
        let t = tape_ident(id);
        decls.extend(quote!(let mut #t = ::gradmacro::__private::Vec::new();));
    }
    for &p in &rev.param_adj_used {
        let g = param_adj_ident(p);
        let z = zeros(sig, p);
        decls.extend(quote!(let mut #g = #z;));
    }
    for &s in &rev.local_adj_used {
        let g = array_adj_ident(s);
        if !body.arrays[s].heap && !body.arrays[s].beside {
            let z = &dual_mode::retype(&body.arrays[s].zeros);
            decls.extend(quote!(let mut #g = #z;));
        } else if body.arrays[s].heap && in_loops.contains(&s) {
            // Reset for each iteration's buffer by the loop's backward pass (`Rev::loop_buffers`).
            let f = sig.float.path();
            let empty = dual_mode::retype(&quote!(::gradmacro::__private::Vec::<#f>::new()));
            decls.extend(quote!(let mut #g = #empty;));
        }
    }
    let mut ifs = HashMap::new();
    collect_ifs(&body.block, &mut ifs);
    let fuse = |id: usize, t: TokenStream, e: TokenStream| {
        ifs.get(&id).map(|i| fwd.fused_if(i, &rev.fused_ifs, t, e)).unwrap_or_default()
    };
    let backward_code = reverse::render_fused(&backward, &rev.zero_prone, &fuse);
    let items = &body.items;
    let operand = |o: &ir::Operand| match o {
        ir::Operand::Val(v) => {
            let i = val_ident(&body.vals, *v);
            quote!(#i)
        }
        ir::Operand::Lit(t) => t.clone(),
    };
    let result = operand(&body.result);
    let results = body.results.iter().map(operand).collect();
    let mut grads = Vec::new();
    for (i, p) in sig.params.iter().enumerate() {
        if !p.active {
            continue;
        }
        grads.push(match p.shape {
            Shape::Scalar => match body.params[i] {
                Some(v) if rev.has_adj(v) => {
                    let d = adj_ident(v);
                    quote!(#d)
                }
                _ => dual_mode::lift(quote!(0.0)),
            },
            _ if rev.param_adj_used.contains(&i) => {
                let g = param_adj_ident(i);
                quote!(#g)
            }
            _ => zeros(sig, i),
        });
    }
    Parts {
        items: items.clone(),
        decls,
        forward: forward_code,
        backward: backward_code,
        result,
        results,
        grads,
        beside: !heap_adj.is_empty(),
    }
}

/// The `if`s of `b` by their [`reverse::if_id`].
fn collect_ifs<'b>(b: &'b ir::Block, out: &mut HashMap<usize, &'b ir::If>) {
    for s in &b.stmts {
        match s {
            ir::Stmt::If(i) => {
                out.insert(reverse::if_id(i), i);
                collect_ifs(&i.then_block, out);
                collect_ifs(&i.else_block, out);
            }
            ir::Stmt::Loop(l) => collect_ifs(&l.body, out),
            _ => {}
        }
    }
}

fn zeros(sig: &Sig, p: usize) -> TokenStream {
    if dual_mode::on() {
        let param = &sig.params[p];
        let d = dual_mode::dual_path(sig.float);
        let ident = param.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default();
        return match &param.shape {
            Shape::Array { len } => quote!([<#d>::new(0.0, 0.0); #len]),
            _ => quote!(::gradmacro::__private::zeros::<#d>(#ident.len())),
        };
    }
    let param = &sig.params[p];
    match &param.shape {
        Shape::Array { len } => quote!([0.0; #len]),
        Shape::Rows { inner, outer: Some(n) } => quote!([[0.0; #inner]; #n]),
        Shape::Rows { inner, outer: None } => {
            let (ident, f) = (param.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default(), sig.float.path());
            quote!(::gradmacro::__private::rows_of::<[#f; #inner]>([0.0; #inner], #ident.len()))
        }
        Shape::Ragged => {
            let (ident, f) = (param.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default(), sig.float.path());
            quote!(::gradmacro::__private::zeros_ragged::<#f>(&#ident))
        }
        Shape::Struct { ty } => {
            let ident = param.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default();
            quote!(<#ty as ::gradmacro::Differentiable>::zero_gradient(&#ident))
        }
        Shape::StructSlice { ty } => {
            let ident = param.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default();
            quote!(::gradmacro::__private::zero_gradients::<#ty>(&#ident))
        }
        Shape::Tuple { n } => {
            let zs = (0..*n).map(|_| quote!(0.0));
            quote!((#(#zs,)*))
        }
        _ => {
            let ident = param.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default();
            quote!(::gradmacro::__private::zeros(#ident.len()))
        }
    }
}

/// Element `index` of `array`, then `path` into it: `a[i]`, `a[i][j]` (a row of a nested
/// array), `a.k` for a tuple parameter (whose index is always a literal) and `a.x[k]` for a
/// struct's field (`index` the field's path, `b.pos.x`); `a[i].x[k]` for a slice of structs,
/// whose field path is the first of `path`.
pub fn element(
    sig: &Sig,
    body: &Body,
    array: ir::ArrayRef,
    a: &TokenStream,
    index: &TokenStream,
    path: &[TokenStream],
) -> TokenStream {
    let head = match array {
        ir::ArrayRef::Param(p) if matches!(sig.params[p].shape, Shape::Tuple { .. } | Shape::Struct { .. }) => {
            quote!(#a.#index)
        }
        ir::ArrayRef::Param(p) if matches!(sig.params[p].shape, Shape::StructSlice { .. }) && !path.is_empty() => {
            let (field, rest) = (&path[0], &path[1..]);
            return quote!(#a[#index].#field #([#rest])*);
        }
        ir::ArrayRef::Local(s) if body.arrays[s].tuple => quote!(#a.#index),
        _ => quote!(#a[#index]),
    };
    quote!(#head #([#path])*)
}

/// Whether reads of `array` are fields of a struct parameter (whose adjoints and tangents go
/// through `::gradmacro::__private::Field`: a constant field has none).
pub fn is_struct(sig: &Sig, array: ir::ArrayRef) -> bool {
    matches!(array, ir::ArrayRef::Param(p) if sig.params[p].shape.is_struct())
}
