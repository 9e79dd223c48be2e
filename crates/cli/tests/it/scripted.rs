//! The two client rules our own server never needs, against a small scripted server that
//! answers `/run_sse` that way: a turn that ends without a word (the client tells what changed
//! from the state), and a reply that speaks of a GUI (the client exports instead of repeating
//! "click the Export button").

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::json;

/// Answers the protocol's calls with fixed replies; the timeline changes once a turn ran.
fn scripted_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let turned = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let turned = Arc::clone(&turned);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                        break;
                    }
                    if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let body = String::from_utf8_lossy(&body).to_string();
                let ok = |data: serde_json::Value| {
                    json!({"code": 0, "success": true, "message": "ok", "data": data}).to_string()
                };
                let (content_type, reply) = if path == "/run_sse" {
                    turned.store(true, Ordering::SeqCst);
                    if body.contains("slowly") {
                        // Heartbeats only for 2.5 s, then the reply, as a stream.
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                        );
                        for _ in 0..10 {
                            let _ = write!(stream, "data: {{\"type\":\"heartbeat\"}}\n\n");
                            let _ = stream.flush();
                            std::thread::sleep(std::time::Duration::from_millis(250));
                        }
                        let _ = write!(
                            stream,
                            "id: 1\ndata: {{\"type\":\"text\",\"content\":\"Finished.\"}}\n\n"
                        );
                        return;
                    }
                    let events: Vec<serde_json::Value> = if body.contains("silently") {
                        vec![
                            json!({"type": "tool_call", "name": "trim_pauses", "args": {}}),
                            json!({"type": "tool_result", "name": "trim_pauses", "result": {}}),
                        ]
                    } else {
                        vec![json!({"type": "text",
                                    "content": "Done! Click the Export button to download your video."})]
                    };
                    let stream: String = events
                        .iter()
                        .enumerate()
                        .map(|(i, e)| format!("id: {}\ndata: {e}\n\n", i + 1))
                        .collect();
                    ("text/event-stream", stream)
                } else if path.starts_with("/api/auth/anonymous-token") {
                    ("application/json", ok(json!({"token": "scripted-token"})))
                } else if path.starts_with("/api/tasks/") {
                    (
                        "application/json",
                        ok(json!({"session_id": "ses_scripted"})),
                    )
                } else if path.starts_with("/api/state/") {
                    let draft = if turned.load(Ordering::SeqCst) {
                        json!({"d": 19000, "m": {"w": 1920, "h": 1080},
                               "t": [{"tt": 0, "sg": [{"s": 0, "d": 19000}]}]})
                    } else {
                        json!({"d": 25000, "m": {"w": 1920, "h": 1080},
                               "t": [{"tt": 0, "sg": [{"s": 0, "d": 25000}]}]})
                    };
                    (
                        "application/json",
                        ok(json!({"state": {"draft": draft}, "draft": draft})),
                    )
                } else if path == "/api/render/proxy/lambda" {
                    (
                        "application/json",
                        ok(json!({"id": "render_1", "status": "pending"})),
                    )
                } else if path.starts_with("/api/render/proxy/lambda/") {
                    (
                        "application/json",
                        ok(json!({"id": "render_1", "status": "completed",
                        "progress": 100, "output": {"duration": 19.0, "size": 4}})),
                    )
                } else if path.ends_with("/download") {
                    ("video/mp4", "MP4!".to_string())
                } else {
                    (
                        "application/json",
                        json!({"code": 400, "success": false,
                        "message": "no such endpoint", "data": null})
                        .to_string(),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            });
        }
    });
    base
}

fn chat(base: &str, dir: &std::path::Path, words: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args(["chat", "--server", base, "--send", words])
        .env("CUTLINE_CHAT_STILL_WORKING_SECS", "1")
        .env("CUTLINE_CONFIG_DIR", dir.join("config"))
        .env_remove("NEMO_TOKEN")
        .env_remove("CUTLINE_TOKEN")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_silent_turn_is_told_by_what_changed() {
    let scratch = testkit::scratch();
    let said = chat(
        &scripted_server(),
        scratch.path(),
        "trim the pauses silently",
    );
    assert!(said.contains("Done: length 0:25 → 0:19."), "{said}");
}

#[test]
fn gui_talk_is_acted_on_not_repeated() {
    let scratch = testkit::scratch();
    let said = chat(&scripted_server(), scratch.path(), "make it shorter");
    assert!(!said.contains("Click"), "{said}");
    assert!(
        said.contains("Saved exports/video-edited.mp4"),
        "exported instead: {said}"
    );
    let saved: Vec<_> = std::fs::read_dir(scratch.path().join("exports"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    assert_eq!(saved, [b"MP4!".to_vec()], "the download, saved once");
}

#[test]
fn a_long_silence_is_said_while_heartbeats_keep_the_wait() {
    let scratch = testkit::scratch();
    let said = chat(&scripted_server(), scratch.path(), "do it slowly");
    // 2.5 s of heartbeats, said every second of silence here (every 2 minutes by default).
    let times = said.matches("⏳ Still working…").count();
    assert!((1..=3).contains(&times), "{said}");
    assert!(said.ends_with("Finished.\n"), "{said}");
}
