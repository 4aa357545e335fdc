//! EAPIs: which syntax and semantics an ebuild or a profile directory may use.
//!
//! Every later stage asks "is feature X available here?" instead of comparing
//! EAPI numbers, so the feature matrix (spec §0.2) lives in one place.
//!
//! Domain traps:
//! * EAPIs are *names*, compared only for equality (PMS §2.1). They happen to
//!   be the digits `0`..`9`, and every feature that matters here, once
//!   introduced, stays in all later EAPIs, so "EAPI ≥ N" is a valid shortcut
//!   *inside* this module; callers must not do arithmetic on EAPIs.
//! * Anything other than `0`..`9` is unknown: portage masks such a package
//!   (reason "EAPI") and must not use any of its metadata. That includes the
//!   testing names (`9-pre1`), which portage treats as deprecated and masks,
//!   and `" 8"` / `"08"` — no trimming, no numeric parsing.
//! * Some features are gated by the EAPI of a *profile directory* (its `eapi`
//!   file, EAPI 0 when absent), not of an ebuild: `profile_*` queries are meant
//!   for those.
//! * Features that are taken *away* by later EAPIs (`package.provided` after 6,
//!   `RDEPEND` defaulting to `DEPEND` after 3, empty any-of groups counting as
//!   satisfied after 6) are phrased so that `true` means "the old behaviour".

use std::fmt;

/// One supported EAPI (`0`..=`9`). Ordered by number, which is only used to
/// implement the feature queries.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Eapi(u8);

impl Eapi {
    /// EAPI 0, the default of a profile directory without an `eapi` file and
    /// of an ebuild that sets none.
    pub const ZERO: Eapi = Eapi(0);
    /// The newest EAPI this engine knows; it has every feature, so it also
    /// stands for portage's "no EAPI given" unrestricted atom syntax.
    pub const LATEST: Eapi = Eapi(9);

    /// Parses an EAPI name. `None` means unknown or unsupported: portage
    /// masks packages with such an EAPI. Only the exact strings `"0"`..`"9"`
    /// are accepted.
    pub fn parse(s: &str) -> Option<Eapi> {
        match s.as_bytes() {
            [d @ b'0'..=b'9'] => Some(Eapi(d - b'0')),
            _ => None,
        }
    }

    /// The EAPI with this number, if supported.
    pub fn from_number(n: u8) -> Option<Eapi> {
        (n <= 9).then_some(Eapi(n))
    }

    /// The EAPI's number (`0`..=`9`).
    pub fn number(self) -> u8 {
        self.0
    }

    /// The EAPI's name as written in metadata (`"0"`..`"9"`).
    pub fn as_str(self) -> &'static str {
        const NAMES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
        NAMES[usize::from(self.0.min(9))]
    }

    /// Named slot dependencies `cat/pkg:slot` (EAPI 1+).
    pub fn slot_deps(self) -> bool {
        self.0 >= 1
    }

    /// IUSE defaults `+flag` / `-flag` (EAPI 1+).
    pub fn iuse_defaults(self) -> bool {
        self.0 >= 1
    }

    /// Sub-slots: `SLOT="a/b"` and `:a/b` in atoms (EAPI 5+).
    pub fn subslots(self) -> bool {
        self.0 >= 5
    }

    /// Slot operators `:*`, `:=`, `:a=` (EAPI 5+).
    pub fn slot_operators(self) -> bool {
        self.0 >= 5
    }

    /// USE dependencies `cat/pkg[flag]` (EAPI 2+).
    pub fn use_deps(self) -> bool {
        self.0 >= 2
    }

    /// USE dependency defaults `[flag(+)]` / `[flag(-)]` (EAPI 4+).
    pub fn use_dep_defaults(self) -> bool {
        self.0 >= 4
    }

    /// `!!` strong blockers, and `!` meaning a weak blocker (EAPI 2+; in
    /// EAPI 0 and 1 `!` has unspecified strength and `!!` is invalid).
    pub fn strong_blockers(self) -> bool {
        self.0 >= 2
    }

    /// `REQUIRED_USE` (EAPI 4+).
    pub fn required_use(self) -> bool {
        self.0 >= 4
    }

    /// The `??` at-most-one-of operator in REQUIRED_USE (EAPI 5+).
    pub fn at_most_one_of(self) -> bool {
        self.0 >= 5
    }

    /// An empty `|| ( )` / `^^ ( )` group is *unsatisfied* (EAPI 7+; before,
    /// it counted as satisfied).
    pub fn empty_any_of_unsatisfied(self) -> bool {
        self.0 >= 7
    }

    /// `BDEPEND` (EAPI 7+).
    pub fn bdepend(self) -> bool {
        self.0 >= 7
    }

    /// `IDEPEND` (EAPI 8+).
    pub fn idepend(self) -> bool {
        self.0 >= 8
    }

    /// `PROPERTIES` and `DEFINED_PHASES` are guaranteed in the metadata cache
    /// (EAPI 4+; optional before).
    pub fn properties_defined_phases(self) -> bool {
        self.0 >= 4
    }

    /// Profile-injected implicit IUSE (`IUSE_IMPLICIT`,
    /// `USE_EXPAND_IMPLICIT`, …; IUSE_EFFECTIVE rules) for an ebuild of this
    /// EAPI (5+).
    pub fn profile_iuse_injection(self) -> bool {
        self.0 >= 5
    }

    /// A profile directory of this EAPI may have `use.stable.mask`,
    /// `use.stable.force`, `package.use.stable.mask`,
    /// `package.use.stable.force` (5+).
    pub fn profile_stable_use_files(self) -> bool {
        self.0 >= 5
    }

    /// A profile directory of this EAPI may use directories in place of
    /// `package.mask`, `package.use`, `use.*`, `package.use.*` files (7+).
    pub fn profile_dirs(self) -> bool {
        self.0 >= 7
    }

    /// A profile directory of this EAPI may have `package.provided` (0..=6).
    pub fn package_provided_allowed(self) -> bool {
        self.0 <= 6
    }

    /// A profile directory of this EAPI may have `use.stable` and
    /// `package.use.stable` (9).
    pub fn profile_use_stable(self) -> bool {
        self.0 >= 9
    }

    /// `ENV_UNSET` in make.defaults (7+).
    pub fn env_unset(self) -> bool {
        self.0 >= 7
    }

    /// An unset `RDEPEND` takes the value of `DEPEND` (0..=3).
    pub fn rdepend_defaults_to_depend(self) -> bool {
        self.0 <= 3
    }
}

impl fmt::Display for Eapi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_only_plain_digits() {
        for n in 0..=9u8 {
            let s = n.to_string();
            let e = Eapi::parse(&s).unwrap();
            assert_eq!(e.number(), n);
            assert_eq!(e.to_string(), s);
        }
        for bad in ["", "10", "08", " 8", "8 ", "9-pre1", "5-hdepend", "a", "-1"] {
            assert_eq!(Eapi::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Eapi::ZERO.to_string(), "0");
        assert_eq!(Eapi::LATEST.to_string(), "9");
    }

    #[test]
    fn feature_matrix() {
        let e = |s| Eapi::parse(s).unwrap();
        assert!(!e("0").slot_deps() && e("1").slot_deps());
        assert!(!e("4").slot_operators() && e("5").slot_operators() && e("5").subslots());
        assert!(!e("1").use_deps() && e("2").use_deps());
        assert!(!e("3").use_dep_defaults() && e("4").use_dep_defaults());
        assert!(!e("1").strong_blockers() && e("2").strong_blockers());
        assert!(!e("3").required_use() && e("4").required_use());
        assert!(!e("4").at_most_one_of() && e("5").at_most_one_of());
        assert!(!e("6").empty_any_of_unsatisfied() && e("7").empty_any_of_unsatisfied());
        assert!(!e("6").bdepend() && e("7").bdepend());
        assert!(!e("7").idepend() && e("8").idepend());
        assert!(!e("4").profile_iuse_injection() && e("5").profile_iuse_injection());
        assert!(!e("4").profile_stable_use_files() && e("5").profile_stable_use_files());
        assert!(!e("6").profile_dirs() && e("7").profile_dirs());
        assert!(e("6").package_provided_allowed() && !e("7").package_provided_allowed());
        assert!(!e("8").profile_use_stable() && e("9").profile_use_stable());
        assert!(e("3").rdepend_defaults_to_depend() && !e("4").rdepend_defaults_to_depend());
    }
}
