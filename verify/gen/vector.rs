//! Vector outputs (CONTRACT.md §8): the `v` family. A program `vK` returns `[f64; 2]`,
//! `[f64; 3]` or `(f64, f64)` built from its body's values (early `return`s inside `if`s and
//! loops, diverging `let`s, a tail `if`, a vector helper's result returned as is), and is checked
//! through `vK_jacobian` (row by row) and `vK_vjp` (with a seed drawn from the point); or it
//! returns `f64` and calls vector-valued helpers `vK_v0` (`let [a, b] = vK_v0(..);`,
//! `let r: [f64; 2] = vK_v0(..); r[0]`, an untyped `let r = vK_v0(..);` read by index,
//! `let (u, v) = vK_v0(..);`), and is checked through `vK_grad`. No `v` program is `forward`:
//! forward mode cannot go through a vector-valued call (a spanned error).
//!
//! `Vec<f64>` outputs (issue 13): some programs whose output was drawn as `[f64; N]` return
//! `Vec<f64>` instead (chosen from the program's number, so that the random stream, and every
//! other program, stays as it was): `vec![..]` literals, and for the tail sometimes a
//! `Vec::with_capacity` buffer filled by `push` or the `.collect()` of an array's elements.
//! Their early `return`s stay out of loops (a new `Vec` returned from a loop is a documented
//! error). Helpers never return `Vec`.

use super::{CAP, E, Gen};

/// The shape of a vector output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Out {
    /// `[f64; N]`
    Arr(usize),
    /// `(f64, f64, ..)`
    Tup(usize),
    /// `Vec<f64>` of this many elements.
    Vec(usize),
}

impl Out {
    pub(super) fn n(self) -> usize {
        match self {
            Out::Arr(n) | Out::Tup(n) | Out::Vec(n) => n,
        }
    }
    /// The type with elements `f`.
    pub(super) fn ty(self, f: &str) -> String {
        match self {
            Out::Arr(n) => format!("[{f}; {n}]"),
            Out::Tup(n) => format!("({})", vec![f; n].join(", ")),
            Out::Vec(_) => format!("Vec<{f}>"),
        }
    }
    /// A value of this shape from its components.
    pub(super) fn wrap(self, items: &[String]) -> String {
        match self {
            Out::Arr(_) => format!("[{}]", items.join(", ")),
            Out::Tup(_) => format!("({})", items.join(", ")),
            Out::Vec(_) => format!("vec![{}]", items.join(", ")),
        }
    }
    /// Component `i` of the value `v`.
    pub(super) fn get(self, v: &str, i: usize) -> String {
        match self {
            Out::Arr(_) | Out::Vec(_) => format!("{v}[{i}]"),
            Out::Tup(_) => format!("{v}.{i}"),
        }
    }
    /// For program `k`, some arrays become `Vec`s (no random draw: see the module's doc).
    pub(super) fn vec_for(self, k: usize) -> Out {
        match self {
            Out::Arr(n) if k.is_multiple_of(2) => Out::Vec(n),
            other => other,
        }
    }
    /// A random shape: mostly pairs.
    pub(super) fn draw(rng: &mut super::Rng) -> Out {
        match rng.below(5) {
            0 | 1 => Out::Arr(2),
            2 => Out::Arr(3),
            _ => Out::Tup(2),
        }
    }
}

/// A vector-valued helper `vK_vJ` the program may call.
#[derive(Clone)]
pub(super) struct VCallee {
    pub(super) c: super::Callee,
    pub(super) out: Out,
}

/// Per statement: chance of a call to a vector-valued helper (when there is one).
const P_VCALL: f64 = 0.1;

impl Gen<'_> {
    /// Whether a `return` of a new value may be written here: not of a new `Vec` from inside a
    /// loop (a documented error).
    pub(super) fn new_vec_return_ok(&self) -> bool {
        self.loops.is_empty() || !matches!(self.vout, Some(Out::Vec(_)))
    }

    /// A statement calling a vector-valued helper, sometimes (`P_VCALL`).
    pub(super) fn vcall_hook(&mut self) -> bool {
        if self.vcallees.is_empty() || !self.rng.chance(P_VCALL) {
            return false;
        }
        let j = self.rng.below(self.vcallees.len());
        self.vcall_stmt(j);
        true
    }

    /// `let [a, b] = h(..);`, `let r: [f64; 2] = h(..); let a = r[1];`, `let r = h(..);
    /// let a = r[0] - r[1];` or `let (u, v) = h(..);`: declares float variables from a call to
    /// vector helper `j`.
    pub(super) fn vcall_stmt(&mut self, j: usize) {
        let VCallee { c, out } = self.vcallees[j].clone();
        let (ap, ad) = self.call_args(c.sig, 2);
        let call_p = format!("{}({})", c.name, ap.join(", "));
        let call_d = format!("{}_dual({})", c.name, ad.join(", "));
        let n = out.n();
        let destructure = matches!(out, Out::Tup(_)) || self.rng.chance(0.4);
        if destructure {
            // `_` for one component now and then
            let skip = (self.rng.chance(0.25)).then(|| self.rng.below(n));
            let names: Vec<String> =
                (0..n).map(|i| if Some(i) == skip { "_".to_string() } else { self.name("v") }).collect();
            let pat = out.wrap(&names);
            self.line(&format!("let {pat} = {call_p};"), &format!("let {pat} = {call_d};"));
            for name in names.into_iter().filter(|n| n != "_") {
                if c.b > CAP {
                    let e = self.squash(E::same(name.clone(), c.b), CAP);
                    let v = self.name("v");
                    self.line(&format!("let {v} = {};", e.p), &format!("let {v} = {};", e.d));
                    self.push_var(v, e.b, false, false);
                } else {
                    self.push_var(name, c.b, false, false);
                }
            }
            return;
        }
        let r = self.name("r");
        // an untyped `let r = g(..);` read by index only where the engine knows the length
        // without a type: not in a loop or branch, nor after an early `return` (a documented
        // limitation: "the length of this call's result is not known here")
        let untyped_ok = self.block == 0 && self.loops.is_empty() && self.returns_made == 0;
        if !untyped_ok || self.rng.chance(0.5) {
            self.line(
                &format!("let {r}: {} = {call_p};", out.ty("f64")),
                &format!("let {r}: {} = {call_d};", out.ty("D")),
            );
        } else {
            self.line(&format!("let {r} = {call_p};"), &format!("let {r} = {call_d};"));
        }
        let reads = 1 + self.rng.below(2);
        for _ in 0..reads {
            let i = self.rng.below(n);
            let e = if self.rng.chance(0.5) {
                E::same(out.get(&r, i), c.b)
            } else {
                let k = (i + 1) % n;
                E::same(format!("({} - {})", out.get(&r, i), out.get(&r, k)), 2.0 * c.b)
            };
            let e = self.squash(e, CAP);
            let v = self.name("v");
            self.line(&format!("let {v} = {};", e.p), &format!("let {v} = {};", e.d));
            self.push_var(v, e.b, false, false);
        }
    }

    /// The value of a `return` (or the function's result): a float, or for a vector-valued
    /// function a vector of expressions, sometimes a vector helper's result of the same shape.
    pub(super) fn ret_expr(&mut self, depth: usize) -> E {
        let Some(out) = self.vout else {
            return self.expr(depth);
        };
        let same: Vec<usize> = (0..self.vcallees.len()).filter(|&j| self.vcallees[j].out == out).collect();
        if !same.is_empty() && self.rng.chance(0.25) {
            let c = self.vcallees[same[self.rng.below(same.len())]].c.clone();
            let (ap, ad) = self.call_args(c.sig, depth);
            return E::new(
                format!("{}({})", c.name, ap.join(", ")),
                format!("{}_dual({})", c.name, ad.join(", ")),
                c.b,
            );
        }
        let comps: Vec<E> = (0..out.n()).map(|_| self.expr(depth)).collect();
        self.wrap_out(out, &comps)
    }

    pub(super) fn wrap_out(&mut self, out: Out, comps: &[E]) -> E {
        let p: Vec<String> = comps.iter().map(|e| e.p.clone()).collect();
        let d: Vec<String> = comps.iter().map(|e| e.d.clone()).collect();
        let b = comps.iter().map(|e| e.b).fold(0.0, f64::max);
        E::new(out.wrap(&p), out.wrap(&d), b)
    }

    /// The result of a vector-valued function: the first component is `first` (the sum of live
    /// values a float function returns), the others more expressions of the body's values.
    pub(super) fn vector_result(&mut self, out: Out, first: E, terms: &[E]) -> E {
        let mut comps = vec![first];
        for _ in 1..out.n() {
            let e = self.expr(2);
            if !terms.is_empty() && self.rng.chance(0.5) {
                let t = terms[self.rng.below(terms.len())].clone();
                comps.push(E::new(format!("{} - {}", t.p, e.p), format!("{} - {}", t.d, e.d), t.b + e.b));
            } else {
                comps.push(e);
            }
        }
        if self.rng.chance(0.2) {
            comps.reverse();
        }
        if let Out::Vec(_) = out {
            return self.vec_value(&comps);
        }
        self.wrap_out(out, &comps)
    }

    /// A `Vec` of `comps` as the function's tail: a `vec![..]` literal, or a buffer built
    /// before it (`push` onto `Vec::with_capacity`, `.collect()` of an array's elements) and
    /// returned by name.
    fn vec_value(&mut self, comps: &[E]) -> E {
        let b = comps.iter().map(|e| e.b).fold(0.0, f64::max);
        let r = self.name("rv");
        match self.rng.below(3) {
            0 => {
                self.line(
                    &format!("let mut {r} = Vec::with_capacity({});", comps.len()),
                    &format!("let mut {r} = Vec::with_capacity({});", comps.len()),
                );
                for e in comps {
                    self.line(&format!("{r}.push({});", e.p), &format!("{r}.push({});", e.d));
                }
                E::new(r.clone(), r, b)
            }
            1 => {
                let p: Vec<String> = comps.iter().map(|e| e.p.clone()).collect();
                let d: Vec<String> = comps.iter().map(|e| e.d.clone()).collect();
                let a = self.name("ra");
                self.line(&format!("let {a} = [{}];", p.join(", ")), &format!("let {a} = [{}];", d.join(", ")));
                self.line(
                    &format!("let {r}: Vec<f64> = {a}.iter().map(|v| *v * 1.0).collect();"),
                    &format!("let {r}: Vec<D> = {a}.iter().map(|v| *v * D::from(1.0)).collect();"),
                );
                E::new(r.clone(), r, b)
            }
            _ => self.wrap_out(Out::Vec(comps.len()), comps),
        }
    }
}
