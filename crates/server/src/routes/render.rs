//! Exports: `POST /api/render/proxy/lambda` queues one (the same id is the same job),
//! `GET …/lambda/{id}` polls it, `POST …/lambda/{id}/cancel` stops it, and
//! `GET /api/render/proxy/{id}/download` sends the MP4 (with the bearer header, or through the
//! signed `outputUrl`; byte ranges supported).

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream;
use media::render::{Format, Quality};
use serde::Deserialize;
use serde_json::Value;
use timeline::{Draft, DraftMeta};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::auth::{attributed, Caller};
use crate::error::{json_refusal, ok, ApiError};
use crate::exports::{self, ExportRequest};
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

#[derive(Deserialize)]
pub struct Signed {
    user: Option<String>,
    expires: Option<i64>,
    sig: Option<String>,
}

/// Who may download: the bearer of a token, or a valid signature for the user it names.
async fn downloader(
    state: &AppState,
    parts: &mut Parts,
    id: &str,
    signed: &Signed,
) -> Result<String, ApiError> {
    if let (Some(user), Some(expires), Some(sig)) = (&signed.user, signed.expires, &signed.sig) {
        let now = chrono::Utc::now().timestamp();
        return if state.signer.verify(user, id, expires, sig, now) {
            Ok(user.clone())
        } else {
            Err(ApiError::Unauthorized)
        };
    }
    Ok(Caller::from_request_parts(parts, state).await?.0)
}

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(signed): Query<Signed>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    exports::check_id(&id)?;
    let (mut parts, _) = request.into_parts();
    let user = downloader(&state, &mut parts, &id, &signed).await?;
    let job = state
        .store
        .render(&user, &id)
        .await?
        .filter(|job| job.status == RenderStatus::Completed)
        .ok_or(ApiError::NotFound("finished export"))?;
    let path = files::render_path(&state.config, &job.user_id, &job.id, job.format);
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::internal(format!("export {}: {e}", job.id)))?;
    let size = file.metadata().await.map_err(ApiError::internal)?.len();
    let range = parts
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let (start, end, status) = match byte_range(range, size) {
        Ok(Some((start, end))) => (start, end, StatusCode::PARTIAL_CONTENT),
        Ok(None) => (0, size.saturating_sub(1), StatusCode::OK),
        Err(Unsatisfiable) => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
    };
    let length = if size == 0 { 0 } else { end - start + 1 };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(ApiError::internal)?;
    let body = Body::from_stream(stream::unfold(
        (file.take(length), vec![0u8; 64 * 1024]),
        |(mut reader, mut buffer)| async move {
            match reader.read(&mut buffer).await {
                Ok(0) => None,
                Ok(n) => {
                    let chunk = bytes_of(&buffer[..n]);
                    Some((Ok::<_, std::io::Error>(chunk), (reader, buffer)))
                }
                Err(e) => Some((Err(e), (reader, buffer))),
            }
        },
    ));
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(job.format.mime()),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(value) = HeaderValue::from_str(&length.to_string()) {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}.{}\"",
        job.id,
        job.format.extension()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            headers.insert(header::CONTENT_RANGE, value);
        }
    }
    Ok(response)
}

fn bytes_of(slice: &[u8]) -> axum::body::Bytes {
    axum::body::Bytes::copy_from_slice(slice)
}

/// A `Range` header lying outside the file (416).
#[derive(Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// The one byte range of a `Range` header (inclusive ends) in a file of `size` bytes: `None`
/// for the whole file (no header, or one we do not serve as a range, like several ranges).
pub fn byte_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |text: &str| text.parse::<u64>().map_err(|_| Unsatisfiable);
    let range = match (first.is_empty(), last.is_empty()) {
        // "-500": the last 500 bytes.
        (true, false) => {
            let tail = parse(last)?;
            if tail == 0 || size == 0 {
                return Err(Unsatisfiable);
            }
            (size.saturating_sub(tail), size - 1)
        }
        // "500-": from byte 500 on.
        (false, true) => (parse(first)?, size.saturating_sub(1)),
        (false, false) => (parse(first)?, parse(last)?.min(size.saturating_sub(1))),
        (true, true) => return Ok(None),
    };
    if range.0 >= size || range.0 > range.1 {
        return Err(Unsatisfiable);
    }
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::{byte_range, Unsatisfiable};

    #[test]
    fn byte_ranges_as_rfc_9110_reads_them() {
        let size = 1000;
        assert_eq!(byte_range(None, size), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-99"), size), Ok(Some((0, 99))));
        assert_eq!(byte_range(Some("bytes=900-"), size), Ok(Some((900, 999))));
        assert_eq!(byte_range(Some("bytes=-100"), size), Ok(Some((900, 999))));
        assert_eq!(
            byte_range(Some("bytes=990-5000"), size),
            Ok(Some((990, 999)))
        );
        assert_eq!(byte_range(Some("bytes=-5000"), size), Ok(Some((0, 999))));
        assert_eq!(byte_range(Some("bytes=1000-"), size), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=50-10"), size), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=x-10"), size), Err(Unsatisfiable));
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), size), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), size), Ok(None));
    }
}
