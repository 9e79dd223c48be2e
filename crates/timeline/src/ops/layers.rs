//! Edits that lay something over the main track: a title, music.
//!
//! ```text
//! main   [s1 0──────────────10s)
//! title  [t1 0──3s)                   AddText "Urban Dreams" 0–3 s, on a text track
//! music  [m1 0──────────────10s)      AddAudio at 35%: as long as the video, the song
//!                                     looped when shorter, cut when longer
//! ```
//!
//! Both are clamped to the timeline: nothing is laid past its end (`d` stays the main
//! track's end).

use std::collections::BTreeMap;

use crate::draft::{Corner, Draft, Position, Segment, SegmentMeta, Track, TrackKind};
use crate::ops::retime::IdAllocator;
use crate::ops::{Applied, EditError, Effect, Quantity};
use crate::time::TimeRange;
use crate::validate::MAX_VOLUME;

pub(crate) const TITLE_ROLE: &str = "title";

/// `range` cut to the timeline; an error naming `what` when nothing of it is left.
fn on_timeline(
    draft: &Draft,
    range: TimeRange,
    what: &'static str,
) -> Result<TimeRange, EditError> {
    let start_ms = range.start_ms.min(draft.duration_ms);
    let end_ms = range.end_ms.min(draft.duration_ms);
    if end_ms <= start_ms {
        return Err(EditError::OutsideVideo {
            what,
            start_ms: range.start_ms,
            end_ms: range.end_ms,
            duration_ms: draft.duration_ms,
        });
    }
    Ok(TimeRange::new(start_ms, end_ms))
}

/// A title as asked for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Title<'a> {
    pub text: &'a str,
    pub range: TimeRange,
    pub position: Position,
    pub color: Option<String>,
    pub size: Option<f64>,
}

/// Adds a title over its range of the timeline (clamped to it) on the first text track with
/// room, or a new one.
pub(crate) fn add_text(draft: &Draft, title: &Title) -> Result<Applied, EditError> {
    let (text, range) = (title.text, title.range);
    if text.trim().is_empty() {
        return Err(EditError::EmptyTitle);
    }
    let TimeRange { start_ms, end_ms } = on_timeline(draft, range, "title")?;
    let mut edited = draft.clone();
    let mut ids = IdAllocator::new(&edited);
    let segment = Segment {
        id: ids.derived("t"),
        src: None,
        start_ms,
        source_in_ms: 0,
        duration_ms: end_ms - start_ms,
        meta: SegmentMeta {
            text: Some(text.to_string()),
            role: Some(TITLE_ROLE.into()),
            position: Some(title.position),
            text_color: title.color.clone(),
            text_size: title.size,
            ..SegmentMeta::default()
        },
    };
    let room = |track: &&mut Track| {
        track.kind == TrackKind::Text
            && track.segments.iter().all(|s| {
                s.meta.role.as_deref() != Some("caption")
                    && s.timeline_range()
                        .intersect(&segment.timeline_range())
                        .is_none()
            })
    };
    match edited.tracks.iter_mut().find(|t| room(t)) {
        Some(track) => {
            track.segments.push(segment);
            track.segments.sort_by_key(|s| s.start_ms);
        }
        None => {
            let id = ids.derived("titles");
            edited.tracks.push(Track {
                id,
                kind: TrackKind::Text,
                segments: vec![segment],
                extra: BTreeMap::new(),
            });
        }
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::TitleAdded {
            text: text.to_string(),
            start_ms,
            end_ms,
        },
    })
}

/// Changes to the title already on the timeline ("make the title red", "remove the title").
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TitleChange {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove: bool,
    /// New words for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<TimeRange>,
}

/// Applies `change` to the first title of the timeline (a text segment that is not a
/// caption).
pub(crate) fn change_title(draft: &Draft, change: &TitleChange) -> Result<Applied, EditError> {
    let mut edited = draft.clone();
    let title = edited
        .tracks
        .iter_mut()
        .enumerate()
        .filter(|(_, t)| t.kind == TrackKind::Text)
        .flat_map(|(track, t)| {
            t.segments
                .iter()
                .enumerate()
                .filter(|(_, s)| s.meta.role.as_deref() != Some("caption"))
                .map(move |(index, s)| (s.start_ms, track, index))
        })
        .min();
    let Some((_, track, index)) = title else {
        return Err(EditError::NoTitle);
    };
    let segments = &mut edited.tracks[track].segments;
    if change.remove {
        let removed = segments.remove(index);
        return Ok(Applied {
            draft: edited,
            effect: Effect::TitleRemoved {
                text: removed.meta.text.unwrap_or_default(),
            },
        });
    }
    let segment = &mut segments[index];
    if let Some(text) = &change.text {
        if text.trim().is_empty() {
            return Err(EditError::EmptyTitle);
        }
        segment.meta.text = Some(text.clone());
    }
    if let Some(position) = change.position {
        segment.meta.position = Some(position);
    }
    if let Some(color) = &change.color {
        segment.meta.text_color = Some(color.clone());
    }
    if let Some(size) = change.size {
        segment.meta.text_size = Some(size);
    }
    if let Some(range) = change.range {
        let TimeRange { start_ms, end_ms } = on_timeline(draft, range, "title")?;
        segment.start_ms = start_ms;
        segment.duration_ms = end_ms - start_ms;
        segments.sort_by_key(|s| s.start_ms);
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// Adds picture `src` over `range` (clamped to the timeline) in `corner`, on a new video
/// track above the main one.
pub(crate) fn add_overlay(
    draft: &Draft,
    src: &str,
    range: TimeRange,
    corner: Corner,
    width: f64,
) -> Result<Applied, EditError> {
    let TimeRange { start_ms, end_ms } = on_timeline(draft, range, "overlay")?;
    let mut edited = draft.clone();
    let mut ids = IdAllocator::new(&edited);
    let segment = Segment {
        id: ids.derived("o"),
        src: Some(src.to_string()),
        start_ms,
        source_in_ms: 0,
        duration_ms: end_ms - start_ms,
        meta: SegmentMeta {
            name: Some("overlay".into()),
            corner: Some(corner),
            overlay_width: Some(width),
            ..SegmentMeta::default()
        },
    };
    edited.tracks.push(Track {
        id: ids.derived("overlay"),
        kind: TrackKind::Video,
        segments: vec![segment],
        extra: BTreeMap::new(),
    });
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// How music is laid under the video.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Music<'a> {
    pub src: &'a str,
    pub source_ms: u64,
    pub volume: f64,
    pub fade_in_ms: Option<u64>,
    pub fade_out_ms: Option<u64>,
    pub duck: bool,
}

/// Adds `music` on a new audio track from the start to the end of the timeline.
pub(crate) fn add_audio(draft: &Draft, music: &Music) -> Result<Applied, EditError> {
    check_volume(music.volume)?;
    if draft.duration_ms == 0 {
        return Err(EditError::NoMainTrack);
    }
    if music.source_ms == 0 {
        return Err(EditError::Silent {
            src: music.src.to_string(),
        });
    }
    let duration_ms = draft.duration_ms;
    let fade = |ms: Option<u64>| ms.map(|ms| ms.min(duration_ms / 2));
    let mut edited = draft.clone();
    let mut ids = IdAllocator::new(&edited);
    let segment = Segment {
        id: ids.derived("m"),
        src: Some(music.src.to_string()),
        start_ms: 0,
        source_in_ms: 0,
        duration_ms,
        meta: SegmentMeta {
            name: Some("music".into()),
            volume: ((music.volume - 1.0).abs() > 1e-9).then_some(music.volume),
            fade_in_ms: fade(music.fade_in_ms),
            fade_out_ms: fade(music.fade_out_ms),
            loop_source: (music.source_ms < duration_ms).then_some(true),
            duck: music.duck.then_some(true),
            ..SegmentMeta::default()
        },
    };
    edited.tracks.push(Track {
        id: ids.derived("music"),
        kind: TrackKind::Audio,
        segments: vec![segment],
        extra: BTreeMap::new(),
    });
    Ok(Applied {
        draft: edited,
        effect: Effect::MusicAdded {
            volume: music.volume,
            looped: music.source_ms < duration_ms,
        },
    })
}

pub(crate) const VOICE_OVER: &str = "voice-over";

/// Adds voice-over `src` (`source_ms` long) from `start_ms`, played once (cut at the end of
/// the video), on a new audio track.
pub(crate) fn add_voice_over(
    draft: &Draft,
    src: &str,
    source_ms: u64,
    start_ms: u64,
    volume: f64,
) -> Result<Applied, EditError> {
    check_volume(volume)?;
    let duration_ms = source_ms.min(draft.duration_ms.saturating_sub(start_ms));
    if duration_ms == 0 {
        return Err(EditError::AfterTheEnd {
            start_ms,
            duration_ms: draft.duration_ms,
        });
    }
    let mut edited = draft.clone();
    let mut ids = IdAllocator::new(&edited);
    edited.tracks.push(Track {
        id: ids.derived("voice"),
        kind: TrackKind::Audio,
        segments: vec![Segment {
            id: ids.derived("vo"),
            src: Some(src.to_string()),
            start_ms,
            source_in_ms: 0,
            duration_ms,
            meta: SegmentMeta {
                name: Some("voice-over".into()),
                role: Some(VOICE_OVER.into()),
                volume: ((volume - 1.0).abs() > 1e-9).then_some(volume),
                ..SegmentMeta::default()
            },
        }],
        extra: BTreeMap::new(),
    });
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// Sets the volume of the music (every audio-track segment but voice-overs).
pub(crate) fn set_music_volume(draft: &Draft, volume: f64) -> Result<Applied, EditError> {
    check_volume(volume)?;
    let mut edited = draft.clone();
    let mut found = false;
    for track in edited
        .tracks
        .iter_mut()
        .filter(|t| t.kind == TrackKind::Audio)
    {
        for segment in track
            .segments
            .iter_mut()
            .filter(|s| s.meta.role.as_deref() != Some(VOICE_OVER))
        {
            segment.meta.volume = ((volume - 1.0).abs() > 1e-9).then_some(volume);
            found = true;
        }
    }
    if !found {
        return Err(EditError::NoMusic);
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

/// What is laid over the main track, as words take it off again ("remove the captions").
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Captions,
    Titles,
    /// Pictures over the video: a logo, a watermark.
    Overlays,
    /// Every audio track but voice-overs.
    Music,
    VoiceOver,
}

impl Layer {
    pub const ALL: [Layer; 5] = [
        Layer::Captions,
        Layer::Titles,
        Layer::Overlays,
        Layer::Music,
        Layer::VoiceOver,
    ];

    /// How many segments of this layer `draft` has.
    pub fn count(self, draft: &Draft) -> usize {
        let main = draft.main_track_index();
        draft
            .tracks
            .iter()
            .enumerate()
            .map(|(index, track)| match self {
                Layer::Overlays if track.kind == TrackKind::Video && Some(index) != main => {
                    track.segments.len()
                }
                _ => track
                    .segments
                    .iter()
                    .filter(|s| self.holds(track, s))
                    .count(),
            })
            .sum()
    }

    fn holds(self, track: &Track, segment: &Segment) -> bool {
        let role = segment.meta.role.as_deref();
        match self {
            Layer::Captions => track.kind == TrackKind::Text && role == Some("caption"),
            Layer::Titles => track.kind == TrackKind::Text && role != Some("caption"),
            Layer::Music => track.kind == TrackKind::Audio && role != Some(VOICE_OVER),
            Layer::VoiceOver => track.kind == TrackKind::Audio && role == Some(VOICE_OVER),
            // Overlays are known by their track: every video track after the main one.
            Layer::Overlays => false,
        }
    }
}

/// Takes every segment of `layer` off the timeline, and the tracks it leaves empty. Nothing
/// to take off is not an error: the effect says how many went (0), and the reply says so.
pub(crate) fn remove_layer(draft: &Draft, layer: Layer) -> Result<Applied, EditError> {
    let main = draft.main_track_index();
    let mut removed = 0;
    let mut edited = draft.clone();
    edited.tracks = Vec::with_capacity(draft.tracks.len());
    for (index, track) in draft.tracks.iter().enumerate() {
        let goes = |segment: &Segment| match layer {
            Layer::Overlays => track.kind == TrackKind::Video && Some(index) != main,
            _ => layer.holds(track, segment),
        };
        let kept: Vec<Segment> = track
            .segments
            .iter()
            .filter(|s| !goes(s))
            .cloned()
            .collect();
        let gone = track.segments.len() - kept.len();
        removed += gone;
        if gone > 0 && kept.is_empty() {
            continue;
        }
        edited.tracks.push(Track {
            segments: kept,
            ..track.clone()
        });
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::LayerRemoved { layer, removed },
    })
}

/// Changes to the music already under the video: its fades and whether it dips under speech.
pub(crate) fn change_music(
    draft: &Draft,
    fade_in_ms: Option<u64>,
    fade_out_ms: Option<u64>,
    duck: Option<bool>,
) -> Result<Applied, EditError> {
    let mut edited = draft.clone();
    let mut found = false;
    for track in &mut edited.tracks {
        let kind = track.kind;
        for segment in &mut track.segments {
            if kind != TrackKind::Audio || segment.meta.role.as_deref() == Some(VOICE_OVER) {
                continue;
            }
            found = true;
            let half = segment.duration_ms / 2;
            if let Some(ms) = fade_in_ms {
                segment.meta.fade_in_ms = (ms > 0).then_some(ms.min(half));
            }
            if let Some(ms) = fade_out_ms {
                segment.meta.fade_out_ms = (ms > 0).then_some(ms.min(half));
            }
            if let Some(duck) = duck {
                segment.meta.duck = duck.then_some(true);
            }
        }
    }
    if !found {
        return Err(EditError::NoMusic);
    }
    Ok(Applied {
        draft: edited,
        effect: Effect::SettingsChanged,
    })
}

fn check_volume(volume: f64) -> Result<(), EditError> {
    if volume.is_finite() && (0.0..=MAX_VOLUME).contains(&volume) {
        Ok(())
    } else {
        Err(EditError::OutOfRange {
            what: Quantity::Volume,
            value: volume,
            low: 0.0,
            high: MAX_VOLUME,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::draft::{Draft, DraftMeta, Position, TrackKind};
    use crate::ops::{apply, EditContext, Effect, Op};
    use crate::TimeRange;

    fn clip() -> Draft {
        Draft::single_clip("clip", 10_000, DraftMeta::default())
    }

    #[test]
    fn a_title_is_clamped_to_the_video_and_shares_a_free_text_track() {
        let title = |text: &str, start_ms, end_ms| Op::AddText {
            text: text.into(),
            range: TimeRange::new(start_ms, end_ms),
            position: Position::Top,
            color: Some("red".into()),
            size: None,
        };
        let context = EditContext::default();
        let one = apply(&clip(), &title("Urban Dreams", 0, 3_000), &context).unwrap();
        let two = apply(&one.draft, &title("The end", 8_000, 12_000), &context).unwrap();
        assert_eq!(
            two.effect,
            Effect::TitleAdded {
                text: "The end".into(),
                start_ms: 8_000,
                end_ms: 10_000
            }
        );
        let texts: Vec<_> = two
            .draft
            .segments_of(TrackKind::Text)
            .map(|s| (s.start_ms, s.duration_ms))
            .collect();
        assert_eq!(texts, [(0, 3_000), (8_000, 2_000)]);
        assert_eq!(two.draft.tracks.len(), 2, "one text track holds both");
        assert_eq!(two.draft.duration_ms, 10_000);
        let overlapping = apply(&two.draft, &title("Again", 1_000, 2_000), &context).unwrap();
        assert_eq!(
            overlapping.draft.tracks.len(),
            3,
            "an overlapping title gets its own track"
        );
        assert!(apply(&clip(), &title("Late", 11_000, 12_000), &context).is_err());
    }

    #[test]
    fn the_title_can_be_restyled_retimed_and_removed() {
        let context = EditContext::default();
        let add = Op::AddText {
            text: "Urban Dreams".into(),
            range: TimeRange::new(0, 3_000),
            position: Position::Center,
            color: None,
            size: None,
        };
        let titled = apply(&clip(), &add, &context).unwrap().draft;
        let change = |change: crate::ops::TitleChange| Op::ChangeTitle { change };
        let red = apply(
            &titled,
            &change(crate::ops::TitleChange {
                color: Some("red".into()),
                position: Some(Position::Top),
                range: Some(TimeRange::new(1_000, 6_000)),
                ..Default::default()
            }),
            &context,
        )
        .unwrap()
        .draft;
        let title = red.segments_of(TrackKind::Text).next().unwrap();
        assert_eq!(title.meta.text_color.as_deref(), Some("red"));
        assert_eq!(title.meta.position, Some(Position::Top));
        assert_eq!((title.start_ms, title.duration_ms), (1_000, 5_000));
        let removed = apply(
            &red,
            &change(crate::ops::TitleChange {
                remove: true,
                ..Default::default()
            }),
            &context,
        )
        .unwrap();
        assert_eq!(
            removed.effect,
            Effect::TitleRemoved {
                text: "Urban Dreams".into()
            }
        );
        assert_eq!(removed.draft.segments_of(TrackKind::Text).count(), 0);
        let nothing = change(crate::ops::TitleChange {
            remove: true,
            ..Default::default()
        });
        assert!(
            apply(&clip(), &nothing, &context).is_err(),
            "no title to remove"
        );
    }

    #[test]
    fn a_voice_over_plays_once_from_its_start_and_keeps_its_level() {
        let context = EditContext::default();
        let voice = |start_ms| Op::AddVoiceOver {
            src: "voice".into(),
            source_ms: 6_000,
            start_ms,
            volume: 1.0,
        };
        let early = apply(&clip(), &voice(1_000), &context).unwrap().draft;
        let segment = early.segments_of(TrackKind::Audio).next().unwrap().clone();
        assert_eq!((segment.start_ms, segment.duration_ms), (1_000, 6_000));
        assert_eq!(segment.meta.loop_source, None);
        let late = apply(&clip(), &voice(7_000), &context).unwrap().draft;
        assert_eq!(
            late.segments_of(TrackKind::Audio)
                .next()
                .unwrap()
                .duration_ms,
            3_000,
            "cut at the end"
        );
        assert!(apply(&clip(), &voice(10_000), &context).is_err());
        assert!(
            apply(&early, &Op::MusicVolume { volume: 0.2 }, &context).is_err(),
            "a voice-over is not music"
        );
    }

    #[test]
    fn music_fills_the_video_looping_when_shorter() {
        let add = |source_ms| Op::AddAudio {
            src: "song".into(),
            source_ms,
            volume: 0.35,
            fade_in_ms: None,
            fade_out_ms: Some(2_000),
            duck: true,
        };
        let context = EditContext::default();
        let short = apply(&clip(), &add(4_000), &context).unwrap();
        let music = short
            .draft
            .segments_of(TrackKind::Audio)
            .next()
            .unwrap()
            .clone();
        assert_eq!((music.start_ms, music.duration_ms), (0, 10_000));
        assert_eq!(music.meta.volume, Some(0.35));
        assert_eq!(music.meta.loop_source, Some(true));
        assert_eq!(music.meta.fade_out_ms, Some(2_000));
        assert_eq!(music.meta.duck, Some(true));
        let long = apply(&clip(), &add(60_000), &context).unwrap();
        assert_eq!(
            long.draft
                .segments_of(TrackKind::Audio)
                .next()
                .unwrap()
                .meta
                .loop_source,
            None
        );
        let quieter = apply(&short.draft, &Op::MusicVolume { volume: 0.2 }, &context).unwrap();
        assert_eq!(
            quieter
                .draft
                .segments_of(TrackKind::Audio)
                .next()
                .unwrap()
                .meta
                .volume,
            Some(0.2)
        );
        assert!(
            apply(&clip(), &Op::MusicVolume { volume: 0.2 }, &context).is_err(),
            "no music yet"
        );
    }
}
