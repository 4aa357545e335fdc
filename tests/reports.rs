//! The reports CI systems and people read — `check --format junit|html`,
//! `check --partition K/N` and `merge` — on the demo tree, whose two
//! designed failing cells are riscv/1.0 and demo-os/amd64/kiosk @system.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{json_lines, portolan, Run, Scratch};
use serde_json::Value;

const RISCV: &str = "demo:default/linux/riscv/1.0";
const KIOSK: &str = "demo-overlay:demo-os/amd64/kiosk";
const TARGETS: [&str; 6] = [
    "--target",
    "@system",
    "--target",
    "@profile",
    "--target",
    "<dev-libs/openssl-3.4",
];

fn demo_conf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/demo/repos.conf")
}

/// A temp folder for report files, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("portolan-reports-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `portolan --repos-conf DEMO check --all-profiles TARGETS... EXTRA...`
fn demo_check(extra: &[&str]) -> Run {
    let conf = demo_conf();
    let mut args = vec![
        "--repos-conf",
        conf.to_str().unwrap(),
        "check",
        "--all-profiles",
    ];
    args.extend(TARGETS);
    args.extend(extra);
    portolan(&args)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The whole demo matrix as JSON cells (the reference every report is
/// compared with).
fn demo_cells() -> Vec<Value> {
    let run = demo_check(&["--format", "json"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    json_lines(&run.stdout)
}

/// `report::escape` as the renderers use it for text.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The JUnit file read by Python's XML parser, as JSON:
/// `{"root": {attrs}, "suites": [{"attrs", "props", "cases": [{"attrs",
/// "failure": {"attrs", "text"} | null, "error": ... }]}]}`.
fn parse_junit(path: &str) -> Value {
    const SCRIPT: &str = r#"
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def child(case, tag):
    e = case.find(tag)
    return None if e is None else {"attrs": e.attrib, "text": e.text or ""}
print(json.dumps({"root": {"tag": root.tag, **root.attrib}, "suites": [
    {"attrs": s.attrib,
     "props": {p.get("name"): p.get("value") for p in s.iter("property")},
     "cases": [{"attrs": c.attrib, "failure": child(c, "failure"), "error": child(c, "error")}
               for c in s.findall("testcase")]}
    for s in root.findall("testsuite")]}))
"#;
    let out = Command::new("python3")
        .args(["-c", SCRIPT, path])
        .output()
        .expect("python3 (the project's oracle language) parses the JUnit XML");
    assert!(
        out.status.success(),
        "not well-formed XML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn attr<'a>(v: &'a Value, name: &str) -> &'a str {
    v["attrs"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {v}"))
}

#[test]
fn junit_has_a_suite_per_profile_a_case_per_set_and_failures_that_explain() {
    let cells = demo_cells();
    let dir = Dir::new("junit");
    let file = dir.file("r.xml");
    let run = demo_check(&["--format", "junit", "-o", &file]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let x = parse_junit(&file);
    let root = &x["root"];
    assert_eq!(root["tag"], "testsuites");
    let failing: Vec<&Value> = cells.iter().filter(|c| c["installable"] == false).collect();
    let failing_names: BTreeSet<(&str, &str)> = failing
        .iter()
        .map(|c| (c["profile"].as_str().unwrap(), c["set"].as_str().unwrap()))
        .collect();
    assert!(failing_names.contains(&(RISCV, "@system")));
    assert!(failing_names.contains(&(KIOSK, "@system")));
    assert_eq!(root["tests"], cells.len().to_string());
    assert_eq!(root["failures"], failing.len().to_string());
    assert_eq!(root["errors"], "0");

    let suites = x["suites"].as_array().unwrap();
    let profiles: Vec<&str> = cells
        .iter()
        .map(|c| c["profile"].as_str().unwrap())
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|c| c[0])
        .collect();
    assert_eq!(
        suites.iter().map(|s| attr(s, "name")).collect::<Vec<_>>(),
        profiles
    );
    let mut seen_failures = 0;
    for (s, row) in suites.iter().zip(cells.chunks(3)) {
        let cases = s["cases"].as_array().unwrap();
        assert_eq!(attr(s, "tests"), "3");
        assert_eq!(s["props"]["arch"], row[0]["arch"]);
        let fails = row.iter().filter(|c| c["installable"] == false).count();
        assert_eq!(attr(s, "failures"), fails.to_string());
        assert_eq!(attr(s, "errors"), "0");
        for (case, cell) in cases.iter().zip(row) {
            assert_eq!(attr(case, "name"), cell["set"]);
            assert_eq!(attr(case, "classname"), cell["profile"]);
            assert!(case["error"].is_null());
            if cell["installable"] == true {
                assert!(case["failure"].is_null(), "{case}");
                continue;
            }
            seen_failures += 1;
            let f = &case["failure"];
            // The whole explanation is the body; the first problem the message.
            assert_eq!(f["text"], cell["explanation"]);
            let first = &cell["problems"][0];
            assert!(
                attr(f, "message").starts_with(&format!(
                    "[{}] {}",
                    first["kind"].as_str().unwrap(),
                    first["detail"].as_str().unwrap()
                )),
                "{f}"
            );
            assert!(attr(f, "type").contains(first["kind"].as_str().unwrap()));
        }
    }
    assert_eq!(seen_failures, failing.len());
    let riscv = &suites[profiles.iter().position(|p| *p == RISCV).unwrap()];
    assert_eq!(riscv["props"]["arch"], "riscv");
    assert!(riscv["cases"][0]["failure"]["text"]
        .as_str()
        .unwrap()
        .contains("[masked] every version matching app-arch/zstd:= is masked"));
}

#[test]
fn a_profile_that_cannot_be_stacked_is_an_error_in_every_format() {
    let s = Scratch::new("report-error");
    s.write("fx/profiles/akw/parent", "# the root\n../nowhere\n");
    let dir = Dir::new("error");
    let conf = s.conf();
    let conf = conf.to_str().unwrap();
    let check = |format: &str, out: &str| {
        portolan(&[
            "--repos-conf",
            conf,
            "check",
            "--profile",
            "fx:base",
            "--profile",
            "fx:akw",
            "--target",
            "@system",
            "--target",
            "@profile",
            "--format",
            format,
            "-o",
            out,
        ])
    };
    let json = dir.file("r.jsonl");
    let run = check("json", &json);
    assert_eq!(run.code, Some(2), "an unloadable profile is bad input");
    let want = format!(
        "{}: parent '../nowhere' does not exist",
        s.at("fx/profiles/akw/parent", 2)
    );
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    let cells = json_lines(&read(&json));
    assert_eq!(cells.len(), 4, "the loadable profile is still checked");
    assert!(cells[..2].iter().all(|c| c.get("error").is_none()));
    for c in &cells[2..] {
        assert_eq!(c["profile"], "fx:akw");
        assert!(c["error"].as_str().unwrap().contains(&want), "{c}");
        assert_eq!(c["installable"], false);
    }

    let xml = dir.file("r.xml");
    assert_eq!(check("junit", &xml).code, Some(2));
    let x = parse_junit(&xml);
    assert_eq!(x["root"]["errors"], "2");
    let akw = &x["suites"][1];
    assert_eq!(
        (
            attr(akw, "name"),
            attr(akw, "errors"),
            attr(akw, "failures")
        ),
        ("fx:akw", "2", "0")
    );
    for case in akw["cases"].as_array().unwrap() {
        assert!(case["failure"].is_null());
        assert!(attr(&case["error"], "message").contains(&want), "{case}");
    }

    let html = dir.file("r.html");
    assert_eq!(check("html", &html).code, Some(2));
    let page = read(&html);
    assert_eq!(
        page.matches(r#"<td class="error" data-profile="fx:akw""#)
            .count(),
        2
    );
    assert!(page.contains(&escaped(&want)));

    // merge keeps the errors and the status.
    let run = portolan(&["merge", &json, "--format", "text"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.contains("ERROR: "), "{}", run.stdout);
}

#[test]
fn html_shows_every_cell_with_its_verdict_and_escaped_explanation() {
    let cells = demo_cells();
    let dir = Dir::new("html");
    let file = dir.file("r.html");
    let run = demo_check(&["--format", "html", "-o", &file]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let page = read(&file);
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing fetched.
    for outside in ["http://", "https://", " src=", " href=", "@import", "url("] {
        assert!(!page.contains(outside), "{outside}");
    }
    for t in ["@system", "@profile", "&lt;dev-libs/openssl-3.4"] {
        assert!(page.contains(&format!("<th>{t}</th>")), "{t}");
    }
    assert!(
        !page.contains("<dev-libs/openssl"),
        "a raw '<' from a target"
    );
    for c in &cells {
        let class = if c["installable"] == true {
            "installable"
        } else {
            "not-installable"
        };
        let tag = format!(
            r#"<td class="{class}" data-profile="{}" data-set="{}">"#,
            c["profile"].as_str().unwrap(),
            escaped(c["set"].as_str().unwrap())
        );
        assert_eq!(page.matches(&tag).count(), 1, "{tag}");
        if c["installable"] == false {
            let explanation = c["explanation"].as_str().unwrap();
            assert!(
                explanation.contains("<-"),
                "the demo's explanations need escaping"
            );
            assert!(page.contains(&format!("<pre>{}</pre>", escaped(explanation))));
        }
    }
    // Grouped by arch: one group row per arch of the matrix.
    let arches: BTreeSet<&str> = cells.iter().map(|c| c["arch"].as_str().unwrap()).collect();
    assert_eq!(arches, BTreeSet::from(["amd64", "arm64", "riscv"]));
    assert_eq!(page.matches(r#"<tr class="arch">"#).count(), arches.len());
    assert!(page.contains(r#"<span class="not-installable">2 not installable</span>"#));
    assert!(page.contains("<b>demo</b>") && page.contains("<b>demo-overlay</b>"));
    assert!(page.contains(&format!("portolan <b>{}</b>", env!("CARGO_PKG_VERSION"))));
}

/// The JSON lines of part K/N, and the whole run's, in `dir`.
fn parts(dir: &Dir, n: usize) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let file = dir.file(&format!("part{k}.jsonl"));
            let run = demo_check(&[
                "--format",
                "json",
                "--partition",
                &format!("{k}/{n}"),
                "-o",
                &file,
            ]);
            assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
            file
        })
        .collect()
}

#[test]
fn partitions_are_disjoint_and_together_the_whole_matrix() {
    let whole: Vec<Value> = demo_cells();
    let dir = Dir::new("partitions");
    let mut union = Vec::new();
    let mut sizes = Vec::new();
    for (k, file) in parts(&dir, 3).iter().enumerate() {
        let cells = json_lines(&read(file));
        sizes.push(cells.len() / 3);
        for mut c in cells {
            assert_eq!(c["run"]["partition"], format!("{}/3", k + 1));
            c["run"].as_object_mut().unwrap().remove("partition");
            union.push(c);
        }
    }
    // 8 profiles dealt round robin: 3, 3, 2.
    assert_eq!(sizes, vec![3, 3, 2]);
    let key = |c: &Value| c.to_string();
    let union_set: BTreeSet<String> = union.iter().map(key).collect();
    assert_eq!(union_set.len(), union.len(), "parts overlap");
    assert_eq!(union_set, whole.iter().map(key).collect::<BTreeSet<_>>());
}

#[test]
fn merging_the_parts_makes_the_reports_of_the_whole_run() {
    let dir = Dir::new("merge");
    let files = parts(&dir, 3);
    for (format, ext) in [
        ("json", "jsonl"),
        ("junit", "xml"),
        ("html", "html"),
        ("text", "txt"),
    ] {
        let whole = dir.file(&format!("whole.{ext}"));
        let merged = dir.file(&format!("merged.{ext}"));
        let mut check = demo_check(&["--format", format, "-o", &whole]);
        let mut args = vec!["merge", "--format", format, "-o", &merged];
        // Parts in any order, one given twice: the same report.
        args.extend([&files[2], &files[0], &files[1], &files[0]].map(String::as_str));
        let mut merge = portolan(&args);
        // Reports carry their date; the same second for both.
        if format == "junit" || format == "html" {
            check = run_with_epoch(&whole, format, None);
            merge = run_with_epoch(&merged, format, Some(&files));
        }
        assert_eq!(
            (check.code, merge.code),
            (Some(1), Some(1)),
            "{}",
            merge.stderr
        );
        assert_eq!(read(&merged), read(&whole), "{format}");
    }
}

/// `check` (files `None`) or `merge FILES` with `SOURCE_DATE_EPOCH` set.
fn run_with_epoch(out: &str, format: &str, files: Option<&[String]>) -> Run {
    let conf = demo_conf();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portolan"));
    cmd.env("SOURCE_DATE_EPOCH", "1700000000").env(
        "XDG_CACHE_HOME",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/xdg-cache"),
    );
    match files {
        None => cmd
            .args([
                "--repos-conf",
                conf.to_str().unwrap(),
                "check",
                "--all-profiles",
            ])
            .args(TARGETS),
        Some(f) => cmd.arg("merge").args(f),
    };
    let o = cmd.args(["--format", format, "-o", out]).output().unwrap();
    let run = Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    if format == "junit" {
        assert!(read(out).contains(r#"timestamp="2023-11-14T22:13:20""#));
    }
    run
}

#[test]
fn bad_partition_specs_are_refused_with_exit_2() {
    for (spec, says) in [
        ("0/3", "K must be between 1 and N"),
        ("4/3", "K must be between 1 and N"),
        ("1/0", "N must be at least 1"),
        ("3", "is not K/N"),
        ("a/3", "is not a whole number"),
    ] {
        let run = demo_check(&["--partition", spec]);
        assert_eq!(run.code, Some(2), "{spec}");
        assert!(run.stderr.contains(says), "{spec}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn bad_merge_inputs_are_refused_naming_file_and_line() {
    let dir = Dir::new("bad-merge");
    let files = parts(&dir, 3);
    let lines: Vec<String> = read(&files[0]).lines().map(str::to_owned).collect();
    let write = |name: &str, lines: &[String]| {
        let f = dir.file(name);
        std::fs::write(&f, lines.join("\n") + "\n").unwrap();
        f
    };
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["merge"];
        all.extend(args);
        let run = portolan(&all);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stdout);
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr.contains(says),
            "{args:?}: want {says:?} in {}",
            run.stderr
        );
    };

    let mut broken = lines.clone();
    broken[1].truncate(20);
    let f = write("broken.jsonl", &broken);
    refused(&[&f, &files[1], &files[2]], &format!("{f}:2: not JSON"));

    let mut old = lines.clone();
    let mut v: Value = serde_json::from_str(&old[2]).unwrap();
    v.as_object_mut().unwrap().remove("run");
    old[2] = v.to_string();
    let f = write("old.jsonl", &old);
    refused(&[&f], &format!("{f}:3: no `run` field"));

    // The same cell, another verdict.
    let mut v: Value = serde_json::from_str(&lines[0]).unwrap();
    v["installable"] = Value::Bool(!v["installable"].as_bool().unwrap());
    let f = write("conflict.jsonl", &[v.to_string()]);
    refused(
        &[&files[0], &files[1], &files[2], &f],
        &format!("{f}:1: conflicts with {}:1", files[0]),
    );

    // A part of another run: --deps runtime.
    let other = dir.file("runtime.jsonl");
    demo_check(&[
        "--format",
        "json",
        "--deps",
        "runtime",
        "--partition",
        "2/3",
        "-o",
        &other,
    ]);
    refused(
        &[&files[0], &other, &files[2]],
        &format!(
            "{other}:1: not a part of the same run as {}:1: deps differ",
            files[0]
        ),
    );

    // A missing part is named.
    refused(&[&files[0], &files[2]], "give the output of part 2/3");
    let empty = write("empty.jsonl", &[]);
    refused(&[&empty], "nothing to merge");
    refused(&[&dir.file("nowhere.jsonl")], "cannot read");
}
