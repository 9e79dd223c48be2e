//! Edits that change settings rather than structure: original-audio volume, whole-output
//! fades, the canvas, loudness, colour and frame rate.

use crate::canvas::Fit;
use crate::draft::Draft;
use crate::ops::{Applied, EditError, Effect, Quantity};
use crate::validate::MAX_VOLUME;

/// Sets the gain of every main-track clip's own audio (0 mutes it; music is untouched).
pub(crate) fn set_original_volume(draft: &Draft, volume: f64) -> Result<Applied, EditError> {
    if !(volume.is_finite() && (0.0..=MAX_VOLUME).contains(&volume)) {
        return Err(EditError::OutOfRange {
            what: Quantity::Volume,
            value: volume,
            low: 0.0,
            high: MAX_VOLUME,
        });
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
        return Err(EditError::FadesTooLong {
            fades_ms: edited.meta.fade_in_ms + edited.meta.fade_out_ms,
            duration_ms: edited.duration_ms,
        });
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
        edited.meta.fit = Some(fit);
    }
    Ok(changed(edited))
}

/// Normalises the output's loudness (EBU R128 integrated loudness, −70 to −5 LUFS).
pub(crate) fn loudness(draft: &Draft, lufs: f64) -> Result<Applied, EditError> {
    if !(lufs.is_finite() && (-70.0..=-5.0).contains(&lufs)) {
        return Err(EditError::OutOfRange {
            what: Quantity::Loudness,
            value: lufs,
            low: -70.0,
            high: -5.0,
        });
    }
    let mut edited = draft.clone();
    edited.meta.loudness_lufs = Some(lufs);
    Ok(changed(edited))
}

/// Adjusts brightness (−1 to 1), contrast and saturation (0 to 3); `None` keeps a setting.
pub(crate) fn color(
    draft: &Draft,
    brightness: Option<f64>,
    contrast: Option<f64>,
    saturation: Option<f64>,
) -> Result<Applied, EditError> {
    let in_range = |value: Option<f64>, low: f64, high: f64, what| match value {
        Some(value) if !(value.is_finite() && (low..=high).contains(&value)) => {
            Err(EditError::OutOfRange {
                what,
                value,
                low,
                high,
            })
        }
        _ => Ok(()),
    };
    in_range(brightness, -1.0, 1.0, Quantity::Brightness)?;
    in_range(contrast, 0.0, 3.0, Quantity::Contrast)?;
    in_range(saturation, 0.0, 3.0, Quantity::Saturation)?;
    let mut edited = draft.clone();
    let mut adjust = edited.meta.color.unwrap_or_default();
    adjust.brightness = brightness.or(adjust.brightness);
    adjust.contrast = contrast.or(adjust.contrast);
    adjust.saturation = saturation.or(adjust.saturation);
    edited.meta.color = Some(adjust);
    Ok(changed(edited))
}

/// Sets the output frame rate (checked by validation: 1–120 fps).
pub(crate) fn frame_rate(draft: &Draft, fps: f64) -> Result<Applied, EditError> {
    let mut edited = draft.clone();
    edited.meta.fps = fps;
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
            Err(EditError::FadesTooLong { .. })
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
            (1080, 1920, Some(Fit::Blur))
        );
    }
}
