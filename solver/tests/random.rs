//! Seeded random universes.
//!
//! * Soundness: every installable verdict passes [`check_solution`], with
//!   and without USE changes.
//! * Agreement (with and without USE changes, on universes small enough to
//!   enumerate): the verdict is the reference solver's
//!   (`portolan_solver::reference`, the one exhaustive search the tests
//!   share; `tests/properties.rs` holds the structured, shrinking version of
//!   these checks).
//! * Robustness: no panic, explanations never leak internal names.

mod common;

use common::*;
use portolan_solver::reference::{self, Decision};
use portolan_solver::{check_solution, solve, DepClasses, Request, Universe};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const CPS: usize = 4;

fn random_atom(rng: &mut Rng, blockers: bool) -> String {
    let cp = format!("c/p{}", rng.below(CPS + 1)); // c/p4 exists only sometimes
    let base = match rng.below(14) {
        0 => format!(">={cp}-2"),
        1 => format!("<{cp}-2"),
        2 => format!("={cp}-1"),
        3 => format!("{cp}:1"),
        4 => format!("={cp}-2*"),
        5 => format!("~{cp}-1"),
        6 => format!("{cp}:0/b"),
        _ => cp,
    };
    let use_dep = rng.pick(&[
        "", "", "", "[f]", "[-f]", "[g?]", "[f(+)]", "[-g(-)]", "[f=]",
    ]);
    let block = if blockers && rng.chance(15) {
        rng.pick(&["!", "!!"])
    } else {
        ""
    };
    format!("{block}{base}{use_dep}")
}

fn random_deps(rng: &mut Rng) -> String {
    let mut items = Vec::new();
    for _ in 0..rng.below(4) {
        let item = match rng.below(6) {
            0 => format!(
                "|| ( {} {} )",
                random_atom(rng, true),
                random_atom(rng, true)
            ),
            1 => format!("f? ( {} )", random_atom(rng, true)),
            2 => format!(
                "|| ( ( {} {} ) {} )",
                random_atom(rng, false),
                random_atom(rng, false),
                random_atom(rng, false)
            ),
            3 => format!("!g? ( || ( f? ( {} ) ) )", random_atom(rng, false)),
            _ => random_atom(rng, true),
        };
        items.push(item);
    }
    items.join(" ")
}

fn random_universe(rng: &mut Rng) -> Universe {
    let mut ps = Vec::new();
    for i in 0..CPS {
        for v in 1..=rng.below(3) + 1 {
            let mut p = pkg(&format!("c/p{i}-{v}"))
                .slot(rng.pick(&["0", "0", "1", "0/b"]))
                .rdepend(&random_deps(rng));
            if rng.chance(30) {
                p = p.depend(&random_deps(rng));
            }
            if rng.chance(20) {
                p = p.pdepend(&random_deps(rng));
            }
            let iuse = match rng.below(4) {
                0 => "",
                1 => "f",
                2 => "+f g",
                _ => "f +g",
            };
            p = p.iuse(iuse);
            if rng.chance(15) && iuse.contains('f') {
                p = p.required_use(rng.pick(&["?? ( f g )", "|| ( f g )", "f? ( g )"]));
            }
            if rng.chance(10) && iuse.contains('f') {
                p = p.use_mask("f", "profiles/use.mask", 1);
            }
            if rng.chance(15) {
                p = p.package_mask("profiles/package.mask", v as u32);
            }
            if rng.chance(10) {
                // The same version in an overlay, listed after (lower priority).
                let mut o = P(p.0.clone()).repo("overlay");
                if rng.chance(50) {
                    o = o.package_mask("overlay/profiles/package.mask", 1);
                }
                ps.push(p);
                ps.push(o);
            } else {
                ps.push(p);
            }
        }
    }
    let mut u = universe(ps);
    if rng.chance(30) {
        provide(&mut u, "c/p4-1");
    }
    u
}

fn random_request(rng: &mut Rng) -> Request {
    let n = rng.below(3) + 1;
    let targets: Vec<String> = (0..n).map(|_| random_atom(rng, false)).collect();
    let refs: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut r = req(&refs);
    if rng.chance(30) {
        r.deps = DepClasses::Runtime;
    }
    r
}

/// Installations the reference may enumerate per request.
const REFERENCE_LIMIT: u64 = 20_000;

#[test]
fn random_universes_agree_with_the_checker_and_the_reference() {
    // PORTOLAN_RANDOM_ROUNDS / PORTOLAN_RANDOM_SEED run longer campaigns.
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let rounds = env("PORTOLAN_RANDOM_ROUNDS", 400);
    let mut rng = Rng(env("PORTOLAN_RANDOM_SEED", 0x2545_f491_4f6c_dd1d) | 1);
    let (mut yes, mut no, mut brute) = (0, 0, 0);
    for round in 0..rounds {
        let u = random_universe(&mut rng);
        let mut r = random_request(&mut rng);
        let mut without_changes = None;
        for allow in [false, true] {
            r.allow_use_changes = allow;
            let v = solve(&u, &r);
            for leak in ["(any-of", "(any slot", "(unsatisfiable", "(request)"] {
                assert!(
                    !v.explanation.contains(leak),
                    "round {round}: {}",
                    v.explanation
                );
            }
            if v.installable {
                yes += 1;
                if let Err(e) = check_solution(&u, &r, &v) {
                    panic!("round {round} allow={allow}: {e:#?}\n{u:#?}\n{r:#?}\n{v:#?}");
                }
            } else {
                no += 1;
                assert!(!v.problems.is_empty());
            }
            if let Some(was) = without_changes {
                // Allowing USE changes only adds choices.
                if was {
                    assert!(
                        v.installable,
                        "round {round}: USE changes broke it\n{}",
                        v.explanation
                    );
                }
            } else {
                without_changes = Some(v.installable);
            }
            if !allow && v.installable {
                // Masking a version the solution does not use cannot break it.
                let mut masked = u.clone();
                'outer: for cands in masked.packages.values_mut() {
                    for c in cands.iter_mut() {
                        let key = format!("{}:{}", c.cp, c.slot);
                        if c.is_visible() && v.solution.get(&key) != Some(&c.pf()) {
                            c.masked.push(portolan_solver::MaskReason {
                                kind: portolan_solver::MaskKind::PackageMask,
                                detail: "test".into(),
                                loc: None,
                            });
                            break 'outer;
                        }
                    }
                }
                let w = solve(&masked, &r);
                assert!(
                    w.installable,
                    "round {round}: masking an unused version broke it\n{}",
                    w.explanation
                );
            }
            let d = reference::decide(&u, &r, REFERENCE_LIMIT);
            let Some(expected) = d.installable() else {
                continue;
            };
            brute += 1;
            assert_eq!(
                v.installable,
                expected,
                "round {round} allow={allow}: solver says {}, reference {:?}\n{}\n{u:#?}\n{r:#?}",
                v.installable,
                match &d {
                    Decision::Installable(picks) => picks
                        .iter()
                        .map(|p| format!("{}::{} {:?}", p.cand.cpv(), p.cand.repo, p.use_))
                        .collect(),
                    _ => Vec::new(),
                },
                v.explanation
            );
        }
    }
    // The generator must exercise both outcomes and the oracle.
    assert!(
        yes > 100 && no > 100 && brute > 100,
        "yes {yes} no {no} brute {brute}"
    );
}
