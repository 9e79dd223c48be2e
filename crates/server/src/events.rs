//! Chat events and the log of a turn's events.
//!
//! A turn runs on its own task and appends numbered [`Event`]s to its session's
//! [`TurnLog`]; every stream of the turn (the first one, and any reconnect with
//! `Last-Event-ID`) reads the log from where it is. So a client that goes away stops nothing,
//! and one that comes back misses nothing. Ids go on across a session's turns. Each event is
//! also sent, in order, to the log's mirror, which keeps it in the database
//! (`store::turn_events`), so a client can come back at another server too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

/// Where a turn's events go besides its log, in order: (id, event).
pub type Mirror = mpsc::UnboundedSender<(i64, Event)>;

/// One server-sent event of API.md's `/run_sse` table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Text { content: String },
    ToolCall { name: String, args: Value },
    ToolResult { name: String, result: Value },
    Progress { stage: String, fraction: f64 },
    Heartbeat,
    Error { code: u32, message: String },
}

#[derive(Debug, Default)]
struct Entries {
    events: Vec<(i64, Event)>,
    finished: bool,
}

/// The events of one turn, numbered from the session's last id on.
#[derive(Debug)]
pub struct TurnLog {
    /// The id before this turn's first event.
    pub first_after: i64,
    entries: Mutex<Entries>,
    /// The id of the last event, and when the turn ends one past it, for streams to wait on.
    changed: watch::Sender<(i64, bool)>,
    /// Until the turn ends.
    mirror: Mutex<Option<Mirror>>,
}

impl TurnLog {
    pub fn new(first_after: i64) -> Self {
        Self {
            first_after,
            entries: Mutex::new(Entries::default()),
            changed: watch::channel((first_after, false)).0,
            mirror: Mutex::new(None),
        }
    }

    /// A log whose events also go to `mirror`, which is let go when the turn ends.
    pub fn mirrored(first_after: i64, mirror: Mirror) -> Self {
        let log = Self::new(first_after);
        *log.mirror.lock().unwrap_or_else(|e| e.into_inner()) = Some(mirror);
        log
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `event`; its id.
    pub fn push(&self, event: Event) -> i64 {
        let mut entries = self.entries();
        let id = entries
            .events
            .last()
            .map_or(self.first_after, |(id, _)| *id)
            + 1;
        if let Some(mirror) = &*self.mirror.lock().unwrap_or_else(|e| e.into_inner()) {
            let _ = mirror.send((id, event.clone()));
        }
        entries.events.push((id, event));
        self.changed.send_replace((id, entries.finished));
        id
    }

    /// Lets the mirror go: no event is pushed after this (the turn's own task calls it, then
    /// waits for the mirror to be written, then [`TurnLog::finish`]es).
    pub fn close_mirror(&self) {
        self.mirror.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// The turn is over: streams end after its last event.
    pub fn finish(&self) {
        self.mirror.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut entries = self.entries();
        entries.finished = true;
        let last = entries
            .events
            .last()
            .map_or(self.first_after, |(id, _)| *id);
        self.changed.send_replace((last, true));
    }

    pub fn last_id(&self) -> i64 {
        self.entries()
            .events
            .last()
            .map_or(self.first_after, |(id, _)| *id)
    }

    /// The events after `after`, and whether the turn is over.
    pub fn after(&self, after: i64) -> (Vec<(i64, Event)>, bool) {
        let entries = self.entries();
        let events = entries
            .events
            .iter()
            .filter(|(id, _)| *id > after)
            .cloned()
            .collect();
        (events, entries.finished)
    }

    pub fn is_finished(&self) -> bool {
        self.entries().finished
    }

    /// Something to wait on for the next change.
    pub fn subscribe(&self) -> watch::Receiver<(i64, bool)> {
        self.changed.subscribe()
    }
}

/// Sessions whose latest turn is kept for replay; past that, finished ones are forgotten.
const LOGS_KEPT: usize = 10_000;

/// The latest turn of each session, and which sessions have a turn running.
#[derive(Debug, Default)]
pub struct Turns {
    latest: Mutex<HashMap<String, Arc<TurnLog>>>,
    /// Held while a turn starts (its claim in the database, then its log here), so two
    /// requests of one server never claim one session's turn over each other.
    pub starting: tokio::sync::Mutex<()>,
}

impl Turns {
    fn latest(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TurnLog>>> {
        self.latest.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a turn in `session_id` with ids after `last_id`, unless one is running there;
    /// its events also go to `mirror` when there is one.
    pub fn begin(
        &self,
        session_id: &str,
        last_id: i64,
        mirror: Option<Mirror>,
    ) -> Option<Arc<TurnLog>> {
        let mut latest = self.latest();
        if let Some(running) = latest.get(session_id) {
            if !running.is_finished() {
                return None;
            }
        }
        let first_after = latest
            .get(session_id)
            .map_or(last_id, |log| log.last_id().max(last_id));
        if latest.len() >= LOGS_KEPT {
            latest.retain(|_, log| !log.is_finished());
        }
        let log = Arc::new(match mirror {
            Some(mirror) => TurnLog::mirrored(first_after, mirror),
            None => TurnLog::new(first_after),
        });
        latest.insert(session_id.to_string(), Arc::clone(&log));
        Some(log)
    }

    /// The latest turn of a session, running or over.
    pub fn latest_of(&self, session_id: &str) -> Option<Arc<TurnLog>> {
        self.latest().get(session_id).cloned()
    }

    /// Whether a turn of `session_id` runs here.
    pub fn is_running(&self, session_id: &str) -> bool {
        self.latest()
            .get(session_id)
            .is_some_and(|log| !log.is_finished())
    }

    /// Whether any turn is still running.
    pub fn any_running(&self) -> bool {
        self.latest().values().any(|log| !log.is_finished())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(content: &str) -> Event {
        Event::Text {
            content: content.into(),
        }
    }

    #[test]
    fn ids_go_on_from_the_session_and_a_reader_gets_what_came_after() {
        let log = TurnLog::new(41);
        assert_eq!(log.push(text("a")), 42);
        assert_eq!(log.push(text("b")), 43);
        let (events, finished) = log.after(42);
        assert_eq!(events, vec![(43, text("b"))]);
        assert!(!finished);
        log.finish();
        assert_eq!(log.after(43), (Vec::new(), true));
    }

    #[test]
    fn one_turn_at_a_time_per_session_and_the_next_numbers_on() {
        let turns = Turns::default();
        let first = turns.begin("s1", 0, None).unwrap();
        assert!(turns.begin("s1", 0, None).is_none(), "a turn is running");
        assert!(
            turns.begin("s2", 0, None).is_some(),
            "another session is free"
        );
        first.push(text("done"));
        first.finish();
        let second = turns.begin("s1", 0, None).unwrap();
        assert_eq!(second.push(text("next")), 2);
    }
}
