//! One module per subcommand.

pub mod atom;
pub mod conformance;
pub mod profiles;
pub mod vercmp;
