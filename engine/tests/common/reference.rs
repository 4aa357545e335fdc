//! The fast path's answers in the reference's shape, for the tests that
//! hold one to the other (`reference_real`, `reference_prop`).

use portolan_engine::evaluate::PackageState;
use portolan_engine::intern::Sym;
use portolan_engine::reference::package::RefState;

pub fn strs(v: &[Sym]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The fast path's answer for one version in the reference's shape; lists
/// without a defined order are sorted.
pub fn fast_state(s: &PackageState) -> RefState {
    RefState {
        visible: s.visible,
        masked_by: s
            .masked_by
            .iter()
            .map(|r| r.kind.as_str().to_owned())
            .collect(),
        stable: s.stable,
        use_: strs(&s.use_),
        forced: strs(&s.forced),
        masked: strs(&s.masked),
        enabled: sorted(strs(&s.enabled)),
        iuse_effective: sorted(strs(&s.iuse_effective)),
        keywords: sorted(strs(&s.keywords)),
        accepted: sorted(strs(&s.accepted)),
    }
}
