//! Binary search for the first bad commit, with skips: the search of `git
//! bisect`, over a list of commits already known to start after a good one
//! and end at a bad one.

use std::collections::BTreeMap;

/// What testing one commit said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Good,
    Bad,
    /// The commit cannot be judged (its repository does not load): as `git
    /// bisect skip`, the search goes on around it.
    Skip(String),
}

/// Where the search ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The first commit known bad (index into the list).
    pub first_bad: usize,
    /// Skipped commits just before `first_bad` and after the last good one:
    /// when not empty, any of them may be the first bad commit.
    pub ambiguous: Vec<usize>,
    /// Every commit skipped, with why.
    pub skipped: BTreeMap<usize, String>,
    /// How many commits were tested.
    pub tested: usize,
}

/// Finds the first bad commit among `n` commits whose last is known bad
/// and whose predecessor (before index 0) is known good, testing about
/// log2(n) of them. Among untested commits the one nearest the middle is
/// tried first, so skips cost little.
pub fn first_bad(n: usize, mut test: impl FnMut(usize) -> Outcome) -> Found {
    assert!(n > 0, "the last commit is the known bad one");
    // Invariant: `good` (exclusive lower bound, -1 = before the list) is
    // good, `bad` is bad.
    let mut good: isize = -1;
    let mut bad = n - 1;
    let mut skipped = BTreeMap::new();
    let mut tested = 0;
    loop {
        let lo = (good + 1) as usize;
        let mid = lo + (bad - lo) / 2;
        let Some(m) = (lo..bad)
            .filter(|i| !skipped.contains_key(i))
            .min_by_key(|&i| (i.abs_diff(mid), i))
        else {
            break;
        };
        tested += 1;
        match test(m) {
            Outcome::Good => good = m as isize,
            Outcome::Bad => bad = m,
            Outcome::Skip(why) => {
                skipped.insert(m, why);
            }
        }
    }
    let lo = (good + 1) as usize;
    Found {
        first_bad: bad,
        ambiguous: (lo..bad).filter(|i| skipped.contains_key(i)).collect(),
        skipped,
        tested,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: usize, first: usize, skip: &[usize]) -> (Found, Vec<usize>) {
        let mut seen = Vec::new();
        let found = first_bad(n, |i| {
            seen.push(i);
            if skip.contains(&i) {
                Outcome::Skip(format!("broken {i}"))
            } else if i >= first {
                Outcome::Bad
            } else {
                Outcome::Good
            }
        });
        (found, seen)
    }

    #[test]
    fn finds_every_position_in_log_steps() {
        for n in 1..40 {
            for first in 0..n {
                let (f, seen) = run(n, first, &[]);
                assert_eq!(f.first_bad, first, "n={n}");
                assert!(f.ambiguous.is_empty());
                let bound = (usize::BITS - n.leading_zeros()) as usize;
                assert!(seen.len() <= bound, "n={n} first={first}: {seen:?}");
                assert!(
                    !seen.contains(&(n - 1)),
                    "the known bad one is not retested"
                );
            }
        }
    }

    #[test]
    fn skips_are_worked_around() {
        let (f, _) = run(20, 7, &[9, 10, 3]);
        assert_eq!(f.first_bad, 7);
        assert!(f.ambiguous.is_empty());
        assert!(f.skipped.keys().all(|k| [9, 10, 3].contains(k)));
    }

    #[test]
    fn a_skipped_commit_before_the_first_bad_leaves_the_answer_open() {
        // 6 cannot be tested; 5 is good, 7 is bad: 6 or 7 is the first bad.
        let (f, _) = run(12, 6, &[6]);
        assert_eq!(f.first_bad, 7);
        assert_eq!(f.ambiguous, vec![6]);
        assert_eq!(f.skipped.get(&6).map(String::as_str), Some("broken 6"));
    }
}
