//! `portolan bisect --repo NAME --good REV --bad REV [--profile P]...
//! [--all-profiles] [--target ATOM_OR_SET]... [--visible CPV]
//! [--deps all|runtime]`: the first commit, along first parents from GOOD to
//! BAD, where something that worked at GOOD stops working.
//!
//! Without `--visible`, a commit is bad when some (profile, target) cell
//! that installs at GOOD does not install there. With `--visible CPV`, when
//! the version, visible at GOOD under some selected profile, is masked
//! there (or gone). Only the cells that were good at GOOD are evaluated at
//! each commit, and a commit stops being evaluated at its first bad cell.
//!
//! Exit 0: found (printed with the cells that turned, their explanation and
//! the diff against the parent commit); 1: the range holds no change of
//! that kind (nothing good at GOOD, or nothing bad at BAD); 2: bad input
//! (unknown revision, GOOD not an ancestor of BAD, unknown profile or CPV).

use std::cell::RefCell;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::evaluate::{Evaluator, PackageState};
use portolan_engine::profile::stack::Profile;
use portolan_engine::tree::Tree;
use portolan_history::{Commit, HistoryError, ObjectId};
use portolan_solver::profile::universe_for;
use portolan_solver::{solve, DepClasses, Request, Verdict};
use rayon::prelude::*;

use super::check::Deps;
use super::diff::{compare, RepoArg};
use super::select::{profile_names, ProfileArgs};
use crate::bisect::{first_bad, Outcome};
use crate::diff::{target_atoms, Change, Options, Reason};
use crate::history::History;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    repo: RepoArg,
    /// A revision where all is well.
    #[arg(long, value_name = "REV")]
    good: String,
    /// A later revision (GOOD must be a first-parent ancestor) where it is
    /// not.
    #[arg(long, value_name = "REV")]
    bad: String,
    #[command(flatten)]
    select: ProfileArgs,
    /// A set (`@system`, `@profile`) or an atom whose installability is
    /// watched (repeatable; default `@system`).
    #[arg(long = "target", value_name = "ATOM_OR_SET")]
    targets: Vec<String>,
    /// Watch this version's visibility instead (`CAT/PF` or `CAT/PF::REPO`).
    #[arg(long, value_name = "CPV", conflicts_with = "targets")]
    visible: Option<String>,
    #[arg(long, value_enum, default_value = "all")]
    deps: Deps,
}

/// What is watched: the cells that are good at GOOD.
enum Watch {
    /// (profile, target label, target atoms as given).
    Cells(Vec<(String, String, Vec<String>)>),
    /// (profile, CPV as asked).
    Visible(Vec<String>, String),
}

impl Watch {
    fn profiles(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let names: Box<dyn Iterator<Item = &str>> = match self {
            Watch::Cells(c) => Box::new(c.iter().map(|c| c.0.as_str())),
            Watch::Visible(p, _) => Box::new(p.iter().map(String::as_str)),
        };
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }
}

/// What turned at a commit, for the report.
enum Turned {
    Cell {
        profile: String,
        set: String,
        verdict: Verdict,
    },
    Masked {
        profile: String,
        cpv: String,
        reasons: Vec<Reason>,
    },
    Gone {
        profile: String,
        cpv: String,
    },
}

pub fn run(conf: &Path, args: &Args) -> Result<ExitCode> {
    let deps = match args.deps {
        Deps::All => DepClasses::All,
        Deps::Runtime => DepClasses::Runtime,
    };
    let targets = parse_targets(&args.targets)?;
    let history = History::open(conf, args.repo.name()?)?;
    let good = history.resolve(&args.good)?;
    let bad = history.resolve(&args.bad)?;
    if good.id == bad.id {
        bail!("--good and --bad name the same commit {}", good.hex());
    }
    let range = match history.git.first_parent_range(good.id, bad.id) {
        Ok(r) => r,
        Err(HistoryError::NotAnAncestor { .. }) => bail!(
            "--good {} ({}) is not a first-parent ancestor of --bad {} ({})",
            args.good,
            good.hex(),
            args.bad,
            bad.hex()
        ),
        Err(e) => return Err(e.into()),
    };
    let mut at_good = history
        .load(good.id)
        .with_context(|| format!("--good {}: the repository does not load", args.good))?;
    let names = profile_names(&at_good, &args.select, &[])?;
    let watch = match &args.visible {
        Some(cpv) => watch_visible(&mut at_good, &names, cpv)?,
        None => watch_cells(&mut at_good, &names, &targets, deps)?,
    };
    let watch = match watch {
        Ok(w) => w,
        Err(nothing) => {
            println!("{nothing} at --good {}: nothing to bisect", good.hex());
            return Ok(ExitCode::from(1));
        }
    };
    drop(at_good);
    // The last good and the last bad tree evaluated are kept: when the
    // search ends they are usually the parent and the first bad commit,
    // which the report needs again.
    let kept: RefCell<[Option<(ObjectId, Tree)>; 2]> = RefCell::new([None, None]);
    let test = |c: &Commit| -> Outcome {
        match history.load(c.id) {
            Err(e) => Outcome::Skip(format!("{e:#}")),
            Ok(mut tree) => match turned(&mut tree, &watch, deps, true) {
                Err(e) => Outcome::Skip(format!("{e:#}")),
                Ok(t) => {
                    let bad = !t.is_empty();
                    kept.borrow_mut()[bad as usize] = Some((c.id, tree));
                    if bad {
                        Outcome::Bad
                    } else {
                        Outcome::Good
                    }
                }
            },
        }
    };
    let reload = |id: ObjectId, slot: usize| -> Result<Tree> {
        match kept.borrow_mut()[slot].take() {
            Some((kept_id, tree)) if kept_id == id => Ok(tree),
            _ => history.load(id),
        }
    };
    // BAD must be bad, or there is nothing to find.
    let last = range.len() - 1;
    match test(&range[last]) {
        Outcome::Good => {
            println!(
                "every watched {} at --bad {}: the range holds no such change",
                match watch {
                    Watch::Cells(_) => "cell still installs",
                    Watch::Visible(..) => "profile still sees the version",
                },
                bad.hex()
            );
            return Ok(ExitCode::from(1));
        }
        Outcome::Skip(why) => bail!("--bad {}: cannot be evaluated: {why}", args.bad),
        Outcome::Bad => {}
    }
    let found = first_bad(range.len(), |i| test(&range[i]));
    let culprit = &range[found.first_bad];
    // The diff is against the parent, or, when the parent could not be
    // loaded, the last commit before it that could (the last good one).
    let parent = (0..found.first_bad)
        .rev()
        .find(|i| !found.skipped.contains_key(i))
        .map_or(&good, |i| &range[i]);
    let mut report = String::new();
    writeln!(
        report,
        "first bad commit: {} {}",
        culprit.hex(),
        culprit.subject
    )?;
    if !found.ambiguous.is_empty() {
        writeln!(
            report,
            "  (commits just before it could not be evaluated, so the first bad one may be any of:"
        )?;
        for &i in &found.ambiguous {
            writeln!(report, "   {} {}", range[i].hex(), range[i].subject)?;
        }
        writeln!(report, "   {} {})", culprit.hex(), culprit.subject)?;
    }
    writeln!(
        report,
        "  ({} of {} commits evaluated)",
        found.tested + 1,
        range.len()
    )?;
    let mut at_bad = reload(culprit.id, 1)?;
    let turned = turned(&mut at_bad, &watch, deps, false)?;
    writeln!(report, "\nwhat turned:")?;
    for t in &turned {
        match t {
            Turned::Cell {
                profile,
                set,
                verdict,
            } => {
                writeln!(report, "  {profile} {set}: installable -> NOT installable")?;
                for line in verdict.explanation.lines() {
                    writeln!(report, "      {line}")?;
                }
            }
            Turned::Masked {
                profile,
                cpv,
                reasons,
            } => {
                writeln!(report, "  {profile} {cpv}: visible -> masked")?;
                for r in reasons {
                    let at = r.at.as_ref().map(|l| format!(" ({l})")).unwrap_or_default();
                    writeln!(report, "      {}: {}{at}", r.kind, r.detail)?;
                }
            }
            Turned::Gone { profile, cpv } => {
                writeln!(
                    report,
                    "  {profile} {cpv}: visible -> gone from every repository"
                )?;
            }
        }
    }
    // The diff against the parent, for the profiles that turned. Their
    // installability there is known (every watched cell installs at a good
    // commit), so only the profile and package changes are computed and the
    // cells that turned are added as they are.
    let mut profiles: Vec<String> = Vec::new();
    for t in &turned {
        let (Turned::Cell { profile, .. }
        | Turned::Masked { profile, .. }
        | Turned::Gone { profile, .. }) = t;
        if !profiles.contains(profile) {
            profiles.push(profile.clone());
        }
    }
    let mut at_parent = reload(parent.id, 0)?;
    let opts = Options {
        targets: Vec::new(),
        deps,
        packages: true,
    };
    let mut diffs = compare(&mut at_parent, &mut at_bad, &profiles, &opts)?;
    for t in &turned {
        if let Turned::Cell {
            profile,
            set,
            verdict,
        } = t
        {
            if let Some((_, changes)) = diffs.iter_mut().find(|(p, _)| p == profile) {
                changes.push(Change::Installable {
                    set: set.clone(),
                    installable: false,
                    problems: verdict.problems.clone(),
                    explanation: verdict.explanation.clone(),
                });
            }
        }
    }
    let against = if culprit.parents.first() == Some(&parent.id) {
        "the parent"
    } else {
        "the last commit that loads"
    };
    writeln!(
        report,
        "\nchanges against {against} {} {}:",
        parent.hex(),
        parent.subject
    )?;
    crate::diff::write_text(&mut report, &diffs);
    if !found.skipped.is_empty() {
        writeln!(report, "\nskipped (the repository does not load there):")?;
        for (&i, why) in &found.skipped {
            writeln!(report, "  {} {}: {why}", range[i].hex(), range[i].subject)?;
        }
    }
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// `--target` values as (label, atoms); `@system` when none.
fn parse_targets(targets: &[String]) -> Result<Vec<(String, Vec<String>)>> {
    if targets.is_empty() {
        return Ok(vec![("@system".to_owned(), Vec::new())]);
    }
    targets
        .iter()
        .map(|t| {
            if t == "@system" || t == "@profile" {
                Ok((t.clone(), Vec::new()))
            } else if t.starts_with('@') {
                Err(anyhow!(
                    "--target {t}: unknown set (known: @system, @profile)"
                ))
            } else {
                Atom::parse(t, AtomOptions::unrestricted())
                    .map_err(|e| anyhow!("--target {t}: {e}"))?;
                Ok((t.clone(), vec![t.clone()]))
            }
        })
        .collect()
}

fn stack(tree: &mut Tree, names: &[&str]) -> Result<Vec<Profile>> {
    names
        .iter()
        .map(|n| tree.profile(n).map_err(anyhow::Error::from))
        .collect()
}

/// The cells installable at GOOD, or what to say when there are none.
fn watch_cells(
    tree: &mut Tree,
    names: &[String],
    targets: &[(String, Vec<String>)],
    deps: DepClasses,
) -> Result<Result<Watch, String>> {
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let profiles = stack(tree, &refs)?;
    let tree = &*tree;
    let cells: Vec<(String, String, Vec<String>)> = profiles
        .par_iter()
        .flat_map_iter(|p| {
            targets
                .iter()
                .filter(|(set, atoms)| verdict(tree, p, set, atoms, deps).installable)
                .map(|(set, atoms)| (p.name.clone(), set.clone(), atoms.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(if cells.is_empty() {
        Err("no selected (profile, target) cell installs".to_owned())
    } else {
        Ok(Watch::Cells(cells))
    })
}

/// One cell's verdict, from the part of the tree the target can reach.
fn verdict(tree: &Tree, p: &Profile, set: &str, atoms: &[String], deps: DepClasses) -> Verdict {
    let targets = target_atoms(p, set, atoms);
    let (u, _) = universe_for(tree, p, &targets);
    let mut req = Request::new(set.to_owned(), targets);
    req.deps = deps;
    solve(&u, &req)
}

/// The profiles under which `cpv` is visible at GOOD.
fn watch_visible(tree: &mut Tree, names: &[String], cpv: &str) -> Result<Result<Watch, String>> {
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let profiles = stack(tree, &refs)?;
    let pkgs = tree.packages.find_cpv(cpv);
    let pkg = match pkgs.as_slice() {
        [] => bail!("--visible {cpv}: in no configured repository at --good"),
        [one] => *one,
        _ => bail!("--visible {cpv}: in several repositories; add ::REPO"),
    };
    let seen: Vec<String> = profiles
        .iter()
        .filter(|p| Evaluator::new(tree, p).evaluate(pkg).visible)
        .map(|p| p.name.clone())
        .collect();
    Ok(if seen.is_empty() {
        Err(format!("{cpv} is visible under no selected profile"))
    } else {
        Ok(Watch::Visible(seen, cpv.to_owned()))
    })
}

/// The watched cells that are bad in `tree`; with `first_only`, stops at
/// the first one found (enough to call the commit bad). An error (a
/// profile that does not stack) makes the commit untestable.
fn turned(
    tree: &mut Tree,
    watch: &Watch,
    deps: DepClasses,
    first_only: bool,
) -> Result<Vec<Turned>> {
    let names = watch.profiles();
    let profiles = stack(tree, &names)?;
    let tree = &*tree;
    let per_profile = |p: &Profile| -> Vec<Turned> {
        match watch {
            Watch::Cells(cells) => {
                let mine: Vec<_> = cells.iter().filter(|c| c.0 == p.name).collect();
                let mut out = Vec::new();
                for (_, set, atoms) in mine {
                    let verdict = verdict(tree, p, set, atoms, deps);
                    if !verdict.installable {
                        out.push(Turned::Cell {
                            profile: p.name.clone(),
                            set: set.clone(),
                            verdict,
                        });
                        if first_only {
                            break;
                        }
                    }
                }
                out
            }
            Watch::Visible(_, cpv) => match tree.packages.find_cpv(cpv).first() {
                None => vec![Turned::Gone {
                    profile: p.name.clone(),
                    cpv: cpv.clone(),
                }],
                Some(pkg) => {
                    let state: PackageState = Evaluator::new(tree, p).evaluate(pkg);
                    if state.visible {
                        Vec::new()
                    } else {
                        vec![Turned::Masked {
                            profile: p.name.clone(),
                            cpv: cpv.clone(),
                            reasons: state.masked_by.iter().map(Reason::from).collect(),
                        }]
                    }
                }
            },
        }
    };
    if first_only {
        Ok(profiles
            .par_iter()
            .map(per_profile)
            .find_any(|t| !t.is_empty())
            .unwrap_or_default())
    } else {
        Ok(profiles.par_iter().flat_map_iter(per_profile).collect())
    }
}
