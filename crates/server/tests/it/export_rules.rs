//! The rules around exports and credits, each provoked for real: credits running out, the
//! plan's resolution, attribution, one job per id, a used id with another draft, cancelling
//! a running export, and what another user's token can reach.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::talk::{specs, talk};

use crate::{
    attributed, balance, call, download, run_sse, session_for, start, state, upload,
    wait_for_export, Reply, Running,
};

/// A session of `client` with `spec` uploaded: (bearer, session id).
fn session_with(
    server: &Running,
    client: &str,
    spec: &testkit::talk::TalkSpec,
) -> (String, String) {
    let (bearer, session_id) = session_for(server, client, "en");
    let bytes = std::fs::read(talk(spec).path).unwrap();
    upload(server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();
    (bearer, session_id)
}

fn post_export(server: &Running, headers: &[(&str, &str)], body: &Value) -> Reply {
    call(
        "POST",
        &format!("{}/api/render/proxy/lambda", server.base),
        headers,
        Some(body),
    )
}

#[test]
fn credits_run_out_mid_use_with_2001_and_nothing_changes() {
    let server = start(|config| config.free_credits = 2);
    let (bearer, session_id) = session_with(&server, "thrifty", &specs::WIDE_TALK);
    let auth = [("Authorization", bearer.as_str())];
    for words in ["trim the pauses", "make it 9:16"] {
        let turn = run_sse(&server, &auth, &session_id, words, None);
        assert_eq!(turn.status, 200);
        assert!(turn.of("error").is_empty(), "{:?}", turn.events);
    }
    assert_eq!(balance(&server, &bearer), (0, 0, 0));
    let before = state(&server, &bearer, &session_id)["draft"].clone();
    let refused = run_sse(&server, &auth, &session_id, "play it at 1.5x speed", None);
    assert_eq!(refused.status, 402);
    let body = refused.refused.unwrap();
    assert_eq!(body["code"], 2001, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("register"),
        "a hint: {body}"
    );
    assert_eq!(state(&server, &bearer, &session_id)["draft"], before);
    // Looking is free.
    let status = run_sse(&server, &auth, &session_id, "what's on the timeline?", None);
    assert_eq!(status.status, 200);
    assert!(!status.text().is_empty());
    assert_eq!(balance(&server, &bearer), (0, 0, 0));
}

#[test]
fn exports_above_the_plan_or_without_attribution_are_402() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with(&server, "planner", &specs::SHORT_LANDSCAPE);
    let four_k = json!({"id": "render_4k", "sessionId": session_id,
                        "output": {"resolution": "4k"}});
    let refused = post_export(&server, &attributed(&bearer), &four_k);
    refused.expect_error(402, 402);
    assert!(
        refused.body["message"].as_str().unwrap().contains("1920"),
        "{}",
        refused.body
    );
    let plain = json!({"id": "render_plain", "sessionId": session_id});
    let unattributed = post_export(&server, &[("Authorization", bearer.as_str())], &plain);
    unattributed.expect_error(402, 402);
    assert!(unattributed.body["message"]
        .as_str()
        .unwrap()
        .contains("X-Skill-Source"));
    // The same words in a chat turn: refused before anything changes.
    let turn = run_sse(
        &server,
        &[("Authorization", bearer.as_str())],
        &session_id,
        "make it 9:16 and export it",
        None,
    );
    assert_eq!(turn.status, 402);
    assert_eq!(turn.refused.unwrap()["code"], 402);
    // Neither left a job.
    for id in ["render_4k", "render_plain"] {
        call(
            "GET",
            &format!("{}/api/render/proxy/lambda/{id}", server.base),
            &[("Authorization", bearer.as_str())],
            None,
        )
        .expect_error(404, 1002);
    }
}

#[test]
fn the_same_export_id_posted_ten_times_at_once_is_one_job_and_one_charge() {
    let server = start(|config| config.prices.export = 5);
    let (bearer, session_id) = session_with(&server, "eager", &specs::SHORT_LANDSCAPE);
    let body = json!({"id": "render_once", "sessionId": session_id,
                      "output": {"quality": "draft", "resolution": "480p"}});
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let posts: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| post_export(&server, &attributed(&bearer), &body)))
            .collect();
        posts.into_iter().map(|p| p.join().unwrap()).collect()
    });
    for reply in &replies {
        assert_eq!(reply.data()["id"], "render_once");
    }
    let done = wait_for_export(&server, &bearer, "render_once");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(balance(&server, &bearer), (95, 0, 95), "charged once");
    let media = &state(&server, &bearer, &session_id)["generated_media"];
    assert_eq!(media.as_array().unwrap().len(), 1, "one export: {media}");

    // The same id with another draft is refused, and changes nothing.
    let mut other = body.clone();
    other["output"]["resolution"] = json!("720p");
    post_export(&server, &attributed(&bearer), &other).expect_error(409, 409);
    assert_eq!(balance(&server, &bearer), (95, 0, 95));
}

#[test]
fn a_running_export_is_cancelled_its_hold_released_and_no_file_left() {
    let server = start(|config| config.prices.export = 3);
    let (bearer, session_id) = session_with(&server, "impatient", &specs::LONG_TALK);
    let body = json!({"id": "render_long", "sessionId": session_id,
                      "output": {"resolution": "1080p"}});
    post_export(&server, &attributed(&bearer), &body).data();
    assert_eq!(
        balance(&server, &bearer),
        (97, 3, 100),
        "held while it runs"
    );
    let status_url = format!("{}/api/render/proxy/lambda/render_long", server.base);
    let auth = [("Authorization", bearer.as_str())];
    let started = std::time::Instant::now();
    while call("GET", &status_url, &auth, None).data()["status"] != "processing" {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let cancelled = call("POST", &format!("{status_url}/cancel"), &auth, None);
    assert_eq!(cancelled.data()["status"], "cancelled");
    assert_eq!(balance(&server, &bearer), (100, 0, 100), "released");
    // The worker stops ffmpeg within a lease renewal and leaves no file.
    std::thread::sleep(Duration::from_secs(3));
    let renders: Vec<_> = std::fs::read_dir(server.data_dir().join("renders"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(renders.is_empty(), "{renders:?}");
    assert_eq!(
        call("GET", &status_url, &auth, None).data()["status"],
        "cancelled"
    );
    let scratch = testkit::scratch();
    let url = format!("{}/api/render/proxy/render_long/download", server.base);
    assert_eq!(download(&url, &auth, &scratch.path().join("x.mp4")), 404);
}

#[test]
fn another_users_token_reads_changes_and_exports_nothing_of_a_session() {
    let server = start(|_| {});
    let (owner, session_id) = session_with(&server, "owner", &specs::SHORT_LANDSCAPE);
    let body = json!({"id": "render_mine", "sessionId": session_id,
                      "output": {"quality": "draft", "resolution": "480p"}});
    post_export(&server, &attributed(&owner), &body).data();
    assert_eq!(
        wait_for_export(&server, &owner, "render_mine")["status"],
        "completed"
    );
    let before = state(&server, &owner, &session_id);

    let (other, _) = session_for(&server, "intruder", "en");
    let auth = [("Authorization", other.as_str())];
    let base = &server.base;
    call(
        "GET",
        &format!("{base}/api/state/nemo_agent/me/{session_id}/latest"),
        &auth,
        None,
    )
    .expect_error(404, 1002);
    let bytes = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    upload(&server, &other, &session_id, &[("mine.mp4", &bytes)]).expect_error(404, 1002);
    let turn = run_sse(&server, &auth, &session_id, "make it 9:16", None);
    assert_eq!(turn.status, 404);
    assert_eq!(turn.refused.unwrap()["code"], 1002);
    let steal = json!({"id": "render_theirs", "sessionId": session_id});
    post_export(&server, &attributed(&other), &steal).expect_error(404, 1002);
    let status = format!("{base}/api/render/proxy/lambda/render_mine");
    call("GET", &status, &auth, None).expect_error(404, 1002);
    call("POST", &format!("{status}/cancel"), &auth, None).expect_error(404, 1002);
    let scratch = testkit::scratch();
    let url = format!("{base}/api/render/proxy/render_mine/download");
    assert_eq!(download(&url, &auth, &scratch.path().join("x.mp4")), 404);

    // A draft naming another user's asset, in the intruder's own session, is refused too.
    let (other_bearer, own_session) = session_for(&server, "intruder", "en");
    let asset = before["video_infos"][0]["asset_id"].as_str().unwrap();
    let draft = json!({"d": 1000, "m": {"w": 320, "h": 180, "fps": 30},
        "t": [{"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": asset, "s": 0, "in": 0, "d": 1000}]}]});
    let borrowed = json!({"id": "render_borrowed", "sessionId": own_session, "draft": draft});
    post_export(&server, &attributed(&other_bearer), &borrowed).expect_error(400, 400);

    // (Its signed links are made anew at each read, with a later expiry.)
    assert_eq!(
        unsigned(state(&server, &owner, &session_id)),
        unsigned(before),
        "nothing changed"
    );
}

/// `value` with every signed link's query (its expiry and signature) taken off.
fn unsigned(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains("&sig=") => {
            Value::String(text.split('?').next().unwrap_or_default().to_string())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(unsigned).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (key, unsigned(value)))
                .collect(),
        ),
        other => other,
    }
}
