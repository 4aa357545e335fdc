//! `diff` and `bisect` on a small repository whose git history holds one
//! commit of each kind that breaks @system (a mask of a needed package, a
//! keyword dropped for one arch, a forced USE flag that breaks a USE
//! dependency) between unrelated commits and their fixes.
//!
//! The repository lives in a folder of the git work tree (not at its root),
//! and one profile's `parent` is a symbolic link in git, so both are read
//! through the object database as a checkout would show them.

mod common;
#[path = "common/git.rs"]
mod git;

use std::path::{Path, PathBuf};

use common::{json_lines, portolan, Run};
use git::{commit, git, md5_entry, scratch};
use serde_json::Value;

/// The history, oldest first.
struct Hist {
    dir: PathBuf,
    conf: PathBuf,
    /// `overlay/` inside the work tree, canonical.
    repo: PathBuf,
    initial: String,
    unrelated1: String,
    mask: String,
    unrelated2: String,
    unmask: String,
    drop_keyword: String,
    unrelated3: String,
    restore_keyword: String,
    force: String,
    unrelated4: String,
}

fn lib(keywords: &str) -> String {
    md5_entry(&[
        "EAPI=8",
        "IUSE=ssl",
        &format!("KEYWORDS={keywords}"),
        "SLOT=0",
    ])
}

fn tool(keywords: &str) -> String {
    md5_entry(&[
        "EAPI=8",
        &format!("KEYWORDS={keywords}"),
        "RDEPEND=dev-libs/lib[-ssl]",
        "SLOT=0",
    ])
}

fn build() -> Hist {
    let dir = scratch("history-small");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(
        dir.join("repos.conf"),
        "[DEFAULT]\nmain-repo = hist\n\n[hist]\nlocation = work/overlay\n",
    )
    .unwrap();
    let base = md5_entry(&[
        "EAPI=8",
        "KEYWORDS=amd64 arm64",
        "RDEPEND=dev-libs/lib app-misc/tool",
        "SLOT=0",
    ]);
    let (lib_both, tool_both) = (lib("amd64 arm64"), tool("amd64 arm64"));
    let initial = commit(
        &work,
        "initial tree",
        &[
            ("README", Some("history test\n")),
            (
                "overlay/metadata/layout.conf",
                Some("repo-name = hist\nmasters =\nprofile-formats = portage-2\n"),
            ),
            ("overlay/profiles/repo_name", Some("hist\n")),
            (
                "overlay/profiles/categories",
                Some("app-misc\ndev-libs\nsys-apps\n"),
            ),
            (
                "overlay/profiles/profiles.desc",
                Some("amd64\thist/amd64\tstable\narm64\thist/arm64\tstable\n"),
            ),
            (
                "overlay/profiles/hist/base/make.defaults",
                Some("USE=\"\"\n"),
            ),
            (
                "overlay/profiles/hist/base/packages",
                Some("*sys-apps/base\n"),
            ),
            ("overlay/profiles/hist/amd64/parent", Some("../base\n")),
            (
                "overlay/profiles/hist/amd64/make.defaults",
                Some("ARCH=\"amd64\"\nACCEPT_KEYWORDS=\"amd64\"\n"),
            ),
            (
                "overlay/profiles/hist/arm64/make.defaults",
                Some("ARCH=\"arm64\"\nACCEPT_KEYWORDS=\"arm64\"\n"),
            ),
            (
                "overlay/profiles/package.mask",
                Some("# Repository-wide masks.\n"),
            ),
            ("overlay/metadata/md5-cache/sys-apps/base-1", Some(&base)),
            ("overlay/metadata/md5-cache/dev-libs/lib-1", Some(&lib_both)),
            (
                "overlay/metadata/md5-cache/app-misc/tool-1",
                Some(&tool_both),
            ),
        ],
    );
    // arm64's parent file is a symbolic link to amd64's, in git.
    std::os::unix::fs::symlink(
        "../amd64/parent",
        work.join("overlay/profiles/hist/arm64/parent"),
    )
    .unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "--amend", "--no-edit"]);
    assert!(!initial.is_empty());
    let initial = git(&work, &["rev-parse", "HEAD"]);
    let other = md5_entry(&["EAPI=8", "KEYWORDS=amd64", "SLOT=0"]);
    let unrelated1 = commit(
        &work,
        "app-misc/other: new package",
        &[("overlay/metadata/md5-cache/app-misc/other-1", Some(&other))],
    );
    let mask = commit(
        &work,
        "mask dev-libs/lib for removal",
        &[(
            "overlay/profiles/package.mask",
            Some("# Repository-wide masks.\n\n# Removal in 30 days.\ndev-libs/lib\n"),
        )],
    );
    let unrelated2 = commit(
        &work,
        "README: typo",
        &[("README", Some("History test.\n"))],
    );
    let unmask = commit(
        &work,
        "unmask dev-libs/lib: still needed",
        &[(
            "overlay/profiles/package.mask",
            Some("# Repository-wide masks.\n"),
        )],
    );
    let drop_keyword = commit(
        &work,
        "app-misc/tool: drop arm64",
        &[(
            "overlay/metadata/md5-cache/app-misc/tool-1",
            Some(&tool("amd64")),
        )],
    );
    let unrelated3 = commit(
        &work,
        "app-misc/other: keyword arm64",
        &[(
            "overlay/metadata/md5-cache/app-misc/other-1",
            Some(&md5_entry(&["EAPI=8", "KEYWORDS=amd64 arm64", "SLOT=0"])),
        )],
    );
    let restore_keyword = commit(
        &work,
        "app-misc/tool: arm64 again",
        &[(
            "overlay/metadata/md5-cache/app-misc/tool-1",
            Some(&tool_both),
        )],
    );
    let force = commit(
        &work,
        "force ssl on dev-libs/lib",
        &[(
            "overlay/profiles/hist/base/package.use.force",
            Some("# TLS everywhere.\ndev-libs/lib ssl\n"),
        )],
    );
    let unrelated4 = commit(&work, "empty follow-up", &[]);
    Hist {
        conf: dir.join("repos.conf"),
        repo: work.join("overlay"),
        dir,
        initial,
        unrelated1,
        mask,
        unrelated2,
        unmask,
        drop_keyword,
        unrelated3,
        restore_keyword,
        force,
        unrelated4,
    }
}

impl Drop for Hist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(h: &Hist, args: &[&str]) -> Run {
    let mut all = vec!["--repos-conf", h.conf.to_str().unwrap()];
    all.extend(args);
    portolan(&all)
}

/// `portolan bisect --repo hist --good GOOD --bad BAD EXTRA...`.
fn bisect(h: &Hist, good: &str, bad: &str, extra: &[&str]) -> Run {
    let mut args = vec!["bisect", "--repo", "hist", "--good", good, "--bad", bad];
    args.extend(extra);
    run(h, &args)
}

fn diff_json(h: &Hist, from: &str, to: &str, profiles: &[&str]) -> Vec<Value> {
    let mut args = vec!["diff", "--repo", "hist", from, to, "--format", "json"];
    for p in profiles {
        args.extend(["--profile", p]);
    }
    let r = run(h, &args);
    assert!(r.code == Some(1) || r.code == Some(0), "{}", r.stderr);
    json_lines(&r.stdout)
}

fn at(v: &Value) -> (String, u64) {
    (
        v["file"].as_str().unwrap_or("").to_owned(),
        v["line"].as_u64().unwrap_or(0),
    )
}

fn file(h: &Hist, rel: &str) -> String {
    h.repo.join(rel).display().to_string()
}

fn first_bad(r: &Run) -> &str {
    r.stdout
        .lines()
        .find_map(|l| l.strip_prefix("first bad commit: "))
        .unwrap_or_else(|| panic!("no first bad commit in:\n{}{}", r.stdout, r.stderr))
}

#[test]
fn bisect_finds_each_breaking_commit() {
    let h = build();
    // The mask, among unrelated commits.
    let r = bisect(&h, &h.initial, &h.unmask, &["--all-profiles"]);
    // At the unmask everything installs again: nothing to find.
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    let r = bisect(&h, &h.initial, &h.unrelated2, &["--all-profiles"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(
        first_bad(&r),
        format!("{} mask dev-libs/lib for removal", h.mask)
    );
    assert!(r
        .stdout
        .contains("hist:hist/amd64 @system: installable -> NOT installable"));
    assert!(r
        .stdout
        .contains("hist:hist/arm64 @system: installable -> NOT installable"));
    let mask_line = format!("{}:4", file(&h, "profiles/package.mask"));
    assert!(
        r.stdout
            .contains(&format!("+dev-libs/lib::hist  (to {mask_line})")),
        "{}",
        r.stdout
    );

    // The dropped keyword breaks arm64 only.
    let r = bisect(&h, &h.unmask, &h.unrelated3, &["--profile", "hist/arm64"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(
        first_bad(&r),
        format!("{} app-misc/tool: drop arm64", h.drop_keyword)
    );
    let kw_line = format!("{}:2", file(&h, "metadata/md5-cache/app-misc/tool-1"));
    assert!(r.stdout.contains(&kw_line), "{}", r.stdout);
    let r = bisect(&h, &h.unmask, &h.unrelated3, &["--profile", "hist/amd64"]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);

    // The forced flag breaks tool's dev-libs/lib[-ssl].
    let r = bisect(&h, &h.restore_keyword, &h.unrelated4, &["--all-profiles"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(
        first_bad(&r),
        format!("{} force ssl on dev-libs/lib", h.force)
    );
    let force_line = format!("{}:2", file(&h, "profiles/hist/base/package.use.force"));
    assert!(r.stdout.contains(&force_line), "{}", r.stdout);

    // A version's visibility, by name.
    let r = bisect(
        &h,
        "HEAD~9",
        "HEAD~7",
        &["--profile", "hist/amd64", "--visible", "dev-libs/lib-1"],
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(
        first_bad(&r),
        format!("{} mask dev-libs/lib for removal", h.mask)
    );
    assert!(
        r.stdout.contains(&format!(
            "package.mask: package.mask entry 'dev-libs/lib' ({mask_line})"
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn diff_names_each_change_with_its_file_and_line() {
    let h = build();
    let mask_line = (file(&h, "profiles/package.mask"), 4);

    let lines = diff_json(&h, &h.unrelated1, &h.mask, &["hist/amd64"]);
    let entry = lines
        .iter()
        .find(|v| v["kind"] == "entry" && v["list"] == "package.mask")
        .expect("a package.mask change");
    assert_eq!(entry["entry"], "dev-libs/lib::hist");
    assert_eq!(entry["change"], "added");
    assert_eq!(entry["side"], "to");
    assert_eq!(at(entry), mask_line);
    let vis = lines
        .iter()
        .find(|v| v["kind"] == "visibility")
        .expect("a visibility change");
    assert_eq!(vis["cpv"], "dev-libs/lib-1");
    assert_eq!(
        (vis["was_visible"].as_bool(), vis["visible"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(at(vis), mask_line);
    let inst = lines
        .iter()
        .find(|v| v["kind"] == "installable")
        .expect("@system turned");
    assert_eq!(inst["installable"], false);
    assert_eq!(
        inst["problems"][0]["source"],
        format!("{}:{}", mask_line.0, mask_line.1)
    );
    assert_eq!(lines.len(), 3, "{lines:#?}");

    // The unmask: the removed line is named in the older revision.
    let lines = diff_json(&h, &h.unrelated2, &h.unmask, &["hist/amd64"]);
    let entry = lines.iter().find(|v| v["kind"] == "entry").unwrap();
    assert_eq!(
        (entry["change"].as_str(), entry["side"].as_str()),
        (Some("removed"), Some("from"))
    );
    assert_eq!(at(entry), mask_line);

    // The keyword: arm64 sees tool masked, amd64 sees nothing.
    let lines = diff_json(
        &h,
        &h.unmask,
        &h.drop_keyword,
        &["hist/amd64", "hist/arm64"],
    );
    assert!(
        lines.iter().all(|v| v["profile"] == "hist/arm64"),
        "{lines:#?}"
    );
    let vis = lines.iter().find(|v| v["kind"] == "visibility").unwrap();
    assert_eq!(vis["cpv"], "app-misc/tool-1");
    assert_eq!(vis["masked_by"][0]["kind"], "keywords");
    assert_eq!(at(vis), (file(&h, "metadata/md5-cache/app-misc/tool-1"), 2));

    // The forced flag: ssl becomes forced and enabled on dev-libs/lib.
    let lines = diff_json(&h, &h.restore_keyword, &h.force, &["hist/amd64"]);
    let force_at = (file(&h, "profiles/hist/base/package.use.force"), 2);
    for aspect in ["forced", "enabled"] {
        let c = lines
            .iter()
            .find(|v| v["kind"] == "package_flag" && v["aspect"] == aspect)
            .unwrap_or_else(|| panic!("no {aspect} change: {lines:#?}"));
        assert_eq!(
            (c["cpv"].as_str(), c["flag"].as_str(), c["on"].as_bool()),
            (Some("dev-libs/lib-1"), Some("ssl"), Some(true))
        );
        assert_eq!(at(c), force_at);
    }
    assert!(lines
        .iter()
        .any(|v| v["kind"] == "installable" && v["installable"] == false));

    // Unrelated commits change nothing for the profiles (exit 0).
    for (from, to) in [(&h.mask, &h.unrelated2), (&h.force, &h.unrelated4)] {
        let r = run(
            &h,
            &[
                "diff",
                "--repo",
                "hist",
                from,
                to,
                "--all-profiles",
                "--format",
                "json",
            ],
        );
        assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
        assert_eq!(r.stdout, "");
    }
    // A new version is a change of its own.
    let lines = diff_json(&h, &h.initial, &h.unrelated1, &["hist/amd64"]);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["kind"], "version");
    assert_eq!(
        at(&lines[0]),
        (file(&h, "metadata/md5-cache/app-misc/other-1"), 0)
    );

    // The text form groups profiles that share their changes.
    let r = run(
        &h,
        &[
            "diff",
            "--repo",
            "hist",
            &h.unrelated1,
            &h.mask,
            "--all-profiles",
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.stdout
            .contains("== hist:hist/amd64\n   (same changes for 1 more: hist:hist/arm64)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("  package.mask:\n    +dev-libs/lib::hist"),
        "{}",
        r.stdout
    );
}

#[test]
fn bad_input_and_broken_commits() {
    let h = build();
    // GOOD after BAD: not an ancestor.
    let r = bisect(&h, &h.force, &h.mask, &["--all-profiles"]);
    assert_eq!(r.code, Some(2), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("is not a first-parent ancestor"),
        "{}",
        r.stderr
    );
    // Unknown names.
    let r = run(
        &h,
        &[
            "diff",
            "--repo",
            "nosuch",
            "HEAD~1",
            "HEAD",
            "--all-profiles",
        ],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no such repository"), "{}", r.stderr);
    let r = run(
        &h,
        &["diff", "--repo", "hist", "nosuch", "HEAD", "--all-profiles"],
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("unknown revision 'nosuch'"),
        "{}",
        r.stderr
    );
    // A repository that is no git work tree.
    let plain = scratch("history-plain");
    let conf = plain.join("repos.conf");
    std::fs::write(
        &conf,
        format!(
            "[hist]\nlocation = {}\n",
            common::fixture().join("fx").display()
        ),
    )
    .unwrap();
    let r = portolan(&[
        "--repos-conf",
        conf.to_str().unwrap(),
        "diff",
        "--repo",
        "hist",
        "HEAD~1",
        "HEAD",
        "--all-profiles",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    std::fs::remove_dir_all(&plain).unwrap();

    // GOOD and BAD the same.
    let r = bisect(&h, "HEAD", "HEAD", &["--all-profiles"]);
    assert_eq!(r.code, Some(2));

    // A commit whose md5-cache does not load is skipped and reported; here
    // it sits just before the first bad commit, so either may be the one.
    let work = h.repo.parent().unwrap();
    let good = commit(
        work,
        "no forced ssl",
        &[("overlay/profiles/hist/base/package.use.force", None)],
    );
    let broken = commit(
        work,
        "break the entry",
        &[(
            "overlay/metadata/md5-cache/app-misc/other-1",
            Some("EAPI=8\nbroken\n"),
        )],
    );
    let bad = commit(
        work,
        "mask lib and fix the entry",
        &[
            ("overlay/profiles/package.mask", Some("dev-libs/lib\n")),
            (
                "overlay/metadata/md5-cache/app-misc/other-1",
                Some(&md5_entry(&["EAPI=8", "KEYWORDS=amd64", "SLOT=0"])),
            ),
        ],
    );
    let r = bisect(&h, &good, &bad, &["--profile", "hist/amd64"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(first_bad(&r), format!("{bad} mask lib and fix the entry"));
    assert!(
        r.stdout.contains(&format!("   {broken} break the entry")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("skipped (the repository does not load there):"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("line without '='"), "{}", r.stdout);
}

#[test]
fn revisions_are_read_without_touching_the_work_tree() {
    let h = build();
    // Uncommitted edits in the work tree are not seen at HEAD.
    std::fs::write(h.repo.join("profiles/package.mask"), "dev-libs/lib\n").unwrap();
    let r = run(
        &h,
        &["diff", "--repo", "hist", "HEAD~1", "HEAD", "--all-profiles"],
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let status = git(
        Path::new(h.repo.parent().unwrap()),
        &["status", "--porcelain"],
    );
    assert_eq!(status, "M overlay/profiles/package.mask");
}
