//! Integration tests of `media` on footage made by `testkit`: one test binary for the crate.

mod parts;
mod pauses;
mod picture;
mod probing;
mod render_plan;
mod text_layout;
