//! The output's frames on the timeline: one grid for the whole export.
//!
//! Frame `k` is shown from `k / fps`, and it shows what the timeline holds at that moment, so
//! a segment `[start, end)` owns frames `ceil(start·fps)` up to `ceil(end·fps)`. A render
//! makes every segment exactly its frames, and each part of an export made in parts
//! (`parts`) starts on this grid: the parts' frames are then the whole render's, and the
//! picture never drifts from the sound, which follows the Draft's milliseconds exactly.

/// A frame rate as an exact fraction: NTSC rates as 30000/1001, others to a thousandth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameRate {
    pub num: u64,
    pub den: u64,
}

impl FrameRate {
    /// The exact rate meant by `fps` (30 when it is not a positive number).
    pub fn of(fps: f64) -> Self {
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            30.0
        };
        for nominal in [24, 30, 48, 60, 120] {
            if (fps - nominal as f64 / 1.001).abs() < 0.005 {
                return Self {
                    num: nominal * 1000,
                    den: 1001,
                };
            }
        }
        let thousandths = (fps * 1000.0).round().max(1.0) as u64;
        let divisor = gcd(thousandths, 1000);
        Self {
            num: thousandths / divisor,
            den: 1000 / divisor,
        }
    }

    /// The first frame shown at or after `ms`: `ceil(ms · fps / 1000)`.
    pub fn first_frame_from(self, ms: u64) -> u64 {
        (ms * self.num).div_ceil(1000 * self.den)
    }

    /// When frame `frame` starts, in (fractional) milliseconds.
    pub fn frame_start_ms(self, frame: u64) -> f64 {
        (frame * self.den * 1000) as f64 / self.num as f64
    }

    /// How many frames a segment `[start_ms, end_ms)` of the timeline owns.
    pub fn frames_in(self, start_ms: u64, end_ms: u64) -> u64 {
        self.first_frame_from(end_ms) - self.first_frame_from(start_ms)
    }

    /// The shortest whole number of frames that is a whole number of milliseconds long, in
    /// ms: 100 at 30 fps, 40 at 25, 125 at 24, 1001 at 29.97 and 23.976. A time that is a
    /// multiple of it is a frame's start.
    pub fn grid_ms(self) -> u64 {
        let frames = self.num / gcd(self.num, self.den * 1000);
        frames * self.den * 1000 / self.num
    }

    /// The rate as ffmpeg reads it (`30000/1001`, `30`).
    pub fn expression(self) -> String {
        if self.den == 1 {
            self.num.to_string()
        } else {
            format!("{}/{}", self.num, self.den)
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_exact_fractions() {
        assert_eq!(FrameRate::of(29.97).expression(), "30000/1001");
        assert_eq!(FrameRate::of(23.976).expression(), "24000/1001");
        assert_eq!(FrameRate::of(59.94).expression(), "60000/1001");
        assert_eq!(FrameRate::of(30.0).expression(), "30");
        assert_eq!(FrameRate::of(12.5).expression(), "25/2");
        assert_eq!(FrameRate::of(f64::NAN).expression(), "30");
    }

    #[test]
    fn the_grid_is_the_shortest_whole_millisecond_run_of_frames() {
        let grid = |fps| FrameRate::of(fps).grid_ms();
        assert_eq!(
            [grid(30.0), grid(25.0), grid(24.0), grid(29.97), grid(60.0)],
            [100, 40, 125, 1001, 50]
        );
    }

    #[test]
    fn a_segment_owns_the_frames_that_start_inside_it() {
        let rate = FrameRate::of(30.0);
        // Frames start at 0, 33.3, 66.7, 100 ms: [10, 40) owns 33.3 only; [0, 1000) 30.
        assert_eq!(rate.first_frame_from(10), 1);
        assert_eq!(rate.frames_in(10, 40), 1);
        assert_eq!(rate.frames_in(0, 1000), 30);
        assert_eq!(
            rate.first_frame_from(100),
            3,
            "a frame starting exactly there"
        );
        // Contiguous segments share their edge frame count: nothing lost, nothing doubled.
        let ntsc = FrameRate::of(29.97);
        let edges = [0, 1_033, 2_017, 7_250, 9_999];
        let owned: u64 = edges.windows(2).map(|w| ntsc.frames_in(w[0], w[1])).sum();
        assert_eq!(owned, ntsc.first_frame_from(9_999));
        assert!((ntsc.frame_start_ms(30) - 1001.0).abs() < 1e-9);
    }
}
