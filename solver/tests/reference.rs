//! The reference checker on hand-made installations: it must reject each
//! kind of broken installation, not only accept the solver's. (That it
//! decides every construct right is checked by every fixture of
//! `solve.rs`, through `common::installable` / `not_installable`.)

mod common;

use common::*;
use portolan_engine::intern::Sym;
use portolan_solver::reference::{decide, use_allowed, violations, Decision, Pick};
use portolan_solver::{Candidate, Universe};

fn find<'u>(u: &'u Universe, cpv: &str) -> &'u Candidate {
    u.packages
        .values()
        .flatten()
        .find(|c| c.cpv() == cpv)
        .unwrap_or_else(|| panic!("{cpv}"))
}

fn pick<'u>(u: &'u Universe, cpv: &str, use_: &[&str]) -> Pick<'u> {
    Pick {
        cand: find(u, cpv),
        use_: use_.iter().map(|f| Sym::new(f)).collect(),
    }
}

#[test]
fn each_kind_of_violation_is_named() {
    let u = universe([
        pkg("app/a-1")
            .iuse("ssl")
            .rdepend("!lib/b ssl? ( lib/c[x] )"),
        pkg("lib/b-1"),
        pkg("lib/c-1").iuse("x"),
        pkg("lib/c-2")
            .iuse("x")
            .package_mask("profiles/package.mask", 3),
        pkg("lib/d-1").iuse("p q").required_use("^^ ( p q )"),
    ]);
    let r = req(&["app/a"]);
    let ok = [pick(&u, "app/a-1", &[])];
    assert_eq!(violations(&u, &r, &ok), Vec::<String>::new());

    let blocked = [pick(&u, "app/a-1", &[]), pick(&u, "lib/b-1", &[])];
    assert_eq!(
        violations(&u, &r, &blocked),
        vec!["app/a-1 RDEPEND=\"!lib/b\" is not met (unmet: !lib/b)"]
    );

    // ssl on: the conditional dependency counts, and c needs x.
    let cond = [pick(&u, "app/a-1", &["ssl"]), pick(&u, "lib/c-1", &[])];
    assert_eq!(
        violations(&u, &r, &cond),
        vec!["app/a-1 RDEPEND=\"!lib/b lib/c[x]\" is not met (unmet: lib/c[x])"]
    );
    let cond = [pick(&u, "app/a-1", &["ssl"]), pick(&u, "lib/c-1", &["x"])];
    assert_eq!(violations(&u, &r, &cond), Vec::<String>::new());

    let bad = [
        pick(&u, "lib/c-1", &[]),
        pick(&u, "lib/c-2", &[]),
        pick(&u, "lib/d-1", &["p", "q"]),
    ];
    assert_eq!(
        violations(&u, &r, &bad),
        vec![
            "target app/a is not met",
            "lib/c-2::gentoo is not visible",
            "two versions of lib/c:0",
            "lib/d-1: REQUIRED_USE \"^^ ( p q )\" is violated",
        ]
    );
}

#[test]
fn only_changeable_flags_may_differ_from_the_profile() {
    let u = universe([
        pkg("app/a-1").rdepend("lib/x[ssl]"),
        pkg("lib/x-1")
            .iuse("ssl gtk +debug")
            .forced("debug", "profiles/use.force", 1),
    ]);
    let mut r = req(&["app/a"]);
    let flipped = pick(&u, "lib/x-1", &["debug", "ssl"]);
    assert!(use_allowed(&u, &r, &flipped).is_err());
    r.allow_use_changes = true;
    assert_eq!(use_allowed(&u, &r, &flipped), Ok(()));
    // gtk: no USE dep mentions it; debug: forced.
    let gtk = pick(&u, "lib/x-1", &["debug", "gtk"]);
    assert_eq!(
        use_allowed(&u, &r, &gtk),
        Err("lib/x-1::gentoo: USE flag(s) gtk may not be changed".into())
    );
    let debug = pick(&u, "lib/x-1", &[]);
    assert!(use_allowed(&u, &r, &debug).is_err());

    match decide(&u, &r, 100) {
        Decision::Installable(picks) => {
            let x = picks
                .iter()
                .find(|p| p.cand.cp.as_str() == "lib/x")
                .unwrap();
            let mut use_: Vec<&str> = x.use_.iter().map(|f| f.as_str()).collect();
            use_.sort_unstable();
            assert_eq!(use_, vec!["debug", "ssl"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn too_large_searches_are_refused() {
    let u = universe([
        pkg("app/a-1").rdepend("lib/x"),
        pkg("lib/x-1"),
        pkg("lib/x-2"),
    ]);
    let r = req(&["app/a"]);
    // Two slots' worth of choices: (1 + 1) * (1 + 2) = 6 installations.
    assert!(matches!(
        decide(&u, &r, 5),
        Decision::TooLarge { installations: 6 }
    ));
    assert_eq!(decide(&u, &r, 6).installable(), Some(true));
}

#[test]
fn too_many_use_configurations_are_refused_before_enumerating() {
    // 40 changeable flags: 2^40 configurations of one candidate.
    let flags: Vec<String> = (0..40).map(|i| format!("f{i}")).collect();
    let dep = format!("lib/x[{}]", flags.join(","));
    let u = universe([
        pkg("app/a-1").rdepend(&dep),
        pkg("lib/x-1").iuse(&flags.join(" ")),
    ]);
    let mut r = req(&["app/a"]);
    r.allow_use_changes = true;
    assert!(matches!(
        decide(&u, &r, 1_000_000),
        Decision::TooLarge {
            installations: u128::MAX
        }
    ));
}
