//! The level of the sound over time, finely: a 10 ms window every 2 ms. Pauses need only
//! 10 ms frames, but cutting between two sounds that touch (a filler and the word after it)
//! needs the quiet point between them within a few milliseconds. Pure and streaming: PCM in,
//! one level per step out; memory is the window plus the levels.

use std::collections::VecDeque;

use timeline::SoundLevels;

use crate::analysis::pcm::{self, Decode};
use crate::error::MediaError;

const STEP_MS: u64 = 2;
const WINDOW_MS: u64 = 10;

/// Feed it PCM with [`push`](Self::push), then [`finish`](Self::finish) for the levels.
pub struct LevelMeter {
    step_samples: usize,
    window_samples: usize,
    /// The squares of the last `window_samples` samples, and their sum.
    window: VecDeque<f64>,
    sum: f64,
    seen: usize,
    db: Vec<f32>,
}

impl LevelMeter {
    pub fn new(sample_rate: u32) -> Self {
        let samples = |ms: u64| (sample_rate as u64 * ms / 1000).max(1) as usize;
        let window_samples = samples(WINDOW_MS);
        let mut meter = Self {
            step_samples: samples(STEP_MS),
            window_samples,
            window: VecDeque::with_capacity(window_samples + 1),
            sum: 0.0,
            seen: 0,
            db: Vec::new(),
        };
        // The first windows reach back before the sound: silence there.
        for _ in 0..window_samples / 2 {
            meter.add(0.0);
        }
        meter.seen = 0;
        meter
    }

    pub fn push(&mut self, samples: &[i16]) {
        for &sample in samples {
            let x = sample as f64 / 32768.0;
            self.add(x * x);
            self.seen += 1;
            if self
                .centre()
                .is_some_and(|c| c.is_multiple_of(self.step_samples))
            {
                self.measure();
            }
        }
    }

    /// The sample the window is centred on (it ends half a window after it).
    fn centre(&self) -> Option<usize> {
        self.seen.checked_sub(self.window_samples / 2)
    }

    fn add(&mut self, square: f64) {
        self.window.push_back(square);
        self.sum += square;
        if self.window.len() > self.window_samples {
            self.sum -= self.window.pop_front().unwrap_or(0.0);
        }
    }

    fn measure(&mut self) {
        let mean = (self.sum / self.window_samples as f64).max(0.0);
        let db = if mean > 0.0 {
            10.0 * mean.log10()
        } else {
            -120.0
        };
        self.db.push(db.max(-120.0) as f32);
    }

    /// The levels of the steps whose window has been heard to its end (the last half window
    /// is measured with silence after it).
    pub fn finish(mut self) -> SoundLevels {
        let heard = self.seen;
        for _ in 0..self.window_samples / 2 {
            self.add(0.0);
            self.seen += 1;
            if self
                .centre()
                .is_some_and(|c| c <= heard && c.is_multiple_of(self.step_samples))
            {
                self.measure();
            }
        }
        SoundLevels {
            step_ms: STEP_MS,
            db: self.db,
        }
    }
}

/// The levels of the file's first audio stream.
pub fn sound_levels(decode: Decode) -> Result<SoundLevels, MediaError> {
    let mut meter = LevelMeter::new(pcm::ANALYSIS_SAMPLE_RATE);
    pcm::decode_mono(decode, |chunk| meter.push(chunk))?;
    Ok(meter.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16_000;

    #[test]
    fn levels_follow_a_tone_that_starts_and_stops_to_the_step() {
        // Silence 0–100 ms, a full-scale square wave (0 dBFS) 100–200 ms, silence to 300 ms.
        let mut samples = vec![0i16; 1_600];
        samples.extend((0..1_600).map(|n| if n % 20 < 10 { 32_767 } else { -32_767 }));
        samples.extend(vec![0i16; 1_600]);
        let mut meter = LevelMeter::new(RATE);
        for chunk in samples.chunks(999) {
            meter.push(chunk);
        }
        let levels = meter.finish();
        assert_eq!(levels.step_ms, 2);
        assert_eq!(levels.duration_ms(), 302);
        assert!(levels.at(150).abs() < 0.1, "{}", levels.at(150));
        assert_eq!(levels.at(50), -120.0);
        assert_eq!(levels.at(250), -120.0);
        // At the onset the window is half full: −3 dB.
        assert!((levels.at(100) + 3.0).abs() < 0.2, "{}", levels.at(100));
        assert!(levels.at(94) == -120.0 && levels.at(106) > -1.0);
        assert!((levels.at(200) + 3.0).abs() < 0.2, "{}", levels.at(200));
    }
}
