//! Batch sessions (API.md's "upload multiple files in one session, process them one by one
//! with different instructions, each gets its own render"): each uploaded video is its own
//! piece of work, words pick which one, "export all" renders each on its own, and "join
//! them" makes one more piece of all of them.

use serde_json::Value;
use testkit::talk::{specs, talk};

use crate::{attributed, download, run_sse, session_for, start, state, upload, Running, Turn};

fn pieces(server: &Running, bearer: &str, session_id: &str) -> Vec<Value> {
    state(server, bearer, session_id)["state"]["drafts"]
        .as_array()
        .expect("a drafts list")
        .clone()
}

fn length(piece: &Value) -> u64 {
    piece["duration_ms"].as_u64().unwrap()
}

/// The exports a turn made: (piece id, download path).
fn exports(turn: &Turn) -> Vec<(String, String)> {
    turn.of("tool_result")
        .iter()
        .filter(|e| e["name"] == "export" && e["result"]["url"].is_string())
        .map(|e| {
            let result = &e["result"];
            (
                result["piece_id"].as_str().unwrap().to_string(),
                result["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_video_is_its_own_piece_picked_by_words_exported_alone_or_joined() {
    let server = start(|_| {});
    let (bearer, session_id) = session_for(&server, "batch", "en");
    let auth = attributed(&bearer);
    let scratch = testkit::scratch();
    let talk_mp4 = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    let phone_mp4 = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    upload(
        &server,
        &bearer,
        &session_id,
        &[("talk.mp4", &talk_mp4), ("phone.mp4", &phone_mp4)],
    )
    .data();
    let start_pieces = pieces(&server, &bearer, &session_id);
    let names: Vec<&str> = start_pieces
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["talk.mp4", "phone.mp4"]);
    let (talk_ms, phone_ms) = (length(&start_pieces[0]), length(&start_pieces[1]));

    // Two videos and no word of which: asked, nothing applied; the answer applies it.
    let asked = run_sse(&server, &auth, &session_id, "trim the pauses", None);
    assert!(
        asked
            .text()
            .contains("Which video do you mean: 1 talk.mp4, 2 phone.mp4?"),
        "{}",
        asked.text()
    );
    assert!(asked.of("tool_call").is_empty());
    let answered = run_sse(&server, &auth, &session_id, "the first one", None);
    assert!(
        answered.text().starts_with("talk.mp4: "),
        "{}",
        answered.text()
    );
    let trimmed = pieces(&server, &bearer, &session_id);
    assert!(
        length(&trimmed[0]) + 1_000 < talk_ms,
        "the first is trimmed"
    );
    assert_eq!(trimmed[1], start_pieces[1], "the second is untouched");

    // "the second one": only the second changes, and it is the current piece (`draft`).
    let portrait = run_sse(
        &server,
        &auth,
        &session_id,
        "make the second one 9:16",
        None,
    );
    assert!(
        portrait.text().starts_with("phone.mp4: "),
        "{}",
        portrait.text()
    );
    let now = state(&server, &bearer, &session_id);
    let shaped = now["state"]["drafts"].as_array().unwrap();
    assert_eq!(shaped[0], trimmed[0], "the first is untouched");
    let (w, h) = (
        shaped[1]["draft"]["m"]["w"].as_u64().unwrap(),
        shaped[1]["draft"]["m"]["h"].as_u64().unwrap(),
    );
    assert_eq!(w * 16, h * 9, "{w}×{h}");
    assert_eq!(now["state"]["draft"], shaped[1]["draft"]);

    // "export all": one render per piece, each its own download of its own length and shape.
    let all = run_sse(&server, &auth, &session_id, "export all", None);
    let made = exports(&all);
    assert_eq!(made.len(), 2, "{:?}", all.events);
    for (piece, expected) in shaped.iter().zip(&made) {
        assert_eq!(piece["piece_id"].as_str().unwrap(), expected.0);
        let path = scratch.path().join(format!("{}.mp4", expected.0));
        let url = format!("{}{}", server.base, expected.1);
        assert_eq!(
            download(&url, &[("Authorization", bearer.as_str())], &path),
            200
        );
        let info = testkit::measure::streams(&path);
        let seconds = length(piece) as f64 / 1000.0;
        assert!(
            (info.duration_s() - seconds).abs() < 0.25,
            "{} vs {seconds}",
            info.duration_s()
        );
        let video = info.video();
        assert_eq!(
            (video.width.unwrap() as u64, video.height.unwrap() as u64),
            (
                piece["draft"]["m"]["w"].as_u64().unwrap(),
                piece["draft"]["m"]["h"].as_u64().unwrap()
            )
        );
    }
    let listed = state(&server, &bearer, &session_id)["state"]["generated_media"].clone();
    let mut listed_pieces: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["piece_id"].as_str().unwrap())
        .collect();
    listed_pieces.sort();
    let mut made_pieces: Vec<&str> = made.iter().map(|(p, _)| p.as_str()).collect();
    made_pieces.sort();
    assert_eq!(listed_pieces, made_pieces);

    // Undo is per piece: the first one's trim comes back off, the second stays 9:16.
    run_sse(&server, &auth, &session_id, "undo in the first video", None);
    let undone = pieces(&server, &bearer, &session_id);
    assert_eq!(length(&undone[0]), talk_ms);
    assert_eq!(undone[1], shaped[1]);

    // "join them": a third piece of both, in upload order, now current; the originals stay.
    let joined = run_sse(&server, &auth, &session_id, "join them", None);
    assert!(
        joined
            .text()
            .contains("Joined talk.mp4 and phone.mp4 into one video"),
        "{}",
        joined.text()
    );
    let after = pieces(&server, &bearer, &session_id);
    assert_eq!(after.len(), 3);
    assert_eq!(&after[..2], &undone[..]);
    assert_eq!(length(&after[2]), talk_ms + phone_ms);
    let export = run_sse(&server, &auth, &session_id, "export", None);
    let made = exports(&export);
    assert_eq!(made.len(), 1, "{:?}", export.events);
    assert_eq!(made[0].0, after[2]["piece_id"].as_str().unwrap());
    let path = scratch.path().join("joined.mp4");
    let url = format!("{}{}", server.base, made[0].1);
    assert_eq!(
        download(&url, &[("Authorization", bearer.as_str())], &path),
        200
    );
    let seconds = (talk_ms + phone_ms) as f64 / 1000.0;
    let got = testkit::measure::streams(&path).duration_s();
    assert!((got - seconds).abs() < 0.3, "{got} vs {seconds}");
}
