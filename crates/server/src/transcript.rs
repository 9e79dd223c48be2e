//! A piece's words in timeline time, for the studio's edit-by-transcript: each clip's cached
//! words (source time) mapped through the main track's segments to where the timeline plays
//! them. A word goes with the kept range holding most of it, cut to that range, as captions
//! do, so a deleted run of words is a range of the timeline the page can cut. Pure.

use serde::Serialize;
use speech::Word;
use timeline::Draft;

/// A word where the timeline plays it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineWord {
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// A caption of the Draft, numbered in time order (what `fix_caption` Steps name).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaptionLine {
    pub index: usize,
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// How much of `word` lies in `start..end` (a word without length counts when it starts
/// there).
fn overlap(word: &Word, start: u64, end: u64) -> u64 {
    if word.end_ms <= word.start_ms {
        return u64::from((start..end).contains(&word.start_ms));
    }
    word.end_ms
        .min(end)
        .saturating_sub(word.start_ms.max(start))
}

/// The words of `draft`'s main track in timeline order, from the words of each clip
/// (`words_of(asset id)`, source time; a clip without them gives none).
pub fn timeline_words<'a>(
    draft: &Draft,
    words_of: impl Fn(&str) -> Option<&'a [Word]>,
) -> Vec<TimelineWord> {
    let segments = draft.main_segments();
    let mut out = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let Some(src) = segment.src.as_deref() else {
            continue;
        };
        let Some(words) = words_of(src) else {
            continue;
        };
        let range = segment.source_range();
        let same_clip: Vec<_> = segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.src.as_deref() == Some(src))
            .collect();
        for word in words {
            let here = overlap(word, range.start_ms, range.end_ms);
            if here == 0 {
                continue;
            }
            // The range holding most of it; the first of equals.
            let best = same_clip.iter().max_by(|(a, sa), (b, sb)| {
                let (ra, rb) = (sa.source_range(), sb.source_range());
                overlap(word, ra.start_ms, ra.end_ms)
                    .cmp(&overlap(word, rb.start_ms, rb.end_ms))
                    .then(b.cmp(a))
            });
            if best.map(|(j, _)| *j) != Some(i) {
                continue;
            }
            let speed = segment.speed();
            let at = |source_ms: u64| {
                let into = source_ms.clamp(range.start_ms, range.end_ms) - range.start_ms;
                (segment.start_ms + (into as f64 / speed).round() as u64).min(segment.end_ms())
            };
            out.push(TimelineWord {
                text: word.text.clone(),
                start_ms: at(word.start_ms),
                end_ms: at(word.end_ms.max(word.start_ms)),
            });
        }
    }
    out.sort_by_key(|w| (w.start_ms, w.end_ms));
    out
}

/// The Draft's captions in the order `fix_caption` numbers them.
pub fn caption_lines(draft: &Draft) -> Vec<CaptionLine> {
    timeline::ops::captions_in_order(draft)
        .iter()
        .enumerate()
        .map(|(index, s)| CaptionLine {
            index,
            start_ms: s.start_ms,
            end_ms: s.end_ms(),
            text: s.meta.text.clone().unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::{DraftMeta, Segment};

    /// A Draft playing these source ranges of `a_1`, one after another.
    fn playing(ranges: &[(u64, u64)]) -> Draft {
        let mut draft = Draft::single_clip("a_1", 10_000, DraftMeta::for_clip((320, 180), 30.0));
        let template = draft.tracks[0].segments[0].clone();
        let mut at = 0;
        draft.tracks[0].segments = ranges
            .iter()
            .enumerate()
            .map(|(i, &(start, end))| {
                let segment = Segment {
                    id: format!("s{i}"),
                    start_ms: at,
                    source_in_ms: start,
                    duration_ms: end - start,
                    ..template.clone()
                };
                at += end - start;
                segment
            })
            .collect();
        draft.duration_ms = at;
        draft
    }

    #[test]
    fn words_move_with_the_cuts_and_go_with_the_range_holding_most_of_them() {
        let words = [
            Word::new("one", 100, 400),
            Word::new("two", 900, 1_300), // mostly cut: 900–1 000 kept, 1 000–1 300 cut
            Word::new("three", 1_900, 2_300), // mostly kept in the second range
            Word::new("gone", 1_200, 1_500), // wholly cut
            Word::new("four", 3_000, 3_200),
        ];
        let draft = playing(&[(0, 1_000), (2_000, 4_000)]);
        let got = timeline_words(&draft, |src| (src == "a_1").then_some(&words[..]));
        let got: Vec<(&str, u64, u64)> = got
            .iter()
            .map(|w| (w.text.as_str(), w.start_ms, w.end_ms))
            .collect();
        assert_eq!(
            got,
            [
                ("one", 100, 400),
                ("two", 900, 1_000),
                ("three", 1_000, 1_300),
                ("four", 2_000, 2_200),
            ]
        );
        // A clip without a transcript gives no words.
        assert!(timeline_words(&draft, |_| None).is_empty());
    }
}
