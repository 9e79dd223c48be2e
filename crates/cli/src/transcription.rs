//! Transcripts of local assets for the command line: whisper's words, moved onto the speech
//! onsets the pause detector hears, cached per asset (and per model and language), and laid
//! out as captions.

use media::library::{Asset, Library};
use speech::engine::{SpeechToText, TranscribeOptions, WhisperEngine};
use speech::transcript::snap_to_speech;
use speech::{layout, Caption, CaptionRules, Transcript};
use timeline::time::normalize_ranges;
use timeline::{Draft, SourceCaption, TimeRange};

use crate::progress::Progress;

/// The speech model the command line uses.
pub const MODEL: &str = "base";

/// `auto` (or nothing) lets the model detect the language.
pub fn language_option(language: &str) -> Option<String> {
    let language = language.trim().to_ascii_lowercase();
    (!language.is_empty() && language != "auto").then_some(language)
}

pub fn transcript_of(
    library: &Library,
    asset: &Asset,
    language: Option<&str>,
) -> Result<Transcript, String> {
    if asset.probe.audio.is_none() {
        return Err(format!(
            "{}: has no audio to transcribe",
            asset.path.display()
        ));
    }
    let name = format!("transcript-{MODEL}-v1-{}.json", language.unwrap_or("auto"));
    library.cached(asset, &name, || {
        let engine = WhisperEngine::load(MODEL).map_err(|e| e.to_string())?;
        let bar = Progress::stage("decoding audio");
        let samples = media::analysis::pcm::decode_mono_f32(library.decode(asset), |f| bar.set(f))
            .map_err(|e| e.to_string())?;
        bar.done();
        let bar = Progress::stage("transcribing");
        bar.set(0.0);
        let options = TranscribeOptions {
            language: language.map(str::to_string),
        };
        let mut transcript = engine
            .transcribe(&samples, &options)
            .map_err(|e| e.to_string())?;
        bar.done();
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
    })
    .collect()
}
