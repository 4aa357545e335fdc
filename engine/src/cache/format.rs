//! The bytes of a cache file: a fixed 32-byte prefix, then an rkyv archive
//! of [`RepoCache`] (md5-cache entries) or of [`NodeCache`] (the inputs of
//! profile directories).
//!
//! ```text
//! 0..8    b"PORTOLAN"
//! 8..12   format number (u32 little-endian), per kind: [`Contents::format`]
//! 12..16  what the archive holds: 0 = [`RepoCache`], 1 = [`NodeCache`]
//! 16..24  length of the archive in bytes (u64 little-endian)
//! 24..32  xxh3-64 of the archive (u64 little-endian)
//! 32..    the archive
//! ```
//!
//! The prefix is checked before the archive is looked at: a file from
//! another format is refused by its number, not by hoping its bytes fail
//! validation; a truncated file by its length; flipped bytes by the hash.
//! rkyv's validation (bytecheck) then proves the archive's structure (every
//! offset in bounds, every string UTF-8) so that reading it cannot go
//! wrong, and the hash proves its content is what was written: bytecheck
//! alone would accept a flipped letter inside a KEYWORDS value.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;
use rkyv::{Archive, Deserialize, Serialize};

/// Bumped whenever [`RepoCache`] or the meaning of what it stores changes
/// (3: each entry's [`crate::package::Validity`]).
pub const FORMAT: u32 = 3;
/// The same for [`NodeCache`]: each kind has its own number, so that a
/// change of one does not throw the other away.
pub const NODES_FORMAT: u32 = 2;
const MAGIC: &[u8; 8] = b"PORTOLAN";
pub(crate) const PREFIX: usize = 32;

/// Everything cached about one repository.
#[derive(Archive, Serialize, Debug)]
pub struct RepoCache {
    /// `CARGO_PKG_VERSION` of the engine that wrote it.
    pub portolan_version: String,
    pub repo_name: String,
    /// The repository's location, canonical, as OS bytes.
    pub location: Vec<u8>,
    /// When the inputs were last stat'ed (nanoseconds since the epoch):
    /// the reference for the racy-file rule.
    pub written_ns: i64,
    /// `metadata/md5-cache` and each category folder in it, so that added
    /// and removed entries are seen.
    pub dirs: Vec<DirRecord>,
    /// Every md5-cache entry, in scan order.
    pub entries: Vec<EntryRecord>,
}

/// The archive a cache file holds (bytes 12..16 of its prefix), so that
/// one kind of file is never read as the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contents {
    Packages = 0,
    Nodes = 1,
}

impl Contents {
    /// The format number files of this kind are written with.
    pub fn format(self) -> u32 {
        match self {
            Contents::Packages => FORMAT,
            Contents::Nodes => NODES_FORMAT,
        }
    }
}

/// What every profile directory read from one repository asked of the file
/// system, and the answers (see [`crate::cache::nodes`]).
#[derive(Archive, Serialize, Debug)]
pub struct NodeCache {
    pub portolan_version: String,
    pub repo_name: String,
    pub location: Vec<u8>,
    /// The reference for the racy-file rule, as in [`RepoCache`].
    pub written_ns: i64,
    pub nodes: Vec<NodeRecord>,
}

/// One profile directory: every path its loading looked at.
#[derive(Archive, Serialize, Deserialize, Debug, Clone)]
pub struct NodeRecord {
    /// The directory, relative to the repository's `profiles/`.
    pub rel: String,
    pub inputs: Vec<Input>,
}

/// One path and what the file system answered about it.
#[derive(Archive, Serialize, Deserialize, Debug, Clone)]
pub struct Input {
    /// Absolute, as OS bytes.
    pub path: Vec<u8>,
    /// `None`: the path did not exist.
    pub found: Option<Found>,
}

/// What an existing path was.
#[derive(Archive, Serialize, Deserialize, Debug, Clone)]
pub struct Found {
    /// `true` for a folder, `false` for a file.
    pub dir: bool,
    pub stamp: Stamp,
    /// A file's bytes and their xxh3-64, when they were read.
    pub text: Option<(Vec<u8>, u64)>,
    /// A folder's entries (name, kind: 0 file, 1 folder, 2 other, 3
    /// dangling link), when it was listed.
    pub listing: Option<Vec<(Vec<u8>, u8)>>,
}

/// What `stat` said about an input.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub mtime_ns: i64,
}

/// A folder whose listing the cache relies on; `stamp` is `None` when it
/// did not exist.
#[derive(Archive, Serialize, Debug, Clone)]
pub struct DirRecord {
    /// Relative to the repository's location.
    pub rel: String,
    pub stamp: Option<Stamp>,
}

/// One md5-cache entry: where it came from and its parsed form.
#[derive(Archive, Serialize, Debug)]
pub struct EntryRecord {
    pub category: String,
    pub pf: String,
    pub stamp: Stamp,
    /// xxh3-64 of the file's bytes.
    pub hash: u64,
    pub text: String,
    /// `[key start, key end, value start, value end, line]` per `KEY=VALUE`.
    pub fields: Vec<[u32; 5]>,
    /// [`Validity::invalid`](crate::package::Validity) of the entry.
    pub invalid: bool,
    /// [`Validity::outside_iuse`](crate::package::Validity), by name.
    pub outside_iuse: Vec<String>,
}

/// Why a cache file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("no cache file")]
    Missing,
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Corrupt(String),
}

/// Maps the cache file at `path` and checks its prefix and hash. The
/// archive itself is checked by [`archived`].
pub fn open(path: &Path, contents: Contents) -> Result<Arc<Mmap>, OpenError> {
    let file = match File::open(path) {
        Ok(f) => f,
        // No file, or the folder is missing or not a folder (then writing
        // says so, once).
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Err(OpenError::Missing)
        }
        Err(e) => return Err(e.into()),
    };
    // SAFETY: the mapping is read-only. portolan never writes a cache file
    // in place (a new file is renamed over the old one, so a mapped inode
    // keeps its bytes); only another program writing into the file while
    // it is mapped could change the bytes under us — the caveat of every
    // user of mmap (git, ripgrep), accepted for a private cache folder.
    let map = unsafe { Mmap::map(&file) }?;
    let corrupt = |why: &str| Err(OpenError::Corrupt(why.to_owned()));
    if map.len() < PREFIX {
        return corrupt("shorter than its header");
    }
    if &map[0..8] != MAGIC {
        return corrupt("not a portolan cache file");
    }
    let word = |at: usize| u64::from_le_bytes(map[at..at + 8].try_into().unwrap_or([0; 8]));
    let format = u32::from_le_bytes(map[8..12].try_into().unwrap_or([0; 4]));
    if u32::from_le_bytes(map[12..16].try_into().unwrap_or([0; 4])) != contents as u32 {
        return corrupt("holds another kind of cache");
    }
    let expected = contents.format();
    if format != expected {
        return Err(OpenError::Corrupt(format!(
            "format {format}, this portolan reads format {expected}"
        )));
    }
    let len = word(16);
    if len != (map.len() - PREFIX) as u64 {
        return Err(OpenError::Corrupt(format!(
            "truncated or extended: header says {len} bytes, file has {}",
            map.len() - PREFIX
        )));
    }
    if xxhash_rust::xxh3::xxh3_64(&map[PREFIX..]) != word(24) {
        return corrupt("content does not match its checksum");
    }
    Ok(Arc::new(map))
}

/// The archive of a mapped cache file, validated.
pub fn archived(map: &Mmap) -> Result<&ArchivedRepoCache, OpenError> {
    rkyv::access::<ArchivedRepoCache, rkyv::rancor::Error>(&map[PREFIX..])
        .map_err(|e| OpenError::Corrupt(format!("invalid archive: {e}")))
}

/// The archive of a mapped node cache file, validated.
pub fn archived_nodes(map: &Mmap) -> Result<&ArchivedNodeCache, OpenError> {
    rkyv::access::<ArchivedNodeCache, rkyv::rancor::Error>(&map[PREFIX..])
        .map_err(|e| OpenError::Corrupt(format!("invalid archive: {e}")))
}

/// Writes `cache` to `path` atomically: a temporary file in the same folder,
/// renamed over `path`. Concurrent writers each rename a complete file; the
/// last one wins, and readers keep the file they mapped.
pub fn write(path: &Path, cache: &RepoCache) -> io::Result<()> {
    let payload = rkyv::to_bytes::<rkyv::rancor::Error>(cache).map_err(io::Error::other)?;
    write_payload(path, Contents::Packages, &payload)
}

/// [`write`](fn@write) for a [`NodeCache`].
pub fn write_nodes(path: &Path, cache: &NodeCache) -> io::Result<()> {
    let payload = rkyv::to_bytes::<rkyv::rancor::Error>(cache).map_err(io::Error::other)?;
    write_payload(path, Contents::Nodes, &payload)
}

fn write_payload(path: &Path, contents: Contents, payload: &[u8]) -> io::Result<()> {
    let mut prefix = Vec::with_capacity(PREFIX);
    prefix.extend_from_slice(MAGIC);
    prefix.extend_from_slice(&contents.format().to_le_bytes());
    prefix.extend_from_slice(&(contents as u32).to_le_bytes());
    prefix.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    prefix.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), unique()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(&prefix)?;
        f.write_all(payload)?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A number no other temporary file of this process uses.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A string inside a cache mapping, kept alive by a share of the mapping:
/// how a cached md5-cache entry holds its text without copying it.
#[derive(Clone)]
pub struct MappedText {
    map: Arc<Mmap>,
    start: usize,
    end: usize,
}

impl std::fmt::Debug for MappedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MappedText({}..{})", self.start, self.end)
    }
}

impl MappedText {
    /// `s` must lie inside `map` (it is a string of the archive read from
    /// it); `None` otherwise.
    pub fn new(map: &Arc<Mmap>, s: &str) -> Option<MappedText> {
        let base = map.as_ptr() as usize;
        let start = (s.as_ptr() as usize).checked_sub(base)?;
        let end = start.checked_add(s.len())?;
        (end <= map.len()).then(|| MappedText {
            map: map.clone(),
            start,
            end,
        })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.map[self.start..self.end]
    }

    /// The whole mapping this text lies in.
    pub fn mapping(&self) -> &[u8] {
        &self.map
    }

    /// The range of `map` that `len` bytes at address `ptr` cover, when
    /// they lie inside it (the address of a slice of the archive read
    /// from it).
    pub fn range_in(map: &Mmap, ptr: usize, len: usize) -> Option<std::ops::Range<usize>> {
        let start = ptr.checked_sub(map.as_ptr() as usize)?;
        let end = start.checked_add(len)?;
        (end <= map.len()).then_some(start..end)
    }
}
