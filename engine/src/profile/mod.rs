//! Profiles: the files of one profile directory ([`files`], [`make_defaults`]).

pub mod files;
pub mod make_defaults;
