//! Shared helpers for portolan's benchmarks: where the real corpus is, and
//! loading it the way the CLI does (`--repos-conf`).
//!
//! The criterion benchmark is `benches/profiles.rs`; the harness that times
//! whole commands against Portage and pkgcore is `harness/compare.py`. Both
//! are described, with their last results, in `BENCHMARKS.md` at the root.

use std::path::PathBuf;

use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

/// `repos.conf` of the real corpus: `$PORTOLAN_BENCH_REPOS_CONF` when set,
/// else `../shared/corpus/real/repos.conf` relative to the workspace root.
pub fn real_repos_conf() -> PathBuf {
    if let Some(p) = std::env::var_os("PORTOLAN_BENCH_REPOS_CONF") {
        return PathBuf::from(p);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf();
    root.join("../shared/corpus/real/repos.conf")
}

/// Loads the real corpus: repositories then the tree (md5-cache, repo files).
pub fn load_real_tree() -> Tree {
    let conf = real_repos_conf();
    let repos = RepoSet::from_repos_conf(&conf)
        .unwrap_or_else(|e| panic!("loading {}: {e}", conf.display()));
    Tree::load(repos).unwrap_or_else(|e| panic!("loading the tree of {}: {e}", conf.display()))
}

/// Every `profiles.desc` entry as `REPO:PATH`, in repos.conf then file order
/// (what `--all-profiles` selects).
pub fn all_profile_names(tree: &Tree) -> Vec<String> {
    tree.profiles_desc
        .iter()
        .map(|d| d.name(&tree.repos))
        .collect()
}
