//! A blocking client of the protocol in `../shared/API.md` (the reference a client or an AI
//! agent can copy): the envelope read into [`Reply`] or a [`Failure`] with the protocol code,
//! tokens, sessions, uploads with progress, chat turns as server-sent events (reconnecting
//! with `Last-Event-ID` when the stream breaks), the balance, the state, exports.
//!
//! The error rules of API.md ("1001 → new token and retry once", …) are applied by the
//! caller ([`super::session`]); this module only says what happened.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

/// What went wrong with a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The server answered with an error envelope.
    Protocol {
        code: u64,
        message: String,
        /// Seconds, from `Retry-After`.
        retry_after: Option<u64>,
    },
    /// The server could not be reached or broke off.
    Network(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Protocol { message, .. } => f.write_str(message),
            Failure::Network(why) => write!(f, "the server could not be reached ({why})"),
        }
    }
}

impl Failure {
    pub fn code(&self) -> Option<u64> {
        match self {
            Failure::Protocol { code, .. } => Some(*code),
            Failure::Network(_) => None,
        }
    }
}

/// The attribution every call carries (exports need it).
const SKILL: [(&str, &str); 3] = [
    ("X-Skill-Source", "cutline-chat"),
    ("X-Skill-Version", env!("CARGO_PKG_VERSION")),
    ("X-Skill-Platform", std::env::consts::OS),
];

pub struct Client {
    pub base: String,
    pub token: String,
    agent: ureq::Agent,
}

/// The `data` of a success envelope, or the failure.
fn read(response: Result<ureq::Response, ureq::Error>) -> Result<Value, Failure> {
    let response = match response {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(ureq::Error::Transport(t)) => return Err(Failure::Network(t.kind().to_string())),
    };
    let retry_after = response
        .header("retry-after")
        .and_then(|v| v.trim().parse().ok());
    let body: Value = response
        .into_json()
        .map_err(|e| Failure::Network(format!("an unreadable reply: {e}")))?;
    if body["code"] == 0 {
        Ok(body["data"].clone())
    } else {
        Err(Failure::Protocol {
            code: body["code"].as_u64().unwrap_or(5000),
            message: body["message"].as_str().unwrap_or("error").to_string(),
            retry_after,
        })
    }
}

/// A fresh random UUID (version 4) for `X-Client-Id`.
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::getrandom(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

impl Client {
    pub fn new(base: &str, token: String) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            // A turn's stream says something at least every 15 s (heartbeats).
            .timeout_read(Duration::from_secs(60))
            .build();
        Self {
            base: base.trim_end_matches('/').to_string(),
            token,
            agent,
        }
    }

    fn request(&self, method: &str, path: &str) -> ureq::Request {
        let mut request = self
            .agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token));
        for (name, value) in SKILL {
            request = request.set(name, value);
        }
        request
    }

    /// A new anonymous token (the client id is new each time).
    pub fn anonymous_token(base: &str) -> Result<String, Failure> {
        let url = format!("{}/api/auth/anonymous-token", base.trim_end_matches('/'));
        let data = read(
            ureq::post(&url)
                .timeout(Duration::from_secs(30))
                .set("X-Client-Id", &new_client_id())
                .call(),
        )?;
        data["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Failure::Network("a token reply without a token".into()))
    }

    /// A new session in `language`: its id.
    pub fn new_session(&self, language: &str) -> Result<String, Failure> {
        let data = read(
            self.request("POST", "/api/tasks/me/with-session/nemo_agent")
                .timeout(Duration::from_secs(30))
                .send_json(json!({"task_name": "cutline chat", "language": language})),
        )?;
        Ok(data["session_id"].as_str().unwrap_or_default().to_string())
    }

    pub fn balance(&self) -> Result<Value, Failure> {
        read(
            self.request("GET", "/api/credits/balance/simple")
                .timeout(Duration::from_secs(30))
                .call(),
        )
    }

    pub fn state(&self, session: &str) -> Result<Value, Failure> {
        read(
            self.request("GET", &format!("/api/state/nemo_agent/me/{session}/latest"))
                .timeout(Duration::from_secs(30))
                .call(),
        )
    }

    /// Uploads `path` into `session`, `on_progress` told the fraction sent.
    pub fn upload(
        &self,
        session: &str,
        path: &Path,
        on_progress: &mut dyn FnMut(f64),
    ) -> Result<Value, Failure> {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::Network(format!("cannot read {}: {e}", path.display())))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let name: String = path
            .file_name()
            .map(|n| n.to_string_lossy().replace(['"', '\r', '\n'], "_"))
            .unwrap_or_else(|| "upload".into());
        let boundary = format!("cutline-{}", &new_client_id()[..8]);
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let length = head.len() as u64 + size + tail.len() as u64;
        let counted = Counted {
            inner: file,
            sent: 0,
            size,
            on_progress,
        };
        let body = std::io::Cursor::new(head.into_bytes())
            .chain(counted)
            .chain(std::io::Cursor::new(tail.into_bytes()));
        read(
            self.request(
                "POST",
                &format!("/api/upload-video/nemo_agent/me/{session}"),
            )
            .set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .set("Content-Length", &length.to_string())
            .send(body),
        )
    }

    /// Sends a chat turn and hands each event (id, JSON) to `on_event` as it comes; if the
    /// stream breaks, it reconnects with `Last-Event-ID` (up to 3 times) and goes on.
    pub fn turn(
        &self,
        session: &str,
        text: &str,
        on_event: &mut dyn FnMut(Option<i64>, &Value),
    ) -> Result<(), Failure> {
        let body = json!({
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": session,
            "new_message": {"role": "user", "parts": [{"text": text}]},
        });
        let mut last_id: Option<i64> = None;
        // Once the server has answered 200 the turn runs there, whatever happens to the
        // stream: a reconnect asks for the events after the last one seen (all of this
        // turn's when none was seen), never for a second turn.
        let mut started = false;
        let mut reconnects = 0;
        loop {
            let mut request = self
                .request("POST", "/run_sse")
                .set("Accept", "text/event-stream");
            if started {
                request = request.set("Last-Event-ID", &last_id.unwrap_or(0).to_string());
            }
            let response = match request.send_json(body.clone()) {
                Ok(response) => response,
                Err(ureq::Error::Status(code, response)) => {
                    return read(Err(ureq::Error::Status(code, response))).map(|_| ())
                }
                // Reconnecting after a break: the server may be coming back.
                Err(ureq::Error::Transport(_)) if started && reconnects < 3 => {
                    reconnects += 1;
                    std::thread::sleep(Duration::from_millis(500));
                    continue;
                }
                Err(ureq::Error::Transport(t)) => {
                    return Err(Failure::Network(t.kind().to_string()))
                }
            };
            started = true;
            match read_stream(response.into_reader(), &mut last_id, on_event) {
                Ok(()) => return Ok(()),
                Err(_) if reconnects < 3 => reconnects += 1,
                Err(why) => return Err(Failure::Network(why)),
            }
        }
    }

    /// Queues an export of the session's timeline under a new id: the id.
    pub fn export(&self, session: &str) -> Result<String, Failure> {
        let id = format!("render_{}", chrono_millis());
        let body = json!({"id": id, "sessionId": session,
                          "output": {"format": "mp4", "quality": "high"}});
        read(
            self.request("POST", "/api/render/proxy/lambda")
                .timeout(Duration::from_secs(30))
                .send_json(body),
        )?;
        Ok(id)
    }

    pub fn export_status(&self, id: &str) -> Result<Value, Failure> {
        read(
            self.request("GET", &format!("/api/render/proxy/lambda/{id}"))
                .timeout(Duration::from_secs(30))
                .call(),
        )
    }

    /// Downloads a finished export to `to` (through a temporary file beside it).
    pub fn download(&self, id: &str, to: &Path) -> Result<u64, Failure> {
        let response = self
            .request("GET", &format!("/api/render/proxy/{id}/download"))
            .call();
        let response = match response {
            Ok(response) => response,
            Err(e) => return read(Err(e)).map(|_| 0),
        };
        let partial = to.with_extension("part.mp4");
        let written = (|| {
            let mut file = std::fs::File::create(&partial)?;
            let n = std::io::copy(&mut response.into_reader(), &mut file)?;
            file.sync_all()?;
            std::fs::rename(&partial, to)?;
            Ok::<u64, std::io::Error>(n)
        })();
        written.map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            Failure::Network(format!("the download broke off ({e})"))
        })
    }
}

fn chrono_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// Counts what is read through it.
struct Counted<'a, R> {
    inner: R,
    sent: u64,
    size: u64,
    on_progress: &'a mut dyn FnMut(f64),
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.sent += n as u64;
        (self.on_progress)(self.sent as f64 / self.size.max(1) as f64);
        Ok(n)
    }
}

/// Reads server-sent events to the end of the stream; `Err` when it broke off.
fn read_stream(
    reader: impl Read,
    last_id: &mut Option<i64>,
    on_event: &mut dyn FnMut(Option<i64>, &Value),
) -> Result<(), String> {
    let (mut id, mut data) = (None, String::new());
    for line in BufReader::new(reader).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        } else if line.is_empty() && !data.is_empty() {
            if let Ok(event) = serde_json::from_str::<Value>(&data) {
                if id.is_some() {
                    *last_id = id;
                }
                on_event(id.take(), &event);
            }
            data.clear();
        }
    }
    Ok(())
}
