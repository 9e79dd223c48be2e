//! The server over real HTTP on loopback: each test starts its own `cutline serve` (in this
//! process, on a free port, with its own data folder) and talks to it as a client would.

mod auth_and_sessions;
mod uploads;

use std::time::Duration;

use serde_json::Value;
use server::{AppState, Config};

/// A running server; stops (gracefully) when dropped.
pub struct Running {
    pub base: String,
    data_dir: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _data: testkit::TempDir,
}

impl Running {
    /// The server's `--data` folder.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.data_dir.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a server with `configure` applied to the default configuration.
pub fn start(configure: impl FnOnce(&mut Config)) -> Running {
    let data = testkit::scratch();
    let data_dir = data.path().join("data");
    let mut config = Config::with_data_dir(data_dir.clone());
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
        stop: Some(stop),
        thread: Some(thread),
        _data: data,
    }
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
