//! Local closures (issue 12), inlined by the macro at their calls: declared with `let` anywhere a
//! statement may be (function body, `if` arms, loop bodies), capturing constants of every kind
//! and active values, with `if`/`else` and block bodies, calling earlier closures, taking one or
//! two `f64`s (typed, or untyped when the body only uses operators), a slice (`|a: &[f64]|`) or
//! returning a `bool`; `move` closures over `Copy` values; closures passed by name to iterator
//! adaptors (`s.iter().copied().map(cl).sum::<f64>()`, `s.iter().copied().any(near)`) and used
//! in conditions (`s.iter().any(|&v| near(v))`); a closure that assigns to a captured variable
//! (`let mut add = |u: f64| acc += ..;`), called as a statement, also inside loops, until it is
//! retired (its variable is then read again).
//!
//! The dual program declares the same closure over `D`, with the margin as an extra parameter
//! (`|u: D, mg: &mut verify::Margin| ..`, called `cl(x, mg)`): a closure that captured `mg`
//! would borrow it for as long as it lives.
//!
//! Rust's borrow rules are kept by construction: the mutable variables a closure without `move`
//! reads are not written while it is in scope (`locked`); the variable an assigning closure
//! writes is neither read nor written by anything else while it is live (`hidden`); a `move`
//! closure never reads a value that is not `Copy` (`s: Vec<f64>`, `vec!` buffers) nor a local
//! array (rejected by the macro).

use super::{CAP, E, Gen, SliceKind, recv};

/// Per statement: chance of declaring a closure.
const P_CLOSURE: f64 = 0.017;
/// Per statement while an assigning closure is live: chance of calling it.
const P_MUT_CALL: f64 = 0.3;
/// Per expression (below the top): chance of calling a live closure.
const P_CALL: f64 = 0.12;
/// Growth an assigning closure may add to its variable over all its calls.
const ACC_GROW: f64 = 20.0;

/// What a closure takes and returns.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Kind {
    /// `|u: f64| ..` (or `|u| ..`) returning `f64`.
    F1,
    /// `|u: f64, z: f64| ..`.
    F2,
    /// `|a: &[f64]| ..` over at least 2 elements.
    Slice,
    /// `|u: f64| .. < ..` (or `|u: &f64|`, `by_ref`).
    Bool { by_ref: bool },
}

/// A local closure that may be called.
#[derive(Clone, Debug)]
pub(super) struct Clo {
    name: String,
    kind: Kind,
    /// Bound on the result, for arguments bounded by 2.
    b: f64,
    /// The mutable variables it borrows (without `move`): not written while it is in scope.
    borrows: Vec<String>,
}

/// The live closure that assigns to a captured variable.
#[derive(Clone, Debug)]
pub(super) struct MutClo {
    name: String,
    /// The variable it assigns to: neither read nor written elsewhere while it is live.
    acc: String,
    /// Block depth of its declaration: it is retired when that block ends.
    block: usize,
    /// Loop depth of its declaration.
    nloops: usize,
    /// Growth of `acc` left (each call of a `+=` closure spends `per` times its repetitions).
    left: f64,
    per: f64,
    /// The mutable variables its body reads.
    borrows: Vec<String>,
    calls: usize,
}

/// Whether `text` reads the name `name` (an identifier, not part of a longer one).
pub(super) fn mentions(text: &str, name: &str) -> bool {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text[from..].find(name) {
        let i = from + pos;
        let j = i + name.len();
        // `.s` is a field, `..s` a range's bound (`0..s.len()` reads `s`)
        let field = bytes[i.saturating_sub(1)] == b'.' && (i < 2 || bytes[i - 2] != b'.');
        let before = i == 0 || !ident(bytes[i - 1]) && !field;
        let after = j >= bytes.len() || !ident(bytes[j]);
        if before && after {
            return true;
        }
        from = i + 1;
    }
    false
}

/// The identifier a variable's name reads (`(*e2)` reads `e2`, `c3[0]` reads `c3`).
fn base(name: &str) -> &str {
    let n = name.trim_start_matches("(*").trim_end_matches(')');
    n.split('[').next().unwrap_or(n)
}

impl Gen<'_> {
    /// The variable just pushed is a `vec!` buffer.
    pub(super) fn mark_heap(&mut self) {
        if let Some(v) = self.vars.last_mut() {
            v.heap = true;
        }
    }

    /// Assigned by the live assigning closure: nothing else may read it.
    pub(super) fn hidden(&self, name: &str) -> bool {
        self.mclo.as_ref().is_some_and(|m| m.acc == name)
    }

    /// Borrowed by a live closure: nothing may write it.
    pub(super) fn locked(&self, name: &str) -> bool {
        self.clos.iter().any(|c| c.borrows.iter().any(|b| b == name))
            || self.mclo.as_ref().is_some_and(|m| m.acc == name || m.borrows.iter().any(|b| b == name))
    }

    /// The end of a block: its closures go out of scope.
    pub(super) fn end_scope(&mut self, nc: usize) {
        self.clos.truncate(nc);
        if self.mclo.as_ref().is_some_and(|m| self.block < m.block) {
            self.mclo = None;
        }
    }

    /// After a statement: the assigning closure may be used for the last time.
    pub(super) fn maybe_retire(&mut self) {
        if self.mclo.as_ref().is_some_and(|m| m.block == self.block && m.calls > 0) && self.rng.chance(0.3) {
            self.mclo = None;
        }
    }

    /// The mutable variables `text` reads, and whether a `move` closure may not read it: a value
    /// that is not `Copy`, or a local array (the macro rejects a `move` closure that captures one:
    /// it would keep a copy the macro does not follow).
    fn captures(&self, text: &str) -> (Vec<String>, bool) {
        let mut borrows = Vec::new();
        // The buffers of `gen/buffers.rs` (growing or collected `Vec`s) are not `Copy` either.
        let mut non_copy =
            self.slice == SliceKind::Vec && mentions(text, "s") || self.bf.list.iter().any(|b| mentions(text, &b.name));
        // a growing buffer it reads is not pushed onto while it lives
        for b in &self.bf.list {
            if b.grows && mentions(text, &b.name) {
                borrows.push(b.name.clone());
            }
        }
        for (i, v) in self.vars.iter().enumerate() {
            if !self.live(i) || !mentions(text, base(&v.name)) {
                continue;
            }
            if v.mutable {
                borrows.push(v.name.clone());
            }
            non_copy |= v.array || v.heap || v.name.contains('[');
        }
        (borrows, non_copy)
    }

    /// A closure statement, a call of the assigning closure, or nothing (false).
    pub(super) fn closure_stmt(&mut self) -> bool {
        if !self.sh.on("closures") {
            return false;
        }
        if self.mclo.is_some() && self.rng.chance(P_MUT_CALL) && self.mut_call() {
            return true;
        }
        if self.rng.chance(P_CLOSURE) {
            if self.mclo.is_none() && self.rng.chance(0.2) {
                self.mut_closure();
            } else {
                self.closure_decl();
                // often a second one, which may call the first
                if self.rng.chance(0.4) {
                    self.closure_decl();
                }
            }
            return true;
        }
        false
    }

    /// A value a closure captures: a constant of any kind or an active value.
    fn capture(&mut self) -> E {
        match self.rng.below(9) {
            0 if self.has_n => E::new("(n as f64)".into(), "D::from(n as f64)".into(), 4.0),
            1 => E::new("(s.len() as f64)".into(), "D::from(s.len() as f64)".into(), 6.0),
            2 if !self.bools.is_empty() => {
                let b = self.bools[self.rng.below(self.bools.len())].clone();
                E::new(
                    format!("(if {b} {{ 1.5_f64 }} else {{ -0.5 }})"),
                    format!("(if {b} {{ D::from(1.5) }} else {{ D::from(-0.5) }})"),
                    1.5,
                )
            }
            3 if !self.idx.is_empty() => {
                let i = self.idx[self.rng.below(self.idx.len())].0.clone();
                E::new(format!("({i} as f64)"), format!("D::from({i} as f64)"), super::SLICE_MAX as f64)
            }
            4 => {
                let (p, b) = self.rng.pick(&[("KA", 0.75), ("KB", 1.25), ("std::f64::consts::LN_2", 0.7)]);
                E::new(p.into(), format!("D::from({p})"), b)
            }
            5 => {
                // typed: a capture may be the receiver of a method call
                let v: f64 = self.rng.pick(&[0.5, 1.5, -0.75, 2.0]);
                let s = format!("{v:?}_f64");
                let p = if v < 0.0 { format!("({s})") } else { s };
                E::new(p, format!("D::from({v:?})"), v.abs())
            }
            _ => self.expr(2),
        }
    }

    /// `t` combined with the parameter `u`; with `ops_only`, through operators only (the body
    /// of a closure whose parameter has no type: a method call on it would not compile).
    fn with_param(&mut self, u: &E, t: E, ops_only: bool) -> E {
        // operators only: bounded without a squash (a method call) of the result
        let t = if ops_only { self.squash(t, 30.0) } else { t };
        let k = if ops_only { self.rng.pick(&[0, 1, 5]) } else { self.rng.below(7) };
        let e = match k {
            0 => {
                let t = if u.b * t.b > CAP { self.squash(t, 1.0) } else { t };
                E::new(format!("({} * {})", u.p, t.p), format!("({} * {})", u.d, t.d), u.b * t.b)
            }
            1 => E::new(format!("({} + {})", u.p, t.p), format!("({} + {})", u.d, t.d), u.b + t.b),
            2 => E::new(format!("({} - {}).tanh()", u.p, t.p), format!("({} - {}).tanh()", u.d, t.d), 1.0),
            3 => {
                let t = self.squash(t, 2.0);
                E::new(format!("({} * {}).sin()", u.p, t.p), format!("({} * {}).sin()", u.d, t.d), 1.0)
            }
            4 => E::new(format!("{}.max({})", recv(&u.p), t.p), format!("vmax({}, {}, mg)", u.d, t.d), u.b.max(t.b)),
            5 => {
                let u2 = if u.b > 30.0 { self.squash(u.clone(), 30.0) } else { u.clone() };
                E::new(
                    format!("({} / (1.0 + {} * {}))", t.p, u2.p, u2.p),
                    format!("({} / (D::from(1.0) + {} * {}))", t.d, u2.d, u2.d),
                    t.b,
                )
            }
            _ => {
                let c = self.squash(t.clone(), 2.0);
                let (op, f) = self.rng.pick(&[("<", "lt"), (">", "gt")]);
                E::new(
                    format!("(if {} {op} {} {{ {} * 0.5 }} else {{ {} }})", u.p, c.p, u.p, t.p),
                    format!("(if {f}({}, {}, mg) {{ {} * D::from(0.5) }} else {{ {} }})", u.d, c.d, u.d, t.d),
                    (u.b * 0.5).max(t.b),
                )
            }
        };
        if e.b > CAP { self.squash(e, 2.0) } else { e }
    }

    fn push_param(&mut self, name: &str, b: f64) -> E {
        self.push_var(name.to_string(), b, false, false);
        E::same(name.to_string(), b)
    }

    /// A float closure's body over its parameters `us` (already in scope).
    fn float_body(&mut self, us: &[E]) -> E {
        let u = us[self.rng.below(us.len())].clone();
        let prev: Vec<usize> = (0..self.clos.len()).filter(|&i| self.clos[i].kind == Kind::F1).collect();
        let k = if !prev.is_empty() && self.rng.chance(0.5) { 5 } else { self.rng.below(5) };
        match k {
            0 | 1 => {
                let t = if self.rng.chance(0.4) { self.capture() } else { self.expr(2) };
                let mut e = self.with_param(&u, t, false);
                for w in us {
                    if w.p != u.p {
                        e = self.with_param(w, e, false);
                    }
                }
                e
            }
            2 => {
                // `if u < t { .. } else { .. }` as the whole body
                let t0 = self.capture();
                let t0 = self.squash(t0, 2.0);
                let (op, f) = self.rng.pick(&[("<", "lt"), (">", "gt"), ("<=", "le"), (">=", "ge")]);
                let t = self.expr(2);
                let a = self.with_param(&u, t, false);
                let c = self.expr(2);
                let c = if us.len() > 1 { self.with_param(&us[1], c, false) } else { c };
                E::new(
                    format!("if {} {op} {} {{ {} }} else {{ {} }}", u.p, t0.p, a.p, c.p),
                    format!("if {f}({}, {}, mg) {{ {} }} else {{ {} }}", u.d, t0.d, a.d, c.d),
                    a.b.max(c.b),
                )
            }
            3 => {
                // a block: `{ let t = ..; .. }`
                let t = self.expr(2);
                let a = self.with_param(&u, t, false);
                let tn = self.name("t");
                let n = self.vars.len();
                let te = self.push_param(&tn, a.b);
                let c = self.capture();
                let c = self.with_param(&te, c, false);
                let c = if us.len() > 1 { self.with_param(&us[1], c, false) } else { c };
                self.vars.truncate(n);
                E::new(format!("{{ let {tn} = {}; {} }}", a.p, c.p), format!("{{ let {tn} = {}; {} }}", a.d, c.d), c.b)
            }
            4 => {
                let t = self.capture();
                let e = self.with_param(&u, t, false);
                let e2 = self.expr(2);
                let e = self.with_param(&e, e2, false);
                if us.len() > 1 { self.with_param(&us[1], e, false) } else { e }
            }
            _ => {
                // calls an earlier closure
                let i = prev[self.rng.below(prev.len())];
                let t = self.capture();
                let arg = self.with_param(&u, t, false);
                let arg = self.squash(arg, 2.0);
                let c = self.clos[i].clone();
                let call = E::new(format!("{}({})", c.name, arg.p), format!("{}({}, mg)", c.name, arg.d), c.b);
                let t = self.expr(1);
                let e = self.with_param(&call, t, false);
                if us.len() > 1 { self.with_param(&us[1], e, false) } else { e }
            }
        }
    }

    /// `let cl = |..| ..;` (float, slice or boolean), then a first use.
    fn closure_decl(&mut self) {
        let name = self.name("cl");
        let n = self.vars.len();
        let (kind, params_p, params_d, body) = match self.rng.below(20) {
            0..=6 => {
                let u = self.name("u");
                let ue = self.push_param(&u, 2.0);
                let body = self.float_body(&[ue]);
                (Kind::F1, format!("{u}: f64"), format!("{u}: D"), body)
            }
            7..=9 if self.clos.iter().any(|c| c.kind == Kind::F1) => {
                // an untyped parameter, first passed to a typed closure, which gives it its type
                // (operators alone leave it ambiguous: `wide` and `num_complex`, dependencies of
                // num-dual, implement `Add<f64>` for their types too)
                let prev: Vec<usize> = (0..self.clos.len()).filter(|&i| self.clos[i].kind == Kind::F1).collect();
                let c = self.clos[prev[self.rng.below(prev.len())]].clone();
                let u = self.name("u");
                let t = if self.rng.chance(0.5) { self.capture() } else { self.expr(2) };
                let call = E::new(format!("{}({u})", c.name), format!("{}({u}, mg)", c.name), c.b);
                let body = self.with_param(&call, t, true);
                (Kind::F1, u.clone(), format!("{u}: D"), body)
            }
            10..=12 => {
                let u = self.name("u");
                let z = self.name("u");
                let ue = self.push_param(&u, 2.0);
                let ze = self.push_param(&z, 2.0);
                let body = self.float_body(&[ue, ze]);
                (Kind::F2, format!("{u}: f64, {z}: f64"), format!("{u}: D, {z}: D"), body)
            }
            13..=15 => {
                let a = self.name("a");
                let body = match self.rng.below(4) {
                    0 => {
                        // the sum of its elements
                        let t = self.capture();
                        let t = self.squash(t, 1.0);
                        E::new(
                            format!("({a}.iter().sum::<f64>() * {})", t.p),
                            format!("({a}.iter().fold(D::from(0.0), |p, &q| p + q) * {})", t.d),
                            12.0 * t.b,
                        )
                    }
                    k => {
                        let first = self.push_param(&format!("{a}[0]"), 2.0);
                        let second = if k == 1 {
                            self.push_param(&format!("{a}[{a}.len() - 1]"), 2.0)
                        } else {
                            self.push_param(&format!("{a}[1]"), 2.0)
                        };
                        let t = if self.rng.chance(0.4) { self.capture() } else { self.expr(2) };
                        let e = self.with_param(&first, t, false);
                        self.with_param(&second, e, false)
                    }
                };
                (Kind::Slice, format!("{a}: &[f64]"), format!("{a}: &[D]"), body)
            }
            _ => {
                let by_ref = self.rng.chance(0.3);
                let u = self.name("u");
                let t = if self.rng.chance(0.5) { self.capture() } else { self.expr(2) };
                let t = self.squash(t, 2.0);
                let up = if by_ref { format!("*{u}") } else { u.clone() };
                let c = self.rng.pick(&[0.5, 0.25, 1.0]);
                let (p, d) = match self.rng.below(3) {
                    0 => (
                        format!("({up} - {}).abs() < {c:?}", t.p),
                        format!("lt(vabs({up} - {}, mg), D::from({c:?}), mg)", t.d),
                    ),
                    1 => {
                        let (op, f) = self.rng.pick(&[("<", "lt"), (">", "gt"), (">=", "ge")]);
                        (format!("{up} {op} {}", t.p), format!("{f}({up}, {}, mg)", t.d))
                    }
                    _ => (format!("{up} * {} > {c:?}", t.p), format!("gt({up} * {}, D::from({c:?}), mg)", t.d)),
                };
                let (tp, td) = if by_ref { ("&f64", "&D") } else { ("f64", "D") };
                (Kind::Bool { by_ref }, format!("{u}: {tp}"), format!("{u}: {td}"), E::new(p, d, 0.0))
            }
        };
        self.vars.truncate(n);
        let body = if body.b > CAP {
            let paren = E::new(format!("({})", body.p), format!("({})", body.d), body.b);
            self.squash(paren, 2.0)
        } else {
            body
        };
        let (borrows, non_copy) = self.captures(&body.p);
        let mv = !non_copy && self.rng.chance(0.3);
        let kw = if mv { "move " } else { "" };
        self.line(
            &format!("let {name} = {kw}|{params_p}| {};", body.p),
            &format!("let {name} = {kw}|{params_d}, mg: &mut verify::Margin| {};", body.d),
        );
        self.clos.push(Clo { name, kind, b: body.b, borrows: if mv { Vec::new() } else { borrows } });
        // a first use
        let i = self.clos.len() - 1;
        if let Kind::Bool { .. } = kind {
            // in a condition: `let b = s.iter().any(..);` is rejected (README)
            let v = self.name("v");
            let (p, d) = self.bool_call(i);
            let a = self.expr(2);
            let c = self.expr(2);
            self.line(
                &format!("let {v} = if {p} {{ {} }} else {{ {} }};", a.p, c.p),
                &format!("let {v} = if {d} {{ {} }} else {{ {} }};", a.d, c.d),
            );
            self.push_var(v, a.b.max(c.b), false, false);
        } else {
            let v = self.name("v");
            let e = self.call_clo(i, 2);
            self.line(&format!("let {v} = {};", e.p), &format!("let {v} = {};", e.d));
            self.push_var(v, e.b, false, false);
        }
    }

    /// A call of a float closure: direct, or passed by name to an iterator adaptor.
    pub(super) fn closure_call(&mut self, depth: usize) -> Option<E> {
        if !self.rng.chance(P_CALL) {
            return None;
        }
        let fl: Vec<usize> =
            (0..self.clos.len()).filter(|&i| !matches!(self.clos[i].kind, Kind::Bool { .. })).collect();
        if fl.is_empty() {
            return None;
        }
        let i = fl[self.rng.below(fl.len())];
        Some(self.call_clo(i, depth))
    }

    fn arg(&mut self, depth: usize) -> E {
        let a = self.expr(depth.saturating_sub(1));
        self.squash(a, 2.0)
    }

    /// What a slice closure may be called with: `s`, `w`, local arrays bounded by 2.
    fn slice_args(&self) -> Vec<(String, String)> {
        let mut v = vec![match self.slice {
            SliceKind::Vec => ("&s".to_string(), "&s".to_string()),
            _ => ("s".to_string(), "s".to_string()),
        }];
        if self.has_w {
            let w = if self.w_ref { "w" } else { "&w" };
            v.push((w.into(), w.into()));
        }
        for i in self.readable(true) {
            let h = &self.vars[i];
            if h.b <= 2.0 {
                v.push((format!("&{}", h.name), format!("&{}", h.name)));
            }
        }
        v
    }

    /// The sources a closure may be mapped over: `s`, `w`, local arrays bounded by 2; with their
    /// lengths.
    fn iter_sources(&self) -> Vec<(String, f64)> {
        let mut v = vec![("s".to_string(), super::SLICE_MAX as f64)];
        if self.has_w {
            v.push(("w".into(), 3.0));
        }
        for i in self.readable(true) {
            let h = &self.vars[i];
            if h.b <= 2.0 {
                v.push((h.name.clone(), 3.0));
            }
        }
        v
    }

    fn call_clo(&mut self, i: usize, depth: usize) -> E {
        let c = self.clos[i].clone();
        let f = &c.name;
        let e = match c.kind {
            Kind::F1 if self.rng.chance(0.3) => {
                let srcs = self.iter_sources();
                let (src, len) = srcs[self.rng.below(srcs.len())].clone();
                let p = if self.rng.chance(0.7) {
                    format!("{src}.iter().copied().map({f}).sum::<f64>()")
                } else {
                    format!("{src}.iter().map(|&v| {f}(v)).sum::<f64>()")
                };
                E::new(p, format!("{src}.iter().map(|&v| {f}(v, mg)).fold(D::from(0.0), |p, q| p + q)"), len * c.b)
            }
            Kind::F1 => {
                let a = self.arg(depth);
                E::new(format!("{f}({})", a.p), format!("{f}({}, mg)", a.d), c.b)
            }
            Kind::F2 => {
                let a = self.arg(depth);
                let z = self.arg(depth);
                E::new(format!("{f}({}, {})", a.p, z.p), format!("{f}({}, {}, mg)", a.d, z.d), c.b)
            }
            Kind::Slice => {
                let args = self.slice_args();
                let (p, d) = args[self.rng.below(args.len())].clone();
                E::new(format!("{f}({p})"), format!("{f}({d}, mg)"), c.b)
            }
            Kind::Bool { .. } => unreachable!("boolean closures are called in conditions"),
        };
        if e.b > CAP { self.squash(e, 2.0) } else { e }
    }

    /// A condition through a boolean closure, if one is live.
    pub(super) fn closure_cond(&mut self) -> Option<(String, String)> {
        let bl: Vec<usize> = (0..self.clos.len()).filter(|&i| matches!(self.clos[i].kind, Kind::Bool { .. })).collect();
        if bl.is_empty() || !self.rng.chance(0.3) {
            return None;
        }
        let i = bl[self.rng.below(bl.len())];
        Some(self.bool_call(i))
    }

    fn bool_call(&mut self, i: usize) -> (String, String) {
        let c = self.clos[i].clone();
        let f = &c.name;
        let Kind::Bool { by_ref } = c.kind else { unreachable!() };
        // `near(&x)` with an active `x` is rejected (README): by reference only through iterators
        let (p, d) = if !by_ref && self.rng.chance(0.4) {
            let a = self.arg(2);
            (format!("{f}({})", a.p), format!("{f}({}, mg)", a.d))
        } else {
            let srcs = self.iter_sources();
            let (src, _) = srcs[self.rng.below(srcs.len())].clone();
            let m = self.rng.pick(&["any", "any", "all"]);
            let by_name = self.rng.chance(0.5);
            match (by_ref, by_name) {
                (false, true) => {
                    (format!("{src}.iter().copied().{m}({f})"), format!("{src}.iter().copied().{m}(|v| {f}(v, mg))"))
                }
                (false, false) => {
                    (format!("{src}.iter().{m}(|&v| {f}(v))"), format!("{src}.iter().{m}(|&v| {f}(v, mg))"))
                }
                (true, true) => (format!("{src}.iter().{m}({f})"), format!("{src}.iter().{m}(|v| {f}(v, mg))")),
                (true, false) => (format!("{src}.iter().{m}(|v| {f}(v))"), format!("{src}.iter().{m}(|v| {f}(v, mg))")),
            }
        };
        if self.rng.chance(0.3) { (format!("!{p}"), format!("!{d}")) } else { (p, d) }
    }

    /// `let mut add = |u: f64| acc += ..;` over a new variable or a live one of this loop level,
    /// then a first call.
    fn mut_closure(&mut self) {
        let cands: Vec<usize> = (0..self.vars.len())
            .filter(|&i| {
                let v = &self.vars[i];
                v.mutable
                    && !v.array
                    && !v.frozen
                    && v.level == self.loops.len()
                    && self.live(i)
                    && !self.locked(&v.name)
                    && v.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .collect();
        let acc = if !cands.is_empty() && self.rng.chance(0.5) {
            self.vars[cands[self.rng.below(cands.len())]].name.clone()
        } else {
            let acc = self.name("v");
            let e = self.expr(2);
            let e = self.squash(e, 2.0);
            self.line(&format!("let mut {acc} = {};", e.p), &format!("let mut {acc} = {};", e.d));
            self.push_var(acc.clone(), e.b, true, false);
            acc
        };
        let ai = (0..self.vars.len()).rev().find(|&i| self.vars[i].name == acc).expect("declared");
        let b0 = self.vars[ai].b;
        let bound = b0 + ACC_GROW;
        let name = self.name("add");
        // hidden while its body is generated: the body reads the variable through `acc` only
        self.mclo = Some(MutClo {
            name: name.clone(),
            acc: acc.clone(),
            block: self.block,
            nloops: self.loops.len(),
            left: ACC_GROW,
            per: 0.0,
            borrows: Vec::new(),
            calls: 0,
        });
        let u = self.name("u");
        let n = self.vars.len();
        let ue = self.push_param(&u, 2.0);
        let t = if self.rng.chance(0.4) { self.capture() } else { self.expr(2) };
        let t = self.with_param(&ue, t, false);
        self.vars.truncate(n);
        let (p, d, per) = match self.rng.below(4) {
            0 | 1 => {
                let t = self.squash(t, 1.0);
                let op = self.rng.pick(&["+=", "-="]);
                (format!("{acc} {op} {}", t.p), format!("{acc} {op} {}", t.d), t.b)
            }
            2 => {
                let t = self.squash(t, 1.0);
                (format!("{acc} *= {}", t.p), format!("{acc} *= {}", t.d), 0.0)
            }
            _ => {
                let t = self.squash(t, bound / 2.0);
                (format!("{acc} = {acc} * 0.5 + {}", t.p), format!("{acc} = {acc} * D::from(0.5) + {}", t.d), 0.0)
            }
        };
        let (borrows, _) = self.captures(&p);
        let borrows = borrows.into_iter().filter(|b| *b != acc).collect();
        self.vars[ai].b = bound;
        if let Some(m) = &mut self.mclo {
            m.per = per;
            m.borrows = borrows;
        }
        self.line(
            &format!("let mut {name} = |{u}: f64| {p};"),
            &format!("let mut {name} = |{u}: D, mg: &mut verify::Margin| {d};"),
        );
        if !self.mut_call() {
            // no growth left for even one call: the closure is still called once, with 0
            self.line(&format!("{name}(0.0);"), &format!("{name}(D::from(0.0), mg);"));
            if let Some(m) = &mut self.mclo {
                m.calls += 1;
            }
        }
    }

    /// A call of the assigning closure: `add(x);`, in a small loop, or through `for_each`. False
    /// if its growth budget does not allow one here.
    fn mut_call(&mut self) -> bool {
        let Some(m) = self.mclo.clone() else { return false };
        let mult: f64 = self.loops[m.nloops.min(self.loops.len())..].iter().map(|&k| k as f64).product();
        let form = self.rng.below(5);
        let reps = if form < 3 { 1.0 } else { super::SLICE_MAX as f64 };
        let cost = m.per * mult * reps;
        if cost > m.left {
            return false;
        }
        let f = &m.name;
        match form {
            0..=2 => {
                let a = self.arg(2);
                self.line(&format!("{f}({});", a.p), &format!("{f}({}, mg);", a.d));
            }
            3 => {
                let e = self.name("e");
                let t = self.capture();
                let t = self.squash(t, 2.0);
                let (sp, sd) = match self.slice {
                    SliceKind::Vec => ("&s", "&s"),
                    _ => ("s", "s"),
                };
                self.line(&format!("for &{e} in {sp} {{"), &format!("for &{e} in {sd} {{"));
                self.line(
                    &format!("    {f}(({e} * {}).tanh() * 2.0);", t.p),
                    &format!("    {f}(({e} * {}).tanh() * D::from(2.0), mg);", t.d),
                );
                self.line("}", "}");
                self.loops_made += 1;
            }
            _ => {
                let t = self.capture();
                let t = self.squash(t, 1.0);
                self.line(
                    &format!("s.iter().for_each(|&v| {f}(v * {}));", t.p),
                    &format!("s.iter().for_each(|&v| {f}(v * {}, mg));", t.d),
                );
            }
        }
        if let Some(m) = &mut self.mclo {
            m.left -= cost;
            m.calls += 1;
        }
        true
    }
}
