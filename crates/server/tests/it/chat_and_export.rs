//! The whole flow a protocol client makes, and the export rules: one job per id, the plan's
//! resolution, attribution, credits running out, cancelling, other users.

use std::time::Duration;

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::{
    attributed, balance, call, download, run_sse, session_for, start, state, upload,
    wait_for_export, Running,
};

/// A session of `client` with the wide talk uploaded: (bearer, session id, talk ms).
fn session_with_talk(server: &Running, client: &str) -> (String, String, u64) {
    let (bearer, session_id) = session_for(server, client, "en");
    let clip = talk(&specs::WIDE_TALK);
    let bytes = std::fs::read(&clip.path).unwrap();
    let uploaded = upload(server, &bearer, &session_id, &[("talk.mp4", &bytes)]);
    assert_eq!(uploaded.data()["session_state_applied"], true);
    let duration_ms = (uploaded.data()["files"][0]["duration"].as_f64().unwrap() * 1000.0) as u64;
    (bearer, session_id, duration_ms)
}

fn post_export(server: &Running, bearer: &str, body: &serde_json::Value) -> crate::Reply {
    call(
        "POST",
        &format!("{}/api/render/proxy/lambda", server.base),
        &attributed(bearer),
        Some(body),
    )
}

#[test]
fn token_session_upload_chat_state_export_download() {
    let server = start(|config| config.heartbeat = Duration::from_millis(100));
    let (bearer, session_id, talk_ms) = session_with_talk(&server, "flow");
    let auth = [("Authorization", bearer.as_str())];

    let turn = run_sse(
        &server,
        &auth,
        &session_id,
        "trim the pauses and add captions",
        None,
    );
    assert_eq!(turn.status, 200);
    let calls: Vec<&str> = turn
        .of("tool_call")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(calls, ["trim_pauses", "add_captions"]);
    let results = turn.of("tool_result");
    assert_eq!(results.len(), 2, "{:?}", turn.events);
    assert!(
        results[0]["result"]["said"]
            .as_str()
            .unwrap()
            .contains("pause"),
        "{}",
        results[0]
    );
    assert!(
        !turn.of("heartbeat").is_empty(),
        "heartbeats while work runs"
    );
    assert!(
        turn.of("progress")
            .iter()
            .any(|e| e["stage"] == "transcribe"),
        "transcription progress"
    );
    assert!(turn.text().contains("0:"), "{}", turn.text());
    let ids: Vec<i64> = turn.events.iter().filter_map(|e| e.id).collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1) && ids[0] == 1,
        "{ids:?}"
    );
    assert!(
        turn.events
            .iter()
            .all(|e| e.id.is_some() != (e.data["type"] == "heartbeat")),
        "every event but heartbeats is numbered"
    );

    let after = state(&server, &bearer, &session_id);
    let draft = &after["state"]["draft"];
    let draft_ms = draft["d"].as_u64().unwrap();
    assert!(
        draft_ms + 1500 < talk_ms,
        "shorter: {talk_ms} → {draft_ms} ms"
    );
    let captions = draft["t"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["tt"] == 7)
        .flat_map(|t| t["sg"].as_array().unwrap())
        .count();
    assert!(captions >= 2, "captions on the timeline: {draft}");
    assert_eq!(
        balance(&server, &bearer),
        (98, 0, 98),
        "1 for the turn + 1 started minute transcribed"
    );

    let queued = post_export(
        &server,
        &bearer,
        &json!({"id": "render_flow", "sessionId": session_id,
                "output": {"format": "mp4", "quality": "high", "resolution": "1080p"}}),
    );
    assert_eq!(queued.data()["id"], "render_flow");
    assert!(["pending", "processing"].contains(&queued.data()["status"].as_str().unwrap()));
    let done = wait_for_export(&server, &bearer, "render_flow");
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["progress"], 100);

    let scratch = testkit::scratch();
    let file = scratch.path().join("export.mp4");
    let url = format!("{}/api/render/proxy/render_flow/download", server.base);
    assert_eq!(download(&url, &auth, &file), 200);
    let made = testkit::measure::streams(&file);
    let video = made.video();
    assert_eq!(video.codec_name.as_deref(), Some("h264"));
    assert_eq!((video.width, video.height), (Some(1920), Some(1080)));
    assert_eq!(made.audio().codec_name.as_deref(), Some("aac"));
    let frame_s = 1.0 / 30.0;
    let made_s = made.duration_s();
    assert!(
        (made_s - draft_ms as f64 / 1000.0).abs() <= frame_s + 1e-3,
        "{made_s} s for a {draft_ms} ms draft"
    );
    assert_eq!(
        done["output"]["size"].as_u64(),
        Some(std::fs::metadata(&file).unwrap().len())
    );

    // The signed link needs no header; a changed one is refused.
    let signed = done["outputUrl"].as_str().unwrap();
    let by_link = scratch.path().join("by-link.mp4");
    assert_eq!(download(signed, &[], &by_link), 200);
    assert_eq!(
        std::fs::read(&by_link).unwrap(),
        std::fs::read(&file).unwrap()
    );
    let forged = signed.replace("sig=", "sig=00");
    assert_eq!(download(&forged, &[], &by_link), 401);
    assert_eq!(download(&url, &[], &by_link), 401, "no token, no link");

    // A byte range.
    let response = ureq::get(&url)
        .set("Authorization", &bearer)
        .set("Range", "bytes=100-199")
        .call()
        .unwrap();
    assert_eq!(response.status(), 206);
    let size = std::fs::metadata(&file).unwrap().len();
    assert_eq!(
        response.header("content-range"),
        Some(format!("bytes 100-199/{size}").as_str())
    );
    let mut part = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut part).unwrap();
    assert_eq!(part, std::fs::read(&file).unwrap()[100..200]);

    let media = &state(&server, &bearer, &session_id)["state"]["generated_media"];
    assert_eq!(media[0]["id"], "render_flow", "{media}");
    assert_eq!(balance(&server, &bearer), (98, 0, 98), "exports are free");
}
