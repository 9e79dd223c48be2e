//! A long export in parts: where its timeline can be cut so that each part's picture is
//! rendered apart (by any worker) and the parts, joined by stream copy, show the frames the
//! one-job render shows; and the Draft of one part. The sound is never cut: it is rendered
//! once, whole, and laid under the joined picture (`media::render::parts`).
//!
//! Every boundary is a frame's start on the grid where frame times are whole milliseconds
//! (100 ms at 30 fps, 1001 ms at 29.97; `frames`): a render gives each segment exactly the
//! frames of the whole export's grid that fall in it, and shows in each the moment of the
//! timeline it stands for, so a part starting on the grid shows the frames the whole render
//! shows there. A boundary never falls where the picture blends what lies before it with
//! what lies after: a crossfade, a whole-output fade, the fading edges of a title, a moving
//! overlay.
//!
//! ```text
//! main  [clip 1 ──────────────)[clip 2 ─────────────────────────────────────)
//!                              ▲ a clip's start, near the target       ▲ inside, on the grid
//! parts [0 ─────────── part 1 )[──────────── part 2 ─────────────────)[── part 3 ──)
//! ```

use crate::draft::{Draft, Segment, TrackKind};
use crate::frames::FrameRate;
use crate::time::TimeRange;

/// How long a part is meant to be; exports up to 1.5 times this stay one part.
pub const PART_TARGET_MS: u64 = 60_000;

/// How far from a text segment's edges (or past its own fade, when longer) no boundary falls:
/// a title fades in and out there.
const TEXT_EDGE_MS: u64 = 1_000;

/// A boundary inside a clip is taken only when no clip starts near the target: it costs this
/// much distance from the target.
const INSIDE_A_CLIP_COST_MS: u64 = 5_000;

/// The timeline ranges of `draft`'s parts, in order, covering `[0, d)`; one range for a
/// Draft shorter than one and a half targets or without a clean boundary.
pub fn part_ranges(draft: &Draft, target_ms: u64) -> Vec<TimeRange> {
    let d = draft.duration_ms;
    let target_ms = target_ms.max(1);
    let candidates = boundaries(draft);
    let mut ranges = Vec::new();
    let mut cursor = 0;
    while d - cursor > target_ms * 3 / 2 {
        let ideal = cursor + target_ms;
        let (earliest, latest) = (cursor + target_ms / 2, cursor + target_ms * 3 / 2);
        // The last part is at least half a target long.
        let usable = |b: &&Boundary| b.at_ms > cursor && d - b.at_ms >= target_ms / 2;
        let near = candidates
            .iter()
            .filter(usable)
            .filter(|b| (earliest..=latest).contains(&b.at_ms))
            .min_by_key(|b| b.at_ms.abs_diff(ideal) + b.cost_ms);
        // None near: the first one past the earliest (never a tiny part).
        let later = || {
            candidates
                .iter()
                .filter(usable)
                .find(|b| b.at_ms >= earliest)
        };
        let Some(next) = near.or_else(later) else {
            break;
        };
        ranges.push(TimeRange::new(cursor, next.at_ms));
        cursor = next.at_ms;
    }
    ranges.push(TimeRange::new(cursor, d));
    ranges
}

/// The Draft of one part: every segment that plays in `range`, cut to it and moved to start
/// at zero. A segment cut at its start plays on from where it was (its source's in-point
/// moves on); an edge that was cut does not fade. The output fades only where the whole
/// export fades. (Sound tracks are cut too, so the part is a valid Draft; its picture is
/// what is rendered.)
pub fn part(draft: &Draft, range: TimeRange) -> Draft {
    let mut part = draft.clone();
    part.duration_ms = range.duration_ms();
    if range.start_ms > 0 {
        part.meta.fade_in_ms = 0;
    }
    if range.end_ms < draft.duration_ms {
        part.meta.fade_out_ms = 0;
    }
    for track in &mut part.tracks {
        track.segments = track
            .segments
            .iter()
            .filter_map(|segment| cut_to(segment, range))
            .collect();
    }
    part
}

fn cut_to(segment: &Segment, range: TimeRange) -> Option<Segment> {
    let kept = segment.timeline_range().intersect(&range)?;
    let cut_front = kept.start_ms - segment.start_ms;
    let mut cut = segment.clone();
    cut.start_ms = kept.start_ms - range.start_ms;
    cut.duration_ms = kept.duration_ms();
    if cut_front > 0 {
        if cut.src.is_some() {
            cut.source_in_ms += (cut_front as f64 * segment.speed()).round() as u64;
        }
        cut.meta.fade_in_ms = Some(0);
        cut.meta.crossfade_in_ms = None;
        cut.meta.words = segment.meta.words.as_ref().map(|words| {
            words
                .iter()
                .filter(|w| w.end_ms() > cut_front)
                .map(|w| {
                    let mut word = w.clone();
                    word.offset_ms = w.offset_ms.saturating_sub(cut_front);
                    word.duration_ms = w.end_ms() - cut_front.max(w.offset_ms);
                    word
                })
                .collect()
        });
    }
    if kept.end_ms < segment.end_ms() {
        cut.meta.fade_out_ms = Some(0);
        let end = cut.duration_ms;
        cut.meta.words = cut.meta.words.map(|words| {
            words
                .into_iter()
                .filter(|w| w.offset_ms < end)
                .map(|mut word| {
                    word.duration_ms = word.duration_ms.min(end - word.offset_ms);
                    word
                })
                .collect()
        });
    }
    Some(cut)
}

/// A place the timeline may be cut, and what it costs against one nearer the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Boundary {
    at_ms: u64,
    cost_ms: u64,
}

/// Every clean boundary of `draft`, in order: points of the frame grid (`FrameRate::grid_ms`)
/// where a clip starts (free), or about every second elsewhere (costing
/// [`INSIDE_A_CLIP_COST_MS`]), except inside a clip at another speed (its cut in-point would
/// fall between milliseconds), at the start of a clip crossfaded in (it blends in from the
/// clip before), where nothing on any track reaches the point (the part before would not be
/// a valid Draft), and in blocked ranges.
fn boundaries(draft: &Draft) -> Vec<Boundary> {
    let d = draft.duration_ms;
    let blocked = blocked_ranges(draft);
    let grid = FrameRate::of(draft.meta.fps).grid_ms();
    let main = draft.main_segments();
    let clear = |at_ms: u64| {
        let inside = |r: TimeRange| r.start_ms < at_ms && at_ms < r.end_ms;
        at_ms > 0
            && at_ms < d
            && at_ms.is_multiple_of(grid)
            && !blocked.iter().any(|r| inside(*r))
            && !main.iter().any(|s| {
                let crossfaded = s.meta.crossfade_in_ms.is_some_and(|ms| ms > 0);
                (s.speed() != 1.0 && inside(s.timeline_range()))
                    || (crossfaded && s.start_ms == at_ms)
            })
            && draft.tracks.iter().any(|track| {
                track
                    .segments
                    .iter()
                    .any(|s| s.start_ms < at_ms && at_ms <= s.end_ms())
            })
    };
    let mut found: Vec<Boundary> = main
        .iter()
        .filter(|s| clear(s.start_ms))
        .map(|s| Boundary {
            at_ms: s.start_ms,
            cost_ms: 0,
        })
        .collect();
    let step = grid * 1_000u64.div_ceil(grid);
    found.extend(
        (1..d.div_ceil(step))
            .map(|n| n * step)
            .filter(|&at_ms| clear(at_ms))
            .map(|at_ms| Boundary {
                at_ms,
                cost_ms: INSIDE_A_CLIP_COST_MS,
            }),
    );
    found.sort_by_key(|b| (b.at_ms, b.cost_ms));
    found.dedup_by_key(|b| b.at_ms);
    found
}

/// Where no boundary may fall (open ranges: a boundary exactly at an edge is clean).
fn blocked_ranges(draft: &Draft) -> Vec<TimeRange> {
    let d = draft.duration_ms;
    let meta = &draft.meta;
    let mut blocked = vec![
        TimeRange::new(0, meta.fade_in_ms),
        TimeRange::new(d.saturating_sub(meta.fade_out_ms), d),
    ];
    for segment in draft.main_segments() {
        if let Some(ms) = segment.meta.crossfade_in_ms {
            blocked.push(TimeRange::new(segment.start_ms, segment.start_ms + ms));
        }
    }
    let main = draft.main_track_index();
    for (index, track) in draft.tracks.iter().enumerate() {
        for segment in &track.segments {
            match track.kind {
                TrackKind::Text => {
                    let fade_in = segment.meta.fade_in_ms.unwrap_or(0).max(TEXT_EDGE_MS);
                    let fade_out = segment.meta.fade_out_ms.unwrap_or(0).max(TEXT_EDGE_MS);
                    let (start, end) = (segment.start_ms, segment.end_ms());
                    blocked.push(TimeRange::new(start, start + fade_in));
                    blocked.push(TimeRange::new(end.saturating_sub(fade_out), end));
                }
                // A moving overlay times its frames from its own start.
                TrackKind::Video if Some(index) != main => {
                    blocked.push(segment.timeline_range());
                }
                _ => {}
            }
        }
    }
    blocked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::{DraftMeta, SegmentMeta, TimedWord, Track};
    use crate::validate;

    fn clip(id: &str, start_ms: u64, source_in_ms: u64, duration_ms: u64) -> Segment {
        Segment {
            id: id.into(),
            src: Some("a_1".into()),
            start_ms,
            source_in_ms,
            duration_ms,
            meta: SegmentMeta::default(),
        }
    }

    fn text(id: &str, start_ms: u64, duration_ms: u64, role: &str) -> Segment {
        Segment {
            id: id.into(),
            src: None,
            start_ms,
            source_in_ms: 0,
            duration_ms,
            meta: SegmentMeta {
                text: Some(id.into()),
                role: Some(role.into()),
                ..SegmentMeta::default()
            },
        }
    }

    fn draft_of(main: Vec<Segment>, texts: Vec<Segment>) -> Draft {
        let d = main.last().map_or(0, Segment::end_ms);
        let mut draft = Draft::single_clip("a_1", 1, DraftMeta::for_clip((320, 180), 30.0));
        draft.duration_ms = d;
        draft.tracks[0].segments = main;
        draft.tracks.push(Track {
            id: "x1".into(),
            kind: TrackKind::Text,
            segments: texts,
            extra: Default::default(),
        });
        draft
    }

    /// A talk cut into clips of `lengths` (ms), played end to end.
    fn talk(lengths: &[u64]) -> Draft {
        let mut start = 0;
        let main = lengths
            .iter()
            .enumerate()
            .map(|(i, &len)| {
                let segment = clip(&format!("s{i}"), start, start * 2, len);
                start += len;
                segment
            })
            .collect();
        draft_of(main, Vec::new())
    }

    #[test]
    fn short_exports_stay_one_part() {
        let draft = talk(&[40_000, 40_000]);
        assert_eq!(
            part_ranges(&draft, PART_TARGET_MS),
            vec![TimeRange::new(0, 80_000)]
        );
    }

    #[test]
    fn parts_end_where_clips_start_near_the_target() {
        // Clips of 7 s: starts at 7, 14, … 63, 70 s.
        let draft = talk(&[7_000; 30]);
        let ranges = part_ranges(&draft, PART_TARGET_MS);
        let bounds: Vec<u64> = ranges.iter().map(|r| r.end_ms).collect();
        assert_eq!(bounds, vec![63_000, 126_000, 210_000]);
        assert_eq!(ranges[0].start_ms, 0);
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end_ms, pair[1].start_ms);
        }
    }

    #[test]
    fn a_long_clip_is_cut_on_the_frame_grid_and_never_in_a_title_fade() {
        let mut draft = talk(&[600_000]);
        let ranges = part_ranges(&draft, PART_TARGET_MS);
        assert_eq!(ranges.len(), 10);
        assert!(ranges.iter().all(|r| r.start_ms % 100 == 0));
        assert_eq!(ranges[0].end_ms, 60_000);
        // A title over the first boundary, fading at its edges: the boundary is not in a fade.
        draft.tracks[1].segments = vec![text("Hello", 59_500, 3_000, "title")];
        let ranges = part_ranges(&draft, PART_TARGET_MS);
        let first = ranges[0].end_ms;
        assert!(!(59_500..60_500).contains(&first) && !(61_500..62_500).contains(&first));
        assert!((30_000..=90_000).contains(&first), "{first}");
    }

    #[test]
    fn at_29_97_a_boundary_inside_a_clip_is_a_whole_number_of_frames_in() {
        let mut draft = talk(&[300_000]);
        draft.meta.fps = 29.97;
        for range in part_ranges(&draft, PART_TARGET_MS) {
            assert_eq!(range.start_ms % 1001, 0);
        }
    }

    #[test]
    fn a_crossfaded_clip_never_starts_a_part_even_on_the_grid() {
        let mut draft = talk(&[30_000; 6]);
        draft.tracks[0].segments[2].meta.crossfade_in_ms = Some(500);
        let starts: Vec<u64> = part_ranges(&draft, PART_TARGET_MS)
            .iter()
            .map(|r| r.start_ms)
            .collect();
        assert!(starts.len() > 1, "{starts:?}");
        assert!(!starts.contains(&60_000), "{starts:?}");
    }

    #[test]
    fn crossfades_and_output_fades_are_never_cut() {
        let mut draft = talk(&[7_000; 30]);
        draft.tracks[0].segments[9].meta.crossfade_in_ms = Some(500);
        draft.meta.fade_out_ms = 40_000;
        let ranges = part_ranges(&draft, PART_TARGET_MS);
        let bounds: Vec<u64> = ranges.iter().map(|r| r.start_ms).collect();
        assert!(!bounds.contains(&63_000), "{bounds:?}");
        assert!(bounds.iter().all(|b| *b <= 170_000), "{bounds:?}");
    }

    #[test]
    fn a_part_plays_on_from_where_it_was_cut() {
        let mut draft = talk(&[10_000, 10_000]);
        let mut caption = text("one two", 8_000, 4_000, "caption");
        caption.meta.words = Some(vec![
            TimedWord {
                text: "one".into(),
                offset_ms: 0,
                duration_ms: 1_000,
            },
            TimedWord {
                text: "two".into(),
                offset_ms: 1_500,
                duration_ms: 1_000,
            },
        ]);
        draft.tracks[1].segments = vec![caption];
        draft.tracks.push(Track {
            id: "x2".into(),
            kind: TrackKind::Text,
            segments: vec![text("Title", 0, 12_000, "title")],
            extra: Default::default(),
        });
        draft.meta.fade_in_ms = 500;
        draft.meta.fade_out_ms = 500;
        let second = part(&draft, TimeRange::new(9_000, 20_000));
        assert_eq!(validate::validate(&second, |_| true), Ok(()));
        assert_eq!(second.duration_ms, 11_000);
        assert_eq!((second.meta.fade_in_ms, second.meta.fade_out_ms), (0, 500));
        let main = second.main_segments();
        assert_eq!(
            (main[0].start_ms, main[0].source_in_ms, main[0].duration_ms),
            (0, 9_000, 1_000)
        );
        assert_eq!((main[1].start_ms, main[1].source_in_ms), (1_000, 20_000));
        let caption = &second.tracks[1].segments[0];
        let words = caption.meta.words.as_ref().unwrap();
        assert_eq!((caption.start_ms, caption.duration_ms), (0, 3_000));
        assert_eq!(words.len(), 1);
        assert_eq!((words[0].offset_ms, words[0].duration_ms), (500, 1_000));
        let title = &second.tracks[2].segments[0];
        assert_eq!(title.meta.fade_in_ms, Some(0), "the title was cut");
        assert_eq!(title.meta.fade_out_ms, None, "its end is its own");
        let first = part(&draft, TimeRange::new(0, 9_000));
        assert_eq!(validate::validate(&first, |_| true), Ok(()));
        let caption = &first.tracks[1].segments[0];
        let words = caption.meta.words.as_ref().unwrap();
        assert_eq!(caption.duration_ms, 1_000);
        assert_eq!(words.len(), 1, "\"two\" starts past the cut");
        assert_eq!((words[0].offset_ms, words[0].duration_ms), (0, 1_000));
        assert_eq!((first.meta.fade_in_ms, first.meta.fade_out_ms), (500, 0));
        assert_eq!(first.tracks[2].segments[0].meta.fade_out_ms, Some(0));
    }

    #[test]
    fn off_grid_clip_starts_are_passed_over_for_the_grid() {
        // Cuts a pause trim makes: clip starts on no frame's start (30 fps: every 33.3 ms).
        let draft = talk(&[7_013; 30]);
        let ranges = part_ranges(&draft, PART_TARGET_MS);
        assert!(ranges.len() > 1);
        for range in &ranges {
            assert_eq!(range.start_ms % 100, 0, "{ranges:?}");
        }
    }

    #[test]
    fn every_part_is_a_valid_draft_with_gaps_music_and_a_last_clip_shorter_than_the_music() {
        let mut draft = talk(&[20_000; 9]);
        // Pauses left as gaps before some clips; music under everything, past the last clip.
        for (n, segment) in draft.tracks[0].segments.iter_mut().enumerate() {
            segment.start_ms += 1_000 * n as u64;
        }
        draft.tracks.push(Track {
            id: "a1".into(),
            kind: TrackKind::Audio,
            segments: vec![clip("music", 0, 0, 190_000)],
            extra: Default::default(),
        });
        draft.duration_ms = 190_000;
        assert_eq!(validate::validate(&draft, |_| true), Ok(()));
        let ranges = part_ranges(&draft, PART_TARGET_MS);
        assert!(ranges.len() >= 2, "{ranges:?}");
        for range in ranges {
            assert_eq!(validate::validate(&part(&draft, range), |_| true), Ok(()));
        }
        // Without the music, a point in a gap reaches nothing: no boundary there.
        draft.tracks.pop();
        draft.duration_ms = draft.content_end_ms();
        for range in part_ranges(&draft, PART_TARGET_MS) {
            assert_eq!(validate::validate(&part(&draft, range), |_| true), Ok(()));
        }
    }
}
