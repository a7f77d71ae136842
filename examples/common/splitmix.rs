//! SplitMix64: a tiny, well-mixed deterministic generator, enough for the seeded demos (shared by
//! the `circuit` and `neural_net` examples).

pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, like JavaScript's `Math.random()`.
    pub fn uniform(&mut self) -> f64 {
        // The top 53 bits fit an f64 mantissa exactly.
        #[allow(clippy::cast_precision_loss, reason = "53-bit value, exact")]
        let top = (self.next_u64() >> 11) as f64;
        top / 9_007_199_254_740_992.0 // 2^53
    }
}
