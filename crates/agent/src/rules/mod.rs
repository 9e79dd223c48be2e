//! The deterministic planner: instruction → clauses → one Step (or a question) per clause.
//!
//! ```text
//! "Trim the pauses, add lo-fi music at 35% and make it 9:16"
//!   normalise   "trim the pauses, add lo-fi music at 35% and make it 9:16"  (quotes set
//!               aside, lower case, number words as digits, full-width forms folded)
//!   split       ["trim the pauses", "add lo-fi music at 35%", "make it 9:16"]
//!   meanings    [TrimPauses{500,150}, AddMusic{0.35}, Aspect{9:16, crop}]
//! ```
//!
//! A clause nobody understands makes the whole instruction "not understood" (saying which
//! words, and what cutline can do): applying half of what was asked would be a guess.

mod clauses;
pub mod intents;
pub mod numbers;

use crate::plan::{Language, Plan, Step, Understanding};
use crate::understand::{language_of, Context, Understand};
use intents::{meaning, Meaning, Referents};

/// Understands English and Simplified Chinese with fixed rules; offline and repeatable.
#[derive(Clone, Copy, Debug, Default)]
pub struct RulePlanner;

impl Understand for RulePlanner {
    fn understand(&self, instruction: &str, context: &Context) -> Understanding {
        let language = context.language.unwrap_or_else(|| language_of(instruction));
        let masked = clauses::mask_quotes(&fold_width(instruction));
        let text = numbers::digits_for_words(&masked.text.to_lowercase());
        let refs = Referents {
            quotes: masked.quotes,
            music: context.music.clone(),
            image: context.image.clone(),
        };
        let mut plan = Plan::default();
        for clause in clauses::split(&text) {
            let meaning = match plan.steps.last_mut() {
                Some(previous) => continuation(&clause, previous, &refs),
                None => meaning(&clause, &refs),
            };
            match meaning {
                // "the ums and uhs" is one edit, said twice.
                Meaning::Steps(steps)
                    if steps.len() == 1
                        && plan.steps.last() == steps.first()
                        && matches!(steps[0], Step::RemoveFillers | Step::TrimPauses { .. }) => {}
                Meaning::Steps(steps) => plan.steps.extend(steps),
                Meaning::Assumed { steps, assumption } => {
                    plan.steps.extend(steps);
                    plan.assumptions.push(assumption.to_string());
                }
                Meaning::Question(question) => {
                    return Understanding::Question {
                        text: question.to_string(),
                    }
                }
                Meaning::NotYet(what) => {
                    return Understanding::NotUnderstood {
                        text: not_yet(what, language),
                    }
                }
                Meaning::Nothing => {}
                Meaning::Unknown => {
                    return Understanding::NotUnderstood {
                        text: not_understood(&clause, language),
                    }
                }
            }
        }
        merge_exports(&mut plan.steps);
        if plan.steps.is_empty() {
            return Understanding::Question {
                text: match language {
                    Language::English => format!("What would you like to do? {}", CAN_DO_EN),
                    Language::Chinese => format!("想做什么修改？{}", CAN_DO_ZH),
                },
            };
        }
        Understanding::Plan(plan)
    }
}

/// A clause that only adds to the one before it: "add music, 40% volume", "add the title
/// 'Intro', from 0:02 to 0:06", "make it vertical, with blur", "cut the first 5 seconds and
/// the last 3 seconds". It changes the previous Step (and means nothing more) or repeats it on
/// another stretch; any other clause is understood on its own.
fn continuation(clause: &str, previous: &mut Step, refs: &Referents) -> Meaning {
    let own = meaning(clause, refs);
    let names_a_sound = ["original", "原声", "music", "音乐", "mute", "静音"]
        .iter()
        .any(|w| clause.contains(w));
    match (&own, previous) {
        (Meaning::Steps(steps), Step::AddMusic { volume, .. }) if !names_a_sound => {
            if let [Step::Volume { volume: level, .. }] = steps.as_slice() {
                *volume = *level;
                return Meaning::Nothing;
            }
        }
        (Meaning::Unknown, Step::AddMusic { duck, .. }) if intents::ducks(clause) => {
            *duck = true;
            return Meaning::Nothing;
        }
        (Meaning::Unknown, Step::AddTitle { span, .. }) => {
            if let Some(named) = intents::span_of(clause) {
                *span = named;
                return Meaning::Nothing;
            }
        }
        // "… and the last 3 seconds": the same kind of edit again, on another stretch.
        (Meaning::Unknown, Step::Cut { .. }) => {
            if let Some(span) = intents::span_of(clause) {
                return Meaning::Steps(vec![Step::Cut { span }]);
            }
        }
        (Meaning::Unknown, Step::Keep { .. }) => {
            if let Some(span) = intents::span_of(clause) {
                return Meaning::Steps(vec![Step::Keep { span }]);
            }
        }
        (Meaning::Unknown, Step::Aspect { fit, .. }) => {
            if let Some(named) = intents::fit_of(clause) {
                *fit = named;
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

/// "export 1080p" and "at 60 fps" said apart are one export, made after the edits.
fn merge_exports(steps: &mut Vec<Step>) {
    let mut merged: Option<(Option<_>, Option<f64>, Option<_>)> = None;
    steps.retain(|step| match step {
        Step::Export {
            resolution,
            fps,
            quality,
        } => {
            let (r, f, q) = merged.get_or_insert((None, None, None));
            *r = resolution.or(*r);
            *f = fps.or(*f);
            *q = quality.or(*q);
            false
        }
        _ => true,
    });
    if let Some((resolution, fps, quality)) = merged {
        steps.push(Step::Export {
            resolution,
            fps,
            quality,
        });
    }
}

pub const CAN_DO_EN: &str = "I can: trim pauses, remove filler words, add captions (clean, bold or karaoke), cut or keep a range (\"cut 0:10 to 0:25\", \"keep the first 30 seconds\"), change the speed, change or mute the volume, normalise loudness, add music, add a title, change the shape (9:16, 1:1, 4:5, 16:9), fade in and out, adjust brightness, contrast and saturation or make it black and white, set the export resolution, frame rate and quality, undo, redo, start over, and show what is on the timeline.";
pub const CAN_DO_ZH: &str = "我可以：剪掉停顿、去掉语气词、加字幕（简洁、粗体或卡拉OK）、剪掉或保留一段（“剪掉0:10到0:25”、“只保留前30秒”）、变速、调整或关闭音量、响度标准化、加背景音乐、加标题、改画面比例（9:16、1:1、4:5、16:9）、淡入淡出、调亮度、对比度、饱和度或黑白、设置导出分辨率、帧率和画质、撤销、重做、重新开始，以及查看时间线。";

fn not_understood(clause: &str, language: Language) -> String {
    match language {
        Language::English => {
            format!("I didn't understand \"{clause}\", so I changed nothing. {CAN_DO_EN}")
        }
        Language::Chinese => format!("我没听懂“{clause}”，所以没有做任何修改。{CAN_DO_ZH}"),
    }
}

fn not_yet(what: &str, language: Language) -> String {
    match language {
        Language::English => format!("I can't do {what} yet, so I changed nothing. {CAN_DO_EN}"),
        Language::Chinese => format!(
            "暂时还不支持{}，所以没有做任何修改。{CAN_DO_ZH}",
            not_yet_zh(what)
        ),
    }
}

fn not_yet_zh(what: &str) -> &'static str {
    match what {
        "crossfades between clips" => "片段之间的转场",
        "splitting clips" => "分割片段",
        "image or logo overlays" => "图片或水印叠加",
        "moving clips" => "移动片段",
        _ => "删除单个片段",
    }
}
