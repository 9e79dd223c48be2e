//! What a video's picture is like, from a few small frames: whether it looks like a screen
//! recording (a terminal, slides, an app) rather than camera footage.
//!
//! It matters when a frame of another shape is asked for: cropping a camera shot into 9:16
//! keeps its subject, cropping a screen recording cuts off the left of every line of text.
//! A screen is told by three cheap measures, none enough alone:
//!
//! - **flat**: most neighbouring pixels are exactly alike (flat backgrounds, no sensor noise);
//! - **hard edges**: some neighbours differ by a lot (text and window borders);
//! - **still**: most pixels do not change between frames seconds apart.
//!
//! Sampling (one ffmpeg call seeking to each frame, at most 320 pixels wide) is the I/O part;
//! [`PictureTraits::measure`] and [`PictureTraits::looks_like_screen`] are pure.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::MediaError;
use crate::input::input_args;
use crate::limits::Limits;
use crate::probe::{MediaKind, Probe};
use crate::process::{CancelToken, Tool, ToolCommand};
use crate::render::graph::{Filter, Graph, Pad};

/// Frames sampled from a clip (evenly spread, away from its ends).
pub const SAMPLED_FRAMES: u32 = 4;
/// The widest a sampled frame is decoded.
const SAMPLE_WIDTH: u32 = 320;

/// A frame as luma bytes, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct GrayFrame {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// The measures a screen recording is told by, each a share from 0 to 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PictureTraits {
    /// Side-by-side neighbours that are (almost) exactly alike.
    pub flat: f64,
    /// Side-by-side neighbours that differ by more than a quarter of the range.
    pub hard_edges: f64,
    /// Pixels that stay (almost) the same between one sampled frame and the next (1 with one
    /// frame).
    pub still: f64,
}

impl PictureTraits {
    /// The measures of `frames` (of one size): each the median over the frames or pairs, so one
    /// slide change or camera cut does not decide.
    pub fn measure(frames: &[GrayFrame]) -> PictureTraits {
        let mut flat = Vec::new();
        let mut hard = Vec::new();
        for frame in frames {
            let (mut same, mut edges, mut pairs) = (0usize, 0usize, 0usize);
            for row in frame.pixels.chunks_exact(frame.width.max(1) as usize) {
                for pair in row.windows(2) {
                    let difference = pair[0].abs_diff(pair[1]);
                    same += usize::from(difference <= 2);
                    edges += usize::from(difference >= 64);
                    pairs += 1;
                }
            }
            flat.push(same as f64 / pairs.max(1) as f64);
            hard.push(edges as f64 / pairs.max(1) as f64);
        }
        let still: Vec<f64> = frames
            .windows(2)
            .filter(|pair| pair[0].pixels.len() == pair[1].pixels.len())
            .map(|pair| {
                let kept = pair[0]
                    .pixels
                    .iter()
                    .zip(&pair[1].pixels)
                    .filter(|(a, b)| a.abs_diff(**b) <= 3)
                    .count();
                kept as f64 / pair[0].pixels.len().max(1) as f64
            })
            .collect();
        PictureTraits {
            flat: median(flat).unwrap_or(0.0),
            hard_edges: median(hard).unwrap_or(0.0),
            still: median(still).unwrap_or(1.0),
        }
    }

    /// Mostly flat, with the hard edges of text, and still: a screen. A moving test pattern
    /// (ffmpeg's testsrc2: flat 0.93, edges 0.024, still 0.79) is the nearest camera-like
    /// picture and stays below the stillness a screen has (a terminal: 0.87, 0.05, 1.0).
    pub fn looks_like_screen(&self) -> bool {
        self.flat >= 0.6 && self.hard_edges >= 0.005 && self.still >= 0.9
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// What is needed to decode frames of a probed file.
#[derive(Clone, Copy)]
pub struct Sample<'a> {
    pub path: &'a std::path::Path,
    pub probe: &'a Probe,
    pub limits: &'a Limits,
    pub cancel: &'a CancelToken,
}

/// [`SAMPLED_FRAMES`] frames of a video, evenly spread inside it, as small luma frames; one
/// frame of a still image; none of a file without a picture.
pub fn sample_frames(sample: Sample) -> Result<Vec<GrayFrame>, MediaError> {
    let Some(video) = sample.probe.video.as_ref() else {
        return Ok(Vec::new());
    };
    let (width, height) = video.display_size();
    let (width, height) = if width > SAMPLE_WIDTH {
        let scaled = (height as u64 * SAMPLE_WIDTH as u64 / width.max(1) as u64) as u32;
        (SAMPLE_WIDTH, (scaled / 2 * 2).max(2))
    } else {
        (width.max(2) / 2 * 2, height.max(2) / 2 * 2)
    };
    let count = if sample.probe.kind == MediaKind::Image {
        1
    } else {
        SAMPLED_FRAMES as usize
    };
    // One ffmpeg for all of them: the file opened once per frame, each input seeked to its
    // time, one picture of each, joined into one stream of `count` frames.
    let mut command = ToolCommand::new(Tool::Ffmpeg);
    let mut graph = Graph::default();
    let mut pictures = Vec::new();
    for k in 0..count {
        if sample.probe.kind != MediaKind::Image {
            let at_ms = sample.probe.duration_ms * (k as u64 + 1) / (count as u64 + 1);
            command = command.args(["-ss", &format!("{:.3}", at_ms as f64 / 1000.0)]);
        }
        command = command.args(input_args(sample.path, sample.probe, sample.limits));
        let filters = vec![
            Filter::new("trim").opt("end_frame", 1),
            Filter::new("setpts").opt("expr", "PTS-STARTPTS"),
            Filter::new("scale")
                .opt("w", width)
                .opt("h", height)
                .opt("flags", "area"),
            Filter::new("format").opt("pix_fmts", "gray"),
            Filter::new("setsar").opt("r", 1),
        ];
        pictures.push(graph.then(&Pad::input_stream(k, "v"), filters, "frame"));
    }
    let joined = graph.pad("frames");
    let concat = Filter::new("concat")
        .opt("n", count)
        .opt("v", 1)
        .opt("a", 0);
    graph.chain(&pictures, vec![concat], std::slice::from_ref(&joined));
    let output = command
        .args(["-filter_complex", &graph.to_string()])
        .args(["-map", &joined.to_string(), "-fps_mode", "passthrough"])
        .args(["-f", "rawvideo", "pipe:1"])
        .timeout(Duration::from_secs(60))
        .cancel_with(sample.cancel)
        .output()?;
    Ok(output
        .stdout
        .chunks_exact((width * height) as usize)
        .map(|pixels| GrayFrame {
            width,
            height,
            pixels: pixels.to_vec(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `width`×`height` frame whose pixel at (x, y) is `pixel(x, y)`.
    fn frame(width: u32, height: u32, pixel: impl Fn(u32, u32) -> u8) -> GrayFrame {
        let pixels = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| pixel(x, y))
            .collect();
        GrayFrame {
            width,
            height,
            pixels,
        }
    }

    /// A cheap, repeatable noise in 0–255.
    fn noise(seed: u32) -> u8 {
        (seed.wrapping_mul(2_654_435_761) >> 24) as u8
    }

    #[test]
    fn text_on_a_flat_background_that_stays_is_a_screen() {
        // Light "text" strokes every few pixels on the rows of a few lines, on dark grey.
        let text = |x: u32, y: u32| {
            if y % 20 < 8 && x % 7 < 2 && x < 200 {
                230
            } else {
                30
            }
        };
        let frames = vec![frame(320, 180, text); 4];
        let traits = PictureTraits::measure(&frames);
        assert!(traits.looks_like_screen(), "{traits:?}");
        assert_eq!(traits.still, 1.0);
    }

    #[test]
    fn noisy_moving_footage_is_not_a_screen() {
        let frames: Vec<GrayFrame> = (0..4)
            .map(|t| frame(320, 180, move |x, y| noise(x * 7 + y * 1031 + t * 99_991)))
            .collect();
        let traits = PictureTraits::measure(&frames);
        assert!(!traits.looks_like_screen(), "{traits:?}");
        assert!(traits.flat < 0.1 && traits.still < 0.1, "{traits:?}");
    }

    #[test]
    fn a_flat_picture_without_edges_is_not_a_screen() {
        // A smooth gradient (a sky, a wall): flat and still, but nothing like text.
        let frames = vec![frame(320, 180, |x, _| (x / 2) as u8); 4];
        assert!(!PictureTraits::measure(&frames).looks_like_screen());
    }

    #[test]
    fn one_slide_change_does_not_decide() {
        let slide = |shift: u32| {
            move |x: u32, y: u32| {
                if (y + shift) % 20 < 8 && x % 7 < 2 {
                    230
                } else {
                    30
                }
            }
        };
        let frames = vec![
            frame(320, 180, slide(0)),
            frame(320, 180, slide(0)),
            frame(320, 180, slide(10)),
            frame(320, 180, slide(10)),
        ];
        assert!(PictureTraits::measure(&frames).looks_like_screen());
    }
}
