//! The export workers of this process: each claims a job from the queue in the database,
//! renders it on a blocking thread with the engine (`media::render`), renews its lease every
//! second (which is also how it learns the job was cancelled), and finishes it under the
//! attempt it claimed. When the server stops, a running render is stopped and its job put
//! back in the queue for the next start; a worker that dies without a word leaves a lease
//! that runs out, and the job is claimed again.
//!
//! A long MP4 export is made in parts (`media::render::parts`): the worker that claims it
//! writes its parts to the database (the whole sound, and the picture of each range of about
//! `part_length`), and every free worker, in this process or another (`cutline worker`),
//! claims parts when no new export may start (so one user's long export never holds back
//! another's), each under its own lease. The worker holding the export
//! renders parts of it too, keeps the export's lease and progress up to date from its parts,
//! and joins them when all are done. A part whose worker died is claimed again when its lease
//! runs out; the export completes once and is charged once.
//!
//! Besides the `workers` general workers there is one of the short lane (unless
//! `short_export` is zero or there are no workers): it takes only exports at most that long,
//! so with a single general worker busy for an hour a one-minute export still starts at
//! once. Every worker keeps to `exports_per_user` (see `store::renders` for how a claim is
//! fair).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use media::process::CancelToken;
use media::render::parts::{join, plan_parts, render_part, render_sound};
use media::render::{render, RenderOutcome, RenderSettings, Streams};
use media::{Limits, MediaError};
use timeline::{Draft, TrackKind};

use crate::config::Config;
use crate::error::ApiError;
use crate::store::renders::{Lane, RenderEnd};
use crate::store::{PartRecord, RenderRecord};
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
    let mut lanes = vec![any; config.workers];
    let short_ms = config.short_export.as_millis() as u64;
    if short_ms > 0 && config.workers > 0 {
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
                if job.attempt > 1 {
                    eprintln!(
                        "export {}: taken again (attempt {}), its worker stopped",
                        job.id, job.attempt
                    );
                }
                if let Err(error) = run(&state, &job, &stop).await {
                    eprintln!("export {}: {error}", job.id);
                }
                // A job of this user that waited for this one may start now.
                state.work_queued.notify_waiters();
                continue;
            }
            Ok(None) => {}
            Err(error) => {
                eprintln!("export queue: {error}");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
        }
        // No export this lane may start (the queue's fairness holds): a part of a long export
        // under way. Not in the short lane, which stays free for short exports.
        if lane.longest_ms.is_none() {
            match state.store.claim_part(lease_ms, None).await {
                Ok(Some(part)) => {
                    if let Err(error) = run_part(&state, &part, &stop, None).await {
                        eprintln!("export {} part {}: {error}", part.render_id, part.number);
                    }
                    continue;
                }
                Ok(None) => {}
                Err(error) => eprintln!("export parts: {error}"),
            }
        }
        let queued = state.work_queued.notified();
        let _ = tokio::time::timeout(IDLE_POLL, queued).await;
    }
}

/// The engine's settings for rendering `job` (or a part of it), stopped by `cancel`.
fn settings_for(
    config: &Config,
    job: &RenderRecord,
    draft: &Draft,
    cancel: CancelToken,
) -> RenderSettings {
    let texts = draft
        .segments_of(TrackKind::Text)
        .filter_map(|s| s.meta.text.as_deref());
    RenderSettings {
        format: job.format,
        encoding: job.quality.encoding(),
        quality: job.quality,
        font: media::render::fonts::title_font(texts),
        limits: Limits::default(),
        cancel,
        work_in: Some(config.tmp_dir()),
        streams: Streams::All,
    }
}

/// What a blocking render gives back: its outcome, or why it stopped in words.
type Rendered = Result<RenderOutcome, String>;

fn in_words(error: MediaError) -> String {
    match error {
        MediaError::Cancelled => "cancelled".to_string(),
        other => other.to_string(),
    }
}

/// Runs `render` (given the cancel token and a progress counter in percent) on a blocking
/// thread; every second calls `renew` with the progress, and cancels the render when it
/// answers `false` or when `stop` is cancelled. The outcome, and whether `stop` ended it
/// while `renew` still held.
async fn with_lease<R, F>(
    render: impl FnOnce(CancelToken, Arc<AtomicU64>) -> Rendered + Send + 'static,
    stop: &CancelToken,
    mut renew: R,
) -> Result<(Rendered, bool), ApiError>
where
    R: FnMut(i64) -> F,
    F: std::future::Future<Output = bool>,
{
    let cancel = CancelToken::new();
    let progress = Arc::new(AtomicU64::new(0));
    let mut blocking = {
        let (cancel, progress) = (cancel.clone(), Arc::clone(&progress));
        tokio::task::spawn_blocking(move || render(cancel, progress))
    };
    let mut stopping = false;
    let result = loop {
        tokio::select! {
            result = &mut blocking => break result,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                // Progress short of 100 until the work is finished.
                let done = progress.load(Ordering::Relaxed).min(99) as i64;
                let ours = renew(done).await;
                if !ours || stop.is_cancelled() {
                    stopping = stop.is_cancelled() && ours;
                    cancel.cancel();
                }
            }
        }
    };
    Ok((result.map_err(ApiError::internal)?, stopping))
}

/// Renders one claimed job to its end (or until it is no longer ours); a long MP4 in parts.
async fn run(state: &AppState, job: &RenderRecord, stop: &CancelToken) -> Result<(), ApiError> {
    let draft = timeline::wire::from_json(&job.draft_json).map_err(ApiError::internal)?;
    let part_ms = state.config.part_length.as_millis() as u64;
    // Parts an earlier attempt wrote down are kept as they are (a worker with another
    // `--part-secs` takes the export over): their pictures may be rendered already.
    let written = state.store.render_parts(job).await?;
    let ranges = match (written.len(), part_ms) {
        (2.., _) => written[1..].iter().map(|p| p.range).collect(),
        // Parts are off: every export is one job.
        (_, 0) => Vec::new(),
        _ => plan_parts(&draft, job.format, part_ms),
    };
    if ranges.len() > 1 {
        return run_in_parts(state, job, &draft, &ranges, stop).await;
    }
    let records = state.store.session_assets(&job.session_id).await?;
    let output = files::render_path(&state.config, &job.user_id, &job.id, job.format);
    let render_job = {
        let (config, job, output) = (Arc::clone(&state.config), job.clone(), output.clone());
        move |cancel: CancelToken, progress: Arc<AtomicU64>| -> Rendered {
            let assets = files::load_assets(&config, &records).map_err(|e| e.to_string())?;
            let settings = settings_for(&config, &job, &draft, cancel);
            let sources = media::library::render_sources(&assets);
            render(&draft, &sources, &output, &settings, |fraction| {
                progress.store((fraction * 100.0) as u64, Ordering::Relaxed)
            })
            .map_err(in_words)
        }
    };
    let lease_ms = state.config.lease.as_millis() as i64;
    let (result, stopping) = with_lease(render_job, stop, |done| {
        let store = state.store.clone();
        async move {
            store
                .renew_render(job, done, lease_ms)
                .await
                .unwrap_or(true)
        }
    })
    .await?;
    end_job(state, job, result, stopping, &output).await
}

/// Ends a claimed job with what its render gave.
async fn end_job(
    state: &AppState,
    job: &RenderRecord,
    result: Rendered,
    stopping: bool,
    output: &std::path::Path,
) -> Result<(), ApiError> {
    match result {
        Ok(outcome) => {
            let end = RenderEnd::Completed {
                duration_ms: outcome.duration_ms,
                size: outcome.size_bytes,
            };
            if !state.store.finish_render(job, end).await? {
                // Cancelled (or taken over) at the last moment: the file is nobody's.
                let _ = tokio::fs::remove_file(output).await;
            }
        }
        Err(_) if stopping => state.store.requeue_render(job).await?,
        Err(error) if error == "cancelled" => {}
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

/// How long the worker holding a long export waits between looks at its parts when others
/// are rendering all that is left.
const PARTS_POLL: Duration = Duration::from_millis(250);

/// A long export: its parts written down (or found, when an earlier attempt did), rendered
/// here while parts are left to take, the export's lease kept meanwhile, then joined.
async fn run_in_parts(
    state: &AppState,
    job: &RenderRecord,
    draft: &Draft,
    ranges: &[timeline::time::TimeRange],
    stop: &CancelToken,
) -> Result<(), ApiError> {
    let lease_ms = state.config.lease.as_millis() as i64;
    state.store.split_render(job, ranges).await?;
    // Another worker may be free for a part now.
    state.work_queued.notify_waiters();
    // The export's lease and progress, kept by a task of its own while this worker renders
    // parts; `lost` is cancelled when the export is no longer ours (cancelled, taken over).
    let lost = CancelToken::new();
    let keeper = {
        let (store, job, lost) = (state.store.clone(), job.clone(), lost.clone());
        AbortOnDrop(tokio::spawn(async move {
            loop {
                let parts = store.render_parts(&job).await.unwrap_or_default();
                let done = weighted_progress(&parts);
                if !store
                    .renew_render(&job, done, lease_ms)
                    .await
                    .unwrap_or(true)
                {
                    lost.cancel();
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }))
    };
    let outcome = loop {
        if lost.is_cancelled() {
            break None;
        }
        if stop.is_cancelled() {
            drop(keeper);
            state.store.requeue_render(job).await?;
            return Ok(());
        }
        let parts = state.store.render_parts(job).await?;
        if parts.iter().all(|p| p.done) {
            break Some(parts);
        }
        match state.store.claim_part(lease_ms, Some(job)).await? {
            Some(part) => run_part(state, &part, stop, Some(&lost)).await?,
            None => tokio::time::sleep(PARTS_POLL).await,
        }
    };
    drop(keeper);
    let folder = files::parts_dir(&state.config, &job.user_id, &job.id);
    let Some(parts) = outcome else {
        // Cancelled: its parts are nobody's. (Taken over: the new holder still needs them.)
        if let Ok(Some(now)) = state.store.render(&job.user_id, &job.id).await {
            if now.status.is_final() {
                let _ = tokio::fs::remove_dir_all(&folder).await;
            }
        }
        return Ok(());
    };
    let output = files::render_path(&state.config, &job.user_id, &job.id, job.format);
    let paths: Vec<_> = parts
        .iter()
        .map(|p| files::export_part_path(&state.config, &job.user_id, &job.id, p.number))
        .collect();
    let joining = {
        let (config, job, draft, output) = (
            Arc::clone(&state.config),
            job.clone(),
            draft.clone(),
            output.clone(),
        );
        move |cancel: CancelToken, _progress: Arc<AtomicU64>| -> Rendered {
            let settings = settings_for(&config, &job, &draft, cancel);
            join(
                &paths[1..],
                &paths[0],
                &output,
                draft.duration_ms,
                &settings,
            )
            .map_err(in_words)
        }
    };
    let (result, stopping) = with_lease(joining, stop, |_| {
        let store = state.store.clone();
        async move { store.renew_render(job, 99, lease_ms).await.unwrap_or(true) }
    })
    .await?;
    let joined = result.is_ok();
    end_job(state, job, result, stopping, &output).await?;
    if joined {
        let _ = tokio::fs::remove_dir_all(&folder).await;
    }
    Ok(())
}

/// A task stopped when its handle is dropped, on every path out (an error returned with `?`
/// included): the keeper of an export's lease must never outlive its holder.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An export's progress from its parts, each weighed by its length (the sound counts for a
/// twentieth of its length: it renders that much faster); 99 at most until it is joined.
fn weighted_progress(parts: &[PartRecord]) -> i64 {
    let weight = |p: &PartRecord| {
        let ms = p.range.duration_ms() as f64;
        if p.is_sound() {
            ms / 20.0
        } else {
            ms
        }
    };
    let total: f64 = parts.iter().map(weight).sum();
    if total <= 0.0 {
        return 0;
    }
    let done: f64 = parts.iter().map(|p| weight(p) * p.progress as f64).sum();
    ((done / total) as i64).min(99)
}

/// Renders one claimed part (its export's sound, or the picture of one range) into the
/// export's parts folder. `lost`: the export the caller holds, whose loss stops this too.
async fn run_part(
    state: &AppState,
    part: &PartRecord,
    stop: &CancelToken,
    lost: Option<&CancelToken>,
) -> Result<(), ApiError> {
    if part.attempt > 1 {
        eprintln!(
            "export {} part {}: taken again (attempt {}), its worker stopped",
            part.render_id, part.number, part.attempt
        );
    }
    let Some(job) = state.store.render(&part.user_id, &part.render_id).await? else {
        return Ok(());
    };
    let records = state.store.session_assets(&job.session_id).await?;
    let output =
        files::export_part_path(&state.config, &part.user_id, &part.render_id, part.number);
    let rendering = {
        let (config, job, part, output) = (
            Arc::clone(&state.config),
            job.clone(),
            part.clone(),
            output.clone(),
        );
        move |cancel: CancelToken, progress: Arc<AtomicU64>| -> Rendered {
            let draft = timeline::wire::from_json(&job.draft_json).map_err(|e| e.to_string())?;
            let assets = files::load_assets(&config, &records).map_err(|e| e.to_string())?;
            let sources = media::library::render_sources(&assets);
            let settings = settings_for(&config, &job, &draft, cancel);
            if let Some(folder) = output.parent() {
                std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
            }
            let report =
                |fraction: f64| progress.store((fraction * 100.0) as u64, Ordering::Relaxed);
            if part.is_sound() {
                render_sound(&draft, &sources, &output, &settings, report)
            } else {
                render_part(&draft, part.range, &sources, &output, &settings, report)
            }
            .map_err(in_words)
        }
    };
    let lease_ms = state.config.lease.as_millis() as i64;
    let (result, stopping) = with_lease(rendering, stop, |done| {
        let store = state.store.clone();
        let lost = lost.map(|l| l.is_cancelled()).unwrap_or(false);
        async move { !lost && store.renew_part(part, done, lease_ms).await.unwrap_or(true) }
    })
    .await?;
    match result {
        Ok(_) => {
            state.store.finish_part(part).await?;
        }
        Err(_) if stopping => state.store.requeue_part(part).await?,
        Err(error) if error == "cancelled" => {}
        Err(error) => {
            let error = files::without_paths(&error, &state.config);
            state.store.fail_render_of(part, &error).await?;
        }
    }
    Ok(())
}
