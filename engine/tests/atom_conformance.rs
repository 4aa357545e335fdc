//! Every case of the conformance vectors `versions.json`, `atoms.json` and
//! `match.json` (Portage 3.0.83's answers) must pass. Failures are all
//! printed before the assertion so one run shows everything that is off.

use portolan_engine::atom::{Atom, AtomOptions, Blocker, PkgRef, SlotOp};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;
use portolan_engine::version::{split_cpv, Version};
use serde_json::Value;
use std::cmp::Ordering;

fn load(name: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/").to_owned() + name;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text) {
        Ok(Value::Array(cases)) => cases,
        other => panic!("{path}: not a JSON array: {other:?}"),
    }
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string '{key}' in {case}"))
}

fn report(file: &str, total: usize, failures: &[String]) {
    for f in failures {
        eprintln!("FAIL {file}: {f}");
    }
    eprintln!(
        "{file}: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} {file} cases failed",
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
        let (va, vb) = match (Version::parse(a), Version::parse(b)) {
            (Ok(va), Ok(vb)) => (va, vb),
            (ra, rb) => {
                failures.push(format!("{a} vs {b}: parse error {ra:?} {rb:?}"));
                continue;
            }
        };
        let got = match va.cmp(&vb) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        };
        let reverse_ok = vb.cmp(&va) == va.cmp(&vb).reverse();
        let eq_ok = (va == vb) == (got == 0);
        if got != want || !reverse_ok || !eq_ok {
            failures.push(format!("{a} vs {b}: expected {want}, got {got}"));
        }
        if va.as_str() != a {
            failures.push(format!("{a}: displays as {va}"));
        }
    }
    report("versions.json", cases.len(), &failures);
}

fn blocker_str(b: Blocker) -> &'static str {
    match b {
        Blocker::None => "",
        Blocker::Weak => "!",
        Blocker::Strong => "!!",
    }
}

fn slot_op_str(op: Option<SlotOp>) -> &'static str {
    match op {
        None => "",
        Some(SlotOp::Any) => "*",
        Some(SlotOp::Equal) => "=",
    }
}

/// The fields of a parsed atom in the vectors' shape.
fn fields(a: &Atom) -> Vec<(&'static str, Value)> {
    let opt = |x: Option<Sym>| x.map_or(String::new(), |s| s.as_str().to_owned());
    vec![
        ("blocker", blocker_str(a.blocker).into()),
        ("operator", a.op.map_or("", |o| o.as_str()).into()),
        ("cp", a.cp.as_str().into()),
        (
            "version",
            a.version.as_ref().map_or("", |v| v.as_str()).into(),
        ),
        ("slot", opt(a.slot).into()),
        ("subslot", opt(a.subslot).into()),
        ("slot_operator", slot_op_str(a.slot_op).into()),
        ("repo", opt(a.repo).into()),
        (
            "use",
            a.use_deps
                .iter()
                .map(|d| Value::from(d.to_string()))
                .collect::<Vec<_>>()
                .into(),
        ),
    ]
}

#[test]
fn atoms_json() {
    let cases = load("atoms.json");
    let mut failures = Vec::new();
    for case in &cases {
        let text = s(case, "atom");
        let eapi = Eapi::parse(s(case, "eapi")).expect("known EAPI");
        let valid = case["valid"].as_bool().unwrap();
        match (Atom::parse(text, AtomOptions::conformance(eapi)), valid) {
            (Ok(a), true) => {
                for (key, got) in fields(&a) {
                    if case[key] != got {
                        failures.push(format!(
                            "{text} (EAPI {eapi}): {key} expected {}, got {got}",
                            case[key]
                        ));
                    }
                }
                if a.to_string() != text {
                    failures.push(format!("{text}: displays as {a}"));
                }
            }
            (Ok(a), false) => failures.push(format!("{text} (EAPI {eapi}): accepted as {a:?}")),
            (Err(e), true) => failures.push(format!("{text} (EAPI {eapi}): rejected: {e}")),
            (Err(_), false) => {}
        }
    }
    report("atoms.json", cases.len(), &failures);
}

#[test]
fn match_json() {
    let cases = load("match.json");
    let mut failures = Vec::new();
    for case in &cases {
        let text = s(case, "atom");
        let eapi = Eapi::parse(s(case, "eapi")).expect("known EAPI");
        let cpv = s(case, "cpv");
        let atom = match Atom::parse(text, AtomOptions::conformance(eapi)) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{text}: rejected: {e}"));
                continue;
            }
        };
        let (cp, version) = match split_cpv(cpv) {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{cpv}: {e}"));
                continue;
            }
        };
        let repo = s(case, "repo");
        let pkg = PkgRef {
            cp,
            version: &version,
            slot: Sym::new(s(case, "slot")),
            subslot: Sym::new(s(case, "subslot")),
            repo: (!repo.is_empty()).then(|| Sym::new(repo)),
        };
        let want = case["expected"].as_bool().unwrap();
        let got = atom.matches(&pkg);
        if got != want {
            failures.push(format!(
                "{text} vs {cpv} (slot {}/{}, repo {repo}): expected {want}, got {got}",
                s(case, "slot"),
                s(case, "subslot")
            ));
        }
    }
    report("match.json", cases.len(), &failures);
}
