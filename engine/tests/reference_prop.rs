//! Property tests: on small random but valid repositories, the fast path
//! (`Tree` → `Profile` → `Evaluator`) answers exactly what the reference
//! resolver (`engine::reference`) answers, for every profile node taken as
//! a profile and every package version; and, needing no reference,
//! inserting an empty profile directory as a parent anywhere changes no
//! answer.
//!
//! Repositories are generated as structured values (profile nodes with
//! parents, make.defaults lines, flag and atom files; md5-cache entries) and
//! only then written out, so a failure shrinks to a few lines of a few
//! files. Case count: 256 per property by default; `PROPTEST_CASES=N`
//! overrides it (read here, since an explicit `cases` would otherwise hide
//! proptest's own reading of that variable).

#[path = "common/reference.rs"]
mod common;
use common::{fast_state, strs};

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use portolan_engine::atom::Atom as FastAtom;
use portolan_engine::evaluate::{Answer, Evaluator, VersionFacts};
use portolan_engine::matrix::Matrix;
use portolan_engine::reference::package::{RefPackage, RefState};
use portolan_engine::reference::profile::RefProfile;
use portolan_engine::reference::RefRepo;
use portolan_engine::repo::RepoSet;
use portolan_engine::source::Loc;
use portolan_engine::tree::Tree;
use proptest::prelude::*;

const FLAGS: [&str; 7] = ["a", "b", "c", "d", "e", "video_cards_x", "video_cards_y"];
const PACKAGES: [&str; 3] = ["app/one", "app/two", "lib/three"];
const KEYWORDS: [&str; 7] = ["amd64", "~amd64", "-amd64", "-*", "x86", "~x86", "~*"];
const ACCEPT: [&str; 4] = ["~amd64", "-~amd64", "amd64", "~x86"];
const LICENSES: [&str; 5] = [
    "MIT",
    "bad",
    "|| ( bad MIT )",
    "a? ( bad ) MIT",
    "|| ( bad other )",
];
const SUFFIXES: [&str; 5] = ["alpha", "beta", "pre", "rc", "p"];
const OPS: [&str; 7] = ["", ">=", "<", "=", "~", "=*", "<="];

#[derive(Clone, Debug)]
struct Ver {
    nums: Vec<u8>,
    letter: bool,
    suffix: Option<(usize, Option<u8>)>,
    rev: Option<u8>,
}

impl Ver {
    fn text(&self, with_rev: bool) -> String {
        let mut s: Vec<String> = self.nums.iter().map(|n| n.to_string()).collect();
        if s.is_empty() {
            s.push("1".into());
        }
        let mut t = s.join(".");
        if self.letter {
            t.push('b');
        }
        if let Some((k, n)) = self.suffix {
            let _ = write!(t, "_{}", SUFFIXES[k]);
            if let Some(n) = n {
                let _ = write!(t, "{n}");
            }
        }
        if let (Some(r), true) = (self.rev, with_rev) {
            let _ = write!(t, "-r{r}");
        }
        t
    }
}

fn ver() -> impl Strategy<Value = Ver> {
    (
        prop::collection::vec(0u8..3, 1..3),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.4, (0usize..5, prop::option::of(0u8..3))),
        prop::option::weighted(0.4, 0u8..3),
    )
        .prop_map(|(nums, letter, suffix, rev)| Ver {
            nums,
            letter,
            suffix,
            rev,
        })
}

#[derive(Clone, Debug)]
struct AtomSpec {
    pkg: usize,
    op: usize,
    ver: Ver,
    slot: Option<bool>,
}

impl AtomSpec {
    fn text(&self) -> String {
        let op = OPS[self.op];
        let mut s = match op {
            "" => PACKAGES[self.pkg].to_owned(),
            "=*" => format!("={}-{}*", PACKAGES[self.pkg], self.ver.text(false)),
            "~" => format!("~{}-{}", PACKAGES[self.pkg], self.ver.text(false)),
            op => format!("{op}{}-{}", PACKAGES[self.pkg], self.ver.text(true)),
        };
        if let Some(one) = self.slot {
            s.push_str(if one { ":1" } else { ":0" });
        }
        s
    }
}

fn atom() -> impl Strategy<Value = AtomSpec> {
    (
        0usize..3,
        0usize..7,
        ver(),
        prop::option::weighted(0.2, any::<bool>()),
    )
        .prop_map(|(pkg, op, ver, slot)| AtomSpec { pkg, op, ver, slot })
}

/// `-flag` or `flag`.
type FlagTok = (bool, usize);

fn flag_tok() -> impl Strategy<Value = FlagTok> {
    (prop::bool::weighted(0.3), 0usize..FLAGS.len())
}

fn flag_text((neg, f): &FlagTok) -> String {
    format!("{}{}", if *neg { "-" } else { "" }, FLAGS[*f])
}

/// A make.defaults line.
#[derive(Clone, Debug)]
enum Md {
    /// `USE="..."`: flag tokens, `-*` and `-video_cards_*` included.
    Use(Vec<(u8, FlagTok)>),
    /// `USE="${USE} flag"`: sees this node's earlier USE only.
    UseRef(FlagTok),
    /// `VIDEO_CARDS="..."`: `x`, `y`, `-x`, `-*`.
    VideoCards(Vec<usize>),
    AcceptKeywords(Vec<usize>),
    /// `FOO="${FOO} zN"`: a last-wins variable that references itself.
    FooRef(u8),
}

fn md() -> impl Strategy<Value = Md> {
    prop_oneof![
        4 => prop::collection::vec((0u8..10, flag_tok()), 1..4).prop_map(Md::Use),
        1 => flag_tok().prop_map(Md::UseRef),
        2 => prop::collection::vec(0usize..4, 1..3).prop_map(Md::VideoCards),
        2 => prop::collection::vec(0usize..4, 1..3).prop_map(Md::AcceptKeywords),
        1 => (0u8..3).prop_map(Md::FooRef),
    ]
}

fn md_text(m: &Md) -> String {
    match m {
        Md::Use(toks) => {
            let words: Vec<String> = toks
                .iter()
                .map(|(k, t)| match k {
                    0 => "-*".to_owned(),
                    1 => "-video_cards_*".to_owned(),
                    _ => flag_text(t),
                })
                .collect();
            format!("USE=\"{}\"", words.join(" "))
        }
        Md::UseRef(t) => format!("USE=\"${{USE}} {}\"", flag_text(t)),
        Md::VideoCards(v) => {
            let words: Vec<&str> = v.iter().map(|&i| ["x", "y", "-x", "-*"][i]).collect();
            format!("VIDEO_CARDS=\"{}\"", words.join(" "))
        }
        Md::AcceptKeywords(v) => {
            let words: Vec<&str> = v.iter().map(|&i| ACCEPT[i]).collect();
            format!("ACCEPT_KEYWORDS=\"{}\"", words.join(" "))
        }
        Md::FooRef(n) => format!("FOO=\"${{FOO}} z{n}\""),
    }
}

type Table = Vec<(AtomSpec, Vec<FlagTok>)>;

fn table() -> impl Strategy<Value = Table> {
    prop::collection::vec((atom(), prop::collection::vec(flag_tok(), 1..3)), 0..3)
}

fn flags() -> impl Strategy<Value = Vec<FlagTok>> {
    prop::collection::vec(flag_tok(), 0..3)
}

#[derive(Clone, Debug)]
struct NodeSpec {
    /// 5, 7 or 9 (9: use.stable and package.use.stable).
    eapi: u8,
    /// Indices of earlier nodes (taken modulo the node's index).
    parents: Vec<usize>,
    md: Vec<Md>,
    use_force: Vec<FlagTok>,
    use_mask: Vec<FlagTok>,
    use_stable_force: Vec<FlagTok>,
    use_stable_mask: Vec<FlagTok>,
    use_stable: Vec<FlagTok>,
    package_use: Table,
    package_use_stable: Table,
    package_use_force: Table,
    package_use_mask: Table,
    package_use_stable_force: Table,
    package_use_stable_mask: Table,
    package_mask: Vec<(bool, AtomSpec)>,
    package_unmask: Vec<AtomSpec>,
    accept_keywords: Vec<(AtomSpec, Vec<usize>)>,
    /// `packages` lines: (kind 0 `*atom`, 1 `atom`, 2 `-*atom`, 3 `-*`).
    packages: Vec<(u8, usize)>,
}

fn node() -> impl Strategy<Value = NodeSpec> {
    (
        (
            prop::sample::select(vec![5u8, 7, 9]),
            prop::collection::vec(0usize..8, 0..3),
            prop::collection::vec(md(), 0..3),
        ),
        (flags(), flags(), flags(), flags(), flags()),
        (table(), table(), table(), table(), table(), table()),
        (
            prop::collection::vec((prop::bool::weighted(0.3), atom()), 0..2),
            prop::collection::vec(atom(), 0..2),
            prop::collection::vec((atom(), prop::collection::vec(0usize..4, 0..2)), 0..2),
            prop::collection::vec((0u8..4, 0usize..3), 0..3),
        ),
    )
        .prop_map(|((eapi, parents, md), f, t, (pm, pu, ak, pk))| NodeSpec {
            eapi,
            parents,
            md,
            use_force: f.0,
            use_mask: f.1,
            use_stable_force: f.2,
            use_stable_mask: f.3,
            use_stable: f.4,
            package_use: t.0,
            package_use_stable: t.1,
            package_use_force: t.2,
            package_use_mask: t.3,
            package_use_stable_force: t.4,
            package_use_stable_mask: t.5,
            package_mask: pm,
            package_unmask: pu,
            accept_keywords: ak,
            packages: pk,
        })
}

#[derive(Clone, Debug)]
struct PkgSpec {
    pkg: usize,
    ver: Ver,
    slot: usize,
    eapi: usize,
    keywords: Vec<usize>,
    /// (default: 0 none, 1 `+`, 2 `-`; flag)
    iuse: Vec<(u8, usize)>,
    license: usize,
    /// A conditional on a flag outside IUSE (Portage's `invalid` mask).
    stray: bool,
}

fn pkg() -> impl Strategy<Value = PkgSpec> {
    (
        0usize..3,
        ver(),
        0usize..3,
        0usize..5,
        prop::collection::vec(0usize..KEYWORDS.len(), 0..3),
        prop::collection::vec((0u8..3, 0usize..FLAGS.len()), 0..4),
        0usize..LICENSES.len(),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(pkg, ver, slot, eapi, keywords, iuse, license, stray)| PkgSpec {
                pkg,
                ver,
                slot,
                eapi,
                keywords,
                iuse,
                license,
                stray,
            },
        )
}

#[derive(Clone, Debug)]
struct RepoSpec {
    nodes: Vec<NodeSpec>,
    pkgs: Vec<PkgSpec>,
    repo_mask: Vec<AtomSpec>,
}

fn repo() -> impl Strategy<Value = RepoSpec> {
    (
        prop::collection::vec(node(), 1..5),
        prop::collection::vec(pkg(), 1..6),
        prop::collection::vec(atom(), 0..2),
    )
        .prop_map(|(nodes, pkgs, repo_mask)| RepoSpec {
            nodes,
            pkgs,
            repo_mask,
        })
}

/// What the root node always sets, so that every generated profile has an
/// arch, USE_EXPAND and implicit flags to work with.
const BASE: &str = "ARCH=\"amd64\"\nACCEPT_KEYWORDS=\"amd64\"\nUSE_EXPAND=\"VIDEO_CARDS\"\n\
USE_EXPAND_UNPREFIXED=\"ARCH\"\nUSE_EXPAND_HIDDEN=\"VIDEO_CARDS\"\n\
USE_EXPAND_IMPLICIT=\"ARCH VIDEO_CARDS\"\nUSE_EXPAND_VALUES_ARCH=\"amd64 x86\"\n\
USE_EXPAND_VALUES_VIDEO_CARDS=\"x y\"\nIUSE_IMPLICIT=\"prefix\"\nACCEPT_LICENSE=\"* -@EULA\"\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn lines<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(|x| f(x) + "\n").collect()
}

fn table_text(t: &Table) -> String {
    lines(t, |(a, toks)| {
        let words: Vec<String> = toks.iter().map(flag_text).collect();
        format!("{} {}", a.text(), words.join(" "))
    })
}

/// Writes the repository under a fresh folder; returns it and the profile
/// names (`test:nK`). `empty_parent`: (node, position) where an extra
/// parent `../empty`, an empty directory, is inserted.
fn write_repo(spec: &RepoSpec, empty_parent: Option<(usize, usize)>) -> (PathBuf, Vec<String>) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "portolan-refprop-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    let repo = root.join("test");
    write(&repo.join("profiles/repo_name"), "test\n");
    write(
        &repo.join("metadata/layout.conf"),
        "masters =\nprofile-formats = portage-2\n",
    );
    write(&repo.join("profiles/license_groups"), "EULA bad\n");
    write(
        &repo.join("profiles/package.mask"),
        &lines(&spec.repo_mask, AtomSpec::text),
    );
    std::fs::create_dir_all(repo.join("profiles/empty")).unwrap();
    let mut names = Vec::new();
    for (i, n) in spec.nodes.iter().enumerate() {
        let dir = repo.join(format!("profiles/n{i}"));
        write(&dir.join("eapi"), &format!("{}\n", n.eapi));
        let mut parents: Vec<String> = if i == 0 {
            Vec::new()
        } else {
            n.parents.iter().map(|p| format!("../n{}", p % i)).collect()
        };
        if let Some((node, pos)) = empty_parent {
            if node == i {
                parents.insert(pos.min(parents.len()), "../empty".to_owned());
            }
        }
        if !parents.is_empty() {
            write(&dir.join("parent"), &lines(&parents, |p| p.clone()));
        }
        let mut md = if i == 0 {
            BASE.to_owned()
        } else {
            String::new()
        };
        md.push_str(&lines(&n.md, md_text));
        write(&dir.join("make.defaults"), &md);
        for (name, toks) in [
            ("use.force", &n.use_force),
            ("use.mask", &n.use_mask),
            ("use.stable.force", &n.use_stable_force),
            ("use.stable.mask", &n.use_stable_mask),
            ("use.stable", &n.use_stable),
        ] {
            if !toks.is_empty() && (name != "use.stable" || n.eapi >= 9) {
                write(&dir.join(name), &lines(toks, flag_text));
            }
        }
        for (name, t) in [
            ("package.use", &n.package_use),
            ("package.use.stable", &n.package_use_stable),
            ("package.use.force", &n.package_use_force),
            ("package.use.mask", &n.package_use_mask),
            ("package.use.stable.force", &n.package_use_stable_force),
            ("package.use.stable.mask", &n.package_use_stable_mask),
        ] {
            if !t.is_empty() && (name != "package.use.stable" || n.eapi >= 9) {
                write(&dir.join(name), &table_text(t));
            }
        }
        write(
            &dir.join("package.mask"),
            &lines(&n.package_mask, |(neg, a)| {
                format!("{}{}", if *neg { "-" } else { "" }, a.text())
            }),
        );
        write(
            &dir.join("package.unmask"),
            &lines(&n.package_unmask, AtomSpec::text),
        );
        write(
            &dir.join("package.accept_keywords"),
            &lines(&n.accept_keywords, |(a, k)| {
                let words: Vec<&str> = k.iter().map(|&i| ACCEPT[i]).collect();
                format!("{} {}", a.text(), words.join(" "))
                    .trim()
                    .to_owned()
            }),
        );
        write(
            &dir.join("packages"),
            &lines(&n.packages, |&(k, p)| match k {
                0 => format!("*{}", PACKAGES[p]),
                1 => PACKAGES[p].to_owned(),
                2 => format!("-*{}", PACKAGES[p]),
                _ => "-*".to_owned(),
            }),
        );
        names.push(format!("test:n{i}"));
    }
    for p in &spec.pkgs {
        let (cat, pn) = PACKAGES[p.pkg].split_once('/').unwrap();
        let file = repo.join(format!(
            "metadata/md5-cache/{cat}/{pn}-{}",
            p.ver.text(true)
        ));
        let mut iuse_flags: Vec<&str> = Vec::new();
        let iuse: Vec<String> = p
            .iuse
            .iter()
            .map(|&(d, f)| {
                iuse_flags.push(FLAGS[f]);
                format!("{}{}", ["", "+", "-"][d as usize], FLAGS[f])
            })
            .collect();
        let mut depend = String::from("|| ( app/two lib/three ) !app/two");
        let mut required = String::new();
        if let Some(f) = iuse_flags.first() {
            let _ = write!(
                depend,
                " {f}? ( app/one ) !{f}? ( >=lib/three-1:0 ) app/one[{f}?]"
            );
        }
        if iuse_flags.len() >= 2 {
            required = format!("|| ( {} {} )", iuse_flags[0], iuse_flags[1]);
        }
        if p.stray {
            depend.push_str(" stray? ( app/two )");
        }
        let mut s = String::new();
        let _ = writeln!(s, "EAPI={}", ["5", "6", "7", "8", "99"][p.eapi]);
        let _ = writeln!(s, "SLOT={}", ["0", "1", "0/2"][p.slot]);
        let kws: Vec<&str> = p.keywords.iter().map(|&k| KEYWORDS[k]).collect();
        let _ = writeln!(s, "KEYWORDS={}", kws.join(" "));
        let _ = writeln!(s, "IUSE={}", iuse.join(" "));
        let _ = writeln!(s, "LICENSE={}", LICENSES[p.license]);
        let _ = writeln!(s, "DEPEND={depend}");
        let _ = writeln!(s, "RDEPEND={depend}");
        let _ = writeln!(s, "REQUIRED_USE={required}");
        let _ = writeln!(s, "_md5_=0");
        write(&file, &s);
    }
    write(
        &root.join("repos.conf"),
        "[DEFAULT]\nmain-repo = test\n\n[test]\nlocation = test\n",
    );
    (root, names)
}

fn normalized(mut r: RefState) -> RefState {
    r.enabled.sort();
    r.iuse_effective.sort();
    r.keywords.sort();
    r.accepted.sort();
    r
}

fn atoms<'a>(v: impl IntoIterator<Item = &'a (FastAtom, Loc)>) -> Vec<String> {
    v.into_iter().map(|(a, _)| a.to_string()).collect()
}

/// Everything the fast path answers for every profile of the tree at
/// `root`, as comparable text: per profile the variables, USE, masks, sets,
/// then per version its state.
type Answers = Vec<(String, Vec<String>)>;

fn fast_answers(root: &Path, names: &[String]) -> Answers {
    let repos = RepoSet::from_repos_conf(&root.join("repos.conf")).unwrap();
    let mut tree = Tree::load(repos).unwrap();
    let profiles: Vec<_> = names.iter().map(|n| tree.profile(n).unwrap()).collect();
    let tree = &tree;
    // The matrix (one evaluation per group of agreeing profiles) must give
    // each pair's own answer; a difference shows in the compared lines.
    let evaluators = Evaluator::all(tree, &profiles);
    let versions: Vec<_> = tree.packages.packages.iter().collect();
    let facts = VersionFacts::new(tree);
    let matrix = Matrix::new(&evaluators, &versions, &facts);
    let mut out = Vec::new();
    for (k, (name, p)) in names.iter().zip(&profiles).enumerate() {
        let mut lines = vec![
            format!(
                "vars {:?}",
                p.vars()
                    .iter()
                    .map(|(k, v)| (k, &v.value))
                    .collect::<Vec<_>>()
            ),
            format!("use {:?}", strs(&p.global_use())),
            format!("package.mask {:?}", atoms(&p.package_mask)),
            format!("package.unmask {:?}", atoms(&p.package_unmask)),
            format!("system {:?}", atoms(&p.system)),
            format!("profile {:?}", atoms(&p.profile_set)),
        ];
        let ev = &evaluators[k];
        for (i, pkg) in versions.iter().enumerate() {
            let state = ev.evaluate(pkg);
            let full = Answer::of(pkg, &state);
            let from_matrix = matrix.answer(k, i);
            let mut line = format!("{} {:?}", pkg.cpv(), fast_state(&state));
            if from_matrix != &full {
                let _ = write!(
                    line,
                    " (matrix answer differs: {from_matrix:?} vs {full:?})"
                );
            }
            lines.push(line);
        }
        lines[6..].sort();
        out.push((name.clone(), lines));
    }
    out
}

fn ref_answers(root: &Path, names: &[String]) -> Answers {
    let repos = RepoSet::from_repos_conf(&root.join("repos.conf")).unwrap();
    let refs = RefRepo::from_repo_set(&repos);
    let mut files: Vec<PathBuf> = Vec::new();
    let md5 = root.join("test/metadata/md5-cache");
    for cat in std::fs::read_dir(&md5).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(cat.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            files.push(f.path());
        }
    }
    let pkgs: Vec<RefPackage> = files
        .iter()
        .filter_map(|f| RefPackage::read("test", f))
        .collect();
    let mut out = Vec::new();
    for name in names {
        let (repo, path) = name.split_once(':').unwrap();
        let p = RefProfile::load(&refs, repo, path).unwrap();
        let mut lines = vec![
            format!("vars {:?}", p.vars.iter().collect::<Vec<_>>()),
            format!("use {:?}", p.global_use()),
            format!("package.mask {:?}", p.package_mask),
            format!("package.unmask {:?}", p.package_unmask),
            format!("system {:?}", p.system),
            format!("profile {:?}", p.profile_set),
        ];
        for pkg in &pkgs {
            lines.push(format!("{} {:?}", pkg.cpv(), normalized(p.evaluate(pkg))));
        }
        lines[6..].sort();
        out.push((name.clone(), lines));
    }
    out
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

/// The first differing line of two answer sets, if any.
fn first_difference(a: &Answers, b: &Answers) -> Option<String> {
    for ((name, la), (_, lb)) in a.iter().zip(b) {
        if la.len() != lb.len() {
            return Some(format!("{name}: {} vs {} lines", la.len(), lb.len()));
        }
        for (x, y) in la.iter().zip(lb) {
            if x != y {
                return Some(format!("{name}:\n fast {x}\n  ref {y}"));
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn fast_path_equals_reference(spec in repo()) {
        let (root, names) = write_repo(&spec, None);
        let fast = fast_answers(&root, &names);
        let slow = ref_answers(&root, &names);
        let diff = first_difference(&fast, &slow);
        if diff.is_none() || std::env::var_os("REFPROP_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&root);
        }
        if let Some(d) = diff {
            prop_assert!(false, "{} (tree: {})", d, root.display());
        }
    }

    #[test]
    fn an_empty_parent_changes_nothing(spec in repo(), node in 0usize..8, pos in 0usize..4) {
        let node = node % spec.nodes.len();
        let (root, names) = write_repo(&spec, None);
        let before = fast_answers(&root, &names);
        let _ = std::fs::remove_dir_all(&root);
        let (root, names) = write_repo(&spec, Some((node, pos)));
        let after = fast_answers(&root, &names);
        let _ = std::fs::remove_dir_all(&root);
        if let Some(d) = first_difference(&before, &after) {
            prop_assert!(false, "{}", d);
        }
    }
}
