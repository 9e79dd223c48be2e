//! The invariants every Draft keeps, checked in one place.
//!
//! A Draft that comes from outside (a client, a draft file) is validated before anything uses
//! it; every edit in `ops` returns a Draft that passes. The rules:
//! segments on a track do not overlap and last longer than zero; `d` is the end of the last
//! segment; ids are unique; video and audio segments name a known source, text segments carry
//! text; volumes, speeds, fades and the canvas are within what the renderer can honour.

use std::collections::HashSet;

use thiserror::Error;

use crate::draft::{Draft, TrackKind, SCHEMA_VERSION};

/// Canvas sides beyond this are refused (the renderer's pixel cap is enforced on top).
pub const MAX_CANVAS_SIDE: u32 = 8192;
pub const MAX_FPS: f64 = 120.0;
pub const SPEED_RANGE: (f64, f64) = (0.25, 4.0);
pub const MAX_VOLUME: f64 = 10.0;

#[derive(Debug, Error, PartialEq)]
pub enum DraftError {
    #[error("the draft is not valid JSON in the timeline form: {0}")]
    Malformed(String),
    #[error("the draft uses schema version {found}, newer than this cutline understands ({SCHEMA_VERSION}); upgrade cutline")]
    NewerSchema { found: u32 },
    #[error("segments {first} and {second} overlap on track {track}")]
    Overlap {
        track: String,
        first: String,
        second: String,
    },
    #[error("segment {segment} has a duration of zero")]
    EmptySegment { segment: String },
    #[error(
        "the draft says it lasts {declared_ms} ms but its last segment ends at {content_ms} ms"
    )]
    DurationMismatch { declared_ms: u64, content_ms: u64 },
    #[error("the id {id} is used twice")]
    DuplicateId { id: String },
    #[error("segment {segment} needs a source (src)")]
    MissingSource { segment: String },
    #[error("segment {segment} plays an unknown source '{src}'")]
    UnknownSource { segment: String, src: String },
    #[error("text segment {segment} has no text")]
    MissingText { segment: String },
    #[error("segment {segment}: {what}")]
    OutOfRange { segment: String, what: String },
    #[error("the canvas {width}×{height} at {fps} fps is not possible (even sides up to {MAX_CANVAS_SIDE}, fps up to {MAX_FPS})")]
    BadCanvas { width: u32, height: u32, fps: f64 },
}

/// Checks every invariant; `is_known_source` says whether an asset id exists.
pub fn validate(draft: &Draft, is_known_source: impl Fn(&str) -> bool) -> Result<(), DraftError> {
    if draft.schema_version > SCHEMA_VERSION {
        return Err(DraftError::NewerSchema {
            found: draft.schema_version,
        });
    }
    validate_canvas(draft)?;
    let mut ids = HashSet::new();
    for track in &draft.tracks {
        if !ids.insert(track.id.as_str()) {
            return Err(DraftError::DuplicateId {
                id: track.id.clone(),
            });
        }
        for pair in track.segments.windows(2) {
            if pair[1].start_ms < pair[0].end_ms() {
                return Err(DraftError::Overlap {
                    track: track.id.clone(),
                    first: pair[0].id.clone(),
                    second: pair[1].id.clone(),
                });
            }
        }
        for segment in &track.segments {
            if !ids.insert(segment.id.as_str()) {
                return Err(DraftError::DuplicateId {
                    id: segment.id.clone(),
                });
            }
            validate_segment(track.kind, segment, &is_known_source)?;
        }
    }
    let content_ms = draft.content_end_ms();
    if draft.duration_ms != content_ms {
        return Err(DraftError::DurationMismatch {
            declared_ms: draft.duration_ms,
            content_ms,
        });
    }
    Ok(())
}

fn validate_canvas(draft: &Draft) -> Result<(), DraftError> {
    let meta = &draft.meta;
    let side_ok = |side: u32| (2..=MAX_CANVAS_SIDE).contains(&side) && side.is_multiple_of(2);
    let fps_ok = meta.fps.is_finite() && meta.fps > 0.0 && meta.fps <= MAX_FPS;
    if side_ok(meta.width) && side_ok(meta.height) && fps_ok {
        Ok(())
    } else {
        Err(DraftError::BadCanvas {
            width: meta.width,
            height: meta.height,
            fps: meta.fps,
        })
    }
}

fn validate_segment(
    kind: TrackKind,
    segment: &crate::draft::Segment,
    is_known_source: &impl Fn(&str) -> bool,
) -> Result<(), DraftError> {
    let out_of_range = |what: String| DraftError::OutOfRange {
        segment: segment.id.clone(),
        what,
    };
    if segment.duration_ms == 0 {
        return Err(DraftError::EmptySegment {
            segment: segment.id.clone(),
        });
    }
    match kind {
        TrackKind::Video | TrackKind::Audio => match segment.src.as_deref() {
            None | Some("") => {
                return Err(DraftError::MissingSource {
                    segment: segment.id.clone(),
                })
            }
            Some(src) if !is_known_source(src) => {
                return Err(DraftError::UnknownSource {
                    segment: segment.id.clone(),
                    src: src.to_string(),
                })
            }
            Some(_) => {}
        },
        TrackKind::Text => {
            if segment
                .meta
                .text
                .as_deref()
                .is_none_or(|t| t.trim().is_empty())
            {
                return Err(DraftError::MissingText {
                    segment: segment.id.clone(),
                });
            }
        }
    }
    let volume = segment.volume();
    if !(volume.is_finite() && (0.0..=MAX_VOLUME).contains(&volume)) {
        return Err(out_of_range(format!(
            "volume {volume} is outside 0–{MAX_VOLUME}"
        )));
    }
    let speed = segment.speed();
    if !(speed.is_finite() && (SPEED_RANGE.0..=SPEED_RANGE.1).contains(&speed)) {
        return Err(out_of_range(format!(
            "speed {speed} is outside {}–{}",
            SPEED_RANGE.0, SPEED_RANGE.1
        )));
    }
    let fades = segment.meta.fade_in_ms.unwrap_or(0) + segment.meta.fade_out_ms.unwrap_or(0);
    if fades > segment.duration_ms {
        return Err(out_of_range(format!(
            "fades of {fades} ms are longer than the segment ({} ms)",
            segment.duration_ms
        )));
    }
    if let Some(ms) = segment.meta.crossfade_in_ms {
        if ms == 0 || ms > segment.duration_ms || ms > 10_000 {
            return Err(out_of_range(format!(
                "a crossfade of {ms} ms does not fit the segment ({} ms; at most 10 s)",
                segment.duration_ms
            )));
        }
    }
    if let Some(width) = segment.meta.overlay_width {
        if !(width.is_finite() && (0.02..=1.0).contains(&width)) {
            return Err(out_of_range(format!(
                "overlay width {width} is outside 0.02–1"
            )));
        }
    }
    if let Some(size) = segment.meta.text_size {
        if !(size.is_finite() && (0.25..=4.0).contains(&size)) {
            return Err(out_of_range(format!("text size {size} is outside 0.25–4")));
        }
    }
    if let Some(color) = &segment.meta.text_color {
        if !is_color(color) {
            return Err(out_of_range(format!(
                "'{color}' is not a colour (a name like red, or #rrggbb)"
            )));
        }
    }
    if let Some(words) = &segment.meta.words {
        let mut previous_end_ms = 0;
        for word in words {
            if word.offset_ms < previous_end_ms || word.end_ms() > segment.duration_ms {
                return Err(out_of_range(format!(
                    "the word '{}' at {}–{} ms is out of order or outside the segment ({} ms)",
                    word.text,
                    word.offset_ms,
                    word.end_ms(),
                    segment.duration_ms
                )));
            }
            previous_end_ms = word.end_ms();
        }
    }
    Ok(())
}

/// Colour names text may use (besides `#rrggbb`), with the red, green and blue ffmpeg draws
/// them in.
pub const COLORS: &[(&str, [u8; 3])] = &[
    ("white", [255, 255, 255]),
    ("black", [0, 0, 0]),
    ("red", [255, 0, 0]),
    ("green", [0, 128, 0]),
    ("blue", [0, 0, 255]),
    ("yellow", [255, 255, 0]),
    ("orange", [255, 165, 0]),
    ("pink", [255, 192, 203]),
    ("purple", [128, 0, 128]),
    ("gray", [128, 128, 128]),
    ("cyan", [0, 255, 255]),
];

fn is_color(text: &str) -> bool {
    color_rgb(text).is_some()
}

/// The red, green and blue of a colour name or of `#rrggbb`.
pub fn color_rgb(text: &str) -> Option<[u8; 3]> {
    if let Some((_, rgb)) = COLORS.iter().find(|(name, _)| *name == text) {
        return Some(*rgb);
    }
    let hex = text
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()))?;
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[cfg(test)]
mod tests {
    #[test]
    fn colours_are_names_or_six_hex_digits() {
        assert_eq!(super::color_rgb("yellow"), Some([255, 255, 0]));
        assert_eq!(super::color_rgb("#FF8000"), Some([255, 128, 0]));
        for not_a_colour in ["#+f+f+f", "#ff80", "#gg0000", "ff8000", "mauve"] {
            assert_eq!(super::color_rgb(not_a_colour), None, "{not_a_colour}");
        }
    }

    use super::*;
    use crate::draft::{DraftMeta, Segment, SegmentMeta, Track};

    fn two_segment_draft(second_start_ms: u64) -> Draft {
        let mut draft = Draft::single_clip("a1", 1000, DraftMeta::default());
        draft.tracks[0].segments.push(Segment {
            id: "s2".into(),
            src: Some("a1".into()),
            start_ms: second_start_ms,
            source_in_ms: 0,
            duration_ms: 500,
            meta: SegmentMeta::default(),
        });
        draft.duration_ms = draft.content_end_ms();
        draft
    }

    fn known(src: &str) -> bool {
        src == "a1"
    }

    #[test]
    fn caption_words_must_lie_inside_their_segment_in_order() {
        let mut draft = Draft::single_clip("a1", 1000, DraftMeta::default());
        let word = |text: &str, offset_ms, duration_ms| crate::draft::TimedWord {
            text: text.into(),
            offset_ms,
            duration_ms,
        };
        draft.tracks.push(Track {
            id: "x1".into(),
            kind: TrackKind::Text,
            segments: vec![Segment {
                id: "c1".into(),
                src: None,
                start_ms: 0,
                source_in_ms: 0,
                duration_ms: 1000,
                meta: SegmentMeta {
                    text: Some("one two".into()),
                    words: Some(vec![word("one", 0, 400), word("two", 450, 550)]),
                    ..SegmentMeta::default()
                },
            }],
            extra: Default::default(),
        });
        assert_eq!(validate(&draft, known), Ok(()));
        fn second_word(draft: &mut Draft) -> &mut crate::draft::TimedWord {
            &mut draft.tracks[1].segments[0].meta.words.as_mut().unwrap()[1]
        }
        second_word(&mut draft).duration_ms = 600;
        assert!(matches!(
            validate(&draft, known),
            Err(DraftError::OutOfRange { .. })
        ));
        *second_word(&mut draft) = word("two", 300, 100);
        assert!(matches!(
            validate(&draft, known),
            Err(DraftError::OutOfRange { .. })
        ));
    }

    #[test]
    fn touching_segments_are_valid_and_overlapping_ones_are_not() {
        assert_eq!(validate(&two_segment_draft(1000), known), Ok(()));
        assert!(matches!(
            validate(&two_segment_draft(999), known),
            Err(DraftError::Overlap { .. })
        ));
    }

    #[test]
    fn duration_must_be_the_end_of_the_last_segment() {
        let mut draft = two_segment_draft(1000);
        draft.duration_ms = 2000;
        assert_eq!(
            validate(&draft, known),
            Err(DraftError::DurationMismatch {
                declared_ms: 2000,
                content_ms: 1500
            })
        );
    }

    #[test]
    fn sources_must_be_known_and_text_must_have_words() {
        let draft = Draft::single_clip("nope", 1000, DraftMeta::default());
        assert!(matches!(
            validate(&draft, known),
            Err(DraftError::UnknownSource { .. })
        ));
        let mut draft = Draft::single_clip("a1", 1000, DraftMeta::default());
        draft.tracks.push(Track {
            id: "x1".into(),
            kind: TrackKind::Text,
            segments: vec![Segment {
                id: "t1".into(),
                src: None,
                start_ms: 0,
                source_in_ms: 0,
                duration_ms: 500,
                meta: SegmentMeta {
                    text: Some("  ".into()),
                    ..SegmentMeta::default()
                },
            }],
            extra: Default::default(),
        });
        assert!(matches!(
            validate(&draft, known),
            Err(DraftError::MissingText { .. })
        ));
    }

    #[test]
    fn canvas_sides_must_be_even_and_bounded() {
        let mut draft = Draft::single_clip("a1", 1000, DraftMeta::default());
        draft.meta.width = 1081;
        assert!(matches!(
            validate(&draft, known),
            Err(DraftError::BadCanvas { .. })
        ));
    }
}
