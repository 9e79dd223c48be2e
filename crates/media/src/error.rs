//! The one error type of this crate. Each variant says what happened in the user's terms;
//! the ones about the user's file name it, and none leaks a command line.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use crate::process::Tool;

/// Formats cutline accepts, decided by probing the content, never by the name.
pub const ACCEPTED_FORMATS: &str =
    "mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, wav, m4a, aac";

#[derive(Debug, Error)]
pub enum MediaError {
    #[error("{} is not installed (on Debian/Ubuntu: apt-get install ffmpeg)", tool.name())]
    ToolMissing { tool: Tool },
    #[error("{} failed{}: {}", tool.name(), status.map(|c| format!(" (exit {c})")).unwrap_or_default(), last_line(stderr))]
    ToolFailed {
        tool: Tool,
        status: Option<i32>,
        stderr: String,
    },
    #[error("{} took longer than {}s and was stopped", tool.name(), after.as_secs())]
    TimedOut { tool: Tool, after: Duration },
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: is a playlist ({kind}), not a media file; playlists are refused", path.display())]
    Playlist { path: PathBuf, kind: &'static str },
    #[error("{}: not a video, audio or image file cutline accepts ({ACCEPTED_FORMATS})", path.display())]
    Unsupported { path: PathBuf },
    #[error("{}: the file is damaged or truncated ({detail})", path.display())]
    Damaged { path: PathBuf, detail: String },
    #[error("{}: {what} is over the limit of {limit}", path.display())]
    OverLimit {
        path: PathBuf,
        what: String,
        limit: String,
    },
    #[error("{}: has no audio to analyse", path.display())]
    NoAudio { path: PathBuf },
    #[error("cannot write {}: {reason}", path.display())]
    Unwritable { path: PathBuf, reason: String },
    #[error("the render came out {} long instead of {}: an input is damaged or truncated", timeline::format_clock(*made_ms), timeline::format_clock(*expected_ms))]
    ShortOutput { made_ms: u64, expected_ms: u64 },
    #[error("the timeline cannot be rendered: {0}")]
    Unrenderable(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("stopped before it finished (cancelled)")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

impl MediaError {
    pub fn io(context: &str, source: io::Error) -> Self {
        MediaError::Io {
            context: context.to_string(),
            source,
        }
    }

    pub(crate) fn damaged(path: &Path, detail: impl Into<String>) -> Self {
        MediaError::Damaged {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }
}

/// The last non-empty line of a tool's stderr, which is where ffmpeg says what went wrong.
fn last_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no message")
}
