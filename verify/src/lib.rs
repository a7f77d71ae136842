//! Runtime support for the random-program oracle (see `README.md`).
//!
//! `build.rs` writes `N` random programs into `OUT_DIR`, each twice: once as a plain
//! `#[differentiate] fn pK(...) -> f64`, once generic over [`num_dual::DualNum<f64>`] as
//! `pK_dual`. The generic version calls the helpers of this crate for every comparison and every
//! kink (`max`, `min`, `abs`, `clamp`, `floor`, ...), which record in a [`Margin`] how close the
//! evaluation came to flipping a branch. The oracle (`tests/oracle.rs`) evaluates `pK_dual` with
//! [`Dual64`] seeded once per input (forward mode: exact derivatives up to rounding), and compares
//! with `pK_grad` wherever the margin shows the point is safely inside one smooth piece.

use num_dual::{Dual64, DualNum, HyperDual64};

mod splitmix;

/// What the generic programs are generic over: a [`DualNum`] over `f64` that can tell whether
/// its derivative part is zero.
pub trait Num: DualNum<Primitive = f64> + Copy + Slope {}
impl<T: DualNum<Primitive = f64> + Copy + Slope> Num for T {}

/// Whether a number's derivative part is zero.
pub trait Slope {
    /// True if every derivative part is zero.
    fn slope_is_zero(&self) -> bool;
}

impl Slope for f64 {
    fn slope_is_zero(&self) -> bool {
        true
    }
}

impl Slope for Dual64 {
    fn slope_is_zero(&self) -> bool {
        self.eps == 0.0
    }
}

impl Slope for HyperDual64 {
    fn slope_is_zero(&self) -> bool {
        self.eps1 == 0.0 && self.eps2 == 0.0 && self.eps1eps2 == 0.0
    }
}

/// The exact Hessian-vector product `H·v` of `f` at `pt` (inputs flattened as in
/// [`dual_gradient`]): component `j` is the mixed second derivative along `v` and `e_j`, the
/// `eps1eps2` part of one [`HyperDual64`] evaluation with `eps1 = v`, `eps2 = e_j`.
pub fn hyper_hvp<F>(pt: &Point, nf: usize, has_w: bool, v: &[f64], f: F) -> Vec<f64>
where
    F: Fn(&[HyperDual64], &[HyperDual64], [HyperDual64; 3], &mut Margin) -> HyperDual64,
{
    let total = nf + pt.s.len() + if has_w { 3 } else { 0 };
    (0..total)
        .map(|j| {
            let d = |i: usize, x: f64| HyperDual64::new(x, v[i], if i == j { 1.0 } else { 0.0 }, 0.0);
            let x: Vec<HyperDual64> = pt.x[..nf].iter().enumerate().map(|(i, &x)| d(i, x)).collect();
            let s: Vec<HyperDual64> = pt.s.iter().enumerate().map(|(i, &x)| d(nf + i, x)).collect();
            let w0 = nf + pt.s.len();
            let w = if has_w {
                [d(w0, pt.w[0]), d(w0 + 1, pt.w[1]), d(w0 + 2, pt.w[2])]
            } else {
                pt.w.map(HyperDual64::from)
            };
            let mut mg = Margin::default();
            f(&x, &s, w, &mut mg).eps1eps2
        })
        .collect()
}

/// `pK_hvp(.., v)` with `v` the jvp's direction: flattened like [`Outcome::grad`].
#[derive(Clone, Debug)]
pub struct Hvp {
    /// Its value.
    pub value: f64,
    /// Its gradient.
    pub grad: Vec<f64>,
    /// Its `H·v`.
    pub hv: Vec<f64>,
    /// The exact `H·v` ([`hyper_hvp`]).
    pub exact: Vec<f64>,
}

/// Tolerance of `H·v`, relative to the largest exact component or 1: second derivatives carry
/// the rounding of two levels of chain rule.
pub const HVP_RTOL: f64 = 1e-9;

/// The smallest relative distance from a branch flip seen during one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct Margin {
    /// `min |a - b| / max(1, |a|, |b|)` over every comparison `a < b` and kink evaluated.
    pub min: f64,
}

impl Default for Margin {
    fn default() -> Self {
        Margin { min: f64::INFINITY }
    }
}

impl Margin {
    /// Records the gap between two compared values, unless it is a structural tie: equal values
    /// whose difference does not depend on the inputs (`h[0] < 0.0` for a zeroed array, the floor
    /// of a constant), which every evaluation decides the same way.
    pub fn note_d<D: Num>(&mut self, a: D, b: D) {
        let g = a - b;
        if g.re() == 0.0 && g.slope_is_zero() {
            return;
        }
        self.note(a.re(), b.re());
    }

    /// Records a gap `a - b` between two compared values.
    pub fn note(&mut self, a: f64, b: f64) {
        let r = (a - b).abs() / 1f64.max(a.abs()).max(b.abs());
        // NaN counts as no margin at all.
        if r.is_nan() || r < self.min {
            self.min = if r.is_nan() { 0.0 } else { r };
        }
    }
}

/// `a < b`, recording the margin.
pub fn lt<D: Num>(a: D, b: D, mg: &mut Margin) -> bool {
    mg.note_d(a, b);
    a.re() < b.re()
}

/// `a > b`, recording the margin.
pub fn gt<D: Num>(a: D, b: D, mg: &mut Margin) -> bool {
    mg.note_d(a, b);
    a.re() > b.re()
}

/// `a <= b`, recording the margin.
pub fn le<D: Num>(a: D, b: D, mg: &mut Margin) -> bool {
    mg.note_d(a, b);
    a.re() <= b.re()
}

/// `a >= b`, recording the margin.
pub fn ge<D: Num>(a: D, b: D, mg: &mut Margin) -> bool {
    mg.note_d(a, b);
    a.re() >= b.re()
}

/// `a.max(b)`: the selected argument carries the derivative; a tie averages (contract §4).
pub fn vmax<D: Num>(a: D, b: D, mg: &mut Margin) -> D {
    mg.note_d(a, b);
    if a.re() > b.re() {
        a
    } else if b.re() > a.re() {
        b
    } else {
        (a + b) * 0.5
    }
}

/// `a.min(b)`.
pub fn vmin<D: Num>(a: D, b: D, mg: &mut Margin) -> D {
    mg.note_d(a, b);
    if a.re() < b.re() {
        a
    } else if b.re() < a.re() {
        b
    } else {
        (a + b) * 0.5
    }
}

/// `a.abs()`: slope 0 at 0 (contract §4).
pub fn vabs<D: Num>(a: D, mg: &mut Margin) -> D {
    mg.note_d(a, D::from(0.0));
    if a.re() > 0.0 {
        a
    } else if a.re() < 0.0 {
        -a
    } else {
        a * 0.0
    }
}

/// `a.clamp(lo, hi)` for constant bounds: like nested `min`/`max`.
pub fn vclamp<D: Num>(a: D, lo: f64, hi: f64, mg: &mut Margin) -> D {
    let x = vmax(a, D::from(lo), mg);
    vmin(x, D::from(hi), mg)
}

/// `a.hypot(b)`, written as `sqrt(a² + b²)`: the same derivative away from the origin.
pub fn vhypot<D: Num>(a: D, b: D, mg: &mut Margin) -> D {
    mg.note(a.re().abs() + b.re().abs(), 0.0);
    with_re((a * a + b * b).sqrt(), a.re().hypot(b.re()))
}

/// `d` with its real part replaced by `re`, its derivative part unchanged: where num-dual
/// computes a value differently from the standard library (`hypot` as `sqrt(a² + b²)`, `mul_add`
/// unfused, `powd` as `exp(b ln a)`), the dual program still follows the plain one's values bit
/// for bit. An ulp of difference matters in ill-conditioned programs: `log10(hypot(x, 0.75) +
/// 0.25)` near 1 turned an ulp of `hypot` into a gradient error of 4e-12 (p6879 of the
/// 10,000-program run with seed 7414275455094).
pub fn with_re<D: Num>(d: D, re: f64) -> D {
    d - D::from(d.re()) + D::from(re)
}

/// `a.mul_add(b, c)`, with the fused value.
pub fn vmul_add<D: Num>(a: D, b: D, c: D) -> D {
    with_re(a * b + c, a.re().mul_add(b.re(), c.re()))
}

/// `a.powf(b)` with an active exponent, with the standard library's value.
pub fn vpowf<D: Num>(a: D, b: D) -> D {
    with_re(a.powd(b), a.re().powf(b.re()))
}

/// `a.floor()`: piecewise constant, jumps at the integers.
pub fn vfloor<D: Num>(a: D, mg: &mut Margin) -> D {
    mg.note_d(a, D::from(a.re().round()));
    D::from(a.re().floor())
}

/// `a.fract()`: slope 1, jumps at the integers.
pub fn vfract<D: Num>(a: D, mg: &mut Margin) -> D {
    mg.note_d(a, D::from(a.re().round()));
    a - D::from(a.re().trunc())
}

/// `a % b`: `a - b * trunc(a / b)`, the quotient piecewise constant (jumps where `a / b` crosses
/// an integer), with the standard library's value.
pub fn vrem<D: Num>(a: D, b: D, mg: &mut Margin) -> D {
    let q = a / b;
    mg.note_d(q, D::from(q.re().round()));
    with_re(a - b * D::from((a.re() / b.re()).trunc()), a.re() % b.re())
}

/// `a.rem_euclid(b)`: `a - b * a.div_euclid(b)`, with the standard library's value.
pub fn vrem_euclid<D: Num>(a: D, b: D, mg: &mut Margin) -> D {
    let q = a / b;
    mg.note_d(q, D::from(q.re().round()));
    with_re(a - b * D::from(a.re().div_euclid(b.re())), a.re().rem_euclid(b.re()))
}

/// `a.signum()`: piecewise constant, jumps at 0.
pub fn vsignum<D: Num>(a: D, mg: &mut Margin) -> D {
    mg.note_d(a, D::from(0.0));
    D::from(a.re().signum())
}

/// One evaluation point. Programs use `x[..nf]`, `s`, and `w`, `n` if they take them.
#[derive(Clone, Debug)]
pub struct Point {
    /// Scalar parameters.
    pub x: [f64; 4],
    /// The slice parameter (2 to 6 elements).
    pub s: Vec<f64>,
    /// The array parameter.
    pub w: [f64; 3],
    /// The integer parameter (0 to 4), a constant.
    pub n: usize,
}

/// A small deterministic generator (SplitMix64) for the evaluation points.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        splitmix::next(&mut self.0)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * u
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
    }

    /// A random point with inputs in `[-2, 2]`.
    pub fn point(&mut self) -> Point {
        let mut x = [0.0; 4];
        for v in &mut x {
            *v = self.uniform(-2.0, 2.0);
        }
        let len = 2 + self.below(5);
        let s = (0..len).map(|_| self.uniform(-2.0, 2.0)).collect();
        let w = [self.uniform(-2.0, 2.0), self.uniform(-2.0, 2.0), self.uniform(-2.0, 2.0)];
        Point { x, s, w, n: self.below(5) }
    }
}

/// Forward-mode gradient of `f` at `pt`: one [`Dual64`] evaluation per input, the inputs
/// flattened as `x[..nf]`, then `s`, then `w` if `has_w`. Returns the value, the gradient and the
/// smallest branch margin met.
pub fn dual_gradient<F>(pt: &Point, nf: usize, has_w: bool, f: F) -> (f64, Vec<f64>, Margin)
where
    F: Fn(&[Dual64], &[Dual64], [Dual64; 3], &mut Margin) -> Dual64,
{
    let total = nf + pt.s.len() + if has_w { 3 } else { 0 };
    let mut grad = Vec::with_capacity(total);
    let mut value = f64::NAN;
    let mut margin = Margin::default();
    for seed in 0..total {
        let d = |i: usize, v: f64| Dual64::new(v, if i == seed { 1.0 } else { 0.0 });
        let x: Vec<Dual64> = pt.x[..nf].iter().enumerate().map(|(i, &v)| d(i, v)).collect();
        let s: Vec<Dual64> = pt.s.iter().enumerate().map(|(i, &v)| d(nf + i, v)).collect();
        let w0 = nf + pt.s.len();
        let w = if has_w { [d(w0, pt.w[0]), d(w0 + 1, pt.w[1]), d(w0 + 2, pt.w[2])] } else { pt.w.map(Dual64::from) };
        let mut mg = Margin::default();
        let r = f(&x, &s, w, &mut mg);
        value = r.re;
        grad.push(r.eps);
        margin.min = margin.min.min(mg.min);
    }
    (value, grad, margin)
}

/// The bits of a companion's result (value, gradients, tangents), in order, with the length of
/// each vector: two results are bit-identical when their `bits` are equal. Every NaN counts as
/// one value: IEEE 754 leaves the sign and payload of most operations' NaN unspecified, and the
/// `f64` and generic paths of one rule may reach a NaN through different operations (large run
/// seed 20261209, p249, `atan2(y, x2 - x2)`: `pK_grad` gave `7ff8..` where `pK_g_grad::<f64>`
/// gave `fff8..`, and the other way round for another component).
pub trait Bits {
    /// Appends the bits.
    fn bits_into(&self, out: &mut Vec<u64>);
}

impl Bits for f64 {
    fn bits_into(&self, out: &mut Vec<u64>) {
        out.push(if self.is_nan() { f64::NAN.to_bits() } else { self.to_bits() });
    }
}

impl<T: Bits> Bits for Vec<T> {
    fn bits_into(&self, out: &mut Vec<u64>) {
        out.push(self.len() as u64);
        for x in self {
            x.bits_into(out);
        }
    }
}

impl<T: Bits, const N: usize> Bits for [T; N] {
    fn bits_into(&self, out: &mut Vec<u64>) {
        for x in self {
            x.bits_into(out);
        }
    }
}

macro_rules! tuple_bits {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Bits),+> Bits for ($($t,)+) {
            fn bits_into(&self, out: &mut Vec<u64>) {
                $(self.$i.bits_into(out);)+
            }
        }
    };
}
tuple_bits!(A 0, B 1);
tuple_bits!(A 0, B 1, C 2);
tuple_bits!(A 0, B 1, C 2, D 3);
tuple_bits!(A 0, B 1, C 2, D 3, E 4);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8, K 9);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8, K 9, L 10);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8, K 9, L 10, M 11);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8, K 9, L 10, M 11, N 12);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8, K 9, L 10, M 11, N 12, O 13);
tuple_bits!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7, J 8, K 9, L 10, M 11, N 12, O 13, P 14);

/// [`Bits`] of `x`.
#[must_use]
pub fn bits<T: Bits>(x: &T) -> Vec<u64> {
    let mut out = Vec::new();
    x.bits_into(&mut out);
    out
}

thread_local! {
    /// What the current check found comparing a generic twin: `None` without one, else the
    /// mismatch (empty when bit-identical).
    static GENERIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The bits of a program's companions and of its generic twin's at one point.
pub struct TwinBits {
    /// `pK_grad` and `pK_g_grad::<f64>`.
    pub grad: (Vec<u64>, Vec<u64>),
    /// `pK_jvp` and `pK_g_jvp::<f64>`.
    pub jvp: (Vec<u64>, Vec<u64>),
    /// `pK_hvp` and `pK_g_hvp::<f64>` (empty without `hessian`).
    pub hvp: (Vec<u64>, Vec<u64>),
}

/// Records the comparison of a generic twin `pK_g` (source `src`) with `pK` at the current
/// point: each companion's bits against the twin's at `F = f64`.
pub fn generic_twin(src: &str, b: TwinBits) {
    let TwinBits { grad: (grad, g_grad), jvp: (jvp, g_jvp), hvp: (hvp, g_hvp) } = b;
    let show = |b: &[u64]| format!("{:?}", b.iter().map(|&x| f64::from_bits(x)).collect::<Vec<_>>());
    let mut what = String::new();
    if grad != g_grad {
        what.push_str(&format!(
            "generic twin: pK_g_grad::<f64> is not bit-identical to pK_grad: {} against {} (bits with vector lengths)\n",
            show(&g_grad),
            show(&grad)
        ));
    }
    if jvp != g_jvp {
        what.push_str(&format!(
            "generic twin: pK_g_jvp::<f64> is not bit-identical to pK_jvp: {} against {}\n",
            show(&g_jvp),
            show(&jvp)
        ));
    }
    if hvp != g_hvp {
        what.push_str(&format!(
            "generic twin: pK_g_hvp::<f64> is not bit-identical to pK_hvp: {} against {}\n",
            show(&g_hvp),
            show(&hvp)
        ));
    }
    if !what.is_empty() {
        what.push_str(src);
    }
    GENERIC.with(|g| *g.borrow_mut() = Some(what));
}

/// What one check of one program at one point produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// `pK(..)`.
    pub value: f64,
    /// The value returned by `pK_grad(..)`.
    pub grad_value: f64,
    /// The gradient returned by `pK_grad(..)`, flattened like [`dual_gradient`]'s (0 for the
    /// components of parameters `wrt(..)` leaves out).
    pub grad: Vec<f64>,
    /// Which components `pK_grad` returns (all but those `wrt(..)` leaves out).
    pub active: Vec<bool>,
    /// The value of the forward-mode evaluation.
    pub dual_value: f64,
    /// The exact (forward-mode) gradient.
    pub dual_grad: Vec<f64>,
    /// The smallest branch margin met.
    pub margin: Margin,
    /// The direction `pK_jvp` was called with, flattened like the gradient (0 for the
    /// components `wrt(..)` leaves out); empty when the program has no `_jvp`.
    pub tangent: Vec<f64>,
    /// `pK_jvp(.., tangent)`: the value and the directional derivative.
    pub jvp: Option<(f64, f64)>,
    /// `pK_hvp(.., tangent)`, for `hessian` programs.
    pub hvp: Option<Hvp>,
}

/// A direction for `pK_jvp` at `pt`, of `len` components in [-2, 2): drawn from the point
/// itself, so that a program's check is the same whichever shard it runs in.
#[must_use]
pub fn tangent(pt: &Point, len: usize) -> Vec<f64> {
    let h =
        pt.x.iter()
            .chain(&pt.s)
            .chain(&pt.w)
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, v| (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3));
    let mut rng = Rng(h);
    (0..len).map(|_| rng.uniform(-2.0, 2.0)).collect()
}

/// One generated program.
#[derive(Clone, Copy, Debug)]
pub struct Program {
    /// `pK`.
    pub name: &'static str,
    /// The source of `pK`, for failure reports.
    pub source: &'static str,
    /// Runs `pK`, `pK_grad` and the forward-mode oracle at a point.
    pub check: fn(&Point) -> Outcome,
}

/// Points closer than this (relative) to a branch flip or kink are skipped.
pub const MARGIN: f64 = 1e-9;
/// Gradient tolerance, relative to the largest gradient component or 1, whichever is larger
/// (see `README.md`).
pub const RTOL: f64 = 1e-12;

/// One mismatch.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The program's name.
    pub name: &'static str,
    /// Its source.
    pub source: &'static str,
    /// Where it failed.
    pub point: Point,
    /// What went wrong.
    pub what: String,
}

/// The totals of a run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The generator seed.
    pub seed: u64,
    /// The number of the first program (programs are numbered from it).
    pub first: usize,
    /// Programs checked.
    pub programs: usize,
    /// Points evaluated (checked + skipped).
    pub points: usize,
    /// Points compared.
    pub checked: usize,
    /// Points skipped because a branch or kink was within [`MARGIN`].
    pub skipped_margin: usize,
    /// Points skipped because the value or the exact gradient was not finite.
    pub skipped_nonfinite: usize,
    /// Points skipped because the forward-mode value drifted from `pK`'s (rounding amplified
    /// through many steps, so the two evaluations are no longer the same path).
    pub skipped_drift: usize,
    /// Points where `pK_jvp` was compared (with the gradient's checks passed).
    pub jvp_checked: usize,
    /// Checked points of programs without `pK_jvp`: those passing a struct whole to
    /// `verify::sx_x` (the macro takes no struct arguments in forward mode yet).
    pub no_jvp_checked: usize,
    /// The largest error of a directional derivative, relative to the sum of the magnitudes of
    /// its terms (or 1).
    pub jvp_max_rel_error: f64,
    /// Points where `pK_hvp` was compared (programs with `hessian`).
    pub hvp_checked: usize,
    /// Of those, points where its gradient was `pK_grad`'s bit for bit.
    pub hvp_grad_identical: usize,
    /// The largest error of `H·v`, relative to its largest exact component or 1.
    pub hvp_max_rel_error: f64,
    /// The largest error seen at a checked point, relative to the largest gradient component
    /// (or 1).
    pub max_rel_error: f64,
    /// Checked points by decade of their relative gradient error: `[0]` exact, `[k]` for
    /// `k = 1..=6` in `[10^(k-18), 10^(k-17))`, `[7]` `1e-11` or more.
    pub error_decades: [usize; 8],
    /// The failures.
    pub failures: Vec<Failure>,
    /// The vector family (`vK`, [`run_vector`]): a point counts as checked when every row
    /// passed.
    pub vector: bool,
    /// Vector family: Jacobian rows (or `_grad` gradients of scalar programs) compared.
    pub rows_checked: usize,
    /// Vector family: `vK_vjp` calls compared.
    pub vjp_checked: usize,
    /// Vector family: the largest error of a `vK_vjp` gradient component, relative to 1 plus
    /// the sum of the magnitudes of its terms `seed[i] * J[i][j]`.
    pub vjp_max_rel_error: f64,
    /// Programs with a generic twin `pK_g` checked.
    pub generic_programs: usize,
    /// Points where a generic twin's companions were compared with `pK_grad` and `pK_jvp`.
    pub generic_checked: usize,
    /// Of those, points where they were not bit-identical.
    pub generic_failures: usize,
}

impl Report {
    /// Points skipped, over points evaluated.
    #[must_use]
    pub fn skipped_fraction(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let f = (self.skipped_margin + self.skipped_nonfinite + self.skipped_drift) as f64 / self.points.max(1) as f64;
        f
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.vector {
            writeln!(
                f,
                "gradmacro verify, vector family: seed {}, programs v{}..v{} (replay: GRADMACRO_VERIFY_SEED={} GRADMACRO_VERIFY_FIRST={} GRADMACRO_VERIFY_VECTOR_PROGRAMS={})",
                self.seed,
                self.first,
                self.first + self.programs.max(1) - 1,
                self.seed,
                self.first * 5,
                self.programs
            )?;
        } else {
            writeln!(
                f,
                "gradmacro verify: seed {}, programs p{}..p{} (replay: GRADMACRO_VERIFY_SEED={} GRADMACRO_VERIFY_FIRST={} GRADMACRO_VERIFY_PROGRAMS={})",
                self.seed,
                self.first,
                self.first + self.programs.max(1) - 1,
                self.seed,
                self.first,
                self.programs
            )?;
        }
        writeln!(
            f,
            "{}programs {}, points {}, checked {}, skipped {} ({:.3}%: {} near a branch or kink, {} non-finite, {} drifted), max relative gradient error {:.3e}, failures {}",
            if self.vector { "vector " } else { "" },
            self.programs,
            self.points,
            self.checked,
            self.skipped_margin + self.skipped_nonfinite + self.skipped_drift,
            100.0 * self.skipped_fraction(),
            self.skipped_margin,
            self.skipped_nonfinite,
            self.skipped_drift,
            self.max_rel_error,
            self.failures.len()
        )?;
        writeln!(
            f,
            "checked points by relative gradient error: exact {}, <1e-16 {}, <1e-15 {}, <1e-14 {}, <1e-13 {}, <1e-12 {}, <1e-11 {}, larger {}",
            self.error_decades[0],
            self.error_decades[1],
            self.error_decades[2],
            self.error_decades[3],
            self.error_decades[4],
            self.error_decades[5],
            self.error_decades[6],
            self.error_decades[7]
        )?;
        if self.vector {
            writeln!(
                f,
                "vector outputs: {} Jacobian rows / scalar gradients compared (value bit-identical, each row against one dual evaluation of its output component); vK_vjp compared at {} points (value bit-identical, gradient against seed . exact Jacobian and seed . vK_jacobian), max relative error {:.3e}",
                self.rows_checked, self.vjp_checked, self.vjp_max_rel_error
            )?;
        } else {
            writeln!(
                f,
                "forward mode: pK_jvp compared at {} points (value bit-identical, derivative against the exact gradient . tangent and pK_grad . tangent), max relative error {:.3e}; {} points of programs passing a struct to a call have no pK_jvp",
                self.jvp_checked, self.jvp_max_rel_error, self.no_jvp_checked
            )?;
            writeln!(
                f,
                "second order: pK_hvp compared at {} points (value bit-identical, gradient against the exact one and pK_grad's: bit-identical at {}, H.v against hyper-dual numbers), max relative H.v error {:.3e}",
                self.hvp_checked, self.hvp_grad_identical, self.hvp_max_rel_error
            )?;
        }
        if !self.vector {
            writeln!(
                f,
                "generic twins: {} programs pK_g<F: Float>, pK_g_grad::<f64>, pK_g_jvp::<f64> and pK_g_hvp::<f64> compared at {} points, bit-identical to pK_grad, pK_jvp and pK_hvp at {}",
                self.generic_programs,
                self.generic_checked,
                self.generic_checked - self.generic_failures
            )?;
        }
        for fl in self.failures.iter().take(10) {
            writeln!(f, "--- {} at {:?}\n{}\n{}", fl.name, fl.point, fl.what, fl.source)?;
        }
        Ok(())
    }
}

/// Checks every program at `GRADMACRO_VERIFY_POINTS` random points (default 8).
#[must_use]
pub fn run(programs: &[Program], seed: u64, first: usize) -> Report {
    let r = Report { seed, first, programs: programs.len(), ..Report::default() };
    check_all(programs, r, 0, |p| (p.name, p.source, p.check), compare)
}

/// Runs each program's check at `GRADMACRO_VERIFY_POINTS` random points (default 8), drawn from
/// the seed, the program's number and `salt`, and records what `compare` finds (a panic is a
/// failure).
fn check_all<P, O>(
    programs: &[P],
    mut r: Report,
    salt: u64,
    parts: impl Fn(&P) -> (&'static str, &'static str, fn(&Point) -> O),
    compare: impl Fn(&O, &mut Report) -> Option<String>,
) -> Report {
    let per = std::env::var("GRADMACRO_VERIFY_POINTS").ok().and_then(|s| s.trim().parse::<usize>().ok()).unwrap_or(8);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (i, prog) in programs.iter().enumerate() {
        let (name, source, check) = parts(prog);
        // Program `k`'s points depend on `k` alone, whichever shard it is checked in.
        let k = r.first + i;
        let mut rng = Rng(r.seed ^ (k as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F) ^ salt);
        let mut twin = false;
        GENERIC.with(|g| g.borrow_mut().take());
        for _ in 0..per {
            let pt = rng.point();
            r.points += 1;
            let fail = |what: String| Failure { name, source, point: pt.clone(), what };
            let o = match std::panic::catch_unwind(|| check(&pt)) {
                Ok(o) => o,
                Err(e) => {
                    let msg = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                        .unwrap_or_default();
                    r.failures.push(fail(format!("panicked: {msg}")));
                    continue;
                }
            };
            let nonfinite = r.skipped_nonfinite;
            if let Some(f) = compare(&o, &mut r) {
                r.failures.push(fail(f));
            }
            if r.skipped_nonfinite > nonfinite && std::env::var_os("GRADMACRO_VERIFY_DEBUG").is_some() {
                eprintln!("skip non-finite: {name}");
            }
            if let Some(what) = GENERIC.with(|g| g.borrow_mut().take()) {
                twin = true;
                r.generic_checked += 1;
                if !what.is_empty() {
                    r.generic_failures += 1;
                    r.failures.push(fail(what));
                }
            }
        }
        r.generic_programs += usize::from(twin);
    }
    std::panic::set_hook(hook);
    r
}

/// `vK_vjp(.., seed)`: the seed, the value and the gradient (flattened like [`Outcome::grad`]).
#[derive(Clone, Debug)]
pub struct Vjp {
    /// The seed (cotangent of the output), drawn from the point.
    pub seed: Vec<f64>,
    /// The value `vK_vjp` returned, flattened.
    pub value: Vec<f64>,
    /// The gradient `vK_vjp` returned, flattened (0 for the components `wrt(..)` leaves out).
    pub gradient: Vec<f64>,
    /// Which components it returns.
    pub active: Vec<bool>,
}

/// What one check of a vector-family program at one point produced.
#[derive(Clone, Debug)]
pub struct VOutcome {
    /// One outcome per output component: `vK(..)[i]`, `vK_jacobian`'s value component `i` and
    /// row `i`, and one dual evaluation of component `i`; for a scalar program (one calling
    /// vector-valued helpers), its `vK_grad` outcome alone.
    pub rows: Vec<Outcome>,
    /// `vK_vjp`, for a vector output.
    pub vjp: Option<Vjp>,
}

/// One generated program of the vector family.
#[derive(Clone, Copy, Debug)]
pub struct VProgram {
    /// `vK`.
    pub name: &'static str,
    /// The source of `vK` and its helpers, for failure reports.
    pub source: &'static str,
    /// Runs `vK`, its companions and the dual program at a point.
    pub check: fn(&Point) -> VOutcome,
}

/// Checks every program of the vector family at `GRADMACRO_VERIFY_POINTS` random points
/// (default 8): each row like [`run`]'s gradients (a point is skipped if any row is), then
/// `vK_vjp` against the seed times the exact Jacobian.
#[must_use]
pub fn run_vector(programs: &[VProgram], seed: u64, first: usize) -> Report {
    let r = Report { seed, first, programs: programs.len(), vector: true, ..Report::default() };
    check_all(programs, r, 0x7EC7_0A11_5EED_0008, |p| (p.name, p.source, p.check), compare_vector)
}

/// Compares one vector outcome, updating the counts; returns a failure description.
fn compare_vector(vo: &VOutcome, r: &mut Report) -> Option<String> {
    let mut rows = Report::default();
    for (i, o) in vo.rows.iter().enumerate() {
        if let Some(f) = compare(o, &mut rows) {
            return Some(format!("row {i} (output component {i}): {f}"));
        }
    }
    if rows.skipped_margin > 0 {
        r.skipped_margin += 1;
        return None;
    }
    if rows.skipped_nonfinite > 0 {
        r.skipped_nonfinite += 1;
        return None;
    }
    if rows.skipped_drift > 0 {
        r.skipped_drift += 1;
        return None;
    }
    r.checked += 1;
    r.rows_checked += rows.checked;
    r.max_rel_error = r.max_rel_error.max(rows.max_rel_error);
    for (a, b) in r.error_decades.iter_mut().zip(rows.error_decades) {
        *a += b;
    }
    let v = vo.vjp.as_ref()?;
    let value: Vec<f64> = vo.rows.iter().map(|o| o.value).collect();
    if v.value.len() != value.len() || v.value.iter().zip(&value).any(|(a, b)| a.to_bits() != b.to_bits()) {
        return Some(format!("vjp value: vK = {value:?}, vK_vjp.0 = {:?} (must be bit-identical)", v.value));
    }
    if v.gradient.len() != vo.rows[0].dual_grad.len() || v.active != vo.rows[0].active {
        return Some(format!("vjp gradient length {} (expected {})", v.gradient.len(), vo.rows[0].dual_grad.len()));
    }
    let mut worst = 0.0f64;
    let mut exact = Vec::new();
    for j in 0..v.gradient.len() {
        if !v.active[j] {
            exact.push(0.0);
            continue;
        }
        let e: f64 = vo.rows.iter().zip(&v.seed).map(|(o, s)| s * o.dual_grad[j]).sum();
        let by_jac: f64 = vo.rows.iter().zip(&v.seed).map(|(o, s)| s * o.grad[j]).sum();
        let scale = vo.rows.iter().zip(&v.seed).fold(1.0f64, |m, (o, s)| m + (s * o.dual_grad[j]).abs());
        let err = (v.gradient[j] - e).abs().max((v.gradient[j] - by_jac).abs()) / scale;
        worst = if err.is_nan() { f64::INFINITY } else { worst.max(err) };
        exact.push(e);
    }
    r.vjp_checked += 1;
    if worst > RTOL {
        return Some(format!(
            "vjp: relative error {worst:e}\n  seed     {:?}\n  expected {exact:?}\n  actual   {:?}",
            v.seed, v.gradient
        ));
    }
    r.vjp_max_rel_error = r.vjp_max_rel_error.max(worst);
    None
}

/// Compares one outcome, updating the counts; returns a failure description.
fn compare(o: &Outcome, r: &mut Report) -> Option<String> {
    if o.value.to_bits() != o.grad_value.to_bits() {
        return Some(format!("value: pK = {:e}, pK_grad.0 = {:e} (must be bit-identical)", o.value, o.grad_value));
    }
    if o.grad.len() != o.dual_grad.len() || o.active.len() != o.grad.len() {
        return Some(format!("gradient length {} (expected {})", o.grad.len(), o.dual_grad.len()));
    }
    if o.margin.min < MARGIN {
        if std::env::var_os("GRADMACRO_VERIFY_DEBUG").is_some() {
            eprintln!("skip margin {:e}", o.margin.min);
        }
        r.skipped_margin += 1;
        return None;
    }
    let exact_nonfinite = o.dual_grad.iter().zip(&o.active).any(|(g, a)| *a && !g.is_finite());
    if !o.value.is_finite() || !o.dual_value.is_finite() || exact_nonfinite {
        r.skipped_nonfinite += 1;
        return None;
    }
    if (o.value - o.dual_value).abs() > 1e-9 * o.value.abs().max(1.0) {
        r.skipped_drift += 1;
        return None;
    }
    r.checked += 1;
    // Relative to the largest component, with a floor of 1: a gradient that is tiny because
    // terms of ordinary size cancel carries their rounding error in absolute terms.
    let compared = || o.grad.iter().zip(&o.dual_grad).zip(&o.active).filter(|(_, a)| **a).map(|(gd, _)| gd);
    let scale = compared().fold(1.0f64, |m, (_, d)| m.max(d.abs()));
    let mut worst = 0.0f64;
    for (g, d) in compared() {
        let e = (g - d).abs() / scale.max(f64::MIN_POSITIVE);
        // NaN from the macro is an error, never a skip
        worst = if e.is_nan() { f64::INFINITY } else { worst.max(e) };
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let decade = if worst == 0.0 { 0 } else { (worst.log10().floor() + 18.0).clamp(1.0, 7.0) as usize };
    r.error_decades[decade] += 1;
    if worst > RTOL {
        return Some(format!(
            "gradient: relative error {worst:e}\n  expected {:?}\n  actual   {:?}\n  compared {:?}",
            o.dual_grad, o.grad, o.active
        ));
    }
    r.max_rel_error = r.max_rel_error.max(worst);
    compare_jvp(o, r)
}

/// Forward mode: `pK_jvp`'s value must be `pK`'s bit for bit, and its derivative the exact
/// gradient dotted with the tangent (and `pK_grad`'s, which has just been checked).
fn compare_jvp(o: &Outcome, r: &mut Report) -> Option<String> {
    let Some((value, d)) = o.jvp else {
        r.no_jvp_checked += 1;
        return None;
    };
    if value.to_bits() != o.value.to_bits() {
        return Some(format!("jvp value: pK = {:e}, pK_jvp.0 = {value:e} (must be bit-identical)", o.value));
    }
    let terms = || o.dual_grad.iter().zip(&o.grad).zip(&o.tangent).zip(&o.active).filter(|(_, a)| **a);
    let exact: f64 = terms().map(|(((e, _), t), _)| e * t).sum();
    let by_grad: f64 = terms().map(|(((_, g), t), _)| g * t).sum();
    let scale = terms().fold(1.0f64, |m, (((e, _), t), _)| m + (e * t).abs());
    let err = ((d - exact).abs().max((d - by_grad).abs())) / scale;
    r.jvp_checked += 1;
    if err.is_nan() || err > RTOL {
        return Some(format!(
            "jvp: derivative {d:e}, exact gradient . tangent {exact:e}, pK_grad . tangent {by_grad:e} (relative error {err:e})\n  tangent {:?}",
            o.tangent
        ));
    }
    r.jvp_max_rel_error = r.jvp_max_rel_error.max(err);
    compare_hvp(o, r)
}

/// Second order: `pK_hvp`'s value must be `pK`'s bit for bit, its gradient `pK_grad`'s (to the
/// gradient's tolerance; bit-identity is counted), its `H·v` the exact one.
fn compare_hvp(o: &Outcome, r: &mut Report) -> Option<String> {
    let h = o.hvp.as_ref()?;
    if h.value.to_bits() != o.value.to_bits() {
        return Some(format!("hvp value: pK = {:e}, pK_hvp.0 = {:e} (must be bit-identical)", o.value, h.value));
    }
    if h.grad.len() != o.grad.len() || h.hv.len() != o.grad.len() || h.exact.len() != o.grad.len() {
        return Some(format!(
            "hvp lengths {} {} {} (expected {})",
            h.grad.len(),
            h.hv.len(),
            h.exact.len(),
            o.grad.len()
        ));
    }
    if h.exact.iter().zip(&o.active).any(|(e, a)| *a && !e.is_finite()) {
        return None;
    }
    let scale = o.grad.iter().zip(&o.active).filter(|(_, a)| **a).fold(1.0f64, |m, (g, _)| m.max(g.abs()));
    let gerr = h.grad.iter().zip(&o.grad).fold(0.0f64, |m, (a, b)| m.max((a - b).abs() / scale));
    if gerr.is_nan() || gerr > RTOL {
        return Some(format!("hvp gradient: relative error {gerr:e}\n  pK_grad {:?}\n  pK_hvp  {:?}", o.grad, h.grad));
    }
    r.hvp_checked += 1;
    if h.grad.iter().zip(&o.grad).all(|(a, b)| a.to_bits() == b.to_bits()) {
        r.hvp_grad_identical += 1;
    }
    let comps = || h.hv.iter().zip(&h.exact).zip(&o.active).filter(|(_, a)| **a).map(|(p, _)| p);
    let hscale = comps().fold(1.0f64, |m, (_, e)| m.max(e.abs()));
    let err = comps().fold(0.0f64, |m, (a, e)| {
        let x = (a - e).abs() / hscale;
        if x.is_nan() { f64::INFINITY } else { m.max(x) }
    });
    if err > HVP_RTOL {
        return Some(format!(
            "hvp: relative error {err:e}\n  direction {:?}\n  exact  {:?}\n  pK_hvp {:?}",
            o.tangent, h.exact, h.hv
        ));
    }
    r.hvp_max_rel_error = r.hvp_max_rel_error.max(err);
    None
}

/// Forward-mode value and gradient of `f` at `x` (one [`Dual64`] pass per input), for tests
/// written by hand.
pub fn dual_grad<F: Fn(&[Dual64]) -> Dual64>(x: &[f64], f: F) -> (f64, Vec<f64>) {
    let mut value = f64::NAN;
    let grad = (0..x.len())
        .map(|seed| {
            let xs: Vec<Dual64> =
                x.iter().enumerate().map(|(i, &v)| Dual64::new(v, if i == seed { 1.0 } else { 0.0 })).collect();
            let r = f(&xs);
            value = r.re;
            r.eps
        })
        .collect();
    (value, grad)
}

/// Asserts `actual` matches the exact gradient `expected` within [`RTOL`] (relative to the largest
/// component or 1).
///
/// # Panics
/// On a mismatch.
pub fn assert_grad(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "gradient length");
    let scale = expected.iter().fold(1.0f64, |m, g| m.max(g.abs()));
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= RTOL * scale, "gradient mismatch:\n  expected {expected:?}\n  actual   {actual:?}");
    }
}

/// `a.abs() as usize`: piecewise constant, jumps where `|a|` crosses an integer.
pub fn vabs_usize<D: Num>(a: D, mg: &mut Margin) -> usize {
    let m = if a.re() < 0.0 { -a } else { a };
    mg.note_d(m, D::from(m.re().round()));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = m.re() as usize;
    k
}

/// `a.is_sign_negative()`: flips at 0.
pub fn vsign_negative<D: Num>(a: D, mg: &mut Margin) -> bool {
    mg.note_d(a, D::from(0.0));
    a.re().is_sign_negative()
}

/// `a as i32`: piecewise constant, jumps where `a` crosses an integer (truncation toward 0).
pub fn vtrunc_i32<D: Num>(a: D, mg: &mut Margin) -> i32 {
    mg.note_d(a, D::from(a.re().round()));
    #[allow(clippy::cast_possible_truncation)]
    let k = a.re() as i32;
    k
}

/// A struct the soundness programs build around active values (`Pt { x: a, y: 1.0 }.x`).
#[derive(Clone, Copy, Debug)]
pub struct Pt<T> {
    /// First field.
    pub x: T,
    /// Second field.
    pub y: T,
}

/// A constant function of an integer, called by the soundness programs.
#[must_use]
pub fn cfun(n: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let x = n as f64;
    0.5 * x + 0.25
}

/// How `max_by` / `min_by` compare: `total_cmp`, or `partial_cmp` (the generated programs only
/// unwrap it over finite inputs).
fn ord_by(a: f64, b: f64, total: bool) -> std::cmp::Ordering {
    if total { a.total_cmp(&b) } else { a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal) }
}

/// `items.max_by(cmp)`: std keeps the later of equal items (`cmp::max_by`); every comparison
/// records its gap, so a (near) tie is skipped like a kink.
pub fn vmax_by<D: Num>(items: Vec<D>, total: bool, mg: &mut Margin) -> Option<D> {
    let mut it = items.into_iter();
    let mut best = it.next()?;
    for y in it {
        mg.note_d(best, y);
        if ord_by(best.re(), y.re(), total) != std::cmp::Ordering::Greater {
            best = y;
        }
    }
    Some(best)
}

/// `items.min_by(cmp)`: std keeps the earlier of equal items (`cmp::min_by`).
pub fn vmin_by<D: Num>(items: Vec<D>, total: bool, mg: &mut Margin) -> Option<D> {
    let mut it = items.into_iter();
    let mut best = it.next()?;
    for y in it {
        mg.note_d(best, y);
        if ord_by(best.re(), y.re(), total) == std::cmp::Ordering::Greater {
            best = y;
        }
    }
    Some(best)
}

/// The struct the `p` programs of `gen/structs.rs` take their floats in: `x0..x3` scalar fields,
/// `w` an array field, `c` a `Vec` field, and constant fields.
#[derive(gradmacro::Differentiable, Clone, Debug)]
pub struct Sx {
    pub x0: f64,
    pub x1: f64,
    pub x2: f64,
    pub x3: f64,
    pub w: [f64; 3],
    pub c: Vec<f64>,
    pub id: usize,
    pub tag: bool,
}

/// Field `x{k}` of `q`, through a differentiated call: some struct programs read their floats
/// this way, so the caller passes `q` whole to a `wrt(q)` callee and adds the struct gradient it
/// returns (issue 13, struct arguments). The value is the field's, bit for bit, so the dual
/// program reads the plain parameter.
#[gradmacro::differentiate(wrt(q))]
#[must_use]
pub fn sx_x(q: &Sx, k: usize) -> f64 {
    match k {
        0 => q.x0,
        1 => q.x1,
        2 => q.x2,
        _ => q.x3,
    }
}

/// The argument (or tangent) `Sx` for the floats `x`, the `Vec` field `c` and the array `w`.
#[must_use]
pub fn sx(x: &[f64], c: &[f64], w: [f64; 3]) -> Sx {
    Sx { x0: x[0], x1: x[1], x2: x[2], x3: x[3], w, c: c.to_vec(), id: 7, tag: true }
}

/// [`sx`] whose constant field `id` holds the integer parameter `n`, which the program reads
/// as `q.id`.
#[must_use]
pub fn sx_n(x: &[f64], c: &[f64], w: [f64; 3], n: usize) -> Sx {
    Sx { id: n, ..sx(x, c, w) }
}

/// A nested struct: `ps[i].pos.y`.
#[derive(gradmacro::Differentiable, Clone, Debug)]
pub struct V2 {
    pub x: f64,
    pub y: f64,
}

/// An element of the slice of structs of `gen/structs.rs`, holding `s[i]` in `v` and in
/// `pos.y` (the program reads one of them).
#[derive(gradmacro::Differentiable, Clone, Debug)]
pub struct Se {
    pub v: f64,
    pub pos: V2,
    pub id: usize,
}

/// The slice of structs (or its tangent) holding `s`.
#[must_use]
pub fn se(s: &[f64]) -> Vec<Se> {
    s.iter().enumerate().map(|(i, &v)| Se { v, pos: V2 { x: -v, y: v }, id: i }).collect()
}

/// The nested array (or its tangent) holding `s` in its second column.
#[must_use]
pub fn rows(s: &[f64]) -> Vec<[f64; 2]> {
    s.iter().map(|&v| [0.5, v]).collect()
}
