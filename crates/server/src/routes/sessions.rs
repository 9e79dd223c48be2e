//! Sessions: `POST /api/tasks/me/with-session/nemo_agent` creates one (with its language and
//! an empty timeline); `GET /api/state/nemo_agent/{user}/{session_id}/latest` reads it.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use timeline::{Draft, DraftMeta};

use crate::auth::Caller;
use crate::error::{json_refusal, ok, ApiError};
use crate::routes::upload;
use crate::{store, AppState};

#[derive(Deserialize)]
pub struct NewSession {
    #[serde(default = "default_task_name")]
    task_name: String,
    #[serde(default = "default_language")]
    language: String,
}

fn default_task_name() -> String {
    "project".into()
}

fn default_language() -> String {
    "en".into()
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<NewSession>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| json_refusal(e, "the body is not a session request"))?;
    if request.language.len() > 16 || request.task_name.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "task_name or language is too long".into(),
        ));
    }
    let session = state
        .store
        .create_session(&caller.0, &request.task_name, &request.language)
        .await?;
    Ok(ok(json!({
        "task_id": session.task_id,
        "session_id": session.id,
        "user_id": session.user_id,
    })))
}

pub async fn latest_state(
    State(state): State<AppState>,
    caller: Caller,
    Path((user, session_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    caller.owns(&user)?;
    let session = state.store.session(&caller.0, &session_id).await?;
    // Every piece of work (one per uploaded video, and joins); `draft` is the current one.
    let pieces = state.store.pieces(&session.id).await?;
    let mut drafts = Vec::new();
    for piece in &pieces {
        let draft: Value = serde_json::from_str(&piece.draft_json).map_err(ApiError::internal)?;
        drafts.push(json!({
            "piece_id": piece.id,
            "name": piece.name,
            "duration_ms": draft["d"],
            "draft": draft,
        }));
    }
    let draft: Value = match store::pieces::shown(&pieces, session.current_piece.as_deref()) {
        Some(piece) => serde_json::from_str(&piece.draft_json).map_err(ApiError::internal)?,
        None => {
            serde_json::to_value(Draft::new(DraftMeta::default())).map_err(ApiError::internal)?
        }
    };
    let canvas = json!({"width": draft["m"]["w"], "height": draft["m"]["h"]});
    let assets = state.store.session_assets(&session.id).await?;
    let video_infos = assets
        .iter()
        .map(|a| upload::describe(&state, &session.user_id, a));
    let video_infos = Value::Array(video_infos.collect());
    let renders = state.store.completed_renders(&session.id).await?;
    let generated_media: Vec<Value> = renders
        .iter()
        .map(|job| {
            json!({
                "id": job.id,
                "url": crate::exports::download_path(job),
                "duration": job.duration_ms.unwrap_or(0) as f64 / 1000.0,
                "size": job.size,
                "format": job.format,
                "piece_id": job.piece_id,
                "created_at": job.completed_at.unwrap_or(job.created_at),
            })
        })
        .collect();
    // A Plan asked back and waiting for a yes: its Steps and the parts it leaves undone.
    let pending_plan = state.pending.of(&session.id);
    Ok(ok(json!({
        "session_id": session.id,
        "task_id": session.task_id,
        "task_name": session.task_name,
        "language": session.language,
        "state": {
            "draft": draft,
            "drafts": drafts,
            "current_piece": session.current_piece,
            "video_infos": video_infos,
            "canvas_config": canvas,
            "video_analyses": {},
            "generated_media": generated_media,
            "pending_plan": pending_plan,
        },
        // Older clients read these at the top level.
        "draft": draft,
        "video_infos": video_infos,
        "generated_media": generated_media,
    })))
}
