//! Splitting an instruction into clauses, one edit each: "trim the pauses, add captions and
//! export" → ["trim the pauses", "add captions", "export"]; "把停顿剪掉，然后加上字幕" →
//! ["把停顿剪掉", "加上字幕"].
//!
//! Quoted text (a title) is set aside first so its words never split or match anything, and
//! phrases whose "and" is not a joint ("fade in and out", "black and white", "between 0:10
//! and 0:25", "one and a half") are kept whole.

/// An instruction with its quoted texts replaced by markers `§0§`, `§1§`, ….
#[derive(Clone, Debug, PartialEq)]
pub struct Masked {
    pub text: String,
    pub quotes: Vec<String>,
}

const QUOTE_PAIRS: &[(char, char)] = &[
    ('\'', '\''),
    ('"', '"'),
    ('“', '”'),
    ('‘', '’'),
    ('「', '」'),
    ('『', '』'),
    ('《', '》'),
];

/// Sets quoted texts aside. An apostrophe inside a word ("it's") is not a quote.
pub fn mask_quotes(text: &str) -> Masked {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut quotes = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opening = QUOTE_PAIRS.iter().find(|(open, _)| *open == c);
        let inside_word = c == '\''
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if let (Some(&(_, close)), false) = (opening, inside_word) {
            let end = (i + 1..chars.len()).find(|&j| {
                chars[j] == close
                    && !(close == '\''
                        && chars.get(j + 1).is_some_and(|n| n.is_alphanumeric())
                        && chars[j - 1].is_alphanumeric())
            });
            if let Some(end) = end {
                let quoted: String = chars[i + 1..end].iter().collect();
                out.push_str(&format!(" §{}§ ", quotes.len()));
                quotes.push(quoted.trim().to_string());
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    Masked { text: out, quotes }
}

/// Phrases whose "and" joins no two edits, rewritten without it.
const KEPT_WHOLE: &[(&str, &str)] = &[
    ("fade in and out", "fade in-and-out"),
    ("fade in and fade out", "fade in-and-out"),
    ("fades in and out", "fade in-and-out"),
    ("black and white", "black-and-white"),
    ("black & white", "black-and-white"),
    ("in and out", "in-and-out"),
];

/// The clauses of a (masked, lower-cased) instruction.
pub fn split(text: &str) -> Vec<String> {
    let mut text = format!(" {} ", text);
    for (phrase, whole) in KEPT_WHOLE {
        text = text.replace(phrase, whole);
    }
    let text = between_to_from(&text);
    let mut clauses = vec![text];
    for separator in [
        "，",
        ",",
        "；",
        ";",
        "。",
        "、",
        "！",
        "!",
        "?",
        "？",
        " and then ",
        " then ",
        " and also ",
        " also ",
        " and ",
        " plus ",
        " & ",
        "然后",
        "并且",
        "接着",
        "之后",
        "同时",
        "再把",
        "再",
    ] {
        clauses = clauses
            .iter()
            .flat_map(|c| c.split(separator).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    // "和" joins two edits only before a stretch of time ("剪掉前5秒和最后3秒"); elsewhere it
    // joins two things of one edit ("嗯和呃").
    clauses = clauses.iter().flat_map(|c| split_chinese_and(c)).collect();
    clauses = clauses.iter().flat_map(|c| split_chinese_also(c)).collect();
    // A sentence-ending period ("…9:16. Then") splits too; a decimal point or a file name's
    // does not.
    clauses = clauses.iter().flat_map(|c| split_sentences(c)).collect();
    clauses
        .into_iter()
        .map(|c| {
            c.trim()
                .trim_start_matches("并")
                .trim_start_matches("和")
                .trim()
                .to_string()
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// How a piece of a clause joins the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joint {
    /// The clause's own start.
    Start,
    /// "… with big captions", "… without music", "… for TikTok", "… but lower it when I
    /// talk": a modifier that may add to the edit before it, or be an edit of its own.
    Modifier,
}

/// The words that join a modifier to a clause. "without" and "for" stay in the piece (they
/// carry meaning: "without music", "for tiktok"); "with" and "but" are dropped only when what
/// follows is understood on its own (the caller decides).
const MODIFIER_JOINTS: &[&str] = &[" without ", " with ", " but ", " for ", "但是"];

/// "for" starts a modifier only before a platform ("for tiktok"); elsewhere it belongs to its
/// clause ("for the first 3 seconds", "pauses for longer than 1 s").
const PLATFORMS: &[&str] = &[
    "tiktok",
    "reels",
    "shorts",
    "youtube",
    "instagram",
    "stories",
    "story",
    "facebook",
    "twitter",
    "linkedin",
    "douyin",
    "a tiktok",
    "an instagram",
    "a youtube",
    "the tiktok",
    "vertical",
    "portrait",
    "landscape",
    "mobile",
    "phones",
    "a phone",
];

/// A clause cut at its modifier words: "make it 9:16 for tiktok with big captions" →
/// [("make it 9:16", Start), ("for tiktok", Modifier), ("with big captions", Modifier)].
/// The joint word stays at the start of its piece.
pub fn pieces(clause: &str) -> Vec<(String, Joint)> {
    let padded = format!(" {clause} ");
    let mut cuts: Vec<usize> = MODIFIER_JOINTS
        .iter()
        .flat_map(|joint| padded.match_indices(joint).map(|(at, _)| at))
        .filter(|&at| at > 0)
        .filter(|&at| {
            let rest = &padded[at..];
            !rest.starts_with(" for ")
                || PLATFORMS
                    .iter()
                    .any(|p| rest[" for ".len()..].starts_with(p))
        })
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut from = 0;
    for at in cuts.into_iter().chain([padded.len()]) {
        let piece = padded[from..at].trim();
        if !piece.is_empty() {
            let joint = if out.is_empty() {
                Joint::Start
            } else {
                Joint::Modifier
            };
            out.push((piece.to_string(), joint));
        }
        from = at;
    }
    out
}

fn split_chinese_and(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut rest = text;
    while let Some(at) = rest.find('和') {
        let after = &rest[at + '和'.len_utf8()..];
        let before_span = ["最后", "前", "从", "后"]
            .iter()
            .any(|w| after.starts_with(w))
            || after.starts_with(|c: char| c.is_ascii_digit());
        let current = parts.last_mut().expect("one part");
        current.push_str(&rest[..at]);
        if before_span {
            parts.push(String::new());
        } else {
            current.push('和');
        }
        rest = after;
    }
    parts.last_mut().expect("one part").push_str(rest);
    parts
}

/// The verbs an edit starts with after "并" ("去掉停顿并加上字幕"): only there is "并" a joint
/// of two clauses; inside a word ("合并", "一并", "并排") it is not.
const VERBS_AFTER_ALSO: &[char] = &[
    '加', '添', '去', '删', '剪', '导', '把', '改', '换', '调', '做', '转', '放', '配', '变', '裁',
];

/// The first characters of words that end in "并": "合并" (join), "一并" (all together), "兼并",
/// "归并", "吞并".
const WORDS_ENDING_IN_ALSO: &[char] = &['合', '一', '兼', '归', '吞'];

fn split_chinese_also(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        let joint = c == '并'
            && i > 0
            && !WORDS_ENDING_IN_ALSO.contains(&chars[i - 1])
            && chars
                .get(i + 1)
                .is_some_and(|n| VERBS_AFTER_ALSO.contains(n));
        if joint {
            parts.push(String::new());
        } else {
            parts.last_mut().expect("one part").push(c);
        }
    }
    parts
}

fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        // A point inside a word is not an end: "1.5", "talk.mp4".
        let inside_word = i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c == '.' && !inside_word {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// "between 0:10 and 0:25" → "from 0:10 to 0:25", so the "and" does not split it.
fn between_to_from(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let starts_with_digit = |w: &str| w.chars().next().is_some_and(|c| c.is_ascii_digit());
        if words[i] == "between" {
            if let Some(and_at) = (i + 1..words.len().min(i + 5)).find(|&j| words[j] == "and") {
                if words.get(and_at + 1).is_some_and(|w| starts_with_digit(w))
                    && words[i + 1..and_at].iter().any(|w| starts_with_digit(w))
                {
                    out.push("from".into());
                    out.extend(words[i + 1..and_at].iter().map(|w| w.to_string()));
                    out.push("to".into());
                    i = and_at + 1;
                    continue;
                }
            }
        }
        out.push(words[i].to_string());
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_set_aside_and_apostrophes_are_not_quotes() {
        let masked = mask_quotes("add the title 'Rock and Roll' and it's done, “城市之梦”");
        assert_eq!(masked.quotes, ["Rock and Roll", "城市之梦"]);
        assert!(masked.text.contains("it's done"));
        assert!(!masked.text.contains("Roll"));
    }

    #[test]
    fn clauses_are_cut_at_their_modifiers() {
        let got: Vec<String> = pieces("make it 9:16 for tiktok with big captions")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(got, ["make it 9:16", "for tiktok", "with big captions"]);
        let got: Vec<(String, Joint)> = pieces("export without music");
        assert_eq!(
            got,
            [
                ("export".to_string(), Joint::Start),
                ("without music".to_string(), Joint::Modifier)
            ]
        );
        assert_eq!(pieces("add captions").len(), 1);
    }

    #[test]
    fn compound_instructions_split_into_clauses() {
        assert_eq!(
            split("trim the pauses, add lo-fi music at 35%, make it 9:16 and add the title §0§ for the first 3 seconds"),
            [
                "trim the pauses",
                "add lo-fi music at 35%",
                "make it 9:16",
                "add the title §0§ for the first 3 seconds"
            ]
        );
        assert_eq!(
            split("把停顿剪掉，加上字幕，然后导出1080p"),
            ["把停顿剪掉", "加上字幕", "导出1080p"]
        );
        // "并" before a verb joins two edits: the removal stays with the pauses.
        assert_eq!(split("去掉停顿并加上字幕"), ["去掉停顿", "加上字幕"]);
        assert_eq!(split("把两个视频合并导出"), ["把两个视频合并导出"]);
        assert_eq!(split("把嗯和呃一并删掉"), ["把嗯和呃一并删掉"]);
        assert_eq!(
            split("fade in and out then speed up 1.5x"),
            ["fade in-and-out", "speed up 1.5x"]
        );
        assert_eq!(
            split("cut between 0:10 and 0:25"),
            ["cut from 0:10 to 0:25"]
        );
        assert_eq!(
            split("make it black and white."),
            ["make it black-and-white"]
        );
        assert_eq!(split("speed 1.5x. then mute"), ["speed 1.5x", "mute"]);
    }
}
