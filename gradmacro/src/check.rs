//! Numerical gradient checks.
//!
//! A gradient computed by `#[differentiate]` (or written by hand) can be checked against central
//! finite differences of the function itself, the "numerical gradient check" of Karpathy's
//! *Hacker's guide to Neural Networks*: nudge one input at a time by a small step `h` in both
//! directions, see how the output moves, and compare that slope with the analytic one.
//!
//! The functions here take the function under test as a closure over a flat `&[f64]`, so a
//! function of several scalars is checked by packing them into a slice:
//!
//! ```
//! use gradmacro::check::check_gradient;
//!
//! // f(x, y) = x * y, with its hand-written gradient (y, x).
//! let f = |v: &[f64]| v[0] * v[1];
//! let analytic = [3.0, -2.0];
//! assert!(check_gradient(f, &analytic, &[-2.0, 3.0]).is_ok());
//! ```
//!
//! A wrong gradient is reported with the component that differs:
//!
//! ```
//! use gradmacro::check::{check_gradient, GradientMismatch};
//!
//! let f = |v: &[f64]| v[0] * v[1];
//! let wrong = [3.0, 2.0]; // the second component should be -2
//! match check_gradient(f, &wrong, &[-2.0, 3.0]) {
//!     Err(GradientMismatch::Component { index, .. }) => assert_eq!(index, 1),
//!     other => panic!("expected a mismatch in component 1, got {other:?}"),
//! }
//! ```
//!
//! Finite differences are only an estimate: at a kink (`max`, `abs`, a branch of an `if`) the
//! two one-sided slopes differ and no check can pass there, and for badly scaled functions the
//! default [`Tolerance`] may need loosening with [`check_gradient_with_tolerance`].

use alloc::vec::Vec;
use core::error::Error;
use core::fmt;

/// `f64::EPSILON.cbrt()`, written out because `cbrt` needs `std` (a test checks the digits).
const CBRT_EPSILON: f64 = 6.055_454_452_393_339_5e-6;

/// The step [`numerical_gradient`] uses for a component with value `xi`:
/// `h = ε^(1/3) · max(1, |xi|)`, where `ε` is [`f64::EPSILON`].
///
/// `ε^(1/3)` (about `6.06e-6`) balances the truncation error of a central difference (which
/// grows like `h²`) against the rounding error of subtracting two nearby function values (which
/// grows like `ε / h`); scaling by `max(1, |xi|)` keeps the step meaningful for large inputs.
///
/// ```
/// use gradmacro::check::default_step;
///
/// assert_eq!(default_step(0.5), default_step(1.0));
/// assert!((default_step(1000.0) / default_step(1.0) - 1000.0).abs() < 1e-9);
/// ```
#[must_use]
pub fn default_step(xi: f64) -> f64 {
    CBRT_EPSILON * xi.abs().max(1.0)
}

/// Estimates the gradient of `f` at `x` by central finite differences with the default step
/// ([`default_step`] of each component).
///
/// Component `i` is `(f(x + h·eᵢ) - f(x - h·eᵢ)) / (2h)`. This costs `2 · x.len()` evaluations
/// of `f`. `f` always receives a slice of the same length as `x`; every component but the one
/// being nudged holds exactly the value it has in `x`.
///
/// Non-finite values propagate: if `f` returns NaN or an infinity near `x`, the corresponding
/// components are NaN or infinite. Nothing panics.
///
/// ```
/// use gradmacro::check::numerical_gradient;
///
/// // f(x, y) = x² + 3y has gradient (2x, 3).
/// let g = numerical_gradient(|v| v[0] * v[0] + 3.0 * v[1], &[2.0, -1.0]);
/// assert!((g[0] - 4.0).abs() < 1e-8);
/// assert!((g[1] - 3.0).abs() < 1e-8);
/// ```
pub fn numerical_gradient<F: Fn(&[f64]) -> f64>(f: F, x: &[f64]) -> Vec<f64> {
    central_differences(&f, x, default_step)
}

/// Like [`numerical_gradient`], with the same absolute step `h` for every component.
///
/// `h` should be small, non-zero and finite; with `h = 0` every component is NaN (`0 / 0`),
/// never a panic. The step actually used is the representable difference `(xᵢ + h) - (xᵢ - h)`,
/// so rounding of `xᵢ ± h` does not bias the estimate.
///
/// ```
/// use gradmacro::check::numerical_gradient_with_step;
///
/// let g = numerical_gradient_with_step(|v| v[0].sin(), &[0.5], 1e-4);
/// assert!((g[0] - 0.5_f64.cos()).abs() < 1e-8);
/// ```
pub fn numerical_gradient_with_step<F: Fn(&[f64]) -> f64>(f: F, x: &[f64], h: f64) -> Vec<f64> {
    central_differences(&f, x, |_| h)
}

fn central_differences<F, S>(f: &F, x: &[f64], step: S) -> Vec<f64>
where
    F: Fn(&[f64]) -> f64,
    S: Fn(f64) -> f64,
{
    let mut point = x.to_vec();
    let mut gradient = Vec::with_capacity(x.len());
    for (i, &xi) in x.iter().enumerate() {
        let h = step(xi);
        let plus = xi + h;
        let minus = xi - h;
        point[i] = plus;
        let f_plus = f(&point);
        point[i] = minus;
        let f_minus = f(&point);
        point[i] = xi;
        gradient.push((f_plus - f_minus) / (plus - minus));
    }
    gradient
}

/// How close an analytic and a numerical gradient component must be to agree.
///
/// Components `a` (analytic) and `n` (numerical) agree when
/// `|a - n| <= abs + rel · max(|a|, |n|)`, or when they are equal (the same infinity), or when
/// both are NaN. Any other NaN or infinity is a mismatch.
///
/// The default, `rel = 1e-6` and `abs = 1e-8`, suits functions whose values are not much larger
/// than their derivatives times the inputs, which central differences with the default step
/// typically estimate to 8 or more significant digits. Loosen it when the function's value is
/// large compared with its change (rounding then eats the difference), for large third
/// derivatives, or for a hand-picked large step.
///
/// ```
/// use gradmacro::check::Tolerance;
///
/// let t = Tolerance::default();
/// assert_eq!((t.rel, t.abs), (1e-6, 1e-8));
/// assert!(t.accepts(1.0, 1.0 + 1e-7));
/// assert!(!t.accepts(1.0, 1.001));
/// let loose = Tolerance { rel: 1e-2, ..Tolerance::default() };
/// assert!(loose.accepts(1.0, 1.001));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance, a fraction of the larger magnitude of the two values.
    pub rel: f64,
    /// Absolute tolerance, for components at or near zero.
    pub abs: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self { rel: 1e-6, abs: 1e-8 }
    }
}

impl Tolerance {
    /// Whether `analytic` and `numerical` agree under this tolerance (see [`Tolerance`]).
    #[must_use]
    #[allow(clippy::float_cmp, reason = "exact equality is wanted: it accepts equal infinities")]
    pub fn accepts(&self, analytic: f64, numerical: f64) -> bool {
        if analytic == numerical || (analytic.is_nan() && numerical.is_nan()) {
            return true;
        }
        if !analytic.is_finite() || !numerical.is_finite() {
            return false;
        }
        // A NaN tolerance makes this comparison false.
        (analytic - numerical).abs() <= self.abs + self.rel * analytic.abs().max(numerical.abs())
    }
}

/// Why a gradient check failed.
///
/// ```
/// use gradmacro::check::check_gradient;
///
/// let err = check_gradient(|v| v[0] * v[0], &[1.0], &[2.0]).unwrap_err();
/// let message = err.to_string();
/// assert!(message.contains("component 0"));
/// assert!(message.contains("analytic 1"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GradientMismatch {
    /// The analytic gradient has a different number of components than the point.
    Length {
        /// Number of components of the analytic gradient.
        analytic: usize,
        /// Number of components of the point `x`.
        point: usize,
    },
    /// A component of the analytic gradient disagrees with its finite-difference estimate.
    /// This is the first (lowest-index) such component.
    Component {
        /// Index of the component that differs.
        index: usize,
        /// The analytic value of that component.
        analytic: f64,
        /// The finite-difference estimate of that component.
        numerical: f64,
        /// `|analytic - numerical|`.
        abs_error: f64,
        /// `|analytic - numerical| / max(|analytic|, |numerical|)`, or 0 if both are 0.
        rel_error: f64,
        /// The point at which the gradient was checked.
        x: Vec<f64>,
        /// The tolerance that was exceeded.
        tolerance: Tolerance,
    },
}

impl fmt::Display for GradientMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { analytic, point } => {
                write!(f, "gradient has {analytic} component(s) but the point has {point}")
            }
            Self::Component { index, analytic, numerical, abs_error, rel_error, x, tolerance } => write!(
                f,
                "gradient component {index} differs: analytic {analytic}, numerical \
                 {numerical} (absolute error {abs_error:e}, relative error {rel_error:e}; \
                 tolerance rel {:e}, abs {:e}) at x = {x:?}",
                tolerance.rel, tolerance.abs
            ),
        }
    }
}

impl Error for GradientMismatch {}

/// Checks an analytic gradient of `f` at `x` against [`numerical_gradient`], with the default
/// [`Tolerance`].
///
/// Returns the first component that disagrees, or a [`GradientMismatch::Length`] error if
/// `analytic` and `x` have different lengths (in which case `f` is never called).
///
/// ```
/// use gradmacro::check::check_gradient;
///
/// // sig(a*x + b*y + c), the guide's neuron, differentiated by hand at a=1, b=2, c=-3, x=-1, y=3.
/// let sig = |t: f64| 1.0 / (1.0 + (-t).exp());
/// let f = |v: &[f64]| sig(v[0] * v[3] + v[1] * v[4] + v[2]);
/// let p = [1.0, 2.0, -3.0, -1.0, 3.0];
/// let s = f(&p);
/// let ds = s * (1.0 - s);
/// let analytic = [p[3] * ds, p[4] * ds, ds, p[0] * ds, p[1] * ds];
/// check_gradient(f, &analytic, &p)?;
/// # Ok::<(), gradmacro::check::GradientMismatch>(())
/// ```
///
/// # Errors
///
/// [`GradientMismatch`] when the lengths differ or a component disagrees.
pub fn check_gradient<F: Fn(&[f64]) -> f64>(f: F, analytic: &[f64], x: &[f64]) -> Result<(), GradientMismatch> {
    check_gradient_with_tolerance(f, analytic, x, Tolerance::default())
}

/// Like [`check_gradient`], with an explicit [`Tolerance`].
///
/// ```
/// use gradmacro::check::{check_gradient_with_tolerance, Tolerance};
///
/// // A large constant offset leaves few significant digits for the change in f(x) = 1e8 + x²:
/// // the finite difference at x = 1 is about 2.0006, not 2, which fails the default tolerance.
/// let f = |v: &[f64]| 1e8 + v[0] * v[0];
/// assert!(check_gradient_with_tolerance(f, &[2.0], &[1.0], Tolerance::default()).is_err());
/// let loose = Tolerance { rel: 1e-6, abs: 1e-2 };
/// check_gradient_with_tolerance(f, &[2.0], &[1.0], loose)?;
/// # Ok::<(), gradmacro::check::GradientMismatch>(())
/// ```
///
/// # Errors
///
/// [`GradientMismatch`] when the lengths differ or a component disagrees.
pub fn check_gradient_with_tolerance<F: Fn(&[f64]) -> f64>(
    f: F,
    analytic: &[f64],
    x: &[f64],
    tolerance: Tolerance,
) -> Result<(), GradientMismatch> {
    if analytic.len() != x.len() {
        return Err(GradientMismatch::Length { analytic: analytic.len(), point: x.len() });
    }
    let numerical = numerical_gradient(f, x);
    for (index, (&a, &n)) in analytic.iter().zip(&numerical).enumerate() {
        if !tolerance.accepts(a, n) {
            let abs_error = (a - n).abs();
            let scale = a.abs().max(n.abs());
            let rel_error = if scale == 0.0 { 0.0 } else { abs_error / scale };
            return Err(GradientMismatch::Component {
                index,
                analytic: a,
                numerical: n,
                abs_error,
                rel_error,
                x: x.to_vec(),
                tolerance,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use std::cell::Cell;

    #[test]
    fn the_written_out_cube_root_is_exact() {
        assert_eq!(CBRT_EPSILON.to_bits(), f64::EPSILON.cbrt().to_bits());
    }

    fn quadratic(v: &[f64]) -> f64 {
        // 0.5 xᵀAx + bᵀx with A = [[2, 1], [1, 4]], b = [-1, 3]
        let (x, y) = (v[0], v[1]);
        0.5 * (2.0 * x * x + 2.0 * x * y + 4.0 * y * y) - x + 3.0 * y
    }

    fn quadratic_grad(v: &[f64]) -> Vec<f64> {
        let (x, y) = (v[0], v[1]);
        vec![2.0 * x + y - 1.0, x + 4.0 * y + 3.0]
    }

    fn product(v: &[f64]) -> f64 {
        v.iter().product()
    }

    fn product_grad(v: &[f64]) -> Vec<f64> {
        (0..v.len()).map(|i| v.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, &x)| x).product()).collect()
    }

    #[test]
    fn numerical_gradient_of_quadratic_is_nearly_exact() {
        for p in [[0.0, 0.0], [1.5, -2.0], [-300.0, 1e3]] {
            let g = numerical_gradient(quadratic, &p);
            let exact = quadratic_grad(&p);
            for (a, b) in g.iter().zip(&exact) {
                assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{g:?} vs {exact:?}");
            }
        }
    }

    #[test]
    fn numerical_gradient_of_sin() {
        for x in [-3.0, -0.5, 0.0, 1.0, 2.5, 100.0] {
            let g = numerical_gradient(|v| v[0].sin(), &[x]);
            assert!((g[0] - f64::cos(x)).abs() < 1e-7, "x = {x}: {}", g[0]);
        }
    }

    #[test]
    fn numerical_gradient_with_step_uses_the_given_step() {
        // For x³ the central difference is exactly 3x² + h², so the step is visible.
        let h = 0.1;
        let g = numerical_gradient_with_step(|v| v[0] * v[0] * v[0], &[2.0], h);
        assert!((g[0] - (12.0 + h * h)).abs() < 1e-12, "{}", g[0]);
    }

    #[test]
    fn numerical_gradient_evaluates_twice_per_component_and_restores_the_point() {
        let calls = Cell::new(0);
        let x = [1.0, 2.0, 3.0];
        let f = |v: &[f64]| {
            calls.set(calls.get() + 1);
            assert_eq!(v.len(), 3);
            let changed = v.iter().zip(&x).filter(|(a, b)| a != b).count();
            assert_eq!(changed, 1, "exactly one component is nudged: {v:?}");
            v[0] + v[1] + v[2]
        };
        let g = numerical_gradient(f, &x);
        assert_eq!(calls.get(), 6);
        assert_eq!(g.len(), 3);
    }

    #[test]
    fn empty_point() {
        assert!(numerical_gradient(|_| 1.0, &[]).is_empty());
        assert_eq!(check_gradient(|_| 1.0, &[], &[]), Ok(()));
    }

    #[test]
    fn zero_step_gives_nan_not_a_panic() {
        let g = numerical_gradient_with_step(|v| v[0] * 2.0, &[1.0], 0.0);
        assert!(g[0].is_nan());
    }

    #[test]
    fn correct_gradients_pass() {
        let p = [0.7, -1.3];
        check_gradient(quadratic, &quadratic_grad(&p), &p).unwrap();

        let p = [1.5, -2.0, 0.25, 3.0];
        check_gradient(product, &product_grad(&p), &p).unwrap();

        let p: [f64; 2] = [0.3, -1.1];
        let f = |v: &[f64]| v[0].sin() * v[1].cos();
        let g = [p[0].cos() * p[1].cos(), -p[0].sin() * p[1].sin()];
        check_gradient(f, &g, &p).unwrap();
    }

    #[test]
    fn wrong_component_is_reported_with_its_index_values_and_point() {
        let p = [1.5, -2.0, 0.25, 3.0];
        let mut g = product_grad(&p);
        let right = g[2];
        g[2] += 0.01;
        let err = check_gradient(product, &g, &p).unwrap_err();
        match &err {
            GradientMismatch::Component { index, analytic, numerical, abs_error, rel_error, x, tolerance } => {
                assert_eq!(*index, 2);
                assert_eq!(*analytic, right + 0.01);
                assert!((numerical - right).abs() < 1e-8);
                assert!((abs_error - 0.01).abs() < 1e-8);
                let scale = right.abs().max((right + 0.01).abs());
                assert!((rel_error - 0.01 / scale).abs() < 1e-8);
                assert_eq!(x, &p.to_vec());
                assert_eq!(*tolerance, Tolerance::default());
            }
            other @ GradientMismatch::Length { .. } => panic!("unexpected {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("component 2"), "{message}");
        assert!(message.contains(&format!("analytic {}", right + 0.01)), "{message}");
        assert!(message.contains("[1.5, -2.0, 0.25, 3.0]"), "{message}");
    }

    #[test]
    fn first_wrong_component_is_reported() {
        let p = [0.5, 0.5];
        let mut g = quadratic_grad(&p);
        g[0] = -g[0];
        g[1] = -g[1];
        match check_gradient(quadratic, &g, &p) {
            Err(GradientMismatch::Component { index: 0, .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn sign_error_in_sin_is_reported() {
        let f = |v: &[f64]| v[0].sin();
        let err = check_gradient(f, &[-(1.0_f64.cos())], &[1.0]).unwrap_err();
        assert!(matches!(err, GradientMismatch::Component { index: 0, .. }));
    }

    #[test]
    fn length_mismatch_is_reported_without_calling_f() {
        let called = Cell::new(false);
        let f = |_: &[f64]| {
            called.set(true);
            0.0
        };
        let err = check_gradient(f, &[1.0, 2.0], &[1.0]).unwrap_err();
        assert_eq!(err, GradientMismatch::Length { analytic: 2, point: 1 });
        assert!(!called.get());
        assert_eq!(err.to_string(), "gradient has 2 component(s) but the point has 1");
    }

    #[test]
    fn tolerance_is_respected() {
        let f = |v: &[f64]| 2.0 * v[0];
        let strict = Tolerance { rel: 0.0, abs: 0.0 };
        let loose = Tolerance { rel: 0.01, abs: 0.0 };
        assert!(check_gradient_with_tolerance(f, &[2.01], &[1.0], loose).is_ok());
        assert!(check_gradient_with_tolerance(f, &[2.03], &[1.0], loose).is_err());
        assert!(check_gradient_with_tolerance(f, &[2.01], &[1.0], strict).is_err());
        let absolute = Tolerance { rel: 0.0, abs: 0.1 };
        assert!(check_gradient_with_tolerance(f, &[2.05], &[1.0], absolute).is_ok());
    }

    #[test]
    fn non_finite_values() {
        let t = Tolerance::default();
        assert!(t.accepts(f64::NAN, f64::NAN));
        assert!(t.accepts(f64::INFINITY, f64::INFINITY));
        assert!(!t.accepts(f64::INFINITY, f64::NEG_INFINITY));
        assert!(!t.accepts(f64::NAN, 1.0));
        assert!(!t.accepts(1.0, f64::NAN));
        assert!(!t.accepts(f64::INFINITY, 1e300));
        // A NaN analytic gradient where the function is smooth is a mismatch.
        let err = check_gradient(|v| v[0] * v[0], &[f64::NAN], &[1.0]).unwrap_err();
        assert!(matches!(err, GradientMismatch::Component { index: 0, .. }));
    }

    #[test]
    fn error_trait_is_implemented() {
        fn takes_error(_: &dyn Error) {}
        let err = GradientMismatch::Length { analytic: 0, point: 1 };
        takes_error(&err);
        let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
        assert!(boxed.source().is_none());
    }
}
