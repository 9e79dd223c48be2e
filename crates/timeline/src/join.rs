//! Joining Drafts end to end: "join them" in a batch session makes one timeline of several
//! pieces of work, each with its edits kept (its cuts, captions, music, titles).
//!
//! The first Draft gives the canvas and the whole-output settings; every later one is moved
//! to start where the ones before it end. Tracks with the same id and kind are one track in
//! the result (the main video track, the captions), so later edits ("remove the captions")
//! see one layer; segment ids are made unique.

use std::collections::{HashMap, HashSet};

use crate::draft::{Draft, Track};

/// `drafts` one after another, or `None` when there is nothing to join.
pub fn join(drafts: &[&Draft]) -> Option<Draft> {
    let (first, rest) = drafts.split_first()?;
    let mut joined = (*first).clone();
    // Segment ids are `root` or `root-n`, and a clip is the segments of one root (see
    // `ops::clips`): each later Draft's roots are renamed to roots not used yet, so its clips
    // stay clips of their own.
    let mut roots: HashSet<String> = joined
        .tracks
        .iter()
        .flat_map(|t| t.segments.iter().map(|s| root(&s.id).to_string()))
        .collect();
    for draft in rest {
        let offset = joined.duration_ms;
        let mut renamed: HashMap<String, String> = HashMap::new();
        for track in &draft.tracks {
            let at = joined
                .tracks
                .iter()
                .position(|t| t.id == track.id && t.kind == track.kind);
            let at = at.unwrap_or_else(|| {
                joined.tracks.push(Track {
                    segments: Vec::new(),
                    ..track.clone()
                });
                joined.tracks.len() - 1
            });
            for segment in &track.segments {
                let mut moved = segment.clone();
                moved.start_ms += offset;
                let old_root = root(&segment.id);
                let new_root = renamed
                    .entry(old_root.to_string())
                    .or_insert_with(|| fresh_root(old_root, &mut roots))
                    .clone();
                moved.id = format!("{new_root}{}", &segment.id[old_root.len()..]);
                joined.tracks[at].segments.push(moved);
            }
        }
        joined.duration_ms = offset + draft.duration_ms;
    }
    Some(joined)
}

fn root(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// A root like `root` ("s1" → "s3") that is not in `taken`, then taken.
fn fresh_root(root: &str, taken: &mut HashSet<String>) -> String {
    let letters = root.trim_end_matches(|c: char| c.is_ascii_digit());
    let letters = if letters.is_empty() { "s" } else { letters };
    let fresh = (1..)
        .map(|n| format!("{letters}{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| root.to_string());
    taken.insert(fresh.clone());
    fresh
}

/// Whole-output settings of a later Draft that the joined one does not keep (the first one's
/// apply to all): "fades", "colour", "loudness", "frame".
pub fn settings_not_kept(drafts: &[&Draft]) -> Vec<&'static str> {
    let Some((first, rest)) = drafts.split_first() else {
        return Vec::new();
    };
    let (a, mut lost) = (&first.meta, Vec::new());
    for b in rest.iter().map(|d| &d.meta) {
        let differs = [
            (
                a.fade_in_ms != b.fade_in_ms || a.fade_out_ms != b.fade_out_ms,
                "fades",
            ),
            (a.color != b.color, "colour"),
            (a.loudness_lufs != b.loudness_lufs, "loudness"),
            (
                (a.width, a.height, a.fit) != (b.width, b.height, b.fit),
                "frame",
            ),
        ];
        for (differs, what) in differs {
            if differs && !lost.contains(&what) {
                lost.push(what);
            }
        }
    }
    lost
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::DraftMeta;
    use crate::validate::validate;

    #[test]
    fn later_drafts_follow_the_first_with_unique_ids_and_one_track_per_id() {
        let a = Draft::single_clip("a", 4_000, DraftMeta::default());
        let b = Draft::single_clip("b", 2_500, DraftMeta::default());
        let joined = join(&[&a, &b, &a]).expect("something to join");
        assert_eq!(joined.duration_ms, 10_500);
        assert_eq!(joined.tracks.len(), 1);
        let starts: Vec<u64> = joined.main_segments().iter().map(|s| s.start_ms).collect();
        assert_eq!(starts, [0, 4_000, 6_500]);
        let ids: HashSet<&str> = joined
            .main_segments()
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids.len(), 3);
        // Each joined Draft's clips stay clips: "delete the second clip" means the second.
        assert_eq!(crate::ops::clips::clips(&joined).len(), 3);
        validate(&joined, |_| true).expect("a valid Draft");
        assert!(join(&[]).is_none());
    }

    #[test]
    fn settings_of_later_drafts_that_differ_are_named() {
        let a = Draft::single_clip("a", 1_000, DraftMeta::default());
        let mut b = a.clone();
        b.meta.fade_in_ms = 500;
        b.meta.width = 1080;
        assert_eq!(settings_not_kept(&[&a, &b]), ["fades", "frame"]);
        assert!(settings_not_kept(&[&a, &a]).is_empty());
    }
}
