//! `portolan query [--profile P]... [--all-profiles] [--cpvs-from FILE]
//! [--json] [CPV...]`: visibility and USE of package versions per profile.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use portolan_engine::evaluate::{Evaluator, PackageState};
use portolan_engine::intern::Sym;
use portolan_engine::package::Package;
use portolan_engine::tree::Tree;
use serde_json::{json, Value};

use super::select::{load_profile, profile_names, ProfileArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    select: ProfileArgs,
    /// Read CPVs (`CAT/PF` or `CAT/PF::REPO`, one per line, `#` comments).
    #[arg(long, value_name = "FILE")]
    cpvs_from: Option<PathBuf>,
    /// One JSON object per (profile, version) and line.
    #[arg(long)]
    json: bool,
    /// Versions to evaluate; none means every version of every repository.
    cpvs: Vec<String>,
}

pub fn run(tree: &mut Tree, args: &Args) -> Result<ExitCode> {
    let mut wanted: Vec<String> = args.cpvs.clone();
    if let Some(file) = &args.cpvs_from {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                wanted.push(line.to_owned());
            }
        }
    }
    let names = profile_names(tree, &args.select, &[])?;
    let mut profiles = Vec::with_capacity(names.len());
    let mut reported = HashSet::new();
    for name in &names {
        profiles.push(load_profile(tree, name, &mut reported)?);
    }
    let tree = &*tree;
    // Resolve the selection once: (as asked, the versions it names).
    let selection: Vec<(String, Vec<&Package>)> = if wanted.is_empty() {
        tree.packages
            .packages
            .iter()
            .map(|p| (p.cpv(), vec![p]))
            .collect()
    } else {
        wanted
            .iter()
            .map(|w| (w.clone(), tree.packages.find_cpv(w)))
            .collect()
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    use std::io::Write;
    for p in &profiles {
        let ev = Evaluator::new(tree, p);
        for (asked, pkgs) in &selection {
            if pkgs.is_empty() {
                let repo = asked.split_once("::").map(|(_, r)| r);
                let cpv = asked.split_once("::").map(|(c, _)| c).unwrap_or(asked);
                if args.json {
                    writeln!(
                        out,
                        "{}",
                        json!({"profile": p.name, "cpv": cpv, "repo": repo, "error": "not found"})
                    )?;
                } else {
                    writeln!(out, "{}  {cpv}  not found", p.name)?;
                }
                continue;
            }
            for pkg in pkgs {
                let state = ev.evaluate(pkg);
                if args.json {
                    writeln!(out, "{}", to_json(&p.name, pkg, &state))?;
                } else {
                    writeln!(out, "{}", text_line(&p.name, pkg, &state))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn names(v: &[Sym]) -> Vec<&'static str> {
    v.iter().map(|s| s.as_str()).collect()
}

/// The `query --json` line (the oracle's format).
pub fn to_json(profile: &str, pkg: &Package, s: &PackageState) -> Value {
    json!({
        "profile": profile,
        "cpv": pkg.cpv(),
        "repo": pkg.repo_name.as_str(),
        "visible": s.visible,
        "masked_by": s.masked_by.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(),
        "stable": s.stable,
        "use": names(&s.use_),
        "forced": names(&s.forced),
        "masked": names(&s.masked),
    })
}

fn text_line(profile: &str, pkg: &Package, s: &PackageState) -> String {
    let vis = if s.visible {
        if s.stable {
            "visible (stable)"
        } else {
            "visible"
        }
        .to_owned()
    } else {
        format!(
            "masked by {}",
            s.masked_by
                .iter()
                .map(|m| m.kind.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut flags: Vec<String> = Vec::new();
    for (f, _) in &pkg.iuse {
        let mark = if s.masked.contains(f) {
            "%"
        } else if s.forced.contains(f) {
            "*"
        } else {
            ""
        };
        let sign = if s.use_.contains(f) { "" } else { "-" };
        flags.push(format!("{sign}{f}{mark}"));
    }
    format!(
        "{profile}  {}::{}  {vis}  USE=\"{}\"",
        pkg.cpv(),
        pkg.repo_name,
        flags.join(" ")
    )
}
