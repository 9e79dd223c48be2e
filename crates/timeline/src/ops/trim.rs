//! Cuts in a clip's own time: pause trimming (the silence map of each main-track clip →
//! timeline ranges to cut) and `CutSource` (given source ranges, e.g. filler words).
//!
//! ```text
//! source    speech ███   pause ·········   speech ████
//! removed              [pad|  removed  |pad]
//! timeline  ███···████          (padding kept at both sides of every pause)
//! ```
//!
//! A quiet run counts as a pause when it lasts at least `min_pause_ms`; `padding_ms` of it is
//! kept next to the speech on each side so word endings and onsets are never clipped. A kept
//! piece shorter than [`MIN_KEEP_MS`] between two cuts is a click or a breath, not speech, and
//! is cut with them, so no kept piece is shorter than that.

use crate::draft::{Draft, Segment};
use crate::ops::retime::remove_ranges;
use crate::ops::{Applied, EditContext, EditError, Effect};
use crate::time::{complement, normalize_ranges, TimeRange};
use crate::SilenceMap;

/// The shortest piece of a clip that pause trimming leaves standing.
pub const MIN_KEEP_MS: u64 = 100;

pub(crate) fn trim_pauses(
    draft: &Draft,
    min_pause_ms: u64,
    padding_ms: u64,
    context: &EditContext,
) -> Result<Applied, EditError> {
    let main = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    if min_pause_ms < SilenceMap::MIN_QUIET_MS {
        return Err(EditError::PauseTooShort {
            min_ms: SilenceMap::MIN_QUIET_MS,
        });
    }
    let mut removed = Vec::new();
    for segment in &draft.tracks[main].segments {
        let Some(src) = segment.src.as_deref() else {
            continue;
        };
        let Some(silence) = context.silence.get(src) else {
            return Err(EditError::MissingAnalysis { asset: src.into() });
        };
        let source_cuts: Vec<TimeRange> = silence
            .quiet
            .iter()
            .filter(|pause| pause.duration_ms() >= min_pause_ms)
            .map(|pause| {
                TimeRange::new(
                    pause.start_ms + padding_ms,
                    pause.end_ms.saturating_sub(padding_ms),
                )
            })
            .collect();
        removed.extend(segment_cuts(segment, &source_cuts));
    }
    let removed = normalize_ranges(removed);
    if removed.is_empty() {
        return Ok(Applied {
            draft: draft.clone(),
            effect: Effect::PausesTrimmed {
                pauses: 0,
                removed_ms: 0,
            },
        });
    }
    let removed_ms = removed.iter().map(TimeRange::duration_ms).sum();
    Ok(Applied {
        draft: remove_ranges(draft, &removed)?,
        effect: Effect::PausesTrimmed {
            pauses: removed.len(),
            removed_ms,
        },
    })
}

/// `Op::CutSource`: removes these ranges of asset `src`'s own time wherever the main track
/// plays them (filler words found in a transcript, say).
pub(crate) fn cut_source(
    draft: &Draft,
    src: &str,
    source_cuts: &[TimeRange],
) -> Result<Applied, EditError> {
    let removed: Vec<TimeRange> = draft
        .main_segments()
        .iter()
        .filter(|segment| segment.src.as_deref() == Some(src))
        .flat_map(|segment| segment_cuts(segment, source_cuts))
        .collect();
    let removed = normalize_ranges(removed);
    let removed_ms = removed.iter().map(TimeRange::duration_ms).sum();
    let draft = if removed.is_empty() {
        draft.clone()
    } else {
        remove_ranges(draft, &removed)?
    };
    Ok(Applied {
        draft,
        effect: Effect::SourceRangesCut {
            ranges: removed.len(),
            removed_ms,
        },
    })
}

/// The timeline ranges to cut from one clip for these cuts in its source time, with the
/// tiny pieces they would leave standing.
fn segment_cuts(segment: &Segment, source_cuts: &[TimeRange]) -> Vec<TimeRange> {
    let source_range = segment.source_range();
    let speed = segment.speed();
    let to_timeline = |source_ms: u64| {
        let offset = source_ms.saturating_sub(segment.source_in_ms) as f64 / speed;
        (segment.start_ms + offset.round() as u64).min(segment.end_ms())
    };
    let cuts: Vec<TimeRange> = source_cuts
        .iter()
        .filter_map(|cut| cut.intersect(&source_range))
        .map(|cut| TimeRange::new(to_timeline(cut.start_ms), to_timeline(cut.end_ms)))
        .collect();
    let cuts = normalize_ranges(cuts);
    let whole = segment.timeline_range();
    let leftovers = complement(whole, &cuts)
        .into_iter()
        .filter(|piece| piece.duration_ms() < MIN_KEEP_MS && *piece != whole);
    normalize_ranges(cuts.iter().copied().chain(leftovers).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::DraftMeta;
    use crate::ops::{apply, Op};

    fn r(start_ms: u64, end_ms: u64) -> TimeRange {
        TimeRange::new(start_ms, end_ms)
    }

    fn context(quiet: Vec<TimeRange>, duration_ms: u64) -> EditContext {
        let mut context = EditContext::default();
        context.silence.insert(
            "clip".into(),
            SilenceMap {
                duration_ms,
                quiet,
                noise_floor_db: -50.0,
                threshold_db: -40.0,
            },
        );
        context
    }

    fn kept_source_ranges(draft: &Draft) -> Vec<TimeRange> {
        draft.tracks[0]
            .segments
            .iter()
            .map(|s| s.source_range())
            .collect()
    }

    fn trim(quiet: Vec<TimeRange>, min_pause_ms: u64, padding_ms: u64) -> Applied {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let op = Op::TrimPauses {
            min_pause_ms,
            padding_ms,
        };
        apply(&draft, &op, &context(quiet, 10_000)).unwrap()
    }

    #[test]
    fn pauses_are_cut_leaving_padding_on_both_sides() {
        let applied = trim(
            vec![r(0, 1_000), r(3_000, 4_000), r(6_000, 6_300)],
            500,
            150,
        );
        assert_eq!(
            kept_source_ranges(&applied.draft),
            [r(0, 150), r(850, 3_150), r(3_850, 10_000)],
            "the 300 ms gap is shorter than the minimum and stays"
        );
        assert_eq!(
            applied.effect,
            Effect::PausesTrimmed {
                pauses: 2,
                removed_ms: 1_400
            }
        );
        assert_eq!(applied.draft.duration_ms, 8_600);
    }

    #[test]
    fn tiny_pieces_between_cuts_are_cut_with_them() {
        // A 60 ms click between two long pauses would leave 60 + 2×0 ms of "speech".
        let applied = trim(vec![r(1_000, 2_000), r(2_060, 3_000)], 500, 0);
        assert_eq!(
            kept_source_ranges(&applied.draft),
            [r(0, 1_000), r(3_000, 10_000)]
        );
        let shortest = applied.draft.tracks[0]
            .segments
            .iter()
            .map(|s| s.duration_ms)
            .min();
        assert!(shortest >= Some(MIN_KEEP_MS));
    }

    #[test]
    fn a_clip_without_pauses_is_left_as_it_was() {
        let applied = trim(vec![r(4_000, 4_200)], 500, 150);
        assert_eq!(kept_source_ranges(&applied.draft), [r(0, 10_000)]);
        assert_eq!(
            applied.effect,
            Effect::PausesTrimmed {
                pauses: 0,
                removed_ms: 0
            }
        );
    }

    #[test]
    fn pauses_are_found_in_source_time_through_in_and_speed() {
        let mut draft = Draft::single_clip("clip", 4_000, DraftMeta::default());
        let segment = &mut draft.tracks[0].segments[0];
        segment.source_in_ms = 2_000;
        segment.meta.speed = Some(2.0);
        // Source 2–10 s plays on the timeline at 0–4 s; the pause at source 5–7 s is at 1.5–2.5 s.
        let op = Op::TrimPauses {
            min_pause_ms: 500,
            padding_ms: 0,
        };
        let applied = apply(&draft, &op, &context(vec![r(5_000, 7_000)], 10_000)).unwrap();
        assert_eq!(
            kept_source_ranges(&applied.draft),
            [r(2_000, 5_000), r(7_000, 10_000)]
        );
        assert_eq!(applied.draft.duration_ms, 3_000);
    }

    #[test]
    fn source_cuts_are_removed_wherever_the_clip_plays() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let op = Op::CutSource {
            src: "clip".into(),
            ranges: vec![r(2_000, 2_400), r(2_450, 3_000), r(20_000, 21_000)],
        };
        let applied = apply(&draft, &op, &EditContext::default()).unwrap();
        // The 50 ms left between the first two cuts goes with them.
        assert_eq!(
            kept_source_ranges(&applied.draft),
            [r(0, 2_000), r(3_000, 10_000)]
        );
        assert_eq!(
            applied.effect,
            Effect::SourceRangesCut {
                ranges: 1,
                removed_ms: 1_000
            }
        );
    }

    #[test]
    fn a_clip_without_analysis_is_an_error_not_a_silent_skip() {
        let draft = Draft::single_clip("other", 1_000, DraftMeta::default());
        let op = Op::TrimPauses {
            min_pause_ms: 500,
            padding_ms: 150,
        };
        assert_eq!(
            apply(&draft, &op, &context(vec![], 1_000)),
            Err(EditError::MissingAnalysis {
                asset: "other".into()
            })
        );
    }
}
