//! Tuple assignment `(a, b) = (a + e, f);`, and the `Option` of an element of `s` (issue 12,
//! `lower_option.rs`): `s.first()`, `s.last()`,
//! `s.get(i)` taken apart by `if let Some(&e) = ..`, `match .. { Some(e) => .., None => .. }`,
//! `let Some(&e) = .. else { return ..; }`, `.copied().unwrap_or(..)`, `*s.get(i).unwrap_or(&..)`,
//! `.map_or(.., |e| e * ..)` and `*s.last().unwrap()`. The element bound is read in its arm, so its gradient reaches `s`
//! only through the binding. `s.get(i)` may be out of range: its
//! `None` arm is then the one taken.

use super::{E, Gen, IdxKind};

/// Per statement: chance of one of these.
const P_OPTION: f64 = 0.03;
/// Per statement: chance of a tuple assignment.
const P_TUPLE_ASSIGN: f64 = 0.03;

impl Gen<'_> {
    /// `s.first()`, `s.last()` or `s.get(i)` (`i` a name or a literal).
    fn elem_option(&mut self) -> String {
        match self.rng.below(4) {
            0 => "first()".into(),
            1 => "last()".into(),
            2 if !self.idx.is_empty() => {
                let direct: Vec<String> =
                    self.idx.iter().filter(|(_, k)| *k != IdxKind::Any).map(|(n, _)| n.clone()).collect();
                if direct.is_empty() {
                    "get(1)".into()
                } else {
                    format!("get({})", direct[self.rng.below(direct.len())])
                }
            }
            _ => format!("get({})", self.rng.pick(&[0, 1, 2, 7])),
        }
    }

    /// The arm that has the element (read as `read`): the element times an expression. (The
    /// element is not offered to the expression as a variable: what an expression generates may
    /// emit lines before the statement, where the element is not bound.)
    fn with_elem(&mut self, read: &str) -> E {
        let a = self.expr(2);
        E::new(format!("({read} * {})", a.p), format!("({read} * {})", a.d), 2.0 * a.b)
    }

    /// A statement with an element `Option`, sometimes (`P_OPTION`).
    pub(super) fn option_stmt(&mut self) -> bool {
        if !self.sh.on("elem_option") || !self.rng.chance(P_OPTION) {
            return false;
        }
        let name = self.name("v");
        let e = self.name("e");
        let src = self.elem_option();
        let v = match self.rng.below(5) {
            0 => {
                let a = self.with_elem(&e);
                let b = self.expr(2);
                self.line(
                    &format!("let {name} = if let Some(&{e}) = s.{src} {{ {} }} else {{ {} }};", a.p, b.p),
                    &format!("let {name} = if let Some(&{e}) = s.{src} {{ {} }} else {{ {} }};", a.d, b.d),
                );
                a.b.max(b.b)
            }
            1 => {
                let a = self.with_elem(&format!("(*{e})"));
                let b = self.expr(2);
                let (some_p, some_d) = (format!("Some({e}) => {}", a.p), format!("Some({e}) => {}", a.d));
                let (none_p, none_d) = (format!("None => {}", b.p), format!("None => {}", b.d));
                let (p, d) = if self.rng.chance(0.5) {
                    (format!("{some_p}, {none_p}"), format!("{some_d}, {none_d}"))
                } else {
                    (format!("{none_p}, {some_p}"), format!("{none_d}, {some_d}"))
                };
                self.line(
                    &format!("let {name} = match s.{src} {{ {p} }};"),
                    &format!("let {name} = match s.{src} {{ {d} }};"),
                );
                a.b.max(b.b)
            }
            2 => {
                let b = self.expr(2);
                self.line(
                    &format!("let {name} = s.{src}.copied().unwrap_or({});", b.p),
                    &format!("let {name} = s.{src}.copied().unwrap_or({});", b.d),
                );
                b.b.max(2.0)
            }
            3 => {
                let m = self.rng.pick(&["first", "last"]);
                let a = self.expr(2);
                self.line(
                    &format!("let {name} = *s.{m}().unwrap() * {};", a.p),
                    &format!("let {name} = *s.{m}().unwrap() * {};", a.d),
                );
                2.0 * a.b
            }
            // `let .. else` leaves the function: at its top level only, as an early return does.
            _ if self.block == 0 && self.loops.is_empty() && self.returns_made < 2 && self.new_vec_return_ok() => {
                self.returns_made += 1;
                for x in &mut self.exited {
                    *x = true;
                }
                let r = self.ret_expr(2);
                self.returned = self.returned.max(r.b);
                self.line(
                    &format!("let Some(&{e}) = s.{src} else {{ return {}; }};", r.p),
                    &format!("let Some(&{e}) = s.{src} else {{ return {}; }};", r.d),
                );
                self.push_var(e, 2.0, false, false);
                return true;
            }
            _ if self.rng.chance(0.5) => {
                let b = self.expr(2);
                self.line(
                    &format!("let {name} = *s.{src}.unwrap_or(&({}));", b.p),
                    &format!("let {name} = *s.{src}.unwrap_or(&({}));", b.d),
                );
                b.b.max(2.0)
            }
            _ => {
                let b = self.expr(2);
                let a = self.expr(1);
                let a = self.squash(a, 2.0);
                self.line(
                    &format!("let {name} = s.{src}.map_or({}, |{e}| {e} * {});", b.p, a.p),
                    &format!("let {name} = s.{src}.map_or({}, |{e}| *{e} * {});", b.d, a.d),
                );
                b.b.max(2.0 * a.b)
            }
        };
        self.push_var(name, v, false, false);
        true
    }

    /// `(a, b) = (a op e, b op f);` for two mutable variables, sometimes (`P_TUPLE_ASSIGN`):
    /// both right-hand sides read the old values, so each is drawn with the other's old bound.
    pub(super) fn tuple_assign_stmt(&mut self) -> bool {
        if !self.sh.on("tuple_assign") || !self.rng.chance(P_TUPLE_ASSIGN) {
            return false;
        }
        let Some(i) = self.writable(false) else { return false };
        let Some(j) = self.writable(false) else { return false };
        if i == j || self.vars[i].name == self.vars[j].name {
            return false;
        }
        let old_i = self.vars[i].b;
        let (op_i, e_i) = self.write_rhs(i);
        let new_i = self.vars[i].b;
        self.vars[i].b = old_i;
        let (op_j, e_j) = self.write_rhs(j);
        self.vars[i].b = new_i;
        let rhs = |name: &str, op: &str, e: &E| -> (String, String) {
            match op.strip_suffix('=').filter(|o| !o.is_empty()) {
                Some(o) => (format!("{name} {o} ({})", e.p), format!("{name} {o} ({})", e.d)),
                // `(v, ..) = (v, ..)` is a self-assignment
                None if e.p == name => (format!("({name} * 1.0)"), format!("({name} * D::from(1.0))")),
                None => (e.p.clone(), e.d.clone()),
            }
        };
        let (a, b) = (self.vars[i].name.clone(), self.vars[j].name.clone());
        let ((pa, da), (pb, db)) = (rhs(&a, op_i, &e_i), rhs(&b, op_j, &e_j));
        self.line(&format!("({a}, {b}) = ({pa}, {pb});"), &format!("({a}, {b}) = ({da}, {db});"));
        true
    }
}
