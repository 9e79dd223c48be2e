//! One module per subcommand.

pub mod edit;
pub mod probe;
