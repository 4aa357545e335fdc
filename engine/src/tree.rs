//! The loaded tree: repositories, their package versions, their
//! repository-level files (package.mask, license_groups, categories,
//! profiles.desc) and the profile nodes, each read once.

use std::sync::{Arc, Mutex};

use ahash::{HashMap, HashSet};

use crate::atom::{Atom, AtomOptions};
use crate::cache::CacheOptions;
use crate::eapi::Eapi;
use crate::intern::Sym;
use crate::license::LicenseGroups;
use crate::package::{PackageError, PackageIndex};
use crate::profile::files::{self, FileError, ListEntry, ProfileFileKind};
use crate::profile::node::{NodeId, NodeStore, ProfileError};
use crate::profile::stack::{Profile, Stacker};
use crate::repo::{RepoId, RepoSet};
use crate::source::{Loc, Warning};

/// One line of a repository's `profiles.desc`.
#[derive(Clone, Debug)]
pub struct ProfileDesc {
    pub repo: RepoId,
    pub arch: String,
    pub path: String,
    pub status: String,
    pub loc: Loc,
}

impl ProfileDesc {
    pub fn name(&self, repos: &RepoSet) -> String {
        format!("{}:{}", repos.get(self.repo).name, self.path)
    }
}

/// A repository-level mask: applies to packages of `scope` only (Portage
/// appends `::repo` to every atom of a repository's `profiles/package.mask`,
/// spec §10.4).
#[derive(Clone, Debug)]
pub struct RepoMask {
    pub atom: Atom,
    pub loc: Loc,
    pub scope: RepoId,
}

#[derive(Debug)]
pub struct Tree {
    pub repos: RepoSet,
    pub packages: PackageIndex,
    pub nodes: NodeStore,
    /// Folded stacks per node, shared by every profile stacked on them.
    pub stacker: Stacker,
    pub repo_masks: Vec<RepoMask>,
    pub repo_unmasks: Vec<RepoMask>,
    pub license_groups: LicenseGroups,
    pub categories: HashSet<Sym>,
    pub profiles_desc: Vec<ProfileDesc>,
    pub warnings: Vec<Warning>,
    /// [`Tree::check_profile_categories`]'s findings per node: a node's
    /// lines and the categories do not change once loaded, and the matrix
    /// commands check the same nodes for hundreds of profiles.
    category_checks: Mutex<HashMap<NodeId, Arc<[Warning]>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error(transparent)]
    Package(#[from] PackageError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("no profile '{0}' in any configured repository")]
    UnknownProfile(String),
    #[error("profile '{name}' is ambiguous: {}", candidates.join(", "))]
    AmbiguousProfile {
        name: String,
        candidates: Vec<String>,
    },
}

impl Tree {
    pub fn load(repos: RepoSet) -> Result<Tree, TreeError> {
        let mut warnings = repos.warnings.clone();
        let packages = PackageIndex::load(&repos, &mut warnings)?;
        Tree::with_packages(repos, packages, warnings)
    }

    /// [`Tree::load`] with the package index read through the binary cache
    /// (see [`crate::cache`]); problems with the cache itself are warnings.
    pub fn load_cached(repos: RepoSet, cache: &CacheOptions) -> Result<Tree, TreeError> {
        Tree::load_cached_with(repos, cache, false)
    }

    /// [`Tree::load_cached`] that reads every profile directory of every
    /// profiles.desc meanwhile (see [`NodeStore::read_ahead`]): what a
    /// command over all profiles reads next, and neither needs the other,
    /// so the package index and the profile directories load side by
    /// side. Nothing is reported from the read-ahead; the profiles report
    /// as usual when loaded.
    pub fn load_cached_reading_profiles(
        repos: RepoSet,
        cache: &CacheOptions,
    ) -> Result<Tree, TreeError> {
        Tree::load_cached_with(repos, cache, true)
    }

    /// The package index and the node store (its cache opened, and every
    /// profile read ahead when `read_ahead`) side by side.
    fn load_cached_with(
        repos: RepoSet,
        cache: &CacheOptions,
        read_ahead: bool,
    ) -> Result<Tree, TreeError> {
        let mut warnings = repos.warnings.clone();
        let mut node_warnings = Vec::new();
        let (packages, nodes) = rayon::join(
            || crate::cache::load_packages(&repos, cache, &mut warnings),
            || {
                let inputs =
                    crate::cache::nodes::NodeInputs::open(&repos, cache, &mut node_warnings);
                let mut nodes = NodeStore::with_inputs(inputs);
                if read_ahead {
                    // profiles.desc is read again, and its errors reported,
                    // with the other repository files.
                    let descs: Vec<(RepoId, String)> = repos
                        .repos
                        .iter()
                        .flat_map(|repo| {
                            let desc = files::read_profiles_desc(&repos.fs, &repo.profiles_dir());
                            let entries = desc.ok().flatten().unwrap_or_default();
                            entries.into_iter().map(|e| (repo.id, e.path))
                        })
                        .collect();
                    let leaves: Vec<(RepoId, &str)> =
                        descs.iter().map(|(r, p)| (*r, p.as_str())).collect();
                    nodes.read_ahead(&repos, &leaves);
                }
                nodes
            },
        );
        let (packages, _) = packages?;
        // The package cache's warnings first, then the node cache's.
        warnings.extend(node_warnings);
        let mut tree = Tree::with_packages(repos, packages, warnings)?;
        tree.nodes = nodes;
        Ok(tree)
    }

    fn with_packages(
        repos: RepoSet,
        packages: PackageIndex,
        warnings: Vec<Warning>,
    ) -> Result<Tree, TreeError> {
        let mut tree = Tree {
            packages,
            nodes: NodeStore::default(),
            stacker: Stacker::default(),
            repo_masks: Vec::new(),
            repo_unmasks: Vec::new(),
            license_groups: LicenseGroups::default(),
            categories: HashSet::default(),
            profiles_desc: Vec::new(),
            warnings,
            repos,
            category_checks: Mutex::default(),
        };
        tree.load_repo_files()?;
        Ok(tree)
    }

    fn load_repo_files(&mut self) -> Result<(), TreeError> {
        for repo in &self.repos.repos {
            let dir = repo.profiles_dir();
            for e in files::read_profiles_desc(&self.repos.fs, &dir)?.unwrap_or_default() {
                self.profiles_desc.push(ProfileDesc {
                    repo: repo.id,
                    arch: e.arch,
                    path: e.path,
                    status: e.status,
                    loc: e.loc,
                });
            }
            for e in files::read_categories(&self.repos.fs, &dir)?.unwrap_or_default() {
                if !e.remove {
                    self.categories.insert(Sym::new(&e.value));
                }
            }
            for g in files::read_license_groups(&self.repos.fs, &dir)?.unwrap_or_default() {
                let members: Vec<&str> = g.members.iter().map(String::as_str).collect();
                self.license_groups.define(g.loc, &g.name, &members);
            }
        }
        // Categories of packages in the md5-cache count too (packages come
        // category by category: intern each run once).
        let mut last = None;
        for p in &self.packages.packages {
            if let Some((cat, _)) = p.cp.as_str().split_once('/') {
                if last != Some(cat) {
                    self.categories.insert(Sym::new(cat));
                    last = Some(cat);
                }
            }
        }
        self.load_repo_masks()
    }

    /// Repository-level package.mask with masters (Portage `MaskManager`):
    /// for each master, the master's lines then the repository's own are
    /// stacked (not recursively); a repository without masters stacks its own.
    fn load_repo_masks(&mut self) -> Result<(), TreeError> {
        let mut masks = Vec::new();
        let mut unmasks = Vec::new();
        let warnings = &mut self.warnings;
        for repo in &self.repos.repos {
            let own = repo_list(&self.repos, repo.id, ProfileFileKind::PackageMask, warnings)?;
            let mut parts: Vec<Vec<(Atom, Loc)>> = Vec::new();
            if repo.masters.is_empty() {
                parts.push(stack_removals(&[&own], warnings, true));
            } else {
                for &m in &repo.masters {
                    let master = repo_list(&self.repos, m, ProfileFileKind::PackageMask, warnings)?;
                    parts.push(stack_removals(&[&master, &own], warnings, false));
                }
            }
            for part in parts {
                for (atom, loc) in part {
                    masks.push(RepoMask {
                        atom,
                        loc,
                        scope: repo.id,
                    });
                }
            }
            if repo.formats.directories {
                let own = repo_list(
                    &self.repos,
                    repo.id,
                    ProfileFileKind::PackageUnmask,
                    warnings,
                )?;
                for (atom, loc) in stack_removals(&[&own], warnings, true) {
                    unmasks.push(RepoMask {
                        atom,
                        loc,
                        scope: repo.id,
                    });
                }
            }
        }
        self.repo_masks = masks;
        self.repo_unmasks = unmasks;
        Ok(())
    }
}

/// A repository-level list file with atoms parsed with `profiles/eapi`.
fn repo_list(
    repos: &RepoSet,
    repo: RepoId,
    kind: ProfileFileKind,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<(ListEntry, Atom)>, TreeError> {
    {
        let r = repos.get(repo);
        let eapi = r
            .profiles_eapi
            .as_deref()
            .and_then(Eapi::parse)
            .unwrap_or(Eapi::ZERO);
        let opts = AtomOptions {
            allow_use_deps: eapi.use_deps(),
            ..AtomOptions::profile(eapi).with_repo(r.formats.repo_deps)
        };
        let mut out = Vec::new();
        let lines = files::read_list(&repos.fs, &r.profiles_dir(), kind, r.formats.directories)?;
        for e in lines.unwrap_or_default() {
            match Atom::parse(&e.value, opts) {
                Ok(a) => out.push((e, a)),
                Err(err) => warnings.push(Warning {
                    loc: e.loc.clone(),
                    message: format!("invalid atom skipped, as Portage does: {err}"),
                }),
            }
        }
        Ok(out)
    }
}

impl Tree {
    /// Loads (once) and stacks the profile named `REPO:PATH`, or a bare
    /// `PATH` when exactly one repository has it.
    pub fn profile(&mut self, name: &str) -> Result<Profile, TreeError> {
        let (repo, path) = self.resolve_profile_name(name)?;
        let leaf = self.nodes.load(&self.repos, repo, &path)?;
        Ok(self.stacker.profile(&self.repos, &self.nodes, leaf))
    }

    fn resolve_profile_name(&self, name: &str) -> Result<(RepoId, String), TreeError> {
        if let Some((repo, path)) = name.split_once(':') {
            let r = self
                .repos
                .by_name(repo)
                .ok_or_else(|| TreeError::UnknownProfile(name.to_owned()))?;
            return Ok((r.id, path.to_owned()));
        }
        let candidates: Vec<RepoId> = self
            .repos
            .repos
            .iter()
            .filter(|r| self.repos.fs.is_dir(&r.profiles_dir().join(name)))
            .map(|r| r.id)
            .collect();
        match candidates.as_slice() {
            [] => Err(TreeError::UnknownProfile(name.to_owned())),
            [one] => Ok((*one, name.to_owned())),
            many => Err(TreeError::AmbiguousProfile {
                name: name.to_owned(),
                candidates: many
                    .iter()
                    .map(|&r| format!("{}:{name}", self.repos.get(r).name))
                    .collect(),
            }),
        }
    }

    /// Warnings about names that exist nowhere: a package.use line for a
    /// category no repository lists (the genpack `edia-libs/freetype` typo).
    pub fn check_profile_categories(&self, profile: &Profile) -> Vec<Warning> {
        let mut out = Vec::new();
        let mut seen = HashSet::default();
        for &id in &profile.stack {
            if !seen.insert(id) {
                continue;
            }
            let known = self
                .category_checks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&id)
                .cloned();
            let found = match known {
                Some(found) => found,
                None => {
                    let found: Arc<[Warning]> = self.check_node_categories(id).into();
                    self.category_checks
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, found.clone());
                    found
                }
            };
            out.extend(found.iter().cloned());
        }
        out
    }

    /// [`Tree::check_profile_categories`] for the lines of one node.
    fn check_node_categories(&self, id: NodeId) -> Vec<Warning> {
        let mut out = Vec::new();
        let node = self.nodes.get(id);
        for table in [
            &node.package_use,
            &node.package_use_mask,
            &node.package_use_force,
            &node.package_use_stable_mask,
            &node.package_use_stable_force,
            &node.package_accept_keywords,
            &node.package_keywords,
        ] {
            for e in &table.entries {
                let cat = e.atom.category();
                if !self.categories.contains(&Sym::new(cat)) {
                    if let Some(t) = e.tokens.first() {
                        out.push(Warning {
                            loc: t.loc.clone(),
                            message: format!(
                                "'{}': category '{cat}' is in no repository's categories; the line matches nothing",
                                e.atom
                            ),
                        });
                    }
                }
            }
        }
        out
    }
}

/// Stacks list files with removal by exact string, as Portage's
/// `stack_lists(incremental=1)`.
fn stack_removals(
    lists: &[&[(ListEntry, Atom)]],
    warnings: &mut Vec<Warning>,
    warn_unmatched: bool,
) -> Vec<(Atom, Loc)> {
    // Kept entries in order (a removed one leaves a hole), and where each
    // key sits, so that a long package.mask stacks in linear time.
    let mut out: Vec<Option<(Atom, Loc)>> = Vec::new();
    let mut at: ahash::HashMap<String, usize> = ahash::HashMap::default();
    for list in lists {
        for (e, atom) in list.iter() {
            let key = atom.to_string();
            if e.remove {
                match at.remove(&key) {
                    Some(i) => out[i] = None,
                    None if warn_unmatched => warnings.push(Warning {
                        loc: e.loc.clone(),
                        message: format!(
                            "unmatched removal '-{key}' (Portage warns and ignores it)"
                        ),
                    }),
                    None => {}
                }
            } else if let std::collections::hash_map::Entry::Vacant(v) = at.entry(key) {
                v.insert(out.len());
                out.push(Some((atom.clone(), e.loc.clone())));
            }
        }
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(lines: &[String]) -> Vec<(ListEntry, Atom)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (remove, value) = match l.strip_prefix('-') {
                    Some(v) => (true, v.to_owned()),
                    None => (false, l.clone()),
                };
                let atom = Atom::parse(&value, AtomOptions::unrestricted()).unwrap();
                let loc = Loc::new("package.mask", i as u32 + 1);
                (ListEntry { loc, remove, value }, atom)
            })
            .collect()
    }

    /// Reading every profile ahead while the packages load changes
    /// nothing: the same warnings in the same order, the same profiles,
    /// with the node cache cold and warm.
    #[test]
    fn reading_profiles_ahead_changes_nothing() {
        let conf = std::path::Path::new(crate::repo::REAL_REPOS_CONF);
        let dir = std::env::temp_dir().join(format!("portolan-ahead-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = CacheOptions {
            dir: Some(dir.clone()),
        };
        for _cold_then_warm in 0..2 {
            let load = |ahead: bool| {
                let repos = RepoSet::from_repos_conf(conf).unwrap();
                let mut tree = if ahead {
                    Tree::load_cached_reading_profiles(repos, &cache).unwrap()
                } else {
                    Tree::load_cached(repos, &cache).unwrap()
                };
                let names: Vec<String> = tree
                    .profiles_desc
                    .iter()
                    .map(|d| d.name(&tree.repos))
                    .collect();
                let profiles: Vec<String> = names
                    .iter()
                    .map(|n| {
                        let p = tree.profile(n).unwrap();
                        format!(
                            "{n} {:?} {:?} {}",
                            p.stack,
                            p.global_use(),
                            p.warnings.len()
                        )
                    })
                    .collect();
                let warnings: Vec<String> = tree.warnings.iter().map(|w| w.to_string()).collect();
                (warnings, tree.packages.len(), profiles)
            };
            let (plain, ahead) = (load(false), load(true));
            assert!(plain.2.len() > 500);
            assert_eq!(plain, ahead);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn removals_stack_in_order() {
        let master: Vec<String> = ["a/b", "c/d", "a/b", "e/f"].map(String::from).to_vec();
        let own: Vec<String> = ["-c/d", "-x/y", "c/d", "g/h"].map(String::from).to_vec();
        let (master, own) = (entries(&master), entries(&own));
        let mut w = Vec::new();
        let got: Vec<String> = stack_removals(&[&master, &own], &mut w, true)
            .iter()
            .map(|(a, _)| a.to_string())
            .collect();
        assert_eq!(got, ["a/b", "e/f", "c/d", "g/h"]);
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("-x/y"), "{w:?}");
    }

    /// Found by a stress input for the pipeline fuzz target: every line of
    /// a repository's package.mask was compared with all lines kept so far
    /// and each removal rescanned them all: 100 000 lines and 50 000
    /// removals cost about 10^10 string comparisons.
    #[test]
    fn long_repository_masks_stack_in_linear_time() {
        let n = 100_000;
        let mut lines: Vec<String> = (0..n).map(|i| format!("cat/p{i}")).collect();
        lines.extend((0..n).step_by(2).map(|i| format!("-cat/p{i}")));
        let lines = entries(&lines);
        let mut w = Vec::new();
        let got = stack_removals(&[&lines], &mut w, true);
        assert_eq!(got.len(), n / 2);
        assert_eq!(got[0].0.to_string(), "cat/p1");
        assert!(w.is_empty());
    }
}
