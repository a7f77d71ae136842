//! `#[differentiate(checkpoint)]` in the oracle (issue 15 item 2): half the programs whose
//! expansion the option changes (a loop the backward pass tapes and checkpointing takes) get it,
//! so the oracle checks checkpointed loops at scale: `pK_grad` against the dual numbers, and
//! `pK_hvp` and the generic twin as for any program. The draw comes from a stream of its own
//! (seed, K), so the programs themselves are the same as without it. Also counts the programs
//! whose `pK_grad` runs in forward mode.

use std::cell::Cell;

thread_local! {
    /// Programs given `checkpoint`: (`p` family, `v` family).
    pub static COUNT: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// `p` programs whose `pK_grad` runs in forward mode (few float parameters, a taped loop).
    pub static FORWARD_MODE: Cell<usize> = const { Cell::new(0) };
}

/// The engine's expansion of `item` (`pub fn pK(..) -> R { .. }`, without attribute) under
/// `attr` (`#[differentiate(..)]`), as text; `None` if either does not parse.
fn expansion(attr: &str, item: &str) -> Option<String> {
    let parsed = syn::parse_str::<syn::ItemFn>(item).ok()?;
    let inner = attr.strip_prefix("#[differentiate(").and_then(|c| c.strip_suffix(")]")).unwrap_or_default();
    let args = inner.parse::<proc_macro2::TokenStream>().ok()?;
    Some(super::engine::expand(args, quote::ToTokens::to_token_stream(&parsed)).to_string())
}

/// Counts program `item` (with attribute `attr`) in [`FORWARD_MODE`] when its `pK_grad` runs in
/// forward mode: its doc says so.
pub fn count_forward_mode(attr: &str, item: &str, vector: bool) {
    if !vector && expansion(attr, item).is_some_and(|e| e.contains("# Forward mode")) {
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
    if !expansion(&candidate, item).is_some_and(|e| e.contains("Checkpoints")) {
        return attr;
    }
    COUNT.with(|c| {
        let (p, v) = c.get();
        c.set(if vector { (p, v + 1) } else { (p + 1, v) });
    });
    candidate
}
