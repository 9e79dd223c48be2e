//! `POST /run_sse`: a chat turn as server-sent events. The turn itself is [`crate::turns`];
//! this reads the request and streams the turn's log: every event with its id, a heartbeat
//! when nothing else was said for a while, the end of the stream when the turn is over. With
//! `Last-Event-ID` it starts no turn: it replays the latest one after that id — from this
//! server's log while the turn runs here, else from the events the database keeps (the turn
//! ran, or runs, in another server; or it is over), ending a turn whose server died with an
//! `error` event.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agent::Step;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{attributed, Caller};
use crate::error::{json_refusal, ApiError};
use crate::events::{Event, TurnLog};
use crate::store::turn_events::TurnStand;
use crate::{turns, AppState};

#[derive(Deserialize)]
pub struct RunRequest {
    #[serde(default = "me")]
    user_id: String,
    session_id: String,
    #[serde(default)]
    new_message: Option<Message>,
    /// Steps as typed (`agent::Step`'s serde form), applied as they are: no words needed.
    #[serde(default)]
    steps: Option<Vec<Value>>,
    /// The piece the Steps are for; the current one when absent.
    #[serde(default)]
    piece_id: Option<String>,
}

/// The most Steps one typed turn may carry.
pub const MAX_STEPS: usize = 20;

fn me() -> String {
    "me".into()
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
}

pub async fn run_sse(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Json<RunRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(|e| json_refusal(e, "the body is not a chat request ({\"session_id\", \"new_message\": {\"parts\": [{\"text\"}]}} or {\"session_id\", \"steps\": [...]})"))?;
    caller.owns(&request.user_id)?;
    let session = state.store.session(&caller.0, &request.session_id).await?;
    let heartbeat = state.config.heartbeat;
    let resume_after = headers
        .get("last-event-id")
        .map(|v| event_id(v.as_bytes()))
        .transpose()?;
    if let Some(after) = resume_after {
        if let Some(log) = state.turns.latest_of(&session.id) {
            if !log.is_finished() {
                return Ok(stream_of(log, after, heartbeat).into_response());
            }
        }
        let recorded = Recorded {
            state: state.clone(),
            session_id: session.id,
            after,
            queued: Default::default(),
            heartbeat,
            quiet_since: Instant::now(),
            failed: false,
        };
        return Ok(Sse::new(stream::unfold(recorded, next_recorded)).into_response());
    }
    let asked = asked(request)?;
    let log = turns::start(&state, session, asked, attributed(&headers)).await?;
    let after = log.first_after;
    Ok(stream_of(log, after, heartbeat).into_response())
}

/// What a request asks: its typed Steps when it has them (each checked), else its words.
fn asked(request: RunRequest) -> Result<turns::Asked, ApiError> {
    if let Some(steps) = request.steps {
        return Ok(turns::Asked::Steps {
            steps: typed_steps(steps)?,
            piece_id: request.piece_id,
        });
    }
    let text: String = request
        .new_message
        .iter()
        .flat_map(|m| &m.parts)
        .filter_map(|p| p.text.as_deref())
        .collect::<Vec<_>>()
        .join("\n");
    if text.trim().is_empty() || text.chars().count() > 4000 {
        return Err(ApiError::BadRequest(
            "new_message.parts needs text: what to do, in words (up to 4000 characters), \
             or \"steps\": the Steps to apply"
                .into(),
        ));
    }
    Ok(turns::Asked::Words {
        text,
        piece_id: request.piece_id,
    })
}

/// Steps in their serde form (`{"do": "cut", "span": "between", …}`), 1 to [`MAX_STEPS`] of
/// them, each one cutline can honour; the first that is not says which and why.
pub fn typed_steps(values: Vec<Value>) -> Result<Vec<Step>, ApiError> {
    if values.is_empty() || values.len() > MAX_STEPS {
        return Err(ApiError::BadRequest(format!(
            "\"steps\" holds 1 to {MAX_STEPS} Steps, not {}",
            values.len()
        )));
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let step: Step = serde_json::from_value(value).map_err(|e| {
                ApiError::BadRequest(format!(
                    "steps[{i}] is not a Step ({{\"do\": \"cut\", \"span\": \"between\", \"start_ms\": …, \"end_ms\": …}}, {{\"do\": \"undo\"}}, …): {e}"
                ))
            })?;
            step.check()
                .map_err(|why| ApiError::BadRequest(format!("steps[{i}]: {why}")))?;
            Ok(step)
        })
        .collect()
}

/// A `Last-Event-ID` as sent: a non-negative integer, or the request is refused (anything
/// else would silently start a new, charged turn).
fn event_id(value: &[u8]) -> Result<i64, ApiError> {
    std::str::from_utf8(value)
        .ok()
        .filter(|v| !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "Last-Event-ID must be the id of an event received (a non-negative integer); \
                 send no Last-Event-ID to start a new turn"
                    .into(),
            )
        })
}

/// A resumed stream read from the events the database keeps.
struct Recorded {
    state: AppState,
    session_id: String,
    after: i64,
    queued: std::collections::VecDeque<(i64, String)>,
    heartbeat: Duration,
    quiet_since: Instant,
    /// The database could not be read: the stream said so and ends.
    failed: bool,
}

/// How often a resumed stream looks for the next recorded event.
const RECORDED_POLL: Duration = Duration::from_millis(200);

async fn next_recorded(mut reading: Recorded) -> Option<(Result<SseEvent, Infallible>, Recorded)> {
    if reading.failed {
        return None;
    }
    let store = reading.state.store.clone();
    loop {
        if let Some((id, json)) = reading.queued.pop_front() {
            reading.after = id;
            reading.quiet_since = Instant::now();
            return Some((
                Ok(SseEvent::default().id(id.to_string()).data(json)),
                reading,
            ));
        }
        // Where the turn stands first, then its events: an end read means every event
        // before it is readable.
        let stand = store.turn_stand(&reading.session_id).await;
        let events = store.events_after(&reading.session_id, reading.after).await;
        let (stand, events) = match (stand, events) {
            (Ok(stand), Ok(events)) => (stand, events),
            (Err(error), _) | (_, Err(error)) => {
                // Said, not a quiet end a client would take for the turn's: it may come back.
                eprintln!("resuming a turn of {}: {error}", reading.session_id);
                let unread = Event::Error {
                    code: 5000,
                    message: "the turn's events could not be read just now; reconnect with \
                              the same Last-Event-ID"
                        .into(),
                };
                let json = serde_json::to_string(&unread).unwrap_or_default();
                reading.queued.clear();
                reading.failed = true;
                return Some((Ok(SseEvent::default().data(json)), reading));
            }
        };
        if !events.is_empty() {
            reading.queued.extend(events);
            continue;
        }
        match stand {
            TurnStand::Over => return None,
            TurnStand::Running => {}
            TurnStand::Orphaned { token } => {
                // Its server stopped: what the turn committed before (a turn commits all or
                // nothing) is in the state; the rest was not done.
                let error = Event::Error {
                    code: 5000,
                    message: "the server running this turn stopped before the turn ended; \
                              what it had not finished was not done and is not charged (the \
                              state shows the timeline as it is now)"
                        .into(),
                };
                let json = serde_json::to_string(&error).unwrap_or_default();
                let (session, after) = (&reading.session_id, reading.after);
                if let Err(error) = store.end_orphaned_turn(session, &token, &json, after).await {
                    eprintln!("ending a stopped turn of {session}: {error}");
                    return None;
                }
                continue;
            }
        }
        if reading.quiet_since.elapsed() >= reading.heartbeat {
            reading.quiet_since = Instant::now();
            let beat = serde_json::to_string(&Event::Heartbeat).unwrap_or_default();
            return Some((Ok(SseEvent::default().data(beat)), reading));
        }
        tokio::time::sleep(RECORDED_POLL).await;
    }
}

/// What the stream is doing between events.
struct Reading {
    log: Arc<TurnLog>,
    after: i64,
    queued: std::collections::VecDeque<(i64, Event)>,
    heartbeat: Duration,
}

fn stream_of(
    log: Arc<TurnLog>,
    after: i64,
    heartbeat: Duration,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let reading = Reading {
        log,
        after,
        queued: Default::default(),
        heartbeat,
    };
    Sse::new(stream::unfold(reading, next_event))
}

async fn next_event(mut reading: Reading) -> Option<(Result<SseEvent, Infallible>, Reading)> {
    let mut changes = reading.log.subscribe();
    loop {
        if let Some((id, event)) = reading.queued.pop_front() {
            reading.after = id;
            let sse = SseEvent::default()
                .id(id.to_string())
                .data(serde_json::to_string(&event).unwrap_or_default());
            return Some((Ok(sse), reading));
        }
        let (events, finished) = reading.log.after(reading.after);
        if !events.is_empty() {
            reading.queued.extend(events);
            continue;
        }
        if finished {
            return None;
        }
        let waited = tokio::time::timeout(reading.heartbeat, changes.changed()).await;
        if waited.is_err() {
            let beat = serde_json::to_string(&Event::Heartbeat).unwrap_or_default();
            return Some((Ok(SseEvent::default().data(beat)), reading));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_last_event_id_is_a_non_negative_integer_or_refused() {
        for (value, expected) in [(&b"0"[..], Some(0)), (b"17", Some(17)), (b"007", Some(7))] {
            assert_eq!(event_id(value).ok(), expected);
        }
        for value in [
            &b""[..],
            b"abc",
            b"-1",
            b"+1",
            b"1.5",
            b"\t",
            b"\x10",
            b" 1",
            b"1e3",
            b"99999999999999999999",
        ] {
            assert!(event_id(value).is_err(), "{value:?}");
        }
    }
}
