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
//! listener hears a pause. Loud blips under 30 ms (clicks) do not break a quiet run, nor do
//! bursts shorter than a word (150 ms) without speech energy: a knock on the mic stand is a
//! click and a low thump, and would otherwise split one long pause into pieces, some shorter
//! than the minimum pause and so kept whole. Speech energy is the level above 300 Hz (the
//! telephone band, a second-order high-pass), compared with the same threshold; words have
//! it, hum and thumps do not. Only quiet runs of at least `SilenceMap::MIN_QUIET_MS` are
//! reported. Memory is a fixed window of two bytes per frame plus the list of runs, whatever
//! the length of the clip.

use std::collections::VecDeque;

use timeline::{SilenceMap, TimeRange};

const FRAME_MS: u64 = 10;
/// Frames on each side of the one being classified (4 s): long enough to hold a pause in
/// ordinary talk, short enough to follow a room that gets noisier.
const HALF_WINDOW_FRAMES: usize = 400;
/// Speech shorter than this does not end a quiet run.
const MIN_SPEECH_FRAMES: u64 = 3;
/// A loud burst shorter than this (shorter than a word) ends a quiet run only when at least
/// `MIN_SPEECH_FRAMES` of it have speech energy.
const WORD_FRAMES: u64 = 15;
/// Where the speech band starts for telling speech from hum and thumps (Hz).
const SPEECH_BAND_HZ: f64 = 300.0;
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

/// A second-order Butterworth high-pass (the RBJ cookbook's biquad), run sample by sample.
struct HighPass {
    b: [f64; 3],
    a: [f64; 2],
    x: [f64; 2],
    y: [f64; 2],
}

impl HighPass {
    fn new(cutoff_hz: f64, sample_rate: u32) -> Self {
        let w0 = 2.0 * std::f64::consts::PI * cutoff_hz / sample_rate as f64;
        let alpha = w0.sin() / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
        let a0 = 1.0 + alpha;
        let cos = w0.cos();
        Self {
            b: [
                (1.0 + cos) / 2.0 / a0,
                -(1.0 + cos) / a0,
                (1.0 + cos) / 2.0 / a0,
            ],
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }

    fn next(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// One frame's level bins: the whole sound, and the speech band alone.
#[derive(Clone, Copy)]
struct FrameLevels {
    all: u8,
    speech_band: u8,
}

/// Feed it PCM with [`push`](Self::push), then [`finish`](Self::finish) for the silence map.
pub struct PauseDetector {
    frame_samples: usize,
    frame_sum_squares: f64,
    band_sum_squares: f64,
    frame_filled: usize,
    speech_band: HighPass,
    /// Levels of the frames in the window, oldest first; `window_start` is the first's index.
    window: VecDeque<FrameLevels>,
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
            band_sum_squares: 0.0,
            frame_filled: 0,
            speech_band: HighPass::new(SPEECH_BAND_HZ, sample_rate),
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
            let band = self.speech_band.next(x);
            self.frame_sum_squares += x * x;
            self.band_sum_squares += band * band;
            self.frame_filled += 1;
            if self.frame_filled == self.frame_samples {
                self.end_frame();
            }
        }
    }

    fn end_frame(&mut self) {
        let frames = self.frame_filled as f64;
        let levels = FrameLevels {
            all: level_bin(rms_db(self.frame_sum_squares / frames)),
            speech_band: level_bin(rms_db(self.band_sum_squares / frames)),
        };
        self.frame_sum_squares = 0.0;
        self.band_sum_squares = 0.0;
        self.frame_filled = 0;
        self.window.push_back(levels);
        self.window_levels.add(levels.all);
        self.all_levels.add(levels.all);
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
        if let Some(levels) = self.window.pop_front() {
            self.window_levels.remove(levels.all);
            self.window_start += 1;
        }
    }

    /// Classifies the oldest frame not yet classified, with the window as it stands.
    fn classify_next(&mut self) {
        let index = self.frames_classified;
        let levels = self.window[(index - self.window_start) as usize];
        let threshold = threshold_db(&self.window_levels);
        self.threshold_sum += threshold;
        let loud = |bin: u8| bin_db(bin as usize) > threshold;
        self.runs
            .push(index, loud(levels.all), loud(levels.speech_band));
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

fn rms_db(mean_square: f64) -> f64 {
    if mean_square > 0.0 {
        10.0 * mean_square.log10()
    } else {
        LOWEST_DB
    }
}

/// Builds quiet runs from classified frames, absorbing loud blips shorter than
/// `MIN_SPEECH_FRAMES` and bursts shorter than `WORD_FRAMES` without speech energy.
#[derive(Default)]
struct QuietRuns {
    quiet_start: Option<u64>,
    speech_start: Option<u64>,
    /// Frames of the current loud run with speech energy.
    speech_band_frames: u64,
    runs: Vec<TimeRange>,
}

impl QuietRuns {
    /// One frame: whether it is loud, and whether it is loud in the speech band.
    fn push(&mut self, index: u64, is_loud: bool, has_speech_energy: bool) {
        if is_loud {
            self.speech_start.get_or_insert(index);
            self.speech_band_frames += u64::from(has_speech_energy);
            return;
        }
        match self.speech_start.take() {
            Some(start) if self.is_speech(index - start) => {
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
        self.speech_band_frames = 0;
    }

    /// Whether the loud run that just ended, `frames` long, was speech.
    fn is_speech(&self, frames: u64) -> bool {
        frames >= MIN_SPEECH_FRAMES
            && (frames >= WORD_FRAMES || self.speech_band_frames >= MIN_SPEECH_FRAMES)
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
            Some(start) if self.is_speech(frames - start) => self.close(start),
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

    /// Adds `burst(t)` (t in seconds from its start) to `samples` from `at_ms` for `ms`.
    fn add_burst(samples: &mut [i16], at_ms: u64, ms: u64, burst: impl Fn(f64) -> f64) {
        let start = (at_ms * RATE as u64 / 1000) as usize;
        for n in 0..(ms * RATE as u64 / 1000) as usize {
            let t = n as f64 / RATE as f64;
            let x = samples[start + n] as f64 / 32767.0 + burst(t);
            samples[start + n] = (x.clamp(-1.0, 1.0) * 32767.0) as i16;
        }
    }

    /// A knock: a 4 ms click and a 65 Hz thump ringing for 90 ms.
    fn knock(t: f64) -> f64 {
        let thump = 0.2 * (-t / 0.025).exp() * (t * 2.0 * std::f64::consts::PI * 65.0).sin();
        let click = if t < 0.004 {
            0.5 * (-t / 0.001).exp()
        } else {
            0.0
        };
        thump + click
    }

    #[test]
    fn a_knock_shorter_than_a_word_does_not_split_a_pause() {
        let plan = [(true, 1_000), (false, 3_000), (true, 1_000)];
        let mut samples = signal(&plan, -20.0, -60.0);
        add_burst(&mut samples, 1_400, 90, knock);
        add_burst(&mut samples, 3_550, 90, knock);
        assert_runs_near(&detect(&samples).quiet, &[(1_000, 4_000)]);
    }

    #[test]
    fn a_short_word_between_two_pauses_still_splits_them() {
        // "I", 120 ms of voice (energy above 300 Hz), alone in a pause: it is speech.
        let plan = [(true, 1_000), (false, 3_000), (true, 1_000)];
        let mut samples = signal(&plan, -20.0, -60.0);
        add_burst(&mut samples, 2_400, 120, |t| {
            let amp = 10f64.powf(-20.0 / 20.0) * 2f64.sqrt();
            amp * ((t * 2.0 * std::f64::consts::PI * 140.0).sin()
                + (t * 2.0 * std::f64::consts::PI * 700.0).sin())
                / 2.0
        });
        assert_runs_near(&detect(&samples).quiet, &[(1_000, 2_400), (2_520, 4_000)]);
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
