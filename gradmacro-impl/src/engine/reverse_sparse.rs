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

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};

use super::ir::ValId;
use super::reverse::{B, LetState};

/// The adjoint `r` that `bs[i]` reads and the end (exclusive) of the run of statements from `i`
/// that only spread `r` further, when `r` is zero-prone and the run can move into an `if`.
pub fn skip_region(bs: &[B], i: usize, zero_prone: &HashSet<ValId>) -> Option<(ValId, usize)> {
    let r = reads(bs.get(i)?)?;
    if !zero_prone.contains(&r) {
        return None;
    }
    let mut chain: HashSet<ValId> = HashSet::from([r]);
    let mut defined: HashSet<String> = HashSet::new();
    let mut j = i;
    while let Some(b) = bs.get(j) {
        match b {
            // declared before the `if` when the run moves into it
            B::Let { link: Some((_, rd)), escapes: true, .. } if chain.contains(&rd.adj) => {}
            B::Let { name, state, link: Some((t, rd)), .. } if chain.contains(&rd.adj) => match state.get() {
                LetState::Let => {
                    chain.insert(*t);
                    defined.insert(name.to_string());
                }
                // `+=` into an adjoint declared before (by a loop fused into the forward pass)
                LetState::AddAssign => {}
                // more contributions follow: its value is not the chain's alone
                LetState::LetMut => break,
            },
            B::Add { reads, .. } if chain.contains(reads) => {}
            _ => break,
        }
        j += 1;
    }
    // An adjoint the run defines and a later statement reads keeps the run out of the `if`
    // (conservative: any identifier with its name).
    if j == i || (!defined.is_empty() && bs[j..].iter().any(|b| mentions(b, &defined))) {
        return None;
    }
    Some((r, j))
}

fn reads(b: &B) -> Option<ValId> {
    match b {
        B::Let { link: Some((_, r)), .. } => Some(r.adj),
        B::Add { reads, .. } => Some(*reads),
        _ => None,
    }
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
