//! `POST /api/auth/anonymous-token`: a token for the user of an `X-Client-Id`, created with
//! the free grant the first time; at most `anonymous_per_hour` new users per client address
//! (behind a trusted proxy, the address it forwards; counted and made in one statement, so
//! concurrent requests cannot get past the limit).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Extension;
use axum::Json;
use serde_json::{json, Value};

use crate::error::{ok, ApiError};
use crate::listen::ClientAddr;
use crate::store::Signup;
use crate::AppState;

pub async fn anonymous_token(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let client_id = headers
        .get("x-client-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .ok_or_else(|| ApiError::BadRequest("the X-Client-Id header is required".into()))?;
    let ip = client.to_string();
    let store = &state.store;
    let per_hour = state.config.anonymous_per_hour;
    let user_id = match store
        .anonymous_user(client_id, &ip, state.config.free_credits, per_hour)
        .await?
    {
        Signup::Known(user_id) | Signup::New(user_id) => user_id,
        Signup::Limited { retry_after_s } => {
            return Err(ApiError::RateLimited {
                retry_after_secs: retry_after_s.max(1) as u64,
            })
        }
    };
    let lifetime = state.config.token_lifetime.as_secs() as i64;
    let (token, expires_at) = store.issue_token(&user_id, lifetime).await?;
    let balance = store.balance(&user_id).await?;
    let expires = chrono::DateTime::from_timestamp(expires_at, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    Ok(ok(json!({
        "token": token,
        "user_id": user_id,
        "expires_at": expires,
        "credits": balance.available,
    })))
}
