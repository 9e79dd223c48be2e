//! `POST /api/upload-video/nemo_agent/{user}/{session_id}`: multipart files (fields `files` or
//! `file`), or JSON `{"urls": [...]}` fetched by the server (see [`crate::fetch`]). Either way
//! a file streams to disk under a server-made key, counted against the size limits (per file
//! and per request) as it arrives, then is identified by probing its content.
//!
//! An upload is all or nothing: every file stays a hidden `.part` file until all of the
//! request's files passed and their rows (the assets, and the pieces the videos start)
//! committed in one transaction; only then do they get their names. Any failure before that
//! (a refused file, a limit, a cut connection) removes every part and adds no row. A process
//! that dies between the commit and the renames finishes them at the next start
//! ([`crate::files::settle_uploads`]).

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::Json;
use media::{Limits, MediaError, MediaKind};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use timeline::{Draft, DraftMeta};
use tokio::io::AsyncWriteExt;

use crate::auth::Caller;
use crate::error::{json_refusal, ok, ApiError, JSON_LIMIT};
use crate::fetch::{FetchError, FetchRules, PrivateAccess};
use crate::store::{self, AssetRecord, Session};
use crate::{files, tokens, AppState};

/// URLs one request may name.
const MAX_URLS: usize = 10;

/// Files one multipart request may hold.
pub const MAX_FILES: usize = 20;

/// Removes a partly written file unless it was kept.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A file coming in: written to a hidden part file, hashed and counted as it arrives.
struct Incoming {
    asset_id: String,
    partial: Partial,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    max_bytes: u64,
}

/// A file that came in and passed the probe, still a hidden part file: removed when dropped,
/// named only by [`Received::keep`] once its row is committed.
struct Received {
    record: AssetRecord,
    partial: Partial,
}

impl Received {
    /// Gives the part file its asset's name. Called once its row is committed, so the part
    /// stays even if the rename fails ([`files::settle_uploads`] names it at the next start).
    fn keep(mut self, media_dir: &FsPath) -> std::io::Result<()> {
        self.partial.kept = true;
        let name = media_dir.join(&self.record.id);
        match std::fs::rename(&self.partial.path, &name) {
            // Another server starting on the folder named it first (`settle_uploads`).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && name.exists() => Ok(()),
            other => other,
        }
    }
}

impl Incoming {
    async fn create(media_dir: &FsPath, max_bytes: u64) -> Result<Self, ApiError> {
        let asset_id = format!("a_{}", tokens::random_hex(10));
        let partial = Partial {
            path: files::part_path(media_dir, &asset_id),
            kept: false,
        };
        let file = tokio::fs::File::create(&partial.path)
            .await
            .map_err(ApiError::internal)?;
        Ok(Self {
            asset_id,
            partial,
            file,
            hasher: Sha256::new(),
            size: 0,
            max_bytes,
        })
    }

    async fn push(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        self.size += chunk.len() as u64;
        if self.size > self.max_bytes {
            return Err(ApiError::TooLarge {
                limit_mb: self.max_bytes / (1024 * 1024),
            });
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(ApiError::internal)
    }

    /// Probes what came in; it stays a part file until the upload is kept whole (so the
    /// media folder, kept for callers, is no longer needed here).
    async fn finish(
        mut self,
        _media_dir: &FsPath,
        filename: &str,
        session_id: &str,
    ) -> Result<Received, ApiError> {
        self.file.flush().await.map_err(ApiError::internal)?;
        drop(self.file);
        let probe_path = self.partial.path.clone();
        let probed =
            tokio::task::spawn_blocking(move || media::probe(&probe_path, &Limits::default()))
                .await
                .map_err(ApiError::internal)?
                .map_err(refusal)?;
        let video = probed.video.as_ref();
        let record = AssetRecord {
            id: self.asset_id.clone(),
            session_id: session_id.to_string(),
            filename: display_name(filename),
            kind: probed.kind,
            duration_ms: probed.duration_ms,
            width: video.map(|v| v.display_size().0),
            height: video.map(|v| v.display_size().1),
            fps: video.map(|v| v.fps.as_f64()),
            size: self.size,
            sha256: tokens::hex(&self.hasher.finalize()),
        };
        Ok(Received {
            record,
            partial: self.partial,
        })
    }
}

/// The bytes a whole request has brought so far, against the per-request limit.
struct RequestBytes {
    seen: u64,
    limit: u64,
}

impl RequestBytes {
    fn add(&mut self, bytes: usize) -> Result<(), ApiError> {
        self.seen += bytes as u64;
        if self.seen > self.limit {
            return Err(ApiError::RequestTooLarge {
                limit_mb: self.limit / (1024 * 1024),
            });
        }
        Ok(())
    }
}

/// A client's file name as display text only.
fn display_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(200).collect()
}

#[derive(Deserialize)]
struct ByUrl {
    urls: Vec<String>,
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, session_id)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let session = match caller.owns(&user) {
        Ok(()) => state.store.session(&caller.0, &session_id).await,
        Err(refused) => Err(refused),
    };
    let session = match session {
        Ok(session) => session,
        Err(refused) => {
            read_off(request).await;
            return Err(refused);
        }
    };
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let media_dir = state.config.media_dir();
    let received = if content_type.starts_with("application/json") {
        // The route takes large bodies for files; a list of URLs is small JSON all the same.
        let mut request = request;
        DefaultBodyLimit::max(JSON_LIMIT).apply(&mut request);
        let Json(body) = Json::<ByUrl>::from_request(request, &state)
            .await
            .map_err(|e| {
                json_refusal(
                    e,
                    "an upload by URL is {\"urls\": [\"https://…\"], \"source_type\": \"url\"}",
                )
            })?;
        if body.urls.is_empty() || body.urls.len() > MAX_URLS {
            return Err(ApiError::BadRequest(format!(
                "name 1 to {MAX_URLS} URLs in \"urls\""
            )));
        }
        let mut received = Vec::new();
        let mut request_bytes = RequestBytes {
            seen: 0,
            limit: state.config.max_request_bytes,
        };
        for url in &body.urls {
            let one = fetch_one(&state, &media_dir, url, &session).await?;
            request_bytes.add(one.record.size as usize)?;
            received.push(one);
        }
        received
    } else {
        receive_multipart(&state, request, &media_dir, &session.id).await?
    };
    let stored: Vec<AssetRecord> = received.iter().map(|r| r.record.clone()).collect();
    let placed = commit(&state, &caller.0, &session, &stored).await?;
    let mut unnamed = Vec::new();
    for one in received {
        let id = one.record.id.clone();
        if let Err(e) = one.keep(&media_dir) {
            unnamed.push(format!("{id}: {e}"));
        }
    }
    if !unnamed.is_empty() {
        return Err(ApiError::internal(format!(
            "uploads committed but not renamed (the next start names them): {}",
            unnamed.join("; ")
        )));
    }
    // The studio's previews are made from proxies: they start now, in the background.
    crate::preview::make_proxies(&state, &stored);
    let files: Vec<Value> = stored
        .iter()
        .map(|a| describe(&state, &caller.0, a))
        .collect();
    Ok(ok(json!({"files": files, "session_state_applied": placed})))
}

async fn receive_multipart(
    state: &AppState,
    request: Request,
    media_dir: &FsPath,
    session_id: &str,
) -> Result<Vec<Received>, ApiError> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("not a multipart upload: {}", e.body_text())))?;
    let broke_off = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("the upload broke off: {}", e.body_text()))
    };
    let mut request_bytes = RequestBytes {
        seen: 0,
        limit: state.config.max_request_bytes,
    };
    let mut received = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(broke_off)? {
        if !matches!(field.name(), Some("files" | "file")) {
            continue;
        }
        if received.len() == MAX_FILES {
            return Err(ApiError::BadRequest(format!(
                "at most {MAX_FILES} files in one upload; nothing was kept, send the rest in another"
            )));
        }
        let filename = field.file_name().unwrap_or("upload").to_string();
        let mut incoming = Incoming::create(media_dir, state.config.max_upload_bytes).await?;
        while let Some(chunk) = field.chunk().await.map_err(broke_off)? {
            request_bytes.add(chunk.len())?;
            incoming.push(&chunk).await?;
        }
        received.push(incoming.finish(media_dir, &filename, session_id).await?);
    }
    if received.is_empty() {
        return Err(ApiError::BadRequest(
            "no file in the upload (send it in a multipart field named \"files\")".into(),
        ));
    }
    Ok(received)
}

/// Fetches one URL within the user's share of fetch slots (over a cap: 429 at once). One
/// blocking thread fetches, writes and hashes (no channel, no second thread to wait for), and
/// the wait for it ends at the deadline even if that thread is stuck; a request given up on
/// tells the thread to stop at its next piece.
async fn fetch_one(
    state: &AppState,
    media_dir: &FsPath,
    url: &str,
    session: &Session,
) -> Result<Received, ApiError> {
    let config = &state.config;
    crate::fetch::checked_url(url).map_err(from_url)?;
    let slot = state
        .url_fetches
        .take(&session.user_id)
        .ok_or(ApiError::RateLimited {
            retry_after_secs: FETCH_RETRY_AFTER_SECS,
        })?;
    let rules = FetchRules {
        access: if config.allow_private_urls {
            PrivateAccess::Allowed
        } else if config.allowed_private.is_empty() {
            PrivateAccess::Refused
        } else {
            PrivateAccess::Only(config.allowed_private.clone())
        },
        max_bytes: config.max_upload_bytes,
        timeout: config.url_timeout,
    };
    let too_slow = FetchError::TooSlow {
        limit_secs: config.url_timeout.as_secs().max(1),
    };
    let mut incoming = Incoming::create(media_dir, config.max_upload_bytes).await?;
    let file = incoming
        .file
        .try_clone()
        .await
        .map_err(ApiError::internal)?;
    let mut written = Written::new(file.into_std().await);
    let given_up = GivenUp::default();
    let stop = Arc::clone(&given_up.0);
    let url = url.to_string();
    let fetching = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let fetched = crate::fetch::fetch(&url, &rules, |piece| {
            if stop.load(Ordering::Relaxed) {
                return Err("the upload was given up".into());
            }
            written.push(piece)
        });
        (fetched, written)
    });
    let waited = tokio::time::timeout(config.url_timeout + DEADLINE_GRACE, fetching).await;
    let (fetched, written) = waited
        .map_err(|_| from_url(too_slow))?
        .map_err(ApiError::internal)?;
    if let Some(error) = written.broken {
        return Err(ApiError::internal(format!(
            "writing a fetched file: {error}"
        )));
    }
    let name = fetched.map_err(from_url)?;
    incoming.hasher = written.hasher;
    incoming.size = written.size;
    incoming.finish(media_dir, &name, &session.id).await
}

/// What a busy client is told to wait before fetching again.
const FETCH_RETRY_AFTER_SECS: u64 = 15;

/// How long past its deadline a fetch's thread may take to notice it.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// Set when the request waiting for a fetch is over, however it ended.
#[derive(Default)]
struct GivenUp(Arc<AtomicBool>);

impl Drop for GivenUp {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A fetched file as its thread writes and hashes it.
struct Written {
    file: std::fs::File,
    hasher: Sha256,
    size: u64,
    /// The disk's failure, which is the server's, not the URL's.
    broken: Option<std::io::Error>,
}

impl Written {
    fn new(file: std::fs::File) -> Self {
        Self {
            file,
            hasher: Sha256::new(),
            size: 0,
            broken: None,
        }
    }

    fn push(&mut self, piece: &[u8]) -> Result<(), String> {
        if let Err(error) = self.file.write_all(piece) {
            self.broken = Some(error);
            return Err("the file could not be stored".into());
        }
        self.hasher.update(piece);
        self.size += piece.len() as u64;
        Ok(())
    }
}

/// A URL's refusal as the protocol says it.
fn from_url(error: FetchError) -> ApiError {
    match error {
        FetchError::TooLarge { limit_mb } => ApiError::TooLarge { limit_mb },
        other => ApiError::BadRequest(format!("cannot upload from the URL: {other}")),
    }
}

/// Why a file is refused, without the server's paths.
fn refusal(error: MediaError) -> ApiError {
    match error {
        MediaError::Playlist { kind, .. } => ApiError::UnsupportedFile(format!(
            "the file is a playlist ({kind}); playlists are refused"
        )),
        MediaError::Unsupported { .. } | MediaError::NotAFile { .. } => {
            ApiError::UnsupportedFile(format!(
                "not a video, audio or image file cutline accepts ({})",
                media::error::ACCEPTED_FORMATS
            ))
        }
        MediaError::Damaged { .. } => {
            ApiError::UnsupportedFile("the file is damaged or truncated".into())
        }
        MediaError::OverLimit { what, limit, .. } => {
            ApiError::UnsupportedFile(format!("{what} is over the limit of {limit}"))
        }
        other => ApiError::internal(other),
    }
}

/// How much of a refused upload's body is read (and thrown away) before the refusal is sent,
/// and for how long: a client still sending its file when the connection closed would see a
/// broken pipe instead of the refusal.
const READ_OFF_BYTES: usize = 16 << 20;
const READ_OFF_FOR: Duration = Duration::from_secs(5);

/// Reads off up to [`READ_OFF_BYTES`] of `request`'s body within [`READ_OFF_FOR`].
async fn read_off(request: Request) {
    use futures_util::StreamExt;
    let mut body = request.into_body().into_data_stream();
    let mut seen = 0;
    let _ = tokio::time::timeout(READ_OFF_FOR, async {
        while let Some(Ok(chunk)) = body.next().await {
            seen += chunk.len();
            if seen > READ_OFF_BYTES {
                break;
            }
        }
    })
    .await;
}

/// Records the assets of an upload and the pieces its videos start, in one transaction
/// (the asset rows first: a writing transaction starts with its write). Whether the videos
/// were placed.
async fn commit(
    state: &AppState,
    user_id: &str,
    session: &Session,
    stored: &[AssetRecord],
) -> Result<bool, ApiError> {
    let existing = state.store.pieces(&session.id).await?;
    let mut tx = state.store.begin().await?;
    for record in stored {
        store::add_asset_in(&mut tx, user_id, record).await?;
    }
    let placed = place_videos(&mut tx, session, &existing, stored).await?;
    tx.commit().await?;
    Ok(placed)
}

/// Each video of an upload starts its own piece of work: its own Draft on its own canvas,
/// named after its file. One video uploaded becomes the current piece; several leave the
/// words to say which ("the second video"), as does "this one" (the last of them).
async fn place_videos(
    tx: &mut sqlx::AnyConnection,
    session: &Session,
    existing: &[store::Piece],
    stored: &[AssetRecord],
) -> Result<bool, ApiError> {
    let videos: Vec<&AssetRecord> = stored
        .iter()
        .filter(|a| a.kind == MediaKind::Video)
        .collect();
    if videos.is_empty() {
        return Ok(false);
    }
    let mut names: Vec<String> = existing.iter().map(|p| p.name.clone()).collect();
    let mut placed = Vec::new();
    for video in &videos {
        let shape = (video.width.unwrap_or(1920), video.height.unwrap_or(1080));
        let meta = DraftMeta::for_clip(shape, video.fps.unwrap_or(30.0));
        let draft = Draft::single_clip(&video.id, video.duration_ms, meta);
        let name = store::pieces::unique_name(&video.filename, &names);
        names.push(name.clone());
        let json = timeline::wire::to_json(&draft);
        placed.push(store::pieces::insert_in(tx, &session.id, &name, false, &json).await?);
    }
    let current = match placed.as_slice() {
        [one] => Some(one.id.as_str()),
        _ => None,
    };
    store::pieces::set_current_in(tx, &session.id, current).await?;
    Ok(true)
}

/// An asset of `user_id` as the protocol lists it. Its `url` is a signed, expiring link to
/// `GET /api/assets/{id}` (a `<video>` element sends no bearer header); it is relative, so no
/// client's `Host` header ever becomes part of it.
pub fn describe(state: &AppState, user_id: &str, asset: &AssetRecord) -> Value {
    let lifetime = state.config.signed_url_lifetime.as_secs() as i64;
    let url = crate::routes::assets::signed_url(&state.signer, user_id, &asset.id, lifetime);
    json!({
        "asset_id": asset.id,
        "filename": asset.filename,
        "file_type": asset.kind.name(),
        "url": url,
        "cdn_url": url,
        "duration": asset.duration_ms as f64 / 1000.0,
        "width": asset.width,
        "height": asset.height,
        "fps": asset.fps,
        "size": asset.size,
        "hash": asset.sha256,
    })
}
