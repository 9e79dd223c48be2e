//! A Chinese session never reads English words of cutline's own: every kind of edit applied
//! (and every kind refused) in a Chinese session, and every kind of answer of the planner to
//! Chinese words, is scanned for Latin words that are not on a short list of names (formats,
//! units, brands). The same walk in English finds no Chinese.

mod common;

use agent::{
    Context, Format, Language, Plan, Removable, RulePlanner, Session, Sound, Span, Step,
    Understand, Understanding,
};
use common::{start, Table, CLIP_MS};
use timeline::{
    Aspect, CaptionLook, CaptionStyle, ClipIndex, Corner, Draft, DraftMeta, Fit, Position,
    Resolution,
};

/// Latin words a Chinese reply may hold: names of formats, units and brands.
const ALLOWED: &[&str] = &[
    "MP4", "WebM", "GIF", "M4A", "MP3", "LUFS", "OK", "TikTok", "cutline", "fps", "Urban",
    "Dreams", "B", "lofi", "Ada", "Lovelace",
];

/// The Latin words of `text` not on the list (tokens with a digit, like 1080p, are numbers;
/// a command-line flag like `--apply-understood` is a name).
fn stray_latin(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.contains("--"))
        .flat_map(|w| w.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .filter(|w| !ALLOWED.contains(w))
        .map(str::to_string)
        .collect()
}

fn has_chinese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0x4E00..=0x9FFF | 0x3000..=0x303F | 0xFF00..=0xFFEF))
}

/// Every kind of Step, with the arguments that make it succeed on [`start`], and some that
/// make it fail (each with a reason to say).
fn every_step() -> Vec<Step> {
    let look = CaptionLook {
        style: Some(CaptionStyle::Karaoke),
        position: Some(Position::Top),
        size: Some(1.4),
        color: Some("yellow".into()),
    };
    let mut steps = vec![
        Step::TrimPauses {
            min_pause_ms: 500,
            padding_ms: 150,
        },
        Step::RemoveFillers,
        Step::AddCaptions {
            style: CaptionStyle::Bold,
            language: None,
            translate: false,
            position: Some(Position::Center),
            size: Some(0.75),
            color: Some("red".into()),
        },
        Step::ChangeCaptions { look },
        Step::FixCaption {
            index: 1,
            text: "Ada Lovelace".into(),
        },
        Step::TranslateCaptions { to: "fr".into() },
        Step::Cut {
            span: Span::First { ms: 2_000 },
        },
        Step::Keep {
            span: Span::Last { ms: 30_000 },
        },
        Step::Speed { factor: 1.5 },
        Step::Volume {
            sound: Sound::Original,
            volume: 0.0,
        },
        Step::Volume {
            sound: Sound::Original,
            volume: 0.5,
        },
        Step::NormalizeLoudness { lufs: -14.0 },
        Step::AddMusic {
            asset: Some("song".into()),
            volume: 0.3,
            fade_in_ms: Some(1_000),
            fade_out_ms: Some(2_000),
            duck: true,
        },
        Step::Volume {
            sound: Sound::Music,
            volume: 0.2,
        },
        Step::ChangeMusic {
            fade_in_ms: Some(0),
            fade_out_ms: Some(3_000),
            duck: Some(true),
        },
        Step::AddVoiceOver {
            asset: Some("song".into()),
            start_ms: 1_000,
            volume: 1.0,
        },
        Step::AddTitle {
            text: "Urban Dreams".into(),
            span: Span::First { ms: 3_000 },
            position: Position::Top,
            color: Some("yellow".into()),
            size: Some(1.5),
        },
        Step::ChangeTitle {
            text: None,
            position: Some(Position::Bottom),
            color: Some("red".into()),
            size: None,
            time: Some(Span::Between {
                start_ms: 1_000,
                end_ms: 4_000,
            }),
        },
        Step::Aspect {
            aspect: Aspect::Portrait9x16,
            fit: Some(Fit::Blur),
        },
        Step::Fade {
            fade_in_ms: Some(500),
            fade_out_ms: Some(1_000),
        },
        Step::Color {
            brightness: Some(0.1),
            contrast: None,
            saturation: Some(0.0),
        },
        Step::Color {
            brightness: None,
            contrast: Some(1.2),
            saturation: None,
        },
        Step::Export {
            format: Some(Format::Gif),
            resolution: Some(Resolution::P2160),
            fps: Some(24.0),
            quality: None,
        },
        Step::DeleteClip {
            clip: ClipIndex::FromEnd(0),
        },
        Step::MoveClip {
            clip: ClipIndex::FromStart(0),
            to: ClipIndex::FromEnd(0),
        },
        Step::Split { at_ms: 5_000 },
        Step::Crossfade { ms: 500 },
        Step::AddOverlay {
            asset: Some("logo".into()),
            corner: Corner::BottomLeft,
            width: 0.15,
            span: Span::Whole,
        },
        Step::AddStill {
            asset: Some("logo".into()),
            at_start: true,
            ms: 2_000,
        },
        Step::Undo,
        Step::Redo,
        Step::Reset,
        Step::ShowTimeline,
    ];
    for what in Removable::ALL {
        steps.push(Step::Remove { what });
    }
    steps
}

/// Steps that fail, each for its own reason.
fn failing_steps() -> Vec<Step> {
    vec![
        Step::AddMusic {
            asset: None,
            volume: 0.3,
            fade_in_ms: None,
            fade_out_ms: None,
            duck: false,
        },
        Step::AddMusic {
            asset: Some("unknown".into()),
            volume: 0.3,
            fade_in_ms: None,
            fade_out_ms: None,
            duck: false,
        },
        Step::AddVoiceOver {
            asset: None,
            start_ms: 0,
            volume: 1.0,
        },
        Step::AddOverlay {
            asset: None,
            corner: Corner::TopRight,
            width: 0.15,
            span: Span::Whole,
        },
        Step::ChangeTitle {
            text: None,
            position: Some(Position::Top),
            color: None,
            size: None,
            time: None,
        },
        Step::ChangeMusic {
            fade_in_ms: Some(1_000),
            fade_out_ms: None,
            duck: None,
        },
        Step::DeleteClip {
            clip: ClipIndex::FromStart(7),
        },
        Step::Split { at_ms: 900_000 },
        Step::TranslateCaptions { to: "ja".into() },
        Step::FixCaption {
            index: 99,
            text: "x".into(),
        },
        Step::Speed { factor: 50.0 },
        Step::Fade {
            fade_in_ms: Some(60_000),
            fade_out_ms: Some(60_000),
        },
        Step::AddVoiceOver {
            asset: Some("song".into()),
            start_ms: 900_000,
            volume: 1.0,
        },
        Step::Cut { span: Span::Whole },
        Step::Undo,
        Step::Redo,
    ]
}

/// One crossfade needs two clips: the talk alone.
fn one_clip() -> Draft {
    Draft::single_clip("clip", CLIP_MS, DraftMeta::default())
}

/// Every reply of every Step, one at a time and all in a row, in `language`.
fn replies(language: Language) -> Vec<(String, String)> {
    let plan = |steps: Vec<Step>| Plan {
        steps,
        ..Plan::default()
    };
    let mut said = Vec::new();
    let mut all = Session::new(start(), language);
    for step in every_step() {
        let mut alone = Session::new(start(), language);
        let reply = match alone.apply(&plan(vec![step.clone()]), &Table) {
            Ok(outcome) => outcome.reply,
            Err(error) => error.reply,
        };
        said.push((format!("{step:?} alone"), reply));
        let reply = match all.apply(&plan(vec![step.clone()]), &Table) {
            Ok(outcome) => outcome.reply,
            Err(error) => error.reply,
        };
        said.push((format!("{step:?} after the others"), reply));
    }
    for step in failing_steps() {
        let reply =
            match Session::new(one_clip(), language).apply(&plan(vec![step.clone()]), &Table) {
                Ok(outcome) => outcome.reply,
                Err(error) => error.reply,
            };
        said.push((format!("{step:?} failing"), reply));
    }
    let crossfade = Session::new(one_clip(), language)
        .apply(&plan(vec![Step::Crossfade { ms: 500 }]), &Table)
        .unwrap_err();
    said.push(("crossfade of one clip".into(), crossfade.reply));
    // The part not done is quoted in the user's words, and its reason is the planner's.
    let (text, why) = match language {
        Language::English => ("make a cake", "I don't know how to do that"),
        Language::Chinese => ("做个蛋糕", "我还不会做这个"),
    };
    let partial = Plan {
        steps: vec![Step::Reset],
        not_done: vec![agent::NotDone {
            text: text.into(),
            why: why.into(),
        }],
        ..Plan::default()
    };
    said.push((
        "a partial plan".into(),
        agent::reply::partial(&partial, language),
    ));
    said.push((
        "a refused partial plan".into(),
        agent::reply::partial_refused(&partial, language),
    ));
    said
}

#[test]
fn a_chinese_session_reads_no_english_of_cutlines_own() {
    let mut stray = Vec::new();
    for (what, reply) in replies(Language::Chinese) {
        assert!(!reply.is_empty(), "{what}: nothing said");
        let words = stray_latin(&reply);
        if !words.is_empty() {
            stray.push(format!("{what}: {words:?} in {reply}"));
        }
    }
    assert!(stray.is_empty(), "{}", stray.join("\n"));
}

#[test]
fn an_english_session_reads_no_chinese() {
    for (what, reply) in replies(Language::English) {
        assert!(!has_chinese(&reply), "{what}: {reply}");
    }
}

/// Chinese words that give each kind of answer: a Plan with parts not done, a question, a
/// refusal, what cutline can do, and the planner's assumptions.
const CHINESE_WORDS: &[&str] = &[
    "剪掉停顿，加个缩放效果",
    "把停顿剪掉，再做个蛋糕",
    "加个标题",
    "用图片",
    "剪掉开头",
    "让它更好看",
    "降噪",
    "翻译字幕",
    "换个字体",
    "倒放",
    "调换第一段和第二段",
    "你能做什么",
    "快一点",
    "短一点",
    "防抖",
    "给人脸打码",
    "加贴纸",
    "电影感调色",
    "抠像",
];

#[test]
fn the_planner_answers_chinese_in_chinese() {
    let context = Context {
        music: Some("music".into()),
        image: Some("image".into()),
        ..Context::default()
    };
    let mut stray = Vec::new();
    for words in CHINESE_WORDS {
        let texts: Vec<String> = match RulePlanner.understand(words, &context) {
            Understanding::Plan(plan) => {
                let mut texts: Vec<String> = plan.not_done.iter().map(|p| p.why.clone()).collect();
                texts.extend(plan.assumptions.clone());
                texts.push(agent::reply::partial(&plan, Language::Chinese));
                texts
            }
            Understanding::Question { text } | Understanding::Answer { text } => vec![text],
            Understanding::NotUnderstood { text, not_done } => {
                let mut texts: Vec<String> = not_done.iter().map(|p| p.why.clone()).collect();
                texts.push(text);
                texts
            }
        };
        for text in texts {
            let words_found = stray_latin(&text);
            if !words_found.is_empty() {
                stray.push(format!("{words}: {words_found:?} in {text}"));
            }
        }
    }
    assert!(stray.is_empty(), "{}", stray.join("\n"));
}
