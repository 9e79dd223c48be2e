//! Running ffmpeg, ffprobe and espeak-ng from tests: a failure panics with the tool's stderr.

use std::ffi::OsStr;
use std::process::Command;

/// Runs a tool and returns its stdout; panics with stderr if it fails.
pub fn run<I, S>(program: &str, args: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} (is it installed? scripts/setup.sh installs it): {e}")
        });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// `ffmpeg -nostdin -v error -y ARGS…`
pub fn ffmpeg<I, S>(args: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut all: Vec<std::ffi::OsString> = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
        .iter()
        .map(Into::into)
        .collect();
    all.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
    run("ffmpeg", all)
}
