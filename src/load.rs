//! Which repositories a command works on: `--repos-conf FILE`, `--repo DIR`
//! (repeatable), else `/etc/portage/repos.conf` when it exists, else the demo
//! tree shipped with portolan.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use portolan_engine::cache::CacheOptions;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;

use crate::Cli;

/// Repositories as the global options say, loaded with their packages and
/// repository-level files.
pub fn tree(cli: &Cli) -> Result<Tree> {
    tree_reading(cli, false)
}

/// [`tree`], reading every profile of profiles.desc meanwhile when
/// `all_profiles` (see [`Tree::load_cached_reading_profiles`]).
pub fn tree_reading(cli: &Cli, all_profiles: bool) -> Result<Tree> {
    let repos = repositories(cli.repos_conf.as_deref(), &cli.repos)?;
    let already = repos.warnings.len();
    let cache = cache_options(cli);
    let tree = if all_profiles {
        Tree::load_cached_reading_profiles(repos, &cache)?
    } else {
        Tree::load_cached(repos, &cache)?
    };
    for w in &tree.warnings[already..] {
        eprintln!("{w}");
    }
    Ok(tree)
}

/// Where the binary cache lives: `--cache-dir`, else
/// `$XDG_CACHE_HOME/portolan`, else `$HOME/.cache/portolan`; none with
/// `--no-cache`, or (with a warning) when neither variable is set. A folder
/// that cannot be written is the engine's warning, never an error.
fn cache_options(cli: &Cli) -> CacheOptions {
    if cli.no_cache {
        return CacheOptions { dir: None };
    }
    if let Some(dir) = &cli.cache_dir {
        return CacheOptions {
            dir: Some(dir.clone()),
        };
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let dir = var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("portolan"));
    if dir.is_none() {
        eprintln!(
            "portolan: warning: neither $XDG_CACHE_HOME nor $HOME is set; running without the binary cache"
        );
    }
    CacheOptions { dir }
}

/// The repos.conf `diff` and `bisect` configure every revision from:
/// `--repos-conf`, else `/etc/portage/repos.conf`, else the demo tree's.
/// (Their `--repo` names a configured repository, so it cannot also list
/// folders.)
pub fn repos_conf(cli: &Cli) -> PathBuf {
    if let Some(conf) = &cli.repos_conf {
        return conf.clone();
    }
    let system = Path::new("/etc/portage/repos.conf");
    if system.exists() {
        system.to_path_buf()
    } else {
        portolan_corpus::demo_repos_conf()
    }
}

pub fn repositories(repos_conf: Option<&Path>, repos: &[PathBuf]) -> Result<RepoSet> {
    let set = if let Some(conf) = repos_conf {
        RepoSet::from_repos_conf(conf)?
    } else if !repos.is_empty() {
        RepoSet::from_dirs(repos)?
    } else {
        let system = Path::new("/etc/portage/repos.conf");
        let conf = if system.exists() {
            system.to_path_buf()
        } else {
            portolan_corpus::demo_repos_conf()
        };
        RepoSet::from_repos_conf(&conf)
            .with_context(|| format!("loading repositories from {}", conf.display()))?
    };
    for w in &set.warnings {
        eprintln!("{w}");
    }
    Ok(set)
}
