//! Turning pubgrub's derivation tree into Gentoo language.
//!
//! Two products come out of one failed solve:
//!
//! * [`Problem`]s, classified: every [`Pkg::Unsat`] leaf of the tree is an
//!   atom whose failure was diagnosed when it was compiled (missing,
//!   masked, keywords, USE, REQUIRED_USE); every dependency edge that came
//!   from a blocker is a `blocked` problem naming the blocker's owner and
//!   the blocked versions; when neither occurs, the slot packages that
//!   several dependents constrain are reported as `conflict`s.
//!   "required by" chains follow the first edge that pulled each package
//!   (emerge's "(dependency required by …)"), stepping over proxies.
//! * a narrative: pubgrub's own derivation walk
//!   ([`DefaultStringReporter`]) with a [`ReportFormatter`] that renders
//!   every package and version set as versions, atoms and `||` groups, so
//!   the encoding's proxy packages never show.

use ahash::HashSet;
use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term,
    VersionSet,
};

use crate::idxset::IdxSet;
use crate::package::Pkg;
use crate::provider::{EdgeInfo, Provider, State, Variant};
use crate::universe::DepClass;
use crate::verdict::{Problem, ProblemKind};

pub(crate) type Tree = DerivationTree<Pkg, IdxSet, String>;
type Ext = External<Pkg, IdxSet, String>;

/// Derivation trees deeper than this are not narrated: pubgrub's reporter
/// recurses, and callers may run on threads with small stacks. The
/// problems are still listed.
const MAX_NARRATED_DEPTH: usize = 400;

/// Narratives longer than this many lines are cut (the problems above
/// them say what matters; the derivation is supporting detail).
const MAX_NARRATED_LINES: usize = 60;

/// Renders packages and sets with the solve's tables.
pub(crate) struct Render<'a, 'u> {
    pub p: &'a Provider<'u>,
    pub st: &'a State<'u>,
}

/// Items of a list beyond this many are counted, not shown.
const MAX_LISTED: usize = 6;

/// A list of which only the first [`MAX_LISTED`] items were rendered.
struct Listed {
    shown: Vec<String>,
    total: usize,
}

/// `a`, `a or b`, `a, b or c`; long lists are cut.
fn join_or(items: &[String]) -> String {
    join_listed(&Listed {
        shown: items.iter().take(MAX_LISTED).cloned().collect(),
        total: items.len(),
    })
}

fn join_listed(l: &Listed) -> String {
    let mut s = match l.shown.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    if l.total > l.shown.len() {
        s.push_str(&format!(" (and {} more)", l.total - l.shown.len()));
    }
    s
}

fn class_suffix(class: Option<DepClass>) -> String {
    class.map_or(String::new(), |c| format!(" ({})", c.as_str()))
}

fn texts(infos: &[EdgeInfo]) -> String {
    let mut seen = Vec::new();
    for i in infos {
        if !seen.contains(&i.text) {
            seen.push(i.text.clone());
        }
    }
    seen.join(", ")
}

impl<'a, 'u> Render<'a, 'u> {
    fn label(&self) -> &str {
        &self.p.req.label
    }

    fn variants(&self, pkg: Pkg) -> &[Variant<'u>] {
        match pkg {
            Pkg::Slot { cp, slot } => self
                .st
                .slots
                .get(&(cp, slot))
                .map_or(&[][..], |s| &s.variants[..]),
            _ => &[],
        }
    }

    fn count(&self, pkg: Pkg) -> u32 {
        let n = match pkg {
            Pkg::Root => 1,
            Pkg::Slot { .. } => self.variants(pkg).len() + 1,
            Pkg::AnySlot(i) => self.st.anyslots.get(i as usize).map_or(0, |a| a.alts.len()),
            Pkg::AnyOf(i) => self.st.anyofs.get(i as usize).map_or(0, |a| a.alts.len()),
            Pkg::Unsat(i) => usize::from(self.st.set_aside.contains(&i)),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn variant_text(&self, v: &Variant<'_>) -> String {
        let cpv = v.prep.cand.cpv();
        if v.changes.is_empty() {
            return cpv;
        }
        let ch: Vec<String> = v
            .changes
            .iter()
            .map(|(f, on)| format!("{}{f}", if *on { "+" } else { "-" }))
            .collect();
        format!("{cpv}[USE {}]", ch.join(" "))
    }

    /// The versions behind version indices, one entry per candidate
    /// version: a single USE variant is named exactly (`cpv[USE +ssl]`),
    /// several as the version (marked when all of them need changes).
    /// Only the first [`MAX_LISTED`] entries are rendered.
    fn versions_text(&self, pkg: Pkg, idx: impl Iterator<Item = u32>) -> Listed {
        let vars = self.variants(pkg);
        // (candidate, first variant, variants seen, any without changes)
        let mut groups: Vec<(usize, &Variant<'u>, usize, bool)> = Vec::new();
        for i in idx {
            let Some(v) = vars.get((i as usize).wrapping_sub(1)) else {
                continue;
            };
            match groups.iter_mut().find(|g| g.0 == v.prep.idx) {
                Some(g) => {
                    g.2 += 1;
                    g.3 |= v.changes.is_empty();
                }
                None => groups.push((v.prep.idx, v, 1, v.changes.is_empty())),
            }
        }
        let shown = groups
            .iter()
            .take(MAX_LISTED)
            .map(|&(_, v, n, plain)| match (n, plain) {
                (1, _) => self.variant_text(v),
                (_, true) => v.prep.cand.cpv(),
                (_, false) => format!("{} (with USE changes)", v.prep.cand.cpv()),
            })
            .collect();
        Listed {
            shown,
            total: groups.len(),
        }
    }

    /// One version of a package, as a person names it.
    pub fn version_text(&self, pkg: Pkg, v: u32) -> String {
        match pkg {
            Pkg::Root => self.label().to_string(),
            Pkg::Slot { cp, slot } => {
                if v == 0 {
                    format!("no {cp}:{slot}")
                } else {
                    self.versions_text(pkg, std::iter::once(v))
                        .shown
                        .pop()
                        .unwrap_or_else(|| format!("{cp}:{slot}"))
                }
            }
            _ => self.set_text(pkg, &IdxSet::from_indices([v])),
        }
    }

    /// A set of versions of a package, as a person names it.
    pub fn set_text(&self, pkg: Pkg, set: &IdxSet) -> String {
        let n = self.count(pkg);
        match pkg {
            Pkg::Root => self.label().to_string(),
            Pkg::Slot { cp, slot } => {
                let reals: Vec<u32> = set.members_below(n).filter(|&i| i > 0).collect();
                if set.has(0) {
                    let excluded: Vec<u32> = (1..n).filter(|&i| !set.has(i)).collect();
                    if excluded.is_empty() {
                        format!("{cp}:{slot} (installed or not)")
                    } else {
                        format!(
                            "no {}",
                            join_listed(&self.versions_text(pkg, excluded.into_iter()))
                        )
                    }
                } else if reals.is_empty() {
                    format!("an unavailable version of {cp}:{slot}")
                } else if reals.len() as u32 == n - 1 && n > 2 {
                    format!("{cp}:{slot}")
                } else {
                    join_listed(&self.versions_text(pkg, reals.into_iter()))
                }
            }
            Pkg::AnySlot(i) => match self.st.anyslots.get(i as usize) {
                Some(a) => {
                    let slots: Vec<String> = set
                        .members_below(n)
                        .filter_map(|k| a.alts.get(k as usize).map(|(s, _)| s.to_string()))
                        .collect();
                    if slots.len() as u32 == n {
                        a.atom.clone()
                    } else {
                        format!("{} in slot {}", a.atom, join_or(&slots))
                    }
                }
                None => "an unknown dependency".into(),
            },
            Pkg::AnyOf(i) => match self.st.anyofs.get(i as usize) {
                Some(a) => {
                    let alts: Vec<String> = set
                        .members_below(n)
                        .filter_map(|k| a.alt_texts.get(k as usize).cloned())
                        .collect();
                    if alts.len() as u32 == n {
                        a.text.clone()
                    } else {
                        format!("{} using {}", a.text, join_or(&alts))
                    }
                }
                None => "an unknown any-of group".into(),
            },
            Pkg::Unsat(i) => self
                .st
                .unsats
                .get(i as usize)
                .map_or_else(|| "an unsatisfiable atom".into(), |u| u.atom.clone()),
        }
    }

    /// The recorded origin of the edge `from → to` for the first version
    /// of `from_set` that has one.
    fn edge(&self, from: Pkg, from_set: &IdxSet, to: Pkg) -> Vec<EdgeInfo> {
        let n = self.count(from);
        for v in from_set.members_below(n) {
            if let Some(i) = self.st.edges.get(&(from, v, to)) {
                return i.clone();
            }
        }
        Vec::new()
    }

    fn with_class(&self, pkg: Pkg, v: u32, class: Option<DepClass>) -> String {
        match pkg {
            Pkg::Root => self.label().to_string(),
            _ => format!("{}{}", self.version_text(pkg, v), class_suffix(class)),
        }
    }

    /// "required by" chain of version `v` of `pkg`, whose dependency of
    /// class `class` is the one in question; nearest first.
    pub fn chain(&self, pkg: Pkg, v: u32, class: Option<DepClass>) -> Vec<String> {
        let mut out = vec![self.with_class(pkg, v, class)];
        let mut cur = pkg;
        let mut guard = 0;
        while cur != Pkg::Root && guard < 256 {
            guard += 1;
            let Some(&(mut parent, mut pv, mut cls)) = self.st.pulled_by.get(&cur) else {
                break;
            };
            while parent.is_proxy() && guard < 256 {
                guard += 1;
                match self.st.pulled_by.get(&parent) {
                    Some(&(pp, ppv, pc)) => (parent, pv, cls) = (pp, ppv, pc),
                    None => break,
                }
            }
            if parent.is_proxy() {
                break;
            }
            out.push(self.with_class(parent, pv, cls));
            cur = parent;
        }
        out
    }

    /// The "required by" chain of an atom owned by version `v` of `owner`,
    /// and `detail` completed with the `||` group when the owner is one
    /// (chains name packages, not groups).
    fn owner_chain(
        &self,
        owner: Pkg,
        v: u32,
        class: Option<DepClass>,
        detail: &str,
    ) -> (Vec<String>, String) {
        match owner {
            Pkg::AnyOf(i) => {
                let group = self
                    .st
                    .anyofs
                    .get(i as usize)
                    .map_or("", |a| a.text.as_str());
                (
                    self.chain_of_package(owner),
                    format!("{detail} (an alternative of {group})"),
                )
            }
            _ => (self.chain(owner, v, class), detail.to_string()),
        }
    }

    /// The chain of whoever first required `pkg` (not a specific version).
    fn chain_of_package(&self, pkg: Pkg) -> Vec<String> {
        let Some(&(mut parent, mut pv, mut cls)) = self.st.pulled_by.get(&pkg) else {
            return Vec::new();
        };
        let mut guard = 0;
        while parent.is_proxy() && guard < 256 {
            guard += 1;
            match self.st.pulled_by.get(&parent) {
                Some(&(pp, ppv, pc)) => (parent, pv, cls) = (pp, ppv, pc),
                None => return Vec::new(),
            }
        }
        self.chain(parent, pv, cls)
    }

    fn forbidden(&self, pkg: Pkg, set: &IdxSet) -> String {
        match pkg {
            Pkg::Root => format!("{} cannot be installed", self.label()),
            Pkg::Slot { .. } if set.has(0) => {
                format!("{} is impossible", self.set_text(pkg, set))
            }
            Pkg::Slot { .. } => format!("{} cannot be installed", self.set_text(pkg, set)),
            _ => format!("{} cannot be satisfied", self.set_text(pkg, set)),
        }
    }

    fn mandatory(&self, pkg: Pkg, set: &IdxSet) -> String {
        match pkg {
            Pkg::Root => format!("{} is requested", self.label()),
            _ => format!("{} is required", self.set_text(pkg, set)),
        }
    }

    fn owner_text(&self, pkg: Pkg, set: &IdxSet) -> String {
        match pkg {
            Pkg::AnyOf(_) => format!("choosing {}", self.set_text(pkg, set)),
            _ => self.set_text(pkg, set),
        }
    }

    fn dependency_text(&self, p: Pkg, ps: &IdxSet, d: Pkg, ds: &IdxSet) -> String {
        let infos = self.edge(p, ps, d);
        let class = class_suffix(infos.iter().find_map(|i| i.class));
        let owner = self.owner_text(p, ps);
        if !infos.is_empty() && infos.iter().all(|i| i.blocker) {
            return format!(
                "{owner} blocks {}{class}: {}",
                self.set_text(d, &ds.complement()),
                texts(&infos)
            );
        }
        match (p, d) {
            (_, Pkg::Unsat(_) | Pkg::AnyOf(_) | Pkg::AnySlot(_)) => {
                format!("{owner} depends on {}{class}", self.set_text(d, ds))
            }
            (Pkg::AnySlot(_), _) => format!("{owner} is {}", self.set_text(d, ds)),
            _ if infos.is_empty() => format!("{owner} depends on {}", self.set_text(d, ds)),
            _ => format!(
                "{owner} depends on {}{class}, i.e. {}",
                texts(&infos),
                self.set_text(d, ds)
            ),
        }
    }
}

impl ReportFormatter<Pkg, IdxSet, String> for Render<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(_, _) => format!("{} is requested", self.label()),
            External::NoVersions(Pkg::Unsat(i), _) => self.st.unsats.get(*i as usize).map_or_else(
                || "an atom cannot be satisfied".into(),
                |u| u.detail.clone(),
            ),
            External::NoVersions(Pkg::AnyOf(i), _) => match self.st.anyofs.get(*i as usize) {
                Some(a) => format!("no other alternative of {} is left", a.text),
                None => "no alternative is left".into(),
            },
            External::NoVersions(Pkg::AnySlot(i), _) => match self.st.anyslots.get(*i as usize) {
                Some(a) => format!("no other slot of {} is left", a.cp),
                None => "no slot is left".into(),
            },
            External::NoVersions(p, s) => {
                format!("there is no usable choice for {}", self.set_text(*p, s))
            }
            External::Custom(p, s, m) => format!("{} is unusable: {m}", self.set_text(*p, s)),
            External::FromDependencyOf(p, ps, d, ds) => self.dependency_text(*p, ps, *d, ds),
        }
    }

    fn format_terms(&self, terms: &Map<Pkg, Term<IdxSet>>) -> String {
        let v: Vec<(&Pkg, &Term<IdxSet>)> = terms.iter().collect();
        match v.as_slice() {
            [] => format!("{} cannot be installed", self.label()),
            [(p, Term::Positive(s))] => self.forbidden(**p, s),
            [(p, Term::Negative(s))] => self.mandatory(**p, s),
            [(p1, Term::Positive(s1)), (p2, Term::Negative(s2))]
            | [(p2, Term::Negative(s2)), (p1, Term::Positive(s1))] => format!(
                "{} requires {}",
                self.owner_text(**p1, s1),
                self.set_text(**p2, s2)
            ),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(p, t)| match t {
                        Term::Positive(s) => self.set_text(**p, s),
                        Term::Negative(s) => format!("not {}", self.set_text(**p, s)),
                    })
                    .collect();
                format!("{} cannot all hold", parts.join(" and "))
            }
        }
    }

    fn explain_both_external(&self, e1: &Ext, e2: &Ext, t: &Map<Pkg, Term<IdxSet>>) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(t)
        )
    }

    fn explain_both_ref(
        &self,
        r1: usize,
        d1: &Derived<Pkg, IdxSet, String>,
        r2: usize,
        d2: &Derived<Pkg, IdxSet, String>,
        t: &Map<Pkg, Term<IdxSet>>,
    ) -> String {
        format!(
            "Because {} ({r1}) and {} ({r2}), {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(t)
        )
    }

    fn explain_ref_and_external(
        &self,
        r: usize,
        d: &Derived<Pkg, IdxSet, String>,
        e: &Ext,
        t: &Map<Pkg, Term<IdxSet>>,
    ) -> String {
        format!(
            "Because {} ({r}) and {}, {}.",
            self.format_terms(&d.terms),
            self.format_external(e),
            self.format_terms(t)
        )
    }

    fn and_explain_external(&self, e: &Ext, t: &Map<Pkg, Term<IdxSet>>) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(e),
            self.format_terms(t)
        )
    }

    fn and_explain_ref(
        &self,
        r: usize,
        d: &Derived<Pkg, IdxSet, String>,
        t: &Map<Pkg, Term<IdxSet>>,
    ) -> String {
        format!(
            "And because {} ({r}), {}.",
            self.format_terms(&d.terms),
            self.format_terms(t)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        e1: &Ext,
        e2: &Ext,
        t: &Map<Pkg, Term<IdxSet>>,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(t)
        )
    }
}

/// The external incompatibilities of the tree, each shared subtree once,
/// and the tree's depth. Iterative: trees can be deep.
fn leaves(tree: &Tree) -> (Vec<&Ext>, usize) {
    let mut out = Vec::new();
    let mut seen = HashSet::default();
    let mut depth = 0;
    let mut stack = vec![(tree, 1usize)];
    while let Some((t, d)) = stack.pop() {
        depth = depth.max(d);
        match t {
            DerivationTree::External(e) => out.push(e),
            DerivationTree::Derived(der) => {
                if let Some(id) = der.shared_id {
                    if !seen.insert(id) {
                        continue;
                    }
                }
                // Push cause2 first so cause1 is visited first.
                stack.push((&der.cause2, d + 1));
                stack.push((&der.cause1, d + 1));
            }
        }
    }
    (out, depth)
}

/// What one failed solve says: its problems, pubgrub's derivation told in
/// Gentoo terms, and the diagnosed atoms among its causes (which a further
/// round may set aside).
pub(crate) struct Failure {
    pub problems: Vec<Problem>,
    pub narrative: String,
    pub unsat: Vec<u32>,
}

/// Analyses a failed solve.
pub(crate) fn explain(p: &Provider<'_>, tree: &Tree) -> Failure {
    let st = p.st.borrow();
    let r = Render { p, st: &st };
    let (exts, depth) = leaves(tree);
    let mut problems: Vec<Problem> = Vec::new();
    fn push(problems: &mut Vec<Problem>, pr: Problem) {
        if !problems.contains(&pr) {
            problems.push(pr);
        }
    }

    // Diagnosed atoms: one problem per owning package, for its most
    // preferred version in the tree (older versions failing the same way
    // are noise).
    let mut reported: HashSet<(Pkg, Pkg)> = HashSet::default();
    for e in &exts {
        if let External::FromDependencyOf(owner, os, d @ Pkg::Unsat(id), _) = e {
            let Some(info) = st.unsats.get(*id as usize) else {
                continue;
            };
            for v in os.members_below(r.count(*owner)) {
                let Some(edge) = st.edges.get(&(*owner, v, *d)) else {
                    continue;
                };
                if !reported.insert((*owner, *d)) {
                    break;
                }
                let class = edge.iter().find_map(|i| i.class);
                let (required_by, detail) = r.owner_chain(*owner, v, class, &info.detail);
                push(
                    &mut problems,
                    Problem {
                        kind: info.kind,
                        atom: info.atom.clone(),
                        required_by,
                        detail,
                        source: info.source.clone(),
                    },
                );
            }
        }
    }
    // Blockers.
    for e in &exts {
        if let External::FromDependencyOf(owner, os, d @ Pkg::Slot { cp, slot }, ds) = e {
            for v in os.members_below(r.count(*owner)) {
                let Some(edge) = st.edges.get(&(*owner, v, *d)) else {
                    continue;
                };
                if edge.is_empty() || !edge.iter().all(|i| i.blocker) {
                    continue;
                }
                if !reported.insert((*owner, *d)) {
                    break;
                }
                let class = edge.iter().find_map(|i| i.class);
                let blocker = texts(edge);
                let mut detail = format!(
                    "{} blocks {} ({blocker})",
                    r.version_text(*owner, v),
                    r.set_text(*d, &ds.complement())
                );
                let needed = r.chain_of_package(*d);
                if !needed.is_empty() {
                    detail.push_str(&format!(
                        ", but {cp}:{slot} is needed by {}",
                        needed.join(" <- ")
                    ));
                }
                let (required_by, detail) = r.owner_chain(*owner, v, class, &detail);
                push(
                    &mut problems,
                    Problem {
                        kind: ProblemKind::Blocked,
                        atom: blocker,
                        required_by,
                        detail,
                        source: None,
                    },
                );
            }
        }
    }
    // Otherwise: slots on which several dependents disagree.
    if problems.is_empty() {
        let mut by_dep: Vec<(Pkg, Vec<String>, Vec<String>)> = Vec::new();
        for e in &exts {
            if let External::FromDependencyOf(owner, os, d @ Pkg::Slot { .. }, ds) = e {
                let infos = r.edge(*owner, os, *d);
                let class = class_suffix(infos.iter().find_map(|i| i.class));
                let line = format!(
                    "{} needs {}{class}, i.e. {}",
                    r.owner_text(*owner, os),
                    texts(&infos),
                    r.set_text(*d, ds)
                );
                let chain = os
                    .members_below(r.count(*owner))
                    .next()
                    .map(|v| r.chain(*owner, v, infos.iter().find_map(|i| i.class)))
                    .unwrap_or_default();
                match by_dep.iter_mut().find(|(p, _, _)| p == d) {
                    Some((_, lines, _)) => {
                        if !lines.contains(&line) {
                            lines.push(line)
                        }
                    }
                    None => by_dep.push((*d, vec![line], chain)),
                }
            }
        }
        for (d, lines, chain) in by_dep {
            if lines.len() >= 2 {
                push(
                    &mut problems,
                    Problem {
                        kind: ProblemKind::Conflict,
                        atom: d.to_string(),
                        required_by: chain,
                        detail: format!("conflicting requirements on {d}: {}", lines.join("; ")),
                        source: None,
                    },
                );
            }
        }
    }
    if problems.is_empty() {
        push(
            &mut problems,
            Problem {
                kind: ProblemKind::Conflict,
                atom: p.req.label.clone(),
                required_by: vec![p.req.label.clone()],
                detail: "no combination of the available versions satisfies every dependency"
                    .into(),
                source: None,
            },
        );
    }

    let narrative = if depth <= MAX_NARRATED_DEPTH {
        DefaultStringReporter::report_with_formatter(tree, &r)
    } else {
        format!("(derivation too deep to narrate: {depth} levels)")
    };
    let mut unsat: Vec<u32> = exts
        .iter()
        .filter_map(|e| match e {
            External::NoVersions(Pkg::Unsat(i), _) => Some(*i),
            _ => None,
        })
        .collect();
    unsat.sort_unstable();
    unsat.dedup();
    Failure {
        problems,
        narrative,
        unsat,
    }
}

/// The explanation of a request that failed in `rounds` (each a failed
/// solve after setting the previous rounds' diagnosed atoms aside).
pub(crate) fn explanation(label: &str, problems: &[Problem], narratives: &[String]) -> String {
    let mut text = format!("{label} cannot be installed.\nProblems:\n");
    for pr in problems {
        text.push_str(&format!("  {pr}\n"));
        if let Some(src) = &pr.source {
            text.push_str(&format!("    (see {src})\n"));
        }
    }
    for (i, narrative) in narratives.iter().enumerate() {
        if i == 0 {
            text.push_str("Derivation:\n");
        } else {
            text.push_str(&format!(
                "Derivation {} (with the atoms above taken as satisfied):\n",
                i + 1
            ));
        }
        let lines: Vec<&str> = narrative.lines().collect();
        for line in lines.iter().take(MAX_NARRATED_LINES) {
            text.push_str(&format!("  {line}\n"));
        }
        if lines.len() > MAX_NARRATED_LINES {
            text.push_str(&format!(
                "  … ({} more lines)\n",
                lines.len() - MAX_NARRATED_LINES
            ));
        }
    }
    text
}
