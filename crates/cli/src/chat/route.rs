//! What a line typed into `cutline chat` asks for, before anything is sent: the client half
//! of API.md's routing ("export" → the export endpoint, "credits" → the balance, "status" →
//! the state, a file path → an upload, everything else → a chat turn). Pure, so every row is
//! a table test in English and Chinese.

use std::path::{Path, PathBuf};

/// Where a typed line goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Render the timeline and download it.
    Export,
    /// Show the balance.
    Credits,
    /// Show a summary of the timeline.
    Status,
    /// Upload these files.
    Upload(Vec<PathBuf>),
    /// "upload" without a file: ask which.
    AskForFile,
    /// Leave.
    Quit,
    /// A chat turn with these words.
    Turn(String),
}

const EXPORT: &[&str] = &[
    "export",
    "download",
    "send me the video",
    "give me the video",
    "render",
    "render it",
    "export it",
    "export the video",
    "download it",
    "导出",
    "下载",
    "导出视频",
    "把视频发给我",
];
const CREDITS: &[&str] = &[
    "credits",
    "balance",
    "my credits",
    "credit",
    "积分",
    "余额",
    "我的积分",
];
const STATUS: &[&str] = &[
    "status",
    "show tracks",
    "tracks",
    "timeline",
    "show the timeline",
    "状态",
    "时间线",
    "轨道",
];
const QUIT: &[&str] = &["quit", "exit", "bye", "退出"];
const UPLOAD: &[&str] = &["upload", "上传"];

/// The line without the polite edges people type ("please export", "export!", "导出吧").
fn core(line: &str) -> String {
    let lowered = line.trim().to_lowercase();
    let trimmed = lowered.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '，' | ',')
    });
    let mut text = trimmed.to_string();
    for prefix in ["please ", "pls ", "can you ", "now ", "请", "帮我"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.trim().to_string();
        }
    }
    for suffix in [" please", " now", "吧", "一下"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            text = rest.trim().to_string();
        }
    }
    text
}

/// The files a line names: each word (or the whole line, for a name with spaces, or a path
/// dropped in quotes) that is an existing file.
fn files_in(line: &str, exists: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
    let whole = PathBuf::from(unquote(line));
    if exists(&whole) {
        return vec![whole];
    }
    let words: Vec<String> = line.split_whitespace().map(unquote).collect();
    let found: Vec<PathBuf> = words
        .iter()
        .map(PathBuf::from)
        .filter(|p| exists(p))
        .collect();
    // Only a line that is nothing but paths (or "upload PATH…") is an upload.
    let others = words
        .iter()
        .filter(|w| !exists(Path::new(w.as_str())))
        .filter(|w| !UPLOAD.contains(&w.to_lowercase().as_str()))
        .count();
    if others == 0 {
        found
    } else {
        Vec::new()
    }
}

/// Where `line` goes; `exists` says whether a path names a file.
pub fn route(line: &str, exists: &dyn Fn(&Path) -> bool) -> Route {
    let files = files_in(line, exists);
    if !files.is_empty() {
        return Route::Upload(files);
    }
    let core = core(line);
    let is = |words: &[&str]| words.contains(&core.as_str());
    if is(EXPORT) {
        Route::Export
    } else if is(CREDITS) {
        Route::Credits
    } else if is(STATUS) {
        Route::Status
    } else if is(QUIT) {
        Route::Quit
    } else if is(UPLOAD) {
        Route::AskForFile
    } else {
        Route::Turn(line.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: Route) {
        let exists = |p: &Path| {
            ["talk.mp4", "my talk.mov", "/tmp/music.mp3"].contains(&p.to_str().unwrap_or(""))
        };
        assert_eq!(route(line, &exists), expected, "{line:?}");
    }

    #[test]
    fn export_credits_and_status_go_to_their_endpoints_in_english_and_chinese() {
        for line in [
            "export",
            "Export!",
            "please export",
            "download",
            "send me the video",
            "导出",
            "导出吧",
            "请导出",
            "下载",
        ] {
            check(line, Route::Export);
        }
        for line in ["credits", "Balance?", "积分", "余额", "我的积分"] {
            check(line, Route::Credits);
        }
        for line in ["status", "show tracks", "状态", "时间线"] {
            check(line, Route::Status);
        }
        check("quit", Route::Quit);
        check("退出", Route::Quit);
    }

    #[test]
    fn a_path_typed_or_dropped_in_is_an_upload() {
        check("talk.mp4", Route::Upload(vec!["talk.mp4".into()]));
        check("'my talk.mov'", Route::Upload(vec!["my talk.mov".into()]));
        check("my talk.mov", Route::Upload(vec!["my talk.mov".into()]));
        check(
            "upload talk.mp4 /tmp/music.mp3",
            Route::Upload(vec!["talk.mp4".into(), "/tmp/music.mp3".into()]),
        );
        check("上传", Route::AskForFile);
        check("upload", Route::AskForFile);
    }

    #[test]
    fn everything_else_is_a_chat_turn() {
        for line in [
            "trim the pauses and export as 1080p",
            "add captions to talk.mp4",
            "what are my credits for?",
            "把停顿剪掉，然后导出",
            "missing.mp4",
        ] {
            check(line, Route::Turn(line.to_string()));
        }
    }
}
