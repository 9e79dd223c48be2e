//! Edits that change settings rather than structure: original-audio volume, whole-output
//! fades, and the canvas.

use crate::canvas::Fit;
use crate::draft::Draft;
use crate::ops::{Applied, EditError, Effect};
use crate::validate::MAX_VOLUME;

/// Sets the gain of every main-track clip's own audio (0 mutes it; music is untouched).
pub(crate) fn set_original_volume(draft: &Draft, volume: f64) -> Result<Applied, EditError> {
    if !(volume.is_finite() && (0.0..=MAX_VOLUME).contains(&volume)) {
        return Err(EditError::InvalidArgument(format!(
            "a volume of {volume} is outside 0–{MAX_VOLUME}"
        )));
    }
    let main = draft.main_track_index().ok_or(EditError::NoMainTrack)?;
    let mut edited = draft.clone();
    for segment in &mut edited.tracks[main].segments {
        segment.meta.volume = ((volume - 1.0).abs() > 1e-9).then_some(volume);
    }
    Ok(changed(edited))
}

/// Fades the whole output in and/or out; `None` leaves that end as it was.
pub(crate) fn fade(
    draft: &Draft,
    fade_in_ms: Option<u64>,
    fade_out_ms: Option<u64>,
) -> Result<Applied, EditError> {
    let mut edited = draft.clone();
    if let Some(ms) = fade_in_ms {
        edited.meta.fade_in_ms = ms;
    }
    if let Some(ms) = fade_out_ms {
        edited.meta.fade_out_ms = ms;
    }
    if edited.meta.fade_in_ms + edited.meta.fade_out_ms > edited.duration_ms {
        return Err(EditError::InvalidArgument(format!(
            "fades of {} ms are longer than the video ({} ms)",
            edited.meta.fade_in_ms + edited.meta.fade_out_ms,
            edited.duration_ms
        )));
    }
    Ok(changed(edited))
}

/// Sets the output canvas size and, when given, how sources fit it.
pub(crate) fn canvas(
    draft: &Draft,
    width: u32,
    height: u32,
    fit: Option<Fit>,
) -> Result<Applied, EditError> {
    let mut edited = draft.clone();
    edited.meta.width = width;
    edited.meta.height = height;
    if let Some(fit) = fit {
        edited.meta.fit = fit;
    }
    Ok(changed(edited))
}

fn changed(draft: Draft) -> Applied {
    Applied {
        draft,
        effect: Effect::SettingsChanged,
    }
}

#[cfg(test)]
mod tests {
    use crate::draft::{Draft, DraftMeta};
    use crate::ops::{apply, EditContext, EditError, Op};
    use crate::Fit;

    fn clip() -> Draft {
        Draft::single_clip("clip", 10_000, DraftMeta::default())
    }

    #[test]
    fn mute_is_volume_zero_on_the_original_audio() {
        let draft = apply(
            &clip(),
            &Op::Volume { volume: 0.0 },
            &EditContext::default(),
        )
        .unwrap()
        .draft;
        assert_eq!(draft.tracks[0].segments[0].meta.volume, Some(0.0));
    }

    #[test]
    fn fades_longer_than_the_video_are_refused() {
        let fade = Op::Fade {
            fade_in_ms: Some(6_000),
            fade_out_ms: Some(5_000),
        };
        assert!(matches!(
            apply(&clip(), &fade, &EditContext::default()),
            Err(EditError::InvalidArgument(_))
        ));
    }

    #[test]
    fn canvas_sets_size_and_fit() {
        let op = Op::Canvas {
            width: 1080,
            height: 1920,
            fit: Some(Fit::Blur),
        };
        let draft = apply(&clip(), &op, &EditContext::default()).unwrap().draft;
        assert_eq!(
            (draft.meta.width, draft.meta.height, draft.meta.fit),
            (1080, 1920, Fit::Blur)
        );
    }
}
