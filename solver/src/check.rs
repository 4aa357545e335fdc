//! An independent check of a solution, sharing nothing with the solver's
//! pubgrub model but the input data and the engine's matching primitives.
//!
//! The solver's encoding (index sets, proxies, variants) is clever enough to
//! be wrong in subtle ways; this module reads the verdict back into plain
//! installed versions with their USE, checks that the verdict is consistent
//! (every chosen version exists, the reported USE is the effective USE plus
//! the reported changes, and each change is one the request allows), then
//! hands the installation to the reference checker
//! ([`crate::reference::violations`]), which re-evaluates every dependency,
//! blocker, USE dependency and REQUIRED_USE the direct way. Tests run it on
//! every installable verdict.

use portolan_engine::intern::Sym;

use crate::reference::{self, Pick};
use crate::universe::{Request, Universe};
use crate::verdict::Verdict;

/// Checks that `verdict`'s chosen versions form a valid installation for
/// `request`. Returns every violation found.
pub fn check_solution(
    universe: &Universe,
    request: &Request,
    verdict: &Verdict,
) -> Result<(), Vec<String>> {
    let mut errs = Vec::new();
    let mut picks: Vec<Pick<'_>> = Vec::new();

    if verdict.solution.len() != verdict.chosen.len() {
        errs.push(format!(
            "solution has {} entries but {} chosen versions",
            verdict.solution.len(),
            verdict.chosen.len()
        ));
    }
    for ch in &verdict.chosen {
        let Some((cp, slot)) = ch.key.split_once(':') else {
            errs.push(format!("bad key {}", ch.key));
            continue;
        };
        let found = universe
            .candidates(Sym::new(cp))
            .iter()
            .find(|c| c.cpv() == ch.cpv && c.repo.as_str() == ch.repo && c.slot.as_str() == slot);
        let Some(c) = found else {
            errs.push(format!(
                "{}::{} (slot {slot}) is not in the universe",
                ch.cpv, ch.repo
            ));
            continue;
        };
        if verdict.solution.get(&ch.key) != Some(&c.pf()) {
            errs.push(format!("solution[{}] is not {}", ch.key, c.pf()));
        }
        let mut use_: Vec<Sym> = c.use_enabled.clone();
        for change in verdict
            .use_changes
            .iter()
            .filter(|x| x.cpv == ch.cpv && x.repo == ch.repo)
        {
            let f = Sym::new(&change.flag);
            if !c.iuse.contains(&f) {
                errs.push(format!("{change}: {f} is not in IUSE"));
            }
            if use_.contains(&f) == change.enable {
                errs.push(format!("{change}: {f} is already in that state"));
            }
            use_.retain(|&g| g != f);
            if change.enable {
                use_.push(f);
            }
        }
        let mut shown: Vec<&str> = use_.iter().map(|f| f.as_str()).collect();
        shown.sort_unstable();
        shown.dedup();
        if shown
            != ch
                .use_enabled
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        {
            errs.push(format!(
                "{}: reported USE {:?} differs from effective USE plus changes {:?}",
                ch.cpv, ch.use_enabled, shown
            ));
        }
        let pick = Pick { cand: c, use_ };
        // Not allowed at all, forced, masked, or outside the flags
        // autounmask may touch.
        if let Err(e) = reference::use_allowed(universe, request, &pick) {
            errs.push(e);
        }
        picks.push(pick);
    }
    for change in &verdict.use_changes {
        if !verdict
            .chosen
            .iter()
            .any(|ch| ch.cpv == change.cpv && ch.repo == change.repo)
        {
            errs.push(format!("{change}: not a chosen version"));
        }
    }
    errs.extend(reference::violations(universe, request, &picks));
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}
