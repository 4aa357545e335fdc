//! `portolan conformance FILE.json...`: runs test vectors whose answers come
//! from Portage (formats in `shared/conformance/README.md`). The group is
//! chosen by the file name; an unknown group is an error, not a skip.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use portolan_engine::atom::{Atom, AtomOptions, PkgRef};
use portolan_engine::depspec::{self, DepOptions, DepSpec, FlagLeaf, Reduced};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;
use portolan_engine::version::{split_cpv, Version};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Args {
    /// Vector files: versions.json, atoms.json, match.json, depspec.json,
    /// required_use.json.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Versions,
    Atoms,
    Match,
    Depspec,
    RequiredUse,
}

impl Group {
    pub fn of(path: &Path) -> Result<Group> {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        Ok(match stem {
            "versions" => Group::Versions,
            "atoms" => Group::Atoms,
            "match" => Group::Match,
            "depspec" => Group::Depspec,
            "required_use" => Group::RequiredUse,
            _ => bail!(
                "{}: unknown conformance group '{stem}' (expected versions, atoms, match, depspec or required_use)",
                path.display()
            ),
        })
    }
}

/// Pass and fail counts, and one line per failing case.
#[derive(Default)]
pub struct Outcome {
    pub passed: usize,
    pub failed: Vec<String>,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let mut total = Outcome::default();
    for file in &args.files {
        let out = run_file(file)?;
        for f in &out.failed {
            println!("{}: {f}", file.display());
        }
        total.passed += out.passed;
        total.failed.extend(out.failed);
    }
    println!("{} passed, {} failed", total.passed, total.failed.len());
    Ok(if total.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn run_file(file: &Path) -> Result<Outcome> {
    let group = Group::of(file)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let cases: Vec<Value> = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a JSON array", file.display()))?;
    let mut out = Outcome::default();
    for (i, case) in cases.iter().enumerate() {
        let result = match group {
            Group::Versions => check_version(case),
            Group::Atoms => check_atom(case),
            Group::Match => check_match(case),
            Group::Depspec => check_depspec(case),
            Group::RequiredUse => check_required_use(case),
        };
        match result {
            Ok(None) => out.passed += 1,
            Ok(Some(why)) => out.failed.push(format!("case {i}: {why}")),
            Err(e) => out.failed.push(format!("case {i}: malformed case: {e:#}")),
        }
    }
    Ok(out)
}

fn str_field<'a>(case: &'a Value, key: &str) -> Result<&'a str> {
    case.get(key)
        .and_then(Value::as_str)
        .with_context(|| format!("missing string field '{key}'"))
}

fn eapi_field(case: &Value) -> Result<Eapi> {
    let s = str_field(case, "eapi")?;
    Eapi::parse(s).with_context(|| format!("unsupported EAPI '{s}'"))
}

fn strings(case: &Value, key: &str) -> Result<Vec<String>> {
    case.get(key)
        .and_then(Value::as_array)
        .with_context(|| format!("missing array field '{key}'"))?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).context("non-string in array"))
        .collect()
}

/// `Ok(None)` when the case passes, `Ok(Some(reason))` when it fails.
type Check = Result<Option<String>>;

fn check_version(case: &Value) -> Check {
    let (a, b) = (str_field(case, "a")?, str_field(case, "b")?);
    let expected = case["expected"].as_i64().context("missing 'expected'")?;
    let got = match (Version::parse(a), Version::parse(b)) {
        (Ok(va), Ok(vb)) => va.cmp(&vb) as i64,
        (Err(e), _) | (_, Err(e)) => return Ok(Some(format!("vercmp {a} {b}: {e}"))),
    };
    Ok((got != expected).then(|| format!("vercmp {a} {b}: got {got}, Portage says {expected}")))
}

fn check_atom(case: &Value) -> Check {
    let atom = str_field(case, "atom")?;
    let eapi = eapi_field(case)?;
    let valid = case["valid"].as_bool().context("missing 'valid'")?;
    match (Atom::parse(atom, AtomOptions::conformance(eapi)), valid) {
        (Err(_), false) => Ok(None),
        (Err(e), true) => Ok(Some(format!(
            "'{atom}' (EAPI {eapi}) rejected but valid: {e}"
        ))),
        (Ok(_), false) => Ok(Some(format!("'{atom}' (EAPI {eapi}) accepted but invalid"))),
        (Ok(a), true) => {
            let got = super::atom::fields(&a);
            let mut diffs = Vec::new();
            for (k, v) in got.as_object().into_iter().flatten() {
                if case.get(k) != Some(v) {
                    diffs.push(format!(
                        "{k}: got {v}, Portage says {}",
                        case.get(k).unwrap_or(&json!(null))
                    ));
                }
            }
            Ok(
                (!diffs.is_empty())
                    .then(|| format!("'{atom}' (EAPI {eapi}): {}", diffs.join("; "))),
            )
        }
    }
}

fn check_match(case: &Value) -> Check {
    let atom_s = str_field(case, "atom")?;
    let eapi = eapi_field(case)?;
    let cpv = str_field(case, "cpv")?;
    let expected = case["expected"].as_bool().context("missing 'expected'")?;
    let atom = match Atom::parse(atom_s, AtomOptions::conformance(eapi)) {
        Ok(a) => a,
        Err(e) => return Ok(Some(format!("'{atom_s}' rejected: {e}"))),
    };
    let (cp, version) = match split_cpv(cpv) {
        Ok(x) => x,
        Err(e) => return Ok(Some(format!("cpv '{cpv}' rejected: {e}"))),
    };
    let repo = str_field(case, "repo")?;
    let pkg = PkgRef {
        cp,
        version: &version,
        slot: Sym::new(str_field(case, "slot")?),
        subslot: Sym::new(str_field(case, "subslot")?),
        repo: (!repo.is_empty()).then(|| Sym::new(repo)),
    };
    let got = atom.matches(&pkg);
    Ok((got != expected)
        .then(|| format!("'{atom_s}' vs {cpv}: got {got}, Portage says {expected}")))
}

fn check_depspec(case: &Value) -> Check {
    let depend = str_field(case, "depend")?;
    let eapi = eapi_field(case)?;
    let use_: Vec<Sym> = strings(case, "use")?.iter().map(|s| Sym::new(s)).collect();
    let spec = DepSpec::parse(
        depend,
        DepOptions::dependencies(eapi.empty_any_of_unsatisfied()),
        |s| Atom::parse(s, AtomOptions::dependency(eapi)),
    );
    let spec = match spec {
        Ok(spec) => spec,
        Err(e) => return Ok(Some(format!("'{depend}' rejected: {e}"))),
    };
    let got = portage_list(&spec.reduce(|f| use_.contains(&f)));
    let expected = &case["expected"];
    Ok((&got != expected)
        .then(|| format!("'{depend}' with USE {use_:?}: got {got}, Portage says {expected}")))
}

fn check_required_use(case: &Value) -> Check {
    let text = str_field(case, "required_use")?;
    let eapi = eapi_field(case)?;
    let use_: Vec<Sym> = strings(case, "use")?.iter().map(|s| Sym::new(s)).collect();
    let expected = case["expected"].as_bool().context("missing 'expected'")?;
    let opts = DepOptions::required_use(eapi.at_most_one_of(), eapi.empty_any_of_unsatisfied());
    let spec = match DepSpec::parse(text, opts, FlagLeaf::parse) {
        Ok(spec) => spec,
        Err(e) => return Ok(Some(format!("'{text}' rejected: {e}"))),
    };
    let got = depspec::check_required_use(&spec, |f| use_.contains(&f));
    Ok((got != expected)
        .then(|| format!("'{text}' with USE {use_:?}: got {got}, Portage says {expected}")))
}

/// Portage's `use_reduce(flat=False)` list form: atoms as strings, an any-of
/// group as `"||"` followed by a list of its members, an all-of group inside
/// an any-of group as a nested list.
pub fn portage_list<L: std::fmt::Display>(r: &Reduced<'_, L>) -> Value {
    match r {
        Reduced::All(items) => Value::Array(list_items(items)),
        other => Value::Array(list_items(std::slice::from_ref(other))),
    }
}

fn list_items<L: std::fmt::Display>(items: &[Reduced<'_, L>]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in items {
        match r {
            Reduced::AnyOf(m) => {
                out.push(json!("||"));
                out.push(Value::Array(m.iter().map(list_member).collect()));
            }
            Reduced::All(v) => out.extend(list_items(v)),
            Reduced::Leaf(l) => out.push(json!(l.to_string())),
            Reduced::Unsatisfiable => out.push(json!("__const__/empty-any-of")),
            Reduced::ExactlyOne(_) | Reduced::AtMostOne(_) => {
                out.push(json!(format!("<unexpected group in a dependency: {r}>")))
            }
        }
    }
    out
}

fn list_member<L: std::fmt::Display>(r: &Reduced<'_, L>) -> Value {
    match r {
        Reduced::All(v) => Value::Array(list_items(v)),
        other => {
            let mut v = list_items(std::slice::from_ref(other));
            if v.len() == 1 {
                v.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(v)
            }
        }
    }
}
