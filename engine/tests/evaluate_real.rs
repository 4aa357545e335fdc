//! Per-package evaluation on the real corpus against the values the spec
//! (§11.7, §12.2, §15.2) VERIFIED with Portage.

use std::path::Path;
use std::sync::OnceLock;

use portolan_engine::evaluate::{Evaluator, MaskKind, PackageState};
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

fn tree() -> &'static std::sync::Mutex<Tree> {
    static TREE: OnceLock<std::sync::Mutex<Tree>> = OnceLock::new();
    TREE.get_or_init(|| {
        let repos = RepoSet::from_repos_conf(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/real/repos.conf"
        )))
        .unwrap();
        std::sync::Mutex::new(Tree::load(repos).unwrap())
    })
}

fn eval(profile: &str, cpv: &str) -> PackageState {
    let mut tree = tree().lock().unwrap();
    let p = tree.profile(profile).unwrap();
    let tree = &*tree;
    let ev = Evaluator::new(tree, &p);
    let pkgs = tree.packages.find_cpv(cpv);
    assert_eq!(pkgs.len(), 1, "{cpv}");
    ev.evaluate(pkgs[0])
}

fn names(v: &[portolan_engine::intern::Sym]) -> Vec<&'static str> {
    v.iter().map(|s| s.as_str()).collect()
}

const PARAVIRT: &str = "genpack-overlay:genpack/amd64/paravirt";

#[test]
fn coreutils_on_paravirt() {
    let s = eval(PARAVIRT, "sys-apps/coreutils-9.11");
    assert!(s.visible, "{:?}", s.masked_by);
    assert!(s.stable);
    assert_eq!(names(&s.use_), ["acl", "nls", "openssl", "xattr"]);
    assert_eq!(names(&s.masked), ["selinux", "split-usr"]);
    assert!(s.forced.is_empty());
}

#[test]
fn glibc_needs_testing_keyword() {
    let s = eval(PARAVIRT, "sys-libs/glibc-2.43");
    assert!(!s.visible);
    assert_eq!(s.masked_by.len(), 1);
    assert_eq!(s.masked_by[0].kind, MaskKind::Keywords);
    assert_eq!(
        names(&s.use_),
        [
            "audit",
            "cet",
            "multiarch",
            "multilib",
            "ssp",
            "stack-realign",
            "static-libs",
            "systemd"
        ]
    );
    assert_eq!(names(&s.forced), ["multilib", "static-libs"]);
    assert_eq!(
        names(&s.masked),
        ["clang", "custom-cflags", "selinux", "sframe", "vanilla"]
    );
}

#[test]
fn python_stable_masks() {
    let s = eval(PARAVIRT, "dev-lang/python-3.14.6");
    assert!(s.stable);
    assert_eq!(names(&s.masked), ["jit", "tail-call-interp"]);
    let s = eval(PARAVIRT, "dev-lang/python-3.15.0_beta4");
    assert!(!s.stable);
    assert_eq!(names(&s.masked), ["jit"]);
    let kinds: Vec<_> = s.masked_by.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [MaskKind::PackageMask, MaskKind::Keywords]);
    let src = s.masked_by[0].loc.as_ref().unwrap().to_string();
    assert!(
        src.ends_with("genpack/package.mask:1") || src.contains("genpack/package.mask:"),
        "{src}"
    );
}

#[test]
fn riscv_accepts_with_double_star_and_never_stable() {
    let s = eval(
        "genpack-overlay:genpack/riscv/paravirt",
        "sys-apps/kexec-tools-2.0.32-r1",
    );
    assert!(s.visible, "{:?}", s.masked_by);
    assert!(!s.stable);
    let s = eval(
        "genpack-overlay:genpack/riscv/paravirt",
        "sys-apps/kexec-tools-9999",
    );
    assert!(!s.visible);
    let s = eval(
        "genpack-overlay:genpack/riscv/paravirt",
        "dev-lang/python-3.14.6",
    );
    assert!(!s.stable);
}

#[test]
fn coreos_prod_masks_and_forces() {
    let prod = "coreos-overlay:coreos/amd64/generic/prod";
    let s = eval(prod, "dev-lang/python-3.12.13_p1");
    assert_eq!(s.masked_by[0].kind, MaskKind::PackageMask);
    assert!(
        s.masked_by[0].detail.contains("'dev-lang/python'"),
        "{:?}",
        s.masked_by
    );
    let s = eval(prod, "sys-apps/systemd-261.1");
    assert!(!s.use_.iter().any(|f| f.as_str() == "gcrypt"));
    assert!(names(&s.use_).contains(&"vanilla"));
    assert!(names(&s.forced).contains(&"vanilla"));
    let s = eval(prod, "sys-boot/grub-2.14-r5");
    let grub: Vec<_> = names(&s.use_)
        .into_iter()
        .filter(|f| f.starts_with("grub_platforms_"))
        .collect();
    assert_eq!(
        grub,
        [
            "grub_platforms_efi-64",
            "grub_platforms_pc",
            "grub_platforms_xen"
        ]
    );
    let sdk = eval(
        "coreos-overlay:coreos/amd64/sdk",
        "dev-lang/python-3.11.15-r1",
    );
    assert!(sdk
        .masked_by
        .iter()
        .any(|m| m.kind == MaskKind::PackageMask));
    let tr = eval(
        "coreos-overlay:coreos/amd64/sdk/transition",
        "dev-lang/python-3.11.15-r1",
    );
    assert!(
        !tr.masked_by.iter().any(|m| m.kind == MaskKind::PackageMask),
        "{:?}",
        tr.masked_by
    );
}

/// The reduced answer `query` prints (`Evaluator::answer_into`, which skips
/// explanations and implicit flags, and the `Matrix` that asks it once per
/// group of agreeing profiles) is the full evaluation's, for every version
/// under a spread of profiles (every arch, both EAPI and overlay profiles).
#[test]
fn answers_agree_with_full_evaluation() {
    use portolan_engine::evaluate::{Answer, VersionFacts};
    use portolan_engine::matrix::Matrix;
    let mut tree = tree().lock().unwrap();
    let names: Vec<String> = tree
        .profiles_desc
        .iter()
        .map(|d| d.name(&tree.repos))
        .collect();
    let profiles: Vec<_> = names
        .iter()
        .step_by(7)
        .map(|n| tree.profile(n).unwrap())
        .collect();
    assert!(profiles.len() > 70);
    let tree = &*tree;
    let facts = VersionFacts::new(tree);
    let evaluators = Evaluator::all(tree, &profiles);
    let versions: Vec<_> = tree.packages.packages.iter().collect();
    // The whole matrix at once, which evaluates one profile per group of
    // agreeing ones: the same answers.
    let matrix = Matrix::new(&evaluators, &versions, &facts);
    let mut answer = Answer::default();
    let (mut masked, mut forced, mut licensed) = (0, 0, 0);
    for (k, (p, ev)) in profiles.iter().zip(&evaluators).enumerate() {
        for (i, pkg) in versions.iter().enumerate() {
            let state = ev.evaluate(pkg);
            let full = Answer::of(pkg, &state);
            ev.answer_into(pkg, &facts, &mut answer);
            assert_eq!(answer, full, "{} {}", p.name, pkg.cpv());
            assert_eq!(
                matrix.answer(k, i),
                &full,
                "matrix: {} {}",
                p.name,
                pkg.cpv()
            );
            masked += usize::from(!state.visible);
            forced += usize::from(!state.forced.is_empty());
            licensed += usize::from(state.masked_by.iter().any(|m| m.kind == MaskKind::License));
        }
    }
    // The comparison covered each kind of answer.
    assert!(masked > 1000 && forced > 1000 && licensed > 0);
}
