//! End-to-end tests of the `cutline` binary on footage made by `testkit`: one test binary.

mod bad_input;
mod captions;
mod chat;
mod draft_render;
mod edit_words;
mod faults;
mod fitting;
mod instructions;
mod interrupt;
mod probe_cmd;
mod progress;
mod scripted;
mod serve;
mod shapes;
mod studio;
mod trim;
mod trust;
mod workers;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `cutline ARGS…` with its own cache folder (shared by the tests of one run).
pub fn cutline<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args(args)
        .env("CUTLINE_CACHE", testkit::fixtures_dir().join("cache"))
        .env("CUTLINE_MODELS", models_dir())
        .output()
        .expect("run cutline")
}

/// The speech models: `CUTLINE_MODELS` (scripts/test.sh sets it), else where
/// scripts/prepare-speech-model.sh puts them by default.
pub fn models_dir() -> std::path::PathBuf {
    std::env::var_os("CUTLINE_MODELS")
        .map(Into::into)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/models"))
}

/// Runs cutline and insists that it succeeds; returns stdout.
pub fn cutline_ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = cutline(args);
    assert!(
        output.status.success(),
        "cutline failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// One frame at 30 fps, in seconds.
pub const FRAME_S: f64 = 1.0 / 30.0;
