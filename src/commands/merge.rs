//! `portolan merge FILE... [--format text|json|junit|html] [-o FILE]`: joins
//! the JSON lines of `check --partition K/N` runs into the report one
//! unpartitioned run would have made.
//!
//! Every line carries its run (repositories and revisions, targets, deps,
//! profile count, partition) and its cell's position in the whole matrix,
//! so merge can refuse what would make a wrong report: a malformed line,
//! parts of different runs, two different verdicts for one cell, and a
//! matrix with holes (a part missing).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::report::{self, json::parse_line, Cell, Format, Matrix, Run};

#[derive(clap::Args)]
pub struct Args {
    /// JSON-lines outputs of `portolan check --format json` (parts of one run).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let mut inputs = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        inputs.push((path.display().to_string(), text));
    }
    let matrix = join(&inputs)?;
    report::write(&matrix, args.format, args.output.as_deref())?;
    Ok(matrix.exit_code())
}

/// Where a line came from, for messages: `FILE:LINE`.
type Origin = String;

/// The whole matrix from the parts' texts `(name, contents)`.
pub fn join(inputs: &[(String, String)]) -> Result<Matrix> {
    let mut first: Option<(Run, Origin)> = None;
    let mut cells: BTreeMap<[usize; 2], (Cell, Origin)> = BTreeMap::new();
    let mut names: BTreeMap<(String, String), [usize; 2]> = BTreeMap::new();
    for (file, text) in inputs {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let here = format!("{file}:{}", n + 1);
            let (run, cell) = parse_line(line).map_err(|e| anyhow::anyhow!("{here}: {e}"))?;
            match &first {
                None => first = Some((run.clone(), here.clone())),
                Some((r, at)) => same_run(r, at, &run, &here)?,
            }
            let [i, j] = cell.position;
            if i >= run.profiles || run.targets.get(j) != Some(&cell.set) {
                bail!(
                    "{here}: cell {} {} at position [{i}, {j}] is outside its run's matrix ({} profiles × targets {})",
                    cell.profile,
                    cell.set,
                    run.profiles,
                    run.targets.join(" ")
                );
            }
            if let Some(p) = run.partition {
                if !p.contains(i) {
                    bail!(
                        "{here}: profile {} (number {}) is not in part {p}",
                        cell.profile,
                        i + 1
                    );
                }
            }
            let key = (cell.profile.clone(), cell.set.clone());
            if let Some(pos) = names.insert(key, cell.position) {
                if pos != cell.position {
                    bail!(
                        "{here}: {} {} appears at two positions, {pos:?} and {:?}",
                        cell.profile,
                        cell.set,
                        cell.position
                    );
                }
            }
            if let Some((seen, at)) = cells.get(&cell.position) {
                if *seen != cell {
                    bail!(
                        "{here}: conflicts with {at}: {} {} is {} there and {} here",
                        seen.profile,
                        seen.set,
                        describe(seen),
                        describe(&cell)
                    );
                }
                continue;
            }
            cells.insert(cell.position, (cell, here));
        }
    }
    let Some((mut run, _)) = first else {
        bail!(
            "no cells in {}: nothing to merge",
            inputs
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    complete(&run, &cells)?;
    run.partition = None;
    Ok(Matrix {
        run,
        cells: cells.into_values().map(|(c, _)| c).collect(),
    })
}

/// Parts of one run agree on everything but which part they are.
fn same_run(a: &Run, a_at: &str, b: &Run, b_at: &str) -> Result<()> {
    let differs = |what: &str, x: String, y: String| -> Result<()> {
        if x != y {
            bail!(
                "{b_at}: not a part of the same run as {a_at}: {what} differ ({y} here, {x} there)"
            );
        }
        Ok(())
    };
    let repos = |r: &Run| {
        r.repos
            .iter()
            .map(|r| format!("{}@{}", r.name, r.revision.as_deref().unwrap_or("?")))
            .collect::<Vec<_>>()
            .join(" ")
    };
    differs("repositories", repos(a), repos(b))?;
    differs("targets", a.targets.join(" "), b.targets.join(" "))?;
    differs("deps", a.deps.clone(), b.deps.clone())?;
    differs(
        "--allow-use-changes",
        a.allow_use_changes.to_string(),
        b.allow_use_changes.to_string(),
    )?;
    differs(
        "profile counts",
        a.profiles.to_string(),
        b.profiles.to_string(),
    )?;
    differs("portolan versions", a.portolan.clone(), b.portolan.clone())?;
    let n = |r: &Run| {
        r.partition
            .map_or("unpartitioned".to_owned(), |p| format!("split in {}", p.n))
    };
    differs("partitionings", n(a), n(b))
}

fn describe(c: &Cell) -> String {
    format!("{} ({})", c.status().as_str(), c.headline())
}

/// Every (profile, target) of the run must be there.
fn complete(run: &Run, cells: &BTreeMap<[usize; 2], (Cell, Origin)>) -> Result<()> {
    let want = run.profiles * run.targets.len();
    if cells.len() == want {
        return Ok(());
    }
    let missing: Vec<usize> = (0..run.profiles)
        .filter(|&i| (0..run.targets.len()).any(|j| !cells.contains_key(&[i, j])))
        .collect();
    let mut msg = format!(
        "incomplete: {} of {want} cells; {} of {} profiles lack cells (numbers {})",
        cells.len(),
        missing.len(),
        run.profiles,
        missing
            .iter()
            .take(10)
            .map(|i| (i + 1).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(p) = run.partition {
        let mut parts: Vec<usize> = missing.iter().map(|i| i % p.n + 1).collect();
        parts.sort_unstable();
        parts.dedup();
        let parts: Vec<String> = parts.iter().map(|k| format!("{k}/{}", p.n)).collect();
        msg.push_str(&format!("; give the output of part {}", parts.join(", ")));
    }
    bail!(msg)
}
