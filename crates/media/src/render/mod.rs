//! Rendering a Draft: plan (pure: Draft → ffmpeg command) then execute (run it with progress,
//! write the output atomically, check what came out).
//!
//! - [`graph`]: the typed filter graph and the one escaping function.
//! - [`plan`]: Draft + sources + settings → `RenderPlan`; golden tests pin it.
//! - [`execute`]: runs a plan, reports progress from `-progress pipe:1`, never leaves a
//!   partial output behind.
//! - [`captions`]: captions as one ASS document for libass, in the three caption styles.
//! - [`layout`]: where a title goes when captions are in the same place.
//! - [`fonts`]: finds the font text is drawn with.
//! - [`format`]: what an export is written as (MP4, WebM, GIF, M4A, MP3).
//! - [`parts`]: a long MP4 in parts rendered apart, joined by stream copy over its whole
//!   sound.

pub mod captions;
pub mod execute;
pub mod fonts;
pub mod format;
pub mod graph;
pub mod layout;
pub mod parts;
pub mod plan;

pub use execute::{render, RenderOutcome};
pub use format::Format;
pub use plan::{
    plan, FileContents, PlanFile, Quality, RateControl, RenderPaths, RenderPlan, RenderSettings,
    Source, Sources, Streams, VideoEncoding,
};
