//! `loop { .. }` with `break;` and `break value;` (issue 12): as a statement, as the value of a
//! `let` (a float, or the integer counter), and as the function's tail expression; nested in the
//! oracle's other constructs and containing them. Every loop counts its iterations and breaks at
//! a bound (`j += 1; if j > 3 { break ..; }` first, or `if j >= 3 { break ..; }` last, in which
//! case its body has no `continue` that could skip the test); some also break on an active
//! condition, often on a value they carry (`v *= 0.5; if v.abs() < 0.1 { break v * x0; }`).

use super::{CAP, E, GROW, Gen, IdxKind};

/// Per statement: chance of a `loop`.
const P_LOOP: f64 = 0.013;
/// Chance that the function's result is a `loop` (its tail expression).
pub(super) const P_TAIL: f64 = 0.045;

/// How the body of an enclosing loop may leave it.
#[derive(Clone, Debug)]
pub(super) struct Lk {
    /// `continue` is allowed (the bound is tested before anything could skip it).
    cont: bool,
    brk: Brk,
}

/// What a `break` carries.
#[derive(Clone, Debug)]
enum Brk {
    Unit,
    /// A float bounded by `b`; `tail`: the function's result.
    Float {
        b: f64,
        tail: bool,
    },
    /// The counter (an integer).
    Int(String),
}

impl Lk {
    /// `for` and `while` loops.
    pub(super) const FOR: Lk = Lk { cont: true, brk: Brk::Unit };
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Stmt,
    Value,
    Int,
}

/// What `enter` saved.
pub(super) struct Saved {
    n: usize,
    nidx: usize,
    nb: usize,
    nc: usize,
    nbuf: usize,
}

impl Gen<'_> {
    /// `break` with the value the innermost loop needs.
    fn break_value(&mut self) -> (String, String) {
        let lk = self.lk.last().cloned().expect("inside a loop");
        match lk.brk {
            Brk::Unit => ("break".into(), "break".into()),
            Brk::Int(j) => (format!("break {j}"), format!("break {j}")),
            Brk::Float { b, tail } => {
                let e = self.expr(2);
                let e = self.squash(e, b);
                if tail {
                    self.returned = self.returned.max(e.b);
                }
                (format!("break {}", e.p), format!("break {}", e.d))
            }
        }
    }

    /// `break`, `continue` or `break value` for the innermost loop.
    pub(super) fn exit_kw(&mut self) -> (String, String) {
        let cont = self.lk.last().is_some_and(|l| l.cont);
        if cont && self.rng.chance(0.5) { ("continue".into(), "continue".into()) } else { self.break_value() }
    }

    /// A `loop` statement or `let` if the limits allow one here.
    pub(super) fn loop_break_stmt(&mut self) -> bool {
        let exited = self.exited.last().copied().unwrap_or(false);
        if !self.sh.on("loop_break")
            || self.loops.len() >= 2
            || self.loops_made >= 3
            || !(self.all || (self.if_in_loop == 0 && !exited))
        {
            return false;
        }
        if !self.rng.chance(P_LOOP) {
            return false;
        }
        let mode = match self.rng.below(8) {
            0..=2 => Mode::Stmt,
            3..=5 => Mode::Value,
            _ => Mode::Int,
        };
        self.loop_break(mode);
        true
    }

    /// Enters a loop of at most `iters` iterations (after its head line).
    fn enter(&mut self, iters: usize, lk: Lk) -> Saved {
        let saved = Saved {
            n: self.vars.len(),
            nidx: self.idx.len(),
            nb: self.bools.len(),
            nc: self.clos.len(),
            nbuf: self.bf.list.len(),
        };
        self.loops.push(iters);
        self.lk.push(lk);
        self.exited.push(false);
        self.block += 1;
        self.indent += 1;
        saved
    }

    fn leave(&mut self, s: Saved) {
        self.indent -= 1;
        self.block -= 1;
        self.loops.pop();
        self.lk.pop();
        self.exited.pop();
        self.vars.truncate(s.n);
        self.idx.truncate(s.nidx);
        self.bools.truncate(s.nb);
        self.bf.list.truncate(s.nbuf);
        self.end_scope(s.nc);
    }

    /// An outermost loop starts: outer mutable variables get room to grow.
    fn grow(&mut self) {
        if self.loops.is_empty() {
            for v in &mut self.vars {
                if v.mutable {
                    v.b += GROW;
                }
            }
            self.grow_left = GROW;
        }
    }

    /// A counter, maybe a value the loop carries, then the loop.
    fn loop_break(&mut self, mode: Mode) {
        self.loops_made += 1;
        let j = self.name("j");
        let c = 1 + self.rng.below(5);
        self.line(&format!("let mut {j}: usize = 0;"), &format!("let mut {j}: usize = 0;"));
        let state = if self.rng.chance(0.5) {
            let y = self.name("v");
            let e = self.expr(2);
            let e = self.squash(e, 2.0);
            self.line(&format!("let mut {y} = {};", e.p), &format!("let mut {y} = {};", e.d));
            self.push_var(y.clone(), e.b, true, false);
            Some(y)
        } else {
            None
        };
        let top = self.rng.chance(0.5);
        let brk = match mode {
            Mode::Stmt => Brk::Unit,
            Mode::Value => Brk::Float { b: 2.0, tail: false },
            Mode::Int => Brk::Int(j.clone()),
        };
        let r = self.name("r");
        let m = if mode == Mode::Value && self.rng.chance(0.3) { "mut " } else { "" };
        let head = if mode == Mode::Stmt { "loop {".to_string() } else { format!("let {m}{r} = loop {{") };
        self.grow();
        self.line(&head, &head);
        let saved = self.enter(c + 1, Lk { cont: top, brk });
        self.loop_body(&j, c, top, state.as_deref());
        self.leave(saved);
        if mode == Mode::Stmt {
            self.line("}", "}");
        } else {
            self.line("};", "};");
        }
        match mode {
            Mode::Stmt => {}
            Mode::Value => self.push_var(r, 2.0, !m.is_empty(), false),
            Mode::Int => self.idx.push((r, IdxKind::Any)),
        }
    }

    /// The body: the counter, its test first or last, and in some order the update of the
    /// carried value, a `break` on an active condition, a `continue`, and ordinary statements.
    fn loop_body(&mut self, j: &str, c: usize, top: bool, state: Option<&str>) {
        self.line(&format!("{j} += 1;"), &format!("{j} += 1;"));
        if top {
            let (kw, kwd) = self.break_value();
            self.line(&format!("if {j} > {c} {{ {kw}; }}"), &format!("if {j} > {c} {{ {kwd}; }}"));
        }
        #[derive(Clone, Copy)]
        enum Piece {
            Body,
            Update,
            Break,
            Continue,
        }
        let mut pieces = vec![Piece::Body];
        if state.is_some() {
            pieces.push(Piece::Update);
        }
        if self.rng.chance(0.6) {
            pieces.push(Piece::Break);
        }
        if top && self.rng.chance(0.3) {
            pieces.push(Piece::Continue);
        }
        // a random order
        for i in (1..pieces.len()).rev() {
            let k = self.rng.below(i + 1);
            pieces.swap(i, k);
        }
        for p in pieces {
            match p {
                Piece::Body => {
                    let k = 1 + self.rng.below(3);
                    self.stmts(k);
                }
                Piece::Update => {
                    let y = state.expect("a carried value");
                    let Some(i) = (0..self.vars.len()).rev().find(|&i| self.vars[i].name == y) else { continue };
                    if self.locked(y) || self.hidden(y) {
                        continue;
                    }
                    if self.rng.chance(0.4) {
                        let f = self.rng.pick(&[0.5, 0.75, -0.5]);
                        let l = super::lit(f);
                        self.line(&format!("{y} *= {};", l.p), &format!("{y} *= {};", l.d));
                    } else {
                        let (op, mut e) = self.write_rhs(i);
                        if e.p == y {
                            // `v = v;` is linted as a useless self-assignment
                            e = super::E::new(format!("({y} * 1.0)"), format!("({y} * D::from(1.0))"), e.b);
                        }
                        self.line(&format!("{y} {op} {};", e.p), &format!("{y} {op} {};", e.d));
                    }
                }
                Piece::Break => {
                    let (cp, cd) = match state {
                        Some(y) if self.rng.chance(0.6) && !self.hidden(y) => {
                            let t = self.rng.pick(&[0.1, 0.25, 0.5]);
                            match self.rng.below(3) {
                                0 => (format!("{y}.abs() < {t:?}"), format!("lt(vabs({y}, mg), D::from({t:?}), mg)")),
                                1 => (format!("{y} > {t:?}"), format!("gt({y}, D::from({t:?}), mg)")),
                                _ => (format!("{y} * {y} < {t:?}"), format!("lt({y} * {y}, D::from({t:?}), mg)")),
                            }
                        }
                        _ => self.cond(1),
                    };
                    let (kw, kwd) = self.break_value();
                    self.line(&format!("if {cp} {{"), &format!("if {cd} {{"));
                    self.line(&format!("    {kw};"), &format!("    {kwd};"));
                    self.line("}", "}");
                }
                Piece::Continue => {
                    let (cp, cd) = self.cond(1);
                    self.line(&format!("if {cp} {{"), &format!("if {cd} {{"));
                    self.line("    continue;", "    continue;");
                    self.line("}", "}");
                }
            }
        }
        if !top {
            let (kw, kwd) = self.break_value();
            self.line(&format!("if {j} >= {c} {{"), &format!("if {j} >= {c} {{"));
            self.line(&format!("    {kw};"), &format!("    {kwd};"));
            self.line("}", "}");
        }
    }

    /// Opens the function's result as a `loop` (its tail expression): the counter, the head and
    /// a few statements; `tail_loop_close` breaks with the result.
    pub(super) fn tail_loop_open(&mut self) -> (String, usize, Saved) {
        self.loops_made += 1;
        let j = self.name("j");
        let c = 1 + self.rng.below(4);
        self.line(&format!("let mut {j}: usize = 0;"), &format!("let mut {j}: usize = 0;"));
        self.grow();
        self.line("loop {", "loop {");
        // the test is last: no `continue`
        let saved = self.enter(c, Lk { cont: false, brk: Brk::Float { b: CAP, tail: true } });
        self.line(&format!("{j} += 1;"), &format!("{j} += 1;"));
        let k = 1 + self.rng.below(3);
        self.budget = k;
        self.stmts(k);
        self.budget = 0;
        (j, c, saved)
    }

    /// `if cond || j >= c { break result; }`, then the end of the loop.
    pub(super) fn tail_loop_close(&mut self, j: &str, c: usize, saved: Saved, result: &E) {
        let (cp, cd) = if self.rng.chance(0.5) {
            let (cp, cd) = self.cond(1);
            (format!("({cp}) || {j} >= {c}"), format!("({cd}) || {j} >= {c}"))
        } else {
            (format!("{j} >= {c}"), format!("{j} >= {c}"))
        };
        self.line(&format!("if {cp} {{"), &format!("if {cd} {{"));
        self.line(&format!("    break {};", result.p), &format!("    break {};", result.d));
        self.line("}", "}");
        self.leave(saved);
        self.line("}", "}");
    }
}
