//! The one door to understanding: [`Understand`], implemented by the deterministic
//! [`RulePlanner`](crate::rules::RulePlanner) (offline, English and Chinese) and by the
//! [`LlmPlanner`](crate::llm::LlmPlanner), which asks a model about what the rules leave and
//! checks its answers into the same typed Steps.

use crate::plan::{Language, Understanding};

/// What an instruction is understood against.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The session's language; `None` takes the instruction's own.
    pub language: Option<Language>,
    /// The audio asset given with the instruction, which "the music" means.
    pub music: Option<String>,
    /// The image given with the instruction, which "the image" / "the photo" means.
    pub image: Option<String>,
    /// A language model is configured, so captions can be translated into any language
    /// (offline only into English).
    pub can_translate: bool,
    /// The session's pieces of work (one per uploaded video, and joins), which words like
    /// "the second video" or "talk.mp4" name; empty where there is one timeline (the CLI).
    pub pieces: Vec<crate::pieces::PieceName>,
}

pub trait Understand {
    fn understand(&self, instruction: &str, context: &Context) -> Understanding;
}

/// Chinese when the instruction holds Chinese characters, else English.
pub fn language_of(instruction: &str) -> Language {
    let chinese = instruction
        .chars()
        .any(|c| matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF));
    if chinese {
        Language::Chinese
    } else {
        Language::English
    }
}
