//! Where a piece of input came from: a file and a line, for error messages
//! and for provenance ("which file and line decided this flag").

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fs::Fs;

/// A file and a 1-based line number in it (0 when the whole file is meant).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: Arc<Path>,
    pub line: u32,
}

impl Loc {
    pub fn new(file: impl Into<PathBuf>, line: u32) -> Loc {
        Loc {
            file: Arc::from(file.into().into_boxed_path()),
            line,
        }
    }

    /// The same file at another line.
    pub fn at(&self, line: u32) -> Loc {
        Loc {
            file: self.file.clone(),
            line,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}", self.file.display(), self.line)
        }
    }
}

/// Reads a file as UTF-8, naming the file (and the line of the first bad
/// byte) when it is not valid UTF-8.
pub fn read_utf8(fs: &Fs, path: &Path) -> Result<String, SourceError> {
    let bytes = fs.read(path).map_err(|e| SourceError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    utf8(path, bytes)
}

/// Turns bytes read from `path` into a string, or an error naming the line of
/// the first invalid byte.
pub fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|e| {
        let upto = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..upto].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        SourceError::NotUtf8 {
            loc: Loc::new(path, line),
        }
    })
}

/// Failure to read an input file at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{loc}: not valid UTF-8")]
    NotUtf8 { loc: Loc },
}

/// Something suspicious in the input that does not stop loading (a typo'd
/// category, an unmatched removal, a deprecated construct), kept so the CLI
/// can report it with its file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub loc: Loc,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.loc, self.message)
    }
}
