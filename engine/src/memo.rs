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
