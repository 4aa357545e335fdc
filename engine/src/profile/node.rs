//! One profile directory, read and typed once ([`ProfileNode`]), and the
//! store that loads each directory a single time however many profiles
//! include it ([`NodeStore`]).
//!
//! Typing happens here: atoms are parsed with the directory's own EAPI (spec
//! §7.4: not inherited; a directory without an `eapi` file is EAPI 0), flags
//! are validated, and what Portage would skip with a message (an invalid atom
//! or flag, a stable-only file in an EAPI < 5 directory, `package.provided` in
//! EAPI 7+) becomes a [`Warning`] naming the file and line. What Portage
//! refuses outright (a missing or cyclic parent, an unknown repository in a
//! `repo:path` parent, an unsupported profile EAPI) is an error.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ahash::{HashMap, HashSet};

use crate::atom::{Atom, AtomOptions};
use crate::cache::nodes::{NodeInputs, NodeSource};
use crate::eapi::Eapi;
use crate::fs::Fs;
use crate::intern::Sym;
use crate::profile::files::{
    self, Deprecated, FileError, PackagesLine, ParentEntry, ProfileFileKind,
};
use crate::profile::make_defaults::{self, MakeDefaultsError, MakeDefaultsFile};
use crate::repo::{RepoId, RepoSet};
use crate::source::{Loc, Warning};
use crate::version::{split_cpv, valid_use_flag, Version};

/// Index of a node in a [`NodeStore`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// A line of a list file (`package.mask`, `use.force`, ...): a value, or its
/// removal (`-value`).
#[derive(Clone, Debug)]
pub struct Listed<T> {
    pub loc: Loc,
    pub remove: bool,
    pub value: T,
}

/// One `packages` line.
#[derive(Clone, Debug)]
pub enum PackagesItem {
    /// `-*`: forget everything inherited.
    Clear(Loc),
    /// `[-][*]atom`; `text` is the line without `-` (kept for removal by
    /// exact string, as Portage removes).
    Entry {
        loc: Loc,
        remove: bool,
        system: bool,
        atom: Atom,
        text: String,
    },
}

/// A token of a package.use-style line, with the line it came from (lines
/// for the same atom are merged, so tokens of one entry may come from
/// several lines).
#[derive(Clone, Debug)]
pub struct Token {
    pub loc: Loc,
    /// As written (`-foo`, `~amd64`, `**`).
    pub text: Sym,
    /// Without a leading `-`, and whether it was absent: flag tokens are
    /// split once here rather than per package evaluated.
    pub name: Sym,
    pub on: bool,
    /// Whether it is a wildcard (see [`Token::is_wildcard`]), told once
    /// here: the matrix asks for every naming (profile, package) pair.
    wild: bool,
}

impl Token {
    fn new(loc: Loc, text: Sym) -> Token {
        let (on, name) = match text.as_str().strip_prefix('-') {
            Some(rest) => (false, Sym::new(rest)),
            None => (true, text),
        };
        Token {
            loc,
            text,
            name,
            on,
            wild: name.as_str().ends_with('*'),
        }
    }

    /// `-*`, `prefix_*`, `-prefix_*`: decided by prefix, not by name.
    pub fn is_wildcard(&self) -> bool {
        self.wild
    }
}

/// All lines of one package.use-style file for one atom, merged in file order.
#[derive(Clone, Debug)]
pub struct AtomEntry {
    pub atom: Atom,
    pub tokens: Vec<Token>,
}

/// A package.use-style file indexed by package name, so evaluation looks at
/// the entries of one package only.
#[derive(Clone, Debug, Default)]
pub struct AtomTable {
    pub entries: Vec<AtomEntry>,
    by_cp: HashMap<Sym, Vec<u32>>,
}

impl AtomTable {
    fn push(&mut self, atom: Atom, tokens: Vec<Token>) {
        // Portage merges lines with the same atom (tokens in file order).
        if let Some(ids) = self.by_cp.get(&atom.cp) {
            for &i in ids {
                let e = &mut self.entries[i as usize];
                if e.atom == atom {
                    e.tokens.extend(tokens);
                    return;
                }
            }
        }
        let id = self.entries.len() as u32;
        self.by_cp.entry(atom.cp).or_default().push(id);
        self.entries.push(AtomEntry { atom, tokens });
    }

    /// Entries whose atom names package `cp` (matching is the caller's job).
    pub fn for_cp(&self, cp: Sym) -> impl Iterator<Item = &AtomEntry> {
        self.by_cp
            .get(&cp)
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i as usize])
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn cps(&self) -> impl Iterator<Item = Sym> + '_ {
        self.by_cp.keys().copied()
    }
}

/// A profile directory and everything in it that matters for resolution.
#[derive(Clone, Debug)]
pub struct ProfileNode {
    pub id: NodeId,
    pub repo: RepoId,
    /// Path relative to the repository's `profiles/` folder.
    pub path: String,
    /// `REPO:PATH`, the name shown to people.
    pub name: String,
    pub dir: PathBuf,
    pub eapi: Eapi,
    pub parents: Vec<(Loc, NodeId)>,
    pub deprecated: Option<Deprecated>,
    pub make_defaults: Vec<MakeDefaultsFile>,
    pub packages: Vec<PackagesItem>,
    pub package_mask: Vec<Listed<Atom>>,
    pub package_unmask: Vec<Listed<Atom>>,
    pub use_mask: Vec<Listed<Sym>>,
    pub use_force: Vec<Listed<Sym>>,
    pub use_stable_mask: Vec<Listed<Sym>>,
    pub use_stable_force: Vec<Listed<Sym>>,
    /// EAPI 9 `use.stable`: USE tokens for stable versions.
    pub use_stable: Vec<Listed<Sym>>,
    pub package_use: AtomTable,
    pub package_use_stable: AtomTable,
    pub package_use_mask: AtomTable,
    pub package_use_force: AtomTable,
    pub package_use_stable_mask: AtomTable,
    pub package_use_stable_force: AtomTable,
    pub package_accept_keywords: AtomTable,
    pub package_keywords: AtomTable,
    pub package_provided: Vec<Listed<(Sym, Version)>>,
    /// `packages.build`: what catalyst builds a stage1 from, in order (PMS
    /// §5.2.7). Not used for resolution; kept so `show` can list it.
    pub packages_build: Vec<(Loc, Atom)>,
    /// What Portage would skip with a message while reading this directory
    /// (an invalid atom or flag, a file its EAPI does not allow), each with
    /// its file and line. Reported with every profile whose stack has it.
    pub warnings: Vec<Warning>,
}

/// A profile that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    MakeDefaults(#[from] MakeDefaultsError),
    #[error("{loc}: parent '{parent}' does not exist ({})", dir.display())]
    MissingParent {
        loc: Loc,
        parent: String,
        dir: PathBuf,
    },
    #[error("{loc}: parent '{parent}' names unknown repository '{repo}'")]
    UnknownParentRepo {
        loc: Loc,
        parent: String,
        repo: String,
    },
    #[error("{loc}: parent '{parent}' makes a cycle: {}", cycle.join(" -> "))]
    ParentCycle {
        loc: Loc,
        parent: String,
        cycle: Vec<String>,
    },
    #[error("{loc}: unsupported profile EAPI '{eapi}'")]
    UnsupportedEapi { loc: Loc, eapi: String },
    #[error("profile '{name}' does not exist ({})", dir.display())]
    NoSuchProfile { name: String, dir: PathBuf },
    #[error("profile directory {} is in no configured repository", dir.display())]
    OutsideRepositories { dir: PathBuf },
    #[error("profile '{name}' stacks more than {MAX_STACK} nodes ({len}): its parents reach the same nodes too often")]
    StackTooLong { name: String, len: usize },
}

/// Longest inheritance order ([`NodeStore::stack`]) a profile may have.
/// A node reached twice is applied twice (as in Portage), so parents that
/// share ancestors multiply: 40 directories each listing the next one twice
/// stack 2^40 nodes. Real stacks have about 30 entries.
pub const MAX_STACK: usize = 10_000;

/// Loads and keeps every profile node once.
#[derive(Debug, Default)]
pub struct NodeStore {
    nodes: Vec<ProfileNode>,
    by_dir: HashMap<PathBuf, NodeId>,
    /// Length of each node's stack (saturating), by node id.
    stack_lens: Vec<usize>,
    /// The binary cache of directory inputs, when there is one.
    inputs: Option<NodeInputs>,
    /// Directories read ahead of their turn ([`NodeStore::read_ahead`]),
    /// waiting for [`NodeStore::load`] to take them in order.
    ahead: HashMap<PathBuf, DirRead>,
}

/// One `parent` line (its location and text) and the directory it names.
type ParentRead = (Loc, String, Result<PathBuf, ProfileError>);

/// What reading one profile directory found, before it becomes a node of
/// the store: its `parent` lines resolved, and its files typed. Reading is
/// pure given the file system, so directories are read on any thread; the
/// store numbers them, checks for cycles and reports the first error in
/// the same serial order whether a directory was read ahead or not.
struct DirRead {
    repo: RepoId,
    rel: String,
    src: NodeSource,
    /// Each `parent` line and the directory it names (which exists), or
    /// why not; the error reading the `parent` file itself.
    parents: Result<Vec<ParentRead>, ProfileError>,
    /// The node with a placeholder id and no parents (the store sets them).
    node: Result<ProfileNode, ProfileError>,
    /// Whether `dir` is a directory: [`NodeStore::load`] checks a profile
    /// is, and asking here (from the cache's answers, or on any thread)
    /// saves a serial `stat` per profile of a matrix.
    is_dir: bool,
}

/// One [`NodeStore::read_ahead`]: the directories queued so far, and
/// those read.
struct ReadAhead<'a> {
    repos: &'a RepoSet,
    store: &'a NodeStore,
    queued: Mutex<HashSet<PathBuf>>,
    read: Mutex<Vec<(PathBuf, DirRead)>>,
    /// Whether each parent directory named so far is a directory: a
    /// parent of many profiles (`targets/desktop`, `features/musl`) is
    /// named by each, and a `stat` costs more than reading a record.
    is_dir: Mutex<HashMap<PathBuf, bool>>,
}

impl<'a> ReadAhead<'a> {
    /// Queues `dir` unless it is loaded, read or queued already.
    fn want<'s>(&'s self, s: &rayon::Scope<'s>, dir: PathBuf) {
        if !self.store.unread(&dir) {
            return;
        }
        if !lock(&self.queued).insert(dir.clone()) {
            return;
        }
        s.spawn(move |s| self.read(s, dir));
    }

    fn read<'s>(&'s self, s: &rayon::Scope<'s>, dir: PathBuf) {
        let Some((repo, rel)) = locate(self.repos, &dir) else {
            return;
        };
        let is_dir = |pdir: &Path| {
            if let Some(&known) = lock(&self.is_dir).get(pdir) {
                return known;
            }
            let known = self.repos.fs.is_dir(pdir);
            lock(&self.is_dir).insert(pdir.to_path_buf(), known);
            known
        };
        let read = DirRead::read(
            self.repos,
            self.store.inputs.as_ref(),
            &dir,
            repo,
            rel,
            is_dir,
        );
        for (_, _, pdir) in read.parents.iter().flatten() {
            if let Ok(pdir) = pdir {
                self.want(s, pdir.clone());
            }
        }
        lock(&self.read).push((dir, read));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for DirRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DirRead({:?})", self.rel)
    }
}

impl DirRead {
    /// Reads `dir` (`rel` inside `repo`'s `profiles/`) through `inputs`
    /// when there is a node cache; `is_dir` tells whether a parent is a
    /// directory.
    fn read(
        repos: &RepoSet,
        inputs: Option<&NodeInputs>,
        dir: &Path,
        repo: RepoId,
        rel: String,
        is_dir: impl Fn(&Path) -> bool,
    ) -> DirRead {
        // Every file of the directory is read from `src`: the repository,
        // or the cached answers when they are still valid.
        let src = match inputs {
            Some(inputs) => inputs.source(repos, repo, &rel, dir),
            None => NodeSource::listed(&repos.fs, dir),
        };
        let parents = files::read_parent(&src.fs, dir)
            .map_err(ProfileError::from)
            .map(|entries| {
                entries
                    .unwrap_or_default()
                    .into_iter()
                    .map(|ParentEntry { loc, path }| {
                        let pdir = resolve_parent(repos, repo, dir, &loc, &path).and_then(|pdir| {
                            if is_dir(&pdir) {
                                Ok(pdir)
                            } else {
                                Err(ProfileError::MissingParent {
                                    loc: loc.clone(),
                                    parent: path.clone(),
                                    dir: pdir,
                                })
                            }
                        });
                        (loc, path, pdir)
                    })
                    .collect()
            });
        let node = read_node(
            repos,
            &src.fs,
            NodeId(0),
            repo,
            rel.clone(),
            dir,
            Vec::new(),
        );
        let dir_exists = src.fs.is_dir(dir);
        // Read: the cached answers (a copy of every file) are no longer
        // needed, and a read-ahead keeps hundreds of these until loading.
        let mut src = src;
        src.fs = repos.fs.clone();
        DirRead {
            repo,
            rel,
            src,
            parents,
            node,
            is_dir: dir_exists,
        }
    }
}

impl NodeStore {
    /// A store that reads directories through the binary cache `inputs`
    /// (see [`crate::cache::nodes`]).
    pub fn with_inputs(inputs: Option<NodeInputs>) -> NodeStore {
        NodeStore {
            inputs,
            ..NodeStore::default()
        }
    }

    /// The binary cache this store reads through, if any (to flush it or
    /// look at its statistics).
    pub fn inputs_mut(&mut self) -> Option<&mut NodeInputs> {
        self.inputs.as_mut()
    }

    pub fn get(&self, id: NodeId) -> &ProfileNode {
        &self.nodes[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn nodes(&self) -> &[ProfileNode] {
        &self.nodes
    }

    /// Loads the profile at `path` (relative to `repo`'s `profiles/`) and,
    /// recursively, its parents.
    pub fn load(
        &mut self,
        repos: &RepoSet,
        repo: RepoId,
        path: &str,
    ) -> Result<NodeId, ProfileError> {
        let dir = normalize(&repos.get(repo).profiles_dir().join(path));
        let is_dir = match self.ahead.get(&dir) {
            Some(read) => read.is_dir,
            // A directory loaded was one.
            None => self.by_dir.contains_key(&dir) || repos.fs.is_dir(&dir),
        };
        if !is_dir {
            return Err(ProfileError::NoSuchProfile {
                name: format!("{}:{path}", repos.get(repo).name),
                dir,
            });
        }
        let mut in_progress = Vec::new();
        let id = self.load_dir(repos, &dir, &mut in_progress)?;
        let len = self.stack_lens[id.0 as usize];
        if len > MAX_STACK {
            return Err(ProfileError::StackTooLong {
                name: format!("{}:{path}", repos.get(repo).name),
                len,
            });
        }
        Ok(id)
    }

    /// Reads every directory the profiles `leaves` (each a path relative to
    /// a repository's `profiles/`) stack, and that is not loaded yet, on
    /// all threads; the next [`NodeStore::load`]s take them from there.
    /// Each directory read queues its parents, so the only wait is for the
    /// last read (a wait per generation of parents costs a time slice each
    /// when the machine is busy). Nothing is reported here: a directory
    /// that does not load fails when its turn comes, exactly as without
    /// reading ahead, and one never loaded is dropped.
    pub fn read_ahead(&mut self, repos: &RepoSet, leaves: &[(RepoId, &str)]) {
        let ahead = ReadAhead {
            repos,
            store: self,
            queued: Mutex::default(),
            read: Mutex::default(),
            is_dir: Mutex::default(),
        };
        rayon::scope(|s| {
            for &(repo, path) in leaves {
                ahead.want(s, normalize(&repos.get(repo).profiles_dir().join(path)));
            }
        });
        let read = ahead.read.into_inner().unwrap_or_else(|e| e.into_inner());
        self.ahead.extend(read);
        // Room for every directory read: loading them one by one (serial)
        // otherwise moves the nodes, large, each time the vector grows.
        self.nodes.reserve(self.ahead.len());
        self.stack_lens.reserve(self.ahead.len());
        self.by_dir.reserve(self.ahead.len());
    }

    /// `dir` is neither loaded nor read ahead.
    fn unread(&self, dir: &Path) -> bool {
        !self.by_dir.contains_key(dir) && !self.ahead.contains_key(dir)
    }

    fn load_dir(
        &mut self,
        repos: &RepoSet,
        dir: &Path,
        in_progress: &mut Vec<PathBuf>,
    ) -> Result<NodeId, ProfileError> {
        if let Some(&id) = self.by_dir.get(dir) {
            return Ok(id);
        }
        let read = match self.ahead.remove(dir) {
            Some(read) => read,
            None => {
                let (repo, rel) =
                    locate(repos, dir).ok_or_else(|| ProfileError::OutsideRepositories {
                        dir: dir.to_path_buf(),
                    })?;
                DirRead::read(repos, self.inputs.as_ref(), dir, repo, rel, |p| {
                    repos.fs.is_dir(p)
                })
            }
        };
        if let Some(inputs) = &mut self.inputs {
            inputs.count(&read.src);
        }
        in_progress.push(dir.to_path_buf());
        let mut parents = Vec::new();
        for (loc, path, pdir) in read.parents? {
            let pdir = pdir?;
            if let Some(start) = in_progress.iter().position(|d| d == &pdir) {
                let cycle = in_progress[start..]
                    .iter()
                    .chain(std::iter::once(&pdir))
                    .map(|d| display_dir(repos, d))
                    .collect();
                return Err(ProfileError::ParentCycle {
                    loc,
                    parent: path,
                    cycle,
                });
            }
            let pid = self.load_dir(repos, &pdir, in_progress)?;
            parents.push((loc, pid));
        }
        in_progress.pop();
        let id = NodeId(self.nodes.len() as u32);
        // Parents are loaded first, so their lengths are known.
        let len = parents.iter().fold(1usize, |n, &(_, p): &(Loc, NodeId)| {
            n.saturating_add(self.stack_lens[p.0 as usize])
        });
        let mut node = read.node?;
        node.id = id;
        node.parents = parents;
        if let Some(inputs) = &mut self.inputs {
            inputs.loaded(read.repo, &read.rel, read.src);
        }
        self.nodes.push(node);
        self.stack_lens.push(len);
        self.by_dir.insert(dir.to_path_buf(), id);
        Ok(id)
    }

    /// The inheritance order of `id` (spec §7.3): parents depth-first, left
    /// to right, each node after its parents; a node reached twice is
    /// applied twice.
    pub fn stack(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        self.collect(id, &mut out);
        out
    }

    fn collect(&self, id: NodeId, out: &mut Vec<NodeId>) {
        for &(_, p) in &self.get(id).parents {
            self.collect(p, out);
        }
        out.push(id);
    }

    /// The node whose `deprecated` file Portage would report for the
    /// profile `leaf` (`deprecated_profile_check`): the last occurrence in
    /// the stack of a node reached from a different repository than its
    /// child's (or the leaf itself) that has a `deprecated` file. A
    /// deprecation is not inherited within one repository (PMS §5.2.3).
    pub fn deprecated_for(&self, leaf: NodeId) -> Option<NodeId> {
        let mut shown = Vec::new();
        self.collect_shown(leaf, None, &mut shown);
        shown
            .into_iter()
            .rev()
            .find(|&(id, show)| show && self.get(id).deprecated.is_some())
            .map(|(id, _)| id)
    }

    fn collect_shown(&self, id: NodeId, child_repo: Option<RepoId>, out: &mut Vec<(NodeId, bool)>) {
        let node = self.get(id);
        for &(_, p) in &node.parents {
            self.collect_shown(p, Some(node.repo), out);
        }
        out.push((id, child_repo != Some(node.repo)));
    }
}

/// Collapses `.` and `..` without touching the file system (Portage
/// normalises parent paths the same way).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The repository whose `profiles/` contains `dir`, and the path inside it.
fn locate(repos: &RepoSet, dir: &Path) -> Option<(RepoId, String)> {
    repos
        .repos
        .iter()
        .filter_map(|r| {
            let base = normalize(&r.profiles_dir());
            dir.strip_prefix(&base)
                .ok()
                .map(|rel| (r.id, rel.to_string_lossy().into_owned(), base))
        })
        // The deepest base wins should repositories nest.
        .max_by_key(|(_, _, base)| base.as_os_str().len())
        .map(|(id, rel, _)| (id, rel))
}

fn display_dir(repos: &RepoSet, dir: &Path) -> String {
    match locate(repos, dir) {
        Some((repo, rel)) => format!("{}:{rel}", repos.get(repo).name),
        None => dir.display().to_string(),
    }
}

/// Resolves one `parent` line (spec §7.2).
fn resolve_parent(
    repos: &RepoSet,
    repo: RepoId,
    dir: &Path,
    loc: &Loc,
    line: &str,
) -> Result<PathBuf, ProfileError> {
    let r = repos.get(repo);
    if r.formats.colon_parents && !line.starts_with('/') {
        if let Some((name, path)) = line.split_once(':') {
            let target = if name.is_empty() {
                r
            } else {
                repos
                    .by_name(name)
                    .ok_or_else(|| ProfileError::UnknownParentRepo {
                        loc: loc.clone(),
                        parent: line.to_owned(),
                        repo: name.to_owned(),
                    })?
            };
            return Ok(normalize(&target.profiles_dir().join(path)));
        }
    }
    Ok(normalize(&dir.join(line)))
}

/// The EAPI of a profile directory (spec §7.4).
fn node_eapi(
    repos: &RepoSet,
    fs: &Fs,
    repo: RepoId,
    dir: &Path,
) -> Result<(Eapi, Option<Loc>), ProfileError> {
    if let Some(f) = files::read_eapi(fs, dir)? {
        let eapi = Eapi::parse(&f.eapi).ok_or_else(|| ProfileError::UnsupportedEapi {
            loc: f.loc.clone(),
            eapi: f.eapi.clone(),
        })?;
        return Ok((eapi, Some(f.loc)));
    }
    let r = repos.get(repo);
    if r.formats.default_eapi {
        if let Some(e) = r
            .profile_eapi_when_unspecified
            .as_deref()
            .and_then(Eapi::parse)
        {
            return Ok((e, None));
        }
    }
    // PMS (EAPI 9): a top-level profiles/eapi of 9 becomes the default.
    if let Some(e) = r.profiles_eapi.as_deref().and_then(Eapi::parse) {
        if e.profile_use_stable() {
            return Ok((e, None));
        }
    }
    Ok((Eapi::ZERO, None))
}

struct Reader<'a> {
    fs: &'a Fs,
    dir: &'a Path,
    eapi: Eapi,
    allow_dir: bool,
    atom_opts: AtomOptions,
    warnings: Vec<Warning>,
}

impl Reader<'_> {
    fn warn(&mut self, loc: &Loc, message: String) {
        self.warnings.push(Warning {
            loc: loc.clone(),
            message,
        });
    }

    fn atom(&mut self, loc: &Loc, text: &str, opts: AtomOptions) -> Option<Atom> {
        match Atom::parse(text, opts) {
            Ok(a) => Some(a),
            Err(e) => {
                self.warn(loc, format!("invalid atom skipped, as Portage does: {e}"));
                None
            }
        }
    }

    fn flag(&mut self, loc: &Loc, file: &str, token: &str) -> Option<Sym> {
        let name = token.strip_prefix('-').unwrap_or(token);
        if valid_use_flag(name) {
            Some(Sym::new(token))
        } else {
            self.warn(
                loc,
                format!("invalid USE flag '{token}' in {file} skipped, as Portage does"),
            );
            None
        }
    }

    /// `eapi_ok` false: the file is ignored with a warning when it has lines.
    fn gated(&mut self, kind: ProfileFileKind, eapi_ok: bool) -> Result<bool, FileError> {
        if eapi_ok {
            return Ok(true);
        }
        if let Some(lines) =
            files::read_profile_file(self.fs, self.dir, kind.file_name(), self.allow_dir)?
        {
            if let Some((loc, _)) = lines.first() {
                let msg = format!(
                    "EAPI '{}' does not support '{}'; file ignored, as Portage does",
                    self.eapi,
                    kind.file_name()
                );
                self.warn(&loc.at(0), msg);
            }
        }
        Ok(false)
    }

    fn atoms(
        &mut self,
        kind: ProfileFileKind,
        use_deps: bool,
    ) -> Result<Vec<Listed<Atom>>, FileError> {
        let mut out = Vec::new();
        let opts = AtomOptions {
            allow_use_deps: use_deps && self.eapi.use_deps(),
            ..self.atom_opts
        };
        for e in files::read_list(self.fs, self.dir, kind, self.allow_dir)?.unwrap_or_default() {
            if let Some(atom) = self.atom(&e.loc, &e.value, opts) {
                out.push(Listed {
                    loc: e.loc,
                    remove: e.remove,
                    value: atom,
                });
            }
        }
        Ok(out)
    }

    fn flags(&mut self, kind: ProfileFileKind) -> Result<Vec<Listed<Sym>>, FileError> {
        let mut out = Vec::new();
        for e in files::read_list(self.fs, self.dir, kind, self.allow_dir)?.unwrap_or_default() {
            let token = if e.remove {
                format!("-{}", e.value)
            } else {
                e.value.clone()
            };
            if self.flag(&e.loc, kind.file_name(), &token).is_some() {
                out.push(Listed {
                    loc: e.loc,
                    remove: e.remove,
                    value: Sym::new(&e.value),
                });
            }
        }
        Ok(out)
    }

    /// A package.use-style file. `keywords` reads keyword tokens (no flag
    /// validation) and allows lines without tokens.
    fn table(&mut self, kind: ProfileFileKind, keywords: bool) -> Result<AtomTable, FileError> {
        let mut table = AtomTable::default();
        for e in
            files::read_atom_tokens(self.fs, self.dir, kind, self.allow_dir)?.unwrap_or_default()
        {
            let Some(atom) = self.atom(&e.loc, &e.atom, self.atom_opts) else {
                continue;
            };
            let mut tokens = Vec::new();
            for t in &e.tokens {
                let ok = if keywords {
                    Some(Sym::new(t))
                } else {
                    self.flag(&e.loc, kind.file_name(), t)
                };
                if let Some(text) = ok {
                    tokens.push(Token::new(e.loc.clone(), text));
                }
            }
            table.push(atom, tokens);
        }
        Ok(table)
    }
}

fn read_node(
    repos: &RepoSet,
    fs: &Fs,
    id: NodeId,
    repo: RepoId,
    path: String,
    dir: &Path,
    parents: Vec<(Loc, NodeId)>,
) -> Result<ProfileNode, ProfileError> {
    use ProfileFileKind as K;
    let r = repos.get(repo);
    let (eapi, _eapi_loc) = node_eapi(repos, fs, repo, dir)?;
    let allow_dir = r.formats.directories || eapi.profile_dirs();
    let mut rd = Reader {
        fs,
        dir,
        eapi,
        allow_dir,
        atom_opts: AtomOptions::profile(eapi).with_repo(r.formats.repo_deps),
        warnings: Vec::new(),
    };
    let make_defaults = make_defaults::read_files(fs, dir, allow_dir)?.unwrap_or_default();
    for f in &make_defaults {
        for a in &f.assignments {
            if let Some(problem) = a.value.problem() {
                let loc = f.file.at(a.line);
                rd.warn(
                    &loc,
                    format!("{}: {problem}; Portage uses an empty value", a.name),
                );
            }
        }
    }
    let mut packages = Vec::new();
    let pkg_opts = AtomOptions {
        allow_use_deps: eapi.use_deps(),
        ..rd.atom_opts
    };
    for line in files::read_packages(fs, dir)?.unwrap_or_default() {
        match line {
            PackagesLine::Clear(loc) => packages.push(PackagesItem::Clear(loc)),
            PackagesLine::Entry(e) => {
                if let Some(atom) = rd.atom(&e.loc, &e.atom, pkg_opts) {
                    let text = if e.system {
                        format!("*{}", e.atom)
                    } else {
                        e.atom.clone()
                    };
                    packages.push(PackagesItem::Entry {
                        loc: e.loc,
                        remove: e.remove,
                        system: e.system,
                        atom,
                        text,
                    });
                }
            }
        }
    }
    let stable_ok = eapi.profile_stable_use_files();
    let use_stable_ok = eapi.profile_use_stable();
    let mut node = ProfileNode {
        id,
        repo,
        name: format!("{}:{path}", r.name),
        path,
        dir: dir.to_path_buf(),
        eapi,
        parents,
        deprecated: files::read_deprecated(fs, dir)?,
        make_defaults,
        packages,
        package_mask: rd.atoms(K::PackageMask, true)?,
        // Portage reads package.unmask only where portage-1 directories are
        // allowed.
        package_unmask: if allow_dir {
            rd.atoms(K::PackageUnmask, true)?
        } else {
            Vec::new()
        },
        use_mask: rd.flags(K::UseMask)?,
        use_force: rd.flags(K::UseForce)?,
        use_stable_mask: Vec::new(),
        use_stable_force: Vec::new(),
        use_stable: Vec::new(),
        package_use: rd.table(K::PackageUse, false)?,
        package_use_stable: AtomTable::default(),
        package_use_mask: rd.table(K::PackageUseMask, false)?,
        package_use_force: rd.table(K::PackageUseForce, false)?,
        package_use_stable_mask: AtomTable::default(),
        package_use_stable_force: AtomTable::default(),
        package_accept_keywords: rd.table(K::PackageAcceptKeywords, true)?,
        package_keywords: rd.table(K::PackageKeywords, true)?,
        package_provided: Vec::new(),
        packages_build: Vec::new(),
        warnings: Vec::new(),
    };
    let build_file = dir.join("packages.build");
    for line in files::read_lines(fs, &build_file)?.unwrap_or_default() {
        let loc = Loc::new(&build_file, line.line);
        let text = line.joined();
        if let Some(atom) = rd.atom(&loc, &text, rd.atom_opts) {
            node.packages_build.push((loc, atom));
        }
    }
    if rd.gated(K::UseStableMask, stable_ok)? {
        node.use_stable_mask = rd.flags(K::UseStableMask)?;
    }
    if rd.gated(K::UseStableForce, stable_ok)? {
        node.use_stable_force = rd.flags(K::UseStableForce)?;
    }
    if rd.gated(K::PackageUseStableMask, stable_ok)? {
        node.package_use_stable_mask = rd.table(K::PackageUseStableMask, false)?;
    }
    if rd.gated(K::PackageUseStableForce, stable_ok)? {
        node.package_use_stable_force = rd.table(K::PackageUseStableForce, false)?;
    }
    if rd.gated(K::UseStable, use_stable_ok)? {
        node.use_stable = rd.flags(K::UseStable)?;
    }
    if rd.gated(K::PackageUseStable, use_stable_ok)? {
        node.package_use_stable = rd.table(K::PackageUseStable, false)?;
    }
    if rd.gated(K::PackageProvided, eapi.package_provided_allowed())? {
        for e in files::read_list(fs, dir, K::PackageProvided, allow_dir)?.unwrap_or_default() {
            match split_cpv(&e.value) {
                Ok(cpv) => node.package_provided.push(Listed {
                    loc: e.loc,
                    remove: e.remove,
                    value: cpv,
                }),
                Err(err) => rd.warn(
                    &e.loc,
                    format!(
                        "invalid package.provided entry '{}' skipped: {err}",
                        e.value
                    ),
                ),
            }
        }
    }
    node.warnings = rd.warnings;
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> RepoSet {
        RepoSet::from_repos_conf(Path::new(crate::repo::REAL_REPOS_CONF)).unwrap()
    }

    fn names(store: &NodeStore, stack: &[NodeId]) -> Vec<String> {
        stack.iter().map(|&id| store.get(id).name.clone()).collect()
    }

    #[test]
    fn genpack_paravirt_stacks_like_portage() {
        let repos = real();
        let mut store = NodeStore::default();
        let genpack = repos.by_name("genpack-overlay").unwrap().id;
        let id = store
            .load(&repos, genpack, "genpack/amd64/paravirt")
            .unwrap();
        let stack = names(&store, &store.stack(id));
        let expected = [
            "genpack-overlay:genpack/paravirt",
            "gentoo:base",
            "gentoo:default/linux",
            "gentoo:default/linux/amd64",
            "gentoo:arch/base",
            "gentoo:features/multilib",
            "gentoo:arch/amd64",
            "gentoo:releases",
            "gentoo:releases/23.0",
            "gentoo:default/linux/amd64/23.0",
            "gentoo:targets/systemd",
            "gentoo:default/linux/amd64/23.0/systemd",
            "genpack-overlay:genpack",
            "genpack-overlay:genpack/amd64",
            "genpack-overlay:genpack/amd64/paravirt",
        ];
        assert_eq!(stack, expected);
        // The gentoo chain twice: 31 nodes, and the shared nodes are loaded once.
        let before = store.len();
        let weston = store
            .load(&repos, genpack, "genpack/amd64/weston/paravirt")
            .unwrap();
        assert_eq!(store.stack(weston).len(), 31);
        assert!(store.len() - before <= 4, "shared nodes reloaded");
        let paravirt = store.get(id);
        assert_eq!(paravirt.eapi.as_str(), "8");
        let genpack_node = store.get(store.stack(id)[12]);
        assert_eq!(genpack_node.eapi.as_str(), "0");
        let linux = store.get(store.stack(id)[2]);
        assert_eq!(linux.name, "gentoo:default/linux");
        let build: Vec<String> = linux
            .packages_build
            .iter()
            .map(|(_, a)| a.to_string())
            .collect();
        assert_eq!(build.first().map(String::as_str), Some("app-admin/eselect"));
        assert!(linux.packages_build[0]
            .0
            .to_string()
            .ends_with("default/linux/packages.build:7"));
    }

    /// Reading ahead on all threads changes nothing: the same nodes, in
    /// the same order (so the same ids), with the same contents.
    #[test]
    fn read_ahead_loads_what_serial_loading_does() {
        let repos = real();
        let paths: Vec<(RepoId, String)> = repos
            .repos
            .iter()
            .flat_map(|r| {
                files::read_profiles_desc(&repos.fs, &r.profiles_dir())
                    .unwrap()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|d| (r.id, d.path))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(paths.len() > 500, "{}", paths.len());
        let mut serial = NodeStore::default();
        let mut ahead = NodeStore::default();
        let leaves: Vec<(RepoId, &str)> = paths.iter().map(|(r, p)| (*r, p.as_str())).collect();
        ahead.read_ahead(&repos, &leaves);
        for (repo, path) in &paths {
            let a = serial.load(&repos, *repo, path).unwrap();
            let b = ahead.load(&repos, *repo, path).unwrap();
            assert_eq!(a, b, "{path}");
        }
        assert_eq!(serial.len(), ahead.len());
        assert!(ahead.ahead.is_empty(), "read but never loaded");
        for (a, b) in serial.nodes().iter().zip(ahead.nodes()) {
            assert_eq!(describe(a), describe(b));
        }
    }

    /// A node as text, its atom tables without their hash index (whose
    /// order differs from map to map).
    fn describe(n: &ProfileNode) -> String {
        let head = (n.id, n.repo, &n.path, &n.name, &n.dir, n.eapi, &n.parents);
        let lists = (
            &n.deprecated,
            &n.make_defaults,
            &n.packages,
            &n.package_mask,
            &n.package_unmask,
            &n.use_mask,
            &n.use_force,
            &n.use_stable_mask,
            &n.use_stable_force,
            &n.use_stable,
        );
        let tables: Vec<&Vec<AtomEntry>> = [
            &n.package_use,
            &n.package_use_stable,
            &n.package_use_mask,
            &n.package_use_force,
            &n.package_use_stable_mask,
            &n.package_use_stable_force,
            &n.package_accept_keywords,
            &n.package_keywords,
        ]
        .map(|t| &t.entries)
        .to_vec();
        let rest = (&n.package_provided, &n.packages_build, &n.warnings);
        format!("{head:?} {lists:?} {tables:?} {rest:?}")
    }

    #[test]
    fn weston_typo_is_a_warning_not_an_error() {
        let repos = real();
        let mut store = NodeStore::default();
        let genpack = repos.by_name("genpack-overlay").unwrap().id;
        let id = store.load(&repos, genpack, "genpack/weston").unwrap();
        let node = store.get(id);
        let cps: Vec<_> = node.package_use.cps().map(|s| s.as_str()).collect();
        assert!(cps.contains(&"edia-libs/freetype"), "{cps:?}");
    }

    /// Found while writing the pipeline fuzz target (its vocabulary is too
    /// small to reach it; a stress input did): each directory
    /// listing the next one twice doubles the stack, so 60 small files
    /// asked for 2^60 stack entries (a hang, then out of memory). Loading
    /// now refuses a stack longer than MAX_STACK before anything walks it.
    #[test]
    fn diamond_parents_are_bounded() {
        let d = scratch("diamond");
        for i in 0..60 {
            let dir = d.join(format!("r/profiles/d{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            if i < 59 {
                let next = format!("../d{}\n", i + 1);
                std::fs::write(dir.join("parent"), next.repeat(2)).unwrap();
            }
        }
        let repos = RepoSet::from_dirs(&[d.join("r")]).unwrap();
        let mut store = NodeStore::default();
        let err = store.load(&repos, RepoId(0), "d0").unwrap_err();
        assert!(matches!(err, ProfileError::StackTooLong { .. }), "{err}");
        // A node whose stack is small still loads from the same store.
        let id = store.load(&repos, RepoId(0), "d50").unwrap();
        assert_eq!(store.stack(id).len(), (1 << 10) - 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("portolan-node-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("r/profiles/a")).unwrap();
        std::fs::create_dir_all(d.join("r/profiles/b")).unwrap();
        std::fs::create_dir_all(d.join("r/metadata")).unwrap();
        std::fs::write(d.join("r/profiles/repo_name"), "r\n").unwrap();
        std::fs::write(d.join("r/metadata/layout.conf"), "masters =\n").unwrap();
        d
    }

    #[test]
    fn parent_cycle_and_missing_parent_name_the_line() {
        let d = scratch("cycle");
        std::fs::write(d.join("r/profiles/a/parent"), "# c\n../b\n").unwrap();
        std::fs::write(d.join("r/profiles/b/parent"), "../a\n").unwrap();
        let repos = RepoSet::from_dirs(&[d.join("r")]).unwrap();
        let err = NodeStore::default()
            .load(&repos, RepoId(0), "a")
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ProfileError::ParentCycle { .. }), "{msg}");
        // Read ahead, the same error.
        let mut store = NodeStore::default();
        store.read_ahead(&repos, &[(RepoId(0), "a")]);
        assert_eq!(
            store.load(&repos, RepoId(0), "a").unwrap_err().to_string(),
            msg
        );
        assert!(msg.contains("b/parent:1"), "{msg}");
        assert!(msg.contains("r:a -> r:b -> r:a"), "{msg}");

        std::fs::write(d.join("r/profiles/b/parent"), "../nowhere\n").unwrap();
        let err = NodeStore::default()
            .load(&repos, RepoId(0), "a")
            .unwrap_err();
        assert!(matches!(err, ProfileError::MissingParent { .. }), "{err}");
        assert!(err.to_string().contains("b/parent:1"), "{err}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
