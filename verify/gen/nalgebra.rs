//! The nalgebra family (issue 13 item 4): programs `aK(p: Vector3<f64>, q: &Vector3<f64>,
//! k: f64, v: &DVector<f64>)` written with nalgebra's operators and methods, returning `f64`
//! (`#[differentiate(forward, hessian)]`) or `Vector3<f64>` (`#[differentiate]`), each beside
//! `aK_dual<D: RealField>`, the same body over num-dual's numbers (which nalgebra evaluates
//! itself). Vector expressions (`+`, `-`, `* s`, `/ s`, `-a`, `cross`, `normalize`,
//! `component_mul`, `scale`, `unscale`, constructors) nest three deep inside reductions (`dot`,
//! `norm`, `norm_squared`, `sum`, components, indexing), in `let`s, `if` arms, `match` arms,
//! `for` loops over ranges and over vectors, closures, early `return`s and compound assignments
//! to `let mut` vectors; names are shadowed by scalars in inner blocks. `DVector` reductions and
//! iterator chains read `v`.

use super::Rng;

/// The length of `v`.
pub const L: usize = 4;

/// An expression in both renderings: `f` over `f64`, `d` over `D: RealField`.
#[derive(Clone)]
struct E {
    f: String,
    d: String,
}

impl E {
    fn same(s: String) -> E {
        E { f: s.clone(), d: s }
    }
}

struct G<'r> {
    rng: &'r mut Rng,
    /// Names in scope, innermost last: (name, is a vector).
    scopes: Vec<Vec<(String, bool)>>,
    /// `let mut` vectors in scope.
    muts: Vec<Vec<String>>,
    closures: Vec<Vec<String>>,
    next: usize,
    vec_out: bool,
    in_closure: bool,
    /// The program's number: its helpers are `aK_h` and `aK_m`.
    k: usize,
}

/// `aK_h(a: Vector3, b: &Vector3, s) -> f64` (`forward, hessian`) and `aK_m(a: Vector3, s) ->
/// Vector3`, each beside its dual twin: one of a few bodies, drawn per program.
fn helpers(rng: &mut Rng, k: usize) -> String {
    let h = [
        ("(a - b).norm() * s.tanh() + a.dot(b)", "(a - b).norm() * s.tanh() + a.dot(b)"),
        ("a.cross(b).norm_squared() + (a.x * s).sin()", "a.cross(b).norm_squared() + (a.x * s).sin()"),
        (
            "let d = a.component_mul(b) * s.tanh();\n    d.sum() + (d + Vector3::new(3.0, 0.5, -0.5)).normalize().y",
            "let d = a.component_mul(b) * s.tanh();\n    d.sum() + (d + Vector3::new(D::from(3.0), D::from(0.5), D::from(-0.5))).normalize().y",
        ),
    ][rng.below(3)];
    let m = [
        ("a * s.tanh() + Vector3::new(s, 1.0, a.x)", "a * s.tanh() + Vector3::new(s, D::from(1.0), a.x)"),
        ("a.cross(&Vector3::new(s, s.sin(), 0.5)) - a", "a.cross(&Vector3::new(s, s.sin(), D::from(0.5))) - a"),
    ][rng.below(2)];
    format!(
        "
#[differentiate(forward, hessian)]
pub fn a{k}_h(a: Vector3<f64>, b: &Vector3<f64>, s: f64) -> f64 {{
    {}
}}

pub fn a{k}_h_dual<D: RealField + Copy + From<f64>>(a: Vector3<D>, b: &Vector3<D>, s: D) -> D {{
    {}
}}

#[differentiate]
pub fn a{k}_m(a: Vector3<f64>, s: f64) -> Vector3<f64> {{
    {}
}}

pub fn a{k}_m_dual<D: RealField + Copy + From<f64>>(a: Vector3<D>, s: D) -> Vector3<D> {{
    {}
}}
",
        h.0, h.1, m.0, m.1
    )
}

impl G<'_> {
    /// A vector passed by value: `q` (a reference) dereferenced.
    fn by_value(&mut self, depth: usize) -> E {
        let e = self.vector(depth);
        if e.f == "q" { E::same("*q".into()) } else { e }
    }

    fn fresh(&mut self, p: &str) -> String {
        self.next += 1;
        format!("{p}{}", self.next)
    }

    fn lookup(&self, name: &str) -> Option<bool> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    fn names(&self, vector: bool) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for s in &self.scopes {
            for (n, _) in s {
                if !all.contains(n) {
                    all.push(n.clone());
                }
            }
        }
        // A closure does not capture a `let mut` vector (it is assigned after the closure).
        let muts: Vec<&String> = self.muts.iter().flatten().collect();
        all.into_iter().filter(|n| self.lookup(n) == Some(vector) && !(self.in_closure && muts.contains(&n))).collect()
    }

    fn lit(&mut self) -> E {
        let c = [0.5, 1.5, -0.25, 2.0, 0.75, -1.0][self.rng.below(6)];
        E { f: format!("({c:?}_f64)"), d: format!("D::from({c:?})") }
    }

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
        self.muts.push(Vec::new());
        self.closures.push(Vec::new());
    }

    fn pop_scope(&mut self) {
        self.scopes.pop();
        self.muts.pop();
        self.closures.pop();
    }

    fn scalar_leaf(&mut self) -> E {
        let scalars = self.names(false);
        let vectors = self.names(true);
        match self.rng.below(6) {
            0 if !scalars.is_empty() => E::same(self.rng.pick_str(&scalars)),
            1 => {
                let a = self.rng.pick_str(&vectors);
                let c = ["x", "y", "z"][self.rng.below(3)];
                E::same(format!("{a}.{c}"))
            }
            2 => {
                let a = self.rng.pick_str(&vectors);
                E::same(format!("{a}[{}]", self.rng.below(3)))
            }
            3 => E::same(format!("v[{}]", self.rng.below(L))),
            4 => E::same("k".into()),
            _ => self.lit(),
        }
    }

    /// A scalar expression `depth` deep.
    fn scalar(&mut self, depth: usize) -> E {
        if depth == 0 || self.rng.chance(0.25) {
            return self.scalar_leaf();
        }
        let closures: Vec<String> = self.closures.iter().flatten().cloned().collect();
        match self.rng.below(16) {
            0 => {
                let (a, b) = (self.vector(depth - 1), self.vector(depth - 1));
                E { f: format!("{}.dot(&{})", a.f, b.f), d: format!("{}.dot(&{})", a.d, b.d) }
            }
            1 => {
                let a = self.vector(depth - 1);
                let m = ["norm", "norm_squared", "sum"][self.rng.below(3)];
                E { f: format!("{}.{m}()", a.f), d: format!("{}.{m}()", a.d) }
            }
            2 => {
                let a = self.vector(depth - 1);
                let i = self.rng.below(3);
                if self.rng.chance(0.5) {
                    E { f: format!("{}[{i}]", a.f), d: format!("{}[{i}]", a.d) }
                } else {
                    let c = ["x", "y", "z"][i];
                    E { f: format!("{}.{c}", a.f), d: format!("{}.{c}", a.d) }
                }
            }
            3 => {
                let m = ["v.dot(v)", "v.norm()", "v.sum()", "v.norm_squared()"][self.rng.below(4)];
                E::same(m.into())
            }
            4 => {
                let x = self.scalar_leaf();
                E {
                    f: format!("v.iter().map(|t| t * {}).sum::<f64>()", x.f),
                    d: format!("v.iter().map(|t| *t * {}).fold(D::from(0.0), |a, b| a + b)", x.d),
                }
            }
            5 | 6 => {
                let (a, b) = (self.scalar(depth - 1), self.scalar(depth - 1));
                let op = ["+", "-", "*"][self.rng.below(3)];
                if op == "*" {
                    E { f: format!("(({}).tanh() * {})", a.f, b.f), d: format!("(({}).tanh() * {})", a.d, b.d) }
                } else {
                    E { f: format!("({} {op} {})", a.f, b.f), d: format!("({} {op} {})", a.d, b.d) }
                }
            }
            7 => {
                let a = self.scalar(depth - 1);
                let m = ["sin", "tanh", "atan", "cos"][self.rng.below(4)];
                E { f: format!("({}).{m}()", a.f), d: format!("({}).{m}()", a.d) }
            }
            8 => {
                let a = self.scalar(depth - 1);
                E {
                    f: format!("(({0}) * ({0}) + 1.0).sqrt()", a.f),
                    d: format!("(({0}) * ({0}) + D::from(1.0)).sqrt()", a.d),
                }
            }
            9 if !closures.is_empty() => {
                let c = self.rng.pick_str(&closures);
                let a = self.scalar(depth - 1);
                E { f: format!("{c}({})", a.f), d: format!("{c}({})", a.d) }
            }
            10 => {
                let a = self.rng.pick_str(&self.names(true));
                E { f: format!("({a}.len() as f64)"), d: format!("D::from({a}.len() as f64)") }
            }
            12 => {
                let (a, b, x) = (self.by_value(depth - 1), self.vector(depth - 1), self.scalar(depth - 1));
                let k = self.k;
                E {
                    f: format!("a{k}_h({}, &{}, {})", a.f, b.f, x.f),
                    d: format!("a{k}_h_dual({}, &{}, {})", a.d, b.d, x.d),
                }
            }
            11 => {
                let c = self.cond();
                let (a, b) = (self.scalar(depth - 1), self.scalar(depth - 1));
                E {
                    f: format!("(if {} {{ {} }} else {{ {} }})", c.f, a.f, b.f),
                    d: format!("(if {} {{ {} }} else {{ {} }})", c.d, a.d, b.d),
                }
            }
            _ => self.scalar_leaf(),
        }
    }

    /// A scalar bounded by 1, as a factor.
    fn factor(&mut self, depth: usize) -> E {
        let s = self.scalar(depth);
        E { f: format!("({}).tanh()", s.f), d: format!("({}).tanh()", s.d) }
    }

    fn vector_leaf(&mut self) -> E {
        let vectors = self.names(true);
        match self.rng.below(8) {
            0 => {
                let (a, b, c) = (self.scalar_leaf(), self.scalar_leaf(), self.scalar_leaf());
                E {
                    f: format!("Vector3::new({}, {}, {})", a.f, b.f, c.f),
                    d: format!("Vector3::new({}, {}, {})", a.d, b.d, c.d),
                }
            }
            1 => {
                let a = self.scalar_leaf();
                E { f: format!("Vector3::repeat({})", a.f), d: format!("Vector3::repeat({})", a.d) }
            }
            2 => E { f: "Vector3::<f64>::zeros()".into(), d: "Vector3::<D>::zeros()".into() },
            _ => E::same(self.rng.pick_str(&vectors)),
        }
    }

    /// A vector expression `depth` deep (compound ones parenthesized).
    fn vector(&mut self, depth: usize) -> E {
        if depth == 0 || self.rng.chance(0.3) {
            return self.vector_leaf();
        }
        let bin =
            |a: E, op: &str, b: E| E { f: format!("({} {op} {})", a.f, b.f), d: format!("({} {op} {})", a.d, b.d) };
        match self.rng.below(10) {
            0 | 1 => {
                let (a, b) = (self.vector(depth - 1), self.vector(depth - 1));
                let op = ["+", "-"][self.rng.below(2)];
                bin(a, op, b)
            }
            2 => {
                let (a, s) = (self.vector(depth - 1), self.factor(depth - 1));
                bin(a, "*", s)
            }
            3 => {
                let (a, s) = (self.vector(depth - 1), self.scalar(depth - 1));
                E {
                    f: format!("({} / (({}) * ({}) + 1.0))", a.f, s.f, s.f),
                    d: format!("({} / (({}) * ({}) + D::from(1.0)))", a.d, s.d, s.d),
                }
            }
            4 => {
                let a = self.vector(depth - 1);
                E { f: format!("(-{})", a.f), d: format!("(-{})", a.d) }
            }
            5 => {
                let (a, b) = (self.vector(depth - 1), self.vector(depth - 1));
                E { f: format!("{}.cross(&{})", a.f, b.f), d: format!("{}.cross(&{})", a.d, b.d) }
            }
            6 => {
                // Away from the origin, so that the norm is not near 0.
                let a = self.vector(depth - 1);
                E {
                    f: format!("({} + Vector3::new(3.0, 0.5, -0.5)).normalize()", a.f),
                    d: format!("({} + Vector3::new(D::from(3.0), D::from(0.5), D::from(-0.5))).normalize()", a.d),
                }
            }
            7 => {
                let (a, b) = (self.vector(depth - 1), self.vector(depth - 1));
                E { f: format!("{}.component_mul(&{})", a.f, b.f), d: format!("{}.component_mul(&{})", a.d, b.d) }
            }
            8 => {
                let (a, s) = (self.vector(depth - 1), self.factor(depth - 1));
                E { f: format!("{}.scale({})", a.f, s.f), d: format!("{}.scale({})", a.d, s.d) }
            }
            _ => {
                let (a, s) = (self.vector(depth - 1), self.scalar(depth - 1));
                E {
                    f: format!("{}.unscale(({}) * ({}) + 1.0)", a.f, s.f, s.f),
                    d: format!("{}.unscale(({}) * ({}) + D::from(1.0))", a.d, s.d, s.d),
                }
            }
        }
    }

    fn cond(&mut self) -> E {
        let (a, b) = (self.scalar(1), self.scalar(1));
        let op = [">", "<"][self.rng.below(2)];
        E { f: format!("{} {op} {}", a.f, b.f), d: format!("{} {op} {}", a.d, b.d) }
    }

    /// What a `return` or the tail gives.
    fn result(&mut self) -> E {
        if self.vec_out {
            let a = self.vector(2);
            let b = self.vector_leaf();
            E { f: format!("{} + {}", a.f, b.f), d: format!("{} + {}", a.d, b.d) }
        } else {
            let a = self.scalar(2);
            E { f: format!("acc + {}", a.f), d: format!("acc + {}", a.d) }
        }
    }

    fn stmts(&mut self, n: usize, depth: usize, out: &mut (String, String), indent: usize) {
        for _ in 0..n {
            self.stmt(depth, out, indent);
        }
    }

    fn line(out: &mut (String, String), indent: usize, e: &E) {
        let pad = "    ".repeat(indent);
        out.0.push_str(&format!("{pad}{}\n", e.f));
        out.1.push_str(&format!("{pad}{}\n", e.d));
    }

    fn block(&mut self, n: usize, depth: usize, indent: usize) -> (String, String) {
        self.push_scope();
        let mut b = (String::new(), String::new());
        self.stmts(n, depth, &mut b, indent);
        self.pop_scope();
        b
    }

    fn stmt(&mut self, depth: usize, out: &mut (String, String), indent: usize) {
        let pad = "    ".repeat(indent);
        let muts: Vec<String> = self.muts.iter().flatten().cloned().collect();
        match self.rng.below(14) {
            0 | 1 => {
                // `let u = q;` would be a reference: `*q`.
                let e = self.by_value(3);
                let u = self.fresh("u");
                Self::line(out, indent, &E { f: format!("let {u} = {};", e.f), d: format!("let {u} = {};", e.d) });
                self.scopes.last_mut().expect("scope").push((u, true));
            }
            2 => {
                let e = self.scalar(3);
                let s = self.fresh("s");
                Self::line(out, indent, &E { f: format!("let {s} = {};", e.f), d: format!("let {s} = {};", e.d) });
                self.scopes.last_mut().expect("scope").push((s, false));
            }
            3 | 4 => {
                let e = self.scalar(3);
                Self::line(out, indent, &E { f: format!("acc += {};", e.f), d: format!("acc += {};", e.d) });
            }
            5 => {
                let mut e = self.vector(2);
                if e.f == "q" {
                    // An owned copy: `let mut m = q;` would hold the reference.
                    e = E::same(if self.rng.chance(0.5) { "*q".into() } else { "q.clone()".into() });
                }
                let m = self.fresh("m");
                Self::line(
                    out,
                    indent,
                    &E { f: format!("let mut {m} = {};", e.f), d: format!("let mut {m} = {};", e.d) },
                );
                self.scopes.last_mut().expect("scope").push((m.clone(), true));
                self.muts.last_mut().expect("scope").push(m);
            }
            6 if !muts.is_empty() => {
                let m = self.rng.pick_str(&muts);
                let e = match self.rng.below(5) {
                    0 | 1 => {
                        let a = self.vector(2);
                        let op = ["+=", "-="][self.rng.below(2)];
                        E { f: format!("{m} {op} {};", a.f), d: format!("{m} {op} {};", a.d) }
                    }
                    2 => {
                        let s = self.factor(1);
                        E { f: format!("{m} *= {};", s.f), d: format!("{m} *= {};", s.d) }
                    }
                    3 => {
                        let s = self.factor(2);
                        let i = self.rng.below(3);
                        E { f: format!("{m}[{i}] = {};", s.f), d: format!("{m}[{i}] = {};", s.d) }
                    }
                    _ => {
                        let s = self.factor(2);
                        let c = ["x", "y", "z"][self.rng.below(3)];
                        E { f: format!("{m}.{c} = {};", s.f), d: format!("{m}.{c} = {};", s.d) }
                    }
                };
                Self::line(out, indent, &e);
            }
            7 if depth > 0 => {
                let c = self.cond();
                let a = self.block(2, depth - 1, indent + 1);
                let nb = 1 + self.rng.below(2);
                let b = self.block(nb, depth - 1, indent + 1);
                out.0.push_str(&format!("{pad}if {} {{\n{}{pad}}} else {{\n{}{pad}}}\n", c.f, a.0, b.0));
                out.1.push_str(&format!("{pad}if {} {{\n{}{pad}}} else {{\n{}{pad}}}\n", c.d, a.1, b.1));
            }
            8 if depth > 0 => {
                // An index loop over the three components, a `match` on the index inside.
                // `i` (a `usize`) is not offered as a float.
                self.push_scope();
                let a = self.vector(2);
                let x = self.scalar(1);
                let mut body = (String::new(), String::new());
                let inner = "    ".repeat(indent + 1);
                body.0.push_str(&format!("{inner}acc += {}[i] * {};\n", a.f, x.f));
                body.1.push_str(&format!("{inner}acc += {}[i] * {};\n", a.d, x.d));
                if self.rng.chance(0.5) {
                    let (m0, m1) = (self.scalar(2), self.scalar(2));
                    body.0.push_str(&format!("{inner}match i {{\n{inner}    0 => acc += {},\n{inner}    1 | 2 => acc -= {},\n{inner}    _ => {{}}\n{inner}}}\n", m0.f, m1.f));
                    body.1.push_str(&format!("{inner}match i {{\n{inner}    0 => acc += {},\n{inner}    1 | 2 => acc -= {},\n{inner}    _ => {{}}\n{inner}}}\n", m0.d, m1.d));
                }
                self.stmts(1, depth - 1, &mut body, indent + 1);
                self.pop_scope();
                out.0.push_str(&format!("{pad}for i in 0..3 {{\n{}{pad}}}\n", body.0));
                out.1.push_str(&format!("{pad}for i in 0..3 {{\n{}{pad}}}\n", body.1));
            }
            9 if depth > 0 => {
                // Not a `let mut` vector: the body may assign to it.
                let vectors: Vec<String> = self.names(true).into_iter().filter(|n| !muts.contains(n)).collect();
                let over_v = self.rng.chance(0.3);
                let a = if over_v { "v".to_string() } else { self.rng.pick_str(&vectors) };
                // `t` (a reference) is read only as `t.sin()`.
                self.push_scope();
                let x = self.scalar(2);
                let mut body = (String::new(), String::new());
                let inner = "    ".repeat(indent + 1);
                body.0.push_str(&format!("{inner}acc += t.sin() * {};\n", x.f));
                body.1.push_str(&format!("{inner}acc += t.sin() * {};\n", x.d));
                self.stmts(1, depth - 1, &mut body, indent + 1);
                self.pop_scope();
                out.0.push_str(&format!("{pad}for t in {a}.iter() {{\n{}{pad}}}\n", body.0));
                out.1.push_str(&format!("{pad}for t in {a}.iter() {{\n{}{pad}}}\n", body.1));
            }
            10 if !self.in_closure => {
                let c = self.fresh("c");
                self.in_closure = true;
                self.push_scope();
                self.scopes.last_mut().expect("scope").push(("z".into(), false));
                let e = self.scalar(2);
                self.pop_scope();
                self.in_closure = false;
                Self::line(
                    out,
                    indent,
                    &E {
                        f: format!("let {c} = |z: f64| z * ({}).tanh();", e.f),
                        d: format!("let {c} = |z: D| z * ({}).tanh();", e.d),
                    },
                );
                self.closures.last_mut().expect("scope").push(c);
            }
            11 if depth > 0 && indent > 1 => {
                let c = self.cond();
                let r = self.result();
                out.0.push_str(&format!("{pad}if {} {{\n{pad}    return {};\n{pad}}}\n", c.f, r.f));
                out.1.push_str(&format!("{pad}if {} {{\n{pad}    return {};\n{pad}}}\n", c.d, r.d));
            }
            13 if self.vec_out => {
                let (a, x) = (self.by_value(2), self.scalar(2));
                let (k, u) = (self.k, self.fresh("u"));
                Self::line(
                    out,
                    indent,
                    &E {
                        f: format!("let {u}: Vector3<f64> = a{k}_m({}, {});", a.f, x.f),
                        d: format!("let {u}: Vector3<D> = a{k}_m_dual({}, {});", a.d, x.d),
                    },
                );
                self.scopes.last_mut().expect("scope").push((u, true));
            }
            12 if indent > 1 => {
                // A vector's name shadowed by a scalar in an inner block.
                let vectors: Vec<String> = self.names(true).into_iter().filter(|n| n.starts_with('u')).collect();
                if let Some(u) = vectors.first().cloned() {
                    let e = self.scalar(2);
                    Self::line(out, indent, &E { f: format!("let {u} = {};", e.f), d: format!("let {u} = {};", e.d) });
                    self.scopes.last_mut().expect("scope").push((u, false));
                }
            }
            _ => {
                let e = self.scalar(2);
                Self::line(out, indent, &E { f: format!("acc += {};", e.f), d: format!("acc += {};", e.d) });
            }
        }
    }
}

impl Rng {
    fn pick_str(&mut self, xs: &[String]) -> String {
        xs[self.below(xs.len())].clone()
    }
}

/// Program `aK`: its source (the `#[differentiate]` function and its dual twin) and its check.
pub fn program(rng: &mut Rng, k: usize) -> String {
    let vec_out = rng.chance(0.3);
    let mut g = G {
        rng,
        scopes: vec![vec![("p".into(), true), ("q".into(), true)]],
        muts: vec![Vec::new()],
        closures: vec![Vec::new()],
        next: 0,
        vec_out,
        in_closure: false,
        k,
    };
    let helpers = helpers(g.rng, k);
    let mut body = (String::from("    let mut acc = 0.0;\n"), String::from("    let mut acc = D::from(0.0);\n"));
    let n = 3 + g.rng.below(4);
    g.push_scope();
    g.stmts(n, 3, &mut body, 1);
    let r = g.result();
    g.pop_scope();
    body.0.push_str(&format!("    {}\n", r.f));
    body.1.push_str(&format!("    {}\n", r.d));
    let (attr, ret_f, ret_d) = if vec_out {
        ("#[differentiate]", "Vector3<f64>", "Vector3<D>")
    } else {
        ("#[differentiate(forward, hessian)]", "f64", "D")
    };
    let src = format!(
        "{attr}\npub fn a{k}(p: Vector3<f64>, q: &Vector3<f64>, k: f64, v: &DVector<f64>) -> {ret_f} {{\n{}}}\n",
        body.0
    );
    let src = format!("{helpers}{src}");
    let mut out = format!("\npub const SRC_A{k}: &str = r##\"{src}\"##;\n\n{src}");
    out.push_str(&format!(
        "\npub fn a{k}_dual<D: RealField + Copy + From<f64>>(p: Vector3<D>, q: &Vector3<D>, k: D, v: &DVector<D>) -> {ret_d} {{\n{}}}\n",
        body.1
    ));
    let args = "p, &q, k, &v";
    let dual = format!("|p, q, k, v| a{k}_dual(p, q, k, v)");
    if vec_out {
        out.push_str(&format!(
            "\nfn check_a{k}(x: &[f64], t: &[f64]) -> Result<(), String> {{
    let (p, q, k, v) = unpack(x);
    let value = a{k}({args});
    let (out, jp, jq, jk, jv) = a{k}_jacobian({args});
    let rows: Vec<Vec<f64>> = (0..3).map(|i| flat(&jp[i], &jq[i], jk[i], &jv[i])).collect();
    let seed = Vector3::new(t[0], t[1], t[2]);
    let (vout, gp, gq, gk, gv) = a{k}_vjp({args}, seed);
    check_vector(x, value, out, vout, &rows, &flat(&gp, &gq, gk, &gv), &seed, {dual})
}}\n"
        ));
    } else {
        out.push_str(&format!(
            "\nfn check_a{k}(x: &[f64], t: &[f64]) -> Result<(), String> {{
    let (p, q, k, v) = unpack(x);
    let (tp, tq, tk, tv) = unpack(t);
    let value = a{k}({args});
    let (gvalue, gp, gq, gk, gv) = a{k}_grad({args});
    let (jvalue, jvp) = a{k}_jvp({args}, tp, tq, tk, &tv);
    let (hvalue, _, _, _, _, hp, hq, hk, hv) = a{k}_hvp({args}, tp, tq, tk, tv.clone());
    let (_, _, _, _, _, hess) = a{k}_hessian({args});
    check_scalar(
        x,
        t,
        [value, gvalue, jvalue, hvalue],
        &flat(&gp, &gq, gk, &gv),
        jvp,
        &flat(&hp, &hq, hk, &hv),
        &hess,
        {dual},
        |p, q, k, v| a{k}_dual(p, q, k, v),
    )
}}\n"
        ));
    }
    out
}
