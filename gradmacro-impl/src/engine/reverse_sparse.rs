//! Sparse adjoints: the backward work that only spreads an adjoint further is skipped when that
//! adjoint is exactly 0, for the adjoints that often are (see `Rev::zero_prone`).
//!
//! ```text
//! m = a.max(0.0); a = -y * s + 1.0; s = w * x + c    (forward)
//! let da = if a > 0.0 { dm } else ... { 0.0 };        (the max rule)
//! if !tie(da, 0.0) { let ds = -y * da; dw += x * ds; dc += ds; }
//! ```
//!
//! With a zero adjoint the skipped statements would add `x * 0.0`: nothing, or a NaN from an
//! infinite or NaN local slope of a value the result does not depend on (an array element never
//! read, a value used only on the path not taken: `atan2(0.0, 0.0)`, `sqrt(0.0)`). A hand-written
//! backward pass skips them the same way.

use std::collections::{HashMap, HashSet};

use proc_macro2::{TokenStream, TokenTree};

use super::ir::ValId;
use super::reverse::{B, LetState};

/// A run of statements that only spread the adjoint `r` further: `bs[i..end]`. The adjoints it
/// defines that are read after it (`escaping`) are declared zero before the `if` and assigned
/// inside it; 0 when the run is skipped, they are zero-prone themselves.
pub struct Region {
    pub r: ValId,
    pub end: usize,
    pub escaping: Vec<ValId>,
}

/// For each identifier in `bs` (nested blocks included), the index of the last statement that
/// mentions it: whether an adjoint is read after a run is then one lookup, not a scan of the rest
/// of the block per run (which made expansion quadratic in the length of a block).
pub fn last_mentions(bs: &[B]) -> HashMap<String, usize> {
    let mut last = HashMap::new();
    for (k, b) in bs.iter().enumerate() {
        visit(b, &mut |name| {
            last.insert(name, k);
        });
    }
    last
}

/// The run that starts at `bs[i]`, when `bs[i]` reads a zero-prone adjoint; `last` caches
/// [`last_mentions`] of `bs`, computed only once some run needs it.
pub fn skip_region(
    bs: &[B],
    i: usize,
    zero_prone: &HashSet<ValId>,
    last: &mut Option<HashMap<String, usize>>,
) -> Option<Region> {
    let r = reads(bs.get(i)?)?;
    if !zero_prone.contains(&r) {
        return None;
    }
    let mut chain: HashSet<ValId> = HashSet::from([r]);
    let mut defined: Vec<(String, ValId)> = Vec::new();
    let mut escaping: Vec<ValId> = Vec::new();
    let mut j = i;
    while let Some(b) = bs.get(j) {
        match b {
            B::Let { name, state, link: Some((t, rd)), escapes, .. } if chain.contains(&rd.adj) => match state.get() {
                // `+=` into an adjoint declared before (by a loop fused into the forward pass)
                LetState::AddAssign => {}
                // Its later contributions (`+=`), inside the run or after it, add to what the run
                // leaves: 0 when it is skipped.
                LetState::Let | LetState::LetMut => {
                    chain.insert(*t);
                    if *escapes {
                        escaping.push(*t);
                    } else {
                        defined.push((name.to_string(), *t));
                    }
                }
            },
            B::Add { reads, .. } if chain.contains(reads) => {}
            _ => break,
        }
        j += 1;
    }
    if j == i {
        return None;
    }
    let mut local = false;
    if !defined.is_empty() {
        let last = last.get_or_insert_with(|| last_mentions(bs));
        for (n, t) in defined {
            if last.get(&n).is_some_and(|&k| k >= j) {
                escaping.push(t);
            } else {
                local = true;
            }
        }
    }
    // Worth a branch only if something is skipped: an accumulation, or a value used only inside;
    // and only if it could spread a NaN: a run that only copies, negates and adds the adjoint
    // (`d_a = d_r; d_b = -d_r; g[i] += d_a;`, the rule of `a - b`) adds exact zeros when it is 0.
    let skips = local || bs[i..j].iter().any(|b| matches!(b, B::Add { .. }));
    (skips && bs[i..j].iter().any(scales)).then_some(Region { r, end: j, escaping })
}

/// Whether `b` may multiply or divide an adjoint, or call something with it (conservative: any
/// `*`, `/` or parenthesised group, and any statement other than a `let` or a `+=`).
fn scales(b: &B) -> bool {
    fn in_tokens(t: &TokenStream) -> bool {
        t.clone().into_iter().any(|tt| match tt {
            TokenTree::Punct(p) => matches!(p.as_char(), '*' | '/'),
            TokenTree::Group(g) => g.delimiter() == proc_macro2::Delimiter::Parenthesis || in_tokens(&g.stream()),
            _ => false,
        })
    }
    match b {
        B::Let { expr, .. } => in_tokens(expr),
        B::Add { tokens, .. } => in_tokens(tokens),
        _ => true,
    }
}

fn reads(b: &B) -> Option<ValId> {
    match b {
        B::Let { link: Some((_, r)), .. } => Some(r.adj),
        B::Add { reads, .. } => Some(*reads),
        _ => None,
    }
}

/// Calls `f` with every identifier `b` mentions (conservative: any identifier with the name).
fn visit(b: &B, f: &mut impl FnMut(String)) {
    match b {
        B::Let { name, expr, .. } => {
            f(name.to_string());
            visit_tokens(expr, f);
        }
        B::Raw(t) | B::Add { tokens: t, .. } => visit_tokens(t, f),
        B::Group { head, body, tail } => {
            visit_tokens(head, f);
            body.iter().for_each(|b| visit(b, f));
            if let Some((kw, t)) = tail {
                visit_tokens(kw, f);
                t.iter().for_each(|b| visit(b, f));
            }
        }
        B::Pop { id, pat, marked, body } => {
            visit_tokens(&super::reverse::pop_head(*id, pat, *marked), f);
            body.iter().for_each(|b| visit(b, f));
        }
        B::Fused { then_bs, else_bs, .. } => then_bs.iter().chain(else_bs).for_each(|b| visit(b, f)),
    }
}

fn visit_tokens(t: &TokenStream, f: &mut impl FnMut(String)) {
    for tt in t.clone() {
        match tt {
            TokenTree::Ident(i) => f(i.to_string()),
            TokenTree::Group(g) => visit_tokens(&g.stream(), f),
            _ => {}
        }
    }
}

/// One arm of a selecting rule: its condition (`None` for the final `else`) and the adjoint it
/// gives, or nothing to do (`value: None`, the zero literal).
pub struct Arm {
    pub cond: Option<TokenStream>,
    pub value: Option<TokenStream>,
}

/// The arms of a rule that is an `if` chain ending in `else` (`max`, `min`, `clamp`, `abs`), for
/// code that repeats a run in each: zero arms at the end dropped, a run of them one arm (their
/// conditions joined by `||`, so the chain tests what it tested, in the same order). `None` for
/// any other rule.
pub fn rule_arms(expr: &TokenStream) -> Option<Vec<Arm>> {
    use quote::ToTokens as _;
    let zero = super::dual_mode::lift(quote::quote!(0.0)).to_string();
    let value = |b: &syn::Block| match b.stmts.as_slice() {
        [syn::Stmt::Expr(e, None)] => {
            let v = e.to_token_stream();
            Some((v.to_string() != zero).then_some(v))
        }
        _ => None,
    };
    let mut e: syn::ExprIf = syn::parse2(expr.clone()).ok()?;
    let mut arms: Vec<Arm> = Vec::new();
    let mut push = |arm: Arm| match (arms.last_mut(), &arm) {
        (Some(Arm { cond: Some(c0), value: None }), Arm { cond: Some(c), value: None }) => {
            *c0 = quote::quote!(#c0 || #c)
        }
        _ => arms.push(arm),
    };
    loop {
        push(Arm { cond: Some(e.cond.to_token_stream()), value: value(&e.then_branch)? });
        match e.else_branch?.1.as_ref() {
            syn::Expr::If(next) => e = next.clone(),
            syn::Expr::Block(b) => {
                push(Arm { cond: None, value: value(&b.block)? });
                break;
            }
            _ => return None,
        }
    }
    while arms.last().is_some_and(|a| a.value.is_none()) {
        arms.pop();
    }
    Some(arms)
}

/// Statements in `bs`, nested ones included: the code a selecting rule's arms would repeat.
pub fn size(bs: &[B]) -> usize {
    bs.iter()
        .map(|b| match b {
            B::Group { body, tail, .. } => 1 + size(body) + tail.as_ref().map_or(0, |(_, t)| size(t)),
            B::Pop { body, .. } => 1 + size(body),
            B::Fused { then_bs, else_bs, .. } => 1 + size(then_bs) + size(else_bs),
            _ => 1,
        })
        .sum()
}
