//! Ctrl-C (SIGINT) or SIGTERM during a render: ffmpeg is stopped, nothing is left behind, and
//! the exit code says the run was interrupted.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::talk::{specs, talk};

use crate::path_str;

#[test]
fn an_interrupted_render_leaves_nothing_and_stops_ffmpeg() {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("big.mp4");
    // A 1080×1920 blurred render of the 25 s clip takes seconds: long enough to interrupt.
    let child = Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args([
            "edit",
            path_str(&clip.path),
            "--aspect",
            "9:16",
            "--fit",
            "blur",
            "-o",
            path_str(&out),
        ])
        .env("CUTLINE_CACHE", testkit::fixtures_dir().join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the render's partial file exists, then interrupt.
    let started = Instant::now();
    let partial_exists = || {
        std::fs::read_dir(scratch.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".part.mp4")
        })
    };
    while !partial_exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the render never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("error: interrupted; no output was written"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(scratch.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // ffmpeg ran in its own process group, so only cutline's cancel could have stopped it.
    let still_running = Command::new("pgrep")
        .args(["-f", path_str(scratch.path())])
        .output()
        .unwrap();
    assert!(
        still_running.stdout.is_empty(),
        "an ffmpeg for this render is still running"
    );
}
