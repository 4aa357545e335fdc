//! The binary cache as a user meets it: `--no-cache`, a cold cache and a
//! warm cache print the same answers; a damaged cache file is one warning
//! naming it, then rebuilt.

mod common;

use std::path::{Path, PathBuf};

use common::portolan;

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cache-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn real_conf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real/repos.conf")
}

/// stdout of `portolan [--repos-conf CONF] CACHE... ARGS...`, requiring success.
fn run(conf: Option<&Path>, cache: &[&str], args: &[&str]) -> (String, String) {
    let mut all: Vec<String> = Vec::new();
    if let Some(c) = conf {
        all.extend(["--repos-conf".to_owned(), c.display().to_string()]);
    }
    all.extend(cache.iter().map(|s| s.to_string()));
    all.extend(args.iter().map(|s| s.to_string()));
    let r = portolan(&all);
    assert_eq!(r.code, Some(0), "{all:?}: {}", r.stderr);
    (r.stdout, r.stderr)
}

fn round_trip(conf: Option<&Path>, name: &str, args: &[&str]) {
    let dir = scratch(name);
    let d = dir.display().to_string();
    let (plain, plain_err) = run(conf, &["--no-cache"], args);
    let (cold, cold_err) = run(conf, &["--cache-dir", &d], args);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("cold run wrote the cache")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // Both caches of a repository: its packages and its profile nodes
    // (which `query` once skipped, exiting without dropping the tree).
    assert!(
        files.iter().any(|f| f.ends_with(".nodes.cache")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.ends_with(".cache") && !f.ends_with(".nodes.cache")),
        "{files:?}"
    );
    let (warm, warm_err) = run(conf, &["--cache-dir", &d], args);
    assert!(plain.lines().count() > 10, "{plain}");
    assert!(cold == plain, "{name}: cold cache answers differ");
    assert!(warm == plain, "{name}: warm cache answers differ");
    assert_eq!(cold_err, plain_err);
    assert_eq!(warm_err, plain_err);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn demo_tree_answers_are_the_same_with_and_without_cache() {
    round_trip(None, "demo", &["query", "--all-profiles", "--json"]);
}

#[test]
fn real_corpus_answers_are_the_same_with_and_without_cache() {
    round_trip(
        Some(&real_conf()),
        "real",
        &[
            "query",
            "--profile",
            "gentoo:default/linux/amd64/23.0",
            "--profile",
            "genpack-overlay:genpack/amd64/weston/paravirt",
            "--profile",
            "coreos-overlay:coreos/arm64/generic",
            "--json",
        ],
    );
}

#[test]
fn truncated_cache_file_is_one_warning_then_rebuilt() {
    let dir = scratch("truncated");
    let d = dir.display().to_string();
    let args = ["query", "--all-profiles", "--json"];
    let (plain, _) = run(None, &["--no-cache"], &args);
    run(None, &["--cache-dir", &d], &args);
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "cache"))
        .expect("a cache file");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 7)
        .unwrap();
    let (out, err) = run(None, &["--cache-dir", &d], &args);
    assert!(out == plain, "answers differ after truncation");
    let name = file.display().to_string();
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(&name)).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("truncated"), "{err}");
    let (_, err) = run(None, &["--cache-dir", &d], &args);
    assert!(!err.contains(&name), "not rebuilt: {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unusable_cache_dir_never_fails_the_command() {
    let dir = scratch("blocked");
    std::fs::create_dir_all(&dir).unwrap();
    let blocker = dir.join("file");
    std::fs::write(&blocker, "x").unwrap();
    let args = ["query", "--all-profiles", "--json"];
    let (plain, _) = run(None, &["--no-cache"], &args);
    let b = blocker.display().to_string();
    let (out, err) = run(None, &["--cache-dir", &b], &args);
    assert!(out == plain);
    assert_eq!(
        err.matches("cannot write the binary cache").count(),
        1,
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
