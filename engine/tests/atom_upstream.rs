//! The version/atom/match kinds of the upstream vectors
//! (`shared/conformance/upstream/`: cases from Portage's and pkgcore's test
//! suites, `expected` always being Portage's answer).
//!
//! Skipped on purpose: cases with `allow_wildcard: true` (portage's
//! extended user-configuration syntax `*/*`, `=*/*-*9999*`, which profiles
//! and ebuilds never use). Everything else must pass; failures are printed
//! before asserting.

use portolan_engine::atom::{order_by_specificity, Atom, AtomOptions, Blocker, PkgRef, SlotOp};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;
use portolan_engine::version::{split_cpv, valid_category, valid_package_name, Version};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashSet;

fn load(name: &str) -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance/upstream/"
    )
    .to_owned()
        + name;
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

struct Tally {
    file: &'static str,
    passed: usize,
    skipped: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(file: &'static str) -> Tally {
        Tally {
            file,
            passed: 0,
            skipped: 0,
            failures: Vec::new(),
        }
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(what());
        }
    }

    fn finish(self) {
        for f in &self.failures {
            eprintln!("FAIL upstream/{}: {f}", self.file);
        }
        eprintln!(
            "upstream/{}: {} passed, {} failed, {} skipped",
            self.file,
            self.passed,
            self.failures.len(),
            self.skipped
        );
        assert!(
            self.failures.is_empty(),
            "{} upstream cases failed",
            self.failures.len()
        );
    }
}

/// `eapi: null` is portage's unrestricted mode; `allow_repo: null` follows
/// the EAPI (allowed only without one).
fn options(case: &Value) -> AtomOptions {
    let eapi = case["eapi"].as_str();
    let base = match eapi {
        None => AtomOptions::unrestricted(),
        Some(e) => AtomOptions::dependency(Eapi::parse(e).expect("known EAPI")),
    };
    let allow_repo = case["allow_repo"].as_bool().unwrap_or(eapi.is_none());
    base.with_repo(allow_repo)
}

fn sign(o: Ordering) -> i64 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

#[test]
fn upstream_versions() {
    let mut t = Tally::new("versions.json");
    for case in load("versions.json") {
        match s(&case, "kind") {
            "compare" => {
                let (a, b) = (s(&case, "a"), s(&case, "b"));
                let want = case["expected"].as_i64().unwrap();
                let got = match (Version::parse(a), Version::parse(b)) {
                    (Ok(x), Ok(y)) => Some(sign(x.cmp(&y))),
                    _ => None,
                };
                t.check(got == Some(want), || {
                    format!("{a} vs {b}: expected {want}, got {got:?}")
                });
            }
            "version" => {
                let v = s(&case, "version");
                let want = case["valid"].as_bool().unwrap();
                let got = Version::parse(v);
                t.check(got.is_ok() == want, || {
                    format!("version {v:?}: expected valid={want}, got {got:?}")
                });
            }
            "cpv" => {
                let cpv = s(&case, "cpv");
                let want = case["valid"].as_bool().unwrap();
                if case["versioned"].as_bool().unwrap() {
                    match split_cpv(cpv) {
                        Ok((cp, ver)) => {
                            let (cat, pkg) = cp.as_str().split_once('/').unwrap();
                            let rev: u64 = ver.revision().parse().unwrap();
                            let ok = want
                                && case["category"] == cat
                                && case["package"] == pkg
                                && case["version"] == ver.without_revision()
                                && case["revision"] == rev;
                            t.check(ok, || {
                                format!("cpv {cpv}: expected {case}, got {cat} {pkg} {ver}")
                            });
                        }
                        Err(e) => t.check(!want, || format!("cpv {cpv}: expected valid, got {e}")),
                    }
                } else {
                    let got = cpv
                        .split_once('/')
                        .filter(|(c, p)| valid_category(c) && valid_package_name(p));
                    let ok = match got {
                        Some((c, p)) => want && case["category"] == c && case["package"] == p,
                        None => !want,
                    };
                    t.check(ok, || {
                        format!("cp {cpv}: expected valid={want}, got {got:?}")
                    });
                }
            }
            "cpv_sort" => {
                // portage's cpv_sort_key: version order within one cp, string
                // order otherwise.
                let mut input: Vec<&str> = case["input"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                input.sort_by(|a, b| match (split_cpv(a), split_cpv(b)) {
                    (Ok((ca, va)), Ok((cb, vb))) if ca == cb => va.cmp(&vb),
                    _ => a.cmp(b),
                });
                let want: Vec<&str> = case["expected"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                t.check(input == want, || {
                    format!("cpv_sort: expected {want:?}, got {input:?}")
                });
            }
            other => panic!("unknown kind {other}"),
        }
    }
    t.finish();
}

fn field_values(a: &Atom) -> Vec<(&'static str, Value)> {
    let opt = |x: Option<Sym>| x.map_or(String::new(), |s| s.as_str().to_owned());
    vec![
        (
            "blocker",
            match a.blocker {
                Blocker::None => "",
                Blocker::Weak => "!",
                Blocker::Strong => "!!",
            }
            .into(),
        ),
        ("operator", a.op.map_or("", |o| o.as_str()).into()),
        ("cp", a.cp.as_str().into()),
        ("category", a.category().into()),
        ("package", a.package().into()),
        (
            "version",
            a.version.as_ref().map_or("", |v| v.as_str()).into(),
        ),
        ("slot", opt(a.slot).into()),
        ("subslot", opt(a.subslot).into()),
        (
            "slot_operator",
            match a.slot_op {
                None => "",
                Some(SlotOp::Any) => "*",
                Some(SlotOp::Equal) => "=",
            }
            .into(),
        ),
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

fn flag_set(case: &Value, key: &str) -> HashSet<Sym> {
    case[key]
        .as_array()
        .map(|a| a.iter().map(|v| Sym::new(v.as_str().unwrap())).collect())
        .unwrap_or_default()
}

#[test]
fn upstream_atoms() {
    let mut t = Tally::new("atoms.json");
    for case in load("atoms.json") {
        let text = s(&case, "atom");
        match s(&case, "kind") {
            "parse" => {
                if case["allow_wildcard"].as_bool() == Some(true) {
                    t.skipped += 1;
                    continue;
                }
                let want = case["valid"].as_bool().unwrap();
                let eapi = case["eapi"].clone();
                match (Atom::parse(text, options(&case)), want) {
                    (Ok(a), true) => {
                        let mut bad = Vec::new();
                        for (key, got) in field_values(&a) {
                            if case[key] != got {
                                bad.push(format!("{key} expected {}, got {got}", case[key]));
                            }
                        }
                        if a.to_string() != text {
                            bad.push(format!("displays as {a}"));
                        }
                        t.check(bad.is_empty(), || {
                            format!("{text} (EAPI {eapi}): {}", bad.join("; "))
                        });
                    }
                    (Ok(a), false) => {
                        t.check(false, || format!("{text} (EAPI {eapi}): accepted as {a}"))
                    }
                    (Err(e), true) => {
                        t.check(false, || format!("{text} (EAPI {eapi}): rejected: {e}"))
                    }
                    (Err(_), false) => t.check(true, String::new),
                }
            }
            "evaluate_conditionals" => {
                let use_ = flag_set(&case, "use");
                let want = s(&case, "expected");
                match Atom::parse(text, AtomOptions::unrestricted()) {
                    Ok(a) => {
                        let got = a.evaluate_conditionals(|f| use_.contains(&f)).to_string();
                        t.check(got == want, || {
                            format!("{text} with {use_:?}: expected {want}, got {got}")
                        });
                    }
                    Err(e) => t.check(false, || format!("{text}: rejected: {e}")),
                }
            }
            other => panic!("unknown kind {other}"),
        }
    }
    t.finish();
}

#[test]
fn upstream_match() {
    let mut t = Tally::new("match.json");
    for case in load("match.json") {
        match s(&case, "kind") {
            "match" => {
                if case["allow_wildcard"].as_bool() == Some(true) {
                    t.skipped += 1;
                    continue;
                }
                let text = s(&case, "atom");
                let cpv = s(&case, "cpv");
                let want = case["expected"].as_bool().unwrap();
                let atom = match Atom::parse(text, options(&case)) {
                    Ok(a) => a,
                    Err(e) => {
                        t.check(false, || format!("{text}: rejected: {e}"));
                        continue;
                    }
                };
                let (cp, version) = split_cpv(cpv).unwrap();
                let repo = s(&case, "repo");
                let pkg = PkgRef {
                    cp,
                    version: &version,
                    slot: Sym::new(s(&case, "slot")),
                    subslot: Sym::new(s(&case, "subslot")),
                    repo: (!repo.is_empty()).then(|| Sym::new(repo)),
                };
                let use_ = flag_set(&case, "use");
                let iuse = flag_set(&case, "iuse");
                let got = atom.matches(&pkg)
                    && atom.use_deps_satisfied(
                        |_| false,
                        |f| use_.contains(&f),
                        |f| iuse.contains(&f),
                    );
                t.check(got == want, || {
                    format!(
                        "{text} vs {cpv} use={use_:?} iuse={iuse:?}: expected {want}, got {got}"
                    )
                });
            }
            "best_match_order" => {
                let texts: Vec<&str> = case["atoms"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                let parsed: Result<Vec<Atom>, _> = texts
                    .iter()
                    .map(|a| Atom::parse(a, AtomOptions::unrestricted()))
                    .collect();
                let Ok(atoms) = parsed else {
                    // Wildcard atoms (extended syntax) are not supported.
                    t.skipped += 1;
                    continue;
                };
                let cpv = s(&case, "cpv");
                let (_, version) = split_cpv(cpv).unwrap();
                let refs: Vec<&Atom> = atoms.iter().collect();
                let got: Vec<&str> = order_by_specificity(&version, &refs)
                    .into_iter()
                    .rev()
                    .map(|i| texts[i])
                    .collect();
                let want: Vec<&str> = case["expected"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                t.check(got == want, || {
                    format!("order for {cpv}: expected {want:?}, got {got:?}")
                });
            }
            other => panic!("unknown kind {other}"),
        }
    }
    t.finish();
}
