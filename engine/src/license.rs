//! ACCEPT_LICENSE and license groups (spec §12.5, Portage `LicenseManager`).
//!
//! Traps:
//! - ACCEPT_LICENSE is not one of Portage's incremental variables: the last
//!   make.defaults assignment wins, then it is appended to make.globals'
//!   `* -@EULA` and pruned at the last `*` or `-*` (`prune_incremental`).
//!   That is why gentoo's `-* @FREE` shows as `@FREE`.
//! - `@GROUP` tokens expand recursively through `profiles/license_groups` of
//!   every repository (a cycle is reported and cut, not followed).
//! - `*` means "every license this package names", so acceptance is decided
//!   per package, over the licenses its LICENSE string mentions.

use ahash::{HashMap, HashSet};

use crate::intern::Sym;
use crate::source::{Loc, Warning};

/// make.globals' default, which the profile value is appended to.
pub const GLOBAL_ACCEPT_LICENSE: &str = "* -@EULA";

/// License groups from `profiles/license_groups` of all repositories.
#[derive(Clone, Debug, Default)]
pub struct LicenseGroups {
    groups: HashMap<Sym, (Loc, Vec<Sym>)>,
}

impl LicenseGroups {
    /// Adds one `NAME member @GROUP ...` definition; a later definition of
    /// the same group (from another repository) adds members.
    pub fn define(&mut self, loc: Loc, name: &str, members: &[&str]) {
        let entry = self
            .groups
            .entry(Sym::new(name))
            .or_insert_with(|| (loc, Vec::new()));
        entry.1.extend(members.iter().map(|m| Sym::new(m)));
    }

    /// Every license in group `name`, nested groups expanded. Cycles and
    /// unknown groups are reported into `warnings`.
    pub fn expand(&self, name: Sym, warnings: &mut Vec<Warning>) -> Vec<Sym> {
        let mut out = Vec::new();
        let mut seen = HashSet::default();
        let mut done = HashSet::default();
        self.expand_into(
            name,
            &mut out,
            &mut seen,
            &mut done,
            &mut Vec::new(),
            warnings,
        );
        out
    }

    /// `done` holds the groups already expanded in this call: expanding one
    /// again would add no license (all of them are in `seen`), and groups
    /// that share subgroups would otherwise be walked exponentially often.
    fn expand_into(
        &self,
        name: Sym,
        out: &mut Vec<Sym>,
        seen: &mut HashSet<Sym>,
        done: &mut HashSet<Sym>,
        path: &mut Vec<Sym>,
        warnings: &mut Vec<Warning>,
    ) {
        if done.contains(&name) {
            return;
        }
        let Some((loc, members)) = self.groups.get(&name) else {
            warnings.push(Warning {
                loc: Loc::new("license_groups", 0),
                message: format!("undefined license group '@{name}'"),
            });
            return;
        };
        if path.contains(&name) {
            warnings.push(Warning {
                loc: loc.clone(),
                message: format!("license group '@{name}' includes itself"),
            });
            return;
        }
        path.push(name);
        for &m in members {
            match m.as_str().strip_prefix('@') {
                Some(g) => self.expand_into(Sym::new(g), out, seen, done, path, warnings),
                None => {
                    if seen.insert(m) {
                        out.push(m);
                    }
                }
            }
        }
        path.pop();
        done.insert(name);
    }
}

/// The stacked ACCEPT_LICENSE value: `make_defaults` is the last make.defaults
/// assignment (None when no profile sets it), combined as Portage does.
pub fn accept_license_value(make_defaults: Option<&str>) -> Vec<String> {
    lazily_incremental(GLOBAL_ACCEPT_LICENSE, make_defaults)
}

/// ACCEPT_LICENSE, ACCEPT_PROPERTIES and ACCEPT_RESTRICT are "lazily
/// incremental" in Portage: the profile value (last assignment wins) is
/// appended to make.globals' and pruned at the last `*` or `-*`.
pub fn lazily_incremental(global: &str, make_defaults: Option<&str>) -> Vec<String> {
    let mut split: Vec<&str> = global.split_whitespace().collect();
    if let Some(v) = make_defaults {
        split.extend(v.split_whitespace());
    }
    prune_incremental(&split)
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Portage's `prune_incremental`: drops everything before the last `*` (kept)
/// or `-*` (dropped too).
pub fn prune_incremental<'a>(split: &[&'a str]) -> Vec<&'a str> {
    for (i, x) in split.iter().enumerate().rev() {
        if *x == "*" {
            return split[i..].to_vec();
        }
        if *x == "-*" {
            return split[i + 1..].to_vec();
        }
    }
    split.to_vec()
}

/// ACCEPT_LICENSE tokens with `@GROUP`s expanded, compiled so that one
/// license is decided with a lookup: the last explicit token naming it wins
/// unless a later `*` or `-*` overrides it.
#[derive(Clone, Debug, Default)]
pub struct AcceptLicense {
    /// license -> (token index, accepted)
    explicit: HashMap<Sym, (usize, bool)>,
    /// the last `*` (true) or `-*` (false) and its token index
    wildcard: Option<(usize, bool)>,
}

impl AcceptLicense {
    pub fn new(value: &[String], groups: &LicenseGroups, warnings: &mut Vec<Warning>) -> Self {
        let mut acc = AcceptLicense::default();
        let mut i = 0;
        for t in value {
            let (neg, name) = match t.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, t.as_str()),
            };
            if name == "*" {
                acc.wildcard = Some((i, !neg));
                i += 1;
            } else if let Some(g) = name.strip_prefix('@') {
                for lic in groups.expand(Sym::new(g), warnings) {
                    acc.explicit.insert(lic, (i, !neg));
                    i += 1;
                }
            } else {
                acc.explicit.insert(Sym::new(name), (i, !neg));
                i += 1;
            }
        }
        acc
    }

    /// Whether `license`, named by a package's LICENSE, is acceptable
    /// (Portage: `*` stands for every license the package names).
    pub fn accepts(&self, license: Sym) -> bool {
        match (self.explicit.get(&license), self.wildcard) {
            (Some(&(i, on)), Some((w, won))) => {
                if i > w {
                    on
                } else {
                    won
                }
            }
            (Some(&(_, on)), None) => on,
            (None, Some((_, won))) => won,
            (None, None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune() {
        assert_eq!(
            accept_license_value(Some("-* @FREE")),
            ["@FREE"].map(String::from)
        );
        assert_eq!(
            accept_license_value(Some("-* @FREE -* @FREE no-source-code")),
            ["@FREE", "no-source-code"].map(String::from)
        );
        assert_eq!(
            accept_license_value(None),
            ["*", "-@EULA"].map(String::from)
        );
        assert_eq!(
            accept_license_value(Some("foo")),
            ["*", "-@EULA", "foo"].map(String::from)
        );
    }

    /// Found while writing the pipeline fuzz target (stress input, not the
    /// fuzzer): groups that each include the next one twice made `expand`
    /// walk 2^N paths, so 40 license_groups lines never finished.
    #[test]
    fn shared_subgroups_expand_once() {
        let mut g = LicenseGroups::default();
        let loc = Loc::new("license_groups", 1);
        for i in 0..40 {
            let next = format!("@G{}", i + 1);
            g.define(loc.clone(), &format!("G{i}"), &[&next, "MIT", &next]);
        }
        g.define(loc.clone(), "G40", &["BSD", "@G0"]);
        let mut w = Vec::new();
        let got: Vec<_> = g
            .expand(Sym::new("G0"), &mut w)
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(got, ["BSD", "MIT"]);
        assert_eq!(w.len(), 1, "{w:?}");
    }

    #[test]
    fn groups_nest_and_cycles_are_cut() {
        let mut g = LicenseGroups::default();
        let loc = Loc::new("license_groups", 1);
        g.define(loc.clone(), "FREE", &["@FREE-SOFTWARE", "CC0"]);
        g.define(loc.clone(), "FREE-SOFTWARE", &["GPL-2", "MIT", "@FREE"]);
        let mut w = Vec::new();
        let got: Vec<_> = g
            .expand(Sym::new("FREE"), &mut w)
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(got, ["GPL-2", "MIT", "CC0"]);
        assert_eq!(w.len(), 1, "{w:?}");
        let acc = AcceptLicense::new(&accept_license_value(Some("-* @FREE")), &g, &mut w);
        assert!(acc.accepts(Sym::new("MIT")));
        assert!(!acc.accepts(Sym::new("EULA-x")));
        let all = AcceptLicense::new(&["*".into(), "-MIT".into()], &g, &mut w);
        assert!(!all.accepts(Sym::new("MIT")));
        assert!(all.accepts(Sym::new("EULA-x")));
        let late = AcceptLicense::new(&["MIT".into(), "-*".into(), "CC0".into()], &g, &mut w);
        assert!(!late.accepts(Sym::new("MIT")));
        assert!(late.accepts(Sym::new("CC0")));
    }
}
