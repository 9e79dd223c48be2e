//! `cutline chat`: a conversation with a cutline server (or any server of API.md's protocol).
//!
//! - [`route`]: where a typed line goes (export, credits, status, upload, or a chat turn).
//! - [`client`]: the protocol calls, blocking, with the envelope read into codes.
//! - [`tokens`]: which token to use (environment, the cache, or a new anonymous one).
//! - [`reading`]: GUI talk turned into API calls; a silent turn told by what changed.
//! - [`words`]: what the client itself says, in English or Chinese.
//!
//! [`Conversation`] joins them and applies API.md's client rules: 1001 → a new token and one
//! retry, 1002 → a new session (said), 429 → wait `Retry-After` (30 s without it) and one
//! retry, 2001 / 4001 / 4002 explained with what to do. Tool events stay internal; protocol
//! details (ids, URLs, JSON) show only with `--verbose`, or as JSON lines with `--json`.

pub mod client;
pub mod reading;
pub mod route;
pub mod tokens;
pub mod words;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::progress::Progress;
use agent::Language;
use client::{Client, Failure};
use words::Said;

/// How the conversation is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Words for a person (protocol details only when `verbose`).
    Human { verbose: bool },
    /// One JSON object per line, for scripts and agents.
    Json,
}

pub struct Conversation {
    client: Client,
    session: String,
    language: String,
    lang: Language,
    output: Output,
    /// Where exports are saved when no path is given.
    pub exports_dir: PathBuf,
    /// How the last chat turn ended.
    pub last_turn: Option<TurnEnd>,
}

/// How a chat turn ended, from its events and the state after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TurnEnd {
    /// Some edit was made (a tool result came back).
    pub applied: bool,
    /// A Plan was asked back and waits for a yes (the state's `pending_plan`).
    pub pending: bool,
}

/// A silence this long in a turn's stream is said aloud: 2 minutes, or
/// `CUTLINE_CHAT_STILL_WORKING_SECS` (tests use a second).
fn still_working_after() -> Duration {
    let seconds = std::env::var("CUTLINE_CHAT_STILL_WORKING_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(seconds)
}

impl Conversation {
    /// Connects: a token (see [`tokens`]), then `session` (one already there, to go on with)
    /// or a new session in `language`.
    pub fn connect(
        server: &str,
        language: &str,
        session: Option<&str>,
        output: Output,
    ) -> Result<Self, String> {
        let token =
            tokens::token_for(server).map_err(|f| explain(&f, Language::of_code(language)))?;
        let client = Client::new(server, token);
        let mut conversation = Conversation {
            client,
            session: String::new(),
            language: language.to_string(),
            lang: Language::of_code(language),
            output,
            exports_dir: PathBuf::from("exports"),
            last_turn: None,
        };
        conversation.session = match session {
            Some(id) => id.to_string(),
            None => conversation.with_rules(|c, _| c.new_session(language))?,
        };
        conversation.say_detail(&format!("session {}", conversation.session));
        Ok(conversation)
    }

    fn say(&self, line: &str) {
        say_to(self.output, line);
    }

    /// A protocol detail: shown with --verbose only.
    fn say_detail(&self, line: &str) {
        if self.output == (Output::Human { verbose: true }) {
            eprintln!("· {line}");
        }
    }

    fn emit(&self, event: &Value) {
        if self.output == Output::Json {
            println!("{event}");
        }
    }

    /// Runs `call`, applying the protocol's error rules once.
    fn with_rules<T>(
        &mut self,
        mut call: impl FnMut(&Client, &str) -> Result<T, Failure>,
    ) -> Result<T, String> {
        let failure = match call(&self.client, &self.session) {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        match failure.code() {
            Some(1001) => {
                let token = tokens::renew(&self.client.base).map_err(|f| explain(&f, self.lang))?;
                self.client.token = token;
                if !self.session.is_empty() {
                    self.session = self
                        .client
                        .new_session(&self.language)
                        .map_err(|f| explain(&f, self.lang))?;
                    self.say(&Said::SignInRenewed.in_(self.lang));
                }
            }
            Some(1002) => {
                self.session = self
                    .client
                    .new_session(&self.language)
                    .map_err(|f| explain(&f, self.lang))?;
                self.say(&Said::SessionReplaced.in_(self.lang));
            }
            Some(429) => {
                let (output, lang) = (self.output, self.lang);
                wait_to_retry(&failure, lang, &|line| say_to(output, line))?;
            }
            _ => return Err(self.explained(&failure)),
        }
        call(&self.client, &self.session).map_err(|f| self.explained(&f))
    }

    /// A failure in the user's terms (2001 with the balance).
    fn explained(&self, failure: &Failure) -> String {
        let mut text = explain(failure, self.lang);
        if failure.code() == Some(2001) {
            if let Ok(balance) = self.client.balance() {
                let available = balance["available"].to_string();
                text.push_str(
                    &Said::Available {
                        available: &available,
                    }
                    .in_(self.lang),
                );
            }
        }
        text
    }

    /// Handles one typed line; `false` when the user wants to leave.
    pub fn handle(&mut self, line: &str) -> Result<bool, String> {
        match route::route(line, &|p: &Path| p.is_file()) {
            route::Route::Quit => return Ok(false),
            route::Route::Export => {
                self.export(None)?;
            }
            route::Route::Credits => self.credits()?,
            route::Route::Status => self.status()?,
            route::Route::Upload(files) => {
                for file in files {
                    self.upload(&file)?;
                }
            }
            route::Route::AskForFile => {
                self.say(&Said::WhichFile.in_(self.lang));
            }
            route::Route::Turn(text) => self.turn(&text)?,
        }
        Ok(true)
    }

    pub fn upload(&mut self, file: &Path) -> Result<(), String> {
        let bar = (self.output != Output::Json).then(|| Progress::stage("uploading"));
        let uploaded = self.with_rules(|client, session| {
            client.upload(session, file, &mut |f| {
                if let Some(bar) = &bar {
                    bar.set(f)
                }
            })
        })?;
        if let Some(bar) = bar {
            bar.done();
        }
        for info in uploaded["files"].as_array().into_iter().flatten() {
            self.emit(&json!({"type": "uploaded", "file": info}));
            let seconds = info["duration"].as_f64().unwrap_or(0.0);
            let uploaded = Said::Uploaded {
                name: info["filename"].as_str().unwrap_or("upload"),
                kind: info["file_type"].as_str().unwrap_or("file"),
                clock: timeline::format_clock((seconds * 1000.0) as u64),
            };
            self.say(&uploaded.in_(self.lang));
        }
        Ok(())
    }

    pub fn turn(&mut self, text: &str) -> Result<(), String> {
        self.turn_acting(text, true)
    }

    /// A chat turn; what the server says of a GUI is done through the API instead (once:
    /// `act` is false for the turn such an action sends).
    fn turn_acting(&mut self, text: &str, act: bool) -> Result<(), String> {
        let before = self.with_rules(|client, session| client.state(session))?;
        let output = self.output;
        let mut said = false;
        let mut applied = false;
        let mut actions: Vec<reading::GuiAction> = Vec::new();
        let mut exported: Vec<Value> = Vec::new();
        let mut bar: Option<(String, Progress)> = None;
        let mut last_sign = Instant::now();
        let still_working = still_working_after();
        let result = self.with_rules(|client, session| {
            client.turn(session, text, &mut |_, event| {
                if output == Output::Json {
                    println!("{event}");
                }
                let kind = event["type"].as_str().unwrap_or_default();
                if kind != "heartbeat" {
                    last_sign = Instant::now();
                }
                let human = output != Output::Json;
                applied |= kind == "tool_result";
                if kind == "tool_result" && event["name"] == "export" {
                    exported.push(event["result"].clone());
                }
                match kind {
                    "text" => {
                        let content = event["content"].as_str().unwrap_or_default();
                        if let Some(action) = reading::gui_action(content) {
                            if !actions.contains(&action) {
                                actions.push(action);
                            }
                            return;
                        }
                        said = true;
                        if human {
                            if let Some((_, bar)) = bar.take() {
                                bar.done();
                            }
                            println!("{content}");
                        }
                    }
                    "progress" if human => {
                        let stage = event["stage"].as_str().unwrap_or("working").to_string();
                        if bar.as_ref().is_none_or(|(s, _)| s != &stage) {
                            if let Some((_, old)) = bar.take() {
                                old.done();
                            }
                            bar = Some((stage.clone(), Progress::stage(&stage)));
                        }
                        if let Some((_, bar)) = &bar {
                            bar.set(event["fraction"].as_f64().unwrap_or(0.0));
                        }
                    }
                    "heartbeat" if human && last_sign.elapsed() >= still_working => {
                        println!("⏳ Still working…");
                        last_sign = Instant::now();
                    }
                    "error" => {
                        said = true;
                        if human {
                            println!("{}", event["message"].as_str().unwrap_or("the turn failed"));
                        }
                    }
                    _ => {}
                }
            })
        });
        if let Some((_, bar)) = bar.take() {
            bar.done();
        }
        result?;
        self.save_turn_exports(&exported)?;
        for action in actions.iter().filter(|_| act) {
            match action {
                reading::GuiAction::Export => {
                    self.export(None)?;
                }
                reading::GuiAction::ShowState => self.status()?,
                reading::GuiAction::Send(words) => self.turn_acting(words, false)?,
            }
        }
        let after = self.with_rules(|client, session| client.state(session))?;
        self.last_turn = Some(TurnEnd {
            applied,
            pending: !after["state"]["pending_plan"].is_null(),
        });
        if !said && actions.is_empty() {
            let changed = reading::what_changed(
                &before["state"]["draft"],
                &after["state"]["draft"],
                self.lang,
            );
            self.say(&changed);
        }
        Ok(())
    }

    pub fn credits(&mut self) -> Result<(), String> {
        let balance = self.with_rules(|client, _| client.balance())?;
        self.emit(&json!({"type": "credits", "balance": balance}));
        if self.output != Output::Json {
            let (available, frozen) = (
                balance["available"].to_string(),
                balance["frozen"].to_string(),
            );
            let said = Said::Credits {
                available: &available,
                frozen: &frozen,
            };
            self.say(&said.in_(self.lang));
        }
        Ok(())
    }

    pub fn status(&mut self) -> Result<(), String> {
        let state = self.with_rules(|client, session| client.state(session))?;
        self.emit(&json!({"type": "state", "state": state["state"]}));
        if self.output != Output::Json {
            if let Some(pieces) = pieces_line(&state["state"], self.lang) {
                self.say(&pieces);
            }
            self.say(&summary(&state["state"]["draft"], self.lang));
        }
        Ok(())
    }

    /// Where an export of the piece named `piece` is saved: `exports/talk-edited.mp4`, or
    /// `talk-edited-2.mp4`… when that is taken.
    fn saving_path(&self, piece: &str, extension: &str) -> Result<PathBuf, String> {
        std::fs::create_dir_all(&self.exports_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.exports_dir.display()))?;
        Ok(free_export_path(&self.exports_dir, piece, extension))
    }

    /// Downloads the exports a turn made ("export all": one per piece) under their pieces'
    /// names.
    fn save_turn_exports(&mut self, made: &[Value]) -> Result<(), String> {
        for result in made {
            let (Some(id), Some(piece)) = (result["id"].as_str(), result["piece"].as_str()) else {
                continue;
            };
            // The server's word for the format, as cutline's own: never a path of its own.
            let format: media::render::Format = result["format"]
                .as_str()
                .and_then(|f| f.parse().ok())
                .unwrap_or_default();
            let extension = format.extension();
            let path = self.saving_path(piece, extension)?;
            let bytes = self.with_rules(|client, _| client.download(id, &path))?;
            self.emit(&json!({"type": "exported", "path": path, "size": bytes, "status": result}));
            let saved = Said::Saved {
                path: path.display().to_string(),
                clock: timeline::format_clock(
                    (result["duration"].as_f64().unwrap_or(0.0) * 1000.0) as u64,
                ),
                megabytes: bytes as f64 / 1_000_000.0,
            };
            self.say(&saved.in_(self.lang));
        }
        Ok(())
    }

    /// Renders the current piece and downloads it (to `to`, else `exports/<its name>-edited.mp4`);
    /// the path.
    pub fn export(&mut self, to: Option<&Path>) -> Result<PathBuf, String> {
        let id = self.with_rules(|client, session| client.export(session))?;
        self.say_detail(&format!("export {id}"));
        let bar = (self.output != Output::Json).then(|| Progress::stage("exporting"));
        let done = loop {
            let status = self.with_rules(|client, _| client.export_status(&id))?;
            if let Some(bar) = &bar {
                bar.set(status["progress"].as_f64().unwrap_or(0.0) / 100.0);
            }
            self.emit(&json!({"type": "export", "status": status}));
            match status["status"].as_str().unwrap_or_default() {
                "completed" => break status,
                "failed" | "cancelled" => {
                    if let Some(bar) = bar {
                        bar.done();
                    }
                    return Err(format!(
                        "The export {}: {}",
                        status["status"].as_str().unwrap_or("failed"),
                        status["error"].as_str().unwrap_or("no reason given")
                    ));
                }
                _ => std::thread::sleep(Duration::from_millis(1000)),
            }
        };
        if let Some(bar) = bar {
            bar.done();
        }
        let path = match to {
            Some(path) => path.to_path_buf(),
            None => {
                let state = self.with_rules(|client, session| client.state(session))?;
                self.saving_path(&current_name(&state["state"]), "mp4")?
            }
        };
        let bytes = self.with_rules(|client, _| client.download(&id, &path))?;
        self.emit(&json!({"type": "exported", "path": path, "size": bytes, "status": done}));
        let saved = Said::Saved {
            path: path.display().to_string(),
            clock: timeline::format_clock(
                (done["output"]["duration"].as_f64().unwrap_or(0.0) * 1000.0) as u64,
            ),
            megabytes: bytes as f64 / 1_000_000.0,
        };
        self.say(&saved.in_(self.lang));
        Ok(path)
    }
}

/// With several videos in the session, which they are and which one the timeline below is:
/// "Videos: 1 talk.mp4 (0:12) · 2 phone.mp4 (0:05); showing phone.mp4".
fn pieces_line(state: &Value, lang: Language) -> Option<String> {
    let pieces = state["drafts"].as_array().filter(|p| p.len() > 1)?;
    let listed: Vec<String> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let length = timeline::format_clock(p["duration_ms"].as_u64().unwrap_or(0));
            format!("{} {} ({length})", i + 1, p["name"].as_str().unwrap_or("?"))
        })
        .collect();
    let shown = current_name(state);
    Some(match lang {
        Language::English => format!("Videos: {}; showing {shown}.", listed.join(" · ")),
        Language::Chinese => format!("视频：{}；当前是 {shown}。", listed.join(" · ")),
    })
}

/// The name of the piece a session's state shows (`draft`): its file's name, or "video".
fn current_name(state: &Value) -> String {
    let current = state["current_piece"].as_str();
    let pieces = state["drafts"].as_array();
    let shown = pieces.and_then(|pieces| {
        pieces
            .iter()
            .find(|p| current.is_some() && p["piece_id"].as_str() == current)
            .or(pieces.last())
    });
    shown
        .and_then(|p| p["name"].as_str())
        .unwrap_or("video")
        .to_string()
}

/// `DIR/STEM-edited.EXT` for a piece named `STEM.…`, with `-2`, `-3`… when taken.
pub fn free_export_path(dir: &Path, piece: &str, extension: &str) -> PathBuf {
    let stem = match piece.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => piece,
    };
    // The piece's name is the client's file name: only its plain characters make a path.
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_+ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim().trim_start_matches('.');
    let stem = if stem.is_empty() { "video" } else { stem };
    (1..)
        .map(|n| match n {
            1 => dir.join(format!("{stem}-edited.{extension}")),
            n => dir.join(format!("{stem}-edited-{n}.{extension}")),
        })
        .find(|path| !path.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}-edited.{extension}")))
}

fn say_to(output: Output, line: &str) {
    match output {
        Output::Human { .. } => println!("{line}"),
        Output::Json => println!("{}", json!({"type": "text", "content": line})),
    }
}

/// The longest `Retry-After` the client waits out by itself.
const LONGEST_WAIT_S: u64 = 120;

/// For a 429: waits what the server asks (30 s when it does not say), saying so, unless that
/// is longer than [`LONGEST_WAIT_S`]; then the error says when to try again.
pub fn wait_to_retry(failure: &Failure, lang: Language, say: &dyn Fn(&str)) -> Result<(), String> {
    let wait = match failure {
        Failure::Protocol { retry_after, .. } => retry_after.unwrap_or(30),
        Failure::Network(_) => 30,
    };
    if wait > LONGEST_WAIT_S {
        let minutes = wait.div_ceil(60);
        return Err(match lang {
            Language::English => format!(
                "The server is limiting requests ({failure}); try again in {minutes} minutes."
            ),
            Language::Chinese => format!("服务器限制了请求次数，请{minutes}分钟后再试。"),
        });
    }
    say(&Said::Busy { seconds: wait }.in_(lang));
    std::thread::sleep(Duration::from_secs(wait));
    Ok(())
}

/// A failure in the user's terms (in `lang`), with what to do about it. In Chinese the
/// server's own English message is not repeated; its numbers are.
pub fn explain(failure: &Failure, lang: Language) -> String {
    const SHRINK: &str = "ffmpeg -i in.mp4 -vf scale=-2:720 -crf 28 smaller.mp4";
    let zh = lang == Language::Chinese;
    match failure {
        Failure::Protocol {
            code: 2001,
            message,
            ..
        } if zh => {
            let _ = message;
            "积分不足：注册账号可以获得更多积分。".into()
        }
        Failure::Protocol {
            code: 2001,
            message,
            ..
        } => format!("Out of credits: {message}"),
        Failure::Protocol { code: 4001, .. } if zh => format!(
            "不支持这种文件类型。支持的格式：{}。",
            media::error::ACCEPTED_FORMATS
        ),
        Failure::Protocol { code: 4001, .. } => format!(
            "That file type is not supported. Accepted: {}.",
            media::error::ACCEPTED_FORMATS
        ),
        Failure::Protocol {
            code: 4002,
            message,
            ..
        } if zh => {
            let limit = message
                .split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .find(|w| w[1].trim_end_matches(['.', ')']) == "MB" && w[0].parse::<f64>().is_ok())
                .map(|w| format!("（上限{} MB）", w[0]))
                .unwrap_or_default();
            format!("文件太大{limit}。请先剪短或压缩，例如：{SHRINK}")
        }
        Failure::Protocol {
            code: 4002,
            message,
            ..
        } => format!("{message}. Trim it or make it smaller first, e.g. {SHRINK}"),
        Failure::Protocol { code, message, .. } if zh => {
            format!("服务器拒绝了请求（代码{code}）：{message}")
        }
        Failure::Protocol { message, .. } => message.clone(),
        Failure::Network(_) if zh => format!("连不上服务器：{failure}"),
        Failure::Network(_) => failure.to_string(),
    }
}

/// A readable summary of a timeline in wire form, in `lang`: tracks, segments, lengths,
/// titles, music.
pub fn summary(draft: &Value, lang: Language) -> String {
    let zh = lang == Language::Chinese;
    let clock = |ms: &Value| timeline::format_clock(ms.as_u64().unwrap_or(0));
    let tracks = draft["t"].as_array().cloned().unwrap_or_default();
    if tracks.is_empty() {
        return if zh {
            "时间线是空的：先上传一个视频。".into()
        } else {
            "The timeline is empty: upload a video to start.".into()
        };
    }
    let (length, w, h) = (clock(&draft["d"]), &draft["m"]["w"], &draft["m"]["h"]);
    let mut lines = vec![if zh {
        format!("时间线：{length}，{w}×{h}：")
    } else {
        format!("Timeline {length} at {w}×{h}:")
    }];
    for track in &tracks {
        let segments = track["sg"].as_array().cloned().unwrap_or_default();
        let line = match track["tt"].as_u64() {
            Some(0) if zh => format!("  视频：{}段", segments.len()),
            Some(0) => format!("  video: {} segment(s)", segments.len()),
            Some(1) => {
                let volume = segments
                    .first()
                    .and_then(|s| s["m"]["volume"].as_f64())
                    .unwrap_or(1.0);
                if zh {
                    format!("  音频：{}段，音量{:.0}%", segments.len(), volume * 100.0)
                } else {
                    format!(
                        "  audio: {} segment(s) at {:.0}%",
                        segments.len(),
                        volume * 100.0
                    )
                }
            }
            Some(7) => {
                let captions = segments
                    .iter()
                    .filter(|s| s["m"]["role"] == "caption")
                    .count();
                let titles: Vec<String> = segments
                    .iter()
                    .filter(|s| s["m"]["role"] != "caption")
                    .map(|s| {
                        format!(
                            "“{}” {}–{}",
                            s["m"]["text"].as_str().unwrap_or(""),
                            clock(&s["s"]),
                            clock(&json!(
                                s["s"].as_u64().unwrap_or(0) + s["d"].as_u64().unwrap_or(0)
                            ))
                        )
                    })
                    .collect();
                match (captions, titles.is_empty(), zh) {
                    (0, _, false) => format!("  text: {}", titles.join(", ")),
                    (0, _, true) => format!("  文字：{}", titles.join("，")),
                    (n, true, false) => format!("  captions: {n}"),
                    (n, true, true) => format!("  字幕：{n}条"),
                    (n, false, false) => {
                        format!("  captions: {n}; titles: {}", titles.join(", "))
                    }
                    (n, false, true) => format!("  字幕：{n}条；标题：{}", titles.join("，")),
                }
            }
            _ if zh => format!("  轨道{}：{}段", track["id"], segments.len()),
            _ => format!("  track {}: {} segment(s)", track["id"], segments.len()),
        };
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_summary_names_tracks_lengths_titles_and_music() {
        let draft = json!({"d": 19000, "m": {"w": 1080, "h": 1920},
        "t": [
            {"id": "v1", "tt": 0, "sg": [{"s": 0, "d": 9000}, {"s": 9000, "d": 10000}]},
            {"id": "a1", "tt": 1, "sg": [{"s": 0, "d": 19000, "m": {"volume": 0.35}}]},
            {"id": "x1", "tt": 7, "sg": [{"s": 0, "d": 3000, "m": {"text": "Urban Dreams"}}]}
        ]});
        let text = summary(&draft, Language::English);
        assert!(text.contains("0:19 at 1080×1920"), "{text}");
        assert!(text.contains("video: 2 segment(s)"), "{text}");
        assert!(text.contains("audio: 1 segment(s) at 35%"), "{text}");
        assert!(text.contains("“Urban Dreams” 0:00–0:03"), "{text}");
        assert!(summary(&json!({"t": []}), Language::English).contains("empty"));
        let chinese = summary(&draft, Language::Chinese);
        assert!(
            chinese.contains("时间线：0:19，1080×1920") && chinese.contains("音量35%"),
            "{chinese}"
        );
    }

    #[test]
    fn several_videos_are_listed_with_the_one_shown_and_exports_never_overwrite() {
        let state = json!({"current_piece": "p2", "drafts": [
            {"piece_id": "p1", "name": "talk.mp4", "duration_ms": 12_000},
            {"piece_id": "p2", "name": "phone.mp4", "duration_ms": 5_000}]});
        assert_eq!(
            pieces_line(&state, Language::English).unwrap(),
            "Videos: 1 talk.mp4 (0:12) · 2 phone.mp4 (0:05); showing phone.mp4."
        );
        let one = json!({"drafts": [{"piece_id": "p1", "name": "talk.mp4"}]});
        assert_eq!(pieces_line(&one, Language::English), None);
        assert_eq!(current_name(&one), "talk.mp4");

        let scratch = testkit::scratch();
        let dir = scratch.path();
        assert_eq!(
            free_export_path(dir, "talk.mp4", "mp4"),
            dir.join("talk-edited.mp4")
        );
        std::fs::write(dir.join("talk-edited.mp4"), b"").unwrap();
        assert_eq!(
            free_export_path(dir, "talk.mp4", "mp4"),
            dir.join("talk-edited-2.mp4")
        );
        assert_eq!(
            free_export_path(dir, "../x/.mp4", "gif"),
            dir.join("___x_-edited.gif")
        );
    }

    #[test]
    fn failures_say_what_to_do() {
        let failure = |code| Failure::Protocol {
            code,
            message: "the file is larger than the limit of 500 MB".into(),
            retry_after: None,
        };
        assert!(explain(&failure(4001), Language::English).contains("mp4, mov"));
        assert!(explain(&failure(4002), Language::English).contains("ffmpeg -i"));
        assert_eq!(
            explain(&failure(4002), Language::Chinese),
            "文件太大（上限500 MB）。请先剪短或压缩，例如：ffmpeg -i in.mp4 -vf scale=-2:720 -crf 28 smaller.mp4"
        );
        assert!(explain(&failure(4001), Language::Chinese).starts_with("不支持这种文件类型"));
        assert!(explain(&failure(2001), Language::Chinese).starts_with("积分不足"));
        assert!(explain(&failure(2001), Language::English).starts_with("Out of credits"));
    }
}
