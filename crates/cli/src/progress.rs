//! The progress bar of long work, on stderr. indicatif hides it by itself when stderr is not a
//! terminal, so scripts and logs see only the summary line.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for one stage ("analysing audio", "rendering") measured in per-mille.
    pub fn stage(label: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{prefix:>16} [{bar:32}] {percent:>3}% {elapsed}/{eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        Progress { bar }
    }

    pub fn set(&self, fraction: f64) {
        self.bar
            .set_position((fraction.clamp(0.0, 1.0) * 1000.0) as u64);
    }

    pub fn done(self) {
        self.bar.finish_and_clear();
    }
}
