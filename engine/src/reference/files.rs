//! Reading profile files: the one piece shared with the fast path is
//! [`clean_lines`] (comments and blank lines, Portage `grabfile`); the rest
//! (directory forms, list values, make.defaults) is written here again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::profile::files::clean_lines;

/// The files making up profile file `name` of `dir`: none, the file, or
/// (where allowed) every file under the directory of that name, sorted by
/// name and recursed into, skipping dot files, `~` backups and VCS folders.
pub fn paths(dir: &Path, name: &str, allow_dir: bool) -> Vec<PathBuf> {
    let p = dir.join(name);
    if p.is_file() {
        return vec![p];
    }
    if p.is_dir() && allow_dir {
        let mut out = Vec::new();
        walk(&p, &mut out);
        return out;
    }
    Vec::new()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for n in names {
        if n.starts_with('.')
            || n.ends_with('~')
            || ["CVS", "RCS", "SCCS", ".bzr", ".git", ".hg", ".svn"].contains(&n.as_str())
        {
            continue;
        }
        let p = dir.join(&n);
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// The cleaned lines (tokens per line) of profile file `name`.
pub fn lines(dir: &Path, name: &str, allow_dir: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for p in paths(dir, name, allow_dir) {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        out.extend(clean_lines(&text).into_iter().map(|l| l.tokens));
    }
    out
}

/// One line of a list file as `grabfile` returns it: the whole line.
pub fn list(dir: &Path, name: &str, allow_dir: bool) -> Vec<String> {
    lines(dir, name, allow_dir)
        .into_iter()
        .map(|t| t.join(" "))
        .collect()
}

/// The first line of `dir/name`, trimmed (the `eapi` file).
pub fn first_line(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().next().unwrap_or("").trim().to_owned())
}

/// A USE flag name (PMS §3.1.4).
pub fn valid_flag(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '_' | '@' | '-'))
}

// ---------------------------------------------------------------------------
// make.defaults: a small shell-words reader and `varexpand`.

enum Tok {
    Word(String),
    Eq,
}

/// Splits make.defaults text into words and `=` signs: quotes removed
/// (`"…"` keeps `\x` except `\"` and `\\`; `'…'` is literal; unquoted `\x`
/// is `x`), `#` at a word start or in an unquoted word ends the line.
fn tokens(text: &str) -> Vec<Tok> {
    let cs: Vec<char> = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    let skip_comment = |i: &mut usize| {
        while *i < cs.len() && cs[*i] != '\n' {
            *i += 1;
        }
    };
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            skip_comment(&mut i);
        } else if c == '=' {
            out.push(Tok::Eq);
            i += 1;
        } else {
            let mut w = String::new();
            while i < cs.len() {
                let c = cs[i];
                if c.is_whitespace() || c == '=' {
                    break;
                }
                if c == '#' {
                    skip_comment(&mut i);
                    break;
                }
                i += 1;
                match c {
                    '"' => {
                        while i < cs.len() && cs[i] != '"' {
                            if cs[i] == '\\' && i + 1 < cs.len() && matches!(cs[i + 1], '"' | '\\')
                            {
                                w.push(cs[i + 1]);
                                i += 2;
                            } else {
                                w.push(cs[i]);
                                i += 1;
                            }
                        }
                        i += 1;
                    }
                    '\'' => {
                        while i < cs.len() && cs[i] != '\'' {
                            w.push(cs[i]);
                            i += 1;
                        }
                        i += 1;
                    }
                    '\\' => {
                        if i < cs.len() {
                            w.push(cs[i]);
                            i += 1;
                        }
                    }
                    c => w.push(c),
                }
            }
            out.push(Tok::Word(w));
        }
    }
    out
}

/// The `NAME=value` assignments of one make.defaults text, in file order,
/// values not yet expanded.
pub fn assignments(text: &str) -> Vec<(String, String)> {
    let toks = tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Tok::Word(w) = &toks[i] {
            if w == "export" && matches!(toks.get(i + 2), Some(Tok::Eq)) {
                i += 1;
                continue;
            }
            if let (Some(Tok::Eq), Some(Tok::Word(v))) = (toks.get(i + 1), toks.get(i + 2)) {
                out.push((w.clone(), v.clone()));
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Portage `varexpand`: `$X` and `${X}` from `vars` (unset is empty), `\$`
/// and `\\` unescaped, `\⏎` removed, other newlines made spaces; a
/// reference it cannot read (`${A:-x}`, `$(`) empties the whole value.
pub fn expand(raw: &str, vars: &BTreeMap<String, String>) -> String {
    let cs: Vec<char> = raw.chars().collect();
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        i += 1;
        match c {
            '\\' if i < cs.len() => {
                let n = cs[i];
                i += 1;
                match n {
                    '$' => out.push('$'),
                    '\\' => out.push('\\'),
                    '\n' => {}
                    n => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '\n' => out.push(' '),
            '$' if i < cs.len() => {
                let braced = cs[i] == '{';
                if braced {
                    i += 1;
                }
                let start = i;
                while i < cs.len() && name_char(cs[i]) {
                    i += 1;
                }
                let name: String = cs[start..i].iter().collect();
                if name.is_empty() {
                    return String::new();
                }
                if braced {
                    if i >= cs.len() || cs[i] != '}' {
                        return String::new();
                    }
                    i += 1;
                }
                out.push_str(vars.get(&name).map(String::as_str).unwrap_or(""));
            }
            c => out.push(c),
        }
    }
    out
}
