//! Package versions as the md5-cache describes them, typed for evaluation.
//!
//! What every profile needs (EAPI, SLOT, KEYWORDS, IUSE, LICENSE) is parsed
//! when the entry is loaded; dependency strings are parsed on first use,
//! since only the solver reads them and only for the packages it reaches.
//!
//! An entry with an unsupported EAPI keeps its raw EAPI and nothing else is
//! trusted (PMS §2.1): it is masked with reason `eapi`.

use std::sync::OnceLock;

use ahash::HashMap;

use crate::atom::{Atom, AtomOptions, PkgRef};
use crate::depspec::{DepOptions, DepSpec, DepSpecError, FlagLeaf};
use crate::eapi::Eapi;
use crate::intern::Sym;
use crate::md5cache::{self, CacheEntry, Md5CacheError};
use crate::repo::{RepoId, RepoSet};
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
    deps: OnceLock<Result<Deps, String>>,
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
            .get_or_init(|| self.parse_deps())
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
            let files = md5cache::scan(&repo.location)?;
            for f in files {
                let entry = CacheEntry::read(&f.path)?;
                let Some((pn, version)) = split_pf(&f.pf) else {
                    return Err(PackageError::BadName {
                        loc: Loc::new(&f.path, 0),
                        name: f.pf.clone(),
                    });
                };
                let cp = Sym::new(&format!("{}/{pn}", f.category));
                let id = PkgId(index.packages.len() as u32);
                let pkg = typed(
                    id,
                    repo.id,
                    repo.name,
                    cp,
                    f.pf.clone(),
                    version,
                    entry,
                    warnings,
                );
                index.by_cp.entry(cp).or_default().push(id);
                index.packages.push(pkg);
            }
        }
        Ok(index)
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

#[allow(clippy::too_many_arguments)]
fn typed(
    id: PkgId,
    repo: RepoId,
    repo_name: Sym,
    cp: Sym,
    pf: String,
    version: Version,
    entry: CacheEntry,
    warnings: &mut Vec<Warning>,
) -> Package {
    let eapi = Eapi::parse(entry.eapi()).ok_or_else(|| entry.eapi().to_owned());
    let (slot, subslot) = match entry.slot() {
        Some((s, sub)) => (Sym::new(s), Sym::new(sub)),
        None => {
            warnings.push(Warning {
                loc: Loc::new(entry.path(), 0),
                message: "no SLOT; treating it as SLOT=0".to_owned(),
            });
            (Sym::new("0"), Sym::new("0"))
        }
    };
    let keywords = entry.keywords().map(Sym::new).collect();
    // Sorted by name, each flag once, so that per-flag results come out in
    // output order. A flag listed twice (`+debug ... debug`, as eclasses
    // produce) is on by default if any listing says `+`: Portage's
    // pkginternal layer is every `+` token.
    let mut iuse: Vec<(Sym, Option<bool>)> = Vec::new();
    for f in entry.iuse() {
        let s = Sym::new(f.name);
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
    let license = match &eapi {
        Ok(e) => DepSpec::parse(
            entry.license(),
            DepOptions::license(e.empty_any_of_unsatisfied()),
            |s| Ok::<_, String>(Sym::new(s)),
        )
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
    let cpv = format!("{}/{pf}", cp.as_str().split('/').next().unwrap_or(""));
    Package {
        id,
        repo,
        repo_name,
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
    }
}
