//! The binary cache never serves a stale or corrupt answer: loads through a
//! warm cache equal loads that read every file, after random edits of the
//! repository (proptest), after edits forged to keep size and mtime inside
//! the racy window, and after the cache file is damaged.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use portolan_engine::cache::nodes::NodeStats;
use portolan_engine::cache::{self, CacheOptions, CacheStats};
use portolan_engine::profile::node::ProfileNode;
use portolan_engine::repo::{RepoId, RepoSet};
use portolan_engine::source::Warning;
use proptest::prelude::*;

/// A fresh scratch folder.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "portolan-cache-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

const CATS: [&str; 3] = ["app-misc", "dev-libs", "sys-apps"];
const NAMES: [&str; 4] = ["foo-1", "foo-2.1", "bar-0.5-r1", "baz-3"];
const KEYWORDS: [&str; 4] = ["amd64 ~arm64", "~amd64", "arm64 -x86", "amd64 arm64 ~x86"];
const IUSE: [&str; 4] = ["+ssl", "doc test", "-static +ipv6", ""];

/// RDEPEND variants: a conditional on a flag the IUSE variants may or may
/// not have, flags outside any IUSE (`kernel_linux`, a `[flag?]` USE
/// dependency), and strings Portage refuses (an unclosed group, a
/// slot-operator `:=` with a sub-slot) — what each entry's cached
/// [`Validity`](portolan_engine::package::Validity) is made of.
const RDEPEND: [&str; 4] = [
    "ssl? ( dev-libs/openssl )",
    "kernel_linux? ( sys-apps/util-linux ) dev-libs/bar[doc?]",
    "|| ( dev-libs/bar",
    "dev-libs/bar:0/1=",
];

fn entry_text(keywords: &str, iuse: &str) -> String {
    format!(
        "EAPI=8\nSLOT=0\nKEYWORDS={keywords}\nIUSE={iuse}\nLICENSE=MIT\nRDEPEND={}\n_md5_=0123\n",
        RDEPEND[0]
    )
}

/// The profiles every load stacks.
const PROFILES: [&str; 3] = ["base", "base/child", "other"];

/// A small repository: a few md5-cache entries, a package.mask and three
/// profiles: `base` (make.defaults, package.mask), `base/child` (a parent
/// file) and `other` (a directory-form package.mask).
fn make_repo(root: &Path) -> PathBuf {
    let r = root.join("r");
    fs::create_dir_all(r.join("profiles/base/child")).unwrap();
    fs::create_dir_all(r.join("profiles/other/package.mask")).unwrap();
    fs::create_dir_all(r.join("metadata")).unwrap();
    fs::write(r.join("profiles/repo_name"), "r\n").unwrap();
    fs::write(
        r.join("metadata/layout.conf"),
        "masters =\nprofile-formats = portage-2\n",
    )
    .unwrap();
    fs::write(r.join("profiles/package.mask"), "app-misc/foo\n").unwrap();
    fs::write(r.join("profiles/base/make.defaults"), "USE=\"ssl\"\n").unwrap();
    fs::write(r.join("profiles/base/package.mask"), ">=dev-libs/bar-1\n").unwrap();
    fs::write(r.join("profiles/base/child/parent"), "..\n").unwrap();
    fs::write(r.join("profiles/base/child/use.mask"), "doc\n").unwrap();
    fs::write(r.join("profiles/other/package.mask/00-a"), "app-misc/foo\n").unwrap();
    for (i, cat) in CATS.iter().enumerate() {
        for (j, name) in NAMES.iter().enumerate().take(2 + i) {
            let dir = r.join("metadata/md5-cache").join(cat);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(name), entry_text(KEYWORDS[j], IUSE[(i + j) % 4])).unwrap();
        }
    }
    r
}

/// Sets the mtime of everything below `dir` one hour back, so that the
/// cache trusts it by stat (outside the racy window).
fn age(dir: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            age(&p);
        }
    }
    let f = File::open(dir).unwrap();
    f.set_modified(old).unwrap();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
    }
    File::open(dir).unwrap().set_modified(old).unwrap();
}

/// What a profile node holds, as text (its atom tables without their
/// hash index, whose order is per process).
fn describe(n: &ProfileNode) -> String {
    format!(
        "{} eapi={} parents={:?}\n make.defaults {:?}\n packages {:?}\n mask {:?}\n unmask {:?}\n use.mask {:?}\n use.force {:?}\n package.use {:?}\n package.use.mask {:?}\n accept_keywords {:?}\n warnings {:?}\n",
        n.name,
        n.eapi,
        n.parents,
        n.make_defaults,
        n.packages,
        n.package_mask,
        n.package_unmask,
        n.use_mask,
        n.use_force,
        n.package_use.entries,
        n.package_use_mask.entries,
        n.package_accept_keywords.entries,
        n.warnings,
    )
}

/// Everything loading decided, as text: every version with its parsed
/// fields and every key of its entry, the repository masks, and every node
/// of every profile in [`PROFILES`].
fn answers(repo: &Path, cache_dir: Option<&Path>) -> (String, Vec<Warning>, CacheStats) {
    let (out, warnings, stats, _) = answers_nodes(repo, cache_dir);
    (out, warnings, stats)
}

/// [`answers`], with what the node cache did.
fn answers_nodes(
    repo: &Path,
    cache_dir: Option<&Path>,
) -> (String, Vec<Warning>, CacheStats, NodeStats) {
    let repos = RepoSet::from_dirs(&[repo.to_path_buf()]).unwrap();
    let mut warnings = Vec::new();
    let opts = CacheOptions {
        dir: cache_dir.map(Path::to_path_buf),
    };
    let (index, stats) = cache::load_packages(&repos, &opts, &mut warnings).unwrap();
    let mut out = String::new();
    for p in &index.packages {
        let e = p.entry();
        let validity = p.validity();
        out.push_str(&format!(
            "{} {:?} slot={} kw={:?} iuse={:?} lic={:?} {validity:?} file={}\n",
            p.cpv(),
            p.eapi,
            p.slot,
            p.keywords,
            p.iuse,
            p.license_names,
            e.path().display()
        ));
        // Whether served by the cache or not, the validity is what the
        // full metadata check of this very entry says.
        let check = p.metadata_check();
        assert_eq!(validity.invalid, !check.problems.is_empty(), "{}", p.cpv());
        let mut outside: Vec<&str> = check
            .own_flags
            .iter()
            .filter(|(f, _)| !p.iuse.iter().any(|(g, _)| g == f))
            .map(|(f, _)| f.as_str())
            .collect();
        outside.sort();
        outside.dedup();
        let served: Vec<&str> = validity.outside_iuse.iter().map(|f| f.as_str()).collect();
        assert_eq!(served, outside, "{}", p.cpv());
        for k in e.keys() {
            out.push_str(&format!("  {k}={:?} at {:?}\n", e.get(k), e.loc_of(k)));
        }
    }
    let mut tree = portolan_engine::tree::Tree::load_cached(repos.clone(), &opts).unwrap();
    for m in &tree.repo_masks {
        out.push_str(&format!("mask {} {}\n", m.atom, m.loc));
    }
    // The node cache's own warnings (the package cache's are in `warnings`
    // already, and load_cached read the package cache a second time).
    warnings.extend(
        tree.warnings
            .iter()
            .filter(|w| w.loc.file.to_string_lossy().ends_with(".nodes.cache"))
            .cloned(),
    );
    // A cached load reads the directories ahead on all threads, as the
    // matrix commands do, so that the comparison with the uncached (serial)
    // load covers both.
    if cache_dir.is_some() {
        let leaves: Vec<_> = PROFILES.iter().map(|p| (RepoId(0), *p)).collect();
        tree.nodes.read_ahead(&tree.repos, &leaves);
    }
    for name in PROFILES {
        match tree.profile(name) {
            Ok(p) => {
                for &id in &p.stack {
                    out.push_str(&describe(tree.nodes.get(id)));
                }
            }
            Err(e) => out.push_str(&format!("{name}: error {e}\n")),
        }
    }
    let mut node_stats = NodeStats::default();
    if let Some(inputs) = tree.nodes.inputs_mut() {
        inputs.flush(&mut warnings);
        node_stats = inputs.stats.clone();
    }
    (out, warnings, stats, node_stats)
}

/// A cached load gives what an uncached one gives, without warnings.
fn same_as_uncached(repo: &Path, cache_dir: &Path) -> CacheStats {
    let (plain, _, _) = answers(repo, None);
    let (cached, warnings, stats) = answers(repo, Some(cache_dir));
    assert_eq!(cached, plain);
    assert!(warnings.is_empty(), "{warnings:?}");
    stats
}

fn cache_file(cache_dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = fs::read_dir(cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cache"))
        .filter(|p| !p.to_string_lossy().ends_with(".nodes.cache"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn warm_cache_reuses_every_entry_and_reparses_only_what_changed() {
    let root = scratch("warm");
    let repo = make_repo(&root);
    age(&repo);
    let cache_dir = root.join("cache");
    let cold = same_as_uncached(&repo, &cache_dir);
    assert_eq!((cold.reused, cold.parsed, cold.written), (0, 9, 1));
    let warm = same_as_uncached(&repo, &cache_dir);
    assert_eq!((warm.reused, warm.parsed, warm.written), (9, 0, 0));
    // Profile directories: base, base/child, other; replayed when warm.
    let (_, _, _, nodes) = answers_nodes(&repo, Some(&cache_dir));
    assert_eq!((nodes.replayed, nodes.recorded, nodes.written), (3, 0, 0));
    // One profile file edited: its directory is read again, the rest not.
    fs::write(repo.join("profiles/base/child/use.mask"), "doc\ntest\n").unwrap();
    let (plain, _, _) = answers(&repo, None);
    let (cached, _, _, nodes) = answers_nodes(&repo, Some(&cache_dir));
    assert_eq!(cached, plain);
    assert!(plain.contains("\"test\""), "{plain}");
    assert_eq!((nodes.replayed, nodes.recorded, nodes.written), (2, 1, 1));
    // One entry edited: that one is parsed again, the rest reused.
    let e = repo.join("metadata/md5-cache/dev-libs/foo-2.1");
    fs::write(&e, entry_text("~x86", "+doc")).unwrap();
    let after = same_as_uncached(&repo, &cache_dir);
    assert_eq!((after.reused, after.parsed, after.written), (8, 1, 1));
    fs::remove_dir_all(&root).unwrap();
}

/// What a warm cache says of each entry's validity follows the entry: an
/// RDEPEND edit that makes it invalid, or names other flags outside IUSE,
/// is seen, and the next load serves the new facts from the cache.
#[test]
fn cached_validity_follows_the_entry() {
    let root = scratch("validity");
    let repo = make_repo(&root);
    age(&repo);
    let cache_dir = root.join("cache");
    same_as_uncached(&repo, &cache_dir);
    let validity_of = |cpv: &str| {
        let repos = RepoSet::from_dirs(std::slice::from_ref(&repo)).unwrap();
        let opts = CacheOptions {
            dir: Some(cache_dir.clone()),
        };
        let mut warnings = Vec::new();
        let (index, stats) = cache::load_packages(&repos, &opts, &mut warnings).unwrap();
        let p = index.find_cpv(cpv)[0];
        let v = p.validity();
        let outside: Vec<&str> = v.outside_iuse.iter().map(|f| f.as_str()).collect();
        (v.invalid, outside, stats.parsed)
    };
    // IUSE of dev-libs/foo-2.1 is "-static +ipv6".
    let e = repo.join("metadata/md5-cache/dev-libs/foo-2.1");
    assert_eq!(validity_of("dev-libs/foo-2.1"), (false, vec!["ssl"], 0));
    let cases = [
        (RDEPEND[2], true, vec![]),
        (RDEPEND[1], false, vec!["doc", "kernel_linux"]),
        (RDEPEND[3], true, vec![]),
        (RDEPEND[0], false, vec!["ssl"]),
    ];
    for (rdepend, invalid, outside) in cases {
        let text = fs::read_to_string(&e).unwrap();
        let line = text.lines().find(|l| l.starts_with("RDEPEND=")).unwrap();
        fs::write(&e, text.replace(line, &format!("RDEPEND={rdepend}"))).unwrap();
        age(&repo);
        assert_eq!(
            validity_of("dev-libs/foo-2.1"),
            (invalid, outside.clone(), 1)
        );
        assert_eq!(validity_of("dev-libs/foo-2.1"), (invalid, outside, 0));
        same_as_uncached(&repo, &cache_dir);
    }
    fs::remove_dir_all(&root).unwrap();
}

/// The racy-git rule: an edit that keeps the size and puts back the mtime
/// the cache recorded is still seen while that mtime is within the
/// granularity window of the cache's write (it is hashed, not trusted).
#[test]
fn racy_same_size_edit_with_restored_mtime_is_seen() {
    let root = scratch("racy");
    let repo = make_repo(&root);
    let cache_dir = root.join("cache");
    same_as_uncached(&repo, &cache_dir);
    let e = repo.join("metadata/md5-cache/app-misc/foo-1");
    let mtime = fs::metadata(&e).unwrap().modified().unwrap();
    let text = fs::read_to_string(&e).unwrap();
    let edited = text.replace("amd64 ~arm64", "arm64 ~amd64");
    assert_eq!(edited.len(), text.len());
    fs::write(&e, edited).unwrap();
    File::options()
        .write(true)
        .open(&e)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let stats = same_as_uncached(&repo, &cache_dir);
    assert_eq!(stats.parsed, 1, "{stats:?}");
    fs::remove_dir_all(&root).unwrap();
}

/// A damaged cache file: one warning naming it, the right answers, and a
/// rebuilt file that the next load uses silently.
#[test]
fn corrupt_cache_files_are_reported_once_and_rebuilt() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 6] = [
        ("truncated", |f| {
            let len = fs::metadata(f).unwrap().len();
            File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_len(len / 2)
                .unwrap();
        }),
        ("flipped", |f| {
            let mut b = fs::read(f).unwrap();
            let mid = b.len() / 2;
            b[mid] ^= 0x20;
            fs::write(f, b).unwrap();
        }),
        ("empty", |f| fs::write(f, b"").unwrap()),
        ("format", |f| {
            let mut b = fs::read(f).unwrap();
            b[8] = b[8].wrapping_add(1);
            fs::write(f, b).unwrap();
        }),
        ("not ours", |f| fs::write(f, vec![7u8; 4096]).unwrap()),
        // What the previous format (without validity facts) wrote.
        ("older format", |f| {
            let mut b = fs::read(f).unwrap();
            b[8..12].copy_from_slice(&(cache::format::FORMAT - 1).to_le_bytes());
            fs::write(f, b).unwrap();
        }),
    ];
    for (what, damage) in damages {
        let root = scratch("corrupt");
        let repo = make_repo(&root);
        age(&repo);
        let cache_dir = root.join("cache");
        let (plain, _, _) = answers(&repo, None);
        answers(&repo, Some(&cache_dir));
        let file = cache_file(&cache_dir);
        damage(&file);
        let repos = RepoSet::from_dirs(std::slice::from_ref(&repo)).unwrap();
        let mut warnings = Vec::new();
        let opts = CacheOptions {
            dir: Some(cache_dir.clone()),
        };
        let (_, stats) = cache::load_packages(&repos, &opts, &mut warnings).unwrap();
        assert_eq!(warnings.len(), 1, "{what}: {warnings:?}");
        assert_eq!(warnings[0].loc.file.as_ref(), file.as_path(), "{what}");
        assert!(
            warnings[0].message.contains("rebuilding"),
            "{what}: {}",
            warnings[0]
        );
        assert_eq!(stats.written, 1, "{what}");
        let (again, warnings, stats) = answers(&repo, Some(&cache_dir));
        assert_eq!(again, plain, "{what}");
        assert!(warnings.is_empty(), "{what}: {warnings:?}");
        assert_eq!(stats.parsed, 0, "{what}: rebuilt file not used");
        fs::remove_dir_all(&root).unwrap();
    }
}

/// A cache file of another portolan version is refused by its header.
#[test]
fn other_version_is_rebuilt() {
    let root = scratch("version");
    let repo = make_repo(&root);
    age(&repo);
    let cache_dir = root.join("cache");
    answers(&repo, Some(&cache_dir));
    let file = cache_file(&cache_dir);
    let location = fs::canonicalize(&repo).unwrap();
    let old = cache::format::RepoCache {
        portolan_version: "0.0.0-old".to_owned(),
        repo_name: "r".to_owned(),
        location: location.as_os_str().as_encoded_bytes().to_vec(),
        written_ns: 0,
        dirs: Vec::new(),
        entries: Vec::new(),
    };
    cache::format::write(&file, &old).unwrap();
    let (_, warnings, stats) = answers(&repo, Some(&cache_dir));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("0.0.0-old"), "{}", warnings[0]);
    assert_eq!(stats.written, 1);
    let stats = same_as_uncached(&repo, &cache_dir);
    assert_eq!(stats.parsed, 0);
    fs::remove_dir_all(&root).unwrap();
}

/// The racy rule for profile files: a same-size edit of package.use with
/// its mtime put back is seen, and so is a file added to a directory-form
/// folder.
#[test]
fn racy_profile_edits_are_seen() {
    let root = scratch("racy-profile");
    let repo = make_repo(&root);
    let cache_dir = root.join("cache");
    let f = repo.join("profiles/base/make.defaults");
    same_as_uncached(&repo, &cache_dir);
    let mtime = fs::metadata(&f).unwrap().modified().unwrap();
    fs::write(&f, "USE=\"lss\"\n").unwrap();
    File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let (plain, _, _) = answers(&repo, None);
    assert!(plain.contains("lss"), "{plain}");
    same_as_uncached(&repo, &cache_dir);
    fs::write(
        repo.join("profiles/other/package.mask/01-b"),
        "dev-libs/bar\n",
    )
    .unwrap();
    let (plain, _, _) = answers(&repo, None);
    assert!(plain.contains("01-b"), "{plain}");
    same_as_uncached(&repo, &cache_dir);
    fs::remove_dir_all(&root).unwrap();
}

/// Loading lists each profile directory once and records the names the
/// listing lacks as absent, without a `stat` each; a file added under one
/// of them (`use.force`, probed and absent) changes the folder's stamp, so
/// the record is not replayed, and removing it again is seen too.
#[test]
fn file_added_under_a_probed_name_is_seen() {
    let root = scratch("added-name");
    let repo = make_repo(&root);
    age(&repo);
    let cache_dir = root.join("cache");
    same_as_uncached(&repo, &cache_dir);
    let (_, _, _, nodes) = answers_nodes(&repo, Some(&cache_dir));
    assert_eq!((nodes.replayed, nodes.recorded), (3, 0));
    let force = repo.join("profiles/base/use.force");
    fs::write(&force, "ipv6\n").unwrap();
    let (plain, _, _) = answers(&repo, None);
    assert!(plain.contains("use.force [Listed"), "{plain}");
    let (cached, warnings, _, nodes) = answers_nodes(&repo, Some(&cache_dir));
    assert_eq!(cached, plain);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(nodes.recorded >= 1, "{nodes:?}");
    fs::remove_file(&force).unwrap();
    let (plain, _, _) = answers(&repo, None);
    assert!(!plain.contains("use.force [Listed"), "{plain}");
    same_as_uncached(&repo, &cache_dir);
    fs::remove_dir_all(&root).unwrap();
}

/// A damaged node cache file: one warning naming it, the right answers,
/// and a rebuilt file the next load replays silently.
#[test]
fn corrupt_node_cache_is_reported_once_and_rebuilt() {
    let root = scratch("corrupt-nodes");
    let repo = make_repo(&root);
    age(&repo);
    let cache_dir = root.join("cache");
    let (plain, _, _) = answers(&repo, None);
    answers(&repo, Some(&cache_dir));
    let file: PathBuf = fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".nodes.cache"))
        .expect("a node cache file");
    let mut b = fs::read(&file).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x20;
    fs::write(&file, b).unwrap();
    let (cached, warnings, _, nodes) = answers_nodes(&repo, Some(&cache_dir));
    assert_eq!(cached, plain);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].loc.file.as_ref(), file.as_path());
    assert!(warnings[0].message.contains("checksum"), "{}", warnings[0]);
    assert_eq!((nodes.replayed, nodes.written), (0, 1));
    let (again, warnings, _, nodes) = answers_nodes(&repo, Some(&cache_dir));
    assert_eq!(again, plain);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!((nodes.replayed, nodes.recorded), (3, 0));
    fs::remove_dir_all(&root).unwrap();
}

/// A cache folder that cannot be created: one warning, right answers.
#[test]
fn unwritable_cache_dir_is_a_warning() {
    let root = scratch("unwritable");
    let repo = make_repo(&root);
    let blocker = root.join("file");
    fs::write(&blocker, "not a folder").unwrap();
    let (plain, _, _) = answers(&repo, None);
    let (cached, warnings, _) = answers(&repo, Some(&blocker.join("cache")));
    assert_eq!(cached, plain);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("cannot write"),
        "{}",
        warnings[0]
    );
    fs::remove_dir_all(&root).unwrap();
}

#[derive(Clone, Debug)]
enum Mutation {
    Keywords(usize, usize),
    Iuse(usize, usize),
    /// Set RDEPEND of entry `e` to [`RDEPEND`]`[k]`.
    Rdepend(usize, usize),
    /// Swap two letters of KEYWORDS: same size, new mtime.
    SameSize(usize),
    Add(usize, usize),
    Remove(usize),
    PackageMask(usize),
    MakeDefaults(usize),
    RemoveProfileFile,
    /// Write variant `v` of profile file `f` (see [`PROFILE_FILES`]); a
    /// variant may add, drop or change lines, or remove the file.
    ProfileFile(usize, usize),
    /// Write (or with variant 3 remove) file `i` in the directory-form
    /// `other/package.mask/`.
    DirFormFile(usize, usize),
    /// Age everything again (so the next edits are seen by stat alone).
    Age,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..16usize, 0..4usize).prop_map(|(e, k)| Mutation::Keywords(e, k)),
        (0..16usize, 0..4usize).prop_map(|(e, k)| Mutation::Iuse(e, k)),
        (0..16usize, 0..4usize).prop_map(|(e, k)| Mutation::Rdepend(e, k)),
        (0..16usize).prop_map(Mutation::SameSize),
        (0..3usize, 0..4usize).prop_map(|(c, n)| Mutation::Add(c, n)),
        (0..16usize).prop_map(Mutation::Remove),
        (0..4usize).prop_map(Mutation::PackageMask),
        (0..4usize).prop_map(Mutation::MakeDefaults),
        Just(Mutation::RemoveProfileFile),
        (0..PROFILE_FILES.len(), 0..4usize).prop_map(|(f, v)| Mutation::ProfileFile(f, v)),
        (0..3usize, 0..4usize).prop_map(|(i, v)| Mutation::DirFormFile(i, v)),
        Just(Mutation::Age),
    ]
}

/// Profile files the proptest rewrites: (path below `profiles/`, variants;
/// `None` removes the file). `use.force` and `base/packages` do not exist
/// at first, so writing them adds a file where none was.
#[allow(clippy::type_complexity)]
const PROFILE_FILES: [(&str, [Option<&str>; 4]); 6] = [
    (
        "base/package.use",
        [
            Some("app-misc/foo ssl\n"),
            Some("app-misc/foo ssl\ndev-libs/bar doc\n"),
            Some("app-misc/foo -ssl\n"),
            None,
        ],
    ),
    (
        "base/child/use.mask",
        [Some("doc\n"), Some("doc\n-ssl\n"), Some("ipv6\n"), None],
    ),
    (
        "base/child/parent",
        [
            Some("..\n"),
            Some("../../other\n..\n"),
            Some("..\n../../other\n"),
            Some("../../other\n"),
        ],
    ),
    (
        "other/make.defaults",
        [
            Some("USE=\"doc\"\n"),
            Some("USE=\"doc\"\nARCH=\"amd64\"\n"),
            Some("USE=\"-doc ${USE} test\"\n"),
            None,
        ],
    ),
    (
        "base/packages",
        [
            Some("*sys-apps/baz\n"),
            Some("*sys-apps/baz\n*app-misc/foo\n"),
            Some("-*sys-apps/baz\n"),
            None,
        ],
    ),
    (
        "other/use.force",
        [Some("ssl\n"), Some("ssl\nipv6\n"), Some("-ssl\n"), None],
    ),
];

fn entries(repo: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for cat in CATS {
        if let Ok(rd) = fs::read_dir(repo.join("metadata/md5-cache").join(cat)) {
            out.extend(rd.map(|e| e.unwrap().path()));
        }
    }
    out.sort();
    out
}

fn apply(repo: &Path, m: &Mutation) {
    let pick = |i: usize| {
        let all = entries(repo);
        (!all.is_empty()).then(|| all[i % all.len()].clone())
    };
    let set_line = |path: &Path, key: &str, value: &str| {
        let text = fs::read_to_string(path).unwrap();
        let out: String = text
            .lines()
            .map(|l| match l.split_once('=') {
                Some((k, _)) if k == key => format!("{key}={value}\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        fs::write(path, out).unwrap();
    };
    match *m {
        Mutation::Keywords(e, k) => {
            if let Some(p) = pick(e) {
                set_line(&p, "KEYWORDS", KEYWORDS[k]);
            }
        }
        Mutation::Iuse(e, k) => {
            if let Some(p) = pick(e) {
                set_line(&p, "IUSE", IUSE[k]);
            }
        }
        Mutation::Rdepend(e, k) => {
            if let Some(p) = pick(e) {
                set_line(&p, "RDEPEND", RDEPEND[k]);
            }
        }
        Mutation::SameSize(e) => {
            if let Some(p) = pick(e) {
                let text = fs::read_to_string(&p).unwrap();
                let swapped = if text.contains("amd64") {
                    text.replacen("amd64", "amd46", 1)
                } else {
                    text.replacen("SLOT=0", "SLOT=1", 1)
                };
                assert_eq!(swapped.len(), text.len());
                fs::write(&p, swapped).unwrap();
            }
        }
        Mutation::Add(c, n) => {
            let dir = repo.join("metadata/md5-cache").join(CATS[c]);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(NAMES[n]), entry_text(KEYWORDS[n], IUSE[c])).unwrap();
        }
        Mutation::Remove(e) => {
            if let Some(p) = pick(e) {
                fs::remove_file(p).unwrap();
            }
        }
        Mutation::PackageMask(i) => {
            let lines = [
                "app-misc/foo",
                "-app-misc/foo",
                "<sys-apps/baz-3",
                "dev-libs/bar",
            ];
            fs::write(
                repo.join("profiles/base/package.mask"),
                format!("{}\n", lines[i]),
            )
            .unwrap();
        }
        Mutation::MakeDefaults(i) => {
            let flags = ["ssl", "-ssl doc", "ipv6", ""];
            fs::write(
                repo.join("profiles/base/make.defaults"),
                format!("USE=\"{}\"\n", flags[i]),
            )
            .unwrap();
        }
        Mutation::RemoveProfileFile => {
            let _ = fs::remove_file(repo.join("profiles/base/package.mask"));
        }
        Mutation::ProfileFile(f, v) => {
            let (rel, variants) = PROFILE_FILES[f];
            let path = repo.join("profiles").join(rel);
            match variants[v] {
                Some(text) => fs::write(path, text).unwrap(),
                None => {
                    let _ = fs::remove_file(path);
                }
            }
        }
        Mutation::DirFormFile(i, v) => {
            let path = repo.join(format!("profiles/other/package.mask/{i:02}-f"));
            let lines = [
                "app-misc/foo\n",
                "dev-libs/bar\n-app-misc/foo\n",
                "<sys-apps/baz-3\n",
            ];
            match lines.get(v) {
                Some(text) => fs::write(path, text).unwrap(),
                None => {
                    let _ = fs::remove_file(path);
                }
            }
        }
        Mutation::Age => age(repo),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// After every mutation the cached load equals the uncached one, and
    /// the cache is rewritten and used again by the next step.
    #[test]
    fn mutations_are_never_served_stale(muts in prop::collection::vec(mutation(), 1..6)) {
        let root = scratch("prop");
        let repo = make_repo(&root);
        age(&repo);
        let cache_dir = root.join("cache");
        same_as_uncached(&repo, &cache_dir);
        for m in &muts {
            apply(&repo, m);
            let (plain, _, _) = answers(&repo, None);
            let (cached, warnings, _) = answers(&repo, Some(&cache_dir));
            prop_assert_eq!(&cached, &plain, "after {:?}", m);
            prop_assert!(warnings.is_empty(), "{:?}", warnings);
            // Once more, every entry now served by the file just written.
            let (again, warnings, _) = answers(&repo, Some(&cache_dir));
            prop_assert_eq!(&again, &plain, "after {:?}, warm", m);
            prop_assert!(warnings.is_empty(), "{:?}", warnings);
        }
        fs::remove_dir_all(&root).unwrap();
    }
}
