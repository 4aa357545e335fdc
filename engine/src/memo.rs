//! Parsed files remembered by content id, so that trees loaded one after
//! another in one process (the revisions `diff` and `bisect` visit) parse a
//! file they share only once.
//!
//! Only sources that know a content id cheaply take part (a git revision:
//! the blob id); files read from disk are parsed every time. md5-cache
//! entries are remembered, as they dominate loading: from one revision to
//! the next almost all of them are unchanged.

use std::path::Path;
use std::sync::{Arc, Mutex};

use ahash::HashMap;

use crate::fs::{ContentId, Fs};
use crate::md5cache::{CacheEntry, Md5CacheError};

/// Shared between clones: give every [`RepoSet`](crate::repo::RepoSet) of
/// one run the same memo.
#[derive(Clone, Debug, Default)]
pub struct Memo {
    entries: Arc<Mutex<HashMap<ContentId, CacheEntry>>>,
}

impl Memo {
    /// The md5-cache entry at `path`, parsed once per content. An entry is
    /// reused only at the same path: its locations name the file.
    pub fn cache_entry(&self, fs: &Fs, path: &Path) -> Result<CacheEntry, Md5CacheError> {
        let Some(id) = fs.content_id(path) else {
            return CacheEntry::read(fs, path);
        };
        if let Some(e) = self.lock().get(&id).filter(|e| e.path() == path) {
            return Ok(e.clone());
        }
        let entry = CacheEntry::read(fs, path)?;
        self.lock().insert(id, entry.clone());
        Ok(entry)
    }

    /// How many parsed entries are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ContentId, CacheEntry>> {
        // The map holds finished entries only; a panic elsewhere cannot
        // leave one half-written.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::fs::{DirEntry, Kind, Meta, Source};

    /// Every path holds the same entry; content ids only when asked to.
    #[derive(Debug)]
    struct Counting {
        reads: Arc<AtomicUsize>,
        ids: bool,
    }

    const ENTRY: &[u8] = b"EAPI=8\nSLOT=0\n_md5_=0\n";

    impl Source for Counting {
        fn read(&self, _: &Path) -> io::Result<Vec<u8>> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            Ok(ENTRY.to_vec())
        }
        fn metadata(&self, _: &Path) -> io::Result<Meta> {
            Ok(Meta {
                kind: Kind::File,
                len: ENTRY.len() as u64,
                mtime: None,
            })
        }
        fn read_dir(&self, _: &Path) -> io::Result<Vec<DirEntry>> {
            Ok(Vec::new())
        }
        fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
            Ok(path.to_path_buf())
        }
        fn content_id(&self, _: &Path) -> Option<ContentId> {
            self.ids.then_some([7; 20])
        }
    }

    #[test]
    fn an_entry_is_parsed_once_per_content_and_path() {
        let reads = Arc::new(AtomicUsize::new(0));
        let fs = Fs::new(Counting {
            reads: reads.clone(),
            ids: true,
        });
        let memo = Memo::default();
        let a = Path::new("/r/metadata/md5-cache/cat/a-1");
        let first = memo.cache_entry(&fs, a).unwrap();
        let again = memo.clone().cache_entry(&fs, a).unwrap();
        assert_eq!(reads.load(Ordering::Relaxed), 1);
        assert_eq!(again.path(), first.path());
        assert_eq!(again.get("SLOT"), Some("0"));
        // Same content elsewhere: its locations must name the other file.
        let b = Path::new("/r/metadata/md5-cache/cat/b-1");
        assert_eq!(memo.cache_entry(&fs, b).unwrap().path(), b);
        assert_eq!(reads.load(Ordering::Relaxed), 2);
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn sources_without_content_ids_are_read_every_time() {
        let reads = Arc::new(AtomicUsize::new(0));
        let fs = Fs::new(Counting {
            reads: reads.clone(),
            ids: false,
        });
        let memo = Memo::default();
        let a = Path::new("/r/metadata/md5-cache/cat/a-1");
        memo.cache_entry(&fs, a).unwrap();
        memo.cache_entry(&fs, a).unwrap();
        assert_eq!(reads.load(Ordering::Relaxed), 2);
        assert!(memo.is_empty());
    }
}
