//! Chat turns: the reply in the session's language, one turn at a time per session, a client
//! that leaves mid-turn stops nothing, and `Last-Event-ID` replays what it missed.

use std::time::Duration;

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::{balance, read_events, run_sse, session_for, start, state, upload, Running};

fn session_with_talk(server: &Running, client: &str, language: &str) -> (String, String) {
    let (bearer, session_id) = session_for(server, client, language);
    let bytes = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    upload(server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();
    (bearer, session_id)
}

/// Opens a turn's stream and returns it unread.
fn open_turn(server: &Running, bearer: &str, session_id: &str, text: &str) -> ureq::Response {
    ureq::post(&format!("{}/run_sse", server.base))
        .set("Authorization", bearer)
        .send_json(json!({"session_id": session_id,
                          "new_message": {"parts": [{"text": text}]}}))
        .expect("the turn starts")
}

#[test]
fn a_client_that_leaves_mid_turn_misses_nothing_with_last_event_id() {
    let server = start(|config| config.heartbeat = Duration::from_millis(100));
    let (bearer, session_id) = session_with_talk(&server, "flaky", "en");
    let before_ms = state(&server, &bearer, &session_id)["draft"]["d"]
        .as_u64()
        .unwrap();
    let words = "trim the pauses and add captions";
    let first = read_events(
        open_turn(&server, &bearer, &session_id, words).into_reader(),
        Some(1),
    );
    let last = first.last().unwrap();
    assert_eq!(last.data["type"], "tool_call");
    let seen = last.id.unwrap();
    // The connection is gone; the turn goes on. Back with the last id seen:
    let resumed = ureq::post(&format!("{}/run_sse", server.base))
        .set("Authorization", &bearer)
        .set("Last-Event-ID", &seen.to_string())
        .send_json(json!({"session_id": session_id,
                          "new_message": {"parts": [{"text": words}]}}))
        .unwrap();
    let rest = read_events(resumed.into_reader(), None);
    let ids = crate::assert_the_rest_of_a_turn(&rest, seen);
    let after_ms = state(&server, &bearer, &session_id)["draft"]["d"]
        .as_u64()
        .unwrap();
    assert!(
        after_ms < before_ms,
        "the turn finished: {before_ms} → {after_ms}"
    );
    assert_eq!(balance(&server, &bearer).0, 98, "charged once");

    // The next turn numbers on.
    let next = run_sse(
        &server,
        &[("Authorization", &bearer)],
        &session_id,
        "undo",
        None,
    );
    let first_id = next.events.iter().find_map(|e| e.id).unwrap();
    assert_eq!(first_id, ids.last().unwrap() + 1);
    assert_eq!(
        state(&server, &bearer, &session_id)["draft"]["d"].as_u64(),
        Some(before_ms),
        "undo reaches back across turns"
    );
}

#[test]
fn a_second_turn_in_a_busy_session_is_429_and_other_sessions_go_on() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with_talk(&server, "busy", "en");
    let running = open_turn(&server, &bearer, &session_id, "add captions");
    let second = run_sse(
        &server,
        &[("Authorization", &bearer)],
        &session_id,
        "make it 9:16",
        None,
    );
    assert_eq!(second.status, 429);
    assert_eq!(second.refused.unwrap()["code"], 429);
    let (other_bearer, other_session) = session_for(&server, "busy", "en");
    let bytes = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    upload(
        &server,
        &other_bearer,
        &other_session,
        &[("short.mp4", &bytes)],
    )
    .data();
    let other = run_sse(
        &server,
        &[("Authorization", &other_bearer)],
        &other_session,
        "make it 9:16",
        None,
    );
    assert_eq!(other.status, 200, "another session of the same user");
    let done = read_events(running.into_reader(), None);
    assert!(done.iter().any(|e| e.data["type"] == "text"));
}

#[test]
fn replies_come_in_the_sessions_language_and_unknown_words_change_nothing() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with_talk(&server, "zh", "zh-CN");
    let auth = [("Authorization", bearer.as_str())];
    let turn = run_sse(&server, &auth, &session_id, "把停顿剪掉", None);
    let text = turn.text();
    assert!(
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{text}"
    );
    assert_eq!(balance(&server, &bearer).0, 99);
    let before = state(&server, &bearer, &session_id)["draft"].clone();
    let unknown = run_sse(&server, &auth, &session_id, "帮我订一张机票", None);
    assert_eq!(unknown.status, 200);
    assert!(!unknown.text().is_empty());
    assert!(unknown.of("tool_call").is_empty());
    assert_eq!(state(&server, &bearer, &session_id)["draft"], before);
    assert_eq!(balance(&server, &bearer).0, 99, "free");
}
