//! Captions on the timeline: caption cues in an asset's source time become text segments
//! (role `caption`, at the bottom) wherever the main track plays that stretch of the asset.
//!
//! ```text
//! source    ["Hello there."  1.0–2.0 s]        ["Pauses are gone."  6.0–7.5 s]
//! main      [s1 in 0.5 s, 0–3 s on the timeline][s1-2 in 5.5 s, 3–6 s]
//! captions  [0.5–1.5 s "Hello there."]          [3.5–5.0 s "Pauses are gone."]
//! ```
//!
//! Adding captions replaces the captions already there, so asking twice never doubles them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::draft::{
    CaptionStyle, Draft, Position, Segment, SegmentMeta, TimedWord, Track, TrackKind,
};
use crate::ops::retime::IdAllocator;
use crate::ops::{Applied, EditError, Effect, Quantity};

/// One caption in the source time of asset `src`, with when each of its words is spoken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceCaption {
    pub src: String,
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<SourceWord>,
}

/// A spoken word in its asset's source time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceWord {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

pub(crate) const CAPTION_ROLE: &str = "caption";

pub(crate) fn add_captions(
    draft: &Draft,
    captions: &[SourceCaption],
    style: Option<CaptionStyle>,
) -> Result<Applied, EditError> {
    let main = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    // New captions keep the place, size and colour the old ones were given.
    let kept_look = draft
        .segments_of(TrackKind::Text)
        .find(|s| s.meta.role.as_deref() == Some(CAPTION_ROLE))
        .map(|s| s.meta.clone());
    let mut edited = draft.clone();
    for track in &mut edited.tracks {
        if track.kind == TrackKind::Text {
            track
                .segments
                .retain(|s| s.meta.role.as_deref() != Some(CAPTION_ROLE));
        }
    }
    edited.tracks.retain(|t| {
        t.kind != TrackKind::Text || !t.segments.is_empty() || !t.id.starts_with("captions")
    });
    let mut ids = IdAllocator::new(&edited);
    let mut placed: Vec<Segment> = Vec::new();
    for caption in captions {
        let Some(segment) = playing(&draft.tracks[main].segments, caption) else {
            continue;
        };
        let to_timeline = |source_ms| to_timeline(segment, source_ms);
        let (start_ms, end_ms) = (to_timeline(caption.start_ms), to_timeline(caption.end_ms));
        if placed.last().is_some_and(|last| start_ms < last.end_ms()) || end_ms <= start_ms {
            continue;
        }
        let words: Vec<TimedWord> = caption
            .words
            .iter()
            .filter_map(|word| {
                let start = to_timeline(word.start_ms).clamp(start_ms, end_ms);
                let end = to_timeline(word.end_ms).clamp(start, end_ms);
                (end > start).then(|| TimedWord {
                    text: word.text.clone(),
                    offset_ms: start - start_ms,
                    duration_ms: end - start,
                })
            })
            .collect();
        let words = words
            .windows(2)
            .all(|pair| pair[0].end_ms() <= pair[1].offset_ms)
            .then_some(words)
            .filter(|words| !words.is_empty());
        placed.push(Segment {
            id: ids.derived("c"),
            src: None,
            start_ms,
            source_in_ms: 0,
            duration_ms: end_ms - start_ms,
            meta: SegmentMeta {
                text: Some(caption.text.clone()),
                role: Some(CAPTION_ROLE.into()),
                position: Some(
                    kept_look
                        .as_ref()
                        .and_then(|m| m.position)
                        .unwrap_or(Position::Bottom),
                ),
                text_size: kept_look.as_ref().and_then(|m| m.text_size),
                text_color: kept_look.as_ref().and_then(|m| m.text_color.clone()),
                style,
                words,
                ..SegmentMeta::default()
            },
        });
    }
    let count = placed.len();
    if count > 0 {
        edited.tracks.push(Track {
            id: ids.derived("captions"),
            kind: TrackKind::Text,
            segments: placed,
            extra: BTreeMap::new(),
        });
    }
    edited.duration_ms = edited.content_end_ms();
    Ok(Applied {
        draft: edited,
        effect: Effect::CaptionsAdded { captions: count },
    })
}

/// How captions look, each part optional: what is absent stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaptionLook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Against the style's own size: 1.4 bigger, 0.75 smaller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<f64>,
    /// A colour name or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<CaptionStyle>,
}

impl CaptionLook {
    pub fn is_empty(&self) -> bool {
        *self == CaptionLook::default()
    }
}

/// Gives every caption `look`; how many there were is the effect (0: none to change).
pub(crate) fn restyle_captions(draft: &Draft, look: &CaptionLook) -> Result<Applied, EditError> {
    if let Some(size) = look.size {
        if !(0.25..=4.0).contains(&size) {
            return Err(EditError::OutOfRange {
                what: Quantity::CaptionSize,
                value: size,
                low: 0.25,
                high: 4.0,
            });
        }
    }
    let mut edited = draft.clone();
    let mut captions = 0;
    for track in edited
        .tracks
        .iter_mut()
        .filter(|t| t.kind == TrackKind::Text)
    {
        for segment in track
            .segments
            .iter_mut()
            .filter(|s| s.meta.role.as_deref() == Some(CAPTION_ROLE))
        {
            captions += 1;
            let meta = &mut segment.meta;
            meta.position = look.position.or(meta.position);
            meta.text_size = look.size.or(meta.text_size);
            meta.text_color = look.color.clone().or(meta.text_color.take());
            meta.style = look.style.or(meta.style);
        }
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::CaptionsRestyled { captions },
    })
}

/// The Draft's captions (text segments of role `caption`) in timeline order: by start, then
/// end. The one numbering of captions: what `fix_caption` names and the studio lists.
pub fn captions_in_order(draft: &Draft) -> Vec<&Segment> {
    let mut captions: Vec<&Segment> = draft
        .segments_of(TrackKind::Text)
        .filter(|s| s.meta.role.as_deref() == Some(CAPTION_ROLE))
        .collect();
    captions.sort_by_key(|s| (s.start_ms, s.end_ms()));
    captions
}

fn captions_in_order_mut(draft: &mut Draft) -> Vec<&mut Segment> {
    let mut captions: Vec<&mut Segment> = draft
        .tracks
        .iter_mut()
        .filter(|t| t.kind == TrackKind::Text)
        .flat_map(|t| t.segments.iter_mut())
        .filter(|s| s.meta.role.as_deref() == Some(CAPTION_ROLE))
        .collect();
    captions.sort_by_key(|s| (s.start_ms, s.end_ms()));
    captions
}

/// Gives the captions, in timeline order, the words `texts` (as many as there are captions).
pub(crate) fn rewrite_captions(draft: &Draft, texts: &[String]) -> Result<Applied, EditError> {
    let mut edited = draft.clone();
    let captions = captions_in_order_mut(&mut edited);
    if captions.len() != texts.len() || texts.iter().any(|t| t.trim().is_empty()) {
        return Err(EditError::CaptionCount {
            given: texts.iter().filter(|t| !t.trim().is_empty()).count(),
            captions: captions.len(),
        });
    }
    for (segment, text) in captions.into_iter().zip(texts) {
        segment.meta.text = Some(text.trim().to_string());
        segment.meta.words = None;
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::CaptionsRewritten {
            captions: texts.len(),
        },
    })
}

/// Gives caption `index` (from 0, in timeline order) the words `text`; the same words leave
/// the Draft as it was (karaoke times kept).
pub(crate) fn fix_caption(draft: &Draft, index: usize, text: &str) -> Result<Applied, EditError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EditError::EmptyCaption);
    }
    let mut edited = draft.clone();
    let captions = captions_in_order_mut(&mut edited);
    let count = captions.len();
    let segment = captions
        .into_iter()
        .nth(index)
        .ok_or(EditError::NoSuchCaption { count })?;
    if segment.meta.text.as_deref() != Some(text) {
        segment.meta.text = Some(text.to_string());
        segment.meta.words = None;
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::CaptionFixed {
            index,
            text: text.to_string(),
        },
    })
}

/// The main-track segment that plays the caption's start.
fn playing<'a>(main: &'a [Segment], caption: &SourceCaption) -> Option<&'a Segment> {
    main.iter().find(|segment| {
        let source = segment.source_range();
        segment.src.as_deref() == Some(caption.src.as_str())
            && source.start_ms <= caption.start_ms
            && caption.start_ms < source.end_ms
    })
}

/// Where a moment of the segment's source plays on the timeline, held inside the segment.
fn to_timeline(segment: &Segment, source_ms: u64) -> u64 {
    let source = segment.source_range();
    let offset = (source_ms.clamp(source.start_ms, source.end_ms) - source.start_ms) as f64
        / segment.speed();
    segment.start_ms + (offset.round() as u64).min(segment.duration_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{apply, EditContext, Op};
    use crate::{DraftMeta, TimeRange};

    fn caption(start_ms: u64, end_ms: u64, text: &str) -> SourceCaption {
        SourceCaption {
            src: "clip".into(),
            start_ms,
            end_ms,
            text: text.into(),
            words: Vec::new(),
        }
    }

    #[test]
    fn captions_follow_the_cuts_and_replace_earlier_ones() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let cut = Op::Cut {
            ranges: vec![TimeRange::new(3_000, 5_000)],
        };
        let draft = apply(&draft, &cut, &EditContext::default()).unwrap().draft;
        let add = Op::AddCaptions {
            captions: vec![
                caption(1_000, 2_000, "Hello there."),
                caption(6_000, 7_500, "Pauses are gone."),
                caption(3_500, 4_500, "cut away"),
            ],
            style: None,
        };
        let applied = apply(&draft, &add, &EditContext::default()).unwrap();
        assert_eq!(applied.effect, Effect::CaptionsAdded { captions: 2 });
        let again = apply(&applied.draft, &add, &EditContext::default())
            .unwrap()
            .draft;
        let cues = crate::subtitles::caption_cues(&again);
        let spans: Vec<(u64, u64, &str)> = cues
            .iter()
            .map(|c| (c.start_ms, c.end_ms, c.text.as_str()))
            .collect();
        assert_eq!(
            spans,
            [
                (1_000, 2_000, "Hello there."),
                (4_000, 5_500, "Pauses are gone.")
            ]
        );
        assert_eq!(
            again
                .tracks
                .iter()
                .filter(|t| t.kind == TrackKind::Text)
                .count(),
            1,
            "replaced, not doubled"
        );
    }

    #[test]
    fn caption_words_and_style_are_placed_with_the_caption() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let fast = apply(&draft, &Op::Speed { factor: 2.0 }, &EditContext::default())
            .unwrap()
            .draft;
        let word = |text: &str, start_ms, end_ms| SourceWord {
            text: text.into(),
            start_ms,
            end_ms,
        };
        let mut spoken = caption(2_000, 3_000, "Slow down");
        spoken.words = vec![word("Slow", 2_000, 2_400), word("down", 2_500, 3_000)];
        let add = Op::AddCaptions {
            captions: vec![spoken],
            style: Some(CaptionStyle::Karaoke),
        };
        let placed = apply(&fast, &add, &EditContext::default()).unwrap().draft;
        let caption = &placed.tracks[1].segments[0];
        assert_eq!((caption.start_ms, caption.duration_ms), (1_000, 500));
        assert_eq!(caption.meta.style, Some(CaptionStyle::Karaoke));
        let timed = |text: &str, offset_ms, duration_ms| TimedWord {
            text: text.into(),
            offset_ms,
            duration_ms,
        };
        assert_eq!(
            caption.meta.words.as_deref(),
            Some(&[timed("Slow", 0, 200), timed("down", 250, 250)][..])
        );
    }

    #[test]
    fn one_caption_gets_new_words_and_loses_its_word_times() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let mut spoken = caption(1_000, 2_000, "Hello Jon");
        spoken.words = vec![
            SourceWord {
                text: "Hello".into(),
                start_ms: 1_000,
                end_ms: 1_400,
            },
            SourceWord {
                text: "Jon".into(),
                start_ms: 1_500,
                end_ms: 2_000,
            },
        ];
        let add = Op::AddCaptions {
            captions: vec![spoken, caption(4_000, 5_000, "Second one.")],
            style: Some(CaptionStyle::Karaoke),
        };
        let draft = apply(&draft, &add, &EditContext::default()).unwrap().draft;
        let fix = |index, text: &str| Op::CaptionText {
            index,
            text: text.into(),
        };
        let fixed = apply(&draft, &fix(0, " Hello John "), &EditContext::default()).unwrap();
        assert_eq!(
            fixed.effect,
            Effect::CaptionFixed {
                index: 0,
                text: "Hello John".into()
            }
        );
        let cues = crate::subtitles::caption_cues(&fixed.draft);
        let spans: Vec<(u64, u64, &str)> = cues
            .iter()
            .map(|c| (c.start_ms, c.end_ms, c.text.as_str()))
            .collect();
        assert_eq!(
            spans,
            [(1_000, 2_000, "Hello John"), (4_000, 5_000, "Second one.")],
            "the first is fixed, both keep their times"
        );
        let segment = |draft: &Draft, text: &str| {
            draft.tracks[1]
                .segments
                .iter()
                .find(|s| s.meta.text.as_deref() == Some(text))
                .cloned()
                .unwrap()
        };
        assert!(segment(&fixed.draft, "Hello John").meta.words.is_none());
        // The same words again change nothing, karaoke times included.
        let same = apply(&draft, &fix(0, "Hello Jon"), &EditContext::default()).unwrap();
        assert_eq!(same.draft, draft);
        assert_eq!(
            apply(&draft, &fix(2, "x"), &EditContext::default()).unwrap_err(),
            EditError::NoSuchCaption { count: 2 }
        );
        assert_eq!(
            apply(&draft, &fix(1, "  "), &EditContext::default()).unwrap_err(),
            EditError::EmptyCaption
        );
    }
}
