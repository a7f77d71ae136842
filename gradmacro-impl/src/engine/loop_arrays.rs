//! Which arrays a taped loop must save whole at each iteration, and which it need not.
//!
//! A loop that writes a local array the backward pass reads again (a recomputed loop reads it)
//! used to push a copy of the whole array onto its tape at each iteration, so that the replay
//! of an iteration sees the array as it was: O(n) per iteration, O(n²) for a loop that fills a
//! buffer (`let h: Vec<f64> = w.iter().map(..).collect();`). When the loop body never reads the
//! array, its replay does not need the array's contents: only each store's index and the element
//! it replaced (to put back). Then the replaced element goes on the tape instead.
//!
//! ```text
//! for i in 0..n { h[i] = w[i].exp(); }          (forward)
//! before: tape.push((i, e, h.clone()))          after: tape.push((i, e, old))
//! backward: h = saved; .. h[i] = old            backward: .. h[i] = old
//! ```

use std::collections::HashSet;

use super::ir::{ArrayRef, Block, Body, CallArg, Loop, LoopKind, Operand, Stmt};
use super::mentions;

/// The stores of `l`'s body to array `s` (index, replaced element), in order, when they are all
/// at the body's top level and are all its writes to `s`. The body may read `s`: a taped loop
/// puts these elements back before it replays an iteration, which gives the replay the array as
/// the iteration found it (later iterations were undone already), without a copy of it.
///
/// ```text
/// for r in s + 1..d { q[r] += w[l] * x[s]; }     (forward: tape.push((r, old)))
/// before: tape.push((r, q.clone()))               after: backward: q[r] = old; (replay) ..
/// ```
pub fn top_stores(l: &Loop, s: usize) -> Option<Vec<(Operand, super::ir::ValId)>> {
    let mut stores = Vec::new();
    for st in &l.body.stmts {
        match st {
            Stmt::Store { slot, index, old, push: false, .. } if *slot == s => stores.push((index.clone(), *old)),
            Stmt::Store { slot, push: true, .. } | Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. }
                if *slot == s =>
            {
                return None;
            }
            Stmt::If(i) if writes(&i.then_block, s) || writes(&i.else_block, s) => return None,
            Stmt::Loop(inner) if inner.written_arrays.contains(&s) || writes(&inner.body, s) => return None,
            _ => {}
        }
    }
    Some(stores)
}

/// Whether `b` writes array `s` anywhere.
fn writes(b: &Block, s: usize) -> bool {
    b.stmts.iter().any(|st| match st {
        Stmt::Store { slot, .. } | Stmt::ArrayDecl { slot, .. } | Stmt::VCall { slot, .. } => *slot == s,
        Stmt::If(i) => writes(&i.then_block, s) || writes(&i.else_block, s),
        Stmt::Loop(l) => l.written_arrays.contains(&s) || writes(&l.body, s),
        _ => false,
    })
}

/// The arrays `l` writes that its body never reads, written only by stores at the body's top
/// level: the replay of an iteration leaves them alone.
pub fn unread_written(body: &Body, l: &Loop) -> Vec<usize> {
    l.written_arrays.iter().copied().filter(|&s| body.arrays[s].read_in_loop && !reads(&l.body, s, true)).collect()
}

/// Whether `b` reads array `s` (or writes it other than by a store at the top level: a
/// conservative "yes").
fn reads(b: &Block, s: usize, top: bool) -> bool {
    reads_in(&b.stmts, s, top)
}

/// Whether an undone array (see [`top_stores`]) is read after the body's first store to it. If
/// not, a replay of the iteration need not store into it: the elements were put back before the
/// replay, which then reads only what the iteration found, and the store's backward rule puts
/// back the same element again.
///
/// ```text
/// for r in s + 1..d { q[r] += w[l] * x[s]; }
/// before: backward: q[r] = old; (replay) t = q[r] + w[l] * x[s]; q[r] = t; .. q[r] = old
/// after:  backward: q[r] = old; (replay) ..                             .. q[r] = old
/// ```
pub fn read_after_store(b: &Block, s: usize) -> bool {
    b.stmts
        .iter()
        .position(|st| matches!(st, Stmt::Store { slot, .. } if *slot == s))
        .is_some_and(|first| reads_in(&b.stmts[first..], s, true))
}

fn reads_in(stmts: &[Stmt], s: usize, top: bool) -> bool {
    let name = super::array_ident(s).to_string();
    let lit = |o: &Operand| matches!(o, Operand::Lit(t) if mentions(t, &name));
    let arg = |a: &CallArg| match a {
        CallArg::Scalar(o) => lit(o),
        CallArg::Array { tokens, .. } | CallArg::Other { tokens, .. } | CallArg::Struct { tokens, .. } => {
            mentions(tokens, &name)
        }
    };
    stmts.iter().any(|st| match st {
        Stmt::Gate { args, .. } => args.iter().any(lit),
        Stmt::Plain { tokens, .. } => mentions(tokens, &name),
        Stmt::Call { receiver, args, .. } => {
            receiver.as_ref().is_some_and(|(t, _)| mentions(t, &name)) || args.iter().any(arg)
        }
        Stmt::VCall { slot, receiver, args, .. } => {
            *slot == s || receiver.as_ref().is_some_and(|(t, _)| mentions(t, &name)) || args.iter().any(arg)
        }
        Stmt::Index { array, index, path, .. } => *array == ArrayRef::Local(s) || lit(index) || path.iter().any(lit),
        Stmt::Store { slot, index, value, .. } => (*slot == s && !top) || lit(index) || lit(value),
        Stmt::ArrayDecl { slot, init, .. } => {
            *slot == s
                || match init {
                    super::ir::ArrayInit::List(items) => items.iter().any(lit),
                    super::ir::ArrayInit::Repeat(v, n, _) => lit(v) || mentions(n, &name),
                    super::ir::ArrayInit::Whole(o) => lit(o),
                }
        }
        Stmt::If(i) => {
            lit(&i.cond)
                || reads(&i.then_block, s, false)
                || reads(&i.else_block, s, false)
                || i.phis.iter().any(|p| lit(&p.then_val) || lit(&p.else_val))
        }
        Stmt::Loop(l) => loop_reads(l, s, false),
    })
}

/// For each statement of the function's body, the local arrays whose stores inside it need no
/// put-back in the backward pass, because nothing that runs after it there reads the array.
///
/// A store's backward rule puts the replaced element back (or truncates a push) for a loop
/// *before* it that the backward pass runs again and that reads the array (`read_in_loop` is one
/// flag per array). When no statement before the store's own top-level statement mentions the
/// array but its plain declaration, and the store is not inside a loop that reads the array, the
/// put-back is dead, and so is the replaced element on the loop's tape:
///
/// ```text
/// let h: Vec<f64> = w.iter().map(|v| v.exp()).collect(); let s: f64 = h.iter().sum();
/// before: tape.push((k, i, e, old)) .. backward: d_e = d_h[k]; d_h[k] = 0; h[k] = old; ..
/// after:  tape.push((k, i, e))      .. backward: d_e = d_h[k]; d_h[k] = 0; ..
/// ```
pub fn dead_put_backs(body: &Body) -> Vec<HashSet<usize>> {
    let stmts = &body.block.stmts;
    let mut mentioned: HashSet<usize> = HashSet::new();
    let mut dead = Vec::with_capacity(stmts.len());
    for st in stmts {
        let candidates: Vec<usize> = match st {
            Stmt::Store { slot, .. } => vec![*slot],
            // Every store to such an array is at the loop body's top level (`reads` counts a
            // nested one as a read), and no iteration reads it.
            Stmt::Loop(l) => l.written_arrays.iter().copied().filter(|&s| !loop_reads(l, s, true)).collect(),
            _ => Vec::new(),
        };
        dead.push(candidates.into_iter().filter(|s| !mentioned.contains(s)).collect());
        mentioned.extend((0..body.arrays.len()).filter(|&s| match st {
            Stmt::ArrayDecl { slot, init, .. } if *slot == s => match init {
                super::ir::ArrayInit::Repeat(v, n, _) => {
                    let name = super::array_ident(s).to_string();
                    matches!(v, Operand::Lit(t) if mentions(t, &name)) || mentions(n, &name)
                }
                _ => true,
            },
            _ => reads_in(std::slice::from_ref(st), s, true),
        }));
    }
    dead
}

/// Whether loop `l` (its head, body or carried values) reads array `s` (conservatively; with
/// `top`, stores at the body's top level are not reads).
fn loop_reads(l: &Loop, s: usize, top: bool) -> bool {
    let name = super::array_ident(s).to_string();
    let lit = |o: &Operand| matches!(o, Operand::Lit(t) if mentions(t, &name));
    let head = match &l.kind {
        LoopKind::ForIter { iterable, .. } => mentions(iterable, &name),
        LoopKind::ForIndex { len, .. } => mentions(len, &name),
        LoopKind::While { cond_block, cond } => reads(cond_block, s, false) || lit(cond),
    };
    head || reads(&l.body, s, top) || l.carried.iter().any(|c| lit(&c.init) || lit(&c.exit))
}

/// Whether loop `l`, nested in another loop, can be *pretaped*: its forward run (in the
/// enclosing loop's replay) pushes its inner loops' tapes, and its backward pass pops them
/// without running those loops forward again. Without it each level of a loop nest replays the
/// levels below it: ADBench's GMM ran its lower-triangle loop forward four times, and copied the
/// buffer it writes once per column.
///
/// ```text
/// for s in 0..d { for r in s+1..d { q[r] += w[l] * x[s]; l += 1 } }      (inside `for j`)
/// before: fwd: tape_s.push((s, q.clone()))     bwd: pop; q = saved; replay r-loop; r-loop bwd
/// after:  fwd: (r-loop pushes (l, old, r))     bwd: pop; r-loop bwd (puts each q[r] back)
/// ```
///
/// Sound when the backward pass of each inner loop needs nothing its forward run left in the
/// iteration's scope but a range it iterates again (which the loop's tape carries; a hoisted
/// tape, no count, no exit) and puts back every element it wrote: in reverse order, each inner loop's backward pass then finds the arrays as
/// its forward run left them. The rest of the body (recomputed as before) must not touch what
/// the inner loops write, nor write what they read, since it no longer runs in order with them.
/// Returns the inner loops (the body's top-level loops); `None` when `l` does not qualify.
pub fn pretaped_inner<'l>(
    body: &Body,
    l: &'l Loop,
    plans: &std::collections::HashMap<super::ir::LoopId, super::reverse::LoopPlan>,
) -> Option<Vec<&'l Loop>> {
    let (inner, rest): (Vec<&Stmt>, Vec<&Stmt>) = l.body.stmts.iter().partition(|s| matches!(s, Stmt::Loop(_)));
    let inner: Vec<&Loop> = inner
        .into_iter()
        .filter_map(|s| match s {
            Stmt::Loop(n) => Some(n),
            _ => None,
        })
        .collect();
    if inner.is_empty() || l.exit_code.is_some() {
        return None;
    }
    let rest = Block { stmts: rest.into_iter().cloned().collect() };
    if has_loop(&rest) {
        return None;
    }
    // What the inner loops write (in their own body or a loop below), one set per loop.
    let written: Vec<std::collections::HashSet<usize>> = inner
        .iter()
        .map(|n| {
            let mut w: std::collections::HashSet<usize> = n.written_arrays.iter().copied().collect();
            w.extend((0..body.arrays.len()).filter(|&s| writes(&n.body, s)));
            w
        })
        .collect();
    for (n, w) in inner.iter().zip(&written) {
        let ok = n.exit_code.is_none()
            && match plans.get(&n.id) {
                // no backward pass: nothing to put back, so it may write nothing
                None => w.is_empty(),
                Some(p) if p.taped => {
                    p.hoisted && p.tape_arrays.is_empty() && !p.count && !p.clone_iter && !p.checkpoint
                }
                Some(p) => !p.count && (!p.clone_iter || owned_range(n)) && w.is_empty(),
            };
        if !ok {
            return None;
        }
    }
    let clash = (0..body.arrays.len()).any(|s| {
        let inner_w = written.iter().any(|w| w.contains(&s));
        let inner_r = inner.iter().any(|n| loop_reads(n, s, false));
        let (rest_r, rest_w) = (reads(&rest, s, false), writes(&rest, s));
        (inner_w && (rest_r || rest_w)) || (inner_r && rest_w)
    });
    (!clash).then_some(inner)
}

/// Whether `l` iterates a range (`a..b`): an iterator that owns its bounds, which a tape can
/// carry out of the iteration that made it.
pub fn owned_range(l: &Loop) -> bool {
    matches!(&l.kind, LoopKind::ForIter { iterable, .. }
        if matches!(syn::parse2::<syn::Expr>(iterable.clone()), Ok(syn::Expr::Range(_))))
}

fn has_loop(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Loop(_) => true,
        Stmt::If(i) => has_loop(&i.then_block) || has_loop(&i.else_block),
        _ => false,
    })
}

/// Whether array `s`, written by the top-level loop `l`, is `l`'s scratch space: declared
/// before it as `[c; len]` / `vec![c; len]`, used nowhere else, and in each iteration of `l`
/// overwritten in full before anything reads it. Then no iteration reads what another one
/// wrote, and `l`'s backward pass may run each iteration's backward right after its forward
/// (fused), as for a buffer declared inside the loop: what the backward pass leaves in the
/// array, the next iteration overwrites before reading.
///
/// ```text
/// let mut xc = vec![0.0; d];
/// for i in 0..n { for j in 0..k { for r in 0..d { xc[r] = x[i * d + r] - mu[j * d + r]; } ..xc.. } }
/// ```
///
/// A full overwrite is a `for r in 0..len` (`len` the declaration's, as written) whose body
/// stores `s[r]` at its top level and reads nothing of `s`; a read counts after one in the
/// same block or an enclosing one.
pub fn scratch(body: &Body, l: &Loop, s: usize) -> bool {
    let top = &body.block;
    let Some(at) = top.stmts.iter().position(|st| matches!(st, Stmt::Loop(n) if n.id == l.id)) else {
        return false;
    };
    let decl = top.stmts[..at].iter().find_map(|st| match st {
        Stmt::ArrayDecl { slot, init: super::ir::ArrayInit::Repeat(_, len, uses), .. } if *slot == s => {
            Some((len, uses))
        }
        _ => None,
    });
    let Some((len, uses)) = decl else { return false };
    // The length as written (`d`), where the declaration reads it through a value (`t = d;
    // vec![0.0; t]`).
    let mut lens = vec![len.to_string()];
    if let [v] = uses.as_slice()
        && super::val_ident(&body.vals, *v) == len.to_string()
    {
        lens.extend(top.stmts[..at].iter().find_map(|st| match st {
            Stmt::Plain { out: Some(o), tokens, .. } if o == v => Some(tokens.to_string()),
            _ => None,
        }));
    }
    // The buffer a function returning `Vec` returns is read by the seed, after every statement.
    let returned = body.vec_result.as_ref().is_some_and(|r| r.slots.contains(&s));
    let elsewhere = returned
        || top.stmts.iter().enumerate().any(|(k, st)| {
            k != at
                && !matches!(st, Stmt::ArrayDecl { slot, .. } if *slot == s)
                && (reads_in(std::slice::from_ref(st), s, false) || writes(&Block { stmts: vec![st.clone()] }, s))
        });
    let head = match &l.kind {
        LoopKind::ForIter { iterable, .. } => mentions(iterable, &super::array_ident(s).to_string()),
        LoopKind::ForIndex { len, .. } => mentions(len, &super::array_ident(s).to_string()),
        LoopKind::While { .. } => true,
    };
    !elsewhere && !head && covered(&l.body.stmts, s, &lens, false).is_some()
}

/// Walks `stmts` with `written` (array `s` overwritten in full already): `None` at a read of
/// `s` before a full overwrite, else whether `s` is overwritten in full after them.
fn covered(stmts: &[Stmt], s: usize, len: &[String], mut written: bool) -> Option<bool> {
    for st in stmts {
        if written {
            return Some(true);
        }
        match st {
            Stmt::Loop(n) if overwrites(n, s, len) => written = true,
            Stmt::Loop(n) => {
                let name = super::array_ident(s).to_string();
                let lit = |o: &Operand| matches!(o, Operand::Lit(t) if mentions(t, &name));
                let head = match &n.kind {
                    LoopKind::ForIter { iterable, .. } => mentions(iterable, &name),
                    LoopKind::ForIndex { len, .. } => mentions(len, &name),
                    LoopKind::While { .. } => true,
                };
                if head || n.carried.iter().any(|c| lit(&c.init) || lit(&c.exit)) {
                    return None;
                }
                // each iteration on its own (the loop may run no iteration)
                covered(&n.body.stmts, s, len, false)?;
            }
            Stmt::If(i) => {
                let name = super::array_ident(s).to_string();
                let lit = |o: &Operand| matches!(o, Operand::Lit(t) if mentions(t, &name));
                if lit(&i.cond) || i.phis.iter().any(|p| lit(&p.then_val) || lit(&p.else_val)) {
                    return None;
                }
                let a = covered(&i.then_block.stmts, s, len, false)?;
                let b = covered(&i.else_block.stmts, s, len, false)?;
                written = a && b;
            }
            _ if reads_in(std::slice::from_ref(st), s, true) => return None,
            _ => {}
        }
    }
    Some(written)
}

/// Whether `n` is `for r in 0..len { .. s[r] = v; .. }` with no exit and no read of `s` (`len`
/// one of the ways the length is written).
fn overwrites(n: &Loop, s: usize, len: &[String]) -> bool {
    let LoopKind::ForIter { iterable, bound, .. } = &n.kind else { return false };
    let [r] = bound.as_slice() else { return false };
    let Ok(syn::Expr::Range(range)) = syn::parse2::<syn::Expr>(iterable.clone()) else { return false };
    let from_zero = range.start.as_deref().is_some_and(
        |e| matches!(e, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "0"),
    );
    let to_len = matches!(range.limits, syn::RangeLimits::HalfOpen(_))
        && range
            .end
            .as_deref()
            .is_some_and(|e| len.contains(&quote::ToTokens::to_token_stream(strip_parens(e)).to_string()));
    let stores =
        n.body.stmts.iter().any(
            |st| matches!(st, Stmt::Store { slot, index: Operand::Val(i), push: false, .. } if *slot == s && i == r),
        );
    from_zero && to_len && stores && n.exit_code.is_none() && !loop_reads_but_stores(n, s)
}

/// Whether loop `n` reads `s` other than by its body's top-level stores.
fn loop_reads_but_stores(n: &Loop, s: usize) -> bool {
    let name = super::array_ident(s).to_string();
    let lit = |o: &Operand| matches!(o, Operand::Lit(t) if mentions(t, &name));
    reads(&n.body, s, true) || n.carried.iter().any(|c| lit(&c.init) || lit(&c.exit))
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        _ => e,
    }
}
