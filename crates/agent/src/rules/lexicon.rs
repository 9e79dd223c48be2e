//! Words as data: the words and phrases of each concept, one file per language
//! (`lexicon/en.toml`, `lexicon/zh.toml`), so adding words (or a language) touches no code.
//!
//! The matchers ask whether a clause says a concept ([`says`]); a phrase counts only as a
//! whole word. In English that is letters on neither side ("no" is not "know", "with" is not
//! "without"). In Chinese, which has no spaces, a term of two characters or more counts
//! wherever it stands ("轻音乐" says "音乐"), and a one-character term only where jieba's
//! segments make it a word of its own ("之后" does not say "后"). Structure — numbers, times, clip ordinals, quoted titles — stays in code
//! (`numbers`, `intents`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jieba_rs::Jieba;

/// Each language's file: concept → phrases.
const FILES: &[(&str, &str)] = &[
    ("en", include_str!("../../lexicon/en.toml")),
    ("zh", include_str!("../../lexicon/zh.toml")),
];

type Concepts = BTreeMap<String, Vec<String>>;

/// The lexicons, read once; a file that does not parse is a build mistake the tests catch.
fn lexicons() -> &'static [(&'static str, Concepts)] {
    static LEXICONS: OnceLock<Vec<(&'static str, Concepts)>> = OnceLock::new();
    LEXICONS.get_or_init(|| {
        FILES
            .iter()
            .map(|(language, text)| {
                let concepts =
                    toml::from_str(text).unwrap_or_else(|e| panic!("lexicon/{language}.toml: {e}"));
                (*language, concepts)
            })
            .collect()
    })
}

/// jieba with every Chinese phrase of the lexicon in its dictionary, so cutline's own terms
/// ("竖屏", "黑边", "说话的时候") are single segments whatever the words around them.
fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut jieba = Jieba::new();
        for (_, concepts) in lexicons() {
            for phrase in concepts.values().flatten().filter(|p| !p.is_ascii()) {
                jieba.add_word(phrase, Some(TERM_FREQUENCY), None);
            }
        }
        jieba
    })
}

/// How common jieba takes the lexicon's terms to be: common enough to win over the splits of
/// its general dictionary.
const TERM_FREQUENCY: usize = 100_000;

/// The phrases of `concept` in every language.
pub fn phrases(concept: &str) -> impl Iterator<Item = &'static str> + '_ {
    let found = lexicons()
        .iter()
        .any(|(_, concepts)| concepts.contains_key(concept));
    assert!(found, "no concept '{concept}' in the lexicon");
    lexicons()
        .iter()
        .filter_map(move |(_, concepts)| concepts.get(concept))
        .flatten()
        .map(String::as_str)
}

/// Whether `clause` (lower-cased) says `concept`, as a whole word.
pub fn says(clause: &str, concept: &str) -> bool {
    which(clause, concept).is_some()
}

/// The first phrase of `concept` that `clause` says, as a whole word.
pub fn which(clause: &str, concept: &str) -> Option<&'static str> {
    let mut boundaries = None;
    phrases(concept).find(|phrase| {
        if phrase.is_ascii() {
            return whole_word(clause, phrase);
        }
        // English words need no segmenting (and jieba's dictionary is not even loaded).
        if clause.is_ascii() {
            return false;
        }
        // A term of two characters or more stands for itself inside longer words too
        // ("轻音乐" is music, "中文字幕" captions); one character must be a word of its own
        // ("之后" is not "后", "加大" is not "加").
        if phrase.chars().count() > 1 {
            return clause.contains(phrase);
        }
        let boundaries = boundaries.get_or_insert_with(|| segment_boundaries(clause));
        clause.match_indices(phrase).any(|(at, _)| {
            boundaries.binary_search(&at).is_ok()
                && boundaries.binary_search(&(at + phrase.len())).is_ok()
        })
    })
}

/// Whether the whole of `clause`, its punctuation aside, is one phrase of `concept`.
pub fn is(clause: &str, concept: &str) -> bool {
    phrases(concept).any(|phrase| phrase == clause)
}

/// An English phrase with no letter or digit right before or after it.
pub fn whole_word(clause: &str, phrase: &str) -> bool {
    clause.match_indices(phrase).any(|(at, _)| {
        let before = clause[..at].chars().next_back();
        let after = clause[at + phrase.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !word(before) && !word(after)
    })
}

/// The byte offsets where jieba's segments of `text` start and end, in order.
fn segment_boundaries(text: &str) -> Vec<usize> {
    let mut boundaries = vec![0];
    boundaries.extend(
        jieba()
            .cut(text, true)
            .iter()
            .map(|token| token.byte_start + token.word.len()),
    );
    boundaries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_names_the_same_concepts() {
        let names = |concepts: &Concepts| concepts.keys().cloned().collect::<Vec<_>>();
        let (first, rest) = lexicons().split_first().expect("a language");
        for (language, concepts) in rest {
            assert_eq!(
                names(concepts),
                names(&first.1),
                "lexicon/{language}.toml and lexicon/{}.toml name different concepts",
                first.0
            );
        }
        for (language, concepts) in lexicons() {
            for (concept, phrases) in concepts {
                assert!(!phrases.is_empty(), "{language}: {concept} has no words");
            }
        }
    }

    #[test]
    fn phrases_count_only_as_whole_words() {
        assert!(says("export without music", "take_away"));
        assert!(!says("add music with a fade", "take_away"));
        assert!(!says("i know it", "take_away"), "'no' inside 'know'");
        assert!(says("去掉背景音乐", "music"));
        assert!(says("说话的时候音乐小一点", "ducking"));
        assert!(says("不要字幕", "take_away"));
        assert!(!says("之后加字幕", "keep"));
        assert!(
            says("竖屏加黑边", "portrait"),
            "a term of the lexicon is one segment"
        );
        assert_eq!(which("turn off the music", "take_away"), Some("turn off"));
    }
}
