//! Hostile and broken inputs, each made once per run: what cutline must refuse cleanly.

use std::path::PathBuf;

use crate::tools::ffmpeg;

/// A text file with a video's name.
pub fn text_named_mp4() -> PathBuf {
    crate::cached("bad-v1-text.mp4", |path| {
        std::fs::write(path, "This is not a video, just some words.\n".repeat(40)).unwrap();
    })
}

/// An HLS playlist with a video's name, whose segment is at `url`.
pub fn playlist_named_mp4(url: &str) -> PathBuf {
    let scratch = crate::scratch().keep();
    let path = scratch.join("playlist.mp4");
    std::fs::write(
        &path,
        format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{url}\n#EXT-X-ENDLIST\n"),
    )
    .unwrap();
    path
}

/// An MP4 cut off half way, as a recording is when the camera dies (the index is at the end,
/// so it is lost).
pub fn truncated_mp4() -> PathBuf {
    crate::cached("bad-v1-truncated.mp4", |path| {
        let whole = crate::scratch();
        let whole = whole.path().join("whole.mp4");
        ffmpeg([
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x240:r=30:d=4",
            "-f",
            "lavfi",
            "-i",
            "sine=d=4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-f",
            "mp4",
            whole.to_str().unwrap(),
        ]);
        let bytes = std::fs::read(&whole).unwrap();
        std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    })
}

/// A one-frame video of 4000×3000: over the 8,294,400-pixel cap.
pub fn oversized_mp4() -> PathBuf {
    crate::cached("bad-v1-4000x3000.mp4", |path| {
        ffmpeg([
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=4000x3000:r=1:d=1",
            "-frames:v",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-f",
            "mp4",
            path.to_str().unwrap(),
        ]);
    })
}
