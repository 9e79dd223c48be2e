//! The hardened way every probed file is opened by ffmpeg (API.md, security rules):
//! only the `file` protocol, the demuxer forced to the one the probe found (never guessed
//! again from the content or the name), the decoder's pixel cap, and a `file:` URL so no
//! name can be read as a protocol or an option.

use std::ffi::OsString;
use std::path::Path;

use crate::limits::Limits;
use crate::probe::{file_url, Probe};

/// `-protocol_whitelist file -f <demuxer> -max_pixels <cap> -i file:<path>`.
pub fn input_args(path: &Path, probe: &Probe, limits: &Limits) -> Vec<OsString> {
    vec![
        "-protocol_whitelist".into(),
        "file".into(),
        "-f".into(),
        probe.container.demuxer().into(),
        "-max_pixels".into(),
        limits.max_pixels.to_string().into(),
        "-i".into(),
        file_url(path),
    ]
}
