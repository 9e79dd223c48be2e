//! How long an export may be. A Draft can come from the client, and a Draft can claim
//! anything: a segment playing past its file's end, a still image or one clip repeated for
//! hours. Rendering costs time in proportion to the timeline and the queue is shared, so a
//! timeline is held to what its media can fill and to the server's cap:
//!
//! 1. never longer than the cap (`Config::max_export`, 3 hours by default);
//! 2. every video or audio segment that does not loop plays inside its file (half a second
//!    of slack for rounding);
//! 3. at most as long as the distinct video and audio files it uses, each counted once at
//!    the slowest speed it is played at, plus a minute for each still-image segment and ten
//!    seconds for titles: a file repeated or looped adds nothing.
//!
//! Pure: the caller says what it knows of the files. A refusal is a sentence for the client.

use std::collections::{BTreeMap, HashMap};

use media::MediaKind;
use timeline::{format_clock, Draft};

/// What the check needs to know of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceFile {
    pub name: String,
    pub kind: MediaKind,
    pub duration_ms: u64,
}

/// Rounding slack of a segment's end against its file's (speeds make fractions of a ms).
const END_SLACK_MS: u64 = 500;
/// What a still-image segment may add to the timeline.
const STILL_ALLOWANCE_MS: u64 = 60_000;
/// What titles (an end card past the end of the media) may add.
const TITLE_ALLOWANCE_MS: u64 = 10_000;

/// `Ok` when `draft` may be exported, else why not (for a 400 reply).
pub fn check(
    draft: &Draft,
    files: &HashMap<String, SourceFile>,
    max_ms: u64,
) -> Result<(), String> {
    let length = draft.duration_ms;
    if length > max_ms {
        return Err(format!(
            "this export is {} long and exports here are at most {}; cut it shorter or export it in parts",
            format_clock(length),
            format_clock(max_ms)
        ));
    }
    // The slowest speed each time-based file plays at (repeats count once).
    let mut slowest: BTreeMap<&str, f64> = BTreeMap::new();
    let mut stills = 0u64;
    let segments = draft.tracks.iter().flat_map(|t| &t.segments);
    for segment in segments {
        let Some(file) = segment.src.as_deref().and_then(|src| files.get(src)) else {
            continue;
        };
        if file.kind == MediaKind::Image {
            stills += 1;
            continue;
        }
        let played = segment.source_range();
        let loops = segment.meta.loop_source == Some(true);
        if !loops && played.end_ms > file.duration_ms + END_SLACK_MS {
            return Err(format!(
                "segment {} plays \"{}\" from {} to {}, but the file is {} long; a segment must stay inside its file",
                segment.id,
                file.name,
                format_clock(played.start_ms),
                format_clock(played.end_ms),
                format_clock(file.duration_ms)
            ));
        }
        let speed = slowest.entry(segment.src.as_deref().unwrap_or_default());
        let entry = speed.or_insert(1.0);
        *entry = entry.min(segment.speed());
    }
    let media_ms: u64 = slowest
        .iter()
        .map(|(src, speed)| (files[*src].duration_ms as f64 / speed.max(0.01)).ceil() as u64)
        .sum();
    let allowed = media_ms + stills * STILL_ALLOWANCE_MS + TITLE_ALLOWANCE_MS;
    if length > allowed {
        return Err(format!(
            "this export is {} long, but its media fill at most {} (each video or audio file once, at its slowest speed, plus a minute per still image and 10 s for titles); a draft cannot stretch its media longer",
            format_clock(length),
            format_clock(allowed)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::{DraftMeta, Segment, SegmentMeta, Track, TrackKind};

    fn files() -> HashMap<String, SourceFile> {
        let file = |name: &str, kind, duration_ms| SourceFile {
            name: name.into(),
            kind,
            duration_ms,
        };
        HashMap::from([
            ("a_clip".into(), file("clip.mp4", MediaKind::Video, 10_000)),
            ("a_song".into(), file("song.mp3", MediaKind::Audio, 20_000)),
            ("a_logo".into(), file("logo.png", MediaKind::Image, 0)),
        ])
    }

    /// A Draft of one track of `(src, in, duration, speed, loops)` segments, back to back.
    fn draft(kind: TrackKind, parts: &[(&str, u64, u64, f64, bool)]) -> Draft {
        let mut start = 0;
        let segments = parts
            .iter()
            .enumerate()
            .map(|(i, &(src, source_in_ms, duration_ms, speed, loops))| {
                let segment = Segment {
                    id: format!("s{i}"),
                    src: Some(src.into()),
                    start_ms: start,
                    source_in_ms,
                    duration_ms,
                    meta: SegmentMeta {
                        speed: (speed != 1.0).then_some(speed),
                        loop_source: loops.then_some(true),
                        ..SegmentMeta::default()
                    },
                };
                start += duration_ms;
                segment
            })
            .collect();
        let mut draft = Draft::new(DraftMeta::default());
        draft.tracks.push(Track {
            id: "t".into(),
            kind,
            segments,
            extra: Default::default(),
        });
        draft.duration_ms = start;
        draft
    }

    const HOURS_10: u64 = 10 * 3600 * 1000;
    const HOURS_3: u64 = 3 * 3600 * 1000;

    #[test]
    fn timelines_are_held_to_their_media_and_the_cap() {
        use TrackKind::{Audio, Video};
        let refused = |d: &Draft| check(d, &files(), HOURS_3).unwrap_err();
        let fine = |d: &Draft| check(d, &files(), HOURS_3).is_ok();
        // What the agent makes.
        assert!(fine(&draft(Video, &[("a_clip", 0, 10_000, 1.0, false)])));
        assert!(
            fine(&draft(Video, &[("a_clip", 0, 40_000, 0.25, false)])),
            "slow motion"
        );
        assert!(
            fine(&draft(Audio, &[("a_song", 0, 25_000, 1.0, true)])),
            "music looped"
        );
        assert!(
            fine(&draft(Video, &[("a_logo", 0, 5_000, 1.0, false); 3])),
            "a slideshow"
        );

        // The probe's free 10-hour draft, and every way of claiming one.
        assert!(
            refused(&draft(Video, &[("a_clip", 0, HOURS_10, 1.0, false)]))
                .contains("at most 3:00:00")
        );
        let past_end = refused(&draft(Video, &[("a_clip", 0, 3_600_000, 1.0, false)]));
        assert!(
            past_end.contains("\"clip.mp4\" from 0:00 to 1:00:00, but the file is 0:10 long"),
            "{past_end}"
        );
        let late_start = refused(&draft(Video, &[("a_clip", 9_000, 5_000, 1.0, false)]));
        assert!(
            late_start.contains("must stay inside its file"),
            "{late_start}"
        );
        let repeated = refused(&draft(Video, &[("a_clip", 0, 10_000, 1.0, false); 100]));
        assert!(
            repeated.contains("its media fill at most 0:20"),
            "{repeated}"
        );
        let looped = refused(&draft(Audio, &[("a_song", 0, 3_600_000, 1.0, true)]));
        assert!(looped.contains("fill at most 0:30"), "{looped}");
        let still = refused(&draft(Video, &[("a_logo", 0, 3_600_000, 1.0, false)]));
        assert!(still.contains("fill at most 1:10"), "{still}");
        let lower_cap = check(
            &draft(Video, &[("a_clip", 0, 10_000, 1.0, false)]),
            &files(),
            5_000,
        );
        assert!(lower_cap.unwrap_err().contains("at most 0:05"));
    }
}
