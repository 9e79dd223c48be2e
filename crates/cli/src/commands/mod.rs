//! One module per subcommand.

pub mod admin;
pub mod chat;
pub mod edit;
pub mod models;
pub mod pauses;
pub mod plan;
pub mod probe;
pub mod serve;
pub mod transcribe;
pub mod worker;
