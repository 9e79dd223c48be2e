//! Ripple edits: removing timeline ranges from the main track and moving everything else
//! through the resulting time map.
//!
//! ```text
//! before   main  [s1 0────────────10s)        title [0──3s)   music [0────────10s)
//! cut 2–5s main  [s1 0──2)[s1-2 2──────7s)    title [0──2s)   music [0─────7s)
//! ```
//!
//! The main track is split exactly at the cut points; a segment on another track keeps
//! playing continuously, with its start and end moved through the map (so music is shortened,
//! not chopped, and a segment that lay wholly inside a cut disappears).

use std::collections::HashSet;

use crate::draft::{Draft, Segment, TimedWord};
use crate::ops::{Applied, EditError, Effect};
use crate::time::{complement, normalize_ranges, TimeRange};

/// A piecewise map from old timeline positions to new ones.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Retime {
    pieces: Vec<Piece>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Piece {
    old: TimeRange,
    new_start_ms: u64,
    /// Old milliseconds per new millisecond (2.0 plays twice as fast).
    rate: f64,
}

impl Piece {
    fn new_end_ms(&self) -> u64 {
        self.new_start_ms + (self.old.duration_ms() as f64 / self.rate).round() as u64
    }
}

impl Retime {
    /// Keeps `kept` (sorted, disjoint) and plays each at `rate`; the gaps between are removed.
    pub(crate) fn keeping(kept: &[TimeRange], rate: f64) -> Self {
        let mut pieces = Vec::with_capacity(kept.len());
        let mut new_start_ms = 0;
        for &old in kept {
            let piece = Piece {
                old,
                new_start_ms,
                rate,
            };
            new_start_ms = piece.new_end_ms();
            pieces.push(piece);
        }
        Retime { pieces }
    }

    /// Where an old position lands. A position inside a removed range lands where the next
    /// kept piece starts; one after the last kept piece lands at its end (nothing on the
    /// timeline lies past `d`, and everything after the last kept piece was removed).
    pub(crate) fn map(&self, old_ms: u64) -> u64 {
        for piece in &self.pieces {
            if old_ms < piece.old.start_ms {
                return piece.new_start_ms;
            }
            if old_ms < piece.old.end_ms {
                let offset = (old_ms - piece.old.start_ms) as f64 / piece.rate;
                return (piece.new_start_ms + offset.round() as u64).min(piece.new_end_ms());
            }
        }
        self.pieces.last().map_or(0, Piece::new_end_ms)
    }
}

/// `Op::Cut`: removes `ranges` (timeline coordinates) and ripples.
pub(crate) fn cut(draft: &Draft, ranges: &[TimeRange]) -> Result<Applied, EditError> {
    let removed = normalize_ranges(ranges.to_vec());
    let removed_ms = removed
        .iter()
        .filter_map(|r| r.intersect(&TimeRange::new(0, draft.duration_ms)))
        .map(|r| r.duration_ms())
        .sum();
    let draft = remove_ranges(draft, &removed)?;
    Ok(Applied {
        draft,
        effect: Effect::RangesRemoved { removed_ms },
    })
}

/// `Op::Keep`: keeps only `ranges` (timeline coordinates).
pub(crate) fn keep(draft: &Draft, ranges: &[TimeRange]) -> Result<Applied, EditError> {
    let kept = normalize_ranges(ranges.to_vec());
    let removed = complement(TimeRange::new(0, draft.duration_ms), &kept);
    cut(draft, &removed)
}

/// Removes normalized timeline `removed` ranges from the main track, moving the other tracks
/// through the same map.
pub(crate) fn remove_ranges(draft: &Draft, removed: &[TimeRange]) -> Result<Draft, EditError> {
    let main = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    let kept = complement(TimeRange::new(0, draft.duration_ms), removed);
    if kept.is_empty() {
        return Err(EditError::NothingLeft);
    }
    let retime = Retime::keeping(&kept, 1.0);
    let mut ids = IdAllocator::new(draft);
    let mut edited = draft.clone();
    for (index, track) in edited.tracks.iter_mut().enumerate() {
        track.segments = if index == main {
            split_main_segments(&track.segments, &kept, &retime, &mut ids)
        } else {
            move_segments(&track.segments, &retime)
        };
    }
    if edited.tracks[main].segments.is_empty() {
        return Err(EditError::NothingLeft);
    }
    edited.duration_ms = edited.content_end_ms();
    Ok(edited)
}

fn split_main_segments(
    segments: &[Segment],
    kept: &[TimeRange],
    retime: &Retime,
    ids: &mut IdAllocator,
) -> Vec<Segment> {
    let mut result = Vec::new();
    for segment in segments {
        let pieces: Vec<TimeRange> = kept
            .iter()
            .filter_map(|k| k.intersect(&segment.timeline_range()))
            .collect();
        for (n, piece) in pieces.iter().enumerate() {
            let offset_ms = piece.start_ms - segment.start_ms;
            let mut part = segment.clone();
            if n > 0 {
                part.id = ids.derived(&segment.id);
                // A crossfade belongs at the clip's start, not at every cut inside it.
                part.meta.crossfade_in_ms = None;
            }
            part.start_ms = retime.map(piece.start_ms);
            part.source_in_ms =
                segment.source_in_ms + (offset_ms as f64 * segment.speed()).round() as u64;
            part.duration_ms = piece.duration_ms();
            clamp_fades(&mut part);
            result.push(part);
        }
    }
    result
}

/// Moves every segment's start and end through `retime`; segments that vanish are dropped.
pub(crate) fn move_segments(segments: &[Segment], retime: &Retime) -> Vec<Segment> {
    segments
        .iter()
        .filter_map(|segment| {
            let start_ms = retime.map(segment.start_ms);
            let end_ms = retime.map(segment.end_ms());
            (end_ms > start_ms).then(|| {
                let mut moved = segment.clone();
                moved.start_ms = start_ms;
                moved.duration_ms = end_ms - start_ms;
                moved.meta.words = segment
                    .meta
                    .words
                    .as_ref()
                    .map(|words| move_words(segment.start_ms, start_ms, words, retime));
                clamp_fades(&mut moved);
                moved
            })
        })
        .collect()
}

/// A caption's word times through `retime`, relative to the caption's new start; words that
/// were cut away are dropped.
fn move_words(
    old_start_ms: u64,
    new_start_ms: u64,
    words: &[TimedWord],
    retime: &Retime,
) -> Vec<TimedWord> {
    words
        .iter()
        .filter_map(|word| {
            let start_ms = retime.map(old_start_ms + word.offset_ms);
            let end_ms = retime.map(old_start_ms + word.end_ms());
            (end_ms > start_ms).then(|| TimedWord {
                text: word.text.clone(),
                offset_ms: start_ms - new_start_ms,
                duration_ms: end_ms - start_ms,
            })
        })
        .collect()
}

/// Fades never outlast a shortened segment.
fn clamp_fades(segment: &mut Segment) {
    let d = segment.duration_ms;
    let fade_in = segment.meta.fade_in_ms.map(|f| f.min(d));
    segment.meta.fade_in_ms = fade_in;
    let room = d - fade_in.unwrap_or(0);
    segment.meta.fade_out_ms = segment.meta.fade_out_ms.map(|f| f.min(room));
}

/// Makes ids for split pieces that no other track or segment already uses.
pub(crate) struct IdAllocator {
    used: HashSet<String>,
}

impl IdAllocator {
    pub(crate) fn new(draft: &Draft) -> Self {
        let used = draft
            .tracks
            .iter()
            .flat_map(|t| {
                std::iter::once(t.id.clone()).chain(t.segments.iter().map(|s| s.id.clone()))
            })
            .collect();
        IdAllocator { used }
    }

    /// A new id root: `prefix` and the first number no track or segment uses.
    pub(crate) fn fresh(&mut self, prefix: &str) -> String {
        (1..)
            .map(|n| format!("{prefix}{n}"))
            .find(|candidate| {
                let root_taken = self
                    .used
                    .iter()
                    .any(|id| id.split('-').next() == Some(candidate.as_str()));
                !root_taken && self.used.insert(candidate.clone())
            })
            .expect("an unused id exists")
    }

    pub(crate) fn derived(&mut self, base: &str) -> String {
        let root = base.split('-').next().unwrap_or(base);
        (2..)
            .map(|n| format!("{root}-{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .expect("an unused id exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::{DraftMeta, SegmentMeta, Track, TrackKind};
    use crate::ops::{apply, EditContext, Op};

    fn r(start_ms: u64, end_ms: u64) -> TimeRange {
        TimeRange::new(start_ms, end_ms)
    }

    /// The DESIGN.md example: 10 s clip, music 0–10 s, title 0–3 s.
    fn three_tracks() -> Draft {
        let mut draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let segment = |id: &str, src: Option<&str>, d: u64, meta: SegmentMeta| Segment {
            id: id.into(),
            src: src.map(Into::into),
            start_ms: 0,
            source_in_ms: 0,
            duration_ms: d,
            meta,
        };
        draft.tracks.push(Track {
            id: "a1".into(),
            kind: TrackKind::Audio,
            segments: vec![segment("m1", Some("music"), 10_000, SegmentMeta::default())],
            extra: Default::default(),
        });
        let title = SegmentMeta {
            text: Some("Urban Dreams".into()),
            ..SegmentMeta::default()
        };
        draft.tracks.push(Track {
            id: "x1".into(),
            kind: TrackKind::Text,
            segments: vec![segment("t1", None, 3_000, title)],
            extra: Default::default(),
        });
        draft
    }

    fn spans(draft: &Draft, track: usize) -> Vec<(u64, u64, u64)> {
        draft.tracks[track]
            .segments
            .iter()
            .map(|s| (s.start_ms, s.source_in_ms, s.duration_ms))
            .collect()
    }

    #[test]
    fn cut_splits_the_main_track_and_moves_the_others() {
        let cut = Op::Cut {
            ranges: vec![r(2_000, 5_000)],
        };
        let applied = apply(&three_tracks(), &cut, &EditContext::default()).unwrap();
        let draft = applied.draft;
        assert_eq!(spans(&draft, 0), [(0, 0, 2_000), (2_000, 5_000, 5_000)]);
        assert_eq!(
            spans(&draft, 1),
            [(0, 0, 7_000)],
            "music continues, shortened"
        );
        assert_eq!(
            spans(&draft, 2),
            [(0, 0, 2_000)],
            "title loses the cut part"
        );
        assert_eq!(draft.duration_ms, 7_000);
        assert_eq!(applied.effect, Effect::RangesRemoved { removed_ms: 3_000 });
        assert_eq!(draft.tracks[0].segments[1].id, "s1-2");
    }

    #[test]
    fn keep_is_the_complement_of_cut() {
        let keep = Op::Keep {
            ranges: vec![r(1_000, 4_000), r(6_000, 7_000)],
        };
        let draft = apply(&three_tracks(), &keep, &EditContext::default())
            .unwrap()
            .draft;
        assert_eq!(spans(&draft, 0), [(0, 1_000, 3_000), (3_000, 6_000, 1_000)]);
        assert_eq!(spans(&draft, 2), [(0, 0, 2_000)]);
        assert_eq!(draft.duration_ms, 4_000);
    }

    #[test]
    fn a_segment_inside_a_cut_disappears() {
        let cut = Op::Cut {
            ranges: vec![r(0, 3_000)],
        };
        let draft = apply(&three_tracks(), &cut, &EditContext::default())
            .unwrap()
            .draft;
        assert!(draft.tracks[2].segments.is_empty());
        assert_eq!(draft.duration_ms, 7_000);
    }

    #[test]
    fn caption_words_follow_cuts_and_speed_and_cut_words_go() {
        let mut draft = three_tracks();
        let word = |text: &str, offset_ms, duration_ms| TimedWord {
            text: text.into(),
            offset_ms,
            duration_ms,
        };
        let title = &mut draft.tracks[2].segments[0].meta;
        title.words = Some(vec![
            word("one", 0, 500),
            word("two", 1_200, 600),
            word("three", 2_200, 700),
        ]);
        let cut = Op::Cut {
            ranges: vec![r(1_000, 2_000)],
        };
        let cut = apply(&draft, &cut, &EditContext::default()).unwrap().draft;
        let words = |draft: &Draft| draft.tracks[2].segments[0].meta.words.clone().unwrap();
        assert_eq!(
            words(&cut),
            [word("one", 0, 500), word("three", 1_200, 700)],
            "'two' was spoken inside the cut"
        );
        let fast = apply(&cut, &Op::Speed { factor: 2.0 }, &EditContext::default())
            .unwrap()
            .draft;
        assert_eq!(words(&fast), [word("one", 0, 250), word("three", 600, 350)]);
    }

    #[test]
    fn cutting_everything_is_refused() {
        let cut = Op::Cut {
            ranges: vec![r(0, 10_000)],
        };
        assert_eq!(
            apply(&three_tracks(), &cut, &EditContext::default()),
            Err(EditError::NothingLeft)
        );
    }

    #[test]
    fn retime_maps_points_in_cuts_to_the_next_kept_piece() {
        let retime = Retime::keeping(&[r(0, 100), r(300, 400)], 1.0);
        assert_eq!(retime.map(50), 50);
        assert_eq!(retime.map(200), 100);
        assert_eq!(retime.map(350), 150);
        assert_eq!(retime.map(500), 200);
    }
}
