//! Speech: what was said and when, and how it becomes readable captions.
//!
//! - [`transcript`]: transcripts as data (segments and words with millisecond times).
//! - [`captions`]: the pure caption layout: words → captions of at most two short lines,
//!   timed for reading, broken at punctuation and clause boundaries, never across a cut.
//!
//! Speech-to-text itself (whisper.cpp behind a `SpeechToText` trait) is not here yet: see
//! `scripts/prepare-speech-model.sh` for the model it will use.

pub mod captions;
pub mod transcript;

pub use captions::{layout, Caption, CaptionRules};
pub use transcript::{Transcript, Word};
