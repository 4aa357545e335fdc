//! `portolan check [--profile P]... [--all-profiles] [--target ATOM_OR_SET]...
//! [--deps all|runtime] [--allow-use-changes] [--format text|json|junit|html]
//! [--partition K/N] [-o FILE]`: can each target set be installed under each
//! profile? The verdicts become a [`report::Matrix`]; `crate::report`
//! renders it.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::profile::stack::Profile;
use portolan_engine::tree::{Tree, TreeError};
use portolan_solver::profile::{universe_within, Reach};
use portolan_solver::{solve, DepClasses, Request, Verdict};
use rayon::prelude::*;

use super::select::{profile_names, ProfileArgs};
use crate::progress::Progress;
use crate::report::{self, Format, Matrix, Partition};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Deps {
    /// DEPEND, RDEPEND, PDEPEND, BDEPEND and IDEPEND.
    All,
    /// RDEPEND and PDEPEND only.
    Runtime,
}

impl Deps {
    fn as_str(self) -> &'static str {
        match self {
            Deps::All => "all",
            Deps::Runtime => "runtime",
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub select: ProfileArgs,
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
    /// Check only part K of N (1-based) of the profiles, dealt round robin
    /// in selection order; `portolan merge` joins the parts' JSON.
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
}

/// One (profile, target set) cell and its verdict.
struct Cell {
    profile: String,
    set: String,
    targets: Vec<String>,
    verdict: Verdict,
}

pub fn run(tree: &mut Tree, args: &Args) -> Result<ExitCode> {
    let mut targets = if args.targets.is_empty() {
        vec!["@system".to_owned()]
    } else {
        args.targets.clone()
    };
    dedup(&mut targets);
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
    let mut names = profile_names(tree, &args.select, &[])?;
    dedup(&mut names);
    // Profiles that cannot be loaded become error cells, so one broken
    // profile does not hide the whole matrix; a name that is no profile at
    // all is a usage error.
    let mut profiles = Vec::new();
    let mut failed = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if args.partition.is_some_and(|p| !p.contains(i)) {
            continue;
        }
        match tree.profile(name) {
            Ok(p) => profiles.push((i, p)),
            Err(e @ (TreeError::UnknownProfile(_) | TreeError::AmbiguousProfile { .. })) => {
                return Err(e.into())
            }
            Err(e) => {
                eprintln!("portolan: {name}: {e}");
                failed.push((i, name, e.to_string()));
            }
        }
    }
    let tree = &*tree;
    // With USE changes allowed the solver weighs the whole universe.
    let reach = (!args.allow_use_changes).then(|| Reach::new(tree));
    let progress = Progress::profiles(profiles.len());
    let checked: Vec<Vec<Cell>> = profiles
        .par_iter()
        .map(|(_, p)| {
            let cells = check_profile(tree, p, &targets, args, reach.as_ref());
            progress.inc(1);
            cells
        })
        .collect();
    drop(progress);
    let arches = report::Arches::of(tree);
    let mut cells = Vec::new();
    for ((i, p), row) in profiles.iter().zip(checked) {
        let arch = arches.get(&p.name, p.arch.map(|a| a.as_str()));
        for (j, c) in row.into_iter().enumerate() {
            cells.push(report::Cell::checked(
                c.profile,
                arch,
                c.set,
                c.targets,
                [*i, j],
                c.verdict,
            ));
        }
    }
    for (i, name, msg) in failed {
        for (j, t) in targets.iter().enumerate() {
            cells.push(report::Cell::error(
                name,
                arches.get(name, None),
                t,
                [i, j],
                &msg,
            ));
        }
    }
    cells.sort_by_key(|c| c.position);
    let run = report::Run::of(
        tree,
        targets,
        args.deps.as_str(),
        args.allow_use_changes,
        names.len(),
        args.partition,
    );
    let matrix = Matrix { run, cells };
    report::write(&matrix, args.format, args.output.as_deref())?;
    Ok(matrix.exit_code())
}

/// Keeps the first of equal items: a profile or target named twice is one
/// row or column, so every cell of the matrix is unique.
fn dedup(items: &mut Vec<String>) {
    let mut seen = HashSet::new();
    items.retain(|s| seen.insert(s.clone()));
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
