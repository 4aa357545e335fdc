//! The Gentoo-scale corpus generator: from a seed, a folder with
//! `repos.conf`, a main repository named `gentoo` (md5-cache entries plus a
//! copy of the REAL gentoo `profiles/`, so all its profiles apply) and up to
//! two overlays whose master is `gentoo`.
//!
//! How it works, in two passes:
//!
//! 1. **Skeletons** (sequential, one stream from the seed): every package's
//!    category, name, versions, SLOTs, package-level IUSE and KEYWORDS.
//!    Packages the real profiles name (`packages`, `package.mask`,
//!    `package.use*` …) exist under their real names, with the versions the
//!    profiles mention and the flags `package.use*` names for them; the
//!    implementation packages that USE_EXPAND flags point at
//!    (`dev-lang/python:3.13`, `llvm-core/llvm:20`, …) exist with those slots.
//! 2. **Entries** (one stream per package, forked from the seed and the
//!    package name, so an entry does not depend on generation order):
//!    dependencies aimed at the skeletons, REQUIRED_USE, LICENSE … and the
//!    md5-cache text, keys sorted as Portage writes them.
//!
//! Distributions come from [`params`] and [`vocab`], measured on the real
//! md5-cache subset ([`crate::measure`]). Nothing iterates a hash map, so
//! the same seed and options give byte-identical output.

pub mod names;
pub mod params;
pub mod profiles;
pub mod rng;
#[rustfmt::skip]
pub mod vocab;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use portolan_engine::version::Version;

use params as P;
use rng::{Rng, Weighted};

/// Generation options.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Packages of the main repository (versions follow, ~1.63 per package).
    pub packages: usize,
    /// Overlays (0, 1 or 2).
    pub overlays: usize,
    /// The real gentoo repository whose `profiles/` and
    /// `metadata/layout.conf` are copied.
    pub real_gentoo: PathBuf,
    /// Symlink `gentoo/profiles` to the real one instead of copying its
    /// 3 400 files (20 MB): for throw-away corpora; the copy is what Portage
    /// and other tools are sure to read.
    pub link_profiles: bool,
}

impl Options {
    /// Full Gentoo scale, two overlays, the real gentoo found by
    /// [`default_real_gentoo`].
    pub fn new(seed: u64) -> Result<Options, String> {
        Ok(Options {
            seed,
            packages: P::FULL_PACKAGES,
            overlays: 2,
            link_profiles: false,
            real_gentoo: default_real_gentoo().ok_or(
                "real gentoo repository not found: set PORTOLAN_REAL_CORPUS to the folder \
                 holding gentoo/ (../shared/corpus/real)",
            )?,
        })
    }
}

/// `$PORTOLAN_REAL_CORPUS/gentoo`, else `shared/corpus/real/gentoo` beside
/// the repository clone (as CI lays it), else
/// `/work/shared/corpus/real/gentoo`.
pub fn default_real_gentoo() -> Option<PathBuf> {
    let mut cands = Vec::new();
    if let Some(d) = std::env::var_os("PORTOLAN_REAL_CORPUS") {
        cands.push(PathBuf::from(d).join("gentoo"));
    }
    cands.push(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/real/gentoo"
    )));
    cands.push(PathBuf::from("/work/shared/corpus/real/gentoo"));
    cands
        .into_iter()
        .find(|c| c.join("profiles/arch.list").is_file())
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// (repository, packages, versions)
    pub repos: Vec<(String, usize, usize)>,
    /// md5-cache entries and their bytes.
    pub entries: usize,
    pub entry_bytes: u64,
    /// Files copied from the real profiles.
    pub profile_files: u64,
}

/// Names of the generated overlays, in order.
pub const OVERLAYS: [&str; 2] = ["gen-overlay", "gen-extra"];
/// The category only `gen-overlay` has.
pub const OVERLAY_CATEGORY: &str = "gen-base";

// ---------------------------------------------------------------------------
// Skeletons

#[derive(Clone, Debug)]
struct Ver {
    text: String,
    parsed: Version,
    slot: String,
    sub: Option<String>,
    live: bool,
}

#[derive(Clone, Debug)]
struct Pkg {
    repo: usize,
    cat: String,
    pn: String,
    cp: String,
    versions: Vec<Ver>,
    /// Plain IUSE flags with their `+` default.
    plain: Vec<(String, bool)>,
    /// USE_EXPAND flags (all families).
    expand: Vec<String>,
    keywords: &'static str,
    weight: f64,
}

impl Pkg {
    fn has_expand(&self, prefix: &str) -> bool {
        self.expand.iter().any(|f| f.starts_with(prefix))
    }
    fn py_multi(&self) -> bool {
        self.has_expand("python_targets_")
    }
    fn multilib(&self) -> bool {
        self.has_expand("abi_")
    }
    fn non_live(&self) -> impl Iterator<Item = &Ver> {
        self.versions.iter().filter(|v| !v.live)
    }
}

/// An implementation a USE_EXPAND flag points at: `python_targets_python3_13`
/// → `dev-lang/python:3.13`.
fn impl_target(flag: &str) -> Option<(&'static str, String)> {
    let (rest, kind) = if let Some(r) = flag
        .strip_prefix("python_targets_")
        .or_else(|| flag.strip_prefix("python_single_target_"))
    {
        (r, "py")
    } else if let Some(r) = flag.strip_prefix("llvm_slot_") {
        (r, "llvm")
    } else if let Some(r) = flag
        .strip_prefix("lua_targets_")
        .or_else(|| flag.strip_prefix("lua_single_target_"))
    {
        (r, "lua")
    } else if let Some(r) = flag.strip_prefix("ruby_targets_") {
        (r, "ruby")
    } else {
        return None;
    };
    match kind {
        "py" => {
            if let Some(v) = rest.strip_prefix("python") {
                Some(("dev-lang/python", v.replacen('_', ".", 1)))
            } else {
                rest.strip_prefix("pypy")
                    .map(|v| ("dev-lang/pypy", v.replacen('_', ".", 1)))
            }
        }
        "llvm" => Some(("llvm-core/llvm", rest.to_owned())),
        "lua" => {
            if rest == "luajit" {
                Some(("dev-lang/luajit", "2".to_owned()))
            } else {
                rest.strip_prefix("lua")
                    .map(|v| ("dev-lang/lua", v.replace('-', ".")))
            }
        }
        _ => rest.strip_prefix("ruby").and_then(|v| {
            let mut c = v.chars();
            let major = c.next()?;
            Some(("dev-lang/ruby", format!("{major}.{}", c.as_str())))
        }),
    }
}

fn draw_range(rng: &mut Rng, table: &[(usize, usize, u32)]) -> usize {
    let w = Weighted::new(table.iter().map(|b| b.2 as f64));
    let (lo, hi, _) = table[w.draw(rng)];
    rng.range(lo, hi)
}

fn draw_str<'a>(rng: &mut Rng, w: &Weighted, table: &'a [(&'a str, u32)]) -> &'a str {
    table[w.draw(rng)].0
}

fn weights(table: &[(&str, u32)]) -> Weighted {
    Weighted::new(table.iter().map(|t| t.1 as f64))
}

/// Tables built once.
struct Tables {
    /// Flag name and the probability that it is written `+flag`.
    plain_flags: Vec<(String, f64)>,
    plain_w: Weighted,
    /// Flags found on at least 4 % of regular entries, with the probability
    /// of including each in an entry that has plain flags.
    common_flags: Vec<(usize, f64)>,
    /// Share of KEYWORDS weight with a stable keyword.
    stable_kw_share: f64,
    expand_w: Weighted,
    keywords_w: Weighted,
    licenses_w: Weighted,
    phases_w: Weighted,
    restrict_no_test: Vec<(&'static str, u32)>,
    restrict_no_test_w: Weighted,
    properties_other: Vec<(&'static str, u32)>,
    properties_other_w: Weighted,
    inherits_w: Weighted,
    closure: BTreeMap<&'static str, &'static str>,
    eclass_md5: BTreeMap<&'static str, &'static str>,
    ops_w: Weighted,
    slots_w: Weighted,
    use_forms_w: Weighted,
    slot_forms_w: Weighted,
    components_w: Weighted,
    suffix_w: Weighted,
}

impl Tables {
    fn new(real: &profiles::RealProfiles) -> Tables {
        // Plain flag vocabulary: measured counts, plus every flag the real
        // profiles mask or force at PROFILE_FLAG_WEIGHT (at least).
        // (occurrences, occurrences written `+f`)
        let mut flags: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for (tok, n) in vocab::PLAIN_FLAGS {
            let (name, plus) = match tok.strip_prefix('+') {
                Some(n) => (n, true),
                None => (*tok, false),
            };
            let e = flags.entry(name.to_owned()).or_insert((0.0, 0.0));
            e.0 += *n as f64;
            if plus {
                e.1 += *n as f64;
            }
        }
        for f in &real.acted_flags {
            if portolan_engine::version::valid_use_flag(f) {
                let e = flags.entry(f.clone()).or_insert((0.0, 0.0));
                e.0 = e.0.max(P::PROFILE_FLAG_WEIGHT);
            }
        }
        let plain_flags: Vec<(String, f64)> = flags
            .iter()
            .map(|(k, v)| (k.clone(), v.1 / v.0.max(1.0)))
            .collect();
        let plain_w = Weighted::new(flags.values().map(|v| v.0));
        // Entries with at least one plain flag: all regular ones but the
        // 205 without.
        let with_flags = (P::REGULAR_ENTRIES - P::PLAIN_FLAGS_PER_ENTRY[0].2) as f64;
        let common_flags = flags
            .values()
            .enumerate()
            .filter(|(_, v)| v.0 >= 0.04 * P::REGULAR_ENTRIES as f64)
            .map(|(i, v)| (i, (v.0 / with_flags).min(1.0)))
            .collect();
        let kw_total: f64 = vocab::KEYWORDS.iter().map(|k| k.1 as f64).sum();
        let kw_stable: f64 = vocab::KEYWORDS
            .iter()
            .filter(|k| {
                k.0.split_ascii_whitespace()
                    .any(|w| !w.starts_with('~') && !w.starts_with('-'))
            })
            .map(|k| k.1 as f64)
            .sum();
        let restrict_no_test: Vec<_> = vocab::RESTRICT
            .iter()
            .copied()
            .filter(|(s, _)| !s.contains('?'))
            .collect();
        let properties_other: Vec<_> = vocab::PROPERTIES
            .iter()
            .copied()
            .filter(|(s, _)| *s != "live")
            .collect();
        Tables {
            plain_flags,
            plain_w,
            common_flags,
            stable_kw_share: kw_stable / kw_total,
            expand_w: weights(vocab::EXPAND_SETS),
            keywords_w: weights(vocab::KEYWORDS),
            licenses_w: weights(vocab::LICENSES),
            phases_w: weights(vocab::PHASES),
            restrict_no_test_w: weights(&restrict_no_test),
            restrict_no_test,
            properties_other_w: weights(&properties_other),
            properties_other,
            inherits_w: weights(vocab::INHERITS),
            closure: vocab::INHERIT_CLOSURE.iter().copied().collect(),
            eclass_md5: vocab::ECLASS_MD5.iter().copied().collect(),
            ops_w: weights(P::ATOM_OPS),
            slots_w: weights(P::ATOM_SLOTS),
            use_forms_w: weights(P::USE_DEP_FORMS),
            slot_forms_w: weights(P::SLOT_FORMS),
            components_w: Weighted::new(P::VERSION_COMPONENTS.iter().map(|c| c.1 as f64)),
            suffix_w: weights(P::VERSION_SUFFIXES),
        }
    }
}

/// How a package's SLOT follows its versions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SlotScheme {
    Zero,
    /// `0/<major.minor>`
    ZeroSub,
    /// A fixed non-zero slot (`2`, `3`).
    Fixed,
    FixedSub,
    /// One slot per major version (multi-slot packages).
    Major,
    /// `X.Y` from the version (python, lua, ruby).
    MajorMinor,
}

fn components(v: &str) -> Vec<&str> {
    let base = v.split(['_', '-']).next().unwrap_or(v);
    base.split('.').collect()
}

fn slot_of(scheme: SlotScheme, v: &str, fixed: &str) -> (String, Option<String>) {
    let c = components(v);
    let mm = || c.iter().take(2).copied().collect::<Vec<_>>().join(".");
    match scheme {
        SlotScheme::Zero => ("0".into(), None),
        SlotScheme::ZeroSub => ("0".into(), Some(mm())),
        SlotScheme::Fixed => (fixed.into(), None),
        SlotScheme::FixedSub => (fixed.into(), Some(mm())),
        SlotScheme::Major => (c[0].to_owned(), None),
        SlotScheme::MajorMinor => (mm(), None),
    }
}

/// Draws `n` distinct version strings (ascending), the last one `9999` when
/// `live`.
fn gen_versions(rng: &mut Rng, t: &Tables, n: usize, live: bool, major_steps: bool) -> Vec<String> {
    let comps = P::VERSION_COMPONENTS[t.components_w.draw(rng)].0;
    let mut base: Vec<u64> = if comps == 1 && rng.chance(0.5) {
        // Date versions (`20240315`).
        vec![
            2015_0000
                + rng.range(0, 10) as u64 * 10_000
                + rng.range(1, 12) as u64 * 100
                + rng.range(1, 28) as u64,
        ]
    } else {
        (0..comps)
            .map(|i| {
                if i == 0 {
                    [0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12, 24][rng.below(13)]
                } else {
                    rng.range(0, 20) as u64
                }
            })
            .collect()
    };
    let plain = n - live as usize;
    let mut out = Vec::new();
    let mut rev = 0u32;
    for i in 0..plain {
        if i > 0 {
            let r = rng.f64();
            if major_steps {
                base[0] += 1;
                base.iter_mut()
                    .skip(1)
                    .for_each(|c| *c = rng.range(0, 9) as u64);
                rev = 0;
            } else if r < 0.15 {
                rev += 1;
            } else if r < 0.75 || base.len() == 1 {
                let last = base.len() - 1;
                base[last] += rng.range(1, 3) as u64;
                rev = 0;
            } else {
                let k = base.len() - 2;
                base[k] += 1;
                base[k + 1] = 0;
                rev = 0;
            }
        }
        let mut s = base
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        // Suffix: 182 of 1 747 versions have one.
        if rng.chance(182.0 / P::ENTRIES as f64) {
            let suf = draw_str(rng, &t.suffix_w, P::VERSION_SUFFIXES);
            let _ = write!(s, "_{suf}{}", rng.range(1, 9));
        }
        // Revisions: 28.3 % of versions; bumps above make part of them.
        let r = if rev > 0 {
            rev
        } else if rng.chance(0.29) {
            [1, 1, 1, 2, 2, 3, 4][rng.below(7)]
        } else {
            0
        };
        if r > 0 {
            let _ = write!(s, "-r{r}");
        }
        out.push(s);
    }
    if live {
        out.push("9999".to_owned());
    }
    out
}

fn parse_sorted(texts: impl IntoIterator<Item = String>) -> Vec<(Version, String)> {
    let mut v: Vec<(Version, String)> = texts
        .into_iter()
        .filter_map(|t| Version::parse(&t).ok().map(|p| (p, t)))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    v.dedup_by(|a, b| a.0 == b.0);
    v
}

/// Categories weighted as measured (see [`P::CATEGORY_PACKAGES`]).
fn category_weights(cats: &[String]) -> Weighted {
    let measured: BTreeMap<&str, u32> = P::CATEGORY_PACKAGES.iter().copied().collect();
    Weighted::new(
        cats.iter().map(|c| {
            measured.get(c.as_str()).copied().unwrap_or(0) as f64 + P::CATEGORY_BASE_WEIGHT
        }),
    )
}

struct Builder<'a> {
    opts: &'a Options,
    real: &'a profiles::RealProfiles,
    t: Tables,
    pkgs: Vec<Pkg>,
    cps: BTreeSet<String>,
}

impl Builder<'_> {
    fn iuse(&self, rng: &mut Rng, cat: &str) -> (Vec<(String, bool)>, Vec<String>) {
        if crate::measure::is_special_category(cat) {
            return (Vec::new(), Vec::new());
        }
        let n = draw_range(rng, P::PLAIN_FLAGS_PER_ENTRY);
        let expand = draw_str(rng, &self.t.expand_w, vocab::EXPAND_SETS);
        // Common flags (test, doc, debug …) are included with their measured
        // frequency, the rest drawn by weight: weighted draws alone would
        // under-represent them in small IUSEs.
        let mut picked: Vec<usize> = Vec::new();
        if n > 0 {
            for &(i, p) in &self.t.common_flags {
                if rng.chance(p) {
                    picked.push(i);
                }
            }
            rng.shuffle(&mut picked);
            picked.truncate(n);
        }
        let mut seen: BTreeSet<usize> = picked.iter().copied().collect();
        let mut tries = 0;
        while picked.len() < n && tries < n * 4 + 8 {
            tries += 1;
            let i = self.t.plain_w.draw(rng);
            if seen.insert(i) {
                picked.push(i);
            }
        }
        picked.sort_unstable();
        let plain = picked
            .into_iter()
            .map(|i| {
                let (f, p_plus) = &self.t.plain_flags[i];
                (f.clone(), rng.chance(*p_plus))
            })
            .collect();
        let expand = expand.split_ascii_whitespace().map(str::to_owned).collect();
        (plain, expand)
    }

    fn add(
        &mut self,
        rng: &mut Rng,
        repo: usize,
        cat: &str,
        pn: &str,
        texts: Vec<String>,
        scheme: SlotScheme,
    ) {
        let cp = format!("{cat}/{pn}");
        let fixed = ["1", "2", "3", "4", "5", "6"][rng.below(6)];
        let versions: Vec<Ver> = parse_sorted(texts)
            .into_iter()
            .map(|(parsed, text)| {
                let live = text.contains("9999");
                let (slot, sub) = slot_of(scheme, &text, fixed);
                Ver {
                    text,
                    parsed,
                    slot,
                    sub,
                    live,
                }
            })
            .collect();
        let (mut plain, expand) = self.iuse(rng, cat);
        if let Some(named) = self.real.named.get(&cp) {
            for f in &named.flags {
                if !plain.iter().any(|(g, _)| g == f) && !expand.contains(f) {
                    plain.push((f.clone(), false));
                }
            }
        }
        let keywords = draw_str(rng, &self.t.keywords_w, vocab::KEYWORDS);
        self.cps.insert(cp.clone());
        self.pkgs.push(Pkg {
            repo,
            cat: cat.to_owned(),
            pn: pn.to_owned(),
            cp,
            versions,
            plain,
            expand,
            keywords,
            weight: 0.0,
        });
    }

    fn scheme(&self, rng: &mut Rng, n: usize) -> SlotScheme {
        if n >= 2 && rng.chance(P::MULTI_SLOT_PACKAGES as f64 / P::MULTI_VERSION_PACKAGES as f64) {
            return SlotScheme::Major;
        }
        match draw_str(rng, &self.t.slot_forms_w, P::SLOT_FORMS) {
            "0" => SlotScheme::Zero,
            "0/SUB" => SlotScheme::ZeroSub,
            "S" => SlotScheme::Fixed,
            _ => SlotScheme::FixedSub,
        }
    }

    fn version_count(&self, rng: &mut Rng, q: f64) -> (usize, bool) {
        let n = if rng.chance(q) {
            1
        } else {
            draw_range(rng, P::VERSIONS_PER_PACKAGE)
        };
        // Live versions: 169 of 1 747 entries; per package that is the
        // entry share times the versions per package.
        let p_live = P::LIVE_VERSIONS as f64 / P::ENTRIES as f64 * P::FULL_VERSIONS as f64
            / P::FULL_PACKAGES as f64;
        (n, rng.chance(p_live))
    }

    fn fresh_name(&mut self, rng: &mut Rng, cat: &str) -> String {
        loop {
            let pn = names::package_name(rng, cat);
            if !self.cps.contains(&format!("{cat}/{pn}")) {
                return pn;
            }
        }
    }

    /// Pass 1 for the main repository.
    fn main_repo(&mut self, rng: &mut Rng) {
        let n_total = self.opts.packages.max(1);
        let q = P::single_version_mix();
        let cats: BTreeSet<&str> = self.real.categories.iter().map(String::as_str).collect();
        // Implementation packages the USE_EXPAND vocabulary points at.
        let mut impls: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (set, _) in vocab::EXPAND_SETS {
            for f in set.split_ascii_whitespace() {
                if let Some((cp, slot)) = impl_target(f) {
                    impls.entry(cp).or_default().insert(slot);
                }
            }
        }
        for (cp, slots) in &impls {
            let (cat, pn) = cp.split_once('/').expect("cp");
            if !cats.contains(cat) {
                continue;
            }
            let mut texts = Vec::new();
            for s in slots {
                let minor = rng.range(0, 12);
                // Free-threading CPython: `0.3.14.6` in SLOT `3.14t`.
                match s.strip_suffix('t') {
                    Some(b) => texts.push(format!("0.{b}.{minor}")),
                    None => texts.push(format!("{s}.{minor}")),
                }
            }
            let scheme = if *cp == "llvm-core/llvm" {
                SlotScheme::Major
            } else {
                SlotScheme::MajorMinor
            };
            self.add(rng, 0, cat, pn, texts, scheme);
            // A free-threading version's slot is `X.Yt`.
            let p = self.pkgs.last_mut().expect("pushed");
            for v in &mut p.versions {
                if let Some(r) = v.text.strip_prefix("0.") {
                    let c = components(r);
                    v.slot = format!("{}.{}t", c[0], c[1]);
                }
            }
        }
        // The most depended-on packages of the real subset, then the packages
        // the real profiles name (system set first, then by mentions).
        let empty = profiles::Named::default();
        let mut named: Vec<(&String, &profiles::Named)> = self
            .real
            .named
            .iter()
            .filter(|(cp, _)| !self.cps.contains(*cp))
            .collect();
        let top: Vec<String> = vocab::TOP_TARGETS
            .iter()
            .map(|t| t.0.to_owned())
            .filter(|cp| {
                !self.cps.contains(cp) && cp.split_once('/').is_some_and(|(c, _)| cats.contains(c))
            })
            .collect();
        named.sort_by(|a, b| {
            (b.1.in_system, b.1.mentions)
                .cmp(&(a.1.in_system, a.1.mentions))
                .then(a.0.cmp(b.0))
        });
        named.retain(|(cp, _)| !top.contains(cp));
        let top_named: Vec<(&String, &profiles::Named)> = top
            .iter()
            .map(|cp| (cp, self.real.named.get(cp).unwrap_or(&empty)))
            .collect();
        let room = n_total.saturating_sub(self.pkgs.len()) * 3 / 5;
        for (cp, nm) in top_named.into_iter().chain(named).take(room) {
            let (cat, pn) = cp.split_once('/').expect("cp");
            let (n, live) = self.version_count(rng, q);
            let scheme = self.scheme(rng, n);
            let mut texts = gen_versions(rng, &self.t, n, live, scheme == SlotScheme::Major);
            // Versions the profiles mention, so their atoms match (at most
            // three, valid ones only).
            let mentioned: Vec<&String> = nm
                .versions
                .iter()
                .filter(|v| Version::parse(v).is_ok())
                .collect();
            for (i, v) in mentioned.iter().take(3).enumerate() {
                if i < texts.len() && !texts[i].contains("9999") {
                    texts[i] = (*v).clone();
                } else {
                    texts.push((*v).clone());
                }
            }
            self.add(rng, 0, cat, pn, texts, scheme);
        }
        // Generated packages.
        let cw = category_weights(&self.real.categories);
        while self.pkgs.len() < n_total {
            let cat = self.real.categories[cw.draw(rng)].clone();
            let pn = self.fresh_name(rng, &cat);
            let (n, live) = self.version_count(rng, q);
            let scheme = self.scheme(rng, n);
            let texts = gen_versions(rng, &self.t, n, live, scheme == SlotScheme::Major);
            self.add(rng, 0, &cat, &pn, texts, scheme);
        }
    }

    /// Pass 1 for overlay `idx` (1-based repository index).
    fn overlay(&mut self, rng: &mut Rng, repo: usize, n: usize) {
        let q = P::single_version_mix();
        let main: Vec<usize> = (0..self.pkgs.len())
            .filter(|&i| self.pkgs[i].repo == 0)
            .collect();
        let cw = category_weights(&self.real.categories);
        for _ in 0..n {
            let (cnt, live) = self.version_count(rng, q);
            if rng.chance(0.35) {
                // A newer version of a gentoo package.
                let src = self.pkgs[main[rng.below(main.len())]].clone();
                if src.cp.starts_with("dev-lang/") || self.cps_in_repo(repo, &src.cp) {
                    continue;
                }
                let Some(newest) = src.non_live().last().map(|v| v.text.clone()) else {
                    continue;
                };
                let mut texts = Vec::new();
                let mut cur = newest;
                for _ in 0..cnt.min(3) {
                    cur = bump_version(&cur);
                    texts.push(cur.clone());
                }
                if live {
                    texts.push("9999".into());
                }
                let scheme = match src.versions.last() {
                    Some(v) if v.sub.is_some() && v.slot == "0" => SlotScheme::ZeroSub,
                    Some(v) if v.slot == "0" => SlotScheme::Zero,
                    _ => SlotScheme::Major,
                };
                let (cat, pn) = (src.cat.clone(), src.pn.clone());
                self.add(rng, repo, &cat, &pn, texts, scheme);
            } else {
                let cat = if repo == 1 && rng.chance(0.3) {
                    OVERLAY_CATEGORY.to_owned()
                } else {
                    self.real.categories[cw.draw(rng)].clone()
                };
                let pn = self.fresh_name(rng, &cat);
                let scheme = self.scheme(rng, cnt);
                let texts = gen_versions(rng, &self.t, cnt, live, scheme == SlotScheme::Major);
                self.add(rng, repo, &cat, &pn, texts, scheme);
            }
        }
    }

    fn cps_in_repo(&self, repo: usize, cp: &str) -> bool {
        self.pkgs.iter().any(|p| p.repo == repo && p.cp == cp)
    }
}

/// `1.2.3_p1-r2` → `1.2.4`; `20240101` → `20240102`.
fn bump_version(v: &str) -> String {
    let mut c: Vec<u64> = components(v)
        .iter()
        .map(|x| {
            x.trim_end_matches(|ch: char| ch.is_ascii_alphabetic())
                .parse()
                .unwrap_or(0)
        })
        .collect();
    if let Some(l) = c.last_mut() {
        *l += 1;
    }
    c.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

// ---------------------------------------------------------------------------
// Entries

/// Target pools: package indices with popularity weights.
#[derive(Default)]
struct Pool {
    ids: Vec<usize>,
    w: Weighted,
}

impl Pool {
    fn new(ids: Vec<usize>, pkgs: &[Pkg]) -> Pool {
        let w = Weighted::new(ids.iter().map(|&i| pkgs[i].weight));
        Pool { ids, w }
    }
    fn draw(&self, rng: &mut Rng) -> Option<usize> {
        (!self.ids.is_empty()).then(|| self.ids[self.w.draw(rng)])
    }
}

struct World<'a> {
    opts: &'a Options,
    t: &'a Tables,
    pkgs: &'a [Pkg],
    cats: &'a [String],
    cps: &'a BTreeSet<String>,
    global: Pool,
    by_cat: BTreeMap<&'a str, Pool>,
    tools: Pool,
    py: Pool,
    multilib: Pool,
    per_repo: Vec<Pool>,
}

/// Categories BDEPEND draws from more often (build tools).
const TOOL_CATEGORIES: &[&str] = &[
    "dev-build",
    "dev-util",
    "sys-devel",
    "virtual",
    "app-alternatives",
    "app-portage",
    "app-arch",
    "dev-lang",
];

/// The USE_EXPAND context of one package for its dependencies.
struct Ctx {
    plain: Vec<String>,
    py_multi: Vec<String>,
    py_single: Vec<String>,
    abi: Vec<String>,
    impl_flags: Vec<String>,
}

impl Ctx {
    fn of(p: &Pkg, plain: &[(String, bool)]) -> Ctx {
        let f = |pre: &str| -> Vec<String> {
            p.expand
                .iter()
                .filter(|e| e.starts_with(pre))
                .cloned()
                .collect()
        };
        Ctx {
            plain: plain.iter().map(|(n, _)| n.clone()).collect(),
            py_multi: f("python_targets_"),
            py_single: f("python_single_target_"),
            abi: f("abi_"),
            impl_flags: p
                .expand
                .iter()
                .filter(|e| {
                    (e.starts_with("llvm_slot_")
                        || e.starts_with("lua_single_target_")
                        || e.starts_with("lua_targets_")
                        || e.starts_with("ruby_targets_"))
                        && impl_target(e).is_some()
                })
                .cloned()
                .collect(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    B,
    D,
    I,
    P,
    R,
}

impl<'a> World<'a> {
    fn new(
        opts: &'a Options,
        t: &'a Tables,
        pkgs: &'a [Pkg],
        cats: &'a [String],
        cps: &'a BTreeSet<String>,
        repos: usize,
    ) -> World<'a> {
        let main: Vec<usize> = (0..pkgs.len()).filter(|&i| pkgs[i].repo == 0).collect();
        let mut by_cat_ids: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in &main {
            by_cat_ids.entry(pkgs[i].cat.as_str()).or_default().push(i);
        }
        let tools = main
            .iter()
            .copied()
            .filter(|&i| TOOL_CATEGORIES.contains(&pkgs[i].cat.as_str()))
            .collect();
        let py = main
            .iter()
            .copied()
            .filter(|&i| pkgs[i].py_multi())
            .collect();
        let multilib = main
            .iter()
            .copied()
            .filter(|&i| pkgs[i].multilib())
            .collect();
        let per_repo = (0..repos)
            .map(|r| {
                Pool::new(
                    (0..pkgs.len()).filter(|&i| pkgs[i].repo == r).collect(),
                    pkgs,
                )
            })
            .collect();
        World {
            opts,
            t,
            pkgs,
            cats,
            cps,
            global: Pool::new(main, pkgs),
            by_cat: by_cat_ids
                .into_iter()
                .map(|(c, ids)| (c, Pool::new(ids, pkgs)))
                .collect(),
            tools: Pool::new(tools, pkgs),
            py: Pool::new(py, pkgs),
            multilib: Pool::new(multilib, pkgs),
            per_repo,
        }
    }

    fn target(&self, rng: &mut Rng, me: &Pkg, ctx: &Ctx, class: Class) -> usize {
        for _ in 0..8 {
            let r = rng.f64();
            let pick = if me.repo > 0 && r < 0.3 {
                self.per_repo[me.repo].draw(rng)
            } else if !ctx.py_multi.is_empty() && r < 0.6 {
                self.py.draw(rng)
            } else if !ctx.abi.is_empty() && matches!(class, Class::R | Class::D) && r < 0.5 {
                self.multilib.draw(rng)
            } else if class == Class::B && r < 0.55 {
                self.tools.draw(rng)
            } else if r < 0.75 {
                self.by_cat.get(me.cat.as_str()).and_then(|p| p.draw(rng))
            } else {
                self.global.draw(rng)
            };
            if let Some(i) = pick {
                if self.pkgs[i].cp != me.cp {
                    return i;
                }
            }
        }
        self.global.draw(rng).expect("non-empty main repository")
    }

    fn dangling(&self, rng: &mut Rng) -> String {
        loop {
            let cat = rng.pick(self.cats);
            let cp = format!("{cat}/{}", names::package_name(rng, cat));
            if !self.cps.contains(&cp) {
                return cp;
            }
        }
    }

    /// One atom on `t`; `in_any` when inside `||` (no `:=` there).
    fn atom(&self, rng: &mut Rng, t: &Pkg, ctx: &Ctx, class: Class, in_any: bool) -> String {
        let mut s = String::new();
        let nl: Vec<&Ver> = t.non_live().collect();
        let op = if nl.is_empty() {
            ""
        } else {
            draw_str(rng, &self.t.ops_w, P::ATOM_OPS)
        };
        let mut ver: Option<&Ver> = None;
        let vtext = match op {
            "" => None,
            ">=" => {
                // Mostly an older version (satisfiable by the newer ones).
                let v = nl[rng.below(nl.len().div_ceil(2))];
                ver = Some(v);
                Some(if rng.chance(0.6) {
                    v.parsed.without_revision().to_owned()
                } else {
                    v.text.clone()
                })
            }
            "<" | "<=" => {
                let v = nl[rng.below(nl.len())];
                ver = Some(v);
                Some(if op == "<" {
                    bump_version(&v.text)
                } else {
                    v.text.clone()
                })
            }
            "~" => {
                let v = nl[rng.below(nl.len())];
                ver = Some(v);
                Some(v.parsed.without_revision().to_owned())
            }
            "=*" => {
                let v = nl[rng.below(nl.len())];
                ver = Some(v);
                Some(format!("{}*", components(&v.text)[0]))
            }
            ">" => Some(nl[0].text.clone()),
            _ => {
                let v = nl[rng.below(nl.len())];
                ver = Some(v);
                Some(v.text.clone())
            }
        };
        let prefix = if op == "=*" { "=" } else { op };
        s.push_str(prefix);
        s.push_str(&t.cp);
        if let Some(v) = &vtext {
            s.push('-');
            s.push_str(v);
        }
        let v = ver.unwrap_or_else(|| &t.versions[rng.below(t.versions.len())]);
        let slot = draw_str(rng, &self.t.slots_w, P::ATOM_SLOTS);
        let eq_ok = !in_any && matches!(class, Class::R | Class::D);
        match slot {
            ":S" => {
                let _ = write!(s, ":{}", v.slot);
            }
            ":=" if eq_ok => s.push_str(":="),
            ":S=" if eq_ok => {
                let _ = write!(s, ":{}=", v.slot);
            }
            ":*" => s.push_str(":*"),
            // `:=` is drawn for every class but written only in RDEPEND and
            // DEPEND outside `||`: those atoms take the share the others
            // cannot (measured 14.9 % of all atoms).
            "" if eq_ok && rng.chance(0.12) => s.push_str(":="),
            ":S/SUB" => {
                let _ = write!(s, ":{}/{}", v.slot, v.sub.as_deref().unwrap_or(&v.slot));
            }
            _ => {}
        }
        // USE dependencies.
        if !ctx.abi.is_empty() && t.multilib() && matches!(class, Class::R | Class::D) {
            let list: Vec<String> = ctx.abi.iter().map(|f| format!("{f}(-)?")).collect();
            let _ = write!(s, "[{}]", list.join(","));
        } else if !ctx.py_multi.is_empty() && t.py_multi() && class != Class::I {
            let list: Vec<String> = ctx.py_multi.iter().map(|f| format!("{f}(-)?")).collect();
            let _ = write!(s, "[{}]", list.join(","));
        } else if !t.plain.is_empty() && rng.chance(P::PLAIN_USE_DEP) {
            let mut f = &t.plain[rng.below(t.plain.len())].0;
            let mut form = draw_str(rng, &self.t.use_forms_w, P::USE_DEP_FORMS);
            if form == "f=" {
                // `[f=]` needs the flag on both sides.
                match t.plain.iter().find(|(g, _)| ctx.plain.contains(g)) {
                    Some((g, _)) => f = g,
                    None => form = "f",
                }
            }
            let dflt = if rng.chance(0.3) { "(-)" } else { "" };
            let _ = match form {
                "f=" => write!(s, "[{f}{dflt}=]"),
                "-f" => write!(s, "[-{f}{dflt}]"),
                _ => write!(s, "[{f}{dflt}]"),
            };
        }
        s
    }

    fn blocker(&self, rng: &mut Rng, me: &Pkg, ctx: &Ctx, class: Class) -> String {
        let t = &self.pkgs[self.target(rng, me, ctx, class)];
        match t.non_live().next() {
            Some(v) if rng.chance(0.3) => format!("!<{}-{}", t.cp, bump_version(&v.text)),
            _ => format!("!{}", t.cp),
        }
    }

    /// A leaf: an atom on a drawn target, or (rarely, in groups) on a name
    /// that exists nowhere. `in_group`: under a conditional or in `||`;
    /// `in_any`: in `||`.
    fn leaf(
        &self,
        rng: &mut Rng,
        me: &Pkg,
        ctx: &Ctx,
        class: Class,
        in_group: bool,
        in_any: bool,
    ) -> String {
        let dangling = if me.repo == 0 {
            P::DANGLING_MAIN
        } else {
            P::DANGLING_OVERLAY
        };
        // Danglers only in groups (78 % of generated atoms are under a
        // conditional or in `||`): scaled so that the share of all atoms holds.
        if in_group && rng.chance(dangling / 0.78) {
            return self.dangling(rng);
        }
        let t = &self.pkgs[self.target(rng, me, ctx, class)];
        self.atom(rng, t, ctx, class, in_any)
    }

    /// Dependency items of one class, about `n` atoms.
    fn class_items(
        &self,
        rng: &mut Rng,
        me: &Pkg,
        ctx: &Ctx,
        class: Class,
        n: usize,
    ) -> Vec<String> {
        let mut items = Vec::new();
        let mut atoms = 0;
        // Implementation dependencies (python-r1, python-single-r1, llvm …).
        if matches!(class, Class::R | Class::B) {
            for f in ctx.py_multi.iter().chain(&ctx.py_single) {
                if let Some((cp, slot)) = impl_target(f) {
                    items.push(format!("{f}? ( {cp}:{slot} )"));
                    atoms += 1;
                }
            }
        }
        if matches!(class, Class::R | Class::D) {
            for f in &ctx.impl_flags {
                if let Some((cp, slot)) = impl_target(f) {
                    let eq = if cp == "llvm-core/llvm" { "=" } else { "" };
                    items.push(format!("{f}? ( {cp}:{slot}{eq} )"));
                    atoms += 1;
                }
            }
        }
        let w_any = P::ATOMS_IN_ANY_OF / 2.1;
        let w_cond = if ctx.plain.is_empty() {
            0.0
        } else {
            P::PLAIN_ATOMS_UNDER_COND / 1.4
        };
        let w_plain = 1.0 - P::ATOMS_IN_ANY_OF - P::PLAIN_ATOMS_UNDER_COND;
        let kinds = Weighted::new([w_any, w_cond, w_plain]);
        while atoms < n {
            match kinds.draw(rng) {
                0 => {
                    let k = if rng.chance(0.9) { 2 } else { 3 };
                    let alts: Vec<String> = (0..k)
                        .map(|_| self.leaf(rng, me, ctx, class, true, true))
                        .collect();
                    items.push(format!("|| ( {} )", alts.join(" ")));
                    atoms += k;
                }
                1 => {
                    let k = draw_range(rng, P::COND_GROUP_ATOMS);
                    let flag = if class == Class::B
                        && ctx.plain.iter().any(|f| f == "test")
                        && rng.chance(0.5)
                    {
                        "test".to_owned()
                    } else {
                        ctx.plain[rng.below(ctx.plain.len())].clone()
                    };
                    let neg = if rng.chance(P::ANY_OF_NEGATED_COND) {
                        "!"
                    } else {
                        ""
                    };
                    let inner: Vec<String> = (0..k)
                        .map(|_| self.leaf(rng, me, ctx, class, true, false))
                        .collect();
                    items.push(format!("{neg}{flag}? ( {} )", inner.join(" ")));
                    atoms += k;
                }
                _ => {
                    // Blockers are written only here (RDEPEND/DEPEND, outside
                    // groups): ×5 puts the share of all atoms near 2 %.
                    if matches!(class, Class::R | Class::D) && rng.chance(P::BLOCKERS * 5.0) {
                        items.push(self.blocker(rng, me, ctx, class));
                    } else if !ctx.py_single.is_empty() && class != Class::I && rng.chance(0.4) {
                        // python_gen_cond_dep: one group per implementation.
                        let t = &self.pkgs[self
                            .py
                            .draw(rng)
                            .unwrap_or_else(|| self.target(rng, me, ctx, class))];
                        for f in &ctx.py_single {
                            let imp = f.trim_start_matches("python_single_target_");
                            let use_dep = if t.py_multi() {
                                format!("[python_targets_{imp}(-)]")
                            } else {
                                String::new()
                            };
                            items.push(format!("{f}? ( {}{use_dep} )", t.cp));
                            atoms += 1;
                        }
                        continue;
                    } else {
                        items.push(self.leaf(rng, me, ctx, class, false, false));
                    }
                    atoms += 1;
                }
            }
        }
        items
    }

    /// REQUIRED_USE clauses; `py_flag` is the flag guarding the python
    /// clause (`python? ( || ( … ) )`) when there is one.
    fn required_use(
        &self,
        rng: &mut Rng,
        ctx: &Ctx,
        expand: &[String],
        py_flag: Option<&str>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let guard = |c: String| match py_flag {
            Some(f) => format!("{f}? ( {c} )"),
            None => c,
        };
        if !ctx.py_multi.is_empty() {
            out.push(guard(format!("|| ( {} )", ctx.py_multi.join(" "))));
        }
        if !ctx.py_single.is_empty() {
            out.push(guard(format!("^^ ( {} )", ctx.py_single.join(" "))));
        }
        for fam in ["llvm_targets_", "selinux_policy_types_"] {
            let flags: Vec<&str> = expand
                .iter()
                .filter(|f| f.starts_with(fam))
                .map(String::as_str)
                .collect();
            if flags.len() > 1 {
                out.push(format!("|| ( {} )", flags.join(" ")));
            }
        }
        if expand.iter().any(|f| f == "cpu_flags_x86_sse2") && rng.chance(0.5) {
            out.push("x86? ( cpu_flags_x86_sse2 )".to_owned());
        }
        let lua: Vec<&String> = ctx
            .impl_flags
            .iter()
            .filter(|f| f.starts_with("lua_single_target_") || f.starts_with("llvm_slot_"))
            .collect();
        if lua.len() > 1 {
            out.push(format!(
                "^^ ( {} )",
                lua.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
            ));
        }
        // Plain clauses (chosen to land near 620 / 1 747 entries overall,
        // with `cond` the commonest form as measured).
        if ctx.plain.len() >= 2 && rng.chance(P::PLAIN_REQUIRED_USE) {
            let k = [1, 1, 1, 2, 2, 3, 4, 5][rng.below(8)];
            for _ in 0..k {
                let a = rng.pick(&ctx.plain).clone();
                let mut b = rng.pick(&ctx.plain).clone();
                if a == b {
                    b = ctx.plain.iter().find(|f| **f != a).cloned().unwrap_or(b);
                }
                let r = rng.f64();
                out.push(if r < 0.66 {
                    let neg = if rng.chance(0.3) { "!" } else { "" };
                    format!("{a}? ( {neg}{b} )")
                } else if r < 0.80 {
                    format!("|| ( {a} {b} )")
                } else if r < 0.92 {
                    format!("^^ ( {a} {b} )")
                } else {
                    format!("?? ( {a} {b} )")
                });
            }
        }
        out
    }

    /// Renders every version of package `idx` as md5-cache entries.
    fn entries(&self, idx: usize) -> Vec<(String, String)> {
        let me = &self.pkgs[idx];
        let mut rng = Rng::fork(self.opts.seed, &format!("entries:{}:{}", me.repo, me.cp));
        let t = self.t;
        // Package-level choices.
        let mut plain = me.plain.clone();
        let special = matches!(me.cat.as_str(), "virtual" | "acct-user" | "acct-group");
        let license = if special {
            ""
        } else {
            draw_str(&mut rng, &t.licenses_w, vocab::LICENSES)
        };
        let has_test = plain.iter().any(|(f, _)| f == "test");
        // RESTRICT: 736 of the 807 entries with `test` have `!test? ( test )`;
        // the others draw from the measured strings without conditionals
        // with the probability that keeps 58.2 % overall.
        let restrict = if has_test && rng.chance(0.85) {
            "!test? ( test )"
        } else if rng.chance(0.35) && !t.restrict_no_test.is_empty() {
            draw_str(&mut rng, &t.restrict_no_test_w, &t.restrict_no_test)
        } else {
            ""
        };
        let properties_other = if rng.chance(P::HAS_OTHER_PROPERTIES) {
            draw_str(&mut rng, &t.properties_other_w, &t.properties_other)
        } else {
            ""
        };
        // Flags used by conditionals of LICENSE/RESTRICT/PROPERTIES belong in
        // IUSE.
        for s in [license, restrict, properties_other] {
            for tok in s.split_ascii_whitespace() {
                if let Some(f) = tok.strip_suffix('?') {
                    let f = f.trim_start_matches('!');
                    if !plain.iter().any(|(g, _)| g == f) && !me.expand.iter().any(|g| g == f) {
                        plain.push((f.to_owned(), false));
                    }
                }
            }
        }
        // A third of python entries guard their python constraint with a
        // flag (`python? ( || ( python_targets_… ) )`).
        let py_flag = if (me.py_multi() || me.has_expand("python_single_target_"))
            && rng.chance(P::PY_REQUIRED_USE_UNDER_FLAG)
        {
            if !plain.iter().any(|(g, _)| g == "python") {
                plain.push(("python".to_owned(), false));
            }
            Some("python")
        } else {
            None
        };
        let ctx = Ctx::of(me, &plain);
        let inherit = if special || rng.chance(P::HAS_INHERIT) {
            draw_str(&mut rng, &t.inherits_w, vocab::INHERITS)
        } else {
            ""
        };
        let phases = draw_str(&mut rng, &t.phases_w, vocab::PHASES);
        let eclasses = t
            .closure
            .get(inherit)
            .map(|names| {
                names
                    .split_ascii_whitespace()
                    .map(|n| format!("{n}\t{}", t.eclass_md5.get(n).copied().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .unwrap_or_default();
        // Dependencies, drawn once per package and varied per version.
        let mut deps: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        if me.cat == "acct-user" {
            let groups = self.by_cat.get("acct-group");
            let mut items = Vec::new();
            for _ in 0..rng.range(1, 2) {
                if let Some(g) = groups.and_then(|p| p.draw(&mut rng)) {
                    items.push(self.pkgs[g].cp.clone());
                }
            }
            deps.insert("RDEPEND", items.clone());
            deps.insert("DEPEND", items);
        } else if me.cat == "virtual" {
            let k = rng.range(1, 3);
            let alts: Vec<String> = (0..k)
                .map(|_| self.leaf(&mut rng, me, &ctx, Class::R, k > 1, k > 1))
                .collect();
            deps.insert(
                "RDEPEND",
                vec![if k > 1 {
                    format!("|| ( {} )", alts.join(" "))
                } else {
                    alts.join(" ")
                }],
            );
        } else if me.cat != "acct-group" {
            let nonempty = |c: &P::DepClass| c.nonempty as f64 / P::REGULAR_ENTRIES as f64;
            for c in P::DEP_CLASSES {
                if c.key == "DEPEND" {
                    continue;
                }
                if !rng.chance(nonempty(c)) {
                    continue;
                }
                let class = match c.key {
                    "BDEPEND" => Class::B,
                    "IDEPEND" => Class::I,
                    "PDEPEND" => Class::P,
                    _ => Class::R,
                };
                let n = draw_range(&mut rng, c.atoms);
                deps.insert(c.key, self.class_items(&mut rng, me, &ctx, class, n));
            }
            let dc = &P::DEP_CLASSES[1];
            if rng.chance(dc.nonempty as f64 / P::REGULAR_ENTRIES as f64) {
                if deps.contains_key("RDEPEND") && rng.chance(P::DEPEND_EQ_RDEPEND_OF_DEPEND) {
                    let r = deps["RDEPEND"].clone();
                    deps.insert("DEPEND", r);
                } else {
                    let n = draw_range(&mut rng, dc.atoms);
                    deps.insert("DEPEND", self.class_items(&mut rng, me, &ctx, Class::D, n));
                }
            }
        }
        let req = self.required_use(&mut rng, &ctx, &me.expand, py_flag);
        let description = format!(
            "{} {} {}",
            capital(&names::plain_word(&mut rng)),
            names::plain_word(&mut rng),
            [
                "library",
                "tool",
                "daemon",
                "bindings",
                "utilities",
                "module",
                "plugin",
                "client"
            ][rng.below(8)]
        );
        // Every word of the package's conditional strings: flags named there
        // stay in IUSE (a superset is harmless).
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for text in deps
            .values()
            .flatten()
            .chain(&req)
            .map(String::as_str)
            .chain([license, restrict, properties_other])
        {
            used.extend(text.split(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '@'))
            }));
        }
        // Keywords per version.
        let nl: Vec<usize> = (0..me.versions.len())
            .filter(|&i| !me.versions[i].live)
            .collect();
        let newest_testing =
            nl.len() >= 2 && rng.chance((P::NEWEST_TESTING_ONLY / t.stable_kw_share).min(1.0));
        let eapi7 = rng.chance(P::EAPI7 as f64 / (P::EAPI7 + P::EAPI8) as f64);
        let mut out = Vec::new();
        for (vi, v) in me.versions.iter().enumerate() {
            let mut vr = Rng::fork(
                self.opts.seed,
                &format!("v:{}:{}-{}", me.repo, me.cp, v.text),
            );
            let newest = nl.last() == Some(&vi);
            let mut kw = String::new();
            if !v.live && !vr.chance(P::EMPTY_KEYWORDS_NON_LIVE) {
                if newest && newest_testing && !me.keywords.starts_with("-*") {
                    kw = me
                        .keywords
                        .split_ascii_whitespace()
                        .map(|k| {
                            if k.starts_with('~') || k.starts_with('-') {
                                k.to_owned()
                            } else {
                                format!("~{k}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                } else {
                    kw = me.keywords.to_owned();
                }
            }
            // Per version: the package's flags; an older version lacks one
            // now and then (it was added later), never a flag that some
            // conditional or USE dependency of the package names (Portage
            // would call the entry invalid).
            let iuse: Vec<String> = plain
                .iter()
                .filter(|(f, _)| {
                    vi + 1 == me.versions.len() || used.contains(f.as_str()) || !vr.chance(0.04)
                })
                .map(|(f, plus)| if *plus { format!("+{f}") } else { f.clone() })
                .collect();
            let mut iuse = iuse;
            iuse.extend(me.expand.iter().cloned());
            let mut fields: BTreeMap<&str, String> = BTreeMap::new();
            for (k, items) in &deps {
                let kept: Vec<&str> = items
                    .iter()
                    .filter(|_| vi + 1 == me.versions.len() || !vr.chance(0.05))
                    .map(String::as_str)
                    .collect();
                fields.insert(k, kept.join(" "));
            }
            fields.insert("DEFINED_PHASES", phases.to_owned());
            fields.insert("DESCRIPTION", description.clone());
            let eapi = if eapi7 { "7" } else { "8" };
            fields.insert("EAPI", eapi.to_owned());
            // HOMEPAGE (93.2 %) is missing on exactly the 118 virtual and
            // acct-* entries of the subset.
            if !special {
                fields.insert(
                    "HOMEPAGE",
                    format!("https://{}.example.org/", me.pn.to_ascii_lowercase()),
                );
            }
            fields.insert("INHERIT", inherit.to_owned());
            fields.insert("IUSE", iuse.join(" "));
            fields.insert("KEYWORDS", kw);
            fields.insert("LICENSE", license.to_owned());
            let mut props = Vec::new();
            if v.live {
                props.push("live");
            }
            if !properties_other.is_empty() {
                props.push(properties_other);
            }
            fields.insert("PROPERTIES", props.join(" "));
            fields.insert("REQUIRED_USE", req.join(" "));
            fields.insert("RESTRICT", restrict.to_owned());
            fields.insert(
                "SLOT",
                match &v.sub {
                    Some(s) => format!("{}/{s}", v.slot),
                    None => v.slot.clone(),
                },
            );
            // SRC_URI: 83.7 % of entries, i.e. about every version that is
            // neither live nor virtual/acct-*.
            if !special && !v.live {
                fields.insert(
                    "SRC_URI",
                    format!(
                        "https://{}.example.org/releases/{}-{}.tar.xz",
                        me.pn.to_ascii_lowercase(),
                        me.pn,
                        v.parsed.without_revision()
                    ),
                );
            }
            fields.insert("_eclasses_", eclasses.clone());
            let mut text = String::new();
            for (k, val) in &fields {
                if !val.is_empty() {
                    let _ = writeln!(text, "{k}={val}");
                }
            }
            let _ = writeln!(text, "_md5_={}", pseudo_md5(&text));
            out.push((format!("{}-{}", me.pn, v.text), text));
        }
        out
    }
}

fn capital(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// 32 hex digits derived from the entry text (there is no ebuild to hash;
/// stub-repos.py replaces it with the stub's real MD5).
fn pseudo_md5(text: &str) -> String {
    let a = rng::hash_str(0x006d_6435, text);
    let b = rng::hash_str(a, text);
    format!("{a:016x}{b:016x}")
}

// ---------------------------------------------------------------------------
// Output

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn mkdir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Generates the corpus into `out` (created; must not exist or be empty).
pub fn generate(opts: &Options, out: &Path) -> Result<Summary, String> {
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| format!("{}: {e}", out.display()))?
            .next()
            .is_some()
    {
        return Err(format!("{}: exists and is not empty", out.display()));
    }
    let real = profiles::read(&opts.real_gentoo.join("profiles"))?;
    let tables = Tables::new(&real);
    let mut b = Builder {
        opts,
        real: &real,
        t: tables,
        pkgs: Vec::new(),
        cps: BTreeSet::new(),
    };
    let mut rng = Rng::fork(opts.seed, "skeletons");
    b.main_repo(&mut rng);
    let n_overlays = opts.overlays.min(OVERLAYS.len());
    let sizes = [
        (opts.packages as f64 * 0.0095).round().max(10.0) as usize,
        (opts.packages as f64 * 0.0037).round().max(5.0) as usize,
    ];
    for (i, &size) in sizes.iter().enumerate().take(n_overlays) {
        b.overlay(&mut rng, i + 1, size);
    }
    // Popularity: the system set first, then everything else in a random
    // order; Zipf weights over that rank.
    // The measured most depended-on packages come first in their measured
    // order, then the core system set, then the rest at random.
    let mut order: Vec<usize> = (0..b.pkgs.len()).collect();
    rng.shuffle(&mut order);
    let top_rank: BTreeMap<&str, usize> = vocab::TOP_TARGETS
        .iter()
        .enumerate()
        .map(|(i, t)| (t.0, i))
        .collect();
    order.sort_by_key(|&i| {
        let p = &b.pkgs[i];
        if p.repo != 0 {
            return 2 * top_rank.len() + 1;
        }
        match top_rank.get(p.cp.as_str()) {
            Some(r) => *r,
            None if real.named.get(&p.cp).is_some_and(|n| n.core) => top_rank.len(),
            None => 2 * top_rank.len(),
        }
    });
    for (rank, &i) in order.iter().enumerate() {
        b.pkgs[i].weight = 1.0 / (rank as f64 + 3.0);
    }
    let Builder { pkgs, cps, t, .. } = b;
    let world = World::new(opts, &t, &pkgs, &real.categories, &cps, n_overlays + 1);

    mkdir(out)?;
    let mut summary = Summary::default();
    let mut repos_conf = String::from(
        "# Generated by portolan-gen (portolan-corpus); locations are relative to this file.\n\
         [DEFAULT]\nmain-repo = gentoo\n\n[gentoo]\nlocation = gentoo\n",
    );
    // Main repository: the real profiles and layout.conf.
    let gentoo = out.join("gentoo");
    if opts.link_profiles {
        mkdir(&gentoo)?;
        let abs = real
            .dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", real.dir.display()))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&abs, gentoo.join("profiles"))
            .map_err(|e| format!("linking {}: {e}", abs.display()))?;
        #[cfg(not(unix))]
        {
            summary.profile_files = profiles::copy_tree(&abs, &gentoo.join("profiles"))
                .map_err(|e| format!("copying {}: {e}", abs.display()))?;
        }
    } else {
        summary.profile_files = profiles::copy_tree(&real.dir, &gentoo.join("profiles"))
            .map_err(|e| format!("copying {}: {e}", real.dir.display()))?;
    }
    mkdir(&gentoo.join("metadata"))?;
    std::fs::copy(
        opts.real_gentoo.join("metadata/layout.conf"),
        gentoo.join("metadata/layout.conf"),
    )
    .map_err(|e| format!("layout.conf: {e}"))?;
    let mut repo_dirs = vec![gentoo];
    for name in OVERLAYS.iter().take(n_overlays) {
        let dir = out.join(name);
        let _ = write!(repos_conf, "\n[{name}]\nlocation = {name}\n");
        overlay_files(&dir, name, &pkgs)?;
        repo_dirs.push(dir);
    }
    write(&out.join("repos.conf"), &repos_conf)?;
    let mut counts = vec![(0usize, 0usize); repo_dirs.len()];
    let mut made_cats = BTreeSet::new();
    for (i, p) in pkgs.iter().enumerate() {
        let dir = repo_dirs[p.repo].join("metadata/md5-cache").join(&p.cat);
        if made_cats.insert(dir.clone()) {
            mkdir(&dir)?;
        }
        counts[p.repo].0 += 1;
        for (pf, text) in world.entries(i) {
            counts[p.repo].1 += 1;
            summary.entries += 1;
            summary.entry_bytes += text.len() as u64;
            write(&dir.join(pf), &text)?;
        }
    }
    summary.repos = std::iter::once("gentoo")
        .chain(OVERLAYS.iter().copied().take(n_overlays))
        .zip(counts)
        .map(|(n, (p, v))| (n.to_owned(), p, v))
        .collect();
    Ok(summary)
}

/// layout.conf, repo_name, categories and (for `gen-overlay`) one profile
/// stacked on gentoo's amd64 23.0 through a `repo:path` parent.
fn overlay_files(dir: &Path, name: &str, pkgs: &[Pkg]) -> Result<(), String> {
    let prof = dir.join("profiles");
    mkdir(&prof)?;
    mkdir(&dir.join("metadata"))?;
    let formats = if name == OVERLAYS[0] {
        "profile-formats = portage-2\n"
    } else {
        ""
    };
    write(
        &dir.join("metadata/layout.conf"),
        &format!(
            "repo-name = {name}\nmasters = gentoo\ncache-formats = md5-dict\nthin-manifests = true\n{formats}"
        ),
    )?;
    write(&prof.join("repo_name"), &format!("{name}\n"))?;
    let own: Vec<&Pkg> = pkgs
        .iter()
        .filter(|p| p.repo == OVERLAYS.iter().position(|o| *o == name).unwrap_or(0) + 1)
        .collect();
    let cats = if own.iter().any(|p| p.cat == OVERLAY_CATEGORY) {
        format!("{OVERLAY_CATEGORY}\n")
    } else {
        String::new()
    };
    write(&prof.join("categories"), &cats)?;
    if name != OVERLAYS[0] {
        return Ok(());
    }
    let p = prof.join("gen/amd64");
    mkdir(&p)?;
    write(&prof.join("profiles.desc"), "amd64\tgen/amd64\texp\n")?;
    write(&p.join("eapi"), "8\n")?;
    write(&p.join("parent"), "gentoo:default/linux/amd64/23.0\n")?;
    write(
        &p.join("make.defaults"),
        "# Generated overlay profile.\nUSE=\"${USE} -nls\"\n",
    )?;
    // A mask and a package.use line on overlay packages, so the profile
    // has work to do.
    let mut mask = String::new();
    let mut puse = String::new();
    for q in own.iter().take(3) {
        if let Some(v) = q.non_live().last() {
            let _ = writeln!(mask, ">={}-{}", q.cp, v.text);
        }
        if let Some((f, _)) = q.plain.first() {
            let _ = writeln!(puse, "{} {f}", q.cp);
        }
    }
    write(&p.join("package.mask"), &mask)?;
    write(&p.join("package.use"), &puse)?;
    Ok(())
}
