//! Transcripts of assets: whisper's words, moved onto the speech onsets the pause detector
//! hears, cached per asset (and per model and language) in the media library, and laid out as
//! captions. Shared by the command line and the server, which differ only in how they show
//! progress (a [`Report`]).

use std::time::Instant;

use media::library::{Asset, Library};
use speech::engine::{free_cores, SpeechToText, TranscribeOptions, Watch, WhisperEngine};
use speech::models::find;
use speech::transcript::snap_to_speech;
use speech::{layout, Caption, CaptionRules, Transcript};
use timeline::time::normalize_ranges;
use timeline::{Draft, SourceCaption, SourceWord, TimeRange};

use crate::media_facts::{Report, Stage};

/// How speech is recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeechOptions {
    /// Spoken language: `auto`, `en`, `zh`, …
    pub language: String,
    /// The Whisper model's name (see `speech::models`).
    pub model: String,
    /// Captions in English, translated from the spoken language.
    pub translate: bool,
}

impl Default for SpeechOptions {
    fn default() -> Self {
        Self {
            language: "auto".into(),
            model: "base".into(),
            translate: false,
        }
    }
}

impl SpeechOptions {
    /// `auto` (or nothing) lets the model detect the language.
    fn language(&self) -> Option<String> {
        let language = self.language.trim().to_ascii_lowercase();
        (!language.is_empty() && language != "auto").then_some(language)
    }
}

/// The transcript of `asset`, from the cache or made now (progress through `report`, stopped
/// by the library's cancel token), its words snapped onto the speech onsets.
pub fn transcript_of(
    library: &Library,
    asset: &Asset,
    speech: &SpeechOptions,
    report: &dyn Report,
) -> Result<Transcript, String> {
    if asset.probe.audio.is_none() {
        return Err(format!(
            "{}: has no audio to transcribe",
            asset.path.display()
        ));
    }
    find(&speech.model).map_err(|e| e.to_string())?;
    let language = speech.language();
    library.cached(asset, &cache_name(speech), || {
        let engine = WhisperEngine::load(&speech.model).map_err(|e| e.to_string())?;
        report.length(Stage::Decoding, asset.probe.duration_ms);
        report.length(Stage::Transcribing, asset.probe.duration_ms);
        let samples = media::analysis::pcm::decode_mono_f32(library.decode(asset), |f| {
            report.progress(Stage::Decoding, f)
        })
        .map_err(|e| e.to_string())?;
        report.done(Stage::Decoding);
        let options = TranscribeOptions {
            language: language.clone(),
            translate: speech.translate,
            threads: Some(free_cores()),
        };
        report.progress(Stage::Transcribing, 0.0);
        let cancel = library.cancel_token().clone();
        // whisper.cpp's callback must own what it captures (and whisper-rs may keep it after
        // the call), so the fractions go through a channel to a scoped thread that reports
        // them, told by a `None` when the transcription is over.
        let (sender, receiver) = std::sync::mpsc::channel::<Option<f64>>();
        let progress = sender.clone();
        let watch = Watch {
            on_progress: Box::new(move |fraction| {
                let _ = progress.send(Some(fraction));
            }),
            should_stop: Box::new(move || cancel.is_cancelled()),
        };
        let started = Instant::now();
        let result = std::thread::scope(|scope| {
            scope.spawn(move || {
                while let Ok(Some(fraction)) = receiver.recv() {
                    report.progress(Stage::Transcribing, fraction);
                }
            });
            let result = engine.transcribe(&samples, &options, watch);
            let _ = sender.send(None);
            result
        });
        let mut transcript = result.map_err(|e| e.to_string())?;
        report.done(Stage::Transcribing);
        let spoken_s = samples.len() as f64 / f64::from(speech::engine::SAMPLE_RATE);
        let took_s = started.elapsed().as_secs_f64();
        report.note(&format!(
            "transcribed {} in {took_s:.1} s ({:.1}× realtime, model {}, {} threads)",
            timeline::format_clock((spoken_s * 1000.0) as u64),
            spoken_s / took_s.max(1e-3),
            speech.model,
            options.threads.unwrap_or(1),
        ));
        let silence = library
            .silence_map(asset, |_| {})
            .map_err(|e| e.to_string())?;
        snap_to_speech(&mut transcript.words, &silence.quiet);
        Ok(transcript)
    })
}

/// The name a transcript made with `speech` is cached under.
fn cache_name(speech: &SpeechOptions) -> String {
    format!(
        "transcript-{}-v3-{}{}.json",
        speech.model,
        speech.language().as_deref().unwrap_or("auto"),
        if speech.translate { "-to-en" } else { "" }
    )
}

/// The transcript of `asset` if one was made already, never making one: the one `speech`
/// asks for, else one in another language setting of the same model (captions asked in a
/// language), untranslated. For showing what was said (the studio's transcript).
pub fn cached_transcript(
    library: &Library,
    asset: &Asset,
    speech: &SpeechOptions,
) -> Option<Transcript> {
    let untranslated = SpeechOptions {
        translate: false,
        ..speech.clone()
    };
    let mut names = vec![cache_name(&untranslated)];
    for language in ["auto", "en", "zh"] {
        names.push(cache_name(&SpeechOptions {
            language: language.into(),
            ..untranslated.clone()
        }));
    }
    names.iter().find_map(|name| {
        library
            .cached(asset, name, || Err::<Transcript, ()>(()))
            .ok()
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
