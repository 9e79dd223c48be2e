//! The export workers of this process: each claims a job from the queue in the database,
//! renders it on a blocking thread with the engine (`media::render`), renews its lease every
//! second (which is also how it learns the job was cancelled), and finishes it under the
//! attempt it claimed. When the server stops, a running render is stopped and its job put
//! back in the queue for the next start; a worker that dies without a word leaves a lease
//! that runs out, and the job is claimed again.
//!
//! Besides the `workers` general workers there is one of the short lane (unless
//! `short_export` is zero): it takes only exports at most that long, so with a single general
//! worker busy for an hour a one-minute export still starts at once. Every worker keeps to
//! `exports_per_user` (see `store::renders` for how a claim is fair).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use media::process::CancelToken;
use media::render::{render, RenderSettings, Streams};
use media::{Limits, MediaError};
use timeline::TrackKind;

use crate::config::Config;
use crate::error::ApiError;
use crate::store::renders::{Lane, RenderEnd};
use crate::store::RenderRecord;
use crate::{files, AppState};

/// How long an idle worker waits before looking at the queue again (it is also woken when a
/// job is queued in this process).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// The lanes of this process's workers: `workers` that take any job, and the short lane.
pub fn lanes(config: &Config) -> Vec<Lane> {
    let per_user = config.exports_per_user.max(1);
    let any = Lane {
        longest_ms: None,
        per_user,
    };
    let mut lanes = vec![any; config.workers.max(1)];
    let short_ms = config.short_export.as_millis() as u64;
    if short_ms > 0 {
        lanes.push(Lane {
            longest_ms: Some(short_ms),
            per_user,
        });
    }
    lanes
}

/// Starts the workers of [`lanes`]; they stop when `stop` is cancelled.
pub fn spawn(state: &AppState, stop: &CancelToken) -> Vec<tokio::task::JoinHandle<()>> {
    lanes(&state.config)
        .into_iter()
        .map(|lane| {
            let (state, stop) = (state.clone(), stop.clone());
            tokio::spawn(async move { work(state, lane, stop).await })
        })
        .collect()
}

async fn work(state: AppState, lane: Lane, stop: CancelToken) {
    let lease_ms = state.config.lease.as_millis() as i64;
    while !stop.is_cancelled() {
        match state.store.claim_render(lease_ms, lane).await {
            Ok(Some(job)) => {
                if let Err(error) = run(&state, &job, &stop).await {
                    eprintln!("export {}: {error}", job.id);
                }
                // A job of this user that waited for this one may start now.
                state.work_queued.notify_waiters();
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
                work_in: Some(config.tmp_dir()),
                streams: Streams::All,
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
