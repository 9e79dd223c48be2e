//! The server over real HTTP on loopback: each test starts its own `cutline serve` (in this
//! process, on a free port, with its own data folder) and talks to it as a client would.
//! With `CUTLINE_TEST_ENGINE=postgres` every server keeps its state in a fresh PostgreSQL
//! database instead of SQLite (`testkit::postgres`): the same tests, the other engine.

mod assets;
mod auth_and_sessions;
mod batch;
mod chat_and_export;
mod connections;
mod credits;
mod export_queue;
mod export_rules;
mod hostile_media;
mod listeners;
mod slow_sources;
mod ssrf;
mod studio;
mod turns;
mod two_servers;
mod uploads;
mod words;

use std::time::Duration;

use serde_json::{json, Value};
use server::{AppState, Config};

/// A running server; stops (gracefully) when dropped.
pub struct Running {
    pub base: String,
    data_dir: std::path::PathBuf,
    /// The Postgres database, when the run's engine is Postgres (kept across a restart).
    database: Option<server::DatabaseUrl>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The temporary folder `data_dir` is in (none for a server started beside another).
    _data: Option<testkit::TempDir>,
}

impl Running {
    /// The key the server signs links with, where it keeps it: the data folder's file with
    /// SQLite, the database with Postgres.
    pub fn signer(&self) -> server::signing::Signer {
        let Some(database) = &self.database else {
            return server::signing::Signer::open(&self.data_dir.join("secret.key")).unwrap();
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let key = runtime.block_on(async {
            let store = server::Store::connect(Some(&database.0), &self.data_dir)
                .await
                .unwrap();
            store.shared_secret("signing", "none yet").await.unwrap()
        });
        assert_ne!(key, "none yet", "the server made its key");
        server::signing::Signer::with_key(key.into_bytes())
    }

    /// The server's `--data` folder.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.data_dir.clone()
    }
}

impl Running {
    /// Stops the server gracefully.
    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops this server, lets `meanwhile` change its data folder, and starts another on it.
    pub fn restart(mut self, meanwhile: impl FnOnce(&std::path::Path)) -> Running {
        self.stop();
        meanwhile(&self.data_dir);
        let data = self
            ._data
            .take()
            .expect("a server that owns its data folder");
        let database = self.database.take();
        launch(data, database, |_| {})
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
        // The server that made its database drops it (one started beside it shares it).
        if let (Some(database), Some(_)) = (&self.database, &self._data) {
            testkit::postgres::drop_database(&database.0);
        }
    }
}

/// Starts a server with `configure` applied to the default configuration.
pub fn start(configure: impl FnOnce(&mut Config)) -> Running {
    let database = testkit::postgres::database_for_test().map(server::DatabaseUrl);
    launch(testkit::scratch(), database, configure)
}

/// Starts a server on the Postgres `database`, whatever the run's engine.
pub fn start_on(database: &str, configure: impl FnOnce(&mut Config)) -> Running {
    let database = Some(server::DatabaseUrl(database.to_string()));
    launch(testkit::scratch(), database, configure)
}

/// Starts a server on the data folder in `data`.
fn launch(
    data: testkit::TempDir,
    database: Option<server::DatabaseUrl>,
    configure: impl FnOnce(&mut Config),
) -> Running {
    let data_dir = data.path().join("data");
    let mut running = launch_in(data_dir, database, configure);
    running._data = Some(data);
    running
}

/// Starts a second server on the data folder and database of `first` (a shared disk and a
/// shared Postgres database: what two instances behind a load balancer share).
pub fn start_beside(first: &Running, configure: impl FnOnce(&mut Config)) -> Running {
    launch_in(first.data_dir(), first.database.clone(), configure)
}

fn launch_in(
    data_dir: std::path::PathBuf,
    database: Option<server::DatabaseUrl>,
    configure: impl FnOnce(&mut Config),
) -> Running {
    let mut config = Config::with_data_dir(data_dir.clone());
    config.database = database.clone();
    configure(&mut config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready, address) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let state = AppState::open(config).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ready.send(listener.local_addr().unwrap()).unwrap();
            server::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
    });
    let address = address.recv_timeout(Duration::from_secs(30)).unwrap();
    Running {
        base: format!("http://{address}"),
        data_dir,
        database,
        stop: Some(stop),
        thread: Some(thread),
        _data: None,
    }
}

/// Every file in the server's media folder (hidden part files too), sorted: what a refused
/// upload must not add to.
pub fn media_files(data: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join("media"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A reply: HTTP status, the JSON envelope, and the Retry-After header if any.
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

impl Reply {
    pub fn data(&self) -> &Value {
        assert_eq!(self.body["code"], 0, "not a success: {}", self.body);
        assert_eq!(self.body["success"], true);
        &self.body["data"]
    }

    /// Asserts an error reply of this HTTP status and protocol code.
    pub fn expect_error(&self, status: u16, code: u64) {
        assert_eq!(
            (self.status, self.body["code"].as_u64()),
            (status, Some(code)),
            "{}",
            self.body
        );
        assert_eq!(self.body["success"], false);
        assert!(self.body["data"].is_null());
        assert!(!self.body["message"].as_str().unwrap_or_default().is_empty());
    }
}

/// Sends a request with these headers and, if given, a JSON body.
pub fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
    let mut request = ureq::request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let response = match body {
        Some(body) => request.send_json(body.clone()),
        None => request.call(),
    };
    let response = match response {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {url}: {error}"),
    };
    let status = response.status();
    let retry_after = response.header("retry-after").map(str::to_string);
    let body = response.into_json().unwrap_or(Value::Null);
    Reply {
        status,
        body,
        retry_after,
    }
}

/// A new anonymous token for `client_id`: (token, user id).
pub fn token(server: &Running, client_id: &str) -> (String, String) {
    let reply = call(
        "POST",
        &format!("{}/api/auth/anonymous-token", server.base),
        &[("X-Client-Id", client_id)],
        None,
    );
    let data = reply.data();
    (
        data["token"].as_str().unwrap().to_string(),
        data["user_id"].as_str().unwrap().to_string(),
    )
}

/// A multipart body of `files` fields: (content type header, body).
pub fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "cutline-test-boundary-7d9f";
    let mut body = Vec::new();
    for (filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A session of a new user: (bearer header value, session id).
pub fn session(server: &Running) -> (String, String) {
    session_for(server, "uploader", "en")
}

/// A session in `language` of the user of `client_id`: (bearer header value, session id).
pub fn session_for(server: &Running, client_id: &str, language: &str) -> (String, String) {
    let (token, _) = token(server, client_id);
    let bearer = format!("Bearer {token}");
    let created = call(
        "POST",
        &format!("{}/api/tasks/me/with-session/nemo_agent", server.base),
        &[("Authorization", bearer.as_str())],
        Some(&json!({"task_name": "test", "language": language})),
    );
    let session_id = created.data()["session_id"].as_str().unwrap().to_string();
    (bearer, session_id)
}

pub fn upload(server: &Running, bearer: &str, session_id: &str, files: &[(&str, &[u8])]) -> Reply {
    let (content_type, body) = multipart(files);
    let url = format!(
        "{}/api/upload-video/nemo_agent/me/{session_id}",
        server.base
    );
    let response = ureq::post(&url)
        .set("Authorization", bearer)
        .set("Content-Type", &content_type)
        .send_bytes(&body);
    let response = match response {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("upload: {e}"),
    };
    Reply {
        status: response.status(),
        retry_after: None,
        body: response.into_json().unwrap(),
    }
}

/// The attribution headers exports need, with a bearer.
pub fn attributed(bearer: &str) -> [(&str, &str); 4] {
    [
        ("Authorization", bearer),
        ("X-Skill-Source", "cutline-tests"),
        ("X-Skill-Version", "1"),
        ("X-Skill-Platform", "linux"),
    ]
}

/// One server-sent event: its id (heartbeats have none) and its JSON.
#[derive(Clone, Debug)]
pub struct Sse {
    pub id: Option<i64>,
    pub data: Value,
}

/// A chat turn's reply: the HTTP status and, for a stream, its events to the end.
pub struct Turn {
    pub status: u16,
    pub events: Vec<Sse>,
    /// The error envelope when the turn was refused before streaming.
    pub refused: Option<Value>,
}

impl Turn {
    /// The events of this type.
    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|e| e.data["type"] == kind)
            .map(|e| &e.data)
            .collect()
    }

    /// All the text the turn said.
    pub fn text(&self) -> String {
        self.of("text")
            .iter()
            .filter_map(|e| e["content"].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Sends a chat turn and reads its stream to the end (or `stop_after` numbered events).
pub fn run_sse(
    server: &Running,
    headers: &[(&str, &str)],
    session_id: &str,
    text: &str,
    stop_after: Option<usize>,
) -> Turn {
    let body = json!({
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": session_id,
        "new_message": {"role": "user", "parts": [{"text": text}]},
    });
    let mut request = ureq::post(&format!("{}/run_sse", server.base))
        .set("Accept", "text/event-stream")
        .timeout(Duration::from_secs(600));
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let response = match request.send_json(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(status, r)) => {
            return Turn {
                status,
                events: Vec::new(),
                refused: r.into_json().ok(),
            }
        }
        Err(e) => panic!("run_sse: {e}"),
    };
    let status = response.status();
    assert_eq!(
        response.header("content-type"),
        Some("text/event-stream"),
        "a stream"
    );
    let events = read_events(response.into_reader(), stop_after);
    Turn {
        status,
        events,
        refused: None,
    }
}

/// Server-sent events from `reader` (`id:` and `data:` lines, a blank line after each), to
/// the end or `stop_after` numbered ones (heartbeats have no number).
pub fn read_events(reader: impl std::io::Read, stop_after: Option<usize>) -> Vec<Sse> {
    use std::io::BufRead;
    let mut events = Vec::new();
    let (mut id, mut data) = (None, String::new());
    for line in std::io::BufReader::new(reader).lines() {
        let Ok(line) = line else { break };
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        } else if line.is_empty() && !data.is_empty() {
            let parsed = serde_json::from_str(&data).expect("each event is JSON");
            events.push(Sse {
                id: id.take(),
                data: parsed,
            });
            data.clear();
            let numbered = events.iter().filter(|e: &&Sse| e.id.is_some()).count();
            if stop_after.is_some_and(|n| numbered >= n) {
                break;
            }
        }
    }
    events
}

/// Asserts that `rest`, a turn's stream resumed after event `seen`, is the rest of a turn
/// that did its work: numbered on from `seen`, none missing or twice, with tool results and
/// words and no error. Its ids.
pub fn assert_the_rest_of_a_turn(rest: &[Sse], seen: i64) -> Vec<i64> {
    let ids: Vec<i64> = rest.iter().filter_map(|e| e.id).collect();
    assert_eq!(
        ids.first(),
        Some(&(seen + 1)),
        "from just after the last seen"
    );
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    let kinds: Vec<&str> = rest
        .iter()
        .filter(|e| e.id.is_some())
        .filter_map(|e| e.data["type"].as_str())
        .collect();
    assert!(
        kinds.contains(&"tool_result") && kinds.contains(&"text") && !kinds.contains(&"error"),
        "{kinds:?}"
    );
    ids
}

/// The session's state (`data` of the latest-state reply).
pub fn state(server: &Running, bearer: &str, session_id: &str) -> Value {
    call(
        "GET",
        &format!(
            "{}/api/state/nemo_agent/me/{session_id}/latest",
            server.base
        ),
        &[("Authorization", bearer)],
        None,
    )
    .data()
    .clone()
}

/// The caller's balance: (available, frozen, total).
pub fn balance(server: &Running, bearer: &str) -> (i64, i64, i64) {
    let reply = call(
        "GET",
        &format!("{}/api/credits/balance/simple", server.base),
        &[("Authorization", bearer)],
        None,
    );
    let data = reply.data();
    let get = |key: &str| data[key].as_i64().unwrap();
    (get("available"), get("frozen"), get("total"))
}

/// Polls an export until it is over; its last status reply's `data`.
pub fn wait_for_export(server: &Running, bearer: &str, id: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let reply = call(
            "GET",
            &format!("{}/api/render/proxy/lambda/{id}", server.base),
            &[("Authorization", bearer)],
            None,
        );
        let data = reply.data().clone();
        assert_eq!(
            reply.body["status"], data["status"],
            "status also at the top"
        );
        let status = data["status"].as_str().unwrap().to_string();
        if ["completed", "failed", "cancelled"].contains(&status.as_str()) {
            return data;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "export {id} still {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Downloads `url` (with these headers) to `path`; the HTTP status.
pub fn download(url: &str, headers: &[(&str, &str)], path: &std::path::Path) -> u16 {
    let mut request = ureq::get(url).timeout(Duration::from_secs(120));
    for (name, value) in headers {
        request = request.set(name, value);
    }
    match request.call() {
        Ok(response) => {
            let status = response.status();
            let mut file = std::fs::File::create(path).unwrap();
            std::io::copy(&mut response.into_reader(), &mut file).unwrap();
            status
        }
        Err(ureq::Error::Status(status, _)) => status,
        Err(e) => panic!("download {url}: {e}"),
    }
}

/// A small HTTP server on loopback for uploads by URL: `/talk.mp4` is `body`, `/moved`
/// redirects to `redirect_to`; it counts the connections it gets.
pub struct FileServer {
    pub address: std::net::SocketAddr,
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FileServer {
    pub fn start(body: Vec<u8>, redirect_to: Option<String>) -> FileServer {
        use std::io::{BufRead, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&connections);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(50) {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                        break;
                    }
                }
                let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
                let reply = match (path.as_str(), &redirect_to) {
                    ("/moved", Some(to)) => format!(
                        "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    .into_bytes(),
                    ("/talk.mp4", _) => {
                        let mut reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        reply.extend_from_slice(&body);
                        reply
                    }
                    _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec(),
                };
                let _ = stream.write_all(&reply);
            }
        });
        FileServer {
            address,
            connections,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Uploads by URL: `{"urls": [url], "source_type": "url"}`.
pub fn upload_url(server: &Running, bearer: &str, session_id: &str, url: &str) -> Reply {
    call(
        "POST",
        &format!(
            "{}/api/upload-video/nemo_agent/me/{session_id}",
            server.base
        ),
        &[("Authorization", bearer)],
        Some(&json!({"urls": [url], "source_type": "url"})),
    )
}
