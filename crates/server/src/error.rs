//! The one place where errors become protocol codes (API.md's table) and the reply envelope
//! `{"code", "success", "message", "data"}`. Internal errors are logged with an id that the
//! reply carries; their details never leave the server.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use thiserror::Error;

/// The largest JSON request body, on every endpoint but the one below.
pub const JSON_LIMIT: usize = 64 * 1024;
/// The largest export request: it may carry a whole Draft (`POST /api/render/proxy/lambda`).
pub const DRAFT_JSON_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the token is missing, invalid or expired; request a new one")]
    Unauthorized,
    #[error("session not found")]
    SessionNotFound,
    /// Anything else of a user's that is missing (or another user's: never said apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(
        "out of credits: this needs {needed} and {available} are available; \
         register for more (ask the operator for a named account) or wait for running work to finish"
    )]
    OutOfCredits { needed: i64, available: i64 },
    /// Refused by the plan (e.g. above its resolution) or by the attribution rule.
    #[error("{0}")]
    PlanLimit(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    UnsupportedFile(String),
    #[error(
        "the file is larger than the limit of {limit_mb} MB; trim or compress it and upload again"
    )]
    TooLarge { limit_mb: u64 },
    /// A JSON request body over its endpoint's limit.
    #[error(
        "the request body is too large: JSON bodies are limited to {} KB ({} KB for an export request carrying a draft)",
        JSON_LIMIT / 1024,
        DRAFT_JSON_LIMIT / 1024
    )]
    BodyTooLarge,
    /// Refused by HTTP itself (405, 414, 431, a path or query that does not parse): the
    /// envelope's `code` is the HTTP status.
    #[error("{message}")]
    Status { status: StatusCode, message: String },
    #[error(
        "the upload is larger than the limit of {limit_mb} MB for one request (all its files \
         together); nothing was kept, send fewer files at a time"
    )]
    RequestTooLarge { limit_mb: u64 },
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error {id}; retry later")]
    Internal { id: String },
}

impl ApiError {
    /// An unexpected failure: logged with a fresh id, reported by that id only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let id = crate::tokens::random_hex(6);
        eprintln!("error {id}: {detail}");
        ApiError::Internal { id }
    }

    pub fn code_and_status(&self) -> (u32, StatusCode) {
        match self {
            ApiError::BadRequest(_) => (400, StatusCode::BAD_REQUEST),
            ApiError::Unauthorized => (1001, StatusCode::UNAUTHORIZED),
            ApiError::SessionNotFound | ApiError::NotFound(_) => (1002, StatusCode::NOT_FOUND),
            ApiError::OutOfCredits { .. } => (2001, StatusCode::PAYMENT_REQUIRED),
            ApiError::PlanLimit(_) => (402, StatusCode::PAYMENT_REQUIRED),
            ApiError::Conflict(_) => (409, StatusCode::CONFLICT),
            ApiError::UnsupportedFile(_) => (4001, StatusCode::UNSUPPORTED_MEDIA_TYPE),
            ApiError::TooLarge { .. } | ApiError::RequestTooLarge { .. } => {
                (4002, StatusCode::PAYLOAD_TOO_LARGE)
            }
            ApiError::BodyTooLarge => (413, StatusCode::PAYLOAD_TOO_LARGE),
            ApiError::Status { status, .. } => (u32::from(status.as_u16()), *status),
            ApiError::RateLimited { .. } => (429, StatusCode::TOO_MANY_REQUESTS),
            ApiError::Internal { .. } => (5000, StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// Why a JSON body was not taken: over its limit (413), or not the JSON `what` says.
pub fn json_refusal(rejection: axum::extract::rejection::JsonRejection, what: &str) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::BodyTooLarge
    } else {
        ApiError::BadRequest(format!("{what}: {}", rejection.body_text()))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::internal(format!("database: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        let body =
            json!({"code": code, "success": false, "message": self.to_string(), "data": null});
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// The success envelope around `data`.
pub fn ok(data: Value) -> Json<Value> {
    Json(json!({"code": 0, "success": true, "message": "ok", "data": data}))
}
