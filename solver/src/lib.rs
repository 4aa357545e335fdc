//! Installability of package sets under one Gentoo profile, with
//! explanations a person can act on.
//!
//! The engine evaluates every package version under an (arch, profile):
//! visibility and why not, effective USE, forced and masked flags. This
//! crate takes those answers as plain data ([`Universe`]) and asks: can
//! these targets ([`Request`], e.g. `@system`) be installed together, with
//! every dependency met, no blocker violated, every USE dependency and
//! REQUIRED_USE honoured? The answer ([`Verdict`]) is either a set of
//! versions — checked independently by [`check_solution`] — or classified
//! [`Problem`]s (missing, masked, keywords, use, required_use, blocked,
//! conflict) with "required by" chains and an explanation derived from
//! pubgrub's proof of unsatisfiability.
//!
//! # Semantics (what is modelled, and how Portage is approximated)
//!
//! * One version per `(cat/pkg, SLOT)`; slots coexist. An atom without a
//!   slot may be met by any slot; the newest match is preferred.
//! * Only visible versions are candidates; USE is the profile's effective
//!   USE. A version whose USE violates REQUIRED_USE is unusable. With
//!   [`Request::allow_use_changes`], non-forced, non-masked flags that a
//!   USE dependency on the package or its own REQUIRED_USE mentions may be
//!   flipped (fewest changes preferred) and every flip is reported; like
//!   emerge's autounmask, a flag is never flipped only to switch a
//!   conditional dependency off.
//! * `||` prefers its first alternative that works. Blockers (`!`, `!!`
//!   alike: installability, not merge order) forbid the matched versions;
//!   a blocker never matches the version that carries it.
//! * `package.provided` satisfies any atom matching it by name and version.
//! * Dependency cycles are fine: this is about installability, not order.
//!
//! How Gentoo dependencies are encoded as pubgrub packages (and why each
//! proxy package exists) is documented in `src/package.rs`; how the
//! derivation tree becomes an explanation, in `src/report.rs`.
//!
//! [`reference`](mod@reference) decides the same question by exhaustive search on small
//! universes; the property tests hold the two to the same answers.

mod check;
mod idxset;
mod package;
pub mod profile;
mod provider;
pub mod reference;
mod report;
pub mod universe;
pub mod verdict;

use std::collections::BTreeMap;

use pubgrub::PubGrubError;

pub use check::check_solution;
pub use package::MAX_VARIANTS;
pub use universe::{
    Candidate, DepClass, DepClasses, ImmutableFlag, MaskKind, MaskReason, Request, Universe,
};
pub use verdict::{Chosen, Problem, ProblemKind, UseChange, Verdict};

use package::Pkg;
use provider::Provider;

/// Limits of one solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SolveOptions {
    /// Solver steps (decisions plus expanded versions, all rounds
    /// together) after which the solve gives up with a
    /// [`ProblemKind::Limit`] problem. Real requests need a few thousand.
    pub max_steps: usize,
    /// pubgrub stops at the first contradiction. After a failure, the
    /// atoms it diagnosed (missing, masked, …) are set aside as if
    /// satisfied and the request is solved again, up to this many solves
    /// in all, so that independent problems are all listed. 1 = only the
    /// first problem.
    pub max_rounds: usize,
}

impl Default for SolveOptions {
    fn default() -> SolveOptions {
        SolveOptions {
            max_steps: 1_000_000,
            max_rounds: 8,
        }
    }
}

/// Decides whether `request` is installable in `universe`.
pub fn solve(universe: &Universe, request: &Request) -> Verdict {
    solve_with(universe, request, &SolveOptions::default())
}

/// [`solve`] with explicit limits.
pub fn solve_with(universe: &Universe, request: &Request, opts: &SolveOptions) -> Verdict {
    let p = Provider::new(universe, request, opts.max_steps);
    let mut problems: Vec<Problem> = Vec::new();
    let mut narratives: Vec<String> = Vec::new();
    for round in 0..opts.max_rounds.max(1) {
        match pubgrub::resolve(&p, Pkg::Root, 0u32) {
            Ok(selected) if round == 0 => return success(&p, request, selected),
            // The earlier rounds' problems were all there is.
            Ok(_) => break,
            Err(PubGrubError::NoSolution(tree)) => {
                let failure = report::explain(&p, &tree);
                for pr in failure.problems {
                    if !problems.contains(&pr) {
                        problems.push(pr);
                    }
                }
                narratives.push(failure.narrative);
                // Only diagnosed atoms can be set aside; a conflict or a
                // blocker is the whole story.
                let mut st = p.st.borrow_mut();
                let before = st.set_aside.len();
                st.set_aside.extend(failure.unsat);
                if st.set_aside.len() == before {
                    break;
                }
            }
            Err(e) => {
                if round > 0 {
                    break; // keep what the earlier rounds found
                }
                return gave_up(request, e);
            }
        }
    }
    let explanation = report::explanation(&request.label, &problems, &narratives);
    Verdict {
        installable: false,
        problems,
        explanation,
        ..Verdict::default()
    }
}

fn success(
    p: &Provider<'_>,
    request: &Request,
    selected: pubgrub::SelectedDependencies<Pkg, u32>,
) -> Verdict {
    let st = p.st.borrow();
    let mut v = Verdict {
        installable: true,
        ..Verdict::default()
    };
    for (pkg, idx) in selected {
        let Pkg::Slot { cp, slot } = pkg else {
            continue;
        };
        let Some(var) = st
            .slots
            .get(&(cp, slot))
            .and_then(|s| s.variants.get((idx as usize).wrapping_sub(1)))
        else {
            continue; // not installed
        };
        let c = var.prep.cand;
        let key = format!("{cp}:{slot}");
        v.solution.insert(key.clone(), c.pf());
        let mut use_: Vec<String> = var.use_.iter().map(|f| f.to_string()).collect();
        use_.sort();
        v.chosen.push(Chosen {
            key,
            cpv: c.cpv(),
            repo: c.repo.to_string(),
            use_enabled: use_,
        });
        for &(flag, enable) in &var.changes {
            v.use_changes.push(UseChange {
                cpv: c.cpv(),
                repo: c.repo.to_string(),
                flag: flag.to_string(),
                enable,
            });
        }
    }
    v.chosen.sort();
    v.use_changes.sort();
    v.explanation = installable_text(request, &v.solution, &v.use_changes);
    v
}

fn gave_up(request: &Request, e: PubGrubError<Provider<'_>>) -> Verdict {
    let detail = match &e {
        PubGrubError::ErrorInShouldCancel(inner)
        | PubGrubError::ErrorChoosingVersion { source: inner, .. }
        | PubGrubError::ErrorRetrievingDependencies { source: inner, .. } => inner.to_string(),
        other => other.to_string(),
    };
    let problem = Problem {
        kind: ProblemKind::Limit,
        atom: request.label.clone(),
        required_by: vec![request.label.clone()],
        detail,
        source: None,
    };
    Verdict {
        installable: false,
        explanation: format!(
            "{} could not be decided.\nProblems:\n  {problem}\n",
            request.label
        ),
        problems: vec![problem],
        ..Verdict::default()
    }
}

fn installable_text(
    request: &Request,
    solution: &BTreeMap<String, String>,
    changes: &[UseChange],
) -> String {
    let mut s = format!(
        "{} is installable: {} package versions.\n",
        request.label,
        solution.len()
    );
    if !changes.is_empty() {
        s.push_str("USE changes needed (package.use):\n");
        for c in changes {
            s.push_str(&format!("  {c}\n"));
        }
    }
    s
}
