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

use crate::draft::{Draft, Position, Segment, SegmentMeta, Track, TrackKind};
use crate::ops::retime::IdAllocator;
use crate::ops::{Applied, EditError, Effect};

/// One caption in the source time of asset `src`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceCaption {
    pub src: String,
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

pub(crate) const CAPTION_ROLE: &str = "caption";

pub(crate) fn add_captions(
    draft: &Draft,
    captions: &[SourceCaption],
) -> Result<Applied, EditError> {
    let main = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
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
        let Some((start_ms, end_ms)) = place(&draft.tracks[main].segments, caption) else {
            continue;
        };
        if placed.last().is_some_and(|last| start_ms < last.end_ms()) || end_ms <= start_ms {
            continue;
        }
        placed.push(Segment {
            id: ids.derived("c"),
            src: None,
            start_ms,
            source_in_ms: 0,
            duration_ms: end_ms - start_ms,
            meta: SegmentMeta {
                text: Some(caption.text.clone()),
                role: Some(CAPTION_ROLE.into()),
                position: Some(Position::Bottom),
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

/// Where a caption falls on the timeline: inside the first main-track segment that plays its
/// start, cut to that segment.
fn place(main: &[Segment], caption: &SourceCaption) -> Option<(u64, u64)> {
    main.iter().find_map(|segment| {
        let source = segment.source_range();
        let plays = segment.src.as_deref() == Some(caption.src.as_str())
            && source.start_ms <= caption.start_ms
            && caption.start_ms < source.end_ms;
        plays.then(|| {
            let to_timeline = |source_ms: u64| {
                let offset =
                    (source_ms.min(source.end_ms) - source.start_ms) as f64 / segment.speed();
                segment.start_ms + (offset.round() as u64).min(segment.duration_ms)
            };
            (to_timeline(caption.start_ms), to_timeline(caption.end_ms))
        })
    })
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
}
