//! A profile, stacked from its directories by replaying Portage's rules on
//! plain lists: the stack, the variables, and per node the raw contents of
//! every file that decides flags, masks and keywords.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::atom::Atom;
use super::files::{self, assignments, expand, valid_flag};
use super::RefRepo;

/// Portage `INCREMENTALS`.
const INCREMENTALS: [&str; 14] = [
    "ACCEPT_KEYWORDS",
    "CONFIG_PROTECT",
    "CONFIG_PROTECT_MASK",
    "ENV_UNSET",
    "FEATURES",
    "IUSE_IMPLICIT",
    "PRELINK_PATH",
    "PRELINK_PATH_MASK",
    "PROFILE_ONLY_VARIABLES",
    "USE",
    "USE_EXPAND",
    "USE_EXPAND_HIDDEN",
    "USE_EXPAND_IMPLICIT",
    "USE_EXPAND_UNPREFIXED",
];

/// Portage 3.0.83 `cnf/make.globals`, the part profiles build on.
const MAKE_GLOBALS: [(&str, &str); 14] = [
    ("ACCEPT_PROPERTIES", "*"),
    ("ACCEPT_RESTRICT", "*"),
    ("ACCEPT_LICENSE", "* -@EULA"),
    ("CFLAGS", ""),
    ("CXXFLAGS", ""),
    ("LDFLAGS", ""),
    ("FFLAGS", ""),
    ("FCFLAGS", ""),
    ("CONFIG_PROTECT", "/etc"),
    ("CONFIG_PROTECT_MASK", "/etc/env.d"),
    ("COLLISION_IGNORE", "/lib/modules/* *.py[co] *$py.class"),
    ("UNINSTALL_IGNORE", "/lib/modules/*"),
    (
        "USE_ORDER",
        "env:pkg:conf:defaults:pkginternal:features:repo:env.d",
    ),
    (
        "FEATURES",
        "assume-digests binpkg-docompress binpkg-dostrip binpkg-logs \
         binpkg-multi-instance buildpkg-live compress-index config-protect-if-modified \
         distlocks ebuild-locks fixlafiles ipc-sandbox merge-sync merge-wait \
         multilib-strict network-sandbox news parallel-fetch pkgdir-index-trusted \
         pid-sandbox preserve-libs protect-owned qa-unresolved-soname-deps sandbox \
         strict unknown-features-warn unmerge-logs unmerge-orphans userfetch userpriv \
         usersandbox usersync",
    ),
];

/// An atom-with-tokens file (package.use, package.accept_keywords, ...):
/// entries in file order, lines for the same atom merged.
pub type AtomTokens = Vec<(Atom, Vec<String>)>;

/// One directory of the stack and what it says.
#[derive(Clone, Debug)]
pub struct Node {
    /// `REPO:PATH`.
    pub name: String,
    pub repo: usize,
    pub dir: PathBuf,
    pub eapi: u8,
    /// make.defaults assignments in file order, unexpanded.
    pub make_defaults: Vec<(String, String)>,
    /// This node's own make.defaults values, expanded, last one per name
    /// (filled when the stack's variables are resolved).
    pub cfg: BTreeMap<String, String>,
    pub use_force: Vec<String>,
    pub use_mask: Vec<String>,
    pub use_stable_force: Vec<String>,
    pub use_stable_mask: Vec<String>,
    pub use_stable: Vec<String>,
    pub package_use: AtomTokens,
    pub package_use_stable: AtomTokens,
    pub package_use_force: AtomTokens,
    pub package_use_mask: AtomTokens,
    pub package_use_stable_force: AtomTokens,
    pub package_use_stable_mask: AtomTokens,
    pub package_accept_keywords: AtomTokens,
    pub package_keywords: AtomTokens,
    /// `(-)atom` lines.
    pub package_mask: Vec<String>,
    pub package_unmask: Vec<String>,
    /// `packages` lines as written.
    pub packages: Vec<String>,
}

/// A stacked profile.
#[derive(Clone, Debug)]
pub struct RefProfile {
    pub repos: Vec<RefRepo>,
    pub name: String,
    /// Root first, repeated nodes kept.
    pub stack: Vec<Node>,
    /// Final variables (USE_EXPAND ones as Portage reports them).
    pub vars: BTreeMap<String, String>,
    pub package_mask: Vec<String>,
    pub package_unmask: Vec<String>,
    pub system: Vec<String>,
    pub profile_set: Vec<String>,
    /// Repository-level package.mask / package.unmask: (atom, repository
    /// whose packages it applies to).
    pub repo_masks: Vec<(String, String)>,
    pub repo_unmasks: Vec<(String, String)>,
    /// `profiles/license_groups` of every repository, merged.
    pub license_groups: BTreeMap<String, Vec<String>>,
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

impl RefProfile {
    /// Stacks the profile `path` of repository `repo`.
    pub fn load(repos: &[RefRepo], repo: &str, path: &str) -> Result<RefProfile, String> {
        let r = repos
            .iter()
            .position(|x| x.name == repo)
            .ok_or_else(|| format!("no repository {repo}"))?;
        let dir = normalize(&repos[r].location.join("profiles").join(path));
        let mut stack = Vec::new();
        collect(repos, &dir, &mut stack, 0)?;
        let mut p = RefProfile {
            repos: repos.to_vec(),
            name: format!("{repo}:{path}"),
            stack: Vec::new(),
            vars: BTreeMap::new(),
            package_mask: Vec::new(),
            package_unmask: Vec::new(),
            system: Vec::new(),
            profile_set: Vec::new(),
            repo_masks: Vec::new(),
            repo_unmasks: Vec::new(),
            license_groups: BTreeMap::new(),
        };
        for d in stack {
            let n = p.read_node(&d)?;
            p.stack.push(n);
        }
        p.variables();
        p.lists();
        p.repo_level();
        p.derive_use_expand_vars();
        Ok(p)
    }

    fn locate(&self, dir: &Path) -> Option<(usize, String)> {
        locate(&self.repos, dir)
    }

    fn read_node(&self, dir: &Path) -> Result<Node, String> {
        let (repo, rel) = self
            .locate(dir)
            .ok_or_else(|| format!("{} is in no repository", dir.display()))?;
        let r = &self.repos[repo];
        let eapi = node_eapi(r, dir);
        let allow_dir = r.directories || eapi >= 7;
        let flags = |name: &str| -> Vec<String> {
            files::list(dir, name, allow_dir)
                .into_iter()
                .filter(|t| valid_flag(t.strip_prefix('-').unwrap_or(t)))
                .collect()
        };
        let table = |name: &str, keywords: bool| -> AtomTokens {
            let mut out: AtomTokens = Vec::new();
            for line in files::lines(dir, name, allow_dir) {
                let Some(atom) = Atom::parse(&line[0]) else {
                    continue;
                };
                let toks: Vec<String> = line[1..]
                    .iter()
                    .filter(|t| keywords || valid_flag(t.strip_prefix('-').unwrap_or(t)))
                    .cloned()
                    .collect();
                if !keywords && line.len() == 1 {
                    continue;
                }
                match out.iter_mut().find(|(a, _)| a.text == atom.text) {
                    Some((_, t)) => t.extend(toks),
                    None => out.push((atom, toks)),
                }
            }
            out
        };
        let stable_ok = eapi >= 5;
        let use_stable_ok = eapi >= 9;
        let gate = |ok: bool, v: Vec<String>| if ok { v } else { Vec::new() };
        let gate_t = |ok: bool, v: AtomTokens| if ok { v } else { Vec::new() };
        // make.defaults values are expanded later, in stack order.
        let mut make_defaults = Vec::new();
        for f in files::paths(dir, "make.defaults", allow_dir) {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            make_defaults.extend(assignments(&text));
        }
        Ok(Node {
            name: format!("{}:{rel}", r.name),
            repo,
            dir: dir.to_path_buf(),
            eapi,
            make_defaults,
            cfg: BTreeMap::new(),
            use_force: flags("use.force"),
            use_mask: flags("use.mask"),
            use_stable_force: gate(stable_ok, flags("use.stable.force")),
            use_stable_mask: gate(stable_ok, flags("use.stable.mask")),
            use_stable: gate(use_stable_ok, flags("use.stable")),
            package_use: table("package.use", false),
            package_use_stable: gate_t(use_stable_ok, table("package.use.stable", false)),
            package_use_force: table("package.use.force", false),
            package_use_mask: table("package.use.mask", false),
            package_use_stable_force: gate_t(stable_ok, table("package.use.stable.force", false)),
            package_use_stable_mask: gate_t(stable_ok, table("package.use.stable.mask", false)),
            package_accept_keywords: table("package.accept_keywords", true),
            package_keywords: table("package.keywords", true),
            package_mask: files::list(dir, "package.mask", allow_dir),
            package_unmask: if allow_dir {
                files::list(dir, "package.unmask", allow_dir)
            } else {
                Vec::new()
            },
            packages: files::list(dir, "packages", false),
        })
    }

    /// make.defaults across the stack: one expansion map (seeded with
    /// make.globals, `USE` dropped before each node), incrementals stacked,
    /// the rest last-wins; ACCEPT_LICENSE/PROPERTIES/RESTRICT "lazily
    /// incremental" over make.globals.
    fn variables(&mut self) {
        let mut map: BTreeMap<String, String> = MAKE_GLOBALS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut incr: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut last: BTreeMap<String, String> = BTreeMap::new();
        for node in &mut self.stack {
            map.remove("USE");
            let mut own = BTreeMap::new();
            for (name, value) in &node.make_defaults {
                let v = expand(value, &map);
                map.insert(name.clone(), v.clone());
                own.insert(name.clone(), v);
            }
            for (name, v) in &own {
                if INCREMENTALS.contains(&name.as_str()) {
                    incr.entry(name.clone())
                        .or_default()
                        .extend(v.split_whitespace().map(str::to_owned));
                } else {
                    last.insert(name.clone(), v.clone());
                }
            }
            node.cfg = own;
        }
        let mut vars = last;
        for name in INCREMENTALS {
            let global = MAKE_GLOBALS
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v);
            let Some(tokens) = incr.get(name) else {
                if let Some(g) = global {
                    vars.insert(name.to_owned(), g.to_owned());
                }
                continue;
            };
            let mut all: Vec<String> = global
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            all.extend(tokens.iter().cloned());
            vars.insert(name.to_owned(), stack_incremental(&[], &all).join(" "));
        }
        for name in ["ACCEPT_LICENSE", "ACCEPT_PROPERTIES", "ACCEPT_RESTRICT"] {
            let global = MAKE_GLOBALS.iter().find(|(k, _)| *k == name).unwrap().1;
            let mut split: Vec<&str> = global.split_whitespace().collect();
            if let Some(v) = vars.get(name) {
                split.extend(v.split_whitespace());
            }
            // Portage `prune_incremental`.
            let mut start = 0;
            for (i, x) in split.iter().enumerate().rev() {
                if *x == "*" {
                    start = i;
                    break;
                }
                if *x == "-*" {
                    start = i + 1;
                    break;
                }
            }
            let value = split[start..].join(" ");
            vars.insert(name.to_owned(), value);
        }
        self.vars = vars;
    }

    /// The words of a final variable.
    pub fn words(&self, name: &str) -> Vec<String> {
        self.vars
            .get(name)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    pub fn arch(&self) -> Option<String> {
        self.vars
            .get("ARCH")
            .map(|v| v.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    pub fn accept_keywords(&self) -> Vec<String> {
        stack_incremental(&[], &self.words("ACCEPT_KEYWORDS"))
    }

    /// Node `i`'s make.defaults USE tokens, USE_EXPAND translated:
    /// unprefixed variables, prefixed ones, then USE itself.
    pub fn defaults_use(&self, i: usize) -> Vec<String> {
        let cfg = &self.stack[i].cfg;
        let mut out = Vec::new();
        for var in self.words("USE_EXPAND_UNPREFIXED") {
            if let Some(v) = cfg.get(&var) {
                out.extend(v.split_whitespace().map(str::to_owned));
            }
        }
        for var in self.words("USE_EXPAND") {
            if let Some(v) = cfg.get(&var) {
                let prefix = var.to_lowercase();
                for t in v.split_whitespace() {
                    out.push(match t.strip_prefix('-') {
                        Some(rest) => format!("-{prefix}_{rest}"),
                        None => format!("{prefix}_{t}"),
                    });
                }
            }
        }
        if let Some(v) = cfg.get("USE") {
            out.extend(
                v.split_whitespace()
                    .map(|t| t.strip_prefix('+').unwrap_or(t).to_owned()),
            );
        }
        out
    }

    /// Every profile-wide USE token in order (no package involved).
    pub fn use_stream(&self) -> Vec<String> {
        (0..self.stack.len())
            .flat_map(|i| self.defaults_use(i))
            .collect()
    }

    /// Every use.force (or use.mask) line in stack order, with the stable
    /// variant after each node's plain file when `stable`.
    pub fn immutable_stream(&self, mask: bool, stable: bool) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.stack {
            out.extend(
                if mask { &n.use_mask } else { &n.use_force }
                    .iter()
                    .cloned(),
            );
            if stable {
                out.extend(
                    if mask {
                        &n.use_stable_mask
                    } else {
                        &n.use_stable_force
                    }
                    .iter()
                    .cloned(),
                );
            }
        }
        out
    }

    /// Portage's `settings["USE"]`: flags named in the USE stream that end
    /// on, plus those use.force turns on and ARCH, minus use.mask; sorted.
    pub fn global_use(&self) -> Vec<String> {
        let stream = self.use_stream();
        let force = self.immutable_stream(false, false);
        let mask = self.immutable_stream(true, false);
        let mut named: Vec<String> = Vec::new();
        for t in stream.iter().chain(&force) {
            let name = t.strip_prefix('-').unwrap_or(t);
            if name.is_empty() || name == "*" || name.ends_with("_*") {
                continue;
            }
            named.push(name.to_owned());
        }
        named.extend(self.arch());
        named.sort();
        named.dedup();
        named
            .into_iter()
            .filter(|f| {
                let on = decide(&stream, f, true) == Some(true)
                    || decide(&force, f, false) == Some(true)
                    || Some(f) == self.arch().as_ref();
                on && decide(&mask, f, false) != Some(true)
            })
            .collect()
    }

    fn derive_use_expand_vars(&mut self) {
        let use_ = self.global_use();
        for var in self.words("USE_EXPAND") {
            let prefix = format!("{}_", var.to_lowercase());
            let mut values: Vec<&str> = use_
                .iter()
                .filter_map(|f| f.strip_prefix(prefix.as_str()))
                .collect();
            values.sort();
            if !values.is_empty() || self.vars.contains_key(&var) {
                self.vars.insert(var, values.join(" "));
            }
        }
    }

    /// package.mask, package.unmask and packages: stacked with removal by
    /// exact string; `-*` in packages forgets everything inherited.
    fn lists(&mut self) {
        let mut masks: Vec<String> = Vec::new();
        let mut unmasks: Vec<String> = Vec::new();
        let mut packages: Vec<String> = Vec::new();
        let mut profile_set: Vec<String> = Vec::new();
        let remove_or_add = |list: &mut Vec<String>, line: &str| match line.strip_prefix('-') {
            Some(rest) => list.retain(|x| x != rest),
            None => {
                if !list.iter().any(|x| x == line) {
                    list.push(line.to_owned());
                }
            }
        };
        for n in &self.stack {
            for l in &n.package_mask {
                remove_or_add(&mut masks, l);
            }
            for l in &n.package_unmask {
                remove_or_add(&mut unmasks, l);
            }
            let set = self.repos[n.repo].profile_set;
            for l in &n.packages {
                if l == "-*" {
                    packages.clear();
                    if set {
                        profile_set.clear();
                    }
                    continue;
                }
                remove_or_add(&mut packages, l);
                if set {
                    remove_or_add(&mut profile_set, l);
                }
            }
        }
        let valid = |l: &String| Atom::parse(l).is_some();
        self.package_mask = masks.into_iter().filter(valid).collect();
        self.package_unmask = unmasks.into_iter().filter(valid).collect();
        self.system = packages
            .iter()
            .filter_map(|l| l.strip_prefix('*'))
            .map(str::to_owned)
            .collect();
        self.profile_set = profile_set
            .into_iter()
            .filter(|l| !l.starts_with('*'))
            .collect();
    }

    /// Repository-level package.mask (each master's lines then the
    /// repository's own, stacked per master), package.unmask (portage-2
    /// repositories only) and license_groups.
    fn repo_level(&mut self) {
        for r in &self.repos {
            let own = read_repo_list(r, "package.mask");
            let mut parts: Vec<Vec<String>> = Vec::new();
            if r.masters.is_empty() {
                parts.push(stack_removals(std::slice::from_ref(&own)));
            } else {
                for m in &r.masters {
                    let Some(mr) = self.repos.iter().find(|x| &x.name == m) else {
                        continue;
                    };
                    parts.push(stack_removals(&[
                        read_repo_list(mr, "package.mask"),
                        own.clone(),
                    ]));
                }
            }
            for part in parts {
                for a in part {
                    self.repo_masks.push((a, r.name.clone()));
                }
            }
            if r.directories {
                for a in stack_removals(&[read_repo_list(r, "package.unmask")]) {
                    self.repo_unmasks.push((a, r.name.clone()));
                }
            }
            for line in files::lines(&r.location.join("profiles"), "license_groups", false) {
                if line.len() < 2 {
                    continue;
                }
                self.license_groups
                    .entry(line[0].clone())
                    .or_default()
                    .extend(line[1..].iter().cloned());
            }
        }
    }
}

/// A repository-level atom list. Its atoms are read with `profiles/eapi`
/// (0 when absent): slot dependencies need EAPI 1, USE dependencies EAPI 2;
/// Portage skips atoms their EAPI does not allow.
fn read_repo_list(r: &RefRepo, name: &str) -> Vec<String> {
    let eapi = match r.profiles_eapi.as_deref().map(str::as_bytes) {
        Some([d @ b'0'..=b'9']) => d - b'0',
        _ => 0,
    };
    files::list(&r.location.join("profiles"), name, r.directories)
        .into_iter()
        .filter(|l| match Atom::parse(l.strip_prefix('-').unwrap_or(l)) {
            Some(a) => (eapi >= 1 || a.slot.is_none()) && (eapi >= 2 || a.use_deps.is_empty()),
            None => false,
        })
        .collect()
}

fn stack_removals(lists: &[Vec<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in lists.iter().flatten() {
        match l.strip_prefix('-') {
            Some(rest) => out.retain(|x| x != rest),
            None => {
                if !out.contains(l) {
                    out.push(l.clone());
                }
            }
        }
    }
    out
}

/// The repository whose `profiles/` holds `dir` (the deepest), and the path
/// inside it.
fn locate(repos: &[RefRepo], dir: &Path) -> Option<(usize, String)> {
    repos
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let base = normalize(&r.location.join("profiles"));
            dir.strip_prefix(&base).ok().map(|rel| {
                (
                    i,
                    rel.to_string_lossy().into_owned(),
                    base.as_os_str().len(),
                )
            })
        })
        .max_by_key(|x| x.2)
        .map(|(i, rel, _)| (i, rel))
}

fn node_eapi(r: &RefRepo, dir: &Path) -> u8 {
    let digit = |s: &str| match s.as_bytes() {
        [d @ b'0'..=b'9'] => Some(d - b'0'),
        _ => None,
    };
    if let Some(e) = files::first_line(&dir.join("eapi")) {
        return digit(&e).unwrap_or(0);
    }
    if r.default_eapi {
        if let Some(e) = r.profile_eapi_when_unspecified.as_deref().and_then(digit) {
            return e;
        }
    }
    match r.profiles_eapi.as_deref().and_then(digit) {
        Some(e) if e >= 9 => e,
        _ => 0,
    }
}

/// Parents depth first, left to right, each node after its parents.
fn collect(
    repos: &[RefRepo],
    dir: &Path,
    out: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err(format!("{}: parents too deep (a cycle?)", dir.display()));
    }
    let (repo, _) =
        locate(repos, dir).ok_or_else(|| format!("{} is in no repository", dir.display()))?;
    let r = &repos[repo];
    for line in files::list(dir, "parent", false) {
        let target = match line.split_once(':') {
            Some((name, path)) if r.colon_parents && !line.starts_with('/') => {
                let base = if name.is_empty() {
                    r
                } else {
                    repos
                        .iter()
                        .find(|x| x.name == name)
                        .ok_or_else(|| format!("unknown repository in parent '{line}'"))?
                };
                normalize(&base.location.join("profiles").join(path))
            }
            _ => normalize(&dir.join(&line)),
        };
        collect(repos, &target, out, depth + 1)?;
    }
    out.push(dir.to_path_buf());
    Ok(())
}

/// Incremental stacking (Portage `stack_lists(incremental=1)` on one
/// list): `+` dropped, `-*` clears, `-x` removes, first position kept.
pub fn stack_incremental(base: &[String], tokens: &[String]) -> Vec<String> {
    let mut acc: Vec<String> = base.to_vec();
    for t in tokens {
        let t = t.strip_prefix('+').unwrap_or(t);
        if t == "-*" {
            acc.clear();
        } else if let Some(rest) = t.strip_prefix('-') {
            acc.retain(|x| x != rest);
        } else if !t.is_empty() && !acc.iter().any(|x| x == t) {
            acc.push(t.to_owned());
        }
    }
    acc
}

/// Replays `tokens` for one flag: the last token naming it, or a wildcard
/// covering it (`-*`, `prefix_*`, `-prefix_*`, when `wildcards`), decides.
pub fn decide(tokens: &[String], flag: &str, wildcards: bool) -> Option<bool> {
    let mut state = None;
    for t in tokens {
        let (on, name) = match t.strip_prefix('-') {
            Some(rest) => (false, rest),
            None => (true, t.as_str()),
        };
        if name.is_empty() {
            continue;
        }
        if wildcards && (name == "*" || name.ends_with("_*")) {
            if name == "*" && on {
                continue;
            }
            if flag.starts_with(&name[..name.len() - 1]) {
                state = Some(on);
            }
            continue;
        }
        if name == flag {
            state = Some(on);
        }
    }
    state
}
