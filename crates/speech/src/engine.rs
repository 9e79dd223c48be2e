//! Speech-to-text behind one trait, with whisper.cpp (through `whisper-rs`) as the engine.
//!
//! Input is 16 kHz mono audio as `f32` (what `media` decodes); output is a [`Transcript`] with
//! per-word times in milliseconds, built from whisper's token timestamps. whisper.cpp runs its
//! own 30-second seek loop over long audio, so words are neither lost nor repeated at window
//! seams. Threads: the cores that are free when a transcription starts (whisper.cpp's speed
//! collapses when one of its threads shares a core with other work), at most 8.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use thiserror::Error;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use crate::transcript::{words_from_tokens, TimedToken, Transcript};

/// The sample rate every engine takes.
pub const SAMPLE_RATE: u32 = 16_000;

#[derive(Debug, Error)]
pub enum SpeechError {
    #[error("the speech model '{name}' is not installed (looked for {}); get it with: cutline models fetch {name}", path.display())]
    ModelMissing { name: String, path: PathBuf },
    #[error("the speech model {} could not be loaded: {reason}", path.display())]
    ModelUnreadable { path: PathBuf, reason: String },
    #[error("the speech model '{name}' ({}) could not be loaded ({reason}); it may be damaged: get it again with: cutline models fetch {name}", path.display())]
    ModelDamaged {
        name: String,
        path: PathBuf,
        reason: String,
    },
    #[error("speech recognition failed: {0}")]
    Recognition(String),
    #[error("speech recognition was stopped")]
    Stopped,
    #[error("{0}")]
    Fetch(String),
}

/// What to listen for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TranscribeOptions {
    /// A language code ("en", "zh"), or `None` to detect it.
    pub language: Option<String>,
    /// Write what is said in English, whatever language it is said in (whisper's translate
    /// task); the words keep their times.
    pub translate: bool,
    /// Threads to use; `None` takes the cores that are free ([`free_cores`]).
    pub threads: Option<usize>,
}

/// How a caller follows and stops a running transcription.
pub struct Watch {
    /// The fraction done, 0–1.
    pub on_progress: Box<dyn FnMut(f64) + Send>,
    /// Asked every so often while the model works; `true` stops it.
    pub should_stop: Box<dyn FnMut() -> bool + Send>,
}

impl Default for Watch {
    /// Nobody watching: no progress, never stopped.
    fn default() -> Self {
        Self {
            on_progress: Box::new(|_| {}),
            should_stop: Box::new(|| false),
        }
    }
}

pub trait SpeechToText {
    /// Transcribes 16 kHz mono samples.
    fn transcribe(
        &self,
        samples: &[f32],
        options: &TranscribeOptions,
        watch: Watch,
    ) -> Result<Transcript, SpeechError>;
}

/// Where models live: `CUTLINE_MODELS`, else `$XDG_DATA_HOME/cutline/models`, else
/// `~/.local/share/cutline/models`.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CUTLINE_MODELS") {
        return PathBuf::from(dir);
    }
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(data).join("cutline/models");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/cutline/models"),
        None => PathBuf::from("cutline-models"),
    }
}

/// The file of a named model ("base", "tiny.en", …).
pub fn model_path(name: &str) -> PathBuf {
    models_dir().join(format!("ggml-{name}.bin"))
}

pub struct WhisperEngine {
    context: WhisperContext,
}

/// Cores not busy with other work: the machine's cores less the other runnable threads
/// (`/proc/loadavg`'s running count, which includes the caller), at least 1, at most 8.
pub fn free_cores() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let running = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| {
            text.split_whitespace()
                .nth(3)?
                .split('/')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(1);
    cores_left(cores, running)
}

fn cores_left(cores: usize, running: usize) -> usize {
    cores.saturating_sub(running.saturating_sub(1)).clamp(1, 8)
}

impl WhisperEngine {
    /// Loads the named model from [`models_dir`].
    pub fn load(name: &str) -> Result<Self, SpeechError> {
        let path = model_path(name);
        if !path.is_file() {
            return Err(SpeechError::ModelMissing {
                name: name.to_string(),
                path,
            });
        }
        Self::load_file(&path).map_err(|error| match error {
            SpeechError::ModelUnreadable { path, reason } => SpeechError::ModelDamaged {
                name: name.to_string(),
                path,
                reason,
            },
            other => other,
        })
    }

    pub fn load_file(path: &Path) -> Result<Self, SpeechError> {
        whisper_rs::install_logging_hooks();
        let unreadable = |reason: String| SpeechError::ModelUnreadable {
            path: path.to_path_buf(),
            reason,
        };
        let path_text = path
            .to_str()
            .ok_or_else(|| unreadable("the path is not UTF-8".into()))?;
        // Token times from cross-attention alignment (DTW) follow the speech far better than
        // the decoder's own timestamps, which bunch words at segment starts. They run
        // 0.1–0.4 s late; `transcript::snap_to_speech` puts words after a pause back on the
        // onset the pause detector heard.
        let mut parameters = WhisperContextParameters::default();
        parameters.dtw_parameters(whisper_rs::DtwParameters {
            mode: whisper_rs::DtwMode::ModelPreset {
                model_preset: dtw_preset(path),
            },
            ..Default::default()
        });
        let context = WhisperContext::new_with_params(path_text, parameters)
            .map_err(|e| unreadable(e.to_string()))?;
        Ok(Self { context })
    }
}

impl SpeechToText for WhisperEngine {
    fn transcribe(
        &self,
        samples: &[f32],
        options: &TranscribeOptions,
        watch: Watch,
    ) -> Result<Transcript, SpeechError> {
        let failed = |e: whisper_rs::WhisperError| SpeechError::Recognition(e.to_string());
        let mut state = self.context.create_state().map_err(failed)?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        let threads = options.threads.unwrap_or_else(free_cores).max(1);
        params.set_n_threads(threads as i32);
        let mut on_progress = watch.on_progress;
        params.set_progress_callback_safe(move |percent: i32| {
            on_progress(f64::from(percent.clamp(0, 100)) / 100.0)
        });
        let stopped = Arc::new(AtomicBool::new(false));
        let mut should_stop = watch.should_stop;
        let noted = Arc::clone(&stopped);
        // Boxed as whisper-rs's trampoline expects: it reads its user data as this type.
        let abort: Box<dyn FnMut() -> bool> = Box::new(move || {
            let stop = should_stop();
            if stop {
                noted.store(true, Ordering::SeqCst);
            }
            stop
        });
        params.set_abort_callback_safe(abort);
        params.set_language(Some(options.language.as_deref().unwrap_or("auto")));
        params.set_translate(options.translate);
        params.set_token_timestamps(true);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        let outcome = state.full(params, samples);
        if stopped.load(Ordering::SeqCst) {
            return Err(SpeechError::Stopped);
        }
        outcome.map_err(failed)?;
        let end_of_text = self.context.token_eot();
        let mut tokens = Vec::new();
        for segment in state.as_iter() {
            for i in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(i) else {
                    continue;
                };
                let data = token.token_data();
                if data.id >= end_of_text {
                    continue; // special and timestamp tokens
                }
                let bytes = token.to_bytes().map_err(failed)?.to_vec();
                tokens.push(TimedToken {
                    bytes,
                    start_ms: centiseconds_to_ms(if data.t_dtw >= 0 {
                        data.t_dtw
                    } else {
                        data.t0
                    }),
                    end_ms: centiseconds_to_ms(data.t1),
                    probability: data.p,
                });
            }
        }
        let language = whisper_rs::get_lang_str(state.full_lang_id_from_state())
            .unwrap_or("unknown")
            .to_string();
        Ok(Transcript {
            language,
            words: words_from_tokens(&tokens),
        })
    }
}

/// The alignment heads of the model named by the file (`ggml-base.bin` → base).
fn dtw_preset(path: &Path) -> whisper_rs::DtwModelPreset {
    use whisper_rs::DtwModelPreset as Preset;
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    match name.trim_start_matches("ggml-") {
        "tiny" => Preset::Tiny,
        "tiny.en" => Preset::TinyEn,
        "base.en" => Preset::BaseEn,
        "small" => Preset::Small,
        "small.en" => Preset::SmallEn,
        _ => Preset::Base,
    }
}

fn centiseconds_to_ms(cs: i64) -> u64 {
    cs.max(0) as u64 * 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_use_only_the_cores_other_work_leaves_free() {
        assert_eq!(cores_left(2, 1), 2, "only the caller runs");
        assert_eq!(cores_left(2, 2), 1, "a render takes the other core");
        assert_eq!(cores_left(2, 9), 1, "always at least one");
        assert_eq!(cores_left(32, 1), 8, "at most eight");
    }
}
