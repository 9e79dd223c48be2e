//! What an export is written as: the container, its codecs and what it carries. One type for
//! the words ("export as GIF"), the command line (`-o clip.webm`) and the protocol
//! (`output.format`).
//!
//! | format | picture                         | sound         |
//! | ------ | ------------------------------- | ------------- |
//! | mp4    | H.264 yuv420p, +faststart       | AAC 192k      |
//! | webm   | VP9 (constant quality)          | Opus 128k     |
//! | gif    | 256-colour palette, ≤ 15 fps    | none          |
//! | m4a    | none                            | AAC 192k      |
//! | mp3    | none                            | MP3 (VBR q2)  |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Mp4,
    Webm,
    Gif,
    M4a,
    Mp3,
}

/// A GIF is for short clips: its size grows with every frame, and it has no sound.
pub const GIF_MAX_MS: u64 = 60_000;
/// The frame rate and the longest side a GIF is written at.
pub const GIF_FPS: u32 = 15;
pub const GIF_MAX_SIDE: u32 = 640;

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Mp4,
        Format::Webm,
        Format::Gif,
        Format::M4a,
        Format::Mp3,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Mp4 => "mp4",
            Format::Webm => "webm",
            Format::Gif => "gif",
            Format::M4a => "m4a",
            Format::Mp3 => "mp3",
        }
    }

    /// The file name extension (without the dot); the same as the name.
    pub fn extension(self) -> &'static str {
        self.name()
    }

    /// The format a file name's extension asks for, if it is one of ours.
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        path.extension()?.to_str()?.parse().ok()
    }

    pub fn has_picture(self) -> bool {
        matches!(self, Format::Mp4 | Format::Webm | Format::Gif)
    }

    pub fn has_sound(self) -> bool {
        !matches!(self, Format::Gif)
    }

    /// ffmpeg's muxer name.
    pub(crate) fn muxer(self) -> &'static str {
        match self {
            Format::Mp4 | Format::M4a => "mp4",
            Format::Webm => "webm",
            Format::Gif => "gif",
            Format::Mp3 => "mp3",
        }
    }

    /// The MIME type a download of it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Mp4 => "video/mp4",
            Format::Webm => "video/webm",
            Format::Gif => "image/gif",
            Format::M4a => "audio/mp4",
            Format::Mp3 => "audio/mpeg",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim().trim_start_matches('.').to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .ok_or_else(|| format!("unknown format '{text}' (use mp4, webm, gif, m4a or mp3)"))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
