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
