//! `portolan check [--profile P]... [--all-profiles] [--target ATOM_OR_SET]...
//! [--deps all|runtime] [--allow-use-changes] [--format text|json] [-o FILE]`:
//! can each target set be installed under each profile?

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::profile::stack::Profile;
use portolan_engine::tree::Tree;
use portolan_solver::profile::{universe_within, Reach};
use portolan_solver::{solve, DepClasses, Request, Verdict};
use rayon::prelude::*;
use serde_json::json;

use crate::progress::Progress;

use super::select::{plan_profiles, profile_names, ProfileArgs};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Deps {
    /// DEPEND, RDEPEND, PDEPEND, BDEPEND and IDEPEND.
    All,
    /// RDEPEND and PDEPEND only.
    Runtime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    select: ProfileArgs,
    /// A set (`@system`, `@profile`) or an atom; each is its own cell
    /// (repeatable; default `@system`).
    #[arg(long = "target", value_name = "ATOM_OR_SET")]
    targets: Vec<String>,
    #[arg(long, value_enum, default_value = "all")]
    deps: Deps,
    /// Let flags that are neither forced nor masked change, and list the
    /// changes needed.
    #[arg(long)]
    allow_use_changes: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// One (profile, target set) cell and its verdict.
struct Cell {
    profile: String,
    set: String,
    targets: Vec<String>,
    verdict: Verdict,
}

pub fn run(tree: &mut Tree, args: &Args) -> Result<ExitCode> {
    let targets = if args.targets.is_empty() {
        vec!["@system".to_owned()]
    } else {
        args.targets.clone()
    };
    for t in &targets {
        if !t.starts_with('@') {
            Atom::parse(t, AtomOptions::unrestricted())
                .map_err(|e| anyhow!("--target {t}: {e}"))?;
        } else if t != "@system" && t != "@profile" {
            return Err(anyhow!(
                "--target {t}: unknown set (known: @system, @profile)"
            ));
        }
    }
    let names = profile_names(tree, &args.select, &[])?;
    let plans = plan_profiles(tree, &names)?;
    let tree = &*tree;
    // With USE changes allowed the solver weighs the whole universe.
    let reach = (!args.allow_use_changes).then(|| Reach::new(tree));
    let progress = Progress::profiles(plans.len());
    let cells: Vec<Vec<Cell>> = plans
        .par_iter()
        .map(|plan| {
            let cells = check_profile(tree, &plan.stack(tree), &targets, args, reach.as_ref());
            progress.inc(1);
            cells
        })
        .collect();
    drop(progress);
    let cells: Vec<Cell> = cells.into_iter().flatten().collect();
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        Format::Json => {
            for c in &cells {
                writeln!(out, "{}", cell_json(c))?;
            }
        }
        Format::Text => write_text(&mut out, &cells)?,
    }
    out.flush()?;
    Ok(if cells.iter().all(|c| c.verdict.installable) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn check_profile(
    tree: &Tree,
    p: &Profile,
    targets: &[String],
    args: &Args,
    reach: Option<&Reach>,
) -> Vec<Cell> {
    let sets: Vec<(&String, Vec<Atom>)> = targets
        .iter()
        .map(|t| {
            let atoms: Vec<Atom> = match t.as_str() {
                "@system" => p.system.iter().map(|(a, _)| a.clone()).collect(),
                "@profile" => p.profile_set.iter().map(|(a, _)| a.clone()).collect(),
                atom => Atom::parse(atom, AtomOptions::unrestricted())
                    .into_iter()
                    .collect(),
            };
            (t, atoms)
        })
        .collect();
    let within = reach.map(|r| {
        r.closure(
            sets.iter()
                .flat_map(|(_, atoms)| atoms.iter().map(|a| a.cp)),
        )
    });
    let (u, _warnings) = universe_within(tree, p, within.as_ref());
    sets.into_iter()
        .map(|(t, atoms)| {
            let mut req = Request::new(t.clone(), atoms.clone());
            req.deps = match args.deps {
                Deps::All => DepClasses::All,
                Deps::Runtime => DepClasses::Runtime,
            };
            req.allow_use_changes = args.allow_use_changes;
            let verdict = solve(&u, &req);
            Cell {
                profile: p.name.clone(),
                set: t.clone(),
                targets: atoms.iter().map(|a| a.to_string()).collect(),
                verdict,
            }
        })
        .collect()
}

fn cell_json(c: &Cell) -> serde_json::Value {
    let v = &c.verdict;
    json!({
        "profile": c.profile,
        "set": c.set,
        "targets": c.targets,
        "installable": v.installable,
        "solution": v.solution,
        "problems": v.problems.iter().map(|p| json!({
            "kind": p.kind.as_str(),
            "atom": p.atom,
            "required_by": p.required_by,
            "detail": p.detail,
            "source": p.source,
        })).collect::<Vec<_>>(),
        "use_changes": v.use_changes.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
        "explanation": v.explanation,
    })
}

fn write_text(out: &mut dyn std::io::Write, cells: &[Cell]) -> Result<()> {
    let width = cells.iter().map(|c| c.profile.len()).max().unwrap_or(0);
    for c in cells {
        let v = &c.verdict;
        let status = if v.installable {
            format!("installable ({} packages)", v.solution.len())
        } else {
            let kinds: Vec<&str> = v.problems.iter().map(|p| p.kind.as_str()).collect();
            format!(
                "NOT installable ({} problems: {})",
                v.problems.len(),
                kinds.join(", ")
            )
        };
        writeln!(out, "{:<width$}  {:<10}  {status}", c.profile, c.set)?;
    }
    for c in cells.iter().filter(|c| !c.verdict.installable) {
        writeln!(out, "\n== {} {}", c.profile, c.set)?;
        for line in c.verdict.explanation.lines() {
            writeln!(out, "   {line}")?;
        }
    }
    Ok(())
}
