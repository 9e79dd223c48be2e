//! Everything that touches ffmpeg and ffprobe.
//!
//! Layout:
//! - [`process`]: the one wrapper every external call goes through (timeout, kill on drop,
//!   stderr kept, "install ffmpeg" when missing).
//! - [`probe`] and [`limits`]: what a file is, sniffed and probed with hardened flags, and
//!   refused when it is over a limit, before anything decodes it.
//! - [`input`]: the hardened input arguments every decode uses.
//! - [`analysis`]: numbers computed from decoded PCM (pauses), cached per asset by [`library`].
//! - [`picture`]: whether a video looks like a screen recording, from a few sampled frames.
//! - [`render`]: a pure plan (Draft → ffmpeg arguments and filter graph) and the executor that
//!   runs it with progress.
//!
//! Nothing here decides what an edit means: that is `timeline`'s job.

pub mod analysis;
pub mod error;
pub mod input;
pub mod library;
pub mod limits;
pub mod picture;
pub mod probe;
pub mod process;
pub mod render;

pub use error::MediaError;
pub use limits::Limits;
pub use probe::{probe, MediaKind, Probe};
