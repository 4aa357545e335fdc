//! The matrix groups profiles that agree about a version and evaluates one
//! of each group. These trees are made so that two profiles agree on
//! everything the grouping could look at but one thing; the matrix must
//! still give each profile its own answer (a full evaluation's).

use std::fs;
use std::path::{Path, PathBuf};

use portolan_engine::evaluate::{Answer, Evaluator, VersionFacts};
use portolan_engine::matrix::Matrix;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

/// A repository `r` under a fresh folder: `files` are (path below `r`,
/// contents); one version `cat/pkg-1` with IUSE `foo` and `bar`.
fn repo(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("matrix-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let r = root.join("r");
    let base: [(&str, &str); 4] = [
        ("profiles/repo_name", "r\n"),
        (
            "metadata/layout.conf",
            "masters =\nprofile-formats = portage-2\n",
        ),
        (
            "profiles/base/make.defaults",
            "ARCH=\"amd64\"\nACCEPT_KEYWORDS=\"amd64\"\n",
        ),
        (
            "metadata/md5-cache/cat/pkg-1",
            "EAPI=8\nSLOT=0\nKEYWORDS=amd64\nIUSE=foo bar\nLICENSE=MIT\n_md5_=0123\n",
        ),
    ];
    for (path, text) in base.iter().chain(files) {
        let path = r.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Later files of the same name (a test's own) replace the base's.
        fs::write(path, text).unwrap();
    }
    r
}

/// Every (profile, version) of `profiles` under the matrix and under a full
/// evaluation, as `profile version: answer` lines.
fn both(repo: &Path, profiles: &[&str]) -> (Vec<String>, Vec<String>) {
    let repos = RepoSet::from_dirs(&[repo.to_path_buf()]).unwrap();
    let mut tree = Tree::load(repos).unwrap();
    let stacked: Vec<_> = profiles
        .iter()
        .map(|p| tree.profile(&format!("r:{p}")).unwrap())
        .collect();
    let tree = &tree;
    let evaluators = Evaluator::all(tree, &stacked);
    let versions: Vec<_> = tree.packages.packages.iter().collect();
    let facts = VersionFacts::new(tree);
    let matrix = Matrix::new(&evaluators, &versions, &facts);
    let (mut fast, mut full) = (Vec::new(), Vec::new());
    for (k, (name, ev)) in profiles.iter().zip(&evaluators).enumerate() {
        for (i, pkg) in versions.iter().enumerate() {
            let line = |a: &Answer| format!("{name} {}: {a:?}", pkg.cpv());
            fast.push(line(matrix.answer(k, i)));
            full.push(line(&Answer::of(pkg, &ev.evaluate(pkg))));
        }
    }
    (fast, full)
}

/// `x` and `y` both stack `base` first, with its package.use line
/// `cat/pkg foo`, and both have `foo` off profile-wide, so the flag's code
/// is the same. In `y` that `-foo` is base's make.defaults, which base's
/// own package.use line follows (Portage interleaves make.defaults USE and
/// package.use node by node): `foo` on. In `x` the `-foo` comes again from
/// x's make.defaults, a later node: `foo` off. Only the positions of the
/// profile-wide verdicts tell the two apart.
#[test]
fn verdict_positions_split_profiles_naming_the_package() {
    let r = repo(
        "positions",
        &[
            (
                "profiles/base/make.defaults",
                "ARCH=\"amd64\"\nACCEPT_KEYWORDS=\"amd64\"\nUSE=\"-foo\"\n",
            ),
            ("profiles/base/package.use", "cat/pkg foo\n"),
            ("profiles/x/parent", "../base\n"),
            ("profiles/x/make.defaults", "USE=\"-foo\"\n"),
            ("profiles/y/parent", "../base\n"),
        ],
    );
    let (fast, full) = both(&r, &["x", "y"]);
    // IUSE is sorted: [bar, foo].
    assert!(full[0].contains("flags: [0, 0]"), "{full:?}");
    assert!(full[1].contains("flags: [0, 1]"), "{full:?}");
    assert_eq!(fast, full);
}

/// Contexts compare positions by rank: `x` and `deep` read base's
/// `cat/pkg foo` line after base's own `-foo`, `deep` one node deeper in
/// its stack, and share a context (foo on in both). `late` puts `-foo`
/// after the line, in its own make.defaults: the same lines and the same
/// verdict value, in another order, so foo is off there and it must not
/// join them, however the ranks fall.
#[test]
fn contexts_compare_positions_by_rank() {
    let r = repo(
        "ranks",
        &[
            (
                "profiles/base/make.defaults",
                "ARCH=\"amd64\"\nACCEPT_KEYWORDS=\"amd64\"\nUSE=\"-foo\"\n",
            ),
            ("profiles/base/package.use", "cat/pkg foo\n"),
            ("profiles/x/parent", "../base\n"),
            ("profiles/mid/parent", "../base\n"),
            ("profiles/mid/make.defaults", "USE=\"bar\"\n"),
            ("profiles/deep/parent", "../mid\n"),
            ("profiles/late/parent", "../mid\n"),
            ("profiles/late/make.defaults", "USE=\"-foo\"\n"),
        ],
    );
    let (fast, full) = both(&r, &["x", "deep", "late"]);
    // IUSE is sorted: [bar, foo].
    assert!(full[0].contains("flags: [0, 1]"), "{full:?}");
    assert!(full[1].contains("flags: [1, 1]"), "{full:?}");
    assert!(full[2].contains("flags: [1, 0]"), "{full:?}");
    assert_eq!(fast, full);
}

/// Same base verdict and flag codes, but a mask line for the package in one
/// profile only: the masked profile is not grouped with the other.
#[test]
fn a_mask_in_one_profile_splits() {
    let r = repo(
        "mask",
        &[
            ("profiles/x/parent", "../base\n"),
            ("profiles/x/package.mask", "cat/pkg\n"),
            ("profiles/y/parent", "../base\n"),
        ],
    );
    let (fast, full) = both(&r, &["x", "y"]);
    assert!(full[0].contains("PackageMask"), "{full:?}");
    assert!(!full[1].contains("PackageMask"), "{full:?}");
    assert_eq!(fast, full);
}

/// Evaluators made from one `Shared` share the repository-level masks and
/// the compiled ACCEPT_LICENSE values: a repository-level mask still yields
/// to one profile's package.unmask, and two ACCEPT_LICENSE values stay two
/// (the version's MIT is accepted by `x` and `y`, not by `z`).
#[test]
fn shared_masks_and_licenses_stay_per_profile() {
    let r = repo(
        "shared",
        &[
            ("profiles/package.mask", "cat/pkg\n"),
            ("profiles/x/parent", "../base\n"),
            ("profiles/y/parent", "../base\n"),
            ("profiles/y/package.unmask", "cat/pkg\n"),
            ("profiles/z/parent", "../base\n"),
            ("profiles/z/make.defaults", "ACCEPT_LICENSE=\"-* GPL-2\"\n"),
        ],
    );
    let (fast, full) = both(&r, &["x", "y", "z"]);
    assert!(full[0].contains("masked_by: [PackageMask]"), "{full:?}");
    assert!(full[1].contains("masked_by: []"), "{full:?}");
    assert!(
        full[2].contains("masked_by: [PackageMask, License]"),
        "{full:?}"
    );
    assert_eq!(fast, full);
}

/// A profile's keyword lines come from its first parent's stack (indexed
/// once for every profile with that parent) and from the rest of its
/// stack: they apply in stack order, so `x`'s own `-~amd64` takes back what
/// `base` accepted, while `y`, with base's line alone, accepts it.
#[test]
fn keyword_lines_apply_in_stack_order_across_shared_parents() {
    let r = repo(
        "keywords",
        &[
            (
                "metadata/md5-cache/cat/pkg-1",
                "EAPI=8\nSLOT=0\nKEYWORDS=~amd64\nIUSE=foo bar\nLICENSE=MIT\n_md5_=0123\n",
            ),
            ("profiles/base/package.accept_keywords", "cat/pkg ~amd64\n"),
            ("profiles/x/parent", "../base\n"),
            ("profiles/x/package.accept_keywords", "cat/pkg -~amd64\n"),
            ("profiles/y/parent", "../base\n"),
        ],
    );
    let (fast, full) = both(&r, &["x", "y"]);
    assert!(full[0].contains("masked_by: [Keywords]"), "{full:?}");
    assert!(full[1].contains("masked_by: []"), "{full:?}");
    assert_eq!(fast, full);
}
