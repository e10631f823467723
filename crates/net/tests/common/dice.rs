//! A tiny deterministic generator (xorshift) for random models in tests and benchmarks.

/// Rolls numbers from a seed; the same seed gives the same rolls.
pub struct Dice(pub u64);

impl Dice {
    /// A number in `0..n`.
    pub fn roll(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
