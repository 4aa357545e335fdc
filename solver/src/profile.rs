//! Filling a [`Universe`] from the engine's evaluation of one profile:
//! every version of every repository becomes a [`Candidate`] with its
//! visibility, effective USE, immutable flags (with the lines that made
//! them so) and dependencies.

use std::collections::HashSet;

use portolan_engine::atom::Atom;
use portolan_engine::depspec::DepSpec;
use portolan_engine::eapi::Eapi;
use portolan_engine::evaluate::{Evaluator, MaskKind, MaskReason};
use portolan_engine::intern::Sym;
use portolan_engine::package::Package;
use portolan_engine::profile::stack::Profile;
use portolan_engine::repo::RepoId;
use portolan_engine::source::Warning;
use portolan_engine::tree::Tree;

use crate::universe::{Candidate, ImmutableFlag, Universe};

/// The universe of `profile`. Among equal versions in several repositories
/// the overlay is preferred over the main repository, as Portage's default
/// priorities do, so candidates of overlays come first.
pub fn universe(tree: &Tree, profile: &Profile) -> (Universe, Vec<Warning>) {
    let ev = Evaluator::new(tree, profile);
    let mut u = Universe::new();
    let mut warnings = Vec::new();
    for repo in candidate_order(tree) {
        for pkg in tree.packages.packages.iter().filter(|p| p.repo == repo) {
            u.add(candidate(&ev, pkg, &mut warnings));
        }
    }
    for ((cp, version), _) in &profile.provided {
        u.provide(*cp, version.clone());
    }
    (u, warnings)
}

/// The universe of `profile` restricted to the package names `targets` can
/// reach through any dependency of any of their versions (every class,
/// every branch of every USE conditional and `||` group, blockers too).
/// The solver never asks about a name outside that closure, so verdicts
/// are those of [`universe`]; when the targets pull in a small part of the
/// tree, only that part is evaluated (what `bisect` does at every commit).
pub fn universe_for(tree: &Tree, profile: &Profile, targets: &[Atom]) -> (Universe, Vec<Warning>) {
    let reach = reachable(tree, targets);
    let ev = Evaluator::new(tree, profile);
    let mut u = Universe::new();
    let mut warnings = Vec::new();
    for repo in candidate_order(tree) {
        for pkg in tree
            .packages
            .packages
            .iter()
            .filter(|p| p.repo == repo && reach.contains(&p.cp))
        {
            u.add(candidate(&ev, pkg, &mut warnings));
        }
    }
    for ((cp, version), _) in &profile.provided {
        u.provide(*cp, version.clone());
    }
    (u, warnings)
}

/// Overlays first, the main repository last (see [`universe`]).
fn candidate_order(tree: &Tree) -> Vec<RepoId> {
    let mut order: Vec<RepoId> = tree.repos.repos.iter().map(|r| r.id).collect();
    order.reverse();
    if let Some(main) = tree.repos.main {
        order.retain(|&r| r != main);
        order.push(main);
    }
    order
}

/// Package names reachable from `targets` through every dependency of every
/// version, whatever the profile.
fn reachable(tree: &Tree, targets: &[Atom]) -> HashSet<Sym> {
    let mut seen: HashSet<Sym> = targets.iter().map(|a| a.cp).collect();
    let mut todo: Vec<Sym> = seen.iter().copied().collect();
    while let Some(cp) = todo.pop() {
        for pkg in tree.packages.versions(cp) {
            let Ok(d) = pkg.deps() else { continue };
            for spec in [&d.depend, &d.rdepend, &d.pdepend, &d.bdepend, &d.idepend] {
                for atom in spec.leaves() {
                    if seen.insert(atom.cp) {
                        todo.push(atom.cp);
                    }
                }
            }
        }
    }
    seen
}

fn candidate(ev: &Evaluator<'_>, pkg: &Package, warnings: &mut Vec<Warning>) -> Candidate {
    let state = ev.evaluate(pkg);
    let eapi = pkg.eapi.clone().unwrap_or(Eapi::ZERO);
    let mut c = Candidate::new(pkg.cp, pkg.version.clone(), pkg.slot, pkg.repo_name, eapi);
    c.subslot = pkg.subslot;
    c.masked = state.masked_by.clone();
    if pkg.eapi.is_err() {
        return c;
    }
    let (forced, masked) = ev.immutable_sources(pkg, &state);
    c.forced = forced
        .into_iter()
        .map(|(f, l)| ImmutableFlag::new(f, l))
        .collect();
    c.use_masked = masked
        .into_iter()
        .map(|(f, l)| ImmutableFlag::new(f, l))
        .collect();
    c.iuse = state.iuse_effective.clone();
    c.use_enabled = state.enabled.clone();
    match pkg.deps() {
        Ok(d) => {
            c.depend = d.depend.clone();
            c.rdepend = d.rdepend.clone();
            c.pdepend = d.pdepend.clone();
            c.bdepend = d.bdepend.clone();
            c.idepend = d.idepend.clone();
            c.required_use = d.required_use.clone();
        }
        Err(e) => {
            // Portage masks a version whose metadata does not parse.
            warnings.push(Warning {
                loc: pkg.file(),
                message: e.to_owned(),
            });
            c.masked.push(MaskReason {
                kind: MaskKind::Invalid,
                detail: e.to_owned(),
                loc: Some(pkg.file()),
            });
            c.depend = DepSpec::empty();
        }
    }
    c
}
