//! The reference solver: a deliberately naive exhaustive search that says
//! whether a request is installable, for repositories small enough to
//! enumerate. It exists to be *obviously* right, so that the pubgrub model
//! ([`crate::solve`]) can be tested against it (`tests/properties.rs`,
//! `tests/random.rs`), and it is exponential on purpose: never use it on a
//! real tree.
//!
//! # Input: the solver's [`Universe`], not the engine tree
//!
//! The reference reads the same [`Universe`] the solver does. That type is
//! plain data — the engine's per-profile answers (visibility, effective
//! USE, forced and masked flags) copied into owned fields, plus the parsed
//! [`DepSpec`]s — with no solver logic in it, so sharing it shares no
//! behaviour that could hide a bug. Starting from the engine `Tree` instead
//! would add nothing to the check of the model (the universe is filled by
//! the thin `profile` adapter) and would force every generated test
//! repository through md5-cache files on disk. Everything the reference
//! decides beyond the data comes from the engine's own primitives, which
//! the conformance vectors verify against Portage: [`Atom::matches`]
//! (name, version operator, slot and sub-slot), [`Atom::use_deps_satisfied`]
//! (USE dependencies with `(+)`/`(-)` defaults and conditionals),
//! [`DepSpec::evaluate`] (USE conditionals and `||`) and
//! [`check_required_use`]. Nothing here uses the pubgrub model
//! (`provider`, `package`, `idxset`, `report`).
//!
//! # Method
//!
//! An *installation* is a set of [`Pick`]s: at most one visible candidate
//! per `(cat/pkg, SLOT)`, each with one USE configuration. [`decide`] tries
//! every installation and asks [`violations`] whether it meets every
//! constraint directly:
//!
//! * every target and every dependency of every selected class, with the
//!   USE conditionals of the depending version evaluated under *its* USE;
//!   an atom is met by a picked version that matches it (name, version,
//!   slot/sub-slot, USE deps evaluated against the depender) or by a
//!   `package.provided` entry matching by name and version;
//! * no blocker (`!` and `!!` alike) matches a picked version other than
//!   the one that carries it;
//! * every pick is visible and its USE satisfies its REQUIRED_USE.
//!
//! USE configurations: without [`Request::allow_use_changes`] a pick has
//! its effective USE. With it, any subset of [`changeable_flags`] may be
//! flipped. That set is the solver's documented autounmask policy (see
//! `src/package.rs`): flags in IUSE, neither forced nor masked, that a USE
//! dependency on the package (anywhere in the universe or the targets) or
//! the package's own REQUIRED_USE mentions. Like emerge, the solver never
//! flips a flag only to switch a conditional dependency off, so neither
//! does the reference; a flag mentioned only in `flag? ( … )` keeps its
//! profile value.
//!
//! Only `(cat/pkg, SLOT)`s *reachable* from the targets through positive
//! atoms (of any candidate's dependencies, conditionals and `||` taken
//! whole) are enumerated; the others stay uninstalled. This loses nothing:
//! removing unreachable picks from a valid installation keeps it valid —
//! no remaining dependency can be met by them, and fewer picks can only
//! relieve blockers.

use portolan_engine::atom::{Atom, Blocker, PkgRef};
use portolan_engine::depspec::{check_required_use, DepSpec};
use portolan_engine::intern::Sym;

use crate::universe::{Candidate, Request, Universe};

/// One installed version: a candidate and the USE it is built with.
#[derive(Clone, Debug)]
pub struct Pick<'u> {
    pub cand: &'u Candidate,
    /// Enabled flags (any order, no duplicates).
    pub use_: Vec<Sym>,
}

impl Pick<'_> {
    fn on(&self, f: Sym) -> bool {
        self.use_.contains(&f)
    }

    fn pkg_ref(&self) -> PkgRef<'_> {
        PkgRef {
            cp: self.cand.cp,
            version: &self.cand.version,
            slot: self.cand.slot,
            subslot: self.cand.subslot,
            repo: Some(self.cand.repo),
        }
    }
}

/// What [`decide`] found.
#[derive(Clone, Debug)]
pub enum Decision<'u> {
    /// A valid installation (the first one in enumeration order).
    Installable(Vec<Pick<'u>>),
    /// No installation is valid.
    NotInstallable,
    /// More installations than the limit; nothing was tried.
    /// `installations` is their number (saturating), or `u128::MAX` when
    /// one candidate alone has more USE configurations than the limit.
    TooLarge { installations: u128 },
}

impl Decision<'_> {
    /// `Some(installable)`, or `None` when the search was too large.
    pub fn installable(&self) -> Option<bool> {
        match self {
            Decision::Installable(_) => Some(true),
            Decision::NotInstallable => Some(false),
            Decision::TooLarge { .. } => None,
        }
    }
}

/// Decides `request` by trying every installation of the reachable
/// `(cat/pkg, SLOT)`s, unless there are more than `max_installations`.
pub fn decide<'u>(u: &'u Universe, r: &Request, max_installations: u64) -> Decision<'u> {
    let Some(groups) = groups(u, r, max_installations) else {
        return Decision::TooLarge {
            installations: u128::MAX,
        };
    };
    let total = groups
        .iter()
        .try_fold(1u128, |n, g| n.checked_mul(g.len() as u128 + 1))
        .unwrap_or(u128::MAX);
    if total > u128::from(max_installations) {
        return Decision::TooLarge {
            installations: total,
        };
    }
    // A mixed-radix counter: digit i is 0 (slot not installed) or
    // 1 + the index of the pick in group i.
    let mut digits = vec![0usize; groups.len()];
    let mut picks: Vec<Pick<'u>> = Vec::with_capacity(groups.len());
    loop {
        picks.clear();
        for (g, &d) in groups.iter().zip(&digits) {
            if d > 0 {
                picks.push(g[d - 1].clone());
            }
        }
        if check(u, r, &picks, None) {
            return Decision::Installable(picks);
        }
        let mut i = 0;
        loop {
            if i == digits.len() {
                return Decision::NotInstallable;
            }
            digits[i] += 1;
            if digits[i] <= groups[i].len() {
                break;
            }
            digits[i] = 0;
            i += 1;
        }
    }
}

/// Every violated constraint of the installation `picks` (empty: valid).
/// Does not judge whether each pick's USE is an allowed configuration;
/// see [`use_allowed`].
pub fn violations(u: &Universe, r: &Request, picks: &[Pick<'_>]) -> Vec<String> {
    let mut errs = Vec::new();
    check(u, r, picks, Some(&mut errs));
    errs
}

/// Whether `pick`'s USE is a configuration the request allows: the
/// effective USE, or with `allow_use_changes` the effective USE with some
/// [`changeable_flags`] flipped. `Err` names the offending flags.
pub fn use_allowed(u: &Universe, r: &Request, pick: &Pick<'_>) -> Result<(), String> {
    let c = pick.cand;
    let mut flipped: Vec<Sym> = c
        .use_enabled
        .iter()
        .filter(|f| !pick.on(**f))
        .chain(pick.use_.iter().filter(|f| !c.use_enabled.contains(f)))
        .copied()
        .collect();
    if flipped.is_empty() {
        return Ok(());
    }
    if r.allow_use_changes {
        let changeable = changeable_flags(u, r, c);
        flipped.retain(|f| !changeable.contains(f));
        if flipped.is_empty() {
            return Ok(());
        }
    }
    let names: Vec<&str> = flipped.iter().map(|f| f.as_str()).collect();
    Err(format!(
        "{}::{}: USE flag(s) {} may not be changed",
        c.cpv(),
        c.repo,
        names.join(" ")
    ))
}

/// The flags of `c` that [`Request::allow_use_changes`] may flip: in IUSE,
/// neither forced nor masked, and mentioned by a USE dependency on
/// `c`'s `cat/pkg` (in any candidate's dependencies of the selected
/// classes, or in the targets) or by `c`'s REQUIRED_USE.
pub fn changeable_flags(u: &Universe, r: &Request, c: &Candidate) -> Vec<Sym> {
    let mut mentioned: Vec<Sym> = c.required_use.referenced_flags().collect();
    let mut note = |a: &Atom| {
        if a.cp == c.cp {
            mentioned.extend(a.use_deps.iter().map(|d| d.flag));
        }
    };
    for cands in u.packages.values() {
        for other in cands {
            for &class in r.deps.classes() {
                other.deps(class).leaves().iter().for_each(&mut note);
            }
        }
    }
    r.targets.iter().for_each(note);
    let mut out: Vec<Sym> = c
        .iuse
        .iter()
        .copied()
        .filter(|f| mentioned.contains(f))
        .filter(|f| !c.forced.iter().chain(&c.use_masked).any(|x| x.flag == *f))
        .collect();
    out.sort_by_key(|f| f.as_str());
    out.dedup();
    out
}

/// Every USE configuration of `c` the request allows that satisfies its
/// REQUIRED_USE; `None` when there are more than `limit` to try.
fn configurations<'u>(
    u: &Universe,
    r: &Request,
    c: &'u Candidate,
    limit: u64,
) -> Option<Vec<Pick<'u>>> {
    let flags = if r.allow_use_changes {
        changeable_flags(u, r, c)
    } else {
        Vec::new()
    };
    if flags.len() >= 64 || 1u64 << flags.len() > limit {
        return None;
    }
    let mut out = Vec::new();
    for mask in 0u64..(1 << flags.len()) {
        let mut use_: Vec<Sym> = c.use_enabled.clone();
        for (i, &f) in flags.iter().enumerate() {
            if mask & (1 << i) != 0 {
                if use_.contains(&f) {
                    use_.retain(|&g| g != f);
                } else {
                    use_.push(f);
                }
            }
        }
        use_.sort_by_key(|f| f.as_str());
        use_.dedup();
        if check_required_use(&c.required_use, |f| use_.contains(&f)) {
            out.push(Pick { cand: c, use_ });
        }
    }
    Some(out)
}

/// The choices of every reachable `(cat/pkg, SLOT)`: each visible
/// candidate in each allowed configuration. Sorted by name so that the
/// enumeration (and its witness) does not depend on hash order. `None`
/// when one candidate alone has more than `limit` configurations.
fn groups<'u>(u: &'u Universe, r: &Request, limit: u64) -> Option<Vec<Vec<Pick<'u>>>> {
    let mut reached: Vec<Sym> = Vec::new();
    let mut todo: Vec<Sym> = r
        .targets
        .iter()
        .filter(|a| a.blocker == Blocker::None)
        .map(|a| a.cp)
        .collect();
    while let Some(cp) = todo.pop() {
        if reached.contains(&cp) {
            continue;
        }
        reached.push(cp);
        for c in u.candidates(cp).iter().filter(|c| c.is_visible()) {
            for &class in r.deps.classes() {
                for a in c.deps(class).leaves() {
                    if a.blocker == Blocker::None && !reached.contains(&a.cp) {
                        todo.push(a.cp);
                    }
                }
            }
        }
    }
    reached.sort_by_key(|cp| cp.as_str());
    let mut out = Vec::new();
    for cp in reached {
        let mut slots: Vec<Sym> = u.candidates(cp).iter().map(|c| c.slot).collect();
        slots.sort_by_key(|s| s.as_str());
        slots.dedup();
        for slot in slots {
            let mut g: Vec<Pick<'u>> = Vec::new();
            for c in u.candidates(cp) {
                if c.slot == slot && c.is_visible() {
                    g.extend(configurations(u, r, c, limit)?);
                }
            }
            if !g.is_empty() {
                out.push(g);
            }
        }
    }
    Some(out)
}

/// `package.provided` entries carry a name and a version only, and Portage
/// matches them by exactly that: the atom's slot, sub-slot and USE parts
/// are not checked.
fn provided(u: &Universe, atom: &Atom) -> bool {
    u.provided.iter().any(|(cp, v)| {
        let slot = atom.slot.unwrap_or(*cp);
        atom.matches(&PkgRef {
            cp: *cp,
            version: v,
            slot,
            subslot: atom.subslot.unwrap_or(slot),
            repo: None,
        })
    })
}

/// Whether `atom` written by `picks[me]` (None: a target, whose USE
/// conditionals see no flag enabled) matches `t`.
fn matches(atom: &Atom, parent: Option<&Pick<'_>>, t: &Pick<'_>) -> bool {
    atom.matches(&t.pkg_ref())
        && atom.use_deps_satisfied(
            |f| parent.is_some_and(|p| p.on(f)),
            |f| t.on(f),
            |f| t.cand.iuse.contains(&f),
        )
}

fn holds(u: &Universe, picks: &[Pick<'_>], me: Option<usize>, atom: &Atom) -> bool {
    let parent = me.map(|i| &picks[i]);
    if atom.blocker != Blocker::None {
        return !picks
            .iter()
            .enumerate()
            .any(|(i, t)| Some(i) != me && matches(atom, parent, t));
    }
    picks.iter().any(|t| matches(atom, parent, t)) || provided(u, atom)
}

/// The checker behind [`decide`] and [`violations`]: with `errs`, collects
/// every violation; without, stops at the first.
fn check(
    u: &Universe,
    r: &Request,
    picks: &[Pick<'_>],
    mut errs: Option<&mut Vec<String>>,
) -> bool {
    let mut ok = true;
    // The message is only built when it is collected.
    macro_rules! fail {
        ($($msg:tt)*) => {{
            ok = false;
            match errs.as_deref_mut() {
                Some(e) => e.push(format!($($msg)*)),
                None => return false,
            }
        }};
    }
    for a in &r.targets {
        if !holds(u, picks, None, a) {
            fail!("target {a} is not met");
        }
    }
    for (i, p) in picks.iter().enumerate() {
        let c = p.cand;
        if !c.is_visible() {
            fail!("{}::{} is not visible", c.cpv(), c.repo);
        }
        if picks[..i]
            .iter()
            .any(|q| q.cand.cp == c.cp && q.cand.slot == c.slot)
        {
            fail!("two versions of {}:{}", c.cp, c.slot);
        }
        if !check_required_use(&c.required_use, |f| p.on(f)) {
            fail!(
                "{}: REQUIRED_USE \"{}\" is violated",
                c.cpv(),
                c.required_use
            );
        }
        for &class in r.deps.classes() {
            let spec: &DepSpec<Atom> = c.deps(class);
            if spec.evaluate(|f| p.on(f), |a| holds(u, picks, Some(i), a)) {
                continue;
            }
            if errs.is_none() {
                return false;
            }
            let reduced = spec.reduce(|f| p.on(f));
            let unmet: Vec<String> = reduced
                .leaves()
                .into_iter()
                .filter(|a| !holds(u, picks, Some(i), a))
                .map(|a| a.to_string())
                .collect();
            fail!(
                "{} {}=\"{reduced}\" is not met (unmet: {})",
                c.cpv(),
                class.as_str(),
                unmet.join(" ")
            );
        }
    }
    ok
}
