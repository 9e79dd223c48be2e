//! Who is calling: the `Authorization: Bearer <token>` of every call but the token request.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::AppState;

/// The caller's user id, from a known, unexpired token.
pub struct Caller(pub String);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let user = state.store.user_of_token(token).await?;
        user.map(Caller).ok_or(ApiError::Unauthorized)
    }
}

impl Caller {
    /// The `{user}` of a path is `me` or the caller's own id; anything else is someone else's,
    /// reported like a missing session.
    pub fn owns(&self, user: &str) -> Result<(), ApiError> {
        if user == "me" || user == self.0 {
            Ok(())
        } else {
            Err(ApiError::SessionNotFound)
        }
    }
}

/// Whether a request carries the attribution headers (`X-Skill-Source`, `-Version`,
/// `-Platform`) that exports need.
pub fn attributed(headers: &axum::http::HeaderMap) -> bool {
    ["x-skill-source", "x-skill-version", "x-skill-platform"]
        .iter()
        .all(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| !v.trim().is_empty())
        })
}
