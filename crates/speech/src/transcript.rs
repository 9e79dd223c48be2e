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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_with_spaces_except_around_cjk_and_punctuation() {
        assert_eq!(join_words(["Hello", ",", "world"]), "Hello, world");
        assert_eq!(join_words(["今天", "我们", "剪辑"]), "今天我们剪辑");
        assert_eq!(join_words(["用", "cutline", "剪辑"]), "用cutline剪辑");
    }
}
