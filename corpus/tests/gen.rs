//! The Gentoo-scale generator on a small corpus (300 packages): same seed →
//! same bytes, sizes as asked, every entry valid for the engine (md5-cache,
//! dependency strings, atoms), and the engine loads and stacks the tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use portolan_corpus::gen::{self, params, Options, Summary};
use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::depspec::{DepOptions, DepSpec, FlagLeaf};
use portolan_engine::eapi::Eapi;
use portolan_engine::evaluate::Evaluator;
use portolan_engine::fs::Fs;
use portolan_engine::md5cache::{self, CacheEntry};
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

const SMALL: usize = 300;

/// A fresh folder under Cargo's scratch directory for integration tests
/// (`target/tmp`), emptied first: reruns overwrite instead of piling up.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("portolan-gen-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn options(seed: u64, packages: usize) -> Options {
    let mut o = Options::new(seed).expect(
        "the real gentoo repository (../shared/corpus/real/gentoo) is needed: its profiles are copied",
    );
    o.packages = packages;
    o
}

/// One small corpus shared by the tests that only read it.
fn small() -> &'static (PathBuf, Summary) {
    static C: OnceLock<(PathBuf, Summary)> = OnceLock::new();
    C.get_or_init(|| {
        let out = scratch("small");
        let s = gen::generate(&options(1, SMALL), &out).unwrap();
        (out, s)
    })
}

/// Every file under `dir` with its bytes, sorted by path.
fn digest(dir: &Path) -> Vec<(String, u64, u64)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u64, u64)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_symlink() {
                let to = std::fs::read_link(&p).unwrap();
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((format!("{rel} -> {}", to.display()), 0, 0));
            } else if p.is_dir() {
                walk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                out.push((
                    p.strip_prefix(root).unwrap().display().to_string(),
                    bytes.len() as u64,
                    gen::rng::hash_str(0, &text),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn same_seed_same_bytes() {
    let a = scratch("det-a");
    let b = scratch("det-b");
    let c = scratch("det-c");
    // Profiles linked, not copied: the copy is tested by `small()`, the
    // md5-cache is what the seed decides.
    let linked = |seed| Options {
        link_profiles: true,
        ..options(seed, 120)
    };
    gen::generate(&linked(7), &a).unwrap();
    gen::generate(&linked(7), &b).unwrap();
    gen::generate(&linked(8), &c).unwrap();
    let (da, db, dc) = (digest(&a), digest(&b), digest(&c));
    for d in [&a, &b, &c] {
        let _ = std::fs::remove_dir_all(d);
    }
    assert!(da.len() > 150, "{} files", da.len());
    assert!(da == db, "two generations with seed 7 differ");
    assert!(da != dc, "seeds 7 and 8 gave the same corpus");
}

#[test]
fn refuses_a_non_empty_output() {
    let (out, _) = small();
    let e = gen::generate(&options(1, 10), out).unwrap_err();
    assert!(e.contains("not empty"), "{e}");
}

#[test]
fn sizes_follow_the_options() {
    let (out, s) = small();
    assert_eq!(s.repos.len(), 3);
    let (name, pkgs, versions) = &s.repos[0];
    assert_eq!(name, "gentoo");
    assert_eq!(*pkgs, SMALL);
    let ratio = params::FULL_VERSIONS as f64 / params::FULL_PACKAGES as f64;
    let expect = SMALL as f64 * ratio;
    assert!(
        (*versions as f64) > expect * 0.8 && (*versions as f64) < expect * 1.25,
        "{versions} versions for {SMALL} packages"
    );
    for (name, pkgs, versions) in &s.repos[1..] {
        assert!(
            *pkgs >= 4 && *versions >= *pkgs,
            "{name}: {pkgs}/{versions}"
        );
    }
    // On disk as reported, and the categories are real ones.
    let files = md5cache::scan(&Fs::os(), &out.join("gentoo")).unwrap();
    assert_eq!(files.len(), *versions);
    let cats: BTreeSet<String> = std::fs::read_to_string(out.join("gentoo/profiles/categories"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(cats.len() >= 170);
    for f in &files {
        assert!(cats.contains(&f.category), "{}", f.category);
    }
    // The whole real profiles tree came along.
    assert!(out
        .join("gentoo/profiles/default/linux/amd64/23.0/parent")
        .is_file());
    assert_eq!(s.profile_files, 3408);
}

/// The flags of every `flag?` conditional of a dependency-like string.
fn conditional_flags(s: &str) -> Vec<&str> {
    s.split_ascii_whitespace()
        .filter_map(|t| t.strip_suffix('?'))
        .map(|t| t.trim_start_matches('!'))
        .collect()
}

#[test]
fn every_entry_is_valid() {
    let (out, _) = small();
    let repos = RepoSet::from_repos_conf(&out.join("repos.conf")).unwrap();
    let arches: BTreeSet<String> = std::fs::read_to_string(out.join("gentoo/profiles/arch.list"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut n = 0;
    let mut atoms = 0;
    for repo in &repos.repos {
        for f in md5cache::scan(&Fs::os(), &repo.location).unwrap() {
            n += 1;
            let e = CacheEntry::read(&Fs::os(), &f.path).unwrap();
            let keys: Vec<&str> = e.keys().collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(keys, sorted, "{}: keys not sorted", f.path.display());
            for k in ["DEFINED_PHASES", "EAPI", "SLOT", "_md5_", "DESCRIPTION"] {
                assert!(
                    e.get(k).is_some_and(|v| !v.is_empty()),
                    "{}: no {k}",
                    f.path.display()
                );
            }
            assert!(
                e.keys().all(|k| e.get(k) != Some("")),
                "{}: empty value written",
                f.path.display()
            );
            assert!(
                portolan_engine::version::split_pf(&f.pf).is_some(),
                "{}",
                f.pf
            );
            let eapi = Eapi::parse(e.eapi()).unwrap();
            assert!(matches!(eapi.number(), 7 | 8));
            for k in e.keywords() {
                let a = k.trim_start_matches(['~', '-']);
                assert!(
                    k == "-*" || arches.contains(a),
                    "{}: keyword {k}",
                    f.path.display()
                );
            }
            let iuse: BTreeSet<&str> = e.iuse().map(|f| f.name).collect();
            let ctx = |key: &str| format!("{} {key}", f.path.display());
            for (key, value) in [
                ("DEPEND", e.depend()),
                ("RDEPEND", e.rdepend()),
                ("BDEPEND", e.bdepend()),
                ("PDEPEND", e.pdepend()),
                ("IDEPEND", e.idepend()),
            ] {
                let spec = DepSpec::parse(
                    value,
                    DepOptions::dependencies(eapi.empty_any_of_unsatisfied()),
                    |s| Atom::parse(s, AtomOptions::dependency(eapi)),
                )
                .unwrap_or_else(|err| panic!("{}: {err}", ctx(key)));
                atoms += spec.leaves().len();
                for a in spec.leaves() {
                    // Conditional USE deps (`f?`, `f=`) name the package's own flags.
                    for u in a.use_deps.iter() {
                        use portolan_engine::atom::UseDepKind::*;
                        if matches!(u.kind, IfEnabled | IfDisabled | Equal | NotEqual) {
                            assert!(
                                iuse.contains(u.flag.as_str()),
                                "{}: [{u}] not in IUSE",
                                ctx(key)
                            );
                        }
                    }
                }
                for flag in conditional_flags(value) {
                    assert!(iuse.contains(flag), "{}: {flag}? not in IUSE", ctx(key));
                }
            }
            DepSpec::parse(
                e.required_use(),
                DepOptions::required_use(eapi.at_most_one_of(), eapi.empty_any_of_unsatisfied()),
                FlagLeaf::parse,
            )
            .unwrap_or_else(|err| panic!("{}: {err}", ctx("REQUIRED_USE")));
            for t in e.required_use().split_ascii_whitespace() {
                if matches!(t, "||" | "^^" | "??" | "(" | ")") {
                    continue;
                }
                // `x86?` is the arch flag (IUSE_IMPLICIT through the profile).
                let flag = t.trim_end_matches('?').trim_start_matches('!');
                if flag != "x86" {
                    assert!(
                        iuse.contains(flag),
                        "{}: {flag} not in IUSE",
                        ctx("REQUIRED_USE")
                    );
                }
            }
            for key in ["LICENSE", "RESTRICT", "PROPERTIES"] {
                for flag in conditional_flags(e.get(key).unwrap_or("")) {
                    assert!(iuse.contains(flag), "{}: {flag}? not in IUSE", ctx(key));
                }
            }
        }
    }
    assert!(n > SMALL, "{n} entries");
    assert!(atoms > n * 5, "{atoms} atoms in {n} entries");
}

#[test]
fn the_engine_loads_stacks_and_evaluates_it() {
    let (out, s) = small();
    let repos = RepoSet::from_repos_conf(&out.join("repos.conf")).unwrap();
    let mut tree = Tree::load(repos).unwrap();
    assert_eq!(tree.packages.len(), s.entries);
    assert!(
        tree.profiles_desc.len() > 480,
        "{} profiles",
        tree.profiles_desc.len()
    );
    for name in ["gentoo:default/linux/amd64/23.0", "gen-overlay:gen/amd64"] {
        let p = tree.profile(name).unwrap();
        assert!(p.stack.len() >= 8, "{name}: {} nodes", p.stack.len());
        assert_eq!(p.arch.map(|a| a.as_str()), Some("amd64"));
        assert!(!p.system.is_empty());
        let ev = Evaluator::new(&tree, &p);
        let mut visible = 0;
        let mut masked_flags = 0;
        for pkg in &tree.packages.packages {
            pkg.deps().unwrap_or_else(|e| panic!("{e}"));
            let st = ev.evaluate(pkg);
            visible += st.visible as usize;
            masked_flags += st.masked.len();
        }
        // Realistic mixes: most versions visible, some masked by keywords,
        // and the profiles' masks hit generated flags.
        let n = tree.packages.len();
        assert!(
            visible > n / 3 && visible < n,
            "{name}: {visible} of {n} visible"
        );
        assert!(masked_flags > n, "{name}: {masked_flags} masked flags");
    }
}

#[test]
fn measuring_the_generated_corpus_finds_what_was_written() {
    let (out, s) = small();
    let m = portolan_corpus::measure::measure(&out.join("gentoo")).unwrap();
    assert!(
        m.errors.is_empty(),
        "{:?}",
        &m.errors[..m.errors.len().min(5)]
    );
    assert_eq!(m.entries as usize, s.repos[0].2);
    assert_eq!(m.packages as usize, SMALL);
    // A few shares that must hold at any size.
    assert!(m.eapi.get("8").copied().unwrap_or(0) > m.entries / 2);
    assert!(m.atoms.total > m.entries * 5);
    assert!(m.atoms.dangling * 10 < m.atoms.total);
    let report = m.report(&portolan_corpus::measure::read_arch_list(
        &out.join("gentoo/profiles"),
    ));
    assert!(report.contains("REQUIRED_USE"), "{report}");
}
