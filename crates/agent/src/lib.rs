//! Understanding plain words as edits, in English and Simplified Chinese.
//!
//! - [`plan`]: the Steps an instruction asks for, a Plan of them, or a question back.
//! - [`understand`]: the [`Understand`] trait and its [`Context`].
//! - [`rules`]: the deterministic, offline planner ([`RulePlanner`]).
//! - [`llm`]: an optional planner on any OpenAI-compatible chat-completions endpoint, its
//!   tool calls checked into the same Steps, the rules answering when it cannot.
//! - [`pieces`]: the videos of a batch session named in words ("the second video") and
//!   a Plan routed to them.
//! - [`session`]: applying a Plan to a Draft, all or nothing, with undo and redo.
//! - [`registry`]: every kind of edit declared once (help, examples, schema), the source of
//!   the "can do" answer, the LLM tool schema and the README catalogue.
//! - [`fitting`]: how a picture fills a frame of another shape when the words do not say.
//! - [`reply`]: what the user reads back, in English or Chinese, with numbers.
//! - [`media_facts`]: [`Media`] answered from a `media::Library` (pauses, captions, fillers),
//!   with long work shown through a [`Report`]; [`transcription`]: cached transcripts and their
//!   captions. The command line and the server share both.

pub mod fitting;
pub mod llm;
pub mod media_facts;
pub mod pieces;
pub mod plan;
pub mod registry;
pub mod reply;
pub mod rules;
pub mod session;
pub mod transcription;
pub mod understand;

pub use llm::{LlmConfig, LlmError, LlmPlanner};
pub use media_facts::{LibraryMedia, Report, Stage};
pub use plan::{
    Format, Language, NotDone, Plan, Quality, Removable, Sound, Span, Step, Understanding,
};
pub use rules::RulePlanner;
pub use session::{ApplyError, ExportAsk, Media, Outcome, Session, StepEvent};
pub use transcription::SpeechOptions;
pub use understand::{Context, Understand};
