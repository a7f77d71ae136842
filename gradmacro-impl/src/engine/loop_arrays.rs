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
        Stmt::Loop(l) => loop_reads(l, s),
    })
}

/// Whether loop `l` (its head, body or carried values) reads array `s` (conservatively).
fn loop_reads(l: &Loop, s: usize) -> bool {
    let name = super::array_ident(s).to_string();
    let lit = |o: &Operand| matches!(o, Operand::Lit(t) if mentions(t, &name));
    let head = match &l.kind {
        LoopKind::ForIter { iterable, .. } => mentions(iterable, &name),
        LoopKind::ForIndex { len, .. } => mentions(len, &name),
        LoopKind::While { cond_block, cond } => reads(cond_block, s, false) || lit(cond),
    };
    head || reads(&l.body, s, false) || l.carried.iter().any(|c| lit(&c.init) || lit(&c.exit))
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
        let inner_r = inner.iter().any(|n| loop_reads(n, s));
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
