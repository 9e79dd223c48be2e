//! Edits as pure functions: `apply(&Draft, &Op, &EditContext) -> Result<Applied, EditError>`.
//!
//! Each `Op` is one typed edit a person could ask for. Applying never mutates its input and
//! never does I/O; what an edit needs to know about the media (the silence map of an asset)
//! comes in through [`EditContext`]. The result is always a valid Draft (checked before it is
//! returned) plus an [`Effect`] with the numbers a reply reports ("removed 14 pauses").
//!
//! Edits that remove or retime parts of the main track (the first video track) ripple: later
//! segments move up, and segments on the other tracks are moved through the same time map
//! ([`retime`]), so a title stays over the picture it was put on and music stays continuous.

mod captions;
pub mod clips;
mod layers;
mod retime;
mod settings;
mod speed;
mod trim;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::analysis::SilenceMap;
use crate::canvas::Fit;
use crate::draft::{CaptionStyle, Corner, Draft, Position};
use crate::time::TimeRange;
use crate::validate::{validate, DraftError};

pub use captions::{captions_in_order, CaptionLook, SourceCaption, SourceWord};
pub use clips::ClipIndex;
pub use layers::{Layer, TitleChange};

/// One edit. The serde form (`{"op": "trim_pauses", …}`) is what plans are written in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Remove the quiet runs of at least `min_pause_ms` from the main track, keeping
    /// `padding_ms` of each pause next to the speech on either side.
    TrimPauses { min_pause_ms: u64, padding_ms: u64 },
    /// Remove these ranges of asset `src`'s own time wherever the main track plays them.
    CutSource { src: String, ranges: Vec<TimeRange> },
    /// Remove these timeline ranges; what follows moves up.
    Cut { ranges: Vec<TimeRange> },
    /// Keep only these timeline ranges; everything else is cut.
    Keep { ranges: Vec<TimeRange> },
    /// Play the main track `factor` times faster (0.5 = half speed).
    Speed { factor: f64 },
    /// Set the gain of the original audio (the main track's clips); 0 mutes it.
    Volume { volume: f64 },
    /// Fade the whole output in from black and silence, and out to them.
    Fade {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_in_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_out_ms: Option<u64>,
    },
    /// Set the output canvas (see `canvas::choose_canvas`) and how sources fit it.
    Canvas {
        width: u32,
        height: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fit: Option<Fit>,
    },
    /// Put these captions (in their assets' source time) wherever the main track plays them,
    /// replacing the captions already there.
    AddCaptions {
        captions: Vec<SourceCaption>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        style: Option<CaptionStyle>,
    },
    /// Put a title over this range of the timeline.
    AddText {
        text: String,
        range: TimeRange,
        position: Position,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<f64>,
    },
    /// Lay audio asset `src` (`source_ms` long) under the whole video at `volume`, looped
    /// when shorter.
    AddAudio {
        src: String,
        source_ms: u64,
        volume: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_in_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_out_ms: Option<u64>,
        /// Dip under the speech of the main track.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        duck: bool,
    },
    /// Lay voice-over `src` (`source_ms` long) from `start_ms`, once.
    AddVoiceOver {
        src: String,
        source_ms: u64,
        start_ms: u64,
        volume: f64,
    },
    /// Set the gain of the music (not of voice-overs).
    MusicVolume { volume: f64 },
    /// Normalise the output's loudness to `lufs` (EBU R128).
    Loudness { lufs: f64 },
    /// Adjust the picture; absent fields stay as they are.
    Color {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        brightness: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contrast: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        saturation: Option<f64>,
    },
    /// Set the output frame rate.
    FrameRate { fps: f64 },
    /// Add a clip of `src` at the end of the main track.
    AppendClip { src: String, duration_ms: u64 },
    /// Add a clip of `src` before everything; all else moves later.
    PrependClip { src: String, duration_ms: u64 },
    /// Remove a clip of the main track (see `clips`); what follows moves up.
    DeleteClip { clip: ClipIndex },
    /// Move a clip of the main track to another place.
    MoveClip { clip: ClipIndex, to: ClipIndex },
    /// Blend each clip of the main track into the one before over `ms` (0 removes).
    Crossfade { ms: u64 },
    /// Change or remove the (first) title.
    ChangeTitle {
        #[serde(flatten)]
        change: TitleChange,
    },
    /// Show picture `src` over the video in a corner, `width` of the canvas wide, over
    /// `range` of the timeline (a logo, a watermark).
    AddOverlay {
        src: String,
        range: TimeRange,
        corner: Corner,
        width: f64,
    },
    /// Split the main track at a moment: the part after it becomes a clip of its own.
    Split { at_ms: u64 },
    /// Take a layer off the timeline: every caption, title, overlay, music or voice-over.
    Remove { layer: Layer },
    /// Give the captions, in timeline order, these words (a translation): times kept, the
    /// spoken-word times of karaoke dropped.
    CaptionTexts { texts: Vec<String> },
    /// Give one caption (`index` in timeline order, from 0) other words: a misheard name
    /// fixed. Its time is kept; karaoke's spoken-word times go, as they timed other words.
    CaptionText { index: usize, text: String },
    /// Change how the captions look (place, size, colour, style).
    CaptionLook {
        #[serde(flatten)]
        look: CaptionLook,
    },
    /// Change the fades of the music under the video (0 removes one) and its ducking.
    ChangeMusic {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_in_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_out_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duck: Option<bool>,
    },
}

/// What edits may read about the media: analyses cached per asset id.
#[derive(Clone, Debug, Default)]
pub struct EditContext {
    pub silence: BTreeMap<String, SilenceMap>,
}

/// The new Draft and what the edit did.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub draft: Draft,
    pub effect: Effect,
}

/// The numbers an edit reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    PausesTrimmed {
        pauses: usize,
        removed_ms: u64,
    },
    RangesRemoved {
        removed_ms: u64,
    },
    /// `ranges` stretches of a source (filler words) cut wherever the timeline played them.
    SourceRangesCut {
        ranges: usize,
        removed_ms: u64,
    },
    Retimed {
        from_ms: u64,
        to_ms: u64,
    },
    CaptionsAdded {
        captions: usize,
    },
    TitleAdded {
        text: String,
        start_ms: u64,
        end_ms: u64,
    },
    MusicAdded {
        volume: f64,
        looped: bool,
    },
    TitleRemoved {
        text: String,
    },
    /// `removed` segments of `layer` were taken off (0: there were none).
    LayerRemoved {
        layer: Layer,
        removed: usize,
    },
    /// The words of `captions` captions were replaced.
    CaptionsRewritten {
        captions: usize,
    },
    /// Caption `index` (from 0, in timeline order) now reads `text`.
    CaptionFixed {
        index: usize,
        text: String,
    },
    /// The look of `captions` captions changed (0: there were none).
    CaptionsRestyled {
        captions: usize,
    },
    SettingsChanged,
}

/// A number an edit takes, named in its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    Volume,
    Speed,
    Loudness,
    Brightness,
    Contrast,
    Saturation,
    CaptionSize,
}

impl Quantity {
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Volume => "volume",
            Quantity::Speed => "speed",
            Quantity::Loudness => "loudness (LUFS)",
            Quantity::Brightness => "brightness",
            Quantity::Contrast => "contrast",
            Quantity::Saturation => "saturation",
            Quantity::CaptionSize => "caption size",
        }
    }
}

/// Why an edit cannot be made, in the user's terms; each variant carries its numbers, so a
/// reply can say it in any language (the `agent` crate's replies do).
#[derive(Debug, Error, PartialEq)]
pub enum EditError {
    #[error("there is no video on the timeline to edit")]
    NoMainTrack,
    #[error("the pauses of {asset} have not been analysed")]
    MissingAnalysis { asset: String },
    #[error("a {} of {value} is outside {low} to {high}", what.name())]
    OutOfRange {
        what: Quantity,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error("the {what}'s time ({start_ms}–{end_ms} ms) is outside the video ({duration_ms} ms)")]
    OutsideVideo {
        what: &'static str,
        start_ms: u64,
        end_ms: u64,
        duration_ms: u64,
    },
    #[error("a title needs some text")]
    EmptyTitle,
    #[error("{}", match count { 0 => "there are no captions on the timeline".to_string(), 1 => "there is only 1 caption on the timeline".to_string(), n => format!("there are only {n} captions on the timeline") })]
    NoSuchCaption { count: usize },
    #[error("a caption needs some text")]
    EmptyCaption,
    #[error("{given} caption texts were given for {captions} captions")]
    CaptionCount { given: usize, captions: usize },
    #[error("there is no title on the timeline")]
    NoTitle,
    #[error("there is no music on the timeline")]
    NoMusic,
    #[error("{src} has no sound to play")]
    Silent { src: String },
    #[error("{src} has no length")]
    NoLength { src: String },
    #[error(
        "the voice-over would start at {start_ms} ms, after the video ends ({duration_ms} ms)"
    )]
    AfterTheEnd { start_ms: u64, duration_ms: u64 },
    #[error("there {} only {count} clip{} on the timeline", if *count == 1 { "is" } else { "are" }, if *count == 1 { "" } else { "s" })]
    NoSuchClip { count: usize },
    #[error("a crossfade needs two clips; there is only one")]
    OneClip,
    #[error("nothing plays across {at_ms} ms to split")]
    NothingToSplit { at_ms: u64 },
    #[error("the shortest pause that can be trimmed is {min_ms} ms")]
    PauseTooShort { min_ms: u64 },
    #[error("fades of {fades_ms} ms are longer than the video ({duration_ms} ms)")]
    FadesTooLong { fades_ms: u64, duration_ms: u64 },
    #[error("that would remove everything on the timeline")]
    NothingLeft,
    #[error("the edit gave an invalid timeline: {0}")]
    Invalid(#[from] DraftError),
}

/// Applies one edit to a copy of `draft`.
pub fn apply(draft: &Draft, op: &Op, context: &EditContext) -> Result<Applied, EditError> {
    let applied = match op {
        Op::TrimPauses {
            min_pause_ms,
            padding_ms,
        } => trim::trim_pauses(draft, *min_pause_ms, *padding_ms, context)?,
        Op::CutSource { src, ranges } => trim::cut_source(draft, src, ranges)?,
        Op::Cut { ranges } => retime::cut(draft, ranges)?,
        Op::Keep { ranges } => retime::keep(draft, ranges)?,
        Op::Speed { factor } => speed::set_speed(draft, *factor)?,
        Op::Volume { volume } => settings::set_original_volume(draft, *volume)?,
        Op::Fade {
            fade_in_ms,
            fade_out_ms,
        } => settings::fade(draft, *fade_in_ms, *fade_out_ms)?,
        Op::Canvas { width, height, fit } => settings::canvas(draft, *width, *height, *fit)?,
        Op::AddCaptions { captions, style } => captions::add_captions(draft, captions, *style)?,
        Op::AddText {
            text,
            range,
            position,
            color,
            size,
        } => layers::add_text(
            draft,
            &layers::Title {
                text,
                range: *range,
                position: *position,
                color: color.clone(),
                size: *size,
            },
        )?,
        Op::AddAudio {
            src,
            source_ms,
            volume,
            fade_in_ms,
            fade_out_ms,
            duck,
        } => layers::add_audio(
            draft,
            &layers::Music {
                src,
                source_ms: *source_ms,
                volume: *volume,
                fade_in_ms: *fade_in_ms,
                fade_out_ms: *fade_out_ms,
                duck: *duck,
            },
        )?,
        Op::MusicVolume { volume } => layers::set_music_volume(draft, *volume)?,
        Op::AddVoiceOver {
            src,
            source_ms,
            start_ms,
            volume,
        } => layers::add_voice_over(draft, src, *source_ms, *start_ms, *volume)?,
        Op::Loudness { lufs } => settings::loudness(draft, *lufs)?,
        Op::Color {
            brightness,
            contrast,
            saturation,
        } => settings::color(draft, *brightness, *contrast, *saturation)?,
        Op::FrameRate { fps } => settings::frame_rate(draft, *fps)?,
        Op::AppendClip { src, duration_ms } => clips::insert_clip(draft, src, *duration_ms, false)?,
        Op::PrependClip { src, duration_ms } => clips::insert_clip(draft, src, *duration_ms, true)?,
        Op::DeleteClip { clip } => clips::delete_clip(draft, *clip)?,
        Op::MoveClip { clip, to } => clips::move_clip(draft, *clip, *to)?,
        Op::Split { at_ms } => clips::split(draft, *at_ms)?,
        Op::ChangeTitle { change } => layers::change_title(draft, change)?,
        Op::Crossfade { ms } => clips::crossfade(draft, *ms)?,
        Op::AddOverlay {
            src,
            range,
            corner,
            width,
        } => layers::add_overlay(draft, src, *range, *corner, *width)?,
        Op::Remove { layer } => layers::remove_layer(draft, *layer)?,
        Op::CaptionLook { look } => captions::restyle_captions(draft, look)?,
        Op::CaptionTexts { texts } => captions::rewrite_captions(draft, texts)?,
        Op::CaptionText { index, text } => captions::fix_caption(draft, *index, text)?,
        Op::ChangeMusic {
            fade_in_ms,
            fade_out_ms,
            duck,
        } => layers::change_music(draft, *fade_in_ms, *fade_out_ms, *duck)?,
    };
    let mut known: HashSet<&str> = draft.sources().into_iter().collect();
    if let Op::AddAudio { src, .. }
    | Op::AddVoiceOver { src, .. }
    | Op::AppendClip { src, .. }
    | Op::PrependClip { src, .. }
    | Op::AddOverlay { src, .. } = op
    {
        known.insert(src);
    }
    validate(&applied.draft, |src| known.contains(src))?;
    Ok(applied)
}
