//! Bad input: each a clear one-line error, a non-zero exit code, and no partial output left.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use testkit::talk::{specs, talk};

use crate::{cutline, path_str};

/// Runs `cutline edit INPUT -o OUT` into an empty folder and returns the error line, after
/// checking the exit code and that the folder is still empty.
fn refused(input: &Path, out_name: &str) -> String {
    let scratch = testkit::scratch();
    let out = scratch.path().join(out_name);
    let output = cutline([
        "edit",
        path_str(input),
        "--trim-pauses",
        "-o",
        path_str(&out),
    ]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !output.status.success(),
        "cutline accepted {}",
        input.display()
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(scratch.path()).unwrap().collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    stderr
}

#[test]
fn a_text_file_named_mp4_is_refused_with_the_accepted_formats() {
    let error = refused(&testkit::bad::text_named_mp4(), "out.mp4");
    assert!(
        error.contains("not a video, audio or image file cutline accepts (mp4, mov"),
        "{error}"
    );
}

#[test]
fn a_truncated_mp4_is_called_damaged() {
    let error = refused(&testkit::bad::truncated_mp4(), "out.mp4");
    assert!(
        error.contains("the file is damaged or truncated"),
        "{error}"
    );
}

#[test]
fn an_hls_playlist_named_mp4_is_refused_and_nothing_is_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/segment0.ts", listener.local_addr().unwrap());
    let error = refused(&testkit::bad::playlist_named_mp4(&url), "out.mp4");
    assert!(error.contains("is a playlist (HLS)"), "{error}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        listener.accept().is_err(),
        "cutline connected to the playlist's URL"
    );
}

#[test]
fn a_file_over_the_pixel_cap_is_refused_before_decoding() {
    let error = refused(&testkit::bad::oversized_mp4(), "out.mp4");
    assert!(
        error.contains("a frame size of 4000×3000 is over the limit of 8,294,400 pixels"),
        "{error}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let error = refused(Path::new("no/such/clip.mp4"), "out.mp4");
    assert_eq!(error.trim(), "error: no/such/clip.mp4: no such file");
}

#[test]
fn an_unwritable_output_is_refused_before_any_work() {
    let clip = talk(&specs::SHORT_LANDSCAPE);
    let scratch = testkit::scratch();
    let not_a_folder = scratch.path().join("notes.txt");
    std::fs::write(&not_a_folder, "a file, not a folder").unwrap();
    let out = not_a_folder.join("out.mp4");
    let output = cutline(["edit", path_str(&clip.path), "-o", path_str(&out)]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write") && stderr.contains("is not a folder"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
}

#[test]
fn a_missing_ffmpeg_is_explained() {
    let clip = talk(&specs::SHORT_LANDSCAPE);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args(["probe", path_str(&clip.path)])
        .env("CUTLINE_FFPROBE", "/nonexistent/ffprobe")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert_eq!(
        stderr.trim(),
        "error: ffprobe is not installed (on Debian/Ubuntu: apt-get install ffmpeg)"
    );
}

/// Runs `cutline edit CLIP --captions` with the models folder `models` and returns the error
/// line, after checking that nothing was written.
fn refused_for_its_model(models: &Path) -> String {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("captioned.mp4");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args([
            "edit",
            path_str(&clip.path),
            "--captions",
            "-o",
            path_str(&out),
        ])
        .env("CUTLINE_CACHE", scratch.path().join("cache"))
        .env("CUTLINE_MODELS", models)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "a clean failure: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "cache")
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    stderr
}

#[test]
fn a_missing_speech_model_says_how_to_get_it() {
    let models = testkit::scratch();
    let error = refused_for_its_model(models.path());
    assert!(
        error.contains("'base' is not installed") && error.contains("cutline models fetch base"),
        "{error}"
    );
}

#[test]
fn a_damaged_speech_model_is_an_error_not_a_crash() {
    let real = std::fs::read(crate::models_dir().join("ggml-base.bin")).unwrap();
    for damaged in [
        b"not a model at all".to_vec(),
        real[..real.len() / 7].to_vec(),
    ] {
        let models = testkit::scratch();
        std::fs::write(models.path().join("ggml-base.bin"), damaged).unwrap();
        let error = refused_for_its_model(models.path());
        assert!(
            error.contains("could not be loaded") && error.contains("cutline models fetch base"),
            "{error}"
        );
    }
}
