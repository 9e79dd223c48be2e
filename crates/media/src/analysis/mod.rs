//! Analyses of an asset's media, computed from numbers ffmpeg decodes (never from its logs)
//! and cached per asset.
//!
//! - [`pcm`]: the audio decoded to mono 16-bit PCM and streamed in chunks.
//! - [`pauses`]: the pure, streaming pause detector (an adaptive threshold from the clip's own
//!   noise floor) that turns PCM into a `timeline::SilenceMap`.

pub mod pauses;
pub mod pcm;

use std::path::Path;

use timeline::SilenceMap;

use crate::error::MediaError;
use crate::limits::Limits;
use crate::probe::Probe;

/// Decodes the file's first audio stream and finds its quiet runs. `on_progress` gets the
/// fraction of the audio read so far.
pub fn silence_map(
    path: &Path,
    probe: &Probe,
    limits: &Limits,
    mut on_progress: impl FnMut(f64),
) -> Result<SilenceMap, MediaError> {
    if probe.audio.is_none() {
        return Err(MediaError::NoAudio {
            path: path.to_path_buf(),
        });
    }
    let mut detector = pauses::PauseDetector::new(pcm::ANALYSIS_SAMPLE_RATE);
    let total_samples = probe.duration_ms.max(1) as f64 * pcm::ANALYSIS_SAMPLE_RATE as f64 / 1000.0;
    let mut read_samples = 0u64;
    pcm::decode_mono(path, probe, limits, |chunk| {
        detector.push(chunk);
        read_samples += chunk.len() as u64;
        on_progress((read_samples as f64 / total_samples).min(1.0));
    })?;
    let map = detector.finish();
    // A decode that stops well short of the probed length means the file is cut off.
    let shortfall_ms = probe.duration_ms.saturating_sub(map.duration_ms);
    if shortfall_ms > 1000 && shortfall_ms * 20 > probe.duration_ms {
        return Err(MediaError::damaged(
            path,
            format!(
                "its audio ends at {} of {}",
                timeline::format_clock(map.duration_ms),
                timeline::format_clock(probe.duration_ms)
            ),
        ));
    }
    Ok(map)
}
