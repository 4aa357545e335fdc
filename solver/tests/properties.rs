//! Property tests of the solver on small generated repositories.
//!
//! Each case is a structured repository ([`Repo`]: a few `cat/pkg`s with
//! versions of every suffix kind, slots and sub-slots, IUSE defaults,
//! forced and masked flags, REQUIRED_USE, package.mask and missing
//! keywords, overlay copies, package.provided, and dependencies with USE
//! conditionals, `||`, blockers `!`/`!!` and USE deps with `(+)`/`(-)`
//! defaults in every class) plus a [`Req`]. Both are plain values rendered
//! to metadata strings and parsed by the engine, so every case is valid
//! input, and proptest shrinks a failure to a small repository by dropping
//! versions, dependencies and atom parts.
//!
//! Properties:
//!
//! * `verdict_matches_reference` — installable iff the reference solver
//!   (`portolan_solver::reference`, exhaustive search) finds an installation;
//! * `solutions_pass_the_checker` — every installable verdict passes
//!   `check_solution` (the reference checker), every failure has problems;
//! * metamorphic, no reference needed: masking a version the solution did
//!   not choose, removing a dependency, unmasking a version, or allowing
//!   USE changes never turns an installable request into an uninstallable
//!   one.
//!
//! One modelling fact shapes the removal property: with
//! `--allow-use-changes`, only flags that some USE dependency (or the
//! package's REQUIRED_USE) mentions may be changed, as with emerge's
//! autounmask. Removing a dependency that carries a USE dep can therefore
//! take away a USE change another part of the solution relied on (e.g. a
//! flip that also switches off a conditional dependency on a missing
//! package), so with USE changes allowed only dependencies without USE
//! deps are removed.
//!
//! Cases: 256 per property by default (proptest's default; about 10 s per
//! property in a debug build). `PROPTEST_CASES=5000 cargo test -p
//! portolan-solver --test properties` runs a long campaign (proptest reads
//! the variable because the configuration below starts from
//! `ProptestConfig::default()`). Failures are persisted to
//! `tests/proptest-regressions/properties.txt` and replayed first on every
//! run; commit that file with the fix.

mod common;

use std::fmt;

use common::*;
use portolan_solver::reference::{self, Decision};
use portolan_solver::{check_solution, solve, DepClasses, MaskKind, MaskReason, Request, Universe};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

/// Versions of every suffix kind (and a letter, a revision, several
/// components), so operators and globs meet Portage's ordering.
const VERSIONS: &[&str] = &[
    "0.9", "1_alpha", "1_beta2", "1_pre", "1_rc1", "1", "1-r1", "1.0a", "1_p1", "1.2", "2_rc", "2",
    "2-r3", "2.0.1",
];
/// Glob prefixes for `=cat/pkg-V*`.
const GLOBS: &[&str] = &["1", "2", "1.2"];
const SLOTS: &[&str] = &["0", "1"];
const SUBSLOTS: &[&str] = &["a", "b"];
const FLAGS: &[&str] = &["f", "g"];
const REQUIRED_USE: &[&str] = &[
    "?? ( f g )",
    "|| ( f g )",
    "^^ ( f g )",
    "f? ( g )",
    "!f? ( !g )",
    "g",
];
/// `cat/pkg`s that may have versions (a few have none); atoms also name
/// `c/p{CPS}`, which only package.provided may have.
const CPS: usize = 4;
/// Installations the reference may enumerate per case.
const REFERENCE_LIMIT: u64 = 50_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Ge,
    Lt,
    Eq,
    Le,
    Gt,
    Approx,
    Glob,
}

#[derive(Clone, Copy, Debug)]
enum SlotSel {
    Slot(usize),
    SlotSub(usize, usize),
}

#[derive(Clone, Copy, Debug)]
enum UseKind {
    On,
    Off,
    If,
    IfNot,
    Same,
    Opposite,
}

#[derive(Clone, Copy, Debug)]
struct UseDep {
    flag: usize,
    kind: UseKind,
    /// `(+)` / `(-)`.
    default: Option<bool>,
}

#[derive(Clone, Debug)]
struct GAtom {
    /// 0 none, 1 `!`, 2 `!!`.
    block: u8,
    cp: usize,
    ver: Option<(Op, usize)>,
    slot: Option<SlotSel>,
    use_dep: Option<UseDep>,
}

#[derive(Clone, Debug)]
enum GDep {
    Atom(GAtom),
    AnyOf(Vec<GDep>),
    /// `[!]flag? ( … )`
    Cond(usize, bool, Vec<GDep>),
    All(Vec<GDep>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    R,
    D,
    P,
    B,
    I,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vis {
    Visible,
    PackageMask,
    Keywords,
}

#[derive(Clone, Debug)]
struct GVersion {
    ver: usize,
    slot: (usize, Option<usize>),
    /// Per flag of [`FLAGS`]: 0 not in IUSE, 1 in IUSE, 2 `+flag`.
    iuse: [u8; 2],
    deps: Vec<(Class, GDep)>,
    required_use: Option<usize>,
    vis: Vis,
    /// A flag of IUSE forced (`true`) or masked (`false`) by the profile.
    immutable: Option<(usize, bool)>,
    /// The same version again in `overlay`, listed after (lower
    /// priority), with its own visibility.
    overlay: Option<Vis>,
}

/// Debug-printed (in proptest's failure report) as the metadata it
/// renders to, one version per line.
#[derive(Clone)]
struct Repo {
    cps: Vec<Vec<GVersion>>,
    provided: Option<(usize, usize)>,
}

#[derive(Clone)]
struct Req {
    targets: Vec<GAtom>,
    runtime: bool,
    allow: bool,
}

impl fmt::Debug for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.universe();
        let mut cands: Vec<&portolan_solver::Candidate> = u.packages.values().flatten().collect();
        cands.sort_by_key(|c| (c.cp.as_str(), c.version.clone()));
        writeln!(f)?;
        for c in cands {
            let mut line = format!("  {}::{} SLOT={}", c.cpv(), c.repo, c.slot);
            if c.subslot != c.slot {
                line += &format!("/{}", c.subslot);
            }
            let iuse: Vec<String> = c
                .iuse
                .iter()
                .map(|i| {
                    let on = if c.use_enabled.contains(i) { "+" } else { "" };
                    format!("{on}{i}")
                })
                .collect();
            if !iuse.is_empty() {
                line += &format!(" IUSE=\"{}\"", iuse.join(" "));
            }
            for fl in &c.forced {
                line += &format!(" use.force={}", fl.flag);
            }
            for fl in &c.use_masked {
                line += &format!(" use.mask={}", fl.flag);
            }
            for class in [
                portolan_solver::DepClass::Depend,
                portolan_solver::DepClass::Rdepend,
                portolan_solver::DepClass::Pdepend,
                portolan_solver::DepClass::Bdepend,
                portolan_solver::DepClass::Idepend,
            ] {
                if !c.deps(class).is_empty() {
                    line += &format!(" {}=\"{}\"", class.as_str(), c.deps(class));
                }
            }
            if !c.required_use.is_empty() {
                line += &format!(" REQUIRED_USE=\"{}\"", c.required_use);
            }
            for m in &c.masked {
                line += &format!(" [{}]", m.detail);
            }
            writeln!(f, "{line}")?;
        }
        for (cp, v) in &u.provided {
            writeln!(f, "  package.provided: {cp}-{v}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Req {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t: Vec<String> = self.targets.iter().map(|a| a.to_string()).collect();
        write!(
            f,
            "targets \"{}\", deps {}, allow_use_changes {}",
            t.join(" "),
            if self.runtime { "runtime" } else { "all" },
            self.allow
        )
    }
}

impl fmt::Display for GAtom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(["", "!", "!!"][self.block as usize])?;
        let cp = format!("c/p{}", self.cp);
        match self.ver {
            None => f.write_str(&cp)?,
            Some((Op::Glob, v)) => write!(f, "={cp}-{}*", GLOBS[v % GLOBS.len()])?,
            Some((Op::Approx, v)) => {
                let v = VERSIONS[v];
                write!(f, "~{cp}-{}", v.split_once("-r").map_or(v, |(b, _)| b))?
            }
            Some((op, v)) => {
                let op = match op {
                    Op::Ge => ">=",
                    Op::Lt => "<",
                    Op::Eq => "=",
                    Op::Le => "<=",
                    _ => ">",
                };
                write!(f, "{op}{cp}-{}", VERSIONS[v])?
            }
        }
        match self.slot {
            None => {}
            Some(SlotSel::Slot(s)) => write!(f, ":{}", SLOTS[s])?,
            Some(SlotSel::SlotSub(s, b)) => write!(f, ":{}/{}", SLOTS[s], SUBSLOTS[b])?,
        }
        if let Some(u) = self.use_dep {
            let flag = FLAGS[u.flag];
            let dflt = match u.default {
                None => "",
                Some(true) => "(+)",
                Some(false) => "(-)",
            };
            match u.kind {
                UseKind::On => write!(f, "[{flag}{dflt}]")?,
                UseKind::Off => write!(f, "[-{flag}{dflt}]")?,
                UseKind::If => write!(f, "[{flag}{dflt}?]")?,
                UseKind::IfNot => write!(f, "[!{flag}{dflt}?]")?,
                UseKind::Same => write!(f, "[{flag}{dflt}=]")?,
                UseKind::Opposite => write!(f, "[!{flag}{dflt}=]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for GDep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items =
            |f: &mut fmt::Formatter<'_>, v: &[GDep]| v.iter().try_for_each(|d| write!(f, " {d}"));
        match self {
            GDep::Atom(a) => write!(f, "{a}"),
            GDep::AnyOf(v) => {
                f.write_str("|| (")?;
                items(f, v)?;
                f.write_str(" )")
            }
            GDep::Cond(flag, neg, v) => {
                write!(f, "{}{}? (", if *neg { "!" } else { "" }, FLAGS[*flag])?;
                items(f, v)?;
                f.write_str(" )")
            }
            GDep::All(v) => {
                f.write_str("(")?;
                items(f, v)?;
                f.write_str(" )")
            }
        }
    }
}

impl GDep {
    fn has_use_deps(&self) -> bool {
        match self {
            GDep::Atom(a) => a.use_dep.is_some(),
            GDep::AnyOf(v) | GDep::Cond(_, _, v) | GDep::All(v) => v.iter().any(GDep::has_use_deps),
        }
    }
}

fn vis(p: P, v: Vis, repo: &str) -> P {
    match v {
        Vis::Visible => p,
        Vis::PackageMask => p.package_mask(&format!("{repo}/profiles/package.mask"), 1),
        Vis::Keywords => p.unkeyworded("amd64"),
    }
}

impl Repo {
    fn universe(&self) -> Universe {
        let mut ps = Vec::new();
        for (i, versions) in self.cps.iter().enumerate() {
            let mut seen = Vec::new();
            for gv in versions {
                if seen.contains(&gv.ver) {
                    continue; // one ebuild per version and repository
                }
                seen.push(gv.ver);
                ps.extend(gv.render(i));
            }
        }
        let mut u = universe(ps);
        if let Some((cp, v)) = self.provided {
            provide(&mut u, &format!("c/p{cp}-{}", VERSIONS[v]));
        }
        u
    }
}

impl GVersion {
    fn render(&self, cp: usize) -> Vec<P> {
        let slot = match self.slot {
            (s, None) => SLOTS[s].to_string(),
            (s, Some(b)) => format!("{}/{}", SLOTS[s], SUBSLOTS[b]),
        };
        let mut p = pkg(&format!("c/p{cp}-{}", VERSIONS[self.ver])).slot(&slot);
        let iuse: Vec<String> = self
            .iuse
            .iter()
            .zip(FLAGS)
            .filter(|(s, _)| **s > 0)
            .map(|(s, f)| format!("{}{f}", if *s == 2 { "+" } else { "" }))
            .collect();
        p = p.iuse(&iuse.join(" "));
        let in_iuse = |f: &str| {
            FLAGS
                .iter()
                .position(|g| *g == f)
                .is_some_and(|i| self.iuse[i] > 0)
        };
        for class in [Class::R, Class::D, Class::P, Class::B, Class::I] {
            let s: Vec<String> = self
                .deps
                .iter()
                .filter(|(c, _)| *c == class)
                .map(|(_, d)| d.to_string())
                .collect();
            let s = s.join(" ");
            p = match class {
                Class::R => p.rdepend(&s),
                Class::D => p.depend(&s),
                Class::P => p.pdepend(&s),
                Class::B => p.bdepend(&s),
                Class::I => {
                    p.0.idepend = deps(&s);
                    p
                }
            };
        }
        if let Some(r) = self.required_use {
            // Valid metadata only names flags of IUSE.
            let r = REQUIRED_USE[r];
            if FLAGS.iter().all(|f| !r.contains(f) || in_iuse(f)) {
                p = p.required_use(r);
            }
        }
        if let Some((flag, forced)) = self.immutable {
            if in_iuse(FLAGS[flag]) {
                p = if forced {
                    p.forced(FLAGS[flag], "profiles/use.force", 1)
                } else {
                    p.use_mask(FLAGS[flag], "profiles/use.mask", 1)
                };
            }
        }
        let mut out = Vec::new();
        if let Some(ov) = self.overlay {
            out.push(vis(P(p.0.clone()).repo("overlay"), ov, "overlay"));
        }
        out.insert(0, vis(p, self.vis, "gentoo"));
        out
    }
}

impl Req {
    fn request(&self) -> Request {
        let t: Vec<String> = self.targets.iter().map(|a| a.to_string()).collect();
        let refs: Vec<&str> = t.iter().map(String::as_str).collect();
        let mut r = req(&refs);
        if self.runtime {
            r.deps = DepClasses::Runtime;
        }
        r.allow_use_changes = self.allow;
        r
    }
}

fn atom_strategy(blockers: bool) -> impl Strategy<Value = GAtom> {
    let block = if blockers {
        prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)].boxed()
    } else {
        Just(0u8).boxed()
    };
    let op = prop_oneof![
        3 => Just(Op::Ge),
        3 => Just(Op::Lt),
        1 => Just(Op::Eq),
        1 => Just(Op::Le),
        1 => Just(Op::Gt),
        1 => Just(Op::Approx),
        1 => Just(Op::Glob),
    ];
    let slot = prop_oneof![
        (0..SLOTS.len()).prop_map(SlotSel::Slot),
        (0..SLOTS.len(), 0..SUBSLOTS.len()).prop_map(|(s, b)| SlotSel::SlotSub(s, b)),
    ];
    let kind = prop_oneof![
        Just(UseKind::On),
        Just(UseKind::Off),
        Just(UseKind::If),
        Just(UseKind::IfNot),
        Just(UseKind::Same),
        Just(UseKind::Opposite),
    ];
    let use_dep = (0..FLAGS.len(), kind, prop::option::of(any::<bool>())).prop_map(
        |(flag, kind, default)| UseDep {
            flag,
            kind,
            default,
        },
    );
    (
        block,
        prop_oneof![12 => 0..CPS, 1 => Just(CPS)],
        prop::option::weighted(0.25, (op, 0..VERSIONS.len())),
        prop::option::weighted(0.1, slot),
        prop::option::weighted(0.25, use_dep),
    )
        .prop_map(|(block, cp, ver, slot, use_dep)| GAtom {
            block,
            cp,
            ver,
            slot,
            use_dep,
        })
}

fn dep_strategy() -> impl Strategy<Value = GDep> {
    atom_strategy(true)
        .prop_map(GDep::Atom)
        .prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..=3).prop_map(GDep::AnyOf),
                (
                    0..FLAGS.len(),
                    any::<bool>(),
                    prop::collection::vec(inner.clone(), 1..=2)
                )
                    .prop_map(|(f, neg, v)| GDep::Cond(f, neg, v)),
                prop::collection::vec(inner, 2..=2).prop_map(GDep::All),
            ]
        })
}

fn vis_strategy() -> impl Strategy<Value = Vis> {
    prop_oneof![8 => Just(Vis::Visible), 1 => Just(Vis::PackageMask), 1 => Just(Vis::Keywords)]
}

fn version_strategy() -> impl Strategy<Value = GVersion> {
    let class = prop_oneof![
        4 => Just(Class::R),
        1 => Just(Class::D),
        1 => Just(Class::P),
        1 => Just(Class::B),
        1 => Just(Class::I),
    ];
    (
        0..VERSIONS.len(),
        (
            0..SLOTS.len(),
            prop::option::weighted(0.3, 0..SUBSLOTS.len()),
        ),
        [0u8..3, 0u8..3],
        prop::collection::vec((class, dep_strategy()), 0..=3),
        prop::option::weighted(0.2, 0..REQUIRED_USE.len()),
        vis_strategy(),
        prop::option::weighted(0.15, (0..FLAGS.len(), any::<bool>())),
        prop::option::weighted(0.1, vis_strategy()),
    )
        .prop_map(
            |(ver, slot, iuse, deps, required_use, vis, immutable, overlay)| GVersion {
                ver,
                slot,
                iuse,
                deps,
                required_use,
                vis,
                immutable,
                overlay,
            },
        )
}

fn repo_strategy() -> impl Strategy<Value = Repo> {
    (
        prop::collection::vec(
            // A package no repository has comes first: shrinking drops the
            // packages a counterexample does not need.
            prop_oneof![
                1 => Just(Vec::new()),
                12 => prop::collection::vec(version_strategy(), 1..=4),
            ],
            CPS..=CPS,
        ),
        prop::option::weighted(0.25, (0..=CPS, 0..VERSIONS.len())),
    )
        .prop_map(|(cps, provided)| Repo { cps, provided })
}

fn req_strategy() -> impl Strategy<Value = Req> {
    (
        prop::collection::vec(atom_strategy(false), 1..=2),
        prop::bool::weighted(0.3),
        any::<bool>(),
    )
        .prop_map(|(targets, runtime, allow)| Req {
            targets,
            runtime,
            allow,
        })
}

fn config() -> ProptestConfig {
    // Starting from the default keeps PROPTEST_CASES working.
    let base = ProptestConfig::default();
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/properties.txt",
        ))),
        // The metamorphic properties reject (prop_assume) the cases that
        // were not installable to begin with, about half; allow for that
        // at any PROPTEST_CASES.
        max_global_rejects: base.cases.saturating_mul(4).max(1024),
        ..base
    }
}

fn solutions(d: &Decision<'_>) -> String {
    match d {
        Decision::Installable(picks) => picks
            .iter()
            .map(|p| {
                let mut u: Vec<&str> = p.use_.iter().map(|f| f.as_str()).collect();
                u.sort_unstable();
                format!("{}::{} USE=\"{}\"", p.cand.cpv(), p.cand.repo, u.join(" "))
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => format!("{other:?}"),
    }
}

fn mask(c: &mut portolan_solver::Candidate) {
    c.masked.push(MaskReason {
        kind: MaskKind::PackageMask,
        detail: "property test".into(),
        loc: None,
    });
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn verdict_matches_reference(repo in repo_strategy(), rq in req_strategy()) {
        let (u, r) = (repo.universe(), rq.request());
        let d = reference::decide(&u, &r, REFERENCE_LIMIT);
        if let Some(expected) = d.installable() {
            let v = solve(&u, &r);
            prop_assert_eq!(
                v.installable,
                expected,
                "solver: {}reference: {}",
                v.explanation,
                solutions(&d)
            );
        }
    }

    #[test]
    fn solutions_pass_the_checker(repo in repo_strategy(), rq in req_strategy()) {
        let (u, r) = (repo.universe(), rq.request());
        let v = solve(&u, &r);
        if v.installable {
            if let Err(e) = check_solution(&u, &r, &v) {
                prop_assert!(false, "{e:#?}\n{v:#?}");
            }
        } else {
            prop_assert!(!v.problems.is_empty(), "{}", v.explanation);
        }
    }

    #[test]
    fn masking_an_unchosen_version_keeps_it_installable(
        repo in repo_strategy(), rq in req_strategy(), which in any::<Index>()
    ) {
        let (u, r) = (repo.universe(), rq.request());
        let v = solve(&u, &r);
        prop_assume!(v.installable);
        let chosen = |c: &portolan_solver::Candidate| {
            v.chosen.iter().any(|ch| ch.cpv == c.cpv() && ch.repo == c.repo.as_str())
        };
        let mut masked = u.clone();
        let mut unchosen: Vec<&mut portolan_solver::Candidate> = masked
            .packages
            .values_mut()
            .flatten()
            .filter(|c| c.is_visible() && !chosen(c))
            .collect();
        unchosen.sort_by_key(|c| (c.cpv(), c.repo.as_str()));
        prop_assume!(!unchosen.is_empty());
        let n = unchosen.len();
        let c = &mut unchosen[which.index(n)];
        let what = format!("{}::{}", c.cpv(), c.repo);
        mask(c);
        let w = solve(&masked, &r);
        prop_assert!(w.installable, "masking {} broke it:\n{}", what, w.explanation);
    }

    #[test]
    fn unmasking_a_version_keeps_it_installable(
        repo in repo_strategy(), rq in req_strategy(), which in any::<Index>()
    ) {
        let (u, r) = (repo.universe(), rq.request());
        let v = solve(&u, &r);
        prop_assume!(v.installable);
        let mut unmasked = u.clone();
        let mut masked: Vec<&mut portolan_solver::Candidate> = unmasked
            .packages
            .values_mut()
            .flatten()
            .filter(|c| !c.is_visible())
            .collect();
        masked.sort_by_key(|c| (c.cpv(), c.repo.as_str()));
        prop_assume!(!masked.is_empty());
        let n = masked.len();
        let c = &mut masked[which.index(n)];
        let what = format!("{}::{}", c.cpv(), c.repo);
        c.masked.clear();
        let w = solve(&unmasked, &r);
        prop_assert!(w.installable, "unmasking {} broke it:\n{}", what, w.explanation);
    }

    #[test]
    fn removing_a_dependency_keeps_it_installable(
        repo in repo_strategy(), rq in req_strategy(), which in any::<Index>()
    ) {
        let (u, r) = (repo.universe(), rq.request());
        let v = solve(&u, &r);
        prop_assume!(v.installable);
        // (cp, version, dependency) of every removable dependency; see the
        // module docs for why USE deps stay when USE changes are allowed.
        let mut removable = Vec::new();
        for (i, versions) in repo.cps.iter().enumerate() {
            for (j, gv) in versions.iter().enumerate() {
                for (k, (_, d)) in gv.deps.iter().enumerate() {
                    if !(rq.allow && d.has_use_deps()) {
                        removable.push((i, j, k));
                    }
                }
            }
        }
        prop_assume!(!removable.is_empty());
        let (i, j, k) = removable[which.index(removable.len())];
        let mut smaller = repo.clone();
        let (class, removed) = smaller.cps[i][j].deps.remove(k);
        let w = solve(&smaller.universe(), &r);
        prop_assert!(
            w.installable,
            "removing {:?} \"{}\" from c/p{}-{} broke it:\n{}",
            class,
            removed,
            i,
            VERSIONS[repo.cps[i][j].ver],
            w.explanation
        );
    }

    #[test]
    fn allowing_use_changes_keeps_it_installable(repo in repo_strategy(), rq in req_strategy()) {
        let u = repo.universe();
        let mut r = rq.request();
        r.allow_use_changes = false;
        prop_assume!(solve(&u, &r).installable);
        r.allow_use_changes = true;
        let w = solve(&u, &r);
        prop_assert!(w.installable, "{}", w.explanation);
    }
}

/// The generator must exercise both outcomes, every kind of failure, and
/// stay small enough for the reference; otherwise the properties above
/// would pass vacuously.
#[test]
fn generator_covers_both_outcomes_and_every_problem_kind() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut yes, mut no, mut decided) = (0, 0, 0);
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let repo = repo_strategy().new_tree(&mut runner).unwrap().current();
        let rq = req_strategy().new_tree(&mut runner).unwrap().current();
        let (u, r) = (repo.universe(), rq.request());
        let v = solve(&u, &r);
        if v.installable {
            yes += 1;
        } else {
            no += 1;
            kinds.extend(v.problems.iter().map(|p| p.kind));
        }
        if reference::decide(&u, &r, REFERENCE_LIMIT)
            .installable()
            .is_some()
        {
            decided += 1;
        }
    }
    assert!(yes >= 75 && no >= 75, "installable {yes}, not {no}");
    assert!(
        decided >= 285,
        "the reference decided only {decided} of 300"
    );
    use portolan_solver::ProblemKind::*;
    for k in [
        Missing,
        Masked,
        Keywords,
        Use,
        RequiredUse,
        Blocked,
        Conflict,
    ] {
        assert!(kinds.contains(&k), "no {k:?} problem in {kinds:?}");
    }
}
