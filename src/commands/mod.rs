//! One module per subcommand.

pub mod atom;
pub mod conformance;
pub mod vercmp;
