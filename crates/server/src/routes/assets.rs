//! `GET /api/assets/{id}`: an uploaded file, to its owner only (another user's asset is as
//! missing as an unknown one), whole or by `Range`. Upload replies and the session state hand
//! out a signed, expiring link to it ([`signed_url`]) because a `<video>` element cannot send
//! the bearer header.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use media::MediaKind;
use tokio::io::AsyncReadExt;

use crate::error::ApiError;
use crate::routes::sent::{Sent, Signed};
use crate::signing::Signer;
use crate::{files, AppState};

/// What a link's signature covers for an asset: its own namespace, so a link to an export
/// never opens an asset of the same name.
fn subject(asset_id: &str) -> String {
    format!("asset:{asset_id}")
}

/// `/api/assets/{id}?user=…&expires=…&sig=…`, working for `lifetime_s` seconds. Relative: the
/// client resolves it against the address it reached the server at.
pub fn signed_url(signer: &Signer, user_id: &str, asset_id: &str, lifetime_s: i64) -> String {
    let expires = chrono::Utc::now().timestamp() + lifetime_s;
    let signature = signer.sign(user_id, &subject(asset_id), expires);
    format!("/api/assets/{asset_id}?user={user_id}&expires={expires}&sig={signature}")
}

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(signed): Query<Signed>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (mut parts, _) = request.into_parts();
    let user = signed.reader(&state, &mut parts, &subject(&id)).await?;
    let asset = state
        .store
        .asset(&user, &id)
        .await?
        .ok_or(ApiError::NotFound("asset"))?;
    let path = files::asset_path(&state.config, &asset.id);
    let mut head = [0u8; 16];
    let read = match tokio::fs::File::open(&path).await {
        Ok(mut file) => file.read(&mut head).await.unwrap_or(0),
        Err(e) => return Err(ApiError::internal(format!("asset {}: {e}", asset.id))),
    };
    let sent = Sent {
        path: &path,
        mime: mime_of(&head[..read], asset.kind),
        attachment: None,
    };
    sent.respond(&parts.headers).await
}

/// Signatures at the start of the containers uploads are accepted in: (offset, bytes, type).
const MAGIC: &[(usize, &[u8], &str)] = &[
    (4, b"ftypqt", "video/quicktime"),
    (4, b"ftypM4A", "audio/mp4"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
    (8, b"AVI ", "video/x-msvideo"),
    (8, b"WAVE", "audio/wav"),
    (8, b"WEBP", "image/webp"),
    (0, b"\x89PNG", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF8", "image/gif"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xf1", "audio/aac"),
    (0, b"\xff\xf9", "audio/aac"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"\xff\xf3", "audio/mpeg"),
];

/// The media type of a file from its first bytes (players need it), else one of its kind.
fn mime_of(head: &[u8], kind: MediaKind) -> &'static str {
    let found = MAGIC.iter().find(|(offset, magic, _)| {
        head.get(*offset..offset + magic.len())
            .is_some_and(|bytes| bytes == *magic)
    });
    match (found, kind) {
        (Some((_, _, mime)), _) => mime,
        (None, MediaKind::Video) => "video/mp4",
        (None, MediaKind::Audio) => "audio/mpeg",
        (None, MediaKind::Image) => "image/png",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_from_first_bytes() {
        let check = |head: &[u8], kind, expected| assert_eq!(mime_of(head, kind), expected);
        check(b"\0\0\0\x20ftypisom\0\0", MediaKind::Video, "video/mp4");
        check(b"\0\0\0\x14ftypqt  ", MediaKind::Video, "video/quicktime");
        check(b"\0\0\0\x20ftypM4A ", MediaKind::Audio, "audio/mp4");
        check(b"\x1a\x45\xdf\xa3\x01", MediaKind::Video, "video/webm");
        check(b"RIFF\0\0\0\0WAVEfmt ", MediaKind::Audio, "audio/wav");
        check(b"\x89PNG\r\n\x1a\n", MediaKind::Image, "image/png");
        check(b"ID3\x04", MediaKind::Audio, "audio/mpeg");
        check(b"", MediaKind::Audio, "audio/mpeg");
        check(b"??", MediaKind::Video, "video/mp4");
    }
}
