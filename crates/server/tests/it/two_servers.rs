//! Two servers on one PostgreSQL database and one data folder (a shared disk): what one
//! records the other knows — tokens, sessions, uploads, credits, the links it signs — and an
//! export queued at a server without workers is rendered by the other's, charged once.

use std::time::Duration;

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::{
    attributed, balance, call, download, read_events, run_sse, session, start_beside, start_on,
    state, upload, wait_for_export,
};

#[test]
fn two_servers_on_one_postgres_database_share_users_sessions_links_credits_and_jobs() {
    let Some(database) = testkit::postgres::fresh_database() else {
        eprintln!("no PostgreSQL server for this run (scripts/test.sh starts one): not run");
        return;
    };
    let front = start_on(&database, |config| {
        config.workers = 0;
        config.prices.export = 2;
    });
    let back = start_beside(&front, |_| {});

    // A token and a session made at the front work at the back.
    let (bearer, session_id) = session(&front);
    assert_eq!(balance(&back, &bearer), balance(&front, &bearer));
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let uploaded = upload(&front, &bearer, &session_id, &[("talk.mp4", &clip)]);
    let link = uploaded.data()["files"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let at_back = state(&back, &bearer, &session_id);
    let draft_ms = at_back["draft"]["d"].as_u64().unwrap();
    assert!(
        draft_ms > 1_000,
        "the upload's timeline, seen at the back: {at_back}"
    );

    // A link the front signed works at the back, with no header: the key is the database's
    // (none in the data folder), so servers with folders of their own sign alike too.
    assert!(!front.data_dir().join("secret.key").exists());
    let scratch = testkit::scratch();
    let by_link = scratch.path().join("talk.mp4");
    assert_eq!(
        download(&format!("{}{link}", back.base), &[], &by_link),
        200
    );
    assert!(
        std::fs::read(&by_link).unwrap() == clip,
        "the bytes uploaded"
    );

    // Queued at the front (no workers), rendered by the back's worker, charged once.
    let (available, _, _) = balance(&front, &bearer);
    let export = json!({"id": "render_1", "sessionId": session_id});
    let queued = call(
        "POST",
        &format!("{}/api/render/proxy/lambda", front.base),
        &attributed(&bearer),
        Some(&export),
    );
    queued.data();
    let done = wait_for_export(&front, &bearer, "render_1");
    assert_eq!(done["status"], "completed", "{done}");
    let (after, frozen, _) = balance(&back, &bearer);
    assert_eq!((available - after, frozen), (2, 0), "charged once");
    let out = scratch.path().join("out.mp4");
    let signed = done["outputUrl"].as_str().unwrap();
    assert_eq!(download(signed, &[], &out), 200);
    let made = testkit::measure::streams(&out);
    let made_ms = made.duration_s() * 1000.0;
    assert!(
        (made_ms - draft_ms as f64).abs() <= 40.0,
        "{made_ms} ms made for a {draft_ms} ms timeline"
    );
}

/// Opens a turn's stream at `server` (with `Last-Event-ID` when resuming) and returns it unread.
fn open_turn(
    server: &crate::Running,
    bearer: &str,
    session_id: &str,
    resume_after: Option<i64>,
) -> ureq::Response {
    let mut request = ureq::post(&format!("{}/run_sse", server.base)).set("Authorization", bearer);
    if let Some(after) = resume_after {
        request = request.set("Last-Event-ID", &after.to_string());
    }
    request
        .send_json(json!({"session_id": session_id,
                          "new_message": {"parts": [{"text": "trim the pauses and add captions"}]}}))
        .expect("the stream opens")
}

#[test]
fn a_stream_cut_at_one_server_resumes_at_the_other_with_every_event_once() {
    let Some(database) = testkit::postgres::fresh_database() else {
        eprintln!("no PostgreSQL server for this run (scripts/test.sh starts one): not run");
        return;
    };
    let beat = |config: &mut server::Config| config.heartbeat = Duration::from_millis(100);
    let first_server = start_on(&database, beat);
    let second_server = start_beside(&first_server, beat);
    let (bearer, session_id) = session(&first_server);
    let bytes = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    upload(&first_server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();

    // The turn runs at the first server; its client reads one event and goes away.
    let first = read_events(
        open_turn(&first_server, &bearer, &session_id, None).into_reader(),
        Some(1),
    );
    let seen = first.iter().rev().find_map(|e| e.id).unwrap();
    // While it runs, the session is busy at the other server too.
    let auth = [("Authorization", bearer.as_str())];
    let busy = run_sse(&second_server, &auth, &session_id, "make it 9:16", None);
    assert_eq!(busy.status, 429, "one turn per session across servers");

    // Back, at the other server, with the last id seen: the rest, each once, to the end.
    let rest = read_events(
        open_turn(&second_server, &bearer, &session_id, Some(seen)).into_reader(),
        None,
    );
    let ids = crate::assert_the_rest_of_a_turn(&rest, seen);

    // The whole turn as the first server's own log had it: the two reads, joined.
    let whole = read_events(
        open_turn(&first_server, &bearer, &session_id, Some(seen - 1)).into_reader(),
        None,
    );
    let numbered = |events: &[crate::Sse]| -> Vec<(i64, serde_json::Value)> {
        events
            .iter()
            .filter_map(|e| Some((e.id?, e.data.clone())))
            .collect()
    };
    let joined: Vec<_> = numbered(&first)
        .into_iter()
        .chain(numbered(&rest))
        .collect();
    assert_eq!(numbered(&whole), joined);
    assert_eq!(balance(&second_server, &bearer).0, 98, "charged once");

    // The next turn, at the other server, numbers on.
    let next = run_sse(&second_server, &auth, &session_id, "undo", None);
    assert_eq!(
        next.events.iter().find_map(|e| e.id),
        Some(ids.last().unwrap() + 1)
    );
}
