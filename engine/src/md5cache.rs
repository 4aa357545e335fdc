//! md5-cache entries (`metadata/md5-cache/<category>/<PF>`): the only package
//! metadata the corpus has (there are no ebuilds), read as portage's
//! `flat_hash.md5_database` reads them (spec §5).
//!
//! # Format and traps
//!
//! * UTF-8 text, one `KEY=VALUE` per line, **split at the first `=`** (values
//!   contain `=`: `[perl_features_debug=]`, `SRC_URI=… -> name`).
//! * Lines are split with universal newlines (`\n`, `\r\n`, `\r`), as portage
//!   opens the file in text mode.
//! * Keys with empty values are omitted by portage's writer; a missing key
//!   means "empty". [`CacheEntry::get`] returns `None` for a missing key and
//!   `Some("")` for an explicit `KEY=`; the typed accessors treat both as
//!   empty. A missing or empty `EAPI` is `0`.
//! * A key given twice: the later line wins (portage builds a `dict`).
//! * Corruption is an error, never a guess: a line without `=` (an empty line
//!   included — portage raises `CacheCorruption`), an entry without final
//!   newline or without `_md5_` (portage always writes both, every corpus
//!   entry has both: such an entry was cut short), non-UTF-8 bytes (the error
//!   names the line), and an `_eclasses_` value with an odd number of
//!   tab-separated fields (checked when [`CacheEntry::eclasses`] is called).
//! * `_eclasses_` is `name<TAB>md5<TAB>name<TAB>md5…`; `INHERIT` lists only the
//!   direct inherits (portage extension).
//!
//! # Reading strategy
//!
//! Without the binary cache ([`crate::cache`]) each entry is read into one
//! owned buffer. Measured on the 1 902 corpus entries (3 KiB on average,
//! 29 KiB at most, warm page cache): `fs::read` took ~11 ms for all of them,
//! mapping each file ~23 ms — one mapping per small file costs more syscalls
//! and page faults than copying a few KiB, so `memmap2` is not used per
//! entry. It comes back for the binary cache: there one mapping holds every
//! entry of a repository, and an entry borrows its text from that shared
//! mapping (`Text::Mapped`) instead of owning a copy.
//!
//! Parsing is lazy where it pays: loading makes **one pass** that validates
//! UTF-8 and records the byte ranges of keys and values (that pass is needed
//! anyway to detect corruption; the binary cache stores its result, so a
//! cached entry is not scanned again); splitting `IUSE`, `KEYWORDS`,
//! `_eclasses_` … happens only when an accessor is called. Dependency strings
//! are returned raw for the depspec parser.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::MappedText;
use crate::fs::{Fs, Kind};
use crate::source::{Loc, SourceError};

/// Failure to list or read md5-cache entries.
#[derive(Debug, thiserror::Error)]
pub enum Md5CacheError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot read directory {}: {source}", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: file name is not valid UTF-8", path.display())]
    BadFileName { path: PathBuf },
    #[error("{}: not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{loc}: line without '=' in md5-cache entry")]
    MissingEquals { loc: Loc },
    #[error("{loc}: truncated md5-cache entry ({reason})")]
    Truncated { loc: Loc, reason: &'static str },
    #[error("{loc}: _eclasses_ has an odd number of tab-separated fields")]
    BadEclasses { loc: Loc },
}

/// One file of `metadata/md5-cache`, as found by [`scan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheFile {
    pub category: String,
    /// `PN-PV[-rN]`, not split or validated here.
    pub pf: String,
    pub path: PathBuf,
}

/// Lists `repo_root/metadata/md5-cache/<category>/<PF>` files, sorted by
/// category then PF (byte order). Hidden names (starting with `.`) are
/// skipped at both levels, so are files directly in `md5-cache/` and
/// directories inside a category (portage looks only one level deep; it also
/// does not follow a symlinked category directory). A missing `md5-cache`
/// directory gives an empty list.
pub fn scan(fs: &Fs, repo_root: &Path) -> Result<Vec<CacheFile>, Md5CacheError> {
    let root = repo_root.join("metadata").join("md5-cache");
    let mut out = Vec::new();
    let cats = match fs.read_dir(&root) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(Md5CacheError::ReadDir {
                path: root,
                source: e,
            })
        }
    };
    for cat in cats {
        let cat_path = root.join(&cat.name);
        let Some(category) = cat.name.to_str().map(str::to_owned) else {
            return Err(Md5CacheError::BadFileName { path: cat_path });
        };
        if category.starts_with('.') || cat.kind != Some(Kind::Dir) {
            continue;
        }
        let entries = fs
            .read_dir(&cat_path)
            .map_err(|source| Md5CacheError::ReadDir {
                path: cat_path.clone(),
                source,
            })?;
        for entry in entries {
            let path = cat_path.join(&entry.name);
            let Some(pf) = entry.name.to_str().map(str::to_owned) else {
                return Err(Md5CacheError::BadFileName { path });
            };
            if pf.starts_with('.') || entry.kind == Some(Kind::Dir) {
                continue;
            }
            out.push(CacheFile {
                category: category.clone(),
                pf,
                path,
            });
        }
    }
    out.sort_by(|a, b| (&a.category, &a.pf).cmp(&(&b.category, &b.pf)));
    Ok(out)
}

/// One `KEY=VALUE` line: byte ranges into the entry's text.
#[derive(Clone, Copy, Debug)]
struct Field {
    key: (usize, usize),
    value: (usize, usize),
    line: u32,
}

/// The text of an entry and where each key's value is: read from the file,
/// or borrowed from a binary cache mapping shared by every entry of the
/// repository, field ranges included (`[u32; 5]` little-endian per field,
/// at a checked range of the mapping): a warm load allocates nothing for
/// them.
#[derive(Clone, Debug)]
enum Text {
    Owned(Box<str>, Vec<Field>),
    Mapped(MappedText, std::ops::Range<usize>),
}

/// Bytes of one field in a cache mapping.
const FIELD_BYTES: usize = 20;

impl Text {
    fn bytes(&self) -> &[u8] {
        match self {
            Text::Owned(s, _) => s.as_bytes(),
            Text::Mapped(m, _) => m.bytes(),
        }
    }

    fn field_count(&self) -> usize {
        match self {
            Text::Owned(_, f) => f.len(),
            Text::Mapped(_, r) => r.len() / FIELD_BYTES,
        }
    }

    fn field_at(&self, i: usize) -> Field {
        match self {
            Text::Owned(_, f) => f[i],
            Text::Mapped(m, r) => {
                let at = r.start + i * FIELD_BYTES;
                let b = m
                    .mapping()
                    .get(at..at + FIELD_BYTES)
                    .unwrap_or(&[0; FIELD_BYTES]);
                decode_field(b)
            }
        }
    }
}

/// A field as the binary cache stores it (checked by
/// [`CacheEntry::from_mapped`] before any is read this way).
fn decode_field(b: &[u8]) -> Field {
    let n = |k: usize| {
        let w = b.get(4 * k..4 * k + 4).and_then(|w| w.try_into().ok());
        u32::from_le_bytes(w.unwrap_or([0; 4]))
    };
    Field {
        key: (n(0) as usize, n(1) as usize),
        value: (n(2) as usize, n(3) as usize),
        line: n(4),
    }
}

/// One md5-cache entry: its text and where each key's value is.
#[derive(Clone, Debug)]
pub struct CacheEntry {
    file: Arc<Path>,
    text: Text,
}

/// One `IUSE` token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IuseFlag<'a> {
    /// The flag without its `+`/`-` prefix (not validated here).
    pub name: &'a str,
    /// `+flag` → `Some(true)`, `-flag` → `Some(false)`, `flag` → `None`.
    pub default: Option<bool>,
}

impl CacheEntry {
    /// Reads and checks one entry file.
    pub fn read(fs: &Fs, path: &Path) -> Result<CacheEntry, Md5CacheError> {
        let io = |source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = fs.metadata(path).map_err(io)?;
        if meta.kind != Kind::File {
            return Err(Md5CacheError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let bytes = fs.read(path).map_err(io)?;
        CacheEntry::from_bytes(path, bytes)
    }

    /// Checks `bytes` as the content of the entry at `path` (used in errors).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<CacheEntry, Md5CacheError> {
        let text = crate::profile::files::decode(path, bytes)?;
        let file: Arc<Path> = Arc::from(path);
        let loc = |line| Loc {
            file: file.clone(),
            line,
        };
        let b = text.as_bytes();
        if b.is_empty() {
            return Err(Md5CacheError::Truncated {
                loc: loc(0),
                reason: "empty file",
            });
        }
        let mut fields = Vec::new();
        let mut pos = 0;
        let mut line: u32 = 0;
        while pos < b.len() {
            line = line.saturating_add(1);
            let start = pos;
            let mut end = pos;
            let mut eq = None;
            while end < b.len() && b[end] != b'\n' && b[end] != b'\r' {
                if eq.is_none() && b[end] == b'=' {
                    eq = Some(end);
                }
                end += 1;
            }
            if end == b.len() {
                return Err(Md5CacheError::Truncated {
                    loc: loc(line),
                    reason: "no final newline",
                });
            }
            pos = end
                + if b[end] == b'\r' && b.get(end + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            let Some(eq) = eq else {
                return Err(Md5CacheError::MissingEquals { loc: loc(line) });
            };
            fields.push(Field {
                key: (start, eq),
                value: (eq + 1, end),
                line,
            });
        }
        let entry = CacheEntry {
            file: file.clone(),
            text: Text::Owned(text.into_boxed_str(), fields),
        };
        if entry.field("_md5_").is_none() {
            // Named at its last line: where the cut-short entry stops.
            return Err(Md5CacheError::Truncated {
                loc: loc(line),
                reason: "ends without an _md5_ key",
            });
        }
        Ok(entry)
    }

    /// An entry whose text lives in a binary cache mapping, with the field
    /// ranges [`CacheEntry::from_bytes`] found when the cache was written
    /// at `fields` in the same mapping (`[key start, key end, value start,
    /// value end, line]`, little-endian `u32`s). `None` when a range is out
    /// of order or out of bounds.
    pub(crate) fn from_mapped(
        path: &Path,
        text: MappedText,
        fields: std::ops::Range<usize>,
    ) -> Option<CacheEntry> {
        let len = text.bytes().len();
        let all = text.mapping().get(fields.clone())?;
        if all.len() % FIELD_BYTES != 0 {
            return None;
        }
        for b in all.chunks_exact(FIELD_BYTES) {
            let Field { key, value, .. } = decode_field(b);
            let ((ks, ke), (vs, ve)) = (key, value);
            if !(ks <= ke && ke < vs && vs <= ve && ve <= len) {
                return None;
            }
        }
        Some(CacheEntry {
            file: Arc::from(path),
            text: Text::Mapped(text, fields),
        })
    }

    fn fields(&self) -> impl DoubleEndedIterator<Item = Field> + '_ {
        (0..self.text.field_count()).map(|i| self.text.field_at(i))
    }

    /// The entry's text, and its fields as [`CacheEntry::from_mapped`]
    /// takes them back (`None` for a text over 4 GiB).
    pub(crate) fn raw_parts(&self) -> Option<(&str, Vec<[u32; 5]>)> {
        let text = std::str::from_utf8(self.text.bytes()).ok()?;
        let n = |x: usize| u32::try_from(x).ok();
        let fields = self
            .fields()
            .map(|f| {
                Some([
                    n(f.key.0)?,
                    n(f.key.1)?,
                    n(f.value.0)?,
                    n(f.value.1)?,
                    f.line,
                ])
            })
            .collect::<Option<Vec<_>>>()?;
        Some((text, fields))
    }

    fn slice(&self, (a, b): (usize, usize)) -> &str {
        // Ranges end next to ASCII bytes ('=', CR, LF) or at the ends. A
        // mapped text was checked as UTF-8 when the cache was opened; it is
        // checked again per slice so that no `unsafe` is needed here.
        self.text
            .bytes()
            .get(a..b)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("")
    }

    fn field(&self, key: &str) -> Option<Field> {
        let text = self.text.bytes();
        self.fields()
            .rev()
            .find(|f| text.get(f.key.0..f.key.1) == Some(key.as_bytes()))
    }

    /// The file this entry was read from.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// The value of `key`: `None` when absent, `Some("")` for `KEY=`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.field(key).map(|f| self.slice(f.value))
    }

    /// Where `key` is set (for error messages about its value).
    pub fn loc_of(&self, key: &str) -> Option<Loc> {
        self.field(key).map(|f| Loc {
            file: self.file.clone(),
            line: f.line,
        })
    }

    /// The keys in file order (a repeated key appears twice).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields().map(move |f| self.slice(f.key))
    }

    fn value(&self, key: &str) -> &str {
        self.get(key).unwrap_or("")
    }

    fn tokens(&self, key: &str) -> impl Iterator<Item = &str> {
        self.value(key).split_ascii_whitespace()
    }

    /// `EAPI`, `"0"` when missing or empty.
    pub fn eapi(&self) -> &str {
        match self.value("EAPI").trim_ascii() {
            "" => "0",
            e => e,
        }
    }

    /// `SLOT` as (slot, sub-slot), split at the first `/`; the sub-slot is the
    /// slot when not given. `None` when `SLOT` is missing or empty (invalid
    /// metadata). Neither part is validated here.
    pub fn slot(&self) -> Option<(&str, &str)> {
        let s = self.value("SLOT").trim_ascii();
        if s.is_empty() {
            return None;
        }
        Some(s.split_once('/').unwrap_or((s, s)))
    }

    /// `KEYWORDS` tokens (`amd64`, `~arm64`, `-x86`, `-*`).
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.tokens("KEYWORDS")
    }

    /// `IUSE` tokens with their `+`/`-` defaults.
    pub fn iuse(&self) -> impl Iterator<Item = IuseFlag<'_>> {
        self.tokens("IUSE").map(|t| {
            if let Some(n) = t.strip_prefix('+') {
                IuseFlag {
                    name: n,
                    default: Some(true),
                }
            } else if let Some(n) = t.strip_prefix('-') {
                IuseFlag {
                    name: n,
                    default: Some(false),
                }
            } else {
                IuseFlag {
                    name: t,
                    default: None,
                }
            }
        })
    }

    /// `REQUIRED_USE`, raw.
    pub fn required_use(&self) -> &str {
        self.value("REQUIRED_USE")
    }
    /// `DEPEND`, raw.
    pub fn depend(&self) -> &str {
        self.value("DEPEND")
    }
    /// `RDEPEND`, raw (already defaulted to DEPEND for EAPI 0–3 by the
    /// cache generator).
    pub fn rdepend(&self) -> &str {
        self.value("RDEPEND")
    }
    /// `PDEPEND`, raw.
    pub fn pdepend(&self) -> &str {
        self.value("PDEPEND")
    }
    /// `BDEPEND`, raw.
    pub fn bdepend(&self) -> &str {
        self.value("BDEPEND")
    }
    /// `IDEPEND`, raw.
    pub fn idepend(&self) -> &str {
        self.value("IDEPEND")
    }
    /// `LICENSE`, raw.
    pub fn license(&self) -> &str {
        self.value("LICENSE")
    }
    /// `PROPERTIES`, raw (may hold USE conditionals).
    pub fn properties(&self) -> &str {
        self.value("PROPERTIES")
    }
    /// `RESTRICT`, raw (may hold USE conditionals).
    pub fn restrict(&self) -> &str {
        self.value("RESTRICT")
    }

    /// `INHERIT` tokens: eclasses inherited directly.
    pub fn inherit(&self) -> impl Iterator<Item = &str> {
        self.tokens("INHERIT")
    }

    /// `_eclasses_` as (eclass, md5) pairs; an odd number of fields is an
    /// error naming the line (portage: `CacheCorruption`).
    pub fn eclasses(&self) -> Result<Vec<(&str, &str)>, Md5CacheError> {
        let v = self.value("_eclasses_").trim();
        if v.is_empty() {
            return Ok(Vec::new());
        }
        let parts: Vec<&str> = v.split('\t').collect();
        let pairs = parts.chunks_exact(2);
        if !pairs.remainder().is_empty() {
            return Err(Md5CacheError::BadEclasses {
                loc: self.loc_of("_eclasses_").unwrap_or_else(|| Loc {
                    file: self.file.clone(),
                    line: 0,
                }),
            });
        }
        Ok(pairs.map(|c| (c[0], c[1])).collect())
    }

    /// `_md5_`: the MD5 of the ebuild (always present in a valid entry).
    pub fn md5(&self) -> &str {
        self.value("_md5_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> Result<CacheEntry, Md5CacheError> {
        CacheEntry::from_bytes(Path::new("c/p-1"), text.as_bytes().to_vec())
    }

    #[test]
    fn basics() {
        let e = entry("EAPI=8\nSLOT=0/2\nIUSE=+a -b c\nDEPEND=x[y=] z\nK=\n_md5_=abc\n").unwrap();
        assert_eq!(e.eapi(), "8");
        assert_eq!(e.slot(), Some(("0", "2")));
        assert_eq!(e.depend(), "x[y=] z");
        assert_eq!(e.get("K"), Some(""));
        assert_eq!(e.get("NOPE"), None);
        assert_eq!(e.md5(), "abc");
        assert_eq!(
            e.iuse().collect::<Vec<_>>(),
            [
                IuseFlag {
                    name: "a",
                    default: Some(true)
                },
                IuseFlag {
                    name: "b",
                    default: Some(false)
                },
                IuseFlag {
                    name: "c",
                    default: None
                }
            ]
        );
        assert_eq!(e.loc_of("IUSE").unwrap().to_string(), "c/p-1:3");
    }

    #[test]
    fn defaults_and_duplicates() {
        let e = entry("SLOT=3.13t\nSLOT=1\n_md5_=x\n").unwrap();
        assert_eq!(e.eapi(), "0");
        assert_eq!(e.slot(), Some(("1", "1")));
        assert_eq!(e.keywords().count(), 0);
    }

    #[test]
    fn corruption() {
        assert_eq!(
            entry("EAPI=8\nSLOT=0\n_md5_=x").unwrap_err().to_string(),
            "c/p-1:3: truncated md5-cache entry (no final newline)"
        );
        assert_eq!(
            entry("EAPI=8\nSLOT=0\n").unwrap_err().to_string(),
            "c/p-1:2: truncated md5-cache entry (ends without an _md5_ key)"
        );
        assert_eq!(
            entry("").unwrap_err().to_string(),
            "c/p-1: truncated md5-cache entry (empty file)"
        );
        assert_eq!(
            entry("EAPI=8\nbogus\n_md5_=x\n").unwrap_err().to_string(),
            "c/p-1:2: line without '=' in md5-cache entry"
        );
        assert_eq!(
            entry("EAPI=8\n\n_md5_=x\n").unwrap_err().to_string(),
            "c/p-1:2: line without '=' in md5-cache entry"
        );
        let e = CacheEntry::from_bytes(Path::new("c/p-1"), b"EAPI=8\nD=\xff\n_md5_=x\n".to_vec());
        assert_eq!(e.unwrap_err().to_string(), "c/p-1:2: not valid UTF-8");
        let e = entry("_eclasses_=a\t1\tb\n_md5_=x\n").unwrap();
        assert_eq!(
            e.eclasses().unwrap_err().to_string(),
            "c/p-1:1: _eclasses_ has an odd number of tab-separated fields"
        );
    }

    #[test]
    fn crlf_lines() {
        let e = entry("EAPI=7\r\nSLOT=0\r_md5_=x\r\n").unwrap();
        assert_eq!(e.eapi(), "7");
        assert_eq!(e.slot(), Some(("0", "0")));
        assert_eq!(e.md5(), "x");
    }
}
