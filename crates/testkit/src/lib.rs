//! Test footage for cutline's tests, made on the fly and cached once per run, and measurements
//! of rendered files made independently of the code under test (plain ffmpeg/ffprobe and
//! arithmetic here, never cutline's own probe or analysis).
//!
//! - [`talk`]: clips of espeak-ng speech with known pauses over room noise, with the truth
//!   (where speech is) written beside each clip as JSON.
//! - [`measure`]: stream properties, decoded audio, frames as luma, tone onsets.
//! - [`bad`]: hostile and broken inputs (a text file named .mp4, a playlist, …).
//! - [`tools`]: running ffmpeg and espeak-ng from tests.
//!
//! Fixtures live in `target/test-fixtures` (or `CUTLINE_FIXTURES`); each is generated under a
//! temporary name and renamed into place, so tests running at once never see half a file.

pub mod bad;
pub mod measure;
pub mod postgres;
pub mod talk;
pub mod tools;
pub mod wav;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Where fixtures are kept between tests of one run (and reused by later runs).
pub fn fixtures_dir() -> PathBuf {
    let dir = match std::env::var_os("CUTLINE_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-fixtures"),
    };
    std::fs::create_dir_all(&dir).expect("create the fixtures folder");
    dir
}

/// The fixture file `name`, made by `make(path)` the first time it is asked for. `make` writes
/// to the path it is given; the result is renamed to its final name only when `make` returns.
pub fn cached(name: &str, make: impl FnOnce(&Path)) -> PathBuf {
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
    let lock = {
        let mut locks = LOCKS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Arc::clone(locks.entry(name.to_string()).or_default())
    };
    let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
    let path = fixtures_dir().join(name);
    if path.exists() {
        return path;
    }
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("bin");
    let partial = fixtures_dir().join(format!(
        ".{name}.{}.partial.{extension}",
        std::process::id()
    ));
    make(&partial);
    std::fs::rename(&partial, &path).expect("move a fixture into place");
    path
}

/// A silent H.264 clip of the lavfi `source` ("testsrc2=s=320x180:r=30:d=2") through
/// `filters` ("null" for none), made once and cached as `name`: the picture fixtures' recipe.
pub fn picture_clip(name: &str, source: &str, filters: &str) -> PathBuf {
    cached(name, |path| {
        tools::ffmpeg([
            "-f",
            "lavfi",
            "-i",
            source,
            "-vf",
            filters,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            path.to_str().unwrap(),
        ]);
    })
}

/// A silent, flat dark 640×360 clip of `seconds` at `path` (white text on it is easy to
/// measure).
pub fn dark_video(path: &Path, seconds: u32) {
    tools::ffmpeg([
        "-f",
        "lavfi",
        "-i",
        &format!("color=c=0x203040:s=640x360:r=30:d={seconds}"),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        path.to_str().expect("UTF-8 path"),
    ]);
}

/// A fresh temporary folder for one test's outputs.
pub use tempfile::TempDir;

pub fn scratch() -> TempDir {
    tempfile::Builder::new()
        .prefix("cutline-test-")
        .tempdir()
        .expect("create a scratch folder")
}
