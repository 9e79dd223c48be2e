//! Transcripts of local assets for the command line: whisper's words, moved onto the speech
//! onsets the pause detector hears, cached per asset (and per model and language), and laid
//! out as captions.

use media::library::{Asset, Library};
use std::time::Instant;

use clap::Args;
use speech::engine::{free_cores, SpeechToText, TranscribeOptions, Watch, WhisperEngine};
use speech::models::find;
use speech::transcript::snap_to_speech;
use speech::{layout, Caption, CaptionRules, Transcript};
use timeline::time::normalize_ranges;
use timeline::{Draft, SourceCaption, SourceWord, TimeRange};

use crate::progress::Progress;

/// How speech is recognised: shared by `edit` and `transcribe`.
#[derive(Args, Clone, Debug)]
pub struct SpeechArgs {
    /// Spoken language: auto, en, zh, …
    #[arg(long, default_value = "auto")]
    pub language: String,
    /// Speech model (see `cutline models list`).
    #[arg(long, env = "CUTLINE_MODEL", default_value = "base")]
    pub model: String,
}

impl SpeechArgs {
    /// `auto` (or nothing) lets the model detect the language.
    fn language(&self) -> Option<String> {
        let language = self.language.trim().to_ascii_lowercase();
        (!language.is_empty() && language != "auto").then_some(language)
    }
}

/// The transcript of `asset`, from the cache or made now (with progress, stopped by the
/// library's cancel token), its words snapped onto the speech onsets.
pub fn transcript_of(
    library: &Library,
    asset: &Asset,
    speech: &SpeechArgs,
) -> Result<Transcript, String> {
    if asset.probe.audio.is_none() {
        return Err(format!(
            "{}: has no audio to transcribe",
            asset.path.display()
        ));
    }
    find(&speech.model).map_err(|e| e.to_string())?;
    let language = speech.language();
    let name = format!(
        "transcript-{}-v2-{}.json",
        speech.model,
        language.as_deref().unwrap_or("auto")
    );
    library.cached(asset, &name, || {
        let engine = WhisperEngine::load(&speech.model).map_err(|e| e.to_string())?;
        let bar = Progress::stage("decoding audio");
        let samples = media::analysis::pcm::decode_mono_f32(library.decode(asset), |f| bar.set(f))
            .map_err(|e| e.to_string())?;
        bar.done();
        let options = TranscribeOptions {
            language: language.clone(),
            threads: Some(free_cores()),
        };
        let bar = Progress::stage("transcribing");
        bar.set(0.0);
        let shown = bar.clone();
        let cancel = library.cancel_token().clone();
        let watch = Watch {
            on_progress: Box::new(move |fraction| shown.set(fraction)),
            should_stop: Box::new(move || cancel.is_cancelled()),
        };
        let started = Instant::now();
        let mut transcript = engine
            .transcribe(&samples, &options, watch)
            .map_err(|e| e.to_string())?;
        bar.done();
        let spoken_s = samples.len() as f64 / f64::from(speech::engine::SAMPLE_RATE);
        let took_s = started.elapsed().as_secs_f64();
        eprintln!(
            "transcribed {} in {took_s:.1} s ({:.1}× realtime, model {}, {} threads)",
            timeline::format_clock((spoken_s * 1000.0) as u64),
            spoken_s / took_s.max(1e-3),
            speech.model,
            options.threads.unwrap_or(1),
        );
        let silence = library
            .silence_map(asset, |_| {})
            .map_err(|e| e.to_string())?;
        snap_to_speech(&mut transcript.words, &silence.quiet);
        Ok(transcript)
    })
}

/// Captions for the whole of a transcript.
pub fn captions_of(transcript: &Transcript, duration_ms: u64) -> Vec<Caption> {
    layout(
        &transcript.words,
        &[TimeRange::new(0, duration_ms.max(1))],
        &CaptionRules::default(),
    )
}

/// Captions of `asset` for the parts of it the draft's main track plays, never across a cut.
pub fn source_captions(
    draft: &Draft,
    asset: &Asset,
    transcript: &Transcript,
) -> Vec<SourceCaption> {
    let kept: Vec<TimeRange> = draft
        .main_segments()
        .iter()
        .filter(|s| s.src.as_deref() == Some(asset.id.as_str()))
        .map(|s| s.source_range())
        .collect();
    layout(
        &transcript.words,
        &normalize_ranges(kept),
        &CaptionRules::default(),
    )
    .into_iter()
    .map(|caption| SourceCaption {
        src: asset.id.clone(),
        start_ms: caption.start_ms,
        end_ms: caption.end_ms,
        text: caption.text(),
        words: caption
            .words
            .iter()
            .map(|word| SourceWord {
                text: word.text.clone(),
                start_ms: word.start_ms,
                end_ms: word.end_ms,
            })
            .collect(),
    })
    .collect()
}
