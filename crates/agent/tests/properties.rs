//! Properties of applying Plans: any Plan keeps the Draft valid; a failed Plan changes
//! nothing; undo after any Plan restores the exact Draft before, redo the exact one after.
//!
//! The media facts come from a small in-memory table (pauses every few seconds, a caption
//! a second, a 20-second song): applying is pure given them.

use agent::{Language, Media, Plan, Session, Span, Step};
use proptest::prelude::*;
use timeline::{
    validate, Aspect, CaptionStyle, ClipIndex, Draft, DraftMeta, Fit, Op, Position, SilenceMap,
    SourceCaption, TimeRange,
};

const CLIP_MS: u64 = 60_000;

struct Table;

impl Media for Table {
    fn silence(&self, _: &str) -> Result<SilenceMap, String> {
        let quiet = (0..CLIP_MS / 4_000)
            .map(|i| TimeRange::new(i * 4_000 + 2_500, i * 4_000 + 3_500))
            .collect();
        Ok(SilenceMap {
            duration_ms: CLIP_MS,
            quiet,
            noise_floor_db: -60.0,
            threshold_db: -45.0,
        })
    }

    fn captions(&self, draft: &Draft, _: Option<&str>) -> Result<Vec<SourceCaption>, String> {
        let kept: Vec<TimeRange> = draft
            .main_segments()
            .iter()
            .map(|s| s.source_range())
            .collect();
        Ok((0..CLIP_MS / 1_000)
            .map(|i| (i * 1_000, i * 1_000 + 600))
            .filter(|(start, end)| {
                kept.iter()
                    .any(|k| k.start_ms <= *start && *end <= k.end_ms)
            })
            .map(|(start_ms, end_ms)| SourceCaption {
                src: "clip".into(),
                start_ms,
                end_ms,
                text: format!("word {start_ms}"),
                words: Vec::new(),
            })
            .collect())
    }

    fn filler_cuts(&self, _: &Draft, _: u64) -> Result<Vec<(String, Vec<TimeRange>)>, String> {
        Ok(vec![("clip".into(), vec![TimeRange::new(10_000, 10_400)])])
    }

    fn duration_ms(&self, asset: &str) -> Option<u64> {
        (asset == "song").then_some(20_000)
    }
}

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
        prop::sample::select(CaptionStyle::ALL.to_vec()).prop_map(|style| Step::AddCaptions {
            style,
            language: None
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
            prop::sample::select(vec![Fit::Crop, Fit::Pad, Fit::Blur])
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
        (any::<bool>(), prop::option::of(span())).prop_map(|(remove, time)| Step::ChangeTitle {
            remove,
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

/// Two clips: the talk, then 10 s of it again as a second clip.
fn start() -> Draft {
    let draft = Draft::single_clip("clip", CLIP_MS, DraftMeta::default());
    let second = Op::AppendClip {
        src: "clip".into(),
        duration_ms: 10_000,
    };
    timeline::apply(&draft, &second, &Default::default())
        .unwrap()
        .draft
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
        let _ = session.apply(&Plan { steps: earlier, assumptions: Vec::new() }, &Table);
        let before = session.draft().clone();
        let plan = Plan { steps: steps.clone(), assumptions: Vec::new() };
        match session.apply(&plan, &Table) {
            Ok(outcome) => {
                let after = session.draft().clone();
                let known = |src: &str| ["clip", "song", "logo"].contains(&src);
                prop_assert_eq!(validate(&after, known), Ok(()));
                prop_assert_eq!(outcome.changed, after != before);
                let only_edits = steps.iter().all(|s| !matches!(s, Step::Undo | Step::Redo | Step::Reset));
                if outcome.changed && only_edits {
                    let undo = Plan { steps: vec![Step::Undo], assumptions: Vec::new() };
                    session.apply(&undo, &Table).unwrap();
                    prop_assert_eq!(session.draft(), &before);
                    let redo = Plan { steps: vec![Step::Redo], assumptions: Vec::new() };
                    session.apply(&redo, &Table).unwrap();
                    prop_assert_eq!(session.draft(), &after);
                }
            }
            Err(_) => prop_assert_eq!(session.draft(), &before, "a failed plan changes nothing"),
        }
    }
}

fn plan(steps: Vec<Step>) -> Plan {
    Plan {
        steps,
        assumptions: Vec::new(),
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
