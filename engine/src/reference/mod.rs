//! A reference resolver: what a profile sets and what it decides for one
//! package version, computed slowly and plainly from the files on disk, so
//! that tests can hold the fast path (`profile::stack`, `profile::flags`,
//! `evaluate`) to it.
//!
//! Why it exists: the fast path folds shared stack prefixes, keeps only the
//! last token per flag, interns names and indexes tables by package; each
//! of those is a place for a bug that a test written by hand would not
//! think of. The reference does none of it: it re-reads every file, keeps
//! every token as a `String`, and answers each question by replaying the
//! token lists left to right, exactly as Portage describes the rules. It
//! shares nothing with the fast path but [`crate::profile::files::clean_lines`]
//! (comments and blank lines), and takes repository configuration
//! (locations, masters, layout.conf switches) as plain data ([`RefRepo`]).
//!
//! - [`version`], [`atom`]: version comparison (PMS §3.3), atom parsing and
//!   matching (Portage `match_from_list`, `best_match_to_list`).
//! - [`files`]: directory forms, list lines, make.defaults words and
//!   `varexpand`.
//! - [`profile`]: the stack, variables, USE_EXPAND, masks, `packages`.
//! - [`package`]: an md5-cache entry and its evaluation (keywords, stable,
//!   USE/force/mask, implicit IUSE, mask reasons).
//!
//! What it leaves out, on purpose (the generated repositories and the real
//! corpus do not need it, or the fast path's answer is not compared there):
//! file:line provenance and warnings; invalid atoms or flags beyond skipping
//! them; make.defaults quoting corner cases (odd single quotes left in a
//! value, `\\` before a quote); metadata that does not parse (the `invalid`
//! reason covers SLOT, IUSE defaults before EAPI 1, REQUIRED_USE before EAPI
//! 4 and flags outside IUSE_EFFECTIVE, not syntax errors); package.provided,
//! packages.build, `deprecated`; user configuration of any kind.

pub mod atom;
pub mod files;
pub mod package;
pub mod profile;
pub mod version;

use std::path::PathBuf;

/// A repository as the reference needs it.
#[derive(Clone, Debug)]
pub struct RefRepo {
    pub name: String,
    pub location: PathBuf,
    /// Master repository names.
    pub masters: Vec<String>,
    /// layout.conf `profile-formats`: directories allowed (portage-1/2).
    pub directories: bool,
    /// `repo:path` parents (portage-2).
    pub colon_parents: bool,
    /// `profile-set`.
    pub profile_set: bool,
    /// `profile-default-eapi`.
    pub default_eapi: bool,
    pub profile_eapi_when_unspecified: Option<String>,
    /// `profiles/eapi`.
    pub profiles_eapi: Option<String>,
}

impl RefRepo {
    /// The configuration as loaded by [`crate::repo::RepoSet`] (repos.conf
    /// and layout.conf are inputs here, not something the reference checks).
    pub fn from_repo_set(set: &crate::repo::RepoSet) -> Vec<RefRepo> {
        set.repos
            .iter()
            .map(|r| RefRepo {
                name: r.name.to_string(),
                location: r.location.clone(),
                masters: r
                    .masters
                    .iter()
                    .map(|&m| set.get(m).name.to_string())
                    .collect(),
                directories: r.formats.directories,
                colon_parents: r.formats.colon_parents,
                profile_set: r.formats.profile_set,
                default_eapi: r.formats.default_eapi,
                profile_eapi_when_unspecified: r.profile_eapi_when_unspecified.clone(),
                profiles_eapi: r.profiles_eapi.clone(),
            })
            .collect()
    }
}
