//! The configured repositories with one of them read at a git revision:
//! what `diff` and `bisect` load for each commit they look at.
//!
//! The other repositories stay at their working state. Every tree loaded
//! through one [`History`] shares a [`Memo`], so an md5-cache entry that
//! two revisions have in common (same blob id) is parsed once, and so is
//! every entry of the repositories at their working state (see [`Steady`]).

use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use portolan_engine::fs::{ContentId, DirEntry, Fs, Meta, Source};
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
        let fs = Fs::new(Steady).mount(self.git.location(), Fs::new(source));
        let mut set = RepoSet::from_repos_conf_in(&self.conf, fs)
            .with_context(|| format!("at {id}: loading repositories"))?;
        set.memo = self.memo.clone();
        Tree::load(set).with_context(|| format!("at {id}"))
    }
}

/// The files on disk, taken as unchanging for the length of one run: their
/// content id is a hash of path, size and modification time, so the memo
/// parses the md5-cache of a repository at its working state once however
/// many revisions of another repository are loaded over it.
#[derive(Debug)]
struct Steady;

impl Source for Steady {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        Fs::os().read(path)
    }
    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        Fs::os().metadata(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        Fs::os().read_dir(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        Fs::os().canonicalize(path)
    }
    fn content_id(&self, path: &Path) -> Option<ContentId> {
        let meta = std::fs::metadata(path).ok()?;
        let stamp = (path, meta.len(), meta.modified().ok());
        // Three differently seeded 64-bit hashes: the memo also compares
        // paths, so a collision would need the same path anyway.
        let mut id = [0u8; 20];
        for (seed, chunk) in id.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (seed, &stamp).hash(&mut h);
            chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
        }
        Some(id)
    }
}
