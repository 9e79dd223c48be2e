//! What a file is: ffprobe's JSON read into typed values, plus the content sniffing and limit
//! checks that run before anything decodes the file.
//!
//! The parser ([`parse_ffprobe_json`]) is pure and tested on recorded ffprobe output; the I/O
//! ([`probe`]) runs ffprobe with the hardened flags: only the `file` protocol, only the
//! demuxers of the accepted formats (so an HLS or concat playlist cannot be opened, whatever
//! its name), and the pixel cap.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::MediaError;
use crate::limits::Limits;
use crate::process::{Tool, ToolCommand};

/// The demuxers ffprobe may use: those of the accepted formats and nothing else.
pub const DEMUXER_WHITELIST: &str =
    "mov,matroska,avi,mp3,wav,aac,image2,png_pipe,jpeg_pipe,webp_pipe,gif";

/// A container cutline accepts; it owns the demuxer name ffmpeg is forced to use for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// MP4, MOV, M4A (ISO base media).
    Mp4,
    /// Matroska and WebM.
    Matroska,
    Avi,
    Mp3,
    Wav,
    Aac,
    Png,
    Jpeg,
    Webp,
    Gif,
}

impl Container {
    pub fn demuxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mov",
            Container::Matroska => "matroska",
            Container::Avi => "avi",
            Container::Mp3 => "mp3",
            Container::Wav => "wav",
            Container::Aac => "aac",
            Container::Png => "png_pipe",
            Container::Jpeg => "jpeg_pipe",
            Container::Webp => "webp_pipe",
            Container::Gif => "gif",
        }
    }

    fn is_image(self) -> bool {
        matches!(
            self,
            Container::Png | Container::Jpeg | Container::Webp | Container::Gif
        )
    }

    /// From ffprobe's `format_name` (and, for still images read by `image2`, the codec).
    fn from_ffprobe(format_name: &str, video_codec: Option<&str>) -> Option<Container> {
        let first = format_name.split(',').next().unwrap_or_default();
        Some(match first {
            "mov" => Container::Mp4,
            "matroska" => Container::Matroska,
            "avi" => Container::Avi,
            "mp3" => Container::Mp3,
            "wav" => Container::Wav,
            "aac" => Container::Aac,
            "png_pipe" => Container::Png,
            "jpeg_pipe" => Container::Jpeg,
            "webp_pipe" => Container::Webp,
            "gif" | "gif_pipe" => Container::Gif,
            "image2" => match video_codec? {
                "png" => Container::Png,
                "mjpeg" => Container::Jpeg,
                "webp" => Container::Webp,
                "gif" => Container::Gif,
                _ => return None,
            },
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Video,
    Audio,
    Image,
}

impl MediaKind {
    /// As the protocol writes it: "video", "audio", "image".
    pub fn name(self) -> &'static str {
        match self {
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Image => "image",
        }
    }

    /// The kind a stored name means.
    pub fn of_name(name: &str) -> Option<MediaKind> {
        [MediaKind::Video, MediaKind::Audio, MediaKind::Image]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

/// A frame rate as the exact fraction ffprobe reports (30000/1001 for 29.97).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

impl FrameRate {
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den.max(1) as f64
    }

    fn parse(text: &str) -> Option<FrameRate> {
        let (num, den) = text.split_once('/')?;
        let rate = FrameRate {
            num: num.trim().parse().ok()?,
            den: den.trim().parse().ok()?,
        };
        (rate.num > 0 && rate.den > 0).then_some(rate)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub codec: String,
    /// Size as stored, before rotation.
    pub coded_width: u32,
    pub coded_height: u32,
    /// Clockwise rotation a player applies (0, 90, 180, 270).
    pub rotation: u32,
    pub fps: FrameRate,
}

impl VideoInfo {
    /// Size as shown, after rotation: what ffmpeg's decoder hands to the filters.
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 {
            (self.coded_height, self.coded_width)
        } else {
            (self.coded_width, self.coded_height)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u32,
    /// The audio stream's own length, when the container states it (it may end before the
    /// picture does).
    pub duration_ms: Option<u64>,
}

/// Everything cutline needs to know about an input before using it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub container: Container,
    pub kind: MediaKind,
    pub duration_ms: u64,
    pub size_bytes: u64,
    pub stream_count: usize,
    pub video: Option<VideoInfo>,
    pub audio: Option<AudioInfo>,
}

// ffprobe's JSON, as far as cutline reads it.
#[derive(Deserialize)]
struct FfprobeJson {
    #[serde(default)]
    streams: Vec<FfStream>,
    format: Option<FfFormat>,
}

#[derive(Deserialize)]
struct FfStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    sample_rate: Option<String>,
    channels: Option<u32>,
    duration: Option<String>,
    #[serde(default)]
    disposition: FfDisposition,
    #[serde(default)]
    tags: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct FfDisposition {
    #[serde(default)]
    attached_pic: u8,
}

#[derive(Deserialize)]
struct FfFormat {
    format_name: String,
    duration: Option<String>,
    size: Option<String>,
    nb_streams: Option<usize>,
}

/// Why ffprobe's answer could not be used.
#[derive(Debug, PartialEq)]
pub enum ProbeParseError {
    /// Not JSON of the expected shape.
    Malformed(String),
    /// A format or stream cutline does not accept.
    Unsupported,
}

/// Reads ffprobe's `-of json -show_format -show_streams` output.
pub fn parse_ffprobe_json(json: &[u8]) -> Result<Probe, ProbeParseError> {
    let parsed: FfprobeJson =
        serde_json::from_slice(json).map_err(|e| ProbeParseError::Malformed(e.to_string()))?;
    let format = parsed
        .format
        .ok_or_else(|| ProbeParseError::Malformed("no format section".into()))?;
    let picture = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video") && s.disposition.attached_pic == 0);
    let sound = parsed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    let container = Container::from_ffprobe(
        &format.format_name,
        picture.and_then(|s| s.codec_name.as_deref()),
    )
    .ok_or(ProbeParseError::Unsupported)?;
    let video = picture.map(video_info).transpose()?;
    let audio = sound.map(audio_info).transpose()?;
    let kind = match (&video, &audio) {
        (Some(_), _) if container.is_image() => MediaKind::Image,
        (Some(_), _) => MediaKind::Video,
        (None, Some(_)) => MediaKind::Audio,
        (None, None) => return Err(ProbeParseError::Unsupported),
    };
    let duration_ms = match kind {
        // An animated GIF plays for a while (what a GIF export is checked by); other
        // pictures are stills.
        MediaKind::Image if container != Container::Gif => 0,
        _ => format
            .duration
            .as_deref()
            .and_then(seconds_to_ms)
            .unwrap_or(0),
    };
    Ok(Probe {
        container,
        kind,
        duration_ms,
        size_bytes: format.size.and_then(|s| s.parse().ok()).unwrap_or(0),
        stream_count: format.nb_streams.unwrap_or(parsed.streams.len()),
        video,
        audio,
    })
}

/// ffprobe's decimal seconds ("9.840998") as milliseconds.
fn seconds_to_ms(text: &str) -> Option<u64> {
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).round() as u64)
}

fn video_info(stream: &FfStream) -> Result<VideoInfo, ProbeParseError> {
    let (Some(width), Some(height)) = (stream.width, stream.height) else {
        return Err(ProbeParseError::Malformed(
            "a video stream without a size".into(),
        ));
    };
    if width == 0 || height == 0 {
        return Err(ProbeParseError::Malformed(
            "a video stream of size zero".into(),
        ));
    }
    let fps = [&stream.avg_frame_rate, &stream.r_frame_rate]
        .into_iter()
        .flatten()
        .find_map(|rate| FrameRate::parse(rate))
        .unwrap_or(FrameRate { num: 25, den: 1 });
    Ok(VideoInfo {
        codec: stream.codec_name.clone().unwrap_or_default(),
        coded_width: width,
        coded_height: height,
        rotation: rotation(stream),
        fps,
    })
}

/// The clockwise display rotation, from the display matrix (ffmpeg ≥ 5) or the older
/// `rotate` tag. The matrix states the counter-clockwise angle.
fn rotation(stream: &FfStream) -> u32 {
    let from_matrix = stream
        .side_data_list
        .iter()
        .find_map(|side| side.get("rotation")?.as_f64())
        .map(|ccw| -ccw);
    let from_tag = stream
        .tags
        .get("rotate")
        .and_then(|r| r.parse::<f64>().ok());
    let degrees = from_matrix.or(from_tag).unwrap_or(0.0);
    // In quarter turns, taken modulo a full turn before any integer: a damaged file may say
    // 1e300 degrees (or NaN, which becomes 0).
    (degrees / 90.0).round().rem_euclid(4.0) as u32 * 90
}

fn audio_info(stream: &FfStream) -> Result<AudioInfo, ProbeParseError> {
    Ok(AudioInfo {
        codec: stream.codec_name.clone().unwrap_or_default(),
        sample_rate: stream
            .sample_rate
            .as_deref()
            .and_then(|r| r.parse().ok())
            .unwrap_or(0),
        channels: stream.channels.unwrap_or(0),
        duration_ms: stream.duration.as_deref().and_then(seconds_to_ms),
    })
}

/// What the first bytes of a file say it is, before ffprobe is allowed near it.
#[derive(Debug, PartialEq)]
enum Sniffed {
    Playlist(&'static str),
    /// Starts like a media container cutline reads (so a failure means damage).
    Media,
    Unknown,
}

fn sniff(head: &[u8]) -> Sniffed {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("#EXTM3U") || text.starts_with("#EXT-X-") {
        return Sniffed::Playlist("HLS");
    }
    if text.starts_with("ffconcat") || text.starts_with("file '") || text.starts_with("file \"") {
        return Sniffed::Playlist("concat");
    }
    let magic: &[&[u8]] = &[
        b"RIFF",
        b"\x1a\x45\xdf\xa3",
        b"ID3",
        b"\x89PNG",
        b"\xff\xd8\xff",
        b"GIF8",
    ];
    let iso_box =
        head.len() >= 8 && matches!(&head[4..8], b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free");
    let mpeg_audio = head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0;
    if iso_box || mpeg_audio || magic.iter().any(|m| head.starts_with(m)) {
        Sniffed::Media
    } else {
        Sniffed::Unknown
    }
}

/// Probes a local file: checks that it exists, sniffs it, runs the hardened ffprobe and checks
/// the result against `limits`. Nothing decodes the file before this has passed.
pub fn probe(path: &Path, limits: &Limits) -> Result<Probe, MediaError> {
    let path = absolute_file(path)?;
    let mut head = [0u8; 64];
    let head_len = File::open(&path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| MediaError::io(&format!("reading {}", path.display()), e))?;
    let sniffed = sniff(&head[..head_len]);
    if let Sniffed::Playlist(kind) = sniffed {
        return Err(MediaError::Playlist { path, kind });
    }
    let run = |with_pixel_cap: bool| {
        let mut command = ToolCommand::new(Tool::Ffprobe)
            .args(["-protocol_whitelist", "file"])
            .args(["-format_whitelist", DEMUXER_WHITELIST]);
        if with_pixel_cap {
            command = command.args(["-max_pixels", &limits.max_pixels.to_string()]);
        }
        command
            .args(["-of", "json", "-show_format", "-show_streams"])
            .arg(file_url(&path))
            .output()
    };
    let output = match run(true) {
        Ok(output) => output,
        Err(MediaError::ToolFailed { stderr, .. }) => {
            return Err(explain_probe_failure(
                &path,
                limits,
                sniffed,
                &stderr,
                || run(false),
            ))
        }
        Err(other) => return Err(other),
    };
    let probe = match parse_ffprobe_json(&output.stdout) {
        Ok(probe) => probe,
        Err(ProbeParseError::Unsupported) => return Err(MediaError::Unsupported { path }),
        Err(ProbeParseError::Malformed(detail)) => return Err(MediaError::damaged(&path, detail)),
    };
    limits.check(&path, &probe)?;
    if probe.kind != MediaKind::Image && probe.duration_ms == 0 {
        return Err(MediaError::damaged(&path, "it has no duration"));
    }
    Ok(probe)
}

/// Says why the capped probe failed: a frame over the pixel cap (learnt from a probe without
/// the cap, which only reads the headers of a file already known to be refused), damage, or a
/// format cutline does not read.
fn explain_probe_failure(
    path: &Path,
    limits: &Limits,
    sniffed: Sniffed,
    stderr: &str,
    uncapped: impl FnOnce() -> Result<crate::process::ToolOutput, MediaError>,
) -> MediaError {
    if let Ok(output) = uncapped() {
        if let Ok(probe) = parse_ffprobe_json(&output.stdout) {
            if let Some(video) = &probe.video {
                if let Err(over) = limits.check_frame(path, video.coded_width, video.coded_height) {
                    return over;
                }
            }
        }
    }
    match sniffed {
        Sniffed::Media => {
            let detail = stderr
                .lines()
                .rev()
                .map(|line| line.trim())
                .find(|line| !line.is_empty())
                .map(|line| line.rsplit("] ").next().unwrap_or(line).to_string())
                .unwrap_or_else(|| "ffprobe could not read it".into());
            MediaError::damaged(path, detail)
        }
        _ => MediaError::Unsupported {
            path: path.to_path_buf(),
        },
    }
}

/// The absolute path of an existing regular file.
pub fn absolute_file(path: &Path) -> Result<PathBuf, MediaError> {
    let metadata = std::fs::metadata(path).map_err(|_| MediaError::NotFound {
        path: path.to_path_buf(),
    })?;
    if !metadata.is_file() {
        return Err(MediaError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    std::path::absolute(path).map_err(|e| MediaError::io("resolving a path", e))
}

/// A path as an ffmpeg URL that can only mean the local file (never a protocol or an option,
/// whatever the name looks like).
pub fn file_url(path: &Path) -> std::ffi::OsString {
    let mut url = std::ffi::OsString::from("file:");
    url.push(path.as_os_str());
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE_PORTRAIT: &str = include_str!("../tests/data/ffprobe-5.1-rotated-phone.json");
    const MP3_WITH_COVER: &str = include_str!("../tests/data/ffprobe-5.1-mp3-cover.json");

    #[test]
    fn a_rotated_phone_clip_reads_as_portrait() {
        let probe = parse_ffprobe_json(PHONE_PORTRAIT.as_bytes()).unwrap();
        assert_eq!(probe.container, Container::Mp4);
        assert_eq!(probe.kind, MediaKind::Video);
        let video = probe.video.unwrap();
        assert_eq!((video.coded_width, video.coded_height), (320, 180));
        assert_eq!(video.rotation, 270);
        assert_eq!(video.display_size(), (180, 320));
        assert_eq!(video.fps, FrameRate { num: 30, den: 1 });
        assert_eq!(probe.duration_ms, 2000);
    }

    #[test]
    fn an_mp3_with_cover_art_is_audio() {
        let probe = parse_ffprobe_json(MP3_WITH_COVER.as_bytes()).unwrap();
        assert_eq!(probe.container, Container::Mp3);
        assert_eq!(probe.kind, MediaKind::Audio);
        assert_eq!(probe.audio.unwrap().sample_rate, 44_100);
    }

    #[test]
    fn formats_outside_the_list_are_unsupported() {
        let json = br#"{"streams": [{"codec_type": "data"}], "format": {"format_name": "hls"}}"#;
        assert_eq!(parse_ffprobe_json(json), Err(ProbeParseError::Unsupported));
    }

    #[test]
    fn sniffing_finds_playlists_whatever_their_name() {
        assert_eq!(
            sniff(b"#EXTM3U\n#EXT-X-VERSION:3\n"),
            Sniffed::Playlist("HLS")
        );
        assert_eq!(sniff(b"\xef\xbb\xbf  #EXTM3U\n"), Sniffed::Playlist("HLS"));
        assert_eq!(
            sniff(b"ffconcat version 1.0\n"),
            Sniffed::Playlist("concat")
        );
        assert_eq!(sniff(b"\0\0\0\x20ftypisom"), Sniffed::Media);
        assert_eq!(sniff(b"hello, this is text"), Sniffed::Unknown);
    }

    #[test]
    fn rotation_follows_the_display_matrix_or_the_old_tag() {
        let stream = |side: &str, tags: &str| -> FfStream {
            serde_json::from_str(&format!(
                r#"{{"side_data_list": [{side}], "tags": {{{tags}}}}}"#
            ))
            .unwrap()
        };
        assert_eq!(rotation(&stream(r#"{"rotation": -90}"#, "")), 90);
        assert_eq!(rotation(&stream(r#"{"rotation": 90}"#, "")), 270);
        assert_eq!(rotation(&stream("", r#""rotate": "180""#)), 180);
        assert_eq!(rotation(&stream("", "")), 0);
    }
}
