//! Measures a repository's md5-cache: the distributions the Gentoo-scale
//! generator ([`crate::gen`]) reproduces.
//!
//! Run it with `portolan-gen measure DIR` (DIR is a repository: it holds
//! `metadata/md5-cache/` and `profiles/`). The figures it printed for the
//! real subset `../shared/corpus/real/gentoo` are recorded in
//! `corpus/README.md` and hard-coded in `gen/params.rs`; the vocabularies
//! (flags, KEYWORDS, LICENSE, phases, eclasses …) were emitted with
//! `portolan-gen measure --emit-vocab DIR` into `gen/vocab.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use portolan_engine::atom::{Atom, AtomOptions, Blocker, Op, SlotOp};
use portolan_engine::depspec::{DepOptions, DepSpec, FlagLeaf, NodeKind, NodeRef};
use portolan_engine::eapi::Eapi;
use portolan_engine::fs::Fs;
use portolan_engine::md5cache::{self, CacheEntry};
use portolan_engine::version::split_pf;

/// A counter of string keys, kept sorted for reproducible output.
pub type Counter = BTreeMap<String, u64>;

fn bump(c: &mut Counter, k: impl Into<String>) {
    *c.entry(k.into()).or_default() += 1;
}

/// The dependency classes, in md5-cache key order.
pub const DEP_CLASSES: [&str; 5] = ["BDEPEND", "DEPEND", "IDEPEND", "PDEPEND", "RDEPEND"];

/// Per dependency class figures.
#[derive(Debug, Default, Clone)]
pub struct DepClassStats {
    /// Entries where the class is non-empty.
    pub nonempty: u64,
    /// Atoms (leaves) over all entries.
    pub atoms: u64,
    /// Histogram of atoms per non-empty entry.
    pub atoms_hist: Counter,
}

/// Figures over every dependency atom of every class.
#[derive(Debug, Default, Clone)]
pub struct AtomStats {
    pub total: u64,
    /// Atoms under at least one `flag? ( )` conditional.
    pub under_use_cond: u64,
    /// Atoms inside an `|| ( )` group.
    pub in_any_of: u64,
    /// `|| ( )` groups, and their number of direct children.
    pub any_of_groups: u64,
    pub any_of_children: u64,
    /// USE-conditional groups.
    pub use_cond_groups: u64,
    pub use_cond_negated: u64,
    /// Atoms whose conditional flag is in the entry's IUSE.
    pub cond_flag_in_iuse: u64,
    pub blockers_weak: u64,
    pub blockers_strong: u64,
    /// Operators: `none`, `>=`, `=`, `~`, `<`, `<=`, `>`, `=*`.
    pub ops: Counter,
    /// `:=` (no slot), `:S=`, `:S`, `:S/SUB`, `:*`.
    pub slot_forms: Counter,
    /// Atoms with `[…]`, and their USE-dep elements.
    pub with_use_deps: u64,
    pub use_dep_elems: u64,
    /// USE-dep elements with a `(+)`/`(-)` default.
    pub use_dep_defaulted: u64,
    /// USE-dep element forms: `f`, `-f`, `f=`, `!f=`, `f?`, `!f?`.
    pub use_dep_kinds: Counter,
    /// Atoms naming a package with no version in the measured repository.
    pub dangling: u64,
    /// Most depended-on packages (atom count).
    pub targets: Counter,
}

/// Everything [`measure`] computes.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub entries: u64,
    pub packages: u64,
    pub categories: Counter,
    /// Packages per category.
    pub category_packages: Counter,
    /// Histogram: versions per package.
    pub versions_per_package: Counter,
    pub eapi: Counter,
    /// `0`, `other` (one name, not 0), `0/sub`, `S/sub`.
    pub slot_forms: Counter,
    /// Entries whose SLOT has a sub-slot equal to the slot (`0/0`).
    pub subslot_same: u64,
    /// Packages whose versions use more than one slot.
    pub multi_slot_packages: u64,
    /// Versions: live (`9999` anywhere), with `-rN`, with a `_suffix`, number
    /// of dot components.
    pub live_versions: u64,
    pub revision_versions: u64,
    pub suffix_versions: Counter,
    pub version_components: Counter,
    pub iuse_entries: u64,
    pub iuse_tokens: u64,
    pub iuse_plus: u64,
    pub iuse_minus: u64,
    /// Histogram of plain (non-USE_EXPAND) IUSE flags per entry.
    pub iuse_plain_hist: Counter,
    /// Entries with at least one flag of a USE_EXPAND family (`python_targets`,
    /// `abi` = every `abi_*` …).
    pub expand_families: Counter,
    /// The USE_EXPAND flags of one entry, all families together, as written
    /// (space-separated; `""` for none): families are correlated (`abi_*`
    /// comes with multilib, python_targets excludes python_single_target).
    pub expand_sets: Counter,
    /// Plain flag → entries having it (with its default as written: `+f`).
    pub plain_flags: Counter,
    /// Per arch of arch.list: stable / testing / `-arch` / absent.
    pub kw_stable: Counter,
    pub kw_testing: Counter,
    pub kw_minus: Counter,
    pub kw_star_minus: u64,
    pub kw_empty: u64,
    /// Live versions with empty KEYWORDS.
    pub kw_empty_live: u64,
    /// Exact KEYWORDS strings (non-empty).
    pub kw_strings: Counter,
    /// Of packages with ≥ 2 keyworded versions: those whose newest keyworded
    /// version has no stable keyword while an older one has.
    pub newest_testing_only: u64,
    pub multi_version_keyworded: u64,
    pub dep_classes: BTreeMap<&'static str, DepClassStats>,
    /// Entries outside `virtual` and `acct-*` (whose metadata follows
    /// fixed patterns the generator writes directly), and their histograms.
    pub regular_entries: u64,
    pub iuse_plain_hist_regular: Counter,
    pub dep_classes_regular: BTreeMap<&'static str, DepClassStats>,
    /// Entries with DEPEND == RDEPEND (both non-empty).
    pub depend_eq_rdepend: u64,
    pub atoms: AtomStats,
    pub required_use: u64,
    /// REQUIRED_USE top-level forms: `||`, `^^`, `??`, `cond`, `flag`.
    pub required_use_forms: Counter,
    pub licenses: Counter,
    pub license_names: Counter,
    pub license_any_of: u64,
    pub license_cond: u64,
    pub phases: Counter,
    pub inherits: Counter,
    /// INHERIT string → `_eclasses_` names (first seen).
    pub inherit_closure: BTreeMap<String, String>,
    /// eclass → md5 (first seen).
    pub eclass_md5: BTreeMap<String, String>,
    pub restrict: Counter,
    pub properties: Counter,
    pub has_src_uri: u64,
    pub has_homepage: u64,
    pub has_license: u64,
    pub has_inherit: u64,
    pub iuse_flag_count_total: u64,
    pub errors: Vec<String>,
}

/// Categories whose packages follow fixed patterns (no IUSE, no LICENSE,
/// dependencies on one kind of package): `virtual`, `acct-user`,
/// `acct-group`.
pub fn is_special_category(cat: &str) -> bool {
    matches!(cat, "virtual" | "acct-user" | "acct-group")
}

/// USE_EXPAND family of a flag, if any: the longest `prefix_` among
/// `expand` (lower-case names from base/make.defaults), `abi_*` folded to
/// `abi`.
pub fn expand_family<'a>(flag: &str, expand: &'a [String]) -> Option<&'a str> {
    let mut best: Option<&'a str> = None;
    for e in expand {
        if flag.len() > e.len() + 1
            && flag.starts_with(e.as_str())
            && flag.as_bytes()[e.len()] == b'_'
            && best.is_none_or(|b| b.len() < e.len())
        {
            best = Some(e.as_str());
        }
    }
    best.map(|b| if b.starts_with("abi_") { "abi" } else { b })
}

/// Reads `USE_EXPAND` (and `USE_EXPAND_UNPREFIXED` is not prefixed, so not
/// returned) from `profiles/base/make.defaults`, lower-cased.
pub fn read_use_expand(profiles: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(profiles.join("base/make.defaults")).unwrap_or_default();
    let Some(i) = text.find("\nUSE_EXPAND=\"") else {
        return Vec::new();
    };
    let rest = &text[i + "\nUSE_EXPAND=\"".len()..];
    let end = rest.find('"').unwrap_or(rest.len());
    rest[..end]
        .split_ascii_whitespace()
        .map(|s| s.to_ascii_lowercase())
        .collect()
}

/// Reads `profiles/arch.list` (comments dropped, order kept).
pub fn read_arch_list(profiles: &Path) -> Vec<String> {
    std::fs::read_to_string(profiles.join("arch.list"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn hist_bucket(n: u64) -> String {
    match n {
        0..=8 => n.to_string(),
        9..=16 => "9-16".into(),
        17..=32 => "17-32".into(),
        33..=64 => "33-64".into(),
        _ => "65+".into(),
    }
}

/// Walks a dependency tree, recording per-atom context.
fn walk(
    node: NodeRef<'_, Atom>,
    in_cond: bool,
    in_any: bool,
    iuse: &BTreeSet<&str>,
    known: &BTreeSet<String>,
    a: &mut AtomStats,
) {
    for child in node.children() {
        match child.kind() {
            NodeKind::Leaf(atom) => {
                a.total += 1;
                a.under_use_cond += in_cond as u64;
                a.in_any_of += in_any as u64;
                match atom.blocker {
                    Blocker::None => {}
                    Blocker::Weak => a.blockers_weak += 1,
                    Blocker::Strong => a.blockers_strong += 1,
                }
                bump(&mut a.ops, atom.op.map_or("none", Op::as_str));
                let form = match (atom.slot, atom.subslot, atom.slot_op) {
                    (None, _, Some(SlotOp::Equal)) => Some(":="),
                    (None, _, Some(SlotOp::Any)) => Some(":*"),
                    (Some(_), _, Some(SlotOp::Equal)) => Some(":S="),
                    (Some(_), Some(_), None) => Some(":S/SUB"),
                    (Some(_), None, None) => Some(":S"),
                    _ => None,
                };
                if let Some(f) = form {
                    bump(&mut a.slot_forms, f);
                }
                if !atom.use_deps.is_empty() {
                    a.with_use_deps += 1;
                }
                for u in atom.use_deps.iter() {
                    a.use_dep_elems += 1;
                    a.use_dep_defaulted += u.default.is_some() as u64;
                    use portolan_engine::atom::UseDepKind::*;
                    bump(
                        &mut a.use_dep_kinds,
                        match u.kind {
                            Enabled => "f",
                            Disabled => "-f",
                            Equal => "f=",
                            NotEqual => "!f=",
                            IfEnabled => "f?",
                            IfDisabled => "!f?",
                        },
                    );
                }
                let cp = atom.cp.as_str();
                if !known.contains(cp) {
                    a.dangling += 1;
                }
                if atom.blocker == Blocker::None {
                    bump(&mut a.targets, cp);
                }
            }
            NodeKind::AnyOf => {
                a.any_of_groups += 1;
                a.any_of_children += child.children().count() as u64;
                walk(child, in_cond, true, iuse, known, a);
            }
            NodeKind::Conditional { flag, negate } => {
                a.use_cond_groups += 1;
                a.use_cond_negated += negate as u64;
                if iuse.contains(flag.as_str()) {
                    a.cond_flag_in_iuse += child.children().count() as u64;
                }
                walk(child, true, in_any, iuse, known, a);
            }
            _ => walk(child, in_cond, in_any, iuse, known, a),
        }
    }
}

/// Measures the repository at `repo` (its md5-cache and `profiles/`).
pub fn measure(repo: &Path) -> Result<Stats, String> {
    let profiles = repo.join("profiles");
    let expand = read_use_expand(&profiles);
    let files = md5cache::scan(&Fs::os(), repo).map_err(|e| e.to_string())?;
    let mut s = Stats::default();
    for c in DEP_CLASSES {
        s.dep_classes.insert(c, DepClassStats::default());
        s.dep_classes_regular.insert(c, DepClassStats::default());
    }
    let mut entries = Vec::new();
    let mut known = BTreeSet::new();
    for f in &files {
        let e = CacheEntry::read(&Fs::os(), &f.path).map_err(|e| e.to_string())?;
        let Some((pn, v)) = split_pf(&f.pf) else {
            s.errors.push(format!("{}/{}: bad name", f.category, f.pf));
            continue;
        };
        known.insert(format!("{}/{pn}", f.category));
        entries.push((f.category.clone(), pn.to_owned(), v, e));
    }
    // Per package: versions, slots, keywords of each version (sorted by version).
    let mut per_pkg: BTreeMap<
        String,
        Vec<(portolan_engine::version::Version, String, bool, bool)>,
    > = BTreeMap::new();
    for (cat, pn, v, e) in &entries {
        s.entries += 1;
        let regular = !is_special_category(cat);
        s.regular_entries += regular as u64;
        bump(&mut s.categories, cat.as_str());
        bump(&mut s.eapi, e.eapi());
        let eapi = Eapi::parse(e.eapi()).unwrap_or(Eapi::LATEST);
        // Versions.
        let vs = v.as_str();
        if vs.contains("9999") {
            s.live_versions += 1;
        }
        if v.has_revision() {
            s.revision_versions += 1;
        }
        let pv = v.without_revision();
        let base = pv.split('_').next().unwrap_or(pv);
        bump(
            &mut s.version_components,
            base.split('.').count().to_string(),
        );
        for suf in pv.split('_').skip(1) {
            let name: String = suf
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            bump(&mut s.suffix_versions, name);
        }
        // SLOT.
        let slot = e.slot().unwrap_or(("0", "0"));
        let raw_slot = e.get("SLOT").unwrap_or("0");
        let form = match (raw_slot.contains('/'), slot.0 == "0") {
            (false, true) => "0",
            (false, false) => "S",
            (true, true) => "0/SUB",
            (true, false) => "S/SUB",
        };
        bump(&mut s.slot_forms, form);
        if raw_slot.contains('/') && slot.0 == slot.1 {
            s.subslot_same += 1;
        }
        // IUSE.
        let mut iuse_names = BTreeSet::new();
        let mut families: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut plain = 0u64;
        let mut any = false;
        for f in e.iuse() {
            any = true;
            s.iuse_tokens += 1;
            match f.default {
                Some(true) => s.iuse_plus += 1,
                Some(false) => s.iuse_minus += 1,
                None => {}
            }
            iuse_names.insert(f.name);
            match expand_family(f.name, &expand) {
                Some(fam) => families.entry(fam).or_default().push(f.name),
                None => {
                    plain += 1;
                    let tok = match f.default {
                        Some(true) => format!("+{}", f.name),
                        _ => f.name.to_owned(),
                    };
                    bump(&mut s.plain_flags, tok);
                }
            }
        }
        if any {
            s.iuse_entries += 1;
        }
        bump(&mut s.iuse_plain_hist, hist_bucket(plain));
        if regular {
            bump(&mut s.iuse_plain_hist_regular, hist_bucket(plain));
        }
        let mut all = Vec::new();
        for (fam, flags) in &families {
            bump(&mut s.expand_families, *fam);
            all.extend(flags.iter().copied());
        }
        bump(&mut s.expand_sets, all.join(" "));
        // KEYWORDS.
        let kws: Vec<&str> = e.keywords().collect();
        if kws.is_empty() {
            s.kw_empty += 1;
            s.kw_empty_live += vs.contains("9999") as u64;
        } else {
            bump(&mut s.kw_strings, kws.join(" "));
        }
        for k in &kws {
            if *k == "-*" {
                s.kw_star_minus += 1;
            } else if let Some(a) = k.strip_prefix('~') {
                bump(&mut s.kw_testing, a);
            } else if let Some(a) = k.strip_prefix('-') {
                bump(&mut s.kw_minus, a);
            } else {
                bump(&mut s.kw_stable, *k);
            }
        }
        let has_stable = kws
            .iter()
            .any(|k| !k.starts_with('~') && !k.starts_with('-'));
        per_pkg.entry(format!("{cat}/{pn}")).or_default().push((
            v.clone(),
            slot.0.to_owned(),
            !kws.is_empty(),
            has_stable,
        ));
        // Dependencies.
        let mut rd = None;
        let mut dd = None;
        for class in DEP_CLASSES {
            let raw = e.get(class).unwrap_or("");
            if class == "RDEPEND" {
                rd = Some(raw);
            }
            if class == "DEPEND" {
                dd = Some(raw);
            }
            let spec = match DepSpec::parse(
                raw,
                DepOptions::dependencies(eapi.empty_any_of_unsatisfied()),
                |t| Atom::parse(t, AtomOptions::dependency(eapi)),
            ) {
                Ok(spec) => spec,
                Err(err) => {
                    s.errors.push(format!("{cat}/{pn}-{v} {class}: {err}"));
                    continue;
                }
            };
            let n = spec.leaves().len() as u64;
            let c = s.dep_classes.get_mut(class).expect("class");
            if n > 0 {
                c.nonempty += 1;
                c.atoms += n;
                bump(&mut c.atoms_hist, hist_bucket(n));
                if regular {
                    let c = s.dep_classes_regular.get_mut(class).expect("class");
                    c.nonempty += 1;
                    c.atoms += n;
                    bump(&mut c.atoms_hist, hist_bucket(n));
                }
            }
            walk(spec.root(), false, false, &iuse_names, &known, &mut s.atoms);
        }
        if let (Some(r), Some(d)) = (rd, dd) {
            if !r.is_empty() && r == d {
                s.depend_eq_rdepend += 1;
            }
        }
        // REQUIRED_USE.
        let ru = e.required_use();
        if !ru.is_empty() {
            s.required_use += 1;
            if let Ok(spec) = DepSpec::parse(
                ru,
                DepOptions::required_use(eapi.at_most_one_of(), eapi.empty_any_of_unsatisfied()),
                FlagLeaf::parse,
            ) {
                for child in spec.root().children() {
                    let k = match child.kind() {
                        NodeKind::AnyOf => "||",
                        NodeKind::ExactlyOne => "^^",
                        NodeKind::AtMostOne => "??",
                        NodeKind::Conditional { .. } => "cond",
                        NodeKind::Leaf(_) => "flag",
                        NodeKind::AllOf => "( )",
                    };
                    bump(&mut s.required_use_forms, k);
                }
            }
        }
        // LICENSE and the rest.
        let lic = e.license();
        if !lic.is_empty() {
            s.has_license += 1;
            bump(&mut s.licenses, lic);
            if lic.contains("||") {
                s.license_any_of += 1;
            }
            if lic.contains('?') {
                s.license_cond += 1;
            }
            for t in lic.split_ascii_whitespace() {
                if !matches!(t, "||" | "(" | ")") && !t.ends_with('?') {
                    bump(&mut s.license_names, t);
                }
            }
        }
        bump(&mut s.phases, e.get("DEFINED_PHASES").unwrap_or(""));
        if let Some(i) = e.get("INHERIT").filter(|i| !i.is_empty()) {
            s.has_inherit += 1;
            bump(&mut s.inherits, i);
            let ecl = e.eclasses().map_err(|e| e.to_string())?;
            let names: Vec<&str> = ecl.iter().map(|(n, _)| *n).collect();
            s.inherit_closure
                .entry(i.to_owned())
                .or_insert_with(|| names.join(" "));
            for (n, m) in ecl {
                s.eclass_md5
                    .entry(n.to_owned())
                    .or_insert_with(|| m.to_owned());
            }
        }
        if let Some(r) = e.get("RESTRICT").filter(|r| !r.is_empty()) {
            bump(&mut s.restrict, r);
        }
        if let Some(p) = e.get("PROPERTIES").filter(|p| !p.is_empty()) {
            bump(&mut s.properties, p);
        }
        s.has_src_uri += e.get("SRC_URI").is_some_and(|v| !v.is_empty()) as u64;
        s.has_homepage += e.get("HOMEPAGE").is_some_and(|v| !v.is_empty()) as u64;
    }
    s.packages = per_pkg.len() as u64;
    for (cp, mut vs) in per_pkg {
        let cat = cp.split('/').next().unwrap_or("");
        bump(&mut s.category_packages, cat);
        bump(&mut s.versions_per_package, hist_bucket(vs.len() as u64));
        let slots: BTreeSet<&str> = vs.iter().map(|v| v.1.as_str()).collect();
        if slots.len() > 1 {
            s.multi_slot_packages += 1;
        }
        vs.sort_by(|a, b| a.0.cmp(&b.0));
        let kw: Vec<_> = vs.iter().filter(|v| v.2).collect();
        if kw.len() >= 2 {
            s.multi_version_keyworded += 1;
            let newest = kw[kw.len() - 1];
            if !newest.3 && kw[..kw.len() - 1].iter().any(|v| v.3) {
                s.newest_testing_only += 1;
            }
        }
    }
    Ok(s)
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * n as f64 / d as f64)
}

fn top(c: &Counter, n: usize) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = c.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

fn hist_line(c: &Counter, total: u64) -> String {
    let order = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9-16", "17-32", "33-64", "65+",
    ];
    order
        .iter()
        .filter_map(|k| c.get(*k).map(|v| format!("{k}: {}", pct(*v, total))))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Stats {
    /// A Markdown report of the figures.
    pub fn report(&self, arches: &[String]) -> String {
        let n = self.entries;
        let mut o = String::new();
        let w = &mut o;
        let _ = writeln!(
            w,
            "- entries {n}, packages {}, categories {}; versions/package {:.2}",
            self.packages,
            self.categories.len(),
            n as f64 / self.packages.max(1) as f64
        );
        let _ = writeln!(
            w,
            "- versions per package: {}",
            hist_line(&self.versions_per_package, self.packages)
        );
        let cats: Vec<String> = top(&self.category_packages, 12)
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(w, "- packages per category (top): {}", cats.join(", "));
        let eapi: Vec<String> = top(&self.eapi, 5)
            .iter()
            .map(|(k, v)| format!("{k}: {}", pct(*v, n)))
            .collect();
        let _ = writeln!(w, "- EAPI: {}", eapi.join(", "));
        let _ = writeln!(
            w,
            "- versions: live (9999) {}, with -rN {}, dot components {}, suffixes {}",
            pct(self.live_versions, n),
            pct(self.revision_versions, n),
            top(&self.version_components, 6)
                .iter()
                .map(|(k, v)| format!("{k}: {}", pct(*v, n)))
                .collect::<Vec<_>>()
                .join(" "),
            top(&self.suffix_versions, 6)
                .iter()
                .map(|(k, v)| format!("_{k}: {}", pct(*v, n)))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let slots: Vec<String> = top(&self.slot_forms, 4)
            .iter()
            .map(|(k, v)| format!("`{k}` {}", pct(*v, n)))
            .collect();
        let _ = writeln!(
            w,
            "- SLOT: {}; sub-slot equal to slot {}; packages with several slots {}",
            slots.join(", "),
            pct(self.subslot_same, n),
            pct(self.multi_slot_packages, self.packages)
        );
        let _ = writeln!(
            w,
            "- IUSE: non-empty {}, {:.1} tokens/entry, `+` {} and `-` {} of tokens; plain flags per entry: {}",
            pct(self.iuse_entries, n),
            self.iuse_tokens as f64 / n as f64,
            pct(self.iuse_plus, self.iuse_tokens),
            pct(self.iuse_minus, self.iuse_tokens),
            hist_line(&self.iuse_plain_hist, n)
        );
        let fams: Vec<String> = top(&self.expand_families, 12)
            .iter()
            .map(|(k, v)| format!("{k} {}", pct(*v, n)))
            .collect();
        let _ = writeln!(w, "- USE_EXPAND families (entries): {}", fams.join(", "));
        let flags: Vec<String> = top(&self.plain_flags, 15)
            .iter()
            .map(|(k, v)| format!("{k} {}", pct(*v, n)))
            .collect();
        let _ = writeln!(w, "- commonest plain flags: {}", flags.join(", "));
        let kw: Vec<String> = arches
            .iter()
            .map(|a| {
                format!(
                    "{a} {}/{}/{}",
                    pct(*self.kw_stable.get(a).unwrap_or(&0), n),
                    pct(*self.kw_testing.get(a).unwrap_or(&0), n),
                    pct(*self.kw_minus.get(a).unwrap_or(&0), n)
                )
            })
            .collect();
        let _ = writeln!(
            w,
            "- KEYWORDS (stable/testing/`-arch` of entries): {}; `-*` {}; empty {} (live versions {}, others {}); {} distinct strings",
            kw.join(", "),
            pct(self.kw_star_minus, n),
            pct(self.kw_empty, n),
            pct(self.kw_empty_live, self.live_versions),
            pct(self.kw_empty - self.kw_empty_live, n - self.live_versions),
            self.kw_strings.len()
        );
        let _ = writeln!(
            w,
            "- newest keyworded version testing-only while an older one is stable: {} of multi-version packages",
            pct(self.newest_testing_only, self.multi_version_keyworded)
        );
        for (c, d) in &self.dep_classes {
            let _ = writeln!(
                w,
                "- {c}: non-empty {}, {:.1} atoms per non-empty entry; {}",
                pct(d.nonempty, n),
                d.atoms as f64 / d.nonempty.max(1) as f64,
                hist_line(&d.atoms_hist, d.nonempty)
            );
        }
        let r = self.regular_entries;
        let _ = writeln!(
            w,
            "- outside virtual/acct-* ({r} entries): plain flags per entry {:?}",
            self.iuse_plain_hist_regular
        );
        for (c, d) in &self.dep_classes_regular {
            let _ = writeln!(
                w,
                "  - {c}: non-empty {} of {r}, atoms per non-empty entry {:?}",
                d.nonempty, d.atoms_hist
            );
        }
        let a = &self.atoms;
        let _ = writeln!(
            w,
            "- DEPEND == RDEPEND: {} of entries",
            pct(self.depend_eq_rdepend, n)
        );
        let _ = writeln!(
            w,
            "- atoms: {} in all; under a USE conditional {}, in `||` {}; `||` groups {:.2}/entry with {:.1} children; USE-conditional groups {:.2}/entry ({} negated)",
            a.total,
            pct(a.under_use_cond, a.total),
            pct(a.in_any_of, a.total),
            a.any_of_groups as f64 / n as f64,
            a.any_of_children as f64 / a.any_of_groups.max(1) as f64,
            a.use_cond_groups as f64 / n as f64,
            pct(a.use_cond_negated, a.use_cond_groups)
        );
        let ops: Vec<String> = top(&a.ops, 8)
            .iter()
            .map(|(k, v)| format!("`{k}` {}", pct(*v, a.total)))
            .collect();
        let slots: Vec<String> = top(&a.slot_forms, 8)
            .iter()
            .map(|(k, v)| format!("`{k}` {}", pct(*v, a.total)))
            .collect();
        let kinds: Vec<String> = top(&a.use_dep_kinds, 8)
            .iter()
            .map(|(k, v)| format!("`{k}` {}", pct(*v, a.use_dep_elems)))
            .collect();
        let _ = writeln!(w, "- atom operators: {}", ops.join(", "));
        let _ = writeln!(w, "- atom slot parts: {}", slots.join(", "));
        let _ = writeln!(
            w,
            "- blockers: `!` {}, `!!` {}; USE deps on {} of atoms, {:.1} elements each, {} with `(+)`/`(-)`; forms {}",
            pct(a.blockers_weak, a.total),
            pct(a.blockers_strong, a.total),
            pct(a.with_use_deps, a.total),
            a.use_dep_elems as f64 / a.with_use_deps.max(1) as f64,
            pct(a.use_dep_defaulted, a.use_dep_elems),
            kinds.join(", ")
        );
        let _ = writeln!(
            w,
            "- atoms naming a package absent from the repository: {}",
            pct(a.dangling, a.total)
        );
        let tg: Vec<String> = top(&a.targets, 10)
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(w, "- most depended-on: {}", tg.join(", "));
        let ru: Vec<String> = top(&self.required_use_forms, 6)
            .iter()
            .map(|(k, v)| format!("`{k}` {v}"))
            .collect();
        let _ = writeln!(
            w,
            "- REQUIRED_USE: {} of entries; top-level forms {}",
            pct(self.required_use, n),
            ru.join(", ")
        );
        let lic: Vec<String> = top(&self.license_names, 12)
            .iter()
            .map(|(k, v)| format!("{k} {}", pct(*v, n)))
            .collect();
        let _ = writeln!(
            w,
            "- LICENSE: present {}, `||` {}, conditional {}, {} distinct strings; names {}",
            pct(self.has_license, n),
            pct(self.license_any_of, n),
            pct(self.license_cond, n),
            self.licenses.len(),
            lic.join(", ")
        );
        let _ = writeln!(
            w,
            "- INHERIT {} ({} distinct, {} eclasses), SRC_URI {}, HOMEPAGE {}, RESTRICT {}, PROPERTIES {}, {} distinct DEFINED_PHASES",
            pct(self.has_inherit, n),
            self.inherits.len(),
            self.eclass_md5.len(),
            pct(self.has_src_uri, n),
            pct(self.has_homepage, n),
            pct(self.restrict.values().sum(), n),
            pct(self.properties.values().sum(), n),
            self.phases.len()
        );
        if !self.errors.is_empty() {
            let _ = writeln!(w, "- errors: {}", self.errors.len());
        }
        o
    }

    /// The vocabularies as Rust source (`gen/vocab.rs`).
    pub fn vocab_rust(&self, source: &str) -> String {
        fn table(o: &mut String, doc: &str, name: &str, c: &Counter, min: u64) {
            let _ = writeln!(o, "/// {doc}");
            let _ = writeln!(o, "pub const {name}: &[(&str, u32)] = &[");
            for (k, v) in top(c, usize::MAX) {
                if v >= min {
                    let _ = writeln!(o, "    ({k:?}, {v}),");
                }
            }
            let _ = writeln!(o, "];\n");
        }
        let mut o = String::new();
        let _ = writeln!(
            o,
            "//! Vocabularies of the real md5-cache, with their entry counts.\n//!\n//! GENERATED by `portolan-gen measure --emit-vocab {source}`; do not edit.\n//! Each table is `(value, number of entries having it)`, commonest first.\n"
        );
        table(
            &mut o,
            "IUSE flags that are not USE_EXPAND (`+f` when written with `+`).",
            "PLAIN_FLAGS",
            &self.plain_flags,
            1,
        );
        table(
            &mut o,
            "USE_EXPAND flags of one entry, all families (`\"\"` = none).",
            "EXPAND_SETS",
            &self.expand_sets,
            1,
        );
        table(
            &mut o,
            "Whole non-empty KEYWORDS strings.",
            "KEYWORDS",
            &self.kw_strings,
            1,
        );
        let mut targets = Counter::new();
        for (k, v) in top(&self.atoms.targets, 60) {
            targets.insert(k.to_owned(), v);
        }
        table(
            &mut o,
            "The 60 packages most depended on (atoms naming them, blockers excluded).",
            "TOP_TARGETS",
            &targets,
            1,
        );
        table(
            &mut o,
            "Whole LICENSE strings.",
            "LICENSES",
            &self.licenses,
            1,
        );
        table(
            &mut o,
            "Whole DEFINED_PHASES strings (`-` = none).",
            "PHASES",
            &self.phases,
            1,
        );
        table(
            &mut o,
            "Whole RESTRICT strings.",
            "RESTRICT",
            &self.restrict,
            1,
        );
        table(
            &mut o,
            "Whole PROPERTIES strings.",
            "PROPERTIES",
            &self.properties,
            1,
        );
        table(
            &mut o,
            "Whole INHERIT strings.",
            "INHERITS",
            &self.inherits,
            1,
        );
        let _ = writeln!(
            o,
            "/// INHERIT string → the eclass names of `_eclasses_` (sorted)."
        );
        let _ = writeln!(o, "pub const INHERIT_CLOSURE: &[(&str, &str)] = &[");
        for (k, v) in &self.inherit_closure {
            let _ = writeln!(o, "    ({k:?}, {v:?}),");
        }
        let _ = writeln!(o, "];\n");
        let _ = writeln!(o, "/// eclass → md5 as recorded in `_eclasses_`.");
        let _ = writeln!(o, "pub const ECLASS_MD5: &[(&str, &str)] = &[");
        for (k, v) in &self.eclass_md5 {
            let _ = writeln!(o, "    ({k:?}, {v:?}),");
        }
        let _ = writeln!(o, "];");
        o
    }
}
