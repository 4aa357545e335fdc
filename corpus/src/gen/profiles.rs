//! What the generator takes from the real `profiles/` tree it copies: the
//! categories, the arches, the packages the profiles name (so that their
//! entries match generated packages) with the versions and flags they
//! mention, and the flags profiles mask or force (so that evaluation has
//! work to do).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use portolan_engine::atom::{Atom, AtomOptions};

/// Files whose lines start with a package atom.
const ATOM_FILES: &[&str] = &[
    "packages",
    "packages.build",
    "package.mask",
    "package.unmask",
    "package.deprecated",
    "package.use",
    "package.use.force",
    "package.use.mask",
    "package.use.stable",
    "package.use.stable.force",
    "package.use.stable.mask",
    "package.accept_keywords",
    "package.keywords",
];

/// Files listing one flag per line.
const FLAG_FILES: &[&str] = &[
    "use.mask",
    "use.force",
    "use.stable.mask",
    "use.stable.force",
];

/// A package the real profiles name.
#[derive(Debug, Default, Clone)]
pub struct Named {
    /// Lines naming it.
    pub mentions: u32,
    /// Named in a `packages` file (the system set): core packages.
    pub in_system: bool,
    /// Named in `base/packages` or `default/linux/packages`: the system set
    /// of every Linux profile.
    pub core: bool,
    /// Versions of versioned atoms (`>=cat/pkg-1.2` → `1.2`; globs without
    /// their `*`), sorted by text.
    pub versions: BTreeSet<String>,
    /// Flags `package.use*` lines set, mask or force for it.
    pub flags: BTreeSet<String>,
}

/// What was read from the real profiles.
#[derive(Debug, Default)]
pub struct RealProfiles {
    pub dir: PathBuf,
    pub categories: Vec<String>,
    pub arches: Vec<String>,
    pub named: BTreeMap<String, Named>,
    /// Flags of use.{mask,force} and package.use.{mask,force} (stable
    /// variants included), without `-`.
    pub acted_flags: BTreeSet<String>,
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads the real `profiles/` directory.
pub fn read(dir: &Path) -> Result<RealProfiles, String> {
    let mut r = RealProfiles {
        dir: dir.to_path_buf(),
        categories: lines(&dir.join("categories")),
        arches: lines(&dir.join("arch.list")),
        ..RealProfiles::default()
    };
    if r.categories.is_empty() || r.arches.is_empty() {
        return Err(format!(
            "{}: no categories or arch.list: not a Gentoo profiles directory",
            dir.display()
        ));
    }
    let cats: BTreeSet<&str> = r.categories.iter().map(String::as_str).collect();
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
    for f in files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if FLAG_FILES.contains(&name) {
            for l in lines(&f) {
                r.acted_flags.insert(l.trim_start_matches('-').to_owned());
            }
            continue;
        }
        if !ATOM_FILES.contains(&name) {
            continue;
        }
        let flags_act = name.starts_with("package.use.");
        for l in lines(&f) {
            let mut toks = l.split_ascii_whitespace();
            let Some(first) = toks.next() else { continue };
            let a = first.trim_start_matches('-').trim_start_matches('*');
            let Ok(atom) = Atom::parse(a, AtomOptions::unrestricted()) else {
                continue;
            };
            if !cats.contains(atom.category()) {
                continue;
            }
            let n = r.named.entry(atom.cp.as_str().to_owned()).or_default();
            n.mentions += 1;
            n.in_system |= name == "packages";
            n.core |= f == dir.join("base/packages") || f == dir.join("default/linux/packages");
            if let Some(v) = &atom.version {
                n.versions.insert(v.as_str().to_owned());
            }
            if name.starts_with("package.use") {
                for t in toks {
                    let t = t.trim_start_matches('-');
                    // USE_EXPAND `VAR: a b` syntax is not used by gentoo.
                    if portolan_engine::version::valid_use_flag(t) {
                        n.flags.insert(t.to_owned());
                        if flags_act {
                            r.acted_flags.insert(t.to_owned());
                        }
                    }
                }
            }
        }
    }
    Ok(r)
}

/// Copies `src` into `dst` recursively (files and directories, sorted).
pub fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(dst)?;
    let mut entries: Vec<_> = std::fs::read_dir(src)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut n = 0;
    for e in entries {
        let to = dst.join(e.file_name());
        let ft = e.file_type()?;
        if ft.is_dir() {
            n += copy_tree(&e.path(), &to)?;
        } else {
            // Follows symlinks: the copy must be readable on its own.
            std::fs::copy(e.path(), &to)?;
            n += 1;
        }
    }
    Ok(n)
}
