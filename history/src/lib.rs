//! A repository's files at any git revision, read straight from the object
//! database: no checkout, no temporary work tree.
//!
//! [`GitRepo`] opens the git repository that holds a configured ebuild
//! repository's location, resolves revisions (`HEAD~3`, a branch, a tag, a
//! full or abbreviated id) and walks first-parent history. [`GitRepo::tree`]
//! gives a [`Source`](portolan_engine::fs::Source) for one commit that the
//! engine mounts over the location, so the usual loaders read that revision.
//! Its content id is git's blob id: a file unchanged between two revisions
//! has the same id, and the engine parses it once (see
//! `portolan_engine::memo`).
//!
//! gix is used with no default features, just the SHA-1 object database:
//! rev-parse is done here for the few forms people type, which keeps gix's
//! index, config-heavy and network parts out of the build.

mod repo;
mod tree;

pub use gix::ObjectId;
pub use repo::{Commit, GitRepo};
pub use tree::RevisionTree;

/// Failure to open a git repository or to read a revision of it.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{}: not inside a git work tree: {message}", path.display())]
    NotAGitRepository {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("{}: the git repository has no work tree (bare repositories are not supported)", path.display())]
    Bare { path: std::path::PathBuf },
    #[error("unknown revision '{0}'")]
    UnknownRevision(String),
    #[error("ambiguous revision '{0}': several objects start with it")]
    AmbiguousRevision(String),
    #[error("revision '{spec}': {message}")]
    BadRevision { spec: String, message: String },
    #[error("{good} is not an ancestor of {bad} along first parents")]
    NotAnAncestor { good: String, bad: String },
    #[error("reading git object {id}: {message}")]
    Object { id: String, message: String },
}
