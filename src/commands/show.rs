//! `portolan show [PROFILE...] [--all-profiles] [--json]`: what each profile
//! really sets.

use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;

use anyhow::Result;
use portolan_engine::intern::Sym;
use portolan_engine::profile::flags::FlagStream;
use portolan_engine::profile::stack::{Profile, INCREMENTALS};
use portolan_engine::tree::Tree;
use serde_json::{json, Value};

use super::select::{load_profile, profile_names, ProfileArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    select: ProfileArgs,
    /// One JSON object per profile and line.
    #[arg(long)]
    json: bool,
    /// Profiles to show (`REPO:PATH` or a bare PATH).
    names: Vec<String>,
}

/// Variables every profile reports, set or not (as Portage's settings do).
const ALWAYS: &[&str] = &[
    "ARCH",
    "ACCEPT_KEYWORDS",
    "ACCEPT_LICENSE",
    "ACCEPT_PROPERTIES",
    "ACCEPT_RESTRICT",
    "CONFIG_PROTECT",
    "CONFIG_PROTECT_MASK",
    "ENV_UNSET",
    "IUSE_IMPLICIT",
    "PROFILE_ONLY_VARIABLES",
    "USE_EXPAND",
    "USE_EXPAND_HIDDEN",
    "USE_EXPAND_IMPLICIT",
    "USE_EXPAND_UNPREFIXED",
];

pub fn run(tree: &mut Tree, args: &Args) -> Result<ExitCode> {
    let mut reported = HashSet::new();
    for name in profile_names(tree, &args.select, &args.names)? {
        let profile = load_profile(tree, &name, &mut reported)?;
        let v = to_json(tree, &profile);
        if args.json {
            println!("{v}");
        } else {
            print_text(&v);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sorted(v: impl IntoIterator<Item = Sym>) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = v.into_iter().map(|s| s.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn if_stable(global: &FlagStream, stable: &FlagStream) -> Vec<&'static str> {
    let mut flags = global.enabled();
    flags.extend(stable.enabled());
    let both = [global, stable];
    sorted(
        flags.into_iter().filter(|&f| {
            portolan_engine::profile::flags::decide_all(&both, f).is_some_and(|d| d.on)
        }),
    )
}

/// The profile as `show --json` prints it: the fields and formats of the
/// Portage oracle (`oracle/README.md`), so the two compare line by line.
pub fn to_json(tree: &Tree, p: &Profile) -> Value {
    let nodes = &tree.nodes;
    let mut vars: BTreeMap<String, Value> = BTreeMap::new();
    let is_expand = |k: &str| {
        p.use_expand
            .iter()
            .chain(&p.use_expand_unprefixed)
            .any(|v| v == k)
    };
    let tokenised = |k: &str| INCREMENTALS.contains(&k) || is_expand(k);
    for (k, v) in p.vars() {
        // make.globals-only values are shown for the variables Portage
        // always has, not for every make.globals default (FEATURES, ...).
        if v.loc.is_none() && !ALWAYS.contains(&k.as_str()) && !is_expand(k) {
            continue;
        }
        let value = if tokenised(k) {
            let mut t: Vec<&str> = v.value.split_whitespace().collect();
            t.sort_unstable();
            t.dedup();
            t.join(" ")
        } else {
            v.value.clone()
        };
        vars.insert(k.clone(), json!(value));
    }
    let global_use = sorted(p.global_use());
    vars.insert("USE".to_owned(), json!(global_use.join(" ")));
    for k in ALWAYS
        .iter()
        .map(|s| s.to_string())
        .chain(p.use_expand.iter().cloned())
        .chain(p.use_expand_unprefixed.iter().cloned())
    {
        vars.entry(k).or_insert(Value::Null);
    }
    let mut package_mask: Vec<String> = tree
        .repo_masks
        .iter()
        .map(|m| scoped(&m.atom, tree.repos.get(m.scope).name))
        .chain(p.package_mask.iter().map(|(a, _)| a.to_string()))
        .collect();
    package_mask.sort();
    let mut package_unmask: Vec<String> = tree
        .repo_unmasks
        .iter()
        .map(|m| scoped(&m.atom, tree.repos.get(m.scope).name))
        .chain(p.package_unmask.iter().map(|(a, _)| a.to_string()))
        .collect();
    package_unmask.sort();
    let table_json = |get: fn(
        &portolan_engine::profile::node::ProfileNode,
    ) -> &portolan_engine::profile::node::AtomTable| {
        let mut out = Vec::new();
        for &id in &p.stack {
            for e in &get(nodes.get(id)).entries {
                let toks: Vec<&str> = e.tokens.iter().map(|t| t.text.as_str()).collect();
                out.push(json!([e.atom.to_string(), toks]));
            }
        }
        out
    };
    let mut system: Vec<String> = p.system.iter().map(|(a, _)| a.to_string()).collect();
    system.sort();
    let mut profile_set: Vec<String> = p.profile_set.iter().map(|(a, _)| a.to_string()).collect();
    profile_set.sort();
    let mut provided: Vec<String> = p
        .provided
        .iter()
        .map(|((cp, v), _)| format!("{cp}-{v}"))
        .collect();
    provided.sort();
    let deprecated = nodes.deprecated_for(p.leaf).map(|id| {
        let n = nodes.get(id);
        json!({"node": n.name, "replacement": n.deprecated.as_ref().and_then(|d| d.replacement.clone()).unwrap_or_default()})
    });
    let arch = p.vars().get("ARCH").map(|v| v.value.clone());
    json!({
        "profile": p.name,
        "arch": arch,
        "eapi": p.eapi.as_str(),
        "stack": p.stack.iter().map(|&id| nodes.get(id).name.clone()).collect::<Vec<_>>(),
        "stack_eapi": p.stack.iter().map(|&id| nodes.get(id).eapi.as_str()).collect::<Vec<_>>(),
        "deprecated": deprecated,
        "vars": vars,
        "use": global_use,
        "use_force": sorted(p.use_force.enabled()),
        "use_mask": sorted(p.use_mask.enabled()),
        "use_stable_force": sorted(p.use_stable_force.enabled()),
        "use_stable_mask": sorted(p.use_stable_mask.enabled()),
        "use_force_if_stable": if_stable(&p.use_force, &p.use_stable_force),
        "use_mask_if_stable": if_stable(&p.use_mask, &p.use_stable_mask),
        "package_mask": package_mask,
        "package_unmask": package_unmask,
        "accept_keywords": table_json(|n| &n.package_accept_keywords),
        "package_keywords": table_json(|n| &n.package_keywords),
        "system": system,
        "profile_set": profile_set,
        "provided": provided,
    })
}

/// A repository-level mask as Portage holds it: the atom with `::REPO`.
fn scoped(atom: &portolan_engine::atom::Atom, repo: Sym) -> String {
    if atom.repo.is_some() {
        atom.to_string()
    } else {
        format!("{atom}::{repo}")
    }
}

fn print_text(v: &Value) {
    println!("{}", v["profile"].as_str().unwrap_or(""));
    let list = |k: &str| -> String {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    println!("  arch:       {}", v["arch"].as_str().unwrap_or("-"));
    println!(
        "  stack:      {}",
        list("stack").replace(' ', "\n              ")
    );
    if let Some(d) = v["deprecated"].as_object() {
        println!("  deprecated: {} (use {})", d["node"], d["replacement"]);
    }
    for k in ["ACCEPT_KEYWORDS", "ACCEPT_LICENSE"] {
        println!("  {k}: {}", v["vars"][k].as_str().unwrap_or("-"));
    }
    for (k, label) in [
        ("use", "USE"),
        ("use_force", "use.force"),
        ("use_mask", "use.mask"),
        ("system", "@system"),
        ("profile_set", "@profile"),
        ("provided", "provided"),
    ] {
        let n = v[k].as_array().map(|a| a.len()).unwrap_or(0);
        println!("  {label} ({n}): {}", list(k));
    }
    println!();
}
