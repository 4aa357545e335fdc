//! Atom parsing under every EAPI and option set; Display round trip;
//! matching against a fixed package and against the atom's own package.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan_engine::atom::{self, Atom, AtomOptions, PkgRef};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;
use portolan_engine::version::Version;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let fixed_version = Version::parse("1.2.3_rc1-r2").unwrap();
    let fixed = PkgRef {
        cp: Sym::new("dev-libs/foo"),
        version: &fixed_version,
        slot: Sym::new("2"),
        subslot: Sym::new("2.1"),
        repo: Some(Sym::new("gentoo")),
    };
    for n in 0..=9u8 {
        let eapi = Eapi::from_number(n).unwrap();
        let sets = [
            AtomOptions::dependency(eapi),
            AtomOptions::profile(eapi),
            AtomOptions {
                allow_use_deps: true,
                ..AtomOptions::profile(eapi).with_repo(true)
            },
            AtomOptions::conformance(eapi),
        ];
        for opts in sets {
            check(s, opts, &fixed);
        }
    }
    check(s, AtomOptions::unrestricted(), &fixed);
});

fn check(s: &str, opts: AtomOptions, fixed: &PkgRef<'_>) {
    let Ok(a) = Atom::parse(s, opts) else {
        return;
    };
    let shown = a.to_string();
    let again = Atom::parse(&shown, opts)
        .unwrap_or_else(|e| panic!("Display '{shown}' of '{s}' does not re-parse: {e}"));
    assert_eq!(again, a, "'{s}' -> '{shown}'");
    assert_eq!(again.to_string(), shown);
    let _ = (a.category(), a.package(), a.specificity());
    let _ = a.matches(fixed);
    // Against its own package (with its own version, or a fixed one).
    let own_version = a
        .version
        .clone()
        .unwrap_or_else(|| Version::parse("0").unwrap());
    let slot = a.slot.unwrap_or_else(|| Sym::new("0"));
    let own = PkgRef {
        cp: a.cp,
        version: &own_version,
        slot,
        subslot: a.subslot.unwrap_or(slot),
        repo: a.repo,
    };
    let _ = a.matches(&own);
    let _ = a.use_deps_satisfied(|_| true, |_| false, |_| true);
    let _ = a.use_deps_satisfied(|_| false, |_| true, |_| false);
    let _ = a.evaluated_use_deps(|f| f.as_str().len() % 2 == 0);
    let e = a.evaluate_conditionals(|_| true);
    let _ = e.to_string();
    let _ = atom::best_match(&own_version, &[&a, &e]);
    let _ = atom::order_by_specificity(fixed.version, &[&a, &e]);
}
