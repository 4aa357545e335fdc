//! `diff` and `bisect` on a history made from the real corpus: a copy of
//! genpack-overlay in a temporary git repository, edited as its maintainers
//! would (a mask, a dropped keyword, a forced flag that breaks a USE
//! dependency, unrelated changes in between), with gentoo from the real
//! corpus at its working state through repos.conf.
//!
//! The watched targets install with runtime dependencies at the start (the
//! corpus's gentoo is a partial tree, so build dependencies do not):
//! `genpack/bridged-eth` and `media-video/mediamtx`.

mod common;
#[path = "common/git.rs"]
mod git;

use std::path::{Path, PathBuf};

use common::{json_lines, portolan, Run};
use git::{commit, git, scratch};
use serde_json::Value;

const AMD64: &str = "genpack-overlay:genpack/amd64/paravirt";
const ARM64: &str = "genpack-overlay:genpack/arm64/paravirt";
const SYSTEMIMG: &str = "genpack-overlay:genpack/amd64/systemimg";

fn corpus() -> PathBuf {
    std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real"))
        .expect("the real corpus beside the checkout")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

struct Hist {
    dir: PathBuf,
    conf: PathBuf,
    repo: PathBuf,
    /// (subject, id), oldest first.
    commits: Vec<(&'static str, String)>,
}

impl Hist {
    fn id(&self, subject: &str) -> &str {
        &self
            .commits
            .iter()
            .find(|c| c.0 == subject)
            .unwrap_or_else(|| panic!("no commit {subject}"))
            .1
    }

    fn file(&self, rel: &str) -> String {
        self.repo.join(rel).display().to_string()
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--repos-conf", self.conf.to_str().unwrap()];
        all.extend(args);
        portolan(&all)
    }
}

impl Drop for Hist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `rel`'s content with `from` replaced by `to` (which must occur).
fn edited(repo: &Path, rel: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(repo.join(rel)).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    text.replacen(from, to, 1)
}

const BRIDGED: &str = "metadata/md5-cache/genpack/bridged-eth-20240826";
const MEDIAMTX: &str = "metadata/md5-cache/media-video/mediamtx-1.10.0";
const MASK: &str = "profiles/genpack/package.mask";
const FORCE: &str = "profiles/genpack/systemimg/package.use.force";

fn build() -> Hist {
    let dir = scratch("history-real");
    let repo = dir.join("genpack-overlay");
    copy_dir(&corpus().join("genpack-overlay"), &repo);
    git(&repo, &["init", "-q"]);
    let conf = dir.join("repos.conf");
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\nmain-repo = gentoo\n\n[gentoo]\nlocation = {}\n\n[genpack-overlay]\nlocation = genpack-overlay\n",
            corpus().join("gentoo").display()
        ),
    )
    .unwrap();
    let mut commits = Vec::new();
    let mut add = |subject: &'static str, files: Vec<(&str, Option<String>)>| {
        let files: Vec<(&str, Option<&str>)> =
            files.iter().map(|(p, c)| (*p, c.as_deref())).collect();
        let id = commit(&repo, subject, &files);
        commits.push((subject, id));
    };
    add("import genpack-overlay", vec![]);
    add(
        "genpack/bridged-eth: needs the full iproute2 (bridge command)",
        vec![(
            BRIDGED,
            Some(edited(
                &repo,
                BRIDGED,
                "RDEPEND=net-misc/bridge-utils\n",
                "RDEPEND=net-misc/bridge-utils sys-apps/iproute2[-minimal]\n",
            )),
        )],
    );
    add(
        "genpack/bridged-eth: better description",
        vec![(
            BRIDGED,
            Some(edited(
                &repo,
                BRIDGED,
                "DESCRIPTION=systemd-networkd config for bridged ethernet",
                "DESCRIPTION=systemd-networkd configuration for a bridged ethernet",
            )),
        )],
    );
    add(
        "mask net-misc/bridge-utils: replaced by iproute2",
        vec![(
            MASK,
            Some(edited(
                &repo,
                MASK,
                ">=dev-lang/python-3.15\n",
                ">=dev-lang/python-3.15\n\n# Replaced by iproute2 (bridge command).\nnet-misc/bridge-utils\n",
            )),
        )],
    );
    add(
        "weston: one more package.use line",
        vec![(
            "profiles/genpack/weston/package.use",
            Some(
                std::fs::read_to_string(repo.join("profiles/genpack/weston/package.use")).unwrap()
                    + "# keep a terminal around\nx11-terms/xterm -truetype\n",
            ),
        )],
    );
    add(
        "unmask net-misc/bridge-utils: still used",
        vec![(
            MASK,
            Some(edited(
                &repo,
                MASK,
                "\n# Replaced by iproute2 (bridge command).\nnet-misc/bridge-utils\n",
                "",
            )),
        )],
    );
    add(
        "media-video/mediamtx: drop arm64, no upstream binary",
        vec![(
            MEDIAMTX,
            Some(edited(
                &repo,
                MEDIAMTX,
                "KEYWORDS=amd64 arm64",
                "KEYWORDS=amd64",
            )),
        )],
    );
    add(
        "genpack/bridged-eth: homepage",
        vec![(
            BRIDGED,
            Some(edited(
                &repo,
                BRIDGED,
                "EAPI=8\n",
                "EAPI=8\nHOMEPAGE=https://github.com/wbrxcorp/genpack-overlay\n",
            )),
        )],
    );
    add(
        "systemimg: minimal iproute2",
        vec![(
            FORCE,
            Some("# Small system images: ip only.\nsys-apps/iproute2 minimal\n".to_owned()),
        )],
    );
    add("empty commit after the force", vec![]);
    Hist {
        dir,
        conf,
        repo,
        commits,
    }
}

fn bisect(h: &Hist, good: &str, bad: &str, profiles: &[&str]) -> Run {
    let mut args = vec![
        "bisect",
        "--repo",
        "genpack-overlay",
        "--good",
        good,
        "--bad",
        bad,
        "--target",
        "genpack/bridged-eth",
        "--target",
        "media-video/mediamtx",
        "--deps",
        "runtime",
    ];
    for p in profiles {
        args.extend(["--profile", p]);
    }
    h.run(&args)
}

fn first_bad(r: &Run) -> String {
    r.stdout
        .lines()
        .find_map(|l| l.strip_prefix("first bad commit: "))
        .unwrap_or_else(|| panic!("no first bad commit in:\n{}{}", r.stdout, r.stderr))
        .to_owned()
}

fn diff(h: &Hist, from: &str, to: &str, profiles: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "diff",
        "--repo",
        "genpack-overlay",
        from,
        to,
        "--format",
        "json",
    ];
    for p in profiles {
        args.extend(["--profile", p]);
    }
    let r = h.run(&args);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    json_lines(&r.stdout)
}

fn at(v: &Value) -> (String, u64) {
    (
        v["file"].as_str().unwrap_or("").to_owned(),
        v["line"].as_u64().unwrap_or(0),
    )
}

#[test]
fn bisect_and_diff_on_the_real_overlay() {
    let h = build();
    let all = [AMD64, ARM64, SYSTEMIMG];
    let mask_at = (h.file(MASK), 5);

    // The mask breaks bridged-eth everywhere.
    let subject = "mask net-misc/bridge-utils: replaced by iproute2";
    let r = bisect(
        &h,
        h.id("import genpack-overlay"),
        h.id("weston: one more package.use line"),
        &all,
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(first_bad(&r), format!("{} {subject}", h.id(subject)));
    for p in all {
        assert!(
            r.stdout.contains(&format!(
                "{p} genpack/bridged-eth: installable -> NOT installable"
            )),
            "{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout
            .contains("media-video/mediamtx: installable -> NOT"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!(
            "+net-misc/bridge-utils  (to {}:{})",
            mask_at.0, mask_at.1
        )),
        "{}",
        r.stdout
    );
    let lines = diff(&h, &format!("{}~1", h.id(subject)), h.id(subject), &[AMD64]);
    let mask = lines.iter().find(|v| v["kind"] == "entry").unwrap();
    assert_eq!(
        (mask["list"].as_str(), mask["entry"].as_str()),
        (Some("package.mask"), Some("net-misc/bridge-utils"))
    );
    assert_eq!(at(mask), mask_at);
    let vis = lines
        .iter()
        .find(|v| {
            v["kind"] == "visibility"
                && v["cpv"]
                    .as_str()
                    .unwrap()
                    .starts_with("net-misc/bridge-utils-")
        })
        .unwrap();
    assert_eq!(at(vis), mask_at);

    // The dropped keyword breaks mediamtx on arm64 only.
    let subject = "media-video/mediamtx: drop arm64, no upstream binary";
    let r = bisect(
        &h,
        h.id("unmask net-misc/bridge-utils: still used"),
        h.id("genpack/bridged-eth: homepage"),
        &all,
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(first_bad(&r), format!("{} {subject}", h.id(subject)));
    assert!(
        r.stdout.contains(&format!(
            "{ARM64} media-video/mediamtx: installable -> NOT installable"
        )),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout
            .contains(&format!("{AMD64} media-video/mediamtx: installable")),
        "{}",
        r.stdout
    );
    let r = bisect(
        &h,
        h.id("unmask net-misc/bridge-utils: still used"),
        h.id("genpack/bridged-eth: homepage"),
        &[AMD64],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    let lines = diff(
        &h,
        &format!("{}^", h.id(subject)),
        h.id(subject),
        &[AMD64, ARM64],
    );
    assert!(lines.iter().all(|v| v["profile"] == ARM64), "{lines:#?}");
    let vis = lines.iter().find(|v| v["kind"] == "visibility").unwrap();
    assert_eq!(
        (vis["cpv"].as_str(), vis["masked_by"][0]["kind"].as_str()),
        (Some("media-video/mediamtx-1.10.0"), Some("keywords"))
    );
    assert_eq!(at(vis), (h.file(MEDIAMTX), 5));

    // The forced flag breaks bridged-eth's sys-apps/iproute2[-minimal] on
    // system images only.
    let subject = "systemimg: minimal iproute2";
    let r = bisect(
        &h,
        h.id("genpack/bridged-eth: homepage"),
        h.id("empty commit after the force"),
        &all,
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(first_bad(&r), format!("{} {subject}", h.id(subject)));
    assert!(
        r.stdout.contains(&format!(
            "{SYSTEMIMG} genpack/bridged-eth: installable -> NOT installable"
        )),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains(&format!("{AMD64} genpack/bridged-eth")),
        "{}",
        r.stdout
    );
    let lines = diff(
        &h,
        &format!("{}~1", h.id(subject)),
        h.id(subject),
        &[SYSTEMIMG],
    );
    let forced = lines
        .iter()
        .find(|v| v["kind"] == "package_flag" && v["aspect"] == "forced")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(
        (forced["flag"].as_str(), forced["on"].as_bool()),
        (Some("minimal"), Some(true))
    );
    assert!(forced["cpv"]
        .as_str()
        .unwrap()
        .starts_with("sys-apps/iproute2-"));
    assert_eq!(at(forced), (h.file(FORCE), 2));
}
