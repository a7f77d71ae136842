//! Iterator chains of issue 12 over differentiated arrays, nested in the oracle's constructs:
//! sources `s`, `w`, local arrays, growing buffers, collected vectors and ranges; position
//! adaptors `.rev()`, `.skip(k)`, `.take(k)`, `.step_by(k)` before the first closure (also on
//! either side of a `zip`, before or after `enumerate`); `map` closures capturing constants and
//! active values; ends `.sum::<f64>()`, `max_by` / `min_by` (`|a, b| a.total_cmp(b)`,
//! `f64::total_cmp`, `|a, b| a.partial_cmp(b).unwrap()`) and `reduce(|a, b| ..)`, then
//! `.unwrap()`, `.expect("..")` or `.unwrap_or(d)`; `let c: Vec<f64> = chain.collect();` in the
//! function's own scope; `for` loops over adapted and zipped arrays and over buffers; windows
//! `s.windows(k)`, `s.chunks(k)`, `s.chunks_exact(k)` (and of `w`) mapped from both ends, also
//! as `for` heads; names bound to sub-slices, `let t = &s[1..];`, read at both ends.
//!
//! The dual program writes the same chain over `D` values, collects a mapped chain before a
//! closure of its own (both would borrow `mg`), and selects with `verify::vmax_by` /
//! `verify::vmin_by`, which keep std's item on ties (`max_by` the later, `min_by` the earlier)
//! and record the gap between compared items, so points near a tie are skipped like kinks.

use super::buffers::Buf;
use super::{E, Gen, IdxKind, SliceKind};

/// An array-like iterator source (`s.iter()`, `w.iter()`, `h.iter()`, `g.iter()`, maybe adapted).
#[derive(Clone, Debug)]
struct Src {
    /// The same text in both renderings.
    t: String,
    lo: usize,
    hi: usize,
    b: f64,
    /// The local array of `vars` it iterates.
    local: Option<usize>,
    /// The buffer it iterates.
    buf: Option<String>,
    /// `s` or `w` itself (finite values).
    input: bool,
    /// Adaptors applied.
    adapted: bool,
}

/// A chain before its end.
struct Chain {
    p: String,
    d: String,
    lo: usize,
    hi: usize,
    b: f64,
    /// Items are `f64` (else `&f64`).
    val: bool,
    /// Items are the inputs' values, unmapped.
    input: bool,
}

/// A `for` loop head over arrays.
pub(super) struct Head {
    pub(super) p: String,
    pub(super) d: String,
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// The names it binds (`e`, `(*e)`) with their bounds.
    pub(super) vars: Vec<(String, f64)>,
    pub(super) idx: Vec<(String, IdxKind)>,
    pub(super) local: Option<usize>,
    /// The buffers it iterates (both sides of a `zip` may be buffers).
    pub(super) buf: Vec<String>,
}

impl Gen<'_> {
    /// The expression hook (start of `unary`): a chain or a buffer read, now and then.
    pub(super) fn chain_hook(&mut self, depth: usize) -> Option<E> {
        if self.sound || depth < 2 {
            return None;
        }
        // buffers are read often, or their pushes would feed nothing
        if self.bf.in_chain == 0
            && self.rng.chance(0.12)
            && let Some(e) = self.buf_read(depth)
        {
            return Some(e);
        }
        let p = match self.bf.in_chain {
            0 => 0.035,
            1 => 0.015,
            _ => 0.0,
        };
        if !self.rng.chance(p) {
            return None;
        }
        Some(self.chain_over(depth, None))
    }

    /// An array source, maybe the buffer `force`; never the buffer `exclude` (being pushed onto),
    /// no local array if `no_local`.
    fn array_src(&mut self, exclude: Option<&str>, no_local: bool, force: Option<usize>) -> Src {
        let buf = |g: &Self, i: usize| {
            let Buf { name, lo, b, .. } = g.bf.list[i].clone();
            Src {
                t: format!("{name}.iter()"),
                lo,
                hi: g.hi_here(i),
                b,
                local: None,
                buf: Some(name),
                input: false,
                adapted: false,
            }
        };
        if let Some(i) = force {
            return buf(self, i);
        }
        let s = Src { t: "s.iter()".into(), lo: 2, hi: 6, b: 2.0, local: None, buf: None, input: true, adapted: false };
        match self.rng.below(5) {
            1 if self.has_w => Src { t: "w.iter()".into(), lo: 3, hi: 3, ..s },
            2 if !no_local => {
                let c: Vec<usize> = self.readable(true).into_iter().filter(|&i| self.vars[i].iter_ok).collect();
                if c.is_empty() {
                    return s;
                }
                let i = c[self.rng.below(c.len())];
                let v = &self.vars[i];
                Src { t: format!("{}.iter()", v.name), lo: 3, hi: 3, b: v.b, local: Some(i), input: false, ..s }
            }
            3 | 4 => {
                let c: Vec<usize> = (0..self.bf.list.len())
                    .filter(|&i| self.bf.list[i].typed && Some(self.bf.list[i].name.as_str()) != exclude)
                    .collect();
                if c.is_empty() {
                    return s;
                }
                let i = c[self.rng.below(c.len())];
                buf(self, i)
            }
            // a copy iterated: the copy's elements are `s`'s (`lower_loop.rs`, `iter_shape`)
            _ if self.rng.chance(0.15) => {
                let t = if self.rng.chance(0.5) { "s.to_vec().iter()" } else { "s.to_owned().iter()" };
                Src { t: t.into(), ..s }
            }
            // a sub-slice: positions of `s` (`lower_adapt.rs`), `s` has 2 to 6 elements
            _ if self.rng.chance(0.2) => {
                let (t, lo, hi) = match self.rng.below(4) {
                    0 => ("s[1..].iter()", 1, 5),
                    1 => ("s[..2].iter()", 2, 2),
                    2 => ("s[1..s.len() - 1].iter()", 0, 4),
                    _ => ("s[..=1].iter()", 2, 2),
                };
                Src { t: t.into(), lo, hi, ..s }
            }
            _ => s,
        }
    }

    /// Position adaptors: none, one or two of `rev`, `skip`, `take`, `step_by`.
    fn adapt(&mut self, s: &mut Src) {
        let k = if self.rng.chance(0.28) { 1 + usize::from(self.rng.chance(0.2)) } else { 0 };
        for _ in 0..k {
            s.adapted = true;
            let by_n = self.has_n && self.rng.chance(0.25);
            match self.rng.below(4) {
                0 => s.t.push_str(".rev()"),
                1 => {
                    let (a, amin, amax) = if by_n {
                        ("n".to_string(), 0, 4)
                    } else {
                        let c = 1 + self.rng.below(2);
                        (c.to_string(), c, c)
                    };
                    s.t.push_str(&format!(".skip({a})"));
                    s.lo = s.lo.saturating_sub(amax);
                    s.hi = s.hi.saturating_sub(amin);
                }
                2 => {
                    let (a, amin, amax) = if by_n {
                        ("n".to_string(), 0, 4)
                    } else {
                        let c = 1 + self.rng.below(3);
                        (c.to_string(), c, c)
                    };
                    s.t.push_str(&format!(".take({a})"));
                    s.lo = s.lo.min(amin);
                    s.hi = s.hi.min(amax);
                }
                _ => {
                    let (a, amin, amax) = if by_n {
                        ("n + 1".to_string(), 1, 5)
                    } else {
                        let c = 1 + self.rng.below(3);
                        (c.to_string(), c, c)
                    };
                    s.t.push_str(&format!(".step_by({a})"));
                    s.lo = s.lo.div_ceil(amax);
                    s.hi = s.hi.div_ceil(amin);
                }
            }
        }
    }

    /// The other side of a `zip`: adapted, or `s` / `w` themselves (`.zip(s)`, `.zip(w)` for a
    /// reference).
    fn zip_rhs(&mut self, exclude: Option<&str>, no_local: bool) -> Src {
        let mut b = self.array_src(exclude, no_local, None);
        if b.input && self.rng.chance(0.3) {
            if b.t == "s.iter()" && self.slice != SliceKind::Vec {
                b.t = "s".into();
                return b;
            }
            if b.t == "w.iter()" && self.w_ref {
                b.t = "w".into();
                return b;
            }
        }
        self.adapt(&mut b);
        b
    }

    /// A closure body over the parameters `ps` (already in scope), capturing what `expr` reads.
    fn chain_body(&mut self, ps: &[E], depth: usize) -> E {
        self.bf.in_chain += 1;
        let t = self.expr(depth.saturating_sub(1).max(1));
        self.bf.in_chain -= 1;
        let a = ps[self.rng.below(ps.len())].clone();
        let e = match self.rng.below(7) {
            0 | 1 => {
                let t = self.squash(t, 2.0);
                E::new(format!("({} * {})", a.p, t.p), format!("({} * {})", a.d, t.d), a.b * t.b)
            }
            2 => E::new(format!("({} + {}).tanh()", a.p, t.p), format!("({} + {}).tanh()", a.d, t.d), 1.0),
            3 => {
                let t = self.squash(t, 2.0);
                E::new(
                    format!("({} - {}).powi(2)", a.p, t.p),
                    format!("({} - {}).powi(2)", a.d, t.d),
                    (a.b + t.b).powi(2),
                )
            }
            4 => E::new(
                format!("{}.max({})", super::recv(&a.p), t.p),
                format!("vmax({}, {}, mg)", a.d, t.d),
                a.b.max(t.b),
            ),
            5 if ps.len() > 1 => {
                let c = ps[(ps.iter().position(|x| x.p == a.p).unwrap_or(0) + 1) % ps.len()].clone();
                let t = self.squash(t, 1.0);
                E::new(
                    format!("({} * {} + {})", a.p, c.p, t.p),
                    format!("({} * {} + {})", a.d, c.d, t.d),
                    a.b * c.b + t.b,
                )
            }
            _ => t,
        };
        self.squash(e, 3.0)
    }

    /// A chain up to its end: a source (maybe the buffer `force`), adaptors, `enumerate` / `zip`,
    /// `map` or `copied`. `val`: the items must be `f64`.
    fn chain(&mut self, depth: usize, force: Option<usize>, val: bool) -> Chain {
        let nvars = self.vars.len();
        let nidx = self.idx.len();
        let shape = if force.is_some() { self.rng.below(8) } else { self.rng.below(10) };
        let ch = match shape {
            0..=3 => {
                let mut s = self.array_src(None, false, force);
                self.adapt(&mut s);
                let a = self.name("a");
                if self.rng.chance(0.6) {
                    let (pat, pre, leaf) = match self.rng.below(3) {
                        0 => (format!("&{a}"), "", a.clone()),
                        1 => (a.clone(), "", format!("(*{a})")),
                        _ => (a.clone(), ".copied()", a.clone()),
                    };
                    self.push_var(leaf.clone(), s.b, false, false);
                    let e = self.chain_body(&[E::same(leaf, s.b)], depth);
                    Chain {
                        p: format!("{}{pre}.map(|{pat}| {})", s.t, e.p),
                        d: format!("{}{pre}.map(|{pat}| {})", s.t, e.d),
                        lo: s.lo,
                        hi: s.hi,
                        b: e.b,
                        val: true,
                        input: false,
                    }
                } else if val || self.rng.chance(0.5) {
                    let t = format!("{}.copied()", s.t);
                    Chain { p: t.clone(), d: t, lo: s.lo, hi: s.hi, b: s.b, val: true, input: s.input }
                } else {
                    Chain { p: s.t.clone(), d: s.t, lo: s.lo, hi: s.hi, b: s.b, val: false, input: s.input }
                }
            }
            4 | 5 => {
                let mut s = self.array_src(None, false, force);
                if self.rng.chance(0.5) {
                    s.t.push_str(".enumerate()");
                    self.adapt(&mut s);
                } else {
                    self.adapt(&mut s);
                    s.t.push_str(".enumerate()");
                }
                let (i, a) = (self.name("i"), self.name("a"));
                self.idx.push((i.clone(), IdxKind::Any));
                self.push_var(a.clone(), s.b, false, false);
                let ie = E::new(format!("({i} as f64)"), format!("D::from({i} as f64)"), s.hi as f64);
                let e = self.chain_body(&[E::same(a.clone(), s.b), ie], depth);
                Chain {
                    p: format!("{}.map(|({i}, &{a})| {})", s.t, e.p),
                    d: format!("{}.map(|({i}, &{a})| {})", s.t, e.d),
                    lo: s.lo,
                    hi: s.hi,
                    b: e.b,
                    val: true,
                    input: false,
                }
            }
            6 | 7 => {
                let mut l = self.array_src(None, false, force);
                self.adapt(&mut l);
                let r = self.zip_rhs(None, l.local.is_some());
                let (a, c) = (self.name("a"), self.name("a"));
                let (pat, la, lc) = if self.rng.chance(0.6) {
                    (format!("(&{a}, &{c})"), a.clone(), c.clone())
                } else {
                    (format!("({a}, {c})"), format!("(*{a})"), format!("(*{c})"))
                };
                self.push_var(la.clone(), l.b, false, false);
                self.push_var(lc.clone(), r.b, false, false);
                let e = self.chain_body(&[E::same(la, l.b), E::same(lc, r.b)], depth);
                let t = format!("{}.zip({})", l.t, r.t);
                Chain {
                    p: format!("{t}.map(|{pat}| {})", e.p),
                    d: format!("{t}.map(|{pat}| {})", e.d),
                    lo: l.lo.min(r.lo),
                    hi: l.hi.min(r.hi),
                    b: e.b,
                    val: true,
                    input: false,
                }
            }
            // windows of `s` or `w` (`lower_window.rs`), each read at both ends
            _ if self.rng.chance(0.35) => {
                let (src, lo, hi) = self.windows_src();
                let wn = self.name("wn");
                let (first, last) = (format!("{wn}[0]"), format!("{wn}[{wn}.len() - 1]"));
                self.push_var(first.clone(), 2.0, false, false);
                self.push_var(last.clone(), 2.0, false, false);
                let e = self.chain_body(&[E::same(first, 2.0), E::same(last, 2.0)], depth);
                Chain {
                    p: format!("{src}.map(|{wn}| {})", e.p),
                    d: format!("{src}.map(|{wn}| {})", e.d),
                    lo,
                    hi,
                    b: e.b,
                    val: true,
                    input: false,
                }
            }
            _ => {
                let (r, lo, hi, kind) = match self.rng.below(3) {
                    0 => {
                        let c = 1 + self.rng.below(4);
                        (format!("(0..{c})"), c, c, IdxKind::Upto(c))
                    }
                    1 if self.has_n => ("(0..n)".to_string(), 0, 4, IdxKind::Any),
                    _ => ("(0..s.len())".to_string(), 2, 6, IdxKind::S),
                };
                let i = self.name("i");
                self.idx.push((i.clone(), kind));
                let ie = E::new(format!("({i} as f64)"), format!("D::from({i} as f64)"), hi as f64);
                let e = self.chain_body(&[ie], depth);
                Chain {
                    p: format!("{r}.map(|{i}| {})", e.p),
                    d: format!("{r}.map(|{i}| {})", e.d),
                    lo,
                    hi,
                    b: e.b,
                    val: true,
                    input: false,
                }
            }
        };
        self.vars.truncate(nvars);
        self.idx.truncate(nidx);
        ch
    }

    /// `.unwrap()`, `.expect("..")` (when the chain is never empty) or `.unwrap_or(d)`, both
    /// renderings, and the bound of the default.
    fn chain_end(&mut self, lo: usize, b: f64) -> (String, String, f64) {
        if lo >= 1 && self.rng.chance(0.7) {
            if self.rng.chance(0.5) {
                (".unwrap()".into(), ".unwrap()".into(), 0.0)
            } else {
                let m = ".expect(\"not empty\")".to_string();
                (m.clone(), m, 0.0)
            }
        } else {
            let x = self.expr(1);
            let x = self.squash(x, b.max(1.0));
            (format!(".unwrap_or({})", x.p), format!(".unwrap_or({})", x.d), x.b)
        }
    }

    /// A chain with its end, as an expression (maybe over the buffer `force`).
    pub(super) fn chain_over(&mut self, depth: usize, force: Option<usize>) -> E {
        let mut ch = self.chain(depth, force, false);
        match self.rng.below(10) {
            0..=3 => {
                let pat = if ch.val { "" } else { "&" };
                E::new(
                    format!("{}.sum::<f64>()", ch.p),
                    format!("{}.fold(D::from(0.0), |acc, {pat}v| acc + v)", ch.d),
                    ch.hi as f64 * ch.b,
                )
            }
            4..=6 => {
                let max = self.rng.chance(0.5);
                let (m, v) = if max { ("max_by", "vmax_by") } else { ("min_by", "vmin_by") };
                let by_ref = !ch.val && ch.lo >= 1 && self.rng.chance(0.7);
                if !ch.val && !by_ref {
                    ch.p.push_str(".copied()");
                    ch.d.push_str(".copied()");
                    ch.val = true;
                }
                let (cmp, total) = match self.rng.below(3) {
                    0 if ch.val => ("f64::total_cmp", true),
                    1 if ch.input => ("|a, b| a.partial_cmp(b).unwrap()", false),
                    _ => ("|a, b| a.total_cmp(b)", true),
                };
                let items_d = if ch.val { ch.d.clone() } else { format!("{}.copied()", ch.d) };
                let dsel = format!("verify::{v}({items_d}.collect::<Vec<D>>(), {total}, mg)");
                if by_ref {
                    let end = if self.rng.chance(0.5) { ".unwrap()" } else { ".expect(\"not empty\")" };
                    E::new(format!("(*{}.{m}({cmp}){end})", ch.p), format!("{dsel}{end}"), ch.b)
                } else {
                    let (ep, ed, db) = self.chain_end(ch.lo, ch.b);
                    E::new(format!("{}.{m}({cmp}){ep}", ch.p), format!("{dsel}{ed}"), ch.b.max(db))
                }
            }
            _ => {
                if !ch.val {
                    ch.p.push_str(".copied()");
                    ch.d.push_str(".copied()");
                }
                let bq = ch.b.max(0.5);
                let (a, c) = (self.name("u"), self.name("u"));
                let nvars = self.vars.len();
                self.push_var(a.clone(), bq, false, false);
                self.push_var(c.clone(), bq, false, false);
                let body = self.chain_body(&[E::same(a.clone(), bq), E::same(c.clone(), bq)], depth);
                self.vars.truncate(nvars);
                let body = self.squash(body, bq);
                let (ep, ed, db) = self.chain_end(ch.lo, bq);
                E::new(
                    format!("{}.reduce(|{a}, {c}| {}){ep}", ch.p, body.p),
                    format!("{}.collect::<Vec<D>>().into_iter().reduce(|{a}, {c}| {}){ed}", ch.d, body.d),
                    bq.max(db),
                )
            }
        }
    }

    /// `let c: Vec<f64> = chain.collect();` in the function's own scope.
    pub(super) fn collect_let(&mut self) -> bool {
        let mut ch = self.chain(2, None, true);
        let keep = match self.rng.below(3) {
            0 if self.has_n => Some("n % 2 == 0".to_string()),
            1 if self.has_n => Some("n > 2".to_string()),
            2 if !self.bools.is_empty() => Some(format!("!{}", self.bools[self.rng.below(self.bools.len())])),
            _ => None,
        };
        if let Some(keep) = keep.filter(|_| self.rng.chance(0.5)) {
            // `.filter(..)` before `.collect()`: the buffer grows by `push`. The predicate reads
            // no item (the dual program's margin cannot go into a second closure of the chain),
            // so it keeps all of them or none.
            let f = format!(".filter(|_| {keep})");
            ch.p.push_str(&f);
            ch.d.push_str(&f);
            ch.lo = 0;
        }
        let c = self.name("cl");
        if self.rng.chance(0.6) {
            self.line(
                &format!("let {c}: Vec<f64> = {}.collect();", ch.p),
                &format!("let {c}: Vec<D> = {}.collect();", ch.d),
            );
        } else {
            self.line(
                &format!("let {c} = {}.collect::<Vec<f64>>();", ch.p),
                &format!("let {c} = {}.collect::<Vec<D>>();", ch.d),
            );
        }
        self.bf.list.push(Buf {
            name: c,
            lo: ch.lo,
            hi: ch.hi,
            b: ch.b,
            grows: false,
            typed: true,
            bare: false,
            block: self.block,
            depth: self.loops.len(),
        });
        true
    }

    /// `let m = chain;` anywhere.
    pub(super) fn chain_let(&mut self) -> bool {
        let e = self.chain_over(2, None);
        let e = if e.b > super::CAP { self.squash(e, 2.0) } else { e };
        let m = self.name("v");
        let (tp, td) = if self.rng.chance(0.3) { (": f64", ": D") } else { ("", "") };
        self.line(&format!("let {m}{tp} = {};", e.p), &format!("let {m}{td} = {};", e.d));
        self.push_var(m, e.b, false, false);
        true
    }

    /// `let (a, c) = chain.fold((x, y), |(a, c), v| (.., ..));`: a tuple accumulator, whose
    /// closure ends with a tuple or an `if`/`else` of tuples; each element reads both old
    /// accumulators and the item. Every element is squashed to the accumulators' bound, so the
    /// bound holds whatever the trip count.
    pub(super) fn fold_tuple_let(&mut self) -> bool {
        let mut ch = self.chain(2, None, false);
        let bq = ch.b.clamp(0.5, 3.0);
        let inits = [self.expr(1), self.expr(1)].map(|e| self.squash(e, bq));
        let nvars = self.vars.len();
        let nidx = self.idx.len();
        let (a, c, v) = (self.name("u"), self.name("u"), self.name("u"));
        self.push_var(a.clone(), bq, false, false);
        self.push_var(c.clone(), bq, false, false);
        self.push_var(v.clone(), ch.b, false, false);
        let ps = [E::same(a.clone(), bq), E::same(c.clone(), bq), E::same(v.clone(), ch.b)];
        let pair = |g: &mut Self| {
            let x = g.chain_body(&ps, 2);
            let y = g.chain_body(&ps, 2);
            let [x, y] = [x, y].map(|e| g.squash(e, bq));
            (format!("({}, {})", x.p, y.p), format!("({}, {})", x.d, y.d))
        };
        let (bp, bd) = if self.rng.chance(0.4) {
            let (cp, cd) = self.cond(1);
            let (tp, td) = pair(self);
            let (ep, ed) = pair(self);
            (format!("if {cp} {{ {tp} }} else {{ {ep} }}"), format!("if {cd} {{ {td} }} else {{ {ed} }}"))
        } else {
            pair(self)
        };
        self.vars.truncate(nvars);
        self.idx.truncate(nidx);
        // The dual program collects the items first: its closure borrows `mg`, which the
        // chain's own closures may borrow too.
        let pat = if ch.val { "" } else { "&" };
        if !ch.val {
            ch.d.push_str(".copied()");
        }
        let (x, y) = (self.name("ft"), self.name("ft"));
        let (ip, id) = (format!("({}, {})", inits[0].p, inits[1].p), format!("({}, {})", inits[0].d, inits[1].d));
        self.line(
            &format!("let ({x}, {y}) = {}.fold({ip}, |({a}, {c}), {pat}{v}| {bp});", ch.p),
            &format!("let ({x}, {y}) = {}.collect::<Vec<D>>().into_iter().fold({id}, |({a}, {c}), {v}| {bd});", ch.d),
        );
        let b = bq.max(inits[0].b).max(inits[1].b);
        self.push_var(x, b, false, false);
        self.push_var(y, b, false, false);
        true
    }

    /// Windows of `s`, `s[1..]` or `w` (`lower_window.rs`): the iterator's text and how many
    /// windows.
    fn windows_src(&mut self) -> (String, usize, usize) {
        let (base, len_lo, len_hi) = match self.rng.below(10) {
            0..=2 if self.has_w => ("w", 3usize, 3usize),
            3 | 4 => ("s[1..]", 1, 5),
            _ => ("s", 2, 6),
        };
        let k = 1 + self.rng.below(3);
        let (m, lo, hi) = match self.rng.below(3) {
            0 => ("windows", (len_lo + 1).saturating_sub(k), (len_hi + 1).saturating_sub(k)),
            1 => ("chunks", len_lo.div_ceil(k), len_hi.div_ceil(k)),
            _ => ("chunks_exact", len_lo / k, len_hi / k),
        };
        (format!("{base}.{m}({k})"), lo, hi)
    }

    /// `let t = &s[R];` (a name bound to a sub-slice of at least one element: a window of `s`),
    /// its ends then readable like variables.
    pub(super) fn slice_let(&mut self) -> bool {
        let t = self.name("t");
        let range = self.rng.pick(&["1..", "..=1", "s.len() - 2..", "..s.len() - 1"]);
        let (tp, td) = if self.rng.chance(0.3) { (": &[f64]", ": &[D]") } else { ("", "") };
        self.line(&format!("let {t}{tp} = &s[{range}];"), &format!("let {t}{td} = &s[{range}];"));
        self.push_var(format!("{t}[0]"), 2.0, false, false);
        self.push_var(format!("{t}[{t}.len() - 1]"), 2.0, false, false);
        true
    }

    /// A `for` loop head over arrays (adapted, enumerated, zipped) or, with `ranges`, a range;
    /// never over the buffer `exclude`; at most `room` iterations.
    pub(super) fn head_over(&mut self, exclude: Option<&str>, room: usize, ranges: bool) -> Option<Head> {
        for _ in 0..4 {
            let e = self.name("e");
            let force = self.bf.head.take();
            let pick = if force.is_some() { self.rng.below(5) } else { self.rng.below(if ranges { 7 } else { 5 }) };
            let h = match pick {
                // windows, each read at both ends
                0 | 1 if force.is_none() && self.rng.chance(0.2) => {
                    let (src, lo, hi) = self.windows_src();
                    let t = format!("for {e} in {src} {{");
                    let vars = vec![(format!("{e}[0]"), 2.0), (format!("{e}[{e}.len() - 1]"), 2.0)];
                    Head { p: t.clone(), d: t, lo, hi, vars, idx: vec![], local: None, buf: vec![] }
                }
                0 | 1 => {
                    let mut s = self.array_src(exclude, false, force);
                    self.adapt(&mut s);
                    let text = match &s.buf {
                        Some(g) if !s.adapted && self.rng.chance(0.5) => format!("&{g}"),
                        // `&s[1..]` for `s[1..].iter()`
                        None if !s.adapted && s.t.starts_with("s[") && self.rng.chance(0.5) => {
                            format!("&{}", s.t.trim_end_matches(".iter()"))
                        }
                        _ => s.t.clone(),
                    };
                    let (pat, leaf) = if self.rng.chance(0.7) {
                        (format!("&{e}"), e.clone())
                    } else {
                        (e.clone(), format!("(*{e})"))
                    };
                    let t = format!("for {pat} in {text} {{");
                    Head {
                        p: t.clone(),
                        d: t,
                        lo: s.lo,
                        hi: s.hi,
                        vars: vec![(leaf, s.b)],
                        idx: vec![],
                        local: s.local,
                        buf: s.buf.into_iter().collect(),
                    }
                }
                2 => {
                    let mut s = self.array_src(exclude, false, force);
                    if self.rng.chance(0.5) {
                        s.t.push_str(".enumerate()");
                        self.adapt(&mut s);
                    } else {
                        self.adapt(&mut s);
                        s.t.push_str(".enumerate()");
                    }
                    let i = self.name("i");
                    let t = format!("for ({i}, &{e}) in {} {{", s.t);
                    Head {
                        p: t.clone(),
                        d: t,
                        lo: s.lo,
                        hi: s.hi,
                        vars: vec![(e.clone(), s.b)],
                        idx: vec![(i, IdxKind::Any)],
                        local: s.local,
                        buf: s.buf.into_iter().collect(),
                    }
                }
                3 | 4 => {
                    let mut l = self.array_src(exclude, false, force);
                    self.adapt(&mut l);
                    let r = self.zip_rhs(exclude, l.local.is_some());
                    let f = self.name("e");
                    let t = format!("for (&{e}, &{f}) in {}.zip({}) {{", l.t, r.t);
                    // both sides may be buffers: neither is pushed onto in the body
                    let buf = l.buf.iter().chain(&r.buf).cloned().collect();
                    Head {
                        p: t.clone(),
                        d: t,
                        lo: l.lo.min(r.lo),
                        hi: l.hi.min(r.hi),
                        vars: vec![(e.clone(), l.b), (f, r.b)],
                        idx: vec![],
                        local: l.local.or(r.local),
                        buf,
                    }
                }
                k => {
                    let i = self.name("i");
                    let (t, lo, hi, kind) = match k {
                        5 => {
                            let c = 1 + self.rng.below(3);
                            (format!("for {i} in 0..{c} {{"), c, c, IdxKind::Upto(c))
                        }
                        _ if self.has_n && self.rng.chance(0.5) => (format!("for {i} in 0..n {{"), 0, 4, IdxKind::Any),
                        _ => (format!("for {i} in 0..s.len() {{"), 2, 6, IdxKind::S),
                    };
                    Head { p: t.clone(), d: t, lo, hi, vars: vec![], idx: vec![(i, kind)], local: None, buf: vec![] }
                }
            };
            if h.hi <= room {
                return Some(h);
            }
        }
        None
    }

    /// The loop-head hook of `loop_stmt`: a head over adapted / zipped arrays or buffers, its
    /// bindings handed to the loop (`idx`, `extra`), a local array it iterates frozen, a buffer it
    /// iterates never pushed onto in its body.
    pub(super) fn adapted_head(
        &mut self,
        idx: &mut Vec<(String, IdxKind)>,
        extra: &mut Vec<super::Var>,
        froze: &mut Option<usize>,
    ) -> Option<(String, String, usize)> {
        if self.sound {
            return None;
        }
        let h = self.head_over(None, usize::MAX, false)?;
        idx.extend(h.idx);
        for (n, b) in h.vars {
            let v = self.loop_var(n, b);
            extra.push(v);
        }
        if h.local.is_some() {
            *froze = h.local;
        }
        for g in h.buf {
            self.bf.iterated.push((g, self.loops.len() + 1));
        }
        let iters = h.hi.max(1);
        Some((h.p, h.d, iters))
    }
}
