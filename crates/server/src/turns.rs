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
use agent::pieces::{self, Aim, PieceName, Route, Work};
use agent::{Language, Plan, Report, Span, Stage, Step, StepEvent, Understanding};
use media::process::CancelToken;
use media::MediaKind;
use serde_json::{json, Value};
use timeline::{Draft, DraftMeta};

use crate::error::ApiError;
use crate::events::{Event, TurnLog};
use crate::exports::{self, ExportRequest};
use crate::files;
use crate::store::{self, AssetRecord, HoldEnd, Piece, RenderRecord, RenderStatus, Session};
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
    /// Where the Plan's Steps go, piece by piece (when a Plan is to be applied).
    route: Option<Route>,
    hold: Option<String>,
    pieces: Vec<Piece>,
    records: Vec<AssetRecord>,
}

/// What a turn is asked to do: words to understand, or Steps as typed (the studio sends its
/// transcript deletions and caption fixes this way: the same Steps words become, so they
/// are priced, applied, undone and reported alike, with no understanding between).
#[derive(Clone, Debug)]
pub enum Asked {
    /// Words that name no piece are for the piece `piece_id` names (the one the user is
    /// looking at), else the current one.
    Words {
        text: String,
        piece_id: Option<String>,
    },
    /// Applied to the piece `piece_id` names (which becomes current), else the current one.
    Steps {
        steps: Vec<Step>,
        piece_id: Option<String>,
    },
}

/// Checks and starts a turn of `session` for what was `asked`: the log its events go to.
pub async fn start(
    state: &AppState,
    session: Session,
    asked: Asked,
    attributed: bool,
) -> Result<Arc<TurnLog>, ApiError> {
    let (log, keeper) = claim(state, &session).await?;
    // Ended however this request ends, even dropped mid-way (its client went away while it
    // was accepted): the claim must not outlive it.
    let mut unstarted = Unstarted(Some(Arc::clone(&log)));
    let accepted = accept(state, &session, &asked, attributed).await?;
    unstarted.0 = None;
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
        // The stream ends once the database has every event and the claim is let go, so the
        // next message, at any server, finds the session free.
        turn_log.close_mirror();
        let _ = keeper.await;
        turn_log.finish();
    });
    Ok(log)
}

/// A claimed turn not started yet: finished (its claim let go) when dropped.
struct Unstarted(Option<Arc<TurnLog>>);

impl Drop for Unstarted {
    fn drop(&mut self) {
        if let Some(log) = self.0.take() {
            log.finish();
        }
    }
}

/// Takes the session's turn, here and in the database (no other server may run one there),
/// with a log whose events are kept in the database too; 429 while a turn runs.
async fn claim(
    state: &AppState,
    session: &Session,
) -> Result<(Arc<TurnLog>, tokio::task::JoinHandle<()>), ApiError> {
    let busy = || ApiError::RateLimited {
        retry_after_secs: 5,
    };
    let _starting = state.turns.starting.lock().await;
    if state.turns.is_running(&session.id) {
        return Err(busy());
    }
    let longest = state.config.turn_limit + CLAIM_MARGIN;
    let claim = state
        .store
        .claim_turn(&session.id, longest.as_millis() as i64)
        .await?
        .ok_or_else(busy)?;
    let (mirror, events) = tokio::sync::mpsc::unbounded_channel();
    let last = claim.last_event_id.max(session.last_event_id);
    // No turn of this server runs there (checked under `starting`): this begins.
    let log = state
        .turns
        .begin(&session.id, last, Some(mirror))
        .ok_or_else(busy)?;
    let store = state.store.clone();
    let (session_id, first_after) = (session.id.clone(), log.first_after);
    let keeper = tokio::spawn(keep_events(
        store,
        session_id,
        claim.token,
        first_after,
        events,
    ));
    Ok((log, keeper))
}

/// How long past the turn limit a claim stays when nothing ends it (a panicked turn, a lost
/// end): then any server may take the session again.
const CLAIM_MARGIN: Duration = Duration::from_secs(60);

/// Records a turn's events in the database as they come, in order, then ends its claim.
async fn keep_events(
    store: store::Store,
    session_id: String,
    token: String,
    first_after: i64,
    mut events: tokio::sync::mpsc::UnboundedReceiver<(i64, Event)>,
) {
    let mut last = first_after;
    while let Some((id, event)) = events.recv().await {
        let json = serde_json::to_string(&event).unwrap_or_default();
        let kept = retried(|| store.record_event(&session_id, id, &json)).await;
        if let Err(error) = kept {
            eprintln!("turn {session_id}: keeping event {id}: {error}");
        }
        last = id;
    }
    if let Err(error) = retried(|| store.end_turn(&session_id, &token, last)).await {
        eprintln!("turn {session_id}: ending it in the database: {error}");
    }
}

/// `write` tried up to three times, half a second apart (a database restarting, a lock
/// waited out): a turn's events and end are worth a wait.
async fn retried<F, Fut>(mut write: F) -> Result<(), ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let mut tries = 0;
    loop {
        match write().await {
            Err(_) if tries < 2 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            done => return done,
        }
    }
}

/// What was asked comes to, before anything is held or changed.
struct Understood {
    understanding: Understanding,
    confirmed: bool,
    route: Option<Route>,
    /// A Plan that names no piece it can go to: it waits for the answer to the question
    /// `understanding` holds.
    waiting: Option<Plan>,
    pieces: Vec<Piece>,
    records: Vec<AssetRecord>,
}

/// Understands the words (or takes the Steps) and routes them to the pieces they name.
/// Changes nothing: [`accept`] and [`quote`] both start here.
async fn understand(
    state: &AppState,
    session: &Session,
    asked: &Asked,
    planner: &Arc<dyn agent::Understand + Send + Sync>,
) -> Result<Understood, ApiError> {
    let records = state.store.session_assets(&session.id).await?;
    let pieces = state.store.pieces(&session.id).await?;
    let names: Vec<PieceName> = pieces
        .iter()
        .map(|p| PieceName {
            name: p.name.clone(),
            joined: p.joined,
        })
        .collect();
    let current = session
        .current_piece
        .as_deref()
        .and_then(|id| pieces.iter().position(|p| p.id == id));
    let language = language_of(&session.language);
    let (Asked::Words { piece_id, .. } | Asked::Steps { piece_id, .. }) = asked;
    let current = match piece_id {
        Some(id) => Some(
            pieces
                .iter()
                .position(|p| &p.id == id)
                .ok_or(ApiError::NotFound("piece"))?,
        ),
        None => current,
    };
    let text = match asked {
        Asked::Words { text, .. } => text,
        Asked::Steps { steps, .. } => {
            given_assets(steps, &records)?;
            let plan = Plan {
                steps: cuts_as_typed(steps.clone()),
                ..Plan::default()
            };
            // Typed Steps are not asked back: which piece is the request's to say.
            let route =
                pieces::route(&plan, &names, current, language).map_err(ApiError::BadRequest)?;
            return Ok(Understood {
                understanding: Understanding::Plan(plan),
                confirmed: false,
                route: Some(route),
                waiting: None,
                pieces,
                records,
            });
        }
    };
    let last_of = |kind: MediaKind| {
        records
            .iter()
            .rev()
            .find(|a| a.kind == kind)
            .map(|a| a.id.clone())
    };
    let context = agent::Context {
        language: Some(language),
        music: last_of(MediaKind::Audio),
        image: last_of(MediaKind::Image),
        can_translate: state.llm.is_some(),
        pieces: names.clone(),
    };
    // A Plan waiting for a yes is applied by "yes", dropped by anything else; one waiting for
    // "which video?" is applied to the piece the next words name.
    // Read, not taken: a "yes" refused below (credits, attribution) leaves it waiting.
    let pending = state.pending.of(&session.id);
    let confirmed = pending.is_some() && agent::rules::confirms(text);
    let understanding = match pending {
        Some(plan) if confirmed => Understanding::Plan(plan),
        Some(_) if agent::rules::declines(text) => Understanding::Answer {
            text: match language {
                Language::English => "OK, I left it as it was.".into(),
                Language::Chinese => "好的，保持原样，没有修改。".into(),
            },
        },
        pending => {
            let planner = planner.clone();
            let words = text.to_string();
            let understood =
                tokio::task::spawn_blocking(move || planner.understand(&words, &context))
                    .await
                    .map_err(ApiError::internal)?;
            match (understood, pending) {
                // "the second one" after "which video?": the waiting Plan, for that piece.
                (Understanding::Plan(named), Some(mut plan))
                    if named.steps.is_empty() && !named.aims.is_empty() =>
                {
                    plan.aims = vec![Aim {
                        from: 0,
                        pieces: named.aims[0].pieces.clone(),
                    }];
                    Understanding::Plan(plan)
                }
                (understood, _) => understood,
            }
        }
    };
    // Where the Steps go; words that cannot tell which piece are asked back (and the Plan
    // waits for the answer).
    let (understanding, route, waiting) = match understanding {
        Understanding::Plan(plan) => match pieces::route(&plan, &names, current, language) {
            Ok(route) => (Understanding::Plan(plan), Some(route), None),
            Err(question) => (Understanding::Question { text: question }, None, Some(plan)),
        },
        other => (other, None, None),
    };
    Ok(Understood {
        understanding,
        confirmed,
        route,
        waiting,
        pieces,
        records,
    })
}

/// A run of typed `cut` Steps between two times is read against the Draft as it was before
/// the run (the times a client saw): the ranges merged where they meet, and cut latest
/// first, so each cut leaves the times of the ones still to come where they were.
fn cuts_as_typed(steps: Vec<Step>) -> Vec<Step> {
    fn flush(run: &mut Vec<(u64, u64)>, out: &mut Vec<Step>) {
        run.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (start, end) in run.drain(..) {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        out.extend(
            merged
                .into_iter()
                .rev()
                .map(|(start_ms, end_ms)| Step::Cut {
                    span: Span::Between { start_ms, end_ms },
                }),
        );
    }
    let mut out = Vec::new();
    let mut run = Vec::new();
    for step in steps {
        match step {
            Step::Cut {
                span: Span::Between { start_ms, end_ms },
            } => run.push((start_ms, end_ms)),
            other => {
                flush(&mut run, &mut out);
                out.push(other);
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Understands what was asked, routes it to the pieces it names, and holds its price.
async fn accept(
    state: &AppState,
    session: &Session,
    asked: &Asked,
    attributed: bool,
) -> Result<Accepted, ApiError> {
    let understood = understand(state, session, asked, &state.planner).await?;
    if let Some(plan) = understood.waiting {
        state.pending.put(&session.id, plan);
        return Ok(Accepted {
            understanding: understood.understanding,
            confirmed: false,
            route: None,
            hold: None,
            pieces: understood.pieces,
            records: understood.records,
        });
    }
    let price = turn_price(state, &understood, attributed)?;
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
    let Understood {
        understanding,
        confirmed,
        route,
        pieces,
        records,
        ..
    } = understood;
    Ok(Accepted {
        understanding,
        confirmed,
        route,
        hold,
        pieces,
        records,
    })
}

/// What a turn of `asked` would be charged now, without holding anything (the studio shows
/// it before an action runs).
pub async fn quote(state: &AppState, session: &Session, asked: &Asked) -> Result<i64, ApiError> {
    // By the built-in rules only: a quote is asked at every pause in typing, and a language
    // model's call for each would cost more than the answer is worth.
    let rules: Arc<dyn agent::Understand + Send + Sync> = Arc::new(agent::RulePlanner);
    let understood = understand(state, session, asked, &rules).await?;
    if understood.waiting.is_some() {
        return Ok(0);
    }
    turn_price(state, &understood, true)
}

/// The price of what was understood (0 for a question, an answer, or a Plan asked back
/// first); an export needs the attribution headers where the operator requires them.
fn turn_price(
    state: &AppState,
    understood: &Understood,
    attributed: bool,
) -> Result<i64, ApiError> {
    match (&understood.understanding, &understood.route) {
        // Asked back first: nothing is applied (nor charged) until a yes.
        (Understanding::Plan(plan), _) if plan.is_partial() && !understood.confirmed => Ok(0),
        (Understanding::Plan(plan), Some(route)) => {
            if plan_exports(plan) && !attributed && state.config.attribution_required {
                return Err(exports::attribution_missing());
            }
            price(
                route,
                &understood.pieces,
                &understood.records,
                &state.config.prices,
            )
        }
        _ => Ok(0),
    }
}

/// The files typed Steps name are this session's, of the kind each Step plays (music and
/// voice-over a sound, an overlay or a still an image): otherwise the turn is refused before
/// it starts, saying which Step, rather than reported done and failing at every render.
fn given_assets(steps: &[Step], records: &[AssetRecord]) -> Result<(), ApiError> {
    for (i, step) in steps.iter().enumerate() {
        let (asset, kind) = match step {
            Step::AddMusic { asset, .. } | Step::AddVoiceOver { asset, .. } => {
                (asset, MediaKind::Audio)
            }
            Step::AddOverlay { asset, .. } | Step::AddStill { asset, .. } => {
                (asset, MediaKind::Image)
            }
            _ => continue,
        };
        let Some(id) = asset else { continue };
        if !records.iter().any(|r| &r.id == id && r.kind == kind) {
            return Err(ApiError::BadRequest(format!(
                "steps[{i}]: no {} file with the id {id:?} in this session (upload it first)",
                kind.name()
            )));
        }
    }
    Ok(())
}

fn plan_exports(plan: &Plan) -> bool {
    plan.steps.iter().any(|s| matches!(s, Step::Export { .. }))
}

/// What a turn costs: nothing when it only looks; else the turn price and each started
/// minute of the spoken clips it transcribes (each clip once, whichever pieces it is in).
fn price(
    route: &Route,
    pieces: &[Piece],
    records: &[AssetRecord],
    prices: &crate::config::Prices,
) -> Result<i64, ApiError> {
    let mut drafts = pieces
        .iter()
        .map(Piece::draft)
        .collect::<Result<Vec<_>, _>>()?;
    let mut edits = false;
    let mut seen: Vec<String> = Vec::new();
    let mut minutes = 0;
    for work in &route.works {
        match work {
            Work::Join { pieces } => {
                edits = true;
                let parts: Vec<&Draft> = pieces.iter().filter_map(|&i| drafts.get(i)).collect();
                let joined = timeline::join::join(&parts)
                    .unwrap_or_else(|| Draft::new(DraftMeta::default()));
                drafts.push(joined);
            }
            Work::Edit { piece, plan } => {
                edits |= plan.steps.iter().any(|s| {
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
                let transcribes = plan
                    .steps
                    .iter()
                    .any(|s| matches!(s, Step::AddCaptions { .. } | Step::RemoveFillers));
                let Some(draft) = drafts.get(*piece).filter(|_| transcribes) else {
                    continue;
                };
                for src in draft
                    .main_segments()
                    .iter()
                    .filter_map(|s| s.src.as_deref())
                {
                    let asset = records
                        .iter()
                        .find(|a| a.id == src && a.kind == MediaKind::Video);
                    if let Some(asset) = asset.filter(|_| !seen.iter().any(|s| s == src)) {
                        seen.push(src.to_string());
                        minutes += asset.duration_ms.div_ceil(60_000) as i64;
                    }
                }
            }
        }
    }
    Ok(if edits {
        prices.turn + prices.transcribed_minute * minutes
    } else {
        0
    })
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
        route,
        hold,
        pieces,
        records,
    } = accepted;
    let language = language_of(&session.language);
    let route = match (understanding, route) {
        (Understanding::Plan(plan), _) if plan.is_partial() && !confirmed => {
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
        (Understanding::Plan(_), Some(route)) => route,
        (Understanding::Plan(_), None) => return Err(ApiError::internal("a Plan without a route")),
        (
            Understanding::Question { text }
            | Understanding::NotUnderstood { text, .. }
            | Understanding::Answer { text },
            _,
        ) => {
            log.push(Event::Text { content: text });
            return Ok(());
        }
    };
    let mut work = PieceWork::start(&pieces, language)?;
    let several = pieces.len()
        + route
            .works
            .iter()
            .filter(|w| matches!(w, Work::Join { .. }))
            .count()
        > 1;
    let mut lines = Vec::new();
    let mut exports_asked = Vec::new();
    for step in route.works {
        match step {
            Work::Join { pieces: parts } => lines.push(work.join(&parts)),
            Work::Edit { piece, plan } => {
                let agent_session = work.session(state, piece);
                let applied =
                    apply_plan(state, &plan, records.clone(), agent_session, log, cancel).await?;
                match applied.outcome {
                    Ok(outcome) => {
                        let name = work.name(piece);
                        lines.push(if several {
                            format!("{name}: {}", outcome.reply)
                        } else {
                            outcome.reply.clone()
                        });
                        if let Some(asked) = outcome.export {
                            exports_asked.push((piece, asked));
                        }
                        work.sessions.insert(piece, applied.session);
                    }
                    Err(reply) => {
                        // All or nothing: the pieces this turn touched keep their histories.
                        work.put_back(state);
                        if let Some(hold) = &hold {
                            state.store.end_hold(hold, HoldEnd::Release).await?;
                        }
                        let reply = if several {
                            format!("{}: {reply}", work.name(piece))
                        } else {
                            reply
                        };
                        log.push(Event::Text {
                            content: files::in_users_terms(&reply, &state.config, &records),
                        });
                        return Ok(());
                    }
                }
            }
        }
    }
    let current = route.current;
    let Some(ids) = commit(state, session, &hold, &mut work, current).await? else {
        work.put_back(state);
        return Err(ApiError::Conflict(
            "the timeline changed while this turn ran (another upload or edit); nothing was applied, send the words again".into(),
        ));
    };
    // The studio open on this session asks for the preview next: it starts now.
    if state.preview_locks.is_watched(&session.id) {
        if let Some(id) = current.and_then(|c| ids.get(c)) {
            crate::preview::prepare(state, &session.id, id);
        }
    }
    // The exports render the pieces as this turn left them.
    let requests: Vec<_> = exports_asked
        .into_iter()
        .map(|(piece, asked)| {
            let request = (
                ids[piece].clone(),
                work.name(piece).to_string(),
                work.draft(piece).clone(),
            );
            (request, asked)
        })
        .collect();
    for (index, agent_session) in std::mem::take(&mut work.sessions) {
        state.histories.put(&ids[index], agent_session);
    }
    // Only a piece named ("the second one"): which one words now go to.
    if lines.is_empty() {
        let name = current
            .map(|c| work.name(c).to_string())
            .unwrap_or_default();
        lines.push(match language {
            Language::English => format!("OK, working on {name} now."),
            Language::Chinese => format!("好的，接下来修改 {name}。"),
        });
    }
    log.push(Event::Text {
        content: lines.join(if several { "\n" } else { " " }),
    });
    let mut jobs = Vec::new();
    for (request, asked) in requests {
        jobs.push(queue_export(state, session, request, asked, log).await?);
    }
    for job in jobs {
        follow_export(state, session, job, log).await?;
    }
    Ok(())
}

/// The pieces of a turn as it goes: their Drafts, the undo histories it has taken out, and
/// the pieces its joins made.
struct PieceWork<'a> {
    pieces: &'a [Piece],
    drafts: Vec<Draft>,
    /// Names of the pieces made by joins in this turn (they come after `pieces`).
    joined: Vec<String>,
    sessions: HashMap<usize, agent::Session>,
    /// The histories as they were, put back when the turn applies nothing.
    before: Vec<(String, agent::Session)>,
    language: Language,
}

impl<'a> PieceWork<'a> {
    fn start(pieces: &'a [Piece], language: Language) -> Result<Self, ApiError> {
        let drafts = pieces
            .iter()
            .map(Piece::draft)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            pieces,
            drafts,
            joined: Vec::new(),
            sessions: HashMap::new(),
            before: Vec::new(),
            language,
        })
    }

    fn name(&self, piece: usize) -> &str {
        match self.pieces.get(piece) {
            Some(p) => &p.name,
            None => self
                .joined
                .get(piece - self.pieces.len())
                .map(String::as_str)
                .unwrap_or_default(),
        }
    }

    fn draft(&self, piece: usize) -> &Draft {
        match self.sessions.get(&piece) {
            Some(session) => session.draft(),
            None => &self.drafts[piece],
        }
    }

    /// The piece's undo history, taken out for the turn (a joined piece starts its own).
    fn session(&mut self, state: &AppState, piece: usize) -> agent::Session {
        if let Some(session) = self.sessions.remove(&piece) {
            return session;
        }
        let draft = self.drafts[piece].clone();
        match self.pieces.get(piece) {
            Some(p) => {
                let session = state.histories.resume(&p.id, draft, self.language);
                self.before.push((p.id.clone(), session.clone()));
                session
            }
            None => agent::Session::new(draft, self.language),
        }
    }

    /// Joins `parts` into a new piece: what the reply says of it.
    fn join(&mut self, parts: &[usize]) -> String {
        let drafts: Vec<Draft> = parts.iter().map(|&i| self.draft(i).clone()).collect();
        let refs: Vec<&Draft> = drafts.iter().collect();
        let joined =
            timeline::join::join(&refs).unwrap_or_else(|| Draft::new(DraftMeta::default()));
        let names: Vec<&str> = parts.iter().map(|&i| self.name(i)).collect();
        let stems: Vec<&str> = names
            .iter()
            .map(|n| n.rsplit_once('.').map_or(*n, |(stem, _)| stem))
            .collect();
        let taken: Vec<String> = (0..self.drafts.len())
            .map(|i| self.name(i).to_string())
            .collect();
        let name = store::pieces::unique_name(&format!("{}.mp4", stems.join("+")), &taken);
        let lost = timeline::join::settings_not_kept(&refs);
        let said = agent::reply::joined(&names, joined.duration_ms, &lost, self.language);
        self.drafts.push(joined);
        self.joined.push(name);
        said
    }

    fn put_back(&mut self, state: &AppState) {
        for (id, session) in self.before.drain(..) {
            state.histories.put(&id, session);
        }
    }
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

/// Stores every changed Draft, the joined pieces and the current piece, and settles the hold,
/// together; the hold is released when nothing changed. The ids of all pieces (joined ones
/// after the others), or `None` when a Draft was changed by someone else meanwhile.
async fn commit(
    state: &AppState,
    session: &Session,
    hold: &Option<String>,
    work: &mut PieceWork<'_>,
    current: Option<usize>,
) -> Result<Option<Vec<String>>, ApiError> {
    let mut ids: Vec<String> = work.pieces.iter().map(|p| p.id.clone()).collect();
    let changed: Vec<usize> = (0..work.pieces.len())
        .filter(|&i| work.draft(i) != &work.drafts[i])
        .collect();
    let mut tx = state.store.begin().await?;
    for &i in &changed {
        let piece = &work.pieces[i];
        let json = timeline::wire::to_json(work.draft(i));
        if !store::pieces::set_draft_in(&mut tx, &piece.id, piece.draft_version, &json).await? {
            tx.rollback().await?;
            if let Some(hold) = hold {
                state.store.end_hold(hold, HoldEnd::Release).await?;
            }
            return Ok(None);
        }
    }
    for (n, name) in work.joined.clone().iter().enumerate() {
        let index = work.pieces.len() + n;
        let json = timeline::wire::to_json(work.draft(index));
        let piece = store::pieces::insert_in(&mut tx, &session.id, name, true, &json).await?;
        ids.push(piece.id);
    }
    let current_id = current.and_then(|i| ids.get(i)).map(String::as_str);
    if current_id != session.current_piece.as_deref() && !work.pieces.is_empty() {
        store::pieces::set_current_in(&mut tx, &session.id, current_id).await?;
    }
    let anything = !changed.is_empty() || !work.joined.is_empty();
    if let Some(hold) = hold {
        let end = if anything {
            HoldEnd::Settle
        } else {
            HoldEnd::Release
        };
        if !store::credits::end_hold_in(&mut tx, hold, end).await? {
            // Released meanwhile: this server was taken for stopped (its lease lapsed), so
            // the turn must not land unpaid.
            tx.rollback().await?;
            return Err(ApiError::internal(
                "the turn's credit hold was released before it ended; nothing was changed",
            ));
        }
    }
    tx.commit().await?;
    Ok(Some(ids))
}

/// Queues an export of a piece: (its id, its name, the Draft to render).
async fn queue_export(
    state: &AppState,
    session: &Session,
    (piece_id, name, draft): (String, String, Draft),
    asked: agent::ExportAsk,
    log: &TurnLog,
) -> Result<(RenderRecord, String), ApiError> {
    let id = format!(
        "render_{}_{}",
        chrono::Utc::now().timestamp_millis(),
        crate::tokens::random_hex(3)
    );
    let quality = asked.quality.unwrap_or_default();
    let format = asked.format.unwrap_or_default();
    let request = ExportRequest {
        id: id.clone(),
        draft,
        piece_id: Some(piece_id.clone()),
        quality,
        format,
        resolution: None,
    };
    log.push(Event::ToolCall {
        name: "export".into(),
        args: json!({"id": id, "quality": quality, "format": format, "piece_id": piece_id, "piece": name}),
    });
    Ok((exports::queue(state, session, request).await?, name))
}

/// Follows a queued export: progress events, then the link.
async fn follow_export(
    state: &AppState,
    session: &Session,
    (job, name): (RenderRecord, String),
    log: &TurnLog,
) -> Result<(), ApiError> {
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
                        "format": now.format,
                        "piece_id": now.piece_id,
                        "piece": name,
                    }),
                });
                let took = started.elapsed().as_secs_f64();
                let content = match language_of(&session.language) {
                    Language::Chinese => {
                        format!("{name} 导出完成（用时 {took:.0} 秒），下载：{url}")
                    }
                    Language::English => {
                        format!("{name} exported in {took:.0} s. Download: {url}")
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
                        format!("the edits were made, but the export of {name} failed: {why}")
                    }
                    Language::Chinese => format!("修改已完成，但 {name} 导出失败（{why}）"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(start_ms: u64, end_ms: u64) -> Step {
        Step::Cut {
            span: Span::Between { start_ms, end_ms },
        }
    }

    #[test]
    fn typed_cuts_are_read_against_the_draft_as_it_was_and_cut_latest_first() {
        // In any order, overlapping and touching ranges merged, latest first.
        let steps = vec![
            cut(1_000, 1_500),
            cut(4_000, 4_200),
            cut(1_400, 2_000),
            cut(2_000, 2_100),
        ];
        assert_eq!(
            cuts_as_typed(steps),
            vec![cut(4_000, 4_200), cut(1_000, 2_100)]
        );
        // Another Step ends a run: the cuts after it are times of the Draft it left.
        let steps = vec![
            cut(100, 200),
            cut(500, 600),
            Step::Undo,
            cut(10, 20),
            cut(0, 5),
        ];
        assert_eq!(
            cuts_as_typed(steps),
            vec![
                cut(500, 600),
                cut(100, 200),
                Step::Undo,
                cut(10, 20),
                cut(0, 5)
            ]
        );
        // Other spans are left as they are.
        let first = Step::Cut {
            span: Span::First { ms: 300 },
        };
        assert_eq!(cuts_as_typed(vec![first.clone()]), vec![first]);
    }
}
