//! Bad input, run through the CLI as a user runs it. Each test copies the
//! fixture tree (`tests/fixtures/cases/`) to a temp dir, breaks one file,
//! and checks what portolan does:
//!
//! - what makes a profile or the tree unusable is an error: exit status 2
//!   and a message naming the file and line (`FILE:LINE`);
//! - what Portage skips with a message (a malformed atom in a profile file)
//!   is a warning naming the file and line on stderr, and the answer is
//!   still given, with the values Portage gives.
//!
//! Nothing may panic (every run asserts stderr has no "panicked").

mod common;

use common::{fails, json_lines, ok, portolan, strs, Scratch};

/// Asserts that `stderr` has `FILE:LINE: message` for the scratch file.
fn names(stderr: &str, s: &Scratch, rel: &str, line: u32, message: &str) {
    let want = format!("{}: {message}", s.at(rel, line));
    assert!(stderr.contains(&want), "want {want:?} in:\n{stderr}");
}

#[test]
fn parent_cycle() {
    // base -> clear-use -> base. Portage recurses until RecursionError.
    let s = Scratch::new("cycle");
    s.write("fx/profiles/base/parent", "../clear-use\n");
    let run = fails(&s.conf(), &["show", "fx:clear-use"]);
    names(
        &run.stderr,
        &s,
        "fx/profiles/base/parent",
        1,
        "parent '../clear-use' makes a cycle: fx:clear-use -> fx:base -> fx:clear-use",
    );
    // Every profile, read ahead while the packages load: base, first in
    // profiles.desc, is loaded first, so the cycle is told from there.
    let run = fails(&s.conf(), &["query", "--all-profiles"]);
    names(
        &run.stderr,
        &s,
        "fx/profiles/clear-use/parent",
        1,
        "parent '../base' makes a cycle: fx:base -> fx:clear-use -> fx:base",
    );
}

#[test]
fn missing_parent() {
    // Portage: "ParseError: Parent '...' not found".
    let s = Scratch::new("missing-parent");
    s.write("fx/profiles/akw/parent", "# the root\n../nowhere\n");
    for args in [&["show", "fx:akw"][..], &["check", "--all-profiles"]] {
        let run = fails(&s.conf(), args);
        names(
            &run.stderr,
            &s,
            "fx/profiles/akw/parent",
            2,
            "parent '../nowhere' does not exist",
        );
    }
}

#[test]
fn parent_naming_an_unknown_repository() {
    // portage-2 "repo:path" with a repository nobody configured.
    let s = Scratch::new("unknown-repo");
    s.write("fx-overlay/profiles/leaf/parent", "fx:base\nnowhere:base\n");
    let run = fails(&s.conf(), &["show", "fx-overlay:leaf"]);
    names(
        &run.stderr,
        &s,
        "fx-overlay/profiles/leaf/parent",
        2,
        "parent 'nowhere:base' names unknown repository 'nowhere'",
    );
}

#[test]
fn unterminated_quote_in_make_defaults() {
    // Portage: "No closing quotation" at the end of the file (line 3), no
    // profile loaded. portolan names the line where the quote opens.
    let s = Scratch::new("make-defaults");
    s.write(
        "fx/profiles/clear-use/make.defaults",
        "# USE below never ends\nUSE=\"-* only\n",
    );
    let run = fails(&s.conf(), &["show", "fx:clear-use"]);
    names(
        &run.stderr,
        &s,
        "fx/profiles/clear-use/make.defaults",
        2,
        "unterminated double quote",
    );
}

#[test]
fn unsupported_profile_eapi() {
    // Portage refuses a profile directory whose EAPI it does not know.
    let s = Scratch::new("profile-eapi");
    s.write("fx/profiles/stable/eapi", "42\n");
    let run = fails(&s.conf(), &["show", "fx:stable/accept"]);
    names(
        &run.stderr,
        &s,
        "fx/profiles/stable/eapi",
        1,
        "unsupported profile EAPI '42'",
    );
}

#[test]
fn md5_cache_entry_without_final_newline() {
    let s = Scratch::new("md5-newline");
    s.write(
        "fx/metadata/md5-cache/cat/pkg-2",
        "EAPI=8\nSLOT=0\n_md5_=0123456789abcdef0123456789abcdef",
    );
    let run = fails(&s.conf(), &["show", "fx:base"]);
    names(
        &run.stderr,
        &s,
        "fx/metadata/md5-cache/cat/pkg-2",
        3,
        "truncated md5-cache entry (no final newline)",
    );
}

#[test]
fn md5_cache_entry_without_md5_key() {
    let s = Scratch::new("md5-key");
    s.write(
        "fx/metadata/md5-cache/cat/pkg-2",
        "EAPI=8\nKEYWORDS=amd64\nSLOT=0\n",
    );
    let run = fails(&s.conf(), &["query", "--profile", "fx:base"]);
    names(
        &run.stderr,
        &s,
        "fx/metadata/md5-cache/cat/pkg-2",
        3,
        "truncated md5-cache entry (ends without an _md5_ key)",
    );
}

#[test]
fn non_utf8_byte_in_a_profile_file() {
    // Portage would decode with replacement characters; portolan does not
    // guess what the line meant.
    let s = Scratch::new("utf8-profile");
    s.write(
        "fx/profiles/usemask/package.use.mask",
        b"cat/pkg foo\ncat/pkg caf\xe9\n",
    );
    let run = fails(&s.conf(), &["show", "fx:usemask"]);
    names(
        &run.stderr,
        &s,
        "fx/profiles/usemask/package.use.mask",
        2,
        "not valid UTF-8",
    );
}

#[test]
fn non_utf8_byte_in_an_md5_cache_entry() {
    let s = Scratch::new("utf8-md5");
    s.write(
        "fx/metadata/md5-cache/cat/pkg-2",
        b"DEFINED_PHASES=-\nDESCRIPTION=caf\xe9\nEAPI=8\nSLOT=0\n_md5_=0123456789abcdef0123456789abcdef\n",
    );
    let run = fails(&s.conf(), &["show", "fx:base"]);
    names(
        &run.stderr,
        &s,
        "fx/metadata/md5-cache/cat/pkg-2",
        2,
        "not valid UTF-8",
    );
}

#[test]
fn repos_conf_naming_a_missing_location() {
    // Portage warns and drops such a repository; portolan refuses, since
    // every answer would silently lack it.
    let s = Scratch::new("location");
    s.write(
        "repos.conf",
        "[DEFAULT]\nmain-repo = fx\n\n[fx]\nlocation = fx\n\n[gone]\nlocation = gone\n",
    );
    let run = fails(&s.conf(), &["show", "fx:base"]);
    // Named at the repository's [gone] section.
    names(
        &run.stderr,
        &s,
        "repos.conf",
        7,
        &format!(
            "repository location {} does not exist",
            s.path("gone").display()
        ),
    );
}

#[test]
fn master_named_but_not_configured() {
    // Portage: "Unavailable repository 'elsewhere' referenced by masters
    // entry"; portolan refuses, since the overlay's packages would lose the
    // master's masks.
    let s = Scratch::new("master");
    s.write(
        "fx-overlay/metadata/layout.conf",
        "repo-name = fx-overlay\nmasters = fx elsewhere\nprofile-formats = portage-2 profile-set\n",
    );
    let run = fails(&s.conf(), &["show", "fx-overlay:leaf"]);
    names(
        &run.stderr,
        &s,
        "fx-overlay/metadata/layout.conf",
        2,
        "master repository 'elsewhere' of 'fx-overlay' is not configured",
    );
}

#[test]
fn malformed_atom_in_package_mask_is_skipped_with_a_warning() {
    // Portage prints "Invalid atom in .../package.mask: >=cat/broken",
    // skips the line and keeps the others: cat/third-1 stays masked.
    let s = Scratch::new("atom-mask");
    s.write(
        "fx/profiles/pmask/package.mask",
        "cat/third\n>=cat/broken\n",
    );
    let warning = "warning: invalid atom skipped, as Portage does: invalid atom '>=cat/broken'";

    let run = ok(&s.conf(), &["show", "fx:pmask", "--json"]);
    names(
        &run.stderr,
        &s,
        "fx/profiles/pmask/package.mask",
        2,
        warning,
    );
    let p = &json_lines(&run.stdout)[0];
    assert!(strs(&p["package_mask"]).contains(&"cat/third"));

    let run = ok(
        &s.conf(),
        &["query", "--profile", "fx:pmask", "cat/third-1", "--json"],
    );
    names(
        &run.stderr,
        &s,
        "fx/profiles/pmask/package.mask",
        2,
        warning,
    );
    let q = &json_lines(&run.stdout)[0];
    assert_eq!(q["visible"], false);
    assert_eq!(strs(&q["masked_by"]), ["package.mask"]);
}

#[test]
fn malformed_atom_in_package_use_is_skipped_with_a_warning() {
    // Portage prints "Invalid atom in .../package.use: =cat/pkg" and skips
    // the line, so its "-baz" never applies: Portage agrees that cat/pkg-1
    // keeps baz (from line 1) and foo (from base).
    let s = Scratch::new("atom-use");
    s.write(
        "fx/profiles/force/package.use",
        "cat/pkg baz\n=cat/pkg -baz\n",
    );
    let warning = "warning: invalid atom skipped, as Portage does: invalid atom '=cat/pkg'";

    let run = ok(&s.conf(), &["show", "fx:force"]);
    names(&run.stderr, &s, "fx/profiles/force/package.use", 2, warning);

    let run = ok(
        &s.conf(),
        &["query", "--profile", "fx:force", "cat/pkg-1", "--json"],
    );
    names(&run.stderr, &s, "fx/profiles/force/package.use", 2, warning);
    let q = &json_lines(&run.stdout)[0];
    assert_eq!(
        strs(&q["use"]),
        ["baz", "foo", "video_cards_intel", "video_cards_radeon"]
    );

    let run = ok(&s.conf(), &["why", "fx:force", "cat/pkg-1", "baz"]);
    names(&run.stderr, &s, "fx/profiles/force/package.use", 2, warning);
    assert!(run.stdout.contains("'baz' is enabled"), "{}", run.stdout);
}

#[test]
fn mistyped_category_in_the_real_genpack_overlay() {
    // genpack/weston/package.use line 24 says "edia-libs/freetype" (for
    // media-libs). The atom is valid, so Portage says nothing and the line
    // matches nothing; portolan warns and still answers.
    let conf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/real/repos.conf"
    );
    let run = portolan(&[
        "--repos-conf",
        conf,
        "show",
        "genpack-overlay:genpack/amd64/weston/paravirt",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "genpack-overlay/profiles/genpack/weston/package.use:24: warning: 'edia-libs/freetype': category 'edia-libs' is in no repository's categories"
        ),
        "{}",
        run.stderr
    );
    assert!(run
        .stdout
        .contains("genpack-overlay:genpack/amd64/weston/paravirt"));
}

#[test]
fn missing_repos_conf_names_the_cause_once() {
    let conf = std::env::temp_dir().join("portolan-no-such-folder/repos.conf");
    let run = fails(&conf, &["show", "fx:base"]);
    assert!(
        run.stderr
            .contains(&format!("cannot read {}: No such file", conf.display())),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("No such file").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn metadata_portage_refuses_masks_the_version_as_invalid() {
    // Not an error: Portage loads such a version and masks it "invalid"
    // (Package._invalid_metadata); Portage agrees on every masked_by below.
    let s = Scratch::new("invalid");
    let entry = |extra: &str| {
        format!("EAPI=8\nIUSE=foo\nKEYWORDS=amd64\n{extra}_md5_=0123456789abcdef0123456789abcdef\n")
    };
    s.write("fx/metadata/md5-cache/cat/pkg-1", entry("SLOT=0/1/2\n"));
    s.write(
        "fx/metadata/md5-cache/cat/pkg-2",
        entry("DEPEND=>=cat/dep\nSLOT=0\n"),
    );
    s.write(
        "fx/metadata/md5-cache/cat/other-1",
        entry("RDEPEND=bar? ( cat/dep )\nSLOT=0\n"),
    );
    let run = ok(
        &s.conf(),
        &[
            "query",
            "--profile",
            "fx:base",
            "cat/pkg-1",
            "cat/pkg-2",
            "cat/other-1",
            "--json",
        ],
    );
    for q in json_lines(&run.stdout) {
        assert_eq!(q["visible"], false, "{q}");
        assert_eq!(strs(&q["masked_by"]), ["invalid"], "{q}");
    }
    // why names the field's line.
    for (cpv, line, what) in [
        ("cat/pkg-1", 4, "SLOT: invalid value: '0/1/2'"),
        ("cat/pkg-2", 4, "invalid DEPEND"),
        (
            "cat/other-1",
            4,
            "USE flag 'bar' is used in a conditional but not in IUSE",
        ),
    ] {
        let run = ok(&s.conf(), &["why", "fx:base", cpv]);
        let file = s.at(&format!("fx/metadata/md5-cache/{cpv}"), line);
        assert!(run.stdout.contains("not visible"), "{}", run.stdout);
        assert!(run.stdout.contains(what), "{cpv}: {}", run.stdout);
        assert!(run.stdout.contains(&file), "{cpv}: {}", run.stdout);
    }
}
