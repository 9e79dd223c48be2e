//! The speech flags shared by `edit`, `plan` and `transcribe`, and the progress bars of the
//! long work behind them (the work itself is `agent::transcription` and
//! `agent::media_facts`, shared with the server).

use std::sync::Mutex;

use agent::{Report, SpeechOptions, Stage};
use clap::Args;

use crate::progress::Progress;

/// How speech is recognised.
#[derive(Args, Clone, Debug)]
pub struct SpeechArgs {
    /// Spoken language: auto, en, zh, …
    #[arg(long, default_value = "auto")]
    pub language: String,
    /// Speech model (see `cutline models list`).
    #[arg(long, env = "CUTLINE_MODEL", default_value = "base")]
    pub model: String,
    /// Write what is said in English, whatever it is said in (offline, by the speech model).
    #[arg(long)]
    pub translate: bool,
}

impl SpeechArgs {
    pub fn options(&self) -> SpeechOptions {
        SpeechOptions {
            language: self.language.clone(),
            model: self.model.clone(),
            translate: self.translate,
        }
    }
}

/// A progress bar per stage of long work, on stderr, through the media's time when the stage
/// said its length; notes as lines on stderr.
#[derive(Default)]
pub struct Bars {
    current: Mutex<Option<(Stage, Progress)>>,
    lengths: Mutex<Vec<(Stage, u64)>>,
}

impl Report for Bars {
    fn length(&self, stage: Stage, length_ms: u64) {
        let mut lengths = self.lengths.lock().unwrap_or_else(|e| e.into_inner());
        lengths.retain(|(s, _)| *s != stage);
        lengths.push((stage, length_ms));
    }

    fn progress(&self, stage: Stage, fraction: f64) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().map(|(s, _)| *s) != Some(stage) {
            if let Some((_, bar)) = current.take() {
                bar.done();
            }
            let length = self
                .lengths
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .find(|(s, _)| *s == stage)
                .map(|(_, ms)| *ms);
            let bar = match length {
                Some(ms) => Progress::through(stage.label(), ms),
                None => Progress::stage(stage.label()),
            };
            *current = Some((stage, bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            bar.set(fraction);
        }
    }

    fn done(&self, stage: Stage) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().map(|(s, _)| *s) == Some(stage) {
            if let Some((_, bar)) = current.take() {
                bar.done();
            }
        }
    }

    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}
