//! Drawing lots from a recorded seed, so anyone can repeat the draw.
//!
//! Trellis does not use an operating-system random source in its rules. When a tie has to be
//! settled by lot, the count uses SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014; the generator behind Java's
//! `SplittableRandom`), started from a seed that is stored with the result. The generator is
//! a few lines long and can be re-implemented in any language:
//!
//! ```text
//! state := seed
//! next():
//!     state := state + 0x9E3779B97F4A7C15            (mod 2^64)
//!     z := state
//!     z := (z xor (z >> 30)) * 0xBF58476D1CE4E5B9    (mod 2^64)
//!     z := (z xor (z >> 27)) * 0x94D049BB133111EB    (mod 2^64)
//!     return z xor (z >> 31)
//! ```
//!
//! To pick one of `n` tied options (listed in ballot order), take the next output `x`; if
//! `x > 2^64 - 1 - (2^64 mod n)` draw again (this keeps every option exactly equally likely,
//! and happens with probability below `n / 2^64`); otherwise the option at position
//! `x mod n` (counting from 0) is picked. Every lot in one count comes from the same
//! generator, in the order the lots are drawn.

/// The SplitMix64 generator. Same seed, same sequence, on every machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64-bit output.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A position in `0..n`, every position equally likely (rejection sampling as described in
    /// the module documentation). `n == 0` gives 0 without drawing, so a caller cannot loop.
    pub fn pick(&mut self, n: usize) -> usize {
        let n64 = n as u64;
        if n64 <= 1 {
            return 0;
        }
        // 2^64 mod n, computed without overflowing.
        let rem = (u64::MAX % n64 + 1) % n64;
        let last_accepted = u64::MAX - rem;
        loop {
            let x = self.next_u64();
            if x <= last_accepted {
                // x % n64 < n, so it fits back into usize.
                return (x % n64) as usize;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_splitmix64_sequence() {
        // Reference values for seed 1234567, as produced by the reference C implementation
        // (Vigna, prng.di.unimi.it/splitmix64.c) and Java's SplittableRandom.
        let mut g = SplitMix64::new(1_234_567);
        let got: Vec<u64> = (0..5).map(|_| g.next_u64()).collect();
        assert_eq!(
            got,
            vec![
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
    }

    #[test]
    fn seed_zero_first_output() {
        // The first output for seed 0 (a value often quoted for SplitMix64).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn pick_is_in_range_and_repeatable() {
        for n in 1..20usize {
            let mut a = SplitMix64::new(42);
            let mut b = SplitMix64::new(42);
            for _ in 0..50 {
                let x = a.pick(n);
                assert!(x < n);
                assert_eq!(x, b.pick(n));
            }
        }
        assert_eq!(SplitMix64::new(7).pick(0), 0);
    }

    #[test]
    fn pick_reaches_every_position() {
        let mut g = SplitMix64::new(99);
        let mut seen = [false; 5];
        for _ in 0..200 {
            seen[g.pick(5)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
