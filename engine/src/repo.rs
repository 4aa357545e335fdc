//! Repositories: which ones exist (`repos.conf`), what each one says about
//! itself (`metadata/layout.conf`, `profiles/repo_name`, `profiles/eapi`) and
//! how they stack (`masters`).
//!
//! Traps worth knowing:
//! - `location` values in repos.conf are relative to the folder of the file
//!   that names them, not to the working directory.
//! - repos.conf may be a folder of files; Portage reads them in name order,
//!   skipping hidden files and editor backups (`~`).
//! - `masters =` (present, empty) means standalone; a missing `masters` key
//!   means "the main repository" (deprecated; Portage warns). A `masters` key
//!   in repos.conf overrides layout.conf.
//! - `profile-formats` unset is not `pms` for Portage: it is the internal
//!   `portage-1-compat` (profile files may be directories) when the
//!   repository's `profiles/eapi` is below 7, else `portage-1`.
//! - The repository name comes from layout.conf `repo-name` when set, else
//!   from the first line of `profiles/repo_name`.

use std::path::{Path, PathBuf};

use crate::fs::Fs;
use crate::intern::Sym;
use crate::memo::Memo;
use crate::source::{self, Loc, SourceError, Warning};

/// Index of a repository in a [`RepoSet`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoId(pub u16);

/// Feature switches from layout.conf `profile-formats` (spec §6.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProfileFormats {
    /// Profile files may be directories (`portage-1`, `portage-2`, and the
    /// implicit `portage-1-compat`).
    pub directories: bool,
    /// `repo:path` and `:path` lines in `parent` files (`portage-2`).
    pub colon_parents: bool,
    /// Non-`*` lines of `packages` form `@profile` (`profile-set`).
    pub profile_set: bool,
    /// `::repo` allowed in profile atoms (`profile-repo-deps`).
    pub repo_deps: bool,
    /// `build-id` atoms.
    pub build_id: bool,
    /// `package.bashrc` (`profile-bashrcs`).
    pub bashrcs: bool,
    /// `package.license` in profiles (`profile-license`).
    pub license: bool,
    /// `profile_eapi_when_unspecified` is honoured (`profile-default-eapi`).
    pub default_eapi: bool,
    /// True when the key was absent and the defaults above were implied.
    pub implicit: bool,
}

/// One repository, as configured and as it describes itself.
#[derive(Clone, Debug)]
pub struct Repository {
    pub id: RepoId,
    pub name: Sym,
    /// Absolute (or as-given, when the config used an absolute path) folder.
    pub location: PathBuf,
    /// Masters in the order listed (a master further right has higher
    /// priority), resolved to configured repositories.
    pub masters: Vec<RepoId>,
    pub formats: ProfileFormats,
    /// `profiles/eapi`, if present (the EAPI of repository-level files).
    pub profiles_eapi: Option<String>,
    /// `profile_eapi_when_unspecified` from layout.conf.
    pub profile_eapi_when_unspecified: Option<String>,
    pub eapis_banned: Vec<String>,
    pub eapis_deprecated: Vec<String>,
    /// Where the configuration of this repository was read from (the
    /// repos.conf section or the `--repo` argument), for messages.
    pub configured_at: Loc,
}

impl Repository {
    pub fn profiles_dir(&self) -> PathBuf {
        self.location.join("profiles")
    }

    pub fn md5_cache_dir(&self) -> PathBuf {
        self.location.join("metadata").join("md5-cache")
    }
}

/// All configured repositories, the main one first when known.
#[derive(Clone, Debug, Default)]
pub struct RepoSet {
    pub repos: Vec<Repository>,
    pub main: Option<RepoId>,
    pub warnings: Vec<Warning>,
    /// Where the files below every repository location are read from.
    pub fs: Fs,
    /// Files already parsed, by content id (shared by the sets of one run).
    pub memo: Memo,
}

/// Failure to configure or load a repository.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{loc}: {message}")]
    Syntax { loc: Loc, message: String },
    #[error("{loc}: repository '{name}' has no location")]
    NoLocation { loc: Loc, name: String },
    #[error("{loc}: repository location {} does not exist", path.display())]
    MissingLocation { loc: Loc, path: PathBuf },
    #[error("{loc}: repository at {} has no name (neither layout.conf repo-name nor profiles/repo_name)", path.display())]
    NoName { loc: Loc, path: PathBuf },
    #[error("{loc}: master repository '{master}' of '{repo}' is not configured")]
    UnknownMaster {
        loc: Loc,
        repo: String,
        master: String,
    },
    #[error("{loc}: repository '{name}' is configured twice (first at {first})")]
    Duplicate { loc: Loc, name: String, first: Loc },
    #[error("no repositories configured")]
    Empty,
}

/// One `[section]` of repos.conf, before the repository itself is read.
#[derive(Clone, Debug)]
pub struct RepoConfEntry {
    pub name: String,
    pub loc: Loc,
    /// Resolved against the folder of the file that set it.
    pub location: Option<PathBuf>,
    pub masters: Option<(Loc, String)>,
}

/// What repos.conf says: the main repository and the sections.
#[derive(Clone, Debug, Default)]
pub struct ReposConf {
    pub main_repo: Option<String>,
    pub entries: Vec<RepoConfEntry>,
    /// Position in `entries` of each section name.
    index: ahash::HashMap<String, usize>,
}

impl RepoSet {
    /// Loads every repository named by a repos.conf file or folder.
    pub fn from_repos_conf(path: &Path) -> Result<RepoSet, RepoError> {
        RepoSet::from_repos_conf_in(path, Fs::os())
    }

    /// Like [`from_repos_conf`](Self::from_repos_conf), reading the
    /// repositories through `fs` (repos.conf itself is always read from
    /// disk, and every location must exist on disk: a source mounted over a
    /// location is mounted at its canonical path).
    pub fn from_repos_conf_in(path: &Path, fs: Fs) -> Result<RepoSet, RepoError> {
        let conf = read_repos_conf(path)?;
        let mut specs = Vec::new();
        for e in &conf.entries {
            let location = e.location.clone().ok_or_else(|| RepoError::NoLocation {
                loc: e.loc.clone(),
                name: e.name.clone(),
            })?;
            specs.push(RepoSpec {
                section_name: Some(e.name.clone()),
                location,
                masters: e.masters.clone(),
                loc: e.loc.clone(),
            });
        }
        RepoSet::load(specs, conf.main_repo, fs)
    }

    /// Loads repositories given directly as folders (`--repo DIR`), in order;
    /// the first one is the main repository.
    pub fn from_dirs(dirs: &[PathBuf]) -> Result<RepoSet, RepoError> {
        RepoSet::from_dirs_in(dirs, Fs::os())
    }

    /// Like [`from_dirs`](Self::from_dirs), reading through `fs`.
    pub fn from_dirs_in(dirs: &[PathBuf], fs: Fs) -> Result<RepoSet, RepoError> {
        let specs = dirs
            .iter()
            .map(|d| RepoSpec {
                section_name: None,
                location: d.clone(),
                masters: None,
                loc: Loc::new(d, 0),
            })
            .collect();
        RepoSet::load(specs, None, fs)
    }

    fn load(specs: Vec<RepoSpec>, main_repo: Option<String>, fs: Fs) -> Result<RepoSet, RepoError> {
        if specs.is_empty() {
            return Err(RepoError::Empty);
        }
        let mut set = RepoSet {
            fs,
            ..RepoSet::default()
        };
        let mut raw_masters = Vec::new();
        for (i, spec) in specs.into_iter().enumerate() {
            let (repo, masters) =
                read_repository(&set.fs, RepoId(i as u16), spec, &mut set.warnings)?;
            if let Some(first) = set.repos.iter().find(|r| r.name == repo.name) {
                return Err(RepoError::Duplicate {
                    loc: repo.configured_at.clone(),
                    name: repo.name.to_string(),
                    first: first.configured_at.clone(),
                });
            }
            set.repos.push(repo);
            raw_masters.push(masters);
        }
        let main_name = main_repo.or_else(|| {
            // Without repos.conf the first repository given is the main one.
            Some(set.repos[0].name.to_string())
        });
        set.main = main_name
            .as_deref()
            .and_then(|n| set.repos.iter().find(|r| r.name.as_str() == n))
            .map(|r| r.id);
        for (i, masters) in raw_masters.into_iter().enumerate() {
            let resolved = match masters {
                Some((loc, names)) => {
                    let mut out = Vec::new();
                    for name in names.split_whitespace() {
                        let id = set
                            .by_name(name)
                            .ok_or_else(|| RepoError::UnknownMaster {
                                loc: loc.clone(),
                                repo: set.repos[i].name.to_string(),
                                master: name.to_owned(),
                            })?
                            .id;
                        out.push(id);
                    }
                    out
                }
                None => match set.main {
                    Some(main) if main.0 as usize != i => {
                        set.warnings.push(Warning {
                            loc: set.repos[i].configured_at.clone(),
                            message: format!(
                                "repository '{}' has no 'masters' in metadata/layout.conf; assuming the main repository '{}' as Portage does",
                                set.repos[i].name,
                                set.repos[main.0 as usize].name
                            ),
                        });
                        vec![main]
                    }
                    _ => Vec::new(),
                },
            };
            set.repos[i].masters = resolved;
        }
        Ok(set)
    }

    pub fn by_name(&self, name: &str) -> Option<&Repository> {
        self.repos.iter().find(|r| r.name.as_str() == name)
    }

    pub fn get(&self, id: RepoId) -> &Repository {
        &self.repos[id.0 as usize]
    }

    /// The repositories whose files apply to packages of `id`: its masters
    /// (recursively, each once, masters first) and then `id` itself.
    pub fn lineage(&self, id: RepoId) -> Vec<RepoId> {
        let mut out = Vec::new();
        self.push_lineage(id, &mut out, 0);
        out
    }

    fn push_lineage(&self, id: RepoId, out: &mut Vec<RepoId>, depth: usize) {
        if depth > self.repos.len() || out.contains(&id) {
            return;
        }
        for &m in &self.get(id).masters {
            self.push_lineage(m, out, depth + 1);
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
}

struct RepoSpec {
    section_name: Option<String>,
    location: PathBuf,
    masters: Option<(Loc, String)>,
    loc: Loc,
}

#[allow(clippy::type_complexity)]
fn read_repository(
    fs: &Fs,
    id: RepoId,
    spec: RepoSpec,
    warnings: &mut Vec<Warning>,
) -> Result<(Repository, Option<(Loc, String)>), RepoError> {
    if !spec.location.is_dir() {
        return Err(RepoError::MissingLocation {
            loc: spec.loc,
            path: spec.location,
        });
    }
    // Absolute, so that profile directories reached through different
    // relative paths are recognised as the same node.
    let location = std::fs::canonicalize(&spec.location).map_err(|e| SourceError::Io {
        path: spec.location.clone(),
        source: e,
    })?;
    let spec = RepoSpec { location, ..spec };
    let layout_path = spec.location.join("metadata").join("layout.conf");
    let layout = if fs.is_file(&layout_path) {
        read_layout_conf(fs, &layout_path)?
    } else {
        LayoutConf::default()
    };
    let profiles = spec.location.join("profiles");
    let repo_name_file = first_line(fs, &profiles.join("repo_name"))?;
    let name = layout
        .get("repo-name")
        .map(|(_, v)| v.to_owned())
        .or(repo_name_file)
        .or(spec.section_name.clone())
        .ok_or_else(|| RepoError::NoName {
            loc: spec.loc.clone(),
            path: spec.location.clone(),
        })?;
    if let Some(section) = &spec.section_name {
        if section != &name {
            warnings.push(Warning {
                loc: spec.loc.clone(),
                message: format!(
                    "repos.conf section '{section}' names a repository that calls itself '{name}'; using '{name}'"
                ),
            });
        }
    }
    let profiles_eapi = first_line(fs, &profiles.join("eapi"))?;
    let formats = match layout.get("profile-formats") {
        Some((loc, v)) => parse_profile_formats(v, &loc, warnings),
        None => {
            // Portage: portage-1-compat below profile EAPI 7, else portage-1.
            ProfileFormats {
                directories: true,
                implicit: true,
                ..ProfileFormats::default()
            }
        }
    };
    let masters = spec
        .masters
        .or_else(|| layout.get("masters").map(|(l, v)| (l, v.to_owned())));
    let words = |key: &str| {
        layout
            .get(key)
            .map(|(_, v)| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let repo = Repository {
        id,
        name: Sym::new(&name),
        location: spec.location,
        masters: Vec::new(),
        formats,
        profiles_eapi,
        profile_eapi_when_unspecified: layout
            .get("profile_eapi_when_unspecified")
            .map(|(_, v)| v.to_owned()),
        eapis_banned: words("eapis-banned"),
        eapis_deprecated: words("eapis-deprecated"),
        configured_at: spec.loc,
    };
    Ok((repo, masters))
}

/// The words of layout.conf `profile-formats` (unknown ones warned about).
pub fn parse_profile_formats(
    value: &str,
    loc: &Loc,
    warnings: &mut Vec<Warning>,
) -> ProfileFormats {
    let mut f = ProfileFormats::default();
    for w in value.split_whitespace() {
        match w {
            "pms" => {}
            "portage-1" => f.directories = true,
            "portage-2" => {
                f.directories = true;
                f.colon_parents = true;
            }
            "profile-set" => f.profile_set = true,
            "profile-repo-deps" => f.repo_deps = true,
            "build-id" => f.build_id = true,
            "profile-bashrcs" => f.bashrcs = true,
            "profile-license" => f.license = true,
            "profile-default-eapi" => f.default_eapi = true,
            other => warnings.push(Warning {
                loc: loc.clone(),
                message: format!("unknown profile-formats value '{other}' ignored"),
            }),
        }
    }
    f
}

/// `metadata/layout.conf`: `key = value` lines, `#` comment lines.
#[derive(Clone, Debug, Default)]
pub struct LayoutConf {
    pub entries: Vec<(Loc, String, String)>,
}

impl LayoutConf {
    /// The last value given for `key` (later lines override earlier ones).
    pub fn get(&self, key: &str) -> Option<(Loc, &str)> {
        self.entries
            .iter()
            .rev()
            .find(|(_, k, _)| k == key)
            .map(|(l, _, v)| (l.clone(), v.as_str()))
    }
}

fn read_layout_conf(fs: &Fs, path: &Path) -> Result<LayoutConf, RepoError> {
    let text = source::read_utf8(fs, path)?;
    parse_layout_conf(&text, path)
}

/// The text of a layout.conf read from `path` (named in locations).
pub fn parse_layout_conf(text: &str, path: &Path) -> Result<LayoutConf, RepoError> {
    let mut conf = LayoutConf::default();
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc::new(path, i as u32 + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(RepoError::Syntax {
                loc,
                message: format!("expected 'key = value', found '{line}'"),
            });
        };
        conf.entries
            .push((loc, k.trim().to_owned(), v.trim().to_owned()));
    }
    Ok(conf)
}

fn first_line(fs: &Fs, path: &Path) -> Result<Option<String>, RepoError> {
    if !fs.is_file(path) {
        return Ok(None);
    }
    let text = source::read_utf8(fs, path)?;
    Ok(text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned))
}

/// Reads repos.conf, a file or a folder of files (name order, skipping
/// hidden files and `~` backups), in Portage's INI dialect.
fn read_repos_conf(path: &Path) -> Result<ReposConf, RepoError> {
    let mut files = Vec::new();
    if path.is_dir() {
        let rd = std::fs::read_dir(path).map_err(|e| SourceError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        for entry in rd {
            let entry = entry.map_err(|e| SourceError::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name.ends_with('~') || !entry.path().is_file() {
                continue;
            }
            files.push(entry.path());
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut conf = ReposConf::default();
    for file in files {
        parse_repos_conf_file(&file, &mut conf)?;
    }
    Ok(conf)
}

fn parse_repos_conf_file(path: &Path, conf: &mut ReposConf) -> Result<(), RepoError> {
    let text = source::read_utf8(&Fs::os(), path)?;
    parse_repos_conf_into(&text, path, conf)
}

/// The text of one repos.conf file read from `path` (named in locations;
/// relative `location`s resolve against its folder).
pub fn parse_repos_conf(text: &str, path: &Path) -> Result<ReposConf, RepoError> {
    let mut conf = ReposConf::default();
    parse_repos_conf_into(text, path, &mut conf)?;
    Ok(conf)
}

/// Adds one file's sections to `conf`: a section named again (in this or an
/// earlier file) updates the earlier one, as Portage's reader does.
fn parse_repos_conf_into(text: &str, path: &Path, conf: &mut ReposConf) -> Result<(), RepoError> {
    let base = path.parent().unwrap_or(Path::new("."));
    // None: before any section; Some(None): [DEFAULT]; Some(Some(i)): entry i.
    let mut section: Option<Option<usize>> = None;
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc::new(path, i as u32 + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(RepoError::Syntax {
                    loc,
                    message: format!("unterminated section header '{line}'"),
                });
            };
            let name = name.trim();
            if name == "DEFAULT" {
                section = Some(None);
            } else {
                let idx = match conf.index.get(name) {
                    Some(&idx) => idx,
                    None => {
                        conf.entries.push(RepoConfEntry {
                            name: name.to_owned(),
                            loc: loc.clone(),
                            location: None,
                            masters: None,
                        });
                        conf.index.insert(name.to_owned(), conf.entries.len() - 1);
                        conf.entries.len() - 1
                    }
                };
                section = Some(Some(idx));
            }
            continue;
        }
        let Some((k, v)) = line.split_once(['=', ':']) else {
            return Err(RepoError::Syntax {
                loc,
                message: format!("expected 'key = value', found '{line}'"),
            });
        };
        let (k, v) = (k.trim(), v.trim());
        match section {
            None => {
                return Err(RepoError::Syntax {
                    loc,
                    message: format!("'{k}' before any [section]"),
                })
            }
            Some(None) => {
                if k == "main-repo" {
                    conf.main_repo = Some(v.to_owned());
                }
            }
            Some(Some(idx)) => {
                let e = &mut conf.entries[idx];
                match k {
                    "location" => {
                        let p = PathBuf::from(v);
                        e.location = Some(if p.is_absolute() { p } else { base.join(p) });
                    }
                    "masters" => e.masters = Some((loc, v.to_owned())),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// The real corpus's repos.conf, beside this checkout (the engine's unit
/// tests on real data read it).
#[cfg(test)]
pub(crate) const REAL_REPOS_CONF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpus/real/repos.conf"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> PathBuf {
        PathBuf::from(REAL_REPOS_CONF)
    }

    #[test]
    fn real_repos_conf() {
        let set = RepoSet::from_repos_conf(&real()).unwrap();
        let names: Vec<_> = set.repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["gentoo", "genpack-overlay", "coreos-overlay"]);
        assert_eq!(set.main, Some(RepoId(0)));
        let gentoo = set.by_name("gentoo").unwrap();
        assert!(gentoo.masters.is_empty());
        assert!(gentoo.formats.implicit && gentoo.formats.directories);
        assert!(!gentoo.formats.colon_parents);
        assert_eq!(gentoo.profiles_eapi.as_deref(), Some("5"));
        assert_eq!(gentoo.eapis_banned, ["0", "1", "2", "3", "4", "5"]);
        let genpack = set.by_name("genpack-overlay").unwrap();
        assert_eq!(genpack.masters, [gentoo.id]);
        assert!(genpack.formats.colon_parents && genpack.formats.profile_set);
        let coreos = set.by_name("coreos-overlay").unwrap();
        assert!(coreos.formats.colon_parents && !coreos.formats.profile_set);
        assert_eq!(set.lineage(coreos.id), [gentoo.id, coreos.id]);
        assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    }

    #[test]
    fn unknown_master_is_an_error_naming_the_line() {
        let dir = std::env::temp_dir().join(format!("portolan-repo-test-{}", std::process::id()));
        let repo = dir.join("over");
        std::fs::create_dir_all(repo.join("metadata")).unwrap();
        std::fs::create_dir_all(repo.join("profiles")).unwrap();
        std::fs::write(repo.join("profiles/repo_name"), "over\n").unwrap();
        std::fs::write(
            repo.join("metadata/layout.conf"),
            "# x\nmasters = nowhere\n",
        )
        .unwrap();
        std::fs::write(dir.join("repos.conf"), "[over]\nlocation = over\n").unwrap();
        let err = RepoSet::from_repos_conf(&dir.join("repos.conf")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("layout.conf:2"), "{msg}");
        assert!(msg.contains("'nowhere'"), "{msg}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Found by stress-testing the repos_conf fuzz target's parser: each
    /// section header looked its name up by a linear scan of the sections
    /// so far, so 100 000 sections took about a minute (quadratic).
    #[test]
    fn many_sections_parse_in_linear_time() {
        let mut text = String::new();
        for i in 0..100_000 {
            text.push_str(&format!("[s{i}]\nlocation = r{i}\n"));
        }
        text.push_str("[s7]\nmasters = s1\n");
        let conf = parse_repos_conf(&text, Path::new("/etc/repos.conf")).unwrap();
        assert_eq!(conf.entries.len(), 100_000);
        let s7 = &conf.entries[7];
        assert_eq!(s7.location.as_deref(), Some(Path::new("/etc/r7")));
        assert_eq!(s7.masters.as_ref().map(|(_, m)| m.as_str()), Some("s1"));
        assert_eq!(s7.loc.line, 15);
    }

    #[test]
    fn missing_location_is_an_error() {
        let dir = std::env::temp_dir().join(format!("portolan-repo-miss-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("repos.conf"), "[x]\nlocation = does-not-exist\n").unwrap();
        let err = RepoSet::from_repos_conf(&dir.join("repos.conf")).unwrap_err();
        assert!(matches!(err, RepoError::MissingLocation { .. }), "{err}");
        assert!(err.to_string().contains("repos.conf:1"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
