//! The studio's preview of a piece, playable within seconds of a turn's end.
//!
//! A full render of two minutes takes ~20 s on a small machine, too slow to follow each edit.
//! So every uploaded video gets a **proxy** in the background right after its upload: at most
//! 240 px high, at most 30 fps, H.264 with every frame a keyframe, AAC at 48 kHz (mono stays
//! mono). A Draft that only cuts (the common case: pauses trimmed, words deleted) is then a
//! stream copy of the proxy's kept ranges — exact to the frame, since every frame starts
//! anew — with the sound cut by `atrim` (sample-exact) and encoded again, so its length is
//! the Draft's. Any other Draft is rendered by the real renderer from the proxies at the proxy size, at the
//! fastest preset. Text layers (titles, captions) are left out: the page draws them.
//!
//! A preview is named by the hash of what it shows ([`key`]), so an unchanged Draft is never
//! built twice, and it is reached by a signed, expiring link (a `<video>` sends no header).
//! One lock per proxy and per preview: a preview waits for a proxy under way instead of
//! making a second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use media::library::Asset;
use media::process::{CancelToken, Tool, ToolCommand};
use media::render::{render, Format, Quality, RenderSettings, Source, Sources, Streams};
use media::{Limits, MediaKind, Probe};
use timeline::{Draft, TimeRange, TrackKind};

use crate::config::Config;
use crate::error::ApiError;
use crate::store::{AssetRecord, Piece};
use crate::{files, AppState};

/// The tallest proxy (and preview), in pixels.
pub const PROXY_HEIGHT: u32 = 240;
/// The highest frame rate of a proxy.
pub const PROXY_FPS: f64 = 30.0;
/// Changes whenever what a preview of the same Draft looks like changes.
const PREVIEW_VERSION: &str = "preview-v1";

/// Work under way, by name (`proxy:<asset>`, `preview:<key>`): who comes second waits. The
/// proxies made in the background after uploads take turns ([`BACKGROUND_PROXIES`] at once),
/// so many uploads do not start as many encoders; a preview that needs a proxy not begun yet
/// makes it at once, but previews themselves are built [`BUILDS`] at a time in all, however
/// many are asked for. And the token that stops it all when the server stops.
#[derive(Debug)]
pub struct Locks {
    held: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    background: tokio::sync::Semaphore,
    builds: tokio::sync::Semaphore,
    stop: CancelToken,
    /// Sessions whose preview was asked for (the studio is open on them) and when, the latest
    /// last.
    watched: Mutex<std::collections::VecDeque<(String, Instant)>>,
}

/// Previews built at once, by requests and after turns together.
pub const BUILDS: usize = 2;

/// How long a session counts as looked at after its preview was last asked for.
const WATCH_FOR: Duration = Duration::from_secs(10 * 60);

/// Sessions remembered as watched.
const WATCHED: usize = 1_000;

/// Proxies made at once in the background.
pub const BACKGROUND_PROXIES: usize = 2;

impl Default for Locks {
    fn default() -> Self {
        Self {
            held: Mutex::default(),
            background: tokio::sync::Semaphore::new(BACKGROUND_PROXIES),
            builds: tokio::sync::Semaphore::new(BUILDS),
            stop: CancelToken::new(),
            watched: Mutex::default(),
        }
    }
}

impl Locks {
    /// Stops the proxies and previews being made (their partial files are removed).
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Remembers that `session_id`'s preview is looked at: its turns start the next one.
    pub fn watch(&self, session_id: &str) {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched.retain(|(s, _)| s != session_id);
        if watched.len() == WATCHED {
            watched.pop_front();
        }
        watched.push_back((session_id.to_string(), Instant::now()));
    }

    /// Whether `session_id`'s preview was asked for in the last [`WATCH_FOR`].
    pub fn is_watched(&self, session_id: &str) -> bool {
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched
            .iter()
            .any(|(s, at)| s == session_id && at.elapsed() < WATCH_FOR)
    }

    fn of(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.held.lock().unwrap_or_else(|e| e.into_inner());
        // Forget the locks nobody holds or waits for.
        map.retain(|_, lock| Arc::strong_count(lock) > 1);
        Arc::clone(map.entry(name.to_string()).or_default())
    }
}

/// Where the proxy of an asset is.
pub fn proxy_path(config: &Config, asset_id: &str) -> PathBuf {
    config.proxies_dir().join(format!("{asset_id}.mp4"))
}

/// Where the preview named `key` is.
pub fn preview_path(config: &Config, key: &str) -> PathBuf {
    config.previews_dir().join(format!("{key}.mp4"))
}

/// Whether `key` can name a preview (a SHA-256 in hex): anything else never reaches a path.
pub fn is_key(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// ffmpeg's arguments (after the input) that make the proxy of a video of `probe`.
fn proxy_args(probe: &Probe) -> Vec<String> {
    let fps = probe.video.as_ref().map_or(PROXY_FPS, |v| v.fps.as_f64());
    let mut filters = vec![format!("scale=-2:'min({PROXY_HEIGHT},ih)'")];
    if !(fps.is_finite() && fps > 0.0 && fps <= PROXY_FPS) {
        filters.push(format!("fps={PROXY_FPS}"));
    }
    filters.push("format=yuv420p".into());
    // Mono stays mono (half the work when a preview encodes the sound again).
    let channels = probe.audio.as_ref().map_or(2, |a| a.channels.clamp(1, 2));
    let mut args: Vec<String> = [
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-vf",
        &filters.join(","),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "26",
        // Every frame a keyframe: a cut anywhere is a stream copy.
        "-g",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(sound_encoding(channels).map(String::from));
    let channels = channels.to_string();
    // No tags of the upload (a phone's place and device) are carried into the proxy.
    args.extend(
        [
            "-ac",
            &channels,
            "-map_metadata",
            "-1",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ]
        .map(String::from),
    );
    args
}

/// How a proxy's and a preview's sound is encoded: AAC with the fast coder (a third of the
/// default's time) at 48 kHz, 64 kb/s mono or 96 kb/s stereo.
fn sound_encoding(channels: u32) -> [&'static str; 8] {
    let bitrate = if channels == 1 { "64k" } else { "96k" };
    [
        "-c:a",
        "aac",
        "-aac_coder",
        "fast",
        "-b:a",
        bitrate,
        "-ar",
        "48000",
    ]
}

/// Makes the proxy of `asset` unless it is there (blocking: a worker thread).
fn make_proxy(asset: &Asset, output: &Path, cancel: &CancelToken) -> Result<(), String> {
    if output.exists() {
        return Ok(());
    }
    let partial = output.with_file_name(format!(
        ".{}.part.mp4",
        output.file_stem().unwrap_or_default().to_string_lossy()
    ));
    let timeout = Duration::from_secs(120) + Duration::from_millis(asset.probe.duration_ms * 3);
    let made = ToolCommand::new(Tool::Ffmpeg)
        .args(media::input::input_args(
            &asset.path,
            &asset.probe,
            &Limits::default(),
        ))
        .args(proxy_args(&asset.probe))
        .arg("-y")
        .arg(&partial)
        .timeout(timeout)
        .cancel_with(cancel)
        .output();
    if let Err(error) = made {
        let _ = std::fs::remove_file(&partial);
        return Err(error.to_string());
    }
    std::fs::rename(&partial, output).map_err(|e| format!("keeping the proxy: {e}"))
}

/// The proxy of a video asset, made now unless it is there or under way (then waited for).
pub async fn proxy(state: &AppState, record: &AssetRecord) -> Result<PathBuf, ApiError> {
    let output = proxy_path(&state.config, &record.id);
    let lock = state.preview_locks.of(&format!("proxy:{}", record.id));
    let _held = lock.lock().await;
    if output.exists() {
        return Ok(output);
    }
    let config = Arc::clone(&state.config);
    let records = vec![record.clone()];
    let target = output.clone();
    let stop = state.preview_locks.stop.clone();
    tokio::task::spawn_blocking(move || {
        let assets = files::load_assets(&config, &records)?;
        let asset = assets
            .values()
            .next()
            .ok_or_else(|| ApiError::internal("an asset vanished"))?;
        make_proxy(asset, &target, &stop)
            .map_err(|e| ApiError::internal(format!("the proxy of {}: {e}", asset.id)))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(output)
}

/// Starts the proxies of the videos among `records` (an upload just kept), one after another
/// in the background; a failure is logged (the preview tries again when asked).
pub fn make_proxies(state: &AppState, records: &[AssetRecord]) {
    let videos: Vec<AssetRecord> = records
        .iter()
        .filter(|r| r.kind == MediaKind::Video)
        .cloned()
        .collect();
    if videos.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(_turn) = state.preview_locks.background.acquire().await else {
            return;
        };
        for video in videos {
            if let Err(error) = proxy(&state, &video).await {
                eprintln!("proxy of {}: {error}", video.id);
            }
        }
    });
}

/// Starts the preview of `piece_id` in the background (a turn just changed it in a session
/// whose preview is looked at), so the page's request finds it made or under way.
pub fn prepare(state: &AppState, session_id: &str, piece_id: &str) {
    let (state, session_id, piece_id) =
        (state.clone(), session_id.to_string(), piece_id.to_string());
    tokio::spawn(async move {
        let made = async {
            let pieces = state.store.pieces(&session_id).await?;
            let Some(piece) = pieces.into_iter().find(|p| p.id == piece_id) else {
                return Ok(());
            };
            let records = state.store.session_assets(&session_id).await?;
            preview(&state, &piece, &records).await.map(|_| ())
        };
        if let Err(error) = made.await {
            eprintln!("preview of {piece_id} after a turn: {error}");
        }
    });
}

/// How a preview of a Draft is made.
#[derive(Clone, Debug, PartialEq)]
pub enum Making {
    /// The kept ranges of one clip, in order (source time): a stream copy of its proxy.
    Copy { src: String, ranges: Vec<TimeRange> },
    /// Anything else: the renderer, from the proxies.
    Render,
}

/// Whether `draft` only cuts one clip (pure): its main track plays ranges of one video at
/// normal speed, without gaps, at the clip's own shape (`shape` of an asset: its display
/// size), and nothing changes its picture or sound beyond the cuts — no other video or audio
/// track, no fades, volume, colour or loudness. Text layers do not count (the page draws
/// them).
pub fn making(draft: &Draft, shape: impl Fn(&str) -> Option<(u32, u32)>) -> Making {
    cut_only(draft, shape).map_or(Making::Render, |(src, ranges)| Making::Copy { src, ranges })
}

fn cut_only(
    draft: &Draft,
    shape: impl Fn(&str) -> Option<(u32, u32)>,
) -> Option<(String, Vec<TimeRange>)> {
    let meta = &draft.meta;
    if meta.fade_in_ms > 0
        || meta.fade_out_ms > 0
        || meta.loudness_lufs.is_some()
        || meta.color.is_some()
    {
        return None;
    }
    let main = draft.main_track_index()?;
    for (i, track) in draft.tracks.iter().enumerate() {
        if i != main && track.kind != TrackKind::Text && !track.segments.is_empty() {
            return None;
        }
    }
    let segments = draft.main_segments();
    let src = segments.first()?.src.clone()?;
    let (w, h) = shape(&src)?;
    let same_shape = (u64::from(w) * u64::from(meta.height))
        .abs_diff(u64::from(h) * u64::from(meta.width))
        <= u64::from(w.max(h)) * u64::from(meta.width.max(meta.height)) / 100;
    if !same_shape {
        return None;
    }
    let mut ranges: Vec<TimeRange> = Vec::new();
    let mut at = 0;
    for segment in segments {
        let plain = segment.src.as_deref() == Some(src.as_str())
            && segment.start_ms == at
            && segment.speed() == 1.0
            && segment.volume() == 1.0
            && segment.meta.crossfade_in_ms.unwrap_or(0) == 0
            && segment.meta.fade_in_ms.unwrap_or(0) == 0
            && segment.meta.fade_out_ms.unwrap_or(0) == 0;
        if !plain {
            return None;
        }
        at = segment.end_ms();
        let range = segment.source_range();
        match ranges.last_mut() {
            // Two segments that play on from each other are one range.
            Some(last) if last.end_ms == range.start_ms => last.end_ms = range.end_ms,
            _ => ranges.push(range),
        }
    }
    (at == draft.duration_ms && at > 0).then_some((src, ranges))
}

/// What a preview of `draft` is named by: the hash of the Draft without its text layers (and
/// of how previews are made). Two Drafts that look and sound alike share one.
pub fn key(draft: &Draft) -> String {
    let shown = without_text(draft);
    crate::tokens::sha256_hex(&format!(
        "{PREVIEW_VERSION}\n{}",
        timeline::wire::to_json(&shown)
    ))
}

fn without_text(draft: &Draft) -> Draft {
    let mut shown = draft.clone();
    shown.tracks.retain(|t| t.kind != TrackKind::Text);
    shown
}

/// A preview ready to play.
#[derive(Clone, Debug)]
pub struct Preview {
    pub key: String,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
}

/// The preview of `piece`'s Draft: the one already made for the same Draft, else made now
/// (waiting for the proxies it needs).
pub async fn preview(
    state: &AppState,
    piece: &Piece,
    records: &[AssetRecord],
) -> Result<Preview, ApiError> {
    let draft = piece.draft()?;
    let videos: Vec<&AssetRecord> = draft
        .main_segments()
        .iter()
        .filter_map(|s| s.src.as_deref())
        .filter_map(|src| records.iter().find(|r| r.id == src))
        .filter(|r| r.kind == MediaKind::Video)
        .collect();
    if videos.is_empty() || draft.duration_ms == 0 {
        return Err(ApiError::BadRequest(
            "there is no video to preview: upload a video first".into(),
        ));
    }
    let key = key(&draft);
    let output = preview_path(&state.config, &key);
    let lock = state.preview_locks.of(&format!("preview:{key}"));
    let _held = lock.lock().await;
    if !output.exists() {
        let _build = state
            .preview_locks
            .builds
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        let mut proxies = HashMap::new();
        for video in &videos {
            if proxies.contains_key(&video.id) {
                continue;
            }
            // Without its proxy (a clip ffmpeg can probe but not encode so), the clip is
            // rendered from the upload itself.
            match proxy(state, video).await {
                Ok(path) => {
                    proxies.insert(video.id.clone(), path);
                }
                Err(error) => eprintln!("preview {key}: no proxy of {}: {error}", video.id),
            }
        }
        let config = Arc::clone(&state.config);
        let records = records.to_vec();
        let target = output.clone();
        let stop = state.preview_locks.stop.clone();
        tokio::task::spawn_blocking(move || {
            build(&config, &draft, &records, &proxies, &target, &stop)
        })
        .await
        .map_err(ApiError::internal)??;
        prune(&state.config, &key);
    }
    let probe = tokio::task::spawn_blocking(move || media::probe(&output, &Limits::default()))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(format!("the preview {key}: {e}")))?;
    let (width, height) = probe.video.as_ref().map_or((0, 0), |v| v.display_size());
    Ok(Preview {
        key,
        duration_ms: probe.duration_ms,
        width,
        height,
    })
}

/// Makes the preview of `draft` at `output` (blocking).
fn build(
    config: &Config,
    draft: &Draft,
    records: &[AssetRecord],
    proxies: &HashMap<String, PathBuf>,
    output: &Path,
    stop: &CancelToken,
) -> Result<(), ApiError> {
    let probed: HashMap<&str, Probe> = proxies
        .iter()
        .map(|(id, path)| {
            media::probe(path, &Limits::default())
                .map(|p| (id.as_str(), p))
                .map_err(|e| ApiError::internal(format!("the proxy of {id}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    // Only a video can be copied (a still image on the main track is rendered).
    let shape = |src: &str| {
        let record = records
            .iter()
            .find(|r| r.id == src && r.kind == MediaKind::Video && proxies.contains_key(src))?;
        Some((record.width?, record.height?))
    };
    let failed = |e: String| ApiError::internal(format!("the preview: {e}"));
    let started = std::time::Instant::now();
    let making = making(draft, shape);
    let how = match &making {
        Making::Copy { ranges, .. } => format!("a copy of {} ranges", ranges.len()),
        Making::Render => "a render".to_string(),
    };
    match making {
        Making::Copy { src, ranges } => {
            let proxy = &proxies[&src];
            let channels = probed[src.as_str()].audio.as_ref().map(|a| a.channels);
            copy_ranges(config, proxy, channels, &ranges, output, stop).map_err(failed)?;
        }
        Making::Render => {
            // Images and sounds come as they were uploaded; videos from their proxies.
            let used = |id: &str| {
                draft
                    .tracks
                    .iter()
                    .flat_map(|t| &t.segments)
                    .any(|s| s.src.as_deref() == Some(id))
            };
            let others: Vec<AssetRecord> = records
                .iter()
                .filter(|r| !proxies.contains_key(&r.id) && used(&r.id))
                .cloned()
                .collect();
            let mut sources: Sources =
                media::library::render_sources(&files::load_assets(config, &others)?);
            for (id, path) in proxies {
                let probe = probed[id.as_str()].clone();
                sources.insert(
                    id.clone(),
                    Source {
                        path: path.clone(),
                        probe,
                    },
                );
            }
            let mut shown = without_text(draft);
            let (w, h) = (shown.meta.width, shown.meta.height);
            if h > PROXY_HEIGHT {
                shown.meta.width =
                    ((u64::from(w) * u64::from(PROXY_HEIGHT) / u64::from(h)) as u32 / 2 * 2).max(2);
                shown.meta.height = PROXY_HEIGHT;
            }
            let settings = RenderSettings {
                format: Format::Mp4,
                encoding: Quality::Draft.encoding(),
                quality: Quality::Draft,
                font: None,
                limits: Limits::default(),
                cancel: stop.clone(),
                work_in: Some(config.tmp_dir()),
                streams: Streams::All,
            };
            render(&shown, &sources, output, &settings, |_| {})
                .map_err(|e| failed(e.to_string()))?;
        }
    }
    eprintln!(
        "preview {}: {how}, {} ms of timeline made in {} ms",
        output.file_stem().unwrap_or_default().to_string_lossy(),
        draft.duration_ms,
        started.elapsed().as_millis()
    );
    Ok(())
}

/// The `ranges` of `proxy` one after another at `output`: the picture by stream copy (every
/// frame of a proxy is a keyframe, so each range starts on its own frame), the sound (of
/// `channels`, if any) cut to the sample by `atrim` and encoded again (AAC frames would round
/// each range to 21 ms).
fn copy_ranges(
    config: &Config,
    proxy: &Path,
    channels: Option<u32>,
    ranges: &[TimeRange],
    output: &Path,
    stop: &CancelToken,
) -> Result<(), String> {
    let seconds = |ms: u64| format!("{}.{:03}", ms / 1000, ms % 1000);
    // Quoted for the concat demuxer: a ' inside the quotes is written '\''.
    let proxy_url = proxy.display().to_string().replace('\'', "'\\''");
    let mut list = String::from("ffconcat version 1.0\n");
    for range in ranges {
        list.push_str(&format!(
            "file 'file:{proxy_url}'\ninpoint {}\noutpoint {}\n",
            seconds(range.start_ms),
            seconds(range.end_ms)
        ));
    }
    let work = tempfile::tempdir_in(config.tmp_dir()).map_err(|e| e.to_string())?;
    let list_path = work.path().join("ranges.ffconcat");
    std::fs::write(&list_path, list).map_err(|e| e.to_string())?;
    let partial = output.with_file_name(format!(
        ".{}.part.mp4",
        output.file_stem().unwrap_or_default().to_string_lossy()
    ));
    let mut command = ToolCommand::new(Tool::Ffmpeg)
        .args([
            "-protocol_whitelist",
            "file",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
        ])
        .arg(&list_path);
    if let Some(channels) = channels {
        let n = ranges.len();
        let mut graph = format!("[1:a]asplit={n}");
        graph.extend((0..n).map(|i| format!("[s{i}]")));
        graph.push(';');
        for (i, range) in ranges.iter().enumerate() {
            graph.push_str(&format!(
                "[s{i}]atrim=start={}:end={},asetpts=PTS-STARTPTS[t{i}];",
                seconds(range.start_ms),
                seconds(range.end_ms)
            ));
        }
        graph.extend((0..n).map(|i| format!("[t{i}]")));
        graph.push_str(&format!("concat=n={n}:v=0:a=1[a]"));
        command = command
            .args(["-protocol_whitelist", "file", "-f", "mp4", "-i"])
            .arg(format!("file:{proxy_url}"))
            .args(["-filter_complex", &graph, "-map", "0:v", "-map", "[a]"])
            .args(sound_encoding(channels));
    } else {
        command = command.args(["-map", "0:v", "-an"]);
    }
    let total: u64 = ranges.iter().map(|r| r.end_ms - r.start_ms).sum();
    let made = command
        .args([
            "-c:v",
            "copy",
            "-map_metadata",
            "-1",
            "-movflags",
            "+faststart",
        ])
        .args(["-f", "mp4", "-y"])
        .arg(&partial)
        .timeout(Duration::from_secs(60) + Duration::from_millis(total))
        .cancel_with(stop)
        .output();
    if let Err(error) = made {
        let _ = std::fs::remove_file(&partial);
        return Err(error.to_string());
    }
    std::fs::rename(&partial, output).map_err(|e| format!("keeping the preview: {e}"))
}

/// How long a preview nobody asked for again is kept.
const PREVIEW_KEPT: Duration = Duration::from_secs(24 * 3600);

/// Removes previews older than [`PREVIEW_KEPT`] but the one just made.
fn prune(config: &Config, keep: &str) {
    let Ok(entries) = std::fs::read_dir(config.previews_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > PREVIEW_KEPT);
        if old && !name.starts_with(keep) && !name.starts_with('.') {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::{DraftMeta, Segment, SegmentMeta, Track};

    fn clip(ranges: &[(u64, u64)]) -> Draft {
        let meta = DraftMeta::for_clip((320, 180), 30.0);
        let mut draft = Draft::single_clip("a_1", 10_000, meta);
        let mut at = 0;
        let segments = &mut draft.tracks[0].segments;
        let template = segments[0].clone();
        segments.clear();
        for (i, &(start, end)) in ranges.iter().enumerate() {
            segments.push(Segment {
                id: format!("s{i}"),
                start_ms: at,
                source_in_ms: start,
                duration_ms: end - start,
                ..template.clone()
            });
            at += end - start;
        }
        draft.duration_ms = at;
        draft
    }

    fn shape(src: &str) -> Option<(u32, u32)> {
        (src == "a_1").then_some((320, 180))
    }

    #[test]
    fn a_draft_that_only_cuts_is_a_copy_of_its_kept_ranges() {
        let draft = clip(&[(0, 1_000), (1_500, 4_000), (4_000, 6_000)]);
        assert_eq!(
            making(&draft, shape),
            Making::Copy {
                src: "a_1".into(),
                ranges: vec![TimeRange::new(0, 1_000), TimeRange::new(1_500, 6_000)],
            }
        );
        // Captions and titles do not count: the page draws them.
        let mut captioned = draft.clone();
        captioned.tracks.push(Track {
            id: "text".into(),
            kind: TrackKind::Text,
            segments: vec![Segment {
                id: "c".into(),
                src: None,
                start_ms: 0,
                source_in_ms: 0,
                duration_ms: 500,
                meta: SegmentMeta {
                    text: Some("hello".into()),
                    role: Some("caption".into()),
                    ..Default::default()
                },
            }],
            extra: Default::default(),
        });
        assert!(matches!(making(&captioned, shape), Making::Copy { .. }));
        assert_eq!(
            key(&captioned),
            key(&draft),
            "text layers do not change the key"
        );
    }

    #[test]
    fn anything_beyond_cuts_is_rendered() {
        let base = clip(&[(0, 1_000), (2_000, 3_000)]);
        let mut faster = base.clone();
        faster.tracks[0].segments[1].meta.speed = Some(2.0);
        let mut quieter = base.clone();
        quieter.tracks[0].segments[0].meta.volume = Some(0.5);
        let mut faded = base.clone();
        faded.meta.fade_out_ms = 500;
        let mut tall = base.clone();
        (tall.meta.width, tall.meta.height) = (1080, 1920);
        let mut grey = base.clone();
        grey.meta.color = Some(timeline::draft::ColorAdjust {
            saturation: Some(0.0),
            ..Default::default()
        });
        let mut music = base.clone();
        music.tracks.push(Track {
            id: "music".into(),
            kind: TrackKind::Audio,
            segments: vec![Segment {
                src: Some("a_2".into()),
                ..base.tracks[0].segments[0].clone()
            }],
            extra: Default::default(),
        });
        for (what, draft) in [
            ("speed", faster),
            ("volume", quieter),
            ("fade", faded),
            ("canvas", tall),
            ("colour", grey),
            ("music", music),
        ] {
            assert_eq!(making(&draft, shape), Making::Render, "{what}");
        }
        assert_ne!(key(&base), key(&clip(&[(0, 1_000), (2_000, 3_001)])));
        assert!(is_key(&key(&base)));
        assert!(!is_key("../../secret.key"));
    }
}
