//! One package version under one profile: is it visible, is its stable
//! keyword in use, and which of its flags are enabled, forced and masked —
//! each decision with the file and line that made it.
//!
//! Mask reasons come in the order of Portage's `Package._eval_masks`:
//! package.mask (unless package.unmask matches), KEYWORDS against
//! ACCEPT_KEYWORDS plus package.accept_keywords, ACCEPT_LICENSE over the
//! LICENSE string reduced with the version's USE, and an unsupported EAPI
//! (for which no USE is computed: nothing of such a version is trusted). USE is the latest token per flag across
//! IUSE defaults, the profile's make.defaults stream and the version's own
//! package.use lines (interleaved by node); then forced flags and ARCH are
//! added and masked flags removed.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ahash::HashMap;
use rayon::prelude::*;

use crate::atom::{order_by_specificity, Atom};
use crate::depspec::Reduced;
use crate::intern::Sym;
use crate::keywords;
use crate::license::AcceptLicense;
use crate::package::Package;
use crate::profile::flags::{decide_all, Decision, FlagStream, Layer, Pos, Verdict};
use crate::profile::node::{AtomEntry, AtomTable, NodeId, ProfileNode, Token};
use crate::profile::stack::{phase, Profile, StackedList};
use crate::source::{Loc, Warning};
use crate::tree::Tree;

/// Why a version is not visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MaskKind {
    PackageMask,
    Keywords,
    License,
    Eapi,
    /// Metadata that cannot be used (for an unsupported EAPI, Portage keeps
    /// only the EAPI, so SLOT is missing).
    Invalid,
}

impl MaskKind {
    /// The word used in `query` output (`masked_by`).
    pub fn as_str(self) -> &'static str {
        match self {
            MaskKind::Eapi => "eapi",
            MaskKind::Invalid => "invalid",
            MaskKind::PackageMask => "package.mask",
            MaskKind::Keywords => "keywords",
            MaskKind::License => "license",
        }
    }
}

/// One reason a version is masked, in words, with its source when a file
/// line made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskReason {
    pub kind: MaskKind,
    pub detail: String,
    pub loc: Option<Loc>,
}

/// Everything decided about one version under one profile.
#[derive(Clone, Debug)]
pub struct PackageState {
    pub visible: bool,
    pub masked_by: Vec<MaskReason>,
    /// Whether the `.stable.` files apply (spec §11.1).
    pub stable: bool,
    /// IUSE flags (names without `+`/`-`) that end up enabled, forced,
    /// masked; sorted by name.
    pub use_: Vec<Sym>,
    pub forced: Vec<Sym>,
    pub masked: Vec<Sym>,
    /// Every enabled flag of IUSE_EFFECTIVE (IUSE plus the implicit flags
    /// such as the arch and `elibc_*`), for conditionals and USE deps.
    pub enabled: Vec<Sym>,
    /// IUSE_EFFECTIVE.
    pub iuse_effective: Vec<Sym>,
    /// Effective KEYWORDS and accepted keywords, for explanations.
    pub keywords: Vec<Sym>,
    pub accepted: Vec<Sym>,
}

impl PackageState {
    pub fn is_enabled(&self, flag: Sym) -> bool {
        self.enabled.contains(&flag)
    }
}

/// The part of a [`PackageState`] that `query` prints: why the version is
/// masked (kinds only), whether it is stable, and per IUSE flag whether it
/// is enabled, forced, masked. Small and comparable, so that a whole matrix
/// renders each distinct answer of a version once however many profiles
/// agree on it (see [`Evaluator::answer_into`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Answer {
    pub masked_by: Vec<MaskKind>,
    pub stable: bool,
    /// One entry per flag of `pkg.iuse`, in that order: [`Answer::ON`],
    /// [`Answer::FORCED`] and [`Answer::MASKED`] bits.
    pub flags: Vec<u8>,
}

impl Answer {
    pub const ON: u8 = 1;
    pub const FORCED: u8 = 2;
    pub const MASKED: u8 = 4;

    pub fn visible(&self) -> bool {
        self.masked_by.is_empty()
    }

    /// The answer a full evaluation of `pkg` gives.
    pub fn of(pkg: &Package, state: &PackageState) -> Answer {
        let mut a = Answer::default();
        a.fill_from(pkg, state);
        a
    }

    fn fill_from(&mut self, pkg: &Package, state: &PackageState) {
        self.masked_by.clear();
        self.masked_by
            .extend(state.masked_by.iter().map(|m| m.kind));
        self.stable = state.stable;
        self.flags.clear();
        // The state's lists are sorted like IUSE, so one pass merges them.
        let (mut u, mut fo, mut ma) = (0, 0, 0);
        for &(f, _) in &pkg.iuse {
            let mut bits = 0;
            if state.use_.get(u) == Some(&f) {
                bits |= Answer::ON;
                u += 1;
            }
            if state.forced.get(fo) == Some(&f) {
                bits |= Answer::FORCED;
                fo += 1;
            }
            if state.masked.get(ma) == Some(&f) {
                bits |= Answer::MASKED;
                ma += 1;
            }
            self.flags.push(bits);
        }
    }
}

/// What evaluation needs of a version that no profile changes, worked out
/// once per version and shared by the evaluators of every profile (the
/// matrix commands evaluate each version under hundreds of profiles).
#[derive(Debug)]
pub struct VersionFacts {
    facts: Vec<OnceLock<Facts>>,
    /// Per version (by package id), the dense flag id of each IUSE flag:
    /// an index into every evaluator's flag-code table, so a flag's
    /// profile-wide state is an array read rather than a hash lookup.
    iuse_ids: Vec<Box<[u32]>>,
    /// How many dense flag ids there are.
    flag_count: usize,
    /// Dense flag id -> flag.
    flags: Vec<Sym>,
    /// Symbol number -> dense flag id, [`NO_ID`] for a symbol no IUSE
    /// has: an array read, not a hash lookup, for the hundreds of
    /// thousands of flags profiles name.
    ids: Vec<u32>,
    /// The dense ids of the flags a wildcard prefix covers (`""` for
    /// `-*`), as profiles ask for them.
    prefixes: Mutex<HashMap<&'static str, Arc<[u32]>>>,
    /// The distinct ACCEPT_KEYWORDS values met so far; a profile's index
    /// here is its keyword class (profiles of one arch share it).
    kw_classes: Mutex<Vec<Vec<Sym>>>,
    /// Per version and keyword class below [`KW_CLASSES`], the cached
    /// keyword verdict of a version without package-level entries: 0 not
    /// yet known, else `1 | accepted << 1 | stable << 2`.
    kw_verdicts: Vec<AtomicU8>,
}

/// In [`VersionFacts::ids`], a symbol that is no IUSE flag.
const NO_ID: u32 = u32::MAX;

/// How many ACCEPT_KEYWORDS classes [`VersionFacts`] caches verdicts for;
/// profiles of further classes compute theirs each time.
const KW_CLASSES: usize = 64;

#[derive(Debug)]
struct Facts {
    /// The metadata is refused whatever the profile (`invalid`).
    invalid: bool,
    /// The flags its conditionals name that are not in its IUSE, sorted:
    /// each must be implicit in the profile (EAPI 5+), else `invalid`.
    outside_iuse: Vec<Sym>,
    /// KEYWORDS has `-*`, which evaluation drops.
    minus_star: bool,
}

impl VersionFacts {
    pub fn new(tree: &Tree) -> VersionFacts {
        let mut ids: Vec<u32> = Vec::new();
        let mut flags: Vec<Sym> = Vec::new();
        let iuse_ids = tree
            .packages
            .packages
            .iter()
            .map(|p| {
                p.iuse
                    .iter()
                    .map(|&(f, _)| {
                        let at = f.id() as usize;
                        if at >= ids.len() {
                            ids.resize(at + 1, NO_ID);
                        }
                        if ids[at] == NO_ID {
                            ids[at] = flags.len() as u32;
                            flags.push(f);
                        }
                        ids[at]
                    })
                    .collect()
            })
            .collect();
        let n = tree.packages.len();
        VersionFacts {
            facts: (0..n).map(|_| OnceLock::new()).collect(),
            iuse_ids,
            flag_count: flags.len(),
            flags,
            ids,
            prefixes: Mutex::default(),
            kw_classes: Mutex::new(Vec::new()),
            kw_verdicts: (0..n * KW_CLASSES).map(|_| AtomicU8::new(0)).collect(),
        }
    }

    /// The dense ids of the flags starting with `prefix`.
    fn with_prefix(&self, prefix: &'static str) -> Arc<[u32]> {
        let mut known = self.prefixes.lock().unwrap_or_else(|e| e.into_inner());
        known
            .entry(prefix)
            .or_insert_with(|| {
                (0..self.flag_count as u32)
                    .filter(|&id| self.flags[id as usize].as_str().starts_with(prefix))
                    .collect()
            })
            .clone()
    }

    /// `flag`'s dense id, if some version's IUSE has it.
    pub fn id(&self, flag: Sym) -> Option<u32> {
        self.ids
            .get(flag.id() as usize)
            .copied()
            .filter(|&id| id != NO_ID)
    }

    /// The dense flag ids of `pkg`'s IUSE, in IUSE order.
    pub fn iuse_ids(&self, pkg: &Package) -> &[u32] {
        &self.iuse_ids[pkg.id.0 as usize]
    }

    /// How many dense flag ids there are.
    pub fn flag_count(&self) -> usize {
        self.flag_count
    }

    /// The keyword class of a profile's ACCEPT_KEYWORDS, if cached.
    fn kw_class(&self, accept: &[Sym]) -> Option<usize> {
        let mut classes = self.kw_classes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = classes.iter().position(|c| c == accept) {
            return Some(i);
        }
        if classes.len() >= KW_CLASSES {
            return None;
        }
        classes.push(accept.to_vec());
        Some(classes.len() - 1)
    }

    fn get(&self, pkg: &Package) -> &Facts {
        self.facts[pkg.id.0 as usize].get_or_init(|| {
            let validity = pkg.validity();
            Facts {
                invalid: validity.invalid,
                outside_iuse: validity.outside_iuse.clone(),
                minus_star: pkg.keywords.iter().any(|k| k.as_str() == "-*"),
            }
        })
    }
}

/// The decisions behind one flag, for `why`.
#[derive(Clone, Debug)]
pub struct FlagTrace {
    pub iuse_default: Option<bool>,
    pub in_iuse: bool,
    pub use_: Option<Decision>,
    pub force: Option<Decision>,
    pub mask: Option<Decision>,
    pub is_arch: bool,
    pub enabled: bool,
}

/// A version's own tokens of one package-level stream (package.use,
/// package.use.force or package.use.mask, with their stable variants):
/// a handful at most, so kept as short lists and scanned, deciding as
/// [`FlagStream::verdict`] does (the latest exact token, unless a later
/// wildcard covers the flag) without building its maps.
#[derive(Default)]
struct OwnStream {
    exact: Vec<(Pos, Sym, bool)>,
    /// Wildcards by the prefix they cover (`""` for `-*`).
    wild: Vec<(Pos, &'static str, bool)>,
}

impl OwnStream {
    /// Adds a token; wildcards (`-*`, `prefix_*`, `-prefix_*`) only where
    /// `allow_wildcards`, as [`FlagStream::push`] (a lone `*` is ignored).
    fn push(&mut self, pos: Pos, tok: &Token, allow_wildcards: bool) {
        if allow_wildcards && tok.is_wildcard() {
            let name = tok.name.as_str();
            if name.is_empty() {
                return;
            }
            if name == "*" || name.ends_with("_*") {
                if name == "*" && tok.on {
                    return;
                }
                self.wild.push((pos, &name[..name.len() - 1], tok.on));
                return;
            }
        }
        self.exact.push((pos, tok.name, tok.on));
    }

    /// Whether some token decides `flag` (else [`OwnStream::verdict`] is None).
    fn names(&self, flag: Sym) -> bool {
        self.exact.iter().any(|&(_, f, _)| f == flag)
            || (!self.wild.is_empty() && {
                let name = flag.as_str();
                self.wild
                    .iter()
                    .any(|&(_, prefix, _)| name.starts_with(prefix))
            })
    }

    fn verdict(&self, flag: Sym) -> Option<Verdict> {
        let mut best: Option<Verdict> = None;
        for &(pos, f, on) in &self.exact {
            if f == flag && best.is_none_or(|b| pos >= b.pos) {
                best = Some(Verdict { pos, on });
            }
        }
        if !self.wild.is_empty() {
            let name = flag.as_str();
            let mut wild: Option<Verdict> = None;
            for &(pos, prefix, on) in &self.wild {
                if name.starts_with(prefix) && wild.is_none_or(|b| pos >= b.pos) {
                    wild = Some(Verdict { pos, on });
                }
            }
            best = Verdict::latest(best, wild);
        }
        best
    }
}

/// Which package-level table an index entry comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
enum Table {
    Use,
    UseStable,
    UseMask,
    UseForce,
    UseStableMask,
    UseStableForce,
    AcceptKeywords,
    Keywords,
}

const TABLES: [Table; 8] = [
    Table::Use,
    Table::UseStable,
    Table::UseMask,
    Table::UseForce,
    Table::UseStableMask,
    Table::UseStableForce,
    Table::AcceptKeywords,
    Table::Keywords,
];

/// Whether `t` holds flag tokens (rather than keywords).
fn is_flag_table(t: Table) -> bool {
    !matches!(t, Table::AcceptKeywords | Table::Keywords)
}

fn table(node: &ProfileNode, t: Table) -> &AtomTable {
    match t {
        Table::Use => &node.package_use,
        Table::UseStable => &node.package_use_stable,
        Table::UseMask => &node.package_use_mask,
        Table::UseForce => &node.package_use_force,
        Table::UseStableMask => &node.package_use_stable_mask,
        Table::UseStableForce => &node.package_use_stable_force,
        Table::AcceptKeywords => &node.package_accept_keywords,
        Table::Keywords => &node.package_keywords,
    }
}

/// Evaluates versions under one profile. Building it gathers, per package
/// name, the package-level entries of every node in the stack and the
/// masks, so each version costs a few lookups.
pub struct Evaluator<'a> {
    pub tree: &'a Tree,
    pub profile: &'a Profile,
    /// The package-level entries of the stack's nodes.
    entries: Entries<'a>,
    /// The profile's own package.mask / package.unmask lines; the
    /// repository-level ones are `shared`'s.
    masks: Arc<ByCp<MaskAtom<'a>>>,
    unmasks: Arc<ByCp<MaskAtom<'a>>>,
    shared: Shared<'a>,
    /// ACCEPT_LICENSE compiled, shared by the profiles with the same value.
    accept_license: Arc<AcceptLicense>,
    /// IUSE_IMPLICIT and the USE_EXPAND_IMPLICIT values (EAPI 5+).
    implicit: Vec<Sym>,
    /// The caches below are filled on first use and shared by every
    /// thread: a matrix evaluates one version under many profiles at once.
    /// [`Evaluator::implicit_on`], unstable and stable.
    implicit_on: [OnceLock<Vec<bool>>; 2],
    /// Per dense flag id of the [`VersionFacts`] it is used with, the
    /// flag's profile-wide outcome (see [`Evaluator::flag_table`]).
    flag_codes: OnceLock<FlagTable>,
    /// The profile's keyword class in that [`VersionFacts`] (None when
    /// not cached).
    kw_class: OnceLock<Option<usize>>,
    pub warnings: Vec<Warning>,
}

/// A profile's flag table (see [`Evaluator::flag_table`]): per dense flag
/// id its code, whose bits 18..30 also say where the flag's profile-wide
/// verdicts are kept (0: nothing names it, [`VERDICTS_ELSEWHERE`]: look
/// them up), so that deciding a flag a package's lines name, or comparing
/// profiles about it, costs an array read rather than six stream lookups.
struct FlagTable {
    codes: Box<[u32]>,
    verdicts: Vec<ProfileVerdicts>,
}

/// Where a code keeps its verdicts' slot, and the slot of verdicts not kept.
const VERDICTS_SHIFT: u32 = 18;
const VERDICTS_ELSEWHERE: u32 = (1 << 13) - 1;

/// A profile's settings that decide a version it says nothing particular
/// about, besides flag codes (see [`Evaluator::base`]).
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct Base<'a> {
    accept_keywords: &'a [Sym],
    accept_license: &'a [String],
    implicit: &'a [Sym],
    arch: Option<Sym>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct ProfileVerdicts {
    use_: Option<Verdict>,
    use_stable: Option<Verdict>,
    force: Option<Verdict>,
    stable_force: Option<Verdict>,
    mask: Option<Verdict>,
    stable_mask: Option<Verdict>,
}

impl ProfileVerdicts {
    /// Every verdict (the positions included), for comparing profiles.
    pub(crate) fn all(&self) -> [Option<Verdict>; 6] {
        [
            self.use_,
            self.use_stable,
            self.force,
            self.stable_force,
            self.mask,
            self.stable_mask,
        ]
    }
}

#[derive(Clone, Copy)]
struct MaskAtom<'a> {
    atom: &'a Atom,
    loc: &'a Loc,
    /// Repository-level masks apply to one repository's packages only.
    scope: Option<crate::repo::RepoId>,
}

/// Repository-level lines (scoped to their repository) by package name.
fn repo_mask_index(repo: &[crate::tree::RepoMask]) -> ByCp<MaskAtom<'_>> {
    ByCp::new(repo.iter().map(|m| {
        let (atom, loc, scope) = (&m.atom, &m.loc, Some(m.scope));
        (atom.cp, MaskAtom { atom, loc, scope })
    }))
}

/// A profile's lines by package name.
fn profile_mask_index(profile: &StackedList<Atom>) -> ByCp<MaskAtom<'_>> {
    ByCp::new(profile.iter().map(|(atom, loc)| {
        let scope = None;
        (atom.cp, MaskAtom { atom, loc, scope })
    }))
}

/// The lines about `cp`: repository-level ones first, then the profile's.
fn mask_lines<'s, 'a>(
    repo: &'s ByCp<MaskAtom<'a>>,
    own: &'s ByCp<MaskAtom<'a>>,
    cp: Sym,
) -> impl Iterator<Item = &'s MaskAtom<'a>> {
    let repo = repo.get(&cp).unwrap_or_default();
    let own = own.get(&cp).unwrap_or_default();
    repo.iter().chain(own)
}

/// What the evaluators of one tree share, built once rather than per
/// profile: the repository-level mask indexes (the same lines for every
/// profile, hundreds in Gentoo), each distinct ACCEPT_LICENSE compiled (a
/// few values across hundreds of profiles, each expanding license groups
/// into hundreds of names) and the package-level entries of each first
/// parent's stack (see [`Entries`]). Cheap to clone.
#[derive(Clone)]
struct Shared<'a> {
    tree: &'a Tree,
    masks: Arc<ByCp<MaskAtom<'a>>>,
    unmasks: Arc<ByCp<MaskAtom<'a>>>,
    /// ACCEPT_LICENSE value -> compiled, with what expanding it warned.
    licenses: Arc<Mutex<HashMap<Vec<String>, LicenseEntry>>>,
    /// Node -> the entries of its stack (see [`Entries`]), each made
    /// once however many threads ask.
    stacks: Arc<Mutex<HashMap<NodeId, StackSlot<'a>>>>,
    /// A profile's package.mask or package.unmask list (by
    /// [`StackedList::key`]) -> its index: most profiles share their lists
    /// with others of the same branch.
    mask_lists: Arc<Mutex<HashMap<usize, Arc<ByCp<MaskAtom<'a>>>>>>,
}

type StackSlot<'a> = Arc<OnceLock<Arc<StackEntries<'a>>>>;

/// How many package-level entries a profile's own part of its entries
/// may gain so that it shares a longer stack's (see
/// [`Shared::shared_ancestor`]).
const CLIMB: usize = 128;

type LicenseEntry = (Arc<AcceptLicense>, Arc<[Warning]>);

impl<'a> Shared<'a> {
    fn new(tree: &'a Tree) -> Shared<'a> {
        Shared {
            tree,
            masks: Arc::new(repo_mask_index(&tree.repo_masks)),
            unmasks: Arc::new(repo_mask_index(&tree.repo_unmasks)),
            licenses: Arc::default(),
            stacks: Arc::default(),
            mask_lists: Arc::default(),
        }
    }

    /// The index of a profile's package.mask or package.unmask `list`.
    fn mask_index(&self, list: &'a StackedList<Atom>) -> Arc<ByCp<MaskAtom<'a>>> {
        let lock = || self.mask_lists.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = lock().get(&list.key()) {
            return index.clone();
        }
        // Built unlocked: at worst two threads build the same index.
        let index = Arc::new(profile_mask_index(list));
        lock().entry(list.key()).or_insert(index).clone()
    }

    /// `profile`'s entries: its leaf's first parent's stack's, shared,
    /// then the rest's.
    fn entries(&self, profile: &Profile) -> Entries<'a> {
        let nodes = &self.tree.nodes;
        let first = nodes.get(profile.leaf).parents.first().map(|&(_, p)| p);
        let shared = first.and_then(|first| {
            let first = self.shared_ancestor(first);
            let stack = nodes.stack(first);
            profile.stack.starts_with(&stack).then_some((first, stack))
        });
        let Some((first, stack)) = shared else {
            return Entries {
                prefix: Arc::default(),
                rest: StackEntries::new(self.tree, &profile.stack, 0),
            };
        };
        let slot = {
            let mut stacks = self.stacks.lock().unwrap_or_else(|e| e.into_inner());
            stacks.entry(first).or_default().clone()
        };
        let prefix = slot
            .get_or_init(|| Arc::new(StackEntries::new(self.tree, &stack, 0)))
            .clone();
        let rest = StackEntries::new(self.tree, &profile.stack[stack.len()..], stack.len());
        Entries { prefix, rest }
    }

    /// The ancestor of `first` (itself, or one up its chain of first
    /// parents, whose stacks begin its own) whose stack's entries to
    /// share: the highest one whose stack lacks at most [`CLIMB`] of
    /// `first`'s entries. Profiles below one arch's release have many
    /// first parents (`desktop`, `desktop/gnome`, ...) that add a few
    /// lines each to the thousand of the stack above them; sharing that
    /// one stack's index spares building it again for each.
    fn shared_ancestor(&self, first: NodeId) -> NodeId {
        let nodes = &self.tree.nodes;
        let own = |id: NodeId| -> usize {
            let node = nodes.get(id);
            TABLES.iter().map(|&t| table(node, t).entries.len()).sum()
        };
        let (mut at, mut left) = (first, CLIMB);
        loop {
            let node = nodes.get(at);
            let Some(&(_, up)) = node.parents.first() else {
                return at;
            };
            // What `at`'s stack adds to `up`'s: `at` and its other parents.
            let added: usize = own(at)
                + node.parents[1..]
                    .iter()
                    .flat_map(|&(_, p)| nodes.stack(p))
                    .map(own)
                    .sum::<usize>();
            if added > left {
                return at;
            }
            left -= added;
            at = up;
        }
    }

    /// `value` compiled, and its expansion's warnings.
    fn accept_license(&self, value: &[String]) -> LicenseEntry {
        let mut known = self.licenses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = known.get(value) {
            return entry.clone();
        }
        let mut warnings = Vec::new();
        let acc = AcceptLicense::new(value, &self.tree.license_groups, &mut warnings);
        let entry: LicenseEntry = (Arc::new(acc), warnings.into());
        known.insert(value.to_vec(), entry.clone());
        entry
    }
}

/// Items grouped by package name, each group in the order given, all in
/// one vector: an evaluator is built per profile, and a map of small
/// vectors cost thousands of allocations (and as many frees) each time.
struct ByCp<T> {
    /// cp -> (start, length) in `items`.
    index: HashMap<Sym, (u32, u32)>,
    items: Vec<T>,
}

impl<T: Copy> ByCp<T> {
    fn new(pairs: impl IntoIterator<Item = (Sym, T)>) -> ByCp<T> {
        let pairs = pairs.into_iter();
        let mut index: HashMap<Sym, (u32, u32)> =
            HashMap::with_capacity_and_hasher(pairs.size_hint().0, Default::default());
        // (group, item) with groups numbered in order of first appearance;
        // index holds (group, length) until the starts are known.
        let mut tagged: Vec<(u32, T)> = Vec::with_capacity(pairs.size_hint().0);
        for (cp, item) in pairs {
            let next = index.len() as u32;
            let g = index.entry(cp).or_insert((next, 0));
            g.1 += 1;
            tagged.push((g.0, item));
        }
        // Where each group starts, then each item placed at its group's
        // next slot: every group keeps its items' order.
        let mut next = vec![0u32; index.len()];
        for &(g, len) in index.values() {
            next[g as usize] = len;
        }
        let mut at = 0u32;
        for n in &mut next {
            let len = *n;
            *n = at;
            at += len;
        }
        for v in index.values_mut() {
            v.0 = next[v.0 as usize];
        }
        let mut items: Vec<T> = match tagged.first() {
            Some(&(_, filler)) => vec![filler; tagged.len()],
            None => Vec::new(),
        };
        for (g, item) in tagged {
            let slot = &mut next[g as usize];
            items[*slot as usize] = item;
            *slot += 1;
        }
        ByCp { index, items }
    }

    fn get(&self, cp: &Sym) -> Option<&[T]> {
        let &(start, len) = self.index.get(cp)?;
        Some(&self.items[start as usize..(start + len) as usize])
    }

    fn contains_key(&self, cp: &Sym) -> bool {
        self.index.contains_key(cp)
    }
}

/// A package-level entry: the node's index in the stack, the table, the
/// entry.
type Entry<'a> = (u16, Table, &'a AtomEntry);

/// The package-level entries of some nodes of a stack, by package name.
struct StackEntries<'a> {
    /// cp -> entries, in stack order.
    by_cp: ByCp<Entry<'a>>,
    /// The packages with package.keywords or package.accept_keywords
    /// entries: only their keyword verdicts depend on more than
    /// ACCEPT_KEYWORDS.
    keyword_cps: ahash::HashSet<Sym>,
}

impl Default for StackEntries<'_> {
    fn default() -> Self {
        StackEntries {
            by_cp: ByCp::new([]),
            keyword_cps: ahash::HashSet::default(),
        }
    }
}

impl<'a> StackEntries<'a> {
    /// The entries of `nodes`, which sit in the stack from index `from`.
    fn new(tree: &'a Tree, nodes: &[NodeId], from: usize) -> StackEntries<'a> {
        let mut entries: Vec<(Sym, Entry<'a>)> = Vec::new();
        let mut keyword_cps = ahash::HashSet::default();
        for (i, &id) in nodes.iter().enumerate() {
            let node = tree.nodes.get(id);
            for t in TABLES {
                for e in &table(node, t).entries {
                    entries.push((e.atom.cp, ((from + i) as u16, t, e)));
                    if matches!(t, Table::Keywords | Table::AcceptKeywords) {
                        keyword_cps.insert(e.atom.cp);
                    }
                }
            }
        }
        StackEntries {
            by_cp: ByCp::new(entries),
            keyword_cps,
        }
    }
}

/// A profile's package-level entries: those of its leaf's first parent's
/// stack, which begins its own and is shared by every profile with that
/// first parent (most of a stack, and most of the entries: `base`,
/// `arch/*`, `default/linux`), then those of the rest of its stack.
struct Entries<'a> {
    prefix: Arc<StackEntries<'a>>,
    rest: StackEntries<'a>,
}

impl<'a> Entries<'a> {
    /// The entries about `cp`, in stack order: the prefix's then the
    /// rest's.
    fn get(&self, cp: Sym) -> [&[Entry<'a>]; 2] {
        [
            self.prefix.by_cp.get(&cp).unwrap_or_default(),
            self.rest.by_cp.get(&cp).unwrap_or_default(),
        ]
    }

    fn iter(&self, cp: Sym) -> impl Iterator<Item = &Entry<'a>> {
        self.get(cp).into_iter().flatten()
    }

    fn contains_key(&self, cp: Sym) -> bool {
        self.prefix.by_cp.contains_key(&cp) || self.rest.by_cp.contains_key(&cp)
    }

    /// Every package named, some maybe twice.
    fn keys(&self) -> impl Iterator<Item = &Sym> {
        self.prefix
            .by_cp
            .index
            .keys()
            .chain(self.rest.by_cp.index.keys())
    }

    fn names_keywords(&self, cp: Sym) -> bool {
        self.prefix.keyword_cps.contains(&cp) || self.rest.keyword_cps.contains(&cp)
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `profile` alone (see [`Evaluator::all`] for many
    /// profiles of one tree).
    pub fn new(tree: &'a Tree, profile: &'a Profile) -> Evaluator<'a> {
        Evaluator::with(&Shared::new(tree), profile)
    }

    /// An evaluator for each of `profiles` (of `tree`), made on all
    /// threads and sharing what does not depend on the profile (see
    /// `Shared`): what a matrix of many profiles wants.
    pub fn all(
        tree: &'a Tree,
        profiles: impl IntoIterator<Item = &'a Profile>,
    ) -> Vec<Evaluator<'a>> {
        let shared = Shared::new(tree);
        let profiles: Vec<&Profile> = profiles.into_iter().collect();
        profiles
            .par_iter()
            .map(|p| Evaluator::with(&shared, p))
            .collect()
    }

    /// An evaluator for `profile`, sharing with the other evaluators made
    /// from `shared` what does not depend on the profile.
    fn with(shared: &Shared<'a>, profile: &'a Profile) -> Evaluator<'a> {
        let tree = shared.tree;
        let entries = shared.entries(profile);
        let masks = shared.mask_index(&profile.package_mask);
        let unmasks = shared.mask_index(&profile.package_unmask);
        let (accept_license, license_warnings) = shared.accept_license(&profile.accept_license);
        let warnings = license_warnings.to_vec();
        let mut implicit: Vec<Sym> = profile.iuse_implicit.clone();
        for var in &profile.use_expand_implicit {
            let values = profile.use_expand_values.get(var);
            let prefix = if profile.use_expand_unprefixed.contains(var) {
                String::new()
            } else if profile.use_expand.contains(var) {
                format!("{}_", var.to_lowercase())
            } else {
                continue;
            };
            for v in values.into_iter().flatten() {
                implicit.push(Sym::new(&format!("{prefix}{v}")));
            }
        }
        implicit.sort();
        implicit.dedup();
        Evaluator {
            tree,
            profile,
            entries,
            masks,
            unmasks,
            shared: shared.clone(),
            accept_license,
            implicit,
            implicit_on: [OnceLock::new(), OnceLock::new()],
            flag_codes: OnceLock::new(),
            kw_class: OnceLock::new(),
            warnings,
        }
    }

    /// The packages (cp) this profile says something about in particular:
    /// package-level entries of any node, masks and unmasks (repository
    /// ones included). A version of any other package is decided by
    /// ACCEPT_KEYWORDS, ACCEPT_LICENSE, the implicit flags and the
    /// profile-wide flag table alone (see [`crate::matrix`]).
    pub(crate) fn named_packages(&self) -> impl Iterator<Item = Sym> + '_ {
        self.entries
            .keys()
            .chain(self.masks.index.keys())
            .chain(self.unmasks.index.keys())
            .chain(self.shared.masks.index.keys())
            .chain(self.shared.unmasks.index.keys())
            .copied()
    }

    /// What decides a version of a package the profile names nowhere,
    /// besides its flag table: two profiles with equal parts answer alike.
    pub(crate) fn base(&self) -> Base<'_> {
        Base {
            accept_keywords: &self.profile.accept_keywords,
            accept_license: &self.profile.accept_license,
            implicit: &self.implicit,
            arch: self.profile.arch,
        }
    }

    /// What the base decides about `pkg` under a profile without
    /// package.keywords or package.accept_keywords lines for its package
    /// (see [`Evaluator::names_keywords`]; the result is meaningless under
    /// one with them): bit 0 keywords accepted, bit 1
    /// stable, bit 2 every license accepted, bit 3 invalid metadata. Two
    /// such profiles agreeing on it and on the codes of the version's
    /// flags answer alike (see [`crate::matrix`]).
    pub(crate) fn base_verdict(&self, pkg: &Package, shared: &VersionFacts) -> u8 {
        let facts = shared.get(pkg);
        let (ok, stable) = self.keyword_verdict(pkg, facts, shared);
        let invalid = match &pkg.eapi {
            Ok(eapi) => facts.invalid || self.outside_implicit(eapi, facts),
            Err(_) => true,
        };
        u8::from(ok)
            | u8::from(stable) << 1
            | u8::from(self.accepts_licenses(pkg)) << 2
            | u8::from(invalid) << 3
    }

    /// Whether a conditional names a flag outside IUSE that is not
    /// implicit in this profile (EAPI 5+).
    fn outside_implicit(&self, eapi: &crate::eapi::Eapi, facts: &Facts) -> bool {
        eapi.profile_iuse_injection()
            && facts
                .outside_iuse
                .iter()
                .any(|f| self.implicit.binary_search(f).is_err())
    }

    /// The identity of what this profile says about package `cp` in
    /// particular, appended to `key`: its package-level entries (position
    /// in the stack, table, and the node's entry itself), its own masks
    /// and unmasks (file and line; the repository-level ones are the same
    /// for every evaluator of a tree); and the flags its package.use-style
    /// lines name (exact tokens), appended to `flags`. Two profiles of one
    /// tree with equal keys read the same lines at the same stack
    /// positions (so name the same flags); with equal bases and equal
    /// profile-wide verdicts of those flags, they answer alike for every
    /// version of `cp`. False when some line has a wildcard flag token, whose
    /// comparison with profile-wide tokens would involve every flag it
    /// covers: such a profile is evaluated on its own.
    pub(crate) fn package_key(&self, cp: Sym, key: &mut Vec<u64>, flags: &mut Vec<Sym>) -> bool {
        // Each list's length goes before it, written once it is known (one
        // lookup per index: this runs for every naming pair).
        let at = key.len();
        key.push(0);
        for &(node, table, entry) in self.entries.iter(cp) {
            if is_flag_table(table) {
                if entry.tokens.iter().any(|t| t.is_wildcard()) {
                    return false;
                }
                flags.extend(entry.tokens.iter().map(|t| t.name));
            }
            key.push(u64::from(node) << 8 | table as u64);
            key.push(std::ptr::from_ref(entry) as usize as u64);
        }
        key[at] = ((key.len() - at - 1) / 2) as u64;
        for own in [&*self.masks, &*self.unmasks] {
            let lines = own.get(&cp).unwrap_or_default();
            key.push(lines.len() as u64);
            for m in lines {
                key.push(Arc::as_ptr(&m.loc.file).cast::<u8>() as usize as u64);
                key.push(u64::from(m.loc.line));
            }
        }
        true
    }

    /// Whether this profile has package.keywords or
    /// package.accept_keywords lines for `cp`: its keyword verdict on
    /// `cp`'s versions then depends on ACCEPT_KEYWORDS itself, not only on
    /// the base verdict.
    pub(crate) fn names_keywords(&self, cp: Sym) -> bool {
        self.entries.names_keywords(cp)
    }

    /// Whether `flag` is this profile's arch (enabled unless masked).
    pub(crate) fn is_arch(&self, flag: Sym) -> bool {
        self.profile.arch == Some(flag)
    }

    /// The profile-wide verdicts of `flag` (dense id `id` in `shared`),
    /// positions included.
    pub(crate) fn flag_verdicts(
        &self,
        flag: Sym,
        id: Option<u32>,
        shared: &VersionFacts,
    ) -> ProfileVerdicts {
        let Some(id) = id else {
            return self.verdicts_of(flag);
        };
        let table = self.flag_codes(shared);
        match table.codes[id as usize] >> VERDICTS_SHIFT & VERDICTS_ELSEWHERE {
            0 => ProfileVerdicts::default(),
            VERDICTS_ELSEWHERE => self.verdicts_of(flag),
            slot => table.verdicts[slot as usize - 1],
        }
    }

    /// Whether every license `pkg` names is acceptable; if not, its
    /// answer depends on the USE of implicit flags too (see
    /// [`Evaluator::answer_into`]).
    pub(crate) fn accepts_licenses(&self, pkg: &Package) -> bool {
        pkg.license_names
            .iter()
            .all(|&l| self.accept_license.accepts(l))
    }

    /// The entries of table `t` matching `pkg`, per node in stack order,
    /// each node's in ascending specificity (Portage
    /// `ordered_by_atom_specificity`).
    fn matching(&self, pkg: &Package, t: Table) -> Vec<(u16, &'a AtomEntry)> {
        let pref = pkg.pkg_ref();
        let mut out = Vec::new();
        for all in self.entries.get(pkg.cp) {
            self.matching_in(pkg, &pref, t, all, &mut out);
        }
        out
    }

    /// [`Evaluator::matching`] in `all`, whole nodes' entries.
    fn matching_in(
        &self,
        pkg: &Package,
        pref: &crate::atom::PkgRef<'_>,
        t: Table,
        all: &[Entry<'a>],
        out: &mut Vec<(u16, &'a AtomEntry)>,
    ) {
        let mut i = 0;
        while i < all.len() {
            let node = all[i].0;
            let mut group: Vec<&AtomEntry> = Vec::new();
            while i < all.len() && all[i].0 == node {
                let (_, tt, e) = all[i];
                if tt == t && e.atom.matches(pref) {
                    group.push(e);
                }
                i += 1;
            }
            if group.len() > 1 {
                let atoms: Vec<&Atom> = group.iter().map(|e| &e.atom).collect();
                for k in order_by_specificity(&pkg.version, &atoms) {
                    out.push((node, group[k]));
                }
            } else if let Some(e) = group.pop() {
                out.push((node, e));
            }
        }
    }

    /// The package.mask entry masking `pkg`, unless package.unmask wins.
    fn mask_atom(&self, pkg: &Package) -> Option<&MaskAtom<'a>> {
        let pref = pkg.pkg_ref();
        let applies =
            |m: &&MaskAtom| m.scope.is_none_or(|s| s == pkg.repo) && m.atom.matches(&pref);
        let mask = mask_lines(&self.shared.masks, &self.masks, pkg.cp).find(applies)?;
        // package.unmask wins over any mask (Portage `_getMaskAtom`).
        if mask_lines(&self.shared.unmasks, &self.unmasks, pkg.cp).any(|u| applies(&u)) {
            return None;
        }
        Some(mask)
    }

    fn mask_reason(&self, pkg: &Package) -> Option<MaskReason> {
        let mask = self.mask_atom(pkg)?;
        Some(MaskReason {
            kind: MaskKind::PackageMask,
            detail: format!("package.mask entry '{}'", mask.atom),
            loc: Some(mask.loc.clone()),
        })
    }

    /// Effective KEYWORDS (with package.keywords) and the accepted keywords
    /// for this version (ACCEPT_KEYWORDS with package.accept_keywords).
    fn keywords(&self, pkg: &Package) -> (Vec<Sym>, Vec<Sym>) {
        // Portage trusts nothing but EAPI of an unsupported-EAPI entry, so
        // its KEYWORDS count as empty.
        let own: &[Sym] = if pkg.eapi.is_ok() { &pkg.keywords } else { &[] };
        let mut kw: Vec<Sym> = own.iter().copied().filter(|k| k.as_str() != "-*").collect();
        if !self.entries.contains_key(pkg.cp) {
            return (kw, self.profile.accept_keywords.clone());
        }
        let pk = self.matching(pkg, Table::Keywords);
        if !pk.is_empty() {
            let tokens: Vec<&str> = pk
                .iter()
                .flat_map(|(_, e)| e.tokens.iter().map(|t| t.text.as_str()))
                .collect();
            keywords::stack_incremental(&mut kw, tokens);
        }
        let mut acc = self.profile.accept_keywords.clone();
        let pak = self.matching(pkg, Table::AcceptKeywords);
        if !pak.is_empty() {
            let defaults = keywords::implicit_testing(&self.profile.accept_keywords);
            let mut extra: Vec<Sym> = Vec::new();
            for (_, e) in &pak {
                if e.tokens.is_empty() {
                    extra.extend(defaults.iter().copied());
                } else {
                    extra.extend(e.tokens.iter().map(|t| t.text));
                }
            }
            keywords::stack_incremental(&mut acc, extra.iter().map(|s| s.as_str()));
        }
        (kw, acc)
    }

    /// The package's own USE tokens: IUSE defaults and its package.use lines.
    fn package_use_stream(&self, pkg: &Package, stable: bool) -> FlagStream {
        let mut s = FlagStream::default();
        let iuse_loc = pkg.entry().loc_of("IUSE").unwrap_or_else(|| pkg.file());
        for (k, &(flag, default)) in pkg.iuse.iter().enumerate() {
            if let Some(on) = default {
                let tok = if on {
                    flag.to_string()
                } else {
                    format!("-{flag}")
                };
                s.push(Pos::new(Layer::Iuse, 0, 0, k as u32), &tok, &iuse_loc, true);
            }
        }
        self.push_tables(&mut s, pkg, Table::Use, phase::PACKAGE, true);
        if stable {
            self.push_tables(&mut s, pkg, Table::UseStable, phase::PACKAGE_STABLE, true);
        }
        s
    }

    fn push_tables(&self, s: &mut FlagStream, pkg: &Package, t: Table, ph: u8, wild: bool) {
        let mut k = 0u32;
        for (node, e) in self.matching(pkg, t) {
            for tok in &e.tokens {
                let pos = Pos::new(Layer::Profile, node, ph, k);
                if wild && tok.is_wildcard() {
                    s.push(pos, tok.text.as_str(), &tok.loc, true);
                } else {
                    s.push_flag(pos, tok.name, tok.on, tok.text, &tok.loc);
                }
                k += 1;
            }
        }
    }

    fn flag_streams(&self, pkg: &Package, stable: bool) -> [FlagStream; 3] {
        let mut force = FlagStream::default();
        self.push_tables(&mut force, pkg, Table::UseForce, phase::PACKAGE, false);
        let mut mask = FlagStream::default();
        self.push_tables(&mut mask, pkg, Table::UseMask, phase::PACKAGE, false);
        if stable {
            self.push_tables(
                &mut force,
                pkg,
                Table::UseStableForce,
                phase::PACKAGE_STABLE,
                false,
            );
            self.push_tables(
                &mut mask,
                pkg,
                Table::UseStableMask,
                phase::PACKAGE_STABLE,
                false,
            );
        }
        [self.package_use_stream(pkg, stable), force, mask]
    }

    fn decide(
        &self,
        streams: &[FlagStream; 3],
        stable: bool,
        flag: Sym,
    ) -> (Option<Decision>, Option<Decision>, Option<Decision>) {
        let p = self.profile;
        let use_ = if stable {
            decide_all(&[&p.use_defaults, &p.use_stable, &streams[0]], flag)
        } else {
            decide_all(&[&p.use_defaults, &streams[0]], flag)
        };
        let (force, mask) = if stable {
            (
                decide_all(&[&p.use_force, &p.use_stable_force, &streams[1]], flag),
                decide_all(&[&p.use_mask, &p.use_stable_mask, &streams[2]], flag),
            )
        } else {
            (
                decide_all(&[&p.use_force, &streams[1]], flag),
                decide_all(&[&p.use_mask, &streams[2]], flag),
            )
        };
        (use_, force, mask)
    }

    /// Portage's `invalid` mask for a version of a supported EAPI: the first
    /// problem of its metadata, else the first flag its conditionals name
    /// that is not in IUSE_EFFECTIVE. That flag check is made for EAPI 5+
    /// only, where IUSE_EFFECTIVE is a list; before EAPI 5 Portage accepts
    /// any flag of a broad pattern (every USE_EXPAND prefix, ...).
    fn invalid_reason(&self, pkg: &Package, iuse_eff: &[Sym]) -> Option<MaskReason> {
        let check = pkg.metadata_check();
        if let Some(p) = check.problems.first() {
            return Some(MaskReason {
                kind: MaskKind::Invalid,
                detail: p.message.clone(),
                loc: p.loc.clone(),
            });
        }
        if !pkg.eapi.as_ref().is_ok_and(|e| e.profile_iuse_injection()) {
            return None;
        }
        let (flag, loc) = check
            .own_flags
            .iter()
            .find(|(f, _)| !iuse_eff.contains(f))?;
        Some(MaskReason {
            kind: MaskKind::Invalid,
            detail: format!("USE flag '{flag}' is used in a conditional but not in IUSE"),
            loc: Some(loc.clone()),
        })
    }

    /// The profile-wide verdicts of `flag`: a lookup per stream. (Not
    /// memoised: evaluators are shared by threads, and a lock per flag
    /// cost more than the lookups.)
    fn verdicts_of(&self, flag: Sym) -> ProfileVerdicts {
        let p = self.profile;
        ProfileVerdicts {
            use_: p.use_defaults.verdict(flag),
            use_stable: p.use_stable.verdict(flag),
            force: p.use_force.verdict(flag),
            stable_force: p.use_stable_force.verdict(flag),
            mask: p.use_mask.verdict(flag),
            stable_mask: p.use_stable_mask.verdict(flag),
        }
    }

    /// The package's own package.use / package.use.force / package.use.mask
    /// tokens (with their stable variants when `stable`); None when no node
    /// of the stack names its package at all, the common case.
    fn package_streams(&self, pkg: &Package, stable: bool) -> Option<[OwnStream; 3]> {
        // (stream, table, phase, wildcards allowed); package.use then its
        // stable variant feed stream 0, the force tables 1, the masks 2.
        const TABLES: [(usize, Table, u8, bool); 6] = [
            (0, Table::Use, phase::PACKAGE, true),
            (1, Table::UseForce, phase::PACKAGE, false),
            (2, Table::UseMask, phase::PACKAGE, false),
            (0, Table::UseStable, phase::PACKAGE_STABLE, true),
            (1, Table::UseStableForce, phase::PACKAGE_STABLE, false),
            (2, Table::UseStableMask, phase::PACKAGE_STABLE, false),
        ];
        let nodes = self.entries.get(pkg.cp);
        if nodes.iter().all(|all| all.is_empty()) {
            return None;
        }
        let tables = if stable { &TABLES[..] } else { &TABLES[..3] };
        let pref = pkg.pkg_ref();
        let mut s: [OwnStream; 3] = Default::default();
        // Per table, the token index, counted across the stack as
        // Evaluator::push_tables does.
        let mut next = [0u32; 6];
        // A node's entries that match, with their table's index in
        // `tables`.
        let mut matched: Vec<(usize, &AtomEntry)> = Vec::new();
        // Room for every token of the package's lines in each stream it
        // reaches, taken once rather than grown push by push.
        let room: usize = nodes
            .iter()
            .flat_map(|all| all.iter())
            .map(|e| e.2.tokens.len())
            .sum();
        // One pass over the package's entries, a node at a time (they are
        // in stack order), as Evaluator::matching orders them.
        for here in nodes.iter().flat_map(|all| all.chunk_by(|a, b| a.0 == b.0)) {
            let node = here[0].0;
            matched.clear();
            matched.extend(here.iter().filter_map(|&(_, t, e)| {
                let ti = tables.iter().position(|&(_, tt, _, _)| tt == t)?;
                e.atom.matches(&pref).then_some((ti, e))
            }));
            // Table by table, each in the node's order (a stable sort).
            matched.sort_by_key(|&(ti, _)| ti);
            for group in matched.chunk_by(|a, b| a.0 == b.0) {
                let ti = group[0].0;
                let (si, _, ph, wild) = tables[ti];
                let mut push = |e: &AtomEntry| {
                    if s[si].exact.capacity() == 0 {
                        s[si].exact.reserve(room);
                    }
                    for tok in &e.tokens {
                        s[si].push(Pos::new(Layer::Profile, node, ph, next[ti]), tok, wild);
                        next[ti] += 1;
                    }
                };
                if group.len() > 1 {
                    let atoms: Vec<&Atom> = group.iter().map(|&(_, e)| &e.atom).collect();
                    for k in order_by_specificity(&pkg.version, &atoms) {
                        push(group[k].1);
                    }
                } else {
                    push(group[0].1);
                }
            }
        }
        Some(s)
    }

    /// (enabled, forced, masked) of one flag.
    fn flag(
        &self,
        flag: Sym,
        iuse_default: Option<Verdict>,
        stable: bool,
        own: Option<&[OwnStream; 3]>,
    ) -> (bool, bool, bool) {
        self.flag_with(flag, self.verdicts_of(flag), iuse_default, stable, own)
    }

    /// [`Evaluator::flag`] with the flag's profile-wide verdicts `pv`.
    fn flag_with(
        &self,
        flag: Sym,
        pv: ProfileVerdicts,
        iuse_default: Option<Verdict>,
        stable: bool,
        own: Option<&[OwnStream; 3]>,
    ) -> (bool, bool, bool) {
        let mut u = Verdict::latest(iuse_default, pv.use_);
        let mut fo = pv.force;
        let mut ma = pv.mask;
        if stable {
            u = Verdict::latest(u, pv.use_stable);
            fo = Verdict::latest(fo, pv.stable_force);
            ma = Verdict::latest(ma, pv.stable_mask);
        }
        if let Some(own) = own {
            u = Verdict::latest(u, own[0].verdict(flag));
            fo = Verdict::latest(fo, own[1].verdict(flag));
            ma = Verdict::latest(ma, own[2].verdict(flag));
        }
        let (forced, masked) = (Verdict::is_on(fo), Verdict::is_on(ma));
        let on = (Verdict::is_on(u) || forced || Some(flag) == self.profile.arch) && !masked;
        (on, forced, masked)
    }

    /// Whether `pkg`'s KEYWORDS are accepted, and whether it is stable.
    /// Without package.keywords / package.accept_keywords entries for its
    /// package (most versions) the verdict depends on ACCEPT_KEYWORDS
    /// alone, so it is shared through `shared` by every profile of the
    /// same keyword class.
    fn keyword_verdict(&self, pkg: &Package, facts: &Facts, shared: &VersionFacts) -> (bool, bool) {
        if self.entries.names_keywords(pkg.cp) || facts.minus_star {
            let (kw, acc) = self.keywords(pkg);
            let ok = keywords::accepted(&kw, &acc);
            return (ok, ok && keywords::is_stable(&kw, &acc));
        }
        let acc = &self.profile.accept_keywords;
        let class = *self.kw_class.get_or_init(|| shared.kw_class(acc));
        let slot = class.map(|c| &shared.kw_verdicts[pkg.id.0 as usize * KW_CLASSES + c]);
        if let Some(code) = slot.map(|s| s.load(Ordering::Relaxed)).filter(|&c| c != 0) {
            return (code & 2 != 0, code & 4 != 0);
        }
        let kw: &[Sym] = if pkg.eapi.is_ok() { &pkg.keywords } else { &[] };
        let ok = keywords::accepted(kw, acc);
        let stable = ok && keywords::is_stable(kw, acc);
        if let Some(s) = slot {
            s.store(
                1 | u8::from(ok) << 1 | u8::from(stable) << 2,
                Ordering::Relaxed,
            );
        }
        (ok, stable)
    }

    /// Per dense flag id of `shared`, the flag's profile-wide outcome for
    /// a version without package-level entries (see [`flag_code`]).
    ///
    /// Only the flags some profile-wide stream names (exactly or through a
    /// wildcard) and the arch can differ from the code of a flag nothing
    /// names, so only those are worked out: a few hundred of the
    /// thousands of flags a tree's IUSE has.
    pub(crate) fn flag_table(&self, shared: &VersionFacts) -> &[u32] {
        &self.flag_codes(shared).codes
    }

    fn flag_codes(&self, shared: &VersionFacts) -> &FlagTable {
        self.flag_codes.get_or_init(|| {
            let p = self.profile;
            let mut table = vec![flag_code(ProfileVerdicts::default(), false); shared.flag_count];
            // The named flags' ids, each once (a flag is often named by
            // several streams).
            let mut named: Vec<u32> = Vec::new();
            let streams = [
                &p.use_defaults,
                &p.use_stable,
                &p.use_force,
                &p.use_stable_force,
                &p.use_mask,
                &p.use_stable_mask,
            ];
            for s in streams {
                named.extend(s.named().filter_map(|flag| shared.id(flag)));
                for prefix in s.wildcards() {
                    named.extend(shared.with_prefix(prefix).iter().copied());
                }
            }
            named.extend(p.arch.and_then(|a| shared.id(a)));
            named.sort_unstable();
            named.dedup();
            let mut verdicts = Vec::with_capacity(named.len());
            for id in named {
                let flag = shared.flags[id as usize];
                let pv = self.verdicts_of(flag);
                let mut code = flag_code(pv, Some(flag) == p.arch);
                if verdicts.len() + 1 < VERDICTS_ELSEWHERE as usize {
                    verdicts.push(pv);
                    code |= (verdicts.len() as u32) << VERDICTS_SHIFT;
                } else {
                    code |= VERDICTS_ELSEWHERE << VERDICTS_SHIFT;
                }
                table[id as usize] = code;
            }
            FlagTable {
                codes: table.into_boxed_slice(),
                verdicts,
            }
        })
    }

    /// [`Evaluator::answer_into`] for a version whose package this profile
    /// names nowhere, given its [`Evaluator::base_verdict`] (`verdict`)
    /// with every license accepted: no lookup but the flag table's.
    pub(crate) fn answer_from_base(
        &self,
        pkg: &Package,
        verdict: u8,
        shared: &VersionFacts,
        out: &mut Answer,
    ) {
        debug_assert!(verdict & 4 != 0, "licenses not accepted");
        let (kw_ok, stable, invalid) = (verdict & 1 != 0, verdict & 2 != 0, verdict & 8 != 0);
        out.masked_by.clear();
        out.flags.clear();
        out.stable = stable;
        if pkg.eapi.is_ok() {
            let table = self.flag_table(shared);
            let base = 9 * usize::from(stable);
            for (&id, &(_, default)) in shared.iuse_ids(pkg).iter().zip(&pkg.iuse) {
                out.flags.push(flag_bits(table[id as usize], base, default));
            }
        } else {
            out.flags.resize(pkg.iuse.len(), 0);
        }
        if !kw_ok {
            out.masked_by.push(MaskKind::Keywords);
        }
        if pkg.eapi.is_err() {
            out.masked_by.push(MaskKind::Eapi);
        }
        if invalid {
            out.masked_by.push(MaskKind::Invalid);
        }
    }

    /// What [`Evaluator::evaluate`] decides about `pkg`, reduced to an
    /// [`Answer`], written into `out` (reused between calls). The same
    /// decisions, without the explanations, the implicit flags (unless a
    /// license depends on USE) or any allocation in the common case.
    pub fn answer_into(&self, pkg: &Package, shared: &VersionFacts, out: &mut Answer) {
        let facts = shared.get(pkg);
        // A license outside ACCEPT_LICENSE is decided over the USE of every
        // implicit flag too: evaluate in full (rare).
        if !self.accepts_licenses(pkg) {
            let state = self.evaluate(pkg);
            out.fill_from(pkg, &state);
            return;
        }
        out.masked_by.clear();
        out.flags.clear();
        let (kw_ok, stable) = self.keyword_verdict(pkg, facts, shared);
        out.stable = stable;
        if pkg.eapi.is_ok() {
            let own = self.package_streams(pkg, stable);
            // The flags the own streams' exact tokens name, sorted, so that
            // each IUSE flag is looked for once rather than in each stream,
            // and only when a one-word filter of their numbers lets it
            // through (most IUSE flags are named by no token); wildcards
            // (rare) are asked of the streams.
            let mut exact: Vec<Sym> =
                Vec::with_capacity(own.iter().flatten().map(|s| s.exact.len()).sum());
            let (mut filter, mut wild) = (0u64, false);
            for s in own.iter().flatten() {
                for &(_, f, _) in &s.exact {
                    exact.push(f);
                    filter |= 1 << (f.id() % 64);
                }
                wild |= !s.wild.is_empty();
            }
            exact.sort_unstable();
            let names = |f: Sym, own: &[OwnStream; 3]| {
                filter & 1 << (f.id() % 64) != 0 && exact.binary_search(&f).is_ok()
                    || wild && own.iter().any(|s| s.names(f))
            };
            let ids = &shared.iuse_ids[pkg.id.0 as usize];
            let table = self.flag_table(shared);
            let base = 9 * usize::from(stable);
            for (k, (&id, &(f, default))) in ids.iter().zip(&pkg.iuse).enumerate() {
                // A flag no token of the version's own streams names is
                // decided profile-wide: its code says it.
                if let Some(own) = own.as_ref().filter(|own| names(f, own)) {
                    let iuse_default = default.map(|on| Verdict {
                        pos: Pos::new(Layer::Iuse, 0, 0, k as u32),
                        on,
                    });
                    let pv = self.flag_verdicts(f, Some(id), shared);
                    let (on, forced, masked) =
                        self.flag_with(f, pv, iuse_default, stable, Some(own));
                    let mut bits = 0;
                    if on {
                        bits |= Answer::ON;
                    }
                    if forced {
                        bits |= Answer::FORCED;
                    }
                    if masked {
                        bits |= Answer::MASKED;
                    }
                    out.flags.push(bits);
                    continue;
                }
                out.flags.push(flag_bits(table[id as usize], base, default));
            }
        } else {
            out.flags.resize(pkg.iuse.len(), 0);
        }
        if self.mask_atom(pkg).is_some() {
            out.masked_by.push(MaskKind::PackageMask);
        }
        if !kw_ok {
            out.masked_by.push(MaskKind::Keywords);
        }
        match &pkg.eapi {
            Ok(eapi) => {
                if facts.invalid || self.outside_implicit(eapi, facts) {
                    out.masked_by.push(MaskKind::Invalid);
                }
            }
            Err(_) => {
                out.masked_by.push(MaskKind::Eapi);
                out.masked_by.push(MaskKind::Invalid);
            }
        }
    }

    /// Whether each implicit flag is enabled for a version without
    /// package-level entries, stable or not.
    fn implicit_on(&self, stable: bool) -> &[bool] {
        self.implicit_on[usize::from(stable)].get_or_init(|| {
            self.implicit
                .iter()
                .map(|&f| self.flag(f, None, stable, None).0)
                .collect()
        })
    }

    /// Everything about `pkg` under this profile.
    pub fn evaluate(&self, pkg: &Package) -> PackageState {
        let mut state = PackageState {
            visible: false,
            masked_by: Vec::new(),
            stable: false,
            use_: Vec::new(),
            forced: Vec::new(),
            masked: Vec::new(),
            enabled: Vec::new(),
            iuse_effective: Vec::new(),
            keywords: Vec::new(),
            accepted: Vec::new(),
        };
        let (kw, acc) = self.keywords(pkg);
        let kw_ok = keywords::accepted(&kw, &acc);
        state.stable = kw_ok && keywords::is_stable(&kw, &acc);
        let stable = state.stable;
        // Nothing of a version with an unsupported EAPI is trusted: no USE.
        if pkg.eapi.is_ok() {
            let own = self.package_streams(pkg, stable);
            // IUSE is sorted by name at load, so the lists come out sorted.
            for (k, &(f, default)) in pkg.iuse.iter().enumerate() {
                let iuse_default = default.map(|on| Verdict {
                    pos: Pos::new(Layer::Iuse, 0, 0, k as u32),
                    on,
                });
                let (on, forced, masked) = self.flag(f, iuse_default, stable, own.as_ref());
                state.iuse_effective.push(f);
                if on {
                    state.enabled.push(f);
                    state.use_.push(f);
                }
                if forced {
                    state.forced.push(f);
                }
                if masked {
                    state.masked.push(f);
                }
            }
            if pkg.eapi.as_ref().is_ok_and(|e| e.profile_iuse_injection()) {
                // The implicit flags IUSE already has (usually none).
                let in_iuse: Vec<Sym> = pkg
                    .iuse
                    .iter()
                    .map(|&(g, _)| g)
                    .filter(|g| self.implicit.binary_search(g).is_ok())
                    .collect();
                state.iuse_effective.reserve(self.implicit.len());
                // Without package-level entries an implicit flag is decided
                // profile-wide: once per evaluator, not per version.
                let profile_wide = own.is_none().then(|| self.implicit_on(stable));
                for (i, &f) in self.implicit.iter().enumerate() {
                    if in_iuse.contains(&f) {
                        continue;
                    }
                    state.iuse_effective.push(f);
                    let on = match &profile_wide {
                        Some(on) => on[i],
                        None => self.flag(f, None, stable, own.as_ref()).0,
                    };
                    if on {
                        state.enabled.push(f);
                    }
                }
            }
        }
        if let Some(r) = self.mask_reason(pkg) {
            state.masked_by.push(r);
        }
        if !kw_ok {
            let arch = self.profile.arch.map(|a| a.to_string()).unwrap_or_default();
            let detail = if kw.is_empty() {
                format!("missing keyword for {arch} (no KEYWORDS)")
            } else {
                format!(
                    "missing keyword for {arch} (KEYWORDS '{}', accepted '{}')",
                    join(&kw),
                    join(&acc)
                )
            };
            state.masked_by.push(MaskReason {
                kind: MaskKind::Keywords,
                detail,
                loc: pkg.entry().loc_of("KEYWORDS"),
            });
        }
        let missing = self.missing_licenses(pkg, &state);
        if !missing.is_empty() {
            state.masked_by.push(MaskReason {
                kind: MaskKind::License,
                detail: format!(
                    "license(s) {} not in ACCEPT_LICENSE '{}'",
                    join(&missing),
                    self.profile.accept_license.join(" ")
                ),
                loc: pkg.entry().loc_of("LICENSE"),
            });
        }
        if pkg.eapi.is_ok() {
            if let Some(r) = self.invalid_reason(pkg, &state.iuse_effective) {
                state.masked_by.push(r);
            }
        }
        if let Err(raw) = &pkg.eapi {
            state.masked_by.push(MaskReason {
                kind: MaskKind::Eapi,
                detail: format!("EAPI '{raw}' is not supported"),
                loc: pkg.entry().loc_of("EAPI"),
            });
            state.masked_by.push(MaskReason {
                kind: MaskKind::Invalid,
                detail: "metadata of an unsupported EAPI is not used (no SLOT, no KEYWORDS)"
                    .to_owned(),
                loc: Some(pkg.file()),
            });
        }
        state.visible = state.masked_by.is_empty();
        state.keywords = kw;
        state.accepted = acc;
        state
    }

    /// Licenses that keep `pkg` from being accepted (Portage
    /// `_getMaskedLicenses`): for an any-of group none if one alternative is
    /// acceptable, else all of them.
    fn missing_licenses(&self, pkg: &Package, state: &PackageState) -> Vec<Sym> {
        // Every license acceptable: whatever the groups, nothing is missing.
        if pkg
            .license_names
            .iter()
            .all(|&l| self.accept_license.accepts(l))
        {
            return Vec::new();
        }
        let reduced = pkg.license.reduce(|f| state.enabled.contains(&f));
        let mut out = Vec::new();
        masked_licenses(&reduced, &self.accept_license, &mut out);
        out
    }

    /// Where each forced and each masked flag of `state` (an evaluation of
    /// `pkg`) was forced or masked: the file and line of the deciding token.
    #[allow(clippy::type_complexity)]
    pub fn immutable_sources(
        &self,
        pkg: &Package,
        state: &PackageState,
    ) -> (Vec<(Sym, Option<Loc>)>, Vec<(Sym, Option<Loc>)>) {
        if state.forced.is_empty() && state.masked.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let streams = self.flag_streams(pkg, state.stable);
        let forced = state
            .forced
            .iter()
            .map(|&f| {
                (
                    f,
                    self.decide(&streams, state.stable, f).1.map(|d| d.origin),
                )
            })
            .collect();
        let masked = state
            .masked
            .iter()
            .map(|&f| {
                (
                    f,
                    self.decide(&streams, state.stable, f).2.map(|d| d.origin),
                )
            })
            .collect();
        (forced, masked)
    }

    /// The decisions behind `flag` for `pkg`, for `why`.
    pub fn trace_flag(&self, pkg: &Package, flag: Sym) -> FlagTrace {
        let state = self.evaluate(pkg);
        let streams = self.flag_streams(pkg, state.stable);
        let (u, fo, ma) = self.decide(&streams, state.stable, flag);
        FlagTrace {
            iuse_default: pkg
                .iuse
                .iter()
                .find(|(f, _)| *f == flag)
                .and_then(|(_, d)| *d),
            in_iuse: state.iuse_effective.contains(&flag),
            use_: u,
            force: fo,
            mask: ma,
            is_arch: Some(flag) == self.profile.arch,
            enabled: state.enabled.contains(&flag),
        }
    }
}

fn masked_licenses(r: &Reduced<'_, Sym>, acceptable: &AcceptLicense, out: &mut Vec<Sym>) {
    match r {
        Reduced::Leaf(l) => {
            if !acceptable.accepts(**l) {
                out.push(**l);
            }
        }
        Reduced::All(items) => {
            for i in items {
                masked_licenses(i, acceptable, out);
            }
        }
        Reduced::AnyOf(items) | Reduced::ExactlyOne(items) | Reduced::AtMostOne(items) => {
            let mut all = Vec::new();
            for i in items {
                let mut sub = Vec::new();
                masked_licenses(i, acceptable, &mut sub);
                if sub.is_empty() {
                    return;
                }
                all.extend(sub);
            }
            out.extend(all);
        }
        Reduced::Unsatisfiable => {}
    }
}

fn join(v: &[Sym]) -> String {
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// The [`Answer`] bits a flag code gives a version with IUSE default
/// `default`, unstable (`base` 0) or stable (`base` 9).
fn flag_bits(code: u32, base: usize, default: Option<bool>) -> u8 {
    let d = match default {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    (code >> (base + 3 * d)) as u8 & 7
}

/// The profile-wide outcome of a flag with profile-wide verdicts `pv` for a
/// version without package-level entries: for each of (unstable, stable) x
/// (no IUSE default, `+flag`, `-flag`), three bits in [`Answer`] layout, at
/// shift `3 * (3 * stable + default)`; bit 31 is always set. The IUSE
/// default's index in IUSE does not matter here: profile-wide tokens are
/// of the Repo or Profile layer, below or above every IUSE default
/// whatever its index.
fn flag_code(pv: ProfileVerdicts, is_arch: bool) -> u32 {
    let mut code = 1 << 31;
    for stable in [false, true] {
        let (u0, mut fo, mut ma) = (pv.use_, pv.force, pv.mask);
        if stable {
            fo = Verdict::latest(fo, pv.stable_force);
            ma = Verdict::latest(ma, pv.stable_mask);
        }
        let (forced, masked) = (Verdict::is_on(fo), Verdict::is_on(ma));
        for (d, default) in [None, Some(true), Some(false)].into_iter().enumerate() {
            let iuse_default = default.map(|on| Verdict {
                pos: Pos::new(Layer::Iuse, 0, 0, 0),
                on,
            });
            let mut u = Verdict::latest(iuse_default, u0);
            if stable {
                u = Verdict::latest(u, pv.use_stable);
            }
            let on = (Verdict::is_on(u) || forced || is_arch) && !masked;
            let mut bits = 0u32;
            if on {
                bits |= u32::from(Answer::ON);
            }
            if forced {
                bits |= u32::from(Answer::FORCED);
            }
            if masked {
                bits |= u32::from(Answer::MASKED);
            }
            code |= bits << (3 * (3 * usize::from(stable) + d));
        }
    }
    code
}
