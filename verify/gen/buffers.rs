//! Growing buffers (issue 12): `let mut g = Vec::with_capacity(n);` or `Vec::new()` anywhere but
//! in a chain's closure (at the top, in `if` arms, after an early `return`, in loop bodies and
//! their arms and after a `continue`/`break` guard there: one buffer per iteration);
//! then `g.push(v)` anywhere in its scope (its own block, loops, `if` arms; constant or active
//! values, also reading the buffer itself), and reads
//! between and after the pushes: `g[i]`, `g[g.len() - 1]`, `g[j % g.len()]`, `g.len()`,
//! `g.iter().sum::<f64>()`, `for &v in &g`, and the chains of `gen/chains.rs` over it. The dual
//! program keeps a `Vec<D>` with the same pushes.
//!
//! The generator knows each buffer's shortest and longest length at each point: a push in the
//! block that declared it makes it one longer for sure, a push in a loop or an arm only maybe. Indexing needs
//! a sure length; sums and counts take the longest (inside loops, the cap [`HI_MAX`], since a
//! push later in the loop body grows the buffer for the next iteration).

use super::{E, Gen, lit};

/// Most elements a growing buffer may get (pushes beyond it are not generated).
pub(super) const HI_MAX: usize = 16;
/// Bound on a pushed element.
const ELEM: f64 = 2.0;

/// A local `Vec<f64>` whose length the generator tracks: a growing buffer or a collected chain.
#[derive(Clone, Debug)]
pub(super) struct Buf {
    pub(super) name: String,
    /// Shortest length it may have here.
    pub(super) lo: usize,
    /// Longest length it may have here (outside loops).
    pub(super) hi: usize,
    /// Bound on its elements.
    pub(super) b: f64,
    /// A growing buffer (`push`), not a collected one.
    pub(super) grows: bool,
    /// rustc knows its element type here (annotated, or pushed onto already).
    pub(super) typed: bool,
    /// Declared without a type: constant pushes carry `_f64`.
    pub(super) bare: bool,
    /// The block depth it was declared at (its scope; pushes there are sure).
    pub(super) block: usize,
    /// The number of loops around its declaration: a push in a loop inside them repeats per
    /// iteration of those only.
    pub(super) depth: usize,
}

/// The buffers of one function body.
#[derive(Debug, Default)]
pub(super) struct Bufs {
    pub(super) list: Vec<Buf>,
    /// Buffers iterated by an enclosing loop, with that loop's depth: nothing is pushed onto them
    /// there, and they are not empty in its body.
    pub(super) iterated: Vec<(String, usize)>,
    /// Depth of chain closures being generated.
    pub(super) in_chain: usize,
    /// Fill loops made (each is a loop for the compile time).
    pub(super) fills: usize,
    /// The buffer the next loop head iterates (a loop over a buffer, asked for by `buffer_stmt`).
    pub(super) head: Option<usize>,
}

impl Gen<'_> {
    /// The `let` statement hook: a buffer declared, pushed onto or filled, a collected chain, or
    /// a chain's value bound to a name. False when none was generated.
    pub(super) fn buffer_stmt(&mut self) -> bool {
        if self.sound {
            return false;
        }
        // anywhere outside chains: at the top, in an arm, after an early exit (the engine lowers
        // the rest as the arm that did not return), in loops (made again each iteration, also in
        // an arm of the body)
        let top = self.bf.in_chain == 0;
        let growing = self.bf.list.iter().filter(|b| b.grows).count();
        let r = self.rng.below(100);
        if top && growing < 2 && r < 11 {
            self.declare_buffer();
            return true;
        }
        if (11..45).contains(&r) && self.push_target().is_some() {
            return self.push_stmt();
        }
        if top && (45..53).contains(&r) && self.bf.list.iter().filter(|b| !b.grows).count() < 2 {
            return self.collect_let();
        }
        if (53..56).contains(&r) {
            return if self.sh.on("fold_tuple") && self.rng.chance(0.4) {
                self.fold_tuple_let()
            } else {
                self.chain_let()
            };
        }
        if (56..59).contains(&r) {
            return self.slice_let();
        }
        if (72..80).contains(&r) && self.loops.len() < 2 && self.loops_made < 3 {
            // a loop over a buffer: `for &v in &g`, `g.iter().rev()`, `.enumerate()`, `.zip(..)`
            let c = self.readable_bufs();
            if !c.is_empty() {
                self.bf.head = Some(c[self.rng.below(c.len())]);
                self.loop_stmt();
                self.bf.head = None;
                return true;
            }
        }
        if (59..72).contains(&r)
            && let Some(e) = self.buf_read(2)
        {
            let e = if e.b > super::CAP { self.squash(e, 2.0) } else { e };
            let v = self.name("v");
            self.line(&format!("let {v} = {};", e.p), &format!("let {v} = {};", e.d));
            self.push_var(v, e.b, false, false);
            return true;
        }
        false
    }

    /// How many times a push here runs per life of buffer `i`, at most.
    fn mult_for(&self, i: usize) -> usize {
        self.loops[self.bf.list[i].depth.min(self.loops.len())..].iter().product()
    }

    /// `let mut g = Vec::with_capacity(..);` then maybe a first fill.
    fn declare_buffer(&mut self) {
        let g = self.name("g");
        // a copy of a sub-slice of `s` (`lower_copy.rs`): a buffer collected from it, 1 to 5
        // elements of `s` (bound 2), read and written like a collected buffer (its length is
        // fixed: the engine rejects a push onto it)
        if self.rng.chance(0.12) {
            let (range, lo, hi) =
                self.rng.pick(&[("1..", 1, 5), ("..2", 2, 2), ("..=1", 2, 2), ("s.len() - 2..", 2, 2)]);
            let copy = if self.rng.chance(0.5) { "to_vec" } else { "to_owned" };
            let line = format!("let mut {g} = s[{range}].{copy}();");
            self.line(&line, &line);
            let depth = self.loops.len();
            self.bf.list.push(Buf {
                name: g,
                lo,
                hi,
                b: ELEM,
                grows: false,
                typed: true,
                bare: false,
                block: self.block,
                depth,
            });
            return;
        }
        let cap = match self.rng.below(5) {
            0 if self.has_n => "Vec::with_capacity(n)".to_string(),
            1 => "Vec::with_capacity(s.len())".to_string(),
            2 => format!("Vec::with_capacity({})", 1 + self.rng.below(8)),
            3 => "Vec::<f64>::new()".to_string(),
            _ => "Vec::new()".to_string(),
        };
        let turbofish = cap.contains("::<f64>");
        let annotated = !turbofish && self.rng.chance(0.5);
        let ty = if annotated { ": Vec<f64>" } else { "" };
        let dcap = if cap.contains("with_capacity") { cap.clone() } else { "Vec::new()".to_string() };
        self.line(&format!("let mut {g}{ty} = {cap};"), &format!("let mut {g}: Vec<D> = {dcap};"));
        let typed = annotated || turbofish;
        let depth = self.loops.len();
        self.bf.list.push(Buf {
            name: g,
            lo: 0,
            hi: 0,
            b: ELEM,
            grows: true,
            typed,
            bare: !typed,
            block: self.block,
            depth,
        });
        let i = self.bf.list.len() - 1;
        // an untyped buffer is pushed onto at once (never pushed onto, rustc cannot type it)
        match self.rng.below(if typed { 4 } else { 3 }) {
            0 | 1 if self.loops.len() < 2 => self.fill_loop(i),
            2 => {
                for _ in 0..1 + self.rng.below(2) {
                    self.push_onto(i);
                }
            }
            _ => {}
        }
        if !self.bf.list[i].typed {
            self.push_onto(i);
        }
    }

    /// A growing buffer a push may go to here (not iterated by an enclosing loop, not full).
    fn push_target(&mut self) -> Option<usize> {
        let c: Vec<usize> = (0..self.bf.list.len())
            .filter(|&i| {
                let b = &self.bf.list[i];
                b.grows
                    && b.hi + self.mult_for(i) <= HI_MAX
                    && !self.bf.iterated.iter().any(|(n, _)| *n == b.name)
                    && !self.locked(&b.name)
            })
            .collect();
        if c.is_empty() { None } else { Some(c[self.rng.below(c.len())]) }
    }

    /// `g.push(v);` somewhere, or a fill loop.
    fn push_stmt(&mut self) -> bool {
        let Some(i) = self.push_target() else { return false };
        if self.loops.len() < 2 && self.bf.fills < 2 && self.loops_made < 4 && self.rng.chance(0.3) {
            self.fill_loop(i);
        } else {
            self.push_onto(i);
        }
        true
    }

    /// The value of a push: a constant, or an active expression squashed to the elements' bound.
    fn pushed(&mut self, i: usize) -> E {
        if self.rng.chance(0.2) {
            let c = self.rng.pick(&[0.5, -1.0, 1.5, 0.25, 2.0]);
            if self.bf.list[i].bare {
                let s = format!("{c:?}_f64");
                let p = if c < 0.0 { format!("({s})") } else { s };
                E::new(p, format!("D::from({c:?})"), f64::abs(c))
            } else {
                lit(c)
            }
        } else {
            let e = self.expr(2);
            self.squash(e, ELEM)
        }
    }

    /// One `g.push(v);` here, with the length bookkeeping.
    fn push_onto(&mut self, i: usize) {
        let e = self.pushed(i);
        let g = self.bf.list[i].name.clone();
        self.line(&format!("{g}.push({});", e.p), &format!("{g}.push({});", e.d));
        self.grew(i, 1, self.block == self.bf.list[i].block);
    }

    /// Buffer `i` got `k` more elements per run here (`sure`: every time this point is reached).
    fn grew(&mut self, i: usize, k: usize, sure: bool) {
        let mult = self.mult_for(i);
        let b = &mut self.bf.list[i];
        if sure {
            b.lo += k;
        }
        b.hi += k * mult;
        b.typed = true;
    }

    /// A loop pushing onto buffer `i` once per item (or under a condition): `for &e in s.iter()
    /// { g.push(..) }`, also over adapted and zipped arrays, ranges, `0..n`.
    fn fill_loop(&mut self, i: usize) {
        let mult = self.mult_for(i);
        let g = self.bf.list[i].name.clone();
        let nvars = self.vars.len();
        let nidx = self.idx.len();
        let room = (HI_MAX - self.bf.list[i].hi.min(HI_MAX)) / mult.max(1);
        let Some(h) = self.head_over(Some(&g), room, true) else { return };
        self.bf.fills += 1;
        self.loops_made += 1;
        self.line(&h.p, &h.d);
        self.indent += 1;
        self.block += 1;
        self.loops.push(h.hi.max(1));
        for (n, k) in &h.idx {
            self.idx.push((n.clone(), *k));
        }
        for (n, b) in &h.vars {
            let v = self.loop_var(n.clone(), *b);
            self.vars.push(v);
        }
        let sure = match self.rng.below(4) {
            0 => {
                let (c, cd) = self.cond(1);
                let a = self.pushed(i);
                let e = self.pushed(i);
                self.line(&format!("if {c} {{"), &format!("if {cd} {{"));
                self.line(&format!("    {g}.push({});", a.p), &format!("    {g}.push({});", a.d));
                self.line("} else {", "} else {");
                self.line(&format!("    {g}.push({});", e.p), &format!("    {g}.push({});", e.d));
                self.line("}", "}");
                true
            }
            1 => {
                let (c, cd) = self.cond(1);
                let a = self.pushed(i);
                self.line(&format!("if {c} {{"), &format!("if {cd} {{"));
                self.line(&format!("    {g}.push({});", a.p), &format!("    {g}.push({});", a.d));
                self.line("}", "}");
                false
            }
            _ => {
                let a = self.pushed(i);
                self.line(&format!("{g}.push({});", a.p), &format!("{g}.push({});", a.d));
                true
            }
        };
        self.loops.pop();
        self.block -= 1;
        self.indent -= 1;
        self.line("}", "}");
        self.vars.truncate(nvars);
        self.idx.truncate(nidx);
        let at = self.block;
        let b = &mut self.bf.list[i];
        if sure && at == b.block {
            b.lo += h.lo;
        }
        b.hi += h.hi * mult;
        b.typed = true;
    }

    /// An immutable variable at the next loop depth (an element bound by a loop head).
    pub(super) fn loop_var(&mut self, name: String, b: f64) -> super::Var {
        self.push_var(name, b, false, false);
        let mut v = self.vars.pop().expect("just pushed");
        v.level = self.loops.len() + 1;
        v
    }

    /// Buffers that may be read here: those rustc knows the type of.
    fn readable_bufs(&self) -> Vec<usize> {
        (0..self.bf.list.len()).filter(|&i| self.bf.list[i].typed).collect()
    }

    /// Whether buffer `i` has an element wherever this point is reached.
    pub(super) fn nonempty(&self, i: usize) -> bool {
        let b = &self.bf.list[i];
        b.lo >= 1 || self.bf.iterated.iter().any(|(n, _)| *n == b.name)
    }

    /// Longest length buffer `i` may have here.
    pub(super) fn hi_here(&self, i: usize) -> usize {
        let b = &self.bf.list[i];
        if b.grows && self.loops.len() > b.depth { HI_MAX } else { b.hi }
    }

    /// A read of a buffer as an expression; `None` if there is no readable buffer.
    pub(super) fn buf_read(&mut self, depth: usize) -> Option<E> {
        let c = self.readable_bufs();
        if c.is_empty() {
            return None;
        }
        let i = c[self.rng.below(c.len())];
        let Buf { name: g, lo, b, .. } = self.bf.list[i].clone();
        let hi = self.hi_here(i);
        let nonempty = self.nonempty(i);
        Some(match self.rng.below(7) {
            0 if lo >= 1 => E::same(format!("{g}[{}]", self.rng.below(lo)), b),
            1 if nonempty => E::same(format!("{g}[{g}.len() - 1]"), b),
            2 if nonempty && !self.idx.is_empty() => {
                let j = self.idx[self.rng.below(self.idx.len())].0.clone();
                E::same(format!("{g}[{j} % {g}.len()]"), b)
            }
            3 => E::new(format!("({g}.len() as f64)"), format!("D::from({g}.len() as f64)"), hi as f64),
            4 => E::new(
                format!("{g}.iter().sum::<f64>()"),
                format!("{g}.iter().fold(D::from(0.0), |acc, &v| acc + v)"),
                hi as f64 * b,
            ),
            _ => self.chain_over(depth, Some(i)),
        })
    }

    /// Forgets the buffers iterated by loops that ended (called when a loop ends).
    pub(super) fn end_buf_loop(&mut self) {
        let depth = self.loops.len();
        self.bf.iterated.retain(|(_, d)| *d <= depth);
    }
}
