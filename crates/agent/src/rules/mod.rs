//! The deterministic planner: instruction → clauses → pieces → Steps, questions, and the
//! parts that will not be done.
//!
//! ```text
//! "Make it 9:16 for TikTok with big captions, remove the logo, export without music"
//!   normalise   quotes set aside, lower case, number words as digits, full-width folded
//!   split       ["make it 9:16 for tiktok with big captions", "remove the logo",
//!                "export without music"]
//!   pieces      ["make it 9:16" | "for tiktok" | "with big captions"], ["remove the logo"],
//!               ["export" | "without music"]
//!   meanings    Aspect 9:16, AddCaptions{size 1.4}, Remove{logo}, Export, Remove{music}
//! ```
//!
//! Every piece ends one of three ways: a Step (or a change to the Step before it: "add
//! music, 40% volume"), a question back, or a part not done, named in the user's own words
//! with the reason. Nothing is dropped and nothing is guessed: a Plan that leaves parts
//! undone says so, and the front doors ask before applying it (see `Plan::is_partial`).

mod clauses;
pub mod intents;
pub mod lexicon;
pub mod numbers;

use crate::pieces::{self, Aim, PieceRef};
use crate::plan::{Language, NotDone, Plan, Step, Understanding};
use crate::registry::can_do;
use crate::understand::{language_of, Context, Understand};
use clauses::Joint;
use intents::{meaning, Meaning, Referents, Said};

/// Understands English and Simplified Chinese with fixed rules; offline and repeatable.
#[derive(Clone, Copy, Debug, Default)]
pub struct RulePlanner;

impl Understand for RulePlanner {
    fn understand(&self, instruction: &str, context: &Context) -> Understanding {
        let language = context.language.unwrap_or_else(|| language_of(instruction));
        let pick = |said: Said| match language {
            Language::English => said.0.to_string(),
            Language::Chinese => said.1.to_string(),
        };
        let masked = clauses::mask_quotes(&fold_width(instruction));
        let text = numbers::digits_for_words(&masked.text.to_lowercase());
        let refs = Referents {
            quotes: masked.quotes,
            music: context.music.clone(),
            image: context.image.clone(),
            can_translate: context.can_translate,
        };
        let mut plan = Plan::default();
        let mut questions = Vec::new();
        // The verb of the last clause that had one: "add captions and music" adds the music.
        let mut last_verb: Option<&str> = None;
        for clause in clauses::split(&pieces::keep_lists(&text)) {
            // "join them", "合并": pieces of work joined (the server does it).
            if pieces::asks_join(&clause) {
                let named = pieces::take_reference(&clause, &context.pieces)
                    .map(|(named, _)| named)
                    .unwrap_or_default();
                let named = named.into_iter().filter(|p| *p != PieceRef::All).collect();
                plan.steps.push(Step::Join { pieces: named });
                continue;
            }
            // "… in the first video", "make the second one 9:16": the piece is set aside, the
            // rest read as an edit.
            let clause = match pieces::take_reference(&clause, &context.pieces) {
                // One timeline of the files given (the command line): "all of them" and "this
                // one" are all of it; a video by number is a clip there, and said so.
                Some((named, rest)) if context.pieces.is_empty() => {
                    if named
                        .iter()
                        .all(|p| matches!(p, PieceRef::All | PieceRef::This))
                    {
                        rest
                    } else {
                        plan.not_done.push(NotDone {
                            text: words_of(instruction, &clause, &refs.quotes),
                            why: pick((
                                "the files given are one timeline here: name a clip instead (“the second clip”)",
                                "这里给出的文件是同一条时间线：请说第几段（“第二段”）",
                            )),
                        });
                        continue;
                    }
                }
                Some((named, rest)) => {
                    plan.aims.push(Aim {
                        from: plan.steps.len(),
                        pieces: named,
                    });
                    rest
                }
                None => clause.replace('⊕', "and"),
            };
            if clause.trim().is_empty() {
                continue;
            }
            let pieces = clauses::pieces(&clause);
            let several = pieces.len() > 1;
            for (piece, joint) in pieces {
                let meaning = match plan.steps.last_mut() {
                    Some(previous) => continuation(&piece, joint, previous, &refs),
                    None => meaning(&piece, &refs),
                };
                let meaning = match meaning {
                    // "format it for reels", "make one for tiktok": the verb alone asks nothing.
                    Meaning::Unknown if several && GENERIC_VERBS.contains(&piece.as_str()) => {
                        Meaning::Nothing
                    }
                    // "… and music", "… and the title": a bare thing takes the verb said
                    // before it.
                    unplaced @ (Meaning::Unknown | Meaning::Question(_)) => match last_verb {
                        Some(verb) => match intents::meaning(&format!("{verb} {piece}"), &refs) {
                            Meaning::Steps(steps) => Meaning::Steps(steps),
                            _ => unplaced,
                        },
                        None => unplaced,
                    },
                    other => other,
                };
                if let Some(verb) = lexicon::which(&piece, "carried_verb") {
                    last_verb = Some(verb);
                }
                // A frame or an output size said inside another edit ("make it 9:16 in 4k",
                // "加字幕，做成抖音竖屏"): its own Step too, never dropped.
                let meaning = with_asides(meaning, &piece, &refs);
                let not_done = |why: String| NotDone {
                    text: words_of(instruction, &piece, &refs.quotes),
                    why,
                };
                match meaning {
                    // "the ums and uhs" is one edit, said twice.
                    Meaning::Steps(steps)
                        if steps.len() == 1
                            && plan.steps.last() == steps.first()
                            && matches!(
                                steps[0],
                                Step::RemoveFillers | Step::TrimPauses { .. }
                            ) => {}
                    Meaning::Steps(steps) => plan.steps.extend(steps),
                    Meaning::Assumed { steps, assumption } => {
                        plan.steps.extend(steps);
                        plan.assumptions.push(pick(assumption));
                    }
                    Meaning::Declined => {
                        let words = words_of(instruction, &piece, &refs.quotes);
                        plan.assumptions.push(match language {
                            Language::English => {
                                format!("left things as they are for “{words}”, as asked")
                            }
                            Language::Chinese => format!("按“{words}”的意思，保持原样"),
                        });
                    }
                    // Asked back; the rest of the words still count (and the question is
                    // asked as the reason this part waits).
                    Meaning::Question(question) => {
                        questions.push(pick(question));
                        plan.not_done.push(not_done(pick(question)));
                    }
                    Meaning::AboutCutline => {
                        return Understanding::Answer {
                            text: crate::registry::can_do(language),
                        }
                    }
                    Meaning::NotYet(why) => plan.not_done.push(not_done(pick(why))),
                    Meaning::Nothing => {}
                    Meaning::Unknown => plan.not_done.push(not_done(pick((
                        "I don't know how to do that",
                        "我还不会做这个",
                    )))),
                }
            }
        }
        merge_exports_by_aim(&mut plan);
        // Only questions: ask them.
        if plan.steps.is_empty() && !questions.is_empty() && plan.not_done.len() == questions.len()
        {
            return Understanding::Question {
                text: questions.join(" "),
            };
        }
        if plan.steps.is_empty() && !plan.not_done.is_empty() {
            return Understanding::NotUnderstood {
                text: nothing_done(&plan.not_done, language),
                not_done: plan.not_done,
            };
        }
        // Only a piece named ("the second one", the answer to "which video?"): that piece.
        if plan.steps.is_empty() && !plan.aims.is_empty() && plan.not_done.is_empty() {
            return Understanding::Plan(plan);
        }
        if plan.steps.is_empty() && plan.assumptions.is_empty() {
            return Understanding::Question {
                text: match language {
                    Language::English => format!("What would you like to do? {}", can_do(language)),
                    Language::Chinese => format!("想做什么修改？{}", can_do(language)),
                },
            };
        }
        Understanding::Plan(plan)
    }
}

/// What a piece says besides its main edit: a platform's frame ("… for YouTube") and an
/// export size ("… in 4k"), each its own Step unless the main edit is already that.
fn with_asides(meaning: Meaning, piece: &str, refs: &Referents) -> Meaning {
    let Meaning::Steps(mut steps) = meaning else {
        return meaning;
    };
    let framed = steps.iter().any(|s| matches!(s, Step::Aspect { .. }));
    let exported = steps.iter().any(|s| matches!(s, Step::Export { .. }));
    if lexicon::says(piece, "platform") && !framed {
        if let Some(Meaning::Steps(aspect)) = intents::aspect_of(piece, refs) {
            steps.extend(aspect);
        }
    }
    if !exported {
        steps.extend(intents::export_size(piece));
    }
    // "加字幕和音乐", "add captions with music": both things added.
    let adds_captions = steps.iter().any(|s| matches!(s, Step::AddCaptions { .. }));
    let adds_music = steps.iter().any(|s| matches!(s, Step::AddMusic { .. }));
    if adds_captions && !adds_music && lexicon::says(piece, "music") {
        if let Meaning::Steps(music) = intents::meaning("add music", refs) {
            steps.extend(music);
        }
    }
    if adds_music && !adds_captions && lexicon::says(piece, "captions") {
        if let Meaning::Steps(captions) = intents::meaning("add captions", refs) {
            steps.extend(captions);
        }
    }
    Meaning::Steps(steps)
}

/// Verbs that say nothing of their own before a modifier that does ("format it for reels").
const GENERIC_VERBS: &[&str] = &[
    "format it",
    "make it",
    "make this",
    "make one",
    "make a version",
    "make a copy",
    "edit it",
    "do it",
    "prepare it",
    "get it ready",
    "set it up",
    "optimize it",
    "optimise it",
];

fn answer_words(text: &str) -> String {
    fold_width(text)
        .to_lowercase()
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .replace(['，', ',', '!', '！', '。', '.'], " ")
        .split_whitespace()
        .filter(|w| !matches!(*w, "please" | "thanks" | "请" | "谢谢"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text`, all of it, answers yes to a pending question.
pub fn confirms(text: &str) -> bool {
    lexicon::is(&answer_words(text), "yes")
}

/// Whether `text`, all of it, answers no to a pending question.
pub fn declines(text: &str) -> bool {
    lexicon::is(&answer_words(text), "no")
}

/// The user's own words for a piece: found in the instruction (any case, same letters), or
/// the piece itself with its quoted text put back when the words were rewritten ("three" →
/// "3").
fn words_of(instruction: &str, piece: &str, quotes: &[String]) -> String {
    let mut piece = piece.trim().to_string();
    for (n, quote) in quotes.iter().enumerate() {
        piece = piece.replace(&format!("§{n}§"), &format!("'{quote}'"));
    }
    let piece = piece.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = instruction.to_ascii_lowercase();
    match lower.find(&piece.to_ascii_lowercase()) {
        // ASCII lower-casing keeps every byte where it was, so the offsets hold.
        Some(at) => instruction[at..at + piece.len()].to_string(),
        None => piece,
    }
}

/// A piece that only adds to the Step before it: "add music, 40% volume", "add the title
/// 'Intro', from 0:02 to 0:06", "make it vertical, with blur", "cut the first 5 seconds and
/// the last 3 seconds", "add captions with karaoke style", "add the music but lower it when I
/// talk". It changes the previous Step (and means nothing more) or repeats it on another
/// stretch; any other piece is understood on its own.
fn continuation(piece: &str, joint: Joint, previous: &mut Step, refs: &Referents) -> Meaning {
    let own = meaning(piece, refs);
    let names_a_sound = ["original", "原声", "music", "音乐", "mute", "静音"]
        .iter()
        .any(|w| piece.contains(w));
    let refers_back = joint == Joint::Modifier
        || [" it", "it ", "them", "music", "音乐", "它"]
            .iter()
            .any(|w| format!(" {piece} ").contains(w));
    match (&own, previous) {
        (Meaning::Steps(steps), Step::AddMusic { volume, .. })
            if !names_a_sound && matches!(steps.as_slice(), [Step::Volume { .. }]) =>
        {
            if let [Step::Volume { volume: level, .. }] = steps.as_slice() {
                *volume = *level;
                return Meaning::Nothing;
            }
        }
        // "make it 9:16 for tiktok": one frame, said twice; a fit said the second time counts.
        (Meaning::Steps(steps), Step::Aspect { fit, .. })
            if matches!(steps.as_slice(), [Step::Aspect { .. }]) =>
        {
            if let Some(named) = intents::fit_of(piece) {
                *fit = Some(named);
            }
            return Meaning::Nothing;
        }
        // "add BGM at 20% and fade it out at the end", "add music with a fade in".
        (
            Meaning::Steps(steps),
            Step::AddMusic {
                fade_in_ms,
                fade_out_ms,
                ..
            }
            | Step::ChangeMusic {
                fade_in_ms,
                fade_out_ms,
                ..
            },
        ) if refers_back
            && matches!(
                steps.as_slice(),
                [Step::Fade { .. } | Step::ChangeMusic { duck: None, .. }]
            ) =>
        {
            if let [Step::Fade {
                fade_in_ms: fade_in,
                fade_out_ms: fade_out,
            }
            | Step::ChangeMusic {
                fade_in_ms: fade_in,
                fade_out_ms: fade_out,
                duck: None,
            }] = steps.as_slice()
            {
                *fade_in_ms = fade_in.or(*fade_in_ms);
                *fade_out_ms = fade_out.or(*fade_out_ms);
                return Meaning::Nothing;
            }
        }
        // "add music, 20%", "加音乐，百分之二十".
        (Meaning::Unknown, Step::AddMusic { volume, .. })
            if numbers::percentage(piece).is_some() =>
        {
            *volume = numbers::percentage(piece).unwrap_or(*volume);
            return Meaning::Nothing;
        }
        (_, Step::AddMusic { duck, .. }) if intents::ducks(piece) => {
            *duck = true;
            return Meaning::Nothing;
        }
        // "add music, quietly", "加音乐，轻一点".
        (Meaning::Unknown, Step::AddMusic { volume, .. }) if intents::quiet(piece) => {
            *volume = intents::QUIET_MUSIC_VOLUME;
            return Meaning::Nothing;
        }
        (_, Step::ChangeMusic { duck, .. }) if intents::ducks(piece) => {
            *duck = Some(true);
            return Meaning::Nothing;
        }
        // "trim the pauses but keep 0.3 s", "leave 200 ms of padding".
        (_, Step::TrimPauses { padding_ms, .. })
            if ["keep", "leave", "padding", "留", "保留"]
                .iter()
                .any(|w| piece.contains(w)) =>
        {
            if let Some(ms) = numbers::duration_ms(piece) {
                *padding_ms = ms;
                return Meaning::Nothing;
            }
        }
        // "add captions with karaoke style", "add subtitles, make them bigger, at the top".
        (
            Meaning::Unknown | Meaning::Steps(_),
            Step::AddCaptions {
                style,
                position,
                size,
                color,
                ..
            },
        ) => {
            let look = intents::caption_look(piece);
            let own_captions = matches!(&own, Meaning::Steps(s)
                if matches!(s.as_slice(), [Step::ChangeCaptions { .. }]));
            if (matches!(own, Meaning::Unknown) || own_captions) && !look.is_empty() {
                *style = look.style.unwrap_or(*style);
                *position = look.position.or(*position);
                *size = look.size.or(*size);
                *color = look.color.or(color.take());
                return Meaning::Nothing;
            }
        }
        (
            Meaning::Steps(steps),
            Step::AddTitle {
                span,
                position,
                color,
                size,
                ..
            },
        ) => {
            if let [Step::ChangeTitle {
                text: None,
                position: p,
                color: c,
                size: z,
                time: t,
            }] = steps.as_slice()
            {
                *position = p.unwrap_or(*position);
                *color = c.clone().or(color.take());
                *size = z.or(*size);
                *span = t.clone().unwrap_or(span.clone());
                return Meaning::Nothing;
            }
        }
        // "rename the title to 'Part 2' and move it to the top".
        (Meaning::Unknown, Step::ChangeTitle { position, .. }) if refers_back => {
            if let Some(named) = intents::position_of(piece) {
                *position = Some(named);
                return Meaning::Nothing;
            }
        }
        // "add the title 'Intro', from 0:02 to 0:06", "… with a red colour, at the top".
        (
            Meaning::Unknown,
            Step::AddTitle {
                span,
                position,
                color,
                size,
                ..
            },
        ) => {
            let (named_span, named_position) =
                (intents::span_of(piece), intents::position_of(piece));
            let (named_color, named_size) = (intents::color_of(piece), intents::size_of(piece));
            let said = named_span.is_some()
                || named_position.is_some()
                || named_color.is_some()
                || named_size.is_some();
            if said {
                *span = named_span.unwrap_or(span.clone());
                *position = named_position.unwrap_or(*position);
                *color = named_color.or(color.take());
                *size = named_size.or(*size);
                return Meaning::Nothing;
            }
        }
        // "make the subtitles larger and yellow", "字幕放大，改成黄色，放到顶部".
        (Meaning::Unknown | Meaning::Steps(_), Step::ChangeCaptions { look }) => {
            let more = intents::caption_look(piece);
            let own_captions = matches!(&own, Meaning::Steps(s)
                if matches!(s.as_slice(), [Step::ChangeCaptions { .. }]));
            if (matches!(own, Meaning::Unknown) || own_captions) && !more.is_empty() {
                look.style = more.style.or(look.style);
                look.position = more.position.or(look.position);
                look.size = more.size.or(look.size);
                look.color = more.color.or(look.color.take());
                return Meaning::Nothing;
            }
        }
        // "… and the last 3 seconds": the same kind of edit again, on another stretch.
        (Meaning::Unknown, Step::Cut { .. }) => {
            if let Some(span) = intents::span_of(piece) {
                return Meaning::Steps(vec![Step::Cut { span }]);
            }
        }
        (Meaning::Unknown, Step::Keep { .. }) => {
            if let Some(span) = intents::span_of(piece) {
                return Meaning::Steps(vec![Step::Keep { span }]);
            }
        }
        (Meaning::Unknown, Step::Aspect { fit, .. }) => {
            if let Some(named) = intents::fit_of(piece) {
                *fit = Some(named);
                return Meaning::Nothing;
            }
        }
        _ => {}
    }
    own
}

/// Full-width digits, colon, percent and letters as their ASCII forms ("３５％" → "35%").
fn fold_width(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E if !matches!(c, '，' | '！' | '？' | '；' | '（' | '）') => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

/// "export 1080p" and "as a GIF" said apart are one export, made after the edits.
/// [`merge_exports`] within each run of Steps aimed at the same pieces ("make the first one
/// 9:16 and export it, then trim the second one" keeps its export with the first), the aims
/// moved with their Steps.
fn merge_exports_by_aim(plan: &mut Plan) {
    let len = plan.steps.len();
    let mut bounds: Vec<usize> = std::iter::once(0)
        .chain(plan.aims.iter().map(|a| a.from.min(len)))
        .chain(std::iter::once(len))
        .collect();
    bounds.dedup();
    let mut steps = Vec::new();
    let mut moved = Vec::new();
    for run in bounds.windows(2) {
        moved.push((run[0], steps.len()));
        let mut part = plan.steps[run[0]..run[1]].to_vec();
        merge_exports(&mut part);
        steps.extend(part);
    }
    moved.push((len, steps.len()));
    for aim in &mut plan.aims {
        if let Some((_, to)) = moved.iter().find(|(from, _)| *from == aim.from.min(len)) {
            aim.from = *to;
        }
    }
    plan.steps = steps;
}

pub fn merge_exports(steps: &mut Vec<Step>) {
    let mut merged: Option<Step> = None;
    steps.retain(|step| {
        let Step::Export {
            format,
            resolution,
            fps,
            quality,
        } = step
        else {
            return true;
        };
        match &mut merged {
            Some(Step::Export {
                format: f,
                resolution: r,
                fps: s,
                quality: q,
            }) => {
                *f = format.or(*f);
                *r = resolution.or(*r);
                *s = fps.or(*s);
                *q = quality.or(*q);
            }
            _ => merged = Some(step.clone()),
        }
        false
    });
    steps.extend(merged);
}

/// The reply when no part of an instruction can be done: each part and why, then what
/// cutline can do.
fn nothing_done(parts: &[NotDone], language: Language) -> String {
    let listed: Vec<String> = parts
        .iter()
        .map(|p| match language {
            Language::English => format!("“{}”: {}.", p.text, p.why),
            Language::Chinese => format!("“{}”：{}。", p.text, p.why),
        })
        .collect();
    match language {
        Language::English => format!(
            "I changed nothing. {} {}",
            listed.join(" "),
            can_do(language)
        ),
        Language::Chinese => format!("没有做任何修改。{}{}", listed.join(""), can_do(language)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_are_read_in_both_languages() {
        for yes in [
            "yes",
            "Yes!",
            "go ahead",
            "OK, please",
            "好",
            "好的。",
            "可以",
        ] {
            assert!(confirms(yes), "{yes}");
        }
        for no in ["no", "No.", "cancel", "算了", "不用了"] {
            assert!(declines(no), "{no}");
            assert!(!confirms(no), "{no}");
        }
        assert!(!confirms("yes, and add captions"));
        assert!(!confirms("trim the pauses"));
    }
}
