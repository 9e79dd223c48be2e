//! The Draft: tracks of segments, in full Rust names with the protocol's compact wire names.
//!
//! ```text
//! Draft { d, m: {w, h, fps, …}, t: [
//!   Track { id, tt: 0 video | 1 audio | 7 text, sg: [ Segment { id, src, s, in, d, m } ] } ] }
//! ```
//!
//! `s` is where a segment starts on the timeline, `in` where it starts inside its source, `d`
//! how long it lasts on the timeline (all integer ms). A video segment plays its source from
//! `in` for `d × speed` ms of source time. Fields this version does not know are kept in
//! `extra` and written back unchanged, so a client's own metadata survives a round trip.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::canvas::Fit;
use crate::time::TimeRange;

/// The wire schema version this build writes (see `wire`).
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(rename = "v", default = "current_schema")]
    pub schema_version: u32,
    #[serde(rename = "d", default)]
    pub duration_ms: u64,
    #[serde(rename = "m", default)]
    pub meta: DraftMeta,
    #[serde(rename = "t", default)]
    pub tracks: Vec<Track>,
}

fn current_schema() -> u32 {
    SCHEMA_VERSION
}

/// The canvas and whole-output settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftMeta {
    #[serde(rename = "w")]
    pub width: u32,
    #[serde(rename = "h")]
    pub height: u32,
    #[serde(default = "default_fps")]
    pub fps: f64,
    /// How sources of another shape are fitted to the canvas, when it was chosen; absent,
    /// each clip is fitted by `canvas::fit_for` (a clip of the other orientation is not
    /// cropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<Fit>,
    /// Fade from black (and silence) at the start of the output.
    #[serde(rename = "fade_in", default, skip_serializing_if = "is_default")]
    pub fade_in_ms: u64,
    /// Fade to black (and silence) at the end of the output.
    #[serde(rename = "fade_out", default, skip_serializing_if = "is_default")]
    pub fade_out_ms: u64,
    /// Integrated loudness the output's sound is normalised to (EBU R128, LUFS).
    #[serde(rename = "loudness", default, skip_serializing_if = "Option::is_none")]
    pub loudness_lufs: Option<f64>,
    /// Brightness, contrast and saturation of the picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<ColorAdjust>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Picture adjustments; every field is optional and absent means unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ColorAdjust {
    /// −1 (black) to 1 (white), 0 unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<f64>,
    /// 0 to 3, 1 unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contrast: Option<f64>,
    /// 0 (black and white) to 3, 1 unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturation: Option<f64>,
}

fn default_fps() -> f64 {
    30.0
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Default for DraftMeta {
    fn default() -> Self {
        Self {
            width: 1920,
            height: 1080,
            fps: default_fps(),
            fit: None,
            fade_in_ms: 0,
            fade_out_ms: 0,
            loudness_lufs: None,
            color: None,
            extra: BTreeMap::new(),
        }
    }
}

/// What a track holds; the wire form is the protocol's integer `tt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum TrackKind {
    /// Video clips (with their own audio) and still images.
    Video,
    /// Music, voice-over, sound effects.
    Audio,
    /// Titles and captions burnt into the picture.
    Text,
}

impl TryFrom<u8> for TrackKind {
    type Error = String;
    fn try_from(code: u8) -> Result<Self, Self::Error> {
        match code {
            0 => Ok(TrackKind::Video),
            1 => Ok(TrackKind::Audio),
            7 => Ok(TrackKind::Text),
            other => Err(format!(
                "unknown track type {other} (0 video, 1 audio, 7 text)"
            )),
        }
    }
}

impl From<TrackKind> for u8 {
    fn from(kind: TrackKind) -> u8 {
        match kind {
            TrackKind::Video => 0,
            TrackKind::Audio => 1,
            TrackKind::Text => 7,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: String,
    #[serde(rename = "tt")]
    pub kind: TrackKind,
    #[serde(rename = "sg", default)]
    pub segments: Vec<Segment>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub id: String,
    /// The asset this segment plays (absent on text segments). A draft file read by the CLI
    /// may name a path here; the CLI resolves it to an asset before anything else sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    #[serde(rename = "s")]
    pub start_ms: u64,
    #[serde(rename = "in", default)]
    pub source_in_ms: u64,
    #[serde(rename = "d")]
    pub duration_ms: u64,
    #[serde(rename = "m", default)]
    pub meta: SegmentMeta,
}

impl Segment {
    pub fn timeline_range(&self) -> TimeRange {
        TimeRange::new(self.start_ms, self.start_ms + self.duration_ms)
    }

    pub fn end_ms(&self) -> u64 {
        self.start_ms + self.duration_ms
    }

    pub fn speed(&self) -> f64 {
        self.meta.speed.unwrap_or(1.0)
    }

    pub fn volume(&self) -> f64 {
        self.meta.volume.unwrap_or(1.0)
    }

    /// The part of the source this segment plays: `d × speed` ms from `in`.
    pub fn source_range(&self) -> TimeRange {
        let source_ms = (self.duration_ms as f64 * self.speed()).round() as u64;
        TimeRange::new(self.source_in_ms, self.source_in_ms + source_ms)
    }
}

/// Per-segment settings; every field is optional on the wire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Linear gain of the segment's audio (1.0 = as recorded, 0 = muted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Playback speed of a video or audio segment (1.0 = normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// The words of a text segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// What a segment is for: "title", "caption" (text), "voice-over" (audio), …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    #[serde(rename = "fade_in", default, skip_serializing_if = "Option::is_none")]
    pub fade_in_ms: Option<u64>,
    #[serde(rename = "fade_out", default, skip_serializing_if = "Option::is_none")]
    pub fade_out_ms: Option<u64>,
    /// A title's text colour: a name ("red") or `#rrggbb`; white when absent.
    #[serde(rename = "color", default, skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    /// A title's size against the default (1.5 larger, 0.7 smaller).
    #[serde(rename = "size", default, skip_serializing_if = "Option::is_none")]
    pub text_size: Option<f64>,
    /// A main-track segment that blends in from the clip before it over this many ms (a
    /// crossfade), within its own time: the clip before plays on underneath, its picture
    /// held when its source runs out.
    #[serde(rename = "xfade", default, skip_serializing_if = "Option::is_none")]
    pub crossfade_in_ms: Option<u64>,
    /// Where an overlay (a segment on a video track after the main one) sits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corner: Option<Corner>,
    /// An overlay's width as a share of the canvas width (0.15 = 15%).
    #[serde(rename = "width", default, skip_serializing_if = "Option::is_none")]
    pub overlay_width: Option<f64>,
    /// How a caption looks (captions only; titles have their own style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<CaptionStyle>,
    /// An audio segment that repeats its source to fill its length (music shorter than the
    /// video).
    #[serde(rename = "loop", default, skip_serializing_if = "Option::is_none")]
    pub loop_source: Option<bool>,
    /// An audio segment that dips under the main track's speech (sidechain compression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duck: Option<bool>,
    /// When each word of a caption is spoken, for the karaoke style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<TimedWord>>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The look of burnt-in captions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptionStyle {
    /// White text on a soft dark box.
    #[default]
    Clean,
    /// Larger white text with a heavy black outline, no box.
    Bold,
    /// Like bold, with the word being spoken highlighted.
    Karaoke,
}

impl CaptionStyle {
    pub const ALL: [CaptionStyle; 3] = [Self::Clean, Self::Bold, Self::Karaoke];

    pub fn name(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Bold => "bold",
            Self::Karaoke => "karaoke",
        }
    }
}

impl std::str::FromStr for CaptionStyle {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|style| style.name() == wanted)
            .ok_or_else(|| format!("unknown caption style '{text}' (use clean, bold or karaoke)"))
    }
}

/// One word of a caption: `s` ms after the caption starts, lasting `d` ms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedWord {
    #[serde(rename = "w")]
    pub text: String,
    #[serde(rename = "s")]
    pub offset_ms: u64,
    #[serde(rename = "d")]
    pub duration_ms: u64,
}

impl TimedWord {
    pub fn end_ms(&self) -> u64 {
        self.offset_ms + self.duration_ms
    }
}

/// Where an overlay sits on the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corner {
    TopLeft,
    #[default]
    TopRight,
    BottomLeft,
    BottomRight,
    Center,
}

/// Where a text segment sits on the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    Top,
    #[default]
    Center,
    Bottom,
}

impl DraftMeta {
    /// The canvas of a clip of this display size and frame rate: its own shape and size
    /// (capped at 1920 pixels on the long side), its frame rate (at most 60 fps).
    pub fn for_clip(display_size: (u32, u32), fps: f64) -> Self {
        let (width, height) = crate::canvas::choose_canvas(None, None, display_size);
        Self {
            width,
            height,
            fps: fps.min(60.0),
            ..Self::default()
        }
    }
}

impl Draft {
    /// An empty draft on the given canvas.
    pub fn new(meta: DraftMeta) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            duration_ms: 0,
            meta,
            tracks: Vec::new(),
        }
    }

    /// A draft that plays one clip whole: the usual start of `cutline edit IN`.
    pub fn single_clip(asset_id: &str, clip_duration_ms: u64, meta: DraftMeta) -> Self {
        let mut draft = Draft::new(meta);
        draft.tracks.push(Track {
            id: "v1".into(),
            kind: TrackKind::Video,
            segments: vec![Segment {
                id: "s1".into(),
                src: Some(asset_id.into()),
                start_ms: 0,
                source_in_ms: 0,
                duration_ms: clip_duration_ms,
                meta: SegmentMeta::default(),
            }],
            extra: BTreeMap::new(),
        });
        draft.duration_ms = clip_duration_ms;
        draft
    }

    /// The main track: the first video track. Cuts and pause trims edit it; other tracks follow.
    pub fn main_track_index(&self) -> Option<usize> {
        self.tracks.iter().position(|t| t.kind == TrackKind::Video)
    }

    /// The segments of the main track (none when there is no video track).
    pub fn main_segments(&self) -> &[Segment] {
        self.main_track_index()
            .map(|i| self.tracks[i].segments.as_slice())
            .unwrap_or_default()
    }

    /// The end of the last segment on any track: what `d` must be.
    pub fn content_end_ms(&self) -> u64 {
        self.tracks
            .iter()
            .flat_map(|t| t.segments.iter().map(Segment::end_ms))
            .max()
            .unwrap_or(0)
    }

    /// Every segment on tracks of `kind`, track by track.
    pub fn segments_of(&self, kind: TrackKind) -> impl Iterator<Item = &Segment> {
        self.tracks
            .iter()
            .filter(move |t| t.kind == kind)
            .flat_map(|t| &t.segments)
    }

    /// Every asset id the draft refers to, each once, in order of first use.
    pub fn sources(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for src in self
            .tracks
            .iter()
            .flat_map(|t| t.segments.iter().filter_map(|s| s.src.as_deref()))
        {
            if !seen.contains(&src) {
                seen.push(src);
            }
        }
        seen
    }
}
