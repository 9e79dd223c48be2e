//! Slow and many clients, and answers from outside the handlers: dribbled heads and bodies
//! are cut while others are answered, connections per address are capped, the client behind
//! a trusted proxy is the one its header names, and every refusal (405, 413, 414, 431, a bad
//! path or header value) comes in the protocol's envelope.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{balance, call, session, start, token, Running};

/// How long the tests' slow clients are given before they count as never cut.
const NEVER: Duration = Duration::from_secs(30);

fn address(server: &Running) -> String {
    server.base.trim_start_matches("http://").to_string()
}

/// Sends `request` on a new connection and reads the answer until the server closes it:
/// the status and the JSON body.
fn raw(server: &Running, request: &[u8]) -> (u16, Value) {
    let mut stream = TcpStream::connect(address(server)).unwrap();
    stream.set_read_timeout(Some(NEVER)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    parse_answer(&answer)
}

fn parse_answer(answer: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Asserts an error answer in the envelope, with `code` = `code`.
fn assert_envelope(answer: &(u16, Value), status: u16, code: u64, says: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["code"].as_u64(), Some(code), "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert!(body["data"].is_null(), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message:?} should say {says:?}");
}

/// A client that sends `start`, then one byte of `more` at a time as long as the server
/// listens: how long until the server answered or closed, and what it answered, or `None`
/// if it was still taking bytes after [`NEVER`]. The read timeout paces the bytes.
fn dribble(address: &str, start: &[u8], more: u8) -> Option<(Duration, Vec<u8>)> {
    let began = Instant::now();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    stream.write_all(start).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while began.elapsed() < NEVER {
        match stream.read(&mut buffer) {
            Ok(0) => return Some((began.elapsed(), answer)),
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some((began.elapsed(), answer)),
        }
        if stream.write_all(&[more]).is_err() {
            return Some((began.elapsed(), answer));
        }
    }
    None
}

#[test]
fn dribbled_heads_and_bodies_are_cut_while_others_are_answered() {
    let server = start(|config| {
        config.header_timeout = Duration::from_secs(2);
        config.body_timeout = Duration::from_secs(2);
    });
    let (bearer, _) = token(&server, "patient");
    let head = b"GET /api/credits/balance/simple HTTP/1.1\r\nHost: cutline\r\nX-Slow: ".to_vec();
    let body = format!(
        "POST /api/tasks/me/with-session/nemo_agent HTTP/1.1\r\nHost: cutline\r\n\
         Authorization: Bearer {bearer}\r\nContent-Type: application/json\r\n\
         Content-Length: 5000\r\n\r\n{{\"task_name\": \""
    )
    .into_bytes();
    let slow: Vec<_> = (0..16)
        .map(|i| {
            let (address, start) = (address(&server), if i < 8 { &head } else { &body }.clone());
            std::thread::spawn(move || dribble(&address, &start, b'a'))
        })
        .collect();

    // While they dribble, an ordinary client is answered.
    let asked = Instant::now();
    let reply = call(
        "GET",
        &format!("{}/api/credits/balance/simple", server.base),
        &[("Authorization", &format!("Bearer {bearer}"))],
        None,
    );
    reply.data();
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );

    let ends: Vec<_> = slow.into_iter().map(|t| t.join().unwrap()).collect();
    let cut = ends.iter().filter(|end| end.is_some()).count();
    println!("slow clients: 16 dribbling (8 heads, 8 bodies), {cut} cut by the server");
    for (i, end) in ends.iter().enumerate() {
        let (took, answer) = end
            .as_ref()
            .unwrap_or_else(|| panic!("slow client {i} was still sending after {NEVER:?}"));
        assert!(
            *took >= Duration::from_secs(2),
            "cut before its time: {took:?}"
        );
        if i >= 8 {
            // A body that stalls is answered in the envelope, saying why.
            let answer = parse_answer(answer);
            assert_envelope(&answer, 400, 400, "too slowly");
        }
    }
}

#[test]
fn open_connections_per_client_are_capped_and_freed_when_closed() {
    let server = start(|config| config.max_connections_per_client = 4);
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(address(&server)).unwrap())
        .collect();
    let request =
        b"GET /api/credits/balance/simple HTTP/1.1\r\nHost: cutline\r\nConnection: close\r\n\r\n";
    let over = raw(&server, request);
    assert_envelope(&over, 429, 429, "too many open connections");

    // Closing one makes room (as soon as the server has seen it closed).
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = raw(&server, request);
        if answer.0 == 401 {
            break;
        }
        assert!(Instant::now() < deadline, "still refused: {}", answer.1);
    }
}

#[test]
fn the_client_behind_a_trusted_proxy_is_the_address_the_proxy_names() {
    let signup = |server: &Running, client: &str, forwarded: &str| {
        let request = format!(
            "POST /api/auth/anonymous-token HTTP/1.1\r\nHost: cutline\r\nX-Client-Id: {client}\r\n\
             X-Forwarded-For: {forwarded}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        raw(server, request.as_bytes()).0
    };
    // Behind the proxy (this test is it, on loopback): one new user an hour per forwarded address.
    let proxied = start(|config| {
        config.anonymous_per_hour = 1;
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    });
    assert_eq!(signup(&proxied, "a1", "198.51.100.1"), 200);
    assert_eq!(signup(&proxied, "a2", "198.51.100.1"), 429);
    assert_eq!(signup(&proxied, "b1", "198.51.100.1, 198.51.100.2"), 200);
    // Not a trusted proxy: the header is the client's word and changes nothing.
    let direct = start(|config| config.anonymous_per_hour = 1);
    assert_eq!(signup(&direct, "c1", "198.51.100.1"), 200);
    assert_eq!(signup(&direct, "c2", "198.51.100.3"), 429);
}

#[test]
fn refusals_outside_the_handlers_come_in_the_envelope() {
    let server = start(|_| {});
    let (bearer, session_id) = session(&server);
    let auth = format!("Authorization: {bearer}");
    let get = |target: &str, extra: &str| {
        raw(
            &server,
            format!("GET {target} HTTP/1.1\r\nHost: cutline\r\n{extra}Connection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    let post = |target: &str, extra: &str, body: &str| {
        raw(
            &server,
            format!(
                "POST {target} HTTP/1.1\r\nHost: cutline\r\n{extra}Content-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
    };

    assert_envelope(&get("/run_sse", ""), 405, 405, "does not take");
    let long_target = format!("/api/credits/balance/simple?x={}", "a".repeat(10_000));
    assert_envelope(&get(&long_target, ""), 414, 414, "longer than");
    let big_header = format!("X-Big: {}\r\n", "b".repeat(40_000));
    assert_envelope(
        &get("/api/credits/balance/simple", &big_header),
        431,
        431,
        "headers",
    );
    let many_headers: String = (0..150).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    assert_envelope(
        &get("/api/credits/balance/simple", &many_headers),
        431,
        431,
        "headers",
    );
    assert_envelope(
        &get("/api/render/proxy/x/download?expires=soon", ""),
        400,
        400,
        "expires",
    );

    // JSON bodies are small on every route, the upload route's list of URLs too.
    let padding = "x".repeat(70 * 1024);
    let big = json!({"task_name": padding}).to_string();
    let refused = post(
        "/api/tasks/me/with-session/nemo_agent",
        &format!("{auth}\r\n"),
        &big,
    );
    assert_envelope(&refused, 413, 413, "64 KB");
    let urls = json!({"urls": [format!("https://example.com/{padding}")]}).to_string();
    let target = format!("/api/upload-video/nemo_agent/me/{session_id}");
    assert_envelope(
        &post(&target, &format!("{auth}\r\n"), &urls),
        413,
        413,
        "64 KB",
    );

    // A Last-Event-ID that is not an event's number starts no turn (and charges nothing).
    let before = balance(&server, &bearer);
    let turn =
        json!({"session_id": session_id, "new_message": {"parts": [{"text": "add captions"}]}})
            .to_string();
    for value in ["abc", "", "\t", "-1", "1.5", "7 8"] {
        let extra = format!("{auth}\r\nLast-Event-ID: {value}\r\n");
        assert_envelope(&post("/run_sse", &extra, &turn), 400, 400, "Last-Event-ID");
    }
    // A control character makes the head malformed: the HTTP layer refuses it (no body).
    let extra = format!("{auth}\r\nLast-Event-ID: \x10\r\n");
    assert_eq!(post("/run_sse", &extra, &turn).0, 400);
    assert_eq!(balance(&server, &bearer), before);

    // Export ids are letters, digits, '_' and '-'.
    for id in ["..", "a.b", "%2E%2E", &"r".repeat(65)] {
        let target = format!("/api/render/proxy/lambda/{id}");
        assert_envelope(&get(&target, &format!("{auth}\r\n")), 400, 400, "export id");
    }
    let export = json!({"id": "..", "sessionId": session_id}).to_string();
    let headers =
        format!("{auth}\r\nX-Skill-Source: t\r\nX-Skill-Version: 1\r\nX-Skill-Platform: t\r\n");
    assert_envelope(
        &post("/api/render/proxy/lambda", &headers, &export),
        400,
        400,
        "export id",
    );
}

#[test]
fn links_name_the_public_url_never_the_host_a_client_sent() {
    let server = start(|config| config.public_url = Some("https://cutline.example.com/".into()));
    let (bearer, session_id) = session(&server);
    let clip = testkit::talk::talk(&testkit::talk::specs::WIDE_TALK);
    let bytes = std::fs::read(&clip.path).unwrap();
    crate::upload(&server, &bearer, &session_id, &[("talk.mp4", &bytes)]).data();
    let export =
        json!({"id": "render_public", "sessionId": session_id, "output": {"resolution": "360p"}});
    let reply = call(
        "POST",
        &format!("{}/api/render/proxy/lambda", server.base),
        &crate::attributed(&bearer),
        Some(&export),
    );
    reply.data();
    crate::wait_for_export(&server, &bearer, "render_public");
    let status = raw(
        &server,
        format!(
            "GET /api/render/proxy/lambda/render_public HTTP/1.1\r\nHost: evil.example\r\n\
             Authorization: {bearer}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    let url = status.1["data"]["outputUrl"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        url.starts_with("https://cutline.example.com/api/render/proxy/render_public/download?"),
        "{url}"
    );
}
