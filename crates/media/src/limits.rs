//! The limits every input is checked against before anything decodes it (API.md, security):
//! frame size, frame rate, duration and stream count. Each has a default and can be raised by
//! whoever runs cutline; none can be switched off.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::MediaError;
use crate::probe::Probe;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Pixels in one frame (8,294,400 = 3840×2160).
    pub max_pixels: u64,
    pub max_fps: f64,
    pub max_duration_ms: u64,
    pub max_streams: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pixels: 8_294_400,
            max_fps: 120.0,
            max_duration_ms: 3 * 3600 * 1000,
            max_streams: 16,
        }
    }
}

impl Limits {
    /// Refuses a probed input that is over any limit, naming the one it broke.
    pub fn check(&self, path: &Path, probe: &Probe) -> Result<(), MediaError> {
        let over = |what: String, limit: String| MediaError::OverLimit {
            path: path.to_path_buf(),
            what,
            limit,
        };
        if probe.stream_count > self.max_streams {
            return Err(over(
                format!("{} streams", probe.stream_count),
                format!("{} streams", self.max_streams),
            ));
        }
        if probe.duration_ms > self.max_duration_ms {
            return Err(over(
                format!(
                    "a duration of {}",
                    timeline::format_clock(probe.duration_ms)
                ),
                timeline::format_clock(self.max_duration_ms),
            ));
        }
        if let Some(video) = &probe.video {
            self.check_frame(path, video.coded_width, video.coded_height)?;
            let fps = video.fps.as_f64();
            if fps > self.max_fps {
                return Err(over(
                    format!("{fps:.2} fps"),
                    format!("{} fps", self.max_fps),
                ));
            }
        }
        Ok(())
    }

    pub fn check_frame(&self, path: &Path, width: u32, height: u32) -> Result<(), MediaError> {
        if width as u64 * height as u64 > self.max_pixels {
            return Err(MediaError::OverLimit {
                path: path.to_path_buf(),
                what: format!("a frame size of {width}×{height}"),
                limit: format!("{} pixels", group_thousands(self.max_pixels)),
            });
        }
        Ok(())
    }
}

/// 8294400 → "8,294,400".
fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_for_people() {
        assert_eq!(group_thousands(8_294_400), "8,294,400");
        assert_eq!(group_thousands(999), "999");
    }

    #[test]
    fn a_frame_over_the_pixel_cap_is_refused_with_its_size() {
        let err = Limits::default()
            .check_frame(Path::new("big.mp4"), 4000, 3000)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.mp4: a frame size of 4000×3000 is over the limit of 8,294,400 pixels"
        );
        assert!(Limits::default()
            .check_frame(Path::new("uhd.mp4"), 3840, 2160)
            .is_ok());
    }
}
