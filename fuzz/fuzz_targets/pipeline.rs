//! Structure-aware: the fuzzer's bytes become a small repository (a few
//! profile directories whose files are drawn from small vocabularies, a
//! few md5-cache entries, repository-level files, optionally an overlay),
//! written to a scratch folder, and the whole pipeline runs on it:
//! `RepoSet::from_repos_conf` → `Tree::load` → `tree.profile(..)` for every
//! profile → `Evaluator::new` + `evaluate` (and dependency parsing) for
//! every package. Errors are fine; panics and hangs are not.
#![no_main]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use portolan_engine::evaluate::Evaluator;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

const FLAGS: &[&str] = &[
    "a",
    "b",
    "c",
    "test",
    "-a",
    "-b",
    "-*",
    "x86",
    "amd64",
    "-x86",
    "elibc_glibc",
    "python_targets_x",
    "foo-bar",
    "+a",
    "*",
    "a?",
    "video_cards_x",
    "bad flag",
];
const ATOMS: &[&str] = &[
    "cat/pkg-1.0",
    "cat/pkg",
    "=cat/pkg-1.0",
    "<cat/pkg-2",
    "cat/pkg:0",
    ">=cat/pkg-1.0-r1",
    "cat/other",
    "=cat/pkg-1*",
    "~cat/pkg-1.0",
    "cat/pkg[a]",
    "cat/pkg::gentoo",
    "!cat/pkg",
    "-cat/pkg",
    "bad",
    "*cat/pkg",
    "cat/pkg:=",
    "dev-libs/x",
    "-*",
    "*dev-libs/x",
    "cat/pkg[-b,c?]",
    ">cat/other-0.9_rc1",
    "cat/pkg::ov",
    "=dev-libs/x-3",
];
const KEYWORDS: &[&str] = &[
    "x86", "~x86", "amd64", "~amd64", "-*", "*", "~*", "-x86", "**",
];
const VERSIONS: &[&str] = &["1.0", "1.0-r1", "2", "0.9_rc1", "1.0.0", "3", "1a_p2"];
const PACKAGES: &[&str] = &["cat/pkg", "cat/other", "dev-libs/x"];
const EAPIS: &[&str] = &[
    "0",
    "1",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "",
    "bogus",
    "5-progress",
];
const SLOTS: &[&str] = &["0", "1", "0/1", "", "2/2.1", "bad slot"];
const LICENSES: &[&str] = &[
    "MIT",
    "GPL-2 || ( MIT BSD )",
    "a? ( MIT )",
    "",
    "@FREE",
    "|| ( )",
    "( MIT",
];
const REQUIRED_USE: &[&str] = &[
    "a? ( b )",
    "|| ( a b )",
    "^^ ( a b c )",
    "?? ( a b )",
    "",
    "!a? ( !b )",
    "a? ( ",
];
const VARS: &[&str] = &[
    "USE",
    "ARCH",
    "USE_EXPAND",
    "USE_EXPAND_HIDDEN",
    "USE_EXPAND_UNPREFIXED",
    "ACCEPT_KEYWORDS",
    "ACCEPT_LICENSE",
    "VIDEO_CARDS",
    "PYTHON_TARGETS",
    "ELIBC",
    "IUSE_IMPLICIT",
    "USE_EXPAND_IMPLICIT",
    "USE_EXPAND_VALUES_ARCH",
    "CONFIG_PROTECT",
    "PROFILE_ONLY_VARIABLES",
];
const VALUES: &[&str] = &[
    "a",
    "-a",
    "b c",
    "-*",
    "x86",
    "amd64",
    "${USE} a",
    "$ARCH",
    "VIDEO_CARDS PYTHON_TARGETS ELIBC",
    "x",
    "glibc",
    "~x86",
    "* -@FREE",
    "${",
    "ARCH ELIBC",
    "'q'",
];

fn pick<'a>(v: &[&'a str], i: u8) -> &'a str {
    v[i as usize % v.len()]
}

/// Free text, kept to a safe alphabet (no absolute paths into the system).
#[derive(Debug)]
struct Text(String);

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(0..=24)?;
        let mut s = String::new();
        for _ in 0..n {
            let c = *u.choose(&[
                'a', 'b', 'c', '/', '.', '-', ':', '*', '?', '(', ')', '|', '[', ']', '=', '<',
                '>', '~', '!', '#', ' ', '\t', '\n', '"', '\'', '$', '{', '}', '\\', '1', '_', '@',
                '+', ',', 'é',
            ])?;
            s.push(c);
        }
        if s.starts_with('/') {
            s.insert(0, '.');
        }
        Ok(Text(s))
    }
}

#[derive(Arbitrary, Debug)]
enum Parent {
    Profile(u8),
    Up,
    Missing,
    Colon(u8),
    Overlay(u8),
    Free(Text),
}

#[derive(Arbitrary, Debug)]
enum MdLine {
    Assign(u8, Vec<u8>),
    Quoted(u8, u8),
    Free(Text),
}

#[derive(Arbitrary, Debug)]
enum ListLine {
    Flag(u8),
    Atom(u8),
    Free(Text),
}

#[derive(Arbitrary, Debug)]
struct AtomLine {
    atom: u8,
    tokens: Vec<u8>,
    keywords: bool,
}

#[derive(Arbitrary, Debug)]
struct ProfileDir {
    eapi: Option<u8>,
    parents: Vec<Parent>,
    make_defaults: Vec<MdLine>,
    make_defaults_dir: bool,
    use_mask: Vec<ListLine>,
    use_force: Vec<ListLine>,
    use_stable_mask: Vec<ListLine>,
    use_stable_force: Vec<ListLine>,
    package_provided: Vec<ListLine>,
    package_mask: Vec<ListLine>,
    package_unmask: Vec<ListLine>,
    packages: Vec<ListLine>,
    package_use: Vec<AtomLine>,
    package_use_mask: Vec<AtomLine>,
    package_use_force: Vec<AtomLine>,
    package_accept_keywords: Vec<AtomLine>,
    package_keywords: Vec<AtomLine>,
    package_use_stable_mask: Vec<AtomLine>,
    package_use_as_dir: bool,
    deprecated: Option<u8>,
}

#[derive(Arbitrary, Debug)]
struct Entry {
    package: u8,
    version: u8,
    eapi: Option<u8>,
    slot: Option<u8>,
    iuse: Vec<u8>,
    keywords: Vec<u8>,
    license: u8,
    depend: Vec<u8>,
    rdepend: Vec<u8>,
    required_use: u8,
    extra: Option<Text>,
    md5: bool,
}

#[derive(Arbitrary, Debug)]
struct Repo {
    layout: Vec<(u8, Vec<u8>)>,
    profiles_eapi: Option<u8>,
    profiles: Vec<ProfileDir>,
    entries: Vec<Entry>,
    desc: Vec<(u8, u8, u8)>,
    repo_mask: Vec<ListLine>,
    categories: Vec<u8>,
    license_groups: Vec<(u8, Vec<u8>)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    main: Repo,
    overlay: Option<Repo>,
}

const LAYOUT_KEYS: &[&str] = &[
    "masters",
    "profile-formats",
    "eapis-banned",
    "profile_eapi_when_unspecified",
    "repo-name",
];
const LAYOUT_VALUES: &[&str] = &[
    "gentoo",
    "",
    "portage-2",
    "portage-1",
    "pms",
    "profile-set",
    "profile-repo-deps",
    "profile-default-eapi",
    "0 1 2",
    "ov",
    "nowhere",
    "build-id",
];

fn list_line(l: &ListLine) -> String {
    match l {
        ListLine::Flag(i) => pick(FLAGS, *i).to_owned(),
        ListLine::Atom(i) => pick(ATOMS, *i).to_owned(),
        ListLine::Free(t) => t.0.clone(),
    }
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(path, text);
}

fn lines<T>(v: &[T], max: usize, f: impl Fn(&T) -> String) -> String {
    let mut s = String::new();
    for x in v.iter().take(max) {
        s.push_str(&f(x));
        s.push('\n');
    }
    s
}

fn write_profile(dir: &Path, p: &ProfileDir, n_profiles: usize) {
    let _ = std::fs::create_dir_all(dir);
    if let Some(e) = p.eapi {
        write(&dir.join("eapi"), pick(EAPIS, e));
    }
    if !p.parents.is_empty() {
        let n = n_profiles.max(1) as u8;
        let text = lines(&p.parents, 4, |par| match par {
            Parent::Profile(i) => format!("../p{}", i % n),
            Parent::Up => "..".to_owned(),
            Parent::Missing => "../nowhere".to_owned(),
            Parent::Colon(i) => format!("gentoo:p{}", i % n),
            Parent::Overlay(i) => format!("ov:p{}", i % n),
            Parent::Free(t) => t.0.clone(),
        });
        write(&dir.join("parent"), &text);
    }
    if !p.make_defaults.is_empty() {
        let text = lines(&p.make_defaults, 8, |l| match l {
            MdLine::Assign(k, vs) => {
                let mut v = String::new();
                for (i, x) in vs.iter().take(4).enumerate() {
                    if i > 0 {
                        v.push(' ');
                    }
                    v.push_str(pick(VALUES, *x));
                }
                format!("{}=\"{v}\"", pick(VARS, *k))
            }
            MdLine::Quoted(k, v) => format!("{}='{}'", pick(VARS, *k), pick(VALUES, *v)),
            MdLine::Free(t) => t.0.clone(),
        });
        if p.make_defaults_dir {
            write(&dir.join("make.defaults").join("10-x"), &text);
        } else {
            write(&dir.join("make.defaults"), &text);
        }
    }
    for (name, v) in [
        ("use.mask", &p.use_mask),
        ("use.force", &p.use_force),
        ("use.stable.mask", &p.use_stable_mask),
        ("use.stable.force", &p.use_stable_force),
        ("package.provided", &p.package_provided),
        ("package.mask", &p.package_mask),
        ("package.unmask", &p.package_unmask),
        ("packages", &p.packages),
    ] {
        if !v.is_empty() {
            write(&dir.join(name), &lines(v, 6, list_line));
        }
    }
    for (name, v) in [
        ("package.use", &p.package_use),
        ("package.use.mask", &p.package_use_mask),
        ("package.use.force", &p.package_use_force),
        ("package.accept_keywords", &p.package_accept_keywords),
        ("package.keywords", &p.package_keywords),
        ("package.use.stable.mask", &p.package_use_stable_mask),
    ] {
        if v.is_empty() {
            continue;
        }
        let text = lines(v, 6, |l| {
            let mut s = pick(ATOMS, l.atom).to_owned();
            for t in l.tokens.iter().take(4) {
                s.push(' ');
                s.push_str(if l.keywords {
                    pick(KEYWORDS, *t)
                } else {
                    pick(FLAGS, *t)
                });
            }
            s
        });
        if name == "package.use" && p.package_use_as_dir {
            write(&dir.join(name).join("a"), &text);
        } else {
            write(&dir.join(name), &text);
        }
    }
    if let Some(d) = p.deprecated {
        write(&dir.join("deprecated"), &format!("p{}\nold\n", d % 4));
    }
}

fn write_entry(md5: &Path, e: &Entry) {
    let pkg = pick(PACKAGES, e.package);
    let pf = format!(
        "{}-{}",
        pkg.split('/').nth(1).unwrap_or("x"),
        pick(VERSIONS, e.version)
    );
    let cat = pkg.split('/').next().unwrap_or("cat");
    let mut s = String::new();
    if let Some(x) = e.eapi {
        let _ = writeln!(s, "EAPI={}", pick(EAPIS, x));
    }
    if let Some(x) = e.slot {
        let _ = writeln!(s, "SLOT={}", pick(SLOTS, x));
    }
    let join = |v: &[u8], vocab: &[&str]| {
        v.iter()
            .take(5)
            .map(|&i| pick(vocab, i))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(s, "IUSE={}", join(&e.iuse, FLAGS));
    let _ = writeln!(s, "KEYWORDS={}", join(&e.keywords, KEYWORDS));
    let _ = writeln!(s, "LICENSE={}", pick(LICENSES, e.license));
    let _ = writeln!(s, "DEPEND={}", join(&e.depend, ATOMS));
    let _ = writeln!(s, "RDEPEND=a? ( {} )", join(&e.rdepend, ATOMS));
    let _ = writeln!(s, "REQUIRED_USE={}", pick(REQUIRED_USE, e.required_use));
    if let Some(t) = &e.extra {
        s.push_str(&t.0);
        s.push('\n');
    }
    if e.md5 {
        s.push_str("_md5_=0123456789abcdef\n");
    }
    write(&md5.join(cat).join(pf), &s);
}

fn write_repo(root: &Path, name: &str, r: &Repo) -> usize {
    let profiles = root.join("profiles");
    let _ = std::fs::create_dir_all(&profiles);
    write(&profiles.join("repo_name"), &format!("{name}\n"));
    if !r.layout.is_empty() {
        let text = lines(&r.layout, 4, |(k, vs)| {
            let v: Vec<&str> = vs.iter().take(3).map(|&i| pick(LAYOUT_VALUES, i)).collect();
            format!("{} = {}", pick(LAYOUT_KEYS, *k), v.join(" "))
        });
        write(&root.join("metadata/layout.conf"), &text);
    }
    if let Some(e) = r.profiles_eapi {
        write(&profiles.join("eapi"), pick(EAPIS, e));
    }
    let n = r.profiles.len().min(5);
    for (i, p) in r.profiles.iter().take(n).enumerate() {
        write_profile(&profiles.join(format!("p{i}")), p, n);
    }
    if !r.desc.is_empty() {
        let text = lines(&r.desc, 4, |(a, p, s)| {
            format!(
                "{} p{} {}",
                pick(&["x86", "amd64"], *a),
                p % (n.max(1) as u8),
                pick(&["stable", "dev", "exp"], *s)
            )
        });
        write(&profiles.join("profiles.desc"), &text);
    }
    if !r.repo_mask.is_empty() {
        write(
            &profiles.join("package.mask"),
            &lines(&r.repo_mask, 4, list_line),
        );
    }
    if !r.categories.is_empty() {
        let text = lines(&r.categories, 4, |&c| {
            pick(&["cat", "dev-libs", "-cat", "bad cat"], c).to_owned()
        });
        write(&profiles.join("categories"), &text);
    }
    if !r.license_groups.is_empty() {
        let text = lines(&r.license_groups, 4, |(g, ms)| {
            let mut s = pick(&["FREE", "OSI", "EMPTY"], *g).to_owned();
            for &m in ms.iter().take(4) {
                s.push(' ');
                s.push_str(pick(&["MIT", "BSD", "@FREE", "@OSI", "@NONE", "-MIT"], m));
            }
            s
        });
        write(&profiles.join("license_groups"), &text);
    }
    let md5 = root.join("metadata/md5-cache");
    let _ = std::fs::create_dir_all(&md5);
    for e in r.entries.iter().take(6) {
        write_entry(&md5, e);
    }
    n
}

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Thousands of small trees are written per minute: prefer memory.
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        base.join(format!("portolan-fuzz-pipeline-{}", std::process::id()))
    })
}

fuzz_target!(|input: Input| {
    let root = scratch();
    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::create_dir_all(root);
    let mut conf = String::from("[DEFAULT]\nmain-repo = gentoo\n\n[gentoo]\nlocation = gentoo\n");
    let mut names = Vec::new();
    let n = write_repo(&root.join("gentoo"), "gentoo", &input.main);
    names.extend((0..n).map(|i| format!("gentoo:p{i}")));
    if let Some(ov) = &input.overlay {
        conf.push_str("\n[ov]\nlocation = ov\n");
        let n = write_repo(&root.join("ov"), "ov", ov);
        names.extend((0..n).map(|i| format!("ov:p{i}")));
    }
    write(&root.join("repos.conf"), &conf);

    let Ok(repos) = RepoSet::from_repos_conf(&root.join("repos.conf")) else {
        return;
    };
    let Ok(mut tree) = Tree::load(repos) else {
        return;
    };
    for p in &tree.packages.packages {
        let _ = p.deps().map(|d| d.depend.node_count());
    }
    for name in &names {
        let Ok(profile) = tree.profile(name) else {
            continue;
        };
        let _ = tree.check_profile_categories(&profile);
        let eval = Evaluator::new(&tree, &profile);
        for p in &tree.packages.packages {
            let state = eval.evaluate(p);
            std::hint::black_box(&state);
        }
    }
});
