//! One module per group of endpoints of API.md; handlers are thin: read the request, ask the
//! store, shape the reply.

pub mod assets;
pub mod chat;
pub mod credits;
pub mod render;
pub mod sent;
pub mod sessions;
pub mod studio_api;
pub mod token;
pub mod upload;
