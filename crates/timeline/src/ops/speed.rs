//! Speed: the main track plays `factor` times faster; everything on the timeline moves with it.
//!
//! ```text
//! before      main [s1 0──────────10s)  title [0──3s)
//! speed 2×    main [s1 0────5s)         title [0─1.5s)      (s1 now plays at speed 2)
//! ```
//!
//! Music and other audio keep their own speed (they are not pitched up); they are moved and
//! shortened like any segment on another track.

use crate::draft::Draft;
use crate::ops::retime::{move_segments, Retime};
use crate::ops::{Applied, EditError, Effect, Quantity};
use crate::time::TimeRange;
use crate::validate::SPEED_RANGE;

pub(crate) fn set_speed(draft: &Draft, factor: f64) -> Result<Applied, EditError> {
    let main = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    if !(factor.is_finite() && factor > 0.0) {
        return Err(EditError::OutOfRange {
            what: Quantity::Speed,
            value: factor,
            low: SPEED_RANGE.0,
            high: SPEED_RANGE.1,
        });
    }
    let retime = Retime::keeping(&[TimeRange::new(0, draft.duration_ms)], factor);
    let mut edited = draft.clone();
    for (index, track) in edited.tracks.iter_mut().enumerate() {
        if index != main {
            track.segments = move_segments(&track.segments, &retime);
            continue;
        }
        for segment in &mut track.segments {
            let speed = segment.speed() * factor;
            if !(SPEED_RANGE.0..=SPEED_RANGE.1).contains(&speed) {
                return Err(EditError::OutOfRange {
                    what: Quantity::Speed,
                    value: (speed * 100.0).round() / 100.0,
                    low: SPEED_RANGE.0,
                    high: SPEED_RANGE.1,
                });
            }
            let start_ms = retime.map(segment.start_ms);
            segment.duration_ms = retime.map(segment.end_ms()) - start_ms;
            segment.start_ms = start_ms;
            segment.meta.speed = ((speed - 1.0).abs() > 1e-9).then_some(speed);
        }
        // A sliver shorter than a millisecond at the new speed has nothing left to show.
        track.segments.retain(|segment| segment.duration_ms > 0);
    }
    edited.duration_ms = edited.content_end_ms();
    Ok(Applied {
        effect: Effect::Retimed {
            from_ms: draft.duration_ms,
            to_ms: edited.duration_ms,
        },
        draft: edited,
    })
}

#[cfg(test)]
mod tests {
    use crate::draft::{Draft, DraftMeta};
    use crate::ops::{apply, EditContext, EditError, Effect, Op};

    #[test]
    fn speed_shortens_the_timeline_and_keeps_the_source_span() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let applied = apply(&draft, &Op::Speed { factor: 1.25 }, &EditContext::default()).unwrap();
        let segment = &applied.draft.tracks[0].segments[0];
        assert_eq!(segment.duration_ms, 8_000);
        assert_eq!(segment.meta.speed, Some(1.25));
        assert_eq!(segment.source_range().duration_ms(), 10_000);
        assert_eq!(
            applied.effect,
            Effect::Retimed {
                from_ms: 10_000,
                to_ms: 8_000
            }
        );
    }

    #[test]
    fn a_sliver_that_rounds_to_nothing_is_dropped() {
        // Found by the property test: a 1 ms piece left between two cuts, sped up 3×.
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let cut = Op::Cut {
            ranges: vec![
                crate::TimeRange::new(5_000, 5_100),
                crate::TimeRange::new(5_101, 5_200),
            ],
        };
        let sliced = apply(&draft, &cut, &EditContext::default()).unwrap().draft;
        assert_eq!(sliced.tracks[0].segments[1].duration_ms, 1);
        let sped = apply(&sliced, &Op::Speed { factor: 3.0 }, &EditContext::default()).unwrap();
        assert_eq!(sped.draft.tracks[0].segments.len(), 2);
        assert_eq!(sped.draft.duration_ms, 3_267);
    }

    #[test]
    fn speeds_beyond_what_can_be_played_are_refused() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let err = apply(&draft, &Op::Speed { factor: 8.0 }, &EditContext::default()).unwrap_err();
        assert!(
            matches!(err, EditError::OutOfRange { value, .. } if value == 8.0),
            "{err}"
        );
    }
}
