//! Filling a [`Universe`] from the engine's evaluation of one profile:
//! every version of every repository becomes a [`Candidate`] with its
//! visibility, effective USE, immutable flags (with the lines that made
//! them so) and dependencies.

use std::collections::{HashMap, HashSet};

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
    universe_within(tree, profile, None)
}

/// The universe of `profile` restricted to the packages in `within` (all
/// when None), typically [`Reach::closure`] of the targets: a solver asked
/// about `@system` looks at a few hundred packages of the tens of thousands
/// a tree has, and building a candidate (its full evaluation) is most of
/// the work of a check.
///
/// Solving with USE changes allowed weighs USE dependencies from the whole
/// universe (even of packages no target reaches), so pass None then.
pub fn universe_within(
    tree: &Tree,
    profile: &Profile,
    within: Option<&HashSet<Sym>>,
) -> (Universe, Vec<Warning>) {
    let ev = Evaluator::new(tree, profile);
    let mut u = Universe::new();
    let mut warnings = Vec::new();
    for repo in candidate_order(tree) {
        for pkg in tree
            .packages
            .packages
            .iter()
            .filter(|p| p.repo == repo && within.is_none_or(|w| w.contains(&p.cp)))
        {
            u.add(candidate(&ev, pkg, &mut warnings));
        }
    }
    for ((cp, version), _) in &profile.provided {
        u.provide(*cp, version.clone());
    }
    (u, warnings)
}

/// The packages each package's dependencies name (every class, every
/// conditional branch and alternative, blockers too), over all versions:
/// whatever the profile, a solver starting from some packages can only
/// ever look at their closure under this relation.
#[derive(Debug, Default)]
pub struct Reach {
    deps: HashMap<Sym, Vec<Sym>>,
}

impl Reach {
    /// The relation for every package of `tree` (for many questions on one
    /// tree, as `check --all-profiles` asks).
    pub fn new(tree: &Tree) -> Reach {
        let mut deps = HashMap::new();
        for p in &tree.packages.packages {
            deps.entry(p.cp).or_insert_with(|| named_deps(tree, p.cp));
        }
        Reach { deps }
    }

    /// `roots` and every package reachable from them.
    pub fn closure(&self, roots: impl IntoIterator<Item = Sym>) -> HashSet<Sym> {
        closure_by(roots, |cp| {
            self.deps.get(&cp).into_iter().flatten().copied()
        })
    }
}

/// The universe of `profile` restricted to the package names `targets` can
/// reach (see [`Reach`]), walking only the packages reached: for one
/// question on a tree, as `bisect` asks at every commit. Verdicts are those
/// of [`universe`] (without USE changes; see [`universe_within`]).
pub fn universe_for(tree: &Tree, profile: &Profile, targets: &[Atom]) -> (Universe, Vec<Warning>) {
    let reach = closure_by(targets.iter().map(|a| a.cp), |cp| named_deps(tree, cp));
    universe_within(tree, profile, Some(&reach))
}

/// The names the dependencies of every version of `cp` mention, sorted,
/// each once.
fn named_deps(tree: &Tree, cp: Sym) -> Vec<Sym> {
    let mut named = Vec::new();
    for pkg in tree.packages.versions(cp) {
        if let Ok(d) = pkg.deps() {
            for spec in [&d.depend, &d.rdepend, &d.pdepend, &d.bdepend, &d.idepend] {
                named.extend(spec.leaves().iter().map(|a| a.cp));
            }
        }
    }
    named.sort_unstable();
    named.dedup();
    named
}

/// `roots` and everything reachable from them through `next`.
fn closure_by<I: IntoIterator<Item = Sym>>(
    roots: impl IntoIterator<Item = Sym>,
    mut next: impl FnMut(Sym) -> I,
) -> HashSet<Sym> {
    let mut seen: HashSet<Sym> = HashSet::new();
    let mut todo: Vec<Sym> = roots.into_iter().filter(|&cp| seen.insert(cp)).collect();
    while let Some(cp) = todo.pop() {
        for n in next(cp) {
            if seen.insert(n) {
                todo.push(n);
            }
        }
    }
    seen
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

fn candidate(ev: &Evaluator<'_>, pkg: &Package, warnings: &mut Vec<Warning>) -> Candidate {
    let state = ev.evaluate(pkg);
    let eapi = pkg.eapi.clone().unwrap_or(Eapi::ZERO);
    let mut c = Candidate::new(pkg.cp, pkg.version.clone(), pkg.slot, pkg.repo_name, eapi);
    c.subslot = pkg.subslot;
    if pkg.eapi.is_err() {
        c.masked = state.masked_by;
        return c;
    }
    let (forced, masked) = ev.immutable_sources(pkg, &state);
    c.masked = state.masked_by;
    c.forced = forced
        .into_iter()
        .map(|(f, l)| ImmutableFlag::new(f, l))
        .collect();
    c.use_masked = masked
        .into_iter()
        .map(|(f, l)| ImmutableFlag::new(f, l))
        .collect();
    c.iuse = state.iuse_effective;
    c.use_enabled = state.enabled;
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
