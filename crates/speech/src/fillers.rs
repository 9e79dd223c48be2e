//! Filler words ("um", "uh", "erm", 嗯, …) found in a transcript, as ranges of source time to
//! cut. Pure.
//!
//! A cut takes the filler and the silence around it, but stops `padding_ms` short of the
//! words on either side (the same care as pause trimming), and never takes any part of a
//! neighbouring word, whatever the recogniser's times say.
//!
//! ```text
//! words   [I think] ··· [um,] ··· [we should]
//! cut              |pad|←  cut  →|pad|
//! ```
//!
//! The recogniser's word times are off by tens of milliseconds, and where a filler touches
//! the next word that is the difference between a cut that clips the word's onset and one
//! that leaves a tail of "uh". So each boundary (the filler's edge and its neighbour's facing
//! it) is moved onto the sound itself when its levels are known: to the quiet stretch
//! between the two sounds that comes within ±80 ms of the recogniser's times (quiet: within
//! 6 dB of the room's level), or where the sounds touch, to the quietest point there.

use timeline::{SoundLevels, TimeRange};

use crate::transcript::Word;

/// Fillers cut by default; users add their own (phrases of several words too).
pub const DEFAULT_FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm", "嗯", "呃", "额",
];

/// How far from the recogniser's time an edge is looked for in the sound.
pub const SEARCH_MS: u64 = 80;
/// How much quieter (dB) a point must be for each millisecond further from the recogniser's
/// time: in silence, where every point is as quiet, the edge stays where it was said to be.
const DB_PER_MS: f32 = 0.02;

/// A filler as found in the words: its times, and those of the words either side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filler {
    pub start_ms: u64,
    pub end_ms: u64,
    /// Where the word before it ends (none: the filler opens the clip).
    pub previous_end_ms: Option<u64>,
    /// Where the word after it starts (none: the filler ends the clip).
    pub next_start_ms: Option<u64>,
}

/// A word as fillers are compared: lower case, no punctuation.
fn normalized(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The source ranges to cut for every filler (single words or phrases) in `words`; each
/// filler's edges taken from `levels` when they are given.
pub fn filler_cuts(
    words: &[Word],
    fillers: &[String],
    padding_ms: u64,
    levels: Option<&SoundLevels>,
) -> Vec<TimeRange> {
    find_fillers(words, fillers)
        .into_iter()
        .map(|filler| match levels {
            Some(levels) => edges_in_sound(&filler, levels),
            None => filler,
        })
        .filter_map(|filler| cut(&filler, padding_ms))
        .collect()
}

/// Every filler (single words or phrases) in `words`, with the recogniser's times.
pub fn find_fillers(words: &[Word], fillers: &[String]) -> Vec<Filler> {
    let phrases: Vec<Vec<String>> = fillers
        .iter()
        .map(|f| {
            f.split_whitespace()
                .map(normalized)
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect();
    let spoken: Vec<String> = words.iter().map(|w| normalized(&w.text)).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let matched = phrases
            .iter()
            .filter(|p| {
                spoken
                    .get(i..i + p.len())
                    .is_some_and(|s| s == p.as_slice())
            })
            .map(Vec::len)
            .max();
        let Some(length) = matched else {
            i += 1;
            continue;
        };
        found.push(Filler {
            start_ms: words[i].start_ms,
            end_ms: words[i + length - 1].end_ms,
            previous_end_ms: i.checked_sub(1).map(|p| words[p].end_ms),
            next_start_ms: words.get(i + length).map(|n| n.start_ms),
        });
        i += length;
    }
    found
}

/// The filler with its edges, and its neighbours' edges facing it, moved onto the sound.
pub fn edges_in_sound(filler: &Filler, levels: &SoundLevels) -> Filler {
    let previous_end = filler.previous_end_ms.unwrap_or(filler.start_ms);
    let (previous_end_ms, start_ms) = boundary(previous_end, filler.start_ms, levels);
    let next_start = filler.next_start_ms.unwrap_or(filler.end_ms);
    let (end_ms, next_start_ms) = boundary(filler.end_ms, next_start, levels);
    Filler {
        start_ms,
        end_ms: end_ms.max(start_ms),
        previous_end_ms: filler.previous_end_ms.map(|_| previous_end_ms),
        next_start_ms: filler.next_start_ms.map(|_| next_start_ms),
    }
}

/// Where one sound ends and the next starts, near the recogniser's `before` and `after`: the
/// quiet stretch between them nearest those times (all of it, however long), or where the
/// sounds touch, the quietest point between them.
fn boundary(before: u64, after: u64, levels: &SoundLevels) -> (u64, u64) {
    let (low, high) = (before.min(after), before.max(after));
    match quiet_stretch(levels, low, high) {
        Some(quiet) => (quiet.start_ms, quiet.end_ms),
        None => {
            let point = quietest(levels, low, high);
            (point, point)
        }
    }
}

/// How far around a boundary the room's own level is read.
const ROOM_MS: u64 = 1_000;
/// A stretch at most this much louder than the room (its 10th percentile) is quiet.
const QUIET_MARGIN_DB: f32 = 6.0;
/// How far a quiet stretch is followed beyond the search.
const LONGEST_QUIET_MS: u64 = 3_000;

/// The quiet stretch (levels within `QUIET_MARGIN_DB` of the room) that reaches within
/// `SEARCH_MS` of `low..=high`, followed to its ends: of several, the one longest for its
/// distance from `low..=high`.
fn quiet_stretch(levels: &SoundLevels, low: u64, high: u64) -> Option<TimeRange> {
    let step = levels.step_ms.max(1);
    let around: Vec<f32> = (low.saturating_sub(ROOM_MS) / step..=(high + ROOM_MS) / step)
        .map(|i| levels.at(i * step))
        .collect();
    let quiet_db = percentile(around, 0.10) + QUIET_MARGIN_DB;
    let is_quiet = |t: u64| levels.at(t) <= quiet_db;
    let from = low.saturating_sub(SEARCH_MS) / step * step;
    let mut best: Option<(i64, TimeRange)> = None;
    let mut t = from;
    while t <= high + SEARCH_MS {
        if !is_quiet(t) {
            t += step;
            continue;
        }
        // Follow the stretch both ways.
        let mut start = t;
        while start >= step && t - start < LONGEST_QUIET_MS && is_quiet(start - step) {
            start -= step;
        }
        let mut end = t;
        while end - t < LONGEST_QUIET_MS && end < levels.duration_ms() && is_quiet(end + step) {
            end += step;
        }
        let stretch = TimeRange::new(start, end + step);
        let distance = low
            .saturating_sub(stretch.end_ms)
            .max(stretch.start_ms.saturating_sub(high));
        // A pause between words is longer than a dip inside one: each millisecond of
        // length makes up for one of distance.
        let score = stretch.duration_ms() as i64 - distance as i64;
        if best.is_none_or(|(most, _)| score > most) {
            best = Some((score, stretch));
        }
        t = end + 2 * step;
    }
    best.map(|(_, stretch)| stretch)
}

fn percentile(mut values: Vec<f32>, fraction: f64) -> f32 {
    values.sort_by(f32::total_cmp);
    let index = ((values.len() as f64 * fraction) as usize).min(values.len().saturating_sub(1));
    values.get(index).copied().unwrap_or(-120.0)
}

/// The quietest point within `SEARCH_MS` of `low..=high` (the recogniser's times), a point
/// further out counting as `DB_PER_MS` louder for each millisecond.
fn quietest(levels: &SoundLevels, low: u64, high: u64) -> u64 {
    let step = levels.step_ms.max(1);
    let mut best = (f32::INFINITY, low);
    let mut t = low.saturating_sub(SEARCH_MS) / step * step;
    while t <= high + SEARCH_MS {
        let away = low.saturating_sub(t).max(t.saturating_sub(high));
        let cost = levels.at(t) + DB_PER_MS * away as f32;
        if cost < best.0 {
            best = (cost, t);
        }
        t += step;
    }
    best.1
}

/// The range to cut for one filler: from `padding_ms` after the word before to `padding_ms`
/// before the word after where there is room, else up to the neighbours, never into them.
pub fn cut(filler: &Filler, padding_ms: u64) -> Option<TimeRange> {
    let start = match filler.previous_end_ms {
        Some(previous_end) if previous_end + padding_ms <= filler.start_ms => {
            previous_end + padding_ms
        }
        Some(previous_end) => filler.start_ms.max(previous_end),
        None => filler.start_ms,
    };
    let end = match filler.next_start_ms {
        Some(next_start) if filler.end_ms + padding_ms <= next_start => next_start - padding_ms,
        Some(next_start) => filler.end_ms.min(next_start),
        None => filler.end_ms,
    };
    (end > start).then(|| TimeRange::new(start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        DEFAULT_FILLERS.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn fillers_are_cut_with_the_silence_around_them_but_not_the_padding() {
        let words = [
            Word::new("I", 0, 200),
            Word::new("think,", 200, 600),
            Word::new("um,", 1_000, 1_300),
            Word::new("we", 1_800, 2_000),
        ];
        assert_eq!(
            filler_cuts(&words, &defaults(), 150, None),
            [TimeRange::new(750, 1_650)]
        );
    }

    #[test]
    fn neighbouring_words_are_never_cut_into() {
        // The recogniser's times overlap: the filler is cut only where no word is.
        let words = [
            Word::new("so", 0, 420),
            Word::new("Uh", 400, 700),
            Word::new("yes", 650, 900),
        ];
        assert_eq!(
            filler_cuts(&words, &defaults(), 150, None),
            [TimeRange::new(420, 650)]
        );
    }

    /// Levels every 2 ms: −60 dB of room, and −20 dB where `sounds` (start, end) are.
    fn levels(sounds: &[(u64, u64)], duration_ms: u64) -> SoundLevels {
        SoundLevels {
            step_ms: 2,
            db: (0..=duration_ms / 2)
                .map(|i| {
                    let t = i * 2;
                    if sounds.iter().any(|&(s, e)| s <= t && t < e) {
                        -20.0
                    } else {
                        -60.0
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn a_filler_touching_the_next_word_is_cut_where_the_sound_dips() {
        // Heard: "think" 0–600, "uh" 700–1_030, a 10 ms dip, "we" 1_040–1_400. The recogniser
        // says "uh" 730–1_000 and "we" from 1_000: its cut would leave 30 ms of "uh" and, with
        // the tail, take nothing of "we"; shifted the other way it clips "we".
        let sound = levels(&[(0, 600), (700, 1_030), (1_040, 1_400)], 2_000);
        let words = [
            Word::new("think", 0, 640),
            Word::new("uh", 730, 1_000),
            Word::new("we", 1_000, 1_400),
        ];
        let whisper = filler_cuts(&words, &defaults(), 150, None);
        assert_eq!(whisper, [TimeRange::new(730, 1_000)]);
        let heard = filler_cuts(&words, &defaults(), 150, Some(&sound));
        assert_eq!(heard.len(), 1);
        let cut = heard[0];
        assert!(cut.start_ms <= 700 && cut.start_ms >= 600, "{cut:?}");
        assert!((1_030..=1_040).contains(&cut.end_ms), "{cut:?}");
        // Late times the other way: the cut still ends in the dip, not inside "we".
        let late = [
            Word::new("think", 0, 560),
            Word::new("uh", 680, 1_070),
            Word::new("we", 1_070, 1_400),
        ];
        let cut = filler_cuts(&late, &defaults(), 150, Some(&sound))[0];
        assert!((1_030..=1_040).contains(&cut.end_ms), "{cut:?}");
    }

    #[test]
    fn with_room_for_padding_it_is_kept_from_where_the_words_are_heard() {
        // "think" heard to 640 (said to end at 600), "we" heard from 1_560 (said 1_600).
        let sound = levels(&[(0, 640), (1_000, 1_250), (1_560, 2_000)], 2_500);
        let words = [
            Word::new("think", 0, 600),
            Word::new("um", 1_000, 1_250),
            Word::new("we", 1_600, 2_000),
        ];
        let cut = filler_cuts(&words, &defaults(), 150, Some(&sound))[0];
        assert_eq!(cut, TimeRange::new(640 + 150, 1_560 - 150));
    }

    #[test]
    fn the_quiet_stretch_nearest_the_recognisers_times_is_taken_whole() {
        // The recogniser says "So," ends 150 ms early (inside the word) and "um" starts on
        // time: the 120 ms gap after "So," is where it ends, not a dip inside it.
        let sound = levels(&[(500, 872), (992, 1_322), (1_412, 2_000)], 2_500);
        let words = [
            Word::new("So,", 500, 720),
            Word::new("um,", 990, 1_420),
            Word::new("I", 1_520, 1_720),
        ];
        let cut = filler_cuts(&words, &defaults(), 150, Some(&sound))[0];
        assert_eq!(cut, TimeRange::new(992, 1_322));
    }

    #[test]
    fn users_add_phrases_and_ordinary_words_stay() {
        let words = [
            Word::new("It", 0, 200),
            Word::new("was,", 200, 500),
            Word::new("you", 800, 900),
            Word::new("know,", 900, 1_100),
            Word::new("umbrella", 1_500, 2_000),
        ];
        let mut fillers = defaults();
        fillers.push("you know".into());
        assert_eq!(
            filler_cuts(&words, &fillers, 100, None),
            [TimeRange::new(600, 1_400)]
        );
        assert!(
            filler_cuts(&words, &defaults(), 100, None).is_empty(),
            "'umbrella' is not 'um'"
        );
    }
}
