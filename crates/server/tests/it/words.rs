//! Words in a conversation: a part that cannot be done is asked back before anything is
//! applied (the Plan waits in the state, "yes" applies it, anything else drops it); removing
//! what was added; export formats from words and from `output.format`.

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::{
    attributed, balance, call, download, run_sse, session_for, start, state, upload,
    wait_for_export, Running,
};

fn session_with_talk(server: &Running, client: &str, language: &str) -> (String, String) {
    let (bearer, session_id) = session_for(server, client, language);
    let bytes = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    upload(server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();
    (bearer, session_id)
}

fn captions(draft: &serde_json::Value) -> usize {
    draft["t"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["sg"].as_array().unwrap())
        .filter(|s| s["m"]["role"] == "caption")
        .count()
}

#[test]
fn a_part_that_cannot_be_done_is_asked_back_and_yes_applies_the_rest() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with_talk(&server, "partial", "en");
    let auth = [("Authorization", bearer.as_str())];
    let before = state(&server, &bearer, &session_id);
    let credits = balance(&server, &bearer);

    let asked = run_sse(
        &server,
        &auth,
        &session_id,
        "trim the pauses and make a sandwich",
        None,
    );
    let text = asked.text();
    assert!(
        text.contains("I can trim the pauses.")
            && text.contains("Not done: “make a sandwich” (I don't know how to do that)")
            && text.contains("Say “yes”"),
        "{text}"
    );
    assert!(asked.of("tool_call").is_empty(), "nothing is applied yet");
    let waiting = state(&server, &bearer, &session_id);
    assert_eq!(waiting["state"]["draft"], before["state"]["draft"]);
    let pending = &waiting["state"]["pending_plan"];
    assert_eq!(pending["steps"][0]["do"], "trim_pauses");
    assert_eq!(pending["not_done"][0]["text"], "make a sandwich");
    assert_eq!(balance(&server, &bearer), credits, "asking back is free");

    // "yes" applies what could be done, charged as a turn, and names the rest again.
    let yes = run_sse(&server, &auth, &session_id, "yes", None);
    let text = yes.text();
    assert!(
        text.contains("Removed") && text.contains("Not done: “make a sandwich”"),
        "{text}"
    );
    let after = state(&server, &bearer, &session_id);
    assert!(after["state"]["pending_plan"].is_null());
    assert!(
        after["state"]["draft"]["d"].as_u64() < before["state"]["draft"]["d"].as_u64(),
        "trimmed"
    );
    assert_eq!(balance(&server, &bearer).0, credits.0 - 1);

    // Anything else drops a waiting Plan: "no" says so and changes nothing.
    run_sse(
        &server,
        &auth,
        &session_id,
        "add captions and zoom in",
        None,
    );
    assert!(!state(&server, &bearer, &session_id)["state"]["pending_plan"].is_null());
    let no = run_sse(&server, &auth, &session_id, "no", None);
    assert!(no.text().contains("left it as it was"), "{}", no.text());
    let dropped = state(&server, &bearer, &session_id);
    assert!(dropped["state"]["pending_plan"].is_null());
    assert_eq!(dropped["state"]["draft"], after["state"]["draft"]);
    // …and "yes" with nothing waiting is not a Plan of its own.
    let stray = run_sse(&server, &auth, &session_id, "yes", None);
    assert!(stray.of("tool_call").is_empty(), "{:?}", stray.events);
}

#[test]
fn a_chinese_session_is_asked_back_in_chinese() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with_talk(&server, "partial-zh", "zh-CN");
    let auth = [("Authorization", bearer.as_str())];
    let asked = run_sse(&server, &auth, &session_id, "剪掉停顿，再做个蛋糕", None);
    let text = asked.text();
    assert!(
        text.contains("我可以：剪掉停顿")
            && text.contains("未完成：“做个蛋糕”")
            && text.contains("回复“好”"),
        "{text}"
    );
    let yes = run_sse(&server, &auth, &session_id, "好", None);
    assert!(yes.text().contains("剪掉了"), "{}", yes.text());
}

#[test]
fn remove_the_captions_takes_off_what_was_added_and_transcribes_nothing() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with_talk(&server, "remove", "en");
    let auth = [("Authorization", bearer.as_str())];
    run_sse(&server, &auth, &session_id, "add captions", None);
    let added = captions(&state(&server, &bearer, &session_id)["state"]["draft"]);
    assert!(added > 0);
    let credits = balance(&server, &bearer).0;

    let removed = run_sse(&server, &auth, &session_id, "remove the captions", None);
    let calls: Vec<&str> = removed
        .of("tool_call")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(calls, ["remove"]);
    assert!(
        removed
            .text()
            .contains(&format!("Removed {added} captions.")),
        "{}",
        removed.text()
    );
    assert_eq!(
        captions(&state(&server, &bearer, &session_id)["state"]["draft"]),
        0
    );
    assert!(
        removed
            .of("progress")
            .iter()
            .all(|e| e["stage"] != "transcribe"),
        "nothing transcribed"
    );
    assert_eq!(
        balance(&server, &bearer).0,
        credits - 1,
        "one turn, no minutes"
    );

    // Again: there is nothing left to remove, and the reply says that instead.
    let again = run_sse(&server, &auth, &session_id, "no captions", None);
    assert!(
        again.text().contains("There were no captions to remove."),
        "{}",
        again.text()
    );
}

#[test]
fn export_formats_from_words_and_from_the_request() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with_talk(&server, "formats", "en");
    let auth = attributed(&bearer);
    let scratch = testkit::scratch();

    // "export as GIF" in words: a GIF, served as one.
    let turn = run_sse(
        &server,
        &auth,
        &session_id,
        "keep the first 3 seconds and export as GIF",
        None,
    );
    let result = turn
        .of("tool_result")
        .into_iter()
        .find(|e| e["name"] == "export" && e["result"]["url"].is_string())
        .cloned()
        .unwrap_or_else(|| panic!("no export in {:?}", turn.events));
    let url = result["result"]["url"].as_str().unwrap();
    let gif = scratch.path().join("words.gif");
    assert_eq!(
        download(
            &format!("{}{url}", server.base),
            &[("Authorization", bearer.as_str())],
            &gif
        ),
        200
    );
    let info = testkit::measure::streams(&gif);
    assert_eq!(info.format.format_name, "gif");
    assert!(
        (info.duration_s() - 3.0).abs() < 0.2,
        "{}",
        info.duration_s()
    );

    // output.format of the protocol: sound only as MP3.
    let posted = call(
        "POST",
        &format!("{}/api/render/proxy/lambda", server.base),
        &auth,
        Some(&json!({"id": "render_mp3", "sessionId": session_id, "output": {"format": "mp3"}})),
    );
    assert_eq!(posted.data()["status"], "pending");
    let done = wait_for_export(&server, &bearer, "render_mp3");
    assert_eq!(done["status"], "completed", "{done}");
    let mp3 = scratch.path().join("sound.mp3");
    let url = format!("{}/api/render/proxy/render_mp3/download", server.base);
    let response = ureq::get(&url)
        .set("Authorization", &bearer)
        .call()
        .unwrap();
    assert_eq!(response.header("Content-Type"), Some("audio/mpeg"));
    std::io::copy(
        &mut response.into_reader(),
        &mut std::fs::File::create(&mp3).unwrap(),
    )
    .unwrap();
    let info = testkit::measure::streams(&mp3);
    assert_eq!(info.audio().codec_name.as_deref(), Some("mp3"));
    assert!(info.streams.iter().all(|s| s.codec_type != "video"));

    // A format cutline does not make is refused with the ones it does.
    let refused = call(
        "POST",
        &format!("{}/api/render/proxy/lambda", server.base),
        &auth,
        Some(&json!({"id": "render_avi", "sessionId": session_id, "output": {"format": "avi"}})),
    );
    refused.expect_error(400, 400);
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("mp4, webm, gif, m4a or mp3"));
}
