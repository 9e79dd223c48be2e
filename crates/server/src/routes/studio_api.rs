//! What the studio page needs beyond API.md, under `/api/studio/`: a piece's preview (and the
//! signed link that plays it), its transcript in timeline time, the price of a turn before it
//! runs, and the caller's sessions. Everything the page does is an API feature too.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use media::process::CancelToken;
use media::MediaKind;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{json_refusal, ok, ApiError};
use crate::routes::chat::typed_steps;
use crate::routes::sent::{Sent, Signed};
use crate::signing::Signer;
use crate::store::{self, Piece, Session};
use crate::transcript::{caption_lines, timeline_words};
use crate::turns::{self, Asked};
use crate::{files, preview, AppState};

/// `?piece=…`: which piece; the current one when absent.
#[derive(Deserialize)]
pub struct PieceQuery {
    piece: Option<String>,
}

/// The piece `asked` names, else the one words go to (the current one, else the last).
async fn piece_of(
    state: &AppState,
    session: &Session,
    asked: Option<&str>,
) -> Result<Piece, ApiError> {
    let pieces = state.store.pieces(&session.id).await?;
    match asked {
        Some(id) => pieces
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(ApiError::NotFound("piece")),
        None => store::pieces::shown(&pieces, session.current_piece.as_deref())
            .cloned()
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "there is no video in this session: upload a video first".into(),
                )
            }),
    }
}

/// What a preview link's signature covers.
fn subject(key: &str) -> String {
    format!("preview:{key}")
}

/// `/api/studio/media/{key}?user=…&expires=…&sig=…`, working for `lifetime_s` seconds.
pub fn signed_url(signer: &Signer, user_id: &str, key: &str, lifetime_s: i64) -> String {
    let expires = chrono::Utc::now().timestamp() + lifetime_s;
    let signature = signer.sign(user_id, &subject(key), expires);
    format!("/api/studio/media/{key}?user={user_id}&expires={expires}&sig={signature}")
}

/// `GET /api/studio/{session_id}/preview?piece=…`: the preview of the piece's Draft as it is
/// now, made (or found) and ready to play.
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    Query(query): Query<PieceQuery>,
) -> Result<Json<Value>, ApiError> {
    let session = state.store.session(&caller.0, &session_id).await?;
    let piece = piece_of(&state, &session, query.piece.as_deref()).await?;
    let records = state.store.session_assets(&session.id).await?;
    state.preview_locks.watch(&session.id);
    let made = preview::preview(&state, &piece, &records).await?;
    let lifetime = state.config.signed_url_lifetime.as_secs() as i64;
    Ok(ok(json!({
        "piece_id": piece.id,
        "url": signed_url(&state.signer, &caller.0, &made.key, lifetime),
        "duration_ms": made.duration_ms,
        "width": made.width,
        "height": made.height,
        "key": made.key,
    })))
}

/// `GET /api/studio/media/{key}?user=…&expires=…&sig=…`: a preview, by its signed link only,
/// whole or by `Range`.
pub async fn media(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    signed.signed_reader(&state, &subject(&key))?;
    if !preview::is_key(&key) {
        return Err(ApiError::NotFound("preview"));
    }
    let path = preview::preview_path(&state.config, &key);
    if !path.exists() {
        return Err(ApiError::NotFound("preview"));
    }
    let sent = Sent {
        path: &path,
        mime: "video/mp4",
        attachment: None,
    };
    sent.respond(&headers).await
}

/// `GET /api/studio/{session_id}/transcript?piece=…`: what is said in the piece, word by word
/// in timeline time, from the transcripts already made (this never transcribes: "add
/// captions" does), and the piece's captions.
pub async fn transcript(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    Query(query): Query<PieceQuery>,
) -> Result<Json<Value>, ApiError> {
    let session = state.store.session(&caller.0, &session_id).await?;
    let piece = piece_of(&state, &session, query.piece.as_deref()).await?;
    let draft = piece.draft()?;
    let records = state.store.session_assets(&session.id).await?;
    let played: Vec<_> = records
        .into_iter()
        .filter(|r| r.kind == MediaKind::Video)
        .filter(|r| {
            draft
                .main_segments()
                .iter()
                .any(|s| s.src.as_deref() == Some(r.id.as_str()))
        })
        .collect();
    let config = std::sync::Arc::clone(&state.config);
    let (transcribed, words) = tokio::task::spawn_blocking(move || {
        let assets = files::load_assets(&config, &played)?;
        let library = files::library(&config, &CancelToken::new());
        let mut transcribed = true;
        let mut transcripts = std::collections::HashMap::new();
        for (id, asset) in &assets {
            if asset.probe.audio.is_none() {
                continue;
            }
            match agent::transcription::cached_transcript(&library, asset, &config.speech) {
                Some(transcript) => {
                    transcripts.insert(id.clone(), transcript.words);
                }
                None => transcribed = false,
            }
        }
        let words = timeline_words(&draft, |src| transcripts.get(src).map(Vec::as_slice));
        Ok::<_, ApiError>((transcribed, (words, caption_lines(&draft))))
    })
    .await
    .map_err(ApiError::internal)??;
    let (words, captions) = words;
    Ok(ok(json!({
        "piece_id": piece.id,
        "transcribed": transcribed,
        "words": words,
        "captions": captions,
    })))
}

#[derive(Deserialize)]
pub struct QuoteRequest {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    steps: Option<Vec<Value>>,
    #[serde(default)]
    piece_id: Option<String>,
}

/// `POST /api/studio/{session_id}/quote` `{"text": …}` or `{"steps": […]}`: what that turn
/// would be charged now (the same price a turn holds), and the credits available. Nothing is
/// held or changed.
pub async fn quote(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    body: Result<Json<QuoteRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| {
        json_refusal(
            e,
            "a quote is asked for {\"text\": \"…\"} or {\"steps\": [...]}",
        )
    })?;
    let session = state.store.session(&caller.0, &session_id).await?;
    let asked =
        match (request.steps, request.text) {
            (Some(steps), _) => Asked::Steps {
                steps: typed_steps(steps)?,
                piece_id: request.piece_id,
            },
            (None, Some(text)) if !text.trim().is_empty() && text.chars().count() <= 4000 => {
                Asked::Words {
                    text,
                    piece_id: request.piece_id,
                }
            }
            _ => return Err(ApiError::BadRequest(
                "a quote needs \"text\" (what to do, in words, up to 4000 characters) or \"steps\""
                    .into(),
            )),
        };
    let credits = turns::quote(&state, &session, &asked).await?;
    let available = state.store.balance(&caller.0).await?.available;
    Ok(ok(json!({"credits": credits, "available": available})))
}

/// The most sessions listed.
const SESSIONS_LISTED: i64 = 100;

/// `GET /api/studio/sessions`: the caller's sessions, the last changed first.
pub async fn sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let listed = state.store.sessions_of(&caller.0, SESSIONS_LISTED).await?;
    let sessions: Vec<Value> = listed
        .iter()
        .map(|s| {
            json!({
                "session_id": s.session_id,
                "task_name": s.task_name,
                "language": s.language,
                "duration_ms": s.duration_ms,
                "pieces": s.pieces,
                "updated_at": s.updated_at,
                "created_at": s.created_at,
            })
        })
        .collect();
    Ok(ok(json!({"sessions": sessions})))
}
