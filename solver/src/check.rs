//! An independent check of a solution, sharing nothing with the solver but
//! the input model and the engine's matching primitives.
//!
//! The solver's encoding (index sets, proxies, variants) is clever enough to
//! be wrong in subtle ways; this module re-evaluates the answer the direct
//! way — "for every chosen version, every dependency is met by the chosen
//! set or `package.provided`; no blocker matches; everything is visible and
//! its USE meets every USE dependency and its REQUIRED_USE" — so tests can
//! run it on every installable verdict.

use portolan_engine::atom::{Atom, Blocker, PkgRef};
use portolan_engine::depspec::check_required_use;
use portolan_engine::intern::Sym;

use crate::universe::{Candidate, Request, Universe};
use crate::verdict::Verdict;

struct Installed<'u> {
    c: &'u Candidate,
    use_: Vec<Sym>,
}

fn on(use_: &[Sym], f: Sym) -> bool {
    use_.contains(&f)
}

fn provided(u: &Universe, atom: &Atom) -> bool {
    u.provided.iter().any(|(cp, v)| {
        let slot = atom.slot.unwrap_or(*cp);
        *cp == atom.cp
            && atom.matches(&PkgRef {
                cp: *cp,
                version: v,
                slot,
                subslot: atom.subslot.unwrap_or(slot),
                repo: None,
            })
    })
}

fn satisfied_by(atom: &Atom, parent_use: &[Sym], t: &Installed<'_>) -> bool {
    atom.matches(&PkgRef {
        cp: t.c.cp,
        version: &t.c.version,
        slot: t.c.slot,
        subslot: t.c.subslot,
        repo: Some(t.c.repo),
    }) && atom.use_deps_satisfied(
        |f| on(parent_use, f),
        |f| on(&t.use_, f),
        |f| t.c.iuse.contains(&f),
    )
}

/// Whether `atom`, written by `me` (None: a target), holds in `set`.
fn leaf_holds(u: &Universe, set: &[Installed<'_>], me: Option<usize>, atom: &Atom) -> bool {
    let parent_use: &[Sym] = me.map_or(&[], |i| &set[i].use_);
    if atom.blocker != Blocker::None {
        return !set
            .iter()
            .enumerate()
            .any(|(i, t)| Some(i) != me && satisfied_by(atom, parent_use, t));
    }
    set.iter().any(|t| satisfied_by(atom, parent_use, t)) || provided(u, atom)
}

/// Checks that `verdict`'s chosen versions form a valid installation for
/// `request`. Returns every violation found.
pub fn check_solution(
    universe: &Universe,
    request: &Request,
    verdict: &Verdict,
) -> Result<(), Vec<String>> {
    let mut errs = Vec::new();
    let mut set: Vec<Installed<'_>> = Vec::new();

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
        if !c.is_visible() {
            errs.push(format!("{} is not visible", ch.cpv));
        }
        let mut use_: Vec<Sym> = c.use_enabled.clone();
        for change in verdict
            .use_changes
            .iter()
            .filter(|x| x.cpv == ch.cpv && x.repo == ch.repo)
        {
            let f = Sym::new(&change.flag);
            if !request.allow_use_changes {
                errs.push(format!("{change}: USE changes are not allowed"));
            }
            if !c.iuse.contains(&f) {
                errs.push(format!("{change}: {f} is not in IUSE"));
            }
            if c.forced.iter().chain(&c.use_masked).any(|x| x.flag == f) {
                errs.push(format!("{change}: {f} is forced or masked"));
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
        if !check_required_use(&c.required_use, |f| on(&use_, f)) {
            errs.push(format!(
                "{}: REQUIRED_USE \"{}\" is violated",
                ch.cpv, c.required_use
            ));
        }
        if set.iter().any(|t| t.c.cp == c.cp && t.c.slot == c.slot) {
            errs.push(format!("two versions of {}", ch.key));
        }
        set.push(Installed { c, use_ });
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

    for (i, t) in set.iter().enumerate() {
        for &class in request.deps.classes() {
            let reduced = t.c.deps(class).reduce(|f| on(&t.use_, f));
            if !reduced.is_satisfied(&mut |a: &Atom| leaf_holds(universe, &set, Some(i), a)) {
                let unmet: Vec<String> = reduced
                    .leaves()
                    .into_iter()
                    .filter(|a| !leaf_holds(universe, &set, Some(i), a))
                    .map(|a| a.to_string())
                    .collect();
                errs.push(format!(
                    "{} {}=\"{reduced}\" is not met (unmet: {})",
                    t.c.cpv(),
                    class.as_str(),
                    unmet.join(" ")
                ));
            }
        }
    }
    for a in &request.targets {
        if !leaf_holds(universe, &set, None, a) {
            errs.push(format!("target {a} is not met"));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}
