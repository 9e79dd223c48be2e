//! The export workers of this process: each claims a job from the queue in the database,
//! renders it on a blocking thread with the engine (`media::render`), renews its lease every
//! second (which is also how it learns the job was cancelled), and finishes it under the
//! attempt it claimed. When the server stops, a running render is stopped and its job put
//! back in the queue for the next start; a worker that dies without a word leaves a lease
//! that runs out, and the job is claimed again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use media::process::CancelToken;
use media::render::{render, RenderSettings};
use media::{Limits, MediaError};
use timeline::TrackKind;

use crate::error::ApiError;
use crate::store::renders::RenderEnd;
use crate::store::RenderRecord;
use crate::{files, AppState};

/// How long an idle worker waits before looking at the queue again (it is also woken when a
/// job is queued in this process).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Starts `state.config.workers` workers; they stop when `stop` is cancelled.
pub fn spawn(state: &AppState, stop: &CancelToken) -> Vec<tokio::task::JoinHandle<()>> {
    (0..state.config.workers.max(1))
        .map(|_| {
            let (state, stop) = (state.clone(), stop.clone());
            tokio::spawn(async move { work(state, stop).await })
        })
        .collect()
}

async fn work(state: AppState, stop: CancelToken) {
    let lease_ms = state.config.lease.as_millis() as i64;
    while !stop.is_cancelled() {
        match state.store.claim_render(lease_ms).await {
            Ok(Some(job)) => {
                if let Err(error) = run(&state, &job, &stop).await {
                    eprintln!("export {}: {error}", job.id);
                }
            }
            Ok(None) => {
                let queued = state.work_queued.notified();
                let _ = tokio::time::timeout(IDLE_POLL, queued).await;
            }
            Err(error) => {
                eprintln!("export queue: {error}");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Renders one claimed job to its end (or until it is no longer ours).
async fn run(state: &AppState, job: &RenderRecord, stop: &CancelToken) -> Result<(), ApiError> {
    let records = state.store.session_assets(&job.session_id).await?;
    let output = files::render_path(&state.config, &job.user_id, &job.id, job.format);
    let cancel = CancelToken::new();
    let progress = Arc::new(AtomicU64::new(0));
    let blocking = {
        let (config, job, cancel, output) = (
            Arc::clone(&state.config),
            job.clone(),
            cancel.clone(),
            output.clone(),
        );
        let progress = Arc::clone(&progress);
        tokio::task::spawn_blocking(move || -> Result<_, String> {
            let draft = timeline::wire::from_json(&job.draft_json).map_err(|e| e.to_string())?;
            let assets = files::load_assets(&config, &records).map_err(|e| e.to_string())?;
            let texts = draft
                .segments_of(TrackKind::Text)
                .filter_map(|s| s.meta.text.as_deref());
            let settings = RenderSettings {
                format: job.format,
                encoding: job.quality.encoding(),
                quality: job.quality,
                font: media::render::fonts::title_font(texts),
                limits: Limits::default(),
                cancel,
            };
            let sources = media::library::render_sources(&assets);
            render(&draft, &sources, &output, &settings, |fraction| {
                progress.store((fraction * 100.0) as u64, Ordering::Relaxed)
            })
            .map_err(|e| match e {
                MediaError::Cancelled => "cancelled".to_string(),
                other => other.to_string(),
            })
        })
    };
    let lease_ms = state.config.lease.as_millis() as i64;
    let mut blocking = blocking;
    let mut stopping = false;
    let result = loop {
        tokio::select! {
            result = &mut blocking => break result,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                // Progress short of 100 until the job is finished.
                let done = progress.load(Ordering::Relaxed).min(99) as i64;
                let ours = state.store.renew_render(job, done, lease_ms).await.unwrap_or(true);
                if !ours || stop.is_cancelled() {
                    stopping = stop.is_cancelled() && ours;
                    cancel.cancel();
                }
            }
        }
    };
    match result.map_err(ApiError::internal)? {
        Ok(outcome) => {
            let end = RenderEnd::Completed {
                duration_ms: outcome.duration_ms,
                size: outcome.size_bytes,
            };
            if !state.store.finish_render(job, end).await? {
                // Cancelled (or taken over) at the last moment: the file is nobody's.
                let _ = tokio::fs::remove_file(&output).await;
            }
        }
        Err(_) if stopping => state.store.requeue_render(job).await?,
        Err(_) if cancel.is_cancelled() => {}
        Err(error) => {
            let error = files::without_paths(&error, &state.config);
            state
                .store
                .finish_render(job, RenderEnd::Failed { error })
                .await?;
        }
    }
    Ok(())
}
