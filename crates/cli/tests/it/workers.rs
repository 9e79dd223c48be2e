//! `cutline serve --workers 0` with two `cutline worker` processes on its data folder: a long
//! export is made in parts by both; the worker rendering a part is killed with SIGKILL and
//! the other takes the part again when its lease runs out; the export completes once, is
//! charged once, decodes cleanly and is as long as the Draft. The same again with the
//! server's and the workers' state in PostgreSQL (`--database`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::path_str;
use crate::serve::{download_export, export_end, upload_clip, Serve};

/// A running `cutline worker` and what it logged.
struct Worker {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Worker {
    fn start(data: &Path, database: &[&str]) -> Worker {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cutline"))
            .args(["worker", "--data", path_str(data)])
            .args(database)
            .args([
                "--lease-secs",
                "2",
                "--part-secs",
                "4",
                "--short-export-secs",
                "0",
            ])
            .env("CUTLINE_CACHE", testkit::fixtures_dir().join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cutline worker");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Worker { child, log }
    }

    fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// How long its ffmpeg encoding a picture has run, if one is running.
    fn encoding_for(&self, seen: &mut Option<(u32, Instant)>) -> Option<Duration> {
        let children = Command::new("pgrep")
            .args(["-P", &self.child.id().to_string(), "ffmpeg"])
            .output()
            .unwrap();
        let encoder = String::from_utf8_lossy(&children.stdout)
            .lines()
            .filter_map(|pid| pid.trim().parse::<u32>().ok())
            .find(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|line| String::from_utf8_lossy(&line).contains("libx264"))
            });
        match (encoder, *seen) {
            (Some(pid), Some((known, since))) if pid == known => Some(since.elapsed()),
            (Some(pid), _) => {
                *seen = Some((pid, Instant::now()));
                Some(Duration::ZERO)
            }
            (None, _) => {
                *seen = None;
                None
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_worker_processes_make_a_long_export_in_parts_and_survive_one_being_killed() {
    parts_by_two_workers_one_killed(None);
}

#[test]
fn the_same_with_the_state_in_postgres() {
    let Some(url) = testkit::postgres::fresh_database() else {
        eprintln!("no PostgreSQL server for this run (scripts/test.sh starts one): not run");
        return;
    };
    parts_by_two_workers_one_killed(Some(&url));
}

fn parts_by_two_workers_one_killed(database: Option<&str>) {
    let database: Vec<&str> = database.map_or(vec![], |url| vec!["--database", url]);
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let serve_args = [&["--workers", "0", "--part-secs", "4"], database.as_slice()].concat();
    let serve = Serve::start_with(&data, &serve_args);
    let (bearer, session_id) = serve.new_session("workers-test");
    let clip = std::fs::read(talk(&specs::TALK).path).unwrap();
    upload_clip(&serve, &bearer, &session_id, &clip);
    let state = serve.call(
        "GET",
        &format!("/api/state/nemo_agent/me/{session_id}/latest"),
        &bearer,
        None,
    );
    let draft_s = state["draft"]["d"].as_f64().unwrap() / 1000.0;
    assert!(draft_s > 8.0, "long enough for parts of 4 s: {draft_s}");

    let mut workers = vec![
        Worker::start(&data, &database),
        Worker::start(&data, &database),
    ];
    let export = json!({"id": "render_parts", "sessionId": session_id,
                        "output": {"resolution": "1080p"}});
    serve.call("POST", "/api/render/proxy/lambda", &bearer, Some(export));

    // The first worker seen encoding a picture for half a second is killed mid-part.
    let mut seen = vec![None; workers.len()];
    let started = Instant::now();
    let victim = loop {
        let busy = (0..workers.len()).find(|&i| {
            workers[i]
                .encoding_for(&mut seen[i])
                .is_some_and(|d| d >= Duration::from_millis(500))
        });
        if let Some(i) = busy {
            break i;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no worker encoded a part: {}\n{}",
            workers[0].log_text(),
            workers[1].log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut killed = workers.remove(victim);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    let survivor = &workers[0];

    let done = export_end(&serve, &bearer, "render_parts");
    assert_eq!(
        done["status"],
        "completed",
        "{done}\n{}",
        survivor.log_text()
    );
    let taken_again = survivor.log_text();
    assert!(
        taken_again.contains("taken again (attempt 2)"),
        "the killed worker's work was taken again: {taken_again}\n--- killed:\n{}",
        killed.log_text()
    );
    let balance = serve.call("GET", "/api/credits/balance/simple", &bearer, None);
    assert_eq!(
        (&balance["available"], &balance["frozen"]),
        (&json!(98), &json!(0)),
        "charged once: {balance}"
    );

    let file = scratch.path().join("parts.mp4");
    download_export(&serve, &bearer, "render_parts", &file);
    assert_eq!(testkit::measure::decode_errors(&file), "");
    let made = testkit::measure::streams(&file);
    assert_eq!(made.video().height, Some(1080));
    assert!(
        (made.duration_s() - draft_s).abs() <= crate::FRAME_S + 1e-3,
        "{} s made, {draft_s} s asked",
        made.duration_s()
    );
    let parts_left: Vec<String> = std::fs::read_dir(data.join("renders"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".parts") || name.starts_with('.'))
        .collect();
    assert!(
        parts_left.is_empty(),
        "parts cleared after the join: {parts_left:?}"
    );
}
