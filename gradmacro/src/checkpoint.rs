//! The snapshot store of `#[differentiate(checkpoint)]` loops (two-level √n checkpointing).
//!
//! The forward pass saves the loop's state (its carried values and a clone of its iterator) at
//! the start of every `every`-th iteration; the backward pass takes the snapshots back last
//! first, runs each segment forward again from its snapshot to fill a tape of at most `every`
//! entries, and pops that tape. With `every = ⌈√n⌉` for a trip count of `n`, the store and the
//! tape hold about `√n` entries each, and the loop body's forward code runs twice.

use alloc::vec::Vec;

/// Snapshots of a loop's state, one per segment of `every` iterations.
#[derive(Debug)]
pub struct Checkpoints<S> {
    every: usize,
    /// Iterations left in the current segment: a snapshot is due at 0.
    left: usize,
    /// Iterations run since the first snapshot (the backward pass counts them down).
    count: usize,
    saved: Vec<S>,
}

/// `⌈√n⌉`, at least 1.
#[must_use]
pub fn segment_length(n: usize) -> usize {
    let r = n.isqrt();
    if r * r < n { r + 1 } else { r.max(1) }
}

impl<S> Checkpoints<S> {
    /// A store for a loop expected to run `hint` times (its iterator's lower size bound). A hint
    /// that is too low only costs memory: the segments are shorter, never wrong.
    #[inline]
    #[must_use]
    pub fn new(hint: usize) -> Self {
        let every = segment_length(hint);
        Checkpoints { every, left: 0, count: 0, saved: Vec::with_capacity(hint.div_ceil(every) + 1) }
    }

    /// The length of a segment: the room a segment's tape needs.
    #[inline]
    #[must_use]
    pub fn every(&self) -> usize {
        self.every
    }

    /// Whether the iteration about to start begins a segment.
    #[inline]
    #[must_use]
    pub fn due(&self) -> bool {
        self.left == 0
    }

    /// The state at the start of a segment.
    #[inline]
    pub fn save(&mut self, state: S) {
        self.saved.push(state);
        self.left = self.every;
        if self.saved.len() > 2 * self.every + 2 {
            self.thin();
        }
    }

    /// More snapshots than the trip count foretold (a `while` loop, whose count is unknown: its
    /// store starts with segments of 1): segments twice as long, every other snapshot dropped.
    /// The snapshots stay at the multiples of `every`, and with `s` of them `every` stays above
    /// `s / 2`, so `n` iterations keep about `2√(2n)` entries, store and tape together.
    #[cold]
    fn thin(&mut self) {
        let mut k = 0;
        self.saved.retain(|_| {
            k += 1;
            k % 2 == 1
        });
        // The current segment began at snapshot `count / every`: kept when it is even, else the
        // iteration is half-way through a segment of the new length.
        let odd = (self.count / self.every) % 2 == 1;
        self.every *= 2;
        self.left = if odd { self.every / 2 } else { self.every };
    }

    /// One iteration ran.
    #[inline]
    pub fn step(&mut self) {
        self.left -= 1;
        self.count += 1;
    }

    /// The last segment's snapshot and how many iterations ran from it (0 when the iterator ran
    /// out just as a segment began), forgotten.
    #[inline]
    pub fn pop(&mut self) -> Option<(S, usize)> {
        let state = self.saved.pop()?;
        let start = self.every * self.saved.len();
        let len = self.count - start;
        self.count = start;
        Some((state, len))
    }
}

/// A copy of a carried value that is not known to be a float (`Clone`, not moved: the loop goes
/// on reading it).
#[inline]
#[must_use]
pub fn keep<T: Clone>(value: &T) -> T {
    value.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_every_iteration_once() {
        for n in 0..200usize {
            let mut ck = Checkpoints::new(n);
            let mut it = 0..n;
            loop {
                if ck.due() {
                    ck.save(it.clone());
                }
                if it.next().is_none() {
                    break;
                }
                ck.step();
            }
            assert!(ck.saved.len() <= segment_length(n) + 1, "n = {n}");
            let mut seen = Vec::new();
            while let Some((from, len)) = ck.pop() {
                let segment: Vec<usize> = from.take(len).collect();
                assert!(segment.len() <= ck.every());
                seen.splice(0..0, segment);
            }
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn an_unknown_trip_count_thins_the_snapshots() {
        for hint in [0, 1, 10] {
            for n in [0usize, 1, 2, 3, 7, 8, 9, 100, 1000, 4097, 100_000] {
                let mut ck = Checkpoints::new(hint);
                let mut i = 0;
                let mut most = 0;
                loop {
                    if ck.due() {
                        ck.save(i);
                    }
                    if i == n {
                        break;
                    }
                    i += 1;
                    ck.step();
                    most = most.max(ck.saved.len() + ck.every());
                }
                let bound = 3 * segment_length(2 * n) + 8;
                assert!(most <= bound, "hint {hint}, n = {n}: {most} entries > {bound}");
                let mut seen = Vec::new();
                while let Some((from, len)) = ck.pop() {
                    assert!(len <= ck.every());
                    seen.splice(0..0, from..from + len);
                }
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "hint {hint}, n = {n}");
            }
        }
    }

    #[test]
    fn segment_length_is_the_ceiling_of_the_square_root() {
        let cases =
            [(0, 1), (1, 1), (2, 2), (3, 2), (4, 2), (5, 3), (9, 3), (10, 4), (1_000_000, 1000), (1_000_001, 1001)];
        for (n, c) in cases {
            assert_eq!(segment_length(n), c, "n = {n}");
        }
    }
}
