//! [`IdxSet`]: the version sets pubgrub manipulates, as bit sets over
//! version *indices*.
//!
//! Why not `Ranges<Version>`: an atom does not select an interval of
//! versions. `=c/p-1.2*` is a glob on the version text, `~c/p-1.0` rejects
//! `1.00`, a slot or sub-slot dependency, a `::repo` and above all a USE
//! dependency select arbitrary subsets of one package's candidates. So every
//! pubgrub package numbers its choices `0..n` (in preference order, see
//! [`crate::package`]) and a constraint is the exact set of indices it
//! allows, computed once with the engine's own matcher
//! ([`Atom::matches`](portolan_engine::atom::Atom::matches),
//! [`Atom::use_deps_satisfied`](portolan_engine::atom::Atom::use_deps_satisfied)).
//!
//! pubgrub needs complements (a blocker is "anything but these"), so a set is
//! a finite bit set plus a `negated` flag: `{ i | bit(i) != negated }`. The
//! representation is canonical (trailing zero words trimmed, two words
//! inline), so derived `Eq`/`Hash` are set equality as pubgrub requires.
//! Indices are `u32`; no index beyond `u32::MAX` is ever produced.

use std::fmt;
use std::sync::Arc;

use pubgrub::VersionSet;

/// Words kept inline; a set whose highest member is below 128 does not
/// allocate. Larger sets (a slot with many USE variants) share an `Arc`.
const INLINE: usize = 2;

#[derive(Clone, PartialEq, Eq, Hash)]
enum Words {
    Inline([u64; INLINE]),
    Heap(Arc<[u64]>),
}

/// A set of version indices, possibly co-finite. See the module docs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdxSet {
    negated: bool,
    words: Words,
}

impl IdxSet {
    fn from_words(negated: bool, mut w: Vec<u64>) -> IdxSet {
        while w.last() == Some(&0) {
            w.pop();
        }
        let words = if w.len() <= INLINE {
            let mut a = [0u64; INLINE];
            a[..w.len()].copy_from_slice(&w);
            Words::Inline(a)
        } else {
            Words::Heap(Arc::from(w))
        };
        IdxSet { negated, words }
    }

    fn words(&self) -> &[u64] {
        match &self.words {
            Words::Inline(a) => a,
            Words::Heap(v) => v,
        }
    }

    fn word(&self, i: usize) -> u64 {
        self.words().get(i).copied().unwrap_or(0)
    }

    /// The set of the given indices.
    pub fn from_indices(idx: impl IntoIterator<Item = u32>) -> IdxSet {
        let mut w: Vec<u64> = Vec::new();
        for i in idx {
            let (word, bit) = ((i / 64) as usize, i % 64);
            if w.len() <= word {
                w.resize(word + 1, 0);
            }
            w[word] |= 1 << bit;
        }
        IdxSet::from_words(false, w)
    }

    /// Whether `i` is a member.
    pub fn has(&self, i: u32) -> bool {
        let (word, bit) = ((i / 64) as usize, i % 64);
        ((self.word(word) >> bit) & 1 == 1) != self.negated
    }

    /// The members below `n`, ascending.
    pub fn members_below(&self, n: u32) -> impl Iterator<Item = u32> + '_ {
        (0..n).filter(move |&i| self.has(i))
    }

    /// The smallest member below `n`.
    pub fn first_below(&self, n: u32) -> Option<u32> {
        let nwords = n.div_ceil(64) as usize;
        for wi in 0..nwords {
            let mut w = self.word(wi);
            if self.negated {
                w = !w;
            }
            if w != 0 {
                let i = wi as u32 * 64 + w.trailing_zeros();
                return (i < n).then_some(i);
            }
        }
        None
    }

    /// How many members are below `n`.
    pub fn count_below(&self, n: u32) -> u32 {
        let full = (n / 64) as usize;
        let mut c = 0;
        for wi in 0..full {
            let w = self.word(wi);
            c += if self.negated { !w } else { w }.count_ones();
        }
        let rest = n % 64;
        if rest > 0 {
            let w = self.word(full);
            let w = if self.negated { !w } else { w };
            c += (w & ((1u64 << rest) - 1)).count_ones();
        }
        c
    }
}

impl VersionSet for IdxSet {
    type V = u32;

    fn empty() -> IdxSet {
        IdxSet {
            negated: false,
            words: Words::Inline([0; INLINE]),
        }
    }

    fn singleton(v: u32) -> IdxSet {
        IdxSet::from_indices([v])
    }

    fn complement(&self) -> IdxSet {
        IdxSet {
            negated: !self.negated,
            words: self.words.clone(),
        }
    }

    fn intersection(&self, other: &IdxSet) -> IdxSet {
        let n = self.words().len().max(other.words().len());
        let (a, b) = (self, other);
        let op = |x: u64, y: u64| match (a.negated, b.negated) {
            (false, false) => x & y,
            (false, true) => x & !y,
            (true, false) => !x & y,
            // ¬X ∩ ¬Y = ¬(X ∪ Y)
            (true, true) => x | y,
        };
        let w = (0..n).map(|i| op(a.word(i), b.word(i))).collect();
        IdxSet::from_words(a.negated && b.negated, w)
    }

    fn contains(&self, v: &u32) -> bool {
        self.has(*v)
    }

    fn full() -> IdxSet {
        IdxSet {
            negated: true,
            words: Words::Inline([0; INLINE]),
        }
    }
}

/// `{0,2,5}` or `not {1}`; only for pubgrub's logs and debugging, the
/// explanations render sets in Gentoo terms ([`crate::report`]).
impl fmt::Display for IdxSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("not ")?;
        }
        f.write_str("{")?;
        let mut first = true;
        for (wi, &w) in self.words().iter().enumerate() {
            for bit in 0..64 {
                if (w >> bit) & 1 == 1 {
                    if !first {
                        f.write_str(",")?;
                    }
                    first = false;
                    write!(f, "{}", wi * 64 + bit)?;
                }
            }
        }
        f.write_str("}")
    }
}

impl fmt::Debug for IdxSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[u32]) -> IdxSet {
        IdxSet::from_indices(v.iter().copied())
    }

    #[test]
    fn algebra_is_canonical() {
        let a = set(&[0, 2, 130]);
        let b = set(&[2, 3]);
        assert_eq!(a.intersection(&b), set(&[2]));
        assert_eq!(a.union(&b), set(&[0, 2, 3, 130]));
        // Large members vanish again: the result is inline and equal.
        assert_eq!(a.intersection(&set(&[0])), set(&[0]));
        assert_eq!(a.complement().complement(), a);
        assert_eq!(
            a.complement().intersection(&b.complement()),
            a.union(&b).complement()
        );
        assert_eq!(a.intersection(&a.complement()), IdxSet::empty());
        assert_eq!(a.union(&a.complement()), IdxSet::full());
        assert!(set(&[2]).subset_of(&a));
        assert!(!b.subset_of(&a));
        assert!(a.complement().has(1) && !a.complement().has(130));
        assert_eq!(a.to_string(), "{0,2,130}");
        assert_eq!(b.complement().to_string(), "not {2,3}");
    }

    #[test]
    fn counting_and_first() {
        let a = set(&[3, 64, 70]);
        assert_eq!(a.first_below(100), Some(3));
        assert_eq!(a.first_below(3), None);
        assert_eq!(a.count_below(65), 2);
        assert_eq!(a.count_below(200), 3);
        let c = a.complement();
        assert_eq!(c.first_below(10), Some(0));
        assert_eq!(c.count_below(71), 68);
        assert_eq!(set(&[0, 1, 2]).complement().first_below(3), None);
        assert_eq!(c.members_below(5).collect::<Vec<_>>(), vec![0, 1, 2, 4]);
    }

    /// Random sets obey the set laws pubgrub relies on.
    #[test]
    fn laws_on_random_sets() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..500 {
            let mk = |r: u64, neg: bool| {
                let s = IdxSet::from_indices(
                    (0..200).filter(|i| (r >> (i % 61)) & 1 == 1 && i % 3 != 0),
                );
                if neg {
                    s.complement()
                } else {
                    s
                }
            };
            let (x, y) = (mk(next(), next() % 2 == 0), mk(next(), next() % 2 == 0));
            let i = x.intersection(&y);
            let u = x.union(&y);
            for v in 0..260 {
                assert_eq!(i.has(v), x.has(v) && y.has(v));
                assert_eq!(u.has(v), x.has(v) || y.has(v));
            }
            assert_eq!(i, y.intersection(&x));
            assert_eq!(x.intersection(&IdxSet::full()), x);
        }
    }
}
