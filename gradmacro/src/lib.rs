//! gradmacro: compile-time reverse-mode differentiation of plain Rust functions.

pub use gradmacro_impl::differentiate;

#[doc(hidden)]
pub mod __private {
    /// Exact equality of two floats: where `max`, `min`, `clamp` and `abs` meet a tie or a kink,
    /// the contract's rules need an exact comparison.
    #[inline]
    #[must_use]
    pub fn tie<F: PartialEq>(a: F, b: F) -> bool {
        a == b
    }

    /// A zero gradient for a slice or `Vec` parameter of length `n`.
    #[must_use]
    pub fn zeros<F: Default + Clone>(n: usize) -> ::std::vec::Vec<F> {
        ::std::vec![F::default(); n]
    }
}

pub mod check;
