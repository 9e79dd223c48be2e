//! A stored file sent to its reader, whole or as the one byte range a `Range` header asks for
//! (players seek with it), and who that reader is: the bearer of a token, or the user a
//! signed, expiring link names (a `<video>` element or a browser sends no header). Exports
//! (`…/download`) and uploads (`/api/assets/{id}`) are both sent this way.

use std::path::Path;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// The query of a signed link: `?user=…&expires=…&sig=…`.
#[derive(Deserialize)]
pub struct Signed {
    user: Option<String>,
    expires: Option<i64>,
    sig: Option<String>,
}

impl Signed {
    /// Who may read `subject` (what the link's signature covers): the user a valid signature
    /// names, else the bearer of a token. A signature that does not verify (tampered,
    /// expired, another subject) is 1001, never a fall-back to the header.
    pub async fn reader(
        &self,
        state: &AppState,
        parts: &mut Parts,
        subject: &str,
    ) -> Result<String, ApiError> {
        if let (Some(user), Some(expires), Some(sig)) = (&self.user, self.expires, &self.sig) {
            let now = chrono::Utc::now().timestamp();
            return if state.signer.verify(user, subject, expires, sig, now) {
                Ok(user.clone())
            } else {
                Err(ApiError::Unauthorized)
            };
        }
        Ok(Caller::from_request_parts(parts, state).await?.0)
    }
}

impl Signed {
    /// The user a valid signature for `subject` names; without a signature, or with one that
    /// does not verify, 1001 (for links that only ever come signed: previews).
    pub fn signed_reader(&self, state: &AppState, subject: &str) -> Result<String, ApiError> {
        let (Some(user), Some(expires), Some(sig)) = (&self.user, self.expires, &self.sig) else {
            return Err(ApiError::Unauthorized);
        };
        let now = chrono::Utc::now().timestamp();
        if state.signer.verify(user, subject, expires, sig, now) {
            Ok(user.clone())
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// A file to send and how to label it.
pub struct Sent<'a> {
    pub path: &'a Path,
    pub mime: &'static str,
    /// The name a browser saves it under (`Content-Disposition: attachment`); `None` plays it
    /// in place.
    pub attachment: Option<String>,
}

impl Sent<'_> {
    /// The file, or the byte range of `request`'s `Range` header (206), or 416 when that range
    /// lies outside it.
    pub async fn respond(&self, request: &HeaderMap) -> Result<Response, ApiError> {
        let mut file = tokio::fs::File::open(self.path)
            .await
            .map_err(|e| ApiError::internal(format!("sending {}: {e}", self.path.display())))?;
        let size = file.metadata().await.map_err(ApiError::internal)?.len();
        let range = request.get(header::RANGE).and_then(|v| v.to_str().ok());
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
                        let chunk = axum::body::Bytes::copy_from_slice(&buffer[..n]);
                        Some((Ok::<_, std::io::Error>(chunk), (reader, buffer)))
                    }
                    Err(e) => Some((Err(e), (reader, buffer))),
                }
            },
        ));
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.mime));
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Ok(value) = HeaderValue::from_str(&length.to_string()) {
            headers.insert(header::CONTENT_LENGTH, value);
        }
        if let Some(name) = &self.attachment {
            if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
        }
        if status == StatusCode::PARTIAL_CONTENT {
            if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                headers.insert(header::CONTENT_RANGE, value);
            }
        }
        Ok(response)
    }
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
