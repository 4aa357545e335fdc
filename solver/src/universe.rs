//! The solver's input: every package version of every repository as the
//! engine evaluated it under one (arch, profile), plus `package.provided`,
//! and the question being asked ([`Request`]).
//!
//! This is plain owned data on purpose. The engine decides visibility,
//! effective USE, forced and masked flags and their provenance; the solver
//! only combines those answers. Keeping the boundary as data (no lifetimes
//! into the engine's repositories or profile stacks) lets the lead fill it
//! from the engine, lets tests build it by hand, and lets a universe be
//! reused for several requests.
//!
//! Invisible versions are part of the input, not filtered out by the
//! caller: they never become solver choices, but they are what turns "no
//! candidate" into a precise answer (masked by which file and line, missing
//! which keyword) instead of "not found".

use std::collections::HashMap;

use portolan_engine::atom::Atom;
use portolan_engine::depspec::{DepSpec, FlagLeaf};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;
use portolan_engine::source::Loc;
use portolan_engine::version::Version;

/// Why a version is masked: the engine's own reasons (kind, words, and the
/// line that masks it when there is one).
pub use portolan_engine::evaluate::{MaskKind, MaskReason};

/// A forced or masked flag of one package version and where that was
/// decided (use.force, package.use.mask, … FILE:LINE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImmutableFlag {
    pub flag: Sym,
    pub source: Option<Loc>,
}

impl ImmutableFlag {
    pub fn new(flag: Sym, source: Option<Loc>) -> ImmutableFlag {
        ImmutableFlag { flag, source }
    }
}

/// One package version from one repository, evaluated under the profile.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// `"cat/pkg"`
    pub cp: Sym,
    pub version: Version,
    pub slot: Sym,
    /// Equal to `slot` when SLOT has no `/`.
    pub subslot: Sym,
    pub repo: Sym,
    pub eapi: Eapi,
    /// Empty when visible; otherwise every reason it is not.
    pub masked: Vec<MaskReason>,
    /// IUSE_EFFECTIVE: the flags USE dependencies may reference.
    pub iuse: Vec<Sym>,
    /// The effective USE under the profile (any order).
    pub use_enabled: Vec<Sym>,
    /// Flags forced on for this version; cannot be changed even with
    /// [`Request::allow_use_changes`].
    pub forced: Vec<ImmutableFlag>,
    /// Flags masked (forced off) for this version; likewise immutable.
    pub use_masked: Vec<ImmutableFlag>,
    pub depend: DepSpec<Atom>,
    pub rdepend: DepSpec<Atom>,
    pub pdepend: DepSpec<Atom>,
    pub bdepend: DepSpec<Atom>,
    pub idepend: DepSpec<Atom>,
    pub required_use: DepSpec<FlagLeaf>,
}

impl Candidate {
    /// A visible candidate with SLOT `slot` (no sub-slot), no flags and no
    /// dependencies; fill the rest by field.
    pub fn new(cp: Sym, version: Version, slot: Sym, repo: Sym, eapi: Eapi) -> Candidate {
        Candidate {
            cp,
            version,
            slot,
            subslot: slot,
            repo,
            eapi,
            masked: Vec::new(),
            iuse: Vec::new(),
            use_enabled: Vec::new(),
            forced: Vec::new(),
            use_masked: Vec::new(),
            depend: DepSpec::empty(),
            rdepend: DepSpec::empty(),
            pdepend: DepSpec::empty(),
            bdepend: DepSpec::empty(),
            idepend: DepSpec::empty(),
            required_use: DepSpec::empty(),
        }
    }

    /// Whether the version may be installed under the profile.
    pub fn is_visible(&self) -> bool {
        self.masked.is_empty()
    }

    /// `cat/pkg-1.0-r1`
    pub fn cpv(&self) -> String {
        format!("{}-{}", self.cp, self.version)
    }

    /// `pkg-1.0-r1`
    pub fn pf(&self) -> String {
        let cp = self.cp.as_str();
        let pn = cp.split_once('/').map_or(cp, |(_, p)| p);
        format!("{pn}-{}", self.version)
    }

    /// The dependency specification of one class.
    pub fn deps(&self, class: DepClass) -> &DepSpec<Atom> {
        match class {
            DepClass::Depend => &self.depend,
            DepClass::Rdepend => &self.rdepend,
            DepClass::Pdepend => &self.pdepend,
            DepClass::Bdepend => &self.bdepend,
            DepClass::Idepend => &self.idepend,
        }
    }
}

/// Every candidate, visible or not, and `package.provided`.
#[derive(Clone, Debug, Default)]
pub struct Universe {
    /// All versions of `cat/pkg` in all repositories. Among equal versions
    /// the one listed first is preferred, so list higher-priority
    /// repositories first.
    pub packages: HashMap<Sym, Vec<Candidate>>,
    /// `package.provided`: counted as installed; satisfies every atom that
    /// matches it by name and version (slot and USE deps are not checked,
    /// as Portage does not).
    pub provided: Vec<(Sym, Version)>,
}

impl Universe {
    pub fn new() -> Universe {
        Universe::default()
    }

    /// Adds a candidate after those already known for its `cat/pkg`.
    pub fn add(&mut self, c: Candidate) {
        self.packages.entry(c.cp).or_default().push(c);
    }

    /// Adds a `package.provided` entry.
    pub fn provide(&mut self, cp: Sym, version: Version) {
        self.provided.push((cp, version));
    }

    /// The candidates of `cat/pkg` (empty when no repository has it).
    pub fn candidates(&self, cp: Sym) -> &[Candidate] {
        self.packages.get(&cp).map_or(&[], Vec::as_slice)
    }
}

/// One dependency class (PMS §8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepClass {
    Depend,
    Rdepend,
    Pdepend,
    Bdepend,
    Idepend,
}

impl DepClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DepClass::Depend => "DEPEND",
            DepClass::Rdepend => "RDEPEND",
            DepClass::Pdepend => "PDEPEND",
            DepClass::Bdepend => "BDEPEND",
            DepClass::Idepend => "IDEPEND",
        }
    }
}

/// Which dependency classes must be satisfiable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DepClasses {
    /// DEPEND, RDEPEND, PDEPEND, BDEPEND and IDEPEND: building from source.
    #[default]
    All,
    /// RDEPEND and PDEPEND (`--deps runtime`): what an installed system needs.
    Runtime,
}

impl DepClasses {
    pub fn classes(self) -> &'static [DepClass] {
        match self {
            DepClasses::All => &[
                DepClass::Depend,
                DepClass::Rdepend,
                DepClass::Pdepend,
                DepClass::Bdepend,
                DepClass::Idepend,
            ],
            DepClasses::Runtime => &[DepClass::Rdepend, DepClass::Pdepend],
        }
    }
}

/// The question: can all of `targets` be installed together?
#[derive(Clone, Debug)]
pub struct Request {
    /// How the targets are named in explanations (`@system`, `@profile`,
    /// `command line`).
    pub label: String,
    pub targets: Vec<Atom>,
    pub deps: DepClasses,
    /// Allow changing USE flags that are neither forced nor masked, as
    /// emerge's autounmask would suggest; the verdict lists every change.
    pub allow_use_changes: bool,
}

impl Request {
    /// All dependency classes, no USE changes.
    pub fn new(label: impl Into<String>, targets: Vec<Atom>) -> Request {
        Request {
            label: label.into(),
            targets,
            deps: DepClasses::All,
            allow_use_changes: false,
        }
    }
}
