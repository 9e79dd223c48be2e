//! The progress of long work, on stderr, saying what it measures: "rendering 0:30 / 1:36"
//! through a video's time, or "downloading 45%" where there is no time to count.
//!
//! On a terminal it is an indicatif bar redrawn in place. Anywhere else (a log, a script, a
//! test) it is a plain line when the work starts and each time another quarter is done, so
//! what ran and how far is readable without a screen of redraws; work that never reported
//! (an analysis read from the cache) prints nothing.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    /// The bar on a terminal; `None` when stderr is not one.
    bar: Option<ProgressBar>,
    label: String,
    /// The length of media the work goes through, when it is measured in time.
    total_ms: Option<u64>,
    /// The last quarter written as a plain line (−1: none yet), and the line.
    written: Arc<Mutex<(i32, String)>>,
}

impl Progress {
    /// Work measured as a share done ("downloading 45%").
    pub fn stage(label: &str) -> Self {
        Self::new(label, None)
    }

    /// Work through `total_ms` of media ("transcribing 0:45 / 2:01").
    pub fn through(label: &str, total_ms: u64) -> Self {
        Self::new(label, Some(total_ms))
    }

    fn new(label: &str, total_ms: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{prefix:>16} [{bar:32}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        });
        if let Some(bar) = &bar {
            bar.set_message(amount(0.0, total_ms));
        }
        Progress {
            bar,
            label: label.to_string(),
            total_ms,
            written: Arc::new(Mutex::new((-1, String::new()))),
        }
    }

    /// `fraction` (0–1) of the work is done.
    pub fn set(&self, fraction: f64) {
        let fraction = fraction.clamp(0.0, 1.0);
        let amount = amount(fraction, self.total_ms);
        match &self.bar {
            Some(bar) => {
                bar.set_position((fraction * 1000.0) as u64);
                bar.set_message(amount);
            }
            None => {
                let quarter = (fraction * 4.0).floor() as i32;
                let line = format!("{} {amount}", self.label);
                let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
                // A short clip's quarters can round to the same second: said once.
                if quarter > written.0 && line != written.1 {
                    eprintln!("{line}");
                    *written = (quarter, line);
                }
            }
        }
    }

    /// The work is over: the bar goes; a plain line says the end of work it told the start of.
    pub fn done(self) {
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None if self.written.lock().map_or(true, |w| w.0 >= 0) => self.set(1.0),
            None => {}
        }
    }
}

/// "0:45 / 2:01" of a length, else "45%".
fn amount(fraction: f64, total_ms: Option<u64>) -> String {
    match total_ms {
        Some(total_ms) => format!(
            "{} / {}",
            timeline::format_clock((fraction * total_ms as f64) as u64),
            timeline::format_clock(total_ms)
        ),
        None => format!("{:.0}%", fraction * 100.0),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_says_how_far_through_what() {
        assert_eq!(super::amount(0.372, Some(121_000)), "0:45 / 2:01");
        assert_eq!(super::amount(0.0, Some(96_000)), "0:00 / 1:36");
        assert_eq!(super::amount(0.45, None), "45%");
    }
}
