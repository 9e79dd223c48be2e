//! The export queue under contention (issue 13, defect 7): a Draft longer than the cap or
//! than its media can fill is refused with a message saying why; a short export finishes
//! while a long one renders, with a single general worker (the short lane); a user at the
//! running cap waits while another user's job runs. "Long" is made cheap by the settings (a
//! low short-lane threshold, a low cap), never by rendering for an hour; the long job is
//! cancelled once what is tested has been seen.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::talk::{specs, talk};

use crate::{attributed, call, session_for, start, state, upload, wait_for_export, Running};

/// A two-minute silent picture clip: renders slowly at 1080p, so its export is "long".
fn long_clip() -> Vec<u8> {
    let path = testkit::picture_clip(
        "queue-long-120s.mp4",
        "testsrc2=s=320x180:r=30:d=120",
        "null",
    );
    std::fs::read(path).unwrap()
}

fn short_clip() -> Vec<u8> {
    std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap()
}

/// A session of `client` with `clip` uploaded: (bearer, session id).
fn session_with(server: &Running, client: &str, clip: &[u8]) -> (String, String) {
    let (bearer, session_id) = session_for(server, client, "en");
    upload(server, &bearer, &session_id, &[("clip.mp4", clip)]).data();
    (bearer, session_id)
}

/// Queues export `id` of the session's own Draft; `resolution` as the protocol takes it.
fn export(server: &Running, bearer: &str, session_id: &str, id: &str, resolution: Option<&str>) {
    let mut body = json!({"id": id, "sessionId": session_id});
    if let Some(resolution) = resolution {
        body["output"] = json!({ "resolution": resolution });
    }
    let url = format!("{}/api/render/proxy/lambda", server.base);
    call("POST", &url, &attributed(bearer), Some(&body)).data();
}

fn status(server: &Running, bearer: &str, id: &str) -> Value {
    let url = format!("{}/api/render/proxy/lambda/{id}", server.base);
    call("GET", &url, &[("Authorization", bearer)], None)
        .data()
        .clone()
}

/// Polls until export `id` is `wanted`, within `limit`.
fn wait_status(server: &Running, bearer: &str, id: &str, wanted: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        let now = status(server, bearer, id);
        if now["status"] == wanted {
            return;
        }
        assert!(started.elapsed() < limit, "{id} never {wanted}: {now}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Queues the export "long" (the session's Draft at 1080p) and waits until it renders.
fn start_long(server: &Running, bearer: &str, session_id: &str) {
    export(server, bearer, session_id, "long", Some("1080p"));
    let limit = Duration::from_secs(60);
    wait_status(server, bearer, "long", "processing", limit);
}

fn cancel(server: &Running, bearer: &str, id: &str) {
    let url = format!("{}/api/render/proxy/lambda/{id}/cancel", server.base);
    call("POST", &url, &[("Authorization", bearer)], None).data();
}

#[test]
fn over_long_drafts_are_refused_with_the_rule_they_break() {
    let server = start(|config| config.max_export = Duration::from_secs(60));
    let (bearer, session_id) = session_with(&server, "stretcher", &short_clip());
    let draft = state(&server, &bearer, &session_id)["draft"].clone();
    let clip_ms = draft["d"].as_u64().unwrap();
    let segment = draft["t"][0]["sg"][0].clone();

    // The probe's free 10-hour draft, one segment stretched past its file: over the cap.
    let mut ten_hours = draft.clone();
    let hours_ms = 10 * 3600 * 1000;
    ten_hours["d"] = json!(hours_ms);
    ten_hours["t"][0]["sg"][0]["d"] = json!(hours_ms);
    // Within the cap, but past the end of its file.
    let mut past_end = draft.clone();
    past_end["d"] = json!(50_000);
    past_end["t"][0]["sg"][0]["d"] = json!(50_000);
    // Within the cap and every segment inside its file, but the one clip repeated.
    let mut repeated = draft.clone();
    let copies = 50_000 / clip_ms + 1;
    let segments: Vec<Value> = (0..copies)
        .map(|i| {
            let mut copy = segment.clone();
            copy["id"] = json!(format!("r{i}"));
            copy["s"] = json!(i * clip_ms);
            copy
        })
        .collect();
    repeated["d"] = json!(copies * clip_ms);
    repeated["t"][0]["sg"] = json!(segments);

    let cases = [
        ("ten_hours", ten_hours, "exports here are at most 1:00"),
        ("past_end", past_end, "a segment must stay inside its file"),
        (
            "repeated",
            repeated,
            "a draft cannot stretch its media longer",
        ),
    ];
    let url = format!("{}/api/render/proxy/lambda", server.base);
    for (id, draft, says) in &cases {
        let body = json!({"id": id, "sessionId": session_id, "draft": draft});
        let refused = call("POST", &url, &attributed(&bearer), Some(&body));
        refused.expect_error(400, 400);
        let message = refused.body["message"].as_str().unwrap();
        assert!(message.contains(says), "{id}: {message}");
        let job = call(
            "GET",
            &format!("{url}/{id}"),
            &[("Authorization", bearer.as_str())],
            None,
        );
        assert_eq!(job.status, 404, "{id} was not queued: {}", job.body);
    }
    // The session's own Draft is within every rule.
    export(&server, &bearer, &session_id, "own", None);
    assert_eq!(
        wait_for_export(&server, &bearer, "own")["status"],
        "completed"
    );
    println!(
        "over-long drafts: {} tried, {} refused with 400",
        cases.len(),
        cases.len()
    );
}

#[test]
fn a_short_export_finishes_while_a_long_one_renders_on_the_single_worker() {
    let server = start(|config| {
        config.workers = 1;
        config.short_export = Duration::from_secs(10);
    });
    let (alice, alice_session) = session_with(&server, "alice-long", &long_clip());
    let (bob, bob_session) = session_with(&server, "bob-short", &short_clip());
    start_long(&server, &alice, &alice_session);

    export(&server, &bob, &bob_session, "short", None);
    wait_status(
        &server,
        &bob,
        "short",
        "completed",
        Duration::from_secs(120),
    );
    let long = status(&server, &alice, "long");
    assert_eq!(
        long["status"], "processing",
        "the short one did not wait: {long}"
    );
    cancel(&server, &alice, "long");
}

#[test]
fn a_user_at_the_running_cap_waits_while_another_users_export_runs() {
    let server = start(|config| {
        config.workers = 2;
        config.exports_per_user = 1;
        config.short_export = Duration::ZERO;
        // Alice's long export is one job here: in parts, the free worker would render them
        // and finish it while the test looks for it running.
        config.part_length = Duration::ZERO;
    });
    let (alice, alice_long) = session_with(&server, "alice-capped", &long_clip());
    let alice_short = session_for(&server, "alice-capped", "en").1;
    upload(
        &server,
        &alice,
        &alice_short,
        &[("clip.mp4", &short_clip())],
    )
    .data();
    let (bob, bob_session) = session_with(&server, "bob-uncapped", &short_clip());

    start_long(&server, &alice, &alice_long);
    // Alice's second export is older than Bob's, and a worker is free for it, but Alice
    // has one running.
    export(&server, &alice, &alice_short, "second", None);
    export(&server, &bob, &bob_session, "bobs", None);
    wait_status(&server, &bob, "bobs", "completed", Duration::from_secs(120));
    let (long, second) = (
        status(&server, &alice, "long"),
        status(&server, &alice, "second"),
    );
    assert_eq!(long["status"], "processing", "{long}");
    assert_eq!(
        second["status"], "pending",
        "waits for Alice's first: {second}"
    );

    // Once Alice's first is over, her second runs.
    cancel(&server, &alice, "long");
    assert_eq!(
        wait_for_export(&server, &alice, "second")["status"],
        "completed"
    );
}
