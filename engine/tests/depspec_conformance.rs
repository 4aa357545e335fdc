//! Conformance of `depspec` with Portage's answers (`use_reduce`,
//! `check_required_use`): the corpus vectors in `shared/conformance/` (every
//! case must pass) and the upstream test-suite vectors in
//! `shared/conformance/upstream/` (every case of a supported kind must pass;
//! the kinds left out are listed in `upstream_depspec`).

use std::collections::BTreeSet;

use portolan_engine::depspec::{
    check_required_use, required_use_unsatisfied, DepOptions, DepSpec, DepSpecError, FlagLeaf,
    NodeKind, NodeRef, Reduced,
};
use portolan_engine::intern::Sym;
use serde_json::{json, Value};

fn load(rel: &str) -> Vec<Value> {
    let path = format!(
        "{}/../../shared/conformance/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text).unwrap() {
        Value::Array(v) => v,
        _ => panic!("{path}: not an array"),
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn eapi_num(case: &Value) -> u32 {
    case["eapi"]
        .as_str()
        .and_then(|e| e.parse().ok())
        .unwrap_or(8)
}

/// Leaves without an atom parser: refuse only what Portage's
/// missing-whitespace check would catch.
fn word(s: &str) -> Result<String, String> {
    if s.is_empty()
        || s.starts_with(['(', ')'])
        || s.ends_with(['(', ')'])
        || s.starts_with("||")
        || s.ends_with("||")
    {
        return Err(format!("not a word: {s}"));
    }
    Ok(s.to_owned())
}

/// Stand-in for Portage's `token_class=Atom`: a category separator, no
/// pipes, parentheses only inside `[...]`.
fn atomish(s: &str) -> Result<String, String> {
    let head = s.split('[').next().unwrap_or("");
    if !head.contains('/') || s.contains('|') || head.contains(['(', ')']) {
        return Err(format!("not an atom: {s}"));
    }
    word(s)
}

/// Portage's `use_reduce(flat=False)` nested-list form of a reduced tree.
fn portage_list(r: &Reduced<'_, String>) -> Value {
    let Reduced::All(items) = r else {
        panic!("reduce() must return All at the top")
    };
    Value::Array(list_items(items))
}

fn list_items(items: &[Reduced<'_, String>]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in items {
        match r {
            Reduced::AnyOf(m) => {
                out.push(json!("||"));
                out.push(Value::Array(m.iter().map(list_member).collect()));
            }
            Reduced::All(v) => out.extend(list_items(v)),
            other => out.extend(leaf_values(other)),
        }
    }
    out
}

fn list_member(r: &Reduced<'_, String>) -> Value {
    match r {
        Reduced::All(v) => Value::Array(list_items(v)),
        other => {
            let mut v = list_items(std::slice::from_ref(other));
            if v.len() == 1 {
                v.pop().unwrap()
            } else {
                Value::Array(v)
            }
        }
    }
}

fn leaf_values(r: &Reduced<'_, String>) -> Vec<Value> {
    match r {
        Reduced::Leaf(l) => match l.split_once(" -> ") {
            Some((uri, name)) => vec![json!(uri), json!("->"), json!(name)],
            None => vec![json!(l)],
        },
        Reduced::Unsatisfiable => vec![json!("__const__/empty-any-of")],
        other => panic!("unexpected node in a dependency reduction: {other:?}"),
    }
}

/// `use_reduce(opconvert=True)`: any-of groups as `["||", members...]`.
fn opconvert_items(items: &[Reduced<'_, String>]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in items {
        match r {
            Reduced::AnyOf(m) => {
                let mut g = vec![json!("||")];
                for x in m {
                    match x {
                        Reduced::All(v) => g.push(Value::Array(opconvert_items(v))),
                        other => g.extend(opconvert_items(std::slice::from_ref(other))),
                    }
                }
                out.push(Value::Array(g));
            }
            Reduced::All(v) => out.extend(opconvert_items(v)),
            other => out.extend(leaf_values(other)),
        }
    }
    out
}

/// `use_reduce(flat=True)`: every active token in order, `||` included.
fn flat_items(node: NodeRef<'_, String>, active: &dyn Fn(Sym, bool) -> bool, out: &mut Vec<Value>) {
    for c in node.children() {
        match c.kind() {
            NodeKind::Leaf(l) => out.extend(leaf_values(&Reduced::Leaf(l))),
            NodeKind::Conditional { flag, negate } if !active(flag, negate) => {}
            NodeKind::AnyOf => {
                out.push(json!("||"));
                flat_items(c, active, out);
            }
            _ => flat_items(c, active, out),
        }
    }
}

/// Portage's `select_subset` for `use_reduce(subset=...)`, producing the
/// string that Portage then reduces normally.
fn select_subset(
    node: NodeRef<'_, String>,
    disjunction: bool,
    selected: bool,
    subset: &BTreeSet<String>,
    active: &dyn Fn(Sym, bool) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let paren = |v: Vec<String>| format!("( {} )", v.join(" "));
    for c in node.children() {
        match c.kind() {
            NodeKind::Leaf(l) => {
                if selected {
                    out.push(l.clone())
                }
            }
            NodeKind::AllOf => {
                let v = select_subset(c, false, selected, subset, active);
                if disjunction {
                    if !v.is_empty() {
                        out.push(paren(v));
                    }
                } else {
                    out.extend(v);
                }
            }
            NodeKind::Conditional { flag, negate } => {
                if active(flag, negate) {
                    let sel = selected || subset.contains(flag.as_str());
                    let v = select_subset(c, false, sel, subset, active);
                    if disjunction {
                        if !v.is_empty() {
                            out.push(paren(v));
                        }
                    } else {
                        out.extend(v);
                    }
                }
            }
            NodeKind::AnyOf => {
                let v = select_subset(c, true, selected, subset, active);
                if !v.is_empty() {
                    if disjunction {
                        out.extend(v);
                    } else {
                        out.push(format!("|| {}", paren(v)));
                    }
                }
            }
            NodeKind::ExactlyOne | NodeKind::AtMostOne => unreachable!(),
        }
    }
    out
}

/// Runs one reduce case; `Err` describes a mismatch.
fn run_reduce(case: &Value) -> Result<(), String> {
    let s = case["depend"].as_str().unwrap();
    let eapi = eapi_num(case);
    let use_set: BTreeSet<String> = strs(&case["use"]).into_iter().collect();
    let o = &case["options"];
    let valid = case.get("valid").and_then(Value::as_bool).unwrap_or(true);
    let flag_opt = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    let set_opt = |k: &str| -> BTreeSet<String> { strs(&o[k]).into_iter().collect() };
    let (opconvert, flat, src_uri, matchall) = (
        flag_opt("opconvert"),
        flag_opt("flat"),
        flag_opt("is_src_uri"),
        flag_opt("matchall"),
    );
    let (masklist, excludeall) = (set_opt("masklist"), set_opt("excludeall"));

    let opts = if src_uri {
        DepOptions::src_uri(eapi >= 2)
    } else {
        DepOptions::dependencies(eapi >= 7)
    };
    let leaf = if o.get("token_class").is_some() {
        atomish
    } else {
        word
    };
    let parsed = DepSpec::parse(s, opts, leaf).map_err(|e| e.to_string());
    let parsed = parsed.and_then(|spec| {
        if opconvert && flat {
            return Err("opconvert and flat are exclusive".to_owned());
        }
        if o["is_valid_flag"] == json!("none") {
            if let Some(f) = spec.flags().next() {
                return Err(format!("flag {f} not in IUSE"));
            }
        }
        Ok(spec)
    });
    let spec = match (parsed, valid) {
        (Err(_), false) => return Ok(()),
        (Ok(spec), false) => return Err(format!("accepted, Portage refuses: {spec}")),
        (Err(e), true) => return Err(format!("refused: {e}")),
        (Ok(spec), true) => spec,
    };

    let active = |flag: Sym, negate: bool| {
        let f = flag.as_str();
        if negate && excludeall.contains(f) {
            return false;
        }
        if masklist.contains(f) {
            return negate;
        }
        matchall || use_set.contains(f) != negate
    };
    let got = if let Some(subset) = o.get("subset") {
        let subset: BTreeSet<String> = strs(subset).into_iter().collect();
        let text = select_subset(spec.root(), false, false, &subset, &active).join(" ");
        let spec2 = DepSpec::parse(&text, opts, word).map_err(|e| e.to_string())?;
        portage_list(&spec2.reduce_when(active))
    } else if flat {
        let mut out = Vec::new();
        flat_items(spec.root(), &active, &mut out);
        Value::Array(out)
    } else {
        let r = spec.reduce_when(active);
        // The allocation-free evaluator agrees with the tree.
        for k in 2..5 {
            let pick = |l: &String| l.len() % k == 1;
            let tree = r.is_satisfied(&mut |l| pick(l));
            let direct = spec.evaluate(|f| active(f, false), pick);
            if matchall || !masklist.is_empty() || !excludeall.is_empty() {
                break; // evaluate() takes a plain USE set
            }
            if tree != direct {
                return Err(format!("evaluate() = {direct}, reduce() says {tree}"));
            }
        }
        // Display round-trips.
        let shown = spec.to_string();
        let again = DepSpec::parse(&shown, opts, leaf).map_err(|e| format!("{shown}: {e}"))?;
        if again.to_string() != shown {
            return Err(format!("Display does not round-trip: {shown}"));
        }
        match &r {
            Reduced::All(items) if opconvert => Value::Array(opconvert_items(items)),
            _ => portage_list(&r),
        }
    };
    if got == case["expected"] {
        Ok(())
    } else {
        Err(format!("got {got}"))
    }
}

fn report(name: &str, failures: &[String], total: usize) {
    for f in failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "{name}: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
}

#[test]
fn depspec_vectors() {
    let cases = load("depspec.json");
    assert!(cases.len() > 300);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_reduce(c).err().map(|e| format!("{c}\n    {e}")))
        .collect();
    report("depspec.json", &failures, cases.len());
    assert!(failures.is_empty());
}

/// Parses REQUIRED_USE like Portage for this EAPI and checks IUSE.
fn parse_required_use(
    s: &str,
    eapi: u32,
    iuse: Option<&BTreeSet<String>>,
) -> Result<DepSpec<FlagLeaf>, String> {
    let spec = DepSpec::parse(
        s,
        DepOptions::required_use(eapi >= 5, eapi >= 7),
        FlagLeaf::parse,
    )
    .map_err(|e: DepSpecError<_>| e.to_string())?;
    if let Some(iuse) = iuse {
        if let Some(f) = spec.referenced_flags().find(|f| !iuse.contains(f.as_str())) {
            return Err(format!("USE flag '{f}' is not in IUSE"));
        }
    }
    Ok(spec)
}

fn run_check(case: &Value) -> Result<(), String> {
    let s = case["required_use"].as_str().unwrap();
    let iuse: BTreeSet<String> = strs(&case["iuse"]).into_iter().collect();
    let use_set: BTreeSet<String> = strs(&case["use"]).into_iter().collect();
    let valid = case.get("valid").and_then(Value::as_bool).unwrap_or(true);
    let spec = match (parse_required_use(s, eapi_num(case), Some(&iuse)), valid) {
        (Err(_), false) => return Ok(()),
        (Ok(_), false) => return Err("accepted, Portage refuses".to_owned()),
        (Err(e), true) => return Err(format!("refused: {e}")),
        (Ok(spec), true) => spec,
    };
    let enabled = |f: Sym| use_set.contains(f.as_str());
    let got = check_required_use(&spec, enabled);
    let unsatisfied = required_use_unsatisfied(&spec, enabled);
    if got && !unsatisfied.is_empty() {
        return Err(format!("satisfied but explains {unsatisfied:?}"));
    }
    if json!(got) == case["expected"] {
        Ok(())
    } else {
        Err(format!("got {got} (unsatisfied: {unsatisfied:?})"))
    }
}

#[test]
fn required_use_vectors() {
    let cases = load("required_use.json");
    assert!(cases.len() > 1000);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_check(c).err().map(|e| format!("{c}\n    {e}")))
        .collect();
    report("required_use.json", &failures, cases.len());
    assert!(failures.is_empty());
}

/// Upstream `reduce` cases: all options of `use_reduce` used by the upstream
/// tests are modelled (matchall/masklist/excludeall through `reduce_when`,
/// flat/opconvert/subset as renderings in this file).
#[test]
fn upstream_depspec() {
    let cases = load("upstream/depspec.json");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_reduce(c).err().map(|e| format!("{c}\n    {e}")))
        .collect();
    report("upstream/depspec.json", &failures, cases.len());
    assert!(failures.is_empty());
}

/// `repr(frozenset)` of Portage's `get_required_use_flags`, as the vectors
/// record it: its characters, sorted.
fn frozenset_chars(flags: &BTreeSet<String>) -> Value {
    let repr = if flags.is_empty() {
        "frozenset()".to_owned()
    } else {
        let inner: Vec<String> = flags.iter().map(|f| format!("'{f}'")).collect();
        format!("frozenset({{{}}})", inner.join(", "))
    };
    let mut chars: Vec<String> = repr.chars().map(String::from).collect();
    chars.sort();
    json!(chars)
}

#[test]
fn upstream_required_use() {
    let cases = load("upstream/required_use.json");
    let mut failures = Vec::new();
    for c in &cases {
        let s = c["required_use"].as_str().unwrap();
        let result = match c["kind"].as_str().unwrap() {
            "check" => run_check(c),
            "flags" => match (
                parse_required_use(s, 8, None),
                c["valid"].as_bool().unwrap(),
            ) {
                (Err(_), false) => Ok(()),
                (Ok(spec), true) => {
                    let flags = spec
                        .referenced_flags()
                        .map(|f| f.as_str().to_owned())
                        .collect();
                    let got = frozenset_chars(&flags);
                    (got == c["expected"])
                        .then_some(())
                        .ok_or(format!("got {flags:?}"))
                }
                (r, _) => Err(format!("validity differs: {:?}", r.map(|s| s.to_string()))),
            },
            "unsatisfied_filter" => {
                let use_set: BTreeSet<String> = strs(&c["use"]).into_iter().collect();
                parse_required_use(s, eapi_num(c), None).and_then(|spec| {
                    let got =
                        required_use_unsatisfied(&spec, |f| use_set.contains(f.as_str())).join(" ");
                    (json!(got) == c["expected"])
                        .then_some(())
                        .ok_or(format!("got {got:?}"))
                })
            }
            k => Err(format!("unknown kind {k}")),
        };
        if let Err(e) = result {
            failures.push(format!("{c}\n    {e}"));
        }
    }
    report("upstream/required_use.json", &failures, cases.len());
    assert!(failures.is_empty());
}
