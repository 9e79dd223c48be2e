//! Properties of understanding and applying Plans: any Plan keeps the Draft valid; a failed
//! Plan changes nothing; undo after any Plan restores the exact Draft before, redo the exact
//! one after; every change between the Drafts is told in the reply; and an instruction with
//! a part nobody understands names that part and drops nothing else.
//!
//! The media facts come from a small in-memory table (pauses every few seconds, a caption
//! a second, a 20-second song): applying is pure given them.

use agent::{Format, Language, Plan, Removable, Session, Span, Step};
use proptest::prelude::*;
use timeline::{
    validate, Aspect, CaptionLook, CaptionStyle, ClipIndex, Draft, Fit, Position, TrackKind,
};

mod common;

use common::{start, Table};

fn span() -> impl Strategy<Value = Span> {
    prop_oneof![
        Just(Span::Whole),
        (0..70_000u64).prop_map(|ms| Span::First { ms }),
        (0..70_000u64).prop_map(|ms| Span::Last { ms }),
        (0..70_000u64, 0..70_000u64).prop_map(|(a, b)| Span::Between {
            start_ms: a.min(b),
            end_ms: a.max(b)
        }),
        (0..70_000u64).prop_map(|start_ms| Span::From { start_ms }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (100..3_000u64, 0..500u64).prop_map(|(min_pause_ms, padding_ms)| Step::TrimPauses {
            min_pause_ms,
            padding_ms
        }),
        Just(Step::RemoveFillers),
        (
            prop::sample::select(CaptionStyle::ALL.to_vec()),
            prop::option::of(prop::sample::select(vec![Position::Top, Position::Center])),
            prop::option::of(0.5..2.0f64)
        )
            .prop_map(|(style, position, size)| Step::AddCaptions {
                style,
                language: None,
                translate: false,
                position,
                size,
                color: None,
            }),
        (prop::option::of(0.5..2.0f64), any::<bool>()).prop_map(|(size, top)| {
            Step::ChangeCaptions {
                look: CaptionLook {
                    size,
                    position: top.then_some(Position::Top),
                    color: Some("yellow".into()),
                    style: None,
                },
            }
        }),
        prop::sample::select(Removable::ALL.to_vec()).prop_map(|what| Step::Remove { what }),
        (prop::option::of(0..3_000u64), any::<bool>()).prop_map(|(fade_out_ms, duck)| {
            Step::ChangeMusic {
                fade_in_ms: None,
                fade_out_ms,
                duck: duck.then_some(true),
            }
        }),
        prop::sample::select(Format::ALL.to_vec()).prop_map(|format| Step::Export {
            format: Some(format),
            resolution: None,
            fps: None,
            quality: None,
        }),
        span().prop_map(|span| Step::Cut { span }),
        span().prop_map(|span| Step::Keep { span }),
        (0.1..5.0f64).prop_map(|factor| Step::Speed { factor }),
        (0.0..12.0f64).prop_map(|volume| Step::Volume {
            sound: agent::Sound::Original,
            volume
        }),
        (0.0..1.5f64).prop_map(|volume| Step::Volume {
            sound: agent::Sound::Music,
            volume
        }),
        (0.0..1.0f64).prop_map(|volume| Step::AddMusic {
            asset: Some("song".into()),
            volume,
            fade_in_ms: None,
            fade_out_ms: Some(1_000),
            duck: false,
        }),
        (span(), prop::option::of(0.1..5.0f64)).prop_map(|(span, size)| Step::AddTitle {
            text: "Title".into(),
            span,
            position: Position::Top,
            color: Some("yellow".into()),
            size,
        }),
        (
            prop::sample::select(Aspect::ALL.to_vec()),
            prop::option::of(prop::sample::select(vec![Fit::Crop, Fit::Pad, Fit::Blur]))
        )
            .prop_map(|(aspect, fit)| Step::Aspect { aspect, fit }),
        (prop::option::of(0..5_000u64), prop::option::of(0..5_000u64)).prop_map(
            |(fade_in_ms, fade_out_ms)| Step::Fade {
                fade_in_ms,
                fade_out_ms
            }
        ),
        (-1.5..1.5f64).prop_map(|b| Step::Color {
            brightness: Some(b),
            contrast: None,
            saturation: Some(0.0)
        }),
        (-80.0..0.0f64).prop_map(|lufs| Step::NormalizeLoudness { lufs }),
        (0..4usize, any::<bool>()).prop_map(|(n, from_end)| Step::DeleteClip {
            clip: clip(n, from_end)
        }),
        (0..4usize, 0..4usize, any::<bool>()).prop_map(|(a, b, from_end)| Step::MoveClip {
            clip: clip(a, from_end),
            to: clip(b, !from_end)
        }),
        (0..70_000u64).prop_map(|at_ms| Step::Split { at_ms }),
        (0..12_000u64).prop_map(|ms| Step::Crossfade { ms }),
        (0..80_000u64).prop_map(|start_ms| Step::AddVoiceOver {
            asset: Some("song".into()),
            start_ms,
            volume: 1.0
        }),
        prop::option::of(span()).prop_map(|time| Step::ChangeTitle {
            text: None,
            position: Some(Position::Bottom),
            color: Some("red".into()),
            size: None,
            time
        }),
        (span(), 0.0..1.2f64).prop_map(|(span, width)| Step::AddOverlay {
            asset: Some("logo".into()),
            corner: timeline::Corner::BottomRight,
            width,
            span
        }),
        (0..80usize).prop_map(|index| Step::FixCaption {
            index,
            text: "Fixed words".into()
        }),
        Just(Step::Undo),
        Just(Step::Redo),
        Just(Step::Reset),
    ]
}

fn clip(n: usize, from_end: bool) -> ClipIndex {
    if from_end {
        ClipIndex::FromEnd(n)
    } else {
        ClipIndex::FromStart(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn plans_keep_the_draft_valid_and_undo_redo_are_exact(
        earlier in prop::collection::vec(step(), 0..4),
        steps in prop::collection::vec(step(), 1..5),
    ) {
        let mut session = Session::new(start(), Language::English);
        // Some history first, so undo and redo have something to walk.
        let _ = session.apply(&plan(earlier), &Table);
        let before = session.draft().clone();
        let asked = plan(steps.clone());
        match session.apply(&asked, &Table) {
            Ok(outcome) => {
                let after = session.draft().clone();
                let known = |src: &str| ["clip", "song", "logo"].contains(&src);
                prop_assert_eq!(validate(&after, known), Ok(()));
                prop_assert_eq!(outcome.changed, after != before);
                let only_edits = steps.iter().all(|s| !matches!(s, Step::Undo | Step::Redo | Step::Reset));
                if outcome.changed && only_edits {
                    let undo = plan(vec![Step::Undo]);
                    session.apply(&undo, &Table).unwrap();
                    prop_assert_eq!(session.draft(), &before);
                    let redo = plan(vec![Step::Redo]);
                    session.apply(&redo, &Table).unwrap();
                    prop_assert_eq!(session.draft(), &after);
                }
            }
            Err(_) => prop_assert_eq!(session.draft(), &before, "a failed plan changes nothing"),
        }
    }
}

/// What differs between two Drafts, each with the words of which a reply about it must hold
/// one (English). Written from the Drafts alone, not from the Steps that changed them.
fn differences(before: &Draft, after: &Draft) -> Vec<(&'static str, Vec<&'static str>)> {
    // Layers as what they are, not when: a cut or a speed change moves them with the video,
    // and the reply tells that by the new length. Their times count when the length stays.
    let retimed = before.duration_ms != after.duration_ms;
    let segments = |d: &Draft, keep: &dyn Fn(TrackKind, &timeline::Segment) -> bool| {
        d.tracks
            .iter()
            .flat_map(|t| t.segments.iter().map(move |s| (t.kind, s)))
            .filter(|(k, s)| keep(*k, s))
            .map(|(_, s)| {
                let mut s = s.clone();
                if retimed {
                    (s.start_ms, s.duration_ms, s.source_in_ms) = (0, 0, 0);
                    s.meta.words = None;
                    s.meta.fade_in_ms = s.meta.fade_in_ms.map(|_| 0);
                    s.meta.fade_out_ms = s.meta.fade_out_ms.map(|_| 0);
                }
                s.id.clear();
                s
            })
            .collect::<Vec<_>>()
    };
    let role = |s: &timeline::Segment, r: &str| s.meta.role.as_deref() == Some(r);
    let main = |d: &Draft| d.main_segments().to_vec();
    let overlays = |d: &Draft| {
        let first = d.main_track_index();
        d.tracks
            .iter()
            .enumerate()
            .filter(|(i, t)| t.kind == TrackKind::Video && Some(*i) != first)
            .flat_map(|(_, t)| t.segments.iter())
            .map(|s| {
                (
                    s.src.clone(),
                    s.meta.corner,
                    if retimed { 0 } else { s.duration_ms },
                )
            })
            .collect::<Vec<_>>()
    };
    let mut found = Vec::new();
    let mut check = |what, differs: bool, words: &[&'static str]| {
        if differs {
            found.push((what, words.to_vec()));
        }
    };
    check(
        "length",
        before.duration_ms != after.duration_ms,
        &["→", "shorter", "longer"],
    );
    check(
        "frame",
        (before.meta.width, before.meta.height, before.meta.fit)
            != (after.meta.width, after.meta.height, after.meta.fit),
        &["Made it", "Export set", "Kept", "frame"],
    );
    check("frame rate", before.meta.fps != after.meta.fps, &["fps"]);
    let captions = |d: &Draft| {
        let mut all = segments(d, &|k, s| k == TrackKind::Text && role(s, "caption"));
        if retimed {
            // A cut takes the captions of what it cut with it.
            all.dedup_by(|a, b| {
                a.meta.position == b.meta.position
                    && a.meta.text_size == b.meta.text_size
                    && a.meta.text_color == b.meta.text_color
                    && a.meta.style == b.meta.style
            });
            all.iter_mut().for_each(|s| s.meta.text = None);
        }
        all
    };
    check(
        "captions",
        captions(before) != captions(after),
        &["caption"],
    );
    let titles = |d: &Draft| segments(d, &|k, s| k == TrackKind::Text && !role(s, "caption"));
    check("titles", titles(before) != titles(after), &["title"]);
    let music = |d: &Draft| segments(d, &|k, s| k == TrackKind::Audio && !role(s, "voice-over"));
    check("music", music(before) != music(after), &["music"]);
    let voice = |d: &Draft| segments(d, &|k, s| k == TrackKind::Audio && role(s, "voice-over"));
    check("voice-over", voice(before) != voice(after), &["voice-over"]);
    check(
        "overlays",
        overlays(before) != overlays(after),
        &["image", "logo"],
    );
    check(
        "fades",
        (before.meta.fade_in_ms, before.meta.fade_out_ms)
            != (after.meta.fade_in_ms, after.meta.fade_out_ms),
        &["fade", "Faded"],
    );
    check(
        "colour",
        before.meta.color != after.meta.color,
        &["colour", "black and white"],
    );
    check(
        "loudness",
        before.meta.loudness_lufs != after.meta.loudness_lufs,
        &["LUFS"],
    );
    // Each as the set of values the main track has (a cut splits a clip into two alike).
    let set = |values: Vec<Option<f64>>| {
        let mut texts: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        texts.sort();
        texts.dedup();
        texts
    };
    let volumes = |d: &Draft| set(main(d).iter().map(|s| s.meta.volume).collect());
    check(
        "sound",
        volumes(before) != volumes(after),
        &["sound", "Muted"],
    );
    let speeds = |d: &Draft| set(main(d).iter().map(|s| s.meta.speed).collect());
    check("speed", speeds(before) != speeds(after), &["speed", "×"]);
    let xfades = |d: &Draft| {
        set(main(d)
            .iter()
            .map(|s| s.meta.crossfade_in_ms.map(|ms| ms as f64))
            .collect())
    };
    let clips = |d: &Draft| {
        main(d)
            .iter()
            .map(|s| (s.src.clone(), s.source_in_ms, s.duration_ms))
            .collect::<Vec<_>>()
    };
    check(
        "crossfades",
        xfades(before) != xfades(after) && clips(before) == clips(after),
        &["crossfade"],
    );
    check(
        "clips",
        clips(before) != clips(after) && speeds(before) == speeds(after),
        &[
            "clip", "Split", "Cut", "Kept", "Removed", "pause", "filler", "image", "Moved", "→",
        ],
    );
    found
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The reply is built from what changed: every difference between the Drafts before and
    /// after a Plan is named in it.
    #[test]
    fn every_change_a_plan_makes_is_told(
        earlier in prop::collection::vec(step(), 0..3),
        steps in prop::collection::vec(step(), 1..4),
    ) {
        let mut session = Session::new(start(), Language::English);
        let _ = session.apply(&plan(earlier), &Table);
        let before = session.draft().clone();
        if let Ok(outcome) = session.apply(&plan(steps.clone()), &Table) {
            let only_edits = steps.iter().all(|s| !matches!(s, Step::Undo | Step::Redo | Step::Reset));
            if only_edits {
                for (what, words) in differences(&before, session.draft()) {
                    prop_assert!(
                        words.iter().any(|w| outcome.reply.to_lowercase().contains(&w.to_lowercase())),
                        "{what} changed but the reply does not say so: {}\nsteps: {steps:?}",
                        outcome.reply
                    );
                }
            }
        }
    }
}

/// Clauses the planner knows, with the Step each gives (English, then Chinese).
const KNOWN: &[(&str, &str)] = &[
    ("trim the pauses", "trim_pauses"),
    ("add captions", "add_captions"),
    ("make it 9:16", "aspect"),
    ("speed it up 1.5x", "speed"),
    ("remove the logo", "remove"),
    ("add music at 20%", "add_music"),
    ("make it black and white", "color"),
    ("cut the first 5 seconds", "cut"),
    ("add the title 'Hello'", "add_title"),
    ("normalize the loudness", "normalize_loudness"),
    ("remove the filler words", "remove_fillers"),
    ("add a crossfade between the clips", "crossfade"),
];
const KNOWN_ZH: &[(&str, &str)] = &[
    ("把停顿剪掉", "trim_pauses"),
    ("加上字幕", "add_captions"),
    ("改成竖屏", "aspect"),
    ("去掉水印", "remove"),
    ("加背景音乐", "add_music"),
    ("变成黑白", "color"),
    ("剪掉前5秒", "cut"),
    ("去掉语气词", "remove_fillers"),
    ("响度标准化", "normalize_loudness"),
];
const UNKNOWN: &[&str] = &[
    "make a sandwich",
    "call my mother",
    "order a pizza",
    "walk the dog",
    "write me a poem",
];
const UNKNOWN_ZH: &[&str] = &["做个蛋糕", "给我唱首歌", "帮我订机票", "去遛狗"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// An instruction of known clauses and one that nobody understands: that one is named, in
    /// the user's words, and every other clause is still there, in order.
    #[test]
    fn an_unknown_clause_is_named_and_nothing_else_is_dropped(
        chinese in any::<bool>(),
        picks in prop::sample::subsequence((0..9usize).collect::<Vec<_>>(), 1..5),
        unknown in 0..4usize,
        at in 0..5usize,
        joint in 0..3usize,
    ) {
        use agent::{Context, RulePlanner, Understand, Understanding};
        let (known, unknown_text, joints) = if chinese {
            (KNOWN_ZH, UNKNOWN_ZH[unknown], ["，", "，然后", "，再"])
        } else {
            (KNOWN, UNKNOWN[unknown], [", ", " and ", ", then "])
        };
        let mut clauses: Vec<&str> = picks.iter().map(|&i| known[i].0).collect();
        let expected: Vec<&str> = picks.iter().map(|&i| known[i].1).collect();
        clauses.insert(at.min(clauses.len()), unknown_text);
        let instruction = clauses.join(joints[joint]);
        let context = Context {
            music: Some("music".into()),
            ..Context::default()
        };
        let Understanding::Plan(plan) = RulePlanner.understand(&instruction, &context) else {
            panic!("{instruction}: no plan");
        };
        let named: Vec<&str> = plan.not_done.iter().map(|p| p.text.as_str()).collect();
        prop_assert_eq!(named, vec![unknown_text], "{}", instruction);
        let done: Vec<String> = plan
            .steps
            .iter()
            .map(|s| serde_json::to_value(s).unwrap()["do"].as_str().unwrap().to_string())
            .collect();
        prop_assert_eq!(done, expected, "{}", instruction);
        prop_assert!(plan.is_partial());
    }
}

fn plan(steps: Vec<Step>) -> Plan {
    Plan {
        steps,
        ..Plan::default()
    }
}

#[test]
fn replies_give_the_numbers_in_the_sessions_language() {
    let steps = vec![
        Step::TrimPauses {
            min_pause_ms: 500,
            padding_ms: 150,
        },
        Step::AddCaptions {
            style: CaptionStyle::Clean,
            language: None,
            translate: false,
            position: None,
            size: None,
            color: None,
        },
    ];
    let mut english = Session::new(start(), Language::English);
    let reply = english.apply(&plan(steps.clone()), &Table).unwrap().reply;
    assert!(
        reply.starts_with("Removed 17 pauses (11.9 s). Added ") && reply.ends_with("1:10 → 0:58."),
        "{reply}"
    );
    let mut chinese = Session::new(start(), Language::Chinese);
    let reply = chinese.apply(&plan(steps), &Table).unwrap().reply;
    assert!(
        reply.starts_with("剪掉了17处停顿（11.9秒）。加了") && reply.contains("条字幕"),
        "{reply}"
    );
    assert_eq!(english.draft(), chinese.draft());
}

#[test]
fn a_plan_that_fails_halfway_changes_nothing_and_says_why() {
    let mut session = Session::new(start(), Language::English);
    let steps = vec![
        Step::Speed { factor: 2.0 },
        Step::AddMusic {
            asset: None,
            volume: 0.35,
            fade_in_ms: None,
            fade_out_ms: None,
            duck: false,
        },
    ];
    let error = session.apply(&plan(steps), &Table).unwrap_err();
    assert!(
        error
            .reply
            .contains("could not add the music: give me an audio file"),
        "{}",
        error.reply
    );
    assert_eq!(session.draft(), &start());
    let nothing = session.apply(&plan(vec![Step::Undo]), &Table).unwrap();
    assert_eq!(nothing.reply, "There is nothing to undo.");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Whatever is typed, understanding answers (a Plan, a question or "not understood")
    /// without panicking, and a Plan survives its JSON form unchanged (what `cutline plan
    /// --json` and the corpus show is what runs).
    #[test]
    fn any_text_is_understood_or_refused_without_a_panic(
        text in prop::string::string_regex("[a-z0-9 ,.:%'\"“”「」§x×\\-一二三两十百点分秒倍停顿字幕剪掉加前后最第段]{0,60}").unwrap()
    ) {
        use agent::{Context, RulePlanner, Understand, Understanding};
        let context = Context {
            music: Some("music".into()),
            image: Some("image".into()),
            ..Context::default()
        };
        if let Understanding::Plan(plan) = RulePlanner.understand(&text, &context) {
            let json = serde_json::to_string(&plan).unwrap();
            let back: agent::Plan = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, plan);
        }
    }
}

#[test]
fn translated_captions_keep_their_times_and_the_reply_names_the_language() {
    let mut session = Session::new(start(), Language::English);
    let captions = Step::AddCaptions {
        style: CaptionStyle::Clean,
        language: None,
        translate: false,
        position: None,
        size: None,
        color: None,
    };
    session.apply(&plan(vec![captions]), &Table).unwrap();
    let before: Vec<(u64, u64, String)> = caption_texts(session.draft());
    let outcome = session
        .apply(
            &plan(vec![Step::TranslateCaptions { to: "fr".into() }]),
            &Table,
        )
        .unwrap();
    let after = caption_texts(session.draft());
    assert_eq!(after.len(), before.len());
    for (was, is) in before.iter().zip(&after) {
        assert_eq!((was.0, was.1), (is.0, is.1), "the times stay");
        assert_eq!(is.2, was.2.to_uppercase(), "the words are the translation");
    }
    assert_eq!(
        outcome.reply,
        format!(
            "Translated {} captions into French, each at its time.",
            after.len()
        )
    );
}

#[test]
fn a_fixed_caption_changes_its_words_only_and_undo_brings_them_back() {
    let captions = Step::AddCaptions {
        style: CaptionStyle::Karaoke,
        language: None,
        translate: false,
        position: None,
        size: None,
        color: None,
    };
    let fix = |index| Step::FixCaption {
        index,
        text: "Ada Lovelace".into(),
    };
    for (language, said) in [
        (Language::English, "Changed caption 3 to “Ada Lovelace”."),
        (Language::Chinese, "已把第3条字幕改为“Ada Lovelace”。"),
    ] {
        let mut session = Session::new(start(), language);
        session
            .apply(&plan(vec![captions.clone()]), &Table)
            .unwrap();
        let before = caption_texts(session.draft());
        let outcome = session.apply(&plan(vec![fix(2)]), &Table).unwrap();
        assert_eq!(outcome.reply, said);
        assert!(outcome.changed);
        let after = caption_texts(session.draft());
        assert_eq!(after.len(), before.len());
        for (n, (was, is)) in before.iter().zip(&after).enumerate() {
            assert_eq!((was.0, was.1), (is.0, is.1), "the times stay");
            let expected = if n == 2 { "Ada Lovelace" } else { &was.2 };
            assert_eq!(is.2, expected, "caption {n}");
        }

        session.apply(&plan(vec![Step::Undo]), &Table).unwrap();
        assert_eq!(caption_texts(session.draft()), before, "undo restores");

        // Past the last caption: the typed error, in the session's language, nothing changed.
        let draft = session.draft().clone();
        let error = session
            .apply(&plan(vec![fix(before.len())]), &Table)
            .unwrap_err();
        let count = before.len();
        let expected = match language {
            Language::English => format!(
                "I could not fix the caption: there are only {count} captions on the timeline. Nothing was changed."
            ),
            Language::Chinese => {
                format!("无法修改字幕：时间线上只有{count}条字幕。没有做任何修改。")
            }
        };
        assert_eq!(error.reply, expected);
        assert_eq!(session.draft(), &draft);
    }
    let Err(refused) = fix(0).check().and(
        Step::FixCaption {
            index: 0,
            text: " ".into(),
        }
        .check(),
    ) else {
        panic!("an empty caption passes the checks")
    };
    assert_eq!(refused, "a caption needs 1 to 200 characters of text");
}

fn caption_texts(draft: &Draft) -> Vec<(u64, u64, String)> {
    draft
        .segments_of(TrackKind::Text)
        .filter(|s| s.meta.role.as_deref() == Some("caption"))
        .map(|s| {
            (
                s.start_ms,
                s.duration_ms,
                s.meta.text.clone().unwrap_or_default(),
            )
        })
        .collect()
}
