//! Speech: what was said and when, and how it becomes readable captions.
//!
//! - [`transcript`]: transcripts as data (segments and words with millisecond times).
//! - [`captions`]: the pure caption layout: words → captions of at most two short lines,
//!   timed for reading, broken at punctuation and clause boundaries, never across a cut.
//!
//! - [`engine`]: the `SpeechToText` trait and the whisper.cpp engine, models found under
//!   `CUTLINE_MODELS` (`scripts/prepare-speech-model.sh` builds the base model from PyPI).
//! - [`fillers`]: filler words ("um", "uh", …) in a transcript as source ranges to cut.
//! - [`models`]: the model catalogue and fetching a model (resume, SHA-1 check).

pub mod captions;
pub mod engine;
pub mod fillers;
pub mod models;
pub mod transcript;

pub use captions::{layout, Caption, CaptionRules};
pub use engine::{SpeechError, SpeechToText, TranscribeOptions, Watch, WhisperEngine};
pub use transcript::{Transcript, Word};
