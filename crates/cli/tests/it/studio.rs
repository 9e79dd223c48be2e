//! The studio in a real browser: each test starts `cutline serve` on loopback with a data
//! folder of its own, then a node script of `crates/cli/tests/studio/` drives Debian's
//! Chromium through playwright-core against it. A script prints one JSON line of figures,
//! which the test asserts on too; a script that fails (exit code not 0), or outlives its
//! deadline, fails the test with what it wrote on stderr.
//!
//! scripts/prepare-browser.sh installs Chromium and playwright-core and scripts/test.sh names
//! them in `CUTLINE_TEST_CHROMIUM` and `CUTLINE_TEST_NODE_MODULES`; without those, the places
//! the script installs to are used, and a test fails saying to run it (as the LLM tests do).
//! `CUTLINE_STUDIO_OUT` keeps the scripts' screenshots in a folder of one's choosing.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::talk::{specs, talk};

use crate::serve::Serve;

/// Where the browser tests' Chromium and playwright-core are.
pub struct Browser {
    pub node_modules: PathBuf,
    pub chromium: PathBuf,
}

impl Browser {
    /// From the environment scripts/test.sh sets, else where scripts/prepare-browser.sh
    /// installs by default; fails the test when they are not there.
    pub fn find() -> Browser {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_default()
            .join("cutline/browser-v1");
        let node_modules = std::env::var_os("CUTLINE_TEST_NODE_MODULES")
            .map(PathBuf::from)
            .unwrap_or_else(|| cache.join("node_modules"));
        let chromium = std::env::var_os("CUTLINE_TEST_CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        let node = Command::new("node").arg("--version").output();
        assert!(
            node.is_ok_and(|o| o.status.success())
                && node_modules.join("playwright-core/package.json").is_file()
                && chromium.is_file(),
            "no browser for the studio tests (node, playwright-core, chromium): run \
             scripts/prepare-browser.sh (scripts/test.sh does)"
        );
        Browser {
            node_modules,
            chromium,
        }
    }
}

/// A `cutline serve` of its own for one browser test, and a folder for what its scripts
/// leave (screenshots).
pub struct Studio {
    pub serve: Serve,
    pub browser: Browser,
    pub out: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Studio {
    pub fn start() -> Studio {
        Studio::start_with(&[])
    }

    /// With more flags for `cutline serve`.
    pub fn start_with(flags: &[&str]) -> Studio {
        let browser = Browser::find();
        let scratch = testkit::scratch();
        let serve = Serve::start_with(&scratch.path().join("data"), flags);
        let out = std::env::var_os("CUTLINE_STUDIO_OUT")
            .map(PathBuf::from)
            .unwrap_or_else(|| scratch.path().join("out"));
        std::fs::create_dir_all(&out).unwrap();
        Studio {
            serve,
            browser,
            out,
            _scratch: scratch,
        }
    }

    /// Runs `crates/cli/tests/studio/<script>` against this server with `clip` to upload,
    /// for at most 5 minutes; the figures it printed.
    pub fn script(&self, script: &str, clip: &Path) -> Value {
        self.script_with(script, clip, &[], Duration::from_secs(300))
    }

    /// [`script`](Self::script) with arguments for the script and another deadline.
    pub fn script_with(
        &self,
        script: &str,
        clip: &Path,
        args: &[&str],
        deadline: Duration,
    ) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/studio")
            .join(script);
        assert!(path.is_file(), "no script {script}");
        let mut child = Command::new("node")
            .arg(&path)
            .args(args)
            .env("CUTLINE_URL", &self.serve.base)
            .env("CUTLINE_CLIP", clip)
            .env("CUTLINE_OUT", &self.out)
            .env("CUTLINE_CHROMIUM", &self.browser.chromium)
            .env("CUTLINE_TEST_NODE_MODULES", &self.browser.node_modules)
            .env("NODE_PATH", &self.browser.node_modules)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: node and the Chromium it starts are stopped together.
            .process_group(0)
            .spawn()
            .expect("start node");
        let pid = child.id();
        let stdout = read_all(child.stdout.take().unwrap());
        let stderr = read_all(child.stderr.take().unwrap());
        let (done, status) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait());
        });
        let started = Instant::now();
        let Ok(status) = status.recv_timeout(deadline) else {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
            panic!(
                "{script} did not finish in {} s; it said:\n{}",
                deadline.as_secs(),
                stderr
                    .recv_timeout(Duration::from_secs(10))
                    .unwrap_or_default()
            );
        };
        let status = status.expect("wait for node");
        let stdout = stdout.recv().unwrap_or_default();
        let stderr = stderr.recv().unwrap_or_default();
        assert!(
            status.success(),
            "{script} failed ({status}) after {:.1} s:\n{stderr}\n(server log:\n{})",
            started.elapsed().as_secs_f64(),
            self.serve.log_text()
        );
        let line = stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        eprintln!("{script}: {line}");
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{script} printed no JSON figures ({e}): {stdout:?}"))
    }
}

/// What `reader` gives until it closes, sent when it does.
fn read_all(mut reader: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = reader.read_to_end(&mut bytes);
        let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    receiver
}

/// The figure `name` a script reported, as a number (the test fails naming it when absent).
fn number(figures: &Value, name: &str) -> f64 {
    figures[name]
        .as_f64()
        .unwrap_or_else(|| panic!("{name}: {figures}"))
}

/// The directives of a Content-Security-Policy: (name, its sources).
fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .filter_map(|part| {
            let mut words = part.split_whitespace().map(str::to_string);
            Some((words.next()?.to_ascii_lowercase(), words.collect()))
        })
        .collect()
}

#[test]
fn names_and_titles_with_markup_show_as_text_and_run_nothing() {
    let studio = Studio::start();
    let clip = talk(&specs::SHORT_LANDSCAPE).path;
    let figures = studio.script("security.mjs", &clip);
    assert_eq!(figures["dialogs"], 0, "{figures}");
    assert_eq!(figures["images_x"], 0, "{figures}");
    assert_eq!(figures["name_shown"], true, "{figures}");
    assert_eq!(figures["title_shown"], true, "{figures}");

    // The policy as any client gets it, not only the browser.
    let page = ureq::get(&format!("{}/", studio.serve.base))
        .call()
        .unwrap();
    let csp = page
        .header("Content-Security-Policy")
        .expect("a Content-Security-Policy header")
        .to_string();
    let directives = directives(&csp);
    let sources = |name: &str| {
        directives
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
    };
    let scripts = sources("script-src")
        .or_else(|| sources("default-src"))
        .expect(&csp);
    assert_eq!(scripts, ["'self'"], "{csp}");
    assert_eq!(
        sources("object-src").as_deref(),
        Some(&["'none'".to_string()][..])
    );
    assert_eq!(
        sources("frame-ancestors").as_deref(),
        Some(&["'none'".to_string()][..])
    );
    assert_eq!(
        figures["csp"],
        csp.as_str(),
        "the browser got the same policy"
    );
}

#[test]
fn a_refused_upload_says_why_in_words() {
    let studio = Studio::start();
    let clip = talk(&specs::SHORT_LANDSCAPE).path;
    let figures = studio.script("refused.mjs", &clip);
    let said = figures["said"].as_str().unwrap_or_default();
    assert!(said.contains("not a video"), "{figures}");
    assert!(!said.contains("cutline-test-"), "no server paths: {said}");
    assert_eq!(figures["segments"], 0, "{figures}");
}

/// A GET on the server: status, the headers asked for (lower-case names), the body.
fn get(base: &str, path: &str, headers: &[&str]) -> (u16, Vec<Option<String>>, String) {
    let response = match ureq::get(&format!("{base}{path}")).call() {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("GET {path}: {e}"),
    };
    let status = response.status();
    let found = headers
        .iter()
        .map(|h| response.header(h).map(str::to_string))
        .collect();
    (status, found, response.into_string().unwrap_or_default())
}

/// The module paths a script imports relatively (`from './api.js'`, `import './x.js'`).
fn relative_imports(script: &str) -> Vec<String> {
    let mut found = Vec::new();
    for keyword in ["from", "import"] {
        for (at, _) in script.match_indices(keyword) {
            let rest = script[at + keyword.len()..].trim_start();
            let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            let Some(end) = rest[1..].find(quote) else {
                continue;
            };
            let target = &rest[1..1 + end];
            if let Some(name) = target.strip_prefix("./") {
                found.push(name.to_string());
            }
        }
    }
    found
}

/// The page at `/` is never cached and carries the policy; its files under
/// `/studio/{hash}/` (and every module they import relatively, under the same hash) are cached
/// for a year as immutable, with their types and nosniff; another hash, an unknown name or a
/// path out of the folder is not found. Plain HTTP, no browser.
#[test]
fn the_page_carries_its_policy_and_its_files_are_cached_for_good() {
    let scratch = testkit::scratch();
    let serve = Serve::start(&scratch.path().join("data"));
    let wanted = [
        "content-type",
        "cache-control",
        "content-security-policy",
        "x-content-type-options",
    ];
    let (status, headers, page) = get(&serve.base, "/", &wanted);
    assert_eq!(status, 200);
    assert!(headers[0].as_deref().unwrap_or("").starts_with("text/html"));
    assert_eq!(headers[1].as_deref(), Some("no-cache"));
    let csp = headers[2].clone().expect("a Content-Security-Policy");
    let policy = directives(&csp);
    let sources = |name: &str| {
        policy
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.join(" "))
    };
    assert_eq!(sources("script-src").as_deref(), Some("'self'"), "{csp}");
    assert_eq!(sources("default-src").as_deref(), Some("'self'"), "{csp}");
    assert_eq!(sources("object-src").as_deref(), Some("'none'"), "{csp}");
    assert_eq!(sources("base-uri").as_deref(), Some("'none'"), "{csp}");
    assert_eq!(
        sources("frame-ancestors").as_deref(),
        Some("'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(headers[3].as_deref(), Some("nosniff"));
    assert!(!page.contains("<script>"), "no inline script in the page");

    // The files the page names, all under one hash.
    let mut files: Vec<String> = page
        .match_indices("/studio/")
        .map(|(at, _)| {
            let rest = &page[at..];
            rest[..rest.find(['"', '\'']).unwrap()].to_string()
        })
        .collect();
    assert!(
        files.len() >= 2,
        "the page names its style and script: {files:?}"
    );
    let folder = files[0].rsplit_once('/').unwrap().0.to_string();
    let hash = folder.trim_start_matches("/studio/").to_string();
    assert!(
        hash.len() >= 8 && hash.chars().all(|c| c.is_ascii_alphanumeric()),
        "{hash}"
    );
    let mut fetched = Vec::new();
    while let Some(path) = files.pop() {
        if fetched.contains(&path) {
            continue;
        }
        assert!(
            path.starts_with(&format!("{folder}/")),
            "{path} is under {folder}"
        );
        let (status, headers, body) = get(&serve.base, &path, &wanted);
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            headers[1].as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        assert_eq!(headers[3].as_deref(), Some("nosniff"), "{path}");
        let mime = headers[0].clone().unwrap_or_default();
        if path.ends_with(".js") {
            assert!(mime.starts_with("text/javascript"), "{path}: {mime}");
            files.extend(
                relative_imports(&body)
                    .into_iter()
                    .map(|name| format!("{folder}/{name}")),
            );
        } else if path.ends_with(".css") {
            assert!(mime.starts_with("text/css"), "{path}: {mime}");
        }
        fetched.push(path);
    }
    assert!(
        fetched.iter().filter(|p| p.ends_with(".js")).count() >= 2,
        "the modules the page imports: {fetched:?}"
    );

    // Another hash (an old page after an upgrade), a name that is not a file of the page, a
    // way out of the folder: refused (not found, or no such endpoint), never cached for good.
    let script = fetched.iter().find(|p| p.ends_with(".js")).unwrap();
    let name = script.rsplit_once('/').unwrap().1;
    for path in [
        format!("/studio/{}/{name}", "0".repeat(hash.len())),
        format!("{folder}/lib.rs"),
        format!("{folder}/..%2F..%2FCargo.toml"),
        format!("{folder}/%2E%2E/index.html"),
    ] {
        let (status, headers, body) = get(&serve.base, &path, &wanted);
        assert!(matches!(status, 400 | 404), "{path}: {status}");
        assert!(
            !body.contains("<!doctype") && !body.contains("[package]"),
            "{path}"
        );
        assert_ne!(
            headers[1].as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
    }
}

/// A caption fixed in the page's list is the typed Step `fix_caption`: said back with its
/// number, that caption only changed, undone by Undo.
#[test]
fn a_caption_fixed_in_the_list_is_a_step_that_undo_takes_back() {
    let studio = Studio::start();
    let clip = talk(&specs::TALK).path;
    let figures = studio.script("captions.mjs", &clip);
    assert!(figures["captions"].as_u64() >= Some(2), "{figures}");
    assert_eq!(figures["fixed"], "Ada <i>Lovelace</i> & co", "{figures}");
    assert_ne!(figures["before"], figures["fixed"], "{figures}");
    assert_eq!(figures["segments"], figures["captions"], "{figures}");
}

/// The studio's whole flow (flow.mjs) in `args`: upload a talk by the file input, "trim the
/// pauses and add captions", delete two words in the transcript, undo, export, download. The
/// script checks what the page shows as it goes; here, the figures it reports and the file
/// the Download link gave.
fn whole_flow(args: &[&str]) -> Value {
    let studio = Studio::start();
    let clip = talk(&specs::WIDE_TALK).path;
    let figures = studio.script_with("flow.mjs", &clip, args, Duration::from_secs(420));
    let number = |name: &str| number(&figures, name);
    // The preview as long as the clip, then the trimmed timeline (over a second shorter),
    // then shorter again by the two words' range to 0.1 s, then back after undo.
    assert!(
        number("trimmed_s") < number("original_s") - 1.0,
        "{figures}"
    );
    let words_ms = number("deleted_ms");
    assert!(words_ms > 150.0, "two words take time: {figures}");
    assert!(
        (number("removed_s") * 1000.0 - words_ms).abs() <= 100.0,
        "{figures}"
    );
    assert!(
        (number("undone_s") - number("trimmed_s")).abs() <= 0.1,
        "{figures}"
    );
    assert!(number("captions") >= 2.0, "a captions track: {figures}");
    assert_eq!(
        figures["progress_seen"], true,
        "long work showed a bar: {figures}"
    );

    // The Download link's file: H.264 and AAC, as long as the timeline it was made from.
    let download = PathBuf::from(figures["download"].as_str().unwrap());
    let streams = testkit::measure::streams(&download);
    assert_eq!(streams.video().codec_name.as_deref(), Some("h264"));
    assert_eq!(streams.audio().codec_name.as_deref(), Some("aac"));
    let timeline_s = number("timeline_ms") / 1000.0;
    assert!(
        (streams.duration_s() - timeline_s).abs() <= 0.1,
        "the download lasts {} s, the timeline {timeline_s} s",
        streams.duration_s()
    );
    figures
}

#[test]
fn the_whole_flow_in_english() {
    let figures = whole_flow(&[]);
    let reply = figures["reply"].as_str().unwrap_or_default();
    assert!(
        reply.contains("Removed") && reply.contains("captions"),
        "{figures}"
    );
}

#[test]
fn the_whole_flow_in_chinese() {
    let figures = whole_flow(&["--lang", "zh"]);
    let reply = figures["reply"].as_str().unwrap_or_default();
    assert!(
        reply.contains("停顿") && reply.contains("字幕"),
        "{figures}"
    );
}

#[test]
fn the_whole_flow_by_keyboard_alone() {
    let figures = whole_flow(&["--keyboard"]);
    assert_eq!(figures["keyboard"], true, "{figures}");
}

/// The session's latest turn as the server logged it, replayed with `Last-Event-ID: 0`: its
/// events' ids, and its text events joined by line breaks as the page joins them.
fn replayed_turn(serve: &Serve, token: &str, session: &str) -> (Vec<i64>, String) {
    let body = ureq::post(&format!("{}/run_sse", serve.base))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Last-Event-ID", "0")
        .send_json(serde_json::json!({ "session_id": session }))
        .expect("replay the turn")
        .into_string()
        .unwrap();
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    for block in body.split("\n\n") {
        let mut data = Vec::new();
        for line in block.lines() {
            if let Some(id) = line.strip_prefix("id:") {
                ids.push(id.trim().parse::<i64>().expect("a numeric id"));
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push(d.strip_prefix(' ').unwrap_or(d));
            }
        }
        let Ok(event) = serde_json::from_str::<Value>(&data.join("\n")) else {
            continue;
        };
        if event["type"] == "text" {
            texts.push(event["content"].as_str().unwrap_or_default().to_string());
        }
    }
    (ids, texts.join("\n"))
}

/// The chat stream cut in the middle of a turn (the browser offline after the first progress
/// event) is picked up with Last-Event-ID: the reply shown is the turn's, whole and once, the
/// preview is the trimmed one, and one turn was charged.
#[test]
fn a_dropped_chat_stream_resumes_and_misses_nothing() {
    let studio = Studio::start();
    let clip = talk(&specs::TALK).path;
    let figures = studio.script("resume.mjs", &clip);
    let log = studio.serve.log_text();
    let number = |name: &str| number(&figures, name);
    assert!(
        number("trimmed_s") < number("original_s") - 1.0,
        "{figures}"
    );
    assert!(number("captions") >= 2.0, "{figures}");

    // The page's streams: the turn's, then at least one more with Last-Event-ID, answered.
    let streams = figures["streams"].as_array().expect("streams");
    assert!(
        streams[0]["last_event_id"].is_null(),
        "the first starts the turn: {figures}"
    );
    let resumed: Vec<&Value> = streams
        .iter()
        .skip(1)
        .filter(|s| s["status"] == 200)
        .collect();
    assert!(!resumed.is_empty(), "a stream picked up again: {figures}");
    for stream in &resumed {
        let id = stream["last_event_id"].as_str().unwrap_or_default();
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
            "a resumed stream carries the last id seen: {figures}"
        );
    }
    // The server saw as many streams as the page had answered, the resumes among them.
    let answered = streams.iter().filter(|s| s["status"] == 200).count();
    let served = log
        .lines()
        .filter(|l| l.starts_with("POST /run_sse 200"))
        .count();
    assert!(served >= 2, "a second /run_sse:\n{log}");
    assert_eq!(served, answered, "{figures}\n{log}");

    // One turn charged: what the page quoted before it was sent.
    assert_eq!(
        number("credits_before") - number("credits_after"),
        number("price"),
        "{figures}"
    );
    assert!(number("price") > 0.0, "{figures}");

    // The reply shown is the turn's as the server has it: nothing missed, nothing twice.
    let reply = figures["reply"].as_str().unwrap_or_default();
    let (ids, server) = replayed_turn(
        &studio.serve,
        figures["token"].as_str().unwrap(),
        figures["session"].as_str().unwrap(),
    );
    assert!(
        server.contains("Removed") && server.contains("captions"),
        "{server}"
    );
    assert_eq!(reply, server, "{figures}");
    // It was cut in the middle: the first resume asked for what came after an event of the
    // turn that was not its last.
    let after: i64 = resumed[0]["last_event_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        ids.first().is_some_and(|first| *first <= after)
            && ids.last().is_some_and(|last| after < *last),
        "resumed after {after}, the turn's events are {ids:?}"
    );
}

/// Words that leave a part undone are asked back, with nothing changed nor charged; the
/// "Go ahead" button applies the rest (the pauses trimmed) and the question goes away.
#[test]
fn words_with_a_part_undone_are_asked_back_and_go_ahead_applies_the_rest() {
    let studio = Studio::start();
    let clip = talk(&specs::TALK).path;
    let figures = studio.script("question.mjs", &clip);
    let number = |name: &str| number(&figures, name);
    let asked = figures["asked"].as_str().unwrap_or_default();
    assert!(
        asked.contains("Not done: “remove the background”") && asked.contains("trim the pauses"),
        "{figures}"
    );
    assert_eq!(number("credits_while_asked"), number("credits_before"));
    // "Go ahead" is the page's words for yes: the second message said it.
    assert_eq!(figures["said"][1], "go ahead", "{figures}");
    assert!(
        number("trimmed_s") < number("original_s") - 1.0,
        "{figures}"
    );
    assert!(
        number("credits_after") < number("credits_before"),
        "{figures}"
    );
    let reply = figures["reply"].as_str().unwrap_or_default();
    assert!(reply.starts_with("Removed "), "{figures}");
}

/// Coming back: a reload opens the same session with its edited preview; "New session" gives
/// an empty page; the first session is listed by name and length and opens again.
#[test]
fn a_reload_keeps_the_session_and_the_list_opens_an_earlier_one() {
    let studio = Studio::start();
    let clip = talk(&specs::TALK).path;
    let figures = studio.script("sessions.mjs", &clip);
    let number = |name: &str| number(&figures, name);
    assert!(
        number("trimmed_s") < number("original_s") - 1.0,
        "{figures}"
    );
    for name in ["reloaded_s", "reopened_s"] {
        assert!(
            (number(name) - number("trimmed_s")).abs() <= 0.05,
            "{name}: {figures}"
        );
    }
    assert_ne!(figures["session"], figures["new_session"], "{figures}");
    assert!(
        number("segments") >= 2.0,
        "the trimmed clip's pieces: {figures}"
    );
}

/// A clip dropped on the page is uploaded: its row says so and the preview plays it at the
/// clip's length.
#[test]
fn a_clip_dropped_on_the_page_is_uploaded_and_previewed() {
    let studio = Studio::start();
    let clip = talk(&specs::TALK).path;
    let figures = studio.script("drop.mjs", &clip);
    assert_eq!(figures["row"], "dropped talk.mp4 uploaded", "{figures}");
    assert_eq!(
        figures["size"].as_u64(),
        Some(std::fs::metadata(&clip).unwrap().len()),
        "{figures}"
    );
    let clip_s = testkit::measure::streams(&clip).duration_s();
    let preview_s = figures["preview_s"].as_f64().unwrap();
    assert!(
        (preview_s - clip_s).abs() <= 0.1,
        "the preview lasts {preview_s} s, the clip {clip_s} s"
    );
}

/// The page switched to 中文: its words in Chinese (Send reads 发送, Upload is 上传), the
/// choice kept over a reload, and a session made after the switch replies in Chinese where
/// the one before replied in English.
#[test]
fn switched_to_chinese_the_page_and_new_sessions_speak_chinese() {
    let studio = Studio::start();
    let clip = talk(&specs::TALK).path;
    let figures = studio.script("language.mjs", &clip);
    assert_eq!(figures["english"], "Send", "{figures}");
    assert_eq!(figures["chinese"], "发送", "{figures}");
    assert_eq!(figures["upload_label"], "上传", "{figures}");
    let first = figures["first_reply"].as_str().unwrap_or_default();
    assert!(first.starts_with("Removed "), "{figures}");
    let second = figures["second_reply"].as_str().unwrap_or_default();
    assert!(
        second.contains("停顿") && !second.contains("Removed"),
        "{figures}"
    );
    assert!(
        figures["trimmed_s"].as_f64() < figures["original_s"].as_f64().map(|s| s - 1.0),
        "{figures}"
    );
}
