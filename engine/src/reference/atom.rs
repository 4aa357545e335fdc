//! Package atoms as profiles and dependencies write them, parsed into plain
//! strings, and matched against one package version the way Portage's
//! `match_from_list` does; plus `best_match_to_list` /
//! `ordered_by_atom_specificity` for package.use-style files.
//!
//! Validation is deliberately light: the reference reads files the fast
//! path already accepted, so it needs the meaning of an atom, not every
//! reason to refuse one.

use std::cmp::Ordering;

use super::version::{compare, split_pf, Version};

/// One atom: `[!|!!][op]cat/pkg[-ver][*][:slot[/sub][*|=]][::repo][[use]]`.
#[derive(Clone, Debug)]
pub struct Atom {
    pub text: String,
    pub blocker: usize,
    /// `<`, `<=`, `=`, `~`, `>=`, `>`, `=*` (glob) or "" when unversioned.
    pub op: String,
    pub cp: String,
    pub version: Option<Version>,
    pub slot: Option<String>,
    pub subslot: Option<String>,
    pub repo: Option<String>,
    /// The USE dependencies as written, one per comma.
    pub use_deps: Vec<String>,
}

/// The package version an atom is matched against.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    pub cp: &'a str,
    pub version: &'a Version,
    pub slot: &'a str,
    pub subslot: &'a str,
    pub repo: &'a str,
}

impl Atom {
    pub fn parse(text: &str) -> Option<Atom> {
        let mut rest = text;
        let mut blocker = 0;
        while blocker < 2 {
            match rest.strip_prefix('!') {
                Some(r) => {
                    rest = r;
                    blocker += 1;
                }
                None => break,
            }
        }
        let mut use_deps = Vec::new();
        if let Some(open) = rest.find('[') {
            let inner = rest[open + 1..].strip_suffix(']')?;
            use_deps = inner.split(',').map(str::to_owned).collect();
            rest = &rest[..open];
        }
        let mut repo = None;
        if let Some(i) = rest.find("::") {
            repo = Some(rest[i + 2..].to_owned());
            rest = &rest[..i];
        }
        let (mut slot, mut subslot) = (None, None);
        if let Some(i) = rest.find(':') {
            let s = rest[i + 1..].trim_end_matches(['*', '=']);
            let (a, b) = match s.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (s, None),
            };
            if !a.is_empty() {
                slot = Some(a.to_owned());
                subslot = b.map(str::to_owned);
            }
            rest = &rest[..i];
        }
        let op = ["<=", ">=", "<", ">", "=", "~"]
            .into_iter()
            .find(|o| rest.starts_with(o))
            .unwrap_or("");
        rest = &rest[op.len()..];
        let mut op = op.to_owned();
        let (cp, version) = if op.is_empty() {
            (rest.to_owned(), None)
        } else {
            let mut body = rest;
            if op == "=" {
                if let Some(b) = body.strip_suffix('*') {
                    body = b;
                    op = "=*".to_owned();
                }
            }
            let (cat, pf) = body.split_once('/')?;
            let (pn, v) = split_pf(pf)?;
            (format!("{cat}/{pn}"), Some(v))
        };
        if !cp.contains('/') {
            return None;
        }
        Some(Atom {
            text: text.to_owned(),
            blocker,
            op,
            cp,
            version,
            slot,
            subslot,
            repo,
            use_deps,
        })
    }

    /// Portage `match_from_list` for one package (USE deps not consulted:
    /// profiles do not use them to select packages).
    pub fn matches(&self, t: &Target<'_>) -> bool {
        if self.cp != t.cp {
            return false;
        }
        if let Some(v) = &self.version {
            let o = compare(t.version, v);
            let ok = match self.op.as_str() {
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                "=" => o == Ordering::Equal,
                ">=" => o != Ordering::Less,
                ">" => o == Ordering::Greater,
                // Portage compares the versions without revision as strings
                // (`xs[2] != ver` in match_from_list): `~c/p-1_beta` does
                // not match `c/p-1_beta0`.
                "~" => t.version.without_revision() == v.without_revision(),
                "=*" => glob(&self.cp, &v.text, &t.version.text),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        if let Some(s) = &self.slot {
            if s != t.slot {
                return false;
            }
            if let Some(sub) = &self.subslot {
                if sub != t.subslot {
                    return false;
                }
            }
        }
        if let Some(r) = &self.repo {
            if r != t.repo {
                return false;
            }
        }
        true
    }

    /// Portage's `operator_values` in `best_match_to_list`.
    fn op_value(&self) -> i32 {
        match self.op.as_str() {
            "=" => 6,
            "~" => 5,
            "=*" => 4,
            "<" | "<=" | ">" | ">=" => 2,
            _ => 1,
        }
    }
}

/// Portage's `=*` rule, transcribed from `match_from_list`: leading zeros
/// normalised (`"0"` kept before a non-digit), a prefix test on the cpv
/// strings, then a boundary test on the next character.
fn glob(cp: &str, atom_ver: &str, pkg_ver: &str) -> bool {
    fn norm(cp: &str, ver: &str) -> String {
        let mut v = ver.trim_start_matches('0').to_owned();
        if !v.starts_with(|c: char| c.is_ascii_digit()) {
            v = format!("0{v}");
        }
        format!("{cp}-{v}")
    }
    let want = norm(cp, atom_ver);
    let have = norm(cp, pkg_ver);
    if !have.starts_with(&want) {
        return false;
    }
    match have[want.len()..].chars().next() {
        None => true,
        Some('.' | '_' | '-') => true,
        Some(c) => want.ends_with(|d: char| d.is_ascii_digit()) != c.is_ascii_digit(),
    }
}

/// Portage `best_match_to_list` over atoms that all match the package: the
/// index of the most specific one.
pub fn best_match(pkg: &Version, atoms: &[&Atom]) -> Option<usize> {
    let mut max = -99;
    let mut best: Option<usize> = None;
    for (i, x) in atoms.iter().enumerate() {
        if x.slot.is_some() && max < 3 {
            max = 3;
            best = Some(i);
        }
        let v = x.op_value();
        if v > max {
            max = v;
            best = Some(i);
        } else if v == max && v == 2 {
            let b = atoms[best.unwrap_or(i)];
            let (bv, xv) = (
                &b.version.as_ref().unwrap().text,
                &x.version.as_ref().unwrap().text,
            );
            if *bv == pkg.text || bv == xv {
            } else if *xv == pkg.text {
                best = Some(i);
            } else {
                // Sort [best, pkg, x] by version (stable); x wins when the
                // package sits at an end and x in the middle.
                let vs = [
                    b.version.clone().unwrap(),
                    pkg.clone(),
                    x.version.clone().unwrap(),
                ];
                let mut order = [0, 1, 2];
                order.sort_by(|&p, &q| compare(&vs[p], &vs[q]));
                if (order[0] == 1 || order[2] == 1) && order[1] == 2 {
                    best = Some(i);
                }
            }
        }
    }
    best
}

/// Portage `ordered_by_atom_specificity`: repeatedly take the best match
/// out, then reverse, so the most specific entry is applied last.
pub fn by_specificity<T>(pkg: &Version, entries: Vec<(&Atom, T)>) -> Vec<T> {
    let mut remaining = entries;
    let mut out = Vec::new();
    while !remaining.is_empty() {
        let atoms: Vec<&Atom> = remaining.iter().map(|(a, _)| *a).collect();
        let Some(k) = best_match(pkg, &atoms) else {
            break;
        };
        out.push(remaining.remove(k).1);
    }
    out.reverse();
    out
}
