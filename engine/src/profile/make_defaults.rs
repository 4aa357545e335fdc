//! `make.defaults` without bash: portage's `getconfig` (Python `shlex` in
//! POSIX mode with portage's word characters) followed by its `varexpand`,
//! reproduced bug for bug (spec §9.1–§9.2).
//!
//! Why not a "nice" shell parser: the real overlays depend on exactly what
//! portage accepts (unquoted single words, trailing comments, single quotes
//! that still expand), and what portage rejects must be rejected too, so that
//! a profile portage refuses is refused here.
//!
//! # How to use it
//!
//! * [`parse`] turns one file's text into [`Assignment`]s in file order; each
//!   value is a [`RawValue`]: literal text and `$NAME`/`${NAME}` references,
//!   not yet expanded.
//! * [`expand`] (or [`expand_with`]) substitutes the references from a map;
//!   undefined names expand to nothing.
//! * [`parse_and_expand`] does both the way portage does: it threads one map
//!   through the file, so later assignments see earlier ones, and writes
//!   every assignment into the map. Call it for each make.defaults in stack
//!   order with the same map. **The USE special case (spec §9.2) is the
//!   caller's**: remove `USE` from the map before each profile node's
//!   make.defaults, so that `USE="${USE} x"` sees only that node's earlier
//!   `USE` (portage pops it once per node, not per file of a directory form).
//! * For a make.defaults that may be a directory, [`read_files`] lists and
//!   parses its files in portage order; expand them in that order with one map.
//!   A make.defaults directory where directories are not allowed is
//!   [`FileError::IsDirectory`] (portage prints an error and ignores it; the
//!   caller may do the same).
//!
//! # Grammar as portage implements it (traps marked ⚠)
//!
//! The text is read with universal newlines (`\r\n` and `\r` become `\n`) and
//! a final newline is added if missing. Then tokens are read:
//!
//! * whitespace is space, tab, CR, LF; `#` where a token would start or inside
//!   an **unquoted** word starts a comment to the end of the line
//!   (⚠ `A=x#y` is `x`; `B="p # q"` keeps the `#`). Comment lines are skipped
//!   before quotes are looked at, so apostrophes in comments are harmless;
//! * word characters are ASCII letters, digits and `` ~!@#$%*_\:;?,./-+{} ``;
//!   any other character (`=`, `(`, `[`, `&`, `|`, `<`, non-ASCII, …) is a
//!   one-character token of its own, and ends an unquoted word;
//! * `"…"` and `'…'` may be glued to words and to each other; inside double
//!   quotes `\"` and `\\` lose their backslash, any other `\x` keeps both
//!   characters (so `\⏎` stays for the expander to remove); inside single
//!   quotes a backslash is literal; outside quotes `\x` is `x`
//!   (⚠ including `\⏎`, which makes a newline part of the word);
//! * an unterminated quote is an error.
//!
//! Assignments are token triples `NAME = VALUE`, optionally preceded by the
//! token `export` (⚠ `A = "x"` with spaces is accepted; ⚠ `A=x y` makes `y` the
//! next name, which then lacks its `=`, an error; ⚠ `K=` at the end of a line
//! takes the **next** token as its value; ⚠ `C=one \⏎two` is an error). Names
//! must not start with a digit and contain only letters, digits and `_`.
//!
//! Expansion (`varexpand`) then runs over the unquoted value text:
//!
//! * `$NAME` and `${NAME}` (NAME of `[A-Za-z0-9_]`) expand earlier values,
//!   undefined → empty; a `$` at the very end is literal;
//! * ⚠ quote characters **left in the value** (e.g. the apostrophe of
//!   `"don't"`) are tracked: after an odd number of `'` (outside `"`) nothing
//!   is expanded and newlines stay — single quotes written as shell quotes
//!   have already been removed, which is why `G='$A'` **does** expand;
//! * `\$` → `$`, `\\` → `\` (and a `'`, `"` or `$` right after it is copied
//!   literally), `\⏎` → nothing, other `\x` unchanged; every other newline
//!   becomes a space (⚠ `C="one \⏎  two"` is `one   two`);
//! * ⚠ `${A:-x}`, `${}`, `$(…)`, `${` unterminated or a `$` followed by a
//!   non-name character make the **whole value empty** (portage warns and
//!   returns ""); [`RawValue::problem`] says why, so the caller can warn too.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::path::Path;

use crate::fs::Fs;
use crate::profile::files::{self, FileError};
use crate::source::Loc;

/// One `NAME=value` of a make.defaults file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Line of the name token (after `export`).
    pub line: u32,
    pub name: String,
    pub value: RawValue,
}

/// A piece of an unexpanded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    /// `$NAME` or `${NAME}`.
    Var(String),
}

/// A value after quote removal, compiled for expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawValue {
    raw: String,
    pieces: Vec<Piece>,
    problem: Option<&'static str>,
}

impl RawValue {
    /// Compiles a value the way `varexpand` would read it.
    pub fn new(raw: impl Into<String>) -> RawValue {
        let raw = raw.into();
        let (pieces, problem) = compile(&raw);
        RawValue {
            raw,
            pieces,
            problem,
        }
    }

    /// The value text after shell quote removal, before expansion.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Literal text and variable references, in order (empty when
    /// [`RawValue::problem`] is set).
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Why portage would expand this value to the empty string (a malformed
    /// `$` reference such as `${A:-x}`), if it would.
    pub fn problem(&self) -> Option<&'static str> {
        self.problem
    }

    /// The names this value references, in order.
    pub fn references(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Lit(_) => None,
        })
    }
}

/// Where [`expand`] looks variables up.
pub trait VarLookup {
    fn lookup(&self, name: &str) -> Option<&str>;
}

impl<S: BuildHasher> VarLookup for HashMap<String, String, S> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl VarLookup for BTreeMap<String, String> {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// Expands `value` against `vars`; undefined names expand to nothing, a value
/// with a [`RawValue::problem`] to the empty string (as portage does).
pub fn expand<V: VarLookup + ?Sized>(value: &RawValue, vars: &V) -> String {
    expand_with(value, |n| vars.lookup(n))
}

/// How much longer than its own text one value may grow by expansion: the
/// result may have at most `raw().len() + MAX_EXPANDED_LEN` bytes (the text
/// itself is bounded by the input). Portage has no limit, but a variable
/// that doubles itself (`A="$A$A"`, forty lines) would need a terabyte; real
/// values are below 1 KiB. A longer result is the empty string, as Portage's
/// own expansion failures are, and [`parse_and_expand`] reports
/// [`TOO_LONG`].
pub const MAX_EXPANDED_LEN: usize = 64 * 1024;

/// The problem [`parse_and_expand`] reports for a value that expansion
/// would make more than [`MAX_EXPANDED_LEN`] bytes longer than its text.
pub const TOO_LONG: &str = "expansion adds more than 64 KiB";

/// [`expand`] with a lookup function.
pub fn expand_with<'m>(value: &RawValue, lookup: impl Fn(&str) -> Option<&'m str>) -> String {
    try_expand_with(value, lookup).unwrap_or_default()
}

/// [`expand_with`], but `None` when the result would be more than
/// [`MAX_EXPANDED_LEN`] bytes longer than the value's text.
pub fn try_expand_with<'m>(
    value: &RawValue,
    lookup: impl Fn(&str) -> Option<&'m str>,
) -> Option<String> {
    if value.problem.is_some() {
        return Some(String::new());
    }
    let limit = value.raw.len().saturating_add(MAX_EXPANDED_LEN);
    let mut out = String::new();
    for p in &value.pieces {
        let piece = match p {
            Piece::Lit(s) => s.as_str(),
            Piece::Var(n) => lookup(n).unwrap_or(""),
        };
        if out.len() + piece.len() > limit {
            return None;
        }
        out.push_str(piece);
    }
    Some(out)
}

/// One assignment after expansion (see [`parse_and_expand`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    pub line: u32,
    pub name: String,
    pub value: String,
    /// Set when portage would warn and use the empty string.
    pub problem: Option<&'static str>,
}

/// Parses `text` (the file `file` names, for errors) and expands each
/// assignment against `vars`, writing it into `vars` before the next one is
/// expanded — portage's `getconfig(expand=map)`. On a syntax error nothing is
/// written into `vars`.
pub fn parse_and_expand<S: BuildHasher>(
    text: &str,
    file: &Loc,
    vars: &mut HashMap<String, String, S>,
) -> Result<Vec<Expanded>, MakeDefaultsError> {
    let assignments = parse(text, file)?;
    let mut out = Vec::with_capacity(assignments.len());
    for a in assignments {
        let (value, problem) = match try_expand_with(&a.value, |n| vars.lookup(n)) {
            Some(v) => (v, a.value.problem),
            None => (String::new(), Some(TOO_LONG)),
        };
        vars.insert(a.name.clone(), value.clone());
        out.push(Expanded {
            line: a.line,
            name: a.name,
            value,
            problem,
        });
    }
    Ok(out)
}

/// The parsed assignments of one file of a make.defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MakeDefaultsFile {
    /// The file (line 0).
    pub file: Loc,
    pub assignments: Vec<Assignment>,
}

/// Reads and parses `dir/make.defaults`, in its directory form when
/// `allow_dir` (files in portage order); `None` when it does not exist.
pub fn read_files(
    fs: &Fs,
    dir: &Path,
    allow_dir: bool,
) -> Result<Option<Vec<MakeDefaultsFile>>, MakeDefaultsError> {
    let Some(paths) = files::profile_file_paths(fs, dir, "make.defaults", allow_dir)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let Some(text) = files::read_text(fs, &path)? else {
            continue;
        };
        let file = Loc::new(path, 0);
        let assignments = parse(&text, &file)?;
        out.push(MakeDefaultsFile { file, assignments });
    }
    Ok(Some(out))
}

/// A make.defaults file portage would refuse.
#[derive(Debug, thiserror::Error)]
pub enum MakeDefaultsError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{loc}: unterminated {quote} quote")]
    UnterminatedQuote { loc: Loc, quote: &'static str },
    #[error("{loc}: backslash at end of file")]
    TrailingBackslash { loc: Loc },
    #[error("{loc}: unexpected end of file after '{name}' (expected '=')")]
    UnexpectedEof { loc: Loc, name: String },
    #[error("{loc}: expected '=' after '{name}', found '{found}'")]
    ExpectedEquals {
        loc: Loc,
        name: String,
        found: String,
    },
    #[error("{loc}: no value for '{name}' before end of file")]
    MissingValue { loc: Loc, name: String },
    #[error("{loc}: invalid variable name '{name}'")]
    InvalidName { loc: Loc, name: String },
}

/// Shortens a token for an error message (inputs may be huge) and makes
/// control characters visible.
fn clip(s: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Portage's `_invalid_var_name_re = ^\d|\W`, and not empty.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        None => false,
        Some(c) if c.is_numeric() => false,
        Some(c) => {
            (c == '_' || c.is_alphanumeric()) && chars.all(|c| c == '_' || c.is_alphanumeric())
        }
    }
}

/// Parses one make.defaults text into assignments (see the module docs for
/// the exact grammar). `file` names the file in errors (its line is ignored).
pub fn parse(text: &str, file: &Loc) -> Result<Vec<Assignment>, MakeDefaultsError> {
    let normalized = normalize_newlines(text);
    let mut lex = Lexer::new(&normalized, file);
    let mut out = Vec::new();
    loop {
        let mut key = lex.token()?;
        if key.as_ref().is_some_and(|k| k.text == "export") {
            key = lex.token()?;
        }
        let Some(key) = key else {
            break;
        };
        let equ = lex.token()?;
        match equ {
            None => {
                return Err(MakeDefaultsError::UnexpectedEof {
                    loc: file.at(key.line),
                    name: clip(&key.text),
                })
            }
            Some(t) if t.text != "=" => {
                return Err(MakeDefaultsError::ExpectedEquals {
                    loc: file.at(t.line),
                    name: clip(&key.text),
                    found: clip(&t.text),
                })
            }
            Some(_) => {}
        }
        let Some(val) = lex.token()? else {
            return Err(MakeDefaultsError::MissingValue {
                loc: file.at(key.line),
                name: clip(&key.text),
            });
        };
        if !valid_name(&key.text) {
            return Err(MakeDefaultsError::InvalidName {
                loc: file.at(key.line),
                name: clip(&key.text),
            });
        }
        out.push(Assignment {
            line: key.line,
            name: key.text,
            value: RawValue::new(val.text),
        });
    }
    Ok(out)
}

/// Python universal newlines, plus the final newline `getconfig` appends.
fn normalize_newlines(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 1);
    let mut rest = text;
    while let Some(i) = rest.find('\r') {
        s.push_str(&rest[..i]);
        s.push('\n');
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('\n') {
            rest = r;
        }
    }
    s.push_str(rest);
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

struct Token {
    text: String,
    line: u32,
}

/// `shlex.shlex(posix=True)` with portage's `wordchars` and `quotes`.
struct Lexer<'a> {
    s: &'a str,
    pos: usize,
    /// Current line (1-based), as `shlex.lineno`.
    line: u32,
    file: &'a Loc,
}

fn is_wordchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "~!@#$%*_\\:;?,./-+{}".contains(c)
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[derive(Clone, Copy)]
enum St {
    Space,
    Word,
    Quote(char),
    /// After a backslash; the state to return to (`Word` or `Quote('"')`).
    Escape(EscBack),
}

#[derive(Clone, Copy)]
enum EscBack {
    Word,
    Dquote,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str, file: &'a Loc) -> Lexer<'a> {
        Lexer {
            s,
            pos: 0,
            line: 1,
            file,
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.s[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line = self.line.saturating_add(1);
        }
        Some(c)
    }

    /// Skips the rest of the line including its newline (`readline`).
    fn skip_line(&mut self) {
        match self.s[self.pos..].find('\n') {
            Some(i) => {
                self.pos += i + 1;
                self.line = self.line.saturating_add(1);
            }
            None => self.pos = self.s.len(),
        }
    }

    /// The next token, `None` at the end of the input.
    fn token(&mut self) -> Result<Option<Token>, MakeDefaultsError> {
        let mut st = St::Space;
        let mut text = String::new();
        let mut quoted = false;
        let mut start_line = self.line;
        let mut quote_line = self.line;
        loop {
            let before = self.pos;
            let c = self.next_char();
            match st {
                St::Space => match c {
                    None => break,
                    Some(c) if is_ws(c) => continue,
                    Some('#') => self.skip_line(),
                    Some('\\') => {
                        start_line = self.line;
                        st = St::Escape(EscBack::Word);
                    }
                    Some(c) if is_wordchar(c) => {
                        start_line = self.line;
                        text.push(c);
                        st = St::Word;
                    }
                    Some(q @ ('"' | '\'')) => {
                        start_line = self.line;
                        quote_line = self.line;
                        st = St::Quote(q);
                    }
                    Some(c) => {
                        start_line = self.line;
                        text.push(c);
                        break;
                    }
                },
                St::Quote(q) => {
                    quoted = true;
                    match c {
                        None => {
                            return Err(MakeDefaultsError::UnterminatedQuote {
                                loc: self.file.at(quote_line),
                                quote: if q == '"' { "double" } else { "single" },
                            })
                        }
                        Some(c) if c == q => st = St::Word,
                        Some('\\') if q == '"' => st = St::Escape(EscBack::Dquote),
                        Some(c) => text.push(c),
                    }
                }
                St::Escape(back) => {
                    let Some(c) = c else {
                        return Err(MakeDefaultsError::TrailingBackslash {
                            loc: self.file.at(self.line),
                        });
                    };
                    if matches!(back, EscBack::Dquote) && c != '\\' && c != '"' {
                        text.push('\\');
                    }
                    text.push(c);
                    st = match back {
                        EscBack::Word => St::Word,
                        EscBack::Dquote => St::Quote('"'),
                    };
                }
                St::Word => match c {
                    None => break,
                    Some(c) if is_ws(c) => break,
                    Some('#') => {
                        self.skip_line();
                        break;
                    }
                    Some(q @ ('"' | '\'')) => {
                        quote_line = self.line;
                        st = St::Quote(q);
                    }
                    Some('\\') => st = St::Escape(EscBack::Word),
                    Some(c) if is_wordchar(c) => text.push(c),
                    Some(_) => {
                        // shlex pushes the character back; it becomes the
                        // next token on its own.
                        self.pos = before;
                        break;
                    }
                },
            }
        }
        if text.is_empty() && !quoted {
            return Ok(None);
        }
        Ok(Some(Token {
            text,
            line: start_line,
        }))
    }
}

/// `varexpand`, compiled: literal pieces and references, or the reason the
/// whole value expands to "".
fn compile(s: &str) -> (Vec<Piece>, Option<&'static str>) {
    const EOF_BRACE: &str = "unexpected EOF while looking for matching `}'";
    let b = s.as_bytes();
    let len = b.len();
    let mut pieces = Vec::new();
    let mut lit: Vec<u8> = Vec::new();
    let mut insing = false;
    let mut indoub = false;
    let mut pos = 0;
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let flush = |lit: &mut Vec<u8>, pieces: &mut Vec<Piece>| {
        if !lit.is_empty() {
            // Only ASCII bytes were added or dropped, so `lit` is UTF-8.
            pieces.push(Piece::Lit(String::from_utf8_lossy(lit).into_owned()));
            lit.clear();
        }
    };
    while pos < len {
        let c = b[pos];
        if c == b'\'' {
            lit.push(c);
            if !indoub {
                insing = !insing;
            }
            pos += 1;
            continue;
        }
        if c == b'"' {
            lit.push(c);
            if !insing {
                indoub = !indoub;
            }
            pos += 1;
            continue;
        }
        if insing {
            lit.push(c);
            pos += 1;
            continue;
        }
        match c {
            b'\n' => {
                lit.push(b' ');
                pos += 1;
            }
            b'\\' => {
                if pos + 1 >= len {
                    lit.push(b'\\');
                    break;
                }
                let c2 = b[pos + 1];
                pos += 2;
                match c2 {
                    b'$' => lit.push(b'$'),
                    b'\\' => {
                        lit.push(b'\\');
                        if pos < len && matches!(b[pos], b'\'' | b'"' | b'$') {
                            lit.push(b[pos]);
                            pos += 1;
                        }
                    }
                    b'\n' => {}
                    _ => {
                        lit.push(b'\\');
                        lit.push(c2);
                    }
                }
            }
            b'$' => {
                pos += 1;
                if pos == len {
                    lit.push(b'$');
                    continue;
                }
                let braced = b[pos] == b'{';
                if braced {
                    pos += 1;
                    if pos == len {
                        return (Vec::new(), Some(EOF_BRACE));
                    }
                }
                let start = pos;
                while is_name(b[pos]) {
                    if pos + 1 >= len {
                        if braced {
                            return (Vec::new(), Some(EOF_BRACE));
                        }
                        pos += 1;
                        break;
                    }
                    pos += 1;
                }
                let name = &s[start..pos];
                if braced {
                    if b[pos] != b'}' {
                        return (Vec::new(), Some(EOF_BRACE));
                    }
                    pos += 1;
                }
                if name.is_empty() {
                    return (Vec::new(), Some("bad substitution"));
                }
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Var(name.to_owned()));
            }
            _ => {
                lit.push(c);
                pos += 1;
            }
        }
    }
    flush(&mut lit, &mut pieces);
    (pieces, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Loc {
        Loc::new("profiles/base/make.defaults", 0)
    }

    /// Parses and expands `text` with an empty starting map; returns the
    /// final map.
    fn run(text: &str) -> HashMap<String, String> {
        let mut vars = HashMap::new();
        parse_and_expand(text, &file(), &mut vars).unwrap();
        vars
    }

    fn get(text: &str, name: &str) -> String {
        run(text).remove(name).unwrap()
    }

    fn err(text: &str) -> String {
        parse(text, &file()).unwrap_err().to_string()
    }

    /// Found by a stress input written alongside the make_defaults fuzz
    /// target: `A="$A$A"` repeated grows A exponentially, so 60 short lines
    /// asked for 2^60 bytes. Expansion now stops at MAX_EXPANDED_LEN.
    #[test]
    fn self_doubling_values_are_bounded() {
        let text = "A=x\n".to_owned() + &"A=\"$A$A\"\n".repeat(60) + "B=\"[$A]\"\n";
        let mut vars = HashMap::new();
        let out = parse_and_expand(&text, &Loc::new("m", 0), &mut vars).unwrap();
        assert_eq!(out[16].value.len(), 1 << 16);
        assert_eq!(out[16].problem, None);
        assert_eq!(out[17].value, "");
        assert_eq!(out[17].problem, Some(TOO_LONG));
        let last = out.last().unwrap();
        assert_eq!((last.value.as_str(), last.problem), ("[]", None));
        let big = "y".repeat(MAX_EXPANDED_LEN);
        let v = RawValue::new("$Y$Y");
        assert_eq!(expand_with(&v, |_| Some(big.as_str())), "");
        assert_eq!(
            try_expand_with(&RawValue::new("$Y"), |_| Some(big.as_str())),
            Some(big.clone())
        );
        // The value's own text does not count against the limit.
        let long = RawValue::new(format!("{big}{big}$Y"));
        let y = big.as_str();
        assert_eq!(expand_with(&long, |_| Some(y)).len(), 3 * MAX_EXPANDED_LEN);
    }

    #[test]
    fn double_quoted() {
        assert_eq!(get("A=\"x y\"\n", "A"), "x y");
    }

    #[test]
    fn unquoted_single_word() {
        let m = run("FLATCAR_TYPE=generic\nDONT_MOUNT_BOOT=1\n");
        assert_eq!(m["FLATCAR_TYPE"], "generic");
        assert_eq!(m["DONT_MOUNT_BOOT"], "1");
    }

    #[test]
    fn unquoted_two_words_is_an_error() {
        assert_eq!(
            err("A=x y\nB=\"z\"\n"),
            "profiles/base/make.defaults:2: expected '=' after 'y', found 'B'"
        );
        assert_eq!(
            err("A=x y\n"),
            "profiles/base/make.defaults:1: unexpected end of file after 'y' (expected '=')"
        );
    }

    #[test]
    fn empty_unquoted_value() {
        // At the end of the file: no value.
        assert_eq!(
            err("K="),
            "profiles/base/make.defaults:1: no value for 'K' before end of file"
        );
        // Before another line: swallows the next token (and then fails).
        assert_eq!(
            err("K=\nB=\"x\"\n"),
            "profiles/base/make.defaults:2: expected '=' after '=', found 'x'"
        );
        assert_eq!(get("K=\nB\n", "K"), "B");
        assert_eq!(get("K=\"\"\n", "K"), "");
    }

    #[test]
    fn export() {
        assert_eq!(get("export F=\"f\"\n", "F"), "f");
        assert_eq!(run("export\n").len(), 0);
    }

    #[test]
    fn hash_inside_quotes_is_literal() {
        assert_eq!(get("B=\"p # q\"\n", "B"), "p # q");
    }

    #[test]
    fn unquoted_hash_starts_comment() {
        let m = run("A=x#y z\nB=2\n");
        assert_eq!(m["A"], "x");
        assert_eq!(m["B"], "2");
    }

    #[test]
    fn trailing_comment() {
        let m = run("J=\"${USE}\" # trailing comment\nBRANDING_OS_PRETTY_NAME=\"\" # Set blank to override \"Gentoo Linux\"\n");
        assert_eq!(m["J"], "");
        assert_eq!(m["BRANDING_OS_PRETTY_NAME"], "");
    }

    #[test]
    fn apostrophes_in_comments() {
        let m = run("# don't panic\nA=\"1\"\n  # it's fine\nB=\"2\" # isn't it\n");
        assert_eq!(m["A"], "1");
        assert_eq!(m["B"], "2");
    }

    #[test]
    fn newline_in_quotes_becomes_space() {
        assert_eq!(get("D=\"multi\nline\"\n", "D"), "multi line");
    }

    #[test]
    fn backslash_newline_in_quotes() {
        assert_eq!(get("C=\"one \\\n  two\"\n", "C"), "one   two");
    }

    #[test]
    fn unquoted_continuation_is_an_error() {
        assert_eq!(
            err("C=one \\\ntwo\n"),
            "profiles/base/make.defaults:1: unexpected end of file after '\\ntwo' (expected '=')"
        );
        assert!(parse("C=one \\\ntwo\nD=\"x\"\n", &file()).is_err());
    }

    #[test]
    fn expansion_forms() {
        let m = run("A=\"x\"\nE=${A}-$A-${NOPE}-end\n");
        assert_eq!(m["E"], "x-x--end");
    }

    #[test]
    fn single_quotes_still_expand() {
        assert_eq!(get("A=\"x\"\nG='$A'\n", "G"), "x");
    }

    #[test]
    fn unsupported_expansions_give_empty_values() {
        let a = parse("A=\"${B:-default}\"\n", &file()).unwrap();
        assert_eq!(
            a[0].value.problem(),
            Some("unexpected EOF while looking for matching `}'")
        );
        assert_eq!(get("A=\"${B:-default}\"\n", "A"), "");
        let a = parse("A=\"$(cmd)\"\n", &file()).unwrap();
        assert_eq!(a[0].value.problem(), Some("bad substitution"));
        assert_eq!(get("A=\"${}\"\n", "A"), "");
        assert_eq!(get("A=\"${B\"\n", "A"), "");
        assert_eq!(get("A=\"x${\"\n", "A"), "");
        // Arrays are a syntax error.
        assert!(parse("A=(a b)\n", &file()).is_err());
    }

    #[test]
    fn crlf() {
        let m = run("A=\"x\"\r\nB=\"y\r\nz\"\r\n");
        assert_eq!(m["A"], "x");
        assert_eq!(m["B"], "y z");
    }

    #[test]
    fn backslashes() {
        // Double quotes: \$ keeps the dollar literal, \\ is one backslash.
        assert_eq!(get("A=\"x\"\nB=\"\\$A\"\n", "B"), "$A");
        assert_eq!(get("B=\"a\\\\b\"\n", "B"), "a\\b");
        assert_eq!(get("B=\"a\\qb\"\n", "B"), "a\\qb");
        assert_eq!(get("B=\"a\\\"b\"\n", "B"), "a\"b");
        // Unquoted: the backslash goes.
        assert_eq!(get("B=a\\qb\n", "B"), "aqb");
        // Single quotes: literal backslash, then varexpand keeps \q.
        assert_eq!(get("B='a\\qb'\n", "B"), "a\\qb");
        // `$` at the end is literal.
        assert_eq!(get("B=\"a$\"\n", "B"), "a$");
    }

    #[test]
    fn apostrophe_in_value_stops_expansion() {
        // Bug-for-bug: the `'` left in the value opens a "single quote" for
        // varexpand, so `$A` and the newline stay.
        assert_eq!(get("A=\"x\"\nB=\"don't $A\nnow\"\n", "B"), "don't $A\nnow");
        // Inside double quotes that remain in the value, `'` does not count.
        assert_eq!(get("A=\"x\"\nB='\"it'\"'\"'s $A\"'\n", "B"), "\"it's x\"");
    }

    #[test]
    fn spaces_around_equals_and_glued_quotes() {
        let m = run("A = \"x\"\nB=\"a\"'b'c\n");
        assert_eq!(m["A"], "x");
        assert_eq!(m["B"], "abc");
    }

    #[test]
    fn later_sees_earlier_and_self_reference() {
        let m = run("USE=\"a\"\nUSE=\"${USE} b\"\nCXXFLAGS=\"${CFLAGS}\"\n");
        assert_eq!(m["USE"], "a b");
        assert_eq!(m["CXXFLAGS"], "");
    }

    #[test]
    fn seeded_map() {
        let mut vars = HashMap::new();
        vars.insert("USE_EXPAND".to_owned(), "A B".to_owned());
        let out =
            parse_and_expand("USE_EXPAND=\"${USE_EXPAND} TESTS\"\n", &file(), &mut vars).unwrap();
        assert_eq!(out[0].value, "A B TESTS");
        assert_eq!(vars["USE_EXPAND"], "A B TESTS");
    }

    #[test]
    fn unterminated_quotes() {
        assert_eq!(
            err("A=\"1\"\n\nB=\"x\ny\n"),
            "profiles/base/make.defaults:3: unterminated double quote"
        );
        assert_eq!(
            err("B='x\n"),
            "profiles/base/make.defaults:1: unterminated single quote"
        );
    }

    #[test]
    fn invalid_names() {
        assert_eq!(
            err("1A=\"x\"\n"),
            "profiles/base/make.defaults:1: invalid variable name '1A'"
        );
        assert_eq!(
            err("A-B=\"x\"\n"),
            "profiles/base/make.defaults:1: invalid variable name 'A-B'"
        );
        assert!(parse("_A=\"x\"\n", &file()).is_ok());
    }

    #[test]
    fn assignment_lines() {
        let a = parse("# c\n\nA=\"1\n2\"\nexport B=3\n", &file()).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].line, a[0].name.as_str()), (3, "A"));
        assert_eq!((a[1].line, a[1].name.as_str()), (5, "B"));
    }

    #[test]
    fn pieces() {
        let v = RawValue::new("a ${B}c$D");
        assert_eq!(
            v.pieces(),
            &[
                Piece::Lit("a ".into()),
                Piece::Var("B".into()),
                Piece::Lit("c".into()),
                Piece::Var("D".into())
            ]
        );
        assert_eq!(v.references().collect::<Vec<_>>(), ["B", "D"]);
        assert_eq!(expand_with(&v, |n| (n == "D").then_some("d")), "a cd");
    }

    #[test]
    fn no_panic_on_odd_input() {
        for text in [
            "",
            "=",
            "==",
            "\\",
            "\"",
            "'",
            "A",
            "A=",
            "A=$",
            "A=${",
            "A=\"$",
            "export",
            "A=é",
            "é=1",
            "A=\"\\",
            "\u{0}",
            "A=\"x\"\\",
            "#",
            "A=x\\\n",
            "A=\"${x\"",
        ] {
            let _ = parse(text, &file());
        }
    }
}
