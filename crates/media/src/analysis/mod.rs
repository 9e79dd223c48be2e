//! Analyses of an asset's media, computed from numbers ffmpeg decodes (never from its logs)
//! and cached per asset.
//!
//! - [`pcm`]: the audio decoded to mono 16-bit PCM and streamed in chunks.
//! - [`pauses`]: the pure, streaming pause detector (an adaptive threshold from the clip's own
//!   noise floor) that turns PCM into a `timeline::SilenceMap`.
//! - [`levels`]: the level every 2 ms (`timeline::SoundLevels`), for cuts between two sounds.

pub mod levels;
pub mod pauses;
pub mod pcm;

use timeline::SilenceMap;

use crate::error::MediaError;
pub use pcm::Decode;

/// Decodes the file's first audio stream and finds its quiet runs. `on_progress` gets the
/// fraction of the audio read so far.
pub fn silence_map(
    decode: Decode,
    mut on_progress: impl FnMut(f64),
) -> Result<SilenceMap, MediaError> {
    let (path, probe) = (decode.path, decode.probe);
    let Some(audio) = &probe.audio else {
        return Err(MediaError::NoAudio {
            path: path.to_path_buf(),
        });
    };
    let expected_ms = audio.duration_ms.unwrap_or(probe.duration_ms);
    let mut detector = pauses::PauseDetector::new(pcm::ANALYSIS_SAMPLE_RATE);
    let total_samples = expected_ms.max(1) as f64 * pcm::ANALYSIS_SAMPLE_RATE as f64 / 1000.0;
    let mut read_samples = 0u64;
    pcm::decode_mono(decode, |chunk| {
        detector.push(chunk);
        read_samples += chunk.len() as u64;
        on_progress((read_samples as f64 / total_samples).min(1.0));
    })?;
    let mut map = detector.finish();
    // A decode that stops well short of the probed length means the file is cut off.
    let shortfall_ms = expected_ms.saturating_sub(map.duration_ms);
    if shortfall_ms > 1000 && shortfall_ms * 20 > expected_ms {
        return Err(MediaError::damaged(
            path,
            format!(
                "its audio ends at {} of {}",
                timeline::format_clock(map.duration_ms),
                timeline::format_clock(expected_ms)
            ),
        ));
    }
    extend_past_the_sound(&mut map, probe.duration_ms);
    Ok(map)
}

/// Where the picture goes on after the sound has ended, the clip is silent: that is quiet too.
fn extend_past_the_sound(map: &mut SilenceMap, clip_ms: u64) {
    if clip_ms <= map.duration_ms {
        return;
    }
    match map.quiet.last_mut() {
        Some(last) if last.end_ms >= map.duration_ms => last.end_ms = clip_ms,
        _ => map
            .quiet
            .push(timeline::TimeRange::new(map.duration_ms, clip_ms)),
    }
    map.duration_ms = clip_ms;
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::TimeRange;

    #[test]
    fn a_clip_whose_sound_ends_early_is_quiet_to_its_end() {
        let mut map = SilenceMap {
            duration_ms: 9_840,
            quiet: vec![TimeRange::new(8_300, 9_840)],
            noise_floor_db: -50.0,
            threshold_db: -40.0,
        };
        extend_past_the_sound(&mut map, 11_400);
        assert_eq!(map.quiet, [TimeRange::new(8_300, 11_400)]);
        map.quiet = vec![TimeRange::new(1_000, 2_000)];
        map.duration_ms = 9_840;
        extend_past_the_sound(&mut map, 11_400);
        assert_eq!(map.quiet.last(), Some(&TimeRange::new(9_840, 11_400)));
    }
}
