//! A long export in parts: where its timeline can be cut so that each part's picture is
//! rendered apart (by any worker) and the parts, joined by stream copy, show the frames the
//! one-job render shows; and the Draft of one part. The sound is never cut: it is rendered
//! once, whole, and laid under the joined picture (`media::render::parts`).
//!
//! A render times each main-track clip's frames from the clip's own start, so the start of a
//! clip is a clean boundary. Inside a long clip played at its own speed a boundary is a whole
//! number of frames into it, on the grid where frame times are whole milliseconds (100 ms at
//! 30 fps, 1001 ms at 29.97), so the part's frames fall where the whole clip's do. A boundary
//! never falls where the picture blends what lies before it with what lies after: a
//! crossfade, a whole-output fade, the fading edges of a title, a moving overlay.
//!
//! ```text
//! main  [clip 1 ──────────────)[clip 2 ─────────────────────────────────────)
//!                              ▲ a clip's start, near the target       ▲ inside, on the grid
//! parts [0 ─────────── part 1 )[──────────── part 2 ─────────────────)[── part 3 ──)
//! ```

use crate::draft::{Draft, Segment, TrackKind};
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
    let candidates = boundaries(draft, target_ms);
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
        let Some(next) = near.or_else(|| candidates.iter().find(usable)) else {
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
/// export fades. Sound tracks are left out: the parts are rendered for their picture.
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
        track.segments = if track.kind == TrackKind::Audio {
            Vec::new()
        } else {
            track
                .segments
                .iter()
                .filter_map(|segment| cut_to(segment, range))
                .collect()
        };
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
    }
    Some(cut)
}

/// A place the timeline may be cut, and what it costs against one nearer the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Boundary {
    at_ms: u64,
    cost_ms: u64,
}

/// Every clean boundary of `draft`, in order: clip starts, and points on the frame grid
/// about every second inside clips at speed 1.
fn boundaries(draft: &Draft, target_ms: u64) -> Vec<Boundary> {
    let d = draft.duration_ms;
    let blocked = blocked_ranges(draft);
    let clear = |at_ms: u64| {
        at_ms > 0
            && at_ms < d
            && !blocked
                .iter()
                .any(|r| r.start_ms < at_ms && at_ms < r.end_ms)
    };
    let grid = frame_grid_ms(draft.meta.fps);
    let step = grid * 1_000u64.div_ceil(grid);
    let mut found = Vec::new();
    for segment in draft.main_segments() {
        let crossfaded = segment.meta.crossfade_in_ms.is_some_and(|ms| ms > 0);
        if clear(segment.start_ms) && !crossfaded {
            found.push(Boundary {
                at_ms: segment.start_ms,
                cost_ms: 0,
            });
        }
        if segment.speed() != 1.0 || segment.duration_ms < target_ms / 2 {
            continue;
        }
        let mut at_ms = segment.start_ms + step;
        while at_ms < segment.end_ms() {
            if clear(at_ms) {
                found.push(Boundary {
                    at_ms,
                    cost_ms: INSIDE_A_CLIP_COST_MS,
                });
            }
            at_ms += step;
        }
    }
    found.sort_by_key(|b| b.at_ms);
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

/// The shortest whole number of frames at `fps` that is a whole number of milliseconds
/// long, in ms: 100 at 30 fps, 40 at 25, 125 at 24, 1001 at 29.97 and 23.976.
pub fn frame_grid_ms(fps: f64) -> u64 {
    let (num, den) = fps_fraction(fps);
    let frames = num / gcd(num, den * 1000);
    frames * den * 1000 / num
}

/// `fps` as a fraction: NTSC rates exactly (30000/1001), others to a thousandth.
fn fps_fraction(fps: f64) -> (u64, u64) {
    let fps = if fps.is_finite() && fps > 0.0 {
        fps
    } else {
        30.0
    };
    for nominal in [24.0, 30.0, 48.0, 60.0, 120.0] {
        if (fps - nominal / 1.001).abs() < 0.005 {
            return (nominal as u64 * 1000, 1001);
        }
    }
    let thousandths = (fps * 1000.0).round() as u64;
    let divisor = gcd(thousandths, 1000);
    (thousandths / divisor, 1000 / divisor)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
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
    fn the_frame_grid_is_whole_milliseconds_of_whole_frames() {
        for (fps, grid) in [
            (30.0, 100),
            (25.0, 40),
            (24.0, 125),
            (60.0, 50),
            (29.97, 1001),
            (23.976, 1001),
            (59.94, 1001),
            (12.5, 80),
        ] {
            assert_eq!(frame_grid_ms(fps), grid, "{fps}");
        }
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
        assert_eq!((first.meta.fade_in_ms, first.meta.fade_out_ms), (500, 0));
        assert_eq!(first.tracks[2].segments[0].meta.fade_out_ms, Some(0));
    }
}
