//! The inputs of profile directories, cached: what loading each directory
//! asked of the file system, and the answers, so that a warm load makes no
//! per-file probes.
//!
//! # Why inputs, not parsed nodes
//!
//! Measured on the real corpus (509 profiles, 3 repositories, warm page
//! cache, release build): `query --all-profiles acct-group/adm-0-r3` made
//! 22 227 `statx` calls, 18 134 of them below `profiles/` (12 872 failing:
//! the ~20 file names probed in every directory, most absent) and 2 067
//! `openat`s of profile files; `perf` put `statx` at ~10 % of all samples
//! and the file reads at ~3 %, while line cleaning, make.defaults parsing
//! and atom parsing together stayed under 1 %. So what is cached is the
//! file system's answers, not the typed [`ProfileNode`]: a node is typed
//! again from cached bytes on every load (cheap), and the cache needs no
//! archived form of atoms, versions or make.defaults values.
//!
//! # How
//!
//! Loading a directory without a valid record goes through a `Recorder`
//! (a [`Source`] in front of the repository's [`Fs`]) that notes every
//! path asked about: absent, a folder (its stamp and, when listed, its
//! entries) or a file (its stamp and, when read, its bytes and xxh3). The
//! stamp is taken before the bytes, so a change during the read shows next
//! time. The directory itself is always recorded, with its listing: the
//! names it lacks are recorded absent without a `stat` each (about forty
//! names are probed per directory, most absent), which is exactly what
//! validation assumes of an unchanged folder. A directory whose record
//! is valid is loaded through a `Replay` answering from the record (and
//! from the repository's [`Fs`] for anything the record lacks).
//!
//! # When a record is trusted
//!
//! Exactly as for md5-cache entries ([`crate::cache`]): every recorded
//! folder must have the same length and mtime, and be older than the
//! cache's write time minus [`GRANULARITY_NS`] (adding or removing a file
//! changes its folder's mtime, so absent files need no `stat` when their
//! folder is recorded); every recorded file must have the same length and
//! mtime, and when it is racily clean, the same hash; a path recorded as
//! absent whose folder is not recorded is `stat`ed again. Anything else
//! records the directory anew. Parent files are files of the directory;
//! directory-form files (`package.use/`) are recorded as a folder with its
//! listing and a file per entry.
//!
//! Repository-level files (`profiles.desc`, `package.mask`, `categories`,
//! `license_groups`, `layout.conf`) are few and still read every time.
//!
//! # File
//!
//! `DIR/<repo name>-<xxh3 of location>.nodes.cache`, beside the package
//! cache of the same repository: a sibling file rather than a section, so
//! that loading one more profile does not rewrite the tens of megabytes of
//! md5-cache text. Same prefix, checksum, atomic write and warnings as the
//! package cache ([`format`](mod@super::format)). It is written when a [`NodeInputs`] is
//! flushed or dropped with new records; records of directories not loaded
//! in this run are kept. A write that fails on drop is silent (the package
//! cache of the same folder has already warned).
//!
//! [`ProfileNode`]: crate::profile::node::ProfileNode

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use memmap2::Mmap;

use super::format::{self, ArchivedNodeCache, Contents, Found, Input, NodeCache, NodeRecord};
use super::{file_name, nanos, stamp, CacheOptions, GRANULARITY_NS};
use crate::fs::{DirEntry, Fs, Kind, Meta, Source};
use crate::repo::{RepoId, RepoSet};
use crate::source::{Loc, Warning};

/// What a [`NodeInputs`] did (for tests and benchmarks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Directories loaded from a valid record.
    pub replayed: usize,
    /// Directories loaded from the repository (and recorded).
    pub recorded: usize,
    /// Cache files written.
    pub written: usize,
}

/// The node cache of every repository of a [`RepoSet`].
pub struct NodeInputs {
    repos: Vec<Option<RepoNodes>>,
    can_write: bool,
    pub stats: NodeStats,
}

impl std::fmt::Debug for NodeInputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeInputs({:?})", self.stats)
    }
}

struct RepoNodes {
    file: PathBuf,
    name: String,
    location: PathBuf,
    /// The cache file read at open, validated once.
    old: Option<Arc<Mmap>>,
    old_index: HashMap<String, usize>,
    fresh: HashMap<String, NodeRecord>,
    dirty: bool,
}

impl RepoNodes {
    fn root(&self) -> Option<&ArchivedNodeCache> {
        self.old.as_deref().map(root_of)
    }
}

/// The archive in `map`, a cache file [`NodeInputs::open`] validated.
fn root_of(map: &Mmap) -> &ArchivedNodeCache {
    // SAFETY: every map this is called with passed `format::archived_nodes`
    // (full bytecheck validation) and the checksum in `open`; the mapping
    // is read-only and never written in place (see `format::open`).
    unsafe { rkyv::access_unchecked::<ArchivedNodeCache>(&map[format::PREFIX..]) }
}

/// Where one directory's files are read from while it loads.
pub struct NodeSource {
    pub fs: Fs,
    recorder: Option<Arc<Recorder>>,
    /// Served from a valid record.
    replayed: bool,
}

impl NodeSource {
    pub fn plain(fs: &Fs) -> NodeSource {
        NodeSource {
            fs: fs.clone(),
            recorder: None,
            replayed: false,
        }
    }

    /// `fs` with directory `dir` listed once: loading probes about forty
    /// file names in every profile directory and most are absent, so a
    /// name the listing lacks is answered "absent" without a `stat` (the
    /// listing is the directory as it was when loading began). `fs`
    /// itself when `dir` cannot be listed.
    pub fn listed(fs: &Fs, dir: &Path) -> NodeSource {
        let Ok(entries) = fs.read_dir(dir) else {
            return NodeSource::plain(fs);
        };
        NodeSource {
            fs: Fs::new(Listed {
                names: Names::new(dir, &entries),
                rest: fs.clone(),
            }),
            recorder: None,
            replayed: false,
        }
    }
}

/// The names in one directory, from its listing.
#[derive(Debug)]
struct Names {
    dir: PathBuf,
    names: HashSet<OsString>,
}

impl Names {
    fn new(dir: &Path, entries: &[DirEntry]) -> Names {
        Names {
            dir: dir.to_path_buf(),
            names: entries.iter().map(|e| e.name.clone()).collect(),
        }
    }

    /// `path` is an entry of the listed directory that the listing lacks.
    fn lacks(&self, path: &Path) -> bool {
        path.parent() == Some(self.dir.as_path())
            && path
                .file_name()
                .is_some_and(|name| !self.names.contains(name))
    }
}

/// [`NodeSource::listed`]: absent names from the listing, the rest from
/// the file system.
#[derive(Debug)]
struct Listed {
    names: Names,
    rest: Fs,
}

impl Source for Listed {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.names.lacks(path) {
            return Err(not_found());
        }
        self.rest.read(path)
    }

    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        if self.names.lacks(path) {
            return Err(not_found());
        }
        self.rest.metadata(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        if self.names.lacks(path) {
            return Err(not_found());
        }
        self.rest.read_dir(path)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.rest.canonicalize(path)
    }
}

impl NodeInputs {
    /// Opens the node cache file of every repository that has modification
    /// times; `None` without a cache folder (or when it does not exist: it
    /// is opened after the package cache has created it). A file that cannot be used is
    /// a warning, and is rewritten when the first directory is recorded.
    pub fn open(
        repos: &RepoSet,
        opts: &CacheOptions,
        warnings: &mut Vec<Warning>,
    ) -> Option<NodeInputs> {
        let dir = opts.dir.as_ref()?;
        // The folder may not exist yet: the package cache, loaded at the
        // same time, creates it or warns once that it cannot, and
        // [`NodeInputs::flush`] writes only into a folder that exists (no
        // second warning about the same folder).
        let mut out = Vec::new();
        for repo in &repos.repos {
            let fs = &repos.fs;
            let has_mtime = |p: &Path| matches!(fs.metadata(p), Ok(Meta { mtime: Some(_), .. }));
            if !has_mtime(&repo.location) || fs.content_id(&repo.profiles_dir()).is_some() {
                out.push(None);
                continue;
            }
            let location = fs
                .canonicalize(&repo.location)
                .unwrap_or_else(|_| repo.location.clone());
            let base = file_name(repo.name.as_str(), &location);
            let file = dir.join(format!(
                "{}.nodes.cache",
                base.strip_suffix(".cache").unwrap_or(&base)
            ));
            let mut r = RepoNodes {
                file,
                name: repo.name.as_str().to_owned(),
                location,
                old: None,
                old_index: HashMap::new(),
                fresh: HashMap::new(),
                dirty: false,
            };
            let opened = format::open(&r.file, Contents::Nodes).and_then(|map| {
                let root = format::archived_nodes(&map)?;
                check_header(root, &r.name, &r.location)?;
                let index = root
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.rel.as_str().to_owned(), i))
                    .collect();
                Ok((index, map))
            });
            match opened {
                Ok((index, map)) => {
                    r.old_index = index;
                    r.old = Some(map);
                }
                Err(format::OpenError::Missing) => {}
                Err(e) => {
                    warnings.push(Warning {
                        loc: Loc::new(&r.file, 0),
                        message: format!("binary cache not usable ({e}); rebuilding it"),
                    });
                    r.dirty = true;
                }
            }
            out.push(Some(r));
        }
        Some(NodeInputs {
            repos: out,
            can_write: true,
            stats: NodeStats::default(),
        })
    }

    /// The source to load directory `dir` (`rel` inside `repo`'s
    /// `profiles/`) from: its record when valid, else a recorder. Only
    /// reads (directories are read on several threads); the store
    /// [`count`](NodeInputs::count)s each source it uses, in its order.
    pub fn source(&self, repos: &RepoSet, repo: RepoId, rel: &str, dir: &Path) -> NodeSource {
        let Some(Some(r)) = self.repos.get(repo.0 as usize) else {
            return NodeSource::listed(&repos.fs, dir);
        };
        if let Some(map) = &r.old {
            let root = root_of(map);
            if let Some(&i) = r.old_index.get(rel) {
                let written = root.written_ns.to_native();
                if let Some(metas) = validate(&repos.fs, written, &root.nodes[i]) {
                    return NodeSource {
                        fs: Fs::new(Replay {
                            map: Arc::clone(map),
                            node: i,
                            metas,
                            rest: repos.fs.clone(),
                        }),
                        recorder: None,
                        replayed: true,
                    };
                }
            }
        }
        let recorder = Arc::new(Recorder {
            rest: repos.fs.clone(),
            log: Mutex::default(),
            names: OnceLock::new(),
        });
        // The directory's stamp, then its listing (so an entry added in
        // between changes the stamp and shows next time); the names it
        // lacks are recorded absent without a `stat` each, vouched for by
        // the directory's stamp as in `validate`.
        if let Ok(entries) = recorder.read_dir(dir) {
            let _ = recorder.names.set(Names::new(dir, &entries));
        }
        NodeSource {
            fs: Fs::new(Arc::clone(&recorder)),
            recorder: Some(recorder),
            replayed: false,
        }
    }

    /// Counts `src` in [`NodeInputs::stats`] as replayed, when it is.
    pub fn count(&mut self, src: &NodeSource) {
        if src.replayed {
            self.stats.replayed += 1;
        }
    }

    /// `dir` loaded without error from `src`: keeps what it recorded.
    pub fn loaded(&mut self, repo: RepoId, rel: &str, src: NodeSource) {
        let Some(recorder) = src.recorder else {
            return;
        };
        self.stats.recorded += 1;
        let Some(Some(r)) = self.repos.get_mut(repo.0 as usize) else {
            return;
        };
        let log = std::mem::take(&mut *recorder.log.lock().unwrap_or_else(|e| e.into_inner()));
        r.dirty = true;
        if log.tainted {
            // Something without a stamp or an odd error: never replayed.
            r.fresh.remove(rel);
            r.old_index.remove(rel);
            return;
        }
        let mut inputs: Vec<Input> = log
            .inputs
            .into_iter()
            .map(|(p, found)| Input {
                path: p.into_os_string().into_encoded_bytes(),
                found,
            })
            .collect();
        inputs.sort_by(|a, b| a.path.cmp(&b.path));
        r.fresh.insert(
            rel.to_owned(),
            NodeRecord {
                rel: rel.to_owned(),
                inputs,
            },
        );
    }

    /// Writes the cache file of every repository with new records.
    pub fn flush(&mut self, warnings: &mut Vec<Warning>) {
        for r in self.repos.iter_mut().flatten() {
            if !r.dirty || !self.can_write || !r.file.parent().is_some_and(Path::is_dir) {
                continue;
            }
            let mut nodes: Vec<NodeRecord> = Vec::new();
            if let Some(root) = r.root() {
                for (rel, &i) in &r.old_index {
                    if r.fresh.contains_key(rel) {
                        continue;
                    }
                    match rkyv::deserialize::<NodeRecord, rkyv::rancor::Error>(&root.nodes[i]) {
                        Ok(n) => nodes.push(n),
                        Err(_) => continue,
                    }
                }
            }
            nodes.extend(r.fresh.values().cloned());
            nodes.sort_by(|a, b| a.rel.cmp(&b.rel));
            let cache = NodeCache {
                portolan_version: env!("CARGO_PKG_VERSION").to_owned(),
                repo_name: r.name.clone(),
                location: r.location.as_os_str().as_encoded_bytes().to_vec(),
                written_ns: nanos(SystemTime::now()),
                nodes,
            };
            match format::write_nodes(&r.file, &cache) {
                Ok(()) => {
                    self.stats.written += 1;
                    r.dirty = false;
                }
                Err(e) => {
                    self.can_write = false;
                    warnings.push(Warning {
                        loc: Loc::new(&r.file, 0),
                        message: format!(
                            "cannot write the binary cache ({e}); continuing without it"
                        ),
                    });
                }
            }
        }
    }
}

impl Drop for NodeInputs {
    fn drop(&mut self) {
        self.flush(&mut Vec::new());
    }
}

fn check_header(
    root: &ArchivedNodeCache,
    name: &str,
    location: &Path,
) -> Result<(), format::OpenError> {
    let version = env!("CARGO_PKG_VERSION");
    if root.portolan_version.as_str() != version {
        return Err(format::OpenError::Corrupt(format!(
            "written by portolan {}, this is {version}",
            root.portolan_version.as_str()
        )));
    }
    if root.repo_name.as_str() != name
        || root.location.as_slice() != location.as_os_str().as_encoded_bytes()
    {
        return Err(format::OpenError::Corrupt(format!(
            "written for another repository ({})",
            root.repo_name.as_str()
        )));
    }
    Ok(())
}

fn path_of(bytes: &[u8]) -> PathBuf {
    // SAFETY: the bytes came from `OsStr::as_encoded_bytes` of this
    // platform (they are checked by the archive's checksum).
    PathBuf::from(unsafe { OsString::from_encoded_bytes_unchecked(bytes.to_vec()) })
}

fn kind_code(k: Option<Kind>) -> u8 {
    match k {
        Some(Kind::File) => 0,
        Some(Kind::Dir) => 1,
        Some(Kind::Other) => 2,
        None => 3,
    }
}

fn code_kind(c: u8) -> Option<Kind> {
    match c {
        0 => Some(Kind::File),
        1 => Some(Kind::Dir),
        2 => Some(Kind::Other),
        _ => None,
    }
}

/// The inputs of a record when every one is unchanged, else `None`:
/// per input (in the record's order), what `stat` says of it now, or None
/// for an input recorded absent.
fn validate(fs: &Fs, written: i64, rec: &format::ArchivedNodeRecord) -> Option<Vec<Option<Meta>>> {
    let racy = |mtime: i64| mtime > written.saturating_sub(GRANULARITY_NS);
    let mut metas = vec![None; rec.inputs.len()];
    // Folders first: an unchanged folder vouches for its absent entries.
    for pass in [true, false] {
        for (input, slot) in rec.inputs.iter().zip(&mut metas) {
            let Some(found) = input.found.as_ref() else {
                continue;
            };
            if found.dir != pass {
                continue;
            }
            let path = path_ref(input.path.as_slice());
            let old = format::Stamp {
                len: found.stamp.len.to_native(),
                mtime_ns: found.stamp.mtime_ns.to_native(),
            };
            let meta = fs.metadata(path).ok()?;
            let want = if found.dir { Kind::Dir } else { Kind::File };
            if meta.kind != want || stamp(&meta)? != old {
                return None;
            }
            if racy(old.mtime_ns) {
                // Racily clean: a folder cannot be hashed, a file can.
                let text = found.text.as_ref().filter(|_| !found.dir)?;
                let bytes = fs.read(path).ok()?;
                if xxhash_rust::xxh3::xxh3_64(&bytes) != text.1.to_native() {
                    return None;
                }
            }
            *slot = Some(meta);
        }
    }
    let same_dir = |dir: &Path| {
        rec.inputs
            .iter()
            .any(|i| i.found.as_ref().is_some_and(|f| f.dir) && path_ref(i.path.as_slice()) == dir)
    };
    for input in rec.inputs.iter().filter(|i| i.found.is_none()) {
        let path = path_ref(input.path.as_slice());
        if !path.parent().is_some_and(same_dir) {
            match fs.metadata(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                _ => return None,
            }
        }
    }
    Some(metas)
}

/// An archived path, as a path (see [`path_of`]).
fn path_ref(bytes: &[u8]) -> &Path {
    // SAFETY: as in `path_of`.
    Path::new(unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(bytes) })
}

/// Serves a valid record straight from the cache file; asks `rest` about
/// anything it does not hold. A record has a few dozen inputs (most of
/// them names probed and absent): one is found by comparing their bytes
/// in turn, which costs less than hashing every path into a map first.
struct Replay {
    map: Arc<Mmap>,
    /// The record's index in the file.
    node: usize,
    /// Per input, what `stat` said of it when validated (None: absent).
    metas: Vec<Option<Meta>>,
    rest: Fs,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Replay({:?})", self.record().rel.as_str())
    }
}

/// What a record says about a path.
enum Answer<'a> {
    Missing,
    Found(&'a Meta, &'a format::ArchivedFound),
    /// Not recorded: ask the repository.
    Unknown,
}

impl Replay {
    fn record(&self) -> &format::ArchivedNodeRecord {
        &root_of(&self.map).nodes[self.node]
    }

    fn answer(&self, path: &Path) -> Answer<'_> {
        let bytes = path.as_os_str().as_encoded_bytes();
        let inputs = self.record().inputs.iter().zip(&self.metas);
        match inputs.into_iter().find(|(i, _)| i.path.as_slice() == bytes) {
            None => Answer::Unknown,
            Some((input, meta)) => match (input.found.as_ref(), meta) {
                (Some(found), Some(meta)) => Answer::Found(meta, found),
                _ => Answer::Missing,
            },
        }
    }
}

fn not_found() -> io::Error {
    io::Error::from(io::ErrorKind::NotFound)
}

impl Source for Replay {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.answer(path) {
            Answer::Missing => Err(not_found()),
            Answer::Found(meta, found) if meta.kind == Kind::File => match found.text.as_ref() {
                Some(text) => Ok(text.0.as_slice().to_vec()),
                None => self.rest.read(path),
            },
            _ => self.rest.read(path),
        }
    }

    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        match self.answer(path) {
            Answer::Missing => Err(not_found()),
            Answer::Found(meta, _) => Ok(*meta),
            Answer::Unknown => self.rest.metadata(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        match self.answer(path) {
            Answer::Missing => Err(not_found()),
            Answer::Found(_, found) if found.listing.is_some() => {
                let listing = found.listing.as_ref().map(|l| l.as_slice());
                Ok(listing
                    .unwrap_or_default()
                    .iter()
                    .map(|e| DirEntry {
                        name: path_of(e.0.as_slice()).into_os_string(),
                        kind: code_kind(e.1),
                    })
                    .collect())
            }
            _ => self.rest.read_dir(path),
        }
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.rest.canonicalize(path)
    }
}

/// Notes every answer `rest` gives while one directory loads.
#[derive(Debug)]
struct Recorder {
    rest: Fs,
    log: Mutex<Log>,
    /// The loaded directory's names, once listed (and recorded).
    names: OnceLock<Names>,
}

#[derive(Debug, Default)]
struct Log {
    inputs: HashMap<PathBuf, Option<Found>>,
    /// An answer that cannot be validated later (no mtime, a FIFO, an I/O
    /// error other than absence, a file replaced during the load).
    tainted: bool,
}

impl Recorder {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the stat of `path` once, before any read of it.
    fn note_meta(&self, path: &Path, r: &io::Result<Meta>) {
        let mut log = self.log();
        if log.inputs.contains_key(path) {
            return;
        }
        let found = match r {
            Ok(m) if m.kind != Kind::Other => match stamp(m) {
                Some(stamp) => Some(Found {
                    dir: m.kind == Kind::Dir,
                    stamp,
                    text: None,
                    listing: None,
                }),
                None => {
                    log.tainted = true;
                    return;
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            _ => {
                log.tainted = true;
                return;
            }
        };
        log.inputs.insert(path.to_path_buf(), found);
    }

    /// `path` is absent by the recorded listing of the loaded directory.
    fn lacks(&self, path: &Path) -> bool {
        self.names.get().is_some_and(|n| n.lacks(path))
    }

    /// `ask` of the file system, unless the recorded listing says `path`
    /// is absent.
    fn unless_lacking<T>(&self, path: &Path, ask: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        if self.lacks(path) {
            Err(not_found())
        } else {
            ask()
        }
    }

    fn ensure_meta(&self, path: &Path) {
        if !self.log().inputs.contains_key(path) {
            let _ = self.metadata(path);
        }
    }
}

impl Source for Recorder {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.ensure_meta(path);
        let r = self.unless_lacking(path, || self.rest.read(path));
        let mut log = self.log();
        match (&r, log.inputs.get_mut(path)) {
            (Ok(bytes), Some(Some(found))) if !found.dir => {
                found.text = Some((bytes.clone(), xxhash_rust::xxh3::xxh3_64(bytes)));
            }
            (Err(e), Some(None)) if e.kind() == io::ErrorKind::NotFound => {}
            _ => log.tainted = true,
        }
        r
    }

    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        let r = self.unless_lacking(path, || self.rest.metadata(path));
        self.note_meta(path, &r);
        r
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.ensure_meta(path);
        let r = self.unless_lacking(path, || self.rest.read_dir(path));
        let mut log = self.log();
        match (&r, log.inputs.get_mut(path)) {
            (Ok(entries), Some(Some(found))) if found.dir => {
                found.listing = Some(
                    entries
                        .iter()
                        .map(|e| (e.name.as_encoded_bytes().to_vec(), kind_code(e.kind)))
                        .collect(),
                );
            }
            (Err(e), Some(None)) if e.kind() == io::ErrorKind::NotFound => {}
            _ => log.tainted = true,
        }
        r
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.rest.canonicalize(path)
    }
}

impl Source for Arc<Recorder> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        (**self).read(path)
    }
    fn metadata(&self, path: &Path) -> io::Result<Meta> {
        (**self).metadata(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        (**self).read_dir(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        (**self).canonicalize(path)
    }
}
