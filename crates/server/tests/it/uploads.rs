//! Multipart uploads: stored under server-made keys, identified by their content, limits
//! enforced while they stream in, nothing left behind by a refused one.

use std::path::Path;

use testkit::talk::{specs, talk};

use crate::{call, media_files, session, start, upload, upload_url, FileServer};

#[test]
fn a_talk_clip_is_stored_probed_and_put_on_the_empty_timeline() {
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    let clip = talk(&specs::TALK);
    let bytes = std::fs::read(&clip.path).unwrap();
    let reply = upload(
        &server,
        &bearer,
        &session_id,
        &[("../../etc/talk.mp4", &bytes)],
    );
    let data = reply.data();
    let file = &data["files"][0];
    assert_eq!(file["file_type"], "video");
    assert_eq!(
        file["filename"], "../../etc/talk.mp4",
        "the client's name is only display text"
    );
    let duration = file["duration"].as_f64().unwrap();
    assert!(
        (duration - clip.truth.duration_ms as f64 / 1000.0).abs() < 0.1,
        "{duration} s"
    );
    assert_eq!(file["size"], bytes.len());
    let sha = String::from_utf8(testkit::tools::run(
        "sha256sum",
        [clip.path.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(file["hash"].as_str().unwrap(), &sha[..64]);
    assert_eq!(data["session_state_applied"], true);
    let asset_id = file["asset_id"].as_str().unwrap();
    assert_eq!(
        media_files(&server.data_dir()),
        [asset_id],
        "stored under its own key only"
    );

    let state = call(
        "GET",
        &format!(
            "{}/api/state/nemo_agent/me/{session_id}/latest",
            server.base
        ),
        &[("Authorization", bearer.as_str())],
        None,
    );
    let state = state.data();
    assert_eq!(state["video_infos"][0]["asset_id"], asset_id);
    let draft = &state["state"]["draft"];
    assert_eq!(draft["t"][0]["sg"][0]["src"], asset_id);
    assert_eq!(
        draft["d"].as_u64().unwrap(),
        (duration * 1000.0).round() as u64
    );
}

#[test]
fn a_text_file_and_a_playlist_named_mp4_are_4001_and_leave_nothing() {
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    let text = upload(
        &server,
        &bearer,
        &session_id,
        &[("clip.mp4", b"just some words, not a video\n")],
    );
    text.expect_error(415, 4001);
    assert!(
        text.body["message"].as_str().unwrap().contains("mp4, mov"),
        "{}",
        text.body
    );
    let playlist = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nhttp://127.0.0.1:9/segment.ts\n";
    let refused = upload(&server, &bearer, &session_id, &[("clip.mp4", playlist)]);
    refused.expect_error(415, 4001);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("playlist"),
        "{}",
        refused.body
    );
    assert!(
        !refused.body["message"].as_str().unwrap().contains('/'),
        "no server path in {}",
        refused.body
    );
    assert_eq!(media_files(&server.data_dir()), Vec::<String>::new());
}

#[test]
fn a_file_over_the_limit_is_4002_while_it_streams_and_leaves_nothing() {
    let server = start(|config| config.max_upload_bytes = 1024 * 1024);
    let (bearer, session_id) = session(&server);
    let big = vec![0u8; 3 * 1024 * 1024];
    let reply = upload(&server, &bearer, &session_id, &[("big.mp4", &big)]);
    reply.expect_error(413, 4002);
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("limit of 1 MB"),
        "{}",
        reply.body
    );
    assert_eq!(media_files(&server.data_dir()), Vec::<String>::new());
}

#[test]
fn an_upload_by_url_is_fetched_from_an_allowed_private_server() {
    let clip = talk(&specs::SHORT_LANDSCAPE);
    let bytes = std::fs::read(&clip.path).unwrap();
    let files = FileServer::start(bytes.clone(), None);
    let allowed = files.address;
    let server = start(move |config| config.allowed_private = vec![allowed]);
    let (bearer, session_id) = session(&server);
    let url = format!("http://{allowed}/talk.mp4");
    let reply = upload_url(&server, &bearer, &session_id, &url);
    let file = &reply.data()["files"][0];
    assert_eq!(file["file_type"], "video");
    assert_eq!(file["filename"], "talk.mp4");
    assert_eq!(file["size"], bytes.len());
    assert_eq!(reply.data()["session_state_applied"], true);
    let asset_id = file["asset_id"].as_str().unwrap();
    assert_eq!(media_files(&server.data_dir()), [asset_id]);
}

#[test]
fn uploads_by_url_to_loopback_in_any_spelling_or_by_redirect_are_refused() {
    let bytes = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let target = FileServer::start(bytes.clone(), None);
    let port = target.address.port();
    let redirect_to = format!("http://127.0.0.1:{port}/talk.mp4");
    let mover = FileServer::start(Vec::new(), Some(redirect_to));
    // Only the redirecting server may be reached: its redirect to loopback may not.
    let allowed = mover.address;
    let server = start(move |config| config.allowed_private = vec![allowed]);
    let (bearer, session_id) = session(&server);
    for url in [
        format!("http://127.0.0.1:{port}/talk.mp4"),
        format!("http://0x7f000001:{port}/talk.mp4"),
        format!("http://2130706433:{port}/talk.mp4"),
        format!("http://[::ffff:127.0.0.1]:{port}/talk.mp4"),
        format!("http://[::1]:{port}/talk.mp4"),
        // A name, not an address: what it resolves to is checked.
        format!("http://localhost:{port}/talk.mp4"),
        format!("http://{allowed}/moved"),
    ] {
        let reply = upload_url(&server, &bearer, &session_id, &url);
        reply.expect_error(400, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("only public addresses are fetched"),
            "{url}: {message}"
        );
    }
    assert_eq!(target.connections(), 0, "no connection reached the target");
    assert_eq!(
        mover.connections(),
        1,
        "the redirect was fetched, its target refused"
    );
    for url in ["file:///etc/passwd", "ftp://127.0.0.1/a.mp4"] {
        let reply = upload_url(&server, &bearer, &session_id, url);
        reply.expect_error(400, 400);
        assert!(reply.body["message"].as_str().unwrap().contains("http"));
    }
    assert_eq!(media_files(&server.data_dir()), Vec::<String>::new());
    let state = crate::state(&server, &bearer, &session_id);
    assert_eq!(state["video_infos"], serde_json::json!([]));
}

#[test]
fn an_upload_by_url_over_the_limit_is_4002_and_leaves_nothing() {
    let files = FileServer::start(vec![7u8; 3 * 1024 * 1024], None);
    let allowed = files.address;
    let server = start(move |config| {
        config.allowed_private = vec![allowed];
        config.max_upload_bytes = 1024 * 1024;
    });
    let (bearer, session_id) = session(&server);
    let reply = upload_url(
        &server,
        &bearer,
        &session_id,
        &format!("http://{allowed}/talk.mp4"),
    );
    reply.expect_error(413, 4002);
    assert_eq!(media_files(&server.data_dir()), Vec::<String>::new());
}

/// What a failed upload must leave as it was: the session's pieces, its current draft and
/// the assets it lists.
fn session_view(server: &crate::Running, bearer: &str, session_id: &str) -> serde_json::Value {
    let state = crate::state(server, bearer, session_id);
    let assets: Vec<_> = state["video_infos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["asset_id"].clone())
        .collect();
    serde_json::json!({"drafts": state["drafts"], "draft": state["state"]["draft"], "assets": assets})
}

/// Waits (up to 10 s) until the media folder holds exactly `expected`.
fn wait_for_media(data: &Path, expected: &[String]) {
    let started = std::time::Instant::now();
    loop {
        let now = media_files(data);
        if now == expected {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "media holds {now:?}, expected {expected:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn an_upload_is_all_or_nothing_when_a_later_file_fails() {
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    assert!(
        clip.len() < 1024 * 1024,
        "the clip fits under the 1 MB limit"
    );
    let server = start(|config| config.max_upload_bytes = 1024 * 1024);
    let (bearer, session_id) = session(&server);
    let data = server.data_dir();
    // One upload kept first, so there is a state to keep unchanged.
    let first = upload(&server, &bearer, &session_id, &[("first.mp4", &clip)]);
    let kept = vec![first.data()["files"][0]["asset_id"]
        .as_str()
        .unwrap()
        .to_string()];
    let before = session_view(&server, &bearer, &session_id);

    let text = b"just some words, not a video\n".repeat(50);
    let refused = upload(
        &server,
        &bearer,
        &session_id,
        &[("good.mp4", &clip), ("notes.mp4", &text)],
    );
    refused.expect_error(415, 4001);
    assert_eq!(media_files(&data), kept, "the good file went too");
    assert_eq!(session_view(&server, &bearer, &session_id), before);

    let big = vec![0u8; 3 * 1024 * 1024];
    let refused = upload(
        &server,
        &bearer,
        &session_id,
        &[("good.mp4", &clip), ("big.mp4", &big)],
    );
    refused.expect_error(413, 4002);
    assert_eq!(media_files(&data), kept);
    assert_eq!(session_view(&server, &bearer, &session_id), before);

    // 21 valid files: refused at the 21st, none of the 20 before it kept.
    let files: Vec<(&str, &[u8])> = (0..21).map(|_| ("same.mp4", clip.as_slice())).collect();
    let refused = upload(&server, &bearer, &session_id, &files);
    refused.expect_error(400, 400);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("at most 20 files"),
        "{}",
        refused.body
    );
    assert_eq!(media_files(&data), kept);
    assert_eq!(session_view(&server, &bearer, &session_id), before);

    // 20 are accepted, all together.
    let reply = upload(&server, &bearer, &session_id, &files[..20]);
    assert_eq!(reply.data()["files"].as_array().unwrap().len(), 20);
    assert_eq!(media_files(&data).len(), 21);
}

#[test]
fn the_files_of_one_request_together_stay_under_the_request_limit() {
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let limit = clip.len() as u64 * 3 / 2;
    let server = start(move |config| config.max_request_bytes = limit);
    let (bearer, session_id) = session(&server);
    let refused = upload(
        &server,
        &bearer,
        &session_id,
        &[("one.mp4", &clip), ("two.mp4", &clip)],
    );
    refused.expect_error(413, 4002);
    let message = refused.body["message"].as_str().unwrap();
    assert!(
        message.contains("for one request") && message.contains("MB"),
        "{message}"
    );
    assert_eq!(media_files(&server.data_dir()), Vec::<String>::new());
    let state = crate::state(&server, &bearer, &session_id);
    assert_eq!(state["video_infos"], serde_json::json!([]));
}

#[test]
fn an_upload_cut_off_mid_body_leaves_no_file_and_no_row() {
    use std::io::{Read, Write};
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    let before = session_view(&server, &bearer, &session_id);
    let (content_type, body) = crate::multipart(&[("good.mp4", &clip), ("second.mp4", &clip)]);
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /api/upload-video/nemo_agent/me/{session_id} HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: {bearer}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The whole first file and half of the second, then the connection ends.
    let cut = body.len() - clip.len() / 2;
    stream.write_all(&body[..cut]).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 400"),
        "a cut upload is refused or dropped, never kept: {reply}"
    );
    drop(stream);
    wait_for_media(&server.data_dir(), &[]);
    assert_eq!(session_view(&server, &bearer, &session_id), before);
    // The server still answers.
    let (bearer, session_id) = session(&server);
    upload(&server, &bearer, &session_id, &[("after.mp4", &clip)]).data();
}

#[test]
fn an_upload_by_url_of_several_keeps_none_when_one_fails() {
    let bytes = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let files = FileServer::start(bytes, None);
    let allowed = files.address;
    let server = start(move |config| config.allowed_private = vec![allowed]);
    let (bearer, session_id) = session(&server);
    let reply = call(
        "POST",
        &format!(
            "{}/api/upload-video/nemo_agent/me/{session_id}",
            server.base
        ),
        &[("Authorization", bearer.as_str())],
        Some(&serde_json::json!({
            "urls": [format!("http://{allowed}/talk.mp4"), format!("http://{allowed}/missing.mp4")],
            "source_type": "url",
        })),
    );
    reply.expect_error(400, 400);
    assert_eq!(files.connections(), 2, "both were fetched");
    assert_eq!(media_files(&server.data_dir()), Vec::<String>::new());
    let state = crate::state(&server, &bearer, &session_id);
    assert_eq!(state["video_infos"], serde_json::json!([]));
}

#[test]
fn uploads_committed_but_not_renamed_when_the_process_died_are_named_at_the_next_start() {
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    let reply = upload(&server, &bearer, &session_id, &[("talk.mp4", &clip)]);
    let asset_id = reply.data()["files"][0]["asset_id"]
        .as_str()
        .unwrap()
        .to_string();
    // As if the process died after the commit and before the rename, while another upload
    // was still coming in (a part with no row).
    let server = server.restart(|data| {
        let media = data.join("media");
        std::fs::rename(
            media.join(&asset_id),
            media.join(format!(".{asset_id}.part")),
        )
        .unwrap();
        std::fs::write(media.join(".a_00000000000000000000.part"), b"half").unwrap();
    });
    assert_eq!(media_files(&server.data_dir()), [asset_id.as_str()]);
    let auth = ("Authorization", bearer.as_str());
    let (status, _, body) =
        crate::assets::get(&format!("{}/api/assets/{asset_id}", server.base), &[auth]);
    assert_eq!((status, body == clip), (200, true));
}
