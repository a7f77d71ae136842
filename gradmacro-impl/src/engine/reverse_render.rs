//! Backward statements ([`B`]) to code: the `let`s decide their `mut`, the runs that only
//! spread an adjoint that is often exactly 0 go under `if d != 0` (`reverse_sparse`), and a
//! selecting rule (`max`, `min`, `clamp`, `abs`) carries the run it guards in its arms.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::adj_ident;
use super::ir::{LoopId, ValId};
use super::reverse::{B, LetState};
use super::reverse_sparse::{Arm, Region};

/// Makes the code of a fused `if` (see [`B::Fused`](super::reverse::B::Fused)) from its id and
/// its arms' backward code.
pub type FuseFn<'f> = &'f dyn Fn(usize, TokenStream, TokenStream) -> TokenStream;

/// The statements as code. `zero_prone` adjoints (see
/// [`Rev::zero_prone`](super::reverse::Rev::zero_prone)) guard the statements that only spread
/// them further: `if !tie(d, 0.0) { ... }`.
pub fn render(bs: &[B], zero_prone: &HashSet<ValId>) -> TokenStream {
    render_fused(bs, zero_prone, &|_, _, _| TokenStream::new())
}

/// [`render`], with `fuse` making the code of the fused `if`s.
pub fn render_fused(bs: &[B], zero_prone: &HashSet<ValId>, fuse: FuseFn<'_>) -> TokenStream {
    render_in(
        bs,
        &mut Ctx {
            zero_prone: zero_prone.clone(),
            guarded: Vec::new(),
            assign: HashSet::new(),
            duplicating: false,
            fuse,
        },
    )
}

/// What rendering knows of the enclosing sparse `if`s.
struct Ctx<'f> {
    /// Grows with the adjoints a skipped run leaves at 0.
    zero_prone: HashSet<ValId>,
    /// The adjoints the enclosing `if`s already test.
    guarded: Vec<ValId>,
    /// Adjoints declared zero before an enclosing `if`: their `let` is an assignment.
    assign: HashSet<ValId>,
    /// Rendering a run that a selecting rule's arms repeat (see [`select_arms`]).
    duplicating: bool,
    fuse: FuseFn<'f>,
}

fn render_in(bs: &[B], cx: &mut Ctx) -> TokenStream {
    let mut out = TokenStream::new();
    let mut last = None;
    let mut i = 0;
    while i < bs.len() {
        // A selecting rule followed by the run it guards: the run goes into the rule's arms.
        let (arms, region) = match select_arms(bs, i, cx, &mut last) {
            Some((arms, region)) => (Some(arms), Some(region)),
            None => (
                None,
                super::reverse_sparse::skip_region(bs, i, &cx.zero_prone, &mut last)
                    .filter(|g| !cx.guarded.contains(&g.r)),
            ),
        };
        let Some(Region { r, end, escaping }) = region else {
            out.extend(render_one(&bs[i], cx));
            i += 1;
            continue;
        };
        let start = if arms.is_some() { i + 1 } else { i };
        cx.zero_prone.extend(escaping.iter().copied());
        // An adjoint that is exactly 0 adds nothing further (`x * 0.0` is 0, or a NaN from an
        // infinite `x` on a path the result does not depend on): skip, as a hand-written
        // `if margin > 0.0 { ... }` would. Adjoints read after the `if` (a parameter's, by the
        // returned tuple; a carried value's, by the next iteration) are declared zero before it.
        let mut declared = Vec::new();
        for b in &bs[start..end] {
            if let B::Let { name, link: Some((t, _)), .. } = b
                && escaping.contains(t)
                && !cx.assign.contains(t)
            {
                let zero = super::dual_mode::lift(quote!(0.0));
                out.extend(quote!(let mut #name = #zero;));
                declared.push(*t);
            }
        }
        cx.guarded.push(r);
        cx.assign.extend(declared.iter().cloned());
        let d = adj_ident(r);
        let nonzero = super::dual_mode::nonzero(&quote!(#d));
        let guarded = |cx: &mut Ctx| {
            let mut region = render_one(&bs[start], cx);
            region.extend(render_in(&bs[start + 1..end], cx));
            quote!(if #nonzero { #region })
        };
        match arms {
            // x = a.max(b); (run spreading dx)  =>  if a > b { let dx = dy; if dx != 0 { run } }
            //   else if .. (one comparison on the common path, where the run reads an adjoint
            //   the compiler knows, as a hand-written `if margin > 0.0 { .. }` does)
            Some(arms) => {
                cx.duplicating = true;
                for (k, Arm { cond, value }) in arms.into_iter().enumerate() {
                    let body = value.map(|v| {
                        let run = guarded(cx);
                        quote!(let #d = #v; #run)
                    });
                    out.extend(match (k, cond) {
                        (0, Some(c)) => quote!(if #c { #body }),
                        (_, Some(c)) => quote!(else if #c { #body }),
                        (_, None) => quote!(else { #body }),
                    });
                }
                cx.duplicating = false;
            }
            None => out.extend(guarded(cx)),
        }
        for n in &declared {
            cx.assign.remove(n);
        }
        cx.guarded.pop();
        i = end;
    }
    out
}

/// When `bs[i]` is the rule of a selecting gate (an `if` chain: `max`, `min`, `clamp`, `abs`)
/// whose adjoint the next statements only spread further, in a run that a zero adjoint skips,
/// and nothing after that run reads it: the rule's arms, to repeat the run in, and that run.
/// Only for short runs (the run is written once per arm with something to do) and not inside
/// another repeated run.
fn select_arms(bs: &[B], i: usize, cx: &Ctx, last: &mut Option<HashMap<String, usize>>) -> Option<(Vec<Arm>, Region)> {
    const MAX_RUN: usize = 24;
    let B::Let { name, expr, state, link: Some((t, _)), escapes: false } = bs.get(i)? else { return None };
    if cx.duplicating || state.get() != LetState::Let || cx.assign.contains(t) || cx.guarded.contains(t) {
        return None;
    }
    let arms = super::reverse_sparse::rule_arms(expr)?;
    let region = super::reverse_sparse::skip_region(bs, i + 1, &cx.zero_prone, last)?;
    let last = last.get_or_insert_with(|| super::reverse_sparse::last_mentions(bs));
    let read_after = last.get(&name.to_string()).is_some_and(|&k| k >= region.end);
    let short = super::reverse_sparse::size(&bs[i + 1..region.end]) <= MAX_RUN;
    (region.r == *t && !read_after && short).then_some((arms, region))
}

fn render_one(b: &B, cx: &mut Ctx) -> TokenStream {
    match b {
        B::Let { name, expr, link: Some((t, _)), .. } if cx.assign.contains(t) => quote!(#name = #expr;),
        B::Let { name, expr, state, .. } => match state.get() {
            LetState::Let => quote!(let #name = #expr;),
            LetState::LetMut => quote!(let mut #name = #expr;),
            LetState::AddAssign => super::generic_mode::add_assign(&quote!(#name), expr),
        },
        B::Raw(t) | B::Add { tokens: t, .. } => t.clone(),
        B::Group { head, body, tail } => {
            let body = render_in(body, cx);
            match tail {
                Some((kw, t)) => {
                    let t = render_in(t, cx);
                    quote!(#head { #body } #kw { #t })
                }
                None => quote!(#head { #body }),
            }
        }
        B::Pop { id, pat, marked, body } => {
            let head = pop_head(*id, pat, *marked);
            let body = render_in(body, cx);
            quote!(#head { #body })
        }
        B::Fused { id, then_bs, else_bs } => {
            let (t, e) = (render_in(then_bs, cx), render_in(else_bs, cx));
            (cx.fuse)(*id, t, e)
        }
    }
}

/// The head of taped loop `id`'s backward pass, binding each popped entry to `pat`.
pub fn pop_head(id: LoopId, pat: &TokenStream, marked: bool) -> TokenStream {
    let tape = super::tape_ident(id);
    if marked {
        let mark = super::hidden("mark", id);
        quote!(while let ::core::option::Option::Some(#pat) = ::gradmacro::__private::pop_above(&mut #tape, #mark))
    } else {
        quote!(while let ::core::option::Option::Some(#pat) = #tape.pop())
    }
}
