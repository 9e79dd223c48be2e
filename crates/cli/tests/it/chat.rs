//! `cutline chat` against a real `cutline serve` on loopback: the one-shot mode scripts and
//! agents use (upload, words, export, JSON lines), the routing of what is typed (English and
//! Chinese), the token cache, and a bad token replaced by a new one.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use testkit::talk::{specs, talk};

use crate::path_str;
use crate::serve::Serve;

/// A scratch folder with a `cutline serve` on its `data`, and a config folder for the chat.
struct Fresh {
    scratch: testkit::TempDir,
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    serve: Serve,
}

fn fresh(flags: &[&str]) -> Fresh {
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let config = scratch.path().join("config");
    let serve = Serve::start_with(&data, flags);
    Fresh {
        scratch,
        data,
        config,
        serve,
    }
}

/// Runs `cutline chat --server BASE ARGS…` with its config folder in `config`.
fn chat_run(base: &str, config: &Path, args: &[&str], token: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutline"));
    command
        .args(["chat", "--server", base])
        .args(args)
        .env("CUTLINE_CONFIG_DIR", config)
        .current_dir(config.parent().unwrap_or(config))
        .env_remove("NEMO_TOKEN")
        .env_remove("CUTLINE_TOKEN");
    if let Some(token) = token {
        command.env("CUTLINE_TOKEN", token);
    }
    command.output().expect("run cutline chat")
}

/// [`chat_run`] that must succeed.
fn chat(serve: &Serve, config: &Path, args: &[&str], token: Option<&str>) -> Output {
    let output = chat_run(&serve.base, config, args, token);
    assert!(
        output.status.success(),
        "cutline chat {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The JSON lines of a `--json` run.
fn events(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

fn of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[test]
fn one_shot_upload_words_and_export_give_the_servers_render() {
    let Fresh {
        scratch,
        data,
        config,
        serve,
    } = fresh(&[]);
    let clip = talk(&specs::WIDE_TALK);
    let out = scratch.path().join("out.mp4");
    let run = chat(
        &serve,
        &config,
        &[
            "--upload",
            path_str(&clip.path),
            "--send",
            "trim the pauses",
            "--export",
            path_str(&out),
            "--json",
        ],
        None,
    );
    let events = events(&run);
    assert_eq!(of(&events, "uploaded").len(), 1, "{events:?}");
    assert!(
        !of(&events, "tool_call").is_empty(),
        "the turn's events as lines"
    );
    let said = of(&events, "text");
    assert!(
        said.iter()
            .any(|e| e["content"].as_str().unwrap().contains("pause")),
        "{said:?}"
    );
    let exported = of(&events, "exported");
    assert_eq!(exported[0]["path"], path_str(&out));
    let made = testkit::measure::streams(&out);
    assert_eq!(made.video().codec_name.as_deref(), Some("h264"));
    assert!(made.duration_s() < clip.truth.duration_ms as f64 / 1000.0 - 1.5);
    let renders: Vec<_> = std::fs::read_dir(data.join("renders"))
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(renders.len(), 1);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(renders[0].path()).unwrap(),
        "the downloaded file is the server's render"
    );

    // The token was cached: the next run is the same user (1 credit for the turn, 2 for the
    // export at this server's price).
    assert!(config.join("tokens.json").is_file());
    let credits = events_of(&serve, &config, "credits");
    assert_eq!(of(&credits, "credits")[0]["balance"]["available"], 97);
    let chinese = events_of(&serve, &config, "积分");
    assert_eq!(of(&chinese, "credits")[0]["balance"]["available"], 97);
    // Saved under the name of the file it came from, never over an earlier one.
    let stem = clip.path.file_stem().unwrap().to_string_lossy().to_string();
    for expected in [
        format!("exports/{stem}-edited.mp4"),
        format!("exports/{stem}-edited-2.mp4"),
    ] {
        let downloaded = self::events(&chat(
            &serve,
            &config,
            &[
                "--upload",
                path_str(&clip.path),
                "--send",
                "send me the video",
                "--json",
            ],
            None,
        ));
        let saved = of(&downloaded, "exported")[0]["path"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(saved, expected);
        assert!(
            scratch.path().join(&saved).is_file(),
            "saved under ./exports"
        );
    }
    for words in ["status", "状态", "show tracks"] {
        let status = events_of(&serve, &config, words);
        assert!(!of(&status, "state").is_empty(), "{words}: {status:?}");
    }
}

fn events_of(serve: &Serve, config: &Path, words: &str) -> Vec<Value> {
    events(&chat(serve, config, &["--send", words, "--json"], None))
}

#[test]
fn words_for_people_keep_protocol_details_out_and_a_bad_token_is_replaced() {
    let Fresh {
        scratch: _scratch,
        data: _,
        config,
        serve,
    } = fresh(&[]);
    let run = chat(
        &serve,
        &config,
        &["--send", "余额"],
        Some("ctl_0000000000000000000000000000000000000000000000000000000000000000"),
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("Connecting…") && stderr.contains("Ready"),
        "{stderr}"
    );
    assert!(
        stdout.contains("100 credits available"),
        "a new token: {stdout}"
    );
    for detail in ["ses_", "render_", "{", "http"] {
        assert!(!stdout.contains(detail), "{detail} shown: {stdout}");
    }
    // In Chinese, the client's own words are Chinese too (the new token was cached).
    let chinese = chat(
        &serve,
        &config,
        &["--language", "zh-CN", "--send", "余额"],
        None,
    );
    let said = String::from_utf8_lossy(&chinese.stdout);
    assert!(said.contains("可用积分 100"), "{said}");
}

/// A failed one-shot run: its one-line error.
fn chat_error(serve: &Serve, config: &Path, args: &[&str], token: Option<&str>) -> String {
    let output = chat_run(&serve.base, config, args, token);
    assert!(!output.status.success(), "{:?} should fail", args);
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn each_error_rule_with_the_server_producing_the_condition() {
    let Fresh {
        scratch,
        data,
        config,
        serve,
    } = fresh(&["--free-credits", "0", "--max-upload-mb", "1"]);
    let clip = talk(&specs::SHORT_LANDSCAPE);

    // Zero credits: the balance and the hint.
    let broke = chat_error(
        &serve,
        &config,
        &["--upload", path_str(&clip.path), "--send", "make it 9:16"],
        None,
    );
    assert!(broke.contains("Out of credits"), "{broke}");
    assert!(broke.contains("0 credits available"), "{broke}");
    assert!(broke.contains("register"), "{broke}");

    // A text file named .mp4: the accepted formats.
    let fake = scratch.path().join("notes.mp4");
    std::fs::write(&fake, "just words").unwrap();
    let refused = chat_error(&serve, &config, &["--upload", path_str(&fake)], None);
    assert!(refused.contains("Accepted: mp4, mov"), "{refused}");

    // Too big: what to do about it.
    let big = scratch.path().join("big.mp4");
    std::fs::write(&big, vec![0u8; 2 * 1024 * 1024]).unwrap();
    let too_big = chat_error(&serve, &config, &["--upload", path_str(&big)], None);
    assert!(
        too_big.contains("limit of 1 MB") && too_big.contains("ffmpeg -i"),
        "{too_big}"
    );

    // An expired token: a new one, and on.
    let made = crate::cutline_ok([
        "admin",
        "token",
        "create",
        "--credits",
        "5",
        "--days",
        "0",
        "--data",
        path_str(&data),
    ]);
    let expired = made.trim();
    let renewed = chat(&serve, &config, &["--send", "credits"], Some(expired));
    let said = String::from_utf8_lossy(&renewed.stdout);
    assert!(
        said.contains("0 credits available"),
        "a new anonymous user: {said}"
    );
}

/// A tmux session running a command in a 160×50 terminal, on a tmux server of its own (the
/// socket is named after the session), so tests in parallel never reach each other's;
/// closed when dropped.
struct Terminal(String);

impl Terminal {
    fn open(name: &str, command: &str) -> Terminal {
        let started = Command::new("tmux")
            .args([
                "-L",
                name,
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "160",
                "-y",
                "50",
                command,
            ])
            .status()
            .unwrap();
        assert!(started.success(), "tmux runs");
        Terminal(name.to_string())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .status();
    }
}

/// What a tmux pane shows.
fn pane(name: &str) -> String {
    let shown = Command::new("tmux")
        .args([
            "-L",
            name,
            "capture-pane",
            "-p",
            "-J",
            "-S",
            "-200",
            "-t",
            name,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&shown.stdout).into_owned()
}

/// Waits until the pane shows `text` `times` times; the pane.
fn wait_for(name: &str, text: &str, times: usize) -> String {
    let started = std::time::Instant::now();
    loop {
        let shown = pane(name);
        if shown.matches(text).count() >= times {
            return shown;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(180),
            "never saw {text:?}:\n{shown}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn type_line(name: &str, line: &str) {
    let typed = Command::new("tmux")
        .args(["-L", name, "send-keys", "-t", name, "-l", line])
        .status()
        .unwrap();
    assert!(typed.success());
    Command::new("tmux")
        .args(["-L", name, "send-keys", "-t", name, "Enter"])
        .status()
        .unwrap();
}

#[test]
fn the_interactive_chat_in_a_real_terminal() {
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let serve = Serve::start(&data);
    let clip = talk(&specs::WIDE_TALK);
    let name = format!("cutline-chat-{}", std::process::id());
    let command = format!(
        "cd '{}' && CUTLINE_CONFIG_DIR='{}' '{}' chat --server {}; sleep 600",
        path_str(scratch.path()),
        path_str(&scratch.path().join("config")),
        env!("CARGO_BIN_EXE_cutline"),
        serve.base
    );
    let _terminal = Terminal::open(&name, &command);
    let shown = wait_for(&name, "Ready", 1);
    assert!(shown.contains("Connecting…"), "{shown}");
    wait_for(&name, "> ", 1);
    type_line(&name, path_str(&clip.path));
    wait_for(&name, "Uploaded", 1);
    type_line(&name, "trim the pauses");
    let shown = wait_for(&name, "pauses", 2);
    assert!(shown.contains(" → "), "the reply with its numbers: {shown}");
    type_line(&name, "导出");
    let shown = wait_for(&name, "Saved exports/", 1);
    let saved = std::fs::read_dir(scratch.path().join("exports"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .next()
        .expect("an export in ./exports");
    assert!(
        shown.contains(&*saved.file_name().unwrap().to_string_lossy()),
        "{shown}"
    );
    assert_eq!(
        testkit::measure::streams(&saved)
            .video()
            .codec_name
            .as_deref(),
        Some("h264")
    );
    for detail in ["ses_", "{\"", "Bearer"] {
        assert!(!shown.contains(detail), "{detail} shown:\n{shown}");
    }
    eprintln!("{shown}");
    type_line(&name, "quit");
}

#[test]
fn a_busy_session_is_waited_for_and_a_long_limit_is_said() {
    let Fresh {
        scratch,
        data: _,
        config,
        serve,
    } = fresh(&["--anonymous-per-hour", "1"]);
    // A turn runs in a session; the chat joins that session meanwhile.
    let (bearer, session_id) = serve.new_session("owner");
    let clip = std::fs::read(talk(&specs::WIDE_TALK).path).unwrap();
    crate::serve::upload_clip(&serve, &bearer, &session_id, &clip);
    let running = ureq::post(&format!("{}/run_sse", serve.base))
        .set("Authorization", &format!("Bearer {bearer}"))
        .send_json(serde_json::json!({"session_id": session_id,
            "new_message": {"parts": [{"text": "add captions"}]}}))
        .unwrap();
    let token = bearer.trim_start_matches("Bearer ").to_string();
    let joined = chat_run(
        &serve.base,
        &config,
        &["--session", &session_id, "--send", "make it 9:16"],
        Some(&token),
    );
    let said = String::from_utf8_lossy(&joined.stdout);
    assert!(
        said.contains("The server is busy; trying again in 5 s."),
        "{said}"
    );
    // Retried once: through if the captions were done by then, else the server's word.
    let stderr = String::from_utf8_lossy(&joined.stderr);
    if joined.status.success() {
        assert!(said.contains("9:16"), "{said}");
    } else {
        assert!(
            stderr.contains("too many requests; retry in 5 s"),
            "{stderr}"
        );
    }
    drop(running);

    // The one new user an hour this server allows is taken: the wait is said, not waited.
    let limited = chat_error(
        &serve,
        &scratch.path().join("other-config"),
        &["--send", "credits"],
        None,
    );
    assert!(limited.contains("try again in 60 minutes"), "{limited}");
}

/// A loopback proxy to `target` that cuts the first chat stream after its first numbered
/// event; it counts the streams it cut and the reconnects that named a Last-Event-ID.
struct CuttingProxy {
    base: String,
    cuts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    resumes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CuttingProxy {
    fn start(target: &str) -> CuttingProxy {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let target = target.trim_start_matches("http://").to_string();
        let (cuts, resumes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (cut_count, resume_count) = (Arc::clone(&cuts), Arc::clone(&resumes));
        std::thread::spawn(move || {
            for client in listener.incoming().take(500) {
                let Ok(mut client) = client else { continue };
                let (target, cuts, resumes) = (
                    target.clone(),
                    Arc::clone(&cut_count),
                    Arc::clone(&resume_count),
                );
                std::thread::spawn(move || {
                    let Ok(mut server) = std::net::TcpStream::connect(&target) else {
                        return;
                    };
                    let (mut upstream, mut from_client) =
                        (server.try_clone().unwrap(), client.try_clone().unwrap());
                    // Requests go up as they are; a reconnect is one that names Last-Event-ID.
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 65536];
                        while let Ok(n) = from_client.read(&mut buffer) {
                            if n == 0 {
                                break;
                            }
                            let text = String::from_utf8_lossy(&buffer[..n]).to_lowercase();
                            if text.contains("last-event-id:") {
                                resumes.fetch_add(1, Ordering::SeqCst);
                            }
                            if upstream.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                        }
                    });
                    let mut buffer = [0u8; 65536];
                    let mut seen: Vec<u8> = Vec::new();
                    let mut sent = 0;
                    loop {
                        let n = match server.read(&mut buffer) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        seen.extend_from_slice(&buffer[..n]);
                        // The first event stream is cut just after its first numbered event.
                        let shown = String::from_utf8_lossy(&seen).into_owned();
                        let cut_at = shown.find("text/event-stream").and_then(|at| {
                            let id = at + shown[at..].find("\nid:")?;
                            Some(id + shown[id..].find("\n\n")? + 2)
                        });
                        if let Some(end) = cut_at {
                            if cuts
                                .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
                                .is_ok()
                            {
                                let _ = client.write_all(&seen[sent..end]);
                                let _ = client.shutdown(std::net::Shutdown::Both);
                                let _ = server.shutdown(std::net::Shutdown::Both);
                                return;
                            }
                        }
                        if client.write_all(&seen[sent..]).is_err() {
                            break;
                        }
                        sent = seen.len();
                    }
                    let _ = client.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        CuttingProxy {
            base,
            cuts,
            resumes,
        }
    }
}

#[test]
fn a_stream_cut_mid_turn_is_picked_up_again_with_last_event_id() {
    use std::sync::atomic::Ordering;
    let Fresh {
        scratch: _scratch,
        data: _,
        config,
        serve,
    } = fresh(&[]);
    let proxy = CuttingProxy::start(&serve.base);
    let clip = talk(&specs::WIDE_TALK);
    let run = chat_run(
        &proxy.base,
        &config,
        &[
            "--upload",
            path_str(&clip.path),
            "--send",
            "trim the pauses and add captions",
            "--json",
        ],
        None,
    );
    eprintln!("SERVER LOG:\n{}", serve.log_text());
    assert_eq!(
        proxy.cuts.load(Ordering::SeqCst),
        1,
        "the stream was cut once"
    );
    assert!(
        proxy.resumes.load(Ordering::SeqCst) >= 1,
        "and taken up again"
    );
    let events = events(&run);
    let calls: Vec<&str> = of(&events, "tool_call")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(
        calls,
        ["trim_pauses", "add_captions"],
        "each event once: {events:?}"
    );
    assert_eq!(of(&events, "tool_result").len(), 2);
    assert!(!of(&events, "text").is_empty(), "the reply came through");
}

#[test]
fn a_session_that_is_gone_is_replaced_and_said() {
    let Fresh {
        scratch: _scratch,
        data: _,
        config,
        serve,
    } = fresh(&[]);
    let run = chat(
        &serve,
        &config,
        &["--session", "ses_deleted000000000000", "--send", "status"],
        None,
    );
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        said.contains("That session was gone, so I started a new one."),
        "{said}"
    );
    assert!(
        said.contains("The timeline is empty"),
        "then the status: {said}"
    );
}

#[test]
fn with_no_server_running_the_chat_offers_to_start_one() {
    let scratch = testkit::scratch();
    let data = scratch.path().join("served");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let name = format!("cutline-offer-{}", std::process::id());
    let command = format!(
        "cd '{}' && CUTLINE_DATA='{}' CUTLINE_CONFIG_DIR='{}' '{}' chat --server http://127.0.0.1:{port}; sleep 600",
        path_str(scratch.path()),
        path_str(&data),
        path_str(&scratch.path().join("config")),
        env!("CARGO_BIN_EXE_cutline"),
    );
    let _terminal = Terminal::open(&name, &command);
    wait_for(&name, "Start one in the background? [Y/n]", 1);
    type_line(&name, "y");
    let shown = wait_for(&name, "Ready", 1);
    assert!(
        shown.contains("Started cutline serve in the background"),
        "{shown}"
    );
    type_line(&name, "credits");
    wait_for(&name, "100 credits available", 1);
    type_line(&name, "quit");
    // The server it started is a process of its own, with its data where it was told.
    assert!(data.join("cutline.db").is_file());
    // Only that server: the terminal's own command line names the same folder.
    let serve = format!("serve --addr 127.0.0.1:{port} --data");
    let _ = Command::new("pkill").args(["-f", &serve]).status();
}

#[test]
fn one_shot_export_after_words_not_done_exports_nothing_unless_asked() {
    let Fresh {
        scratch,
        config,
        serve,
        ..
    } = fresh(&[]);
    let clip = talk(&specs::WIDE_TALK);
    let out = scratch.path().join("out.mp4");
    let run = |words: &str, extra: &[&str]| {
        let mut args = vec![
            "--upload",
            path_str(&clip.path),
            "--send",
            words,
            "--export",
            path_str(&out),
        ];
        args.extend_from_slice(extra);
        chat_run(&serve.base, &config, &args, None)
    };
    // Nothing understood: the unedited video is not exported.
    let refused = run("make a sandwich", &[]);
    let stdout = String::from_utf8_lossy(&refused.stdout);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("Not exporting: nothing of what you asked was done"),
        "{stderr}"
    );
    assert!(stdout.contains("“make a sandwich”"), "{stdout}");
    assert!(!out.exists());

    // Part of it not possible: the rest waits for a yes, and no export is made…
    let partial = run("trim the pauses and add a zoom effect", &[]);
    let stderr = String::from_utf8_lossy(&partial.stderr);
    assert!(!partial.status.success());
    assert!(stderr.contains("--apply-understood"), "{stderr}");
    assert!(!out.exists());

    // …unless asked: yes to the rest, then the export, shorter than the talk.
    let applied = run(
        "trim the pauses and add a zoom effect",
        &["--apply-understood"],
    );
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let stdout = String::from_utf8_lossy(&applied.stdout);
    assert!(
        stdout.contains("Removed") && stdout.contains("Not done: “add a zoom effect”"),
        "{stdout}"
    );
    let made = testkit::measure::streams(&out);
    assert!(made.duration_s() < clip.truth.duration_ms as f64 / 1000.0 - 1.5);
}
