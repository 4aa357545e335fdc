//! Differential tests against Portage: portolan's `show` and `query` over
//! the real corpus must equal the answers Portage 3.0.83 gave for the same
//! questions (`oracle/golden/`, made by `oracle/portage_oracle.py`; see
//! `oracle/README.md` for the Portage API behind each field).
//!
//! Every profile of the three repositories' profiles.desc (509) is compared
//! on every field of `show`, and every (profile, version) pair of the
//! 613-version sample (312,017 lines) on every field of `query`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repos_conf() -> PathBuf {
    root().join("../shared/corpus/real/repos.conf")
}

fn demo_conf() -> PathBuf {
    root().join("corpus/demo/repos.conf")
}

fn golden(name: &str) -> Vec<Value> {
    let path = root().join("oracle/golden").join(name);
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(&path)
        .output()
        .expect("gzip");
    assert!(out.status.success(), "gzip -dc {}", path.display());
    lines(&out.stdout)
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn portolan(conf: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_portolan"))
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
        )
        .arg("--repos-conf")
        .arg(conf)
        .args(args)
        .output()
        .expect("run portolan");
    assert!(
        out.status.success(),
        "portolan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out.stdout)
}

/// Portage validates these against the machine's PATH (`lbzip2` is not
/// installed here), so they say nothing about the profile.
const MACHINE_DEPENDENT_VARS: &[&str] = &["PORTAGE_BZIP2_COMMAND", "PORTAGE_BUNZIP2_COMMAND"];

fn report(what: &str, compared: usize, diffs: &[String]) {
    if !diffs.is_empty() {
        for d in diffs.iter().take(30) {
            eprintln!("{d}");
        }
        panic!(
            "{what}: {} of {compared} comparisons differ from Portage",
            diffs.len()
        );
    }
}

#[test]
fn show_agrees_with_portage_on_every_profile() {
    let gold = golden("show.jsonl.gz");
    assert_eq!(gold.len(), 509);
    compare_show(&repos_conf(), &gold);
}

#[test]
fn show_agrees_with_portage_on_the_demo_tree() {
    let gold = golden("demo/show.jsonl.gz");
    assert_eq!(gold.len(), 8);
    compare_show(&demo_conf(), &gold);
}

#[test]
fn query_agrees_with_portage_on_every_demo_version() {
    let gold = golden("demo/query.jsonl.gz");
    assert_eq!(gold.len(), 400);
    let mine = portolan(&demo_conf(), &["query", "--all-profiles", "--json"]);
    compare_query(&gold, &mine);
}

fn compare_show(conf: &Path, gold: &[Value]) {
    let mine: HashMap<String, Value> = portolan(conf, &["show", "--all-profiles", "--json"])
        .into_iter()
        .map(|v| (v["profile"].as_str().unwrap().to_owned(), v))
        .collect();
    let mut diffs = Vec::new();
    let mut compared = 0;
    for g in gold {
        let name = g["profile"].as_str().unwrap();
        let Some(m) = mine.get(name) else {
            diffs.push(format!("{name}: missing"));
            continue;
        };
        for (k, gv) in g.as_object().unwrap() {
            if k == "warnings" {
                continue;
            }
            if k == "vars" {
                let (gv, mv) = (gv.as_object().unwrap(), m["vars"].as_object().unwrap());
                for var in gv.keys().chain(mv.keys()) {
                    if MACHINE_DEPENDENT_VARS.contains(&var.as_str()) {
                        continue;
                    }
                    compared += 1;
                    let (a, b) = (
                        gv.get(var).unwrap_or(&Value::Null),
                        mv.get(var).unwrap_or(&Value::Null),
                    );
                    if a != b {
                        diffs.push(format!("{name} vars.{var}: Portage {a} portolan {b}"));
                    }
                }
                continue;
            }
            compared += 1;
            if m.get(k) != Some(gv) {
                diffs.push(format!(
                    "{name} {k}: Portage {gv} portolan {}",
                    m.get(k).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    report("show", compared, &diffs);
}

#[test]
fn query_agrees_with_portage_on_every_profile_and_sampled_version() {
    let gold = golden("query.jsonl.gz");
    assert_eq!(gold.len(), 312_017);
    let sample = root().join("oracle/sample-cpvs.txt");
    let mine = portolan(
        &repos_conf(),
        &[
            "query",
            "--all-profiles",
            "--cpvs-from",
            sample.to_str().unwrap(),
            "--json",
        ],
    );
    compare_query(&gold, &mine);
}

fn compare_query(gold: &[Value], mine: &[Value]) {
    assert_eq!(mine.len(), gold.len());
    let key = |v: &Value| {
        (
            v["profile"].to_string(),
            v["cpv"].to_string(),
            v["repo"].to_string(),
        )
    };
    let mine: HashMap<_, &Value> = mine.iter().map(|v| (key(v), v)).collect();
    let mut diffs = Vec::new();
    for g in gold {
        match mine.get(&key(g)) {
            None => diffs.push(format!("missing {}", key(g).1)),
            Some(m) if *m != g => diffs.push(format!("Portage {g}\nportolan {m}")),
            Some(_) => {}
        }
    }
    report("query", gold.len(), &diffs);
}

#[test]
fn golden_files_cover_the_real_corpus() {
    // The sample holds every overlay version and the packages the spec
    // calls out; a stale sample would make the test above vacuous.
    let sample = std::fs::read_to_string(root().join("oracle/sample-cpvs.txt")).unwrap();
    for cpv in [
        "sys-apps/systemd-261.1",
        "sys-libs/glibc-2.43",
        "dev-lang/python-3.14.6",
        "sys-apps/kexec-tools-2.0.32-r1",
    ] {
        assert!(
            sample.lines().any(|l| l.trim() == cpv),
            "{cpv} not in the sample"
        );
    }
    assert!(Path::new(&root().join("oracle/golden/profiles.jsonl")).exists());
}

/// `check` against `emerge --pretend` on the 37 cells of
/// `oracle/golden/emerge-check.jsonl` (genpack @system/@profile, coreos
/// @system, gentoo 23.0/systemd @system; made by `oracle/emerge_oracle.py`).
#[test]
fn check_agrees_with_emerge_on_the_real_corpus() {
    compare_check(&repos_conf(), "emerge-check.jsonl", 37);
}

/// The same on the demo tree's 8 profiles × {@system, @profile}.
#[test]
fn check_agrees_with_emerge_on_the_demo_tree() {
    compare_check(&demo_conf(), "demo/emerge-check.jsonl", 16);
}

/// The rules of `oracle/compare_check.py`: where emerge resolves every
/// dependency (a build-order cycle is not a failure), portolan must install,
/// and must pick the very versions emerge's graph merges (true on every
/// golden cell, so kept as a rule here); where emerge fails, portolan must
/// fail and name emerge's root cause among its problems: the same package,
/// a kind of the same family.
fn compare_check(conf: &Path, golden_name: &str, cells: usize) {
    use portolan_engine::atom::{Atom, AtomOptions};

    let path = root().join("oracle/golden").join(golden_name);
    let gold = lines(&std::fs::read(&path).unwrap());
    assert_eq!(gold.len(), cells);
    let mut args = vec![
        "check", "--format", "json", "--target", "@system", "--target", "@profile",
    ];
    for g in &gold {
        let p = g["profile"].as_str().unwrap();
        if !args.contains(&p) {
            args.extend(["--profile", p]);
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_portolan"))
        .env(
            "XDG_CACHE_HOME",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
        )
        .arg("--repos-conf")
        .arg(conf)
        .args(&args)
        .output()
        .expect("run portolan");
    assert_eq!(out.status.code(), Some(1), "some cells fail");
    let mine: HashMap<(String, String), Value> = lines(&out.stdout)
        .into_iter()
        .map(|c| ((c["profile"].to_string(), c["set"].to_string()), c))
        .collect();
    let cp = |atom: &str| {
        let a = Atom::parse(atom, AtomOptions::unrestricted()).unwrap();
        format!("{}/{}", a.category(), a.package())
    };
    fn family(kind: &str) -> &str {
        match kind {
            "masked" | "keywords" => "masked",
            "use" | "required_use" => "use",
            "blocked" | "conflict" => "blocked",
            other => other,
        }
    }
    let mut diffs = Vec::new();
    for g in &gold {
        let cell = format!("{} {}", g["profile"], g["target"]);
        let m = &mine[&(g["profile"].to_string(), g["target"].to_string())];
        if g["resolved"] == true {
            let emerge: Vec<&str> = g["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            // "cat/pkg:slot" -> "pkg-1.0" becomes "cat/pkg-1.0"
            let mut ours: Vec<String> = m["solution"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(key, pf)| {
                    format!(
                        "{}/{}",
                        key.split('/').next().unwrap(),
                        pf.as_str().unwrap()
                    )
                })
                .collect();
            ours.sort();
            if m["installable"] != true || ours != emerge {
                diffs.push(format!(
                    "{cell}: emerge merges {} versions, portolan: {}",
                    emerge.len(),
                    m["explanation"]
                ));
            }
            continue;
        }
        let rc = &g["root_cause"];
        let (want_cp, want_kind) = (
            cp(rc["atom"].as_str().unwrap()),
            family(rc["kind"].as_str().unwrap()),
        );
        let named = m["problems"].as_array().unwrap().iter().any(|p| {
            family(p["kind"].as_str().unwrap()) == want_kind
                && cp(p["atom"].as_str().unwrap()) == want_cp
        });
        if m["installable"] != false || !named {
            diffs.push(format!(
                "{cell}: emerge fails on {} {want_cp}, portolan: {}",
                rc["kind"], m["explanation"]
            ));
        }
    }
    report("check vs emerge", gold.len(), &diffs);
}
