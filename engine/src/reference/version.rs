//! Versions, written straight from PMS §3.2–§3.3 (and Portage's `vercmp`)
//! on plain strings: parse into parts, compare part by part. No interning,
//! no packed keys; big numbers compare as digit strings.

use std::cmp::Ordering;

/// The suffixes in their order (`_alpha` < ... < `_p`).
const SUFFIXES: [&str; 5] = ["alpha", "beta", "pre", "rc", "p"];

/// A parsed version; `text` is exactly what was written.
#[derive(Clone, Debug)]
pub struct Version {
    pub text: String,
    pub numbers: Vec<String>,
    pub letter: Option<char>,
    /// (index into the suffix order, number as written, "" when none).
    pub suffixes: Vec<(usize, String)>,
    /// `-rN` digits, "" when absent.
    pub revision: String,
}

impl Version {
    /// Parses `1.2.3b_pre4_p1-r2`; None when it is not a version.
    pub fn parse(text: &str) -> Option<Version> {
        let (main, revision) = match text.rfind("-r") {
            Some(i) if i + 2 < text.len() && text[i + 2..].bytes().all(|b| b.is_ascii_digit()) => {
                (&text[..i], text[i + 2..].to_owned())
            }
            _ => (text, String::new()),
        };
        let mut parts = main.split('_');
        let head = parts.next()?;
        let mut letter = None;
        let mut nums_text = head;
        if let Some(c) = head.chars().last() {
            if c.is_ascii_lowercase() {
                letter = Some(c);
                nums_text = &head[..head.len() - 1];
            }
        }
        let mut numbers = Vec::new();
        for n in nums_text.split('.') {
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            numbers.push(n.to_owned());
        }
        let mut suffixes = Vec::new();
        for s in parts {
            let name_len = s.bytes().take_while(|b| b.is_ascii_lowercase()).count();
            let (name, num) = s.split_at(name_len);
            let kind = SUFFIXES.iter().position(|x| *x == name)?;
            if !num.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            suffixes.push((kind, num.to_owned()));
        }
        Some(Version {
            text: text.to_owned(),
            numbers,
            letter,
            suffixes,
            revision,
        })
    }

    /// The text without `-rN`.
    pub fn without_revision(&self) -> &str {
        match self.text.rfind("-r") {
            Some(i) if !self.revision.is_empty() => &self.text[..i],
            _ => &self.text,
        }
    }
}

/// Compares two digit strings as integers of any size.
fn cmp_int(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// PMS §3.3, step by step.
pub fn compare(a: &Version, b: &Version) -> Ordering {
    // The first number: as integers.
    let o = cmp_int(&a.numbers[0], &b.numbers[0]);
    if o != Ordering::Equal {
        return o;
    }
    // The other numbers: with a leading zero, as strings without trailing
    // zeros; otherwise as integers. A missing one is smaller.
    let n = a.numbers.len().max(b.numbers.len());
    for i in 1..n {
        match (a.numbers.get(i), b.numbers.get(i)) {
            (Some(x), Some(y)) => {
                let o = if x.starts_with('0') || y.starts_with('0') {
                    x.trim_end_matches('0').cmp(y.trim_end_matches('0'))
                } else {
                    cmp_int(x, y)
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (None, None) => {}
        }
    }
    // The letter: missing is smaller.
    let o = a.letter.cmp(&b.letter);
    if o != Ordering::Equal {
        return o;
    }
    // Suffixes pairwise; then the longer list's next suffix decides: `_p`
    // makes it greater, anything else smaller.
    let n = a.suffixes.len().max(b.suffixes.len());
    for i in 0..n {
        match (a.suffixes.get(i), b.suffixes.get(i)) {
            (Some((ka, na)), Some((kb, nb))) => {
                let o = ka.cmp(kb).then_with(|| cmp_int(na, nb));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some((k, _)), None) => {
                return if SUFFIXES[*k] == "p" {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (None, Some((k, _))) => {
                return if SUFFIXES[*k] == "p" {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (None, None) => {}
        }
    }
    cmp_int(&a.revision, &b.revision)
}

/// Splits `PN-VER` at the last `-` that starts a valid version (PMS: a
/// package name may not end in something that looks like a version).
pub fn split_pf(pf: &str) -> Option<(&str, Version)> {
    // Try `-VER-rN` first, then `-VER`.
    let dashes: Vec<usize> = pf.match_indices('-').map(|(i, _)| i).collect();
    for &i in dashes.iter().rev() {
        let tail = &pf[i + 1..];
        if !tail.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if let Some(v) = Version::parse(tail) {
            if i > 0 {
                return Some((&pf[..i], v));
            }
        }
    }
    None
}
