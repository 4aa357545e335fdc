//! A tiny builder so fixtures read like metadata:
//! `pkg("a/b-1").slot("2").iuse("+ssl x").rdepend("c/d[ssl]")`.
#![allow(dead_code)]

use portolan_engine::atom::{Atom, AtomOptions};
use portolan_engine::depspec::{DepOptions, DepSpec, FlagLeaf};
use portolan_engine::eapi::Eapi;
use portolan_engine::intern::Sym;
use portolan_engine::source::Loc;
use portolan_engine::version::{split_cpv, Version};
use portolan_solver::{
    check_solution, solve, Candidate, ImmutableFlag, MaskKind, MaskReason, Request, Universe,
    Verdict,
};

pub fn eapi() -> Eapi {
    Eapi::parse("8").unwrap()
}

pub fn deps(s: &str) -> DepSpec<Atom> {
    let e = eapi();
    DepSpec::parse(
        s,
        DepOptions::dependencies(e.empty_any_of_unsatisfied()),
        |t| Atom::parse(t, AtomOptions::dependency(e)),
    )
    .unwrap_or_else(|err| panic!("{s}: {err}"))
}

pub fn atom(s: &str) -> Atom {
    Atom::parse(s, AtomOptions::dependency(eapi())).unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub struct P(pub Candidate);

/// A visible EAPI 8 candidate in slot 0 of repository `gentoo`.
pub fn pkg(cpv: &str) -> P {
    let (cp, v) = split_cpv(cpv).unwrap();
    P(Candidate::new(
        cp,
        v,
        Sym::new("0"),
        Sym::new("gentoo"),
        eapi(),
    ))
}

fn flags(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
}

impl P {
    /// `"2"` or `"0/1.2"`.
    pub fn slot(mut self, s: &str) -> P {
        let (slot, sub) = s.split_once('/').unwrap_or((s, s));
        self.0.slot = Sym::new(slot);
        self.0.subslot = Sym::new(sub);
        self
    }
    pub fn repo(mut self, r: &str) -> P {
        self.0.repo = Sym::new(r);
        self
    }
    pub fn depend(mut self, s: &str) -> P {
        self.0.depend = deps(s);
        self
    }
    pub fn rdepend(mut self, s: &str) -> P {
        self.0.rdepend = deps(s);
        self
    }
    pub fn pdepend(mut self, s: &str) -> P {
        self.0.pdepend = deps(s);
        self
    }
    pub fn bdepend(mut self, s: &str) -> P {
        self.0.bdepend = deps(s);
        self
    }
    /// IUSE; `+flag` is also enabled in the effective USE.
    pub fn iuse(mut self, s: &str) -> P {
        for f in flags(s) {
            let name = f.trim_start_matches(['+', '-']);
            self.0.iuse.push(Sym::new(name));
            if f.starts_with('+') {
                self.0.use_enabled.push(Sym::new(name));
            }
        }
        self
    }
    pub fn required_use(mut self, s: &str) -> P {
        let e = eapi();
        self.0.required_use = DepSpec::parse(
            s,
            DepOptions::required_use(e.at_most_one_of(), e.empty_any_of_unsatisfied()),
            FlagLeaf::parse,
        )
        .unwrap();
        self
    }
    pub fn mask(mut self, kind: MaskKind, detail: &str, at: Option<(&str, u32)>) -> P {
        self.0.masked.push(MaskReason {
            kind,
            detail: detail.into(),
            loc: at.map(|(f, l)| Loc::new(f, l)),
        });
        self
    }
    pub fn package_mask(self, file: &str, line: u32) -> P {
        self.mask(MaskKind::PackageMask, "package.mask", Some((file, line)))
    }
    pub fn unkeyworded(self, arch: &str) -> P {
        let d = format!("missing keyword {arch}");
        self.mask(MaskKind::Keywords, &d, None)
    }
    /// Forces `flag` on (by `file:line`).
    pub fn forced(mut self, flag: &str, file: &str, line: u32) -> P {
        let f = Sym::new(flag);
        self.0
            .forced
            .push(ImmutableFlag::new(f, Some(Loc::new(file, line))));
        if !self.0.use_enabled.contains(&f) {
            self.0.use_enabled.push(f);
        }
        self
    }
    /// Masks `flag` (forces it off, by `file:line`).
    pub fn use_mask(mut self, flag: &str, file: &str, line: u32) -> P {
        let f = Sym::new(flag);
        self.0
            .use_masked
            .push(ImmutableFlag::new(f, Some(Loc::new(file, line))));
        self.0.use_enabled.retain(|&g| g != f);
        self
    }
}

pub fn universe(ps: impl IntoIterator<Item = P>) -> Universe {
    let mut u = Universe::new();
    for p in ps {
        u.add(p.0);
    }
    u
}

pub fn provide(u: &mut Universe, cpv: &str) {
    let (cp, v): (Sym, Version) = split_cpv(cpv).unwrap();
    u.provide(cp, v);
}

/// A request for `@system` with every dependency class.
pub fn req(targets: &[&str]) -> Request {
    Request::new("@system", targets.iter().map(|t| atom(t)).collect())
}

/// The reference solver must agree with every fixture's expected verdict
/// (fixtures are small; a larger one is skipped).
fn reference_agrees(u: &Universe, r: &Request, expected: bool) {
    let d = portolan_solver::reference::decide(u, r, 200_000);
    if let Some(got) = d.installable() {
        assert_eq!(got, expected, "the reference disagrees: {d:?}");
    }
}

/// Solves, asserts installable, and checks the solution independently.
pub fn installable(u: &Universe, r: &Request) -> Verdict {
    let v = solve(u, r);
    assert!(v.installable, "expected installable:\n{}", v.explanation);
    reference_agrees(u, r, true);
    if let Err(e) = check_solution(u, r, &v) {
        panic!("solution fails the checker: {e:#?}\n{v:#?}");
    }
    v
}

/// Solves and asserts not installable; checks that the explanation does not
/// leak the encoding's internal packages.
pub fn not_installable(u: &Universe, r: &Request) -> Verdict {
    let v = solve(u, r);
    assert!(!v.installable, "expected failure, got {:?}", v.solution);
    reference_agrees(u, r, false);
    assert!(!v.problems.is_empty());
    for leak in ["(any-of", "(any slot", "(unsatisfiable", "(request)", "#"] {
        assert!(
            !v.explanation.contains(leak),
            "internal name {leak:?} in explanation:\n{}",
            v.explanation
        );
    }
    v
}
