//! The binary cache: what the md5-cache of each repository parsed to, kept
//! in one file per repository so that a second run does not read and scan
//! tens of thousands of small files again.
//!
//! # What is cached, and why
//!
//! Measured on the Gentoo-scale generated corpus (31 393 md5-cache entries,
//! 65 MiB, release build, warm page cache, 2 shared cores; see
//! BENCHMARKS.md): listing the md5-cache took 80–140 ms, `stat` of every
//! entry 140–330 ms, reading them 570–970 ms, the per-entry scan
//! ([`CacheEntry::from_bytes`]) 180–530 ms, out of a package-index load of
//! 1.0–2.6 s. Loading every profile node of all 488 profiles took ~0.3 s,
//! one profile's nodes ~10 ms. So the cache holds, per repository, the text
//! of every md5-cache entry and the byte ranges of its fields: loading from
//! it opens one file, and each [`CacheEntry`] borrows its text from the
//! shared mapping ([`MappedText`], an `Arc<Mmap>` and a range) — nothing is
//! copied or deserialized, and no entry is scanned again. Typing the
//! entries (interning KEYWORDS, IUSE, SLOT, parsing LICENSE) still runs on
//! every load, in parallel: interned [`Sym`](crate::intern::Sym)s are
//! process-local numbers and could only be stored as strings and interned
//! again.
//!
//! Each entry also keeps its [`Validity`] (is the metadata refused, which
//! flags do its conditionals name outside IUSE): every profile's
//! evaluation asks it of every version, and learning it means parsing
//! every dependency string (~0.5 s for the 31 393 generated entries, ~85%
//! of a one-profile `query` over a warm cache). It depends on the entry's
//! bytes alone, which the per-entry hash below already vouches for; a new
//! or changed entry gets it computed again (in parallel) before the file
//! is written.
//!
//! Profile directories are cached separately, as the file system's answers
//! rather than typed nodes: their cost is in the ~20 paths probed per
//! directory, not in parsing; see [`nodes`].
//!
//! # File
//!
//! `DIR/<repo name>-<xxh3 of the canonical location>.cache`, written by
//! [`format::write`] (temporary file + rename, so concurrent runs are safe),
//! laid out as [`format`](mod@format) says: a prefix with magic, format number, length
//! and xxh3 checksum, then an rkyv archive of [`format::RepoCache`] read in
//! place through `memmap2` with validation (`rkyv::access`). A file that is
//! truncated, has flipped bytes, another format or another portolan
//! version is reported once as a warning naming it, and rebuilt.
//!
//! # When a cached entry is trusted
//!
//! The cache records, for every input it relies on, `stat`'s length and
//! modification time (nanoseconds) and, for files, an xxh3 hash of the
//! bytes; folders (`metadata/md5-cache` and every category in it) are
//! recorded too, because adding or removing an entry changes the folder's
//! modification time. On load, every input is `stat`ed again:
//!
//! * same length and mtime, and the mtime older than the cache's write time
//!   minus [`GRANULARITY_NS`]: trusted;
//! * otherwise (changed, or *racily clean*: modified so close to the moment
//!   the cache recorded it that a later edit in the same timestamp tick would
//!   leave the mtime unchanged — git's racy-git rule) the file is read and
//!   hashed: the same hash reuses the cached entry, another hash re-parses
//!   that file only. A changed or racy folder is listed again.
//!
//! Anything that changed rewrites the cache. The one change stat-based
//! validation cannot see is a file whose content changes while its size and
//! mtime are forged back to the recorded values (`touch -d`, or a tool that
//! restores mtimes) outside the racy window — the same limit as git's index
//! and make. `--no-cache` (or deleting the folder) is the answer then.
//!
//! Repositories read from a source without modification times (a git
//! revision) are not cached: there is nothing cheap to validate against,
//! and such sources have their own memo by content id.

pub mod format;
pub mod nodes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use memmap2::Mmap;
use rayon::prelude::*;

use crate::fs::{Fs, Kind, Meta};
use crate::intern::LocalSyms;
use crate::md5cache::{self, CacheEntry, Md5CacheError};
use crate::package::{NewEntry, Package, PackageError, PackageIndex, Validity};
use crate::repo::{RepoSet, Repository};
use crate::source::{Loc, SourceError, Warning};

pub use format::MappedText;
use format::{ArchivedRepoCache, DirRecord, EntryRecord, OpenError, RepoCache, Stamp};

/// The coarsest timestamp granularity portolan allows for (FAT's 2 s): a
/// file modified less than this before the cache recorded it is hashed on
/// every load, since an edit in the same tick could keep its mtime.
pub const GRANULARITY_NS: i64 = 2_000_000_000;

/// Where the binary cache lives; `dir: None` reads everything from the
/// repositories (`--no-cache`).
#[derive(Clone, Debug, Default)]
pub struct CacheOptions {
    pub dir: Option<PathBuf>,
}

/// What one load did with the cache, per repository (for tests and
/// benchmarks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries served from a cache file.
    pub reused: usize,
    /// Entries read and parsed from the repository.
    pub parsed: usize,
    /// Cache files written.
    pub written: usize,
}

/// The package index of every repository, through the cache in `opts`.
pub fn load_packages(
    repos: &RepoSet,
    opts: &CacheOptions,
    warnings: &mut Vec<Warning>,
) -> Result<(PackageIndex, CacheStats), PackageError> {
    let mut stats = CacheStats::default();
    let Some(dir) = &opts.dir else {
        let index = PackageIndex::load(repos, warnings)?;
        stats.parsed = index.len();
        return Ok((index, stats));
    };
    let mut index = PackageIndex::default();
    let mut can_write = true;
    for repo in &repos.repos {
        if !cacheable(&repos.fs, repo) {
            let files = md5cache::scan(&repos.fs, &repo.location)?;
            stats.parsed += files.len();
            let entries = NewEntry::read_all(files, |path| CacheEntry::read(&repos.fs, path))?;
            index.extend(repo, entries, warnings)?;
            continue;
        }
        let loaded = RepoLoad {
            fs: &repos.fs,
            repo,
            stats: &mut stats,
            warnings,
        }
        .load(dir)?;
        let start = index.len();
        // A failed write is reported where it used to be, before the
        // warnings of the entries.
        let at = warnings.len();
        index.extend(repo, loaded.entries, warnings)?;
        let Some(pending) = loaded.write.filter(|_| can_write) else {
            continue;
        };
        match pending.write(repo, &index.packages[start..]) {
            Ok(()) => stats.written += 1,
            Err(e) => {
                can_write = false;
                warnings.insert(
                    at,
                    Warning {
                        loc: Loc::new(&pending.file, 0),
                        message: format!(
                            "cannot write the binary cache ({e}); continuing without it"
                        ),
                    },
                );
            }
        }
    }
    Ok((index, stats))
}

/// Whether `repo` is read from a source with modification times.
fn cacheable(fs: &Fs, repo: &Repository) -> bool {
    let has_mtime = |p: &Path| matches!(fs.metadata(p), Ok(Meta { mtime: Some(_), .. }));
    let md5 = repo.md5_cache_dir();
    has_mtime(&repo.location)
        && fs.content_id(&md5).is_none()
        && (fs.kind(&md5).ok() == Some(None) || has_mtime(&md5))
}

fn nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

fn stamp(meta: &Meta) -> Option<Stamp> {
    Some(Stamp {
        len: meta.len,
        mtime_ns: nanos(meta.mtime?),
    })
}

/// The stamp of a folder; `Ok(None)` when it does not exist, `Err` when it
/// cannot be told (which makes the folder count as changed).
fn dir_stamp(fs: &Fs, path: &Path) -> Result<Option<Stamp>, ()> {
    match fs.metadata(path) {
        Ok(m) if m.kind == Kind::Dir => stamp(&m).map(Some).ok_or(()),
        Ok(_) => Err(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(()),
    }
}

/// The cache file of a repository at canonical `location`.
pub fn file_name(repo_name: &str, location: &Path) -> String {
    let name: String = repo_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let hash = xxhash_rust::xxh3::xxh3_64(location.as_os_str().as_encoded_bytes());
    format!("{name}-{hash:016x}.cache")
}

/// What [`RepoLoad::load`] found: the entries, and the cache file to
/// write when anything changed.
struct RepoLoaded {
    entries: Vec<NewEntry>,
    write: Option<PendingWrite>,
}

/// A cache file to write once the entries are typed (the file keeps each
/// entry's [`Validity`], which is computed from the typed version).
struct PendingWrite {
    file: PathBuf,
    location: PathBuf,
    records: Vec<Record>,
    dirs: Vec<DirRecord>,
}

/// How one listed entry was loaded by [`RepoLoad::reuse`].
enum Reuse {
    /// From the cache file; `restamped` when its stamp changed but its
    /// bytes did not.
    Cached { restamped: bool },
    /// Read and parsed again.
    Parsed,
}

/// One entry as the new cache file will record it.
struct Record {
    stamp: Stamp,
    hash: u64,
}

struct RepoLoad<'a> {
    fs: &'a Fs,
    repo: &'a Repository,
    stats: &'a mut CacheStats,
    warnings: &'a mut Vec<Warning>,
}

impl RepoLoad<'_> {
    fn md5_dir(&self) -> PathBuf {
        self.repo.md5_cache_dir()
    }

    fn load(&mut self, dir: &Path) -> Result<RepoLoaded, PackageError> {
        let location = self
            .fs
            .canonicalize(&self.repo.location)
            .unwrap_or_else(|_| self.repo.location.clone());
        let file = dir.join(file_name(self.repo.name.as_str(), &location));
        let opened = format::open(&file, format::Contents::Packages).and_then(|map| {
            let ok = {
                let root = format::archived(&map)?;
                check_header(root, self.repo.name.as_str(), &location)?;
                self.reuse(&map, root)?
            };
            Ok(ok)
        });
        let (entries, records, dirs, dirty) = match opened {
            Ok(Some(done)) => done,
            Ok(None) | Err(OpenError::Missing) => return self.rebuild(file, location),
            Err(e) => {
                self.warnings.push(Warning {
                    loc: Loc::new(&file, 0),
                    message: format!("binary cache not usable ({e}); rebuilding it"),
                });
                return self.rebuild(file, location);
            }
        };
        let write = dirty.then_some(PendingWrite {
            file,
            location,
            records,
            dirs,
        });
        Ok(RepoLoaded { entries, write })
    }

    /// Validates a cache file against the repository and loads through it.
    /// `Ok(None)`: something it relies on cannot be checked (rebuild).
    /// The entries are checked in parallel (a `stat` each, and the bytes of
    /// the changed ones); what comes out is in listing order.
    #[allow(clippy::type_complexity)]
    fn reuse(
        &mut self,
        map: &Arc<Mmap>,
        root: &ArchivedRepoCache,
    ) -> Result<Option<(Vec<NewEntry>, Vec<Record>, Vec<DirRecord>, bool)>, OpenError> {
        let written = root.written_ns.to_native();
        let racy = |s: &Stamp| s.mtime_ns > written.saturating_sub(GRANULARITY_NS);
        let location = &self.repo.location;
        let mut dirs_same = true;
        for d in root.dirs.iter() {
            let old = d.stamp.as_ref().map(|s| Stamp {
                len: s.len.to_native(),
                mtime_ns: s.mtime_ns.to_native(),
            });
            let now = dir_stamp(self.fs, &location.join(d.rel.as_str()));
            if now != Ok(old) || old.as_ref().is_some_and(racy) {
                dirs_same = false;
                break;
            }
        }
        // The listing: the cached one when no folder changed, else a scan
        // matched against the cached entries by name.
        let cached: Vec<&format::ArchivedEntryRecord> = root.entries.iter().collect();
        let listing: Vec<(String, String, Option<&format::ArchivedEntryRecord>)>;
        let mut dirty = false;
        let dirs = if dirs_same {
            listing = cached
                .iter()
                .map(|r| (r.category.to_string(), r.pf.to_string(), Some(*r)))
                .collect();
            root.dirs
                .iter()
                .map(|d| DirRecord {
                    rel: d.rel.to_string(),
                    stamp: d.stamp.as_ref().map(|s| Stamp {
                        len: s.len.to_native(),
                        mtime_ns: s.mtime_ns.to_native(),
                    }),
                })
                .collect()
        } else {
            dirty = true;
            let Some(dirs) = self.stamp_dirs() else {
                return Ok(None);
            };
            let by_name: HashMap<(&str, &str), &format::ArchivedEntryRecord> = cached
                .iter()
                .map(|r| ((r.category.as_str(), r.pf.as_str()), *r))
                .collect();
            // A listing that fails: the load without cache says why.
            let Ok(files) = md5cache::scan(self.fs, location) else {
                return Ok(None);
            };
            listing = files
                .into_iter()
                .map(|f| {
                    let r = by_name.get(&(f.category.as_str(), f.pf.as_str())).copied();
                    (f.category, f.pf, r)
                })
                .collect();
            dirs
        };
        let md5 = self.md5_dir();
        let fs = self.fs;
        let steps: Vec<Result<Option<(NewEntry, Record, Reuse)>, OpenError>> = listing
            .into_par_iter()
            .map_init(LocalSyms::default, |syms, (category, pf, cached)| {
                let path = entry_path(&md5, &category, &pf);
                let step = reuse_entry(fs, map, &path, cached, &racy, syms)?;
                Ok(step.map(|(entry, validity, record, how)| {
                    let new = NewEntry {
                        category,
                        pf,
                        entry,
                        validity,
                    };
                    (new, record, how)
                }))
            })
            .collect();
        let mut entries = Vec::with_capacity(steps.len());
        let mut records = Vec::with_capacity(steps.len());
        let (mut reused, mut parsed) = (0, 0);
        for step in steps {
            let Some((entry, record, how)) = step? else {
                return Ok(None);
            };
            match how {
                Reuse::Cached { restamped } => {
                    reused += 1;
                    dirty |= restamped;
                }
                Reuse::Parsed => {
                    parsed += 1;
                    dirty = true;
                }
            }
            entries.push(entry);
            records.push(record);
        }
        self.stats.reused += reused;
        self.stats.parsed += parsed;
        Ok(Some((entries, records, dirs, dirty)))
    }

    /// Stamps of `metadata/md5-cache` and of every category folder in it
    /// that [`md5cache::scan`] would enter, taken before the scan so that a
    /// change during it shows next time. `None` when one cannot be told.
    fn stamp_dirs(&self) -> Option<Vec<DirRecord>> {
        let md5 = self.md5_dir();
        let rel = |p: &Path| {
            p.strip_prefix(&self.repo.location)
                .map(|r| r.to_string_lossy().into_owned())
                .ok()
        };
        let mut out = vec![DirRecord {
            rel: rel(&md5)?,
            stamp: dir_stamp(self.fs, &md5).ok()?,
        }];
        let listing = match self.fs.read_dir(&md5) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(_) => return None,
        };
        let mut cats: Vec<String> = listing
            .into_iter()
            .filter(|e| e.kind == Some(Kind::Dir))
            .filter_map(|e| e.name.to_str().map(str::to_owned))
            .filter(|n| !n.starts_with('.'))
            .collect();
        cats.sort();
        for c in cats {
            let p = md5.join(&c);
            out.push(DirRecord {
                rel: rel(&p)?,
                stamp: dir_stamp(self.fs, &p).ok()?,
            });
        }
        Some(out)
    }

    /// Loads without a usable cache file (reading and hashing the entries
    /// in parallel), and asks for one to be written.
    fn rebuild(&mut self, file: PathBuf, location: PathBuf) -> Result<RepoLoaded, PackageError> {
        let dirs = self.stamp_dirs();
        let files = md5cache::scan(self.fs, &self.repo.location)?;
        let fs = self.fs;
        let read: Vec<Result<(NewEntry, Option<Record>), PackageError>> = files
            .into_par_iter()
            .map(|f| {
                let io = |source| SourceError::Io {
                    path: f.path.clone(),
                    source,
                };
                let meta = fs
                    .metadata(&f.path)
                    .map_err(|e| PackageError::Cache(Md5CacheError::Source(io(e))))?;
                if meta.kind != Kind::File {
                    // The same error as a load without cache.
                    CacheEntry::read(fs, &f.path)?;
                }
                let bytes = fs
                    .read(&f.path)
                    .map_err(|e| PackageError::Cache(Md5CacheError::Source(io(e))))?;
                let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
                let entry = CacheEntry::from_bytes(&f.path, bytes)?;
                let record = stamp(&meta).map(|stamp| Record { stamp, hash });
                let new = NewEntry {
                    category: f.category,
                    pf: f.pf,
                    entry,
                    validity: None,
                };
                Ok((new, record))
            })
            .collect();
        let mut entries = Vec::with_capacity(read.len());
        let mut records = Vec::with_capacity(read.len());
        // The first bad entry in scan order is the one reported.
        for r in read {
            let (entry, record) = r?;
            entries.push(entry);
            records.push(record);
        }
        self.stats.parsed += entries.len();
        // An input without an mtime (which `cacheable` rules out) or a folder
        // that could not be stamped: nothing to validate against next time.
        let write = match (dirs, records.into_iter().collect::<Option<Vec<_>>>()) {
            (Some(dirs), Some(records)) => Some(PendingWrite {
                file,
                location,
                records,
                dirs,
            }),
            _ => None,
        };
        Ok(RepoLoaded { entries, write })
    }
}

impl PendingWrite {
    /// Writes the cache file of `repo` from its typed versions (in the
    /// order of [`PendingWrite::records`]), computing in parallel the
    /// [`Validity`] of those the old file did not have.
    fn write(&self, repo: &Repository, packages: &[Package]) -> std::io::Result<()> {
        packages.par_iter().for_each(|p| {
            p.validity();
        });
        let mut entries = Vec::with_capacity(packages.len());
        for (p, r) in packages.iter().zip(&self.records) {
            let Some((text, fields)) = p.entry().raw_parts() else {
                // A text over 4 GiB: not worth a cache file.
                return Ok(());
            };
            let category = p.cpv().split_once('/').map_or("", |(c, _)| c);
            let validity = p.validity();
            entries.push(EntryRecord {
                category: category.to_owned(),
                pf: p.pf.clone(),
                stamp: r.stamp,
                hash: r.hash,
                text: text.to_owned(),
                fields,
                invalid: validity.invalid,
                outside_iuse: validity
                    .outside_iuse
                    .iter()
                    .map(|f| f.as_str().to_owned())
                    .collect(),
            });
        }
        let cache = RepoCache {
            portolan_version: env!("CARGO_PKG_VERSION").to_owned(),
            repo_name: repo.name.as_str().to_owned(),
            location: self.location.as_os_str().as_encoded_bytes().to_vec(),
            // After every stat of the inputs: the reference of the racy rule.
            written_ns: nanos(SystemTime::now()),
            dirs: self.dirs.clone(),
            entries,
        };
        format::write(&self.file, &cache)
    }
}

// What `CacheEntry::from_mapped` reads a field as.
const _: () = assert!(size_of::<[rkyv::rend::u32_le; 5]>() == 20);

/// `md5/category/pf`, built in one allocation.
fn entry_path(md5: &Path, category: &str, pf: &str) -> PathBuf {
    let mut p = PathBuf::with_capacity(md5.as_os_str().len() + category.len() + pf.len() + 2);
    p.push(md5);
    p.push(category);
    p.push(pf);
    p
}

/// One listed entry against its cached record (if any): reused when its
/// stamp is the same and not racy, or when its bytes hash the same; else
/// read and parsed. `Ok(None)`: it cannot be checked (the caller rebuilds).
#[allow(clippy::type_complexity)]
fn reuse_entry(
    fs: &Fs,
    map: &Arc<Mmap>,
    path: &Path,
    cached: Option<&format::ArchivedEntryRecord>,
    racy: &(impl Fn(&Stamp) -> bool + Sync),
    syms: &mut LocalSyms,
) -> Result<Option<(CacheEntry, Option<Validity>, Record, Reuse)>, OpenError> {
    let meta = match fs.metadata(path) {
        Ok(m) if m.kind == Kind::File => m,
        // Gone or not a file: the load without cache says what.
        _ => return Ok(None),
    };
    let Some(now) = stamp(&meta) else {
        return Ok(None);
    };
    let mut from_cache = |r: &format::ArchivedEntryRecord| {
        let text = MappedText::new(map, r.text.as_str()).ok_or_else(bad_ranges)?;
        // Read in place as little-endian words: the type says they are.
        let fields: &[[rkyv::rend::u32_le; 5]] = r.fields.as_slice();
        let at = MappedText::range_in(map, fields.as_ptr() as usize, size_of_val(fields))
            .ok_or_else(bad_ranges)?;
        let entry = CacheEntry::from_mapped(path, text, at).ok_or_else(bad_ranges)?;
        let validity = Validity {
            invalid: r.invalid,
            outside_iuse: r.outside_iuse.iter().map(|f| syms.sym(f)).collect(),
        };
        Ok::<_, OpenError>((entry, Some(validity)))
    };
    let old = cached.map(|r| {
        let s = &r.stamp;
        let stamp = Stamp {
            len: s.len.to_native(),
            mtime_ns: s.mtime_ns.to_native(),
        };
        (r, stamp, r.hash.to_native())
    });
    if let Some((r, stamp, hash)) = old {
        if stamp == now && !racy(&stamp) {
            let (entry, validity) = from_cache(r)?;
            let record = Record { stamp, hash };
            return Ok(Some((
                entry,
                validity,
                record,
                Reuse::Cached { restamped: false },
            )));
        }
    }
    // New, changed or racy: the bytes decide.
    let Ok(bytes) = fs.read(path) else {
        return Ok(None);
    };
    let h = xxhash_rust::xxh3::xxh3_64(&bytes);
    let record = Record {
        stamp: now,
        hash: h,
    };
    if let Some((r, stamp, hash)) = old {
        if h == hash {
            let (entry, validity) = from_cache(r)?;
            let how = Reuse::Cached {
                restamped: now != stamp,
            };
            return Ok(Some((entry, validity, record, how)));
        }
    }
    let Ok(entry) = CacheEntry::from_bytes(path, bytes) else {
        return Ok(None);
    };
    Ok(Some((entry, None, record, Reuse::Parsed)))
}

fn check_header(root: &ArchivedRepoCache, name: &str, location: &Path) -> Result<(), OpenError> {
    let version = env!("CARGO_PKG_VERSION");
    if root.portolan_version.as_str() != version {
        return Err(OpenError::Corrupt(format!(
            "written by portolan {}, this is {version}",
            root.portolan_version.as_str()
        )));
    }
    if root.repo_name.as_str() != name
        || root.location.as_slice() != location.as_os_str().as_encoded_bytes()
    {
        return Err(OpenError::Corrupt(format!(
            "written for another repository ({})",
            root.repo_name.as_str()
        )));
    }
    Ok(())
}

fn bad_ranges() -> OpenError {
    OpenError::Corrupt("an entry's field ranges are out of bounds".to_owned())
}
