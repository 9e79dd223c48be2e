//! Exports as the protocol sees them: a request checked against the plan (resolution), the
//! session (every file it names is the session's) and its length ([`crate::export_length`]),
//! queued under the client's id, and the job
//! as `GET /api/render/proxy/lambda/{id}` shows it. Shared by the export endpoints and by chat
//! turns that ask for an export. The rendering itself is [`crate::worker`].

use media::render::{Format, Quality};
use serde_json::{json, Value};
use timeline::canvas::{cap_long_side, scale_to_short_side};
use timeline::{apply, Draft, EditContext, Op};

use crate::error::ApiError;
use crate::export_length::{self, SourceFile};
use crate::signing::Signer;
use crate::store::renders::Refused;
use crate::store::{NewRender, RenderRecord, Session};
use crate::AppState;

/// An export asked for.
#[derive(Clone, Debug)]
pub struct ExportRequest {
    /// The client's id for it (`render_<ts>`): the same id is the same export.
    pub id: String,
    pub draft: Draft,
    /// The piece of work the Draft is (batch sessions), if any.
    pub piece_id: Option<String>,
    pub quality: Quality,
    pub format: Format,
    /// "1080p", "720p", "4k", …; `None` keeps the Draft's canvas (within the plan).
    pub resolution: Option<String>,
}

pub fn attribution_missing() -> ApiError {
    ApiError::PlanLimit(
        "exports need the attribution headers X-Skill-Source, X-Skill-Version and X-Skill-Platform (this is not about credits)".into(),
    )
}

/// Export ids are the client's, so they are kept to a safe alphabet and length.
pub fn check_id(id: &str) -> Result<(), ApiError> {
    let fine = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if fine {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "an export id is 1 to 64 letters, digits, '_' or '-' (e.g. render_1700000000)".into(),
        ))
    }
}

/// The short side a resolution names: 1080p, 720p, 480p, 1440p, 2160p, 2k, 4k, 8k.
fn short_side(resolution: &str) -> Result<u32, ApiError> {
    let text = resolution.trim().to_ascii_lowercase();
    let named = match text.as_str() {
        "4k" | "uhd" => Some(2160),
        "2k" | "qhd" => Some(1440),
        "8k" => Some(4320),
        "fhd" => Some(1080),
        "hd" => Some(720),
        "sd" => Some(480),
        _ => None,
    };
    let number = text.strip_suffix('p').unwrap_or(&text).parse::<u32>().ok();
    named
        .or(number.filter(|n| (144..=4320).contains(n)))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown resolution \"{resolution}\" (use 2160p, 1440p, 1080p, 720p or 480p)"
            ))
        })
}

/// The canvas an export renders at: the resolution asked for, or the Draft's own scaled into
/// the plan; above the plan is refused (402), never quietly made smaller.
pub fn output_canvas(
    draft: &Draft,
    resolution: Option<&str>,
    max_long_side: u32,
) -> Result<(u32, u32), ApiError> {
    let canvas = (draft.meta.width, draft.meta.height);
    let Some(resolution) = resolution else {
        return Ok(cap_long_side(canvas, max_long_side));
    };
    let (width, height) = scale_to_short_side(canvas, short_side(resolution)?);
    if width.max(height) > max_long_side {
        return Err(ApiError::PlanLimit(format!(
            "{resolution} ({width}×{height}) is above this plan's exports of up to {max_long_side} pixels on the long side; ask for 1080p or less"
        )));
    }
    Ok((width, height))
}

/// Checks and queues an export of `session`; the job (the existing one for a used id).
pub async fn queue(
    state: &AppState,
    session: &Session,
    request: ExportRequest,
) -> Result<RenderRecord, ApiError> {
    check_id(&request.id)?;
    let mut draft = request.draft;
    if draft.duration_ms == 0 || draft.main_segments().is_empty() {
        return Err(ApiError::BadRequest(
            "the timeline is empty: upload a video before exporting".into(),
        ));
    }
    let assets = state.store.session_assets(&session.id).await?;
    let foreign = draft
        .tracks
        .iter()
        .flat_map(|t| &t.segments)
        .filter_map(|s| s.src.as_deref())
        .find(|src| !assets.iter().any(|a| a.id == *src));
    if let Some(src) = foreign {
        return Err(ApiError::BadRequest(format!(
            "the draft uses \"{src}\", which is not a file of this session"
        )));
    }
    let files = assets
        .iter()
        .map(|a| {
            let file = SourceFile {
                name: a.filename.clone(),
                kind: a.kind,
                duration_ms: a.duration_ms,
            };
            (a.id.clone(), file)
        })
        .collect();
    let max_ms = state.config.max_export.as_millis() as u64;
    export_length::check(&draft, &files, max_ms).map_err(ApiError::BadRequest)?;
    if request.format == Format::Gif && draft.duration_ms > media::render::format::GIF_MAX_MS {
        return Err(ApiError::BadRequest(format!(
            "a GIF is for clips up to {} s and this one is {}; cut it shorter or ask for mp4",
            media::render::format::GIF_MAX_MS / 1000,
            timeline::format_clock(draft.duration_ms)
        )));
    }
    let max = state.config.max_export_long_side;
    let (width, height) = output_canvas(&draft, request.resolution.as_deref(), max)?;
    if (width, height) != (draft.meta.width, draft.meta.height) {
        let canvas = Op::Canvas {
            width,
            height,
            fit: None,
        };
        draft = apply(&draft, &canvas, &EditContext::default())
            .map_err(|e| ApiError::BadRequest(format!("cannot export this draft: {e}")))?
            .draft;
    }
    let draft_json = timeline::wire::to_json(&draft);
    // The same id is the same export: the same Draft, written the same way.
    let draft_hash = crate::tokens::sha256_hex(&format!(
        "{}\n{}\n{draft_json}",
        request.quality.name(),
        request.format.name()
    ));
    let new = NewRender {
        user_id: session.user_id.clone(),
        id: request.id,
        session_id: session.id.clone(),
        piece_id: request.piece_id,
        draft_json,
        draft_hash,
        quality: request.quality,
        format: request.format,
        length_ms: draft.duration_ms,
        price: state.config.prices.export,
    };
    match state.store.queue_render(&new).await? {
        Ok((job, created)) => {
            if created {
                state.work_queued.notify_waiters();
            }
            Ok(job)
        }
        Err(Refused::OtherDraft) => Err(ApiError::Conflict(format!(
            "the export id {} is already used for another draft; use a new id",
            new.id
        ))),
        Err(Refused::OutOfCredits) => Err(ApiError::OutOfCredits {
            needed: new.price,
            available: state.store.balance(&new.user_id).await?.available,
        }),
    }
}

/// The path that downloads a finished export (with the bearer header).
pub fn download_path(job: &RenderRecord) -> String {
    format!("/api/render/proxy/{}/download", job.id)
}

/// A link to the finished export that needs no header, until it expires.
pub fn signed_url(base: &str, job: &RenderRecord, signer: &Signer, lifetime_s: i64) -> String {
    let expires = chrono::Utc::now().timestamp() + lifetime_s;
    let signature = signer.sign(&job.user_id, &job.id, expires);
    format!(
        "{base}{}?user={}&expires={expires}&sig={signature}",
        download_path(job),
        job.user_id
    )
}

/// A job as `GET /api/render/proxy/lambda/{id}` shows it.
pub fn view(job: &RenderRecord, output_url: Option<String>) -> Value {
    let output = output_url.as_ref().map(|url| {
        json!({
            "url": url,
            "duration": job.duration_ms.unwrap_or(0) as f64 / 1000.0,
            "size": job.size,
        })
    });
    json!({
        "id": job.id,
        "status": job.status.as_str(),
        "progress": job.progress,
        "outputUrl": output_url,
        "output": output,
        "error": job.error,
        "createdAt": job.created_at,
        "completedAt": job.completed_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::DraftMeta;

    fn draft(width: u32, height: u32) -> Draft {
        Draft::single_clip("a_1", 1000, DraftMeta::for_clip((width, height), 30.0))
    }

    #[test]
    fn the_output_canvas_follows_the_resolution_within_the_plan() {
        let landscape = draft(320, 180);
        assert_eq!(
            output_canvas(&landscape, Some("1080p"), 1920).unwrap(),
            (1920, 1080)
        );
        assert_eq!(
            output_canvas(&landscape, Some("720"), 1920).unwrap(),
            (1280, 720)
        );
        assert_eq!(output_canvas(&landscape, None, 1920).unwrap(), (320, 180));
        assert_eq!(
            output_canvas(&draft(3840, 2160), None, 1920).unwrap(),
            (1920, 1080),
            "a 4K draft without a resolution is scaled into the plan"
        );
        let portrait = draft(1080, 1920);
        assert_eq!(
            output_canvas(&portrait, Some("1080p"), 1920).unwrap(),
            (1080, 1920)
        );
        for above in ["4k", "2160p", "1440p"] {
            let refused = output_canvas(&landscape, Some(above), 1920).unwrap_err();
            assert_eq!(refused.code_and_status().0, 402, "{above}");
        }
        assert_eq!(
            output_canvas(&landscape, Some("huge"), 1920)
                .unwrap_err()
                .code_and_status()
                .0,
            400
        );
    }

    #[test]
    fn export_ids_are_kept_to_a_safe_alphabet() {
        assert!(check_id("render_1700000000").is_ok());
        for bad in ["", "../../etc/passwd", "a b", "render/1", &"x".repeat(101)] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}
