//! The cutline timeline: what an edit *is*, with no way to do I/O.
//!
//! Everything that decides what the output will contain lives here as plain data and pure
//! functions, so it can be tested with tables, replayed and undone:
//!
//! - [`draft`]: the Draft (tracks of segments) in full Rust names, with the compact wire
//!   names of the protocol (`t`, `tt`, `sg`, `d`, `m`) applied by serde.
//! - [`wire`]: reading and writing the JSON wire form, with its schema version and upgrades.
//! - [`validate`]: the invariants every Draft keeps (no overlaps, `d` consistent, known
//!   sources); a Draft from outside is refused with a clear error, never rendered.
//! - [`canvas`]: output shapes (aspect presets, resolutions, fit modes) as typed values.
//! - [`analysis`]: analysis results the edits consume (the silence map of an asset).
//! - [`ops`]: one typed edit each (`Op`), applied by `apply(&Draft, &Op, &EditContext)`.
//! - [`join`]: Drafts end to end (the pieces of a batch session joined into one).
//! - [`history`]: every state of a Draft, for exact undo, redo and reset.
//! - [`parts`]: a long export cut into parts rendered apart and joined (where, and each
//!   part's Draft).
//! - [`subtitles`]: caption segments as SRT/WebVTT cues (and a strict SRT reader).
//! - [`time`]: integer-millisecond ranges and the clock format users read ("2:14").
//!
//! This crate depends on nothing of ours and never spawns, reads or writes anything.

pub mod analysis;
pub mod canvas;
pub mod draft;
pub mod frames;
pub mod history;
pub mod join;
pub mod ops;
pub mod parts;
pub mod subtitles;
pub mod time;
pub mod validate;
pub mod wire;

pub use analysis::{SilenceMap, SoundLevels};
pub use canvas::{Aspect, Fit, Resolution};
pub use draft::{
    CaptionStyle, Corner, Draft, DraftMeta, Position, Segment, SegmentMeta, TimedWord, Track,
    TrackKind,
};
pub use frames::FrameRate;
pub use history::History;
pub use ops::{
    apply, Applied, CaptionLook, ClipIndex, EditContext, EditError, Effect, Layer, Op,
    SourceCaption, SourceWord, TitleChange,
};
pub use time::{format_clock, TimeRange};
pub use validate::{validate, DraftError};
