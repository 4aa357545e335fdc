//! Package versions (PMS §3.2–§3.3) and the name rules of PMS §3.1.
//!
//! A [`Version`] keeps the text it was parsed from — `1.00` displays as
//! `1.00`, and portage's `~` and `=*` operators look at that text — while
//! comparing by the PMS algorithm, which portage's `vercmp` implements.
//!
//! # Domain traps
//!
//! * Digit strings are unbounded (`99999999`, dates, `_p20260522`): nothing
//!   here parses them into machine integers. Integers are compared as digit
//!   strings: leading zeros stripped, then by length, then bytewise.
//! * Only the **first** numeric component compares as an integer (`01` ==
//!   `1`). A later component that starts with `0` (on either side) compares
//!   as a decimal *fraction*: trailing zeros stripped, then bytewise (`1.010`
//!   == `1.01`, `1.05` < `1.5`, `1.0` == `1.00`); otherwise as integers
//!   (`1.10` > `1.1`). (pkgcore applies the fraction rule to the first
//!   component too, so `01 < 1` there; portage and PMS say equal.)
//! * More numeric components win before the letter is looked at: `1.2b` <
//!   `1.2.5`, but `1.2b` > `1.2`.
//! * Suffixes: `_alpha < _beta < _pre < _rc < _p`; a missing number is 0
//!   (`_p` == `_p0`); when one suffix list is a prefix of the other, the
//!   first extra suffix decides: `_p` makes the longer version greater, any
//!   other suffix makes it smaller (`1_rc1 < 1 < 1_p`).
//! * A missing revision is `-r0`, and revisions are integers (`-r01` ==
//!   `-r1`). Equal versions need not be equal strings: `1.0`, `1.00` and
//!   `1.0-r0` are the same version, so `Hash` hashes the comparison key, not
//!   the text.
//! * Only `[a-z]` is a letter (pkgcore also accepts `A-Z`; portage does not,
//!   so `cat/a-3D` is a *package name*, not a versioned package).
//!
//! # Layout of [`Version`] (16 bytes)
//!
//! Comparison is reduced to comparing *nibble streams* (4-bit symbols)
//! lexicographically. The stream of a version is an order-preserving,
//! prefix-free encoding of its comparison components (see `Nibbles` in the
//! source), so equal streams ⇔ equal versions and stream order = PMS order.
//! A `Version` stores
//!
//! * `key: u64` — the first 15 nibbles of the stream (zero-padded), then in
//!   the lowest nibble a flag "the whole stream fits in those 15 nibbles".
//!   Because the encoding is prefix-free, different keys order exactly like
//!   the versions, and equal keys with the flag set mean equal versions. The
//!   flag never decides an order: two keys equal in their first 15 nibbles
//!   either both carry it or both lack it. Typical versions (`1.2.3`,
//!   `2.46.9999`, `20260807`, `3.15.0_beta4-r1`, `1.74.1-r102`) fit, so
//!   `cmp`, `==` and `hash` are a single integer operation;
//! * `text: Arc<Box<str>>` — the original text behind a thin pointer (one
//!   machine word, cheap to clone, `Send + Sync`). Only long versions that
//!   share their first 15 nibbles re-walk both texts to finish the
//!   comparison, without allocating.
//!
//! # Names
//!
//! The name validators of PMS §3.1 live at the end of this module
//! ([`valid_category`], [`valid_package_name`], [`valid_slot`],
//! [`valid_use_flag`], [`valid_repo_name`], [`valid_keyword`]), beside the
//! version grammar that the package-name rule depends on. They accept ASCII
//! only; portage's current regexes are ASCII too and, unlike older portage,
//! refuse a leading `+` in category, package and slot names (as PMS does).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

use crate::intern::Sym;

/// A parsed package version (`1.0`, `2.46.9999`, `1.0_rc1-r2`): the original
/// text plus a packed comparison key; see the module docs for the layout.
#[derive(Clone)]
pub struct Version {
    key: u64,
    text: Arc<Box<str>>,
}

/// Why a string is not a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("invalid version '': empty string")]
    Empty,
    #[error("invalid version '{0}': must start with a digit")]
    NoLeadingDigit(Box<str>),
    #[error("invalid version '{0}': '.' must be followed by digits")]
    EmptyComponent(Box<str>),
    #[error(
        "invalid version '{0}': unknown suffix '_{1}' (expected _alpha, _beta, _pre, _rc or _p)"
    )]
    UnknownSuffix(Box<str>, Box<str>),
    #[error("invalid version '{0}': '-r' must be followed by digits")]
    EmptyRevision(Box<str>),
    #[error("invalid version '{0}': unexpected '{1}' at byte {2}")]
    Unexpected(Box<str>, char, usize),
    #[error("invalid version: longer than 4 GiB")]
    TooLong,
}

/// Why a `CATEGORY/PN-VERSION` string could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpvError {
    #[error("invalid cpv '{0}': missing '/' between category and package")]
    MissingSlash(Box<str>),
    #[error("invalid cpv '{0}': invalid category name")]
    BadCategory(Box<str>),
    #[error("invalid cpv '{0}': no '-VERSION' after a valid package name")]
    NoVersion(Box<str>),
    #[error("invalid cpv '{0}': the package name itself ends in a version")]
    PnEndsInVersion(Box<str>),
}

// ---------------------------------------------------------------------------
// Grammar

/// Suffix kinds as nibbles, in comparison order. `SUF_END` ends the suffix
/// list and sits between `_rc` and `_p`: a longer suffix list whose first
/// extra suffix is `_p` sorts after, any other one before.
const SUF_ALPHA: u8 = 1;
const SUF_BETA: u8 = 2;
const SUF_PRE: u8 = 3;
const SUF_RC: u8 = 4;
const SUF_END: u8 = 5;
const SUF_P: u8 = 6;

/// Markers after a numeric component: end of the numeric part without / with
/// a letter, or another component starting with `0` / with `1`..`9`. More
/// components beat any letter or suffix, hence the two largest values.
const NUM_END: u8 = 1;
const NUM_END_LETTER: u8 = 2;
const COMP_ZERO: u8 = 14;
const COMP_INT: u8 = 15;

fn digit_run(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Recognises `alpha|beta|pre|rc|p` at the start of `b`.
fn suffix_kind(b: &[u8]) -> Option<(u8, usize)> {
    const KINDS: [(&[u8], u8); 5] = [
        (b"alpha", SUF_ALPHA),
        (b"beta", SUF_BETA),
        (b"pre", SUF_PRE),
        (b"rc", SUF_RC),
        (b"p", SUF_P),
    ];
    KINDS
        .iter()
        .find(|(name, _)| b.starts_with(name))
        .map(|&(name, kind)| (kind, name.len()))
}

/// Where and how a version text breaks the grammar; positions only, so that
/// [`is_vr`] (called once per `-` of a package name) never copies the text.
enum Bad {
    Empty,
    TooLong,
    NoLeadingDigit,
    EmptyComponent,
    /// Byte index of the `_` before the unknown suffix.
    UnknownSuffix(usize),
    EmptyRevision,
    /// Byte index of the unexpected character.
    Unexpected(usize),
}

/// Checks the full grammar
/// `\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|p)\d*)*(-r\d+)?`, stopping at
/// the first byte that breaks it.
fn scan(b: &[u8]) -> Result<(), Bad> {
    if b.is_empty() {
        return Err(Bad::Empty);
    }
    if u32::try_from(b.len()).is_err() {
        return Err(Bad::TooLong);
    }
    if !b[0].is_ascii_digit() {
        return Err(Bad::NoLeadingDigit);
    }
    let mut i = digit_run(b, 0);
    while i < b.len() && b[i] == b'.' {
        let j = digit_run(b, i + 1);
        if j == i + 1 {
            return Err(Bad::EmptyComponent);
        }
        i = j;
    }
    if i < b.len() && b[i].is_ascii_lowercase() {
        i += 1;
    }
    while i < b.len() && b[i] == b'_' {
        match suffix_kind(&b[i + 1..]) {
            Some((_, len)) => i = digit_run(b, i + 1 + len),
            None => return Err(Bad::UnknownSuffix(i)),
        }
    }
    if b[i..].starts_with(b"-r") {
        let j = digit_run(b, i + 2);
        if j == i + 2 {
            return Err(Bad::EmptyRevision);
        }
        i = j;
    }
    if i < b.len() {
        return Err(Bad::Unexpected(i));
    }
    Ok(())
}

/// [`scan`] with an error that quotes the text.
fn validate(s: &str) -> Result<(), VersionError> {
    let text = || Box::<str>::from(s);
    scan(s.as_bytes()).map_err(|bad| match bad {
        Bad::Empty => VersionError::Empty,
        Bad::TooLong => VersionError::TooLong,
        Bad::NoLeadingDigit => VersionError::NoLeadingDigit(text()),
        Bad::EmptyComponent => VersionError::EmptyComponent(text()),
        Bad::UnknownSuffix(i) => {
            let b = s.as_bytes();
            let end = b[i + 1..]
                .iter()
                .position(|c| !c.is_ascii_alphanumeric())
                .map_or(b.len(), |p| i + 1 + p);
            VersionError::UnknownSuffix(text(), Box::from(&s[i + 1..end]))
        }
        Bad::EmptyRevision => VersionError::EmptyRevision(text()),
        Bad::Unexpected(i) => {
            let c = s[i..].chars().next().unwrap_or('?');
            VersionError::Unexpected(text(), c, i)
        }
    })
}

/// Whether `s` is a complete version, revision allowed (portage `_vr`).
fn is_vr(s: &str) -> bool {
    !s.is_empty() && s.as_bytes()[0].is_ascii_digit() && scan(s.as_bytes()).is_ok()
}

// ---------------------------------------------------------------------------
// The order-preserving nibble stream

#[derive(Copy, Clone, PartialEq, Eq)]
enum Stage {
    First,
    Components,
    Suffixes,
    Revision,
    Done,
}

/// The comparison stream of a *valid* version text, one nibble (0..=15) per
/// item. Encoding (lexicographic order of streams = PMS order):
///
/// * an unsigned integer (digits with leading zeros stripped, length `L`) is
///   `len(L)` followed by its digits, where `len(L)` is the nibble `L` for
///   `L < 15`, else `15`, the count `k` of hex digits of `L - 15`, and
///   those `k` hex digits (so longer numbers sort after shorter ones);
/// * the first component: an integer;
/// * each further component: `COMP_INT` + integer when it does not start
///   with `0`, else `COMP_ZERO` + the digits after the leading `0` of the
///   component with trailing zeros stripped, each as `digit + 1`, then `0`
///   (a terminator below every digit, so the bytewise rule holds);
/// * `NUM_END`, or `NUM_END_LETTER` and the letter as two nibbles;
/// * each suffix: its kind nibble + integer (missing number = 0); then
///   `SUF_END`;
/// * the revision: an integer (missing = 0).
///
/// Every item is self-delimiting, so the code is prefix-free: no stream is a
/// proper prefix of another.
struct Nibbles<'a> {
    s: &'a [u8],
    pos: usize,
    stage: Stage,
    stop_before_revision: bool,
    head: [u8; 24],
    head_len: u8,
    head_pos: u8,
    digits: &'a [u8],
    digits_pos: usize,
    digit_bias: u8,
    terminator: bool,
}

impl<'a> Nibbles<'a> {
    fn new(text: &'a str, stop_before_revision: bool) -> Nibbles<'a> {
        Nibbles {
            s: text.as_bytes(),
            pos: 0,
            stage: Stage::First,
            stop_before_revision,
            head: [0; 24],
            head_len: 0,
            head_pos: 0,
            digits: &[],
            digits_pos: 0,
            digit_bias: 0,
            terminator: false,
        }
    }

    fn push(&mut self, n: u8) {
        if let Some(slot) = self.head.get_mut(usize::from(self.head_len)) {
            *slot = n;
            self.head_len += 1;
        }
    }

    /// Queues an unsigned integer given as a digit string.
    fn push_uint(&mut self, digits: &'a [u8]) {
        let start = digits
            .iter()
            .position(|&d| d != b'0')
            .unwrap_or(digits.len());
        let t = &digits[start..];
        let len = t.len() as u64;
        if len < 15 {
            self.push(len as u8);
        } else {
            let v = len - 15;
            let k = (64 - v.leading_zeros()).div_ceil(4).max(1);
            self.push(15);
            self.push(k as u8);
            for i in (0..k).rev() {
                self.push(((v >> (4 * i)) & 0xF) as u8);
            }
        }
        self.set_digits(t, 0, false);
    }

    fn set_digits(&mut self, digits: &'a [u8], bias: u8, terminator: bool) {
        self.digits = digits;
        self.digits_pos = 0;
        self.digit_bias = bias;
        self.terminator = terminator;
    }

    /// Reads the next item of the text and queues its nibbles. Returns false
    /// at the end of the stream.
    fn refill(&mut self) -> bool {
        self.head_len = 0;
        self.head_pos = 0;
        let b = self.s;
        match self.stage {
            Stage::First => {
                let end = digit_run(b, 0);
                self.pos = end;
                self.stage = Stage::Components;
                self.push_uint(&b[..end]);
            }
            Stage::Components => {
                if self.pos < b.len() && b[self.pos] == b'.' {
                    let start = self.pos + 1;
                    let end = digit_run(b, start);
                    self.pos = end;
                    let comp = &b[start..end];
                    if comp.first() == Some(&b'0') {
                        let trimmed_len =
                            comp.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
                        self.push(COMP_ZERO);
                        let body = if trimmed_len == 0 {
                            &comp[..0]
                        } else {
                            &comp[1..trimmed_len]
                        };
                        self.set_digits(body, 1, true);
                    } else {
                        self.push(COMP_INT);
                        self.push_uint(comp);
                    }
                } else {
                    self.stage = Stage::Suffixes;
                    match b.get(self.pos) {
                        Some(&c) if c.is_ascii_lowercase() => {
                            self.pos += 1;
                            let v = c - b'a';
                            self.push(NUM_END_LETTER);
                            self.push(v >> 4);
                            self.push(v & 0xF);
                        }
                        _ => self.push(NUM_END),
                    }
                    self.set_digits(&[], 0, false);
                }
            }
            Stage::Suffixes => {
                if self.pos < b.len() && b[self.pos] == b'_' {
                    let (kind, len) = suffix_kind(&b[self.pos + 1..]).unwrap_or((SUF_P, 1));
                    let start = self.pos + 1 + len;
                    let end = digit_run(b, start);
                    self.pos = end;
                    self.push(kind);
                    self.push_uint(&b[start..end]);
                } else {
                    self.stage = Stage::Revision;
                    self.push(SUF_END);
                    self.set_digits(&[], 0, false);
                }
            }
            Stage::Revision => {
                self.stage = Stage::Done;
                if self.stop_before_revision {
                    return false;
                }
                if b[self.pos..].starts_with(b"-r") {
                    let end = digit_run(b, self.pos + 2);
                    let start = self.pos + 2;
                    self.pos = end;
                    self.push_uint(&b[start..end]);
                } else {
                    self.push_uint(&[]);
                }
            }
            Stage::Done => return false,
        }
        true
    }
}

impl Iterator for Nibbles<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        loop {
            if self.head_pos < self.head_len {
                let n = self.head[usize::from(self.head_pos)];
                self.head_pos += 1;
                return Some(n);
            }
            if let Some(&d) = self.digits.get(self.digits_pos) {
                self.digits_pos += 1;
                return Some(d.wrapping_sub(b'0').wrapping_add(self.digit_bias) & 0xF);
            }
            if self.terminator {
                self.terminator = false;
                return Some(0);
            }
            if !self.refill() {
                return None;
            }
        }
    }
}

const KEY_NIBBLES: u32 = 15;
const EXACT: u64 = 1;

fn compute_key(text: &str) -> u64 {
    let mut it = Nibbles::new(text, false);
    let mut key = 0u64;
    for i in 0..KEY_NIBBLES {
        let n = it.next().unwrap_or(0);
        key |= u64::from(n) << (4 * (15 - i));
    }
    if it.next().is_none() {
        key |= EXACT;
    }
    key
}

// ---------------------------------------------------------------------------
// Version

impl Version {
    /// Parses a version with optional revision (`1.0`, `1.0_rc1-r2`).
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        validate(s)?;
        Ok(Version {
            key: compute_key(s),
            text: Arc::new(Box::from(s)),
        })
    }

    /// The text as written (`1.00-r0` stays `1.00-r0`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The version without its `-rN` part (portage's `PV`), as written.
    pub fn without_revision(&self) -> &str {
        let t: &str = &self.text;
        match t.rfind('-') {
            Some(i) => &t[..i],
            None => t,
        }
    }

    /// The revision digits as written (`"01"` for `1-r01`), `"0"` when the
    /// version has no `-rN`.
    pub fn revision(&self) -> &str {
        let t: &str = &self.text;
        match t.rfind('-') {
            Some(i) => &t[i + 2..],
            None => "0",
        }
    }

    /// Whether a `-rN` part was written (even `-r0`).
    pub fn has_revision(&self) -> bool {
        self.text.contains('-')
    }

    /// The revision as an integer, `None` if it does not fit in a `u64`.
    pub fn revision_u64(&self) -> Option<u64> {
        let r = self.revision().trim_start_matches('0');
        if r.is_empty() {
            Some(0)
        } else {
            r.parse().ok()
        }
    }

    /// Compares the versions as if neither had a revision (PMS `~`).
    pub fn cmp_ignoring_revision(&self, other: &Version) -> Ordering {
        Nibbles::new(self.without_revision(), true)
            .cmp(Nibbles::new(other.without_revision(), true))
    }

    fn is_exact(&self) -> bool {
        self.key & EXACT != 0
    }

    fn cmp_slow(&self, other: &Version) -> Ordering {
        if Arc::ptr_eq(&self.text, &other.text) || self.text == other.text {
            return Ordering::Equal;
        }
        Nibbles::new(&self.text, false).cmp(Nibbles::new(&other.text, false))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        if self.key != other.key {
            return self.key.cmp(&other.key);
        }
        if self.is_exact() {
            return Ordering::Equal;
        }
        self.cmp_slow(other)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.key == other.key && (self.is_exact() || self.cmp_slow(other) == Ordering::Equal)
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal versions have equal streams, hence equal keys and the same
        // exactness; only long streams feed their tail.
        state.write_u64(self.key);
        if !self.is_exact() {
            let mut acc = 0u64;
            let mut n = 0;
            for nib in Nibbles::new(&self.text, false).skip(KEY_NIBBLES as usize) {
                acc = (acc << 4) | u64::from(nib);
                n += 1;
                if n == 16 {
                    state.write_u64(acc);
                    acc = 0;
                    n = 0;
                }
            }
            state.write_u64(acc);
            state.write_u8(n);
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:?})", &**self.text)
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Version, VersionError> {
        Version::parse(s)
    }
}

// ---------------------------------------------------------------------------
// PF / CPV splitting

/// Why `PN-VERSION` could not be split.
enum PfSplitError {
    NoVersion,
    PnEndsInVersion,
}

fn is_pn_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-')
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Portage's `_pv` rule: the shortest PN (`[\w][\w+-]*`) such that the rest
/// is `-VERSION[-rN]`; refused when, at that PN, the rest can also be read
/// as `-VERSION[-rN]-VERSION[-rN]` (the PN would end in a version). Returns
/// the length of PN.
fn split_pn(pf: &str) -> Result<usize, PfSplitError> {
    let b = pf.as_bytes();
    if b.is_empty() || !is_name_start(b[0]) {
        return Err(PfSplitError::NoVersion);
    }
    for i in 1..b.len() {
        if !is_pn_char(b[i]) {
            break;
        }
        if b[i] != b'-' {
            continue;
        }
        let rest = &pf[i + 1..];
        // A version with revision contains at most one '-', so only the
        // first two dashes of `rest` can end a leading version.
        for (j, _) in rest.match_indices('-').take(2) {
            if is_vr(&rest[..j]) && is_vr(&rest[j + 1..]) {
                return Err(PfSplitError::PnEndsInVersion);
            }
        }
        if is_vr(rest) {
            return Ok(i);
        }
    }
    Err(PfSplitError::NoVersion)
}

/// Splits `PF` (`PN-VERSION[-rN]`, e.g. an md5-cache file name) into PN and
/// version the way portage does (`_pkgsplit`): the shortest PN such that the
/// rest is a version, refusing a PN that itself ends in `-VERSION`.
/// `python-exec-conf-2.4.6` gives `python-exec-conf` and `2.4.6`.
pub fn split_pf(pf: &str) -> Option<(&str, Version)> {
    let n = split_pn(pf).ok()?;
    let v = Version::parse(&pf[n + 1..]).ok()?;
    Some((&pf[..n], v))
}

/// Splits `CATEGORY/PN-VERSION[-rN]` into the interned `CATEGORY/PN` and the
/// version.
pub fn split_cpv(cpv: &str) -> Result<(Sym, Version), CpvError> {
    let Some(slash) = cpv.find('/') else {
        return Err(CpvError::MissingSlash(cpv.into()));
    };
    if !valid_category(&cpv[..slash]) {
        return Err(CpvError::BadCategory(cpv.into()));
    }
    let pf = &cpv[slash + 1..];
    let n = split_pn(pf).map_err(|e| match e {
        PfSplitError::NoVersion => CpvError::NoVersion(cpv.into()),
        PfSplitError::PnEndsInVersion => CpvError::PnEndsInVersion(cpv.into()),
    })?;
    let version = Version::parse(&pf[n + 1..]).map_err(|_| CpvError::NoVersion(cpv.into()))?;
    Ok((Sym::new(&cpv[..slash + 1 + n]), version))
}

/// Where `split_pn` failed, for atom error messages.
pub(crate) enum PnSplit {
    Ok(usize),
    NoVersion,
    PnEndsInVersion,
}

pub(crate) fn split_pn_for_atom(pf: &str) -> PnSplit {
    match split_pn(pf) {
        Ok(n) => PnSplit::Ok(n),
        Err(PfSplitError::NoVersion) => PnSplit::NoVersion,
        Err(PfSplitError::PnEndsInVersion) => PnSplit::PnEndsInVersion,
    }
}

// ---------------------------------------------------------------------------
// Names (PMS §3.1, as portage checks them)

/// A category name: `[A-Za-z0-9_][A-Za-z0-9+_.-]*` (PMS §3.1.1).
pub fn valid_category(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_name_start(b[0])
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'_' | b'.' | b'-'))
}

/// A package name: `[A-Za-z0-9_][A-Za-z0-9+_-]*` that does not end in
/// `-VERSION[-rN]` (PMS §3.1.2): `p-1` and `p-1a` are not package names,
/// `p-r1`, `a-3D` and `python-exec-conf` are.
pub fn valid_package_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_name_start(b[0])
        && b[1..].iter().all(|&c| is_pn_char(c))
        && !ends_in_version(s)
}

/// Whether some `-` splits `s` into a name and a version with optional
/// revision (the package name part is assumed to be made of valid
/// characters).
pub(crate) fn ends_in_version(s: &str) -> bool {
    s.match_indices('-')
        .any(|(i, _)| i > 0 && is_vr(&s[i + 1..]))
}

/// A slot or sub-slot name: `[A-Za-z0-9_][A-Za-z0-9+_.-]*` (PMS §3.1.3).
pub fn valid_slot(s: &str) -> bool {
    valid_category(s)
}

/// A USE flag name: `[A-Za-z0-9][A-Za-z0-9+_@-]*` (PMS §3.1.4).
pub fn valid_use_flag(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'_' | b'@' | b'-'))
}

/// A repository name as portage's atom parser accepts it: `[A-Za-z0-9_][A-Za-z0-9_-]*`
/// (PMS §3.1.5 also wants it to be a valid package name, i.e. not to end in
/// `-VERSION`; portage does not check that when parsing `::repo`).
pub fn valid_repo_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_name_start(b[0])
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
}

/// A KEYWORDS token (PMS §3.1.8): a keyword name
/// `[A-Za-z0-9_][A-Za-z0-9_-]*`, optionally prefixed by `~` (testing) or `-`
/// (known broken), or the special `-*`.
pub fn valid_keyword(s: &str) -> bool {
    if s == "-*" {
        return true;
    }
    let name = s.strip_prefix(['~', '-']).unwrap_or(s);
    let b = name.as_bytes();
    !b.is_empty()
        && is_name_start(b[0])
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn stream(s: &str) -> Vec<u8> {
        Nibbles::new(s, false).collect()
    }

    /// What pubgrub 0.4 needs of a version type.
    #[test]
    fn usable_as_pubgrub_version() {
        fn check<T: Clone + Ord + Eq + Hash + fmt::Debug + fmt::Display + Send + Sync + 'static>() {
        }
        check::<Version>();
    }

    #[test]
    fn layout_is_two_words() {
        assert_eq!(std::mem::size_of::<Version>(), 16);
        assert_eq!(std::mem::size_of::<Option<Version>>(), 16);
    }

    #[test]
    fn spec_table_2_3() {
        use Ordering::*;
        let cases = [
            ("1.0", "1.00", Equal),
            ("1.010", "1.01", Equal),
            ("0.060", "0.06", Equal),
            ("1.01", "1.1", Less),
            ("1.05", "1.5", Less),
            ("1.10", "1.1", Greater),
            ("01", "1", Equal),
            ("1.0.0", "1.0", Greater),
            ("1.1", "1.0.9", Greater),
            ("1.2b", "1.2.5", Less),
            ("1.2b", "1.2", Greater),
            ("12.2.5", "12.2b", Greater),
            ("1.0_p1", "1.0a", Less),
            ("1_alpha", "1_beta", Less),
            ("1_rc", "1", Less),
            ("1_p", "1", Greater),
            ("1_p0", "1_p", Equal),
            ("1_beta10", "1_beta9", Greater),
            ("1.0_rc1-r1", "1.0_rc1", Greater),
            ("1-r0", "1", Equal),
            ("1-r01", "1-r1", Equal),
            ("1_pre1_p2", "1_pre1", Greater),
            ("1_alpha_alpha", "1_alpha", Less),
            ("2.0.0", "2", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(v(a).cmp(&v(b)), want, "{a} vs {b}");
            assert_eq!(v(b).cmp(&v(a)), want.reverse(), "{b} vs {a}");
            assert_eq!(v(a) == v(b), want == Equal, "{a} == {b}");
        }
    }

    #[test]
    fn long_versions_fall_back_to_full_comparison() {
        use Ordering::*;
        let cases = [
            ("15.2.1_p20260522", "15.2.1_p20260523", Less),
            ("15.2.1_p20260522", "15.2.1_p20260522-r1", Less),
            ("15.2.1_p020260522", "15.2.1_p20260522", Equal),
            ("1.2.3.4.5.6.7.8.9", "1.2.3.4.5.6.7.8.9.0", Less),
            ("1.2.3.4.5.6.7.8.9.00", "1.2.3.4.5.6.7.8.9.0", Equal),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567891",
                Less,
            ),
            ("0000000000000000000000001", "1", Equal),
            (
                "1.0000000000000000000000001",
                "1.00000000000000000000000010",
                Equal,
            ),
            (
                "1.0000000000000000000000001",
                "1.0000000000000000000000002",
                Less,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(v(a).cmp(&v(b)), want, "{a} vs {b}");
            assert_eq!(v(b).cmp(&v(a)), want.reverse(), "{b} vs {a}");
            assert_eq!(v(a) == v(b), want == Equal);
        }
    }

    #[test]
    fn common_versions_fit_the_key() {
        for s in [
            "1.2.3",
            "2.46.9999",
            "20260807",
            "3.15.0_beta4-r1",
            "1.74.1-r102",
            "1.8.2.1",
            "0-r7",
            "99999999",
        ] {
            assert!(v(s).is_exact(), "{s}: {:?}", stream(s));
        }
    }

    #[test]
    fn streams_are_prefix_free_and_equal_for_equal_versions() {
        assert_eq!(stream("1.0"), stream("1.00"));
        assert_eq!(stream("1.0-r0"), stream("1.00"));
        let all = [
            "1", "1.0", "1.0a", "1_p", "1_p1", "1-r1", "1.01", "1.1", "1_alpha",
        ];
        for a in all {
            for b in all {
                let (sa, sb) = (stream(a), stream(b));
                if sa != sb {
                    assert!(!sb.starts_with(&sa), "{a} is a prefix of {b}");
                }
            }
        }
    }

    #[test]
    fn hash_agrees_with_eq() {
        use std::collections::hash_map::DefaultHasher;
        let h = |x: &Version| {
            let mut s = DefaultHasher::new();
            x.hash(&mut s);
            s.finish()
        };
        for (a, b) in [
            ("1.0", "1.00"),
            ("1-r0", "1"),
            ("15.2.1_p020260522", "15.2.1_p20260522-r0"),
            ("1.2.3.4.5.6.7.8.9.00", "1.2.3.4.5.6.7.8.9.0"),
        ] {
            assert_eq!(v(a), v(b));
            assert_eq!(h(&v(a)), h(&v(b)), "{a} / {b}");
        }
    }

    #[test]
    fn keeps_text() {
        let x = v("1.00-r01");
        assert_eq!(x.to_string(), "1.00-r01");
        assert_eq!(x.without_revision(), "1.00");
        assert_eq!(x.revision(), "01");
        assert_eq!(x.revision_u64(), Some(1));
        assert!(x.has_revision());
        let y = v("2_p3");
        assert_eq!(y.without_revision(), "2_p3");
        assert_eq!(y.revision(), "0");
        assert!(!y.has_revision());
        assert_eq!(format!("{y:?}"), "Version(\"2_p3\")");
        assert_eq!(
            v("1.0-r5").cmp_ignoring_revision(&v("1.00-r1")),
            Ordering::Equal
        );
        assert_eq!(
            v("1.0_p1-r5").cmp_ignoring_revision(&v("1.0-r9")),
            Ordering::Greater
        );
    }

    #[test]
    fn invalid_versions() {
        for s in [
            "", "1.", ".1", "1..2", "1_foo", "1-r", "1.0-rc1", "1a2", "1_p-1", "a1", "1A",
            "1-r1-r2", "1 ", "1.0\n", "1_", "1-1", "١",
        ] {
            assert!(Version::parse(s).is_err(), "{s:?} should be invalid");
        }
        assert_eq!(
            Version::parse("1_foo").unwrap_err().to_string(),
            "invalid version '1_foo': unknown suffix '_foo' (expected _alpha, _beta, _pre, _rc or _p)"
        );
        assert_eq!(
            Version::parse("1.").unwrap_err().to_string(),
            "invalid version '1.': '.' must be followed by digits"
        );
        for s in ["1_pre", "1_pre1_p", "1_rc_rc", "1b_p2-r3", "0", "00.00"] {
            assert!(Version::parse(s).is_ok(), "{s:?} should be valid");
        }
    }

    #[test]
    fn pf_split_follows_portage() {
        let (pn, ver) = split_pf("python-exec-conf-2.4.6").unwrap();
        assert_eq!((pn, ver.as_str()), ("python-exec-conf", "2.4.6"));
        let (pn, ver) = split_pf("foo-1-r2").unwrap();
        assert_eq!((pn, ver.as_str()), ("foo", "1-r2"));
        let (pn, ver) = split_pf("foo-bar-r1-1").unwrap();
        assert_eq!((pn, ver.as_str()), ("foo-bar-r1", "1"));
        assert!(split_pf("foo-1-2").is_none(), "PN would end in a version");
        assert!(split_pf("foo-1.0-2.0-r1").is_none());
        assert!(split_pf("foo").is_none());
        assert!(split_pf("foo-").is_none());
        assert!(split_pf("-1").is_none());
        let (cp, ver) = split_cpv("dev-lang/python-3.15.0_beta4").unwrap();
        assert_eq!(
            (cp.as_str(), ver.as_str()),
            ("dev-lang/python", "3.15.0_beta4")
        );
        assert!(matches!(
            split_cpv("python-3"),
            Err(CpvError::MissingSlash(_))
        ));
        assert!(matches!(split_cpv(".a/b-1"), Err(CpvError::BadCategory(_))));
        assert!(matches!(
            split_cpv("a/b-1-2"),
            Err(CpvError::PnEndsInVersion(_))
        ));
        assert!(matches!(split_cpv("a/b"), Err(CpvError::NoVersion(_))));
    }

    /// PMS Algorithms 3.1–3.7 written out directly, as a reference for the
    /// nibble encoding.
    fn reference_cmp(a: &str, b: &str) -> Ordering {
        fn uint(a: &str, b: &str) -> Ordering {
            let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        struct P<'a> {
            nums: Vec<&'a str>,
            letter: Option<char>,
            sufs: Vec<(u8, &'a str)>,
            rev: &'a str,
        }
        fn split(s: &str) -> P<'_> {
            let (pv, rev) = match s.rfind("-r") {
                Some(i) => (&s[..i], &s[i + 2..]),
                None => (s, ""),
            };
            let mut parts = pv.split('_');
            let head = parts.next().unwrap();
            let (head, letter) = match head.chars().last() {
                Some(c) if c.is_ascii_lowercase() => (&head[..head.len() - 1], Some(c)),
                _ => (head, None),
            };
            let sufs = parts
                .map(|p| {
                    let (k, len) = suffix_kind(p.as_bytes()).unwrap();
                    (k, &p[len..])
                })
                .collect();
            P {
                nums: head.split('.').collect(),
                letter,
                sufs,
                rev,
            }
        }
        let (x, y) = (split(a), split(b));
        let o = uint(x.nums[0], y.nums[0]);
        if o != Ordering::Equal {
            return o;
        }
        for i in 1..x.nums.len().min(y.nums.len()) {
            let (p, q) = (x.nums[i], y.nums[i]);
            let o = if p.starts_with('0') || q.starts_with('0') {
                p.trim_end_matches('0').cmp(q.trim_end_matches('0'))
            } else {
                uint(p, q)
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        let o = x
            .nums
            .len()
            .cmp(&y.nums.len())
            .then(x.letter.cmp(&y.letter));
        if o != Ordering::Equal {
            return o;
        }
        for i in 0..x.sufs.len().max(y.sufs.len()) {
            let o = match (x.sufs.get(i), y.sufs.get(i)) {
                (Some(p), Some(q)) => p.0.cmp(&q.0).then_with(|| uint(p.1, q.1)),
                (Some(p), None) => {
                    if p.0 == SUF_P {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (None, Some(q)) => {
                    if q.0 == SUF_P {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (None, None) => Ordering::Equal,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        uint(x.rev, y.rev)
    }

    #[test]
    fn encoding_agrees_with_reference_on_random_versions() {
        use std::collections::hash_map::DefaultHasher;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let digits = |next: &mut dyn FnMut(u64) -> u64| {
            let len = match next(10) {
                0 => 14 + next(20),
                1..=3 => 2 + next(3),
                _ => 1,
            };
            (0..len)
                .map(|_| char::from(b"0012345678990"[next(13) as usize]))
                .collect::<String>()
        };
        let mut gen = || {
            let mut s = digits(&mut next);
            for _ in 0..next(6) {
                s.push('.');
                s += &digits(&mut next);
            }
            if next(4) == 0 {
                s.push(char::from(b"abz"[next(3) as usize]));
            }
            for _ in 0..next(3) {
                s += ["_alpha", "_beta", "_pre", "_rc", "_p"][next(5) as usize];
                if next(2) == 0 {
                    s += &digits(&mut next);
                }
            }
            if next(3) == 0 {
                s += "-r";
                s += &digits(&mut next);
            }
            s
        };
        let pool: Vec<String> = (0..600).map(|_| gen()).collect();
        let hash = |v: &Version| {
            let mut h = DefaultHasher::new();
            v.hash(&mut h);
            h.finish()
        };
        let parsed: Vec<Version> = pool.iter().map(|s| v(s)).collect();
        let mut exact = 0;
        for (i, a) in parsed.iter().enumerate() {
            exact += usize::from(a.is_exact());
            for (j, b) in parsed.iter().enumerate() {
                let want = reference_cmp(&pool[i], &pool[j]);
                assert_eq!(a.cmp(b), want, "{} vs {}", pool[i], pool[j]);
                assert_eq!(a == b, want == Ordering::Equal);
                if want == Ordering::Equal {
                    assert_eq!(hash(a), hash(b), "{} / {}", pool[i], pool[j]);
                }
            }
        }
        assert!(
            exact > 50 && exact < 550,
            "{exact} exact keys: the pool should mix both paths"
        );
    }

    #[test]
    fn names() {
        assert!(valid_category("dev-libs") && valid_category("_x") && valid_category("a.b+c"));
        assert!(!valid_category("") && !valid_category("-a") && !valid_category(".a"));
        assert!(!valid_category("+a") && !valid_category("a/b"));
        assert!(valid_package_name("p-r1") && valid_package_name("a-3D"));
        assert!(valid_package_name("python-exec-conf") && valid_package_name("gtk+"));
        assert!(!valid_package_name("p-1") && !valid_package_name("p-1a"));
        assert!(!valid_package_name("p-1-r1") && !valid_package_name("+p"));
        assert!(!valid_package_name("p.q") && !valid_package_name("-p"));
        assert!(valid_slot("3.13t") && valid_slot("0") && !valid_slot("+bar"));
        assert!(!valid_slot("0/1") && !valid_slot(""));
        assert!(valid_use_flag("python_targets_python3_12") && valid_use_flag("x+y"));
        assert!(valid_use_flag("a@b") && !valid_use_flag("_a") && !valid_use_flag("+x"));
        assert!(valid_repo_name("gentoo") && valid_repo_name("_x-y"));
        assert!(!valid_repo_name("-x") && !valid_repo_name("a.b") && !valid_repo_name(""));
        assert!(valid_keyword("amd64") && valid_keyword("~arm64") && valid_keyword("-x86"));
        assert!(valid_keyword("-*") && valid_keyword("amd64-linux"));
        assert!(!valid_keyword("~") && !valid_keyword("*") && !valid_keyword("~-x"));
    }

    /// Found by stress-testing the fuzz targets' parsers with huge lines:
    /// `split_pn` tries every `-` of a name and each failed try copied the
    /// whole rest into an error message, so a 1 MiB name with 200 000 dashes
    /// took minutes (quadratic). Trying a dash must cost only what it reads.
    #[test]
    fn many_dashes_split_in_linear_time() {
        let pf = "a-1a-".repeat(200_000) + "1";
        assert!(split_pf(&pf).is_none());
        assert!(!valid_package_name(&pf[..pf.len() - 2]));
        let cpv = format!("c/{pf}");
        assert!(split_cpv(&cpv).is_err());
        let dashes = "a-".repeat(500_000);
        assert!(split_pf(&dashes).is_none());
        assert!(valid_package_name(&dashes[..dashes.len() - 1]));
    }

    #[test]
    fn version_errors_still_quote_the_text() {
        let e = Version::parse("1_foo2").unwrap_err();
        assert_eq!(
            e,
            VersionError::UnknownSuffix("1_foo2".into(), "foo2".into())
        );
        let e = Version::parse("1.2-x").unwrap_err();
        assert_eq!(e, VersionError::Unexpected("1.2-x".into(), '-', 3));
        assert_eq!(
            Version::parse("1.").unwrap_err(),
            VersionError::EmptyComponent("1.".into())
        );
        assert_eq!(
            Version::parse("1-r").unwrap_err(),
            VersionError::EmptyRevision("1-r".into())
        );
        assert_eq!(
            Version::parse("a").unwrap_err(),
            VersionError::NoLeadingDigit("a".into())
        );
    }
}
