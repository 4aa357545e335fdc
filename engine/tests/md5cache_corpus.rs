//! md5-cache reading against the real corpus and small corrupt fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use portolan_engine::fs::Fs;
use portolan_engine::md5cache::{scan, CacheEntry, IuseFlag};

fn real() -> PathBuf {
    let p = std::env::var_os("PORTOLAN_REAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/corpus/real"));
    assert!(
        p.join("gentoo").is_dir(),
        "real corpus not found at {} (set PORTOLAN_REAL_CORPUS)",
        p.display()
    );
    p
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/md5cache")
}

#[test]
fn every_real_entry_parses() {
    let root = real();
    let mut total = 0;
    let mut key_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut eapis: BTreeMap<String, usize> = BTreeMap::new();
    for (repo, entries, categories) in [
        ("gentoo", 1747, 56),
        ("genpack-overlay", 45, 19),
        ("coreos-overlay", 110, 19),
    ] {
        let files = scan(&Fs::os(), &root.join(repo)).unwrap();
        assert_eq!(files.len(), entries, "{repo}");
        let mut cats: Vec<&str> = files.iter().map(|f| f.category.as_str()).collect();
        cats.dedup();
        assert_eq!(cats.len(), categories, "{repo}");
        // Sorted by (category, PF).
        assert!(files
            .windows(2)
            .all(|w| (&w[0].category, &w[0].pf) < (&w[1].category, &w[1].pf)));
        for f in &files {
            let e = CacheEntry::read(&Fs::os(), &f.path).unwrap_or_else(|e| panic!("{e}"));
            for k in e.keys() {
                *key_counts.entry(k.to_owned()).or_default() += 1;
            }
            *eapis.entry(e.eapi().to_owned()).or_default() += 1;
            assert_eq!(e.md5().len(), 32, "{}", f.path.display());
            assert!(e.slot().is_some(), "{}", f.path.display());
            e.eclasses().unwrap_or_else(|e| panic!("{e}"));
            total += 1;
        }
    }
    assert_eq!(total, 1902);
    // Key counts of spec §5.2.
    for (key, n) in [
        ("_md5_", 1902),
        ("SLOT", 1902),
        ("EAPI", 1902),
        ("DESCRIPTION", 1902),
        ("DEFINED_PHASES", 1902),
        ("KEYWORDS", 1627),
        ("IUSE", 1573),
        ("BDEPEND", 1573),
        ("RDEPEND", 1555),
        ("DEPEND", 1130),
        ("REQUIRED_USE", 650),
        ("PDEPEND", 273),
        ("PROPERTIES", 218),
        ("IDEPEND", 70),
    ] {
        assert_eq!(key_counts.get(key).copied(), Some(n), "{key}");
    }
    assert_eq!(eapis.get("7"), Some(&134));
    assert_eq!(eapis.get("8"), Some(&1768));
    assert_eq!(eapis.len(), 2);
}

#[test]
fn systemd_in_gentoo() {
    let root = real().join("gentoo");
    let files = scan(&Fs::os(), &root).unwrap();
    let pfs: Vec<&str> = files
        .iter()
        .filter(|f| f.category == "sys-apps" && f.pf.starts_with("systemd-"))
        .filter(|f| f.pf[8..].starts_with(|c: char| c.is_ascii_digit()))
        .map(|f| f.pf.as_str())
        .collect();
    assert_eq!(
        pfs,
        [
            "systemd-259.4-r2",
            "systemd-260.1-r2",
            "systemd-260.2-r1",
            "systemd-261-r1",
            "systemd-261.1",
            "systemd-9999"
        ]
    );

    let e = CacheEntry::read(
        &Fs::os(),
        &root.join("metadata/md5-cache/sys-apps/systemd-261.1"),
    )
    .unwrap();
    assert_eq!(e.eapi(), "8");
    assert_eq!(e.get("SLOT"), Some("0/2"));
    assert_eq!(e.slot(), Some(("0", "2")));
    assert_eq!(e.md5(), "56e679448622951db1f02dcc6979592a");
    let iuse: Vec<IuseFlag> = e.iuse().collect();
    assert_eq!(iuse.len(), 52);
    assert_eq!(
        iuse[..3],
        [
            IuseFlag {
                name: "acl",
                default: None
            },
            IuseFlag {
                name: "apparmor",
                default: None
            },
            IuseFlag {
                name: "audit",
                default: None
            },
        ]
    );
    let find = |n: &str| iuse.iter().find(|f| f.name == n).map(|f| f.default);
    assert_eq!(find("dns-over-tls"), Some(Some(true)));
    assert_eq!(find("gcrypt"), Some(Some(true)));
    assert_eq!(find("zstd"), Some(Some(true)));
    assert_eq!(find("vanilla"), Some(None));
    assert_eq!(find("python_single_target_python3_12"), Some(None));
    assert_eq!(iuse.last().unwrap().name, "secureboot");

    let kw: Vec<&str> = e.keywords().collect();
    assert_eq!(kw.len(), 14);
    assert!(kw.iter().all(|k| k.starts_with('~')));
    assert!(kw.contains(&"~amd64"));
    assert!(e.required_use().starts_with(
        "^^ ( python_single_target_python3_12 python_single_target_python3_13 python_single_target_python3_14 )"
    ));
    assert!(e
        .depend()
        .starts_with(">=sys-apps/util-linux-2.37 acl? ( sys-apps/acl )"));
    assert!(e
        .rdepend()
        .ends_with("!sys-auth/nss-myhostname !sys-fs/eudev !sys-fs/udev"));
    assert!(e
        .pdepend()
        .starts_with(">=sys-apps/dbus-1.9.8[systemd] >=sys-fs/udev-init-scripts-34"));
    assert!(e
        .bdepend()
        .starts_with("app-arch/xz-utils:0 dev-util/gperf"));
    assert_eq!(e.idepend(), "");
    assert_eq!(e.license(), "GPL-2 LGPL-2.1 MIT public-domain");
    assert_eq!(e.restrict(), "!test? ( test )");
    assert_eq!(e.properties(), "");
    let inherit: Vec<&str> = e.inherit().collect();
    assert_eq!(inherit.len(), 12);
    assert_eq!(inherit[0], "branding");
    assert!(inherit.contains(&"meson-multilib"));
    let ecl = e.eclasses().unwrap();
    assert_eq!(ecl.len(), 24);
    assert_eq!(ecl[0], ("branding", "7bcece3faa73dd0fc3e597013510d53a"));
    assert_eq!(ecl[23], ("udev", "1a23882bb73bc31c64a6f00a5e515f34"));
    assert_eq!(
        e.get("SRC_URI"),
        Some("https://github.com/systemd/systemd/archive/refs/tags/v261.1.tar.gz -> systemd-261.1.tar.gz")
    );
    assert_eq!(
        e.loc_of("SLOT").unwrap().to_string(),
        format!(
            "{}:15",
            root.join("metadata/md5-cache/sys-apps/systemd-261.1")
                .display()
        )
    );
}

#[test]
fn values_with_equals_signs_and_freethreading_slot() {
    let freethreading = scan(&Fs::os(), &real().join("gentoo"))
        .unwrap()
        .into_iter()
        .filter(|f| f.category == "dev-lang")
        .filter(|f| f.pf.starts_with("python-0.3.13."))
        .collect::<Vec<_>>();
    assert!(!freethreading.is_empty());
    for f in freethreading {
        let e = CacheEntry::read(&Fs::os(), &f.path).unwrap();
        assert_eq!(e.slot(), Some(("3.13t", "3.13t")), "{}", f.pf);
    }
    // A USE dependency with `=` inside a value: split at the first `=` only.
    let vim = real().join("gentoo/metadata/md5-cache/app-editors/vim-9.1.1652-r2");
    let e = CacheEntry::read(&Fs::os(), &vim).unwrap();
    assert!(e.rdepend().contains(
        ">=dev-lang/perl-5.38.2-r3[perl_features_debug=,perl_features_ithreads=,perl_features_quadmath=]"
    ));
    assert_eq!(e.loc_of("RDEPEND").map(|l| l.line), Some(12));
}

#[test]
fn scan_skips_hidden_and_nested() {
    let files = scan(&Fs::os(), &fixtures()).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| format!("{}/{}", f.category, f.pf))
        .collect();
    assert_eq!(
        names,
        [
            "cat-a/good-1",
            "cat-a/noequals-1",
            "cat-a/nomd5-1",
            "cat-a/truncated-1",
            "cat-b/badutf8-1"
        ]
    );
    assert!(scan(&Fs::os(), Path::new("/nonexistent/repo"))
        .unwrap()
        .is_empty());
}

#[test]
fn corrupt_fixtures() {
    let dir = fixtures().join("metadata/md5-cache");
    let err = |p: &str| {
        CacheEntry::read(&Fs::os(), &dir.join(p))
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let d = dir.display();
    assert!(CacheEntry::read(&Fs::os(), &dir.join("cat-a/good-1")).is_ok());
    assert_eq!(
        err("cat-a/truncated-1"),
        format!("{d}/cat-a/truncated-1:4: truncated md5-cache entry (no final newline)")
    );
    assert_eq!(
        err("cat-a/nomd5-1"),
        format!("{d}/cat-a/nomd5-1:3: truncated md5-cache entry (ends without an _md5_ key)")
    );
    assert_eq!(
        err("cat-a/noequals-1"),
        format!("{d}/cat-a/noequals-1:3: line without '=' in md5-cache entry")
    );
    assert_eq!(
        err("cat-b/badutf8-1"),
        format!("{d}/cat-b/badutf8-1:3: not valid UTF-8")
    );
    assert!(err("cat-b/missing-1").starts_with(&format!("cannot read {d}/cat-b/missing-1")));
}
