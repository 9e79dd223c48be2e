//! Where the server keeps files under `--data`, all under names it made itself:
//!
//! ```text
//! cutline.db                 the database
//! media/<asset id>           uploads (a refused one never gets a name here)
//! media/.<asset id>.part     an upload coming in, named once its whole request is kept
//! renders/<sha256>.mp4       exports, named by the hash of (user, export id)
//! cache/analyses/<asset id>/ pause maps and transcripts of uploads (media::library)
//! proxies/<asset id>.mp4     low-resolution all-intra copies of uploaded videos (preview)
//! previews/<key>.mp4         the studio's previews, named by the hash of what they show
//! tmp/<random>/              a render's work folder (emptied at start, `recovery`)
//! secret.key                 the key that signs output URLs
//! ```
//!
//! A client's file name or export id is never part of a path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// Where an upload is written until its request is kept whole.
pub fn part_path(media_dir: &Path, asset_id: &str) -> PathBuf {
    media_dir.join(format!(".{asset_id}.part"))
}

/// The asset id of a part file's name (`.a_….part`).
fn part_of(name: &str) -> Option<&str> {
    name.strip_prefix('.')?.strip_suffix(".part")
}

/// Where the export `id` of `user_id` is written, named for its format.
pub fn render_path(config: &Config, user_id: &str, id: &str, format: Format) -> PathBuf {
    let key = crate::tokens::sha256_hex(&format!("{user_id}/{id}"));
    config
        .renders_dir()
        .join(format!("{key}.{}", format.extension()))
}

/// The folder the parts of a long export are written to until they are joined (beside the
/// export, so every worker that shares the data folder reaches them).
pub fn parts_dir(config: &Config, user_id: &str, id: &str) -> PathBuf {
    let key = crate::tokens::sha256_hex(&format!("{user_id}/{id}"));
    config.renders_dir().join(format!("{key}.parts"))
}

/// Where part `number` of an export is written: its sound, or the picture of a range.
pub fn export_part_path(config: &Config, user_id: &str, id: &str, number: i64) -> PathBuf {
    let folder = parts_dir(config, user_id, id);
    if number == 0 {
        folder.join("sound.m4a")
    } else {
        folder.join(format!("picture-{number:04}.mp4"))
    }
}

/// The analysis cache of the uploads, stopped by `cancel`.
pub fn library(config: &Config, cancel: &media::process::CancelToken) -> Library {
    Library::new(config.cache_dir(), Limits::default()).with_cancel(cancel)
}

/// The assets of a session as the media layer sees them (probed again: cheap, and the stored
/// file is the truth). A file that no longer reads is named to the user by its file name.
/// Blocking: call from a worker thread.
pub fn load_assets(
    config: &Config,
    records: &[AssetRecord],
) -> Result<BTreeMap<String, Asset>, ApiError> {
    let mut assets = BTreeMap::new();
    for record in records {
        let path = asset_path(config, &record.id);
        let probe = media::probe(&path, &Limits::default()).map_err(|e| {
            eprintln!("asset {}: {e}", record.id);
            ApiError::UnsupportedFile(format!(
                "“{}” can no longer be read (it is damaged or missing); upload it again",
                record.filename
            ))
        })?;
        let asset = Asset {
            id: record.id.clone(),
            path,
            probe,
        };
        assets.insert(record.id.clone(), asset);
    }
    Ok(assets)
}

/// `text` without the server's own folder in it (for messages that reach a client): each
/// path inside the data folder becomes "a file of the server".
pub fn without_paths(text: &str, config: &Config) -> String {
    let data = config.data_dir.display().to_string();
    let absolute = std::fs::canonicalize(&config.data_dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| data.clone());
    let text = replace_paths(text, &absolute, "a file of the server");
    replace_paths(&text, &data, "a file of the server")
}

/// `text` in the user's terms: the path of each of `records` becomes its file name (“talk.mp4”),
/// and any other path of the server goes as in [`without_paths`].
pub fn in_users_terms(text: &str, config: &Config, records: &[AssetRecord]) -> String {
    let mut text = text.to_string();
    for record in records {
        let path = asset_path(config, &record.id);
        let named = format!("“{}”", record.filename);
        if let Ok(absolute) = std::fs::canonicalize(&path) {
            text = text.replace(&absolute.display().to_string(), &named);
        }
        text = text.replace(&path.display().to_string(), &named);
    }
    without_paths(&text, config)
}

/// `text` with each path that starts with `root` (up to the next space, quote, colon or
/// bracket) replaced by `with`.
fn replace_paths(text: &str, root: &str, with: &str) -> String {
    if root.is_empty() {
        return text.to_string();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(root) {
        out.push_str(&rest[..at]);
        out.push_str(with);
        let after = &rest[at..];
        let end = after
            .find(|c: char| c.is_whitespace() || "'\"“”:,;()[]<>".contains(c))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Finishes uploads a process that died left between their commit and their renames: a part
/// file whose asset has a row gets its name (the rest are removed by [`prepare`]).
pub async fn settle_uploads(config: &Config, store: &crate::Store) -> Result<(), String> {
    let media_dir = config.media_dir();
    let Ok(entries) = std::fs::read_dir(&media_dir) else {
        return Ok(());
    };
    let parts: Vec<String> = entries
        .flatten()
        .filter_map(|e| part_of(&e.file_name().to_string_lossy()).map(str::to_string))
        .collect();
    let kept = store
        .known_assets(&parts)
        .await
        .map_err(|e| format!("finishing uploads: {e}"))?;
    for id in kept {
        match std::fs::rename(part_path(&media_dir, &id), media_dir.join(&id)) {
            // Its own server (alive, sharing the folder) named it meanwhile.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(|e| format!("finishing upload {id}: {e}"))?,
        }
    }
    Ok(())
}

/// The folders processes write to, each made if missing.
fn written(config: &Config) -> [PathBuf; 4] {
    [
        config.media_dir(),
        config.renders_dir(),
        config.proxies_dir(),
        config.previews_dir(),
    ]
}

/// Creates the folders the server and workers write to.
pub fn prepare(config: &Config) -> std::io::Result<()> {
    for dir in written(config).iter().chain([&config.cache_dir()]) {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
}

/// Removes what processes that died left half-written (hidden `.….part…` files: an upload or
/// a render cut short). Only for a start alone in the data folder (`presence::enter`): a
/// live process's files in progress look the same.
pub fn remove_partials(config: &Config) -> std::io::Result<()> {
    for dir in written(config) {
        remove_partials_in(&dir)?;
    }
    Ok(())
}

/// Removes the partial files in `dir`, and in the parts folders of long exports in it.
fn remove_partials_in(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if name.ends_with(".parts") {
                remove_partials_in(&entry.path())?;
            }
        } else if name.starts_with('.') && name.contains(".part") {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_server_become_words_and_assets_their_names() {
        let config = Config::with_data_dir(PathBuf::from("/srv/cutline-data"));
        let record = AssetRecord {
            id: "a_0123".into(),
            session_id: "s".into(),
            filename: "talk.mp4".into(),
            kind: media::MediaKind::Video,
            duration_ms: 1,
            width: None,
            height: None,
            fps: None,
            size: 1,
            sha256: String::new(),
        };
        let said = "ffmpeg failed: /srv/cutline-data/media/a_0123: Invalid data; \
                    see /srv/cutline-data/cache/analyses/a_0123/x.json.";
        let text = in_users_terms(said, &config, &[record]);
        assert_eq!(
            text,
            "ffmpeg failed: “talk.mp4”: Invalid data; see a file of the server"
        );
        assert_eq!(
            without_paths("reading /srv/cutline-data/media/a_9 failed", &config),
            "reading a file of the server failed"
        );
        assert_eq!(part_of(".a_0123.part"), Some("a_0123"));
        assert_eq!(part_of("a_0123"), None);
    }
}
