//! Sparse adjoints: the backward work downstream of a selecting rule (`max`, `min`, `clamp`) is
//! skipped when that rule's result is exactly 0.
//!
//! ```text
//! m = a.max(0.0); a = -y * s + 1.0; s = w * x + c    (forward)
//! let da = if a > 0.0 { dm } else ... { 0.0 };        (the max rule)
//! if !tie(da, 0.0) { let ds = -y * da; dw += x * ds; dc += ds; }
//! ```
//!
//! The skipped statements are the ones that follow the rule and only spread its adjoint further
//! (each reads an adjoint of the chain and defines another or adds into an outer one), so with a
//! zero adjoint they would add `x * 0.0`: nothing, or a NaN from an infinite `x` on a path that
//! does not depend on it. A hand-written backward pass skips them the same way.

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};

use super::ir::ValId;
use super::reverse::{B, LetState};

/// The end (exclusive) of the statements after `bs[i]` that run only if `bs[i]`'s adjoint is not
/// zero; `i + 1` when there are none.
pub fn skip_region(bs: &[B], i: usize) -> usize {
    let Some(B::Let { state, link: Some((target, reads)), .. }) = bs.get(i) else {
        return i + 1;
    };
    if !reads.sparse || state.get() != LetState::Let {
        return i + 1;
    }
    let mut chain: HashSet<ValId> = HashSet::from([*target]);
    let mut defined: HashSet<String> = HashSet::new();
    let mut j = i + 1;
    while let Some(b) = bs.get(j) {
        match b {
            B::Let { name, state, link: Some((t, r)), .. } if chain.contains(&r.adj) => match state.get() {
                LetState::Let => {
                    chain.insert(*t);
                    defined.insert(name.to_string());
                }
                // `+= ` into an adjoint declared before (by a loop fused into the forward pass)
                LetState::AddAssign => {}
                // more contributions follow: its value is not the chain's alone
                LetState::LetMut => break,
            },
            B::Add { reads, .. } if chain.contains(reads) => {}
            _ => break,
        }
        j += 1;
    }
    // An adjoint the region defines and a later statement reads keeps the region from moving
    // into the `if` (conservative: any identifier with its name).
    if j == i + 1 || (!defined.is_empty() && bs[j..].iter().any(|b| mentions(b, &defined))) {
        return i + 1;
    }
    j
}

fn mentions(b: &B, names: &HashSet<String>) -> bool {
    match b {
        B::Let { name, expr, .. } => names.contains(&name.to_string()) || tokens_mention(expr, names),
        B::Raw(t) | B::Add { tokens: t, .. } => tokens_mention(t, names),
        B::Group { head, body, tail } => {
            tokens_mention(head, names)
                || body.iter().any(|b| mentions(b, names))
                || tail
                    .as_ref()
                    .is_some_and(|(kw, t)| tokens_mention(kw, names) || t.iter().any(|b| mentions(b, names)))
        }
    }
}

fn tokens_mention(t: &TokenStream, names: &HashSet<String>) -> bool {
    t.clone().into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => names.contains(&i.to_string()),
        TokenTree::Group(g) => tokens_mention(&g.stream(), names),
        _ => false,
    })
}
