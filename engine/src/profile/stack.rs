//! Stacking: from an ordered list of profile nodes to what the profile
//! really sets ([`Profile`]): variables, the profile-wide USE token stream,
//! use.force/use.mask, package masks, keywords, licenses and sets.
//!
//! Portage's rules, in the order this module applies them (spec §9–§10):
//! - make.defaults: one expansion map threaded through every file in stack
//!   order, seeded with make.globals, except that `USE` is removed from the
//!   map before each node (so `${USE}` sees only the same node's value).
//!   Within a node the last assignment of a name wins. Across nodes the
//!   incremental variables (Portage's `INCREMENTALS`) concatenate and are
//!   stacked with `-x`/`-*`; every other variable is last-wins.
//! - USE_EXPAND: once the final USE_EXPAND lists are known, each node's own
//!   values are turned into prefixed USE tokens placed before that node's
//!   USE tokens, so `VIDEO_CARDS="-intel"` in a child removes the parent's
//!   `video_cards_intel`, and `-*` in a USE_EXPAND variable becomes
//!   `-video_cards_*`, which clears that prefix only.
//! - Lists with removal (`package.mask`, `packages`, `package.provided`):
//!   removal by exact string; an unmatched removal is reported, as Portage
//!   warns "Unmatched removal atom(s)".
//! - Per-node tables (package.use, package.use.mask, ...) stay in the nodes;
//!   they are applied per package (see `evaluate`).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, OnceLock};

use ahash::HashMap;
use rayon::prelude::*;

use crate::atom::Atom;
use crate::eapi::Eapi;
use crate::intern::Sym;
use crate::keywords;
use crate::license;
use crate::profile::flags::{FlagStream, Layer, Pos};
use crate::profile::make_defaults;
use crate::profile::node::{Listed, NodeId, NodeStore, PackagesItem, ProfileNode};
use crate::repo::{RepoId, RepoSet};
use crate::source::{Loc, Warning};
use crate::version::Version;

/// Portage's `INCREMENTALS` (lib/portage/const.py): variables whose values
/// stack across make.defaults files instead of replacing each other.
pub const INCREMENTALS: &[&str] = &[
    "ACCEPT_KEYWORDS",
    "CONFIG_PROTECT",
    "CONFIG_PROTECT_MASK",
    "ENV_UNSET",
    "FEATURES",
    "IUSE_IMPLICIT",
    "PRELINK_PATH",
    "PRELINK_PATH_MASK",
    "PROFILE_ONLY_VARIABLES",
    "USE",
    "USE_EXPAND",
    "USE_EXPAND_HIDDEN",
    "USE_EXPAND_IMPLICIT",
    "USE_EXPAND_UNPREFIXED",
];

/// The make.globals values profiles build on (Portage 3.0.83,
/// `cnf/make.globals`): they seed `${VAR}` expansion and are the base of
/// the incremental variables below the profile layer.
pub const MAKE_GLOBALS: &[(&str, &str)] = &[
    ("ACCEPT_PROPERTIES", "*"),
    ("ACCEPT_RESTRICT", "*"),
    ("ACCEPT_LICENSE", license::GLOBAL_ACCEPT_LICENSE),
    ("CFLAGS", ""),
    ("CXXFLAGS", ""),
    ("LDFLAGS", ""),
    ("FFLAGS", ""),
    ("FCFLAGS", ""),
    ("CONFIG_PROTECT", "/etc"),
    ("CONFIG_PROTECT_MASK", "/etc/env.d"),
    ("COLLISION_IGNORE", "/lib/modules/* *.py[co] *$py.class"),
    ("UNINSTALL_IGNORE", "/lib/modules/*"),
    (
        "USE_ORDER",
        "env:pkg:conf:defaults:pkginternal:features:repo:env.d",
    ),
    (
        "FEATURES",
        "assume-digests binpkg-docompress binpkg-dostrip binpkg-logs \
         binpkg-multi-instance buildpkg-live compress-index config-protect-if-modified \
         distlocks ebuild-locks fixlafiles ipc-sandbox merge-sync merge-wait \
         multilib-strict network-sandbox news parallel-fetch pkgdir-index-trusted \
         pid-sandbox preserve-libs protect-owned qa-unresolved-soname-deps sandbox \
         strict unknown-features-warn unmerge-logs unmerge-orphans userfetch userpriv \
         usersandbox usersync",
    ),
];

/// Phases within one node, in Portage's order (spec §11.4, §11.6). USE:
/// make.defaults, use.stable, package.use, package.use.stable. Masks and
/// forces: use.mask, use.stable.mask, package.use.mask,
/// package.use.stable.mask.
pub mod phase {
    pub const DEFAULTS: u8 = 1;
    pub const STABLE: u8 = 2;
    pub const PACKAGE: u8 = 3;
    pub const PACKAGE_STABLE: u8 = 4;
}

/// A variable's final value and the assignment that made it (for
/// incrementals, the last assignment that contributed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    pub value: String,
    pub loc: Option<Loc>,
}

/// What a profile really sets, after stacking its nodes.
#[derive(Clone, Debug)]
pub struct Profile {
    /// `REPO:PATH`.
    pub name: String,
    pub repo: RepoId,
    pub path: String,
    pub leaf: NodeId,
    /// The inheritance order, root first; repeated nodes kept.
    pub stack: Vec<NodeId>,
    pub eapi: Eapi,
    /// Final variables ([`Profile::vars`]), worked out on first use.
    vars: OnceLock<BTreeMap<String, Var>>,
    /// The fold `vars` are read from.
    fold: Arc<Fold>,
    pub arch: Option<Sym>,
    pub use_expand: Vec<String>,
    pub use_expand_unprefixed: Vec<String>,
    pub use_expand_implicit: Vec<String>,
    pub iuse_implicit: Vec<Sym>,
    /// `USE_EXPAND_VALUES_<VAR>` lists.
    pub use_expand_values: BTreeMap<String, Vec<String>>,
    /// make.defaults USE with the USE_EXPAND translation, per node.
    pub use_defaults: FlagStream,
    /// EAPI 9 `use.stable` tokens.
    pub use_stable: FlagStream,
    pub use_force: FlagStream,
    pub use_mask: FlagStream,
    pub use_stable_force: FlagStream,
    pub use_stable_mask: FlagStream,
    /// Profile package.mask / package.unmask after stacking (repository-level
    /// masks are kept by the tree, they are not the profile's).
    pub package_mask: StackedList<Atom>,
    pub package_unmask: StackedList<Atom>,
    pub accept_keywords: Vec<Sym>,
    /// ACCEPT_LICENSE as Portage holds it (`@FREE`, ...).
    pub accept_license: Vec<String>,
    pub system: Vec<(Atom, Loc)>,
    pub profile_set: Vec<(Atom, Loc)>,
    pub provided: Vec<((Sym, Version), Loc)>,
    /// What loading skipped or ignored, with file and line: each node's
    /// reading warnings (invalid atoms, flags, EAPI-gated files), then the
    /// stacking ones (unmatched removals).
    pub warnings: Vec<Warning>,
}

/// The state of stacking after a prefix of a stack: what the nodes so far
/// contributed, before the incremental variables are resolved.
///
/// Folding is the same work for every profile that shares a prefix, and
/// profiles share long ones (`base`, `default/linux`, `arch/*`,
/// `releases/*`). A node's stack begins with its first parent's whole stack,
/// folded from nothing, so that state depends on the first parent alone:
/// [`Stacker`] keeps it per node and each profile folds only the rest.
///
/// Each node's fold starts as a clone of its first parent's, so a clone
/// must cost little: the make.defaults state is the list of each node's
/// own values (`cfgs`, shared), from which the expansion map, the
/// last-wins variables and the incremental tokens are all read (the map by
/// looking back through the list, the others when the profile asks), and
/// the USE token stream, translated node by node; the removal lists and
/// flag streams share their contents until a node changes them.
#[derive(Clone, Debug)]
pub struct Fold {
    stack: Vec<NodeId>,
    /// Each node's own expanded make.defaults values, in stack order.
    cfgs: Vec<Arc<BTreeMap<String, Var>>>,
    /// The USE_EXPAND lists as the stack so far resolves them.
    groups: Arc<UseGroups>,
    /// make.defaults USE with each node's USE_EXPAND values translated by
    /// `groups`: a node that leaves the lists as they were adds its own
    /// tokens, one that changes them translates the whole stack again.
    use_defaults: FlagStream,
    /// EAPI 9 `use.stable` tokens.
    use_stable: FlagStream,
    use_force: FlagStream,
    use_mask: FlagStream,
    use_stable_force: FlagStream,
    use_stable_mask: FlagStream,
    masks: RemovalList<Atom>,
    unmasks: RemovalList<Atom>,
    packages: RemovalList<(Atom, bool)>,
    profile_set: RemovalList<(Atom, bool)>,
    provided: RemovalList<(Sym, Version)>,
}

impl Fold {
    fn new() -> Fold {
        Fold {
            stack: Vec::new(),
            cfgs: Vec::new(),
            groups: Arc::default(),
            use_defaults: FlagStream::default(),
            use_stable: FlagStream::default(),
            use_force: FlagStream::default(),
            use_mask: FlagStream::default(),
            use_stable_force: FlagStream::default(),
            use_stable_mask: FlagStream::default(),
            masks: RemovalList::default(),
            unmasks: RemovalList::default(),
            packages: RemovalList::default(),
            profile_set: RemovalList::default(),
            provided: RemovalList::default(),
        }
    }

    /// What `${name}` expands to while the node whose values so far are
    /// `own` is applied: Portage's one expansion map threaded through every
    /// file, seeded with make.globals, with `USE` taken out before each
    /// node (so `${USE}` sees only the same node's value). The latest
    /// node that assigned `name` holds the map's value.
    fn lookup<'a>(&'a self, own: &'a BTreeMap<String, Var>, name: &str) -> Option<&'a str> {
        if let Some(v) = own.get(name) {
            return Some(&v.value);
        }
        if name == "USE" {
            return None;
        }
        match last_wins(&self.cfgs, name) {
            Some(v) => Some(&v.value),
            None => make_global(name),
        }
    }

    /// Applies the next node of the stack (`nodes` holds the others).
    fn apply(&mut self, repos: &RepoSet, nodes: &NodeStore, node: &ProfileNode, lists: &NodeLists) {
        let i = self.stack.len() as u16;
        self.stack.push(node.id);
        // make.defaults: within a node the last assignment of a name wins.
        let mut cfg: BTreeMap<String, Var> = BTreeMap::new();
        for file in &node.make_defaults {
            for a in &file.assignments {
                let value = make_defaults::expand_with(&a.value, |n| self.lookup(&cfg, n));
                cfg.insert(
                    a.name.clone(),
                    Var {
                        value,
                        loc: Some(file.file.at(a.line)),
                    },
                );
            }
        }
        let regroup = cfg.contains_key("USE_EXPAND") || cfg.contains_key("USE_EXPAND_UNPREFIXED");
        self.cfgs.push(Arc::new(cfg));
        // make.defaults USE and its USE_EXPAND translation.
        if regroup {
            let (unprefixed, prefixed) = UseGroups::lists_of(&self.cfgs);
            if (&unprefixed[..], &prefixed[..]) != self.groups.lists() {
                self.groups = Arc::new(UseGroups::new(unprefixed, prefixed));
                self.use_defaults = FlagStream::default();
                for (at, &id) in self.stack[..i as usize].iter().enumerate() {
                    let cfg = &self.cfgs[at];
                    translate_use(&mut self.use_defaults, &self.groups, at, nodes.get(id), cfg);
                }
            }
        }
        translate_use(
            &mut self.use_defaults,
            &self.groups,
            i as usize,
            node,
            &self.cfgs[i as usize],
        );
        for (j, l) in node.use_stable.iter().enumerate() {
            let pos = Pos::new(Layer::Profile, i, phase::STABLE, j as u32);
            push_line(&mut self.use_stable, pos, l);
        }
        // use.force, use.mask and their stable variants.
        let files: [(&[Listed<Sym>], &mut FlagStream, u8); 4] = [
            (&node.use_force, &mut self.use_force, phase::DEFAULTS),
            (&node.use_mask, &mut self.use_mask, phase::DEFAULTS),
            (
                &node.use_stable_force,
                &mut self.use_stable_force,
                phase::STABLE,
            ),
            (
                &node.use_stable_mask,
                &mut self.use_stable_mask,
                phase::STABLE,
            ),
        ];
        for (lines, stream, ph) in files {
            for (j, l) in lines.iter().enumerate() {
                push_line(stream, Pos::new(Layer::Profile, i, ph, j as u32), l);
            }
        }
        // Lists with removal.
        for l in &lists.masks {
            self.masks.apply(l);
        }
        for l in &lists.unmasks {
            self.unmasks.apply(l);
        }
        let profile_set_repo = repos.get(node.repo).formats.profile_set;
        for item in &lists.packages {
            match item {
                None => {
                    self.packages.clear();
                    if profile_set_repo {
                        self.profile_set.clear();
                    }
                }
                Some(l) => {
                    self.packages.apply(l);
                    if profile_set_repo {
                        self.profile_set.apply(l);
                    }
                }
            }
        }
        for l in &lists.provided {
            self.provided.apply(l);
        }
    }
}

/// One line of a list with removal, ready to stack: its key (the exact
/// string removal matches) and its entry, shared by every stack.
#[derive(Debug)]
struct Line<T> {
    loc: Loc,
    remove: bool,
    key: Arc<str>,
    item: Arc<(T, Loc)>,
}

impl<T> Line<T> {
    fn new(loc: &Loc, remove: bool, key: String, value: T) -> Line<T> {
        Line {
            loc: loc.clone(),
            remove,
            key: Arc::from(key),
            item: Arc::new((value, loc.clone())),
        }
    }
}

/// A node's lines of package.mask, package.unmask, packages (`None` for
/// `-*`) and package.provided, made once per node however many stacks
/// apply it: keys are atoms printed, and a node reached through a second
/// parent is applied again for every stack below it.
#[derive(Debug)]
struct NodeLists {
    masks: Vec<Line<Atom>>,
    unmasks: Vec<Line<Atom>>,
    packages: Vec<Option<Line<(Atom, bool)>>>,
    provided: Vec<Line<(Sym, Version)>>,
}

impl NodeLists {
    fn new(node: &ProfileNode) -> NodeLists {
        let atoms = |lines: &[Listed<Atom>]| {
            lines
                .iter()
                .map(|l| Line::new(&l.loc, l.remove, l.value.to_string(), l.value.clone()))
                .collect()
        };
        NodeLists {
            masks: atoms(&node.package_mask),
            unmasks: atoms(&node.package_unmask),
            packages: node
                .packages
                .iter()
                .map(|item| match item {
                    PackagesItem::Clear(_) => None,
                    PackagesItem::Entry {
                        loc,
                        remove,
                        system,
                        atom,
                        text,
                    } => Some(Line::new(
                        loc,
                        *remove,
                        text.clone(),
                        (atom.clone(), *system),
                    )),
                })
                .collect(),
            provided: node
                .package_provided
                .iter()
                .map(|l| {
                    let key = format!("{}-{}", l.value.0, l.value.1);
                    Line::new(&l.loc, l.remove, key, l.value.clone())
                })
                .collect(),
        }
    }
}

/// Keeps the fold of every node's whole stack, so that profiles sharing
/// ancestors fold them once per run.
#[derive(Debug, Default)]
pub struct Stacker {
    memo: HashMap<NodeId, Arc<Fold>>,
    /// Each applied node's list lines, made once.
    lists: HashMap<NodeId, Arc<NodeLists>>,
    /// How many node applications folding has done (for tests and
    /// benchmarks: sharing shows as fewer).
    pub applied: usize,
}

impl Stacker {
    /// The fold of `id`'s whole stack: its first parent's (shared), then the
    /// other parents' stacks and the node itself.
    pub fn fold(&mut self, repos: &RepoSet, nodes: &NodeStore, id: NodeId) -> Arc<Fold> {
        // One fold per leaf asked for.
        self.fold_all(repos, nodes, &[id]).swap_remove(0)
    }

    /// The folds of `leaves`, in order, as [`Stacker::fold`] gives them one
    /// at a time, worked out on all threads: each node not yet folded goes
    /// as soon as its first parent's fold (where its own starts) is done.
    pub fn fold_all(
        &mut self,
        repos: &RepoSet,
        nodes: &NodeStore,
        leaves: &[NodeId],
    ) -> Vec<Arc<Fold>> {
        // The nodes to fold: each leaf and its chain of first parents, up
        // to one folded already.
        let mut todo: Vec<NodeId> = Vec::new();
        let mut at: HashMap<NodeId, usize> = HashMap::default();
        for &leaf in leaves {
            let mut id = leaf;
            while !self.memo.contains_key(&id) && !at.contains_key(&id) {
                at.insert(id, todo.len());
                todo.push(id);
                match nodes.get(id).parents.first() {
                    Some(&(_, first)) => id = first,
                    None => break,
                }
            }
        }
        // The lines of every node that folding applies, read in parallel.
        let mut applied: Vec<NodeId> = Vec::new();
        for &id in &todo {
            for &(_, p) in nodes.get(id).parents.iter().skip(1) {
                applied.extend(nodes.stack(p));
            }
            applied.push(id);
        }
        applied.sort_unstable();
        applied.dedup();
        applied.retain(|id| !self.lists.contains_key(id));
        let lists: Vec<(NodeId, Arc<NodeLists>)> = applied
            .par_iter()
            .map(|&id| (id, Arc::new(NodeLists::new(nodes.get(id)))))
            .collect();
        self.lists.extend(lists);
        // Each node is folded as soon as its first parent is (folding a
        // generation of the first-parent tree at a time, the last few
        // nodes of a generation kept the other threads waiting).
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); todo.len()];
        let mut roots = Vec::new();
        for (i, &id) in todo.iter().enumerate() {
            match nodes.get(id).parents.first().and_then(|(_, p)| at.get(p)) {
                Some(&parent) => children[parent].push(i),
                None => roots.push(i),
            }
        }
        let folded: Vec<OnceLock<(Arc<Fold>, usize)>> =
            todo.iter().map(|_| OnceLock::new()).collect();
        let job = FoldJob {
            repos,
            nodes,
            memo: &self.memo,
            lists: &self.lists,
            todo: &todo,
            at: &at,
            children: &children,
            folded: &folded,
        };
        rayon::scope(|s| {
            for &i in &roots {
                let job = &job;
                s.spawn(move |s| job.run(s, i));
            }
        });
        for (id, done) in todo.into_iter().zip(folded) {
            let (fold, applied) = done.into_inner().expect("every node to fold is reached");
            self.memo.insert(id, fold);
            self.applied += applied;
        }
        leaves.iter().map(|leaf| self.memo[leaf].clone()).collect()
    }

    /// Stacks the profile whose leaf node is `leaf`.
    pub fn profile(&mut self, repos: &RepoSet, nodes: &NodeStore, leaf: NodeId) -> Profile {
        let fold = self.fold(repos, nodes, leaf);
        Profile::finish(nodes, leaf, &fold)
    }
}

/// One [`Stacker::fold_all`]: the nodes to fold (`todo`, each with its
/// index in `at`), the nodes whose first parent each is, and each fold
/// once done, with how many node applications it took.
struct FoldJob<'a> {
    repos: &'a RepoSet,
    nodes: &'a NodeStore,
    memo: &'a HashMap<NodeId, Arc<Fold>>,
    lists: &'a HashMap<NodeId, Arc<NodeLists>>,
    todo: &'a [NodeId],
    at: &'a HashMap<NodeId, usize>,
    children: &'a [Vec<usize>],
    folded: &'a [OnceLock<(Arc<Fold>, usize)>],
}

impl<'a> FoldJob<'a> {
    /// Folds node `todo[i]` (its first parent is folded), then queues the
    /// nodes waiting for it.
    fn run<'s>(&'s self, s: &rayon::Scope<'s>, i: usize) {
        let (nodes, lists) = (self.nodes, self.lists);
        let id = self.todo[i];
        let node = nodes.get(id);
        let mut fold = match node.parents.first() {
            Some(&(_, first)) => match self.at.get(&first) {
                Some(&p) => (*self.folded[p].get().expect("parent folded first").0).clone(),
                None => (*self.memo[&first]).clone(),
            },
            None => Fold::new(),
        };
        let mut applied = 0;
        for &(_, p) in node.parents.iter().skip(1) {
            for n in nodes.stack(p) {
                fold.apply(self.repos, nodes, nodes.get(n), &lists[&n]);
                applied += 1;
            }
        }
        fold.apply(self.repos, nodes, node, &lists[&id]);
        let _ = self.folded[i].set((Arc::new(fold), applied + 1));
        for &c in &self.children[i] {
            s.spawn(move |s| self.run(s, c));
        }
    }
}

impl Profile {
    /// Stacks the profile whose leaf node is `leaf`, sharing nothing with
    /// other profiles (see [`Stacker`] for the shared form).
    pub fn stack(repos: &RepoSet, nodes: &NodeStore, leaf: NodeId) -> Profile {
        Stacker::default().profile(repos, nodes, leaf)
    }

    /// The profile whose leaf is `leaf` from the fold of its stack
    /// ([`Stacker::fold`]). Folding shares work between profiles and needs
    /// the stacker's memo; finishing needs neither, so callers stacking
    /// many profiles fold them in turn and finish them in parallel.
    pub fn finish(nodes: &NodeStore, leaf: NodeId, fold: &Arc<Fold>) -> Profile {
        let leaf_node = nodes.get(leaf);
        let mut p = Profile {
            name: leaf_node.name.clone(),
            repo: leaf_node.repo,
            path: leaf_node.path.clone(),
            leaf,
            eapi: leaf_node.eapi,
            vars: OnceLock::new(),
            fold: fold.clone(),
            arch: None,
            use_expand: fold.groups.prefixed.clone(),
            use_expand_unprefixed: fold.groups.unprefixed.clone(),
            use_expand_implicit: Vec::new(),
            iuse_implicit: Vec::new(),
            use_expand_values: BTreeMap::new(),
            use_defaults: fold.use_defaults.clone(),
            use_stable: fold.use_stable.clone(),
            use_force: fold.use_force.clone(),
            use_mask: fold.use_mask.clone(),
            use_stable_force: fold.use_stable_force.clone(),
            use_stable_mask: fold.use_stable_mask.clone(),
            package_mask: StackedList::new(&fold.masks),
            package_unmask: StackedList::new(&fold.unmasks),
            accept_keywords: Vec::new(),
            accept_license: Vec::new(),
            system: Vec::new(),
            profile_set: Vec::new(),
            provided: Vec::new(),
            warnings: Vec::new(),
            stack: fold.stack.clone(),
        };
        // What each node's reading skipped, once per node however often the
        // stack reaches it.
        let mut seen = Vec::new();
        for &id in &p.stack {
            if !seen.contains(&id) {
                seen.push(id);
                p.warnings.extend(nodes.get(id).warnings.iter().cloned());
            }
        }
        p.resolve_lists(&fold.cfgs);
        p.finish_lists(fold);
        p
    }

    /// Final variables: every make.defaults variable, incrementals stacked,
    /// the ACCEPT_* variables as Portage holds them and each USE_EXPAND
    /// variable as the flags of the final USE with its prefix. Worked out
    /// on first use: answering a matrix needs only the lists the profile
    /// keeps (`use_expand`, `arch`, `accept_keywords`, ...), which are read
    /// from the same values.
    pub fn vars(&self) -> &BTreeMap<String, Var> {
        self.vars.get_or_init(|| {
            let mut vars = resolve_variables(&self.fold.cfgs);
            self.derive_use_expand_vars(&mut vars);
            vars
        })
    }

    /// The variables the profile keeps as lists, read from the stack's
    /// make.defaults values as [`Profile::vars`] resolves them.
    fn resolve_lists(&mut self, cfgs: &[Arc<BTreeMap<String, Var>>]) {
        self.use_expand_implicit = incremental_words(cfgs, "USE_EXPAND_IMPLICIT")
            .map(str::to_owned)
            .collect();
        self.iuse_implicit = incremental_words(cfgs, "IUSE_IMPLICIT")
            .map(Sym::new)
            .collect();
        // The last assignment of each USE_EXPAND_VALUES_* variable.
        const VALUES: &str = "USE_EXPAND_VALUES_";
        for cfg in cfgs {
            let names = (
                Bound::Included(VALUES),
                Bound::Excluded("USE_EXPAND_VALUES`"),
            );
            for (k, v) in cfg.range::<str, _>(names) {
                self.use_expand_values.insert(
                    k[VALUES.len()..].to_owned(),
                    v.value.split_whitespace().map(str::to_owned).collect(),
                );
            }
        }
        self.arch = last_wins(cfgs, "ARCH")
            .map(|v| v.value.trim())
            .filter(|s| !s.is_empty())
            .map(Sym::new);
        keywords::stack_incremental(
            &mut self.accept_keywords,
            incremental_words(cfgs, "ACCEPT_KEYWORDS"),
        );
        self.accept_license = license::lazily_incremental(
            license::GLOBAL_ACCEPT_LICENSE,
            last_wins(cfgs, "ACCEPT_LICENSE").map(|v| v.value.as_str()),
        );
    }

    fn finish_lists(&mut self, fold: &Fold) {
        let (masks, unmasks, packages, profile_set, provided) = (
            &fold.masks,
            &fold.unmasks,
            &fold.packages,
            &fold.profile_set,
            &fold.provided,
        );
        // Portage warns only for package.mask and package.unmask; its
        // stack_lists for packages and package.provided is silent.
        for (list, what, portage) in [
            (
                &masks.unmatched,
                "package.mask",
                "Portage warns and ignores it",
            ),
            (
                &unmasks.unmatched,
                "package.unmask",
                "Portage warns and ignores it",
            ),
            (
                &packages.unmatched,
                "packages",
                "a no-op; Portage ignores it silently",
            ),
            (
                &provided.unmatched,
                "package.provided",
                "a no-op; Portage ignores it silently",
            ),
        ] {
            for (loc, text) in list {
                self.warnings.push(Warning {
                    loc: loc.clone(),
                    message: format!("unmatched removal '-{text}' in {what} ({portage})"),
                });
            }
        }
        self.system = packages
            .items
            .values()
            .filter(|v| v.0 .1)
            .map(|v| (v.0 .0.clone(), v.1.clone()))
            .collect();
        self.profile_set = profile_set
            .items
            .values()
            .filter(|v| !v.0 .1)
            .map(|v| (v.0 .0.clone(), v.1.clone()))
            .collect();
        self.provided = provided.items.values().map(|v| (**v).clone()).collect();
    }

    /// USE_EXPAND variables as Portage reports them after `regenerate`: the
    /// flags of the final profile-wide USE with that prefix.
    fn derive_use_expand_vars(&self, vars: &mut BTreeMap<String, Var>) {
        // USE sorted by name: each variable's flags (those starting with
        // its lower-cased prefix) are one run of it, their values already
        // in order.
        let use_ = self.global_use();
        for var in &self.use_expand {
            let prefix = format!("{}_", var.to_lowercase());
            let from = use_.partition_point(|f| f.as_str() < prefix.as_str());
            let values: Vec<&str> = use_[from..]
                .iter()
                .map_while(|f| f.as_str().strip_prefix(prefix.as_str()))
                .collect();
            if values.is_empty() && !vars.contains_key(var) {
                continue;
            }
            let loc = vars.get(var).and_then(|v| v.loc.clone());
            vars.insert(
                var.clone(),
                Var {
                    value: values.join(" "),
                    loc,
                },
            );
        }
    }

    /// The profile-wide USE as Portage's `settings["USE"]` has it: stacked
    /// make.defaults USE with the USE_EXPAND expansions, plus the global
    /// use.force and ARCH, minus the global use.mask; sorted.
    pub fn global_use(&self) -> Vec<Sym> {
        let mut out: Vec<Sym> = self
            .use_defaults
            .enabled_unordered()
            .chain(self.use_force.enabled_unordered())
            .chain(self.arch)
            .collect();
        out.sort_unstable_by_key(|s| s.as_str());
        out.dedup();
        out.retain(|&f| !self.use_mask.is_on(f));
        out
    }
}

/// Portage's incremental stacking of one variable's tokens (`+` ignored,
/// `-*` clears, `-x` removes `x`, a token already present stays where it
/// was), in time linear in the number of tokens: USE and USE_EXPAND lines
/// can be as long as a make.defaults file.
fn stack_incremental<'a>(tokens: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut acc: Vec<Option<&str>> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::default();
    for t in tokens {
        let t = t.strip_prefix('+').unwrap_or(t);
        if t == "-*" {
            acc.clear();
            at.clear();
        } else if let Some(rest) = t.strip_prefix('-') {
            if let Some(i) = at.remove(rest) {
                acc[i] = None;
            }
        } else if !t.is_empty() && !at.contains_key(t) {
            at.insert(t, acc.len());
            acc.push(Some(t));
        }
    }
    acc.into_iter().flatten().collect()
}

/// Every make.defaults variable of a stack (`cfgs`) with its final value:
/// incrementals concatenated across nodes (with the location of the last
/// contribution) over make.globals, every other variable last-wins, and
/// the ACCEPT_* variables as Portage holds them (lazily incremental over
/// their global values).
fn resolve_variables(cfgs: &[Arc<BTreeMap<String, Var>>]) -> BTreeMap<String, Var> {
    let mut incr: BTreeMap<&str, (Vec<&str>, &Option<Loc>)> = BTreeMap::new();
    // The last assignment of each other variable, borrowed: a profile
    // reads a few dozen nodes, and most assign the same variables.
    let mut last: BTreeMap<&str, &Var> = BTreeMap::new();
    for cfg in cfgs {
        for (name, var) in cfg.iter() {
            if INCREMENTALS.contains(&name.as_str()) {
                let e = incr.entry(name).or_insert((Vec::new(), &None));
                e.0.extend(var.value.split_whitespace());
                e.1 = &var.loc;
            } else {
                last.insert(name, var);
            }
        }
    }
    let mut vars: BTreeMap<String, Var> = last
        .into_iter()
        .map(|(name, var)| (name.to_owned(), var.clone()))
        .collect();
    for (name, (tokens, loc)) in incr {
        let value = stack_with_globals(name, tokens).join(" ");
        let loc = loc.clone();
        vars.insert(name.to_owned(), Var { value, loc });
    }
    // Incrementals set only by make.globals still have a value.
    for (name, value) in MAKE_GLOBALS {
        if INCREMENTALS.contains(name) && !vars.contains_key(*name) {
            vars.insert(
                name.to_string(),
                Var {
                    value: value.to_string(),
                    loc: None,
                },
            );
        }
    }
    for (name, global) in [
        ("ACCEPT_LICENSE", license::GLOBAL_ACCEPT_LICENSE),
        ("ACCEPT_PROPERTIES", "*"),
        ("ACCEPT_RESTRICT", "*"),
    ] {
        let old = vars.get(name);
        let value = license::lazily_incremental(global, old.map(|v| v.value.as_str()));
        let loc = old.and_then(|v| v.loc.clone());
        vars.insert(
            name.to_owned(),
            Var {
                value: value.join(" "),
                loc,
            },
        );
    }
    vars
}

/// USE_EXPAND_UNPREFIXED (group 0) and USE_EXPAND (group 1) as a stack
/// resolves them, with where each variable sits in them: a node's
/// USE_EXPAND values become USE tokens in that order.
#[derive(Debug, Default)]
struct UseGroups {
    unprefixed: Vec<String>,
    prefixed: Vec<String>,
    /// Each variable's places in the lists, looked up by a node's own
    /// variables (a node assigns a few, the lists name about a hundred).
    order: HashMap<String, Vec<(u8, usize)>>,
}

impl UseGroups {
    /// The two lists as the stack `cfgs` resolves them.
    fn lists_of(cfgs: &[Arc<BTreeMap<String, Var>>]) -> (Vec<String>, Vec<String>) {
        let words = |name| incremental_words(cfgs, name).map(str::to_owned).collect();
        (words("USE_EXPAND_UNPREFIXED"), words("USE_EXPAND"))
    }

    fn new(unprefixed: Vec<String>, prefixed: Vec<String>) -> UseGroups {
        let mut order: HashMap<String, Vec<(u8, usize)>> = HashMap::default();
        for (group, list) in [(0u8, &unprefixed), (1, &prefixed)] {
            for (at, var) in list.iter().enumerate() {
                order.entry(var.clone()).or_default().push((group, at));
            }
        }
        UseGroups {
            unprefixed,
            prefixed,
            order,
        }
    }

    fn lists(&self) -> (&[String], &[String]) {
        (&self.unprefixed, &self.prefixed)
    }
}

/// Pushes node `i`'s make.defaults USE_EXPAND values (translated to
/// prefixed USE tokens, in `groups`' order) and then its USE onto `stream`.
fn translate_use(
    stream: &mut FlagStream,
    groups: &UseGroups,
    i: usize,
    node: &ProfileNode,
    cfg: &BTreeMap<String, Var>,
) {
    let mut k = 0u32;
    let mut push = |tok: &str, loc: &Loc| {
        stream.push(
            Pos::new(Layer::Profile, i as u16, phase::DEFAULTS, k),
            tok,
            loc,
            true,
        );
        k += 1;
    };
    let loc_of = |v: &Var| v.loc.clone().unwrap_or_else(|| Loc::new(&node.dir, 0));
    let mut assigned: Vec<(u8, usize, &str, &Var)> = Vec::new();
    for (name, v) in cfg.iter() {
        for &(group, at) in groups.order.get(name.as_str()).into_iter().flatten() {
            assigned.push((group, at, name, v));
        }
    }
    assigned.sort_unstable_by_key(|&(group, at, _, _)| (group, at));
    for &(group, _, var, v) in &assigned {
        let loc = loc_of(v);
        if group == 0 {
            for t in v.value.split_whitespace() {
                push(t, &loc);
            }
            continue;
        }
        let prefix = var.to_lowercase();
        for t in v.value.split_whitespace() {
            let tok = match t.strip_prefix('-') {
                Some(rest) => format!("-{prefix}_{rest}"),
                None => format!("{prefix}_{t}"),
            };
            push(&tok, &loc);
        }
    }
    if let Some(v) = cfg.get("USE") {
        let loc = loc_of(v);
        for t in v.value.split_whitespace() {
            push(t.strip_prefix('+').unwrap_or(t), &loc);
        }
    }
}

/// The incremental variable `name`'s final tokens after `cfgs`, as
/// Portage stacks it: make.globals' value, then each node's tokens
/// (make.globals' value as it is when no node assigns it).
fn incremental_words<'a>(
    cfgs: &'a [Arc<BTreeMap<String, Var>>],
    name: &str,
) -> impl Iterator<Item = &'a str> {
    let mut tokens = Vec::new();
    let mut assigned = false;
    for v in cfgs.iter().filter_map(|cfg| cfg.get(name)) {
        tokens.extend(v.value.split_whitespace());
        assigned = true;
    }
    let (tokens, globals) = if assigned {
        (stack_with_globals(name, tokens), None)
    } else {
        (Vec::new(), make_global(name))
    };
    tokens
        .into_iter()
        .chain(globals.into_iter().flat_map(str::split_whitespace))
}

/// A variable's make.globals value, if it has one.
fn make_global(name: &str) -> Option<&'static str> {
    MAKE_GLOBALS
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| *v)
}

/// `tokens` stacked over the make.globals value of `name`.
fn stack_with_globals<'a>(name: &str, tokens: Vec<&'a str>) -> Vec<&'a str> {
    let globals = make_global(name).unwrap_or("");
    stack_incremental(globals.split_whitespace().chain(tokens))
}

/// The last value assigned to the (not incremental) variable `name`.
fn last_wins<'a>(cfgs: &'a [Arc<BTreeMap<String, Var>>], name: &str) -> Option<&'a Var> {
    cfgs.iter().rev().find_map(|cfg| cfg.get(name))
}

/// Pushes a line of use.force, use.mask, their stable variants or
/// use.stable (no wildcards) as [`FlagStream::push`] would its signed
/// token: the flag is interned already, so only a removal's token
/// (`-flag`, kept for messages) is made. A line is applied once per stack
/// that reaches its node, and base's use.mask alone has hundreds.
fn push_line(stream: &mut FlagStream, pos: Pos, l: &Listed<Sym>) {
    let name = l.value.as_str();
    if name.is_empty() || name.starts_with('-') {
        // Whatever `push` makes of such a token.
        stream.push(pos, &signed(l), &l.loc, false);
        return;
    }
    let token = if l.remove {
        Sym::new(&format!("-{name}"))
    } else {
        l.value
    };
    stream.push_flag(pos, l.value, !l.remove, token, &l.loc);
}

fn signed(l: &Listed<Sym>) -> String {
    if l.remove {
        format!("-{}", l.value)
    } else {
        l.value.to_string()
    }
}

/// Shape (A) of spec §8.3: an ordered set with removal by exact string.
/// Keys and items are shared (Arc), and so is the map until a node changes
/// it: every node's fold starts as a clone of its first parent's, package.mask
/// alone holds thousands of entries, and most nodes change no list.
#[derive(Clone, Debug)]
struct RemovalList<T> {
    items: Arc<Items<T>>,
    unmatched: Vec<(Loc, String)>,
}

/// A removal list's entries by key, in order.
type Items<T> = indexmap_lite::Map<Arc<str>, Arc<(T, Loc)>>;

impl<T> Default for RemovalList<T> {
    fn default() -> Self {
        RemovalList {
            items: Arc::default(),
            unmatched: Vec::new(),
        }
    }
}

impl<T> RemovalList<T> {
    fn apply(&mut self, line: &Line<T>) {
        let items = Arc::make_mut(&mut self.items);
        if line.remove {
            if items.remove(&*line.key).is_none() {
                self.unmatched
                    .push((line.loc.clone(), line.key.to_string()));
            }
        } else {
            items.insert(line.key.clone(), line.item.clone());
        }
    }

    fn clear(&mut self) {
        self.items = Arc::default();
    }
}

/// A stacked list with removal (package.mask, package.unmask), its
/// entries in order: the fold's own, shared with every profile whose stack
/// ends with the same list. Hundreds of masks per profile, copied for
/// each of hundreds of profiles, were most of a matrix's stacking time.
#[derive(Clone, Debug)]
pub struct StackedList<T> {
    items: Arc<Items<T>>,
}

impl<T> StackedList<T> {
    fn new(list: &RemovalList<T>) -> StackedList<T> {
        StackedList {
            items: list.items.clone(),
        }
    }

    pub fn iter(&self) -> StackedIter<'_, T> {
        StackedIter(self.items.values())
    }

    /// The same for lists that are the very same (shared, not merely
    /// equal) while they live: profiles sharing a list can share what is
    /// built from it.
    pub fn key(&self) -> usize {
        Arc::as_ptr(&self.items) as usize
    }
}

impl<'a, T> IntoIterator for &'a StackedList<T> {
    type Item = &'a (T, Loc);
    type IntoIter = StackedIter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The entries of a [`StackedList`], in order.
pub struct StackedIter<'a, T>(indexmap_lite::Values<'a, Arc<(T, Loc)>>);

impl<'a, T> Iterator for StackedIter<'a, T> {
    type Item = &'a (T, Loc);

    fn next(&mut self) -> Option<&'a (T, Loc)> {
        self.0.next().map(|v| &**v)
    }
}

/// A tiny insertion-ordered map, enough for the removal lists (which hold a
/// few hundred entries at most).
mod indexmap_lite {
    use ahash::HashMap;

    use std::borrow::Borrow;
    use std::hash::Hash;

    /// Values in insertion order (a removed one leaves a hole); `index`
    /// says where each key's value sits.
    #[derive(Clone, Debug)]
    pub struct Map<K, V> {
        values: Vec<Option<V>>,
        index: HashMap<K, usize>,
    }

    impl<K, V> Default for Map<K, V> {
        fn default() -> Self {
            Map {
                values: Vec::new(),
                index: HashMap::default(),
            }
        }
    }

    impl<K: Hash + Eq, V> Map<K, V> {
        pub fn insert(&mut self, k: K, v: V) {
            if let Some(&i) = self.index.get(&k) {
                self.values[i] = Some(v);
            } else {
                self.index.insert(k, self.values.len());
                self.values.push(Some(v));
            }
        }

        pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, k: &Q) -> Option<V>
        where
            K: Borrow<Q>,
        {
            let i = self.index.remove(k)?;
            self.values[i].take()
        }

        pub fn values(&self) -> Values<'_, V> {
            self.values.iter().flatten()
        }
    }

    /// A map's values in insertion order.
    pub type Values<'a, V> = std::iter::Flatten<std::slice::Iter<'a, Option<V>>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_stacking_rules() {
        let got = stack_incremental("a b +c a -b d -* e f -e b e -nothing".split(' '));
        assert_eq!(got, ["f", "b", "e"]);
        assert_eq!(stack_incremental("a -a a".split(' ')), ["a"]);
        assert!(stack_incremental(std::iter::empty()).is_empty());
    }

    /// Found by a stress input for the pipeline fuzz target: every token of
    /// an incremental variable was checked against all tokens kept so far,
    /// so a make.defaults `USE` (or `USE_EXPAND`) of 40 000 flags took
    /// seconds and 400 000 minutes (quadratic).
    #[test]
    fn long_incremental_lines_stack_in_linear_time() {
        let flags: Vec<String> = (0..400_000).map(|i| format!("f{i}")).collect();
        let removals: Vec<String> = flags.iter().step_by(2).map(|f| format!("-{f}")).collect();
        let got = stack_incremental(
            flags
                .iter()
                .chain(&removals)
                .chain(&flags)
                .map(String::as_str),
        );
        assert_eq!(got.len(), 400_000);
        assert_eq!(got[0], "f1");
        assert_eq!(got[199_999], "f399999");
        assert_eq!(got[200_000], "f0");
    }
    use std::path::Path;

    fn real() -> RepoSet {
        RepoSet::from_repos_conf(Path::new(crate::repo::REAL_REPOS_CONF)).unwrap()
    }

    fn load(repos: &RepoSet, store: &mut NodeStore, repo: &str, path: &str) -> Profile {
        let leaf = store
            .load(repos, repos.by_name(repo).unwrap().id, path)
            .unwrap();
        Profile::stack(repos, store, leaf)
    }

    fn strs(v: &[Sym]) -> Vec<&str> {
        let mut v: Vec<&str> = v.iter().map(|s| s.as_str()).collect();
        v.sort_unstable();
        v
    }

    fn var<'a>(p: &'a Profile, k: &str) -> &'a str {
        p.vars()
            .get(k)
            .map(|v| v.value.as_str())
            .unwrap_or("<unset>")
    }

    fn sorted(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s.split_whitespace().collect();
        v.sort_unstable();
        v
    }

    /// The VERIFIED values of corpus-tour.md §2 and spec §9.3, §15.2.
    #[test]
    fn genpack_amd64_paravirt() {
        let repos = real();
        let mut store = NodeStore::default();
        let p = load(
            &repos,
            &mut store,
            "genpack-overlay",
            "genpack/amd64/paravirt",
        );
        assert_eq!(var(&p, "ARCH"), "amd64");
        assert_eq!(var(&p, "ACCEPT_KEYWORDS"), "amd64");
        assert_eq!(var(&p, "ACCEPT_LICENSE"), "@FREE");
        assert_eq!(
            sorted(var(&p, "USE_EXPAND_IMPLICIT")),
            ["ARCH", "ELIBC", "KERNEL"]
        );
        assert_eq!(
            sorted(var(&p, "IUSE_IMPLICIT")),
            ["abi_x86_64", "prefix", "prefix-guest", "prefix-stack"]
        );
        assert_eq!(
            sorted(var(&p, "USE_EXPAND_HIDDEN")),
            [
                "ABI_MIPS",
                "ABI_S390",
                "CPU_FLAGS_ARM",
                "CPU_FLAGS_PPC",
                "ELIBC",
                "KERNEL"
            ]
        );
        assert_eq!(
            sorted(var(&p, "VIDEO_CARDS")),
            sorted("amdgpu fbdev intel nouveau radeon radeonsi vesa dummy")
        );
        assert_eq!(var(&p, "CONFIG_PROTECT"), "/etc");
        assert_eq!(
            strs(&p.use_force.enabled()),
            [
                "abi_x86_64",
                "amd64",
                "big-endian",
                "elibc_glibc",
                "kernel_linux",
                "llvm_targets_X86",
                "test-rust"
            ]
        );
        assert_eq!(p.use_mask.enabled().len(), 108);
        let use_ = p.global_use();
        assert!(!use_.contains(&Sym::new("big-endian")));
        assert!(use_.contains(&Sym::new("amd64")));
        assert!(use_.contains(&Sym::new("video_cards_dummy")));
        assert_eq!(p.system.len(), 51);
        let set: Vec<String> = p.profile_set.iter().map(|(a, _)| a.to_string()).collect();
        assert_eq!(set, ["genpack/paravirt", "genpack/base"]);
    }

    #[test]
    fn siblings_share_their_ancestors_fold() {
        let repos = real();
        let mut store = NodeStore::default();
        let gentoo = repos.by_name("gentoo").unwrap().id;
        let base = store
            .load(&repos, gentoo, "default/linux/amd64/23.0")
            .unwrap();
        let systemd = store
            .load(&repos, gentoo, "default/linux/amd64/23.0/systemd")
            .unwrap();
        let mut stacker = Stacker::default();
        let a = stacker.profile(&repos, &store, base);
        let after_first = stacker.applied;
        assert_eq!(after_first, a.stack.len());
        let b = stacker.profile(&repos, &store, systemd);
        // systemd's stack is 23.0's, then targets/systemd and itself.
        assert_eq!(b.stack.len(), a.stack.len() + 2);
        assert_eq!(stacker.applied - after_first, 2);
        // Same answer as stacking alone.
        let alone = Profile::stack(&repos, &store, systemd);
        assert_eq!(alone.global_use(), b.global_use());
        assert_eq!(alone.vars(), b.vars());
    }

    /// The lists a profile keeps are read from the stack's values directly
    /// (its variables are worked out only when asked for): on every real
    /// profile they say what the final variables say.
    #[test]
    fn kept_lists_agree_with_the_final_variables() {
        let mut tree = crate::tree::Tree::load(real()).unwrap();
        let names: Vec<String> = tree
            .profiles_desc
            .iter()
            .map(|d| d.name(&tree.repos))
            .collect();
        for name in names {
            let p = tree.profile(&name).unwrap();
            let words = |k: &str| -> Vec<String> {
                p.vars()
                    .get(k)
                    .map(|v| v.value.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default()
            };
            assert_eq!(p.use_expand, words("USE_EXPAND"), "{name}");
            assert_eq!(p.use_expand_unprefixed, words("USE_EXPAND_UNPREFIXED"));
            assert_eq!(p.use_expand_implicit, words("USE_EXPAND_IMPLICIT"));
            let implicit: Vec<&str> = p.iuse_implicit.iter().map(|s| s.as_str()).collect();
            assert_eq!(implicit, words("IUSE_IMPLICIT"), "{name}");
            let arch = p.arch.map(|a| a.as_str().to_owned());
            assert_eq!(arch, words("ARCH").pop(), "{name}");
            let accepted: Vec<&str> = p.accept_keywords.iter().map(|s| s.as_str()).collect();
            assert_eq!(accepted, words("ACCEPT_KEYWORDS"), "{name}");
            assert_eq!(p.accept_license, words("ACCEPT_LICENSE"), "{name}");
            let values: BTreeMap<String, Vec<String>> = p
                .vars()
                .keys()
                .filter_map(|k| Some((k.strip_prefix("USE_EXPAND_VALUES_")?.to_owned(), words(k))))
                .collect();
            assert_eq!(p.use_expand_values, values, "{name}");
            assert!(!p.use_expand.is_empty() && !values.is_empty(), "{name}");
        }
    }

    /// Every profile of the real corpus folded at once, on all threads,
    /// gives what folding them one after the other
    /// gives, with the same node applications.
    #[test]
    fn folding_all_at_once_equals_folding_in_turn() {
        let mut tree = crate::tree::Tree::load(real()).unwrap();
        let descs: Vec<(RepoId, String)> = tree
            .profiles_desc
            .iter()
            .map(|d| (d.repo, d.path.clone()))
            .collect();
        let leaves: Vec<NodeId> = descs
            .iter()
            .map(|(repo, path)| tree.nodes.load(&tree.repos, *repo, path).unwrap())
            .collect();
        assert!(leaves.len() > 500);
        let mut together = Stacker::default();
        let folds = together.fold_all(&tree.repos, &tree.nodes, &leaves);
        let mut in_turn = Stacker::default();
        for (&leaf, fold) in leaves.iter().zip(&folds) {
            let one = in_turn.fold(&tree.repos, &tree.nodes, leaf);
            let a = Profile::finish(&tree.nodes, leaf, fold);
            let b = Profile::finish(&tree.nodes, leaf, &one);
            assert_eq!(a.stack, b.stack, "{}", a.name);
            assert_eq!(a.vars(), b.vars(), "{}", a.name);
            assert_eq!(a.global_use(), b.global_use(), "{}", a.name);
            assert_eq!(a.use_mask.enabled(), b.use_mask.enabled(), "{}", a.name);
            assert_eq!(a.use_force.enabled(), b.use_force.enabled(), "{}", a.name);
            fn atoms<'a>(l: impl IntoIterator<Item = &'a (Atom, Loc)>) -> Vec<String> {
                l.into_iter().map(|(x, loc)| format!("{x} {loc}")).collect()
            }
            assert_eq!(atoms(&a.package_mask), atoms(&b.package_mask), "{}", a.name);
            assert_eq!(
                atoms(&a.package_unmask),
                atoms(&b.package_unmask),
                "{}",
                a.name
            );
            assert_eq!(atoms(&a.system), atoms(&b.system), "{}", a.name);
            assert_eq!(a.warnings, b.warnings, "{}", a.name);
        }
        assert_eq!(together.applied, in_turn.applied);
    }

    #[test]
    fn coreos_prod() {
        let repos = real();
        let mut store = NodeStore::default();
        let p = load(
            &repos,
            &mut store,
            "coreos-overlay",
            "coreos/amd64/generic/prod",
        );
        assert_eq!(p.stack.len(), 23);
        assert_eq!(
            sorted(var(&p, "CONFIG_PROTECT")),
            [
                "/etc/hosts",
                "/etc/locale.gen",
                "/etc/localtime",
                "/etc/make.conf"
            ]
        );
        assert_eq!(var(&p, "PYTHON_TARGETS"), "python3_12");
        assert_eq!(
            sorted(var(&p, "ACCEPT_LICENSE")),
            sorted("@FREE no-source-code linux-fw-redistributable freedist intel-ucode NVIDIA-2023 NVIDIA-2025")
        );
        let system: Vec<String> = p.system.iter().map(|(a, _)| a.to_string()).collect();
        assert!(system.contains(&"app-arch/lbzip2".to_owned()), "{system:?}");
        assert!(
            !system.iter().any(|s| s.contains("sys-apps/elfix")),
            "{system:?}"
        );
        assert!(
            p.warnings
                .iter()
                .any(|w| w.message.contains("-*sys-apps/busybox")),
            "{:?}",
            p.warnings
        );
    }
}
