//! Version parsing, comparison and Display round trip.
//!
//! Input: up to three lines; each is parsed as a version. Accepted versions
//! must re-parse from their Display to an equal version with the same text,
//! and comparison must be a total order consistent with `==` and `Hash`.
#![no_main]

use std::cmp::Ordering;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use libfuzzer_sys::fuzz_target;
use portolan_engine::version::{self, Version};

fn hash(v: &Version) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(v)
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let mut parsed = Vec::new();
    for line in s.split('\n').take(3) {
        // The other name/version entry points take the same kind of text.
        let _ = version::split_pf(line);
        let _ = version::split_cpv(line).map(|(cp, v)| (cp.as_str().len(), v));
        let _ = version::valid_category(line);
        let _ = version::valid_package_name(line);
        let _ = version::valid_slot(line);
        let _ = version::valid_use_flag(line);
        let _ = version::valid_repo_name(line);
        let _ = version::valid_keyword(line);
        let Ok(v) = Version::parse(line) else {
            continue;
        };
        let shown = v.to_string();
        assert_eq!(shown, v.as_str());
        let again = Version::parse(&shown).expect("Display of a version re-parses");
        assert_eq!(again, v);
        assert_eq!(again.as_str(), v.as_str());
        assert_eq!(v.cmp(&again), Ordering::Equal);
        assert_eq!(hash(&v), hash(&again));
        let _ = (
            v.without_revision(),
            v.revision(),
            v.has_revision(),
            v.revision_u64(),
        );
        parsed.push(v);
    }
    for a in &parsed {
        for b in &parsed {
            let ab = a.cmp(b);
            assert_eq!(ab, b.cmp(a).reverse(), "antisymmetry: {a} vs {b}");
            assert_eq!(ab == Ordering::Equal, a == b);
            if a == b {
                assert_eq!(hash(a), hash(b), "equal versions hash alike: {a} {b}");
            }
            let r = a.cmp_ignoring_revision(b);
            assert_eq!(r, b.cmp_ignoring_revision(a).reverse());
            for c in &parsed {
                if ab != Ordering::Greater && b.cmp(c) != Ordering::Greater {
                    assert_ne!(
                        a.cmp(c),
                        Ordering::Greater,
                        "transitivity: {a} <= {b} <= {c}"
                    );
                }
            }
        }
    }
});
