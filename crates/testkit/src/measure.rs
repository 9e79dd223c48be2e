//! Measurements of media files, made with plain ffmpeg/ffprobe and arithmetic: stream
//! properties, decoded audio, frames as luma, tone onsets.

use std::path::Path;

use serde::Deserialize;

use crate::tools::{ffmpeg, run};

#[derive(Debug, Deserialize)]
pub struct Stream {
    pub codec_type: String,
    pub codec_name: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub pix_fmt: Option<String>,
    pub sample_rate: Option<String>,
    pub channels: Option<u32>,
    pub avg_frame_rate: Option<String>,
    pub duration: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Format {
    pub format_name: String,
    pub duration: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Streams {
    pub streams: Vec<Stream>,
    pub format: Format,
}

impl Streams {
    pub fn video(&self) -> &Stream {
        self.streams
            .iter()
            .find(|s| s.codec_type == "video")
            .expect("a video stream")
    }

    pub fn audio(&self) -> &Stream {
        self.streams
            .iter()
            .find(|s| s.codec_type == "audio")
            .expect("an audio stream")
    }

    pub fn duration_s(&self) -> f64 {
        self.format
            .duration
            .as_deref()
            .and_then(|d| d.parse().ok())
            .expect("a duration")
    }
}

pub fn streams(path: &Path) -> Streams {
    let json = run(
        "ffprobe",
        [
            "-v",
            "error",
            "-of",
            "json",
            "-show_format",
            "-show_streams",
            path.to_str().unwrap(),
        ],
    );
    serde_json::from_slice(&json).expect("ffprobe JSON")
}

/// Whether the MP4's index (moov) comes before its media data (mdat): `+faststart`.
pub fn is_faststart(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("read an MP4");
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag);
    matches!((find(b"moov"), find(b"mdat")), (Some(moov), Some(mdat)) if moov < mdat)
}

/// The first audio stream decoded to mono samples in −1…1 at `rate`: the mean of its
/// channels, so a sound has the level one of its channels has when they agree. (ffmpeg's own
/// downmix, `-ac 1`, adds the channels at −3 dB each: a stereo sound whose channels agree
/// would measure 3 dB louder than either of them.)
pub fn audio_mono(path: &Path, rate: u32) -> Vec<f32> {
    let channels = audio_channels(path, rate);
    let count = channels.len().max(1) as f32;
    let length = channels.iter().map(Vec::len).min().unwrap_or(0);
    (0..length)
        .map(|i| channels.iter().map(|c| c[i]).sum::<f32>() / count)
        .collect()
}

/// The first audio stream decoded at `rate`, one vector of samples in −1…1 per channel, as
/// the file holds them (no mixing).
pub fn audio_channels(path: &Path, rate: u32) -> Vec<Vec<f32>> {
    let count = streams(path).audio().channels.expect("a channel count") as usize;
    let bytes = ffmpeg([
        "-i",
        path.to_str().unwrap(),
        "-map",
        "0:a:0",
        "-ar",
        &rate.to_string(),
        "-f",
        "f32le",
        "pipe:1",
    ]);
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    (0..count)
        .map(|c| samples.iter().skip(c).step_by(count).copied().collect())
        .collect()
}

/// A level ratio in decibels.
pub fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

pub fn rms(samples: &[f32]) -> f64 {
    (samples.iter().map(|&x| x as f64 * x as f64).sum::<f64>() / samples.len().max(1) as f64).sqrt()
}

/// Every frame scaled to `width`×`height` luma bytes.
pub fn gray_frames(path: &Path, width: u32, height: u32) -> Vec<Vec<u8>> {
    let bytes = ffmpeg([
        "-i",
        path.to_str().unwrap(),
        "-map",
        "0:v:0",
        "-vf",
        &format!("scale={width}:{height},format=gray"),
        "-f",
        "rawvideo",
        "pipe:1",
    ]);
    bytes
        .chunks_exact((width * height) as usize)
        .map(<[u8]>::to_vec)
        .collect()
}

/// The frame shown at `seconds`, at full size, as luma bytes (width × height of the video).
pub fn gray_frame_at(path: &Path, seconds: f64) -> (u32, u32, Vec<u8>) {
    frame_at(path, seconds, "gray")
}

/// The frame shown at `seconds`, at full size, as RGB bytes (3 × width × height).
pub fn rgb_frame_at(path: &Path, seconds: f64) -> (u32, u32, Vec<u8>) {
    frame_at(path, seconds, "rgb24")
}

fn frame_at(path: &Path, seconds: f64, pixel_format: &str) -> (u32, u32, Vec<u8>) {
    let info = streams(path);
    let (w, h) = (info.video().width.unwrap(), info.video().height.unwrap());
    let bytes = ffmpeg([
        "-ss",
        &format!("{seconds:.3}"),
        "-i",
        path.to_str().unwrap(),
        "-frames:v",
        "1",
        "-vf",
        &format!("format={pixel_format}"),
        "-f",
        "rawvideo",
        "pipe:1",
    ]);
    (w, h, bytes)
}

/// The strongly yellow pixels of an RGB frame in the rectangle: how many, and their mean
/// position (x, y).
pub fn yellow_pixels(frame: &[u8], width: u32, rect: (u32, u32, u32, u32)) -> (usize, f64, f64) {
    let (x0, y0, x1, y1) = rect;
    let (mut count, mut sum_x, mut sum_y) = (0, 0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let i = 3 * (y * width + x) as usize;
            let (r, g, b) = (frame[i], frame[i + 1], frame[i + 2]);
            if r > 180 && g > 140 && b < 90 {
                count += 1;
                sum_x += x as f64;
                sum_y += y as f64;
            }
        }
    }
    let n = count.max(1) as f64;
    (count, sum_x / n, sum_y / n)
}

/// How many pixels of the luma frame in the given rectangle are brighter than `level`.
pub fn bright_pixels(frame: &[u8], width: u32, rect: (u32, u32, u32, u32), level: u8) -> usize {
    let (x0, y0, x1, y1) = rect;
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (y * width + x) as usize))
        .filter(|&i| frame[i] > level)
        .count()
}

/// The integrated loudness of a file's sound in LUFS (EBU R128, as ffmpeg's ebur128 measures
/// it at the end of the file).
pub fn integrated_loudness(path: &Path) -> f64 {
    let printed = ffmpeg([
        "-i",
        path.to_str().unwrap(),
        "-map",
        "0:a:0",
        "-af",
        "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=-",
        "-f",
        "null",
        "-",
    ]);
    String::from_utf8_lossy(&printed)
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("lavfi.r128.I="))
        .and_then(|value| value.trim().parse().ok())
        .expect("ebur128 printed an integrated loudness")
}

/// The power of the `hz` component of `samples` (Goertzel).
fn goertzel_power(samples: &[f32], rate: u32, hz: f64) -> f64 {
    let coefficient = 2.0 * (2.0 * std::f64::consts::PI * hz / rate as f64).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = x as f64 + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coefficient * s1 * s2
}

/// The amplitude of a pure tone of `hz` in `samples`, whatever else is sounding (a narrow
/// Goertzel filter over the whole buffer).
pub fn tone_amplitude(samples: &[f32], rate: u32, hz: f64) -> f64 {
    2.0 * goertzel_power(samples, rate, hz).sqrt() / samples.len().max(1) as f64
}

/// When a pure tone of `hz` first becomes the main content of the sound (Goertzel power over
/// 10 ms windows stepped by 1 ms, as a share of the window's energy), in seconds.
pub fn tone_onset(samples: &[f32], rate: u32, hz: f64) -> Option<f64> {
    let window = (rate / 100) as usize;
    let step = (rate / 1000) as usize;
    let mut start = 0;
    while start + window <= samples.len() {
        let chunk = &samples[start..start + window];
        let power = goertzel_power(chunk, rate, hz);
        let energy: f64 = chunk.iter().map(|&x| x as f64 * x as f64).sum();
        let share = power / (energy * window as f64 / 2.0).max(1e-12);
        if share > 0.6 && energy / window as f64 > 1e-4 {
            return Some(start as f64 / rate as f64);
        }
        start += step;
    }
    None
}

/// The peak signal-to-noise ratio of two pictures of 8-bit samples, in dB (infinite when
/// they are the same).
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "pictures of one size");
    let squared: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum();
    let mse = squared / a.len().max(1) as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// What `ffmpeg -v error -i FILE -f null -` says while decoding every stream of `path`:
/// empty when it decodes cleanly.
pub fn decode_errors(path: &Path) -> String {
    let output = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let mut said = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        said.push_str(&format!("(ffmpeg ended with {})", output.status));
    }
    said
}
