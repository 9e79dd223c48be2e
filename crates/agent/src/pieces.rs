//! Pieces of work. In a session with several videos each is its own piece (its own Draft,
//! named after its file, rendered on its own), and words pick which one an edit is for: "the
//! second video", "talk.mp4", "the phone clip", "this one", "all of them", "第二个视频". A
//! "clip" (片段) stays a clip inside the current piece ("delete the second clip").
//!
//! Two pure halves: [`take_reference`] reads a piece's name out of a clause (the rules then
//! read the edit in what is left) and [`route`] sends a Plan's Steps to the pieces they name,
//! or asks which when the words cannot tell. The front door that holds the pieces (the server)
//! applies each part to its piece.

use serde::{Deserialize, Serialize};

use crate::plan::{Language, Plan, Step};

/// A piece named in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "piece", rename_all = "snake_case")]
pub enum PieceRef {
    /// "the second video" (from 1, in upload order).
    Nth { n: usize },
    /// "the last video".
    Last,
    /// "talk.mp4", "the phone clip": a piece's name as the session lists it.
    Named { name: String },
    /// "this one": the piece last spoken of, else the last uploaded.
    This,
    /// "all of them", "each", "全部".
    All,
}

/// From Step `from` on (until the next Aim), the Steps are for these pieces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aim {
    pub from: usize,
    pub pieces: Vec<PieceRef>,
}

/// A piece as words can name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PieceName {
    /// The file it came from ("talk.mp4"), or the name a join gave it.
    pub name: String,
    /// Made by joining others: "all of them" joins only uploaded pieces.
    pub joined: bool,
}

/// Ordinal words, in the forms the number reader leaves them.
const ORDINALS: &[(&str, usize)] = &[
    ("first", 1),
    ("1st", 1),
    ("second", 2),
    ("2nd", 2),
    ("third", 3),
    ("3rd", 3),
    ("fourth", 4),
    ("4th", 4),
    ("fifth", 5),
    ("5th", 5),
    ("sixth", 6),
    ("6th", 6),
];
/// Words after an ordinal or "this" that make it a piece ("the second one"); "clip" is a clip
/// of the current piece. "one" is "1" once numbers are read.
const PIECE_NOUNS: &[&str] = &[
    "video",
    "videos",
    "one",
    "1",
    "ones",
    "file",
    "files",
    "recording",
    "upload",
];
/// After a file's name, "clip" names the piece too: "the phone clip".
const NAME_NOUNS: &[&str] = &["clip", "video", "one", "1", "file", "recording"];
/// "all of them", "each video", "both": every piece. The word must be followed by one of
/// these (or end the clause), so "all the pauses" stays about pauses.
const ALL_WORDS: &[&str] = &["all", "each", "every", "both"];
const ALL_FOLLOWERS: &[&str] = &[
    "of them",
    "videos",
    "video",
    "the videos",
    "them",
    "of the videos",
    "ones",
    "one",
    "1",
    "files",
];
/// Whole phrases that mean every piece.
const ALL_PHRASES: &[&str] = &[
    "each clip as its own video",
    "each clip as a separate video",
    "as separate videos",
    "as separate files",
    "them all",
    "them both",
    "separately",
    "individually",
    "one by one",
];
const PREPOSITIONS: &[&str] = &["in", "on", "of", "for", "to", "from", "with", "into"];
/// Chinese: a piece is a 视频 (a 片段 is a clip).
const ZH_ALL: &[&str] = &[
    "所有视频",
    "全部视频",
    "每个视频",
    "两个视频",
    "这些视频",
    "全部导出",
    "都导出",
    "分别导出",
    "逐个导出",
    "每个都",
];
const ZH_THIS: &[&str] = &["这个视频", "该视频"];
const ZH_LAST: &[&str] = &["最后一个视频"];
/// Words that join pieces into one: "join them", "put them together", "合并".
pub const JOIN_WORDS: &[&str] = &[
    "join",
    "merge",
    "combine",
    "together",
    "stitch",
    "concatenate",
    "合并",
    "拼接",
    "拼在一起",
    "合在一起",
    "连起来",
    "接起来",
];

/// The piece a clause names and the clause without the name ("make the second one 9:16" →
/// (2nd, "make it 9:16"); "trim the pauses in the first video" → (1st, "trim the pauses")).
pub fn take_reference(clause: &str, names: &[PieceName]) -> Option<(Vec<PieceRef>, String)> {
    if clause
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    {
        return take_chinese(clause, names);
    }
    let words: Vec<&str> = clause.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
            .to_string()
    };
    for phrase in ALL_PHRASES {
        if let Some(at) = find_words(&words, phrase) {
            let len = phrase.split_whitespace().count();
            return Some((vec![PieceRef::All], cut_out(&words, at, at + len, false)));
        }
    }
    let mut found: Vec<PieceRef> = Vec::new();
    let (mut start, mut end) = (usize::MAX, 0);
    let mut i = 0;
    while i < words.len() {
        let word = bare(words[i]);
        let next = words.get(i + 1).map(|w| bare(w)).unwrap_or_default();
        let named = names
            .iter()
            .filter(|p| stem(&p.name).chars().any(char::is_alphanumeric))
            .find(|p| word == p.name.to_lowercase())
            .map(|p| (p.name.clone(), 1))
            .or_else(|| {
                names
                    .iter()
                    .find(|p| {
                        !word.is_empty()
                            && stem(&p.name) == word
                            && NAME_NOUNS.contains(&next.as_str())
                    })
                    .map(|p| (p.name.clone(), 2))
            });
        let (piece, len) = if let Some((name, len)) = named {
            (Some(PieceRef::Named { name }), len)
        } else if let Some(n) = ORDINALS.iter().find(|(w, _)| *w == word).map(|(_, n)| *n) {
            // "the second one"; in a list ("the first and the second video") the noun comes
            // once, at the end.
            let noun = is_noun(&words[i + 1..]);
            let joined_on = i > 0 && ["and", "⊕", "&"].contains(&bare(words[i - 1]).as_str())
                || i > 1
                    && bare(words[i - 1]) == "the"
                    && ["and", "⊕", "&"].contains(&bare(words[i - 2]).as_str());
            let listed = (!found.is_empty() && joined_on) || list_ends_in_noun(&words[i + 1..]);
            (
                (noun || listed).then_some(PieceRef::Nth { n }),
                1 + usize::from(noun),
            )
        } else if ["last", "final", "latest"].contains(&word.as_str()) && is_noun(&words[i + 1..]) {
            (Some(PieceRef::Last), 2)
        } else if ["this", "that"].contains(&word.as_str())
            && is_noun(&words[i + 1..])
            && next != "ones"
        {
            (Some(PieceRef::This), 2)
        } else if ["video", "file"].contains(&word.as_str()) {
            // "video 2", "video #2"
            match next.trim_start_matches('#').parse::<usize>() {
                Ok(n) if n >= 1 => (Some(PieceRef::Nth { n }), 2),
                _ => (None, 1),
            }
        } else if ALL_WORDS.contains(&word.as_str()) {
            let rest = words[i + 1..].join(" ");
            let follower = ALL_FOLLOWERS
                .iter()
                .filter(|f| rest == **f || rest.starts_with(&format!("{f} ")))
                .max_by_key(|f| f.len());
            match follower {
                Some(f) => (Some(PieceRef::All), 1 + f.split_whitespace().count()),
                None if rest.is_empty() && word != "every" => (Some(PieceRef::All), 1),
                None => (None, 1),
            }
        } else {
            (None, 1)
        };
        if let Some(piece) = piece {
            if !found.contains(&piece) {
                found.push(piece);
            }
            start = start.min(i);
            end = i + len;
        }
        i += len;
    }
    if found.is_empty() {
        return None;
    }
    // A trailing noun of a list ("the first and the second videos") goes too.
    while end < words.len() && PIECE_NOUNS.contains(&bare(words[end]).as_str()) {
        end += 1;
    }
    Some((found, cut_out(&words, start, end, true)))
}

/// Whether `rest` starts with a piece noun: "video", "one" ("the second one") — but not the
/// "1" of a quantity ("the last one second", "the first 1 minute").
fn is_noun(rest: &[&str]) -> bool {
    let bare = |w: &&str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let Some(first) = rest.first().map(bare) else {
        return false;
    };
    let quantity = rest
        .get(1)
        .map(bare)
        .is_some_and(|unit| UNITS.contains(&unit.as_str()));
    PIECE_NOUNS.contains(&first.as_str()) && !(first == "1" && quantity)
}

/// Words after a number that make it a quantity, not "one" of the videos.
const UNITS: &[&str] = &[
    "second", "seconds", "sec", "secs", "s", "ms", "minute", "minutes", "min", "mins", "frame",
    "frames", "time", "times", "x", "percent", "db", "hour", "hours",
];

/// Whether the words after an ordinal are "and the third video"-like: a list of ordinals
/// that ends in a piece noun.
fn list_ends_in_noun(rest: &[&str]) -> bool {
    for word in rest {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        if PIECE_NOUNS.contains(&word) {
            return true;
        }
        let listing = ["and", "the", "&", "⊕", ""].contains(&word)
            || ORDINALS.iter().any(|(w, _)| *w == word);
        if !listing {
            return false;
        }
    }
    false
}

/// `words` without `[start, end)`, and the preposition and article before it; a name that
/// was the object of a verb ("make the second one 9:16") becomes "it".
fn cut_out(words: &[&str], start: usize, end: usize, object_to_it: bool) -> String {
    let mut from = start;
    // The list's own words: "the", "and" inside it were skipped over.
    if from > 0 && words[from - 1] == "the" {
        from -= 1;
    }
    let preposition = from > 0 && PREPOSITIONS.contains(&words[from - 1]);
    if preposition {
        from -= 1;
    }
    let mut out: Vec<&str> = words[..from].to_vec();
    if object_to_it && !preposition && from > 0 && end < words.len() {
        out.push("it");
    }
    out.extend(&words[end.min(words.len())..]);
    out.join(" ").replace('⊕', "and")
}

fn find_words(words: &[&str], phrase: &str) -> Option<usize> {
    let phrase: Vec<&str> = phrase.split_whitespace().collect();
    (0..words.len()).find(|&i| {
        words.len() >= i + phrase.len()
            && words[i..i + phrase.len()]
                .iter()
                .zip(&phrase)
                .all(|(w, p)| w.trim_matches(|c: char| !c.is_alphanumeric()) == *p)
    })
}

/// A file name's stem, lower-cased: "Talk.mp4" → "talk".
fn stem(name: &str) -> String {
    let lower = name.to_lowercase();
    match lower.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => lower,
    }
}

/// The Chinese forms: "第2个视频", "第一个视频", "最后一个视频", "这个视频", "所有视频", a file name.
fn take_chinese(clause: &str, names: &[PieceName]) -> Option<(Vec<PieceRef>, String)> {
    let mut found = Vec::new();
    let mut rest = clause.to_string();
    let remove = |rest: &mut String, text: &str| {
        for tail in ["的", ""] {
            let whole = format!("{text}{tail}");
            if rest.contains(&whole) {
                *rest = rest.replacen(&whole, "", 1);
                return;
            }
        }
    };
    // "talk.mp4", "talk视频"
    for name in names.iter().filter(|n| !stem(&n.name).trim().is_empty()) {
        let forms = [
            format!("{}视频", stem(&name.name)),
            name.name.to_lowercase(),
        ];
        if let Some(form) = forms.iter().find(|f| rest.contains(f.as_str())) {
            found.push(PieceRef::Named {
                name: name.name.clone(),
            });
            remove(&mut rest, form);
        }
    }
    while let Some(at) = rest.find('第') {
        let after = &rest[at + '第'.len_utf8()..];
        let number: String = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '一')
            .collect();
        let tail = &after[number.len()..];
        // "第一个和第二个视频": the noun comes once, at the end of the list.
        let listed = ["个和", "个、", "个与", "个跟"]
            .iter()
            .find(|n| tail.starts_with(**n) && tail.contains("个视频"));
        let noun = ["个视频", "个文件"]
            .iter()
            .find(|n| tail.starts_with(**n))
            .or(listed);
        let n = if number == "一" {
            Some(1)
        } else {
            number.parse().ok()
        };
        match (noun, n) {
            (Some(noun), Some(n)) if n >= 1 => {
                found.push(PieceRef::Nth { n });
                let text = format!("第{number}{noun}");
                remove(&mut rest, &text);
            }
            _ => break,
        }
    }
    for (forms, piece) in [
        (ZH_LAST, PieceRef::Last),
        (ZH_THIS, PieceRef::This),
        (ZH_ALL, PieceRef::All),
    ] {
        if let Some(form) = forms.iter().find(|f| rest.contains(**f)) {
            found.push(piece);
            // "全部导出" keeps its verb.
            let verb = form.strip_prefix("全部").or(form.strip_prefix("分别"));
            let verb = verb
                .or(form.strip_prefix("逐个"))
                .or(form.strip_prefix("都"));
            match verb.filter(|v| *v == "导出") {
                Some(verb) => rest = rest.replacen(form, verb, 1),
                None => remove(&mut rest, form),
            }
        }
    }
    (!found.is_empty()).then(|| (found, rest.replace("每个都", "").trim().to_string()))
}

/// Whether a clause asks to join pieces: "join them", "put them together", "合并".
pub fn asks_join(clause: &str) -> bool {
    let words: Vec<&str> = clause
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    JOIN_WORDS.iter().any(|join| {
        if join.is_ascii() {
            words.contains(join)
        } else {
            clause.contains(join)
        }
    })
}

/// " and " inside a list of pieces ("join the first and the third video", "talk.mp4 and
/// phone.mp4") is kept from splitting the instruction, as the word "⊕"; [`take_reference`]
/// reads it back.
pub fn keep_lists(text: &str) -> String {
    let parts: Vec<&str> = text.split(" and ").collect();
    let mut out = parts[0].to_string();
    for (i, part) in parts.iter().enumerate().skip(1) {
        let before = parts[i - 1].split_whitespace().last().unwrap_or_default();
        let rest = parts[i..].join(" and ");
        let rest: Vec<&str> = rest.split_whitespace().collect();
        let file = |w: &str| w.contains('.') && !w.ends_with('.');
        let ordinal = |w: &str| ORDINALS.iter().any(|(o, _)| *o == w);
        let first = rest
            .iter()
            .find(|w| **w != "the")
            .copied()
            .unwrap_or_default();
        let listed = (ordinal(before) && ordinal(first) && list_ends_in_noun(&rest))
            || (file(before) && file(first));
        out.push_str(if listed { " ⊕ " } else { " and " });
        out.push_str(part);
    }
    out
}

/// What a Plan does, piece by piece, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    /// Apply `plan` to piece `piece` (an index into the session's pieces; a piece a join of
    /// this same turn makes comes after the existing ones).
    Edit { piece: usize, plan: Plan },
    /// Make a new piece of these, in this order, and make it current.
    Join { pieces: Vec<usize> },
}

/// Where a Plan goes: its Works, and the current piece after them.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub works: Vec<Work>,
    pub current: Option<usize>,
}

/// Sends each Step of `plan` to the pieces its words named (Steps without a name go where the
/// ones before them went, else to the current piece); a question back when the words name no
/// piece and there are several with none current, or name one that is not there, or there is
/// no piece at all.
pub fn route(
    plan: &Plan,
    pieces: &[PieceName],
    current: Option<usize>,
    language: Language,
) -> Result<Route, String> {
    let mut count = pieces.len();
    let mut joined: Vec<bool> = pieces.iter().map(|p| p.joined).collect();
    let mut current = current.filter(|c| *c < count);
    if count == 1 {
        current = Some(0);
    }
    let mut works: Vec<Work> = Vec::new();
    let mut targets: Option<Vec<usize>> = None;
    for (i, step) in plan.steps.iter().enumerate() {
        if let Some(aim) = plan.aims.iter().rev().find(|a| a.from == i) {
            let mut chosen = Vec::new();
            for piece in &aim.pieces {
                for index in resolve(piece, pieces, count, &joined, current, language)? {
                    if !chosen.contains(&index) {
                        chosen.push(index);
                    }
                }
            }
            if let [one] = chosen[..] {
                current = Some(one);
            }
            targets = Some(chosen);
        }
        if let Step::Join { pieces: named } = step {
            let mut chosen = Vec::new();
            if named.is_empty() {
                chosen = (0..count).filter(|&i| !joined[i]).collect();
            }
            for piece in named {
                chosen.extend(resolve(piece, pieces, count, &joined, current, language)?);
            }
            chosen.dedup();
            if chosen.len() < 2 {
                return Err(match language {
                    Language::English => "Joining needs at least two videos; upload another, or name two (“join the first and the second video”).".into(),
                    Language::Chinese => "合并至少需要两个视频：请再上传一个，或说出要合并的两个（“合并第一个和第二个视频”）。".into(),
                });
            }
            works.push(Work::Join { pieces: chosen });
            joined.push(true);
            current = Some(count);
            targets = None;
            count += 1;
            continue;
        }
        let to = match &targets {
            Some(to) => to.clone(),
            None => match current {
                Some(c) => vec![c],
                None if count == 0 => return Err(no_video(language)),
                None => return Err(which(pieces, language)),
            },
        };
        for piece in to {
            // One apply per piece between joins: "all of them" with two Steps is one edit of
            // each, not two of the first.
            let since_join = works
                .iter_mut()
                .rev()
                .take_while(|w| !matches!(w, Work::Join { .. }))
                .find(|w| matches!(w, Work::Edit { piece: p, .. } if *p == piece));
            match since_join {
                Some(Work::Edit { plan, .. }) => plan.steps.push(step.clone()),
                _ => works.push(Work::Edit {
                    piece,
                    plan: Plan {
                        steps: vec![step.clone()],
                        ..Plan::default()
                    },
                }),
            }
        }
    }
    // A piece named after the last Step ("the second one" alone): it becomes current.
    for aim in plan.aims.iter().filter(|a| a.from >= plan.steps.len()) {
        let mut named = Vec::new();
        for piece in &aim.pieces {
            named.extend(resolve(piece, pieces, count, &joined, current, language)?);
        }
        if let [one] = named[..] {
            current = Some(one);
        }
    }
    if count == 0 && (!plan.assumptions.is_empty() || !plan.not_done.is_empty()) {
        return Err(no_video(language));
    }
    // What was assumed and what is not done is said once, with the first edit.
    match works.iter_mut().find(|w| matches!(w, Work::Edit { .. })) {
        Some(Work::Edit { plan: first, .. }) => {
            first.assumptions = plan.assumptions.clone();
            first.not_done = plan.not_done.clone();
        }
        _ if !plan.assumptions.is_empty() || !plan.not_done.is_empty() => {
            let piece = current.unwrap_or(0);
            works.push(Work::Edit {
                piece,
                plan: Plan {
                    assumptions: plan.assumptions.clone(),
                    not_done: plan.not_done.clone(),
                    ..Plan::default()
                },
            });
        }
        _ => {}
    }
    Ok(Route { works, current })
}

/// The pieces a name stands for.
fn resolve(
    piece: &PieceRef,
    pieces: &[PieceName],
    count: usize,
    joined: &[bool],
    current: Option<usize>,
    language: Language,
) -> Result<Vec<usize>, String> {
    let missing = |what: String| match language {
        Language::English => format!(
            "There is no {what} here: this session has {}. Which one do you mean?",
            listing(pieces, language)
        ),
        Language::Chinese => {
            format!(
                "这里没有{what}：本次会话有{}。要改哪一个？",
                listing(pieces, language)
            )
        }
    };
    match piece {
        PieceRef::All => Ok((0..count).collect()),
        PieceRef::This | PieceRef::Last if count == 0 => Err(missing(match language {
            Language::English => "video".into(),
            Language::Chinese => "视频".into(),
        })),
        PieceRef::This => Ok(vec![current.unwrap_or(count - 1)]),
        PieceRef::Last => Ok(vec![(0..count).rev().find(|&i| !joined[i]).unwrap_or(0)]),
        PieceRef::Nth { n } => {
            let uploaded: Vec<usize> = (0..count).filter(|&i| !joined[i]).collect();
            uploaded
                .get(n.wrapping_sub(1))
                .map(|&i| vec![i])
                .ok_or_else(|| {
                    missing(match language {
                        Language::English => format!("video {n}"),
                        Language::Chinese => format!("第{n}个视频"),
                    })
                })
        }
        PieceRef::Named { name } => pieces
            .iter()
            .position(|p| &p.name == name)
            .map(|i| vec![i])
            .ok_or_else(|| missing(name.clone())),
    }
}

fn no_video(language: Language) -> String {
    match language {
        Language::English => "There is no video in this session yet: upload one first.".into(),
        Language::Chinese => "这个会话里还没有视频，请先上传一个。".into(),
    }
}

/// "Which video do you mean: 1 talk.mp4, 2 phone.mp4? …"
fn which(pieces: &[PieceName], language: Language) -> String {
    match language {
        Language::English => format!(
            "Which video do you mean: {}? Say “the first one”, its file name, or “all of them”.",
            listing(pieces, language)
        ),
        Language::Chinese => format!(
            "要改哪个视频：{}？可以说“第一个视频”、文件名，或“所有视频”。",
            listing(pieces, language)
        ),
    }
}

fn listing(pieces: &[PieceName], language: Language) -> String {
    let items: Vec<String> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{} {}", i + 1, p.name))
        .collect();
    items.join(if language == Language::Chinese {
        "、"
    } else {
        ", "
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Vec<PieceName> {
        ["talk.mp4", "phone.mp4"]
            .map(|name| PieceName {
                name: name.into(),
                joined: false,
            })
            .to_vec()
    }

    fn plan(steps: Vec<Step>, aims: Vec<(usize, PieceRef)>) -> Plan {
        Plan {
            steps,
            aims: aims
                .into_iter()
                .map(|(from, piece)| Aim {
                    from,
                    pieces: vec![piece],
                })
                .collect(),
            ..Plan::default()
        }
    }

    fn edited(route: &Route) -> Vec<usize> {
        route
            .works
            .iter()
            .filter_map(|w| match w {
                Work::Edit { piece, .. } => Some(*piece),
                Work::Join { .. } => None,
            })
            .collect()
    }

    #[test]
    fn words_without_a_piece_go_to_the_current_one_or_ask_which() {
        let trim = plan(vec![Step::RemoveFillers], Vec::new());
        let asked = route(&trim, &two(), None, Language::English).unwrap_err();
        assert!(asked.contains("1 talk.mp4, 2 phone.mp4"), "{asked}");
        let routed = route(&trim, &two(), Some(1), Language::English).unwrap();
        assert_eq!(edited(&routed), [1]);
        // One piece: no question; none: upload one first.
        let one = &two()[..1];
        assert_eq!(
            edited(&route(&trim, one, None, Language::English).unwrap()),
            [0]
        );
        let none = route(&trim, &[], None, Language::English).unwrap_err();
        assert!(none.contains("upload one first"), "{none}");
    }

    #[test]
    fn named_pieces_become_current_and_all_goes_to_each() {
        let second = plan(vec![Step::RemoveFillers], vec![(0, PieceRef::Nth { n: 2 })]);
        let routed = route(&second, &two(), None, Language::English).unwrap();
        assert_eq!((edited(&routed), routed.current), (vec![1], Some(1)));
        let all = plan(vec![Step::Undo], vec![(0, PieceRef::All)]);
        let routed = route(&all, &two(), Some(0), Language::English).unwrap();
        assert_eq!((edited(&routed), routed.current), (vec![0, 1], Some(0)));
        let third = plan(vec![Step::Undo], vec![(0, PieceRef::Nth { n: 3 })]);
        let missing = route(&third, &two(), None, Language::Chinese).unwrap_err();
        assert!(missing.contains("第3个视频"), "{missing}");
    }

    #[test]
    fn a_piece_named_alone_becomes_current_and_all_is_one_edit_of_each() {
        let named = plan(Vec::new(), vec![(0, PieceRef::Nth { n: 2 })]);
        let routed = route(&named, &two(), Some(0), Language::English).unwrap();
        assert_eq!((routed.works.len(), routed.current), (0, Some(1)));
        let both = plan(
            vec![Step::RemoveFillers, Step::Undo],
            vec![(0, PieceRef::All)],
        );
        let routed = route(&both, &two(), None, Language::English).unwrap();
        let steps: Vec<(usize, usize)> = routed
            .works
            .iter()
            .filter_map(|w| match w {
                Work::Edit { piece, plan } => Some((*piece, plan.steps.len())),
                Work::Join { .. } => None,
            })
            .collect();
        assert_eq!(steps, [(0, 2), (1, 2)]);
    }

    #[test]
    fn on_the_command_line_a_video_by_number_is_named_as_not_done() {
        use crate::{Context, RulePlanner, Understand, Understanding};
        let context = Context::default();
        let Understanding::NotUnderstood { not_done, .. } =
            RulePlanner.understand("trim the pauses in the second video", &context)
        else {
            panic!("not named as not done");
        };
        assert!(
            not_done[0].why.contains("name a clip instead"),
            "{not_done:?}"
        );
        let Understanding::Plan(plan) =
            RulePlanner.understand("trim the pauses in all of them", &context)
        else {
            panic!("all of one timeline is that timeline");
        };
        assert!(plan.aims.is_empty() && plan.not_done.is_empty());
    }

    #[test]
    fn a_join_makes_a_new_current_piece_that_later_steps_go_to() {
        let join = plan(
            vec![
                Step::Join { pieces: Vec::new() },
                Step::Export {
                    format: None,
                    resolution: None,
                    fps: None,
                    quality: None,
                },
            ],
            Vec::new(),
        );
        let routed = route(&join, &two(), None, Language::English).unwrap();
        assert_eq!(routed.works[0], Work::Join { pieces: vec![0, 1] });
        assert_eq!((edited(&routed), routed.current), (vec![2], Some(2)));
        let alone = &two()[..1];
        assert!(route(&join, alone, None, Language::English).is_err());
    }

    #[test]
    fn references_are_taken_out_of_their_clause() {
        let names = two();
        let cases = [
            ("make the second one 9:16", "make it 9:16"),
            ("trim the pauses in the first video", "trim the pauses"),
            ("export all", "export"),
            ("把第1个视频的停顿剪掉", "把停顿剪掉"),
            ("全部导出", "导出"),
        ];
        for (clause, rest) in cases {
            let (_, left) = take_reference(clause, &names).expect(clause);
            assert_eq!(left, rest, "{clause}");
        }
        for clause in [
            "remove all the pauses",
            "delete the second clip",
            "make it 9:16",
        ] {
            assert_eq!(take_reference(clause, &names), None, "{clause}");
        }
    }
}
