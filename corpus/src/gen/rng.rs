//! A small seeded PRNG (xoshiro256** seeded through splitmix64), so that the
//! generator needs no dependency and its output depends only on the seed:
//! the algorithms are fixed here, not in a crate whose next version could
//! change the stream.

/// splitmix64 step: also used to derive independent sub-streams.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a string into a seed (FNV-1a then splitmix64), to derive a stream
/// per package from the global seed and the package name.
pub fn hash_str(seed: u64, s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    splitmix64(&mut h)
}

/// xoshiro256**.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        Rng {
            s: [
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
            ],
        }
    }

    /// An independent stream for `label` (a package name, a phase …).
    pub fn fork(seed: u64, label: &str) -> Rng {
        Rng::new(hash_str(seed, label))
    }

    pub fn next_u64(&mut self) -> u64 {
        let r = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        r
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[0, n)`; `n` must be > 0.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// A table to draw indices with given weights (cumulative sums, binary
/// search: O(log n) per draw).
#[derive(Clone, Debug, Default)]
pub struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut acc = 0.0;
        let cum = weights
            .into_iter()
            .map(|w| {
                acc += w.max(0.0);
                acc
            })
            .collect();
        Weighted { cum }
    }

    pub fn is_empty(&self) -> bool {
        self.cum.last().is_none_or(|t| *t <= 0.0)
    }

    pub fn len(&self) -> usize {
        self.cum.len()
    }

    /// A weighted index; the table must not be empty.
    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = *self.cum.last().expect("empty weight table");
        let x = rng.f64() * total;
        self.cum
            .partition_point(|c| *c <= x)
            .min(self.cum.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_fixed() {
        // The stream is part of the output format: changing it changes every
        // generated corpus.
        let mut r = Rng::new(1);
        let v: Vec<u64> = (0..3).map(|_| r.next_u64() % 1000).collect();
        let mut r2 = Rng::new(1);
        let v2: Vec<u64> = (0..3).map(|_| r2.next_u64() % 1000).collect();
        assert_eq!(v, v2);
        assert_ne!(Rng::fork(1, "a").next_u64(), Rng::fork(1, "b").next_u64());
    }

    #[test]
    fn weighted_draws() {
        let w = Weighted::new([0.0, 1.0, 0.0, 3.0]);
        let mut r = Rng::new(7);
        let mut n = [0; 4];
        for _ in 0..4000 {
            n[w.draw(&mut r)] += 1;
        }
        assert_eq!(n[0] + n[2], 0);
        assert!(n[3] > 2 * n[1]);
    }
}
