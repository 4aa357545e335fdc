//! One commit's tree as a [`Source`]: paths resolved component by component
//! through tree objects.
//!
//! What a work tree at that commit would show, without writing it:
//! - regular and executable blobs are files; their content id is the blob id;
//! - symbolic links (mode 120000, the blob holds the target) are followed as
//!   the kernel would, relative ones from the link's folder and absolute ones
//!   when they point into the work tree; a target outside the work tree is
//!   beyond what a revision can answer for, so the link is dangling;
//! - submodules (gitlinks) are absent: their content is another repository's.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use gix::objs::tree::EntryKind;
use gix::ObjectId;
use portolan_engine::fs::{ContentId, DirEntry, Kind, Meta, Source};

use crate::repo::{Shared, State};
use crate::HistoryError;

/// Symbolic links followed in one lookup before giving up, as Linux does
/// (`ELOOP` after 40).
const MAX_LINKS: usize = 40;

/// The files below a location at one commit.
#[derive(Debug)]
pub struct RevisionTree {
    shared: Arc<Shared>,
    /// The commit's root tree.
    root: ObjectId,
    /// Where the source is mounted: the canonical location.
    mount: PathBuf,
    /// The location below the work tree root.
    prefix: Vec<Box<[u8]>>,
}

/// What a path resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Dir(ObjectId),
    File(ObjectId),
}

fn not_found(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: {why} in this revision", path.display()),
    )
}

fn git_error(e: HistoryError) -> io::Error {
    io::Error::other(e.to_string())
}

impl RevisionTree {
    pub(crate) fn new(
        shared: Arc<Shared>,
        root: ObjectId,
        mount: PathBuf,
        prefix: Vec<Box<[u8]>>,
    ) -> RevisionTree {
        RevisionTree {
            shared,
            root,
            mount,
            prefix,
        }
    }

    /// The path's components below the work tree root, or `None` when the
    /// path is not below the mount point.
    fn components(&self, path: &Path) -> Option<VecDeque<Box<[u8]>>> {
        let rel = path.strip_prefix(&self.mount).ok()?;
        let mut out: VecDeque<Box<[u8]>> = self.prefix.iter().cloned().collect();
        out.extend(rel.components().map(component_bytes));
        Some(out)
    }

    /// Resolves `path`, following symbolic links (the last component's too
    /// when `follow_last`); gives the node and its canonical components.
    fn resolve(
        &self,
        st: &mut State,
        path: &Path,
        follow_last: bool,
    ) -> io::Result<(Resolved, Vec<Box<[u8]>>)> {
        let mut todo = self
            .components(path)
            .ok_or_else(|| not_found(path, "outside the repository"))?;
        // The folders entered so far, root first.
        let mut dirs: Vec<(Box<[u8]>, ObjectId)> = Vec::new();
        let mut links = 0;
        while let Some(name) = todo.pop_front() {
            match &*name {
                b"" | b"." => continue,
                b".." => {
                    if dirs.pop().is_none() {
                        return Err(not_found(path, "leaves the work tree"));
                    }
                    continue;
                }
                _ => {}
            }
            let here = dirs.last().map(|d| d.1).unwrap_or(self.root);
            let dir = st.dir(here).map_err(git_error)?;
            let Some(entry) = dir.find(&name) else {
                return Err(not_found(path, "no such file"));
            };
            let last = todo.iter().all(|c| matches!(&**c, b"" | b"."));
            match entry.kind {
                EntryKind::Tree => dirs.push((name, entry.id)),
                EntryKind::Blob | EntryKind::BlobExecutable => {
                    if !last {
                        return Err(not_found(path, "a file where a folder is expected"));
                    }
                    let mut canon: Vec<_> = dirs.into_iter().map(|d| d.0).collect();
                    canon.push(name);
                    return Ok((Resolved::Node(Node::File(entry.id)), canon));
                }
                EntryKind::Link if last && !follow_last => {
                    let mut canon: Vec<_> = dirs.into_iter().map(|d| d.0).collect();
                    canon.push(name);
                    return Ok((Resolved::Link, canon));
                }
                EntryKind::Link => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(io::Error::other(format!(
                            "{}: too many levels of symbolic links",
                            path.display()
                        )));
                    }
                    let target = st.blob(entry.id).map_err(git_error)?;
                    let target = PathBuf::from(OsString::from_vec(target));
                    let mut parts: VecDeque<Box<[u8]>> = VecDeque::new();
                    if target.is_absolute() {
                        let Ok(inside) = target.strip_prefix(&self.shared.workdir) else {
                            return Err(not_found(path, "a link to outside the work tree"));
                        };
                        dirs.clear();
                        parts.extend(inside.components().map(component_bytes));
                    } else {
                        parts.extend(target.components().map(component_bytes));
                    }
                    for p in parts.into_iter().rev() {
                        todo.push_front(p);
                    }
                }
                // A submodule: another repository's content.
                EntryKind::Commit => return Err(not_found(path, "a submodule")),
            }
        }
        let here = dirs.last().map(|d| d.1).unwrap_or(self.root);
        Ok((
            Resolved::Node(Node::Dir(here)),
            dirs.into_iter().map(|d| d.0).collect(),
        ))
    }

    fn node(&self, st: &mut State, path: &Path) -> io::Result<Node> {
        match self.resolve(st, path, true)? {
            (Resolved::Node(n), _) => Ok(n),
            (Resolved::Link, _) => unreachable!("links are followed"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Resolved {
    Node(Node),
    /// The last component is a link, not followed.
    Link,
}

fn component_bytes(c: Component<'_>) -> Box<[u8]> {
    match c {
        Component::RootDir => Box::from(&b""[..]),
        other => other
            .as_os_str()
            .as_encoded_bytes()
            .to_vec()
            .into_boxed_slice(),
    }
}

impl Source for RevisionTree {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut st = self.shared.lock();
        match self.node(&mut st, path)? {
            Node::File(id) => st.blob(id).map_err(git_error),
            Node::Dir(_) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{}: is a folder", path.display()),
            )),
        }
    }

    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        let mut st = self.shared.lock();
        let (kind, len) = match self.node(&mut st, path)? {
            Node::File(id) => (Kind::File, st.blob_size(id).map_err(git_error)?),
            Node::Dir(_) => (Kind::Dir, 0),
        };
        Ok(Meta {
            kind,
            len,
            mtime: None,
        })
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut st = self.shared.lock();
        let Node::Dir(id) = self.node(&mut st, path)? else {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{}: not a folder", path.display()),
            ));
        };
        let dir = st.dir(id).map_err(git_error)?;
        let mut out = Vec::with_capacity(dir.entries.len());
        for e in &dir.entries {
            let name = OsString::from_vec(e.name.to_vec());
            let kind = match e.kind {
                EntryKind::Tree => Some(Kind::Dir),
                EntryKind::Blob | EntryKind::BlobExecutable => Some(Kind::File),
                EntryKind::Link => match self.node(&mut st, &path.join(&name)) {
                    Ok(Node::Dir(_)) => Some(Kind::Dir),
                    Ok(Node::File(_)) => Some(Kind::File),
                    Err(_) => None,
                },
                EntryKind::Commit => continue,
            };
            out.push(DirEntry { name, kind });
        }
        Ok(out)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let mut st = self.shared.lock();
        let (_, canon) = self.resolve(&mut st, path, true)?;
        let mut out = self.shared.workdir.clone();
        for c in canon {
            out.push(OsString::from_vec(c.into_vec()));
        }
        Ok(out)
    }

    fn content_id(&self, path: &Path) -> Option<ContentId> {
        let mut st = self.shared.lock();
        match self.node(&mut st, path).ok()? {
            Node::File(id) => id.as_slice().try_into().ok(),
            Node::Dir(_) => None,
        }
    }
}
