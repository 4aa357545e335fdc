//! One fixture per construct: the verdict, the solution, and the key facts
//! of the explanation.

mod common;

use common::*;
use portolan_solver::{DepClasses, ProblemKind, UseChange};

fn sol(v: &portolan_solver::Verdict) -> Vec<(String, String)> {
    v.solution
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn newest_version_and_slot_preferred() {
    let u = universe([
        pkg("app/a-1").rdepend("lib/x"),
        pkg("lib/x-1.0").slot("1"),
        pkg("lib/x-2.0").slot("2"),
        pkg("lib/x-2.1").slot("2"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("lib/x:2", "x-2.1")]));
    assert!(v
        .explanation
        .contains("@system is installable: 2 package versions"));
}

#[test]
fn slot_choice_by_use_dep() {
    // Only slot 1 has ssl enabled, so `lib/x[ssl]` must take slot 1 even
    // though slot 2 is newer.
    let u = universe([
        pkg("app/a-1").rdepend("lib/x[ssl]"),
        pkg("lib/x-1.0").slot("1").iuse("+ssl"),
        pkg("lib/x-2.0").slot("2").iuse("ssl"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("lib/x:1", "x-1.0")]));
}

#[test]
fn slot_choice_avoids_a_blocked_slot() {
    // The newest slot is blocked by another target: the other slot is used.
    let u = universe([
        pkg("app/a-1").rdepend("lib/x"),
        pkg("app/b-1").rdepend("!lib/x:2"),
        pkg("lib/x-1.0").slot("1"),
        pkg("lib/x-2.0").slot("2"),
    ]);
    let v = installable(&u, &req(&["app/a", "app/b"]));
    assert_eq!(
        sol(&v),
        kv(&[("app/a:0", "a-1"), ("app/b:0", "b-1"), ("lib/x:1", "x-1.0")])
    );
}

#[test]
fn any_of_prefers_first_alternative() {
    let group = "|| ( net/first net/second )";
    let u = universe([
        pkg("app/a-1").rdepend(group),
        pkg("net/first-1"),
        pkg("net/second-1"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(
        sol(&v),
        kv(&[("app/a:0", "a-1"), ("net/first:0", "first-1")])
    );

    // First alternative masked: the second is used.
    let u = universe([
        pkg("app/a-1").rdepend(group),
        pkg("net/first-1").package_mask("profiles/package.mask", 3),
        pkg("net/second-1"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(
        sol(&v),
        kv(&[("app/a:0", "a-1"), ("net/second:0", "second-1")])
    );
}

#[test]
fn any_of_with_all_of_alternative_and_nothing_left() {
    // `( b c )` as a whole is the first alternative, but c is missing.
    let u = universe([
        pkg("app/a-1").rdepend("|| ( ( net/b net/c ) net/d )"),
        pkg("net/b-1"),
        pkg("net/d-1"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("net/d:0", "d-1")]));

    // No alternative works: both failures are listed.
    let u = universe([
        pkg("app/a-1").rdepend("|| ( net/c net/e )"),
        pkg("net/e-1").unkeyworded("amd64"),
    ]);
    let v = not_installable(&u, &req(&["app/a"]));
    let kinds: Vec<ProblemKind> = v.problems.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&ProblemKind::Missing), "{:#?}", v.problems);
    assert!(kinds.contains(&ProblemKind::Keywords), "{:#?}", v.problems);
    assert!(
        v.explanation.contains("|| ( net/c net/e )"),
        "{}",
        v.explanation
    );
}

#[test]
fn blocker_against_a_needed_package() {
    let u = universe([pkg("app/a-1").rdepend("!net/b"), pkg("net/b-1")]);
    let v = not_installable(&u, &req(&["app/a", "net/b"]));
    let p = &v.problems[0];
    assert_eq!(p.kind, ProblemKind::Blocked, "{:#?}", v.problems);
    assert_eq!(p.atom, "!net/b");
    assert!(
        p.detail.contains("app/a-1") && p.detail.contains("net/b-1"),
        "{}",
        p.detail
    );
    assert_eq!(p.required_by, vec!["app/a-1 (RDEPEND)", "@system"]);
    assert!(
        v.explanation.contains("app/a-1 blocks net/b-1"),
        "{}",
        v.explanation
    );
}

#[test]
fn blocker_pulled_in_by_a_dependency() {
    // b is not a target but needed by c: both ends are named.
    let u = universe([
        pkg("app/a-1").rdepend("!!net/b"),
        pkg("app/c-1").depend("net/b"),
        pkg("net/b-1"),
    ]);
    let v = not_installable(&u, &req(&["app/a", "app/c"]));
    let p = v
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Blocked)
        .unwrap();
    assert!(p.detail.contains("app/a-1 blocks net/b-1"), "{}", p.detail);
    assert!(p.detail.contains("app/c-1 (DEPEND)"), "{}", p.detail);
}

#[test]
fn blocker_matching_nothing_is_fine() {
    let u = universe([
        pkg("app/a-1").rdepend("!<net/b-1 !net/gone net/b"),
        pkg("net/b-1"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("net/b:0", "b-1")]));
}

#[test]
fn blocker_on_itself_is_ignored() {
    let u = universe([pkg("app/a-1").rdepend("!app/a"), pkg("app/a-0.9")]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1")]));
}

#[test]
fn blocker_steers_the_version() {
    // b-2 is blocked, b-1 is not: the older version is chosen.
    let u = universe([
        pkg("app/a-1").rdepend("!>=net/b-2 net/b"),
        pkg("net/b-1"),
        pkg("net/b-2"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("net/b:0", "b-1")]));
}

#[test]
fn use_dep_on_a_masked_flag() {
    let u = universe([
        pkg("app/a-1").rdepend("lib/x[ssl]"),
        pkg("lib/x-1")
            .iuse("ssl")
            .use_mask("ssl", "profiles/base/package.use.mask", 7),
    ]);
    for allow in [false, true] {
        let mut r = req(&["app/a"]);
        r.allow_use_changes = allow;
        let v = not_installable(&u, &r);
        let p = &v.problems[0];
        assert_eq!(p.kind, ProblemKind::Use, "{:#?}", v.problems);
        assert_eq!(p.atom, "lib/x[ssl]");
        assert_eq!(
            p.source.as_deref(),
            Some("profiles/base/package.use.mask:7")
        );
        assert!(p.detail.contains("ssl"), "{}", p.detail);
        assert!(p.detail.contains("masked"), "{}", p.detail);
        assert_eq!(p.required_by, vec!["app/a-1 (RDEPEND)", "@system"]);
        assert!(v.explanation.contains("profiles/base/package.use.mask:7"));
    }
}

#[test]
fn use_dep_needing_a_change() {
    let u = universe([
        pkg("app/a-1").rdepend("lib/x[ssl,-debug]"),
        pkg("lib/x-1").iuse("ssl +debug"),
    ]);
    let v = not_installable(&u, &req(&["app/a"]));
    assert_eq!(v.problems[0].kind, ProblemKind::Use);
    assert!(
        v.problems[0].detail.contains("needs USE flag ssl enabled"),
        "{}",
        v.problems[0].detail
    );
    assert_eq!(v.problems[0].source, None);

    let mut r = req(&["app/a"]);
    r.allow_use_changes = true;
    let v = installable(&u, &r);
    let changes: Vec<String> = v.use_changes.iter().map(UseChange::to_string).collect();
    assert_eq!(
        changes,
        vec!["=lib/x-1::gentoo -debug", "=lib/x-1::gentoo ssl"]
    );
    assert!(v.explanation.contains("=lib/x-1::gentoo ssl"));
}

#[test]
fn use_changes_only_for_flags_a_use_dep_mentions() {
    // With --allow-use-changes, as with emerge's autounmask, only flags a
    // USE dependency (or REQUIRED_USE) mentions may change; a flag is
    // never flipped just to switch a conditional dependency off. Here
    // x's `!ssl? ( … )` needs a missing package unless ssl is on, and
    // only a's `lib/x[ssl]` makes ssl changeable: dropping a (and with it
    // the USE dep) makes the request *less* installable. This is why the
    // property tests remove only dependencies without USE deps when USE
    // changes are allowed.
    let x = || pkg("lib/x-1").iuse("ssl").rdepend("!ssl? ( lib/missing )");
    let mut r = req(&["lib/x", "app/a"]);
    r.allow_use_changes = true;
    let with = universe([pkg("app/a-1").rdepend("lib/x[ssl]"), x()]);
    let v = installable(&with, &r);
    let changes: Vec<String> = v.use_changes.iter().map(UseChange::to_string).collect();
    assert_eq!(changes, vec!["=lib/x-1::gentoo ssl"]);

    let without = universe([pkg("app/a-1"), x()]);
    let v = not_installable(&without, &r);
    assert_eq!(
        v.problems[0].kind,
        ProblemKind::Missing,
        "{:#?}",
        v.problems
    );
    assert_eq!(
        portolan_solver::reference::decide(&without, &r, 1000).installable(),
        Some(false)
    );
}

#[test]
fn use_dep_defaults_and_conditionals() {
    // x lacks `foo` in IUSE: (+) counts it enabled, (-) disabled, and
    // without a default the atom never matches. `ssl?` follows a's USE.
    let u = universe([
        pkg("app/a-1").iuse("+ssl").rdepend("lib/x[foo(+),ssl?]"),
        pkg("app/b-1").rdepend("lib/x[foo(-)]"),
        pkg("app/c-1").rdepend("lib/x[foo]"),
        pkg("lib/x-1").iuse("+ssl"),
    ]);
    installable(&u, &req(&["app/a"]));
    let v = not_installable(&u, &req(&["app/b"]));
    assert_eq!(v.problems[0].kind, ProblemKind::Use);
    let v = not_installable(&u, &req(&["app/c"]));
    assert!(
        v.problems[0].detail.contains("has no USE flag foo"),
        "{}",
        v.problems[0].detail
    );
}

#[test]
fn required_use_violated() {
    let u = universe([pkg("app/a-1").iuse("qt gtk").required_use("^^ ( qt gtk )")]);
    let v = not_installable(&u, &req(&["app/a"]));
    let p = &v.problems[0];
    assert_eq!(p.kind, ProblemKind::RequiredUse, "{:#?}", v.problems);
    assert!(p.detail.contains("^^ ( qt gtk )"), "{}", p.detail);
    assert_eq!(p.required_by, vec!["@system"]);

    let mut r = req(&["app/a"]);
    r.allow_use_changes = true;
    let v = installable(&u, &r);
    assert_eq!(v.use_changes.len(), 1, "{:?}", v.use_changes);
    assert!(v.use_changes[0].enable);
    assert_eq!(v.chosen[0].use_enabled, vec![v.use_changes[0].flag.clone()]);
}

#[test]
fn required_use_against_a_use_dep() {
    // b needs x[gtk] but x's REQUIRED_USE forbids gtk with qt, and qt is
    // forced: no configuration works even with changes.
    let u = universe([
        pkg("app/b-1").rdepend("lib/x[gtk]"),
        pkg("lib/x-1")
            .iuse("qt gtk")
            .required_use("?? ( qt gtk )")
            .forced("qt", "profiles/base/package.use.force", 2),
    ]);
    let mut r = req(&["app/b"]);
    r.allow_use_changes = true;
    let v = not_installable(&u, &r);
    assert_eq!(
        v.problems[0].kind,
        ProblemKind::RequiredUse,
        "{:#?}",
        v.problems
    );
}

#[test]
fn pdepend_cycle_and_mutual_rdepend() {
    let u = universe([
        pkg("sys/a-1").pdepend("sys/b"),
        pkg("sys/b-1").rdepend("sys/a"),
    ]);
    let v = installable(&u, &req(&["sys/a"]));
    assert_eq!(sol(&v), kv(&[("sys/a:0", "a-1"), ("sys/b:0", "b-1")]));

    let u = universe([
        pkg("sys/a-1").rdepend("sys/b"),
        pkg("sys/b-1").rdepend(">=sys/a-1"),
    ]);
    let v = installable(&u, &req(&["sys/b"]));
    assert_eq!(sol(&v), kv(&[("sys/a:0", "a-1"), ("sys/b:0", "b-1")]));
}

#[test]
fn only_masked_versions() {
    let u = universe([
        pkg("app/a-1").rdepend("dev/m"),
        pkg("dev/m-2").package_mask("profiles/package.mask", 12),
    ]);
    let v = not_installable(&u, &req(&["app/a"]));
    let p = &v.problems[0];
    assert_eq!(p.kind, ProblemKind::Masked);
    assert_eq!(p.source.as_deref(), Some("profiles/package.mask:12"));
    assert!(
        p.detail
            .contains("dev/m-2::gentoo is masked by package.mask (profiles/package.mask:12)"),
        "{}",
        p.detail
    );
    assert_eq!(p.required_by, vec!["app/a-1 (RDEPEND)", "@system"]);
}

#[test]
fn missing_package_with_chain() {
    let u = universe([
        pkg("sys-apps/baselayout-2.17").rdepend("net-mail/mailbase"),
        pkg("app/top-1").depend("sys-apps/baselayout"),
    ]);
    let v = not_installable(&u, &req(&["app/top"]));
    let p = &v.problems[0];
    assert_eq!(p.kind, ProblemKind::Missing);
    assert_eq!(p.atom, "net-mail/mailbase");
    assert_eq!(
        p.required_by,
        vec![
            "sys-apps/baselayout-2.17 (RDEPEND)",
            "app/top-1 (DEPEND)",
            "@system"
        ]
    );
    assert!(
        v.explanation.contains(
            "net-mail/mailbase is not in any repository; required by sys-apps/baselayout-2.17 (RDEPEND) <- app/top-1 (DEPEND) <- @system"
        ),
        "{}",
        v.explanation
    );
}

#[test]
fn no_matching_version_is_missing() {
    let u = universe([pkg("app/a-1").rdepend(">=lib/x-3"), pkg("lib/x-2")]);
    let v = not_installable(&u, &req(&["app/a"]));
    assert_eq!(v.problems[0].kind, ProblemKind::Missing);
    assert!(v.problems[0]
        .detail
        .contains("no version of lib/x matches >=lib/x-3"));
    assert!(v.problems[0].detail.contains("lib/x-2:0::gentoo"));
}

#[test]
fn keywords() {
    let u = universe([
        pkg("app/a-1").rdepend("dev/k"),
        pkg("dev/k-1").unkeyworded("amd64"),
    ]);
    let v = not_installable(&u, &req(&["app/a"]));
    let p = &v.problems[0];
    assert_eq!(p.kind, ProblemKind::Keywords);
    assert!(p.detail.contains("missing keyword amd64"), "{}", p.detail);
}

#[test]
fn package_provided_satisfies() {
    let mut u = universe([pkg("app/a-1").rdepend("net-mail/mailbase virtual/mta[ssl]")]);
    provide(&mut u, "net-mail/mailbase-1.1");
    provide(&mut u, "virtual/mta-1");
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1")]));

    // Version constraints still apply.
    let mut u = universe([pkg("app/a-1").rdepend(">=net-mail/mailbase-2")]);
    provide(&mut u, "net-mail/mailbase-1.1");
    let v = not_installable(&u, &req(&["app/a"]));
    assert_eq!(v.problems[0].kind, ProblemKind::Missing);
}

#[test]
fn runtime_deps_ignore_build_deps() {
    let u = universe([
        pkg("app/a-1")
            .depend("dev/missing-build")
            .bdepend("dev/missing-tool")
            .rdepend("lib/x"),
        pkg("lib/x-1"),
    ]);
    let mut r = req(&["app/a"]);
    r.deps = DepClasses::Runtime;
    let v = installable(&u, &r);
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("lib/x:0", "x-1")]));

    let v = not_installable(&u, &req(&["app/a"]));
    let missing: Vec<&str> = v.problems.iter().map(|p| p.atom.as_str()).collect();
    assert!(missing.contains(&"dev/missing-build") || missing.contains(&"dev/missing-tool"));
    assert!(v.problems.iter().all(|p| p.kind == ProblemKind::Missing));
}

#[test]
fn conflicting_version_requirements() {
    let u = universe([
        pkg("app/a-1").rdepend("=lib/x-1"),
        pkg("app/b-1").rdepend("=lib/x-2"),
        pkg("lib/x-1"),
        pkg("lib/x-2"),
    ]);
    let v = not_installable(&u, &req(&["app/a", "app/b"]));
    let p = &v.problems[0];
    assert_eq!(p.kind, ProblemKind::Conflict, "{:#?}", v.problems);
    assert!(
        p.detail.contains("app/a-1 needs =lib/x-1") && p.detail.contains("app/b-1 needs =lib/x-2"),
        "{}",
        p.detail
    );
}

#[test]
fn conditional_deps_follow_the_depending_use() {
    let u = universe([
        pkg("app/a-1")
            .iuse("+ssl -gui")
            .rdepend("ssl? ( lib/ssl ) gui? ( lib/gone )"),
        pkg("lib/ssl-1"),
    ]);
    let v = installable(&u, &req(&["app/a"]));
    assert_eq!(sol(&v), kv(&[("app/a:0", "a-1"), ("lib/ssl:0", "ssl-1")]));
}

#[test]
fn use_change_pulls_its_own_dependencies() {
    // Enabling ssl on x (to satisfy a) activates x's `ssl? ( lib/ssl )`.
    let u = universe([
        pkg("app/a-1").rdepend("lib/x[ssl]"),
        pkg("lib/x-1").iuse("ssl").rdepend("ssl? ( lib/ssl )"),
        pkg("lib/ssl-1"),
    ]);
    let mut r = req(&["app/a"]);
    r.allow_use_changes = true;
    let v = installable(&u, &r);
    assert_eq!(
        sol(&v),
        kv(&[
            ("app/a:0", "a-1"),
            ("lib/ssl:0", "ssl-1"),
            ("lib/x:0", "x-1")
        ])
    );
}

#[test]
fn older_version_without_change_beats_newer_with_change() {
    let u = universe([
        pkg("app/a-1").rdepend("lib/x[ssl]"),
        pkg("lib/x-1").iuse("+ssl"),
        pkg("lib/x-2").iuse("ssl"),
    ]);
    let mut r = req(&["app/a"]);
    r.allow_use_changes = true;
    let v = installable(&u, &r);
    assert_eq!(v.solution["lib/x:0"], "x-1");
    assert!(v.use_changes.is_empty());
}

#[test]
fn empty_request_and_unknown_target() {
    let u = universe([pkg("app/a-1")]);
    let v = installable(&u, &req(&[]));
    assert!(v.solution.is_empty());
    let v = not_installable(&u, &req(&["app/nope"]));
    assert_eq!(v.problems[0].kind, ProblemKind::Missing);
    assert_eq!(v.problems[0].required_by, vec!["@system"]);
}

#[test]
fn step_limit_gives_up_cleanly() {
    let u = universe([pkg("app/a-1").rdepend("lib/x"), pkg("lib/x-1")]);
    let opts = portolan_solver::SolveOptions {
        max_steps: 1,
        ..Default::default()
    };
    let v = portolan_solver::solve_with(&u, &req(&["app/a"]), &opts);
    assert!(!v.installable);
    assert_eq!(v.problems[0].kind, ProblemKind::Limit);
}

#[test]
fn independent_problems_are_all_listed() {
    // Three independent failures under one target; pubgrub alone would
    // report the first it meets.
    let u = universe([
        pkg("sys-apps/baselayout-2.17").rdepend("net-mail/mailbase dev/m"),
        pkg("dev/m-1").package_mask("profiles/package.mask", 4),
        pkg("app/top-1").rdepend("sys-apps/baselayout lib/x[ssl]"),
        pkg("lib/x-1")
            .iuse("ssl")
            .use_mask("ssl", "profiles/use.mask", 9),
    ]);
    let v = not_installable(&u, &req(&["app/top"]));
    let mut kinds: Vec<(ProblemKind, &str)> = v
        .problems
        .iter()
        .map(|p| (p.kind, p.atom.as_str()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            (ProblemKind::Missing, "net-mail/mailbase"),
            (ProblemKind::Masked, "dev/m"),
            (ProblemKind::Use, "lib/x[ssl]"),
        ]
    );
    assert!(v
        .explanation
        .contains("Derivation 2 (with the atoms above taken as satisfied)"));

    let opts = portolan_solver::SolveOptions {
        max_rounds: 1,
        ..Default::default()
    };
    let v = portolan_solver::solve_with(&u, &req(&["app/top"]), &opts);
    assert_eq!(v.problems.len(), 1);
}
