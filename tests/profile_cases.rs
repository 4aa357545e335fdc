//! The tricky profile rules, each on a profile of a few lines in
//! `tests/fixtures/cases/` (its README lists which profile shows what), run
//! through the CLI as a user runs it: `show --json`, `query --json`, `why`.
//!
//! Every expected value is Portage's answer: Portage 3.0.83 was asked the
//! same questions on the same tree (`oracle/portage_oracle.py show|query
//! --corpus tests/fixtures/cases`), and the last test asks it again live
//! when the oracle's venv is present.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use common::{fails, fixture, json_lines, ok, strs, Scratch};
use serde_json::Value;

fn conf() -> PathBuf {
    fixture().join("repos.conf")
}

/// `show PROFILE --json`.
fn show(profile: &str) -> Value {
    let run = ok(&conf(), &["show", profile, "--json"]);
    let mut lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    lines.remove(0)
}

/// `query --profile PROFILE CPV --json`.
fn query(profile: &str, cpv: &str) -> Value {
    let run = ok(&conf(), &["query", "--profile", profile, cpv, "--json"]);
    let mut lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    lines.remove(0)
}

/// `FILE:LINE` of a fixture file, as portolan names it.
fn at(rel: &str, line: u32) -> String {
    format!("{}:{line}", fixture().join(rel).display())
}

#[test]
fn star_in_make_defaults_use_clears_parents_use_and_iuse_defaults() {
    // Portage agrees: base has foo, bar and both video cards ...
    let base = show("fx:base");
    assert_eq!(
        strs(&base["use"]),
        [
            "amd64",
            "bar",
            "foo",
            "video_cards_intel",
            "video_cards_radeon"
        ]
    );
    // ... and the child's USE="-* only" leaves only its own flag and ARCH.
    // Portage also rewrites the USE_EXPAND variable from the final USE.
    let clear = show("fx:clear-use");
    assert_eq!(strs(&clear["use"]), ["amd64", "only"]);
    assert_eq!(clear["vars"]["VIDEO_CARDS"], "");
    // IUSE defaults come before the profile's tokens, so +dflt is gone too
    // (Portage agrees; under fx:base cat/pkg-1 has dflt).
    assert_eq!(
        strs(&query("fx:base", "cat/pkg-1")["use"]),
        [
            "bar",
            "dflt",
            "foo",
            "video_cards_intel",
            "video_cards_radeon"
        ]
    );
    assert_eq!(strs(&query("fx:clear-use", "cat/pkg-1")["use"]), ["only"]);
}

#[test]
fn a_variable_named_in_use_expand_late_translates_every_nodes_values() {
    // fx:video/late assigns INPUT_DEVICES while no USE_EXPAND list names
    // it: a plain variable, no flags (Portage agrees).
    let late = show("fx:video/late");
    assert_eq!(late["vars"]["INPUT_DEVICES"], "evdev libinput");
    assert_eq!(
        strs(&late["use"]),
        [
            "amd64",
            "bar",
            "foo",
            "video_cards_intel",
            "video_cards_radeon"
        ]
    );
    // Its child names INPUT_DEVICES in USE_EXPAND and removes evdev: the
    // final lists translate the parent's values too, so libinput is on
    // (Portage agrees). Stacking translates a node's values when it is
    // folded, so this child must translate its parent's again.
    let expand = show("fx:video/late/expand");
    assert_eq!(expand["vars"]["INPUT_DEVICES"], "libinput");
    assert_eq!(
        strs(&expand["use"]),
        [
            "amd64",
            "bar",
            "foo",
            "input_devices_libinput",
            "video_cards_intel",
            "video_cards_radeon"
        ]
    );
}

#[test]
fn use_expand_value_removed_by_a_child() {
    // VIDEO_CARDS="-intel virgl" on top of "intel radeon" (Portage agrees).
    let p = show("fx:video/minus");
    assert_eq!(p["vars"]["VIDEO_CARDS"], "radeon virgl");
    assert_eq!(
        strs(&p["use"]),
        [
            "amd64",
            "bar",
            "foo",
            "video_cards_radeon",
            "video_cards_virgl"
        ]
    );
    assert_eq!(
        strs(&query("fx:video/minus", "cat/pkg-1")["use"]),
        [
            "bar",
            "dflt",
            "foo",
            "video_cards_radeon",
            "video_cards_virgl"
        ]
    );
}

#[test]
fn star_in_a_use_expand_variable_clears_that_prefix_only() {
    // VIDEO_CARDS="-* virgl": both inherited cards go, foo and bar stay
    // (Portage agrees).
    let p = show("fx:video/star");
    assert_eq!(p["vars"]["VIDEO_CARDS"], "virgl");
    assert_eq!(
        strs(&p["use"]),
        ["amd64", "bar", "foo", "video_cards_virgl"]
    );
    assert_eq!(
        strs(&query("fx:video/star", "cat/pkg-1")["use"]),
        ["bar", "dflt", "foo", "video_cards_virgl"]
    );
}

#[test]
fn stable_masks_apply_to_stable_versions_only() {
    // Portage agrees on every value below.
    let p = show("fx:stable");
    assert_eq!(strs(&p["use_stable_mask"]), ["smask"]);
    assert!(strs(&p["use_mask"]).is_empty());

    // KEYWORDS=amd64 under ACCEPT_KEYWORDS=amd64: stable keyword in use.
    let st1 = query("fx:stable", "cat/st-1");
    assert_eq!(st1["stable"], true);
    assert_eq!(strs(&st1["masked"]), ["smask", "st"]);

    // KEYWORDS=~amd64, visible through "=cat/st-2 ~amd64": not stable, so
    // neither use.stable.mask nor package.use.stable.mask applies.
    let st2 = query("fx:stable", "cat/st-2");
    assert_eq!(st2["visible"], true);
    assert_eq!(st2["stable"], false);
    assert!(strs(&st2["masked"]).is_empty());
}

#[test]
fn accept_keywords_line_without_keywords_ends_stable_masks() {
    // Spec §15.3, last row (Portage agrees): the child's "cat/st" line
    // accepts ~amd64, so a ~amd64 copy of cat/st-1 would be visible too and
    // its stable keyword is no longer "in use".
    let st1 = query("fx:stable/accept", "cat/st-1");
    assert_eq!(st1["visible"], true);
    assert_eq!(st1["stable"], false);
    assert!(strs(&st1["masked"]).is_empty());
    // A package the line does not name stays stable and masked.
    let other = query("fx:stable/accept", "cat/other-1");
    assert_eq!(other["stable"], true);
    assert_eq!(strs(&other["masked"]), ["smask", "st"]);
}

#[test]
fn package_use_mask_undone_by_a_child() {
    // Portage agrees: masked by the parent, unmasked by the child's -foo.
    assert_eq!(strs(&query("fx:usemask", "cat/pkg-1")["masked"]), ["foo"]);
    let undone = query("fx:usemask/undo", "cat/pkg-1");
    assert!(strs(&undone["masked"]).is_empty());
    assert!(strs(&undone["use"]).contains(&"foo"));
}

#[test]
fn most_specific_atom_wins_within_one_node() {
    // One package.use.mask: "=cat/pkg-1 -spec" then "cat/pkg spec".
    // Portage applies a node's entries by ascending specificity, so the
    // exact version wins for -1 whatever the line order (spec §15.3;
    // Portage agrees). File order would mask spec for both.
    assert_eq!(strs(&query("fx:usemask", "cat/pkg-1")["masked"]), ["foo"]);
    assert_eq!(
        strs(&query("fx:usemask", "cat/pkg-2")["masked"]),
        ["foo", "spec"]
    );
}

#[test]
fn mask_beats_force() {
    // Same node: use.force bar and use.mask bar (Portage agrees).
    let p = show("fx:force");
    assert_eq!(strs(&p["use_force"]), ["bar"]);
    assert_eq!(strs(&p["use_mask"]), ["bar"]);
    assert!(!strs(&p["use"]).contains(&"bar"));
    // Different nodes: the child forces dflt, the parent's
    // package.use.mask masks it for cat/pkg; mask still wins, even over the
    // IUSE default +dflt (Portage agrees).
    let pkg = query("fx:force/child", "cat/pkg-1");
    assert_eq!(strs(&pkg["forced"]), ["bar", "dflt"]);
    assert_eq!(strs(&pkg["masked"]), ["bar", "dflt"]);
    assert!(!strs(&pkg["use"]).contains(&"dflt"));
    assert!(!strs(&pkg["use"]).contains(&"bar"));
}

#[test]
fn child_make_defaults_beats_parent_package_use() {
    // Portage interleaves per node: make.defaults USE, then package.use.
    // The parent's "cat/pkg baz" turns baz on; the child's USE="-baz" comes
    // later and turns it off (spec §15.3; Portage agrees).
    assert!(strs(&query("fx:force", "cat/pkg-1")["use"]).contains(&"baz"));
    assert_eq!(
        strs(&query("fx:force/child", "cat/pkg-1")["use"]),
        ["foo", "video_cards_intel", "video_cards_radeon"]
    );
}

#[test]
fn repo_path_and_colon_path_parents() {
    // fx-overlay:leaf has parents "fx:base" and ":common" (portage-2).
    // Portage agrees on the stack and the USE.
    let p = show("fx-overlay:leaf");
    assert_eq!(
        strs(&p["stack"]),
        ["fx:base", "fx-overlay:common", "fx-overlay:leaf"]
    );
    assert_eq!(
        strs(&p["use"]),
        [
            "amd64",
            "bar",
            "foo",
            "ovflag",
            "video_cards_intel",
            "video_cards_radeon"
        ]
    );
    let ov = query("fx-overlay:leaf", "cat/ov-1");
    assert_eq!(ov["repo"], "fx-overlay");
    assert_eq!(strs(&ov["use"]), ["foo"]);
}

#[test]
fn colon_in_a_parent_is_a_plain_path_without_portage_2() {
    // A third repository whose layout.conf says portage-1: its "fx:base"
    // parent line is a relative path, not a repository reference.
    let s = Scratch::new("plain-parent");
    s.write(
        "repos.conf",
        std::fs::read_to_string(s.conf()).unwrap() + "\n[plain]\nlocation = plain\n",
    );
    s.write(
        "plain/metadata/layout.conf",
        "repo-name = plain\nmasters = fx\nprofile-formats = portage-1\n",
    );
    s.write("plain/profiles/repo_name", "plain\n");
    s.write("plain/profiles/p/parent", "fx:base\n");
    s.write(
        "plain/metadata/md5-cache/cat/plain-1",
        "EAPI=8\nKEYWORDS=amd64\nSLOT=0\n_md5_=0123456789abcdef0123456789abcdef\n",
    );
    // Portage: "ParseError: Parent '.../plain/profiles/p/fx:base' not found".
    let run = fails(&s.conf(), &["show", "plain:p", "--json"]);
    assert!(
        run.stderr.contains(&format!(
            "{}: parent 'fx:base' does not exist",
            s.at("plain/profiles/p/parent", 1)
        )),
        "{}",
        run.stderr
    );
    // With a folder of that name beside it, the profile loads and stacks
    // that folder (Portage agrees: stack "plain:p/fx:base", "plain:p").
    s.write("plain/profiles/p/fx:base/make.defaults", "USE=\"local\"\n");
    let run = ok(&s.conf(), &["show", "plain:p", "--json"]);
    let p = &json_lines(&run.stdout)[0];
    assert_eq!(strs(&p["stack"]), ["plain:p/fx:base", "plain:p"]);
    assert_eq!(strs(&p["use"]), ["local"]);
}

#[test]
fn repo_level_mask_needs_package_unmask() {
    // Portage agrees on every value below.
    let parent = show("fx:pmask");
    assert_eq!(
        strs(&parent["package_mask"]),
        [
            "cat/lifted::fx",
            "cat/lifted::fx-overlay",
            "cat/repomasked::fx",
            "cat/repomasked::fx-overlay",
            "cat/third"
        ]
    );
    assert_eq!(strs(&parent["package_unmask"]), ["cat/lifted"]);
    assert_eq!(query("fx:pmask", "cat/third-1")["visible"], false);

    // The child's "-cat/third" cancels the parent's profile mask ...
    assert_eq!(query("fx:pmask/child", "cat/third-1")["visible"], true);
    // ... but its "-cat/repomasked" cannot cancel profiles/package.mask:
    // Portage prints "Unmatched removal atom(s)" and keeps the mask.
    let run = ok(
        &conf(),
        &[
            "query",
            "--profile",
            "fx:pmask/child",
            "cat/repomasked-1",
            "--json",
        ],
    );
    let masked = &json_lines(&run.stdout)[0];
    assert_eq!(masked["visible"], false);
    assert_eq!(strs(&masked["masked_by"]), ["package.mask"]);
    assert!(
        run.stderr.contains(&format!(
            "{}: warning: unmatched removal '-cat/repomasked'",
            at("fx/profiles/pmask/child/package.mask", 4)
        )),
        "{}",
        run.stderr
    );
    // package.unmask does lift a repository-wide mask.
    let lifted = query("fx:pmask/child", "cat/lifted-1");
    assert_eq!(lifted["visible"], true);
    assert!(strs(&lifted["masked_by"]).is_empty());
}

#[test]
fn package_accept_keywords_without_keywords_and_with_double_star() {
    // Portage agrees on every value below.
    // Under fx:base neither ~amd64 nor no KEYWORDS at all is accepted.
    for cpv in ["cat/testing-1", "cat/nokw-1"] {
        let q = query("fx:base", cpv);
        assert_eq!(q["visible"], false, "{cpv}");
        assert_eq!(strs(&q["masked_by"]), ["keywords"], "{cpv}");
    }
    let p = show("fx:akw");
    assert_eq!(
        p["accept_keywords"],
        serde_json::json!([["cat/testing", []], ["cat/nokw", ["**"]]])
    );
    // "cat/testing" alone accepts ~amd64; "**" accepts empty KEYWORDS.
    // Neither makes the version stable.
    for cpv in ["cat/testing-1", "cat/nokw-1"] {
        let q = query("fx:akw", cpv);
        assert_eq!(q["visible"], true, "{cpv}");
        assert_eq!(q["stable"], false, "{cpv}");
    }
}

#[test]
fn packages_system_and_profile_sets() {
    // Portage agrees on every set below.
    let base = show("fx:base");
    assert_eq!(
        strs(&base["system"]),
        [">=cat/sys-c-2", "cat/sys-a", "cat/sys-b"]
    );
    assert!(strs(&base["profile_set"]).is_empty());
    // "-*cat/sys-b" removes "*cat/sys-b"; a line without "*" is @profile
    // because fx has profile-set.
    let sets = show("fx:sets");
    assert_eq!(strs(&sets["system"]), [">=cat/sys-c-2", "cat/sys-a"]);
    assert_eq!(strs(&sets["profile_set"]), ["cat/prof-a"]);
    // "-*" clears both sets before the child's own lines.
    let clear = show("fx:sets/clear");
    assert_eq!(strs(&clear["system"]), ["cat/sys-d"]);
    assert_eq!(strs(&clear["profile_set"]), ["cat/prof-b"]);
}

#[test]
fn why_names_the_deciding_file_and_line() {
    // foo is masked for cat/pkg-2 by line 1 of usemask/package.use.mask
    // (Portage agrees that it is masked).
    let run = ok(&conf(), &["why", "fx:usemask", "cat/pkg-2", "foo"]);
    assert!(run.stdout.contains("'foo' is disabled"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "use.mask: masked by 'foo' at {}",
            at("fx/profiles/usemask/package.use.mask", 1)
        )),
        "{}",
        run.stdout
    );
    // For cat/pkg-1 the deciding line is the more specific "=cat/pkg-1 -spec"
    // (line 3), not the later "cat/pkg spec".
    let run = ok(&conf(), &["why", "fx:usemask", "cat/pkg-1", "spec"]);
    assert!(
        run.stdout.contains(&format!(
            "use.mask: unmasked by '-spec' at {}",
            at("fx/profiles/usemask/package.use.mask", 3)
        )),
        "{}",
        run.stdout
    );
    // baz: the child's make.defaults, line 2.
    let run = ok(&conf(), &["why", "fx:force/child", "cat/pkg-1", "baz"]);
    assert!(
        run.stdout.contains(&format!(
            "USE: unset by '-baz' at {}",
            at("fx/profiles/force/child/make.defaults", 2)
        )),
        "{}",
        run.stdout
    );
    // Visibility: the repository-wide package.mask line (Portage agrees the
    // version is masked by package.mask).
    let run = ok(&conf(), &["why", "fx:pmask/child", "cat/repomasked-1"]);
    assert!(run.stdout.contains("not visible"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "package.mask: package.mask entry 'cat/repomasked' ({})",
            at("fx/profiles/package.mask", 3)
        )),
        "{}",
        run.stdout
    );
}

/// The oracle's Python, when `scripts/setup-oracles.sh` has made the venv.
fn oracle_python() -> Option<PathBuf> {
    let py = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if py.exists() {
        return Some(py);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must provide the Portage oracle: run scripts/setup-oracles.sh"
    );
    eprintln!("profile_cases: no .venv (run scripts/setup-oracles.sh); not asking Portage live");
    None
}

#[test]
fn portage_agrees_on_every_line_of_the_fixture() {
    let Some(py) = oracle_python() else { return };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let stub = std::env::temp_dir().join(format!("portolan-cases-stub-{}", std::process::id()));
    let oracle = |cmd: &str, extra: &[&str]| -> Vec<Value> {
        let out = Command::new(&py)
            .arg(root.join("oracle/portage_oracle.py"))
            .arg(cmd)
            .arg("--corpus")
            .arg(fixture())
            .arg("--stub-dir")
            .arg(&stub)
            .args(extra)
            .output()
            .expect("run the oracle");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_lines(&String::from_utf8_lossy(&out.stdout))
    };
    let portage_show = oracle("show", &["--all"]);
    let portage_query = oracle("query", &["--all-profiles", "--all"]);
    let _ = std::fs::remove_dir_all(&stub);

    let ours = json_lines(&ok(&conf(), &["show", "--all-profiles", "--json"]).stdout);
    let ours: HashMap<String, &Value> = ours
        .iter()
        .map(|v| (v["profile"].as_str().unwrap().to_owned(), v))
        .collect();
    assert_eq!(portage_show.len(), 18);
    for p in &portage_show {
        let mine = ours[p["profile"].as_str().unwrap()];
        for (k, v) in p.as_object().unwrap() {
            if k != "warnings" {
                assert_eq!(&mine[k], v, "show {} {k}", p["profile"]);
            }
        }
    }

    let ours = json_lines(&ok(&conf(), &["query", "--all-profiles", "--json"]).stdout);
    let key = |v: &Value| format!("{} {} {}", v["profile"], v["cpv"], v["repo"]);
    let ours: HashMap<String, &Value> = ours.iter().map(|v| (key(v), v)).collect();
    assert_eq!(portage_query.len(), 18 * 11);
    for q in &portage_query {
        assert_eq!(ours.get(&key(q)), Some(&q), "query");
    }
}
