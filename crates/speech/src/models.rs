//! The speech models cutline knows, where they live, and fetching one from its public home
//! with resume (a `.part` file and an HTTP range request) and a SHA-1 check before it is
//! put in place. Nothing is fetched unless the user asks.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::{model_path, models_dir, SpeechError};

/// Where whisper.cpp's ggml models are published.
pub const PUBLIC_HOME: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/// A model of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelInfo {
    pub name: &'static str,
    /// Download size as whisper.cpp publishes it.
    pub size: &'static str,
    pub sha1: &'static str,
    pub english_only: bool,
}

/// The Whisper models cutline knows (checksums as published with whisper.cpp).
pub const CATALOGUE: &[ModelInfo] = &[
    ModelInfo {
        name: "tiny",
        size: "75 MB",
        sha1: "bd577a113a864445d4c299885e0cb97d4ba92b5f",
        english_only: false,
    },
    ModelInfo {
        name: "tiny.en",
        size: "75 MB",
        sha1: "c78c86eb1a8faa21b369bcd33207cc90d64ae9df",
        english_only: true,
    },
    ModelInfo {
        name: "base",
        size: "142 MB",
        sha1: "465707469ff3a37a2b9b8d8f89f2f99de7299dac",
        english_only: false,
    },
    ModelInfo {
        name: "base.en",
        size: "142 MB",
        sha1: "137c40403d78fd54d454da0f9bd998f78703390c",
        english_only: true,
    },
    ModelInfo {
        name: "small",
        size: "466 MB",
        sha1: "55356645c2b361a969dfd0ef2c5a50d530afd8d5",
        english_only: false,
    },
    ModelInfo {
        name: "small.en",
        size: "466 MB",
        sha1: "db8a495a91d927739e50b3fc1cc4c6b8f6c2d022",
        english_only: true,
    },
];

pub fn find(name: &str) -> Result<&'static ModelInfo, SpeechError> {
    CATALOGUE.iter().find(|m| m.name == name).ok_or_else(|| {
        let known: Vec<&str> = CATALOGUE.iter().map(|m| m.name).collect();
        SpeechError::Fetch(format!(
            "unknown model '{name}' (known: {})",
            known.join(", ")
        ))
    })
}

/// Where to fetch from: the public home, or `CUTLINE_MODEL_MIRROR` (a URL prefix).
pub fn download_base() -> String {
    std::env::var("CUTLINE_MODEL_MIRROR").unwrap_or_else(|_| PUBLIC_HOME.to_string())
}

/// A file to fetch and how to know it arrived whole.
#[derive(Clone, Debug)]
pub struct Download {
    pub url: String,
    pub sha1: String,
    pub destination: PathBuf,
}

impl Download {
    pub fn of(model: &ModelInfo) -> Self {
        Download {
            url: format!(
                "{}/ggml-{}.bin",
                download_base().trim_end_matches('/'),
                model.name
            ),
            sha1: model.sha1.to_string(),
            destination: model_path(model.name),
        }
    }
}

/// Fetches `download`, resuming a `.part` file left by an interrupted attempt, and moves it
/// into place only when its SHA-1 matches. `on_progress(bytes, total)` follows the transfer.
pub fn fetch(
    download: &Download,
    mut on_progress: impl FnMut(u64, Option<u64>),
) -> Result<PathBuf, SpeechError> {
    let failed = |what: String| SpeechError::Fetch(what);
    let folder = download
        .destination
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(models_dir);
    fs::create_dir_all(&folder)
        .map_err(|e| failed(format!("cannot create {}: {e}", folder.display())))?;
    let part = download.destination.with_extension("bin.part");
    let have = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(20))
        .timeout_read(Duration::from_secs(60))
        .build();
    let mut request = agent.get(&download.url);
    if have > 0 {
        request = request.set("Range", &format!("bytes={have}-"));
    }
    let response = match request.call() {
        Ok(response) => Some(response),
        // The part file is already whole.
        Err(ureq::Error::Status(416, _)) if have > 0 => None,
        Err(e) => return Err(failed(format!("cannot download the model: {e}"))),
    };
    if let Some(response) = response {
        let resumed = response.status() == 206;
        let length: Option<u64> = response
            .header("Content-Length")
            .and_then(|l| l.parse().ok());
        let total = length.map(|l| if resumed { l + have } else { l });
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(&part)
            .map_err(|e| failed(format!("cannot write {}: {e}", part.display())))?;
        let mut written = if resumed { have } else { 0 };
        let mut body = response.into_reader();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = body
                .read(&mut buffer)
                .map_err(|e| failed(format!("the download stopped at {written} bytes ({e}); run the same command again to resume")))?;
            if n == 0 {
                break;
            }
            file.write_all(&buffer[..n])
                .map_err(|e| failed(format!("cannot write {}: {e}", part.display())))?;
            written += n as u64;
            on_progress(written, total);
        }
        if total.is_some_and(|t| written < t) {
            return Err(failed(format!(
                "the download stopped at {written} bytes; run the same command again to resume"
            )));
        }
    }
    let digest =
        sha1_of(&part).map_err(|e| failed(format!("cannot read {}: {e}", part.display())))?;
    if digest != download.sha1 {
        let _ = fs::remove_file(&part);
        return Err(failed(format!(
            "{} arrived damaged (SHA-1 {digest}, expected {}); it was removed, try again",
            download.url, download.sha1
        )));
    }
    fs::rename(&part, &download.destination).map_err(|e| {
        failed(format!(
            "cannot move the model into {}: {e}",
            download.destination.display()
        ))
    })?;
    Ok(download.destination.clone())
}

fn sha1_of(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = sha1_smol::Sha1::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hasher.digest().to_string());
        }
        hasher.update(&buffer[..n]);
    }
}
