//! What the studio page needs beyond API.md, over real HTTP: edits sent as typed Steps (the
//! same turn as words: priced, streamed, undoable), the preview of a piece made from proxies
//! behind a signed link, the transcript in timeline time, price quotes and the sessions list.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::talk::{specs, talk};

use crate::{balance, read_events, run_sse, session_for, start, state, upload, Running, Turn};

/// Sends a chat request of this body and reads its stream to the end.
pub fn run_body(server: &Running, bearer: &str, body: Value) -> Turn {
    let response = ureq::post(&format!("{}/run_sse", server.base))
        .set("Authorization", bearer)
        .timeout(Duration::from_secs(600))
        .send_json(body);
    match response {
        Ok(r) => Turn {
            status: r.status(),
            events: read_events(r.into_reader(), None),
            refused: None,
        },
        Err(ureq::Error::Status(status, r)) => Turn {
            status,
            events: Vec::new(),
            refused: r.into_json().ok(),
        },
        Err(e) => panic!("run_sse: {e}"),
    }
}

/// A turn of typed Steps.
pub fn run_steps(server: &Running, bearer: &str, session_id: &str, steps: Value) -> Turn {
    run_body(
        server,
        bearer,
        json!({"session_id": session_id, "steps": steps}),
    )
}

/// The current piece's Draft length.
fn length(server: &Running, bearer: &str, session_id: &str) -> u64 {
    state(server, bearer, session_id)["draft"]["d"]
        .as_u64()
        .unwrap()
}

/// A session of a new user with `spec`'s talk uploaded: (bearer, session id).
pub fn session_with(
    server: &Running,
    client: &str,
    spec: &testkit::talk::TalkSpec,
) -> (String, String) {
    let (bearer, session_id) = session_for(server, client, "en");
    let bytes = std::fs::read(talk(spec).path).unwrap();
    upload(server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();
    (bearer, session_id)
}

#[test]
fn typed_steps_are_a_turn_like_words_priced_streamed_and_undone() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with(&server, "typed", &specs::WIDE_TALK);
    let auth = [("Authorization", bearer.as_str())];
    let full = length(&server, &bearer, &session_id);

    // Words first, for the price a turn of one cut has.
    let (before, _, _) = balance(&server, &bearer);
    let said = run_sse(&server, &auth, &session_id, "cut from 0:01 to 0:02", None);
    assert_eq!(
        length(&server, &bearer, &session_id),
        full - 1_000,
        "{}",
        said.text()
    );
    let (after_words, _, _) = balance(&server, &bearer);
    let words_price = before - after_words;
    assert!(words_price > 0);
    run_sse(&server, &auth, &session_id, "undo", None);
    assert_eq!(length(&server, &bearer, &session_id), full);
    let (start_typed, _, _) = balance(&server, &bearer);

    // One cut between two times: the Draft is shorter by that range, charged like words.
    let cut = json!([{"do": "cut", "span": "between", "start_ms": 1_200, "end_ms": 1_650}]);
    let turn = run_steps(&server, &bearer, &session_id, cut);
    assert_eq!(turn.status, 200, "{:?}", turn.refused);
    let calls = turn.of("tool_call");
    assert_eq!(calls.len(), 1, "{:?}", turn.events);
    assert_eq!(calls[0]["name"], "cut");
    assert_eq!(calls[0]["args"]["start_ms"], 1_200);
    let results = turn.of("tool_result");
    assert_eq!(results[0]["result"]["duration_ms"], full - 450);
    assert!(!turn.text().is_empty(), "a reply, as for words");
    assert!(turn.of("error").is_empty(), "{:?}", turn.events);
    assert_eq!(length(&server, &bearer, &session_id), full - 450);
    let (after_typed, _, _) = balance(&server, &bearer);
    assert_eq!(start_typed - after_typed, words_price, "priced like words");

    // Undo as a Step: back to the whole clip.
    let undone = run_steps(&server, &bearer, &session_id, json!([{"do": "undo"}]));
    assert_eq!(undone.of("tool_call")[0]["name"], "undo");
    assert_eq!(length(&server, &bearer, &session_id), full);

    // Two runs of words deleted, sent in any order: both are times of the Draft as it was.
    let piece = state(&server, &bearer, &session_id)["state"]["current_piece"]
        .as_str()
        .unwrap()
        .to_string();
    let two = json!({"session_id": session_id, "piece_id": piece, "steps": [
        {"do": "cut", "span": "between", "start_ms": 500, "end_ms": 900},
        {"do": "cut", "span": "between", "start_ms": 3_000, "end_ms": 3_600},
    ]});
    let turn = run_body(&server, &bearer, two);
    assert_eq!(turn.of("tool_call").len(), 2, "{:?}", turn.events);
    assert_eq!(length(&server, &bearer, &session_id), full - 1_000);
    let draft = state(&server, &bearer, &session_id)["draft"].clone();
    let kept: Vec<(u64, u64)> = draft["t"][0]["sg"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let start = s["in"].as_u64().unwrap_or(0);
            (start, start + s["d"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(kept, [(0, 500), (900, 3_000), (3_600, full)]);

    // Refused before any stream: nonsense, too many, an unknown piece, an empty range.
    let refused = |body: Value, status: u16, code: u64| {
        let turn = run_body(&server, &bearer, body);
        assert_eq!(turn.status, status, "{:?}", turn.refused);
        let envelope = turn.refused.unwrap();
        assert_eq!(envelope["code"], code, "{envelope}");
        envelope["message"].as_str().unwrap().to_string()
    };
    let message = refused(
        json!({"session_id": session_id, "steps": [{"do": "explode"}]}),
        400,
        400,
    );
    assert!(message.contains("steps[0]"), "{message}");
    let many: Vec<Value> = (0..21).map(|_| json!({"do": "undo"})).collect();
    refused(json!({"session_id": session_id, "steps": many}), 400, 400);
    refused(
        json!({"session_id": session_id, "piece_id": "piece_nope", "steps": [{"do": "undo"}]}),
        404,
        1002,
    );
    let message = refused(
        json!({"session_id": session_id, "steps": [
            {"do": "cut", "span": "between", "start_ms": 900, "end_ms": 900}]}),
        400,
        400,
    );
    assert!(message.contains("empty"), "{message}");
    assert_eq!(length(&server, &bearer, &session_id), full - 1_000);
}
