//! The conversions between nalgebra's vectors and the arrays and `Vec`s the generated code
//! computes with (feature `nalgebra`). A function with nalgebra parameters is differentiated as
//! its array twin; its companions convert at the boundary, one copy of each vector.

use ::alloc::vec::Vec;
use ::nalgebra::{DVector, SVector, Scalar};

/// A static vector's components, by value: the twin's `[F; N]`.
#[inline]
#[must_use]
pub fn to_array<F: Scalar + Copy, const N: usize>(v: &SVector<F, N>) -> [F; N] {
    (*v).into()
}

/// A dynamic vector passed by value: the twin's `Vec<F>` (its storage, no copy).
#[inline]
#[must_use]
pub fn into_vec<F: Scalar>(v: DVector<F>) -> Vec<F> {
    v.data.into()
}

/// What a twin's result becomes in the user's types: `[F; N]` a `SVector`, `Vec<F>` a
/// `DVector`, and a Jacobian's rows of them likewise.
pub trait Convert<T> {
    fn convert(self) -> T;
}

impl<F: Scalar, const N: usize> Convert<SVector<F, N>> for [F; N] {
    #[inline]
    fn convert(self) -> SVector<F, N> {
        SVector::from(self)
    }
}

impl<F: Scalar> Convert<DVector<F>> for Vec<F> {
    #[inline]
    fn convert(self) -> DVector<F> {
        DVector::from_vec(self)
    }
}

impl<T: Convert<U>, U, const N: usize> Convert<[U; N]> for [T; N] {
    #[inline]
    fn convert(self) -> [U; N] {
        self.map(Convert::convert)
    }
}

impl<T: Convert<U>, U> Convert<Vec<U>> for Vec<T> {
    #[inline]
    fn convert(self) -> Vec<U> {
        self.into_iter().map(Convert::convert).collect()
    }
}
