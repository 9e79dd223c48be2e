//! Caption layout: words with times → captions people can read. Pure.
//!
//! The rules (`CaptionRules::default()`): at most 2 lines of at most 42 characters (16 for
//! Chinese and Japanese), each caption on screen 0.8–7 s and at most 20 characters a second
//! where the speech leaves room. A caption ends at the end of a sentence, at a clause
//! boundary once it is well filled, at a pause in the speech, and always at a cut: `kept`
//! lists the source ranges the edit keeps, and a caption never holds words of two of them.
//!
//! ```text
//! words   [Today] [we] [talk] [about] [editing.] | cut | [Pauses] [make] [it] [slow.]
//! out     "Today we talk about editing."                "Pauses make it slow."
//! ```
//!
//! Times are in the source's milliseconds; the edit that places captions on the timeline
//! maps them through the same cuts.

use timeline::TimeRange;

use crate::transcript::{is_cjk, join_words, Word};

#[derive(Clone, Debug, PartialEq)]
pub struct CaptionRules {
    pub max_line_chars: usize,
    pub max_line_chars_cjk: usize,
    pub max_lines: usize,
    pub min_ms: u64,
    pub max_ms: u64,
    pub max_chars_per_second: f64,
    /// A silence this long between words starts a new caption.
    pub pause_ms: u64,
}

impl Default for CaptionRules {
    fn default() -> Self {
        Self {
            max_line_chars: 42,
            max_line_chars_cjk: 16,
            max_lines: 2,
            min_ms: 800,
            max_ms: 7_000,
            max_chars_per_second: 20.0,
            pause_ms: 700,
        }
    }
}

/// One caption, in source time.
#[derive(Clone, Debug, PartialEq)]
pub struct Caption {
    pub start_ms: u64,
    pub end_ms: u64,
    pub lines: Vec<String>,
    /// The words shown, with when each is spoken (for karaoke highlighting).
    pub words: Vec<Word>,
}

impl Caption {
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

const SENTENCE_END: &[char] = &['.', '?', '!', '。', '？', '！', '…'];
const CLAUSE_END: &[char] = &[',', ';', ':', '，', '；', '：', '、', '—'];

/// Lays out `words` as captions inside the `kept` source ranges.
///
/// Each word goes with the kept range holding most of it, cut to that range: a recogniser's
/// times may run a word on past a cut (into the pause trimmed after it), and the word is
/// still heard up to the cut. Words no kept range holds any of were cut and are not shown.
pub fn layout(words: &[Word], kept: &[TimeRange], rules: &CaptionRules) -> Vec<Caption> {
    let mut captions = Vec::new();
    let homes: Vec<Option<usize>> = words.iter().map(|w| kept_piece(w, kept)).collect();
    for (index, piece) in kept.iter().enumerate() {
        let inside: Vec<Word> = words
            .iter()
            .zip(&homes)
            .filter(|(_, home)| **home == Some(index))
            .map(|(w, _)| Word {
                start_ms: w.start_ms.max(piece.start_ms),
                end_ms: w
                    .end_ms
                    .min(piece.end_ms)
                    .max(w.start_ms.max(piece.start_ms)),
                ..w.clone()
            })
            .collect();
        let groups = group_words(&inside, rules);
        let first = captions.len();
        for group in &groups {
            captions.push(Caption {
                start_ms: group[0].start_ms,
                end_ms: group[group.len() - 1].end_ms,
                lines: break_lines(group, line_limit(group, rules)),
                words: group.to_vec(),
            });
        }
        stretch_for_reading(&mut captions[first..], piece.end_ms, rules);
    }
    captions
}

/// The kept range holding most of `word` (the first of equals), if any holds some of it.
fn kept_piece(word: &Word, kept: &[TimeRange]) -> Option<usize> {
    // A word without length is the moment it starts.
    let heard = TimeRange::new(word.start_ms, word.end_ms.max(word.start_ms + 1));
    let mut best: Option<(usize, u64)> = None;
    for (index, piece) in kept.iter().enumerate() {
        let overlap = piece.intersect(&heard).map_or(0, |o| o.duration_ms());
        if overlap > 0 && best.is_none_or(|(_, most)| overlap > most) {
            best = Some((index, overlap));
        }
    }
    best.map(|(index, _)| index)
}

/// Splits the words of one kept range into caption-sized groups.
fn group_words<'a>(words: &'a [Word], rules: &CaptionRules) -> Vec<&'a [Word]> {
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=words.len() {
        if i == words.len() {
            if start < i {
                groups.push(&words[start..i]);
            }
            break;
        }
        let group = &words[start..i];
        let next = &words[i];
        let last = &group[group.len() - 1];
        let with_next = &words[start..=i];
        let capacity = line_limit(with_next, rules) * rules.max_lines;
        let filled = chars(group) * 10 >= capacity * 6;
        let close = next.start_ms.saturating_sub(last.end_ms) >= rules.pause_ms
            || ends_with(last, SENTENCE_END)
            || (filled && ends_with(last, CLAUSE_END))
            || !fits(with_next, rules)
            || next.end_ms.saturating_sub(group[0].start_ms) > rules.max_ms;
        if close {
            groups.push(group);
            start = i;
        }
    }
    groups
}

fn ends_with(word: &Word, marks: &[char]) -> bool {
    word.text
        .trim_end()
        .chars()
        .last()
        .is_some_and(|c| marks.contains(&c))
}

fn chars(words: &[Word]) -> usize {
    join_words(words.iter().map(|w| w.text.as_str()))
        .chars()
        .count()
}

/// 16 characters a line for text that is mostly CJK, 42 otherwise.
fn line_limit(words: &[Word], rules: &CaptionRules) -> usize {
    let text = join_words(words.iter().map(|w| w.text.as_str()));
    let cjk = text.chars().filter(|&c| is_cjk(c)).count();
    if cjk * 2 > text.chars().count() {
        rules.max_line_chars_cjk
    } else {
        rules.max_line_chars
    }
}

fn fits(words: &[Word], rules: &CaptionRules) -> bool {
    let limit = line_limit(words, rules);
    chars(words) <= limit || (rules.max_lines >= 2 && best_split(words, limit).is_some())
}

/// Where to split a caption's words into two lines: the split whose longer line is shortest,
/// preferring a split after punctuation. `None` when no split gives two lines that fit.
fn best_split(words: &[Word], limit: usize) -> Option<usize> {
    (1..words.len())
        .filter_map(|k| {
            let first = chars(&words[..k]);
            let second = chars(&words[k..]);
            let after_mark =
                ends_with(&words[k - 1], SENTENCE_END) || ends_with(&words[k - 1], CLAUSE_END);
            let score = first.max(second) as i64 - if after_mark { 4 } else { 0 };
            (first <= limit && second <= limit).then_some((score, k))
        })
        .min()
        .map(|(_, k)| k)
}

fn break_lines(words: &[Word], limit: usize) -> Vec<String> {
    let join = |ws: &[Word]| join_words(ws.iter().map(|w| w.text.as_str()));
    if chars(words) <= limit {
        return vec![join(words)];
    }
    match best_split(words, limit) {
        Some(k) => vec![join(&words[..k]), join(&words[k..])],
        // A single word longer than a line: cut it by characters.
        None => join(words)
            .chars()
            .collect::<Vec<_>>()
            .chunks(limit.max(1))
            .map(|c| c.iter().collect())
            .collect(),
    }
}

/// Keeps short or dense captions up long enough to read, without overlapping the next one
/// or running past the end of their kept range.
fn stretch_for_reading(captions: &mut [Caption], piece_end_ms: u64, rules: &CaptionRules) {
    for i in 0..captions.len() {
        let limit = captions
            .get(i + 1)
            .map_or(piece_end_ms, |next| next.start_ms);
        let caption = &mut captions[i];
        let reading_ms = (caption.text().chars().count() as f64 / rules.max_chars_per_second
            * 1000.0)
            .ceil() as u64;
        let wanted = caption.start_ms + rules.min_ms.max(reading_ms);
        let longest = caption.start_ms + rules.max_ms;
        // Never shorter than the speech it shows; longer when reading needs it, up to the
        // longest a caption stays; never into the next caption or past the kept range.
        caption.end_ms = caption.end_ms.max(wanted.min(longest)).min(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words spoken at `ms_per_char` per character with `gap_ms` between them, from `start_ms`.
    fn speak(text: &str, start_ms: u64, ms_per_char: u64, gap_ms: u64) -> Vec<Word> {
        let mut t = start_ms;
        text.split_whitespace()
            .map(|w| {
                let end = t + w.chars().count() as u64 * ms_per_char;
                let word = Word::new(w, t, end);
                t = end + gap_ms;
                word
            })
            .collect()
    }

    fn all(start_ms: u64, end_ms: u64) -> Vec<TimeRange> {
        vec![TimeRange::new(start_ms, end_ms)]
    }

    const TALK: &str = "Today we talk about editing video with a computer, which used to take hours of careful work. \
        Pauses make a talk feel slow, so we find them and take them out. The words stay exactly where they were, \
        and nobody hears the difference. That is all for today. Thanks for watching!";

    #[test]
    fn captions_respect_line_length_line_count_and_duration() {
        let words = speak(TALK, 0, 60, 80);
        let captions = layout(&words, &all(0, 600_000), &CaptionRules::default());
        assert!(captions.len() >= 6, "{captions:#?}");
        for c in &captions {
            assert!(c.lines.len() <= 2, "{c:?}");
            assert!(c.lines.iter().all(|l| l.chars().count() <= 42), "{c:?}");
            let ms = c.end_ms - c.start_ms;
            assert!((800..=7_000).contains(&ms), "{c:?} lasts {ms} ms");
            let cps = c.text().chars().count() as f64 / (ms as f64 / 1000.0);
            assert!(cps <= 20.5, "{c:?} at {cps:.1} chars/s");
        }
        let joined: Vec<String> = captions.iter().map(|c| c.lines.join(" ")).collect();
        assert_eq!(
            joined.join(" "),
            TALK.split_whitespace().collect::<Vec<_>>().join(" "),
            "no word lost or repeated"
        );
        assert!(
            captions.windows(2).all(|w| w[0].end_ms <= w[1].start_ms),
            "no overlap"
        );
    }

    #[test]
    fn sentences_end_captions() {
        let words = speak("That is all for today. Thanks for watching!", 0, 60, 80);
        let captions = layout(&words, &all(0, 60_000), &CaptionRules::default());
        let texts: Vec<String> = captions.iter().map(Caption::text).collect();
        assert_eq!(texts, ["That is all for today.", "Thanks for watching!"]);
    }

    #[test]
    fn a_caption_never_spans_a_cut_and_cut_words_are_gone() {
        let words = speak("one two three four five six seven eight", 0, 100, 100);
        // Words run 0–300, 400–700, 800–1300, 1400–1800, …; keep 0–1350 and 2300–5000.
        let kept = vec![TimeRange::new(0, 1_350), TimeRange::new(2_300, 5_000)];
        let captions = layout(&words, &kept, &CaptionRules::default());
        let texts: Vec<String> = captions.iter().map(Caption::text).collect();
        assert_eq!(
            texts,
            ["one two three", "six seven eight"],
            "four and five were cut"
        );
        for c in &captions {
            assert!(
                kept.iter()
                    .any(|k| k.start_ms <= c.start_ms && c.end_ms <= k.end_ms),
                "{c:?}"
            );
        }
    }

    /// Regression: "directory." was heard up to the cut, but the recogniser's time ran it on
    /// into the trimmed pause, its midpoint fell in the cut, and the caption lost it.
    #[test]
    fn a_word_running_on_past_a_cut_stays_in_its_caption() {
        let words = vec![
            Word::new("your", 2_375, 2_797),
            Word::new("home", 2_907, 3_338),
            Word::new("directory.", 3_438, 5_648),
            Word::new("Then", 5_648, 6_065),
        ];
        // The pause 4_048–5_648 was trimmed with 150 ms of padding on each side.
        let kept = vec![TimeRange::new(0, 4_198), TimeRange::new(5_498, 9_000)];
        let captions = layout(&words, &kept, &CaptionRules::default());
        let texts: Vec<String> = captions.iter().map(Caption::text).collect();
        assert_eq!(texts, ["your home directory.", "Then"]);
        let directory = &captions[0].words[2];
        assert_eq!((directory.start_ms, directory.end_ms), (3_438, 4_198));
        assert!(captions[0].end_ms <= 4_198);
    }

    #[test]
    fn chinese_lines_hold_at_most_16_characters() {
        let tokens = [
            "今天", "我们", "来", "聊聊", "怎么", "用", "电脑", "剪辑", "视频", "，", "把", "停顿",
            "都", "剪掉", "，", "再", "加上", "字幕", "。",
        ];
        let words: Vec<Word> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| Word::new(t, i as u64 * 300, i as u64 * 300 + 250))
            .collect();
        let captions = layout(&words, &all(0, 60_000), &CaptionRules::default());
        for c in &captions {
            assert!(c.lines.iter().all(|l| l.chars().count() <= 16), "{c:?}");
            assert!(!c.text().contains(' '), "no spaces in Chinese: {c:?}");
        }
        let text: String = captions.iter().map(|c| c.lines.concat()).collect();
        assert_eq!(text, tokens.concat());
    }

    #[test]
    fn a_pause_starts_a_new_caption_and_short_words_stay_long_enough_to_read() {
        let words = vec![Word::new("Hi", 0, 200), Word::new("there", 2_000, 2_300)];
        let captions = layout(&words, &all(0, 10_000), &CaptionRules::default());
        assert_eq!(captions.len(), 2);
        assert_eq!((captions[0].start_ms, captions[0].end_ms), (0, 800));
    }
}
