//! Integer-millisecond time: half-open ranges and the clock format shown to users.
//!
//! All timeline arithmetic is done on `u64` milliseconds. A range is `[start_ms, end_ms)`;
//! whether it is measured inside a source asset or on the timeline is said by the name of the
//! variable holding it (`source_range`, `timeline_range`).

use serde::{Deserialize, Serialize};

/// A half-open range `[start_ms, end_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    pub start_ms: u64,
    pub end_ms: u64,
}

impl TimeRange {
    pub fn new(start_ms: u64, end_ms: u64) -> Self {
        Self { start_ms, end_ms }
    }

    pub fn duration_ms(&self) -> u64 {
        self.end_ms.saturating_sub(self.start_ms)
    }

    pub fn is_empty(&self) -> bool {
        self.end_ms <= self.start_ms
    }

    pub fn intersect(&self, other: &TimeRange) -> Option<TimeRange> {
        let range = TimeRange::new(
            self.start_ms.max(other.start_ms),
            self.end_ms.min(other.end_ms),
        );
        (!range.is_empty()).then_some(range)
    }
}

/// Sorts ranges and merges the ones that overlap or touch; empty ranges are dropped.
pub fn normalize_ranges(mut ranges: Vec<TimeRange>) -> Vec<TimeRange> {
    ranges.retain(|range| !range.is_empty());
    ranges.sort();
    let mut merged: Vec<TimeRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start_ms <= last.end_ms => {
                last.end_ms = last.end_ms.max(range.end_ms)
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// The parts of `within` not covered by `removed` (which must be normalized).
pub fn complement(within: TimeRange, removed: &[TimeRange]) -> Vec<TimeRange> {
    let mut kept = Vec::new();
    let mut cursor = within.start_ms;
    for range in removed {
        if let Some(cut) = range.intersect(&within) {
            if cut.start_ms > cursor {
                kept.push(TimeRange::new(cursor, cut.start_ms));
            }
            cursor = cursor.max(cut.end_ms);
        }
    }
    if cursor < within.end_ms {
        kept.push(TimeRange::new(cursor, within.end_ms));
    }
    kept
}

/// `m:ss` (or `h:mm:ss`) with tenths dropped, as users read durations: 134_400 → "2:14".
pub fn format_clock(ms: u64) -> String {
    let total_s = (ms + 500) / 1000;
    let (h, m, s) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Seconds with one decimal, for summaries: 23_449 → "23.4 s".
pub fn format_seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start_ms: u64, end_ms: u64) -> TimeRange {
        TimeRange::new(start_ms, end_ms)
    }

    #[test]
    fn normalize_merges_overlapping_and_touching_ranges() {
        let merged = normalize_ranges(vec![r(50, 60), r(0, 10), r(10, 20), r(15, 30), r(40, 40)]);
        assert_eq!(merged, vec![r(0, 30), r(50, 60)]);
    }

    #[test]
    fn complement_keeps_what_is_not_removed() {
        assert_eq!(
            complement(r(0, 100), &[r(10, 20), r(90, 120)]),
            vec![r(0, 10), r(20, 90)]
        );
        assert_eq!(complement(r(0, 100), &[]), vec![r(0, 100)]);
        assert_eq!(complement(r(0, 100), &[r(0, 100)]), vec![]);
    }

    #[test]
    fn clock_format_matches_what_users_read() {
        assert_eq!(format_clock(134_400), "2:14");
        assert_eq!(format_clock(111_000), "1:51");
        assert_eq!(format_clock(3_725_000), "1:02:05");
        assert_eq!(format_seconds(23_449), "23.4 s");
    }
}
