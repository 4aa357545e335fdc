//! The solver's answer: installable or not, the chosen versions, the USE
//! changes needed, and — when not installable — classified problems plus a
//! readable explanation.
//!
//! Everything is strings so the CLI can print or serialise it without the
//! engine's types; [`crate::check_solution`] re-reads it against the
//! universe.

use std::collections::BTreeMap;
use std::fmt;

/// What kind of failure a [`Problem`] is. The first six are about one atom
/// and its candidates; `Conflict` is pubgrub's general case (every atom has
/// candidates, but no combination works); `Limit` means the solver gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// No repository has the package, or no version of it matches the atom.
    Missing,
    /// Every matching version is masked (package.mask, licence, EAPI).
    Masked,
    /// Every matching version lacks an accepted keyword for the arch.
    Keywords,
    /// A USE dependency cannot be met without a USE change, or not at all
    /// (the flag is forced/masked, or not in IUSE and without default).
    Use,
    /// The only configurations that would do violate REQUIRED_USE.
    RequiredUse,
    /// A needed package is blocked by another chosen package.
    Blocked,
    /// The requirements contradict each other.
    Conflict,
    /// The search was stopped (step budget exhausted).
    Limit,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Masked => "masked",
            ProblemKind::Keywords => "keywords",
            ProblemKind::Use => "use",
            ProblemKind::RequiredUse => "required_use",
            ProblemKind::Blocked => "blocked",
            ProblemKind::Conflict => "conflict",
            ProblemKind::Limit => "limit",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason the request is not installable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The atom that cannot be satisfied (for `Blocked`: the blocker).
    pub atom: String,
    /// Who pulled the atom, nearest first, each with the class of the
    /// dependency: `["sys-apps/baselayout-2.17 (RDEPEND)", "@system"]`.
    pub required_by: Vec<String>,
    /// What is wrong, in Gentoo terms.
    pub detail: String,
    /// The FILE:LINE responsible (package.mask line, use.mask line, …).
    pub source: Option<String>,
}

impl fmt::Display for Problem {
    /// `[missing] net-mail/mailbase is not in any repository; required by
    /// sys-apps/baselayout-2.17 (RDEPEND) <- @system`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.kind, self.detail)?;
        if !self.required_by.is_empty() {
            write!(f, "; required by {}", self.required_by.join(" <- "))?;
        }
        Ok(())
    }
}

/// A USE flag that must be changed for a chosen version (emerge's
/// autounmask suggestion), only with `allow_use_changes`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UseChange {
    /// `cat/pkg-1.0`
    pub cpv: String,
    pub repo: String,
    pub flag: String,
    /// `true`: enable the flag; `false`: disable it.
    pub enable: bool,
}

impl fmt::Display for UseChange {
    /// `=dev-libs/foo-1.0::gentoo ssl` / `… -ssl`, a package.use line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.enable { "" } else { "-" };
        write!(f, "={}::{} {sign}{}", self.cpv, self.repo, self.flag)
    }
}

/// One chosen package version, fully identified.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chosen {
    /// `cat/pkg:slot`, the key of [`Verdict::solution`].
    pub key: String,
    /// `cat/pkg-1.0`
    pub cpv: String,
    pub repo: String,
    /// The USE it is installed with (effective USE plus changes), sorted.
    pub use_enabled: Vec<String>,
}

/// The answer to a [`Request`](crate::Request).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub installable: bool,
    /// `"cat/pkg:slot"` → PF (`pkg-1.0-r1`) of every version to install.
    pub solution: BTreeMap<String, String>,
    /// The same versions with repository and USE, sorted by key.
    pub chosen: Vec<Chosen>,
    /// Empty when not installable.
    pub problems: Vec<Problem>,
    /// USE changes the solution needs (only with `allow_use_changes`).
    pub use_changes: Vec<UseChange>,
    /// For a person: the problems, then how they make the request fail.
    pub explanation: String,
}
