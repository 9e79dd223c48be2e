//! A chat turn: the words understood (the `agent` crate), their price held, the Plan applied to
//! the session's Draft on a worker thread with its Steps streamed as tool events and long
//! work as progress, then the new Draft and the charge committed in one transaction, or
//! nothing at all. A turn that asks for an export queues one and follows it to the download
//! link.
//!
//! [`start`] does everything that can refuse the turn (busy session, unknown words are not a
//! refusal, missing credits) before the stream begins, so those are plain protocol errors;
//! [`run`] goes on without the client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agent::media_facts::{filler_words, LibraryMedia};
use agent::{Language, Plan, Report, Stage, Step, StepEvent, Understanding};
use media::process::CancelToken;
use media::MediaKind;
use serde_json::{json, Value};
use timeline::Draft;

use crate::error::ApiError;
use crate::events::{Event, TurnLog};
use crate::exports::{self, ExportRequest};
use crate::files;
use crate::store::{self, AssetRecord, HoldEnd, RenderStatus, Session};
use crate::AppState;

/// Something kept for each session while the server runs (a restart keeps the Draft, not
/// these), for the most recent sessions only: past [`SESSIONS_KEPT`], one is forgotten for
/// each new one.
#[derive(Debug)]
pub struct PerSession<T>(Mutex<HashMap<String, T>>);

/// Sessions whose undo history (and waiting Plan) is kept.
const SESSIONS_KEPT: usize = 2_000;

impl<T> Default for PerSession<T> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<T: Clone> PerSession<T> {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, T>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, session_id: &str) -> Option<T> {
        self.map().remove(session_id)
    }

    fn put(&self, session_id: &str, value: T) {
        let mut map = self.map();
        if map.len() >= SESSIONS_KEPT && !map.contains_key(session_id) {
            if let Some(forgotten) = map.keys().next().cloned() {
                map.remove(&forgotten);
            }
        }
        map.insert(session_id.to_string(), value);
    }

    /// The value of `session_id`, left in place.
    pub fn of(&self, session_id: &str) -> Option<T> {
        self.map().get(session_id).cloned()
    }
}

/// Each session's undo history.
pub type Histories = PerSession<agent::Session>;

impl Histories {
    /// The session's history, brought up to `draft` (changed elsewhere, e.g. by an upload).
    fn resume(&self, session_id: &str, draft: Draft, language: Language) -> agent::Session {
        let mut session = self
            .take(session_id)
            .unwrap_or_else(|| agent::Session::new(draft.clone(), language));
        session.adopt(draft);
        session.language = language;
        session
    }
}

/// Plans a session was asked to confirm ("I can do X; Y is not done. Go ahead?"), kept until
/// the session's next accepted message: "yes" applies it, anything else drops it.
pub type Pending = PerSession<Plan>;

/// The language replies are in, from the session's (`en`, `zh-CN`, …).
pub fn language_of(session_language: &str) -> Language {
    Language::of_code(session_language)
}

/// A turn that may start: what was understood, what it holds, and what it starts from.
struct Accepted {
    understanding: Understanding,
    /// The words said yes to a Plan that was asked back: it is applied as it is.
    confirmed: bool,
    hold: Option<String>,
    draft: Draft,
    records: Vec<AssetRecord>,
}

/// Checks and starts a turn of `session` for `text`: the log its events go to.
pub async fn start(
    state: &AppState,
    session: Session,
    text: String,
    attributed: bool,
) -> Result<Arc<TurnLog>, ApiError> {
    let log = state
        .turns
        .begin(&session.id, session.last_event_id)
        .ok_or(ApiError::RateLimited {
            retry_after_secs: 5,
        })?;
    let accepted = match accept(state, &session, &text, attributed).await {
        Ok(accepted) => accepted,
        Err(error) => {
            log.finish();
            return Err(error);
        }
    };
    let running = state.clone();
    let turn_log = Arc::clone(&log);
    tokio::spawn(async move {
        let cancel = CancelToken::new();
        let limit = running.config.turn_limit;
        let work = run(&running, &session, accepted, &turn_log, &cancel);
        if tokio::time::timeout(limit, work).await.is_err() {
            cancel.cancel();
            turn_log.push(Event::Error {
                code: 5000,
                message: format!(
                    "the turn took longer than {} minutes and was stopped; nothing was changed",
                    limit.as_secs() / 60
                ),
            });
        }
        if let Err(error) = running
            .store
            .set_last_event_id(&session.id, turn_log.last_id())
            .await
        {
            eprintln!("turn {}: {error}", session.id);
        }
        turn_log.finish();
    });
    Ok(log)
}

/// Understands the words and holds their price.
async fn accept(
    state: &AppState,
    session: &Session,
    text: &str,
    attributed: bool,
) -> Result<Accepted, ApiError> {
    let records = state.store.session_assets(&session.id).await?;
    let draft = timeline::wire::from_json(&session.draft_json).map_err(ApiError::internal)?;
    let last_of = |kind: MediaKind| {
        records
            .iter()
            .rev()
            .find(|a| a.kind == kind)
            .map(|a| a.id.clone())
    };
    let context = agent::Context {
        language: Some(language_of(&session.language)),
        music: last_of(MediaKind::Audio),
        image: last_of(MediaKind::Image),
        can_translate: state.llm.is_some(),
    };
    // A Plan waiting for a yes is applied by "yes", dropped by anything else.
    // Read, not taken: a "yes" refused below (credits, attribution) leaves it waiting.
    let pending = state.pending.of(&session.id);
    let language = language_of(&session.language);
    let confirmed = pending.is_some() && agent::rules::confirms(text);
    let understanding = match pending {
        Some(plan) if confirmed => Understanding::Plan(plan),
        Some(_) if agent::rules::declines(text) => Understanding::Answer {
            text: match language {
                Language::English => "OK, I left it as it was.".into(),
                Language::Chinese => "好的，保持原样，没有修改。".into(),
            },
        },
        _ => {
            let planner = state.planner.clone();
            let words = text.to_string();
            tokio::task::spawn_blocking(move || planner.understand(&words, &context))
                .await
                .map_err(ApiError::internal)?
        }
    };
    let price = match &understanding {
        // Asked back first: nothing is applied (nor charged) until a yes.
        Understanding::Plan(plan) if plan.is_partial() && !confirmed => 0,
        Understanding::Plan(plan) => {
            if plan_exports(plan) && !attributed && state.config.attribution_required {
                return Err(exports::attribution_missing());
            }
            price(plan, &draft, &records, &state.config.prices)
        }
        _ => 0,
    };
    let hold = if price == 0 {
        None
    } else {
        let lifetime = state.config.turn_limit.as_secs() as i64 + 60;
        let held = state
            .store
            .hold(&session.user_id, price, "chat turn", lifetime)
            .await?;
        if held.is_none() {
            return Err(ApiError::OutOfCredits {
                needed: price,
                available: state.store.balance(&session.user_id).await?.available,
            });
        }
        held
    };
    // Accepted: a waiting Plan is applied now (a yes) or dropped (anything else).
    state.pending.take(&session.id);
    Ok(Accepted {
        understanding,
        confirmed,
        hold,
        draft,
        records,
    })
}

fn plan_exports(plan: &Plan) -> bool {
    plan.steps.iter().any(|s| matches!(s, Step::Export { .. }))
}

/// What a Plan costs: nothing when it only looks; else the turn price and each started
/// minute of the spoken clips it transcribes.
fn price(
    plan: &Plan,
    draft: &Draft,
    records: &[AssetRecord],
    prices: &crate::config::Prices,
) -> i64 {
    let edits = plan.steps.iter().any(|s| {
        !matches!(
            s,
            Step::ShowTimeline
                | Step::Export {
                    resolution: None,
                    fps: None,
                    ..
                }
        )
    });
    if !edits {
        return 0;
    }
    let transcribes = plan
        .steps
        .iter()
        .any(|s| matches!(s, Step::AddCaptions { .. } | Step::RemoveFillers));
    let mut minutes = 0;
    if transcribes {
        let mut seen = Vec::new();
        for src in draft
            .main_segments()
            .iter()
            .filter_map(|s| s.src.as_deref())
        {
            if let Some(asset) = records
                .iter()
                .find(|a| a.id == src && a.kind == MediaKind::Video)
            {
                if !seen.contains(&src) {
                    seen.push(src);
                    minutes += asset.duration_ms.div_ceil(60_000) as i64;
                }
            }
        }
    }
    prices.turn + prices.transcribed_minute * minutes
}

/// Progress of long work as `progress` events, at most one per 2% (or a new stage).
struct EventReport<'a> {
    log: &'a TurnLog,
    last: Mutex<Option<(Stage, f64)>>,
}

impl Report for EventReport<'_> {
    fn progress(&self, stage: Stage, fraction: f64) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let due = match *last {
            Some((s, f)) => s != stage || fraction - f >= 0.02,
            None => true,
        };
        if due {
            *last = Some((stage, fraction));
            self.log.push(Event::Progress {
                stage: stage.name().into(),
                fraction: (fraction.clamp(0.0, 1.0) * 100.0).round() / 100.0,
            });
        }
    }

    fn done(&self, stage: Stage) {
        self.progress(stage, 1.0);
    }

    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}

/// A Step as a tool call: its kind as the name, the rest as arguments.
fn tool_call(step: &Step) -> (String, Value) {
    let mut value = serde_json::to_value(step).unwrap_or(Value::Null);
    let name = value
        .as_object_mut()
        .and_then(|o| o.remove("do"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "edit".into());
    (name, value)
}

/// What the blocking part of a turn gives back.
struct Applied {
    outcome: Result<agent::Outcome, String>,
    session: agent::Session,
}

async fn run(
    state: &AppState,
    session: &Session,
    accepted: Accepted,
    log: &TurnLog,
    cancel: &CancelToken,
) {
    let hold = accepted.hold.clone();
    let result = follow(state, session, accepted, log, cancel).await;
    if let Err(error) = result {
        if let Some(hold) = &hold {
            let _ = state.store.end_hold(hold, HoldEnd::Release).await;
        }
        let (code, _) = error.code_and_status();
        log.push(Event::Error {
            code,
            message: error.to_string(),
        });
    }
}

async fn follow(
    state: &AppState,
    session: &Session,
    accepted: Accepted,
    log: &TurnLog,
    cancel: &CancelToken,
) -> Result<(), ApiError> {
    let Accepted {
        understanding,
        confirmed,
        hold,
        draft,
        records,
    } = accepted;
    let language = language_of(&session.language);
    let plan = match understanding {
        Understanding::Plan(plan) if plan.is_partial() && !confirmed => {
            let content = match language {
                Language::English => format!(
                    "{} Shall I go ahead with the rest? Say “yes” to apply it, or say something else.",
                    agent::reply::partial(&plan, language)
                ),
                Language::Chinese => format!(
                    "{}要先做能做的部分吗？回复“好”即可执行，或者换个说法。",
                    agent::reply::partial(&plan, language)
                ),
            };
            state.pending.put(&session.id, plan);
            log.push(Event::Text { content });
            return Ok(());
        }
        Understanding::Plan(plan) => plan,
        Understanding::Question { text }
        | Understanding::NotUnderstood { text, .. }
        | Understanding::Answer { text } => {
            log.push(Event::Text { content: text });
            return Ok(());
        }
    };

    let agent_session = state.histories.resume(&session.id, draft.clone(), language);
    let applied = apply_plan(state, &plan, records, agent_session, log, cancel).await?;
    let Applied {
        outcome,
        session: agent_session,
    } = applied;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(reply) => {
            state.histories.put(&session.id, agent_session);
            if let Some(hold) = &hold {
                state.store.end_hold(hold, HoldEnd::Release).await?;
            }
            log.push(Event::Text {
                content: files::without_paths(&reply, &state.config),
            });
            return Ok(());
        }
    };
    let new_draft = agent_session.draft().clone();
    let committed = commit(state, session, &hold, &outcome, &new_draft).await?;
    if !committed {
        state
            .histories
            .put(&session.id, agent::Session::new(draft, language));
        return Err(ApiError::Conflict(
            "the timeline changed while this turn ran (another upload or edit); nothing was applied, send the words again".into(),
        ));
    }
    state.histories.put(&session.id, agent_session);
    log.push(Event::Text {
        content: outcome.reply.clone(),
    });
    if let Some(asked) = outcome.export {
        export(state, session, &new_draft, asked, log).await?;
    }
    Ok(())
}

/// Applies the Plan on a worker thread, Steps reported as tool events.
async fn apply_plan(
    state: &AppState,
    plan: &Plan,
    records: Vec<AssetRecord>,
    mut agent_session: agent::Session,
    log: &TurnLog,
    cancel: &CancelToken,
) -> Result<Applied, ApiError> {
    let config = Arc::clone(&state.config);
    let llm = state.llm.clone();
    let plan = plan.clone();
    let cancel = cancel.clone();
    // The blocking side reports into a log it shares; the turn's log outlives it.
    let shared = Arc::new(TurnLog::new(0));
    let forward_from = Arc::clone(&shared);
    let blocking = tokio::task::spawn_blocking(move || {
        let assets = files::load_assets(&config, &records)?;
        let library = files::library(&config, &cancel);
        let report = EventReport {
            log: &forward_from,
            last: Mutex::new(None),
        };
        let media = LibraryMedia {
            library: &library,
            assets: &assets,
            speech: &config.speech,
            fillers: filler_words(&[]),
            report: &report,
            translator: llm.as_deref(),
        };
        let mut observe = |event: StepEvent| match event {
            StepEvent::Started(step) => {
                let (name, args) = tool_call(step);
                forward_from.push(Event::ToolCall { name, args });
            }
            StepEvent::Finished {
                step,
                said,
                duration_ms,
            } => {
                let (name, _) = tool_call(step);
                let result = json!({"said": said.join(" "), "duration_ms": duration_ms});
                forward_from.push(Event::ToolResult { name, result });
            }
        };
        let outcome = agent_session
            .apply_observed(&plan, &media, &mut observe)
            .map_err(|e| e.reply);
        Ok::<_, ApiError>(Applied {
            outcome,
            session: agent_session,
        })
    });
    forward(&shared, log, blocking).await
}

/// Copies the events of the blocking side into the turn's log as they come, until it is done.
async fn forward<T>(
    from: &TurnLog,
    to: &TurnLog,
    mut work: tokio::task::JoinHandle<Result<T, ApiError>>,
) -> Result<T, ApiError> {
    let mut seen = 0;
    let mut changes = from.subscribe();
    loop {
        let finished = tokio::select! {
            result = &mut work => Some(result),
            _ = changes.changed() => None,
        };
        let (events, _) = from.after(seen);
        for (id, event) in events {
            seen = id;
            to.push(event);
        }
        if let Some(result) = finished {
            return result.map_err(ApiError::internal)?;
        }
    }
}

/// Stores the new Draft and settles the hold together, or releases the hold when nothing
/// changed; `false` when the Draft was changed by someone else meanwhile.
async fn commit(
    state: &AppState,
    session: &Session,
    hold: &Option<String>,
    outcome: &agent::Outcome,
    draft: &Draft,
) -> Result<bool, ApiError> {
    if !outcome.changed {
        if let Some(hold) = hold {
            state.store.end_hold(hold, HoldEnd::Release).await?;
        }
        return Ok(true);
    }
    let mut tx = state.store.begin().await?;
    let json = timeline::wire::to_json(draft);
    if !store::set_draft_in(&mut tx, &session.id, session.draft_version, &json).await? {
        tx.rollback().await?;
        if let Some(hold) = hold {
            state.store.end_hold(hold, HoldEnd::Release).await?;
        }
        return Ok(false);
    }
    if let Some(hold) = hold {
        store::credits::end_hold_in(&mut tx, hold, HoldEnd::Settle).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Queues an export of `draft` and follows it: progress events, then the link.
async fn export(
    state: &AppState,
    session: &Session,
    draft: &Draft,
    asked: agent::ExportAsk,
    log: &TurnLog,
) -> Result<(), ApiError> {
    let id = format!(
        "render_{}_{}",
        chrono::Utc::now().timestamp_millis(),
        crate::tokens::random_hex(3)
    );
    let quality = asked.quality.unwrap_or_default();
    let format = asked.format.unwrap_or_default();
    let request = ExportRequest {
        id: id.clone(),
        draft: draft.clone(),
        quality,
        format,
        resolution: None,
    };
    log.push(Event::ToolCall {
        name: "export".into(),
        args: json!({"id": id, "quality": quality, "format": format}),
    });
    let job = exports::queue(state, session, request).await?;
    let started = Instant::now();
    let mut last_progress = -1;
    loop {
        let Some(now) = state.store.render(&session.user_id, &job.id).await? else {
            return Err(ApiError::internal("a queued export vanished"));
        };
        if now.progress != last_progress && !now.status.is_final() {
            last_progress = now.progress;
            log.push(Event::Progress {
                stage: "render".into(),
                fraction: now.progress as f64 / 100.0,
            });
        }
        match now.status {
            RenderStatus::Completed => {
                let url = exports::download_path(&now);
                log.push(Event::ToolResult {
                    name: "export".into(),
                    result: json!({
                        "id": now.id,
                        "url": url,
                        "duration": now.duration_ms.unwrap_or(0) as f64 / 1000.0,
                        "size": now.size,
                    }),
                });
                let took = started.elapsed().as_secs_f64();
                let content = match language_of(&session.language) {
                    Language::Chinese => format!("导出完成（用时 {took:.0} 秒），下载：{url}"),
                    Language::English => {
                        format!("Exported in {took:.0} s. Download: {url}")
                    }
                };
                log.push(Event::Text { content });
                return Ok(());
            }
            RenderStatus::Failed | RenderStatus::Cancelled => {
                // The edits stay (they were committed); only the export did not happen.
                let why = now.error.unwrap_or_else(|| "it was cancelled".into());
                let message = match language_of(&session.language) {
                    Language::English => {
                        format!("the edits were made, but the export failed: {why}")
                    }
                    Language::Chinese => format!("修改已完成，但导出失败（{why}）"),
                };
                log.push(Event::Error {
                    code: 5000,
                    message,
                });
                return Ok(());
            }
            RenderStatus::Pending | RenderStatus::Processing => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}
