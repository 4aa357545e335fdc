//! The portolan engine: everything between files on disk and per-package answers.
//!
//! Data flows one way: [`repo`] loads repositories (repos.conf, layout.conf,
//! profiles/), [`md5cache`] reads package metadata, [`profile`] parses profile
//! nodes and stacks them, and evaluation decides USE and visibility of one
//! package version under one profile. Names are interned ([`intern`]) so that
//! later stages compare integers, not strings.

pub mod atom;
pub mod cache;
pub mod depspec;
pub mod eapi;
pub mod evaluate;
pub mod fs;
pub mod intern;
pub mod keywords;
pub mod license;
pub mod matrix;
pub mod md5cache;
pub mod memo;
pub mod package;
pub mod profile;
pub mod reference;
pub mod repo;
pub mod source;
pub mod tree;
pub mod version;
