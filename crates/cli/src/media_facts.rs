//! What edits need to know about local media, from the library: pauses, captions and filler
//! words of the spoken clips, and lengths. Used by the flags of `cutline edit` and, through
//! [`agent::Media`], by instructions in plain words.

use std::collections::BTreeMap;

use media::library::{Asset, Library};
use media::MediaKind;
use timeline::{Draft, SilenceMap, SourceCaption, TimeRange};

use crate::progress::Progress;
use crate::transcription::{source_captions, transcript_of, SpeechArgs};

pub struct LibraryMedia<'a> {
    pub library: &'a Library,
    pub assets: &'a BTreeMap<String, Asset>,
    pub speech: &'a SpeechArgs,
    /// Words `remove fillers` cuts: the defaults and the user's own.
    pub fillers: Vec<String>,
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
            let spoken = asset.probe.kind == MediaKind::Video && asset.probe.audio.is_some();
            if spoken && !clips.iter().any(|c| c.id == asset.id) {
                clips.push(asset);
            }
        }
        clips
    }

    /// Filler cuts per spoken clip, with how many fillers each has.
    pub fn fillers_of(
        &self,
        draft: &Draft,
        padding_ms: u64,
    ) -> Result<Vec<(String, Vec<TimeRange>)>, String> {
        let mut cuts = Vec::new();
        for asset in self.spoken_clips(draft) {
            let transcript = transcript_of(self.library, asset, self.speech)?;
            let ranges = speech::fillers::filler_cuts(&transcript.words, &self.fillers, padding_ms);
            cuts.push((asset.id.clone(), ranges));
        }
        Ok(cuts)
    }
}

impl agent::Media for LibraryMedia<'_> {
    fn silence(&self, id: &str) -> Result<SilenceMap, String> {
        let asset = self.asset(id)?;
        if asset.probe.kind != MediaKind::Video || asset.probe.audio.is_none() {
            // Stills and silent clips have no pauses to cut.
            return Ok(SilenceMap {
                duration_ms: asset.probe.duration_ms,
                quiet: Vec::new(),
                noise_floor_db: 0.0,
                threshold_db: 0.0,
            });
        }
        let bar = Progress::stage("finding pauses");
        let map = self
            .library
            .silence_map(asset, |f| bar.set(f))
            .map_err(|e| e.to_string())?;
        bar.done();
        Ok(map)
    }

    fn captions(
        &self,
        draft: &Draft,
        language: Option<&str>,
    ) -> Result<Vec<SourceCaption>, String> {
        let mut speech = self.speech.clone();
        if let Some(language) = language {
            speech.language = language.to_string();
        }
        let mut captions = Vec::new();
        for asset in self.spoken_clips(draft) {
            let transcript = transcript_of(self.library, asset, &speech)?;
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
}

/// The words `--remove-fillers` cuts: the defaults and `extra`.
pub fn filler_words(extra: &[String]) -> Vec<String> {
    speech::fillers::DEFAULT_FILLERS
        .iter()
        .map(|f| f.to_string())
        .chain(extra.iter().cloned())
        .collect()
}
