//! Local assets for the one-shot command line: every file the user names gets a stable asset
//! id, and its analyses are cached under that id, so a second edit of the same clip does not
//! decode its audio again.
//!
//! Layout under the cache root (`CUTLINE_CACHE`, else `$XDG_CACHE_HOME/cutline`, else
//! `~/.cache/cutline`):
//!
//! ```text
//! assets/<id>.json              where the asset's file is (so drafts can name it by id)
//! analyses/<id>/silence-v2.json  the silence map (the version changes with the detector)
//! analyses/<id>/picture-v1.json  whether the picture looks like a screen recording
//! ```
//!
//! The id hashes the file's absolute path, size and modification time: editing the file gives
//! it a new id, so a cached analysis can never describe other content. The cache is a help,
//! not a requirement: when it cannot be written, work goes on without it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use timeline::SilenceMap;

use crate::analysis;
use crate::error::MediaError;
use crate::limits::Limits;
use crate::picture::{self, PictureTraits};
use crate::probe::{absolute_file, probe, Probe};
use crate::process::CancelToken;

/// Bump when the pause detector changes what it finds.
const SILENCE_CACHE_NAME: &str = "silence-v2.json";
const PICTURE_CACHE_NAME: &str = "picture-v1.json";
const LEVELS_CACHE_NAME: &str = "levels-v1.json";

/// A probed local file with its id.
#[derive(Clone, Debug)]
pub struct Asset {
    pub id: String,
    pub path: PathBuf,
    pub probe: Probe,
}

/// What a render needs of these assets, by id.
pub fn render_sources(
    assets: &std::collections::BTreeMap<String, Asset>,
) -> crate::render::Sources {
    assets
        .iter()
        .map(|(id, asset)| {
            let source = crate::render::Source {
                path: asset.path.clone(),
                probe: asset.probe.clone(),
            };
            (id.clone(), source)
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
struct AssetRecord {
    path: PathBuf,
}

pub struct Library {
    root: PathBuf,
    limits: Limits,
    cancel: CancelToken,
}

impl Library {
    pub fn new(root: PathBuf, limits: Limits) -> Self {
        Self {
            root,
            limits,
            cancel: CancelToken::new(),
        }
    }

    /// Analyses stop when `token` is cancelled.
    pub fn with_cancel(mut self, token: &CancelToken) -> Self {
        self.cancel = token.clone();
        self
    }

    /// The library at the user's cache location.
    pub fn at_default_location(limits: Limits) -> Self {
        Self::new(default_cache_root(), limits)
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The token that stops this library's work.
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }

    /// Probes a file (refusing what is over the limits) and gives it an id.
    pub fn add(&self, path: &Path) -> Result<Asset, MediaError> {
        let path = absolute_file(path)?;
        let probe = probe(&path, &self.limits)?;
        let id = asset_id(&path)?;
        let record = serde_json::to_vec(&AssetRecord { path: path.clone() })
            .map_err(|e| MediaError::Internal(e.to_string()))?;
        let _ = write_atomically(
            &self.root.join("assets").join(format!("{id}.json")),
            &record,
        );
        Ok(Asset { id, path, probe })
    }

    /// The file an asset id names, if this library has seen it.
    pub fn path_of(&self, id: &str) -> Option<PathBuf> {
        if !is_asset_id(id) {
            return None;
        }
        let record = fs::read(self.root.join("assets").join(format!("{id}.json"))).ok()?;
        let record: AssetRecord = serde_json::from_slice(&record).ok()?;
        Some(record.path)
    }

    /// The asset's silence map, from the cache or freshly analysed (and then cached).
    pub fn silence_map(
        &self,
        asset: &Asset,
        on_progress: impl FnMut(f64),
    ) -> Result<SilenceMap, MediaError> {
        self.cached(asset, SILENCE_CACHE_NAME, || {
            analysis::silence_map(self.decode(asset), on_progress)
        })
    }

    /// How loud the asset's sound is over time (for cuts between two sounds), from the cache
    /// or decoded once (and then cached).
    pub fn sound_levels(&self, asset: &Asset) -> Result<timeline::SoundLevels, MediaError> {
        self.cached(asset, LEVELS_CACHE_NAME, || {
            analysis::levels::sound_levels(self.decode(asset))
        })
    }

    /// What the asset's picture is like (a screen recording or not), from the cache or from
    /// a few sampled frames (and then cached).
    pub fn picture_traits(&self, asset: &Asset) -> Result<PictureTraits, MediaError> {
        self.cached(asset, PICTURE_CACHE_NAME, || {
            let frames = picture::sample_frames(picture::Sample {
                path: &asset.path,
                probe: &asset.probe,
                limits: &self.limits,
                cancel: &self.cancel,
            })?;
            Ok(PictureTraits::measure(&frames))
        })
    }

    /// How this library decodes an asset (its limits, its cancel token).
    pub fn decode<'a>(&'a self, asset: &'a Asset) -> analysis::Decode<'a> {
        analysis::Decode {
            path: &asset.path,
            probe: &asset.probe,
            limits: &self.limits,
            cancel: &self.cancel,
        }
    }

    /// An analysis of `asset` cached as JSON under `name` (which should carry a version):
    /// read from the cache when there, else computed by `compute` and cached.
    pub fn cached<T, E>(
        &self,
        asset: &Asset,
        name: &str,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E>
    where
        T: Serialize + for<'de> Deserialize<'de>,
    {
        let path = self.root.join("analyses").join(&asset.id).join(name);
        if let Some(value) = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<T>(&bytes).ok())
        {
            return Ok(value);
        }
        let value = compute()?;
        if let Ok(bytes) = serde_json::to_vec(&value) {
            let _ = write_atomically(&path, &bytes);
        }
        Ok(value)
    }
}

fn default_cache_root() -> PathBuf {
    if let Some(root) = std::env::var_os("CUTLINE_CACHE") {
        return PathBuf::from(root);
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("cutline");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("cutline"),
        None => std::env::temp_dir().join("cutline-cache"),
    }
}

/// `a_` and 16 hex digits of FNV-1a over the path, size and modification time.
fn asset_id(path: &Path) -> Result<String, MediaError> {
    let metadata = fs::metadata(path).map_err(|e| MediaError::io("reading file details", e))?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &byte in bytes {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    feed(path.as_os_str().as_encoded_bytes());
    feed(&metadata.len().to_le_bytes());
    feed(&modified.to_le_bytes());
    Ok(format!("a_{hash:016x}"))
}

/// Whether a draft's `src` looks like an asset id rather than a path.
pub fn is_asset_id(text: &str) -> bool {
    text.len() == 18 && text.starts_with("a_") && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes to a temporary file in the same folder, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder)?;
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    file.write_all(bytes)?;
    // A temporary file is private (0600); what it becomes is an ordinary file.
    fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644))?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_ids_change_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.wav");
        fs::write(&path, b"one").unwrap();
        let first = asset_id(&path).unwrap();
        assert!(is_asset_id(&first), "{first}");
        assert_eq!(first, asset_id(&path).unwrap());
        fs::write(&path, b"longer").unwrap();
        assert_ne!(first, asset_id(&path).unwrap());
        assert!(!is_asset_id("clip.mp4"));
    }
}
