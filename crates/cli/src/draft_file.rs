//! Draft files as the command line reads and writes them.
//!
//! In a draft file a segment's `src` is either an asset id this machine's library knows or a
//! path, relative to the draft file's folder. Reading resolves every source to a probed asset
//! (so the Draft handed on holds only asset ids); writing turns the ids back into relative
//! paths, so a saved draft keeps working when its folder is moved with the media.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use media::library::{write_atomically, Asset, Library};
use timeline::{Draft, DraftMeta};

/// The draft of one clip played whole, on a canvas of its own shape and size (capped at
/// 1920 pixels on the long side), at its frame rate (at most 60 fps).
pub fn of_clip(asset: &Asset) -> Result<Draft, String> {
    let video = asset
        .probe
        .video
        .as_ref()
        .ok_or_else(|| format!("{}: has no video to edit", asset.path.display()))?;
    let meta = DraftMeta::for_clip(video.display_size(), video.fps.as_f64());
    Ok(Draft::single_clip(&asset.id, asset.probe.duration_ms, meta))
}

/// A draft whose sources are all assets of the library.
pub struct LoadedDraft {
    pub draft: Draft,
    pub assets: BTreeMap<String, Asset>,
}

pub fn load(path: &Path, library: &Library) -> Result<LoadedDraft, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut draft =
        timeline::wire::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut assets: BTreeMap<String, Asset> = BTreeMap::new();
    let mut resolved: BTreeMap<String, String> = BTreeMap::new();
    for track in &mut draft.tracks {
        for segment in &mut track.segments {
            let Some(src) = segment.src.clone() else {
                continue;
            };
            if let Some(id) = resolved.get(&src) {
                segment.src = Some(id.clone());
                continue;
            }
            let file = library.path_of(&src).unwrap_or_else(|| folder.join(&src));
            let asset = library
                .add(&file)
                .map_err(|e| format!("{}: segment {}: {e}", path.display(), segment.id))?;
            resolved.insert(src, asset.id.clone());
            segment.src = Some(asset.id.clone());
            assets.insert(asset.id.clone(), asset);
        }
    }
    timeline::validate(&draft, |id| assets.contains_key(id))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(LoadedDraft { draft, assets })
}

/// Writes `draft` to `path` with every asset id replaced by its file's path relative to the
/// draft file's folder.
pub fn save(path: &Path, draft: &Draft, assets: &BTreeMap<String, Asset>) -> Result<(), String> {
    let unwritable = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let absolute = std::path::absolute(path).map_err(unwritable)?;
    let folder = absolute.parent().unwrap_or(Path::new("/"));
    let mut portable = draft.clone();
    for track in &mut portable.tracks {
        for segment in &mut track.segments {
            if let Some(asset) = segment.src.as_ref().and_then(|id| assets.get(id)) {
                segment.src = Some(
                    relative_path(folder, &asset.path)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    write_atomically(&absolute, timeline::wire::to_json(&portable).as_bytes()).map_err(unwritable)
}

/// `target` as seen from `folder` (both absolute): `../media/clip.mp4`.
fn relative_path(folder: &Path, target: &Path) -> PathBuf {
    let from: Vec<Component> = folder.components().collect();
    let to: Vec<Component> = target.components().collect();
    let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in shared..from.len() {
        relative.push("..");
    }
    for component in &to[shared..] {
        relative.push(component);
    }
    relative
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_only_as_far_as_needed() {
        let rel = |a: &str, b: &str| relative_path(Path::new(a), Path::new(b));
        assert_eq!(
            rel("/w/drafts", "/w/drafts/clip.mp4"),
            PathBuf::from("clip.mp4")
        );
        assert_eq!(
            rel("/w/drafts", "/w/media/clip.mp4"),
            PathBuf::from("../media/clip.mp4")
        );
        assert_eq!(rel("/", "/clip.mp4"), PathBuf::from("clip.mp4"));
    }
}
