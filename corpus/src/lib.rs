//! Fixtures and the demo tree for portolan.

use std::path::PathBuf;

/// The folder of the demo tree shipped with the sources (`corpus/demo`),
/// used when no repositories are configured.
pub fn demo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/demo"))
}

/// The demo tree's repos.conf.
pub fn demo_repos_conf() -> PathBuf {
    demo_dir().join("repos.conf")
}

pub mod gen;
pub mod measure;
