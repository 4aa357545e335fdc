//! The pubgrub [`DependencyProvider`]: builds the packages of
//! [`crate::package`] lazily from the [`Universe`] and compiles each chosen
//! version's dependency specifications into index-set constraints.
//!
//! Everything is created on first use and then frozen: a slot package's
//! variant list is built once, when some atom first touches its
//! `cat/pkg`, so the index sets computed from it stay valid for the whole
//! solve. Side tables record, for the explanations, which atom and
//! dependency class produced each edge and who first pulled each package.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::rc::Rc;

use ahash::{HashMap, HashMapExt, HashSet};
use portolan_engine::atom::{Atom, Blocker, PkgRef};
use portolan_engine::depspec::{check_required_use, required_use_unsatisfied, Reduced};
use portolan_engine::intern::Sym;
use pubgrub::{Dependencies, DependencyProvider, PackageResolutionStatistics, VersionSet};

use crate::idxset::IdxSet;
use crate::package::{Pkg, MAX_VARIANTS};
use crate::universe::{Candidate, DepClass, MaskKind, Request, Universe};
use crate::verdict::ProblemKind;

/// Why the search stopped without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    #[error("gave up after {0} solver steps")]
    Budget(usize),
}

/// Most USE combinations tried per candidate while looking for
/// [`MAX_VARIANTS`] that satisfy REQUIRED_USE.
const MAX_COMBOS_TRIED: usize = 4096;

fn has(sorted: &[Sym], f: Sym) -> bool {
    sorted.binary_search(&f).is_ok()
}

fn sorted(v: impl IntoIterator<Item = Sym>) -> Vec<Sym> {
    let mut v: Vec<Sym> = v.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// What a candidate looks like to the solver, prepared once.
pub(crate) struct Prepared<'u> {
    pub cand: &'u Candidate,
    /// Index in `universe.candidates(cp)`: the candidate's identity.
    pub idx: usize,
    pub iuse: Vec<Sym>,
    pub forced: Vec<Sym>,
    pub masked: Vec<Sym>,
}

/// One configured variant: a candidate with one USE configuration.
pub(crate) struct Variant<'u> {
    pub prep: Rc<Prepared<'u>>,
    /// Enabled flags, sorted by id.
    pub use_: Rc<[Sym]>,
    /// Flags flipped relative to the effective USE: `(flag, now enabled)`.
    pub changes: Vec<(Sym, bool)>,
}

pub(crate) struct SlotPkg<'u> {
    /// Version `i` (≥ 1) is `variants[i - 1]`; 0 is "not installed".
    pub variants: Vec<Variant<'u>>,
}

pub(crate) struct CpInfo {
    /// Slots with at least one variant, in first-seen order.
    pub slots: Vec<Sym>,
}

pub(crate) struct AnySlotPkg {
    pub cp: Sym,
    /// Version `k` requires `Slot { cp, alts[k].0 }` within `alts[k].1`.
    pub alts: Vec<(Sym, IdxSet)>,
    pub atom: String,
}

pub(crate) struct AnyOfPkg {
    /// Version `k` requires every dependency of `alts[k]`.
    pub alts: Vec<Vec<Dep>>,
    pub alt_texts: Vec<String>,
    pub text: String,
}

/// A diagnosed atom that nothing can satisfy.
#[derive(Clone, Debug)]
pub(crate) struct UnsatInfo {
    pub kind: ProblemKind,
    pub atom: String,
    pub detail: String,
    pub source: Option<String>,
}

/// Where an edge of the dependency graph came from.
#[derive(Clone, Debug)]
pub(crate) struct EdgeInfo {
    /// `None` for the request's targets and the proxies' own edges.
    pub class: Option<DepClass>,
    /// The atom or group as written.
    pub text: String,
    pub blocker: bool,
}

/// One compiled dependency.
#[derive(Clone, Debug)]
pub(crate) struct Dep {
    pub pkg: Pkg,
    pub set: IdxSet,
    pub info: Vec<EdgeInfo>,
}

/// The depending side while compiling.
struct Ctx<'a> {
    use_: &'a [Sym],
    /// `(cat/pkg, candidate index)` of the depending version.
    me: Option<(Sym, usize)>,
    class: Option<DepClass>,
}

/// An atom, the states its USE deps require once evaluated against the
/// depending version, and that version's candidate index when the atom
/// names its own `cat/pkg` (blockers skip it). Together they decide the
/// compiled constraint, whatever else the depending version is.
type AtomKey = (Atom, Vec<Option<bool>>, Option<usize>);

pub(crate) struct State<'u> {
    pub cps: HashMap<Sym, CpInfo>,
    pub slots: HashMap<(Sym, Sym), SlotPkg<'u>>,
    pub anyslots: Vec<AnySlotPkg>,
    anyslot_ids: HashMap<(Sym, Vec<(Sym, IdxSet)>), u32>,
    pub anyofs: Vec<AnyOfPkg>,
    anyof_ids: HashMap<Vec<Vec<(Pkg, IdxSet)>>, u32>,
    pub unsats: Vec<UnsatInfo>,
    unsat_ids: HashMap<(ProblemKind, String, String), u32>,
    /// `(from, from version, to)` → what produced the edge.
    pub edges: HashMap<(Pkg, u32, Pkg), Vec<EdgeInfo>>,
    /// The first positive edge into each package: `(from, version, class)`.
    pub pulled_by: HashMap<Pkg, (Pkg, u32, Option<DepClass>)>,
    /// `cat/pkg` → flags some USE dependency on it mentions (only with
    /// `allow_use_changes`).
    relevant: Option<HashMap<Sym, Vec<Sym>>>,
    /// Compiled non-conditional-dependent atoms: `(atom, evaluated USE
    /// states, own candidate when the atom names the own cat/pkg)`.
    atom_cache: HashMap<AtomKey, Vec<Dep>>,
    /// Diagnosed atoms treated as satisfied (one version, no
    /// dependencies) to look for further problems after a failure.
    pub set_aside: HashSet<u32>,
    steps: usize,
}

pub(crate) struct Provider<'u> {
    pub u: &'u Universe,
    pub req: &'u Request,
    pub st: RefCell<State<'u>>,
    max_steps: usize,
}

impl<'u> Provider<'u> {
    pub fn new(u: &'u Universe, req: &'u Request, max_steps: usize) -> Provider<'u> {
        Provider {
            u,
            req,
            max_steps,
            st: RefCell::new(State {
                cps: HashMap::new(),
                slots: HashMap::new(),
                anyslots: Vec::new(),
                anyslot_ids: HashMap::new(),
                anyofs: Vec::new(),
                anyof_ids: HashMap::new(),
                unsats: Vec::new(),
                unsat_ids: HashMap::new(),
                edges: HashMap::new(),
                pulled_by: HashMap::new(),
                relevant: None,
                atom_cache: HashMap::new(),
                set_aside: Default::default(),
                steps: 0,
            }),
        }
    }

    fn version_count(&self, pkg: &Pkg) -> u32 {
        let st = self.st.borrow();
        let n = match pkg {
            Pkg::Root => 1,
            Pkg::Slot { cp, slot } => {
                st.slots.get(&(*cp, *slot)).map_or(0, |s| s.variants.len()) + 1
            }
            Pkg::AnySlot(i) => st.anyslots.get(*i as usize).map_or(0, |a| a.alts.len()),
            Pkg::AnyOf(i) => st.anyofs.get(*i as usize).map_or(0, |a| a.alts.len()),
            Pkg::Unsat(i) => usize::from(st.set_aside.contains(i)),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl<'u> DependencyProvider for Provider<'u> {
    type P = Pkg;
    type V = u32;
    type VS = IdxSet;
    type M = String;
    type Err = SolveError;
    /// Impossible packages first (they fail at once and name the problem),
    /// then packages involved in many conflicts, then fewest choices.
    type Priority = (bool, u32, Reverse<u32>);

    fn prioritize(
        &self,
        pkg: &Pkg,
        range: &IdxSet,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let count = range.count_below(self.version_count(pkg));
        (count == 0, stats.conflict_count(), Reverse(count))
    }

    fn choose_version(&self, pkg: &Pkg, range: &IdxSet) -> Result<Option<u32>, SolveError> {
        self.st.borrow_mut().steps += 1;
        // Lowest index = most preferred; for a slot package that is "not
        // installed" when allowed, which only blockers allow.
        Ok(range.first_below(self.version_count(pkg)))
    }

    fn get_dependencies(
        &self,
        pkg: &Pkg,
        version: &u32,
    ) -> Result<Dependencies<Pkg, IdxSet, String>, SolveError> {
        let deps = self
            .st
            .borrow_mut()
            .dependencies(self.u, self.req, *pkg, *version);
        Ok(Dependencies::Available(
            deps.into_iter().map(|d| (d.pkg, d.set)).collect(),
        ))
    }

    fn should_cancel(&self) -> Result<(), SolveError> {
        let steps = self.st.borrow().steps;
        if steps > self.max_steps {
            return Err(SolveError::Budget(steps));
        }
        Ok(())
    }
}

/// Merges dependencies on the same package (both must hold: intersect),
/// keeping first-appearance order; pubgrub expects each package once.
fn merge(deps: Vec<Dep>) -> Vec<Dep> {
    let mut out: Vec<Dep> = Vec::with_capacity(deps.len());
    let mut at: HashMap<Pkg, usize> = HashMap::new();
    for d in deps {
        match at.get(&d.pkg) {
            Some(&i) => {
                out[i].set = out[i].set.intersection(&d.set);
                out[i].info.extend(d.info);
            }
            None => {
                at.insert(d.pkg, out.len());
                out.push(d);
            }
        }
    }
    out
}

fn provided_matches(u: &Universe, atom: &Atom) -> bool {
    u.provided.iter().any(|(cp, v)| {
        if *cp != atom.cp {
            return false;
        }
        // Provided entries have no slot or repository: Portage matches them
        // by name and version only, so make the slot parts agree.
        let slot = atom.slot.unwrap_or(*cp);
        let pkg = PkgRef {
            cp: *cp,
            version: v,
            slot,
            subslot: atom.subslot.unwrap_or(slot),
            repo: None,
        };
        atom.matches(&pkg)
    })
}

fn pkg_ref(c: &Candidate) -> PkgRef<'_> {
    PkgRef {
        cp: c.cp,
        version: &c.version,
        slot: c.slot,
        subslot: c.subslot,
        repo: Some(c.repo),
    }
}

/// The k-subsets of `0..n`, by increasing k, lexicographic within k.
fn combinations(n: usize, mut visit: impl FnMut(&[usize]) -> bool) {
    if !visit(&[]) {
        return;
    }
    for k in 1..=n {
        let mut idx: Vec<usize> = (0..k).collect();
        loop {
            if !visit(&idx) {
                return;
            }
            let mut i = k;
            while i > 0 && idx[i - 1] == n - k + i - 1 {
                i -= 1;
            }
            if i == 0 {
                break;
            }
            idx[i - 1] += 1;
            for j in i..k {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }
}

impl<'u> State<'u> {
    fn dependencies(&mut self, u: &'u Universe, req: &'u Request, pkg: Pkg, v: u32) -> Vec<Dep> {
        self.steps += 1;
        let deps = match pkg {
            Pkg::Root => {
                let targets = Reduced::All(req.targets.iter().map(Reduced::Leaf).collect());
                let ctx = Ctx {
                    use_: &[],
                    me: None,
                    class: None,
                };
                let mut out = Vec::new();
                self.compile(u, req, &targets, &ctx, &mut out);
                merge(out)
            }
            Pkg::Slot { cp, slot } => {
                let Some(var) = self
                    .slots
                    .get(&(cp, slot))
                    .and_then(|s| s.variants.get((v as usize).wrapping_sub(1)))
                else {
                    return Vec::new(); // "not installed"
                };
                let (prep, use_) = (var.prep.clone(), var.use_.clone());
                let mut out = Vec::new();
                for &class in req.deps.classes() {
                    let reduced = prep.cand.deps(class).reduce(|f| has(&use_, f));
                    let ctx = Ctx {
                        use_: &use_,
                        me: Some((cp, prep.idx)),
                        class: Some(class),
                    };
                    self.compile(u, req, &reduced, &ctx, &mut out);
                }
                let mut deps = merge(out);
                // A dependency on the own slot is met by this very version
                // or by nothing (two versions of one slot cannot coexist).
                for d in &mut deps {
                    if d.pkg == pkg && !d.set.has(v) {
                        let text = d.info.first().map_or(String::new(), |i| i.text.clone());
                        let detail = format!(
                            "{} depends on {text}, which only another version or USE configuration of its own slot would satisfy",
                            prep.cand.cpv()
                        );
                        let id = self.unsat(ProblemKind::Conflict, text, detail, None);
                        d.pkg = Pkg::Unsat(id);
                        d.set = IdxSet::full();
                    }
                }
                deps.retain(|d| d.pkg != pkg);
                deps
            }
            Pkg::AnySlot(i) => match self.anyslots.get(i as usize) {
                Some(a) => match a.alts.get(v as usize) {
                    Some((slot, set)) => vec![Dep {
                        pkg: Pkg::Slot {
                            cp: a.cp,
                            slot: *slot,
                        },
                        set: set.clone(),
                        info: vec![EdgeInfo {
                            class: None,
                            text: a.atom.clone(),
                            blocker: false,
                        }],
                    }],
                    None => Vec::new(),
                },
                None => Vec::new(),
            },
            Pkg::AnyOf(i) => self
                .anyofs
                .get(i as usize)
                .and_then(|a| a.alts.get(v as usize))
                .cloned()
                .unwrap_or_default(),
            Pkg::Unsat(_) => Vec::new(),
        };
        for d in &deps {
            self.edges.insert((pkg, v, d.pkg), d.info.clone());
            if d.info.iter().any(|i| !i.blocker) {
                let class = d.info.iter().find_map(|i| i.class);
                self.pulled_by.entry(d.pkg).or_insert((pkg, v, class));
            }
        }
        deps
    }

    /// Appends the dependencies of one reduced node to `out`.
    fn compile(
        &mut self,
        u: &'u Universe,
        req: &'u Request,
        node: &Reduced<'_, Atom>,
        ctx: &Ctx<'_>,
        out: &mut Vec<Dep>,
    ) {
        match node {
            Reduced::Leaf(atom) => {
                let deps = self.compile_atom(u, req, atom, ctx);
                out.extend(deps.into_iter().map(|mut d| {
                    for i in &mut d.info {
                        i.class = ctx.class;
                    }
                    d
                }));
            }
            Reduced::All(v) => {
                for m in v {
                    self.compile(u, req, m, ctx, out);
                }
            }
            // `^^`/`??` cannot occur in dependency classes; treat `^^` as
            // `||` and `??` as no requirement rather than fail.
            Reduced::AnyOf(v) | Reduced::ExactlyOne(v) => {
                let mut alts = Vec::with_capacity(v.len());
                let mut alt_texts = Vec::with_capacity(v.len());
                for m in v {
                    let mut alt = Vec::new();
                    self.compile(u, req, m, ctx, &mut alt);
                    if alt.is_empty() {
                        // Satisfied without installing anything (provided,
                        // or a blocker that blocks nothing): so is the group.
                        return;
                    }
                    alts.push(merge(alt));
                    alt_texts.push(m.to_string());
                }
                let key: Vec<Vec<(Pkg, IdxSet)>> = alts
                    .iter()
                    .map(|a| a.iter().map(|d| (d.pkg, d.set.clone())).collect())
                    .collect();
                let text = node.to_string();
                let id = match self.anyof_ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = self.anyofs.len() as u32;
                        self.anyofs.push(AnyOfPkg {
                            alts,
                            alt_texts,
                            text: text.clone(),
                        });
                        self.anyof_ids.insert(key, id);
                        id
                    }
                };
                out.push(Dep {
                    pkg: Pkg::AnyOf(id),
                    set: IdxSet::full(),
                    info: vec![EdgeInfo {
                        class: ctx.class,
                        text,
                        blocker: false,
                    }],
                });
            }
            Reduced::AtMostOne(_) => {}
            Reduced::Unsatisfiable => {
                let text = "|| ( )".to_string();
                let detail = "an any-of group has no member left for this USE configuration (EAPI 7+: unsatisfiable)".to_string();
                let id = self.unsat(ProblemKind::Conflict, text.clone(), detail, None);
                out.push(Dep {
                    pkg: Pkg::Unsat(id),
                    set: IdxSet::full(),
                    info: vec![EdgeInfo {
                        class: ctx.class,
                        text,
                        blocker: false,
                    }],
                });
            }
        }
    }

    fn unsat(
        &mut self,
        kind: ProblemKind,
        atom: String,
        detail: String,
        source: Option<String>,
    ) -> u32 {
        let key = (kind, atom.clone(), detail.clone());
        if let Some(&id) = self.unsat_ids.get(&key) {
            return id;
        }
        let id = self.unsats.len() as u32;
        self.unsats.push(UnsatInfo {
            kind,
            atom,
            detail,
            source,
        });
        self.unsat_ids.insert(key, id);
        id
    }

    fn compile_atom(
        &mut self,
        u: &'u Universe,
        req: &'u Request,
        atom: &Atom,
        ctx: &Ctx<'_>,
    ) -> Vec<Dep> {
        let parent = |f: Sym| has(ctx.use_, f);
        let states: Vec<Option<bool>> = atom
            .use_deps
            .iter()
            .map(|d| d.required_state(parent))
            .collect();
        let me = ctx.me.filter(|(cp, _)| *cp == atom.cp).map(|(_, i)| i);
        let key = (atom.clone(), states, me);
        if let Some(d) = self.atom_cache.get(&key) {
            return d.clone();
        }
        let deps = if atom.blocker == Blocker::None {
            self.compile_positive(u, req, atom, ctx)
        } else {
            self.compile_blocker(u, req, atom, ctx, me)
        };
        self.atom_cache.insert(key, deps.clone());
        deps
    }

    /// The set of variants of `(cp, slot)` that match `atom` with its USE
    /// dependencies evaluated against `parent`.
    fn matching(&self, cp: Sym, slot: Sym, atom: &Atom, parent: &[Sym]) -> Vec<u32> {
        let Some(sp) = self.slots.get(&(cp, slot)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut last: Option<(usize, bool)> = None;
        for (i, var) in sp.variants.iter().enumerate() {
            let c = var.prep.cand;
            // Variants of one candidate are not adjacent in general, but the
            // name/version/slot test only depends on the candidate.
            let name_ok = match last {
                Some((idx, ok)) if idx == var.prep.idx => ok,
                _ => {
                    let ok = atom.matches(&pkg_ref(c));
                    last = Some((var.prep.idx, ok));
                    ok
                }
            };
            if name_ok
                && atom.use_deps_satisfied(
                    |f| has(parent, f),
                    |f| has(&var.use_, f),
                    |f| has(&var.prep.iuse, f),
                )
            {
                out.push(i as u32 + 1);
            }
        }
        out
    }

    fn compile_positive(
        &mut self,
        u: &'u Universe,
        req: &'u Request,
        atom: &Atom,
        ctx: &Ctx<'_>,
    ) -> Vec<Dep> {
        let text = atom.to_string();
        let info = vec![EdgeInfo {
            class: ctx.class,
            text: text.clone(),
            blocker: false,
        }];
        if provided_matches(u, atom) {
            return Vec::new();
        }
        self.ensure_cp(u, req, atom.cp);
        let slots = self.cps.get(&atom.cp).map_or(&[][..], |c| &c.slots[..]);
        let mut per_slot: Vec<(Sym, Vec<u32>)> = Vec::new();
        for &slot in slots {
            let m = self.matching(atom.cp, slot, atom, ctx.use_);
            if !m.is_empty() {
                per_slot.push((slot, m));
            }
        }
        match per_slot.len() {
            0 => {
                let (kind, detail, source) = self.diagnose(u, req, atom, ctx.use_);
                let id = self.unsat(kind, text, detail, source);
                vec![Dep {
                    pkg: Pkg::Unsat(id),
                    set: IdxSet::full(),
                    info,
                }]
            }
            1 => {
                let (slot, m) = per_slot.pop().unwrap_or_else(|| (atom.cp, Vec::new()));
                vec![Dep {
                    pkg: Pkg::Slot { cp: atom.cp, slot },
                    set: IdxSet::from_indices(m),
                    info,
                }]
            }
            _ => {
                // Best version first: the slot whose best match is newest.
                let best = |s: &Self, slot: Sym, m: &[u32]| {
                    s.slots.get(&(atom.cp, slot)).and_then(|sp| {
                        m.iter()
                            .filter_map(|&i| sp.variants.get(i as usize - 1))
                            .map(|v| v.prep.cand.version.clone())
                            .max()
                    })
                };
                let mut ranked: Vec<(Option<_>, usize, Sym, Vec<u32>)> = per_slot
                    .into_iter()
                    .enumerate()
                    .map(|(k, (slot, m))| (best(self, slot, &m), k, slot, m))
                    .collect();
                ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let alts: Vec<(Sym, IdxSet)> = ranked
                    .into_iter()
                    .map(|(_, _, slot, m)| (slot, IdxSet::from_indices(m)))
                    .collect();
                let key = (atom.cp, alts.clone());
                let id = match self.anyslot_ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = self.anyslots.len() as u32;
                        self.anyslots.push(AnySlotPkg {
                            cp: atom.cp,
                            alts,
                            atom: text,
                        });
                        self.anyslot_ids.insert(key, id);
                        id
                    }
                };
                vec![Dep {
                    pkg: Pkg::AnySlot(id),
                    set: IdxSet::full(),
                    info,
                }]
            }
        }
    }

    fn compile_blocker(
        &mut self,
        u: &'u Universe,
        req: &'u Request,
        atom: &Atom,
        ctx: &Ctx<'_>,
        me: Option<usize>,
    ) -> Vec<Dep> {
        self.ensure_cp(u, req, atom.cp);
        let slots: Vec<Sym> = self
            .cps
            .get(&atom.cp)
            .map_or(Vec::new(), |c| c.slots.clone());
        let mut out = Vec::new();
        for slot in slots {
            let mut blocked = self.matching(atom.cp, slot, atom, ctx.use_);
            if let (Some(me), Some(sp)) = (me, self.slots.get(&(atom.cp, slot))) {
                // A blocker never blocks the version that carries it.
                blocked.retain(|&i| sp.variants[i as usize - 1].prep.idx != me);
            }
            if !blocked.is_empty() {
                out.push(Dep {
                    pkg: Pkg::Slot { cp: atom.cp, slot },
                    set: IdxSet::from_indices(blocked).complement(),
                    info: vec![EdgeInfo {
                        class: ctx.class,
                        text: atom.to_string(),
                        blocker: true,
                    }],
                });
            }
        }
        out
    }

    /// Flags that USE dependencies on each `cat/pkg` mention, over the
    /// whole universe (the candidates for USE changes).
    fn relevant_flags(&mut self, u: &Universe, req: &Request, cp: Sym) -> Vec<Sym> {
        let map = self.relevant.get_or_insert_with(|| {
            let mut m: HashMap<Sym, Vec<Sym>> = HashMap::new();
            for cands in u.packages.values() {
                for c in cands {
                    for &class in req.deps.classes() {
                        for a in c.deps(class).leaves() {
                            if !a.use_deps.is_empty() {
                                m.entry(a.cp)
                                    .or_default()
                                    .extend(a.use_deps.iter().map(|d| d.flag));
                            }
                        }
                    }
                }
            }
            for a in &req.targets {
                m.entry(a.cp)
                    .or_default()
                    .extend(a.use_deps.iter().map(|d| d.flag));
            }
            m.into_iter().map(|(k, v)| (k, sorted(v))).collect()
        });
        map.get(&cp).cloned().unwrap_or_default()
    }

    /// Builds the slot packages of `cp`: visible candidates grouped by
    /// slot, each expanded into its USE variants, most preferred first.
    fn ensure_cp(&mut self, u: &'u Universe, req: &'u Request, cp: Sym) {
        if self.cps.contains_key(&cp) {
            return;
        }
        let relevant = if req.allow_use_changes {
            self.relevant_flags(u, req, cp)
        } else {
            Vec::new()
        };
        let mut slots: Vec<Sym> = Vec::new();
        let mut by_slot: HashMap<Sym, Vec<Variant<'u>>> = HashMap::new();
        for (idx, c) in u.candidates(cp).iter().enumerate() {
            if !c.is_visible() {
                continue;
            }
            let prep = Rc::new(Prepared {
                cand: c,
                idx,
                iuse: sorted(c.iuse.iter().copied()),
                forced: sorted(c.forced.iter().map(|f| f.flag)),
                masked: sorted(c.use_masked.iter().map(|f| f.flag)),
            });
            let vars = variants(&prep, req.allow_use_changes, &relevant);
            if vars.is_empty() {
                continue;
            }
            if !by_slot.contains_key(&c.slot) {
                slots.push(c.slot);
            }
            by_slot.entry(c.slot).or_default().extend(vars);
        }
        for (slot, mut vars) in by_slot {
            // Fewest USE changes, then newest, then repository order.
            vars.sort_by(|a, b| {
                a.changes
                    .len()
                    .cmp(&b.changes.len())
                    .then_with(|| b.prep.cand.version.cmp(&a.prep.cand.version))
                    .then_with(|| a.prep.idx.cmp(&b.prep.idx))
            });
            self.slots.insert((cp, slot), SlotPkg { variants: vars });
        }
        self.cps.insert(cp, CpInfo { slots });
    }

    /// Why no variant satisfies `atom`: the problem kind, a sentence, and
    /// the responsible FILE:LINE.
    fn diagnose(
        &self,
        u: &Universe,
        req: &Request,
        atom: &Atom,
        parent: &[Sym],
    ) -> (ProblemKind, String, Option<String>) {
        let all = u.candidates(atom.cp);
        if all.is_empty() {
            return (
                ProblemKind::Missing,
                format!("{} is not in any repository", atom.cp),
                None,
            );
        }
        let mut matching: Vec<&Candidate> =
            all.iter().filter(|c| atom.matches(&pkg_ref(c))).collect();
        matching.sort_by(|a, b| b.version.cmp(&a.version));
        if matching.is_empty() {
            let mut have: Vec<&Candidate> = all.iter().collect();
            have.sort_by(|a, b| b.version.cmp(&a.version));
            let list = list_some(
                have.iter()
                    .map(|c| format!("{}:{}::{}", c.cpv(), c.slot, c.repo)),
            );
            return (
                ProblemKind::Missing,
                format!("no version of {} matches {atom} (there is {list})", atom.cp),
                None,
            );
        }
        let visible: Vec<&Candidate> = matching
            .iter()
            .copied()
            .filter(|c| c.is_visible())
            .collect();
        if visible.is_empty() {
            let newest = matching[0];
            let kind = if newest.masked.iter().all(|r| r.kind == MaskKind::Keywords) {
                ProblemKind::Keywords
            } else {
                ProblemKind::Masked
            };
            let source = matching
                .iter()
                .flat_map(|c| &c.masked)
                .find_map(|r| r.loc.as_ref().map(|l| l.to_string()));
            let detail = list_some(matching.iter().map(|c| {
                let why: Vec<String> = c
                    .masked
                    .iter()
                    .map(|r| match &r.loc {
                        Some(l) => format!("{} ({l})", r.detail),
                        None => r.detail.clone(),
                    })
                    .collect();
                format!("{}::{} is masked by {}", c.cpv(), c.repo, why.join(", "))
            }));
            let what = if kind == ProblemKind::Keywords {
                "not keyworded"
            } else {
                "masked"
            };
            return (
                kind,
                format!("every version matching {atom} is {what}: {detail}"),
                source,
            );
        }
        // Visible candidates exist; none has a usable configuration. Each
        // reason is said once for all versions it applies to.
        let mut kind = None;
        let mut source = None;
        let mut reasons: Vec<(Vec<&Candidate>, String)> = Vec::new();
        for c in visible.iter().take(5) {
            let (c_kind, why) = self.why_unusable(req, c, atom, parent, &mut source);
            kind.get_or_insert(c_kind);
            match reasons.iter_mut().find(|(_, w)| *w == why) {
                Some((cs, _)) => cs.push(c),
                None => reasons.push((vec![c], why)),
            }
        }
        let text: Vec<String> = reasons
            .iter()
            .map(|(cs, why)| {
                let also: Vec<&str> = cs[1..].iter().map(|c| c.version.as_str()).collect();
                if also.is_empty() {
                    format!("{}: {why}", cs[0].cpv())
                } else {
                    format!("{} (likewise {}): {why}", cs[0].cpv(), also.join(", "))
                }
            })
            .collect();
        (
            kind.unwrap_or(ProblemKind::Use),
            format!("{atom}: {}", text.join("; ")),
            source,
        )
    }

    /// Why visible candidate `c` has no configured variant satisfying
    /// `atom`, without naming `c` (the caller groups versions).
    fn why_unusable(
        &self,
        req: &Request,
        c: &Candidate,
        atom: &Atom,
        parent: &[Sym],
        source: &mut Option<String>,
    ) -> (ProblemKind, String) {
        let use_ = sorted(c.use_enabled.iter().copied());
        let iuse = sorted(c.iuse.iter().copied());
        let has_variants = self
            .slots
            .get(&(c.cp, c.slot))
            .is_some_and(|sp| sp.variants.iter().any(|v| std::ptr::eq(v.prep.cand, c)));
        if !has_variants {
            let why = if req.allow_use_changes {
                format!(
                    "no USE configuration satisfies REQUIRED_USE \"{}\"",
                    c.required_use
                )
            } else {
                let bad = required_use_unsatisfied(&c.required_use, |f| has(&use_, f));
                format!(
                    "REQUIRED_USE \"{}\" is not satisfied with USE \"{}\"",
                    bad.join(" "),
                    flag_states(&bad, &use_)
                )
            };
            return (ProblemKind::RequiredUse, why);
        }
        let mut why = Vec::new();
        let mut kind = ProblemKind::Use;
        for d in atom.use_deps.iter() {
            if d.default.is_none() && !has(&iuse, d.flag) {
                why.push(format!(
                    "has no USE flag {} (and {atom} gives no (+)/(-) default)",
                    d.flag
                ));
            }
        }
        for (flag, want, default) in atom.evaluated_use_deps(|f| has(parent, f)) {
            if !has(&iuse, flag) {
                if let Some(dflt) = default.filter(|&d| d != want) {
                    why.push(format!(
                        "has no USE flag {flag}, which the ({}) default counts as {}",
                        if dflt { "+" } else { "-" },
                        if dflt { "enabled" } else { "disabled" }
                    ));
                }
                continue;
            }
            if has(&use_, flag) == want {
                continue;
            }
            let state = if want { "enabled" } else { "disabled" };
            let immutable = if want {
                c.use_masked
                    .iter()
                    .find(|f| f.flag == flag)
                    .map(|f| ("masked", f))
            } else {
                c.forced
                    .iter()
                    .find(|f| f.flag == flag)
                    .map(|f| ("forced", f))
            };
            match immutable {
                Some((how, f)) => {
                    let at = f.source.as_ref().map(|l| l.to_string());
                    why.push(format!(
                        "needs USE flag {flag} {state}, but it is {how}{}",
                        at.as_ref().map_or(String::new(), |l| format!(" by {l}"))
                    ));
                    if source.is_none() {
                        *source = at;
                    }
                }
                None if !req.allow_use_changes => {
                    why.push(format!("needs USE flag {flag} {state} (a USE change)"))
                }
                None => {
                    kind = ProblemKind::RequiredUse;
                    why.push(format!(
                        "would need USE flag {flag} {state}, but no such configuration satisfies REQUIRED_USE \"{}\"",
                        c.required_use
                    ));
                }
            }
        }
        if why.is_empty() {
            // The profile's configuration would match, so it must be
            // REQUIRED_USE (or the variant limit) that rules it out.
            kind = ProblemKind::RequiredUse;
            why.push(format!(
                "no USE configuration that satisfies {atom} also satisfies REQUIRED_USE \"{}\"",
                c.required_use
            ));
        }
        (kind, why.join("; "))
    }
}

/// The USE variants of one visible candidate (see [`crate::package`]).
fn variants<'u>(
    prep: &Rc<Prepared<'u>>,
    allow_changes: bool,
    relevant: &[Sym],
) -> Vec<Variant<'u>> {
    let c = prep.cand;
    let base = sorted(c.use_enabled.iter().copied());
    let ok = |use_: &[Sym]| check_required_use(&c.required_use, |f| has(use_, f));
    if !allow_changes {
        if !ok(&base) {
            return Vec::new();
        }
        return vec![Variant {
            prep: prep.clone(),
            use_: base.into(),
            changes: Vec::new(),
        }];
    }
    let mut flags: Vec<Sym> = relevant
        .iter()
        .copied()
        .chain(c.required_use.referenced_flags())
        .filter(|f| has(&prep.iuse, *f) && !has(&prep.forced, *f) && !has(&prep.masked, *f))
        .collect();
    flags.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    flags.dedup();
    let mut out = Vec::new();
    let mut tried = 0;
    combinations(flags.len(), |pick| {
        tried += 1;
        let changes: Vec<(Sym, bool)> = pick
            .iter()
            .map(|&i| (flags[i], !has(&base, flags[i])))
            .collect();
        let mut use_: Vec<Sym> = base
            .iter()
            .copied()
            .filter(|f| !changes.iter().any(|(g, on)| g == f && !on))
            .chain(changes.iter().filter(|(_, on)| *on).map(|(g, _)| *g))
            .collect();
        use_.sort_unstable();
        if ok(&use_) {
            out.push(Variant {
                prep: prep.clone(),
                use_: use_.into(),
                changes,
            });
        }
        out.len() < MAX_VARIANTS && tried < MAX_COMBOS_TRIED
    });
    out
}

/// The state of every flag the violated REQUIRED_USE constraints mention:
/// `qt -gtk`.
fn flag_states(constraints: &[String], use_: &[Sym]) -> String {
    let mut flags: Vec<&str> = constraints
        .iter()
        .flat_map(|c| c.split_whitespace())
        .map(|t| t.trim_start_matches('!').trim_end_matches('?'))
        .filter(|t| !matches!(*t, "" | "(" | ")" | "||" | "^^" | "??"))
        .collect();
    flags.sort_unstable();
    flags.dedup();
    flags
        .iter()
        .map(|f| {
            let on = Sym::lookup(f).is_some_and(|s| has(use_, s));
            format!("{}{f}", if on { "" } else { "-" })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Up to five items joined with ", ", then "and N more".
pub(crate) fn list_some(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    if all.len() <= 5 {
        all.join(", ")
    } else {
        format!("{}, and {} more", all[..5].join(", "), all.len() - 5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_by_size() {
        let mut seen = Vec::new();
        combinations(3, |p| {
            seen.push(p.to_vec());
            true
        });
        assert_eq!(
            seen,
            vec![
                vec![],
                vec![0],
                vec![1],
                vec![2],
                vec![0, 1],
                vec![0, 2],
                vec![1, 2],
                vec![0, 1, 2]
            ]
        );
        let mut n = 0;
        combinations(30, |_| {
            n += 1;
            n < 10
        });
        assert_eq!(n, 10);
    }
}
