//! A portable random stream: ChaCha8 words turned into numbers by fixed formulas.
//!
//! `rand`'s distributions are not value-stable across its major versions, so a
//! share link could replay different data after an upgrade. ChaCha8's output is
//! fixed by its specification; the conversions below are ours and use `libm`,
//! whose results are the same on wasm32 and native targets (std's `sin`/`ln` call
//! the platform's libm, which may differ in the last bit).

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 32-bit words of the stream each key of [`SimRng::at`] owns.
const KEY_WORDS: u32 = 64;
/// 64-bit draws each key of [`SimRng::at`] owns.
pub const KEY_DRAWS: u32 = KEY_WORDS / 2;

/// One independent stream of random numbers.
#[derive(Debug, Clone)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    /// The stream `stream` of the generator seeded with `seed`. Streams are
    /// independent, so adding a consumer never shifts another one's numbers.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        SimRng(rng)
    }

    /// The draws of `key` (a timestamp in milliseconds, say) in this stream:
    /// ChaCha is counter-based, so each key owns its own block of the stream
    /// ([`KEY_DRAWS`] 64-bit draws) and a point's numbers do not depend on
    /// which points were drawn before it. Draw at most [`KEY_DRAWS`] per key.
    pub fn at(&self, key: i64) -> Self {
        let mut rng = self.0.clone();
        // Offset so that keys before 1970 stay positive (milliseconds within
        // ±17,000 years of 1970 are distinct), inside ChaCha's 68-bit word counter.
        let index = (i128::from(key) + (1i128 << 50)).rem_euclid(1i128 << 61) as u128;
        rng.set_word_pos(index * u128::from(KEY_WORDS));
        SimRng(rng)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in `[0, n)` (n > 0); the modulo bias is below 2^-40 for our n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln never sees 0
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}
