//! How a picture of another shape fills a frame when the words do not say: cropped, unless a
//! clip that would be cropped looks like a screen recording, whose text a crop cuts off (the
//! left of every line of a terminal or slide). Then it is fitted over a blurred copy of
//! itself, and the reply says so and how to crop instead.

use timeline::{Draft, Fit};

use crate::plan::Step;
use crate::session::Media;

/// The fit of a new `canvas` the words left open: blur when a main-track clip of another
/// shape looks like a screen, else crop; nothing when every clip has the canvas's shape
/// (then a clip joined later of the other orientation is fitted by `canvas::fit_for`).
pub fn unsaid_fit(draft: &Draft, canvas: (u32, u32), media: &dyn Media) -> Option<Fit> {
    let cropped = draft
        .main_segments()
        .iter()
        .filter_map(|segment| segment.src.clone())
        .filter(|src| {
            media
                .video_size(src)
                .is_some_and(|size| !same_shape(size, canvas))
        });
    let cropped: Vec<String> = cropped.collect();
    if cropped.is_empty() {
        None
    } else if cropped.iter().any(|src| media.looks_like_screen(src)) {
        Some(Fit::Blur)
    } else {
        Some(Fit::Crop)
    }
}

/// `step` as it was done: an aspect whose fit the words left open, with the fit chosen.
pub fn as_chosen(step: &Step, edited: &Draft) -> Step {
    match step {
        Step::Aspect { aspect, fit: None } => Step::Aspect {
            aspect: *aspect,
            fit: edited.meta.fit,
        },
        other => other.clone(),
    }
}

/// Within 1% of the same width-to-height ratio (what the renderer scales without fitting).
fn same_shape((sw, sh): (u32, u32), (w, h): (u32, u32)) -> bool {
    (sw as u64 * h as u64).abs_diff(sh as u64 * w as u64) * 100 <= sw as u64 * h as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::{DraftMeta, SilenceMap, SourceCaption, TimeRange};

    /// Two clips: a landscape screen recording and a landscape camera clip.
    struct Clips;

    impl Media for Clips {
        fn silence(&self, _: &str) -> Result<SilenceMap, String> {
            Err("not asked".into())
        }
        fn captions(
            &self,
            _: &Draft,
            _: Option<&str>,
            _: bool,
        ) -> Result<Vec<SourceCaption>, String> {
            Err("not asked".into())
        }
        fn filler_cuts(&self, _: &Draft, _: u64) -> Result<Vec<(String, Vec<TimeRange>)>, String> {
            Err("not asked".into())
        }
        fn duration_ms(&self, _: &str) -> Option<u64> {
            Some(5_000)
        }
        fn video_size(&self, _: &str) -> Option<(u32, u32)> {
            Some((1920, 1080))
        }
        fn looks_like_screen(&self, asset: &str) -> bool {
            asset == "screen"
        }
    }

    #[test]
    fn a_screen_recording_made_vertical_is_blurred_and_camera_footage_cropped() {
        let portrait = (1080, 1920);
        let screen = Draft::single_clip("screen", 5_000, DraftMeta::default());
        let camera = Draft::single_clip("camera", 5_000, DraftMeta::default());
        assert_eq!(unsaid_fit(&screen, portrait, &Clips), Some(Fit::Blur));
        assert_eq!(unsaid_fit(&camera, portrait, &Clips), Some(Fit::Crop));
        // Of its own shape, nothing is fitted: nothing to choose.
        assert_eq!(unsaid_fit(&screen, (1280, 720), &Clips), None);
    }
}
