//! A `#![no_std]` crate, as an embedded or robotics user writes one, using `#[differentiate]` on
//! `f32` code. It builds against `core` and `alloc` only: if generated code named `std`, this
//! crate would not compile.

#![no_std]
#![deny(warnings)]
#![warn(clippy::pedantic)]

extern crate alloc;

use gradmacro::differentiate;

/// Weighted squared error of a line through the origin, `Σ wᵢ (k xᵢ - yᵢ)²`: a loop over slices,
/// differentiated with respect to `k` and the weights `w` (a `Vec<f32>` gradient, from `alloc`).
#[differentiate(wrt(k, w))]
#[must_use]
pub fn weighted_error(k: f32, w: &[f32], xs: &[f32], ys: &[f32]) -> f32 {
    let mut sum = 0.0;
    for i in 0..xs.len() {
        let e = k * xs[i] - ys[i];
        sum += w[i] * e * e;
    }
    sum
}

/// A saturating actuator response, `max(0, g·u) + |u|·c`, with `core`-only float methods.
#[differentiate]
#[must_use]
pub fn actuator(g: f32, u: f32, c: f32) -> f32 {
    let drive = (g * u).max(0.0);
    drive + u.abs() * c
}

/// A motor with a fixed gain: a method, whose `torque_grad` documents itself with a link to
/// `Self::torque` (`cargo doc` with `-D warnings` checks that it resolves).
pub struct Motor {
    /// Torque per squared unit of input.
    pub gain: f32,
}

impl Motor {
    /// `gain · u²`.
    #[differentiate]
    #[must_use]
    pub fn torque(&self, u: f32) -> f32 {
        self.gain * u * u
    }
}
