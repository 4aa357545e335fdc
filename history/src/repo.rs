//! Opening the git repository behind a location, naming revisions, and
//! walking first-parent history.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use gix::objs::tree::EntryKind;
use gix::ObjectId;

use crate::tree::RevisionTree;
use crate::HistoryError;

/// The git repository holding one configured location.
///
/// Cheap to clone: clones share the object database handle and the cache of
/// decoded trees, so revisions read one after another reuse every subtree
/// they have in common.
#[derive(Clone, Debug)]
pub struct GitRepo {
    pub(crate) shared: Arc<Shared>,
    /// The configured location, canonical (where a revision is mounted).
    location: PathBuf,
    /// The location relative to the work tree's root, by component.
    prefix: Vec<Box<[u8]>>,
}

/// One commit, as `bisect` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub id: ObjectId,
    /// The first line of the message.
    pub subject: String,
    pub parents: Vec<ObjectId>,
    pub tree: ObjectId,
}

impl Commit {
    /// The full hexadecimal id.
    pub fn hex(&self) -> String {
        self.id.to_string()
    }
}

/// One entry of a decoded tree object.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub name: Box<[u8]>,
    pub kind: EntryKind,
    pub id: ObjectId,
}

/// A decoded tree object, entries sorted by name bytes.
#[derive(Debug)]
pub(crate) struct Dir {
    pub entries: Vec<Entry>,
}

impl Dir {
    pub fn find(&self, name: &[u8]) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| (*e.name).cmp(name))
            .ok()
            .map(|i| &self.entries[i])
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// The work tree's root, canonical: absolute symbolic link targets below
    /// it are followed inside the revision.
    pub workdir: PathBuf,
}

/// `gix::Repository` is `Send` but not `Sync`: the engine may ask from
/// several threads, so every object access takes this lock. Loading reads
/// files one after another, so the lock is uncontended in practice.
pub(crate) struct State {
    repo: gix::Repository,
    dirs: HashMap<ObjectId, Arc<Dir>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("git_dir", &self.repo.git_dir())
            .field("dirs", &self.dirs.len())
            .finish()
    }
}

fn object_error(id: impl std::fmt::Display, e: impl std::fmt::Display) -> HistoryError {
    HistoryError::Object {
        id: id.to_string(),
        message: e.to_string(),
    }
}

impl State {
    /// The decoded tree `id`, from the cache or the object database.
    pub fn dir(&mut self, id: ObjectId) -> Result<Arc<Dir>, HistoryError> {
        if let Some(d) = self.dirs.get(&id) {
            return Ok(d.clone());
        }
        let tree = self.repo.find_tree(id).map_err(|e| object_error(id, e))?;
        let decoded = tree.decode().map_err(|e| object_error(id, e))?;
        let mut entries: Vec<Entry> = decoded
            .entries
            .iter()
            .map(|e| Entry {
                name: e.filename.to_vec().into_boxed_slice(),
                kind: e.mode.kind(),
                id: e.oid.to_owned(),
            })
            .collect();
        // Git orders a tree's entries as if directory names ended in '/';
        // lookups want plain byte order.
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let dir = Arc::new(Dir { entries });
        self.dirs.insert(id, dir.clone());
        Ok(dir)
    }

    pub fn blob(&mut self, id: ObjectId) -> Result<Vec<u8>, HistoryError> {
        let blob = self.repo.find_blob(id).map_err(|e| object_error(id, e))?;
        Ok(blob.detach().data)
    }

    pub fn blob_size(&mut self, id: ObjectId) -> Result<u64, HistoryError> {
        let header = self.repo.find_header(id).map_err(|e| object_error(id, e))?;
        Ok(header.size())
    }
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves only caches behind, which
        // stay valid: go on with them.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl GitRepo {
    /// Opens the git repository whose work tree holds `location` (the
    /// location may be the work tree's root or a folder inside it).
    pub fn open(location: &Path) -> Result<GitRepo, HistoryError> {
        let not_git = |message: String| HistoryError::NotAGitRepository {
            path: location.to_path_buf(),
            message,
        };
        let location = std::fs::canonicalize(location).map_err(|e| not_git(e.to_string()))?;
        let repo = gix::discover(&location).map_err(|e| not_git(e.to_string()))?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| HistoryError::Bare {
                path: location.clone(),
            })?
            .to_path_buf();
        let workdir = std::fs::canonicalize(&workdir).map_err(|e| not_git(e.to_string()))?;
        let rel = location
            .strip_prefix(&workdir)
            .map_err(|_| not_git(format!("outside the work tree {}", workdir.display())))?;
        let prefix = rel
            .components()
            .map(|c| c.as_os_str().as_encoded_bytes().to_vec().into_boxed_slice())
            .collect();
        Ok(GitRepo {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    repo,
                    dirs: HashMap::new(),
                }),
                workdir,
            }),
            location,
            prefix,
        })
    }

    /// The configured location, canonical: where [`tree`](Self::tree)
    /// sources are to be mounted.
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// The commit a revision names. Understood: `HEAD`, branch and tag
    /// names (`refs/...` too), full or abbreviated (4+ digits) ids, each
    /// followed by any number of `~N`, `^N`, `~` and `^` (as git: `~N` is the
    /// N-th first-parent ancestor, `^N` the N-th parent, `^0` the commit).
    pub fn resolve(&self, spec: &str) -> Result<ObjectId, HistoryError> {
        let bad = |message: &str| HistoryError::BadRevision {
            spec: spec.to_owned(),
            message: message.to_owned(),
        };
        let split = spec.find(['~', '^']).unwrap_or(spec.len());
        let (base, mut rest) = spec.split_at(split);
        if base.is_empty() {
            return Err(bad("no name before '~' or '^'"));
        }
        let mut id = self.resolve_base(spec, base)?;
        while let Some(op) = rest.chars().next() {
            rest = &rest[1..];
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let n: usize = if digits == 0 {
                1
            } else {
                rest[..digits].parse().map_err(|_| bad("count too large"))?
            };
            rest = &rest[digits..];
            match op {
                '~' => {
                    for _ in 0..n {
                        id = *self
                            .commit(id)?
                            .parents
                            .first()
                            .ok_or_else(|| bad("walks past the first commit"))?;
                    }
                }
                '^' if n == 0 => {}
                '^' => {
                    id = *self
                        .commit(id)?
                        .parents
                        .get(n - 1)
                        .ok_or_else(|| bad("the commit has no such parent"))?;
                }
                _ => return Err(bad("expected '~' or '^'")),
            }
        }
        Ok(id)
    }

    fn resolve_base(&self, spec: &str, base: &str) -> Result<ObjectId, HistoryError> {
        let st = self.shared.lock();
        let repo = &st.repo;
        let target = if let Ok(Some(mut r)) = repo.try_find_reference(base) {
            r.peel_to_id()
                .map_err(|e| HistoryError::BadRevision {
                    spec: spec.to_owned(),
                    message: e.to_string(),
                })?
                .detach()
        } else if base.len() >= 4 && base.bytes().all(|b| b.is_ascii_hexdigit()) {
            let prefix = gix::hash::Prefix::from_hex(base)
                .map_err(|_| HistoryError::UnknownRevision(spec.to_owned()))?;
            match repo.objects.lookup_prefix(prefix, None) {
                Ok(Some(Ok(id))) => id,
                Ok(Some(Err(()))) => return Err(HistoryError::AmbiguousRevision(spec.to_owned())),
                Ok(None) => return Err(HistoryError::UnknownRevision(spec.to_owned())),
                Err(e) => return Err(object_error(base, e)),
            }
        } else {
            return Err(HistoryError::UnknownRevision(spec.to_owned()));
        };
        // A tag names a commit through one or more tag objects.
        let commit = repo
            .find_object(target)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| HistoryError::BadRevision {
                spec: spec.to_owned(),
                message: format!("does not name a commit: {e}"),
            })?;
        Ok(commit.id)
    }

    /// The commit `id`: subject, parents and root tree.
    pub fn commit(&self, id: ObjectId) -> Result<Commit, HistoryError> {
        let st = self.shared.lock();
        let c = st.repo.find_commit(id).map_err(|e| object_error(id, e))?;
        let decoded = c.decode().map_err(|e| object_error(id, e))?;
        let subject = String::from_utf8_lossy(decoded.message_summary().as_ref()).into_owned();
        Ok(Commit {
            id,
            subject,
            parents: decoded.parents().collect(),
            tree: decoded.tree(),
        })
    }

    /// The commits after `good` up to and including `bad` along first
    /// parents, oldest first: what `git rev-list --first-parent good..bad`
    /// lists, reversed, when `good` is on that line. Fails with
    /// [`HistoryError::NotAnAncestor`] when walking back from `bad` never
    /// meets `good`.
    pub fn first_parent_range(
        &self,
        good: ObjectId,
        bad: ObjectId,
    ) -> Result<Vec<Commit>, HistoryError> {
        let mut out = Vec::new();
        let mut at = bad;
        while at != good {
            let c = self.commit(at)?;
            let next = c.parents.first().copied();
            out.push(c);
            at = next.ok_or_else(|| HistoryError::NotAnAncestor {
                good: good.to_string(),
                bad: bad.to_string(),
            })?;
        }
        out.reverse();
        Ok(out)
    }

    /// The files of the location at commit `id`, to mount at
    /// [`location`](Self::location).
    pub fn tree(&self, id: ObjectId) -> Result<RevisionTree, HistoryError> {
        let c = self.commit(id)?;
        Ok(RevisionTree::new(
            self.shared.clone(),
            c.tree,
            self.location.clone(),
            self.prefix.clone(),
        ))
    }
}
