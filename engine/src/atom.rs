//! Package dependency specifications ("atoms", PMS §8.3), parsed and matched
//! exactly as portage's `Atom` and `match_from_list` do.
//!
//! An atom is peeled from the outside in (spec §3.1): blocker prefix,
//! `[USE deps]` (from the first `[` to a final `]`), then `::repo` and
//! `:slot` (the package part contains no `:`), then the version operator,
//! and finally `cat/pkg-ver` is split with the PF rule of
//! [`crate::version::split_pf`]. Every name is validated before anything is
//! interned, so rejected input never grows the global interner.
//!
//! # Domain traps
//!
//! * A versioned atom needs an operator and an operator needs a version:
//!   `c/p-1` and `=c/p` are invalid; a package name may not end in
//!   `-VERSION` (`c/p-1a` is invalid, `c/p-r1` and `c/a-3D` are valid).
//! * `*` (glob) only after `=`, only at the very end of the version, and the
//!   atom without it must be valid (`=c/p-1.*` is invalid).
//! * Glob matching is portage's, not PMS's: leading zeros of the version are
//!   stripped on both sides, then the candidate's `version[-rN]` *text* must
//!   start with the atom's and continue at a boundary (end, `.`, `_`, `-`,
//!   or a digit/non-digit switch). `=c/p-1*` matches `1a` and `1_rc1` but not
//!   `10`; `=c/p-1.0*` does **not** match `1.00`; `=c/p-1.0-r0*` does not
//!   match `1.0`.
//! * `~` is version equality ignoring revisions **and** equality of the
//!   revision-less version text (`~c/p-1.0` rejects `1.00`); portage accepts
//!   and ignores a revision in a `~` atom (`~c/p-1.0-r1` matches `1.0`).
//! * `=` is version equality, not string equality (`=c/p-1.0` matches `1.00`
//!   but not `1.0-r1`).
//! * Slots: `:*` and `:=` constrain nothing when matching; `:2=` is `:2`; a
//!   package without a sub-slot has sub-slot = slot. Named slots need EAPI 1,
//!   sub-slots and slot operators EAPI 5; `:0*`, `:=0`, `:/1`, `:*=`, empty
//!   `:` are invalid; `::repo` must follow the slot (`c/p::gentoo:1` is
//!   invalid).
//! * `::repo` is a portage extension: refused in ebuild metadata of every
//!   EAPI, allowed in user configuration and, with `profile-repo-deps`, in
//!   profiles. An atom's repository matches a package whose repository is
//!   unknown.
//! * USE deps: `[f] [-f] [f=] [!f=] [f?] [!f?]` (EAPI 2+), defaults `(+)`/`(-)`
//!   directly after the flag (EAPI 4+): `[bar(+)=]` is valid, `[bar=(+)]`,
//!   `[-f?]`, `[!f]`, `[-f=]`, empty elements and a flag written both with
//!   and without a default, or with both defaults, are invalid.
//! * USE deps on the target package: conditionals are evaluated against the
//!   *depending* package first. A flag missing from the target's IUSE
//!   matches only through a default; **without** a default portage refuses
//!   the match even for a conditional that evaluated away (it checks every
//!   default-less flag of the unevaluated atom against IUSE).
//! * `!!` needs EAPI 2. Blockers match what their atom matches; what a block
//!   means is the caller's business.

use std::fmt;

use crate::eapi::Eapi;
use crate::intern::Sym;
use crate::version::{
    ends_in_version, split_pn_for_atom, valid_category, valid_repo_name, PnSplit, Version,
    VersionError,
};

/// Blocker prefix of an atom.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Blocker {
    #[default]
    None,
    /// `!atom`
    Weak,
    /// `!!atom` (EAPI 2+)
    Strong,
}

/// Version operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `=`
    Eq,
    /// `~`: same version ignoring the revision
    Approx,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `=…*`: version glob (portage reports it as operator `=*`)
    Glob,
}

impl Op {
    /// The operator as portage reports it (`=*` for a glob).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Approx => "~",
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Glob => "=*",
        }
    }

    /// The prefix written before `cat/pkg` (`=` for a glob).
    fn prefix(self) -> &'static str {
        match self {
            Op::Glob => "=",
            op => op.as_str(),
        }
    }
}

/// Slot operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SlotOp {
    /// `:*`
    Any,
    /// `:=` / `:slot=`
    Equal,
}

/// The six forms of a USE dependency (spec §3.6).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum UseDepKind {
    /// `[f]`
    Enabled,
    /// `[-f]`
    Disabled,
    /// `[f=]`
    Equal,
    /// `[!f=]`
    NotEqual,
    /// `[f?]`
    IfEnabled,
    /// `[!f?]`
    IfDisabled,
}

/// One element of an atom's `[...]`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct UseDep {
    pub flag: Sym,
    pub kind: UseDepKind,
    /// `(+)` = `Some(true)`, `(-)` = `Some(false)`: how to treat the flag
    /// when the target package does not have it in IUSE.
    pub default: Option<bool>,
}

impl UseDep {
    /// The state this element requires of the target's flag once evaluated
    /// against the depending package's USE, or `None` when it requires
    /// nothing (a conditional whose condition is false).
    pub fn required_state(&self, parent_enabled: impl FnOnce(Sym) -> bool) -> Option<bool> {
        match self.kind {
            UseDepKind::Enabled => Some(true),
            UseDepKind::Disabled => Some(false),
            UseDepKind::Equal => Some(parent_enabled(self.flag)),
            UseDepKind::NotEqual => Some(!parent_enabled(self.flag)),
            UseDepKind::IfEnabled => parent_enabled(self.flag).then_some(true),
            UseDepKind::IfDisabled => (!parent_enabled(self.flag)).then_some(false),
        }
    }
}

impl fmt::Display for UseDep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, suffix) = match self.kind {
            UseDepKind::Enabled => ("", ""),
            UseDepKind::Disabled => ("-", ""),
            UseDepKind::Equal => ("", "="),
            UseDepKind::NotEqual => ("!", "="),
            UseDepKind::IfEnabled => ("", "?"),
            UseDepKind::IfDisabled => ("!", "?"),
        };
        let default = match self.default {
            None => "",
            Some(true) => "(+)",
            Some(false) => "(-)",
        };
        write!(f, "{prefix}{}{default}{suffix}", self.flag)
    }
}

/// A parsed atom. Fields are public for pattern matching; build atoms with
/// [`Atom::parse`], which upholds the invariants (an operator comes with a
/// version and vice versa; a sub-slot comes with a slot).
#[derive(Clone, Debug)]
pub struct Atom {
    pub blocker: Blocker,
    pub op: Option<Op>,
    /// `"cat/pkg"`
    pub cp: Sym,
    pub version: Option<Version>,
    pub slot: Option<Sym>,
    pub subslot: Option<Sym>,
    pub slot_op: Option<SlotOp>,
    pub repo: Option<Sym>,
    pub use_deps: Box<[UseDep]>,
}

/// Which syntax [`Atom::parse`] accepts beyond what the EAPI allows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct AtomOptions {
    /// Gates slot deps, sub-slots/slot operators, USE deps and their
    /// defaults, and `!!`.
    pub eapi: Eapi,
    /// `::repo`
    pub allow_repo: bool,
    /// `!atom` / `!!atom`
    pub allow_blocker: bool,
    /// `[...]`
    pub allow_use_deps: bool,
}

impl AtomOptions {
    /// Atoms in ebuild dependency metadata (DEPEND, RDEPEND, …): everything
    /// the EAPI allows, no `::repo`.
    pub fn dependency(eapi: Eapi) -> AtomOptions {
        AtomOptions {
            eapi,
            allow_repo: false,
            allow_blocker: true,
            allow_use_deps: true,
        }
    }

    /// Atoms in profile files, `eapi` being the profile directory's EAPI: no
    /// blockers, no USE deps (portage refuses them as keys of `package.use*`
    /// and `package.*keywords`; for `package.mask`/`packages` it accepts
    /// what the EAPI allows — set `allow_use_deps` for those), and no
    /// `::repo` unless the repository's layout.conf lists
    /// `profile-repo-deps` (use [`AtomOptions::with_repo`]).
    pub fn profile(eapi: Eapi) -> AtomOptions {
        AtomOptions {
            eapi,
            allow_repo: false,
            allow_blocker: false,
            allow_use_deps: false,
        }
    }

    /// As the conformance vectors are made: everything the EAPI allows plus
    /// `::repo` in every EAPI.
    pub fn conformance(eapi: Eapi) -> AtomOptions {
        AtomOptions {
            eapi,
            allow_repo: true,
            allow_blocker: true,
            allow_use_deps: true,
        }
    }

    /// Portage's unrestricted mode (no EAPI given: user configuration, the
    /// command line): every feature, `::repo` included.
    pub fn unrestricted() -> AtomOptions {
        AtomOptions::conformance(Eapi::LATEST)
    }

    /// The same options with `::repo` allowed or not.
    pub fn with_repo(self, allow_repo: bool) -> AtomOptions {
        AtomOptions { allow_repo, ..self }
    }
}

/// What exactly is malformed in an atom.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtomProblem {
    #[error("empty string")]
    Empty,
    #[error("too many '!'")]
    TooManyBangs,
    #[error("missing '/' between category and package")]
    MissingSlash,
    #[error("missing category")]
    MissingCategory,
    #[error("invalid category name '{0}'")]
    BadCategory(Box<str>),
    #[error("missing package name")]
    MissingPackage,
    #[error("invalid package name '{0}'")]
    BadPackage(Box<str>),
    #[error("package name '{0}' ends in a version; a versioned atom needs an operator")]
    VersionWithoutOperator(Box<str>),
    #[error("operator '{0}' requires a version")]
    OperatorWithoutVersion(&'static str),
    #[error("no valid '-VERSION' after the package name in '{0}'")]
    BadVersion(Box<str>),
    #[error("the package name in '{0}' would end in a version")]
    PnEndsInVersion(Box<str>),
    #[error("'*' is only allowed at the end of an '=' atom's version")]
    MisplacedGlob,
    #[error("empty slot after ':'")]
    EmptySlot,
    #[error("invalid slot dependency ':{0}'")]
    BadSlot(Box<str>),
    #[error("missing repository name after '::'")]
    EmptyRepo,
    #[error("invalid repository name '{0}'")]
    BadRepo(Box<str>),
    #[error("'{0}' after the slot must be '::repo'")]
    AfterSlot(Box<str>),
    #[error("USE dependencies must end the atom with ']'")]
    UnclosedUseDeps,
    #[error("stray ']'")]
    StrayBracket,
    #[error("invalid USE dependency '{0}'")]
    BadUseDep(Box<str>),
    #[error("USE flag '{0}' written with different defaults")]
    ConflictingUseDefault(Box<str>),
}

/// An EAPI-gated atom feature.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AtomFeature {
    SlotDeps,
    UseDeps,
    UseDepDefaults,
    StrongBlockers,
}

impl fmt::Display for AtomFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AtomFeature::SlotDeps => "slot dependencies are",
            AtomFeature::UseDeps => "USE dependencies are",
            AtomFeature::UseDepDefaults => "USE dependency defaults are",
            AtomFeature::StrongBlockers => "'!!' blockers are",
        })
    }
}

/// Why a string is not an acceptable atom.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtomError {
    #[error("invalid atom '{atom}': {problem}")]
    Syntax {
        atom: Box<str>,
        problem: AtomProblem,
    },
    #[error("invalid atom '{atom}': {error}")]
    Version { atom: Box<str>, error: VersionError },
    #[error("invalid atom '{atom}': {feature} not allowed in EAPI {eapi}")]
    Eapi {
        atom: Box<str>,
        feature: AtomFeature,
        eapi: Eapi,
    },
    #[error("invalid atom '{atom}': {what} not allowed here")]
    NotAllowed { atom: Box<str>, what: &'static str },
}

/// A package version to match an atom against (spec §3.7).
#[derive(Copy, Clone, Debug)]
pub struct PkgRef<'a> {
    /// `"cat/pkg"`
    pub cp: Sym,
    pub version: &'a Version,
    pub slot: Sym,
    /// Equal to `slot` when the package's SLOT has no `/`.
    pub subslot: Sym,
    /// `None` = unknown repository (matches any `::repo`).
    pub repo: Option<Sym>,
}

/// The USE deps while parsing, before interning.
struct RawUseDep<'s> {
    flag: &'s str,
    kind: UseDepKind,
    default: Option<bool>,
}

fn parse_use_token(tok: &str) -> Option<RawUseDep<'_>> {
    let b = tok.as_bytes();
    let (prefix, mut i) = match b.first() {
        Some(b'!') => (b'!', 1),
        Some(b'-') => (b'-', 1),
        _ => (0, 0),
    };
    let start = i;
    if i >= b.len() || !b[i].is_ascii_alphanumeric() {
        return None;
    }
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'+' | b'_' | b'@' | b'-'))
    {
        i += 1;
    }
    let flag = &tok[start..i];
    let default = if b[i..].starts_with(b"(+)") {
        i += 3;
        Some(true)
    } else if b[i..].starts_with(b"(-)") {
        i += 3;
        Some(false)
    } else {
        None
    };
    let suffix = match b.get(i) {
        Some(&c @ (b'?' | b'=')) => {
            i += 1;
            c
        }
        _ => 0,
    };
    if i != b.len() {
        return None;
    }
    let kind = match (prefix, suffix) {
        (0, 0) => UseDepKind::Enabled,
        (b'-', 0) => UseDepKind::Disabled,
        (0, b'=') => UseDepKind::Equal,
        (b'!', b'=') => UseDepKind::NotEqual,
        (0, b'?') => UseDepKind::IfEnabled,
        (b'!', b'?') => UseDepKind::IfDisabled,
        _ => return None,
    };
    Some(RawUseDep {
        flag,
        kind,
        default,
    })
}

/// Portage's sub-slot/slot-operator grammar (EAPI 5+):
/// `((SLOT)(/SUBSLOT)?)?([*=])?`, not empty, and no `SLOT*`.
fn parse_slot_dep(
    s: &str,
    operators: bool,
) -> Option<(Option<&str>, Option<&str>, Option<SlotOp>)> {
    if !operators {
        return crate::version::valid_slot(s).then_some((Some(s), None, None));
    }
    let (body, op) = match s.as_bytes().last() {
        Some(b'*') => (&s[..s.len() - 1], Some(SlotOp::Any)),
        Some(b'=') => (&s[..s.len() - 1], Some(SlotOp::Equal)),
        _ => (s, None),
    };
    if body.is_empty() {
        return op.map(|op| (None, None, Some(op)));
    }
    let (slot, sub) = match body.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    if !crate::version::valid_slot(slot) || sub.is_some_and(|x| !crate::version::valid_slot(x)) {
        return None;
    }
    if op == Some(SlotOp::Any) {
        return None;
    }
    Some((Some(slot), sub, op))
}

impl Atom {
    /// Parses an atom with the syntax `opts` allows. Never panics; every
    /// refusal names what is wrong.
    pub fn parse(s: &str, opts: AtomOptions) -> Result<Atom, AtomError> {
        let syntax = |problem| AtomError::Syntax {
            atom: s.into(),
            problem,
        };
        let not_allowed = |what| AtomError::NotAllowed {
            atom: s.into(),
            what,
        };
        let eapi_err = |feature| AtomError::Eapi {
            atom: s.into(),
            feature,
            eapi: opts.eapi,
        };
        if s.is_empty() {
            return Err(syntax(AtomProblem::Empty));
        }

        // Blocker.
        let (blocker, rest) = if let Some(r) = s.strip_prefix("!!") {
            (Blocker::Strong, r)
        } else if let Some(r) = s.strip_prefix('!') {
            (Blocker::Weak, r)
        } else {
            (Blocker::None, s)
        };
        if rest.starts_with('!') {
            return Err(syntax(AtomProblem::TooManyBangs));
        }

        // [USE deps]: from the first '[' to a final ']'.
        let (without_use, use_str) = match rest.find('[') {
            Some(i) => {
                if !rest.ends_with(']') || rest.len() < i + 2 {
                    return Err(syntax(AtomProblem::UnclosedUseDeps));
                }
                (&rest[..i], Some(&rest[i + 1..rest.len() - 1]))
            }
            None => {
                if rest.contains(']') {
                    return Err(syntax(AtomProblem::StrayBracket));
                }
                (rest, None)
            }
        };

        // :slot and ::repo.
        let (base, slot_str, repo_str) = match without_use.find(':') {
            None => (without_use, None, None),
            Some(i) => {
                let after = &without_use[i..];
                if let Some(repo) = after.strip_prefix("::") {
                    (&without_use[..i], None, Some(repo))
                } else {
                    let slot_and_more = &after[1..];
                    match slot_and_more.find(':') {
                        None => (&without_use[..i], Some(slot_and_more), None),
                        Some(j) => {
                            let tail = &slot_and_more[j..];
                            let Some(repo) = tail.strip_prefix("::") else {
                                return Err(syntax(AtomProblem::AfterSlot(tail.into())));
                            };
                            (&without_use[..i], Some(&slot_and_more[..j]), Some(repo))
                        }
                    }
                }
            }
        };

        // Operator and cat/pkg[-ver].
        let (op, cpv) = if let Some(r) = base.strip_prefix(">=") {
            (Some(Op::Ge), r)
        } else if let Some(r) = base.strip_prefix("<=") {
            (Some(Op::Le), r)
        } else if let Some(r) = base.strip_prefix('>') {
            (Some(Op::Gt), r)
        } else if let Some(r) = base.strip_prefix('<') {
            (Some(Op::Lt), r)
        } else if let Some(r) = base.strip_prefix('=') {
            match r.strip_suffix('*') {
                Some(r) => (Some(Op::Glob), r),
                None => (Some(Op::Eq), r),
            }
        } else if let Some(r) = base.strip_prefix('~') {
            (Some(Op::Approx), r)
        } else {
            (None, base)
        };
        if cpv.contains('*') {
            return Err(syntax(AtomProblem::MisplacedGlob));
        }
        let Some(slash) = cpv.find('/') else {
            return Err(syntax(AtomProblem::MissingSlash));
        };
        let (cat, pf) = (&cpv[..slash], &cpv[slash + 1..]);
        if cat.is_empty() {
            return Err(syntax(AtomProblem::MissingCategory));
        }
        if !valid_category(cat) {
            return Err(syntax(AtomProblem::BadCategory(cat.into())));
        }
        if pf.is_empty() {
            return Err(syntax(AtomProblem::MissingPackage));
        }
        let pkg_chars_ok = |p: &str| {
            let b = p.as_bytes();
            !b.is_empty()
                && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-'))
        };
        let (cp_len, version) = match op {
            None => {
                if !pkg_chars_ok(pf) {
                    return Err(syntax(AtomProblem::BadPackage(pf.into())));
                }
                if ends_in_version(pf) {
                    return Err(syntax(AtomProblem::VersionWithoutOperator(pf.into())));
                }
                (cpv.len(), None)
            }
            Some(op) => match split_pn_for_atom(pf) {
                PnSplit::Ok(n) => {
                    let version =
                        Version::parse(&pf[n + 1..]).map_err(|error| AtomError::Version {
                            atom: s.into(),
                            error,
                        })?;
                    (slash + 1 + n, Some(version))
                }
                PnSplit::PnEndsInVersion => {
                    return Err(syntax(AtomProblem::PnEndsInVersion(pf.into())))
                }
                PnSplit::NoVersion => {
                    if pkg_chars_ok(pf) && !ends_in_version(pf) {
                        return Err(syntax(AtomProblem::OperatorWithoutVersion(op.prefix())));
                    }
                    return Err(syntax(AtomProblem::BadVersion(pf.into())));
                }
            },
        };

        // Slot.
        let (slot, subslot, slot_op) = match slot_str {
            None => (None, None, None),
            Some("") => return Err(syntax(AtomProblem::EmptySlot)),
            Some(x) => parse_slot_dep(x, opts.eapi.slot_operators())
                .ok_or_else(|| syntax(AtomProblem::BadSlot(x.into())))?,
        };

        // Repository.
        if let Some(r) = repo_str {
            if r.is_empty() {
                return Err(syntax(AtomProblem::EmptyRepo));
            }
            if !valid_repo_name(r) {
                return Err(syntax(AtomProblem::BadRepo(r.into())));
            }
            if !opts.allow_repo {
                return Err(not_allowed("'::repo'"));
            }
        }

        // USE deps.
        let mut raw_use = Vec::new();
        if let Some(u) = use_str {
            for tok in u.split(',') {
                let dep = parse_use_token(tok)
                    .ok_or_else(|| syntax(AtomProblem::BadUseDep(tok.into())))?;
                raw_use.push(dep);
            }
            check_use_defaults(&raw_use)
                .map_err(|flag| syntax(AtomProblem::ConflictingUseDefault(flag.into())))?;
            if !opts.allow_use_deps {
                return Err(not_allowed("USE dependencies are"));
            }
        }

        // EAPI and option gates.
        if slot.is_some() && !opts.eapi.slot_deps() {
            return Err(eapi_err(AtomFeature::SlotDeps));
        }
        if !raw_use.is_empty() {
            if !opts.eapi.use_deps() {
                return Err(eapi_err(AtomFeature::UseDeps));
            }
            if !opts.eapi.use_dep_defaults() && raw_use.iter().any(|d| d.default.is_some()) {
                return Err(eapi_err(AtomFeature::UseDepDefaults));
            }
        }
        if blocker != Blocker::None && !opts.allow_blocker {
            return Err(not_allowed("blockers are"));
        }
        if blocker == Blocker::Strong && !opts.eapi.strong_blockers() {
            return Err(eapi_err(AtomFeature::StrongBlockers));
        }

        // Valid: intern.
        Ok(Atom {
            blocker,
            op,
            cp: Sym::new(&cpv[..cp_len]),
            version,
            slot: slot.map(Sym::new),
            subslot: subslot.map(Sym::new),
            slot_op,
            repo: repo_str.map(Sym::new),
            use_deps: raw_use
                .into_iter()
                .map(|d| UseDep {
                    flag: Sym::new(d.flag),
                    kind: d.kind,
                    default: d.default,
                })
                .collect(),
        })
    }

    /// The category (`"dev-libs"` of `dev-libs/openssl`).
    pub fn category(&self) -> &'static str {
        let cp = self.cp.as_str();
        cp.split_once('/').map_or(cp, |(c, _)| c)
    }

    /// The package name (`"openssl"` of `dev-libs/openssl`).
    pub fn package(&self) -> &'static str {
        let cp = self.cp.as_str();
        cp.split_once('/').map_or(cp, |(_, p)| p)
    }

    /// Whether the atom matches the package version, ignoring USE deps and
    /// the blocker (spec §3.7): name, version operator, slot/sub-slot,
    /// repository. Allocation-free.
    pub fn matches(&self, pkg: &PkgRef<'_>) -> bool {
        if self.cp != pkg.cp {
            return false;
        }
        if let (Some(op), Some(v)) = (self.op, &self.version) {
            let pv = pkg.version;
            let ok = match op {
                Op::Lt => pv < v,
                Op::Le => pv <= v,
                Op::Eq => pv == v,
                Op::Ge => pv >= v,
                Op::Gt => pv > v,
                Op::Approx => pv.without_revision() == v.without_revision(),
                Op::Glob => glob_matches(v.as_str(), pv.as_str()),
            };
            if !ok {
                return false;
            }
        }
        if let Some(slot) = self.slot {
            if slot != pkg.slot {
                return false;
            }
            if let Some(sub) = self.subslot {
                if sub != pkg.subslot {
                    return false;
                }
            }
        }
        if let (Some(want), Some(have)) = (self.repo, pkg.repo) {
            if want != have {
                return false;
            }
        }
        true
    }

    /// Whether the target package satisfies the USE deps, portage's way:
    /// conditionals are evaluated against the depending package
    /// (`parent_use`), then each requirement is tested against the target
    /// (`target_use`: enabled flags, `target_iuse`: flags it can reference,
    /// IUSE_EFFECTIVE). A flag missing from the target's IUSE counts as
    /// enabled with `(+)`, disabled with `(-)`, and fails the match without a
    /// default — even in a conditional that evaluated to nothing.
    pub fn use_deps_satisfied(
        &self,
        parent_use: impl Fn(Sym) -> bool,
        target_use: impl Fn(Sym) -> bool,
        target_iuse: impl Fn(Sym) -> bool,
    ) -> bool {
        if self
            .use_deps
            .iter()
            .any(|d| d.default.is_none() && !target_iuse(d.flag))
        {
            return false;
        }
        self.use_deps.iter().all(|d| {
            let Some(want) = d.required_state(&parent_use) else {
                return true;
            };
            let in_iuse = target_iuse(d.flag);
            let missing_default = if in_iuse { None } else { d.default };
            if want {
                missing_default != Some(false)
                    && (target_use(d.flag) || missing_default == Some(true))
            } else {
                missing_default != Some(true)
                    && (!target_use(d.flag) || missing_default == Some(false))
            }
        })
    }

    /// The USE requirements after evaluating conditionals against the
    /// depending package: `(flag, required state, default)` in written
    /// order, for explanations.
    pub fn evaluated_use_deps(
        &self,
        parent_use: impl Fn(Sym) -> bool,
    ) -> Vec<(Sym, bool, Option<bool>)> {
        self.use_deps
            .iter()
            .filter_map(|d| {
                d.required_state(&parent_use)
                    .map(|s| (d.flag, s, d.default))
            })
            .collect()
    }

    /// The atom with its conditional USE deps evaluated against the
    /// depending package's USE (portage `Atom.evaluate_conditionals`):
    /// `f?`/`!f?`/`f=`/`!f=` become `f`/`-f` (defaults kept) or disappear.
    pub fn evaluate_conditionals(&self, parent_use: impl Fn(Sym) -> bool) -> Atom {
        let use_deps = self
            .use_deps
            .iter()
            .filter_map(|d| {
                d.required_state(&parent_use).map(|s| UseDep {
                    flag: d.flag,
                    kind: if s {
                        UseDepKind::Enabled
                    } else {
                        UseDepKind::Disabled
                    },
                    default: d.default,
                })
            })
            .collect();
        Atom {
            use_deps,
            ..self.clone()
        }
    }

    /// Portage's specificity rank of a matching atom (`best_match_to_list`):
    /// 6 `=`, 5 `~`, 4 `=*`, 3 any atom with a named slot whose operator
    /// ranks lower, 2 `<` `<=` `>` `>=`, 1 plain `cat/pkg`.
    ///
    /// Within one profile node, the matching entries of `package.use*`,
    /// `package.*keywords`, … are applied in *ascending* specificity so the
    /// most specific wins; ties are not decided by the rank alone (range
    /// operators prefer the version closest to the package, other ties the
    /// entry written first), so order entries with [`order_by_specificity`]
    /// rather than by sorting on this number.
    pub fn specificity(&self) -> u8 {
        let op = match self.op {
            Some(Op::Eq) => 6,
            Some(Op::Approx) => 5,
            Some(Op::Glob) => 4,
            Some(Op::Lt | Op::Le | Op::Gt | Op::Ge) => 2,
            None => 1,
        };
        if self.slot.is_some() {
            op.max(3)
        } else {
            op
        }
    }
}

/// Portage's `=*` rule on version texts (`atom_ver` and `pkg_ver` include
/// any written `-rN`): strip leading zeros (keeping one before a non-digit
/// or at the end), require a prefix match, then a boundary.
fn glob_matches(atom_ver: &str, pkg_ver: &str) -> bool {
    fn normalize(v: &str) -> (bool, &[u8]) {
        let rest = v.trim_start_matches('0').as_bytes();
        let zero = rest.first().is_none_or(|c| !c.is_ascii_digit());
        (zero, rest)
    }
    fn at(n: (bool, &[u8]), i: usize) -> Option<u8> {
        match (n.0, i) {
            (true, 0) => Some(b'0'),
            (true, i) => n.1.get(i - 1).copied(),
            (false, i) => n.1.get(i).copied(),
        }
    }
    let a = normalize(atom_ver);
    let p = normalize(pkg_ver);
    let alen = usize::from(a.0) + a.1.len();
    let plen = usize::from(p.0) + p.1.len();
    if plen < alen || alen == 0 {
        return false;
    }
    if (0..alen).any(|i| at(a, i) != at(p, i)) {
        return false;
    }
    let Some(next) = at(p, alen) else {
        return true;
    };
    if matches!(next, b'.' | b'_' | b'-') {
        return true;
    }
    let last = at(a, alen - 1).unwrap_or(b'0');
    last.is_ascii_digit() != next.is_ascii_digit()
}

/// Returns the flag of the first USE dep whose default contradicts an
/// earlier element for the same flag (portage refuses `[a(+),-a]`,
/// `[a(+),a(-)]`).
fn check_use_defaults<'s>(deps: &[RawUseDep<'s>]) -> Result<(), &'s str> {
    if deps.len() <= 16 {
        for (i, d) in deps.iter().enumerate() {
            if deps[..i]
                .iter()
                .any(|e| e.flag == d.flag && e.default != d.default)
            {
                return Err(d.flag);
            }
        }
        return Ok(());
    }
    let mut seen: ahash::HashMap<&str, Option<bool>> = ahash::HashMap::default();
    for d in deps {
        if let Some(&prev) = seen.get(d.flag) {
            if prev != d.default {
                return Err(d.flag);
            }
        } else {
            seen.insert(d.flag, d.default);
        }
    }
    Ok(())
}

/// Among `atoms`, all of which match the package with version `pkg`, the
/// one portage's `best_match_to_list` picks as most specific, by index.
/// Ties of rank 2 (range operators) go to the atom whose version is closest
/// to the package's; other ties to the first atom.
pub fn best_match(pkg: &Version, atoms: &[&Atom]) -> Option<usize> {
    let mut best: Option<(usize, u8)> = None;
    for (i, atom) in atoms.iter().enumerate() {
        let rank = atom.specificity();
        let Some((b, max)) = best else {
            best = Some((i, rank));
            continue;
        };
        let wins = rank > max || (rank == max && rank == 2 && closer(pkg, atoms[b], atom));
        if wins {
            best = Some((i, rank));
        }
    }
    best.map(|(i, _)| i)
}

/// Portage's tie-break between two range atoms: is `x` closer to the
/// package than the current best `b`?
fn closer(pkg: &Version, b: &Atom, x: &Atom) -> bool {
    let (Some(bv), Some(xv)) = (&b.version, &x.version) else {
        return false;
    };
    // Portage compares the cpv strings here, not versions.
    if bv.as_str() == pkg.as_str() || bv.as_str() == xv.as_str() {
        return false;
    }
    if xv.as_str() == pkg.as_str() {
        return true;
    }
    // Stable sort of [best, pkg, x] by version; x wins when pkg is at an end
    // and x in the middle (pkg in the middle is left undecided by portage).
    let vers = [bv, pkg, xv];
    let mut order = [0usize, 1, 2];
    order.sort_by(|&i, &j| vers[i].cmp(vers[j]));
    (order[0] == 1 || order[2] == 1) && order[1] == 2
}

/// Portage's `ordered_by_atom_specificity`: the indices of `atoms` (all
/// matching the package with version `pkg`, and distinct — merge entries
/// with the same atom first) from least to most specific, i.e. the order in
/// which their settings are applied so that the most specific wins.
pub fn order_by_specificity(pkg: &Version, atoms: &[&Atom]) -> Vec<usize> {
    let mut remaining: Vec<usize> = (0..atoms.len()).collect();
    let mut out = Vec::with_capacity(atoms.len());
    while !remaining.is_empty() {
        let view: Vec<&Atom> = remaining.iter().map(|&i| atoms[i]).collect();
        let Some(k) = best_match(pkg, &view) else {
            break;
        };
        out.push(remaining.remove(k));
    }
    out.reverse();
    out
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.blocker {
            Blocker::None => {}
            Blocker::Weak => f.write_str("!")?,
            Blocker::Strong => f.write_str("!!")?,
        }
        match (self.op, &self.version) {
            (Some(op), Some(v)) => {
                write!(f, "{}{}-{}", op.prefix(), self.cp, v)?;
                if op == Op::Glob {
                    f.write_str("*")?;
                }
            }
            _ => write!(f, "{}", self.cp)?,
        }
        if self.slot.is_some() || self.slot_op.is_some() {
            f.write_str(":")?;
            if let Some(slot) = self.slot {
                write!(f, "{slot}")?;
            }
            if let Some(sub) = self.subslot {
                write!(f, "/{sub}")?;
            }
            match self.slot_op {
                Some(SlotOp::Any) => f.write_str("*")?,
                Some(SlotOp::Equal) => f.write_str("=")?,
                None => {}
            }
        }
        if let Some(repo) = self.repo {
            write!(f, "::{repo}")?;
        }
        if !self.use_deps.is_empty() {
            f.write_str("[")?;
            for (i, d) in self.use_deps.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{d}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

/// Atoms are equal when they are written the same (portage compares atom
/// strings): `=c/p-1.0` and `=c/p-1.00` are different atoms even though they
/// match the same packages.
impl PartialEq for Atom {
    fn eq(&self, other: &Atom) -> bool {
        self.blocker == other.blocker
            && self.op == other.op
            && self.cp == other.cp
            && self.version.as_ref().map(Version::as_str)
                == other.version.as_ref().map(Version::as_str)
            && self.slot == other.slot
            && self.subslot == other.subslot
            && self.slot_op == other.slot_op
            && self.repo == other.repo
            && self.use_deps == other.use_deps
    }
}

impl Eq for Atom {}

impl std::hash::Hash for Atom {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.blocker.hash(state);
        self.op.hash(state);
        self.cp.hash(state);
        self.version.as_ref().map(Version::as_str).hash(state);
        self.slot.hash(state);
        self.subslot.hash(state);
        self.slot_op.hash(state);
        self.repo.hash(state);
        self.use_deps.hash(state);
    }
}

impl std::str::FromStr for Atom {
    type Err = AtomError;
    /// Parses in portage's unrestricted mode ([`AtomOptions::unrestricted`]).
    fn from_str(s: &str) -> Result<Atom, AtomError> {
        Atom::parse(s, AtomOptions::unrestricted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eapi(s: &str) -> Eapi {
        Eapi::parse(s).unwrap()
    }

    fn atom(s: &str) -> Atom {
        Atom::parse(s, AtomOptions::conformance(eapi("8"))).unwrap()
    }

    fn err(s: &str, opts: AtomOptions) -> String {
        match Atom::parse(s, opts) {
            Ok(a) => panic!("{s} accepted as {a:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// The candidates of spec §3.2's table, and which ones each atom matches.
    #[test]
    fn spec_3_2_match_table() {
        let candidates = [
            "1", "1.0", "1.00", "1.2", "1.2.3", "1a", "1_rc1", "1-r1", "10", "1.20", "1.0-r3",
            "1.0.1", "01.5",
        ];
        let table: [(&str, &[&str]); 9] = [
            (
                "=c/p-1*",
                &[
                    "1", "1.0", "1.00", "1.2", "1.2.3", "1a", "1_rc1", "1-r1", "1.20", "1.0-r3",
                    "1.0.1", "01.5",
                ],
            ),
            ("=c/p-1.0*", &["1.0", "1.0-r3", "1.0.1"]),
            ("=c/p-1.2*", &["1.2", "1.2.3"]),
            ("=c/p-1.0-r3*", &["1.0-r3"]),
            ("~c/p-1.0", &["1.0", "1.0-r3"]),
            ("~c/p-1.0-r1", &["1.0", "1.0-r3"]),
            ("=c/p-1.0", &["1.0", "1.00"]),
            ("=c/p-1.00", &["1.0", "1.00"]),
            ("<c/p-1.0", &["1", "1a", "1_rc1", "1-r1"]),
        ];
        let cp = Sym::new("c/p");
        let slot = Sym::new("0");
        for (text, want) in table {
            let a = atom(text);
            let got: Vec<&str> = candidates
                .iter()
                .copied()
                .filter(|c| {
                    let v = Version::parse(c).unwrap();
                    a.matches(&PkgRef {
                        cp,
                        version: &v,
                        slot,
                        subslot: slot,
                        repo: None,
                    })
                })
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn glob_boundaries_and_leading_zeros() {
        assert!(glob_matches("45", "045"));
        assert!(glob_matches("045", "45"));
        assert!(glob_matches("01-r11", "1-r11"));
        assert!(!glob_matches("1", "123"));
        assert!(glob_matches("0", "0.5"));
        assert!(glob_matches("00", "0_p1"));
        assert!(!glob_matches("1.0-r1", "1.0-r11"));
        assert!(glob_matches("1.0", "1.0_beta"));
        assert!(glob_matches("1a", "1a_p1"));
    }

    #[test]
    fn slots_repos_and_blockers() {
        let cp = Sym::new("dev-libs/openssl");
        let v = Version::parse("3.5.1").unwrap();
        let pkg = |slot: &str, sub: &str, repo: Option<&str>| PkgRef {
            cp,
            version: &v,
            slot: Sym::new(slot),
            subslot: Sym::new(sub),
            repo: repo.map(Sym::new),
        };
        let p = pkg("0", "3", Some("gentoo"));
        assert!(atom("dev-libs/openssl:0").matches(&p));
        assert!(atom("dev-libs/openssl:0/3").matches(&p));
        assert!(!atom("dev-libs/openssl:0/1.1").matches(&p));
        assert!(atom("dev-libs/openssl:0=").matches(&p));
        assert!(atom("dev-libs/openssl:=").matches(&p));
        assert!(atom("dev-libs/openssl:*").matches(&p));
        assert!(!atom("dev-libs/openssl:1").matches(&p));
        assert!(atom("dev-libs/openssl::gentoo").matches(&p));
        assert!(!atom("dev-libs/openssl::other").matches(&p));
        assert!(atom("dev-libs/openssl::other").matches(&pkg("0", "3", None)));
        assert!(atom("!!>=dev-libs/openssl-3:0").matches(&p));
        assert!(!atom("dev-libs/openssl-compat").matches(&p));
    }

    #[test]
    fn parse_fields_and_display() {
        let a =
            atom("!>=dev-lang/python-3.12.1-r2:3.12/3.12=::gentoo[xml(+),-foo(-),bar(+)?,!baz=]");
        assert_eq!(a.blocker, Blocker::Weak);
        assert_eq!(a.op, Some(Op::Ge));
        assert_eq!(a.category(), "dev-lang");
        assert_eq!(a.package(), "python");
        assert_eq!(a.version.as_ref().unwrap().as_str(), "3.12.1-r2");
        assert_eq!(a.slot.unwrap().as_str(), "3.12");
        assert_eq!(a.subslot.unwrap().as_str(), "3.12");
        assert_eq!(a.slot_op, Some(SlotOp::Equal));
        assert_eq!(a.repo.unwrap().as_str(), "gentoo");
        let use_: Vec<String> = a.use_deps.iter().map(|d| d.to_string()).collect();
        assert_eq!(use_, ["xml(+)", "-foo(-)", "bar(+)?", "!baz="]);
        assert_eq!(a.use_deps[2].kind, UseDepKind::IfEnabled);
        assert_eq!(a.use_deps[2].default, Some(true));
        assert_eq!(
            a.to_string(),
            "!>=dev-lang/python-3.12.1-r2:3.12/3.12=::gentoo[xml(+),-foo(-),bar(+)?,!baz=]"
        );
        let g = atom("=dev-lang/perl-5.42*");
        assert_eq!(g.op, Some(Op::Glob));
        assert_eq!(g.op.unwrap().as_str(), "=*");
        assert_eq!(g.to_string(), "=dev-lang/perl-5.42*");
        assert_eq!(atom("c/p-r1").package(), "p-r1");
        assert_eq!(atom("c/a-3D").package(), "a-3D");
        assert_eq!(atom("~c/p-1.0-r1").version.unwrap().as_str(), "1.0-r1");
        assert_eq!(atom("=c/p-1.0"), atom("=c/p-1.0"));
        assert_ne!(atom("=c/p-1.0"), atom("=c/p-1.00"));
    }

    #[test]
    fn invalid_forms() {
        let opts = AtomOptions::conformance(eapi("8"));
        for s in [
            "",
            "c/p-1",
            "c/p-1a",
            "=c/p",
            "=c/p-1.*",
            "<=c/p-1*",
            "~c/p-1*",
            "c/p[-f?]",
            "c/p[!f]",
            "c/p[-f=]",
            "c/p[bar=(+)]",
            "c/p[a,,b]",
            "c/p[]",
            "c/p[a",
            "c/p[a][b]",
            "c/p::gentoo:1",
            "c/p:",
            "c/p::",
            "c/p:0*",
            "c/p:=0",
            "c/p:/1",
            "c/p:*=",
            "c/p:=/1",
            "c/p:0/",
            "!!!c/p",
            "c/+p",
            "c/p:+slot",
            "+c/p",
            ".c/p",
            "c/p.q",
            "c",
            "/p",
            "c/",
            ">=c/",
            "=c/p-1-2",
            "c/p[a(+),-a]",
            "c/p[a(+),a(-)]",
            "c/p[(+)a]",
            "c/p[a(x)]",
            "c/p::-x",
            "c/p:1::",
            "=c/p-1.0*x",
            "c/p ",
            " c/p",
            "c/p[a b]",
            "=c/p-1-r",
            "c/p-1.0-r1",
            "c/p]",
        ] {
            assert!(Atom::parse(s, opts).is_err(), "{s:?} should be invalid");
        }
        assert_eq!(
            err(">=sys-apps/", opts),
            "invalid atom '>=sys-apps/': missing package name"
        );
        assert_eq!(
            err("sys-apps/foo-1", opts),
            "invalid atom 'sys-apps/foo-1': package name 'foo-1' ends in a version; a versioned atom needs an operator"
        );
        assert_eq!(
            err("=c/p", opts),
            "invalid atom '=c/p': operator '=' requires a version"
        );
        assert_eq!(
            err("c/p[bar=(+)]", opts),
            "invalid atom 'c/p[bar=(+)]': invalid USE dependency 'bar=(+)'"
        );
        assert_eq!(
            err("c/p:0", AtomOptions::dependency(eapi("0"))),
            "invalid atom 'c/p:0': slot dependencies are not allowed in EAPI 0"
        );
        assert_eq!(
            err("c/p::gentoo", AtomOptions::dependency(eapi("8"))),
            "invalid atom 'c/p::gentoo': '::repo' not allowed here"
        );
    }

    #[test]
    fn eapi_gates() {
        let ok = |s: &str, e: &str| Atom::parse(s, AtomOptions::dependency(eapi(e))).is_ok();
        assert!(!ok("c/p:1", "0") && ok("c/p:1", "1"));
        assert!(!ok("c/p:1/2", "4") && ok("c/p:1/2", "5"));
        assert!(!ok("c/p:=", "4") && ok("c/p:=", "5") && ok("c/p:*", "5"));
        assert!(!ok("c/p[a]", "1") && ok("c/p[a]", "2"));
        assert!(!ok("c/p[a(+)]", "3") && ok("c/p[a(+)]", "4"));
        assert!(!ok("!!c/p", "1") && ok("!!c/p", "2") && ok("!c/p", "0"));
        let profile = AtomOptions::profile(eapi("5"));
        assert!(Atom::parse("!c/p", profile).is_err());
        assert!(Atom::parse("c/p[a]", profile).is_err());
        assert!(Atom::parse("c/p::gentoo", profile).is_err());
        assert!(Atom::parse("c/p::gentoo", profile.with_repo(true)).is_ok());
        assert!(Atom::parse(">=c/p-1:0", profile).is_ok());
    }

    #[test]
    fn use_dep_evaluation() {
        let a = atom("c/p[a,b=,!c=,d?,!e?,-f]");
        let parent: &[&str] = &["c"];
        let p = |f: Sym| parent.contains(&f.as_str());
        assert_eq!(a.evaluate_conditionals(p).to_string(), "c/p[a,-b,-c,-e,-f]");
        let ev: Vec<(String, bool)> = a
            .evaluated_use_deps(p)
            .into_iter()
            .map(|(f, s, _)| (f.to_string(), s))
            .collect();
        assert_eq!(
            ev,
            [
                ("a".into(), true),
                ("b".into(), false),
                ("c".into(), false),
                ("e".into(), false),
                ("f".into(), false)
            ]
        );
    }

    #[test]
    fn use_deps_against_target() {
        let set = |xs: &'static [&'static str]| move |f: Sym| xs.contains(&f.as_str());
        let none = |_: Sym| false;
        // Flag in IUSE: state decides.
        assert!(atom("c/p[foo]").use_deps_satisfied(none, set(&["foo"]), set(&["foo"])));
        assert!(!atom("c/p[foo]").use_deps_satisfied(none, none, set(&["foo"])));
        assert!(atom("c/p[-foo]").use_deps_satisfied(none, none, set(&["foo"])));
        // Missing from IUSE: only a default decides; no default never matches.
        assert!(!atom("c/p[-foo]").use_deps_satisfied(none, none, none));
        assert!(atom("c/p[foo(+)]").use_deps_satisfied(none, none, none));
        assert!(!atom("c/p[foo(-)]").use_deps_satisfied(none, none, none));
        assert!(atom("c/p[-foo(-)]").use_deps_satisfied(none, none, none));
        assert!(!atom("c/p[-foo(+)]").use_deps_satisfied(none, none, none));
        // Conditionals use the parent's USE ...
        assert!(atom("c/p[foo?]").use_deps_satisfied(none, none, set(&["foo"])));
        assert!(!atom("c/p[foo?]").use_deps_satisfied(set(&["foo"]), none, set(&["foo"])));
        assert!(atom("c/p[foo=]").use_deps_satisfied(none, none, set(&["foo"])));
        assert!(atom("c/p[!foo=]").use_deps_satisfied(none, set(&["foo"]), set(&["foo"])));
        // ... but a default-less flag must be in IUSE even when its
        // conditional evaluated away (portage checks the unevaluated atom).
        assert!(!atom("c/p[foo?]").use_deps_satisfied(none, none, none));
        assert!(atom("c/p[foo(-)?]").use_deps_satisfied(none, none, none));
    }

    #[test]
    fn specificity_order() {
        let v = Version::parse("1").unwrap();
        let texts = [
            "dev-libs/A",
            "<=dev-libs/A-2",
            "dev-libs/A:0",
            "=dev-libs/A-1*",
            "~dev-libs/A-1",
            "=dev-libs/A-1",
        ];
        let atoms: Vec<Atom> = texts.iter().map(|t| atom(t)).collect();
        let refs: Vec<&Atom> = atoms.iter().collect();
        let ranks: Vec<u8> = atoms.iter().map(Atom::specificity).collect();
        assert_eq!(ranks, [1, 2, 3, 4, 5, 6]);
        // Reversed input: ascending order is still by rank.
        let rev: Vec<&Atom> = refs.iter().rev().copied().collect();
        let order: Vec<&str> = order_by_specificity(&v, &rev)
            .into_iter()
            .map(|i| texts[texts.len() - 1 - i])
            .collect();
        assert_eq!(order, texts);
        assert_eq!(atom(">=dev-libs/A-1:0").specificity(), 3);
        assert_eq!(atom("=dev-libs/A-1:0").specificity(), 6);
        // Range ties: the version closest to the package wins.
        let v15 = Version::parse("1.5").unwrap();
        let far = atom(">=dev-libs/A-1");
        let near = atom(">=dev-libs/A-1.4");
        assert_eq!(best_match(&v15, &[&far, &near]), Some(1));
        assert_eq!(best_match(&v15, &[&near, &far]), Some(0));
        // Other ties: the first one.
        let s1 = atom("dev-libs/A:0");
        let s2 = atom("<dev-libs/A-2:0");
        assert_eq!(best_match(&v15, &[&s1, &s2]), Some(0));
        assert_eq!(best_match(&v15, &[&s2, &s1]), Some(0));
        assert_eq!(best_match(&v15, &[]), None);
    }

    /// A deterministic fuzz: random strings from the atom alphabet must give
    /// an error or an atom whose display parses back to the same atom.
    #[test]
    fn no_panic_on_noise() {
        const ALPHABET: &[u8] = b"!!<>=~*/:::[],-_.+()?@aprz019c/p-1.0_rc1-r1";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let opts = AtomOptions::unrestricted();
        let mut accepted = 0;
        for _ in 0..50_000 {
            let len = (next() % 24) as usize;
            let mut s = String::from(if next() % 2 == 0 { "c/p" } else { "" });
            for _ in 0..len {
                s.push(ALPHABET[(next() % ALPHABET.len() as u64) as usize] as char);
            }
            let _ = Version::parse(&s);
            let _ = crate::version::split_pf(&s);
            if let Ok(a) = Atom::parse(&s, opts) {
                accepted += 1;
                assert_eq!(a.to_string(), s);
                assert_eq!(Atom::parse(&a.to_string(), opts).unwrap(), a);
            }
        }
        assert!(accepted > 100, "only {accepted} atoms accepted");
        for s in [
            "c/p[é]",
            "é/p",
            "=c/p-1é",
            "c/p:é",
            "\u{0}",
            "c/p-١",
            "=c/p-1.0-r1é*",
        ] {
            assert!(Atom::parse(s, opts).is_err(), "{s:?}");
        }
    }
}
