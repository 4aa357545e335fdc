//! The reference's own version comparison and atom matching
//! (`engine::reference::{version, atom}`) against Portage's answers in the
//! conformance vectors: every `versions.json` and `match.json` case, and the
//! fields of every valid `atoms.json` atom.

use std::cmp::Ordering;

use portolan_engine::reference::atom::{Atom, Target};
use portolan_engine::reference::version::{compare, split_pf, Version};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/").to_owned() + name;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text) {
        Ok(Value::Array(cases)) => cases,
        other => panic!("{path}: not a JSON array: {other:?}"),
    }
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or("")
}

fn report(file: &str, total: usize, failures: &[String]) {
    for f in failures {
        eprintln!("FAIL {file}: {f}");
    }
    assert!(total > 0, "{file}: no cases");
    assert!(
        failures.is_empty(),
        "{} of {total} {file} cases failed",
        failures.len()
    );
}

#[test]
fn versions_json() {
    let cases = load("versions.json");
    let mut failures = Vec::new();
    for case in &cases {
        let (a, b) = (s(case, "a"), s(case, "b"));
        let want = case["expected"].as_i64().unwrap();
        let (Some(va), Some(vb)) = (Version::parse(a), Version::parse(b)) else {
            failures.push(format!("{a} vs {b}: does not parse"));
            continue;
        };
        let got = match compare(&va, &vb) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        };
        if got != want {
            failures.push(format!("{a} vs {b}: expected {want}, got {got}"));
        }
    }
    report("versions.json", cases.len(), &failures);
}

#[test]
fn atoms_json_fields() {
    let cases = load("atoms.json");
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases.iter().filter(|c| c["valid"].as_bool() == Some(true)) {
        let text = s(case, "atom");
        let Some(a) = Atom::parse(text) else {
            failures.push(format!("{text}: not parsed"));
            continue;
        };
        checked += 1;
        let op = if a.op == "=*" { "=*" } else { a.op.as_str() };
        let got = (
            a.cp.as_str(),
            op,
            a.version.as_ref().map(|v| v.text.as_str()).unwrap_or(""),
            a.slot.as_deref().unwrap_or(""),
            a.subslot.as_deref().unwrap_or(""),
            a.repo.as_deref().unwrap_or(""),
            "!".repeat(a.blocker),
        );
        let want = (
            s(case, "cp"),
            s(case, "operator"),
            s(case, "version"),
            s(case, "slot"),
            s(case, "subslot"),
            s(case, "repo"),
            s(case, "blocker").to_owned(),
        );
        if got != want {
            failures.push(format!("{text}: expected {want:?}, got {got:?}"));
        }
    }
    report("atoms.json", checked, &failures);
}

#[test]
fn match_json() {
    let cases = load("match.json");
    let mut failures = Vec::new();
    for case in &cases {
        let text = s(case, "atom");
        let cpv = s(case, "cpv");
        let Some(atom) = Atom::parse(text) else {
            failures.push(format!("{text}: not parsed"));
            continue;
        };
        let (cat, pf) = cpv.split_once('/').unwrap();
        let (pn, version) = split_pf(pf).unwrap_or_else(|| panic!("{cpv}"));
        let cp = format!("{cat}/{pn}");
        let t = Target {
            cp: &cp,
            version: &version,
            slot: s(case, "slot"),
            subslot: s(case, "subslot"),
            repo: s(case, "repo"),
        };
        let want = case["expected"].as_bool().unwrap();
        if atom.matches(&t) != want {
            failures.push(format!("{text} vs {cpv}: expected {want}"));
        }
    }
    report("match.json", cases.len(), &failures);
}
