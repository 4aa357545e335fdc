//! `portolan query [--profile P]... [--all-profiles] [--cpvs-from FILE]
//! [--json] [CPV...]`: visibility and USE of package versions per profile.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context, Result};
use portolan_engine::evaluate::{Evaluator, PackageState};
use portolan_engine::package::Package;
use portolan_engine::profile::stack::Profile;
use portolan_engine::tree::Tree;
use rayon::prelude::*;
use serde_json::json;

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
            .map(|p| (p.cpv().to_owned(), vec![p]))
            .collect()
    } else {
        wanted
            .iter()
            .map(|w| (w.clone(), tree.packages.find_cpv(w)))
            .collect()
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Profiles are evaluated in parallel, a batch at a time so that output
    // stays in order and memory bounded.
    for batch in profiles.chunks(32) {
        let texts: Vec<String> = batch
            .par_iter()
            .map(|p| render_profile(tree, p, &selection, args.json))
            .collect();
        for t in texts {
            out.write_all(t.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn render_profile(
    tree: &Tree,
    p: &Profile,
    selection: &[(String, Vec<&Package>)],
    json: bool,
) -> String {
    let ev = Evaluator::new(tree, p);
    let mut buf = String::with_capacity(selection.len() * 200);
    for (asked, pkgs) in selection {
        if pkgs.is_empty() {
            let (cpv, repo) = match asked.split_once("::") {
                Some((c, r)) => (c, Some(r)),
                None => (asked.as_str(), None),
            };
            if json {
                buf.push_str(
                    &json!({"profile": p.name, "cpv": cpv, "repo": repo, "error": "not found"})
                        .to_string(),
                );
            } else {
                let _ = write!(buf, "{}  {cpv}  not found", p.name);
            }
            buf.push('\n');
            continue;
        }
        for pkg in pkgs {
            let state = ev.evaluate(pkg);
            if json {
                write_json_line(&mut buf, &p.name, pkg, &state);
            } else {
                buf.push_str(&text_line(&p.name, pkg, &state));
                buf.push('\n');
            }
        }
    }
    buf
}

/// The `query --json` line, written directly: this runs once per (profile,
/// version), a million times over the real corpus.
fn write_json_line(buf: &mut String, profile: &str, pkg: &Package, s: &PackageState) {
    buf.push_str("{\"profile\":");
    json_str(buf, profile);
    buf.push_str(",\"cpv\":");
    json_str(buf, pkg.cpv());
    buf.push_str(",\"repo\":");
    json_str(buf, pkg.repo_name.as_str());
    buf.push_str(if s.visible {
        ",\"visible\":true"
    } else {
        ",\"visible\":false"
    });
    buf.push_str(",\"masked_by\":");
    json_list(buf, s.masked_by.iter().map(|m| m.kind.as_str()));
    buf.push_str(if s.stable {
        ",\"stable\":true"
    } else {
        ",\"stable\":false"
    });
    for (key, flags) in [
        ("use", &s.use_),
        ("forced", &s.forced),
        ("masked", &s.masked),
    ] {
        buf.push_str(",\"");
        buf.push_str(key);
        buf.push_str("\":");
        json_list(buf, flags.iter().map(|f| f.as_str()));
    }
    buf.push_str("}\n");
}

fn json_list<'a>(buf: &mut String, items: impl Iterator<Item = &'a str>) {
    buf.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            buf.push(',');
        }
        json_str(buf, item);
    }
    buf.push(']');
}

fn json_str(buf: &mut String, s: &str) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(buf, "\\u{:04x}", c as u32);
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
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
