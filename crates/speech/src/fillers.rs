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

use timeline::TimeRange;

use crate::transcript::Word;

/// Fillers cut by default; users add their own (phrases of several words too).
pub const DEFAULT_FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm", "嗯", "呃", "额",
];

/// A word as fillers are compared: lower case, no punctuation.
fn normalized(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The source ranges to cut for every filler (single words or phrases) in `words`.
pub fn filler_cuts(words: &[Word], fillers: &[String], padding_ms: u64) -> Vec<TimeRange> {
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
    let mut cuts = Vec::new();
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
        let (first, last) = (&words[i], &words[i + length - 1]);
        let start = match i.checked_sub(1).map(|p| words[p].end_ms) {
            Some(previous_end) if previous_end + padding_ms <= first.start_ms => {
                previous_end + padding_ms
            }
            Some(previous_end) => first.start_ms.max(previous_end),
            None => first.start_ms,
        };
        let end = match words.get(i + length).map(|n| n.start_ms) {
            Some(next_start) if last.end_ms + padding_ms <= next_start => next_start - padding_ms,
            Some(next_start) => last.end_ms.min(next_start),
            None => last.end_ms,
        };
        if end > start {
            cuts.push(TimeRange::new(start, end));
        }
        i += length;
    }
    cuts
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
            filler_cuts(&words, &defaults(), 150),
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
            filler_cuts(&words, &defaults(), 150),
            [TimeRange::new(420, 650)]
        );
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
            filler_cuts(&words, &fillers, 100),
            [TimeRange::new(600, 1_400)]
        );
        assert!(
            filler_cuts(&words, &defaults(), 100).is_empty(),
            "'umbrella' is not 'um'"
        );
    }
}
