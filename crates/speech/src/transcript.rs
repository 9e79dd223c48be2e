//! Transcripts as data: what was said, word by word, with times in the source's milliseconds.

use serde::{Deserialize, Serialize};

/// One spoken word (for Chinese and Japanese, one token: a character or a few).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// The recogniser's confidence, 0–1.
    #[serde(default = "certain")]
    pub confidence: f32,
}

fn certain() -> f32 {
    1.0
}

impl Word {
    pub fn new(text: &str, start_ms: u64, end_ms: u64) -> Self {
        Self {
            text: text.to_string(),
            start_ms,
            end_ms,
            confidence: 1.0,
        }
    }
}

/// A whole transcript of one asset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// BCP-47-ish code the recogniser settled on ("en", "zh").
    pub language: String,
    pub words: Vec<Word>,
}

/// Whether a character is written without spaces around it (CJK ideographs, kana, hangul,
/// full-width punctuation).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60)
}

/// Joins words as they are written: with spaces between words of spaced scripts, without
/// spaces next to CJK.
pub fn join_words<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::new();
    for word in words {
        let word = word.trim();
        if word.is_empty() {
            continue;
        }
        let joins_tightly = text.chars().last().is_some_and(is_cjk)
            || word
                .chars()
                .next()
                .is_some_and(|c| is_cjk(c) || ",.!?;:".contains(c));
        if !text.is_empty() && !joins_tightly {
            text.push(' ');
        }
        text.push_str(word);
    }
    text
}

/// A recognised token with its times, as a recogniser reports it: the bytes of a token may be
/// part of a UTF-8 character (Chinese), and a leading space marks the start of a word.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedToken {
    pub bytes: Vec<u8>,
    pub start_ms: u64,
    pub end_ms: u64,
    pub probability: f32,
}

/// Assembles tokens into words: a token starting with a space starts a word, punctuation
/// joins the word before it, and each CJK token is a word of its own.
pub fn words_from_tokens(tokens: &[TimedToken]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut current: Vec<&TimedToken> = Vec::new();
    for token in tokens {
        let starts_word = token.bytes.first() == Some(&b' ')
            || (ends_in_cjk(&current)
                && std::str::from_utf8(&token.bytes)
                    .is_ok_and(|t| t.chars().next().is_some_and(is_cjk)));
        if starts_word && !current.is_empty() {
            words.extend(word_of(&current));
            current.clear();
        }
        current.push(token);
    }
    words.extend(word_of(&current));
    words
}

fn ends_in_cjk(tokens: &[&TimedToken]) -> bool {
    let bytes: Vec<u8> = tokens
        .iter()
        .flat_map(|t| t.bytes.iter().copied())
        .collect();
    std::str::from_utf8(&bytes).is_ok_and(|text| text.chars().last().is_some_and(is_cjk))
}

fn word_of(tokens: &[&TimedToken]) -> Option<Word> {
    let bytes: Vec<u8> = tokens
        .iter()
        .flat_map(|t| t.bytes.iter().copied())
        .collect();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    if text.is_empty() {
        return None;
    }
    let (first, last) = (tokens.first()?, tokens.last()?);
    Some(Word {
        text,
        start_ms: first.start_ms,
        end_ms: last.end_ms.max(first.start_ms),
        confidence: tokens.iter().map(|t| t.probability).sum::<f32>() / tokens.len() as f32,
    })
}

/// Gives every word a length, ending before the next word. Alignment (DTW) times say well
/// where a word starts, but the decoder's end times often lie at or before that start (the
/// word then gets a length from its letters, cut short by the next word or pause) or after
/// the next word's start (the word then ends there).
fn close_word_ends(words: &mut [Word], quiet: &[timeline::TimeRange]) {
    for i in 0..words.len() {
        let next_start_ms = words.get(i + 1).map(|next| next.start_ms);
        let word = &mut words[i];
        let pause_start_ms = quiet
            .iter()
            .map(|pause| pause.start_ms)
            .find(|&start| start > word.start_ms);
        if word.end_ms <= word.start_ms {
            let letters = word.text.chars().count() as u64;
            let spoken = word.start_ms + (letters * 70).clamp(200, 1_000);
            word.end_ms = [next_start_ms, pause_start_ms]
                .into_iter()
                .flatten()
                .filter(|&limit| limit > word.start_ms)
                .fold(spoken, u64::min);
        } else if let Some(next) = next_start_ms.filter(|&n| n > word.start_ms && n < word.end_ms) {
            word.end_ms = next;
        }
    }
}

/// How far after a pause's end a recogniser may place the first word after it.
const ONSET_WINDOW_MS: u64 = 800;
/// The longest a word moved back out of a pause is taken to last.
const LATE_WORD_MS: u64 = 400;
/// Quiet runs at least this long are between words; shorter ones may be inside a word (the
/// closure of a stop, an unstressed syllable: "direc·tory" has one of 140 ms).
const WORD_GAP_MS: u64 = 300;

/// How far a word said to start at `start_ms` is from being the onset at `onset_ms`. The
/// recogniser places onsets late, seldom early: a word placed well inside the pause is more
/// likely the last word before it, heard late ("path." put 1.3 s into the pause after it, a
/// little nearer its end than the next word is after it), so an early start counts double.
fn onset_distance(start_ms: u64, onset_ms: u64) -> u64 {
    if start_ms < onset_ms {
        2 * (onset_ms - start_ms)
    } else {
        start_ms - onset_ms
    }
}

/// Puts word edges where the sound is, using the asset's quiet runs (its silence map).
///
/// A recogniser's times for the first word after a pause run a little late (whisper's DTW
/// alignment does): that word (the one heard nearest the end of the pause) starts where the
/// pause ends. A word before it that starts inside the pause (heard late) or runs on into it
/// ends where the pause begins. Then every word is given a length (see `close_word_ends`).
pub fn snap_to_speech(words: &mut [Word], quiet: &[timeline::TimeRange]) {
    for pause in quiet {
        let window = pause.start_ms..=pause.end_ms + ONSET_WINDOW_MS;
        let after = (0..words.len())
            .filter(|&i| window.contains(&words[i].start_ms) && words[i].end_ms > pause.end_ms)
            .min_by_key(|&i| onset_distance(words[i].start_ms, pause.end_ms));
        if let Some(i) = after {
            let word = &mut words[i];
            let length = word.end_ms.saturating_sub(word.start_ms);
            word.start_ms = pause.end_ms;
            word.end_ms = word.end_ms.max(word.start_ms + length);
        }
        let before = after.unwrap_or(words.len());
        for word in &mut words[..before] {
            let starts_inside = pause.start_ms <= word.start_ms && word.start_ms < pause.end_ms;
            let runs_into_pause = word.start_ms < pause.start_ms && pause.start_ms < word.end_ms;
            if starts_inside {
                // Heard late: the last word before the pause ends where the sound stops.
                let length = word.end_ms.saturating_sub(word.start_ms).min(LATE_WORD_MS);
                word.end_ms = pause.start_ms;
                word.start_ms = pause.start_ms.saturating_sub(length);
            } else if runs_into_pause
                && (word.end_ms <= pause.end_ms || pause.duration_ms() >= WORD_GAP_MS)
            {
                // Also when the recogniser runs it on past a whole pause (to the next word's
                // start); a shorter quiet run may be a quiet stretch inside the word.
                word.end_ms = pause.start_ms;
            }
        }
    }
    close_word_ends(words, quiet);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_get_lengths_that_end_before_the_next_word_or_pause() {
        let word = |text: &str, start_ms, end_ms| Word {
            text: text.into(),
            start_ms,
            end_ms,
            confidence: 1.0,
        };
        let mut words = vec![
            word("Welcome", 600, 940),
            word("to", 1240, 1240),
            word("the", 1640, 1900),
            word("show.", 1800, 1800),
            word("Bye.", 3000, 3000),
        ];
        let quiet = [timeline::TimeRange::new(2_100, 2_900)];
        close_word_ends(&mut words, &quiet);
        let spans: Vec<(u64, u64)> = words.iter().map(|w| (w.start_ms, w.end_ms)).collect();
        assert_eq!(
            spans,
            [
                (600, 940),
                (1240, 1440),
                (1640, 1800),
                (1800, 2100),
                (3000, 3280)
            ]
        );
    }

    fn token(text: &[u8], start_ms: u64, end_ms: u64) -> TimedToken {
        TimedToken {
            bytes: text.to_vec(),
            start_ms,
            end_ms,
            probability: 0.9,
        }
    }

    #[test]
    fn tokens_become_words_at_spaces_with_punctuation_attached() {
        let tokens = [
            token(b" Hel", 0, 100),
            token(b"lo", 100, 200),
            token(b",", 200, 210),
            token(b" world", 300, 600),
            token(b".", 600, 610),
        ];
        let words: Vec<(String, u64, u64)> = words_from_tokens(&tokens)
            .into_iter()
            .map(|w| (w.text, w.start_ms, w.end_ms))
            .collect();
        assert_eq!(
            words,
            [("Hello,".into(), 0, 210), ("world.".into(), 300, 610)]
        );
    }

    #[test]
    fn word_edges_move_to_where_the_sound_is() {
        let quiet = [timeline::TimeRange::new(1_000, 1_800)];
        let spans = |words: &[Word]| -> Vec<(u64, u64)> {
            words.iter().map(|w| (w.start_ms, w.end_ms)).collect()
        };
        // Alignment times run late: the last word before the pause starts inside it (it moves
        // back to end where the sound stops), the first word after it a little after the
        // sound starts again (it moves to the onset); a word never runs on into the next.
        let mut late = vec![
            Word::new("talk", 500, 900),
            Word::new("out.", 1_100, 1_300),
            Word::new("So", 2_100, 2_300),
            Word::new("we", 2_400, 2_500),
        ];
        snap_to_speech(&mut late, &quiet);
        assert_eq!(
            spans(&late),
            [(500, 800), (800, 1_000), (1_800, 2_300), (2_400, 2_500)]
        );
        // A word that runs on into the pause ends where the sound stops.
        let mut long = vec![Word::new("out.", 600, 1_200)];
        snap_to_speech(&mut long, &quiet);
        assert_eq!(spans(&long), [(600, 1_000)]);
        // Nor when its time runs on past the whole pause, up to the next word; but a short
        // quiet run inside a word does not end it.
        let mut across = vec![
            Word::new("out.", 600, 1_900),
            Word::new("Next", 1_900, 2_200),
        ];
        snap_to_speech(&mut across, &quiet);
        assert_eq!(spans(&across), [(600, 1_000), (1_800, 2_200)]);
        let mut inside = vec![Word::new("directory.", 3_440, 4_050)];
        snap_to_speech(&mut inside, &[timeline::TimeRange::new(3_670, 3_810)]);
        assert_eq!(spans(&inside), [(3_440, 4_050)]);
        // A word put late into the pause, ending after it, nearer its end than the next word
        // is after it, is still the last word before it, not the onset.
        let mut path = vec![
            Word::new("the", 6_680, 6_960),
            Word::new("path.", 8_300, 8_900),
            Word::new("Press", 9_300, 9_700),
        ];
        snap_to_speech(&mut path, &[timeline::TimeRange::new(7_369, 8_769)]);
        assert_eq!(
            spans(&path),
            [(6_680, 6_960), (6_969, 7_369), (8_769, 9_700)]
        );
        // A word far after the pause is not pulled back.
        let mut far = vec![Word::new("later", 4_000, 4_300)];
        snap_to_speech(&mut far, &quiet);
        assert_eq!(spans(&far), [(4_000, 4_300)]);
    }

    #[test]
    fn split_utf8_and_cjk_tokens_make_whole_characters() {
        let ni = "你".as_bytes();
        let tokens = [
            token(&ni[..2], 0, 50),
            token(&ni[2..], 50, 100),
            token("好".as_bytes(), 100, 200),
        ];
        let texts: Vec<String> = words_from_tokens(&tokens)
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(texts, ["你", "好"]);
    }

    #[test]
    fn words_join_with_spaces_except_around_cjk_and_punctuation() {
        assert_eq!(join_words(["Hello", ",", "world"]), "Hello, world");
        assert_eq!(join_words(["今天", "我们", "剪辑"]), "今天我们剪辑");
        assert_eq!(join_words(["用", "cutline", "剪辑"]), "用cutline剪辑");
    }
}
