//! Profiles: the files of one profile directory ([`files`],
//! [`make_defaults`]), the typed node they make ([`node`]), and how flags
//! are decided across a stack ([`flags`]).

pub mod files;
pub mod flags;
pub mod make_defaults;
pub mod node;
pub mod stack;
