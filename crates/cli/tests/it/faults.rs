//! Fault injection (issue 13's standing suite): a real `cutline serve` process is killed with
//! SIGKILL in the middle of an upload (half its body sent), of a chat turn (while "add
//! captions" transcribes a talk) and of an export (after its progress passed 0), and started
//! again on the same data folder each time. After each restart: no orphan file (`media/`
//! holds exactly the assets with rows, no `.part` anywhere, the killed render's work folder
//! gone), no stuck hold (`frozen` is 0 at once, without waiting for holds to expire), and in
//! the end the export finished once, with one output, charged once. The counts are printed as
//! one line for the README.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::talk::{specs, talk};

use crate::path_str;
use crate::serve::{
    export_end, export_until_rendering, in_database, processes_naming, upload_by_hand, upload_clip,
    Serve,
};

/// What the kills left behind, counted over the whole run.
#[derive(Default, Debug)]
struct Tally {
    kills: usize,
    restarts: usize,
    orphans: Vec<String>,
    stuck_holds: usize,
    double_charges: usize,
}

impl Tally {
    fn kill(&mut self, mut serve: Serve, data: &Path) {
        serve.child.kill().unwrap();
        serve.child.wait().unwrap();
        self.kills += 1;
        // Its ffmpeg dies with it (the process wrapper's death signal), within a moment.
        let started = Instant::now();
        while processes_naming(path_str(data)) > 0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "an orphaned ffmpeg"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again (it answers when this returns) and checks the files and the
    /// holds at once: `dead_work` are the render work folders of the killed run, `jobs_hold`
    /// what exports still queued hold (their jobs resume, so their holds stay).
    fn restart(
        &mut self,
        data: &Path,
        bearer: &str,
        dead_work: &BTreeSet<String>,
        jobs_hold: i64,
    ) -> Serve {
        let serve = Serve::start(data);
        self.restarts += 1;
        let frozen = serve.call("GET", "/api/credits/balance/simple", bearer, None)["frozen"]
            .as_i64()
            .unwrap();
        if frozen != jobs_hold {
            self.stuck_holds += 1;
        }
        let assets = in_database(
            data,
            |store| async move { store.asset_ids().await.unwrap() },
        );
        self.orphans.extend(orphans(data, &assets, dead_work));
        serve
    }
}

/// Files a killed run may have left: in `media/` anything that is not an asset with a row,
/// anywhere a half-written `.part` or an unfinished atomic write (`.tmp…`, outside the work
/// folders), in `tmp/` the killed run's work folders.
fn orphans(
    data: &Path,
    assets: &std::collections::HashSet<String>,
    dead_work: &BTreeSet<String>,
) -> Vec<String> {
    let mut found: Vec<String> = names_in(&data.join("media"))
        .into_iter()
        .filter(|name| !assets.contains(name))
        .map(|name| format!("media/{name}"))
        .collect();
    let work = data.join("tmp");
    found.extend(
        all_files(data)
            .into_iter()
            .filter(|p| !p.starts_with(&work))
            .filter(|p| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                name.contains(".part") || name.starts_with(".tmp")
            })
            .map(|p| p.display().to_string()),
    );
    found.extend(
        names_in(&data.join("tmp"))
            .into_iter()
            .filter(|name| dead_work.contains(name))
            .map(|name| format!("tmp/{name}")),
    );
    found
}

fn names_in(folder: &Path) -> BTreeSet<String> {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn all_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(all_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Waits for `condition` within `limit`; what it found.
fn wait_for<T>(what: &str, limit: Duration, mut condition: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = condition() {
            return found;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts an upload of `clip` and sends only the first half of its body; the open connection.
fn half_an_upload(
    serve: &Serve,
    bearer: &str,
    session_id: &str,
    clip: &[u8],
) -> std::net::TcpStream {
    let mut stream = upload_by_hand(serve, bearer, session_id, "half.mp4", clip.len() as u64);
    stream.write_all(&clip[..clip.len() / 2]).unwrap();
    stream.flush().unwrap();
    stream
}

/// Starts a chat turn saying `words` on its own thread; the types and stages of its events
/// arrive on the channel as they stream.
fn turn_in_background(
    serve: &Serve,
    bearer: &str,
    session_id: &str,
    words: &str,
) -> std::sync::mpsc::Receiver<Value> {
    let body = json!({
        "app_name": "nemo_agent", "user_id": "me", "session_id": session_id,
        "new_message": {"role": "user", "parts": [{"text": words}]},
    });
    let request = ureq::post(&format!("{}/run_sse", serve.base))
        .set("Accept", "text/event-stream")
        .set("Authorization", &format!("Bearer {bearer}"));
    let (events, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(response) = request.send_json(body) else {
            return;
        };
        for line in BufReader::new(response.into_reader()).lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data:") {
                if let Ok(event) = serde_json::from_str::<Value>(data.trim()) {
                    if events.send(event).is_err() {
                        return;
                    }
                }
            }
        }
    });
    received
}

/// The caller's (available, frozen).
fn balance(serve: &Serve, bearer: &str) -> (i64, i64) {
    let data = serve.call("GET", "/api/credits/balance/simple", bearer, None);
    (
        data["available"].as_i64().unwrap(),
        data["frozen"].as_i64().unwrap(),
    )
}

#[test]
fn kill_9_mid_upload_mid_turn_and_mid_export_leaves_no_orphan_no_stuck_hold_no_double_charge() {
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let mut tally = Tally::default();
    let none = BTreeSet::new();
    let serve = Serve::start(&data);
    let (bearer, session_id) = serve.new_session("faults");
    let state_path = format!("/api/state/nemo_agent/me/{session_id}/latest");
    let clip = std::fs::read(talk(&specs::LONG_TALK).path).unwrap();
    upload_clip(&serve, &bearer, &session_id, &clip);

    // 1. An upload killed with half its body in.
    let _connection = half_an_upload(&serve, &bearer, &session_id, &clip);
    wait_for("the upload's part file", Duration::from_secs(30), || {
        all_files(&data)
            .iter()
            .any(|p| p.to_string_lossy().contains(".part"))
            .then_some(())
    });
    tally.kill(serve, &data);
    let serve = tally.restart(&data, &bearer, &none, 0);
    let state = serve.call("GET", &state_path, &bearer, None);
    assert_eq!(
        state["video_infos"].as_array().unwrap().len(),
        1,
        "the whole upload only"
    );

    // 2. A turn killed while it transcribes; it held its price.
    let before = serve.call("GET", &state_path, &bearer, None)["draft"].clone();
    let (available, _) = balance(&serve, &bearer);
    let events = turn_in_background(&serve, &bearer, &session_id, "add captions");
    wait_for("the turn transcribing", Duration::from_secs(120), || {
        let event = events.recv_timeout(Duration::from_millis(50)).ok()?;
        (event["type"] == "progress" && event["stage"] == "transcribe").then_some(())
    });
    let (_, held) = balance(&serve, &bearer);
    assert!(held > 0, "the turn holds its price while it runs");
    tally.kill(serve, &data);
    let serve = tally.restart(&data, &bearer, &none, 0);
    let after = serve.call("GET", &state_path, &bearer, None)["draft"].clone();
    let (now_available, _) = balance(&serve, &bearer);
    // Killed before its commit the turn changed nothing and cost nothing; a commit that
    // beat the kill charged once.
    let charged = available - now_available;
    let expected = if after == before { 0 } else { held };
    if charged > expected {
        tally.double_charges += 1;
    }
    println!(
        "faults: the killed turn held {held}, changed the draft: {}, charged {charged}",
        after != before
    );
    assert_eq!(
        charged,
        expected,
        "the turn charged {charged}, changed: {}",
        after != before
    );
    // The killed turn's claim went with the restart: a reconnect hears at once how it ended
    // (not heartbeats until the dead server's lease runs out), and the session takes a turn.
    let resumed = ureq::post(&format!("{}/run_sse", serve.base))
        .set("Authorization", &format!("Bearer {bearer}"))
        .set("Last-Event-ID", "0")
        .timeout(Duration::from_secs(20))
        .send_json(json!({"session_id": session_id,
                          "new_message": {"parts": [{"text": "add captions"}]}}))
        .unwrap();
    let replayed: Vec<String> = BufReader::new(resumed.into_reader())
        .lines()
        .map(|line| line.expect("the replay ends by itself, within 20 s"))
        .collect();
    assert!(
        !replayed.iter().any(|line| line.contains("\"heartbeat\"")),
        "{replayed:?}"
    );
    let next = turn_in_background(&serve, &bearer, &session_id, "make it 9:16");
    let first = next
        .recv_timeout(Duration::from_secs(60))
        .expect("a new turn starts at once");
    assert_ne!(first["type"], "error", "{first}");
    wait_for("the new turn's end", Duration::from_secs(120), || {
        (balance(&serve, &bearer).1 == 0).then_some(())
    });

    // 3. An export killed while it renders (after its progress passed 0).
    let (available, _) = balance(&serve, &bearer);
    export_until_rendering(&serve, &bearer, &session_id, "render_faults");
    let work = names_in(&data.join("tmp"));
    assert!(
        !work.is_empty(),
        "the render works in the data folder, not in $TMPDIR"
    );
    tally.kill(serve, &data);
    let serve = tally.restart(&data, &bearer, &work, 2);
    let done = export_end(&serve, &bearer, "render_faults");
    assert_eq!(done["status"], "completed", "{done}");
    let (now_available, frozen) = balance(&serve, &bearer);
    let charged = available - now_available;
    if charged > 2 {
        tally.double_charges += 1;
    }
    assert_eq!(
        (charged, frozen),
        (2, 0),
        "the export's price (2) charged once"
    );
    let media = serve.call("GET", &state_path, &bearer, None)["generated_media"].clone();
    assert_eq!(media.as_array().unwrap().len(), 1, "one output: {media}");
    let outputs: Vec<String> = names_in(&data.join("renders")).into_iter().collect();
    assert_eq!(outputs.len(), 1, "one file: {outputs:?}");
    drop(serve);

    println!(
        "faults: {} kills, {} restarts, {} orphan files, {} stuck holds, {} double charges",
        tally.kills,
        tally.restarts,
        tally.orphans.len(),
        tally.stuck_holds,
        tally.double_charges
    );
    assert!(tally.orphans.is_empty(), "orphans: {:?}", tally.orphans);
    assert_eq!((tally.kills, tally.restarts), (3, 3));
    assert_eq!((tally.stuck_holds, tally.double_charges), (0, 0));
}

/// Two servers on one PostgreSQL database and data folder; the one running a chat turn is
/// killed with SIGKILL mid-turn. A client that resumes at the other with `Last-Event-ID`
/// gets the turn's `error` event once the dead server's lease has run out, the Draft is as
/// it was, and the turn's hold is released by the other's sweep.
#[test]
fn kill_9_of_the_server_running_a_turn_ends_it_at_the_other_with_nothing_changed() {
    let Some(database) = testkit::postgres::fresh_database() else {
        eprintln!("no PostgreSQL server for this run (scripts/test.sh starts one): not run");
        return;
    };
    let scratch = testkit::scratch();
    let data = scratch.path().join("data");
    let flags = ["--database", database.as_str(), "--heartbeat-secs", "1"];
    let mut running = Serve::start_with(&data, &flags);
    let other = Serve::start_with(&data, &flags);
    let (bearer, session_id) = running.new_session("two-servers");
    let clip = std::fs::read(talk(&specs::TALK).path).unwrap();
    upload_clip(&running, &bearer, &session_id, &clip);
    let state_path = format!("/api/state/nemo_agent/me/{session_id}/latest");
    let draft_before = other.call("GET", &state_path, &bearer, None)["draft"].clone();
    let (available, _) = balance(&other, &bearer);

    // The turn starts at one server and has said something; that server is killed.
    let events = turn_in_background(&running, &bearer, &session_id, "add captions");
    events
        .recv_timeout(Duration::from_secs(60))
        .expect("the turn says something");
    wait_for("the turn's hold", Duration::from_secs(30), || {
        (balance(&other, &bearer).1 > 0).then_some(())
    });
    running.child.kill().unwrap();
    running.child.wait().unwrap();

    // Resumed at the other server: the rest of the turn ends with its error.
    let resumed = ureq::post(&format!("{}/run_sse", other.base))
        .set("Authorization", &format!("Bearer {bearer}"))
        .set("Last-Event-ID", "1")
        .send_json(json!({"session_id": session_id,
                          "new_message": {"parts": [{"text": "add captions"}]}}))
        .unwrap();
    let said: Vec<Value> = BufReader::new(resumed.into_reader())
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(line.strip_prefix("data:")?.trim()).ok())
        .filter(|event: &Value| event["type"] != "heartbeat")
        .collect();
    let last = said
        .last()
        .expect("the resumed stream says how the turn ended");
    assert_eq!(last["type"], "error", "{said:?}");
    assert!(
        last["message"].as_str().unwrap().contains("stopped"),
        "{last}"
    );

    // Nothing changed, and the credits come back.
    let draft_after = other.call("GET", &state_path, &bearer, None)["draft"].clone();
    assert_eq!(draft_after, draft_before, "the Draft is as it was");
    wait_for("the hold released", Duration::from_secs(30), || {
        (balance(&other, &bearer) == (available, 0)).then_some(())
    });
    // The session takes turns again, at the server still alive.
    let next = turn_in_background(&other, &bearer, &session_id, "make it 9:16");
    let first = next.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_ne!(first["type"], "error", "{first}");
}
