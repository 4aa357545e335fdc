//! Where input files come from.
//!
//! Everything the engine reads below a repository's location goes through an
//! [`Fs`]: the working state on disk ([`Fs::os`]), or another source mounted
//! over a location (a git revision read straight from the object database,
//! see the CLI's history support). One handle travels with the
//! [`RepoSet`](crate::repo::RepoSet), so a tree loaded at revision A and one
//! loaded at revision B can live side by side in one process.
//!
//! Sources answer four questions: the bytes of a file, the kind of a path
//! (following symbolic links, as `std::fs::metadata` does), the entries of a
//! directory, and, when they know it cheaply, a content id (git's blob id),
//! so callers can skip re-parsing a file they have seen before.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// What a path names, after following symbolic links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A FIFO, socket or device: never read (a FIFO would block).
    Other,
}

/// What [`Fs::metadata`] tells about a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub len: u64,
    /// Modification time, when the source has one (a git revision has not).
    pub mtime: Option<SystemTime>,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: OsString,
    /// Kind after following symbolic links; `None` for a dangling link.
    pub kind: Option<Kind>,
}

/// A content id: git's blob id for sources that have one.
pub type ContentId = [u8; 20];

/// A provider of files. Paths are absolute, as the engine builds them from
/// repository locations.
pub trait Source: Send + Sync + fmt::Debug {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// `Err(NotFound)` when the path does not exist (or is a dangling link).
    fn metadata(&self, path: &Path) -> io::Result<Meta>;
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// The path with symbolic links resolved (used to detect directory
    /// cycles).
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    fn content_id(&self, _path: &Path) -> Option<ContentId> {
        None
    }
}

/// A shared handle to a [`Source`].
#[derive(Clone)]
pub struct Fs(Arc<dyn Source>);

impl fmt::Debug for Fs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Default for Fs {
    fn default() -> Fs {
        Fs::os()
    }
}

impl Fs {
    /// The files on disk.
    pub fn os() -> Fs {
        static OS: OnceLock<Fs> = OnceLock::new();
        OS.get_or_init(|| Fs(Arc::new(Os))).clone()
    }

    pub fn new(source: impl Source + 'static) -> Fs {
        Fs(Arc::new(source))
    }

    /// `source` answers for paths at or below `root`; this handle for the
    /// rest.
    pub fn mount(&self, root: impl Into<PathBuf>, source: Fs) -> Fs {
        Fs::new(Mounted {
            root: root.into(),
            inner: source,
            rest: self.clone(),
        })
    }

    pub fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0.read(path)
    }

    pub fn metadata(&self, path: &Path) -> io::Result<Meta> {
        self.0.metadata(path)
    }

    /// The kind of `path`, `None` when it does not exist.
    pub fn kind(&self, path: &Path) -> io::Result<Option<Kind>> {
        match self.0.metadata(path) {
            Ok(m) => Ok(Some(m.kind)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn is_dir(&self, path: &Path) -> bool {
        matches!(self.kind(path), Ok(Some(Kind::Dir)))
    }

    pub fn is_file(&self, path: &Path) -> bool {
        matches!(self.kind(path), Ok(Some(Kind::File)))
    }

    pub fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.0.read_dir(path)
    }

    pub fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.0.canonicalize(path)
    }

    pub fn content_id(&self, path: &Path) -> Option<ContentId> {
        self.0.content_id(path)
    }
}

/// The files on disk.
#[derive(Debug)]
struct Os;

fn kind_of(t: std::fs::FileType) -> Kind {
    if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    }
}

impl Source for Os {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        let m = std::fs::metadata(path)?;
        Ok(Meta {
            kind: kind_of(m.file_type()),
            len: m.len(),
            mtime: m.modified().ok(),
        })
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let t = entry.file_type()?;
            let kind = if t.is_symlink() {
                std::fs::metadata(entry.path())
                    .ok()
                    .map(|m| kind_of(m.file_type()))
            } else {
                Some(kind_of(t))
            };
            out.push(DirEntry {
                name: entry.file_name(),
                kind,
            });
        }
        Ok(out)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// One source over a subtree, another for the rest.
#[derive(Debug)]
struct Mounted {
    root: PathBuf,
    inner: Fs,
    rest: Fs,
}

impl Mounted {
    fn pick(&self, path: &Path) -> &Fs {
        if path.starts_with(&self.root) {
            &self.inner
        } else {
            &self.rest
        }
    }
}

impl Source for Mounted {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.pick(path).read(path)
    }
    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        self.pick(path).metadata(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.pick(path).read_dir(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.pick(path).canonicalize(path)
    }
    fn content_id(&self, path: &Path) -> Option<ContentId> {
        self.pick(path).content_id(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that knows one file, for checking that mounts route paths.
    #[derive(Debug)]
    struct One(PathBuf, &'static [u8]);

    impl Source for One {
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            if path == self.0 {
                Ok(self.1.to_vec())
            } else {
                Err(io::ErrorKind::NotFound.into())
            }
        }
        fn metadata(&self, path: &Path) -> io::Result<Meta> {
            self.read(path).map(|b| Meta {
                kind: Kind::File,
                len: b.len() as u64,
                mtime: None,
            })
        }
        fn read_dir(&self, _: &Path) -> io::Result<Vec<DirEntry>> {
            Err(io::ErrorKind::NotFound.into())
        }
        fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
            Ok(path.to_path_buf())
        }
    }

    #[test]
    fn mounts_route_by_prefix() {
        let here = std::env::temp_dir().join(format!("portolan-fs-{}", std::process::id()));
        std::fs::create_dir_all(&here).unwrap();
        std::fs::write(here.join("disk"), "on disk").unwrap();
        let fs = Fs::os().mount("/mounted", Fs::new(One("/mounted/a".into(), b"mounted")));
        assert_eq!(fs.read(Path::new("/mounted/a")).unwrap(), b"mounted");
        assert_eq!(fs.kind(Path::new("/mounted/b")).unwrap(), None);
        assert_eq!(fs.read(&here.join("disk")).unwrap(), b"on disk");
        assert!(fs.is_dir(&here));
        let listed = fs.read_dir(&here).unwrap();
        assert_eq!(
            listed,
            vec![DirEntry {
                name: "disk".into(),
                kind: Some(Kind::File)
            }]
        );
        std::fs::remove_dir_all(&here).unwrap();
    }
}
