//! Where the server keeps files under `--data`, all under names it made itself:
//!
//! ```text
//! cutline.db                 the database
//! media/<asset id>           uploads (a refused one never gets a name here)
//! renders/<sha256>.mp4       exports, named by the hash of (user, export id)
//! cache/analyses/<asset id>/ pause maps and transcripts of uploads (media::library)
//! tmp/<random>/              a render's work folder (emptied at start, `recovery`)
//! secret.key                 the key that signs output URLs
//! ```
//!
//! A client's file name or export id is never part of a path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use media::library::{Asset, Library};
use media::render::Format;
use media::Limits;

use crate::config::Config;
use crate::error::ApiError;
use crate::store::AssetRecord;

/// The stored file of an asset.
pub fn asset_path(config: &Config, asset_id: &str) -> PathBuf {
    config.media_dir().join(asset_id)
}

/// Where the export `id` of `user_id` is written, named for its format.
pub fn render_path(config: &Config, user_id: &str, id: &str, format: Format) -> PathBuf {
    let key = crate::tokens::sha256_hex(&format!("{user_id}/{id}"));
    config
        .renders_dir()
        .join(format!("{key}.{}", format.extension()))
}

/// The analysis cache of the uploads, stopped by `cancel`.
pub fn library(config: &Config, cancel: &media::process::CancelToken) -> Library {
    Library::new(config.cache_dir(), Limits::default()).with_cancel(cancel)
}

/// The assets of a session as the media layer sees them (probed again: cheap, and the stored
/// file is the truth). Blocking: call from a worker thread.
pub fn load_assets(
    config: &Config,
    records: &[AssetRecord],
) -> Result<BTreeMap<String, Asset>, ApiError> {
    let mut assets = BTreeMap::new();
    for record in records {
        let path = asset_path(config, &record.id);
        let probe = media::probe(&path, &Limits::default())
            .map_err(|e| ApiError::internal(format!("asset {}: {e}", record.id)))?;
        let asset = Asset {
            id: record.id.clone(),
            path,
            probe,
        };
        assets.insert(record.id.clone(), asset);
    }
    Ok(assets)
}

/// `text` without the server's own folder in it (for messages that reach a client).
pub fn without_paths(text: &str, config: &Config) -> String {
    let data = config.data_dir.display().to_string();
    let absolute = std::fs::canonicalize(&config.data_dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| data.clone());
    text.replace(&absolute, "").replace(&data, "")
}

/// Creates the folders the server writes to, and removes what a process that died left
/// half-written in them (hidden `.….part…` files: an upload or a render cut short). Only one
/// server uses a data folder at a time.
pub fn prepare(config: &Config) -> std::io::Result<()> {
    for dir in [config.media_dir(), config.renders_dir(), config.cache_dir()] {
        std::fs::create_dir_all(&dir)?;
    }
    for dir in [config.media_dir(), config.renders_dir()] {
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.contains(".part") {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}
