//! Package versions as the md5-cache describes them, typed for evaluation.
//!
//! What every profile needs (EAPI, SLOT, KEYWORDS, IUSE, LICENSE) is parsed
//! when the entry is loaded; dependency strings are parsed on first use,
//! since only the solver reads them and only for the packages it reaches.
//!
//! An entry with an unsupported EAPI keeps its raw EAPI and nothing else is
//! trusted (PMS §2.1): it is masked with reason `eapi`.
//!
//! Metadata Portage refuses (a missing or malformed SLOT, a LICENSE or
//! dependency string that does not parse, ...) masks the version with
//! reason `invalid`, as Portage's `Package._invalid_metadata` does; see
//! [`Package::metadata_check`].

use std::sync::{Mutex, OnceLock};

use ahash::HashMap;
use rayon::prelude::*;

use crate::atom::{Atom, AtomOptions, PkgRef, SlotOp, UseDepKind};
use crate::depspec::{DepOptions, DepSpec, DepSpecError, FlagLeaf};
use crate::eapi::Eapi;
use crate::intern::{LocalSyms, Sym};
use crate::md5cache::{self, CacheEntry, Md5CacheError};
use crate::repo::{RepoId, RepoSet, Repository};
use crate::source::{Loc, Warning};
use crate::version::{split_pf, Version};

/// Index of a package version in a [`PackageIndex`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PkgId(pub u32);

/// One package version from one repository.
#[derive(Debug)]
pub struct Package {
    pub id: PkgId,
    pub repo: RepoId,
    pub repo_name: Sym,
    pub cp: Sym,
    /// `PN-PV[-rN]` as the file is named.
    pub pf: String,
    /// `CATEGORY/PF`, kept because every report prints it.
    cpv: String,
    pub version: Version,
    pub slot: Sym,
    pub subslot: Sym,
    /// `Err(raw)` when the EAPI is not supported.
    pub eapi: Result<Eapi, String>,
    pub keywords: Vec<Sym>,
    /// IUSE flags with their `+`/`-` default.
    pub iuse: Vec<(Sym, Option<bool>)>,
    /// Every license the LICENSE string names (conditionals ignored).
    pub license_names: Vec<Sym>,
    pub license: DepSpec<Sym>,
    entry: CacheEntry,
    /// Boxed: most versions never have theirs parsed, and a [`Package`]
    /// is moved and kept by the tens of thousands.
    deps: OnceLock<Box<Result<Deps, String>>>,
    check: OnceLock<MetadataCheck>,
    validity: OnceLock<Validity>,
}

/// What every profile's evaluation needs of [`Package::metadata_check`]:
/// whether Portage refuses the metadata whatever the profile, and which
/// flags its conditionals name outside IUSE (each must be implicit in the
/// profile). Depends on the entry alone, so the binary cache keeps it per
/// entry ([`crate::cache`]) and a warm run parses no dependency string
/// to learn it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validity {
    /// [`MetadataCheck::problems`] is not empty (mask `invalid`).
    pub invalid: bool,
    /// [`MetadataCheck::own_flags`] not in IUSE, sorted by name, each once.
    pub outside_iuse: Vec<Sym>,
}

impl Validity {
    fn of(check: &MetadataCheck, iuse: &[(Sym, Option<bool>)]) -> Validity {
        let mut outside_iuse: Vec<Sym> = check
            .own_flags
            .iter()
            .map(|&(f, _)| f)
            .filter(|f| !iuse.iter().any(|(g, _)| g == f))
            .collect();
        outside_iuse.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        outside_iuse.dedup();
        Validity {
            invalid: !check.problems.is_empty(),
            outside_iuse,
        }
    }
}

/// Something in a version's metadata that makes Portage refuse the version
/// (`Package._invalid_metadata`: the `invalid` mask), with the line of the
/// field (`None` when the message already names it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataProblem {
    pub loc: Option<Loc>,
    pub message: String,
}

/// The profile-independent checks of a version's metadata, done once.
#[derive(Debug, Default)]
pub struct MetadataCheck {
    pub problems: Vec<MetadataProblem>,
    /// The version's own flags that its metadata names in USE conditionals
    /// (`flag?`, atoms' `[flag?]`/`[flag=]`, every REQUIRED_USE flag), with
    /// the field's line. Portage requires each to be in IUSE_EFFECTIVE, which
    /// depends on the profile.
    pub own_flags: Vec<(Sym, Loc)>,
}

/// The dependency classes and REQUIRED_USE of a version, parsed.
#[derive(Debug)]
pub struct Deps {
    pub depend: DepSpec<Atom>,
    pub rdepend: DepSpec<Atom>,
    pub pdepend: DepSpec<Atom>,
    pub bdepend: DepSpec<Atom>,
    pub idepend: DepSpec<Atom>,
    pub required_use: DepSpec<FlagLeaf>,
}

impl Package {
    /// `CATEGORY/PF`.
    pub fn cpv(&self) -> &str {
        &self.cpv
    }

    pub fn pkg_ref(&self) -> PkgRef<'_> {
        PkgRef {
            cp: self.cp,
            version: &self.version,
            slot: self.slot,
            subslot: self.subslot,
            repo: Some(self.repo_name),
        }
    }

    pub fn file(&self) -> Loc {
        Loc::new(self.entry.path(), 0)
    }

    pub fn entry(&self) -> &CacheEntry {
        &self.entry
    }

    /// The parsed dependencies, or a message naming the bad field and file.
    pub fn deps(&self) -> Result<&Deps, &str> {
        self.deps
            .get_or_init(|| Box::new(self.parse_deps()))
            .as_ref()
            .as_ref()
            .map_err(String::as_str)
    }

    fn parse_deps(&self) -> Result<Deps, String> {
        let eapi = self
            .eapi
            .clone()
            .map_err(|e| format!("{}: unsupported EAPI '{e}'", self.entry.path().display()))?;
        let dep = |key: &str, value: &str| -> Result<DepSpec<Atom>, String> {
            DepSpec::parse(
                value,
                DepOptions::dependencies(eapi.empty_any_of_unsatisfied()),
                |s| Atom::parse(s, AtomOptions::dependency(eapi)),
            )
            .map_err(|e| self.field_error(key, &e))
        };
        let e = &self.entry;
        let required_use = DepSpec::parse(
            e.required_use(),
            DepOptions::required_use(eapi.at_most_one_of(), eapi.empty_any_of_unsatisfied()),
            FlagLeaf::parse,
        )
        .map_err(|err| self.field_error("REQUIRED_USE", &err))?;
        Ok(Deps {
            depend: dep("DEPEND", e.depend())?,
            rdepend: dep("RDEPEND", e.rdepend())?,
            pdepend: dep("PDEPEND", e.pdepend())?,
            bdepend: dep("BDEPEND", e.bdepend())?,
            idepend: dep("IDEPEND", e.idepend())?,
            required_use,
        })
    }

    /// What Portage's `Package` checks in the metadata it reads (SLOT,
    /// IUSE defaults, the dependency classes, LICENSE, PROPERTIES, RESTRICT,
    /// REQUIRED_USE; SRC_URI is not among the keys emerge reads), for a
    /// version of a supported EAPI. Problems come in that order; the first
    /// dependency class that does not parse stops the dependency checks.
    pub fn metadata_check(&self) -> &MetadataCheck {
        self.check.get_or_init(|| self.check_metadata(self.deps()))
    }

    /// The part of [`Package::metadata_check`] evaluation needs for every
    /// version: served by the binary cache when it had it, else derived
    /// from the check (without keeping the parsed dependencies, which only
    /// the solver needs, for a few versions).
    pub fn validity(&self) -> &Validity {
        self.validity.get_or_init(|| match self.check.get() {
            Some(c) => Validity::of(c, &self.iuse),
            None => {
                let parsed;
                let deps = match self.deps.get() {
                    Some(d) => &**d,
                    None => {
                        parsed = self.parse_deps();
                        &parsed
                    }
                };
                let check = self.check_metadata(deps.as_ref().map_err(String::as_str));
                Validity::of(&check, &self.iuse)
            }
        })
    }

    fn check_metadata(&self, deps: Result<&Deps, &str>) -> MetadataCheck {
        let mut c = MetadataCheck::default();
        let Ok(eapi) = self.eapi else {
            return c;
        };
        let e = &self.entry;
        let at = |key: &str| e.loc_of(key).unwrap_or_else(|| self.file());
        let slot = e.get("SLOT").unwrap_or("").trim_ascii();
        if !valid_slot(slot, eapi.subslots()) {
            c.problems.push(MetadataProblem {
                loc: Some(at("SLOT")),
                message: format!("SLOT: invalid value: '{slot}'"),
            });
        }
        if !eapi.iuse_defaults() && e.iuse().any(|f| f.default.is_some()) {
            c.problems.push(MetadataProblem {
                loc: Some(at("IUSE")),
                message: format!("IUSE contains defaults, but EAPI '{eapi}' doesn't allow them"),
            });
        }
        if !e.required_use().trim_ascii().is_empty() && !eapi.required_use() {
            c.problems.push(MetadataProblem {
                loc: Some(at("REQUIRED_USE")),
                message: format!("REQUIRED_USE set, but EAPI '{eapi}' doesn't allow it"),
            });
        }
        match deps {
            Err(message) => c.problems.push(MetadataProblem {
                loc: None,
                message: message.to_owned(),
            }),
            Ok(d) => {
                for (key, spec) in [
                    ("DEPEND", &d.depend),
                    ("RDEPEND", &d.rdepend),
                    ("PDEPEND", &d.pdepend),
                    ("BDEPEND", &d.bdepend),
                    ("IDEPEND", &d.idepend),
                ] {
                    c.own_flags.extend(spec.flags().map(|f| (f, at(key))));
                    for atom in spec.leaves() {
                        if atom.slot_op == Some(SlotOp::Equal) && atom.subslot.is_some() {
                            c.problems.push(MetadataProblem {
                                loc: Some(at(key)),
                                message: format!(
                                    "{key}: improper context for slot-operator \"built\" atom syntax: {atom}"
                                ),
                            });
                        }
                        for u in atom.use_deps.iter() {
                            if !matches!(u.kind, UseDepKind::Enabled | UseDepKind::Disabled) {
                                c.own_flags.push((u.flag, at(key)));
                            }
                        }
                    }
                }
                c.own_flags.extend(
                    d.required_use
                        .referenced_flags()
                        .map(|f| (f, at("REQUIRED_USE"))),
                );
            }
        }
        let word = |s: &str| Ok::<_, String>(Sym::new(s));
        let empty_any_of = eapi.empty_any_of_unsatisfied();
        // Portage's use_reduce takes `||` in any of these three.
        for (key, value) in [
            ("LICENSE", e.license()),
            ("PROPERTIES", e.properties()),
            ("RESTRICT", e.restrict()),
        ] {
            match DepSpec::parse(value, DepOptions::license(empty_any_of), word) {
                Ok(spec) => c.own_flags.extend(spec.flags().map(|f| (f, at(key)))),
                Err(err) => c.problems.push(MetadataProblem {
                    loc: None,
                    message: self.field_error(key, &err),
                }),
            }
        }
        c
    }

    fn field_error<E: std::fmt::Display>(&self, key: &str, err: &DepSpecError<E>) -> String {
        let loc = self
            .entry
            .loc_of(key)
            .unwrap_or_else(|| Loc::new(self.entry.path(), 0));
        format!("{loc}: invalid {key}: {err}")
    }
}

/// Every package version of every repository, by package name.
#[derive(Debug, Default)]
pub struct PackageIndex {
    pub packages: Vec<Package>,
    by_cp: HashMap<Sym, Vec<PkgId>>,
}

/// A repository's md5-cache cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error(transparent)]
    Cache(#[from] Md5CacheError),
    #[error("{loc}: '{name}' is not a valid package file name (expected PN-VERSION)")]
    BadName { loc: Loc, name: String },
}

impl PackageIndex {
    /// Reads the md5-cache of every repository.
    pub fn load(
        repos: &RepoSet,
        warnings: &mut Vec<Warning>,
    ) -> Result<PackageIndex, PackageError> {
        let mut index = PackageIndex::default();
        for repo in &repos.repos {
            let files = md5cache::scan(&repos.fs, &repo.location)?;
            let entries =
                NewEntry::read_all(files, |path| repos.memo.cache_entry(&repos.fs, path))?;
            index.extend(repo, entries, warnings)?;
        }
        Ok(index)
    }

    /// Adds the entries of `repo` (in [`md5cache::scan`] order, repository
    /// by repository), typed in parallel; ids, warnings and the first error
    /// come in the order given, whatever the threads did.
    pub(crate) fn extend(
        &mut self,
        repo: &Repository,
        entries: Vec<NewEntry>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), PackageError> {
        // Names first: the first bad one in order is the error.
        let versions: Vec<Option<(usize, Version)>> = entries
            .par_iter()
            .map(|e| split_pf(&e.pf).map(|(pn, v)| (pn.len(), v)))
            .collect();
        if let Some(i) = versions.iter().position(Option::is_none) {
            let e = &entries[i];
            return Err(PackageError::BadName {
                loc: Loc::new(e.entry.path(), 0),
                name: e.pf.clone(),
            });
        }
        let base = self.packages.len();
        let found: Mutex<Vec<(usize, Warning)>> = Mutex::default();
        // Straight into the index (a package is a few hundred bytes: no
        // second vector to move them through).
        self.packages
            .par_extend(entries.into_par_iter().zip(versions).enumerate().map_init(
                TypingMemo::default,
                |memo, (i, (e, v))| {
                    let (pn_len, version) = v.unwrap_or_else(|| unreachable!("checked above"));
                    let mut w = Vec::new();
                    let id = PkgId((base + i) as u32);
                    let p = typed(repo, id, e, pn_len, version, memo, &mut w);
                    if !w.is_empty() {
                        let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
                        found.extend(w.into_iter().map(|w| (i, w)));
                    }
                    p
                },
            ));
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        // In entry order; one entry's own warnings keep theirs (stable sort).
        found.sort_by_key(|&(i, _)| i);
        warnings.extend(found.into_iter().map(|(_, w)| w));
        for p in &self.packages[base..] {
            self.by_cp.entry(p.cp).or_default().push(p.id);
        }
        Ok(())
    }

    pub fn get(&self, id: PkgId) -> &Package {
        &self.packages[id.0 as usize]
    }

    /// Every version of `cp` in every repository, in load order.
    pub fn versions(&self, cp: Sym) -> impl Iterator<Item = &Package> {
        self.by_cp
            .get(&cp)
            .into_iter()
            .flatten()
            .map(|&id| self.get(id))
    }

    pub fn len(&self) -> usize {
        self.packages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// Finds `CAT/PF`, optionally `::repo`.
    pub fn find_cpv(&self, cpv: &str) -> Vec<&Package> {
        let (cpv, repo) = match cpv.split_once("::") {
            Some((c, r)) => (c, Some(r)),
            None => (cpv, None),
        };
        let Some((cat, pf)) = cpv.split_once('/') else {
            return Vec::new();
        };
        let Some((pn, _)) = split_pf(pf) else {
            return Vec::new();
        };
        let Some(cp) = Sym::lookup(&format!("{cat}/{pn}")) else {
            return Vec::new();
        };
        self.versions(cp)
            .filter(|p| p.pf == pf && repo.is_none_or(|r| p.repo_name.as_str() == r))
            .collect()
    }
}

/// An md5-cache entry about to become a [`Package`], with its
/// [`Validity`] when the binary cache had it.
pub(crate) struct NewEntry {
    pub category: String,
    pub pf: String,
    pub entry: CacheEntry,
    pub validity: Option<Validity>,
}

impl NewEntry {
    /// Every file of `files` read by `read`, on all threads, in scan
    /// order; the first bad entry in that order is the error.
    pub(crate) fn read_all(
        files: Vec<md5cache::CacheFile>,
        read: impl Fn(&std::path::Path) -> Result<CacheEntry, Md5CacheError> + Sync,
    ) -> Result<Vec<NewEntry>, Md5CacheError> {
        let read: Vec<Result<NewEntry, Md5CacheError>> = files
            .into_par_iter()
            .map(|f| {
                Ok(NewEntry {
                    entry: read(&f.path)?,
                    category: f.category,
                    pf: f.pf,
                    validity: None,
                })
            })
            .collect();
        read.into_iter().collect()
    }
}

/// What one thread typing entries keeps between them: symbols it has
/// interned ([`LocalSyms`]) and parsed LICENSE strings by text, per EAPI rule for
/// empty any-of groups (a handful of strings cover most versions, and a
/// parse allocates; the result is shared, [`DepSpec`] is reference-counted).
#[derive(Default)]
struct TypingMemo {
    syms: LocalSyms,
    licenses: [HashMap<Box<str>, ParsedLicense>; 2],
    /// KEYWORDS and IUSE values typed, by text: versions share them (240
    /// distinct KEYWORDS among 26 630 generated entries, about half as
    /// many IUSE values as entries), and one lookup of the whole value
    /// costs less than one per token.
    keywords: HashMap<Box<str>, Vec<Sym>>,
    iuse: HashMap<Box<str>, Vec<(Sym, Option<bool>)>>,
}

/// A LICENSE string parsed, or why it does not parse.
type ParsedLicense = Result<DepSpec<Sym>, String>;

impl TypingMemo {
    fn sym(&mut self, s: &str) -> Sym {
        self.syms.sym(s)
    }

    fn license(&mut self, text: &str, empty_any_of: bool) -> ParsedLicense {
        let map = &mut self.licenses[usize::from(empty_any_of)];
        if let Some(r) = map.get(text) {
            return r.clone();
        }
        let r = DepSpec::parse(text, DepOptions::license(empty_any_of), |s| {
            Ok::<_, String>(Sym::new(s))
        })
        .map_err(|e| e.to_string());
        map.insert(text.into(), r.clone());
        r
    }
}

fn typed(
    repo: &Repository,
    id: PkgId,
    new: NewEntry,
    pn_len: usize,
    version: Version,
    memo: &mut TypingMemo,
    warnings: &mut Vec<Warning>,
) -> Package {
    let NewEntry {
        category,
        pf,
        entry,
        validity,
    } = new;
    let cpv = format!("{category}/{pf}");
    let cp = memo.sym(&cpv[..category.len() + 1 + pn_len]);
    let eapi = Eapi::parse(entry.eapi()).ok_or_else(|| entry.eapi().to_owned());
    // An unsupported EAPI's SLOT is not read (Portage discards every other
    // key of such an entry): `:slot` atoms must not match it.
    let (slot, subslot) = match (&eapi, entry.slot()) {
        (Err(_), _) => (memo.sym(""), memo.sym("")),
        (Ok(_), Some((s, sub))) => (memo.sym(s), memo.sym(sub)),
        (Ok(_), None) => {
            warnings.push(Warning {
                loc: Loc::new(entry.path(), 0),
                message: "no SLOT; Portage masks this version as invalid".to_owned(),
            });
            (memo.sym("0"), memo.sym("0"))
        }
    };
    // Memo keys are the raw values, which the accessors split.
    let text = entry.get("KEYWORDS").unwrap_or("");
    let keywords = match memo.keywords.get(text) {
        Some(k) => k.clone(),
        None => {
            let k: Vec<Sym> = entry.keywords().map(|k| memo.sym(k)).collect();
            memo.keywords.insert(text.into(), k.clone());
            k
        }
    };
    let text = entry.get("IUSE").unwrap_or("");
    let iuse = match memo.iuse.get(text) {
        Some(i) => i.clone(),
        None => {
            let i = typed_iuse(&entry, &mut memo.syms);
            memo.iuse.insert(text.into(), i.clone());
            i
        }
    };
    let license = match &eapi {
        Ok(e) => memo
            .license(entry.license(), e.empty_any_of_unsatisfied())
            .unwrap_or_else(|err| {
                let loc = entry
                    .loc_of("LICENSE")
                    .unwrap_or_else(|| Loc::new(entry.path(), 0));
                warnings.push(Warning {
                    loc,
                    message: format!("invalid LICENSE: {err}"),
                });
                DepSpec::empty()
            }),
        Err(_) => DepSpec::empty(),
    };
    let mut license_names: Vec<Sym> = license.leaves().to_vec();
    license_names.sort();
    license_names.dedup();
    let pkg = Package {
        id,
        repo: repo.id,
        repo_name: repo.name,
        cp,
        cpv,
        pf,
        version,
        slot,
        subslot,
        eapi,
        keywords,
        iuse,
        license_names,
        license,
        entry,
        deps: OnceLock::new(),
        check: OnceLock::new(),
        validity: OnceLock::new(),
    };
    if let Some(v) = validity {
        let _ = pkg.validity.set(v);
    }
    pkg
}

/// IUSE with each flag once, sorted by name, so that per-flag results
/// come out in output order. A flag listed twice (`+debug ... debug`, as
/// eclasses produce) is on by default if any listing says `+`: Portage's
/// pkginternal layer is every `+` token.
fn typed_iuse(entry: &CacheEntry, syms: &mut LocalSyms) -> Vec<(Sym, Option<bool>)> {
    let mut iuse: Vec<(Sym, Option<bool>)> = Vec::new();
    for f in entry.iuse() {
        let s = syms.sym(f.name);
        match iuse.iter_mut().find(|(g, _)| *g == s) {
            Some(e) => {
                if f.default == Some(true) || e.1.is_none() {
                    e.1 = f.default.or(e.1);
                }
            }
            None => iuse.push((s, f.default)),
        }
    }
    iuse.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    iuse
}

/// Portage's SLOT syntax (`_get_slot_re`, compiled with `re.ASCII`): a
/// name of ASCII word characters, `+`, `.`, `-` not starting with `+`, `.`
/// or `-`, with a `/sub-slot` of the same form when the EAPI has sub-slots.
fn valid_slot(slot: &str, subslots: bool) -> bool {
    let name = |s: &str| {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut chars = s.chars();
        chars.next().is_some_and(word) && chars.all(|c| word(c) || matches!(c, '+' | '.' | '-'))
    };
    match slot.split_once('/') {
        Some((s, sub)) => subslots && name(s) && name(sub),
        None => name(slot),
    }
}
