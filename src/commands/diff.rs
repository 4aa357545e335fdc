//! `portolan diff --repo NAME FROM TO [--profile P]... [--all-profiles]
//! [--format text|json]`: what changed for each profile between two
//! revisions of one repository (the others stay at their working state).
//! Exit 0 when nothing changed, 1 when something did, 2 on bad input, as
//! diff(1).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use portolan_engine::profile::stack::Profile;
use portolan_engine::tree::Tree;
use portolan_solver::DepClasses;
use rayon::prelude::*;

use super::select::ProfileArgs;
use crate::diff::{profile_changes, Change, Options};
use crate::history::History;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `--repo NAME` of `diff` and `bisect`.
///
/// The global `--repo DIR` shares the flag; giving this argument the same
/// id (`repos`) makes clap use it instead of the global one inside these
/// subcommands, and the same value type keeps the two readable.
#[derive(clap::Args, Clone)]
pub struct RepoArg {
    /// The configured repository (its name in repos.conf) whose git history
    /// is read; it must be a git work tree.
    #[arg(long = "repo", id = "repos", value_name = "NAME", required = true)]
    repo: PathBuf,
}

impl RepoArg {
    pub fn name(&self) -> Result<&str> {
        self.repo
            .to_str()
            .ok_or_else(|| anyhow!("--repo: repository names are UTF-8"))
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    repo: RepoArg,
    /// The older revision (`HEAD~3`, a branch, a tag, an id).
    from: String,
    /// The newer revision.
    to: String,
    #[command(flatten)]
    select: ProfileArgs,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(conf: &Path, args: &Args) -> Result<ExitCode> {
    let history = History::open(conf, args.repo.name()?)?;
    let from = history.resolve(&args.from)?;
    let to = history.resolve(&args.to)?;
    let mut a = history.load(from.id)?;
    let mut b = history.load(to.id)?;
    let names = profile_union(&a, &b, &args.select)?;
    let opts = Options {
        targets: vec![("@system".to_owned(), Vec::new())],
        deps: DepClasses::All,
        packages: true,
    };
    let diffs = compare(&mut a, &mut b, &names, &opts)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Json => {
            for (profile, changes) in &diffs {
                for c in changes {
                    let mut v = c.to_json();
                    v["profile"] = serde_json::json!(profile);
                    writeln!(out, "{v}")?;
                }
            }
        }
        Format::Text => {
            writeln!(out, "from {} {}", from.hex(), from.subject)?;
            writeln!(out, "to   {} {}", to.hex(), to.subject)?;
            let mut s = String::new();
            crate::diff::write_text(&mut s, &diffs);
            out.write_all(s.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(if diffs.iter().all(|(_, c)| c.is_empty()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The profiles asked for; with `--all-profiles`, those of profiles.desc on
/// either side (the older side's order first).
pub fn profile_union(a: &Tree, b: &Tree, select: &ProfileArgs) -> Result<Vec<String>> {
    let mut names = select.profiles.clone();
    if select.all_profiles {
        for t in [a, b] {
            for d in &t.profiles_desc {
                let n = d.name(&t.repos);
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    if names.is_empty() {
        return Err(anyhow!(
            "no profile given: name one (REPO:PATH) or pass --all-profiles"
        ));
    }
    Ok(names)
}

/// The changes of each profile, in the order of `names`. A profile that
/// stacks on one side only is reported as appearing or disappearing; one
/// that stacks on neither is bad input.
pub fn compare(
    a: &mut Tree,
    b: &mut Tree,
    names: &[String],
    opts: &Options,
) -> Result<Vec<(String, Vec<Change>)>> {
    let mut stacked: Vec<(Result<Profile>, Result<Profile>)> = Vec::new();
    for n in names {
        let pair = (
            a.profile(n).map_err(anyhow::Error::from),
            b.profile(n).map_err(anyhow::Error::from),
        );
        if let (Err(e), Err(_)) = &pair {
            return Err(anyhow!("{e:#} (on both sides)"));
        }
        stacked.push(pair);
    }
    let (a, b) = (&*a, &*b);
    Ok(names
        .par_iter()
        .zip(stacked.par_iter())
        .map(|(name, pair)| {
            let changes = match pair {
                (Ok(pa), Ok(pb)) => profile_changes((a, pa), (b, pb), opts),
                (Ok(_), Err(e)) => vec![Change::Profile {
                    present: false,
                    detail: format!("{e:#}"),
                }],
                (Err(e), Ok(_)) => vec![Change::Profile {
                    present: true,
                    detail: format!("before: {e:#}"),
                }],
                (Err(_), Err(_)) => unreachable!("refused above"),
            };
            (name.clone(), changes)
        })
        .collect())
}
