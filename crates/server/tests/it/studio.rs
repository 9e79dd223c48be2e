//! What the studio page needs beyond API.md, over real HTTP: edits sent as typed Steps (the
//! same turn as words: priced, streamed, undoable), the preview of a piece made from proxies
//! behind a signed link, the transcript in timeline time, price quotes and the sessions list.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::talk::{specs, talk};

use crate::{
    balance, call, read_events, run_sse, session_for, start, state, upload, Running, Turn,
};

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

/// The session's preview (`data`), with the piece named or the current one.
pub fn preview(server: &Running, bearer: &str, session_id: &str) -> crate::Reply {
    call(
        "GET",
        &format!("{}/api/studio/{session_id}/preview", server.base),
        &[("Authorization", bearer)],
        None,
    )
}

/// Waits (up to a deadline) for the proxy of `asset_id` to be in the data folder.
fn wait_for_proxy(server: &Running, asset_id: &str, within: Duration) -> Duration {
    let started = Instant::now();
    let path = server
        .data_dir()
        .join("proxies")
        .join(format!("{asset_id}.mp4"));
    while !path.exists() {
        assert!(
            started.elapsed() < within,
            "no proxy of {asset_id} after {within:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

/// Whether every video frame of `path` is a keyframe.
fn all_intra(path: &std::path::Path) -> bool {
    let out = testkit::tools::run(
        "ffprobe",
        [
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=key_frame",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ],
    );
    let flags = String::from_utf8(out).unwrap();
    // One line per frame (some with side data after a comma).
    let flags: Vec<&str> = flags
        .lines()
        .filter_map(|l| l.split(',').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    !flags.is_empty() && flags.iter().all(|f| *f == "1")
}

#[test]
fn the_preview_is_the_drafts_length_from_proxies_behind_a_signed_link() {
    let server = start(|_| {});
    let (bearer, session_id) = session_for(&server, "previewer", "en");
    let auth = [("Authorization", bearer.as_str())];
    // No video yet: said so.
    let none = preview(&server, &bearer, &session_id);
    none.expect_error(400, 400);
    assert!(
        none.body["message"]
            .as_str()
            .unwrap()
            .contains("upload a video first"),
        "{}",
        none.body
    );

    let clip = talk(&specs::WIDE_TALK);
    let bytes = std::fs::read(&clip.path).unwrap();
    let uploaded = upload(&server, &bearer, &session_id, &[("talk.mp4", &bytes)]);
    let asset_id = uploaded.data()["files"][0]["asset_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The proxy is made in the background: small, all-intra, H.264 + AAC 48 kHz.
    wait_for_proxy(&server, &asset_id, Duration::from_secs(60));
    let proxy = server
        .data_dir()
        .join("proxies")
        .join(format!("{asset_id}.mp4"));
    let info = testkit::measure::streams(&proxy);
    assert_eq!(info.video().codec_name.as_deref(), Some("h264"));
    assert!(info.video().height.unwrap() <= 240);
    assert_eq!(info.audio().sample_rate.as_deref(), Some("48000"));
    assert!(all_intra(&proxy), "every frame of a proxy is a keyframe");
    assert!(testkit::measure::is_faststart(&proxy));

    // Trim the pauses by words, then the preview: the Draft's length, ±0.1 s.
    let trimmed = run_sse(&server, &auth, &session_id, "trim the pauses", None);
    assert!(trimmed.of("error").is_empty(), "{:?}", trimmed.events);
    let draft_ms = length(&server, &bearer, &session_id);
    assert!(
        draft_ms + 1_000 < clip.truth.duration_ms,
        "pauses were trimmed"
    );
    let reply = preview(&server, &bearer, &session_id);
    let data = reply.data().clone();
    assert_eq!(
        data["piece_id"],
        state(&server, &bearer, &session_id)["state"]["current_piece"]
    );
    let url = data["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("/api/studio/media/") && url.contains("&sig="),
        "{url}"
    );
    let scratch = testkit::scratch();
    let file = scratch.path().join("preview.mp4");
    // No Bearer: the signed link is enough (a <video> element).
    assert_eq!(
        crate::download(&format!("{}{url}", server.base), &[], &file),
        200
    );
    let info = testkit::measure::streams(&file);
    let seconds = draft_ms as f64 / 1000.0;
    assert!(
        (info.duration_s() - seconds).abs() <= 0.1,
        "preview {} s, draft {seconds} s",
        info.duration_s()
    );
    let audio_s: f64 = info.audio().duration.as_deref().unwrap().parse().unwrap();
    assert!(
        (audio_s - seconds).abs() <= 0.05,
        "sound {audio_s} s, draft {seconds} s"
    );
    assert!((data["duration_ms"].as_u64().unwrap() as f64 / 1000.0 - seconds).abs() <= 0.1);
    assert_eq!(info.video().codec_name.as_deref(), Some("h264"));
    assert_eq!(
        (info.video().width, info.video().height),
        (
            data["width"].as_u64().map(|w| w as u32),
            data["height"].as_u64().map(|h| h as u32)
        )
    );
    assert!(testkit::measure::is_faststart(&file));

    // Range, as a player seeking asks.
    let full = std::fs::read(&file).unwrap();
    let (status, range, body) = crate::assets::get(
        &format!("{}{url}", server.base),
        &[("Range", "bytes=100-1099")],
    );
    assert_eq!(status, 206);
    assert_eq!(
        range.as_deref(),
        Some(&*format!("bytes 100-1099/{}", full.len()))
    );
    assert!(body == full[100..1100]);

    // A tampered or missing signature: 1001, as for assets.
    let mut tampered = url.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    let (status, _, body) = crate::assets::get(&format!("{}{tampered}", server.base), &auth);
    let envelope: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, envelope["code"].as_u64()), (401, Some(1001)));
    let bare = url.split('?').next().unwrap();
    let (status, _, _) = crate::assets::get(&format!("{}{bare}", server.base), &auth);
    assert_eq!(status, 401, "previews go by signed link only");

    // The same Draft again: the same preview, not made again.
    let again = preview(&server, &bearer, &session_id);
    assert_eq!(again.data()["key"], data["key"]);

    // Beyond cuts (black and white): rendered from the proxy, still the Draft's length. The
    // session's preview is looked at, so the turn starts the next one itself.
    let previews = || {
        std::fs::read_dir(server.data_dir().join("previews"))
            .unwrap()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    };
    let before = previews();
    run_sse(&server, &auth, &session_id, "make it black and white", None);
    let started = Instant::now();
    while previews() == before {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no preview started by the turn"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let grey = preview(&server, &bearer, &session_id);
    let grey = grey.data();
    assert_ne!(grey["key"], data["key"]);
    let file = scratch.path().join("grey.mp4");
    let url = grey["url"].as_str().unwrap();
    assert_eq!(
        crate::download(&format!("{}{url}", server.base), &[], &file),
        200
    );
    let info = testkit::measure::streams(&file);
    assert!(
        (info.duration_s() - seconds).abs() <= 0.1,
        "{}",
        info.duration_s()
    );
    assert!(info.video().height.unwrap() <= 240);
}

/// The main track's segments of the current piece: one more than its cuts.
fn segments(server: &Running, bearer: &str, session_id: &str) -> usize {
    state(server, bearer, session_id)["draft"]["t"][0]["sg"]
        .as_array()
        .unwrap()
        .len()
}

/// Seconds of `took`, for the lines the benchmark reads.
fn secs(took: Duration) -> String {
    format!("{:.2}", took.as_secs_f64())
}

/// How soon a preview plays after a turn's end, on a 2-minute talk whose pauses are trimmed
/// (~25 cuts): the studio's target is < 5 s on this 2-core machine. Prints `preview-bench:`
/// lines; ignored in the suite (`scripts/bench-server.sh` runs it in release).
#[test]
#[ignore]
fn preview_speed_on_a_two_minute_talk() {
    let server = start(|_| {});
    let clip = talk(&specs::LONG_TALK);
    let bytes = std::fs::read(&clip.path).unwrap();
    let clip_s = clip.truth.duration_ms as f64 / 1000.0;

    // Warm: the proxy was made while the user typed.
    let (bearer, session_id) = session_for(&server, "bench-warm", "en");
    let auth = [("Authorization", bearer.as_str())];
    let uploaded = upload(&server, &bearer, &session_id, &[("talk.mp4", &bytes)]);
    let asset_id = uploaded.data()["files"][0]["asset_id"]
        .as_str()
        .unwrap()
        .to_string();
    let proxy_took = wait_for_proxy(&server, &asset_id, Duration::from_secs(600));
    // The page shows the clip as uploaded first.
    preview(&server, &bearer, &session_id).data();
    let turn = run_sse(&server, &auth, &session_id, "trim the pauses", None);
    let turn_end = Instant::now();
    assert!(turn.of("error").is_empty(), "{:?}", turn.events);
    let reply = preview(&server, &bearer, &session_id);
    let warm = turn_end.elapsed();
    let data = reply.data();
    let draft_ms = length(&server, &bearer, &session_id);
    let cuts = segments(&server, &bearer, &session_id) - 1;
    assert!(cuts >= 15, "{cuts} cuts");
    assert!((data["duration_ms"].as_u64().unwrap() as f64 - draft_ms as f64).abs() <= 100.0);
    println!(
        "preview-bench: clip {clip_s:.1} s, proxy made {} s after the upload's reply",
        secs(proxy_took)
    );
    println!(
        "preview-bench: cut-only ({cuts} cuts, {:.1} s kept), proxy ready: preview {} s after the turn's end",
        draft_ms as f64 / 1000.0,
        secs(warm)
    );

    // Beyond cuts: rendered from the proxy.
    run_sse(&server, &auth, &session_id, "make it black and white", None);
    let turn_end = Instant::now();
    preview(&server, &bearer, &session_id).data();
    let rendered = turn_end.elapsed();
    println!(
        "preview-bench: rendered (black and white), preview {} s after the turn's end",
        secs(rendered)
    );

    // Cold: the turn right after the upload, while its proxy is still being made.
    let (bearer, session_id) = session_for(&server, "bench-cold", "en");
    let auth = [("Authorization", bearer.as_str())];
    upload(&server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();
    run_sse(&server, &auth, &session_id, "trim the pauses", None);
    let turn_end = Instant::now();
    preview(&server, &bearer, &session_id).data();
    let cold = turn_end.elapsed();
    println!(
        "preview-bench: cut-only, turn sent right after the upload: preview {} s after the turn's end",
        secs(cold)
    );
    // One line for the benchmark script.
    println!(
        "preview-bench-row: clip={clip_s:.1} cuts={cuts} proxy={} warm={} rendered={} cold={}",
        secs(proxy_took),
        secs(warm),
        secs(rendered),
        secs(cold)
    );
    assert!(warm < Duration::from_secs(5), "{warm:?}");
}

/// The session's transcript (`data`).
fn transcript(server: &Running, bearer: &str, session_id: &str) -> Value {
    call(
        "GET",
        &format!("{}/api/studio/{session_id}/transcript", server.base),
        &[("Authorization", bearer)],
        None,
    )
    .data()
    .clone()
}

/// (text, start, end) of each word of a transcript reply.
fn words(reply: &Value) -> Vec<(String, u64, u64)> {
    reply["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["text"].as_str().unwrap().to_string(),
                w["start_ms"].as_u64().unwrap(),
                w["end_ms"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_transcript_is_in_timeline_time_and_follows_the_cuts() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with(&server, "reader", &specs::WIDE_TALK);
    let auth = [("Authorization", bearer.as_str())];
    // Nothing transcribed yet: said so, and nothing is transcribed by asking.
    let before = transcript(&server, &bearer, &session_id);
    assert_eq!(before["transcribed"], false);
    assert!(before["words"].as_array().unwrap().is_empty());
    assert!(before["captions"].as_array().unwrap().is_empty());

    // "add captions" transcribes; the words are then there, in the untrimmed timeline's time
    // (= the clip's), inside the speech the clip was made with.
    let captioned = run_sse(&server, &auth, &session_id, "add captions", None);
    assert!(captioned.of("error").is_empty(), "{:?}", captioned.events);
    let whole = transcript(&server, &bearer, &session_id);
    assert_eq!(whole["transcribed"], true);
    let spoken = words(&whole);
    assert!(spoken.len() >= 10, "{spoken:?}");
    let truth = talk(&specs::WIDE_TALK).truth;
    for (text, start, end) in &spoken {
        assert!(start <= end);
        let inside = truth
            .speech
            .iter()
            .any(|&(s, e)| *start + 150 >= s && *start < e + 150);
        assert!(
            inside,
            "{text} at {start} is not in the speech {:?}",
            truth.speech
        );
    }
    let captions = whole["captions"].as_array().unwrap();
    assert!(!captions.is_empty());
    for (i, caption) in captions.iter().enumerate() {
        assert_eq!(caption["index"], i);
        assert!(!caption["text"].as_str().unwrap().is_empty());
    }
    let draft = state(&server, &bearer, &session_id)["draft"].clone();
    let caption_segments = draft["t"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["sg"].as_array().unwrap())
        .filter(|s| s["m"]["role"] == "caption")
        .count();
    assert_eq!(captions.len(), caption_segments);

    // Pauses trimmed: the same words, each moved by the time cut before it, each starting
    // inside the kept range that plays it.
    let trimmed = run_sse(&server, &auth, &session_id, "trim the pauses", None);
    assert!(trimmed.of("error").is_empty(), "{:?}", trimmed.events);
    let after = words(&transcript(&server, &bearer, &session_id));
    let draft = state(&server, &bearer, &session_id)["draft"].clone();
    let kept: Vec<(u64, u64, u64)> = draft["t"][0]["sg"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["s"].as_u64().unwrap(),
                s["in"].as_u64().unwrap_or(0),
                s["d"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(kept.len() > 1, "pauses were cut");
    let expected: Vec<(String, u64)> = spoken
        .iter()
        .filter_map(|(text, start, _)| {
            let (at, from, _) = kept
                .iter()
                .find(|&&(_, from, d)| (from..from + d).contains(start))?;
            Some((text.clone(), at + (start - from)))
        })
        .collect();
    let got: Vec<(String, u64)> = after.iter().map(|(t, s, _)| (t.clone(), *s)).collect();
    assert_eq!(got, expected);
    assert!(got.len() + 1 >= spoken.len(), "the words are kept: {got:?}");
    for (text, start, end) in &after {
        let inside = kept
            .iter()
            .any(|&(at, _, d)| (at..at + d).contains(start) && *end <= at + d);
        assert!(
            inside,
            "{text} {start}–{end} is not inside a kept range {kept:?}"
        );
    }
}

/// A price quote (`data`).
fn quote(server: &Running, bearer: &str, session_id: &str, body: Value) -> Value {
    call(
        "POST",
        &format!("{}/api/studio/{session_id}/quote", server.base),
        &[("Authorization", bearer)],
        Some(&body),
    )
    .data()
    .clone()
}

#[test]
fn a_quote_is_what_the_turn_is_charged_and_holds_nothing() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with(&server, "quoter", &specs::WIDE_TALK);
    let auth = [("Authorization", bearer.as_str())];
    let (available, frozen, _) = balance(&server, &bearer);
    let price = |body: Value| {
        let data = quote(&server, &bearer, &session_id, body);
        assert_eq!(data["available"], available, "nothing held");
        data["credits"].as_i64().unwrap()
    };
    // A turn; a turn that transcribes its started minute; a typed cut; a question: free.
    assert_eq!(price(json!({"text": "trim the pauses"})), 1);
    assert_eq!(price(json!({"text": "add captions"})), 2);
    let cut = json!([{"do": "cut", "span": "between", "start_ms": 100, "end_ms": 400}]);
    assert_eq!(price(json!({"steps": cut})), 1);
    assert_eq!(price(json!({"text": "what's on the timeline?"})), 0);
    assert_eq!(
        balance(&server, &bearer),
        (available, frozen, available + frozen)
    );

    // The turn is charged what was quoted.
    let quoted = price(json!({"text": "add captions"}));
    run_sse(&server, &auth, &session_id, "add captions", None);
    assert_eq!(balance(&server, &bearer).0, available - quoted);

    // Neither words nor Steps, or bad Steps: refused.
    let reply = call(
        "POST",
        &format!("{}/api/studio/{session_id}/quote", server.base),
        &[("Authorization", bearer.as_str())],
        Some(&json!({"text": "  "})),
    );
    reply.expect_error(400, 400);
    let reply = call(
        "POST",
        &format!("{}/api/studio/{session_id}/quote", server.base),
        &[("Authorization", bearer.as_str())],
        Some(&json!({"steps": [{"do": "speed", "factor": 100.0}]})),
    );
    reply.expect_error(400, 400);
}

#[test]
fn the_sessions_are_listed_last_changed_first_and_only_the_callers() {
    let server = start(|_| {});
    let (bearer, first) = session_for(&server, "lister", "en");
    let created = call(
        "POST",
        &format!("{}/api/tasks/me/with-session/nemo_agent", server.base),
        &[("Authorization", bearer.as_str())],
        Some(&json!({"task_name": "second", "language": "zh-CN"})),
    );
    let second = created.data()["session_id"].as_str().unwrap().to_string();
    let (_, others) = session_for(&server, "someone-else", "en");
    let list = || {
        call(
            "GET",
            &format!("{}/api/studio/sessions", server.base),
            &[("Authorization", bearer.as_str())],
            None,
        )
        .data()["sessions"]
            .as_array()
            .unwrap()
            .clone()
    };
    let ids = |sessions: &[Value]| -> Vec<String> {
        sessions
            .iter()
            .map(|s| s["session_id"].as_str().unwrap().to_string())
            .collect()
    };
    let listed = list();
    assert_eq!(
        ids(&listed),
        [second.clone(), first.clone()],
        "newest first"
    );
    assert!(!ids(&listed).contains(&others));
    assert_eq!(listed[0]["task_name"], "second");
    assert_eq!(listed[0]["language"], "zh-CN");
    assert_eq!(
        (
            listed[0]["pieces"].as_u64(),
            listed[0]["duration_ms"].as_u64()
        ),
        (Some(0), Some(0))
    );

    // A video uploaded to the first: it changed last, with one piece of the clip's length.
    let bytes = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    upload(&server, &bearer, &first, &[("talk.mp4", &bytes)]).data();
    let listed = list();
    assert_eq!(ids(&listed), [first.clone(), second.clone()]);
    assert_eq!(listed[0]["pieces"], 1);
    assert_eq!(listed[0]["duration_ms"], length(&server, &bearer, &first));
    let (created_at, updated_at) = (
        listed[0]["created_at"].as_i64().unwrap(),
        listed[0]["updated_at"].as_i64().unwrap(),
    );
    assert!(updated_at >= created_at && created_at > 1_700_000_000);

    // A turn that cuts the first: its length follows.
    let auth = [("Authorization", bearer.as_str())];
    run_sse(&server, &auth, &first, "cut the first 2 seconds", None);
    assert_eq!(list()[0]["duration_ms"], length(&server, &bearer, &first));
}

/// The presentation time (s) of the brightest frame of `path`, and its mean luma.
fn brightest_frame(path: &std::path::Path) -> (f64, f64) {
    let out = testkit::tools::run(
        "ffprobe",
        [
            "-v",
            "error",
            "-f",
            "lavfi",
            &format!("movie={},signalstats", path.to_str().unwrap()),
            "-show_entries",
            "frame=pts_time:frame_tags=lavfi.signalstats.YAVG",
            "-of",
            "csv=p=0",
        ],
    );
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(',');
            let time: f64 = fields.next()?.trim().parse().ok()?;
            let luma: f64 = fields.next()?.trim().parse().ok()?;
            Some((time, luma))
        })
        .fold(
            (0.0, -1.0),
            |best, frame| if frame.1 > best.1 { frame } else { best },
        )
}

#[test]
fn the_flash_and_the_beep_stay_together_in_a_preview_of_cuts() {
    let server = start(|_| {});
    let clip = talk(&specs::MARKER_TALK);
    let (bearer, session_id) = session_with(&server, "sync", &specs::MARKER_TALK);
    let auth = [("Authorization", bearer.as_str())];
    run_sse(&server, &auth, &session_id, "trim the pauses", None);
    let cuts = segments(&server, &bearer, &session_id) - 1;
    assert!(cuts >= 3, "{cuts} cuts");
    let data = preview(&server, &bearer, &session_id).data().clone();
    let scratch = testkit::scratch();
    let file = scratch.path().join("preview.mp4");
    let url = data["url"].as_str().unwrap();
    assert_eq!(
        crate::download(&format!("{}{url}", server.base), &[], &file),
        200
    );

    let (flash_s, luma) = brightest_frame(&file);
    assert!(luma > 150.0, "the flash frame is there (luma {luma:.0})");
    let beep_s = testkit::measure::tone_onset(
        &testkit::measure::audio_mono(&file, 48_000),
        48_000,
        1_000.0,
    )
    .expect("the beep is heard");
    let marker_s = clip.truth.marker_ms.unwrap() as f64 / 1000.0;
    assert!(
        marker_s - flash_s > 1.5,
        "pauses before the marker were cut"
    );
    assert!(
        (beep_s - flash_s).abs() <= 1.0 / 30.0 + 0.002,
        "beep at {beep_s:.3} s, flash at {flash_s:.3} s: more than a frame apart"
    );
}

#[test]
fn without_a_proxy_the_preview_is_rendered_from_the_upload() {
    let server = start(|_| {});
    // Proxies cannot be written: each one fails (logged, nothing else breaks).
    let proxies = server.data_dir().join("proxies");
    std::fs::remove_dir_all(&proxies).unwrap();
    std::fs::write(&proxies, b"not a folder").unwrap();
    let (bearer, session_id) = session_with(&server, "no-proxy", &specs::WIDE_TALK);
    let auth = [("Authorization", bearer.as_str())];
    let cut = json!([{"do": "cut", "span": "between", "start_ms": 1_000, "end_ms": 2_500}]);
    run_steps(&server, &bearer, &session_id, cut);
    let draft_ms = length(&server, &bearer, &session_id);
    let data = preview(&server, &bearer, &session_id).data().clone();
    let scratch = testkit::scratch();
    let file = scratch.path().join("preview.mp4");
    let url = data["url"].as_str().unwrap();
    assert_eq!(
        crate::download(&format!("{}{url}", server.base), &[], &file),
        200
    );
    let info = testkit::measure::streams(&file);
    assert!((info.duration_s() - draft_ms as f64 / 1000.0).abs() <= 0.1);
    assert!(info.video().height.unwrap() <= 240, "at the proxy size");
    // The session goes on: words still work.
    let turn = run_sse(&server, &auth, &session_id, "undo", None);
    assert!(turn.of("error").is_empty(), "{:?}", turn.events);
}

/// Words with a `piece_id` (the video the page shows) go to that piece when they name none:
/// two videos uploaded at once, "cut the first second" is not asked back as "which video?".
#[test]
fn words_name_no_video_go_to_the_piece_the_page_shows() {
    let server = start(|_| {});
    let (bearer, session_id) = session_for(&server, "viewed", "en");
    let wide = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    let short = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    upload(
        &server,
        &bearer,
        &session_id,
        &[("talk.mp4", &wide), ("short.mp4", &short)],
    )
    .data();
    let drafts = state(&server, &bearer, &session_id)["state"]["drafts"].clone();
    let lengths = |state: &Value| -> Vec<u64> {
        state["state"]["drafts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["duration_ms"].as_u64().unwrap())
            .collect()
    };
    let before = lengths(&state(&server, &bearer, &session_id));
    let second = drafts[1]["piece_id"].as_str().unwrap().to_string();
    let body = json!({
        "session_id": session_id,
        "piece_id": second,
        "new_message": {"parts": [{"text": "cut the first second"}]},
    });
    let turn = run_body(&server, &bearer, body);
    assert_eq!(turn.status, 200, "{:?}", turn.refused);
    assert!(!turn.text().contains("Which video"), "{}", turn.text());
    let after = state(&server, &bearer, &session_id);
    assert_eq!(
        lengths(&after),
        [before[0], before[1] - 1_000],
        "{}",
        turn.text()
    );
    assert_eq!(after["state"]["current_piece"], second.as_str());

    // A piece that is not the session's is refused, and nothing is applied.
    let body = json!({
        "session_id": session_id,
        "piece_id": "piece_nothere",
        "new_message": {"parts": [{"text": "cut the first second"}]},
    });
    let turn = run_body(&server, &bearer, body);
    assert_eq!(turn.status, 404, "{:?}", turn.refused);
    assert_eq!(
        lengths(&state(&server, &bearer, &session_id)),
        lengths(&after)
    );
}

/// CORS is closed: a page of another origin gets no `Access-Control-Allow-*` header from
/// any route (the browser then keeps the answer from it), and a preflight is not granted.
#[test]
fn another_origin_is_granted_nothing() {
    let server = start(|_| {});
    let (bearer, session_id) = session_for(&server, "origin", "en");
    let origin = "http://elsewhere.example";
    let asks = [
        ("GET", "/api/credits/balance/simple".to_string()),
        (
            "GET",
            format!("/api/state/nemo_agent/me/{session_id}/latest"),
        ),
        ("GET", "/api/studio/sessions".to_string()),
        ("GET", "/".to_string()),
        ("OPTIONS", "/run_sse".to_string()),
        ("OPTIONS", "/api/studio/sessions".to_string()),
    ];
    for (method, path) in asks {
        let request = ureq::request(method, &format!("{}{path}", server.base))
            .set("Authorization", &bearer)
            .set("Origin", origin)
            .set("Access-Control-Request-Method", "POST")
            .set(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            );
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let granted: Vec<String> = response
            .headers_names()
            .into_iter()
            .filter(|h| h.to_ascii_lowercase().starts_with("access-control-"))
            .collect();
        assert!(
            granted.is_empty(),
            "{method} {path} granted {granted:?} to another origin"
        );
        if method == "OPTIONS" {
            assert!(
                response.status() >= 400,
                "{method} {path}: {}",
                response.status()
            );
        }
    }
}

/// A typed Step naming a file that is not this session's (or not of its kind) is refused
/// before the turn, saying which Step: never "added the logo" and a failing render after.
#[test]
fn typed_steps_name_only_the_sessions_own_files() {
    let server = start(|_| {});
    let (bearer, session_id) = session_with(&server, "assets", &specs::WIDE_TALK);
    let (other, other_session) = session_with(&server, "someone", &specs::WIDE_TALK);
    let theirs = state(&server, &other, &other_session)["video_infos"][0]["asset_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mine = state(&server, &bearer, &session_id)["video_infos"][0]["asset_id"]
        .as_str()
        .unwrap()
        .to_string();
    let full = length(&server, &bearer, &session_id);
    let (credits, _, _) = balance(&server, &bearer);
    for (asset, why) in [
        ("a_nothere", "no image file"),
        (theirs.as_str(), "no image file"),
        // A video of this session is not an image to lay over it.
        (mine.as_str(), "no image file"),
    ] {
        let steps = json!([{"do": "add_overlay", "asset": asset, "corner": "top_right", "width": 0.2, "span": "whole"}]);
        let turn = run_steps(&server, &bearer, &session_id, steps);
        assert_eq!(turn.status, 400, "{asset}: {:?}", turn.events);
        let message = turn.refused.as_ref().unwrap()["message"].to_string();
        assert!(
            message.contains("steps[0]") && message.contains(why),
            "{message}"
        );
    }
    let music = json!([{"do": "add_music", "asset": mine, "volume": 0.3}]);
    let turn = run_steps(&server, &bearer, &session_id, music);
    assert_eq!(turn.status, 400, "{:?}", turn.events);
    assert_eq!(length(&server, &bearer, &session_id), full);
    assert_eq!(balance(&server, &bearer).0, credits, "nothing charged");
}

/// Another user's token reaches nothing of a session through the studio's endpoints: its
/// preview, transcript and quote are "session not found", as everywhere else.
#[test]
fn the_studios_endpoints_are_the_owners_only() {
    let server = start(|_| {});
    let (_, session_id) = session_with(&server, "owner", &specs::WIDE_TALK);
    let (stranger, _) = session_for(&server, "stranger", "en");
    let auth = [("Authorization", stranger.as_str())];
    let base = format!("{}/api/studio/{session_id}", server.base);
    let asks = [
        call("GET", &format!("{base}/preview"), &auth, None),
        call("GET", &format!("{base}/transcript"), &auth, None),
        call(
            "POST",
            &format!("{base}/quote"),
            &auth,
            Some(&json!({"text": "trim the pauses"})),
        ),
    ];
    for reply in asks {
        assert_eq!(reply.status, 404, "{:?}", reply.body);
        assert_eq!(reply.body["code"], 1002, "{:?}", reply.body);
    }
}
