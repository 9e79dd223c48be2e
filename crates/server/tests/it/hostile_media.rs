//! The standing hostile-media suite (issue 13): files made to break a media server, each
//! through upload → (if accepted) a turn ("trim the pauses") → an export, over real HTTP
//! against the in-process server. Asserted over the whole run: no 5xx (nor a 5000 error
//! event), no panic (a request answered by a dropped connection), no hang (every request
//! answers within its deadline), no file left behind (the media folder holds exactly the
//! accepted uploads), no server path in anything a turn says.
//!
//! The cases: the named hostile files (playlist, ffconcat and text each named `.mp4`, a
//! truncated clip, zero bytes, pixel and decompression bombs, a file of many streams, a
//! 4-hour clip of a few hundred KB), the valid clip itself (a control: it must go all the way
//! through), and damaged variants of it — bits flipped, spans overwritten, cut short, each
//! from a PRNG seeded by its number, so a failing case is made again by its number alone.
//!
//! The default run makes 13 variants (24 cases). `CUTLINE_FUZZ_CASES=1000` makes 1,000:
//! `CUTLINE_FUZZ_CASES=1000 cargo test -p server --test it hostile_media -- --nocapture`;
//! `CUTLINE_FUZZ_FROM=N` starts the variants at N (to run a stretch of a large run again).
//! Either way it prints one summary line with the counts.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::talk::{specs, talk};
use testkit::tools::ffmpeg;

use crate::{attributed, start, token, Running};

/// Damaged variants in the default run.
const DEFAULT_VARIANTS: usize = 13;

/// The longest any one request may take to answer before it counts as a hang.
const REQUEST_DEADLINE: Duration = Duration::from_secs(120);

/// The longest an export may take to end.
const EXPORT_DEADLINE: Duration = Duration::from_secs(180);

/// A file to upload, and whether it must be refused at upload.
struct Case {
    name: String,
    bytes: Vec<u8>,
    must_refuse: bool,
}

#[derive(Debug, Default)]
struct Tally {
    tried: usize,
    refused: usize,
    accepted: usize,
    exported: usize,
    export_failed: usize,
    server_errors: usize,
    panics: usize,
    hangs: usize,
    left_behind: usize,
    paths_said: usize,
    /// What went wrong, per case, for the failure message.
    faults: Vec<String>,
}

/// How a request ended.
enum Answer {
    Reply {
        status: u16,
        body: Vec<u8>,
    },
    /// The connection dropped without a reply (a handler that panicked).
    Dropped(String),
    /// No answer within the deadline.
    Hung,
}

fn send(request: ureq::Request, body: Option<Value>) -> Answer {
    let request = request.timeout(REQUEST_DEADLINE);
    let result = match body {
        Some(body) => request.send_json(body),
        None => request.call(),
    };
    read(result)
}

fn read(result: Result<ureq::Response, ureq::Error>) -> Answer {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(e)) => {
            let text = e.to_string();
            return if text.contains("timed out") || text.contains("WouldBlock") {
                Answer::Hung
            } else {
                Answer::Dropped(text)
            };
        }
    };
    let status = response.status();
    let mut body = Vec::new();
    match std::io::Read::read_to_end(&mut response.into_reader(), &mut body) {
        Ok(_) => Answer::Reply { status, body },
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Answer::Hung,
        Err(e) => Answer::Dropped(e.to_string()),
    }
}

impl Tally {
    /// Counts what is wrong with `answer`; its status and body when it came.
    fn check(&mut self, case: &str, what: &str, answer: Answer) -> Option<(u16, Vec<u8>)> {
        match answer {
            Answer::Reply { status, body } => {
                if status >= 500 {
                    self.server_errors += 1;
                    let text = String::from_utf8_lossy(&body).into_owned();
                    self.faults
                        .push(format!("{case}: {what} answered {status}: {text}"));
                }
                Some((status, body))
            }
            Answer::Dropped(error) => {
                self.panics += 1;
                self.faults.push(format!("{case}: {what} dropped: {error}"));
                None
            }
            Answer::Hung => {
                self.hangs += 1;
                self.faults
                    .push(format!("{case}: {what} did not answer in time"));
                None
            }
        }
    }

    fn summary(&self, took: Duration) -> String {
        format!(
            "hostile media: {} cases tried, {} refused at upload, {} accepted, {} exported, \
             {} exports failed cleanly, {} 5xx, {} panics, {} hangs, {} files left behind, \
             {} server paths said ({:.0} s)",
            self.tried,
            self.refused,
            self.accepted,
            self.exported,
            self.export_failed,
            self.server_errors,
            self.panics,
            self.hangs,
            self.left_behind,
            self.paths_said,
            took.as_secs_f64()
        )
    }
}

#[test]
fn hostile_media_through_upload_turn_and_export() {
    let variants = std::env::var("CUTLINE_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_VARIANTS);
    // The first variant, to run again a stretch of a large run (`CUTLINE_FUZZ_FROM=690`).
    let first: u64 = std::env::var("CUTLINE_FUZZ_FROM")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let base = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let mut cases = named_cases();
    cases.push(Case {
        name: "control: the valid clip".into(),
        bytes: base.clone(),
        must_refuse: false,
    });
    let named = cases.len();
    let server = start(|config| {
        config.free_credits = 1_000_000;
        config.heartbeat = Duration::from_secs(2);
    });
    let (token, _) = token(&server, "hostile-media");
    let bearer = format!("Bearer {token}");
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut kept = BTreeSet::new();
    let all = cases
        .into_iter()
        .chain((first..first + variants as u64).map(|n| variant(&base, n)));
    for (index, case) in all.enumerate() {
        tally.tried += 1;
        let accepted = run_case(&server, &bearer, index, &case, &mut tally);
        let control = index == named - 1;
        if control {
            assert!(
                accepted.is_some(),
                "the valid clip is accepted: {:?}",
                tally.faults
            );
        }
        if case.must_refuse && accepted.is_some() {
            tally
                .faults
                .push(format!("{}: accepted, must be refused", case.name));
        }
        kept.extend(accepted);
        let now: BTreeSet<String> = crate::media_files(&server.data_dir()).into_iter().collect();
        let stray: Vec<_> = now.difference(&kept).cloned().collect();
        if !stray.is_empty() || now.len() != kept.len() {
            tally.left_behind += stray.len().max(1);
            tally
                .faults
                .push(format!("{}: media holds {now:?}, kept {kept:?}", case.name));
        }
        if tally.tried % 100 == 0 {
            // A long run shows how it goes (with --nocapture).
            eprintln!("so far: {}", tally.summary(started.elapsed()));
        }
    }
    let summary = tally.summary(started.elapsed());
    println!("{summary}");
    eprintln!("{summary}");
    assert_eq!(tally.tried, named + variants);
    assert!(tally.exported >= 1, "the control was exported: {summary}");
    assert!(
        tally.refused >= named - 1,
        "every named hostile file refused: {summary}"
    );
    assert!(
        tally.faults.is_empty(),
        "{summary}\n{}",
        tally.faults.join("\n")
    );
}

/// One case through upload, turn and export in a new session; its asset id if accepted.
fn run_case(
    server: &Running,
    bearer: &str,
    index: usize,
    case: &Case,
    tally: &mut Tally,
) -> Option<String> {
    let label = format!("case {index} ({})", case.name);
    let created = send(
        ureq::post(&format!(
            "{}/api/tasks/me/with-session/nemo_agent",
            server.base
        ))
        .set("Authorization", bearer),
        Some(json!({"task_name": "hostile", "language": "en"})),
    );
    let (_, body) = tally.check(&label, "new session", created)?;
    let session: Value = serde_json::from_slice(&body).ok()?;
    let session_id = session["data"]["session_id"].as_str()?.to_string();

    let (content_type, body) = crate::multipart(&[("clip.mp4", &case.bytes)]);
    let uploaded = read(
        ureq::post(&format!(
            "{}/api/upload-video/nemo_agent/me/{session_id}",
            server.base
        ))
        .timeout(REQUEST_DEADLINE)
        .set("Authorization", bearer)
        .set("Content-Type", &content_type)
        .send_bytes(&body),
    );
    let (status, body) = tally.check(&label, "upload", uploaded)?;
    let reply: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status != 200 {
        tally.refused += 1;
        let message = reply["message"].as_str().unwrap_or_default();
        if ![400, 413, 415].contains(&status) || message.is_empty() {
            tally
                .faults
                .push(format!("{label}: refused with {status}: {reply}"));
        }
        if said_a_path(server, message) {
            tally.paths_said += 1;
            tally.faults.push(format!("{label}: {message}"));
        }
        return None;
    }
    tally.accepted += 1;
    let asset_id = reply["data"]["files"][0]["asset_id"].as_str()?.to_string();

    let turn = send(
        ureq::post(&format!("{}/run_sse", server.base))
            .set("Authorization", bearer)
            .set("Accept", "text/event-stream"),
        Some(json!({
            "app_name": "nemo_agent", "user_id": "me", "session_id": session_id,
            "new_message": {"role": "user", "parts": [{"text": "trim the pauses"}]},
        })),
    );
    if let Some((_, body)) = tally.check(&label, "turn", turn) {
        for event in crate::read_events(body.as_slice(), None) {
            let words = event.data["content"]
                .as_str()
                .or(event.data["message"].as_str())
                .unwrap_or_default();
            if said_a_path(server, words) {
                tally.paths_said += 1;
                tally.faults.push(format!("{label}: the turn said {words}"));
            }
            if event.data["type"] == "error" && event.data["code"] == 5000 {
                tally.server_errors += 1;
                tally
                    .faults
                    .push(format!("{label}: the turn failed: {}", event.data));
            }
        }
    }
    export(server, bearer, &label, index, &session_id, tally);
    Some(asset_id)
}

/// Exports the session's piece and follows the job to its end.
fn export(
    server: &Running,
    bearer: &str,
    label: &str,
    index: usize,
    session_id: &str,
    tally: &mut Tally,
) {
    let id = format!("hostile_{index}");
    let mut request = ureq::post(&format!("{}/api/render/proxy/lambda", server.base));
    for (name, value) in attributed(bearer) {
        request = request.set(name, value);
    }
    let posted = send(request, Some(json!({"id": id, "sessionId": session_id})));
    let Some((status, body)) = tally.check(label, "export", posted) else {
        return;
    };
    if status != 200 {
        // A piece that cannot be exported (e.g. nothing left on it) is refused, not failed.
        let _ = body;
        tally.export_failed += 1;
        return;
    }
    let started = Instant::now();
    loop {
        let polled = send(
            ureq::get(&format!("{}/api/render/proxy/lambda/{id}", server.base))
                .set("Authorization", bearer),
            None,
        );
        let Some((_, body)) = tally.check(label, "export status", polled) else {
            return;
        };
        let reply: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match reply["data"]["status"].as_str() {
            Some("completed") => {
                tally.exported += 1;
                return;
            }
            Some("failed" | "cancelled") => {
                let error = reply["data"]["error"].as_str().unwrap_or_default();
                if said_a_path(server, error) {
                    tally.paths_said += 1;
                    tally
                        .faults
                        .push(format!("{label}: the export said {error}"));
                }
                tally.export_failed += 1;
                return;
            }
            _ if started.elapsed() > EXPORT_DEADLINE => {
                tally.hangs += 1;
                tally.faults.push(format!("{label}: export still {reply}"));
                return;
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn said_a_path(server: &Running, text: &str) -> bool {
    let data = server.data_dir().display().to_string();
    ["/media/", "/cache/", "/renders/", data.as_str(), ".part"]
        .iter()
        .any(|path| text.contains(path))
}

/// The named hostile files; each must be refused at upload.
fn named_cases() -> Vec<Case> {
    let file = |name: &str, path: std::path::PathBuf| Case {
        name: name.into(),
        bytes: std::fs::read(path).unwrap(),
        must_refuse: true,
    };
    let text = |name: &str, text: &str| Case {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
        must_refuse: true,
    };
    vec![
        text(
            "HLS playlist named .mp4",
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:9/a.ts\n#EXT-X-ENDLIST\n",
        ),
        text(
            "ffconcat named .mp4",
            "ffconcat version 1.0\nfile '/etc/passwd'\nfile 'http://127.0.0.1:9/b.mp4'\n",
        ),
        file("text named .mp4", testkit::bad::text_named_mp4()),
        file("truncated clip", testkit::bad::truncated_mp4()),
        text("zero bytes", ""),
        file("PNG declaring 30000×30000", png_declaring(30_000, 30_000)),
        file("GIF declaring 65535×65535", gif_declaring(65_535, 65_535)),
        file("decompression bomb: 8000×8000 PNG", decompression_bomb()),
        file("4 hours of video in a small file", long_small_clip()),
        file("41 streams", many_streams()),
    ]
}

/// A damaged copy of `base`: variant `n` of a PRNG seeded by `n`.
fn variant(base: &[u8], n: u64) -> Case {
    let mut rng = SplitMix(n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x0c07_11e5);
    let mut bytes = base.to_vec();
    let len = bytes.len() as u64;
    let how = match rng.below(5) {
        0 => {
            let flips = 1 + rng.below(16);
            for _ in 0..flips {
                let bit = rng.below(len * 8);
                bytes[(bit / 8) as usize] ^= 1 << (bit % 8);
            }
            format!("{flips} bits flipped")
        }
        1 => {
            // Where the container's header and index live: the first and last 4 KB.
            let flips = 1 + rng.below(8);
            for _ in 0..flips {
                let at = rng.below(4096.min(len));
                let at = if rng.below(2) == 0 { at } else { len - 1 - at };
                bytes[at as usize] ^= 1 << rng.below(8);
            }
            format!("{flips} bits flipped in the header or index")
        }
        2 => {
            let keep = rng.below(len);
            bytes.truncate(keep as usize);
            format!("cut to {keep} bytes")
        }
        3 => {
            let at = rng.below(len);
            let span = (1 + rng.below(512)).min(len - at);
            for byte in &mut bytes[at as usize..(at + span) as usize] {
                *byte = rng.below(256) as u8;
            }
            format!("{span} bytes overwritten at {at}")
        }
        _ => {
            let bit = rng.below(len * 8);
            bytes[(bit / 8) as usize] ^= 1 << (bit % 8);
            let keep = len / 2 + rng.below(len / 2);
            bytes.truncate(keep as usize);
            format!("a bit flipped and cut to {keep} bytes")
        }
    };
    Case {
        name: format!("variant {n}: {how}"),
        bytes,
        must_refuse: false,
    }
}

/// splitmix64: small, deterministic, good enough to pick bytes.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A 16×16 PNG whose header says `width`×`height` (its checksum made right again).
fn png_declaring(width: u32, height: u32) -> std::path::PathBuf {
    small_image_patched(&format!("png-{width}x{height}.png"), |bytes| {
        // Signature (8), then IHDR: length (4), type (4), width, height, ..., CRC of type+data.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    })
}

/// A 16×16 GIF whose screen and image say `width`×`height`.
fn gif_declaring(width: u16, height: u16) -> std::path::PathBuf {
    small_image_patched(&format!("gif-{width}x{height}.gif"), |bytes| {
        bytes[6..8].copy_from_slice(&width.to_le_bytes());
        bytes[8..10].copy_from_slice(&height.to_le_bytes());
        // The image descriptor (',' then left, top, width, height) says the same.
        if let Some(at) = bytes.iter().skip(13).position(|&b| b == b',') {
            let at = at + 13;
            bytes[at + 5..at + 7].copy_from_slice(&width.to_le_bytes());
            bytes[at + 7..at + 9].copy_from_slice(&height.to_le_bytes());
        }
    })
}

/// A 16×16 red image in the format of `name`'s extension, its bytes changed by `patch`.
fn small_image_patched(name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> std::path::PathBuf {
    testkit::cached(&format!("hostile-v1-{name}"), |path| {
        let scratch = testkit::scratch();
        let extension = path.extension().unwrap().to_str().unwrap();
        let small = scratch.path().join(format!("small.{extension}"));
        ffmpeg([
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=16x16",
            "-frames:v",
            "1",
            small.to_str().unwrap(),
        ]);
        let mut bytes = std::fs::read(&small).unwrap();
        patch(&mut bytes);
        std::fs::write(path, bytes).unwrap();
    })
}

/// An 8000×8000 grey PNG: under 100 KB that decode to 64 MB.
fn decompression_bomb() -> std::path::PathBuf {
    testkit::cached("hostile-v1-bomb-8000.png", |path| {
        ffmpeg([
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=8000x8000",
            "-frames:v",
            "1",
            "-pix_fmt",
            "gray",
            path.to_str().unwrap(),
        ]);
    })
}

/// Four hours of a still, tiny picture: a small file over the 3-hour limit.
fn long_small_clip() -> std::path::PathBuf {
    testkit::cached("hostile-v1-4h.mp4", |path| {
        ffmpeg([
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:r=1:d=14400",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "100000",
            path.to_str().unwrap(),
        ]);
    })
}

/// A second of video with 40 audio streams (41 in all; the limit is 16).
fn many_streams() -> std::path::PathBuf {
    testkit::cached("hostile-v2-41-streams.mkv", |path| {
        let mut args: Vec<String> = [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=160x120:r=10:d=1",
            "-f",
            "lavfi",
            "-i",
            "sine=d=1",
            "-map",
            "0:v",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..40 {
            args.extend(["-map".to_string(), "1:a".to_string()]);
        }
        args.extend(
            [
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-c:a",
                "pcm_s16le",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        args.push(path.to_str().unwrap().to_string());
        ffmpeg(args);
    })
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
}
