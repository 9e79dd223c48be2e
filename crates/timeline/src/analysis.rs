//! Analysis results that edits consume. They are computed by `media` (which reads the audio)
//! and cached per asset; here they are only data, so the edits that use them stay pure.

use serde::{Deserialize, Serialize};

use crate::time::TimeRange;

/// Where an asset's audio is quiet: every run of non-speech at least
/// [`SilenceMap::MIN_QUIET_MS`] long, in source time. It does not depend on the user's
/// `--min-pause` or `--padding`: those are applied by the trim edit, so one analysis serves
/// every setting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SilenceMap {
    /// How much audio was analysed.
    pub duration_ms: u64,
    /// Quiet runs, sorted, not overlapping.
    pub quiet: Vec<TimeRange>,
    /// The noise floor the threshold was set from (dBFS).
    pub noise_floor_db: f32,
    /// Frames quieter than this (dBFS) counted as non-speech.
    pub threshold_db: f32,
}

impl SilenceMap {
    /// Shorter quiet runs are gaps inside words (stop consonants), never pauses.
    pub const MIN_QUIET_MS: u64 = 100;
}

/// How loud an asset's sound is over time: the level (RMS, dBFS) of a 10 ms window centred on
/// every `step_ms`. Edits that must cut between two sounds (a filler and the next word) look
/// for the quiet point here instead of trusting a recogniser's times.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SoundLevels {
    pub step_ms: u64,
    /// `db[i]` is the level around `i × step_ms`.
    pub db: Vec<f32>,
}

impl SoundLevels {
    /// The level around `ms` (the nearest step; silence past the end).
    pub fn at(&self, ms: u64) -> f32 {
        let index = (ms + self.step_ms / 2) / self.step_ms.max(1);
        self.db.get(index as usize).copied().unwrap_or(-120.0)
    }

    /// The sound's length as measured.
    pub fn duration_ms(&self) -> u64 {
        self.db.len() as u64 * self.step_ms
    }
}
