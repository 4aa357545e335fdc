//! What changed for one profile between two loaded trees (two revisions):
//! variables, profile-wide flags, package.mask/unmask, accept_keywords,
//! @system and @profile, package versions (added, removed, their visibility
//! and USE) and whether @system installs.
//!
//! Every [`Change`] carries the file and line responsible on the side where
//! it exists: an entry that appeared is named at its line in the newer
//! revision, one that went away at its line in the older one; a value that
//! changed names both.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use portolan_engine::atom::Atom;
use portolan_engine::evaluate::{Evaluator, FlagTrace, MaskReason, PackageState};
use portolan_engine::intern::Sym;
use portolan_engine::package::Package;
use portolan_engine::profile::flags::FlagStream;
use portolan_engine::profile::node::{AtomTable, ProfileNode};
use portolan_engine::profile::stack::{Profile, StackedList, INCREMENTALS};
use portolan_engine::source::Loc;
use portolan_engine::tree::{RepoMask, Tree};
use portolan_solver::{profile::universe_for, solve, DepClasses, Problem, Request, Verdict};
use serde_json::{json, Value};

/// Which revision of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    From,
    To,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::From => "from",
            Side::To => "to",
        }
    }
}

/// A value and the line that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    pub at: Option<Loc>,
}

/// One mask reason of a version, as `query` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub kind: &'static str,
    pub detail: String,
    pub at: Option<Loc>,
}

impl From<&MaskReason> for Reason {
    fn from(m: &MaskReason) -> Reason {
        Reason {
            kind: m.kind.as_str(),
            detail: m.detail.clone(),
            at: m.loc.clone(),
        }
    }
}

/// Which of a version's flag states changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Aspect {
    Enabled,
    Forced,
    Masked,
}

impl Aspect {
    pub fn as_str(self) -> &'static str {
        match self {
            Aspect::Enabled => "enabled",
            Aspect::Forced => "forced",
            Aspect::Masked => "masked",
        }
    }
}

/// One difference between the two revisions for one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The profile exists on one side only (or cannot be stacked on one).
    Profile {
        present: bool,
        /// Why it is missing on the other side.
        detail: String,
    },
    /// A make.defaults variable (incrementals compared as token sets).
    Variable {
        name: String,
        before: Option<Located>,
        after: Option<Located>,
    },
    /// A flag entered or left a profile-wide list: `USE`, `use.force`,
    /// `use.mask`, `use.stable.force`, `use.stable.mask`.
    Flag {
        list: &'static str,
        flag: String,
        added: bool,
        at: Option<Loc>,
    },
    /// An entry entered or left `package.mask`, `package.unmask`,
    /// `package.accept_keywords`, `@system`, `@profile`, `package.provided`.
    Entry {
        list: &'static str,
        entry: String,
        added: bool,
        at: Option<Loc>,
    },
    /// A package version appeared or went away (its md5-cache entry).
    Version {
        cpv: String,
        repo: String,
        added: bool,
        at: Loc,
    },
    /// A version's visibility changed, or the kinds of mask on it did.
    /// `reasons` are the masks on the newer side, or on the older one when
    /// the version became visible.
    Visibility {
        cpv: String,
        repo: String,
        was_visible: bool,
        visible: bool,
        reasons: Vec<Reason>,
    },
    /// A flag of a version became (`on`) or stopped being enabled, forced
    /// or masked; `before`/`after` are the lines that decided it on each
    /// side (`None`: a default).
    PackageFlag {
        cpv: String,
        repo: String,
        flag: String,
        aspect: Aspect,
        on: bool,
        before: Option<Loc>,
        after: Option<Loc>,
    },
    /// A target set's installability turned. `problems` and `explanation`
    /// are those of the side where it does not install.
    Installable {
        set: String,
        installable: bool,
        problems: Vec<Problem>,
        explanation: String,
    },
}

impl Change {
    /// The responsible line and its side: the newer side's when the change
    /// has one there, else the older side's.
    pub fn at(&self) -> Option<(Side, &Loc)> {
        let added_side = |added: bool| if added { Side::To } else { Side::From };
        match self {
            Change::Profile { .. } => None,
            Change::Variable { before, after, .. } => after
                .as_ref()
                .and_then(|a| a.at.as_ref())
                .map(|l| (Side::To, l))
                .or_else(|| {
                    before
                        .as_ref()
                        .and_then(|b| b.at.as_ref())
                        .map(|l| (Side::From, l))
                }),
            Change::Flag { added, at, .. } | Change::Entry { added, at, .. } => {
                at.as_ref().map(|l| (added_side(*added), l))
            }
            Change::Version { added, at, .. } => Some((added_side(*added), at)),
            Change::Visibility {
                visible, reasons, ..
            } => {
                let side = if *visible { Side::From } else { Side::To };
                reasons
                    .iter()
                    .find_map(|r| r.at.as_ref())
                    .map(|l| (side, l))
            }
            Change::PackageFlag { before, after, .. } => after
                .as_ref()
                .map(|l| (Side::To, l))
                .or_else(|| before.as_ref().map(|l| (Side::From, l))),
            Change::Installable { .. } => None,
        }
    }

    /// The heading this change is listed under in the text form.
    pub fn section(&self) -> &'static str {
        match self {
            Change::Profile { .. } => "profile",
            Change::Variable { .. } => "variables",
            Change::Flag { list, .. } | Change::Entry { list, .. } => list,
            Change::Version { .. } | Change::Visibility { .. } | Change::PackageFlag { .. } => {
                "packages"
            }
            Change::Installable { .. } => "installability",
        }
    }

    /// One JSON object (without the profile, added by the caller).
    pub fn to_json(&self) -> Value {
        let loc = |l: &Option<Loc>| l.as_ref().map(|l| l.to_string());
        let located = |v: &Option<Located>| {
            v.as_ref()
                .map(|v| json!({"value": v.value, "at": loc(&v.at)}))
        };
        let change = |added: bool| if added { "added" } else { "removed" };
        let mut v = match self {
            Change::Profile { present, detail } => json!({
                "kind": "profile", "change": change(*present), "detail": detail,
            }),
            Change::Variable {
                name,
                before,
                after,
            } => json!({
                "kind": "variable", "name": name,
                "before": located(before), "after": located(after),
            }),
            Change::Flag {
                list, flag, added, ..
            } => json!({
                "kind": "flag", "list": list, "flag": flag, "change": change(*added),
            }),
            Change::Entry {
                list, entry, added, ..
            } => json!({
                "kind": "entry", "list": list, "entry": entry, "change": change(*added),
            }),
            Change::Version {
                cpv, repo, added, ..
            } => json!({
                "kind": "version", "cpv": cpv, "repo": repo, "change": change(*added),
            }),
            Change::Visibility {
                cpv,
                repo,
                was_visible,
                visible,
                reasons,
            } => json!({
                "kind": "visibility", "cpv": cpv, "repo": repo,
                "was_visible": was_visible, "visible": visible,
                "masked_by": reasons.iter().map(|r| json!({
                    "kind": r.kind, "detail": r.detail, "at": loc(&r.at),
                })).collect::<Vec<_>>(),
            }),
            Change::PackageFlag {
                cpv,
                repo,
                flag,
                aspect,
                on,
                before,
                after,
            } => json!({
                "kind": "package_flag", "cpv": cpv, "repo": repo, "flag": flag,
                "aspect": aspect.as_str(), "on": on,
                "before_at": loc(before), "after_at": loc(after),
            }),
            Change::Installable {
                set,
                installable,
                problems,
                explanation,
            } => json!({
                "kind": "installable", "set": set, "installable": installable,
                "problems": problems.iter().map(|p| json!({
                    "kind": p.kind.as_str(), "atom": p.atom, "required_by": p.required_by,
                    "detail": p.detail, "source": p.source,
                })).collect::<Vec<_>>(),
                "explanation": explanation,
            }),
        };
        let (side, file, line) = match self.at() {
            Some((side, l)) => (
                Some(side.as_str()),
                Some(l.file.display().to_string()),
                Some(l.line),
            ),
            None => (None, None, None),
        };
        v["side"] = json!(side);
        v["file"] = json!(file);
        v["line"] = json!(line);
        v
    }

    /// One line for people (the explanation of an installability change
    /// follows on indented lines).
    pub fn to_text(&self) -> String {
        let at = match self.at() {
            Some((side, l)) => format!("  ({} {l})", side.as_str()),
            None => String::new(),
        };
        let sign = |added: bool| if added { '+' } else { '-' };
        match self {
            Change::Profile { present, detail } => format!(
                "{} ({detail})",
                if *present { "appears" } else { "disappears" }
            ),
            Change::Variable {
                name,
                before,
                after,
            } => {
                let show = |v: &Option<Located>| match v {
                    Some(v) => format!("\"{}\"", v.value),
                    None => "unset".to_owned(),
                };
                let was = before
                    .as_ref()
                    .and_then(|b| b.at.as_ref())
                    .filter(|_| after.as_ref().is_some_and(|a| a.at.is_some()))
                    .map(|l| format!("; was from {l}"))
                    .unwrap_or_default();
                format!("{name}: {} -> {}{at}{was}", show(before), show(after))
            }
            Change::Flag { flag, added, .. } => format!("{}{flag}{at}", sign(*added)),
            Change::Entry { entry, added, .. } => format!("{}{entry}{at}", sign(*added)),
            Change::Version {
                cpv, repo, added, ..
            } => format!(
                "{cpv}::{repo}: {}{at}",
                if *added { "new version" } else { "removed" }
            ),
            Change::Visibility {
                cpv,
                repo,
                was_visible,
                visible,
                reasons,
            } => {
                let why: Vec<String> = reasons
                    .iter()
                    .map(|r| match &r.at {
                        Some(l) => format!("{}: {} ({l})", r.kind, r.detail),
                        None => format!("{}: {}", r.kind, r.detail),
                    })
                    .collect();
                if *visible {
                    format!("{cpv}::{repo}: masked -> visible (was {})", why.join("; "))
                } else if *was_visible {
                    format!("{cpv}::{repo}: visible -> masked by {}", why.join("; "))
                } else {
                    format!("{cpv}::{repo}: still masked, now by {}", why.join("; "))
                }
            }
            Change::PackageFlag {
                cpv,
                repo,
                flag,
                aspect,
                on,
                before,
                ..
            } => {
                let was = match (self.at(), before) {
                    (Some((Side::To, _)), Some(b)) => format!("; was {b}"),
                    _ => String::new(),
                };
                format!(
                    "{cpv}::{repo}: {} {}{flag}{at}{was}",
                    aspect.as_str(),
                    sign(*on)
                )
            }
            Change::Installable {
                set,
                installable,
                problems,
                ..
            } => {
                // The problems only: the full derivation is in the JSON form
                // (and in `check`).
                let mut s = if *installable {
                    format!("{set}: NOT installable -> installable; it failed with:")
                } else {
                    format!("{set}: installable -> NOT installable:")
                };
                for p in problems {
                    let _ = write!(s, "\n      {p}");
                    if let Some(src) = &p.source {
                        let _ = write!(s, " (see {src})");
                    }
                }
                s
            }
        }
    }
}

/// What to compare besides the profile itself.
#[derive(Clone, Debug)]
pub struct Options {
    /// Target sets whose installability is compared (`@system`, ...).
    pub targets: Vec<(String, Vec<String>)>,
    pub deps: DepClasses,
    /// Compare every package version's visibility and USE.
    pub packages: bool,
}

/// The changes of one profile between two trees, in section order.
pub fn profile_changes(a: (&Tree, &Profile), b: (&Tree, &Profile), opts: &Options) -> Vec<Change> {
    let mut out = Vec::new();
    variables(a.1, b.1, &mut out);
    for (list, get) in FLAG_LISTS {
        flag_list(list, get(a.1), get(b.1), &mut out);
    }
    for (list, entries) in [
        ("package.mask", masks as ListFn),
        ("package.unmask", unmasks),
        ("package.accept_keywords", accept_keywords),
        ("@system", system),
        ("@profile", profile_set),
        ("package.provided", provided),
    ] {
        entry_list(list, entries(a.0, a.1), entries(b.0, b.1), &mut out);
    }
    if opts.packages {
        packages(a, b, &mut out);
    }
    for (set, atoms) in &opts.targets {
        let va = verdict(a, set, atoms, opts.deps);
        let vb = verdict(b, set, atoms, opts.deps);
        if va.installable != vb.installable {
            let failing = if vb.installable { va } else { vb.clone() };
            out.push(Change::Installable {
                set: set.clone(),
                installable: vb.installable,
                problems: failing.problems,
                explanation: failing.explanation,
            });
        }
    }
    out
}

/// Whether `atoms` (a target set named `set`) install under the profile.
pub fn verdict(
    (tree, p): (&Tree, &Profile),
    set: &str,
    atoms: &[String],
    deps: DepClasses,
) -> Verdict {
    let targets = target_atoms(p, set, atoms);
    let (u, _) = universe_for(tree, p, &targets);
    let mut req = Request::new(set.to_owned(), targets);
    req.deps = deps;
    solve(&u, &req)
}

/// The atoms of a target: the profile's `@system`/`@profile`, or the atom
/// itself (already checked to parse).
pub fn target_atoms(p: &Profile, set: &str, atoms: &[String]) -> Vec<Atom> {
    match set {
        "@system" => p.system.iter().map(|(a, _)| a.clone()).collect(),
        "@profile" => p.profile_set.iter().map(|(a, _)| a.clone()).collect(),
        _ => atoms
            .iter()
            .filter_map(|a| Atom::parse(a, portolan_engine::atom::AtomOptions::unrestricted()).ok())
            .collect(),
    }
}

fn variables(a: &Profile, b: &Profile, out: &mut Vec<Change>) {
    let tokenised = |p: &Profile, k: &str| {
        INCREMENTALS.contains(&k)
            || p.use_expand
                .iter()
                .chain(&p.use_expand_unprefixed)
                .any(|v| v == k)
    };
    let value = |p: &Profile, k: &str| -> Option<Located> {
        let v = p.vars().get(k)?;
        let value = if tokenised(p, k) {
            let mut t: Vec<&str> = v.value.split_whitespace().collect();
            t.sort_unstable();
            t.dedup();
            t.join(" ")
        } else {
            v.value.clone()
        };
        Some(Located {
            value,
            at: v.loc.clone(),
        })
    };
    let names: BTreeSet<&String> = a.vars().keys().chain(b.vars().keys()).collect();
    for name in names {
        // USE is compared flag by flag, as the "USE" list.
        if name == "USE" {
            continue;
        }
        let (before, after) = (value(a, name), value(b, name));
        if before.as_ref().map(|v| &v.value) != after.as_ref().map(|v| &v.value) {
            out.push(Change::Variable {
                name: name.clone(),
                before,
                after,
            });
        }
    }
}

type FlagListFn = fn(&Profile) -> FlagList;

/// A profile-wide flag list: each enabled flag with the line deciding it.
struct FlagList(Vec<(Sym, Option<Loc>)>);

fn stream_list(s: &FlagStream) -> FlagList {
    FlagList(
        s.enabled()
            .into_iter()
            .map(|f| (f, s.decide(f).map(|d| d.origin)))
            .collect(),
    )
}

const FLAG_LISTS: [(&str, FlagListFn); 5] = [
    ("USE", |p| {
        FlagList(
            p.global_use()
                .into_iter()
                .map(|f| {
                    let at = p
                        .use_force
                        .decide(f)
                        .filter(|d| d.on)
                        .or_else(|| p.use_defaults.decide(f))
                        .map(|d| d.origin);
                    (f, at)
                })
                .collect(),
        )
    }),
    ("use.force", |p| stream_list(&p.use_force)),
    ("use.mask", |p| stream_list(&p.use_mask)),
    ("use.stable.force", |p| stream_list(&p.use_stable_force)),
    ("use.stable.mask", |p| stream_list(&p.use_stable_mask)),
];

fn flag_list(list: &'static str, a: FlagList, b: FlagList, out: &mut Vec<Change>) {
    let index = |l: &FlagList| -> BTreeMap<&'static str, Option<Loc>> {
        l.0.iter().map(|(f, at)| (f.as_str(), at.clone())).collect()
    };
    let (a, b) = (index(&a), index(&b));
    for (flag, at) in &a {
        if !b.contains_key(flag) {
            out.push(Change::Flag {
                list,
                flag: flag.to_string(),
                added: false,
                at: at.clone(),
            });
        }
    }
    for (flag, at) in &b {
        if !a.contains_key(flag) {
            out.push(Change::Flag {
                list,
                flag: flag.to_string(),
                added: true,
                at: at.clone(),
            });
        }
    }
}

type ListFn = fn(&Tree, &Profile) -> Vec<(String, Loc)>;

fn scoped(tree: &Tree, atom: &Atom, scope: portolan_engine::repo::RepoId) -> String {
    if atom.repo.is_some() {
        atom.to_string()
    } else {
        format!("{atom}::{}", tree.repos.get(scope).name)
    }
}

fn masks(tree: &Tree, p: &Profile) -> Vec<(String, Loc)> {
    repo_then_profile(tree, &tree.repo_masks, &p.package_mask)
}

fn unmasks(tree: &Tree, p: &Profile) -> Vec<(String, Loc)> {
    repo_then_profile(tree, &tree.repo_unmasks, &p.package_unmask)
}

/// Repository-level entries (named with the repository they apply to),
/// then the profile's own.
fn repo_then_profile(
    tree: &Tree,
    repo: &[RepoMask],
    profile: &StackedList<Atom>,
) -> Vec<(String, Loc)> {
    repo.iter()
        .map(|m| (scoped(tree, &m.atom, m.scope), m.loc.clone()))
        .chain(profile.iter().map(|(a, l)| (a.to_string(), l.clone())))
        .collect()
}

fn table_entries(
    tree: &Tree,
    p: &Profile,
    get: fn(&ProfileNode) -> &AtomTable,
) -> Vec<(String, Loc)> {
    let mut out = Vec::new();
    for &id in &p.stack {
        for e in &get(tree.nodes.get(id)).entries {
            let toks: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
            if let Some(first) = e.tokens.first() {
                out.push((format!("{} {}", e.atom, toks.join(" ")), first.loc.clone()));
            }
        }
    }
    out
}

fn accept_keywords(tree: &Tree, p: &Profile) -> Vec<(String, Loc)> {
    table_entries(tree, p, |n| &n.package_accept_keywords)
}

fn system(_: &Tree, p: &Profile) -> Vec<(String, Loc)> {
    p.system
        .iter()
        .map(|(a, l)| (a.to_string(), l.clone()))
        .collect()
}

fn profile_set(_: &Tree, p: &Profile) -> Vec<(String, Loc)> {
    p.profile_set
        .iter()
        .map(|(a, l)| (a.to_string(), l.clone()))
        .collect()
}

fn provided(_: &Tree, p: &Profile) -> Vec<(String, Loc)> {
    p.provided
        .iter()
        .map(|((cp, v), l)| (format!("{cp}-{v}"), l.clone()))
        .collect()
}

/// Entries compared as multisets of their text: moving a line within a
/// file is no change.
fn entry_list(
    list: &'static str,
    a: Vec<(String, Loc)>,
    b: Vec<(String, Loc)>,
    out: &mut Vec<Change>,
) {
    let count = |v: &[(String, Loc)]| {
        let mut m: BTreeMap<String, Vec<Loc>> = BTreeMap::new();
        for (k, l) in v {
            m.entry(k.clone()).or_default().push(l.clone());
        }
        m
    };
    let (ca, cb) = (count(&a), count(&b));
    // Occurrences beyond what the other side has: removed from `a`, added in `b`.
    for (this, other, added) in [(&ca, &cb, false), (&cb, &ca, true)] {
        for (entry, locs) in this {
            let there = other.get(entry).map_or(0, Vec::len);
            for l in locs.iter().skip(there) {
                out.push(Change::Entry {
                    list,
                    entry: entry.clone(),
                    added,
                    at: Some(l.clone()),
                });
            }
        }
    }
}

fn packages(a: (&Tree, &Profile), b: (&Tree, &Profile), out: &mut Vec<Change>) {
    let key = |p: &Package| (p.cpv().to_owned(), p.repo_name.as_str());
    let in_b: HashMap<(String, &str), &Package> =
        b.0.packages.packages.iter().map(|p| (key(p), p)).collect();
    let in_a: HashMap<(String, &str), &Package> =
        a.0.packages.packages.iter().map(|p| (key(p), p)).collect();
    let (ea, eb) = (Evaluator::new(a.0, a.1), Evaluator::new(b.0, b.1));
    for pa in &a.0.packages.packages {
        let Some(pb) = in_b.get(&key(pa)) else {
            out.push(Change::Version {
                cpv: pa.cpv().to_owned(),
                repo: pa.repo_name.to_string(),
                added: false,
                at: pa.file(),
            });
            continue;
        };
        let (sa, sb) = (ea.evaluate(pa), eb.evaluate(pb));
        package_changes((&ea, pa, &sa), (&eb, pb, &sb), out);
    }
    for pb in &b.0.packages.packages {
        if !in_a.contains_key(&key(pb)) {
            out.push(Change::Version {
                cpv: pb.cpv().to_owned(),
                repo: pb.repo_name.to_string(),
                added: true,
                at: pb.file(),
            });
        }
    }
}

type Evaluated<'e, 'a> = (&'e Evaluator<'a>, &'e Package, &'e PackageState);

fn package_changes(a: Evaluated<'_, '_>, b: Evaluated<'_, '_>, out: &mut Vec<Change>) {
    let (pkg, sa, sb) = (b.1, a.2, b.2);
    let cpv = pkg.cpv().to_owned();
    let repo = pkg.repo_name.to_string();
    // Kinds only: details quote KEYWORDS and ACCEPT_KEYWORDS, which would
    // turn every edit of those into a change of every masked version.
    let kinds = |s: &PackageState| -> BTreeSet<&'static str> {
        s.masked_by.iter().map(|m| m.kind.as_str()).collect()
    };
    if sa.visible != sb.visible || kinds(sa) != kinds(sb) {
        let masked = if sb.visible { sa } else { sb };
        out.push(Change::Visibility {
            cpv: cpv.clone(),
            repo: repo.clone(),
            was_visible: sa.visible,
            visible: sb.visible,
            reasons: masked.masked_by.iter().map(Reason::from).collect(),
        });
    }
    for (aspect, la, lb) in [
        (Aspect::Enabled, &sa.use_, &sb.use_),
        (Aspect::Forced, &sa.forced, &sb.forced),
        (Aspect::Masked, &sa.masked, &sb.masked),
    ] {
        let (fa, fb): (BTreeSet<&str>, BTreeSet<&str>) = (
            la.iter().map(|s| s.as_str()).collect(),
            lb.iter().map(|s| s.as_str()).collect(),
        );
        for flag in fa.symmetric_difference(&fb) {
            let f = Sym::new(flag);
            let deciding = |(ev, p, _): Evaluated<'_, '_>| {
                decided_at(&ev.trace_flag(p, f), aspect, p.entry().loc_of("IUSE"))
            };
            out.push(Change::PackageFlag {
                cpv: cpv.clone(),
                repo: repo.clone(),
                flag: flag.to_string(),
                aspect,
                on: fb.contains(flag),
                before: deciding(a),
                after: deciding(b),
            });
        }
    }
}

/// The line that decided `aspect` of a flag, as `why` explains it.
fn decided_at(t: &FlagTrace, aspect: Aspect, iuse: Option<Loc>) -> Option<Loc> {
    let on = |d: &Option<portolan_engine::profile::flags::Decision>| {
        d.as_ref().filter(|d| d.on).map(|d| d.origin.clone())
    };
    let any = |d: &Option<portolan_engine::profile::flags::Decision>| {
        d.as_ref().map(|d| d.origin.clone())
    };
    match aspect {
        Aspect::Forced => any(&t.force),
        Aspect::Masked => any(&t.mask),
        Aspect::Enabled => on(&t.mask)
            .or_else(|| on(&t.force))
            .or_else(|| any(&t.use_))
            .or(if t.iuse_default.is_some() { iuse } else { None }),
    }
}

/// The text form: profiles with identical changes share one group.
pub fn write_text(out: &mut String, diffs: &[(String, Vec<Change>)]) {
    let mut groups: Vec<(Vec<&str>, &Vec<Change>, String)> = Vec::new();
    for (profile, changes) in diffs {
        if changes.is_empty() {
            continue;
        }
        let body = render_changes(changes);
        match groups.iter_mut().find(|g| g.2 == body) {
            Some(g) => g.0.push(profile),
            None => groups.push((vec![profile], changes, body)),
        }
    }
    let quiet: Vec<&str> = diffs
        .iter()
        .filter(|(_, c)| c.is_empty())
        .map(|(p, _)| p.as_str())
        .collect();
    for (profiles, _, body) in &groups {
        let _ = writeln!(out, "== {}", profiles[0]);
        if profiles.len() > 1 {
            let _ = writeln!(
                out,
                "   (same changes for {} more: {})",
                profiles.len() - 1,
                some_of(&profiles[1..])
            );
        }
        out.push_str(body);
        out.push('\n');
    }
    if !quiet.is_empty() {
        let _ = writeln!(out, "no change for: {}", some_of(&quiet));
    }
}

/// Names for people: the first few, then how many others.
fn some_of(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    if names.len() <= SHOWN + 1 {
        names.join(", ")
    } else {
        format!(
            "{}, and {} others",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}

fn render_changes(changes: &[Change]) -> String {
    let mut s = String::new();
    let mut section = "";
    for c in changes {
        if c.section() != section {
            section = c.section();
            let _ = writeln!(s, "  {section}:");
        }
        let _ = writeln!(s, "    {}", c.to_text());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_entries_name_the_newer_line_and_removed_the_older() {
        let a = vec![
            ("x/y".to_owned(), Loc::new("/from/package.mask", 3)),
            ("x/y".to_owned(), Loc::new("/from/package.mask", 9)),
            ("a/b".to_owned(), Loc::new("/from/package.mask", 4)),
        ];
        let b = vec![
            ("x/y".to_owned(), Loc::new("/to/package.mask", 2)),
            ("c/d".to_owned(), Loc::new("/to/package.mask", 7)),
        ];
        let mut out = Vec::new();
        entry_list("package.mask", a, b, &mut out);
        let seen: Vec<(String, bool, String)> = out
            .iter()
            .map(|c| match c {
                Change::Entry {
                    entry, added, at, ..
                } => (entry.clone(), *added, at.as_ref().unwrap().to_string()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("a/b".into(), false, "/from/package.mask:4".into()),
                ("x/y".into(), false, "/from/package.mask:9".into()),
                ("c/d".into(), true, "/to/package.mask:7".into()),
            ]
        );
        assert_eq!(out[2].at().unwrap().0, Side::To);
        assert_eq!(out[0].at().unwrap().0, Side::From);
    }
}
