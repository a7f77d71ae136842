//! `#[differentiate(checkpoint)]` in the oracle (issue 15 item 2): half the programs whose
//! expansion the option changes (a loop the backward pass tapes and checkpointing takes) get it,
//! so the oracle checks checkpointed loops at scale: `pK_grad` against the dual numbers, and
//! `pK_hvp` and the generic twin as for any program. The draw comes from a stream of its own
//! (seed, K), so the programs themselves are the same as without it.

use std::cell::Cell;

thread_local! {
    /// Programs given `checkpoint`: (`p` family, `v` family).
    pub static COUNT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

thread_local! {
    /// `p` programs whose `pK_grad` runs in forward mode (few float parameters, a taped loop).
    pub static FORWARD_MODE: Cell<usize> = const { Cell::new(0) };
}

/// Counts program `item` (with attribute `attr`) in [`FORWARD_MODE`] when its `pK_grad` runs in
/// forward mode: its doc says so.
pub fn count_forward_mode(attr: &str, item: &str, vector: bool) {
    if vector {
        return;
    }
    let Ok(parsed) = syn::parse_str::<syn::ItemFn>(item) else { return };
    let inner = attr.strip_prefix("#[differentiate(").and_then(|c| c.strip_suffix(")]")).unwrap_or_default();
    let Ok(args) = inner.parse::<proc_macro2::TokenStream>() else { return };
    let expanded = super::engine::expand(args, quote::ToTokens::to_token_stream(&parsed));
    if expanded.to_string().contains("# Forward mode") {
        FORWARD_MODE.with(|c| c.set(c.get() + 1));
    }
}

/// `attr` with `checkpoint` added.
fn with_checkpoint(attr: &str) -> String {
    match attr.strip_suffix(")]") {
        Some(head) => format!("{head}, checkpoint)]"),
        None => "#[differentiate(checkpoint)]".to_string(),
    }
}

/// The attribute of program `item` (`pub fn pK(..) -> R { .. }`, without attribute): `attr`, or,
/// for half the programs (drawn from `stream`) whose expansion checkpointing changes, `attr`
/// with `checkpoint`.
pub fn attribute(attr: String, item: &str, stream: u64, vector: bool) -> String {
    let mut state = stream ^ 0xC4EC_4B01_7715_0015;
    if super::splitmix::next(&mut state).is_multiple_of(2) {
        return attr;
    }
    let candidate = with_checkpoint(&attr);
    let Ok(parsed) = syn::parse_str::<syn::ItemFn>(item) else { return attr };
    let inner = candidate.strip_prefix("#[differentiate(").and_then(|c| c.strip_suffix(")]")).unwrap_or_default();
    let Ok(args) = inner.parse::<proc_macro2::TokenStream>() else { return attr };
    let expanded = super::engine::expand(args, quote::ToTokens::to_token_stream(&parsed));
    if !expanded.to_string().contains("Checkpoints") {
        return attr;
    }
    COUNT.with(|c| {
        let (p, v) = c.get();
        c.set(if vector { (p, v + 1) } else { (p + 1, v) });
    });
    candidate
}
