//! Uploaded files after their upload: served to their owner (bearer or signed link, with
//! `Range`), as missing as anything else to another user, and named by their file name —
//! never by a path of the server — when they make a turn fail.

use std::time::Duration;

use testkit::talk::{specs, talk};

use crate::{run_sse, session, session_for, start, upload, Running};

/// GET `url` with these headers: (status, Content-Range, body).
pub fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, Vec<u8>) {
    let mut request = ureq::get(url).timeout(Duration::from_secs(30));
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let response = match request.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {url}: {e}"),
    };
    let status = response.status();
    let range = response.header("content-range").map(str::to_string);
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body).unwrap();
    (status, range, body)
}

/// The protocol code of an error body.
fn code(body: &[u8]) -> u64 {
    let value: serde_json::Value = serde_json::from_slice(body).expect("an error envelope");
    assert_eq!(value["success"], false);
    value["code"].as_u64().unwrap()
}

#[test]
fn an_asset_is_served_to_its_owner_by_bearer_or_signed_link_with_ranges() {
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let reply = upload(&server, &bearer, &session_id, &[("talk.mp4", &clip)]);
    let file = &reply.data()["files"][0];
    let asset_id = file["asset_id"].as_str().unwrap();
    let link = file["url"].as_str().unwrap();
    assert_eq!(file["cdn_url"], link);
    assert!(
        link.starts_with(&format!("/api/assets/{asset_id}?user=")) && link.contains("&sig="),
        "a signed link: {link}"
    );

    // The signed link works without a header (a <video> element).
    let (status, _, body) = get(&format!("{}{link}", server.base), &[]);
    assert_eq!(status, 200);
    assert!(body == clip, "the bytes uploaded");
    // The bearer works without a signature.
    let plain = format!("{}/api/assets/{asset_id}", server.base);
    let auth = ("Authorization", bearer.as_str());
    let (status, _, body) = get(&plain, &[auth]);
    assert_eq!((status, body == clip), (200, true));
    // A range, as a player seeking asks it.
    let (status, range, body) = get(&plain, &[auth, ("Range", "bytes=100-1123")]);
    assert_eq!(status, 206);
    assert_eq!(
        range.as_deref(),
        Some(&*format!("bytes 100-1123/{}", clip.len()))
    );
    assert!(body == clip[100..1124], "the bytes of the range");
    let (status, _, _) = get(&plain, &[auth, ("Range", "bytes=99999999-")]);
    assert_eq!(status, 416);

    // Without anything, with another user's token, or an unknown id: refused alike.
    let (status, _, body) = get(&plain, &[]);
    assert_eq!((status, code(&body)), (401, 1001));
    let (other, _) = session_for(&server, "someone-else", "en");
    let (status, _, body) = get(&plain, &[("Authorization", other.as_str())]);
    assert_eq!((status, code(&body)), (404, 1002));
    let (status, _, body) = get(
        &format!("{}/api/assets/a_00000000000000000000", server.base),
        &[auth],
    );
    assert_eq!((status, code(&body)), (404, 1002));

    // A tampered, expired or borrowed signature is refused, whatever else is sent.
    let tampered = tamper(link);
    let (status, _, body) = get(&format!("{}{tampered}", server.base), &[auth]);
    assert_eq!((status, code(&body)), (401, 1001), "{tampered}");
    let signer = server.signer();
    let user = query_value(link, "user");
    let past = chrono_now() - 10;
    let expired = format!(
        "/api/assets/{asset_id}?user={user}&expires={past}&sig={}",
        signer.sign(&user, &format!("asset:{asset_id}"), past)
    );
    let (status, _, body) = get(&format!("{}{expired}", server.base), &[]);
    assert_eq!((status, code(&body)), (401, 1001), "expired");
    let future = chrono_now() + 600;
    // An export's signature (no `asset:` subject) under the same id opens nothing here.
    let borrowed = format!(
        "/api/assets/{asset_id}?user={user}&expires={future}&sig={}",
        signer.sign(&user, asset_id, future)
    );
    let (status, _, body) = get(&format!("{}{borrowed}", server.base), &[]);
    assert_eq!(
        (status, code(&body)),
        (401, 1001),
        "another subject's signature"
    );

    // The session's state hands out the same kind of link.
    let state = crate::state(&server, &bearer, &session_id);
    let listed = state["video_infos"][0]["url"].as_str().unwrap();
    let (status, _, body) = get(&format!("{}{listed}", server.base), &[]);
    assert_eq!((status, body == clip), (200, true));
}

/// `link` with the last hex digit of its signature changed.
fn tamper(link: &str) -> String {
    let mut chars: Vec<char> = link.chars().collect();
    let last = chars.last_mut().unwrap();
    *last = if *last == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

fn query_value(link: &str, key: &str) -> String {
    link.split(['?', '&'])
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap()
        .to_string()
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every word a turn said: its text and its error messages.
fn words_of(turn: &crate::Turn) -> String {
    turn.events
        .iter()
        .filter_map(|e| e.data["content"].as_str().or(e.data["message"].as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts `text` names no path of `server`.
pub fn assert_no_server_path(server: &Running, text: &str) {
    let data = server.data_dir().display().to_string();
    for path in ["/media/", "/cache/", "/renders/", data.as_str(), ".part"] {
        assert!(!text.contains(path), "{path:?} in: {text}");
    }
}

#[test]
fn a_damaged_upload_failing_a_turn_is_named_by_its_file_name_not_a_path() {
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    // The index at the front, so the file still probes once its end is cut off.
    let scratch = testkit::scratch();
    let clip = scratch.path().join("faststart.mp4");
    testkit::tools::ffmpeg([
        "-i",
        talk(&specs::TALK).path.to_str().unwrap(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        clip.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&clip).unwrap();
    let reply = upload(&server, &bearer, &session_id, &[("my talk.mp4", &bytes)]);
    let asset_id = reply.data()["files"][0]["asset_id"].as_str().unwrap();
    // The disk loses the second half of the stored file.
    let stored = server.data_dir().join("media").join(asset_id);
    std::fs::write(&stored, &bytes[..bytes.len() / 2]).unwrap();

    let auth = [("Authorization", bearer.as_str())];
    let turn = run_sse(&server, &auth, &session_id, "trim the pauses", None);
    assert_eq!(turn.status, 200);
    let words = words_of(&turn);
    assert!(words.contains("my talk.mp4"), "names the file: {words}");
    assert!(
        words.contains("damaged") || words.contains("truncated"),
        "says why: {words}"
    );
    assert_no_server_path(&server, &words);
}
