//! Exports: `POST /api/render/proxy/lambda` queues one (the same id is the same job),
//! `GET …/lambda/{id}` polls it, `POST …/lambda/{id}/cancel` stops it, and
//! `GET /api/render/proxy/{id}/download` sends the MP4 (with the bearer header, or through the
//! signed `outputUrl`; byte ranges supported, see [`super::sent`]).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use media::render::{Format, Quality};
use serde::Deserialize;
use serde_json::Value;
use timeline::{Draft, DraftMeta};

use crate::auth::{attributed, Caller};
use crate::error::{json_refusal, ok, ApiError};
use crate::exports::{self, ExportRequest};
use crate::routes::sent::{Sent, Signed};
use crate::store::{self, RenderRecord, RenderStatus};
use crate::{files, AppState};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostRender {
    id: String,
    session_id: String,
    #[serde(default)]
    draft: Option<Value>,
    #[serde(default)]
    output: Option<Output>,
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    quality: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
}

/// The job as the protocol shows it, with the status also at the top level.
fn reply(state: &AppState, job: &RenderRecord) -> Json<Value> {
    let url = (job.status == RenderStatus::Completed).then(|| {
        let lifetime = state.config.signed_url_lifetime.as_secs() as i64;
        exports::signed_url(state.config.public_url(), job, &state.signer, lifetime)
    });
    let Json(mut body) = ok(exports::view(job, url));
    body["status"] = Value::String(job.status.as_str().into());
    Json(body)
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Json<PostRender>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(request) = body.map_err(|e| {
        json_refusal(
            e,
            "the body is not an export request ({\"id\", \"sessionId\", \"draft\"?, \"output\"?})",
        )
    })?;
    if state.config.attribution_required && !attributed(&headers) {
        return Err(exports::attribution_missing());
    }
    let session = state.store.session(&caller.0, &request.session_id).await?;
    let output = request.output.unwrap_or(Output {
        format: None,
        quality: None,
        resolution: None,
    });
    let format = match output.format.as_deref() {
        Some(format) => format.parse().map_err(ApiError::BadRequest)?,
        None => Format::Mp4,
    };
    let quality = match output.quality.as_deref() {
        Some(quality) => quality.parse().map_err(ApiError::BadRequest)?,
        None => Quality::High,
    };
    // Without a draft, the session's current piece; a draft sent is recorded as the piece it
    // is, if it is one.
    let pieces = state.store.pieces(&session.id).await?;
    let (draft, piece_id) = match request.draft {
        Some(value) => {
            let draft = timeline::wire::from_value(value)
                .map_err(|e| ApiError::BadRequest(format!("the draft is not valid: {e}")))?;
            let same = pieces
                .iter()
                .rev()
                .find(|p| p.draft().is_ok_and(|d| d == draft));
            (draft, same.map(|p| p.id.clone()))
        }
        None => match store::pieces::shown(&pieces, session.current_piece.as_deref()) {
            Some(piece) => (piece.draft()?, Some(piece.id.clone())),
            None => (Draft::new(DraftMeta::default()), None),
        },
    };
    let export = ExportRequest {
        id: request.id,
        draft,
        piece_id,
        quality,
        format,
        resolution: output.resolution,
    };
    let job = exports::queue(&state, &session, export).await?;
    Ok(reply(&state, &job))
}

pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    exports::check_id(&id)?;
    let job = state
        .store
        .render(&caller.0, &id)
        .await?
        .ok_or(ApiError::NotFound("export"))?;
    Ok(reply(&state, &job))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    exports::check_id(&id)?;
    let job = state
        .store
        .cancel_render(&caller.0, &id)
        .await?
        .ok_or(ApiError::NotFound("export"))?;
    Ok(reply(&state, &job))
}

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(signed): Query<Signed>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    exports::check_id(&id)?;
    let (mut parts, _) = request.into_parts();
    let user = signed.reader(&state, &mut parts, &id).await?;
    let job = state
        .store
        .render(&user, &id)
        .await?
        .filter(|job| job.status == RenderStatus::Completed)
        .ok_or(ApiError::NotFound("finished export"))?;
    let path = files::render_path(&state.config, &job.user_id, &job.id, job.format);
    let sent = Sent {
        path: &path,
        mime: job.format.mime(),
        attachment: Some(format!("{}.{}", job.id, job.format.extension())),
    };
    sent.respond(&parts.headers).await
}
