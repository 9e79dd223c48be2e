//! `cutline serve` as a process of its own: killed with SIGKILL in the middle of an export and
//! started again, the export finishes, its credits are settled once, the session is intact
//! and the database sound; `cutline admin token create` makes a named user with credits.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::talk::{specs, talk};

use crate::path_str;

/// A running `cutline serve` on a free loopback port.
pub struct Serve {
    pub child: Child,
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    pub fn start(data: &Path) -> Serve {
        Serve::start_with(data, &[])
    }

    pub fn start_with(data: &Path, flags: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cutline"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data", path_str(data)])
            .args(["--lease-secs", "2", "--price-export", "2"])
            .args(["--attribution", "optional"])
            .args(flags)
            .env("CUTLINE_CACHE", testkit::fixtures_dir().join("cache"))
            .env("CUTLINE_MODELS", crate::models_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cutline serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, address) = std::sync::mpsc::channel();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let _ = found.send(rest.split(' ').next().unwrap_or("").to_string());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let base = address
            .recv_timeout(Duration::from_secs(60))
            .expect("the server says where it listens");
        Serve { child, base, log }
    }

    pub fn call(&self, method: &str, path: &str, bearer: &str, body: Option<Value>) -> Value {
        let request = ureq::request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {bearer}"));
        let response = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        let response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let reply: Value = response.into_json().unwrap();
        assert_eq!(reply["code"], 0, "{reply}");
        reply["data"].clone()
    }

    /// What the server logged so far.
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// A new anonymous user's token and a session of it.
    pub fn new_session(&self, client_id: &str) -> (String, String) {
        let token: Value = ureq::post(&format!("{}/api/auth/anonymous-token", self.base))
            .set("X-Client-Id", client_id)
            .call()
            .unwrap()
            .into_json()
            .unwrap();
        let bearer = token["data"]["token"].as_str().unwrap().to_string();
        let session = self.call(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            &bearer,
            Some(json!({"task_name": client_id, "language": "en"})),
        );
        let session_id = session["session_id"].as_str().unwrap().to_string();
        (bearer, session_id)
    }

    /// Stops it with SIGTERM, as a service manager would; its exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        self.child.wait().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One multipart `files` field.
fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "cutline-serve-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Starts an upload of one file of `file_bytes` by hand: the request's head and the part's
/// head are sent, the file's bytes are the caller's to send; the open connection.
pub fn upload_by_hand(
    serve: &Serve,
    bearer: &str,
    session_id: &str,
    filename: &str,
    file_bytes: u64,
) -> std::net::TcpStream {
    use std::io::Write;
    let boundary = "by-hand";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let address = serve.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /api/upload-video/nemo_agent/me/{session_id} HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {bearer}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n{head}",
        head.len() as u64 + file_bytes + tail.len() as u64
    )
    .unwrap();
    stream
}

/// Uploads `clip` into the session (the first video goes on its timeline).
pub fn upload_clip(serve: &Serve, bearer: &str, session_id: &str, clip: &[u8]) {
    let (content_type, body) = multipart("talk.mp4", clip);
    let uploaded: Value = ureq::post(&format!(
        "{}/api/upload-video/nemo_agent/me/{session_id}",
        serve.base
    ))
    .set("Authorization", &format!("Bearer {bearer}"))
    .set("Content-Type", &content_type)
    .send_bytes(&body)
    .unwrap()
    .into_json()
    .unwrap();
    assert_eq!(uploaded["code"], 0, "{uploaded}");
}

/// Queues a 1080p export `id` of the session and waits until it is rendering.
pub fn export_until_rendering(serve: &Serve, bearer: &str, session_id: &str, id: &str) {
    let export = json!({"id": id, "sessionId": session_id, "output": {"resolution": "1080p"}});
    serve.call("POST", "/api/render/proxy/lambda", bearer, Some(export));
    let started = Instant::now();
    loop {
        let status = export_status(serve, bearer, id);
        if status["status"] == "processing" && status["progress"].as_u64() > Some(0) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{status}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls export `id` until it is over; its status.
pub fn export_end(serve: &Serve, bearer: &str, id: &str) -> Value {
    let started = Instant::now();
    loop {
        let status = export_status(serve, bearer, id);
        if ["completed", "failed", "cancelled"].contains(&status["status"].as_str().unwrap()) {
            return status;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "{status}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn export_status(serve: &Serve, bearer: &str, id: &str) -> Value {
    serve.call(
        "GET",
        &format!("/api/render/proxy/lambda/{id}"),
        bearer,
        None,
    )
}

/// Downloads the finished export `id` to `file`.
pub fn download_export(serve: &Serve, bearer: &str, id: &str, file: &Path) {
    let response = ureq::get(&format!("{}/api/render/proxy/{id}/download", serve.base))
        .set("Authorization", &format!("Bearer {bearer}"))
        .call()
        .unwrap();
    std::io::copy(
        &mut response.into_reader(),
        &mut std::fs::File::create(file).unwrap(),
    )
    .unwrap();
}

/// What `look` finds in the database of a stopped server.
pub fn in_database<T, F>(data: &Path, look: impl FnOnce(server::Store) -> F) -> T
where
    F: std::future::Future<Output = T>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = server::Store::open(data).await.unwrap();
        look(store).await
    })
}

/// Processes whose command line names `needle` (an orphaned ffmpeg would).
pub fn processes_naming(needle: &str) -> usize {
    let output = Command::new("pgrep").args(["-f", needle]).output().unwrap();
    String::from_utf8_lossy(&output.stdout).lines().count()
}

#[test]
fn an_export_survives_the_server_being_killed_and_is_charged_once() {
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let serve = Serve::start(&data);
    let (bearer, session_id) = serve.new_session("crash-test");
    let clip = std::fs::read(talk(&specs::TALK).path).unwrap();
    upload_clip(&serve, &bearer, &session_id, &clip);
    let state_path = format!("/api/state/nemo_agent/me/{session_id}/latest");
    let before = serve.call("GET", &state_path, &bearer, None);

    export_until_rendering(&serve, &bearer, &session_id, "render_crash");
    let balance = serve.call("GET", "/api/credits/balance/simple", &bearer, None);
    assert_eq!(balance["frozen"], 2, "held while rendering: {balance}");

    // SIGKILL: no chance to clean up. Its ffmpeg dies with it.
    let mut killed = serve;
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(processes_naming(path_str(&data)), 0, "no orphaned ffmpeg");
    drop(killed);

    let serve = Serve::start(&data);
    let done = export_end(&serve, &bearer, "render_crash");
    assert_eq!(done["status"], "completed", "{done}");
    let balance = serve.call("GET", "/api/credits/balance/simple", &bearer, None);
    assert_eq!(
        (&balance["available"], &balance["frozen"]),
        (&json!(98), &json!(0)),
        "settled once: {balance}"
    );
    let after = serve.call("GET", &state_path, &bearer, None);
    // The assets, apart from their signed links, which are made afresh with a later expiry.
    let unsigned = |state: &serde_json::Value| {
        let mut infos = state["video_infos"].clone();
        for info in infos.as_array_mut().into_iter().flatten() {
            for link in ["url", "cdn_url"] {
                info.as_object_mut().map(|o| o.remove(link));
            }
        }
        infos
    };
    assert_eq!(unsigned(&after), unsigned(&before), "assets intact");
    assert_eq!(after["draft"], before["draft"], "the session intact");
    assert_eq!(after["generated_media"][0]["id"], "render_crash");

    let file = scratch.path().join("crash.mp4");
    download_export(&serve, &bearer, "render_crash", &file);
    let made = testkit::measure::streams(&file);
    assert_eq!(made.video().height, Some(1080));
    let draft_s = after["draft"]["d"].as_f64().unwrap() / 1000.0;
    assert!((made.duration_s() - draft_s).abs() <= crate::FRAME_S + 1e-3);
    let leftovers: Vec<String> = std::fs::read_dir(data.join("renders"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "half-written files: {leftovers:?}");
    let log = serve.log.lock().unwrap().join("\n");
    assert!(
        log.contains("GET /api/render/proxy/lambda/render_crash 200"),
        "{log}"
    );

    assert!(serve.terminate().success(), "a clean stop on SIGTERM");
    let check = in_database(&data, |store| async move {
        store.integrity_check().await.unwrap()
    });
    assert_eq!(check, "ok");
}

#[test]
fn admin_token_create_makes_a_named_user_with_credits() {
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let made = crate::cutline_ok([
        "admin",
        "token",
        "create",
        "--credits",
        "250",
        "--name",
        "studio",
        "--data",
        path_str(&data),
        "--json",
    ]);
    let made: Value = serde_json::from_str(&made).unwrap();
    let token = made["token"].as_str().unwrap();
    let serve = Serve::start(&data);
    let balance = serve.call("GET", "/api/credits/balance/simple", token, None);
    assert_eq!(balance["available"], 250, "{balance}");
    assert_eq!(balance["total"], 250);
}

/// The resident memory of a process, in MB.
fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
fn a_huge_upload_is_refused_while_it_streams_in_flat_memory_and_leaves_nothing() {
    use std::io::{Read, Write};
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let serve = Serve::start_with(&data, &["--max-upload-mb", "64"]);
    let (bearer, session_id) = serve.new_session("big-uploader");
    let pid = serve.child.id();
    let before_mb = resident_mb(pid);

    // 1 GB announced and sent as fast as the server takes it, from no buffer at all.
    let total: u64 = 1 << 30;
    let mut stream = upload_by_hand(&serve, &bearer, &session_id, "huge.mp4", total);
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let chunk = vec![0u8; 1 << 20];
        let mut sent: u64 = 0;
        while sent < total && writer.write_all(&chunk).is_ok() {
            sent += chunk.len() as u64;
        }
        sent
    });
    let watching = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = {
        let watching = Arc::clone(&watching);
        std::thread::spawn(move || {
            let mut peak: f64 = 0.0;
            while watching.load(std::sync::atomic::Ordering::SeqCst) {
                peak = peak.max(resident_mb(pid));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    watching.store(false, std::sync::atomic::Ordering::SeqCst);
    let peak_mb = peak.join().unwrap();
    let sent = sender.join().unwrap();
    let reply = String::from_utf8_lossy(&reply);
    eprintln!("huge upload: {sent} bytes sent, server {before_mb:.1} MB before, {peak_mb:.1} MB at the peak");
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"code\":4002"), "{reply}");
    assert!(sent < total, "refused before the end ({sent} bytes sent)");
    assert!(
        peak_mb - before_mb < 40.0,
        "memory flat: {before_mb:.0} MB before, {peak_mb:.0} MB at the peak"
    );
    let media: Vec<_> = std::fs::read_dir(data.join("media")).unwrap().collect();
    assert!(media.is_empty(), "nothing left: {media:?}");
}

#[test]
fn sigterm_during_an_export_stops_at_once_and_the_next_start_finishes_it() {
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let serve = Serve::start(&data);
    let (bearer, session_id) = serve.new_session("graceful");
    let clip = std::fs::read(talk(&specs::TALK).path).unwrap();
    upload_clip(&serve, &bearer, &session_id, &clip);
    export_until_rendering(&serve, &bearer, &session_id, "render_resumed");
    assert!(serve.terminate().success(), "a clean stop");
    assert_eq!(processes_naming(path_str(&data)), 0, "its ffmpeg stopped");
    let token = bearer.clone();
    let status = in_database(&data, |store| async move {
        let user = store.user_of_token(&token).await.unwrap().unwrap();
        let job = store
            .render(&user, "render_resumed")
            .await
            .unwrap()
            .unwrap();
        job.status.as_str().to_string()
    });
    assert_eq!(status, "pending", "stopped and put back, not waited for");

    // Put back in the queue, it is taken at once by the next start (no lease to wait out).
    let serve = Serve::start(&data);
    let done = export_end(&serve, &bearer, "render_resumed");
    assert_eq!(done["status"], "completed", "{done}");
    let balance = serve.call("GET", "/api/credits/balance/simple", &bearer, None);
    assert_eq!(
        (&balance["available"], &balance["frozen"]),
        (&json!(98), &json!(0))
    );
}
