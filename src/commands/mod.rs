//! One module per subcommand.

pub mod atom;
pub mod bisect;
pub mod check;
pub mod conformance;
pub mod diff;
pub mod merge;
pub mod profiles;
pub mod query;
pub mod select;
pub mod show;
pub mod vercmp;
pub mod why;
