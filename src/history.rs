//! The configured repositories with one of them read at a git revision:
//! what `diff` and `bisect` load for each commit they look at.
//!
//! The other repositories stay at their working state. Every tree loaded
//! through one [`History`] shares a [`Memo`], so an md5-cache entry that
//! two revisions have in common (same blob id) is parsed once.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use portolan_engine::fs::Fs;
use portolan_engine::memo::Memo;
use portolan_engine::repo::RepoSet;
use portolan_engine::tree::Tree;
use portolan_history::{Commit, GitRepo, ObjectId};

pub struct History {
    /// The repos.conf every revision is configured from.
    conf: PathBuf,
    pub git: GitRepo,
    memo: Memo,
}

impl History {
    /// Opens the git repository behind the configured repository `name`.
    pub fn open(conf: &Path, name: &str) -> Result<History> {
        let set = RepoSet::from_repos_conf(conf)
            .with_context(|| format!("loading repositories from {}", conf.display()))?;
        let Some(repo) = set.by_name(name) else {
            let known: Vec<&str> = set.repos.iter().map(|r| r.name.as_str()).collect();
            bail!(
                "--repo {name}: no such repository in {} (configured: {})",
                conf.display(),
                known.join(", ")
            );
        };
        let git = GitRepo::open(&repo.location)
            .with_context(|| format!("--repo {name}: reading its history"))?;
        Ok(History {
            conf: conf.to_path_buf(),
            git,
            memo: Memo::default(),
        })
    }

    /// The commit `spec` names (`HEAD~2`, a branch, an id...).
    pub fn resolve(&self, spec: &str) -> Result<Commit> {
        let id = self.git.resolve(spec)?;
        Ok(self.git.commit(id)?)
    }

    /// Every repository loaded, `name` at commit `id`.
    /// Warnings are kept in the tree, not printed: a bisection loads many
    /// revisions.
    pub fn load(&self, id: ObjectId) -> Result<Tree> {
        let source = self.git.tree(id)?;
        let fs = Fs::os().mount(self.git.location(), Fs::new(source));
        let mut set = RepoSet::from_repos_conf_in(&self.conf, fs)
            .with_context(|| format!("at {id}: loading repositories"))?;
        set.memo = self.memo.clone();
        Tree::load(set).with_context(|| format!("at {id}"))
    }
}
