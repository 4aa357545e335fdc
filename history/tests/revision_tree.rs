//! A commit's tree read as files: what `git show REV:PATH` and a checkout at
//! REV would show, built here with the git CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

use portolan_engine::fs::{DirEntry, Fs, Kind};
use portolan_history::{GitRepo, HistoryError};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

struct Repo(PathBuf);

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A work tree with a repository in `repo/`: a file, an executable, links
/// of every kind, a submodule entry; committed twice.
fn make(tag: &str) -> Repo {
    let dir = std::env::temp_dir().join(format!("portolan-revtree-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("repo/profiles/base")).unwrap();
    let dir = std::fs::canonicalize(dir).unwrap();
    git(&dir, &["init", "-q"]);
    let w = |p: &str, s: &str| std::fs::write(dir.join(p), s).unwrap();
    w("repo/profiles/base/make.defaults", "USE=\"a\"\n");
    w("repo/profiles/run.sh", "#!/bin/sh\n");
    w("outside.txt", "beside the repository\n");
    use std::os::unix::fs::{symlink, PermissionsExt};
    std::fs::set_permissions(
        dir.join("repo/profiles/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    symlink("base", dir.join("repo/profiles/default")).unwrap();
    symlink(
        "base/make.defaults",
        dir.join("repo/profiles/defaults-link"),
    )
    .unwrap();
    symlink("../../outside.txt", dir.join("repo/profiles/sibling")).unwrap();
    symlink(
        dir.join("repo/profiles/base"),
        dir.join("repo/profiles/absolute"),
    )
    .unwrap();
    symlink("/etc/hostname", dir.join("repo/profiles/escapes")).unwrap();
    symlink("nothing-here", dir.join("repo/profiles/dangling")).unwrap();
    symlink("loop-b", dir.join("repo/profiles/loop-a")).unwrap();
    symlink("loop-a", dir.join("repo/profiles/loop-b")).unwrap();
    git(&dir, &["add", "-A"]);
    // A submodule is a gitlink entry in the tree.
    let head_like = "0123456789abcdef0123456789abcdef01234567";
    git(
        &dir,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head_like},repo/sub"),
        ],
    );
    git(&dir, &["commit", "-q", "-m", "first"]);
    git(&dir, &["tag", "-a", "-m", "release", "v1"]);
    w("repo/profiles/base/make.defaults", "USE=\"b\"\n");
    git(&dir, &["commit", "-q", "-am", "second"]);
    Repo(dir)
}

fn mounted(r: &Repo, rev: &str) -> (GitRepo, Fs, PathBuf) {
    let location = r.0.join("repo");
    let g = GitRepo::open(&location).unwrap();
    let id = g.resolve(rev).unwrap();
    let fs = Fs::os().mount(g.location(), Fs::new(g.tree(id).unwrap()));
    (g, fs, location)
}

#[test]
fn files_come_from_the_revision_not_the_work_tree() {
    let r = make("files");
    std::fs::write(r.0.join("repo/profiles/base/make.defaults"), "dirty\n").unwrap();
    let (_, first, loc) = mounted(&r, "HEAD~1");
    let (_, second, _) = mounted(&r, "HEAD");
    let md = loc.join("profiles/base/make.defaults");
    assert_eq!(first.read(&md).unwrap(), b"USE=\"a\"\n");
    assert_eq!(second.read(&md).unwrap(), b"USE=\"b\"\n");
    let meta = second.metadata(&md).unwrap();
    assert_eq!((meta.kind, meta.len, meta.mtime), (Kind::File, 8, None));
    assert_eq!(
        second.kind(&loc.join("profiles/run.sh")).unwrap(),
        Some(Kind::File)
    );
    // The content id is git's blob id.
    let blob = git(
        &r.0,
        &["rev-parse", "HEAD:repo/profiles/base/make.defaults"],
    );
    let id = second.content_id(&md).unwrap();
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, blob);
    assert_ne!(first.content_id(&md), second.content_id(&md));
    assert_eq!(second.content_id(&loc.join("profiles")), None);
    // Missing paths, and paths through a file.
    assert_eq!(second.kind(&loc.join("profiles/nope")).unwrap(), None);
    assert_eq!(second.kind(&md.join("below-a-file")).unwrap(), None);
}

#[test]
fn links_submodules_and_listing() {
    let r = make("links");
    let (_, fs, loc) = mounted(&r, "HEAD");
    let p = |s: &str| loc.join(s);
    // A link to a folder and to a file, relative and absolute.
    assert!(fs.is_dir(&p("profiles/default")));
    assert_eq!(
        fs.read(&p("profiles/default/make.defaults")).unwrap(),
        b"USE=\"b\"\n"
    );
    assert_eq!(
        fs.read(&p("profiles/defaults-link")).unwrap(),
        b"USE=\"b\"\n"
    );
    assert!(fs.is_dir(&p("profiles/absolute")));
    // Out of the repository but inside the work tree: read at the revision.
    assert_eq!(
        fs.read(&p("profiles/sibling")).unwrap(),
        b"beside the repository\n"
    );
    // Out of the work tree, dangling, looping: absent (a loop is an error).
    assert_eq!(fs.kind(&p("profiles/escapes")).unwrap(), None);
    assert_eq!(fs.kind(&p("profiles/dangling")).unwrap(), None);
    assert!(fs.metadata(&p("profiles/loop-a")).is_err());
    // The submodule is absent.
    assert_eq!(fs.kind(&p("sub")).unwrap(), None);
    assert!(!fs.read_dir(&loc).unwrap().iter().any(|e| e.name == "sub"));
    // Canonical paths resolve links.
    assert_eq!(
        fs.canonicalize(&p("profiles/default")).unwrap(),
        p("profiles/base")
    );
    assert_eq!(
        fs.canonicalize(&p("profiles/sibling")).unwrap(),
        r.0.join("outside.txt")
    );
    let mut listed = fs.read_dir(&p("profiles")).unwrap();
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    let kind = |name: &str| -> Option<Kind> {
        listed
            .iter()
            .find(|e: &&DirEntry| e.name == name)
            .unwrap_or_else(|| panic!("{name} not listed"))
            .kind
    };
    assert_eq!(kind("base"), Some(Kind::Dir));
    assert_eq!(kind("default"), Some(Kind::Dir));
    assert_eq!(kind("run.sh"), Some(Kind::File));
    assert_eq!(kind("defaults-link"), Some(Kind::File));
    assert_eq!(kind("dangling"), None);
    assert_eq!(listed.len(), 10);
}

#[test]
fn revisions_are_named_as_git_names_them() {
    let r = make("revs");
    let g = GitRepo::open(&r.0.join("repo")).unwrap();
    let head = git(&r.0, &["rev-parse", "HEAD"]);
    let first = git(&r.0, &["rev-parse", "HEAD~1"]);
    for (spec, want) in [
        ("HEAD", &head),
        ("main", &head),
        ("HEAD~1", &first),
        ("HEAD^", &first),
        ("HEAD^1", &first),
        ("HEAD~0", &head),
        ("HEAD^0", &head),
        ("v1", &first),
        ("refs/tags/v1", &first),
        (&head[..7], &head),
        (&format!("{}~1", &head[..10]), &first),
    ] {
        assert_eq!(g.resolve(spec).unwrap().to_string(), *want, "{spec}");
    }
    for bad in ["nosuch", "HEAD~5", "HEAD^2", "~1", "v1x"] {
        assert!(g.resolve(bad).is_err(), "{bad}");
    }
    let c = g.commit(g.resolve("HEAD").unwrap()).unwrap();
    assert_eq!(c.subject, "second");
    assert_eq!(c.parents.len(), 1);
    let range = g
        .first_parent_range(g.resolve("HEAD~1").unwrap(), g.resolve("HEAD").unwrap())
        .unwrap();
    assert_eq!(range.len(), 1);
    assert!(matches!(
        g.first_parent_range(g.resolve("HEAD").unwrap(), g.resolve("HEAD~1").unwrap()),
        Err(HistoryError::NotAnAncestor { .. })
    ));
    // Not a git work tree.
    let plain = std::env::temp_dir().join(format!("portolan-revtree-plain-{}", std::process::id()));
    std::fs::create_dir_all(&plain).unwrap();
    let err = GitRepo::open(&plain);
    std::fs::remove_dir_all(&plain).unwrap();
    assert!(
        matches!(err, Err(HistoryError::NotAGitRepository { .. })),
        "{err:?}"
    );
}
