//! Clips of the main track as a person sees them: "the second clip", split, delete, move.
//!
//! A clip is the set of main-track segments sharing an id root: trimming a clip into pieces
//! derives the pieces' ids from it (`s1`, `s1-2`, `s1-3`), so it stays one clip, while
//! splitting gives the second half a new root (`s2`), making it a clip of its own. Clips are
//! numbered by where they first play.
//!
//! ```text
//! main           [s1 0─2s)[s1-2 2─9s)[s2 9─14s)            clips: s1 (2 pieces), s2
//! split at 1 s   [s1 0─1)[s3 1─2)[s3-2 2─9)[s2 9─14)       clips: s1, s3 (2 pieces), s2
//! ```

use std::collections::BTreeMap;

use crate::draft::{Draft, Segment};
use crate::ops::retime::{remove_ranges, IdAllocator};
use crate::ops::{Applied, EditError, Effect};
use crate::time::TimeRange;

fn root(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// The clips of the main track in playing order: each a list of segment indices.
pub fn clips(draft: &Draft) -> Vec<Vec<usize>> {
    let mut order: Vec<&str> = Vec::new();
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, segment) in draft.main_segments().iter().enumerate() {
        let root = root(&segment.id);
        if !members.contains_key(root) {
            order.push(root);
        }
        members.entry(root).or_default().push(index);
    }
    order.into_iter().map(|r| members[r].clone()).collect()
}

/// Which clip: 0-based from the start, or counted from the end (0 = the last).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipIndex {
    FromStart(usize),
    FromEnd(usize),
}

impl ClipIndex {
    fn resolve(self, count: usize) -> Result<usize, EditError> {
        let index = match self {
            ClipIndex::FromStart(n) if n < count => Some(n),
            ClipIndex::FromEnd(n) if n < count => Some(count - 1 - n),
            _ => None,
        };
        index.ok_or(EditError::NoSuchClip { count })
    }
}

/// Removes a clip (all its pieces); what follows moves up.
pub(crate) fn delete_clip(draft: &Draft, clip: ClipIndex) -> Result<Applied, EditError> {
    let groups = clips(draft);
    let index = clip.resolve(groups.len())?;
    let main = draft.main_segments();
    let ranges: Vec<TimeRange> = groups[index]
        .iter()
        .map(|&i| main[i].timeline_range())
        .collect();
    let removed_ms = ranges.iter().map(TimeRange::duration_ms).sum();
    let edited = remove_ranges(draft, &ranges)?;
    Ok(Applied {
        draft: edited,
        effect: Effect::RangesRemoved { removed_ms },
    })
}

/// Moves a clip (all its pieces, in order) so it becomes clip number `to` (0-based, clamped).
/// The main track is laid end to end again; other tracks keep their times.
pub(crate) fn move_clip(
    draft: &Draft,
    clip: ClipIndex,
    to: ClipIndex,
) -> Result<Applied, EditError> {
    let main_index = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    let mut groups = clips(draft);
    let from = clip.resolve(groups.len())?;
    let target = match to {
        ClipIndex::FromStart(n) => n.min(groups.len() - 1),
        ClipIndex::FromEnd(n) => (groups.len() - 1).saturating_sub(n),
    };
    let moving = groups.remove(from);
    groups.insert(target, moving);
    let mut edited = draft.clone();
    let old = &draft.tracks[main_index].segments;
    let mut start_ms = 0;
    let mut laid = Vec::with_capacity(old.len());
    for index in groups.into_iter().flatten() {
        let mut segment: Segment = old[index].clone();
        segment.start_ms = start_ms;
        start_ms += segment.duration_ms;
        laid.push(segment);
    }
    edited.tracks[main_index].segments = laid;
    edited.duration_ms = edited.content_end_ms();
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// Splits the main-track segment playing at `at_ms` in two; the second half starts a new
/// clip.
pub(crate) fn split(draft: &Draft, at_ms: u64) -> Result<Applied, EditError> {
    let main_index = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    let segments = &draft.tracks[main_index].segments;
    let Some(index) = segments
        .iter()
        .position(|s| s.start_ms < at_ms && at_ms < s.end_ms())
    else {
        return Err(EditError::NothingToSplit { at_ms });
    };
    let mut ids = IdAllocator::new(draft);
    let mut edited = draft.clone();
    let first = &mut edited.tracks[main_index].segments[index];
    let offset_ms = at_ms - first.start_ms;
    let mut second = first.clone();
    first.duration_ms = offset_ms;
    second.id = ids.fresh("s");
    second.start_ms = at_ms;
    second.duration_ms -= offset_ms;
    second.source_in_ms += (offset_ms as f64 * second.speed()).round() as u64;
    // The old clip's later pieces now belong to the new one.
    let old_root = root(&first.id).to_string();
    let new_root = second.id.clone();
    let track = &mut edited.tracks[main_index].segments;
    track.insert(index + 1, second);
    for later in track.iter_mut().skip(index + 2) {
        if root(&later.id) == old_root {
            later.id = ids.derived(&new_root);
        }
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// Crossfades every clip into the one before it over `ms` (at most half of either clip's
/// first or last piece); 0 removes the crossfades.
pub(crate) fn crossfade(draft: &Draft, ms: u64) -> Result<Applied, EditError> {
    let main_index = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    let groups = clips(draft);
    if groups.len() < 2 && ms > 0 {
        return Err(EditError::OneClip);
    }
    let mut edited = draft.clone();
    let segments = &mut edited.tracks[main_index].segments;
    for segment in segments.iter_mut() {
        segment.meta.crossfade_in_ms = None;
    }
    if ms > 0 {
        for group in groups.iter().skip(1) {
            let first = group[0];
            let Some(before) = first.checked_sub(1) else {
                continue;
            };
            let adjacent = segments[before].end_ms() == segments[first].start_ms;
            let fits = ms
                .min(segments[first].duration_ms / 2)
                .min(segments[before].duration_ms / 2);
            if adjacent && fits > 0 {
                segments[first].meta.crossfade_in_ms = Some(fits);
            }
        }
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// Adds a clip of `src` (`duration_ms` long) before everything (the main track and every
/// other track then move later by its length) or after the main track's last clip.
pub(crate) fn insert_clip(
    draft: &Draft,
    src: &str,
    duration_ms: u64,
    at_start: bool,
) -> Result<Applied, EditError> {
    let main_index = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    if duration_ms == 0 {
        return Err(EditError::NoLength {
            src: src.to_string(),
        });
    }
    let mut ids = IdAllocator::new(draft);
    let mut edited = draft.clone();
    let mut clip = Segment {
        id: ids.fresh("s"),
        src: Some(src.to_string()),
        start_ms: 0,
        source_in_ms: 0,
        duration_ms,
        meta: Default::default(),
    };
    if at_start {
        for segment in edited.tracks.iter_mut().flat_map(|t| t.segments.iter_mut()) {
            segment.start_ms += duration_ms;
        }
        edited.tracks[main_index].segments.insert(0, clip);
    } else {
        let main = &mut edited.tracks[main_index].segments;
        clip.start_ms = main.last().map_or(0, Segment::end_ms);
        main.push(clip);
    }
    edited.duration_ms = edited.content_end_ms();
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::DraftMeta;
    use crate::ops::{apply, EditContext, Op};

    fn two_clips() -> Draft {
        let draft = Draft::single_clip("a", 10_000, DraftMeta::default());
        apply(
            &draft,
            &Op::AppendClip {
                src: "b".into(),
                duration_ms: 5_000,
            },
            &EditContext::default(),
        )
        .unwrap()
        .draft
    }

    fn layout(draft: &Draft) -> Vec<(&str, u64, u64, u64)> {
        draft
            .main_segments()
            .iter()
            .map(|s| {
                (
                    s.src.as_deref().unwrap(),
                    s.start_ms,
                    s.source_in_ms,
                    s.duration_ms,
                )
            })
            .collect()
    }

    #[test]
    fn pieces_of_a_trimmed_clip_stay_one_clip_and_a_split_makes_two() {
        let context = EditContext::default();
        let cut = Op::Cut {
            ranges: vec![TimeRange::new(2_000, 3_000)],
        };
        let draft = apply(&two_clips(), &cut, &context).unwrap().draft;
        assert_eq!(
            clips(&draft),
            [vec![0, 1], vec![2]],
            "a's two pieces are one clip"
        );
        let split = apply(&draft, &Op::Split { at_ms: 1_000 }, &context)
            .unwrap()
            .draft;
        assert_eq!(clips(&split).len(), 3);
        assert_eq!(
            layout(&split),
            [
                ("a", 0, 0, 1_000),
                ("a", 1_000, 1_000, 1_000),
                ("a", 2_000, 3_000, 7_000),
                ("b", 9_000, 0, 5_000)
            ]
        );
        assert_eq!(
            clips(&split),
            [vec![0], vec![1, 2], vec![3]],
            "the rest of a goes with its second half"
        );
        assert!(
            apply(&draft, &Op::Split { at_ms: 2_000 }, &context).is_err(),
            "a cut point is no place to split"
        );
    }

    #[test]
    fn a_clip_put_first_moves_everything_later() {
        let mut draft = two_clips();
        let title = Op::AddText {
            text: "Hi".into(),
            range: TimeRange::new(0, 2_000),
            position: crate::draft::Position::Top,
            color: None,
            size: None,
        };
        draft = apply(&draft, &title, &EditContext::default())
            .unwrap()
            .draft;
        let intro = Op::PrependClip {
            src: "logo".into(),
            duration_ms: 3_000,
        };
        let with_intro = apply(&draft, &intro, &EditContext::default())
            .unwrap()
            .draft;
        assert_eq!(
            layout(&with_intro),
            [
                ("logo", 0, 0, 3_000),
                ("a", 3_000, 0, 10_000),
                ("b", 13_000, 0, 5_000)
            ]
        );
        let title = with_intro
            .segments_of(crate::draft::TrackKind::Text)
            .next()
            .unwrap();
        assert_eq!(
            title.start_ms, 3_000,
            "the title stays over the picture it was on"
        );
        assert_eq!(with_intro.duration_ms, 18_000);
    }

    #[test]
    fn crossfades_go_at_clip_starts_only_and_survive_a_cut_inside_the_clip() {
        let context = EditContext::default();
        let faded = apply(&two_clips(), &Op::Crossfade { ms: 800 }, &context)
            .unwrap()
            .draft;
        let fades = |draft: &Draft| -> Vec<Option<u64>> {
            draft
                .main_segments()
                .iter()
                .map(|s| s.meta.crossfade_in_ms)
                .collect()
        };
        assert_eq!(fades(&faded), [None, Some(800)]);
        let cut = Op::Cut {
            ranges: vec![TimeRange::new(12_000, 13_000)],
        };
        let cut = apply(&faded, &cut, &context).unwrap().draft;
        assert_eq!(
            fades(&cut),
            [None, Some(800), None],
            "not at the cut inside b"
        );
        let none = apply(&cut, &Op::Crossfade { ms: 0 }, &context)
            .unwrap()
            .draft;
        assert_eq!(fades(&none), [None, None, None]);
        let one = Draft::single_clip("a", 10_000, DraftMeta::default());
        assert!(apply(&one, &Op::Crossfade { ms: 500 }, &context).is_err());
    }

    #[test]
    fn deleting_and_moving_clips_relay_the_main_track() {
        let context = EditContext::default();
        let deleted = apply(
            &two_clips(),
            &Op::DeleteClip {
                clip: ClipIndex::FromEnd(0),
            },
            &context,
        )
        .unwrap();
        assert_eq!(layout(&deleted.draft), [("a", 0, 0, 10_000)]);
        assert_eq!(deleted.effect, Effect::RangesRemoved { removed_ms: 5_000 });
        let moved = apply(
            &two_clips(),
            &Op::MoveClip {
                clip: ClipIndex::FromStart(1),
                to: ClipIndex::FromStart(0),
            },
            &context,
        )
        .unwrap()
        .draft;
        assert_eq!(
            layout(&moved),
            [("b", 0, 0, 5_000), ("a", 5_000, 0, 10_000)]
        );
        let third = Op::DeleteClip {
            clip: ClipIndex::FromStart(2),
        };
        assert_eq!(
            apply(&two_clips(), &third, &context)
                .unwrap_err()
                .to_string(),
            "there are only 2 clips on the timeline"
        );
    }
}
