//! What understanding produces: a Plan of typed Steps, a question back, or a plain "I can't".
//!
//! Steps are edits as a person asks for them ("the first 3 seconds", "the music at 35%"), not
//! yet tied to a particular timeline: applying a Plan (see `apply`) resolves each Step against
//! the Draft and the media into `timeline` Ops. Their serde form (`{"do": "speed", …}`) is what
//! the corpus and `cutline plan --json` show.

pub use media::render::{Format, Quality};
use serde::{Deserialize, Serialize};

pub use crate::pieces::{Aim, PieceRef};
use timeline::{Aspect, CaptionLook, CaptionStyle, ClipIndex, Corner, Fit, Position, Resolution};

/// A stretch of the timeline named in words, resolved against the Draft when applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "span", rename_all = "snake_case")]
pub enum Span {
    /// All of it.
    Whole,
    /// From the start: "the first 3 seconds".
    First { ms: u64 },
    /// Up to the end: "the last 10 s".
    Last { ms: u64 },
    /// "from 0:10 to 0:25".
    Between { start_ms: u64, end_ms: u64 },
    /// "from 1:00 on".
    From { start_ms: u64 },
}

/// Whose sound a volume change is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sound {
    /// The clips' own sound.
    Original,
    /// Music and other added audio.
    Music,
}

/// What words can take off the timeline again: "remove the captions", "no music", "去掉水印".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Removable {
    Captions,
    Title,
    /// A logo, a watermark: pictures over the video.
    Logo,
    Music,
    VoiceOver,
    Fades,
    /// The speed change: back to normal speed.
    Speed,
    Crossfades,
    /// Colour changes (black and white included): back to the original picture.
    Color,
}

impl Removable {
    pub const ALL: [Removable; 9] = [
        Removable::Captions,
        Removable::Title,
        Removable::Logo,
        Removable::Music,
        Removable::VoiceOver,
        Removable::Fades,
        Removable::Speed,
        Removable::Crossfades,
        Removable::Color,
    ];
}

/// One edit as asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Step {
    TrimPauses {
        min_pause_ms: u64,
        padding_ms: u64,
    },
    RemoveFillers,
    AddCaptions {
        style: CaptionStyle,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
        /// In English, translated from the language spoken (offline, by the speech model).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        translate: bool,
        /// Where they sit; the bottom when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<Position>,
        /// Against the style's size: 1.4 big, 0.75 small.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        color: Option<String>,
    },
    /// Translate the captions there into another language (a code: "fr", "zh"), line by
    /// line with their times kept, by the configured language model.
    TranslateCaptions {
        to: String,
    },
    /// Give one caption other words (a misheard name fixed): caption `index` from 0, in time
    /// order. Sent typed by the studio's caption list; no words plan to it.
    FixCaption {
        index: usize,
        text: String,
    },
    /// Change the captions already there: "make the captions bigger", "字幕放到上面".
    ChangeCaptions {
        #[serde(flatten)]
        look: CaptionLook,
    },
    /// Take something off again: "remove the captions", "no music", "去掉水印".
    Remove {
        what: Removable,
    },
    Cut {
        #[serde(flatten)]
        span: Span,
    },
    Keep {
        #[serde(flatten)]
        span: Span,
    },
    Speed {
        factor: f64,
    },
    Volume {
        sound: Sound,
        volume: f64,
    },
    NormalizeLoudness {
        lufs: f64,
    },
    AddMusic {
        /// The asset to play; `None` until the user gives an audio file.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        volume: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_in_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_out_ms: Option<u64>,
        /// Dip under the speech.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        duck: bool,
    },
    /// "add the voice-over from 0:05": the audio file played once, at full level.
    AddVoiceOver {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        start_ms: u64,
        volume: f64,
    },
    AddTitle {
        text: String,
        #[serde(flatten)]
        span: Span,
        position: Position,
        /// A colour name or `#rrggbb`; white when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        color: Option<String>,
        /// Against the default size: 1.5 large, 0.7 small.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<f64>,
    },
    Aspect {
        aspect: Aspect,
        /// How a picture of another shape fills the frame, when the words say; otherwise
        /// cutline chooses by the picture (a screen recording is not cropped).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fit: Option<Fit>,
    },
    Fade {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_in_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_out_ms: Option<u64>,
    },
    Color {
        /// −1 (black) to 1 (white), 0 unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        brightness: Option<f64>,
        /// 1 unchanged.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contrast: Option<f64>,
        /// 1 unchanged, 0 black and white.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        saturation: Option<f64>,
    },
    /// Change the music already under the video: its fades, and whether it dips under the
    /// speech ("fade the music out at the end", "lower it when I talk").
    ChangeMusic {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_in_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fade_out_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duck: Option<bool>,
    },
    Export {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<Format>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<Resolution>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fps: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quality: Option<Quality>,
    },
    /// Remove a clip of the main track: "delete the second clip".
    DeleteClip {
        clip: ClipIndex,
    },
    /// "move the last clip to the start".
    MoveClip {
        clip: ClipIndex,
        to: ClipIndex,
    },
    /// "split at 0:10".
    Split {
        at_ms: u64,
    },
    /// "add a 1 second crossfade between the clips"; 0 removes them.
    Crossfade {
        ms: u64,
    },
    /// Change the title already there: "make the title red", "change the title to 'Hello'".
    ChangeTitle {
        /// New words for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<Position>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<f64>,
        /// When it shows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time: Option<Span>,
    },
    /// A picture over the video: "put the logo in the top right corner".
    AddOverlay {
        /// The image; `None` until the user gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        corner: Corner,
        /// Share of the frame's width.
        width: f64,
        #[serde(flatten)]
        span: Span,
    },
    /// Show an image for a while at the start or the end: "use the photo as a 3-second intro".
    AddStill {
        /// The image; `None` until the user gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asset: Option<String>,
        at_start: bool,
        ms: u64,
    },
    /// "join them", "put the first and third together", "合并": a new piece of work, one
    /// timeline of the pieces named (all uploaded ones when none is), which becomes current.
    Join {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pieces: Vec<PieceRef>,
    },
    Undo,
    Redo,
    Reset,
    ShowTimeline,
}

/// The Steps of one instruction, in order; the defaults understanding chose for vague
/// words ("make it shorter" → trimming pauses), said back to the user; and the parts of the
/// instruction that will not be done, each named in the user's words with the reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_done: Vec<NotDone>,
    /// Which pieces of work (videos of a batch session) the Steps are for, where the words
    /// named them; see [`crate::pieces`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aims: Vec<Aim>,
}

/// A part of an instruction that is not done: the user's words for it and why, in the
/// session's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotDone {
    pub text: String,
    pub why: String,
}

impl Plan {
    /// Whether some of what was asked can be done and some cannot: in a conversation this is
    /// asked back ("go ahead with the rest?") before anything is applied.
    pub fn is_partial(&self) -> bool {
        !self.steps.is_empty() && !self.not_done.is_empty()
    }
}

/// The language of a session and its replies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-CN")]
    Chinese,
}

impl Language {
    /// The language a code names: `zh`, `zh-CN`, `zh-Hans`… are Chinese, anything else
    /// English.
    pub fn of_code(code: &str) -> Language {
        if code.trim().to_ascii_lowercase().starts_with("zh") {
            Language::Chinese
        } else {
            Language::English
        }
    }
}

/// What an instruction meant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Understanding {
    Plan(Plan),
    /// Too vague to act on without guessing: a question back.
    Question {
        text: String,
    },
    /// Nothing of it can be done (not understood, or not possible yet): says so, part by
    /// part, and what cutline can do.
    NotUnderstood {
        text: String,
        #[serde(default)]
        not_done: Vec<NotDone>,
    },
    /// A question to cutline answered in words ("what can you do?"); nothing changes.
    Answer {
        text: String,
    },
}

impl Step {
    /// Whether the Step's numbers are ones cutline can honour; the reason when not. Steps from
    /// outside (a model's tool call, a client) are checked before they are applied.
    pub fn check(&self) -> Result<(), String> {
        use timeline::validate::{MAX_FPS, MAX_VOLUME, SPEED_RANGE};
        let within = |value: f64, low: f64, high: f64, what: &str| {
            if value.is_finite() && (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(format!("{what} {value} is outside {low} to {high}"))
            }
        };
        let look_ok = |color: &Option<String>, size: &Option<f64>| {
            if let Some(color) = color {
                if timeline::validate::color_rgb(color).is_none() {
                    return Err(format!("'{color}' is not a colour cutline knows"));
                }
            }
            size.map_or(Ok(()), |s| within(s, 0.25, 4.0, "a text size of"))
        };
        let span_ok = |span: &Span| match span {
            Span::Between { start_ms, end_ms } if end_ms <= start_ms => {
                Err(format!("the range {start_ms}–{end_ms} ms is empty"))
            }
            _ => Ok(()),
        };
        match self {
            Step::TrimPauses {
                min_pause_ms,
                padding_ms,
            } => {
                within(
                    *min_pause_ms as f64,
                    100.0,
                    60_000.0,
                    "a minimum pause (ms) of",
                )?;
                within(*padding_ms as f64, 0.0, 5_000.0, "a padding (ms) of")
            }
            Step::Cut { span } | Step::Keep { span } => span_ok(span),
            Step::AddStill { ms, .. } => within(*ms as f64, 100.0, 60_000.0, "a still (ms) of"),
            Step::Crossfade { ms } => within(*ms as f64, 0.0, 10_000.0, "a crossfade (ms) of"),
            Step::AddOverlay { width, span, .. } => {
                within(*width, 0.02, 1.0, "an overlay width of")?;
                span_ok(span)
            }
            Step::Speed { factor } => within(*factor, SPEED_RANGE.0, SPEED_RANGE.1, "a speed of"),
            Step::Volume { volume, .. } => within(*volume, 0.0, MAX_VOLUME, "a volume of"),
            Step::AddMusic { volume, .. } => within(*volume, 0.0, MAX_VOLUME, "a music volume of"),
            Step::AddVoiceOver { volume, .. } => {
                within(*volume, 0.0, MAX_VOLUME, "a voice-over volume of")
            }
            Step::NormalizeLoudness { lufs } => within(*lufs, -70.0, -5.0, "a loudness (LUFS) of"),
            Step::AddTitle {
                text,
                span,
                color,
                size,
                ..
            } => {
                if text.trim().is_empty() || text.chars().count() > 200 {
                    return Err("a title needs 1 to 200 characters of text".into());
                }
                look_ok(color, size)?;
                span_ok(span)
            }
            Step::FixCaption { text, .. } => {
                if text.trim().is_empty() || text.chars().count() > 200 {
                    return Err("a caption needs 1 to 200 characters of text".into());
                }
                Ok(())
            }
            Step::AddCaptions { color, size, .. } | Step::ChangeTitle { color, size, .. } => {
                look_ok(color, size)
            }
            Step::ChangeCaptions { look } => look_ok(&look.color, &look.size),
            Step::Color {
                brightness,
                contrast,
                saturation,
            } => {
                brightness.map_or(Ok(()), |b| within(b, -1.0, 1.0, "a brightness of"))?;
                contrast.map_or(Ok(()), |c| within(c, 0.0, 3.0, "a contrast of"))?;
                saturation.map_or(Ok(()), |s| within(s, 0.0, 3.0, "a saturation of"))
            }
            Step::Export { fps, .. } => {
                fps.map_or(Ok(()), |f| within(f, 1.0, MAX_FPS, "a frame rate of"))
            }
            Step::Fade {
                fade_in_ms,
                fade_out_ms,
            }
            | Step::ChangeMusic {
                fade_in_ms,
                fade_out_ms,
                ..
            } => {
                let longest = fade_in_ms.unwrap_or(0).max(fade_out_ms.unwrap_or(0));
                within(longest as f64, 0.0, 60_000.0, "a fade (ms) of")
            }
            Step::RemoveFillers
            | Step::DeleteClip { .. }
            | Step::MoveClip { .. }
            | Step::Split { .. }
            | Step::Remove { .. }
            | Step::TranslateCaptions { .. }
            | Step::Aspect { .. }
            | Step::Join { .. }
            | Step::Undo
            | Step::Redo
            | Step::Reset
            | Step::ShowTimeline => Ok(()),
        }
    }
}
