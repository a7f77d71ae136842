//! The soundness family (issue 11): the constructs the engine treats as constant or opaque
//! (closures over constant data, method chains on constant receivers, blocks, casts,
//! references, struct and tuple expressions, calls of constant functions, macro arguments,
//! conditions), each reached by an active value, nested in each other and in the oracle's
//! constructs (`if` arms, loops, conditions). `build.rs` expands every program with the engine's
//! own source: a program with a `compile_error!` in its expansion is rejected (counted, its first
//! message kept); every other one is emitted and checked against num-dual like the oracle's.

use super::{E, Gen, IdxKind, lit, recv};

impl Gen<'_> {
    /// An active value for a construct: an expression squashed to the inputs' bound.
    fn active_arg(&mut self, depth: usize) -> E {
        let x = self.expr(depth.saturating_sub(1));
        self.squash(x, 2.0)
    }

    /// A closure body over the element `v` (plain `v: &f64` or `f64`, dual `v: D`) and `x`.
    fn closure_body(&mut self, x: &E) -> E {
        let (xp, xd) = (&x.p, &x.d);
        match self.rng.below(5) {
            0 => E::new(format!("(v - {xp}).powi(2)"), format!("(v - {xd}).powi(2)"), (2.0 + x.b).powi(2)),
            1 => E::new(format!("({xp} * v).sin()"), format!("({xd} * v).sin()"), 1.0),
            2 => E::new(format!("(v * {xp})"), format!("(v * {xd})"), 2.0 * x.b),
            3 => E::new(format!("(v + {xp}).tanh()"), format!("(v + {xd}).tanh()"), 1.0),
            _ => E::new(format!("{}.max(v)", recv(xp)), format!("vmax({xd}, v, mg)"), x.b.max(2.0)),
        }
    }

    /// A soundness construct as an expression.
    pub(super) fn sound_expr(&mut self, depth: usize) -> E {
        let x = self.active_arg(depth);
        let closures = self.sh.on("sound_closures");
        let pick = if closures { self.rng.below(16) } else { self.rng.pick(&[5, 6, 7, 8, 9, 10, 11, 13, 14, 15]) };
        let e = match pick {
            0 | 1 => {
                // `s.iter().map(|v| ..).sum::<f64>()`
                let t = self.closure_body(&x);
                let pat = if t.p.contains(".max(v)") || self.rng.chance(0.5) { "&v" } else { "v" };
                E::new(
                    format!("s.iter().map(|{pat}| {}).sum::<f64>()", t.p),
                    format!("s.iter().map(|&v| {}).fold(D::from(0.0), |a, b| a + b)", t.d),
                    6.0 * t.b,
                )
            }
            2 => {
                // `s.iter().fold(0.0, |acc, &v| acc + ..)`
                let t = self.closure_body(&x);
                E::new(
                    format!("s.iter().fold(0.0, |acc, &v| acc + {})", t.p),
                    format!("s.iter().fold(D::from(0.0), |acc, &v| acc + {})", t.d),
                    6.0 * t.b,
                )
            }
            3 => {
                // `s.first().copied().map_or(x, |f| f * y)`
                let y = self.leaf();
                let y = self.squash(y, 2.0);
                E::new(
                    format!("s.first().copied().map_or({}, |f| f * {})", x.p, y.p),
                    format!("s.first().copied().map_or({}, |f| f * {})", x.d, y.d),
                    x.b.max(2.0 * y.b),
                )
            }
            4 => {
                // a count through a comparison: piecewise constant
                let (op, f) = self.rng.pick(&[(">", "gt"), ("<", "lt")]);
                E::new(
                    format!("(s.iter().filter(|&&v| v {op} {}).count() as f64)", x.p),
                    format!("D::from(s.iter().filter(|&&v| {f}(v, {}, mg)).count() as f64)", x.d),
                    6.0,
                )
            }
            5 => {
                // a block
                let c = self.rng.pick(&[2.0, 0.5, -1.5]);
                let l = lit(c);
                E::new(
                    format!("({{ let t = {} * {}; t }})", x.p, l.p),
                    format!("({{ let t = {} * {}; t }})", x.d, l.d),
                    x.b * 1.5f64.max(c.abs()),
                )
            }
            6 => {
                // an integer cast: piecewise constant
                let c = self.rng.pick(&[3.0, 1.5, 0.7]);
                let l = lit(c);
                E::new(
                    format!("(({} * {}) as i32 as f64)", x.p, l.p),
                    format!("D::from(vtrunc_i32({} * {}, mg) as f64)", x.d, l.d),
                    x.b * c + 1.0,
                )
            }
            7 => E::new(format!("(*&{})", x.p), format!("(*&{})", x.d), x.b),
            8 => {
                if self.rng.chance(0.5) {
                    E::new(format!("({}, 1.0).0", x.p), format!("({}, D::from(1.0)).0", x.d), x.b)
                } else {
                    E::new(format!("(0.5, {}).1", x.p), format!("(D::from(0.5), {}).1", x.d), x.b)
                }
            }
            9 => {
                let field = self.rng.pick(&["x", "y"]);
                let (a, b) = if field == "x" { (x.clone(), lit(1.0)) } else { (lit(-0.5), x.clone()) };
                E::new(
                    format!("(verify::Pt {{ x: {}, y: {} }}).{field}", a.p, b.p),
                    format!("(verify::Pt {{ x: {}, y: {} }}).{field}", a.d, b.d),
                    x.b.max(1.0),
                )
            }
            10 => {
                // a constant function of a constant, or of an integer cast of an active value
                if self.rng.chance(0.5) {
                    let arg = if self.has_n && self.rng.chance(0.5) { "n" } else { "s.len()" };
                    E::new(
                        format!("(verify::cfun({arg}) * {})", x.p),
                        format!("(D::from(verify::cfun({arg})) * {})", x.d),
                        (0.5 * 6.0 + 0.25) * x.b,
                    )
                } else {
                    E::new(
                        format!("verify::cfun({}.abs() as usize % 3)", recv(&x.p)),
                        format!("D::from(verify::cfun(vabs_usize({}, mg) % 3))", x.d),
                        1.25,
                    )
                }
            }
            11 => {
                if self.rng.chance(0.5) {
                    E::new(format!("vec![{}, 1.0][0]", x.p), format!("vec![{}, D::from(1.0)][0]", x.d), x.b)
                } else {
                    E::new(format!("vec![{}; 2][1]", x.p), format!("vec![{}; 2][1]", x.d), x.b)
                }
            }
            12 => {
                // a local closure: capturing an active value, or called with one
                let c = self.rng.pick(&[1.5, 0.5, -0.75]);
                let l = lit(c);
                if self.rng.chance(0.5) {
                    E::new(
                        format!("({{ let f = |v: f64| (v * {}).sin(); f({}) }})", x.p, l.p),
                        format!("({{ let mut f = |v: D| (v * {}).sin(); f({}) }})", x.d, l.d),
                        1.0,
                    )
                } else {
                    E::new(
                        format!("({{ let f = |v: f64| v * {} + 1.0; f({}) }})", l.p, x.p),
                        format!("({{ let f = |v: D| v * {} + D::from(1.0); f({}) }})", l.d, x.d),
                        x.b * c.abs() + 1.0,
                    )
                }
            }
            13 => {
                // method chains on the slice: its sum, its length, its maximum
                // (`fold(x, f64::max)` is an iterator chain: with "sound_closures")
                match self.rng.below(if closures { 3 } else { 2 }) {
                    0 => E::new(
                        format!("(s.iter().sum::<f64>() * {})", x.p),
                        format!("(s.iter().fold(D::from(0.0), |a, &b| a + b) * {})", x.d),
                        12.0 * x.b,
                    ),
                    1 => E::new(
                        format!("(s.len() as f64 * {})", x.p),
                        format!("(D::from(s.len() as f64) * {})", x.d),
                        6.0 * x.b,
                    ),
                    _ => E::new(
                        format!("s.iter().copied().fold({}, f64::max)", x.p),
                        format!("s.iter().copied().fold({}, |a, b| vmax(a, b, mg))", x.d),
                        x.b.max(2.0),
                    ),
                }
            }
            14 => {
                let (c, cd) = self.sound_cond(depth);
                let y = self.leaf();
                E::new(
                    format!("(if {c} {{ {} }} else {{ {} }})", x.p, y.p),
                    format!("(if {cd} {{ {} }} else {{ {} }})", x.d, y.d),
                    x.b.max(y.b),
                )
            }
            _ => {
                // `x.powi(k)` with `k` an integer cast of an active value
                E::new(
                    format!("{}.powi(({}.abs() as i32) % 3)", recv(&x.p), recv(&x.p)),
                    format!("{}.powi((vabs_usize({}, mg) % 3) as i32)", recv(&x.d), x.d),
                    x.b.max(1.0).powi(2),
                )
            }
        };
        if e.b > super::CAP { self.squash(e, 2.0) } else { e }
    }

    /// A condition through a soundness construct.
    pub(super) fn sound_cond(&mut self, depth: usize) -> (String, String) {
        let x = self.active_arg(depth.min(2));
        let closures = self.sh.on("sound_closures");
        let pick = if closures { self.rng.below(7) } else { 2 + self.rng.below(5) };
        match pick {
            0 => (format!("s.iter().any(|&v| v > {})", x.p), format!("s.iter().any(|&v| gt(v, {}, mg))", x.d)),
            1 => (format!("s.iter().all(|&v| v < {})", x.p), format!("s.iter().all(|&v| lt(v, {}, mg))", x.d)),
            2 => (
                format!("({{ let t = {}; t > 0.5 }})", x.p),
                format!("({{ let t = {}; gt(t, D::from(0.5), mg) }})", x.d),
            ),
            3 => (format!("({} as i32) > 0", recv(&x.p)), format!("vtrunc_i32({}, mg) > 0", x.d)),
            4 => (
                format!("(verify::Pt {{ x: {}, y: 0.0 }}).x > 0.25", x.p),
                format!("gt(verify::Pt {{ x: {}, y: D::from(0.0) }}.x, D::from(0.25), mg)", x.d),
            ),
            5 if !self.bools.is_empty() => {
                let b = self.bools[self.rng.below(self.bools.len())].clone();
                (b.clone(), b)
            }
            _ => (format!("{}.is_sign_negative()", recv(&x.p)), format!("vsign_negative({}, mg)", x.d)),
        }
    }

    /// A soundness construct as a statement.
    pub(super) fn sound_stmt(&mut self) {
        let x = self.active_arg(2);
        let closures = self.sh.on("sound_closures");
        let pick = if closures { self.rng.below(8) } else { 3 + self.rng.below(5) };
        match pick {
            0 => {
                let t = self.name("t");
                let body = self.closure_body(&x);
                let pat = if body.p.contains(".max(v)") { "&v" } else { "v" };
                self.line(
                    &format!("let {t}: f64 = s.iter().map(|{pat}| {}).sum();", body.p),
                    &format!("let {t}: D = s.iter().map(|&v| {}).fold(D::from(0.0), |a, b| a + b);", body.d),
                );
                self.push_var(t, 6.0 * body.b, false, false);
            }
            1 => {
                let c = self.name("c");
                let body = self.closure_body(&x);
                let pat = if body.p.contains(".max(v)") { "&v" } else { "v" };
                self.line(
                    &format!("let {c}: Vec<f64> = s.iter().map(|{pat}| {}).collect();", body.p),
                    &format!("let {c}: Vec<D> = s.iter().map(|&v| {}).collect();", body.d),
                );
                let i = self.rng.pick(&["0", "1"]);
                self.push_var(format!("{c}[{i}]"), body.b, false, false);
            }
            2 => {
                let t = self.name("t");
                let body = self.closure_body(&x);
                let body = self.squash(body, 1.0);
                let pat = if body.p.contains(".max(v)") { "&v" } else { "v" };
                self.line(&format!("let mut {t} = 0.0;"), &format!("let mut {t} = D::from(0.0);"));
                self.line(
                    &format!("s.iter().for_each(|{pat}| {t} += {});", body.p),
                    &format!("s.iter().for_each(|&v| {t} += {});", body.d),
                );
                self.push_var(t, 6.0 * body.b, false, false);
            }
            3 => {
                let big = format!("{:?}", (x.b + 1.0).ceil());
                if self.rng.chance(0.5) {
                    self.line(&format!("assert!({} < {big});", x.p), &format!("assert!({}.re() < {big});", recv(&x.d)));
                } else {
                    self.line(
                        &format!("debug_assert!({}.is_finite());", recv(&x.p)),
                        &format!("debug_assert!({}.re().is_finite());", recv(&x.d)),
                    );
                }
            }
            4 => {
                let b = self.name("b");
                let (c, cd) = self.sound_cond(2);
                self.line(&format!("let {b} = {c};"), &format!("let {b} = {cd};"));
                self.bools.push(b);
            }
            5 => {
                // an integer from an active value: a count, a condition, a float again
                let k = self.name("k");
                let v = self.name("v");
                self.line(
                    &format!("let {k} = ({} * 2.0) as i32;", x.p),
                    &format!("let {k} = vtrunc_i32({} * D::from(2.0), mg);", x.d),
                );
                self.line(&format!("let {v} = {k} as f64;"), &format!("let {v} = D::from({k} as f64);"));
                self.bools.push(format!("({k} > 0)"));
                self.push_var(v, 2.0 * x.b + 1.0, false, false);
            }
            6 => {
                let k = self.name("k");
                self.line(
                    &format!("let {k} = {}.abs() as usize % 3;", recv(&x.p)),
                    &format!("let {k} = vabs_usize({}, mg) % 3;", x.d),
                );
                self.idx.push((k, IdxKind::Any));
            }
            _ => {
                let r = self.name("r");
                let v = self.name("v");
                self.line(&format!("let {r} = &{};", x.p), &format!("let {r} = &{};", x.d));
                self.line(&format!("let {v} = *{r} * 1.5;"), &format!("let {v} = *{r} * D::from(1.5);"));
                self.push_var(v, 1.5 * x.b, false, false);
            }
        }
    }
}
