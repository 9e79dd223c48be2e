//! What edits need to know about media in a [`Library`]: pauses, captions and filler words of
//! the spoken clips, and lengths. The command line (`cutline edit`, `cutline plan`) and the
//! server's chat turns both answer [`Media`](crate::Media) with it; they differ only in the
//! [`Report`] that shows the long work (a progress bar, or protocol `progress` events).

use std::collections::BTreeMap;

use media::library::{Asset, Library};
use media::MediaKind;
use timeline::{Draft, SilenceMap, SourceCaption, TimeRange};

use crate::transcription::{source_captions, transcript_of, SpeechOptions};

/// The long stages of answering what an edit asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Finding the pauses in a clip's sound.
    FindingPauses,
    /// Decoding a clip's sound for speech recognition.
    Decoding,
    /// Speech recognition.
    Transcribing,
    /// Captions translated by a language model.
    Translating,
}

impl Stage {
    /// The stage as a label ("finding pauses") for progress bars.
    pub fn label(self) -> &'static str {
        match self {
            Stage::FindingPauses => "finding pauses",
            Stage::Decoding => "decoding audio",
            Stage::Transcribing => "transcribing",
            Stage::Translating => "translating",
        }
    }

    /// The stage's name in protocol `progress` events.
    pub fn name(self) -> &'static str {
        match self {
            Stage::FindingPauses => "analyse",
            Stage::Decoding => "decode",
            Stage::Transcribing => "transcribe",
            Stage::Translating => "translate",
        }
    }
}

/// Where long work reports how far it has come.
pub trait Report: Sync {
    /// `stage` will go through `length_ms` of media (a clip's length), so its progress can be
    /// shown as time ("transcribing 0:45 / 2:01"); said before its first progress, if at all.
    fn length(&self, _stage: Stage, _length_ms: u64) {}
    /// `stage` is `fraction` (0–1) done.
    fn progress(&self, stage: Stage, fraction: f64);
    /// `stage` is over.
    fn done(&self, stage: Stage);
    /// A line worth showing once (e.g. how fast speech recognition ran).
    fn note(&self, line: &str);
}

/// Reports nothing.
pub struct Quiet;

impl Report for Quiet {
    fn progress(&self, _: Stage, _: f64) {}
    fn done(&self, _: Stage) {}
    fn note(&self, _: &str) {}
}

pub struct LibraryMedia<'a> {
    pub library: &'a Library,
    pub assets: &'a BTreeMap<String, Asset>,
    pub speech: &'a SpeechOptions,
    /// Words `remove fillers` cuts: the defaults and the user's own.
    pub fillers: Vec<String>,
    pub report: &'a dyn Report,
    /// The language model that translates captions, when one is configured.
    pub translator: Option<&'a crate::LlmConfig>,
}

impl LibraryMedia<'_> {
    fn asset(&self, id: &str) -> Result<&Asset, String> {
        self.assets
            .get(id)
            .ok_or_else(|| format!("unknown asset {id}"))
    }

    /// The clips with sound on the main track, each once.
    pub fn spoken_clips(&self, draft: &Draft) -> Vec<&Asset> {
        let mut clips: Vec<&Asset> = Vec::new();
        for src in draft
            .main_segments()
            .iter()
            .filter_map(|s| s.src.as_deref())
        {
            let Some(asset) = self.assets.get(src) else {
                continue;
            };
            if is_spoken(asset) && !clips.iter().any(|c| c.id == asset.id) {
                clips.push(asset);
            }
        }
        clips
    }

    /// Filler cuts per spoken clip, their edges where the sound is (the recogniser's times
    /// are tens of milliseconds off).
    pub fn fillers_of(
        &self,
        draft: &Draft,
        padding_ms: u64,
    ) -> Result<Vec<(String, Vec<TimeRange>)>, String> {
        let mut cuts = Vec::new();
        for asset in self.spoken_clips(draft) {
            let transcript = transcript_of(self.library, asset, self.speech, self.report)?;
            let fillers = speech::fillers::find_fillers(&transcript.words, &self.fillers);
            let levels = if fillers.is_empty() {
                None
            } else {
                Some(
                    self.library
                        .sound_levels(asset)
                        .map_err(|e| e.to_string())?,
                )
            };
            let ranges = speech::fillers::filler_cuts(
                &transcript.words,
                &self.fillers,
                padding_ms,
                levels.as_ref(),
            );
            cuts.push((asset.id.clone(), ranges));
        }
        Ok(cuts)
    }
}

/// A video with sound: what pauses, captions and fillers are found in.
pub fn is_spoken(asset: &Asset) -> bool {
    asset.probe.kind == MediaKind::Video && asset.probe.audio.is_some()
}

impl crate::Media for LibraryMedia<'_> {
    fn silence(&self, id: &str) -> Result<SilenceMap, String> {
        let asset = self.asset(id)?;
        if !is_spoken(asset) {
            // Stills and silent clips have no pauses to cut.
            return Ok(SilenceMap {
                duration_ms: asset.probe.duration_ms,
                quiet: Vec::new(),
                noise_floor_db: 0.0,
                threshold_db: 0.0,
            });
        }
        self.report
            .length(Stage::FindingPauses, asset.probe.duration_ms);
        let map = self
            .library
            .silence_map(asset, |f| self.report.progress(Stage::FindingPauses, f))
            .map_err(|e| e.to_string())?;
        self.report.done(Stage::FindingPauses);
        Ok(map)
    }

    fn captions(
        &self,
        draft: &Draft,
        language: Option<&str>,
        to_english: bool,
    ) -> Result<Vec<SourceCaption>, String> {
        let mut speech = self.speech.clone();
        speech.translate |= to_english;
        if let Some(language) = language {
            speech.language = language.to_string();
        }
        let mut captions = Vec::new();
        for asset in self.spoken_clips(draft) {
            let transcript = transcript_of(self.library, asset, &speech, self.report)?;
            captions.extend(source_captions(draft, asset, &transcript));
        }
        Ok(captions)
    }

    fn filler_cuts(
        &self,
        draft: &Draft,
        padding_ms: u64,
    ) -> Result<Vec<(String, Vec<TimeRange>)>, String> {
        self.fillers_of(draft, padding_ms)
    }

    fn duration_ms(&self, id: &str) -> Option<u64> {
        self.assets.get(id).map(|a| a.probe.duration_ms)
    }

    fn translate(&self, lines: &[String], to: &str) -> Result<Vec<String>, String> {
        let Some(model) = self.translator else {
            return Err("translating into that language needs a language model (--llm-url)".into());
        };
        // A few dozen lines a request: small models lose count on long lists.
        let mut translated = Vec::with_capacity(lines.len());
        for (done, batch) in lines.chunks(TRANSLATED_PER_REQUEST).enumerate() {
            self.report.progress(
                Stage::Translating,
                (done * TRANSLATED_PER_REQUEST) as f64 / lines.len() as f64,
            );
            translated.extend(model.translate(batch, to).map_err(|e| e.to_string())?);
        }
        self.report.done(Stage::Translating);
        Ok(translated)
    }

    fn video_size(&self, id: &str) -> Option<(u32, u32)> {
        let video = self.assets.get(id)?.probe.video.as_ref()?;
        Some(video.display_size())
    }

    fn looks_like_screen(&self, id: &str) -> bool {
        // A picture that cannot be sampled is not called a screen: it is cropped as before.
        self.assets
            .get(id)
            .filter(|asset| asset.probe.kind == MediaKind::Video)
            .and_then(|asset| self.library.picture_traits(asset).ok())
            .is_some_and(|traits| traits.looks_like_screen())
    }
}

/// Caption lines sent to the language model in one request.
const TRANSLATED_PER_REQUEST: usize = 40;

/// The words "remove fillers" cuts: the defaults and `extra`.
pub fn filler_words(extra: &[String]) -> Vec<String> {
    speech::fillers::DEFAULT_FILLERS
        .iter()
        .map(|f| f.to_string())
        .chain(extra.iter().cloned())
        .collect()
}
