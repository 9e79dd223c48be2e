//! `POST /api/upload-video/nemo_agent/{user}/{session_id}`: multipart files (fields `files` or
//! `file`) streamed to disk under a server-made key, counted against the size limit as they
//! arrive, then identified by probing their content. A refused upload leaves no file behind.
//! The first video uploaded into an empty timeline is placed on it.

use std::path::{Path as FsPath, PathBuf};

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::Json;
use media::{Limits, MediaError, MediaKind};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use timeline::{Draft, DraftMeta};
use tokio::io::AsyncWriteExt;

use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::store::{AssetRecord, Session};
use crate::{tokens, AppState};

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

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, session_id)): Path<(String, String)>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    caller.owns(&user)?;
    let session = state.store.session(&caller.0, &session_id).await?;
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if content_type.starts_with("application/json") {
        return Err(ApiError::BadRequest(
            "upload by URL is not supported yet; send the file itself as multipart (field \"files\")"
                .into(),
        ));
    }
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("not a multipart upload: {}", e.body_text())))?;
    let media_dir = state.config.data_dir.join("media");
    tokio::fs::create_dir_all(&media_dir)
        .await
        .map_err(ApiError::internal)?;
    let mut stored = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("the upload broke off: {}", e.body_text())))?
    {
        if !matches!(field.name(), Some("files" | "file")) {
            continue;
        }
        let filename: String = field
            .file_name()
            .unwrap_or("upload")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let asset_id = format!("a_{}", tokens::random_hex(10));
        let record = receive(
            field,
            &media_dir,
            &asset_id,
            &filename,
            &session.id,
            state.config.max_upload_bytes,
        )
        .await?;
        state.store.add_asset(&caller.0, &record).await?;
        stored.push(record);
    }
    if stored.is_empty() {
        return Err(ApiError::BadRequest(
            "no file in the upload (send it in a multipart field named \"files\")".into(),
        ));
    }
    let placed = place_first_video(&state, &session, &stored).await?;
    let files: Vec<Value> = stored.iter().map(describe).collect();
    Ok(ok(json!({"files": files, "session_state_applied": placed})))
}

/// Streams one file in, hashing and counting as it comes, then probes it.
async fn receive(
    mut field: axum::extract::multipart::Field<'_>,
    media_dir: &FsPath,
    asset_id: &str,
    filename: &str,
    session_id: &str,
    max_bytes: u64,
) -> Result<AssetRecord, ApiError> {
    let mut partial = Partial {
        path: media_dir.join(format!(".{asset_id}.part")),
        kept: false,
    };
    let mut file = tokio::fs::File::create(&partial.path)
        .await
        .map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| ApiError::BadRequest(format!("the upload broke off: {}", e.body_text())))?
    {
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(ApiError::TooLarge {
                limit_mb: max_bytes / (1024 * 1024),
            });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    drop(file);
    let probe_path = partial.path.clone();
    let probed = tokio::task::spawn_blocking(move || media::probe(&probe_path, &Limits::default()))
        .await
        .map_err(ApiError::internal)?
        .map_err(refusal)?;
    let kind = match probed.kind {
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
        MediaKind::Image => "image",
    };
    let final_path = media_dir.join(asset_id);
    tokio::fs::rename(&partial.path, &final_path)
        .await
        .map_err(ApiError::internal)?;
    partial.kept = true;
    let video = probed.video.as_ref();
    Ok(AssetRecord {
        id: asset_id.to_string(),
        session_id: session_id.to_string(),
        filename: filename.to_string(),
        kind: kind.to_string(),
        duration_ms: probed.duration_ms,
        width: video.map(|v| v.display_size().0),
        height: video.map(|v| v.display_size().1),
        fps: video.map(|v| v.fps.as_f64()),
        size,
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
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

/// The first video of an upload goes on the timeline when it is empty.
async fn place_first_video(
    state: &AppState,
    session: &Session,
    stored: &[AssetRecord],
) -> Result<bool, ApiError> {
    let draft = timeline::wire::from_json(&session.draft_json).map_err(ApiError::internal)?;
    let Some(video) = stored.iter().find(|a| a.kind == "video") else {
        return Ok(false);
    };
    if !draft.tracks.is_empty() {
        return Ok(false);
    }
    let shape = (video.width.unwrap_or(1920), video.height.unwrap_or(1080));
    let meta = DraftMeta::for_clip(shape, video.fps.unwrap_or(30.0));
    let placed = Draft::single_clip(&video.id, video.duration_ms, meta);
    // A chat turn that changed the timeline meanwhile wins; the file stays in the session.
    state
        .store
        .set_draft(
            &session.id,
            session.draft_version,
            &timeline::wire::to_json(&placed),
        )
        .await
}

/// An asset as the protocol lists it.
pub fn describe(asset: &AssetRecord) -> Value {
    let url = format!("/api/assets/{}", asset.id);
    json!({
        "asset_id": asset.id,
        "filename": asset.filename,
        "file_type": asset.kind,
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
