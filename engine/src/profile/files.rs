//! Reading the line-based files of a profile directory and of a repository's
//! `profiles/` directory, exactly as portage reads them (`grabfile`,
//! `grabdict`, `_recursive_file_list` in `portage/util/__init__.py`).
//!
//! Why a module of its own: every later stage (stacking, masks, USE) consumes
//! these files, and the real overlays rely on portage behaviour that PMS does
//! not describe (inline comments, directories in place of files). Getting the
//! cleaning rules right once, with a location on every line, lets the stages
//! above report "file:line" for every decision.
//!
//! What this module does **not** do: parse atoms, USE flags or keywords. Atoms
//! stay strings, each with the [`Loc`] of its line; the caller turns them into
//! typed atoms with the directory's EAPI (spec §3.8).
//!
//! # Cleaning rules (portage `grabfile`; spec §8.1)
//!
//! * Lines are split on `\n`, `\r\n` **and a lone `\r`** (Python's universal
//!   newlines, which portage reads with). Line numbers count those breaks.
//! * Each line is split on whitespace (Python `str.split()`, which also treats
//!   `\x1c`–`\x1f` as whitespace); runs of whitespace collapse.
//! * A token that **starts** with `#` ends the line (`dev-cpp/argparse # needed
//!   by genpack-progs` is just the atom). A `#` inside a token is kept
//!   (`foo#bar` stays `foo#bar`): that is portage, unlike pkgcore, which cuts
//!   at the first `#` anywhere.
//! * Lines left empty are dropped (blank lines, comment lines).
//! * A missing final newline is fine; no line continuation exists.
//! * Portage decodes with replacement characters; we refuse non-UTF-8 input
//!   with an error naming the file and the line of the first bad byte.
//!
//! # Directories instead of files (portage `_recursive_file_list`; spec §8.2)
//!
//! When the directory form is allowed and `name` is a directory, its regular
//! files are read in **code-point order of their names**, files and
//! sub-directories sorted together, sub-directories **recursed into** at their
//! sorted position. Skipped: names starting with `.` or ending with `~`, and
//! directories named like a VCS directory (`CVS`, `RCS`, `SCCS`, `.bzr`,
//! `.git`, `.hg`, `.svn`). Symlinks are followed; dangling ones are skipped,
//! like other non-regular files. A directory that links back to one of its
//! ancestors is an error (portage would recurse until the path grows too long).
//! A directory where only a file is allowed is an error naming it (portage
//! crashes with `EISDIR`).
//!
//! Because a directory contributes many files, each line is returned with its
//! own [`Loc`] (file and line): [`read_profile_file`] yields `(Loc, Line)`
//! pairs, and the typed readers put a `loc` in every entry.
//!
//! # Traps
//!
//! * `parent`, `eapi`, `deprecated` and `packages` are never read as
//!   directories ([`ProfileFileKind::directory_form_allowed`]); everything
//!   named `package.*`, `use.*` and `make.defaults` may be.
//! * List files (`package.mask`, `use.mask`, …) keep the **whole cleaned line**
//!   as one value (tokens joined by one space), as `grabfile` does: a line
//!   `a b` is the single (invalid) entry `"a b"`, not two entries. The caller's
//!   atom/flag validation reports it.
//! * `-*` is a "clear" line only in `packages` ([`PackagesLine::Clear`]);
//!   elsewhere `-*` is the removal of the value `*`, which the caller rejects.
//! * An empty `parent` file (nothing left after cleaning) is an error, as in
//!   portage ("Empty parent file").
//! * `eapi` is the first line, trimmed, **without** comment stripping
//!   (`readline().strip()` in portage): a commented first line is a bogus EAPI.
//! * Atom-with-tokens files (`package.use`, …): several lines for the same atom
//!   are returned separately (the caller concatenates them in file order).
//!   An atom without tokens is legal only in `package.accept_keywords` (where
//!   it means "accept `~arch`"); elsewhere it is
//!   [`FileError::MissingTokens`] (portage silently ignores such a line, so the
//!   caller may downgrade this error to a warning).
//! * `license_groups` lines with a group name but no member are skipped, as
//!   portage's `grabdict` does.

use std::path::{Path, PathBuf};

use crate::fs::{Fs, Kind};
use crate::source::{Loc, SourceError};

/// One cleaned line: its 1-based number in its file and its tokens (never
/// empty, no token starts with `#`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub line: u32,
    pub tokens: Vec<String>,
}

impl Line {
    /// The tokens joined by single spaces: the value `grabfile` returns.
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }
}

/// Failure to read a profile or repository file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("cannot read directory {}: {source}", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: is a directory, but only a file is allowed here", path.display())]
    IsDirectory { path: PathBuf },
    #[error("{}: not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: directory loops back to {}", path.display(), ancestor.display())]
    DirectoryCycle { path: PathBuf, ancestor: PathBuf },
    #[error("{loc}: empty parent file")]
    EmptyParent { loc: Loc },
    #[error("{loc}: empty eapi file")]
    EmptyEapi { loc: Loc },
    #[error("{loc}: '{atom}' has no tokens after the atom")]
    MissingTokens { loc: Loc, atom: String },
    #[error("{loc}: {message}")]
    BadLine { loc: Loc, message: String },
}

// ---------------------------------------------------------------------------
// Low level: cleaning text, reading one file, listing a directory form.

/// Python's `str.isspace()`: Rust's `char::is_whitespace` plus the four
/// information separators `\x1c`..`\x1f`.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Splits `text` into physical lines with Python universal-newline rules
/// (`\n`, `\r\n`, `\r`), yielding `(line number, line)` with 1-based numbers.
pub(crate) fn physical_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let bytes = text.as_bytes();
    let mut pos = 0usize;
    let mut line: u32 = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let mut end = pos;
        while end < bytes.len() && bytes[end] != b'\n' && bytes[end] != b'\r' {
            end += 1;
        }
        pos = end;
        if pos < bytes.len() {
            pos += if bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
        }
        line = line.saturating_add(1);
        // `start` and `end` sit next to ASCII bytes (or at the ends), so they
        // are char boundaries.
        Some((line, text.get(start..end).unwrap_or("")))
    })
}

/// Turns `bytes` read from `path` into text, or an error naming the line of
/// the first invalid byte (lines counted with universal newlines, like every
/// line number this module reports).
pub(crate) fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|e| {
        let upto = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..upto];
        // The valid prefix is UTF-8 by construction.
        let text = std::str::from_utf8(valid).unwrap_or("");
        let mut line = physical_lines(text).count() as u32;
        if text.is_empty() || text.ends_with(['\n', '\r']) {
            line = line.saturating_add(1);
        }
        SourceError::NotUtf8 {
            loc: Loc::new(path, line.max(1)),
        }
    })
}

/// `grabfile`-style cleaning of one file's text (see the module docs).
pub fn clean_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for (line, raw) in physical_lines(text) {
        let tokens: Vec<String> = raw
            .split(is_py_space)
            .filter(|t| !t.is_empty())
            .take_while(|t| !t.starts_with('#'))
            .map(str::to_owned)
            .collect();
        if !tokens.is_empty() {
            out.push(Line { line, tokens });
        }
    }
    out
}

/// Reads a whole file as UTF-8; `None` when it does not exist (a dangling
/// symlink counts as missing, as in portage). A directory or another
/// non-regular file (a FIFO would block) is an error naming it.
pub fn read_text(fs: &Fs, path: &Path) -> Result<Option<String>, FileError> {
    match fs.metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SourceError::Io {
                path: path.to_path_buf(),
                source: e,
            }
            .into())
        }
        Ok(m) if m.kind == Kind::Dir => {
            return Err(FileError::IsDirectory {
                path: path.to_path_buf(),
            })
        }
        Ok(m) if m.kind != Kind::File => {
            return Err(FileError::NotAFile {
                path: path.to_path_buf(),
            })
        }
        Ok(_) => {}
    }
    match fs.read(path) {
        Ok(bytes) => Ok(Some(decode(path, bytes)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SourceError::Io {
            path: path.to_path_buf(),
            source: e,
        }
        .into()),
    }
}

/// Reads one file and cleans it; `None` when the file does not exist. A
/// directory is an error here (use [`read_profile_file`] for the directory
/// form).
pub fn read_lines(fs: &Fs, path: &Path) -> Result<Option<Vec<Line>>, FileError> {
    Ok(read_text(fs, path)?.map(|t| clean_lines(&t)))
}

/// Directories portage never descends into (`portage.const.VCS_DIRS`).
const VCS_DIRS: [&str; 7] = ["CVS", "RCS", "SCCS", ".bzr", ".git", ".hg", ".svn"];

/// Deepest directory nesting followed; deeper trees are an error rather than
/// a stack overflow.
const MAX_DEPTH: usize = 64;

/// The files making up profile file `name` in `dir`: `None` when it does not
/// exist, `[dir/name]` for a plain file, and the sorted recursive listing of
/// the directory form when `allow_dir` is true (an error when it is false).
/// Also what a caller reading `make.defaults` uses, since that file may be a
/// directory too.
pub fn profile_file_paths(
    fs: &Fs,
    dir: &Path,
    name: &str,
    allow_dir: bool,
) -> Result<Option<Vec<PathBuf>>, FileError> {
    let path = dir.join(name);
    let meta = match fs.metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SourceError::Io { path, source: e }.into());
        }
    };
    if meta.kind == Kind::File {
        return Ok(Some(vec![path]));
    }
    if meta.kind != Kind::Dir {
        return Err(FileError::NotAFile { path });
    }
    if !allow_dir {
        return Err(FileError::IsDirectory { path });
    }
    let mut out = Vec::new();
    let mut ancestors = Vec::new();
    collect_dir(fs, &path, &mut out, &mut ancestors)?;
    Ok(Some(out))
}

fn skip_name(name: &[u8]) -> bool {
    name.first() == Some(&b'.') || name.last() == Some(&b'~')
}

fn collect_dir(
    fs: &Fs,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    ancestors: &mut Vec<PathBuf>,
) -> Result<(), FileError> {
    let read_dir_err = |e| FileError::ReadDir {
        path: dir.to_path_buf(),
        source: e,
    };
    let canon = fs.canonicalize(dir).map_err(read_dir_err)?;
    if let Some(a) = ancestors.iter().find(|a| **a == canon) {
        return Err(FileError::DirectoryCycle {
            path: dir.to_path_buf(),
            ancestor: a.clone(),
        });
    }
    if ancestors.len() >= MAX_DEPTH {
        return Err(read_dir_err(std::io::Error::other(
            "directories nested too deeply",
        )));
    }
    let mut entries = fs.read_dir(dir).map_err(read_dir_err)?;
    // Code-point order of UTF-8 names equals byte order.
    entries.sort_by(|a, b| a.name.as_encoded_bytes().cmp(b.name.as_encoded_bytes()));
    ancestors.push(canon);
    for entry in entries {
        let name = entry.name;
        if skip_name(name.as_encoded_bytes()) {
            continue;
        }
        let path = dir.join(&name);
        match entry.kind {
            // Dangling symlinks: skipped.
            None => continue,
            Some(Kind::Dir) => {
                if VCS_DIRS.iter().any(|v| name == *v) {
                    continue;
                }
                if let Err(e) = collect_dir(fs, &path, out, ancestors) {
                    ancestors.pop();
                    return Err(e);
                }
            }
            Some(Kind::File) => out.push(path),
            Some(Kind::Other) => {}
        }
    }
    ancestors.pop();
    Ok(())
}

/// Reads profile file `name` of `dir`, as a file or (when `allow_dir`) in its
/// directory form; `None` when it does not exist. Every line carries the
/// [`Loc`] of the file it came from (`loc.line == line.line`).
pub fn read_profile_file(
    fs: &Fs,
    dir: &Path,
    name: &str,
    allow_dir: bool,
) -> Result<Option<Vec<(Loc, Line)>>, FileError> {
    let Some(paths) = profile_file_paths(fs, dir, name, allow_dir)? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for path in paths {
        // A file that vanished between listing and reading counts as empty.
        let Some(text) = read_text(fs, &path)? else {
            continue;
        };
        out.extend(located_lines(&path, &text));
    }
    Ok(Some(out))
}

/// [`clean_lines`] of one file's `text`, each line with its [`Loc`] in
/// `path`: the input of the pure `parse_*` functions below, which the path
/// readers call after reading (and, for a directory form, concatenating).
pub fn located_lines(path: &Path, text: &str) -> Vec<(Loc, Line)> {
    let file = Loc::new(path, 0);
    clean_lines(text)
        .into_iter()
        .map(|l| (file.at(l.line), l))
        .collect()
}

// ---------------------------------------------------------------------------
// Kinds of profile files.

/// What a profile file contains, i.e. which typed reader applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileShape {
    /// `parent`: one parent reference per line ([`read_parent`]).
    Parent,
    /// `eapi`: the first line ([`read_eapi`]).
    Eapi,
    /// `deprecated`: replacement + free text ([`read_deprecated`]).
    Deprecated,
    /// `make.defaults`: shell-like assignments (`profile::make_defaults`).
    MakeDefaults,
    /// `packages`: `[-][*]atom` and `-*` lines ([`read_packages`]).
    Packages,
    /// One value per line with `-value` removal ([`read_list`]).
    List,
    /// `atom token…` lines ([`read_atom_tokens`]); `tokens_required` is false
    /// only for `package.accept_keywords`.
    AtomTokens { tokens_required: bool },
}

/// Every profile file this engine reads. Files not listed here (`README`,
/// `profile.bashrc`, `packages.build`, `package.bashrc`, …) are not read.
///
/// Reading is EAPI-agnostic; gating by the profile directory's EAPI is the
/// caller's (spec §7.4): `use.stable.{mask,force}` and
/// `package.use.stable.{mask,force}` are honoured only with EAPI ≥ 5,
/// `use.stable` and `package.use.stable` only with EAPI ≥ 9,
/// `package.provided` only with EAPI ≤ 6; directories need EAPI ≥ 7 or a
/// portage-1/portage-2/implicit portage-1-compat repository format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProfileFileKind {
    Parent,
    Eapi,
    Deprecated,
    MakeDefaults,
    Packages,
    PackageMask,
    PackageUnmask,
    PackageProvided,
    UseMask,
    UseForce,
    UseStableMask,
    UseStableForce,
    UseStable,
    PackageUse,
    PackageUseMask,
    PackageUseForce,
    PackageUseStableMask,
    PackageUseStableForce,
    PackageUseStable,
    PackageAcceptKeywords,
    PackageKeywords,
}

impl ProfileFileKind {
    pub const ALL: [ProfileFileKind; 21] = [
        ProfileFileKind::Parent,
        ProfileFileKind::Eapi,
        ProfileFileKind::Deprecated,
        ProfileFileKind::MakeDefaults,
        ProfileFileKind::Packages,
        ProfileFileKind::PackageMask,
        ProfileFileKind::PackageUnmask,
        ProfileFileKind::PackageProvided,
        ProfileFileKind::UseMask,
        ProfileFileKind::UseForce,
        ProfileFileKind::UseStableMask,
        ProfileFileKind::UseStableForce,
        ProfileFileKind::UseStable,
        ProfileFileKind::PackageUse,
        ProfileFileKind::PackageUseMask,
        ProfileFileKind::PackageUseForce,
        ProfileFileKind::PackageUseStableMask,
        ProfileFileKind::PackageUseStableForce,
        ProfileFileKind::PackageUseStable,
        ProfileFileKind::PackageAcceptKeywords,
        ProfileFileKind::PackageKeywords,
    ];

    /// The file name inside a profile directory.
    pub fn file_name(self) -> &'static str {
        use ProfileFileKind::*;
        match self {
            Parent => "parent",
            Eapi => "eapi",
            Deprecated => "deprecated",
            MakeDefaults => "make.defaults",
            Packages => "packages",
            PackageMask => "package.mask",
            PackageUnmask => "package.unmask",
            PackageProvided => "package.provided",
            UseMask => "use.mask",
            UseForce => "use.force",
            UseStableMask => "use.stable.mask",
            UseStableForce => "use.stable.force",
            UseStable => "use.stable",
            PackageUse => "package.use",
            PackageUseMask => "package.use.mask",
            PackageUseForce => "package.use.force",
            PackageUseStableMask => "package.use.stable.mask",
            PackageUseStableForce => "package.use.stable.force",
            PackageUseStable => "package.use.stable",
            PackageAcceptKeywords => "package.accept_keywords",
            PackageKeywords => "package.keywords",
        }
    }

    /// The kind named by a file name, if it is one this engine reads.
    pub fn from_file_name(name: &str) -> Option<ProfileFileKind> {
        ProfileFileKind::ALL
            .into_iter()
            .find(|k| k.file_name() == name)
    }

    pub fn shape(self) -> FileShape {
        use ProfileFileKind::*;
        match self {
            Parent => FileShape::Parent,
            Eapi => FileShape::Eapi,
            Deprecated => FileShape::Deprecated,
            MakeDefaults => FileShape::MakeDefaults,
            Packages => FileShape::Packages,
            PackageMask | PackageUnmask | PackageProvided | UseMask | UseForce | UseStableMask
            | UseStableForce | UseStable => FileShape::List,
            PackageAcceptKeywords => FileShape::AtomTokens {
                tokens_required: false,
            },
            PackageUse
            | PackageUseMask
            | PackageUseForce
            | PackageUseStableMask
            | PackageUseStableForce
            | PackageUseStable
            | PackageKeywords => FileShape::AtomTokens {
                tokens_required: true,
            },
        }
    }

    /// Whether portage reads this file in directory form when the profile's
    /// repository format or EAPI allows directories (spec §8.2): every
    /// `package.*` and `use.*` file and `make.defaults`; never `packages`,
    /// `parent`, `eapi`, `deprecated`.
    pub fn directory_form_allowed(self) -> bool {
        !matches!(
            self,
            ProfileFileKind::Parent
                | ProfileFileKind::Eapi
                | ProfileFileKind::Deprecated
                | ProfileFileKind::Packages
        )
    }
}

// ---------------------------------------------------------------------------
// Typed per-file readers.

/// One line of a `parent` file: a parent reference (relative path, absolute
/// path, `repo:path` or `:path`; resolving it is the caller's business).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentEntry {
    pub loc: Loc,
    pub path: String,
}

/// `dir/parent`: `None` when missing; an error when it exists but has no
/// line left after cleaning (portage: "Empty parent file").
pub fn read_parent(fs: &Fs, dir: &Path) -> Result<Option<Vec<ParentEntry>>, FileError> {
    let Some(lines) = read_profile_file(fs, dir, "parent", false)? else {
        return Ok(None);
    };
    parse_parent(&dir.join("parent"), lines).map(Some)
}

/// The lines of a `parent` file (`file` names it in the error): an error
/// when there are none.
pub fn parse_parent(file: &Path, lines: Vec<(Loc, Line)>) -> Result<Vec<ParentEntry>, FileError> {
    if lines.is_empty() {
        return Err(FileError::EmptyParent {
            loc: Loc::new(file, 0),
        });
    }
    Ok(lines
        .into_iter()
        .map(|(loc, l)| ParentEntry {
            loc,
            path: l.joined(),
        })
        .collect())
}

/// The content of an `eapi` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EapiFile {
    pub loc: Loc,
    /// The first line, trimmed; never empty.
    pub eapi: String,
}

/// `dir/eapi`: the first line, trimmed (no comment handling, as portage's
/// `readline().strip()`); `None` when missing; an error when the first line
/// is blank (portage: unsupported EAPI `''`). Checking that the EAPI is
/// supported is the caller's business.
pub fn read_eapi(fs: &Fs, dir: &Path) -> Result<Option<EapiFile>, FileError> {
    let path = dir.join("eapi");
    let Some(text) = read_text(fs, &path)? else {
        return Ok(None);
    };
    parse_eapi(&path, &text).map(Some)
}

/// The text of an `eapi` file at `path` (see [`read_eapi`]).
pub fn parse_eapi(path: &Path, text: &str) -> Result<EapiFile, FileError> {
    let first = physical_lines(text).next().map_or("", |(_, l)| l);
    let eapi = first.trim_matches(is_py_space);
    let loc = Loc::new(path, 1);
    if eapi.is_empty() {
        return Err(FileError::EmptyEapi { loc });
    }
    Ok(EapiFile {
        loc,
        eapi: eapi.to_owned(),
    })
}

/// The content of a `deprecated` file (spec §7.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deprecated {
    pub loc: Loc,
    /// Line 1, trimmed: the suggested replacement profile (relative to
    /// `profiles/`); `None` when the file or its first line is empty.
    pub replacement: Option<String>,
    /// Lines 2…, verbatim (joined with `\n`; blank lines before the text and
    /// trailing whitespace dropped).
    pub message: String,
}

/// `dir/deprecated`: `None` when the profile is not deprecated. No comment
/// stripping: the file is free text.
pub fn read_deprecated(fs: &Fs, dir: &Path) -> Result<Option<Deprecated>, FileError> {
    let path = dir.join("deprecated");
    let Some(text) = read_text(fs, &path)? else {
        return Ok(None);
    };
    Ok(Some(parse_deprecated(&path, &text)))
}

/// The text of a `deprecated` file at `path` (see [`read_deprecated`]).
pub fn parse_deprecated(path: &Path, text: &str) -> Deprecated {
    let mut lines = physical_lines(text).map(|(_, l)| l);
    let replacement = lines
        .next()
        .map(|l| l.trim_matches(is_py_space))
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let rest: Vec<&str> = lines
        .skip_while(|l| l.trim_matches(is_py_space).is_empty())
        .collect();
    let message = rest.join("\n").trim_end().to_owned();
    Deprecated {
        loc: Loc::new(path, 1),
        replacement,
        message,
    }
}

/// One atom line of a `packages` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackagesEntry {
    pub loc: Loc,
    /// The line started with `-`: remove an identical earlier line.
    pub remove: bool,
    /// The line had `*` (after any `-`): a member of @system, otherwise of
    /// @profile.
    pub system: bool,
    /// The atom, with the `-` and `*` prefixes removed.
    pub atom: String,
}

/// A line of a `packages` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackagesLine {
    /// `-*`: forget everything inherited so far (both @system and @profile).
    Clear(Loc),
    Entry(PackagesEntry),
}

/// `dir/packages` (never a directory): `None` when missing. Prefixes are
/// peeled as portage's `grabfile_package` does: first `-`, then `*`.
pub fn read_packages(fs: &Fs, dir: &Path) -> Result<Option<Vec<PackagesLine>>, FileError> {
    let Some(lines) = read_profile_file(fs, dir, "packages", false)? else {
        return Ok(None);
    };
    Ok(Some(parse_packages(lines)))
}

/// The lines of a `packages` file (see [`read_packages`]).
pub fn parse_packages(lines: Vec<(Loc, Line)>) -> Vec<PackagesLine> {
    lines
        .into_iter()
        .map(|(loc, l)| {
            let value = l.joined();
            if value == "-*" {
                return PackagesLine::Clear(loc);
            }
            let (remove, rest) = match value.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, value.as_str()),
            };
            let (system, atom) = match rest.strip_prefix('*') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            PackagesLine::Entry(PackagesEntry {
                loc,
                remove,
                system,
                atom: atom.to_owned(),
            })
        })
        .collect()
}

/// One line of a list file (`package.mask`, `use.mask`, `arch.list`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    pub loc: Loc,
    /// The line started with `-`.
    pub remove: bool,
    /// The cleaned line without the leading `-` (tokens joined by a space).
    pub value: String,
}

/// The lines of a list file (`package.mask`, `use.mask`, `arch.list`, …):
/// what [`read_list`], [`read_arch_list`] and [`read_categories`] return.
pub fn parse_list(lines: Vec<(Loc, Line)>) -> Vec<ListEntry> {
    lines
        .into_iter()
        .map(|(loc, l)| {
            let value = l.joined();
            match value.strip_prefix('-') {
                Some(v) => ListEntry {
                    loc,
                    remove: true,
                    value: v.to_owned(),
                },
                None => ListEntry {
                    loc,
                    remove: false,
                    value,
                },
            }
        })
        .collect()
}

/// A list-shaped profile file of `dir` (`kind.file_name()`); the directory
/// form is used when `allow_dir` and the kind permits it. `None` when missing.
pub fn read_list(
    fs: &Fs,
    dir: &Path,
    kind: ProfileFileKind,
    allow_dir: bool,
) -> Result<Option<Vec<ListEntry>>, FileError> {
    let allow = allow_dir && kind.directory_form_allowed();
    Ok(read_profile_file(fs, dir, kind.file_name(), allow)?.map(parse_list))
}

/// One line of an atom-with-tokens file (`package.use`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtomTokensEntry {
    pub loc: Loc,
    /// The first token, unparsed.
    pub atom: String,
    /// The remaining tokens (flags or keywords, with any `-` prefix).
    pub tokens: Vec<String>,
}

/// An atom-with-tokens profile file of `dir` (`kind.file_name()`); the
/// directory form is used when `allow_dir` and the kind permits it. `None`
/// when missing. A line with only an atom is an error unless the kind is
/// `package.accept_keywords` (see [`FileShape::AtomTokens`]).
pub fn read_atom_tokens(
    fs: &Fs,
    dir: &Path,
    kind: ProfileFileKind,
    allow_dir: bool,
) -> Result<Option<Vec<AtomTokensEntry>>, FileError> {
    let allow = allow_dir && kind.directory_form_allowed();
    let tokens_required = !matches!(
        kind.shape(),
        FileShape::AtomTokens {
            tokens_required: false
        }
    );
    let Some(lines) = read_profile_file(fs, dir, kind.file_name(), allow)? else {
        return Ok(None);
    };
    parse_atom_tokens(lines, tokens_required).map(Some)
}

/// The lines of an atom-with-tokens file (see [`read_atom_tokens`]); a line
/// with only an atom is an error when `tokens_required`.
pub fn parse_atom_tokens(
    lines: Vec<(Loc, Line)>,
    tokens_required: bool,
) -> Result<Vec<AtomTokensEntry>, FileError> {
    let mut out = Vec::with_capacity(lines.len());
    for (loc, l) in lines {
        let mut tokens = l.tokens.into_iter();
        let atom = tokens.next().unwrap_or_default();
        let tokens: Vec<String> = tokens.collect();
        if tokens.is_empty() && tokens_required {
            return Err(FileError::MissingTokens { loc, atom });
        }
        out.push(AtomTokensEntry { loc, atom, tokens });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Repository-level files under `profiles/`.

/// One line of `profiles/profiles.desc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfilesDescEntry {
    pub loc: Loc,
    pub arch: String,
    /// Profile directory relative to `profiles/`.
    pub path: String,
    /// `stable`, `dev`, `exp` (not checked here).
    pub status: String,
}

/// `profiles_dir/profiles.desc`: `None` when missing; a line without exactly
/// three fields is an error.
pub fn read_profiles_desc(
    fs: &Fs,
    profiles_dir: &Path,
) -> Result<Option<Vec<ProfilesDescEntry>>, FileError> {
    let Some(lines) = read_profile_file(fs, profiles_dir, "profiles.desc", false)? else {
        return Ok(None);
    };
    parse_profiles_desc(lines).map(Some)
}

/// The lines of `profiles.desc` (see [`read_profiles_desc`]).
pub fn parse_profiles_desc(lines: Vec<(Loc, Line)>) -> Result<Vec<ProfilesDescEntry>, FileError> {
    let mut out = Vec::with_capacity(lines.len());
    for (loc, l) in lines {
        let n = l.tokens.len();
        let mut t = l.tokens.into_iter();
        match (t.next(), t.next(), t.next()) {
            (Some(arch), Some(path), Some(status)) if n == 3 => out.push(ProfilesDescEntry {
                loc,
                arch,
                path,
                status,
            }),
            _ => {
                return Err(FileError::BadLine {
                    loc,
                    message: format!("expected 'arch profile status', found {n} fields"),
                })
            }
        }
    }
    Ok(out)
}

/// `profiles_dir/arch.list`: one arch per line; portage stacks it over the
/// repositories with `-arch` removal, hence [`ListEntry`]. `None` when missing.
pub fn read_arch_list(fs: &Fs, profiles_dir: &Path) -> Result<Option<Vec<ListEntry>>, FileError> {
    Ok(read_profile_file(fs, profiles_dir, "arch.list", false)?.map(parse_list))
}

/// `profiles_dir/categories`: one category per line, stacked like
/// `arch.list`. `None` when missing.
pub fn read_categories(fs: &Fs, profiles_dir: &Path) -> Result<Option<Vec<ListEntry>>, FileError> {
    Ok(read_profile_file(fs, profiles_dir, "categories", false)?.map(parse_list))
}

/// `profiles_dir/repo_name`: the first line, trimmed (portage
/// `readline().strip()`; may be empty — validating the name is the caller's
/// business). `None` when missing.
pub fn read_repo_name(fs: &Fs, profiles_dir: &Path) -> Result<Option<(Loc, String)>, FileError> {
    let path = profiles_dir.join("repo_name");
    let Some(text) = read_text(fs, &path)? else {
        return Ok(None);
    };
    Ok(Some(parse_repo_name(&path, &text)))
}

/// The text of `repo_name` at `path` (see [`read_repo_name`]).
pub fn parse_repo_name(path: &Path, text: &str) -> (Loc, String) {
    let first = physical_lines(text).next().map_or("", |(_, l)| l);
    (
        Loc::new(path, 1),
        first.trim_matches(is_py_space).to_owned(),
    )
}

/// One line of `profiles/license_groups`: `NAME member @GROUP …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseGroupLine {
    pub loc: Loc,
    pub name: String,
    /// Licenses and `@GROUP` references, in file order (never empty).
    pub members: Vec<String>,
}

/// `profiles_dir/license_groups`: `None` when missing. A name without members
/// is skipped (portage `grabdict`); several lines for one name are returned
/// separately (portage concatenates them).
pub fn read_license_groups(
    fs: &Fs,
    profiles_dir: &Path,
) -> Result<Option<Vec<LicenseGroupLine>>, FileError> {
    let Some(lines) = read_profile_file(fs, profiles_dir, "license_groups", false)? else {
        return Ok(None);
    };
    Ok(Some(parse_license_groups(lines)))
}

/// The lines of `license_groups` (see [`read_license_groups`]).
pub fn parse_license_groups(lines: Vec<(Loc, Line)>) -> Vec<LicenseGroupLine> {
    lines
        .into_iter()
        .filter(|(_, l)| l.tokens.len() >= 2)
        .map(|(loc, l)| {
            let mut t = l.tokens.into_iter();
            let name = t.next().unwrap_or_default();
            LicenseGroupLine {
                loc,
                name,
                members: t.collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<(u32, String)> {
        clean_lines(text)
            .into_iter()
            .map(|l| (l.line, l.tokens.join("|")))
            .collect()
    }

    #[test]
    fn grabfile_rules() {
        let text =
            "# comment\n\n  a   b\t c  \nx # trailing\n  # indented comment\nfoo#bar baz\nlast";
        assert_eq!(
            toks(text),
            vec![
                (3, "a|b|c".to_owned()),
                (4, "x".to_owned()),
                (6, "foo#bar|baz".to_owned()),
                (7, "last".to_owned()),
            ]
        );
    }

    #[test]
    fn universal_newlines() {
        assert_eq!(
            toks("a\r\nb\rc\n\rd"),
            vec![
                (1, "a".to_owned()),
                (2, "b".to_owned()),
                (3, "c".to_owned()),
                (5, "d".to_owned())
            ]
        );
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(toks("a\x1cb\u{a0}c\x0bd"), vec![(1, "a|b|c|d".to_owned())]);
    }

    #[test]
    fn decode_names_line() {
        let e = decode(Path::new("f"), b"ok\r\nok\n\xff".to_vec()).unwrap_err();
        assert_eq!(e.to_string(), "f:3: not valid UTF-8");
        let e = decode(Path::new("f"), b"\xfe".to_vec()).unwrap_err();
        assert_eq!(e.to_string(), "f:1: not valid UTF-8");
        let e = decode(Path::new("f"), b"abc\xc3".to_vec()).unwrap_err();
        assert_eq!(e.to_string(), "f:1: not valid UTF-8");
    }

    #[test]
    fn kinds() {
        for k in ProfileFileKind::ALL {
            assert_eq!(ProfileFileKind::from_file_name(k.file_name()), Some(k));
        }
        assert_eq!(ProfileFileKind::from_file_name("README"), None);
        assert!(!ProfileFileKind::Packages.directory_form_allowed());
        assert!(ProfileFileKind::MakeDefaults.directory_form_allowed());
        assert!(ProfileFileKind::PackageProvided.directory_form_allowed());
    }
}
