//! gradmacro: compile-time reverse-mode differentiation of plain Rust functions.

pub use gradmacro_impl::differentiate;

#[doc(hidden)]
pub mod __private {}

pub mod check;
