//! Reports of `check` and `merge`: one plain data type, the [`Matrix`] of
//! (profile, target set) cells, and one module per output format that
//! renders it. `check` builds a matrix from verdicts, `merge` from the JSON
//! lines of partitioned `check` runs; both hand it to [`write`](fn@write), so the
//! formats cannot drift between the two commands.

pub mod html;
pub mod json;
pub mod junit;
pub mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, Result};
use portolan_engine::tree::Tree;
use portolan_solver::Verdict;
use serde::{Deserialize, Serialize};

/// The output formats of `check` and `merge`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per cell, then why the failing cells fail.
    Text,
    /// One JSON object per line and cell (the input of `merge`).
    Json,
    /// JUnit XML: a testsuite per profile, a testcase per target set.
    Junit,
    /// One self-contained HTML page: profiles by arch against target sets.
    Html,
}

/// What a whole `check` run was about: the same for every partition of
/// one matrix, so `merge` can refuse to join parts of different runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The portolan version that checked.
    pub portolan: String,
    /// The configured repositories, main first.
    pub repos: Vec<RepoInfo>,
    /// The target sets, in column order.
    pub targets: Vec<String>,
    /// `all` or `runtime`.
    pub deps: String,
    pub allow_use_changes: bool,
    /// How many profiles the whole matrix has (every partition).
    pub profiles: usize,
    /// Which part of the matrix this run checked; absent for the whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
}

impl Run {
    /// The run of a `check` over `tree`: `profiles` is the size of the
    /// whole selection, whatever part of it this run checks.
    pub fn of(
        tree: &Tree,
        targets: Vec<String>,
        deps: &str,
        allow_use_changes: bool,
        profiles: usize,
        partition: Option<Partition>,
    ) -> Run {
        Run {
            portolan: env!("CARGO_PKG_VERSION").to_owned(),
            repos: tree
                .repos
                .repos
                .iter()
                .map(|r| RepoInfo {
                    name: r.name.to_string(),
                    revision: revision(&r.location),
                })
                .collect(),
            targets,
            deps: deps.to_owned(),
            allow_use_changes,
            profiles,
            partition,
        }
    }
}

/// The arch of each profile profiles.desc lists.
pub struct Arches(std::collections::HashMap<String, String>);

impl Arches {
    pub fn of(tree: &Tree) -> Arches {
        Arches(
            tree.profiles_desc
                .iter()
                .map(|d| (d.name(&tree.repos), d.arch.clone()))
                .collect(),
        )
    }

    /// profiles.desc's arch for `profile`, else `fallback` (its `ARCH`),
    /// else empty.
    pub fn get<'a>(&'a self, profile: &str, fallback: Option<&'a str>) -> &'a str {
        self.0
            .get(profile)
            .map(String::as_str)
            .or(fallback)
            .unwrap_or("")
    }
}

/// A repository and, when its folder says, the revision checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoInfo {
    pub name: String,
    /// The git commit of the checkout (`.git`), or of the mirror it was
    /// synced from (`metadata/timestamp.commit`); `null` when neither.
    pub revision: Option<String>,
}

/// One problem of a failing cell, as the solver classified it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub atom: String,
    pub detail: String,
    pub kind: String,
    pub required_by: Vec<String>,
    pub source: Option<String>,
}

/// One (profile, target set) cell. Fields are in the order the JSON line
/// prints them (alphabetical, as `serde_json` sorts keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// The profile's arch (profiles.desc, else `ARCH`); empty if unknown.
    pub arch: String,
    /// Set when the profile could not be loaded: the cell was not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a person: the problems and how they make the request fail (or
    /// the error).
    pub explanation: String,
    pub installable: bool,
    /// `[profile index, target index]` in the whole matrix: orders the
    /// cells of merged partitions exactly as one run would.
    pub position: [usize; 2],
    pub problems: Vec<Problem>,
    /// `REPO:PATH`
    pub profile: String,
    /// The target set as given: `@system`, `@profile` or an atom.
    pub set: String,
    /// `cat/pkg:slot` → PF of every version to install.
    pub solution: BTreeMap<String, String>,
    /// The atoms the set expanded to.
    pub targets: Vec<String>,
    /// package.use lines the solution needs (`--allow-use-changes`).
    pub use_changes: Vec<String>,
}

/// The three verdicts a cell can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Installable,
    NotInstallable,
    Error,
}

impl Status {
    /// A short word for class names and counts.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Installable => "installable",
            Status::NotInstallable => "not-installable",
            Status::Error => "error",
        }
    }
}

impl Cell {
    pub fn status(&self) -> Status {
        if self.error.is_some() {
            Status::Error
        } else if self.installable {
            Status::Installable
        } else {
            Status::NotInstallable
        }
    }

    /// The cell of a solver verdict.
    pub fn checked(
        profile: String,
        arch: &str,
        set: String,
        targets: Vec<String>,
        position: [usize; 2],
        v: Verdict,
    ) -> Cell {
        Cell {
            arch: arch.to_owned(),
            error: None,
            explanation: v.explanation,
            installable: v.installable,
            position,
            problems: v
                .problems
                .into_iter()
                .map(|p| Problem {
                    atom: p.atom,
                    detail: p.detail,
                    kind: p.kind.as_str().to_owned(),
                    required_by: p.required_by,
                    source: p.source,
                })
                .collect(),
            profile,
            set,
            solution: v.solution,
            targets,
            use_changes: v.use_changes.iter().map(|u| u.to_string()).collect(),
        }
    }

    /// A cell for a profile that could not be loaded.
    pub fn error(profile: &str, arch: &str, set: &str, position: [usize; 2], msg: &str) -> Cell {
        Cell {
            arch: arch.to_owned(),
            error: Some(msg.to_owned()),
            explanation: msg.to_owned(),
            installable: false,
            position,
            problems: Vec::new(),
            profile: profile.to_owned(),
            set: set.to_owned(),
            solution: BTreeMap::new(),
            targets: Vec::new(),
            use_changes: Vec::new(),
        }
    }

    /// One line saying why the cell is not installable: the first problem
    /// and how many more (JUnit's failure message, the HTML summary).
    pub fn headline(&self) -> String {
        if let Some(e) = &self.error {
            return e.lines().next().unwrap_or("").to_owned();
        }
        match self.problems.split_first() {
            None if self.installable => format!("installable ({} packages)", self.solution.len()),
            None => self.explanation.lines().next().unwrap_or("").to_owned(),
            Some((p, rest)) => {
                let mut s = format!("[{}] {}", p.kind, p.detail);
                if !rest.is_empty() {
                    s.push_str(&format!(" (and {} more problems)", rest.len()));
                }
                s
            }
        }
    }

    /// The problem kinds, deduplicated in order: `masked, use`.
    pub fn kinds(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.problems {
            if !out.contains(&p.kind.as_str()) {
                out.push(&p.kind);
            }
        }
        out
    }
}

/// A whole report: the run and its cells, in matrix order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub run: Run,
    pub cells: Vec<Cell>,
}

/// How many cells have each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub installable: usize,
    pub not_installable: usize,
    pub error: usize,
}

impl Counts {
    pub fn of<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Counts {
        let mut c = Counts::default();
        for cell in cells {
            match cell.status() {
                Status::Installable => c.installable += 1,
                Status::NotInstallable => c.not_installable += 1,
                Status::Error => c.error += 1,
            }
        }
        c
    }

    pub fn total(&self) -> usize {
        self.installable + self.not_installable + self.error
    }
}

impl Matrix {
    pub fn counts(&self) -> Counts {
        Counts::of(&self.cells)
    }

    /// `check`'s exit status: 0 all installable, 1 some not, 2 when a
    /// profile could not be loaded (bad input).
    pub fn exit_code(&self) -> ExitCode {
        let c = self.counts();
        if c.error > 0 {
            ExitCode::from(2)
        } else if c.not_installable > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// The cells grouped by profile (consecutive, as they are ordered).
    pub fn rows(&self) -> Vec<&[Cell]> {
        self.cells
            .chunk_by(|a, b| a.position[0] == b.position[0])
            .collect()
    }
}

/// Part K of N of a matrix (`--partition K/N`, 1-based).
///
/// Profile number `i` of the whole selection (0-based, in the order the
/// profiles were named or listed in profiles.desc) belongs to part
/// `i mod N + 1`: round robin rather than contiguous ranges, because
/// neighbours in profiles.desc are alike (same arch, same repository) and
/// cost alike, so dealing them out evens the parts' work; part sizes differ
/// by at most one profile. The split depends only on the selection, so
/// every job of a CI matrix computes the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub k: usize,
    pub n: usize,
}

impl Partition {
    /// Whether profile number `index` (0-based) is in this part.
    pub fn contains(&self, index: usize) -> bool {
        index % self.n + 1 == self.k
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}' is not K/N (e.g. 2/4)"))?;
        let num = |x: &str, what: &str| {
            x.trim()
                .parse::<usize>()
                .map_err(|_| format!("'{s}': {what} '{x}' is not a whole number"))
        };
        let (k, n) = (num(k, "K")?, num(n, "N")?);
        if n == 0 {
            return Err(format!("'{s}': N must be at least 1"));
        }
        if k == 0 || k > n {
            return Err(format!(
                "'{s}': K must be between 1 and N ({n}); parts are 1-based"
            ));
        }
        Ok(Partition { k, n })
    }
}

impl Serialize for Partition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Partition {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Partition, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Renders `m` in `format` to `output` (standard output when `None`).
pub fn write(m: &Matrix, format: Format, output: Option<&Path>) -> Result<()> {
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        Format::Text => text::write(&mut out, m)?,
        Format::Json => json::write(&mut out, m)?,
        Format::Junit => junit::write(&mut out, m, &Generated::now())?,
        Format::Html => html::write(&mut out, m, &Generated::now())?,
    }
    out.flush()?;
    Ok(())
}

/// When a report was made, as `YYYY-MM-DDTHH:MM:SS` (UTC). Honours
/// `SOURCE_DATE_EPOCH`, so a report can be made reproducibly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated(pub String);

impl Generated {
    pub fn now() -> Generated {
        let secs = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64)
            });
        Generated(iso8601(secs))
    }
}

/// UTC date and time of a UNIX time (Howard Hinnant's civil_from_days).
fn iso8601(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `s` made safe for XML and HTML text and attribute values: markup
/// characters as entities, line breaks kept in text but encoded in
/// attributes, and the control characters XML 1.0 forbids even as
/// references replaced by U+FFFD.
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&#39;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

/// The revision a repository folder was checked out at: `git` HEAD, else
/// the commit a gentoo-mirror sync records in `metadata/timestamp.commit`.
pub fn revision(location: &Path) -> Option<String> {
    git_head(location).or_else(|| {
        let text = std::fs::read_to_string(location.join("metadata/timestamp.commit")).ok()?;
        text.split_whitespace().next().map(str::to_owned)
    })
}

fn git_head(location: &Path) -> Option<String> {
    let mut git = location.join(".git");
    if git.is_file() {
        // A worktree or submodule: `gitdir: PATH`.
        let text = std::fs::read_to_string(&git).ok()?;
        git = location.join(text.strip_prefix("gitdir:")?.trim());
    }
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(name) = head.strip_prefix("ref:").map(str::trim) else {
        return Some(head.to_owned());
    };
    // A linked worktree keeps its refs in the common folder.
    let common = std::fs::read_to_string(git.join("commondir"))
        .map(|c| git.join(c.trim()))
        .unwrap_or_else(|_| git.clone());
    for dir in [&git, &common] {
        if let Ok(id) = std::fs::read_to_string(dir.join(name)) {
            return Some(id.trim().to_owned());
        }
        if let Ok(packed) = std::fs::read_to_string(dir.join("packed-refs")) {
            let hit = packed.lines().find_map(|l| {
                let (id, r) = l.split_once(' ')?;
                (r == name).then(|| id.to_owned())
            });
            if hit.is_some() {
                return hit;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_reject_what_is_not_k_of_n() {
        assert_eq!("2/4".parse(), Ok(Partition { k: 2, n: 4 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/b", "-1/3"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn partitions_deal_profiles_round_robin() {
        let parts: Vec<Partition> = (1..=3).map(|k| Partition { k, n: 3 }).collect();
        for i in 0..10 {
            let owners: Vec<usize> = parts
                .iter()
                .filter(|p| p.contains(i))
                .map(|p| p.k)
                .collect();
            assert_eq!(owners, vec![i % 3 + 1]);
        }
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20");
    }

    #[test]
    fn escaping_covers_markup_quotes_breaks_and_forbidden_controls() {
        assert_eq!(escape("a<b>&\"'", false), "a&lt;b&gt;&amp;\"'");
        assert_eq!(escape("a\"'\nb", true), "a&quot;&#39;&#10;b");
        assert_eq!(escape("x\u{1}y\nz", false), "x\u{fffd}y\nz");
    }

    #[test]
    fn revisions_come_from_git_refs_or_the_mirror_timestamp() {
        let dir = std::env::temp_dir().join(format!("portolan-revision-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        assert_eq!(revision(&dir), None);
        write(
            "metadata/timestamp.commit",
            "abc123 1700000000 2023-11-14\n",
        );
        assert_eq!(revision(&dir).as_deref(), Some("abc123"));
        // git wins; a branch in packed-refs, then a loose ref, then detached.
        write(".git/HEAD", "ref: refs/heads/main\n");
        write(
            ".git/packed-refs",
            "# pack-refs\nfeed01 refs/heads/other\nbeef02 refs/heads/main\n",
        );
        assert_eq!(revision(&dir).as_deref(), Some("beef02"));
        write(".git/refs/heads/main", "cafe03\n");
        assert_eq!(revision(&dir).as_deref(), Some("cafe03"));
        write(".git/HEAD", "d00d04\n");
        assert_eq!(revision(&dir).as_deref(), Some("d00d04"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
