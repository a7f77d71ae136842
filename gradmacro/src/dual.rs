//! The dual number `f_hvp` and `f_hessian` run the backward pass in (forward over reverse): a
//! value and one tangent. Its methods and operators are generated from the gate table
//! (`gradmacro_impl::__dual!`), so each local derivative is written once, in `gates.rs`.

use alloc::vec::Vec;

/// A value `re` and its tangent `eps` along one direction.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dual<F> {
    /// The value, computed exactly as `f` computes it.
    pub re: F,
    /// Its derivative along the direction `f_hvp` was given.
    pub eps: F,
}

impl<F> Dual<F> {
    /// The value `re` with tangent `eps`.
    #[inline]
    pub const fn new(re: F, eps: F) -> Self {
        Dual { re, eps }
    }
}

gradmacro_impl::__dual!(F);
gradmacro_impl::__dual!(f64);
gradmacro_impl::__dual!(f32);

// The zeros of a generic function's active local `Vec`s (`__private::float_zeros`).
impl<F: DualFloat> num_traits::Zero for Dual<F> {
    #[inline]
    fn zero() -> Self {
        Dual { re: F::zero(), eps: F::zero() }
    }
    #[inline]
    fn is_zero(&self) -> bool {
        self.re.is_zero() && self.eps.is_zero()
    }
}

/// A float type the dual backward pass runs in (`f64`, `f32`): what `Dual<F>`'s generic methods
/// need of `F`, and the operators with the float on the left, which only a concrete type can
/// have (the orphan rule). A generic function's `f_hvp` asks it of its `F`.
pub trait DualFloat:
    num_traits::Float
    + Split<Re = Self>
    + Lift<Dual = Dual<Self>>
    + Primal<Re = Self>
    + core::ops::Add<Dual<Self>, Output = Dual<Self>>
    + core::ops::Sub<Dual<Self>, Output = Dual<Self>>
    + core::ops::Mul<Dual<Self>, Output = Dual<Self>>
    + core::ops::Div<Dual<Self>, Output = Dual<Self>>
    + core::ops::Rem<Dual<Self>, Output = Dual<Self>>
{
}

/// The value and tangent parts of a result of the dual backward pass: a float (an inactive
/// value: tangent 0), a dual, or an array or `Vec` of either (a gradient).
pub trait Split {
    /// The type of each part.
    type Re;
    /// The value part.
    fn re(&self) -> Self::Re;
    /// The tangent part.
    fn eps(&self) -> Self::Re;
}

impl<T: Split, const N: usize> Split for [T; N] {
    type Re = [T::Re; N];
    #[inline]
    fn re(&self) -> Self::Re {
        core::array::from_fn(|i| self[i].re())
    }
    #[inline]
    fn eps(&self) -> Self::Re {
        core::array::from_fn(|i| self[i].eps())
    }
}

impl<T: Split> Split for Vec<T> {
    type Re = Vec<T::Re>;
    #[inline]
    fn re(&self) -> Self::Re {
        self.iter().map(Split::re).collect()
    }
    #[inline]
    fn eps(&self) -> Self::Re {
        self.iter().map(Split::eps).collect()
    }
}

/// The value an inactive statement reads of an active one (`x > 0.0`, `x as i32`): the value
/// part, so it computes exactly what it computes in `f`.
pub trait Primal {
    /// The float type.
    type Re;
    /// The value part.
    fn primal(self) -> Self::Re;
}

/// A callee's gradient and its `H·v` (from its `_hvp` companion) paired into the dual partial
/// derivative the caller's dual backward pass multiplies by: a float, an array or a `Vec`.
pub trait Lift: Sized {
    /// The same shape in duals.
    type Dual;
    /// `self` as values with tangents `eps`.
    fn lift(self, eps: Self) -> Self::Dual;
}

impl<T: Lift + Copy, const N: usize> Lift for [T; N] {
    type Dual = [T::Dual; N];
    #[inline]
    fn lift(self, eps: Self) -> Self::Dual {
        core::array::from_fn(|i| self[i].lift(eps[i]))
    }
}

impl<T: Lift> Lift for Vec<T> {
    type Dual = Vec<T::Dual>;
    /// # Panics
    /// If `eps` is not as long as `self` (a callee's `_hvp` returns both of one length).
    fn lift(self, eps: Self) -> Self::Dual {
        assert_eq!(self.len(), eps.len(), "a `_hvp` companion returned H·v of another length than its gradient");
        self.into_iter().zip(eps).map(|(re, e)| re.lift(e)).collect()
    }
}

/// `Σ g[k] t[k]`: the tangent of a callee's value along an array argument's tangent `t`, from
/// the callee's gradient `g`.
///
/// # Panics
/// If the two are not of one length.
#[inline]
#[must_use]
pub fn tangent_dot<F: num_traits::Float>(g: &[F], t: &[F]) -> F {
    assert_eq!(g.len(), t.len(), "a `_hvp` companion returned a gradient of another length than its argument");
    g.iter().zip(t).fold(F::zero(), |acc, (&a, &b)| acc + a * b)
}

/// `x` as a dual with tangent `v` (an active array parameter and its direction).
///
/// # Panics
/// If `v` is not as long as `x`.
#[inline]
#[must_use]
pub fn lift_slice<F: Copy>(x: &[F], v: &[F]) -> Vec<Dual<F>> {
    assert_eq!(x.len(), v.len(), "the direction must have the length of the parameter");
    x.iter().zip(v).map(|(&re, &eps)| Dual { re, eps }).collect()
}

/// `x` as duals with tangents `v` (an active fixed-size array parameter and its direction).
#[inline]
#[must_use]
pub fn lift_array<F: Copy, const N: usize>(x: &[F; N], v: &[F; N]) -> [Dual<F>; N] {
    core::array::from_fn(|i| Dual { re: x[i], eps: v[i] })
}

/// Unit direction `j` of length `n` (all zeros when `j >= n`), for `f_hessian`'s passes.
#[inline]
#[must_use]
pub fn unit_vec<F: num_traits::Float>(n: usize, j: usize) -> Vec<F> {
    let mut v = alloc::vec![F::zero(); n];
    if j < n {
        v[j] = F::one();
    }
    v
}

/// Unit direction `j` of a fixed-size array (all zeros when `j >= N`).
#[inline]
#[must_use]
pub fn unit_array<F: num_traits::Float, const N: usize>(j: usize) -> [F; N] {
    let mut v = [F::zero(); N];
    if j < N {
        v[j] = F::one();
    }
    v
}
