//! Pause detection on PCM, streaming, with an adaptive threshold from the clip's own noise.
//!
//! The audio is cut into 10 ms frames and each frame's level (RMS, dBFS) is measured. A frame
//! counts as speech when it is louder than a threshold set from its neighbourhood (±4 s):
//!
//! ```text
//! floor     = 5th percentile of the levels around it   (the room: hum, hiss, pink noise)
//! speech    = 90th percentile                          (how loud talking is here)
//! threshold = floor + clamp(0.3 × (speech − floor), 6 dB, 20 dB)
//! ```
//!
//! so a noisy room (floor −38 dBFS) and a quiet studio (floor −75 dBFS) are both split where a
//! listener hears a pause. Speech blips under 30 ms (clicks) do not break a quiet run, and only
//! quiet runs of at least `SilenceMap::MIN_QUIET_MS` are reported. Memory is a fixed window of
//! one byte per frame plus the list of runs, whatever the length of the clip.

use std::collections::VecDeque;

use timeline::{SilenceMap, TimeRange};

const FRAME_MS: u64 = 10;
/// Frames on each side of the one being classified (4 s): long enough to hold a pause in
/// ordinary talk, short enough to follow a room that gets noisier.
const HALF_WINDOW_FRAMES: usize = 400;
/// Speech shorter than this does not end a quiet run.
const MIN_SPEECH_FRAMES: u64 = 3;
const FLOOR_PERCENTILE: f64 = 0.05;
const SPEECH_PERCENTILE: f64 = 0.90;
const MIN_MARGIN_DB: f64 = 6.0;
const MAX_MARGIN_DB: f64 = 20.0;
const MARGIN_SHARE: f64 = 0.3;

/// Levels are kept as half-dB bins from −120 dBFS (bin 0) to 0 dBFS (bin 240).
const BINS: usize = 241;
const LOWEST_DB: f64 = -120.0;

fn level_bin(db: f64) -> u8 {
    ((db.clamp(LOWEST_DB, 0.0) - LOWEST_DB) * 2.0).round() as u8
}

fn bin_db(bin: usize) -> f64 {
    LOWEST_DB + bin as f64 / 2.0
}

/// A histogram of level bins that can report percentiles.
#[derive(Clone)]
struct LevelHistogram {
    counts: [u32; BINS],
    total: u32,
}

impl LevelHistogram {
    fn new() -> Self {
        Self {
            counts: [0; BINS],
            total: 0,
        }
    }

    fn add(&mut self, bin: u8) {
        self.counts[bin as usize] += 1;
        self.total += 1;
    }

    fn remove(&mut self, bin: u8) {
        self.counts[bin as usize] -= 1;
        self.total -= 1;
    }

    fn percentile_db(&self, fraction: f64) -> f64 {
        let wanted = ((self.total as f64 * fraction).ceil() as u32).max(1);
        let mut seen = 0;
        for (bin, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return bin_db(bin);
            }
        }
        0.0
    }
}

/// The speech threshold for a neighbourhood with this level histogram.
fn threshold_db(levels: &LevelHistogram) -> f64 {
    let floor = levels.percentile_db(FLOOR_PERCENTILE);
    let speech = levels.percentile_db(SPEECH_PERCENTILE);
    floor + (MARGIN_SHARE * (speech - floor)).clamp(MIN_MARGIN_DB, MAX_MARGIN_DB)
}

/// Feed it PCM with [`push`](Self::push), then [`finish`](Self::finish) for the silence map.
pub struct PauseDetector {
    frame_samples: usize,
    frame_sum_squares: f64,
    frame_filled: usize,
    /// Level bins of the frames in the window, oldest first; `window_start` is the first's index.
    window: VecDeque<u8>,
    window_start: u64,
    window_levels: LevelHistogram,
    all_levels: LevelHistogram,
    frames_measured: u64,
    frames_classified: u64,
    threshold_sum: f64,
    runs: QuietRuns,
}

impl PauseDetector {
    pub fn new(sample_rate: u32) -> Self {
        Self {
            frame_samples: (sample_rate as u64 * FRAME_MS / 1000).max(1) as usize,
            frame_sum_squares: 0.0,
            frame_filled: 0,
            window: VecDeque::with_capacity(2 * HALF_WINDOW_FRAMES + 1),
            window_start: 0,
            window_levels: LevelHistogram::new(),
            all_levels: LevelHistogram::new(),
            frames_measured: 0,
            frames_classified: 0,
            threshold_sum: 0.0,
            runs: QuietRuns::default(),
        }
    }

    pub fn push(&mut self, samples: &[i16]) {
        for &sample in samples {
            let x = sample as f64 / 32768.0;
            self.frame_sum_squares += x * x;
            self.frame_filled += 1;
            if self.frame_filled == self.frame_samples {
                self.end_frame();
            }
        }
    }

    fn end_frame(&mut self) {
        let rms = (self.frame_sum_squares / self.frame_filled as f64).sqrt();
        let db = if rms > 0.0 {
            20.0 * rms.log10()
        } else {
            LOWEST_DB
        };
        self.frame_sum_squares = 0.0;
        self.frame_filled = 0;
        let bin = level_bin(db);
        self.window.push_back(bin);
        self.window_levels.add(bin);
        self.all_levels.add(bin);
        self.frames_measured += 1;
        while self.window.len() > 2 * HALF_WINDOW_FRAMES + 1 {
            self.drop_oldest();
        }
        let newest = self.frames_measured - 1;
        if newest >= HALF_WINDOW_FRAMES as u64 {
            self.classify_next();
        }
    }

    fn drop_oldest(&mut self) {
        if let Some(bin) = self.window.pop_front() {
            self.window_levels.remove(bin);
            self.window_start += 1;
        }
    }

    /// Classifies the oldest frame not yet classified, with the window as it stands.
    fn classify_next(&mut self) {
        let index = self.frames_classified;
        let bin = self.window[(index - self.window_start) as usize];
        let threshold = threshold_db(&self.window_levels);
        self.threshold_sum += threshold;
        self.runs.push(index, bin_db(bin as usize) > threshold);
        self.frames_classified += 1;
    }

    /// Classifies the frames still waiting for their right-hand context and returns the map.
    pub fn finish(mut self) -> SilenceMap {
        if self.frame_filled * 2 >= self.frame_samples {
            self.end_frame();
        }
        while self.frames_classified < self.frames_measured {
            let left_edge = self
                .frames_classified
                .saturating_sub(HALF_WINDOW_FRAMES as u64);
            while self.window_start < left_edge {
                self.drop_oldest();
            }
            self.classify_next();
        }
        let frames = self.frames_measured;
        SilenceMap {
            duration_ms: frames * FRAME_MS,
            quiet: self.runs.finish(frames),
            noise_floor_db: self.all_levels.percentile_db(FLOOR_PERCENTILE) as f32,
            threshold_db: (self.threshold_sum / frames.max(1) as f64) as f32,
        }
    }
}

/// Builds quiet runs from classified frames, absorbing speech blips shorter than
/// `MIN_SPEECH_FRAMES`.
#[derive(Default)]
struct QuietRuns {
    quiet_start: Option<u64>,
    speech_start: Option<u64>,
    runs: Vec<TimeRange>,
}

impl QuietRuns {
    fn push(&mut self, index: u64, is_speech: bool) {
        if is_speech {
            self.speech_start.get_or_insert(index);
            return;
        }
        match self.speech_start.take() {
            Some(start) if index - start >= MIN_SPEECH_FRAMES => {
                self.close(start);
                self.quiet_start = Some(index);
            }
            Some(blip_start) => {
                self.quiet_start.get_or_insert(blip_start);
            }
            None => {
                self.quiet_start.get_or_insert(index);
            }
        }
    }

    fn close(&mut self, end_frame: u64) {
        if let Some(start) = self.quiet_start.take() {
            let run = TimeRange::new(start * FRAME_MS, end_frame * FRAME_MS);
            if run.duration_ms() >= SilenceMap::MIN_QUIET_MS {
                self.runs.push(run);
            }
        }
    }

    fn finish(mut self, frames: u64) -> Vec<TimeRange> {
        match self.speech_start {
            Some(start) if frames - start >= MIN_SPEECH_FRAMES => self.close(start),
            Some(blip_start) => {
                self.quiet_start.get_or_insert(blip_start);
                self.close(frames);
            }
            None => self.close(frames),
        }
        self.runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16_000;

    /// A deterministic noise generator (xorshift), so tests need no files.
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        }
    }

    /// Tone bursts ("speech") at `tone_db` over white noise at `noise_db`; `plan` lists
    /// (is_speech, ms) pieces.
    fn signal(plan: &[(bool, u64)], tone_db: f64, noise_db: f64) -> Vec<i16> {
        let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
        let noise_amp = 10f64.powf(noise_db / 20.0) * 3f64.sqrt();
        let tone_amp = 10f64.powf(tone_db / 20.0) * 2f64.sqrt();
        let mut out = Vec::new();
        for &(speech, ms) in plan {
            for n in 0..(ms * RATE as u64 / 1000) {
                let t = n as f64 / RATE as f64;
                let tone = if speech {
                    tone_amp * (t * 2.0 * std::f64::consts::PI * 220.0).sin()
                } else {
                    0.0
                };
                out.push(((tone + noise_amp * noise.next()) * 32767.0) as i16);
            }
        }
        out
    }

    fn detect(samples: &[i16]) -> SilenceMap {
        let mut detector = PauseDetector::new(RATE);
        for chunk in samples.chunks(4_000) {
            detector.push(chunk);
        }
        detector.finish()
    }

    fn assert_runs_near(found: &[TimeRange], expected: &[(u64, u64)]) {
        assert_eq!(found.len(), expected.len(), "{found:?}");
        for (run, &(start, end)) in found.iter().zip(expected) {
            assert!(
                run.start_ms.abs_diff(start) <= 20 && run.end_ms.abs_diff(end) <= 20,
                "{run:?} vs {start}–{end}"
            );
        }
    }

    const PLAN: &[(bool, u64)] = &[
        (false, 1_000),
        (true, 2_000),
        (false, 700),
        (true, 1_500),
        (false, 1_200),
        (true, 800),
        (false, 300),
    ];
    const EXPECTED: &[(u64, u64)] = &[(0, 1_000), (3_000, 3_700), (5_200, 6_400), (7_200, 7_500)];

    #[test]
    fn finds_pauses_over_room_noise() {
        let map = detect(&signal(PLAN, -20.0, -50.0));
        assert_runs_near(&map.quiet, EXPECTED);
        assert!(
            (map.noise_floor_db + 50.0).abs() < 3.0,
            "floor {}",
            map.noise_floor_db
        );
        assert_eq!(map.duration_ms, 7_500);
    }

    #[test]
    fn finds_the_same_pauses_in_a_noisy_room_and_a_quiet_studio() {
        assert_runs_near(&detect(&signal(PLAN, -20.0, -36.0)).quiet, EXPECTED);
        assert_runs_near(&detect(&signal(PLAN, -20.0, -80.0)).quiet, EXPECTED);
    }

    #[test]
    fn digital_silence_and_a_click_are_one_pause() {
        let mut samples = signal(
            &[(true, 1_000), (false, 2_000), (true, 1_000)],
            -20.0,
            -200.0,
        );
        // A 10 ms click in the middle of the silence.
        for s in &mut samples[24_000..24_160] {
            *s = 8_000;
        }
        assert_runs_near(&detect(&samples).quiet, &[(1_000, 3_000)]);
    }

    #[test]
    fn long_clips_follow_a_room_that_gets_noisier() {
        // The room gets 20 dB noisier half way through a 60 s clip. Every pause is found,
        // except those within one window (4 s) of the change, which is still being learnt.
        let mut plan = Vec::new();
        for _ in 0..10 {
            plan.extend([(true, 2_000), (false, 1_000)]);
        }
        let quiet_half = signal(&plan, -20.0, -60.0);
        let noisy_half = signal(&plan, -20.0, -40.0);
        let map = detect(&[quiet_half, noisy_half].concat());
        let learning = 30_000..30_000 + HALF_WINDOW_FRAMES as u64 * FRAME_MS;
        for pause_start in (2_000..60_000).step_by(3_000) {
            let found = map.quiet.iter().any(|run| {
                run.start_ms.abs_diff(pause_start) <= 20
                    && run.end_ms.abs_diff(pause_start + 1_000) <= 20
            });
            assert!(
                found || learning.contains(&pause_start),
                "pause at {pause_start} ms: {:?}",
                map.quiet
            );
        }
        assert!(map.quiet.len() >= 19, "{:?}", map.quiet);
    }
}
