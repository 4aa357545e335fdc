//! The text report: one line per cell, then why each failing cell fails.

use std::io::Write;

use anyhow::Result;

use super::{Matrix, Status};

pub fn write(out: &mut dyn Write, m: &Matrix) -> Result<()> {
    let width = m.cells.iter().map(|c| c.profile.len()).max().unwrap_or(0);
    for c in &m.cells {
        let status = match c.status() {
            Status::Installable => format!("installable ({} packages)", c.solution.len()),
            Status::NotInstallable => format!(
                "NOT installable ({} problems: {})",
                c.problems.len(),
                c.problems
                    .iter()
                    .map(|p| p.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Status::Error => format!("ERROR: {}", c.headline()),
        };
        writeln!(out, "{:<width$}  {:<10}  {status}", c.profile, c.set)?;
    }
    for c in m.cells.iter().filter(|c| !c.installable) {
        writeln!(out, "\n== {} {}", c.profile, c.set)?;
        for line in c.explanation.lines() {
            writeln!(out, "   {line}")?;
        }
    }
    Ok(())
}
