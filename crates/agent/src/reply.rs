//! What the user reads after a turn, in the session's language, with numbers:
//! "Removed 14 pauses (23.4 s). Added 32 captions. 2:14 → 1:51."

use timeline::time::format_seconds;
use timeline::{format_clock, Draft, Effect, TrackKind};

use crate::plan::{Language, Sound, Step};

fn say(language: Language, english: String, chinese: String) -> String {
    match language {
        Language::English => english,
        Language::Chinese => chinese,
    }
}

fn seconds_zh(ms: u64) -> String {
    format_seconds(ms).replace(" s", "秒")
}

fn percent(volume: f64) -> String {
    format!("{:.0}%", volume * 100.0)
}

/// One edit's effect, as a sentence.
pub fn describe(step: &Step, effect: &Effect, language: Language) -> String {
    let l = language;
    match (step, effect) {
        (Step::TrimPauses { .. }, Effect::PausesTrimmed { pauses, removed_ms }) => say(
            l,
            format!(
                "Removed {pauses} pause{} ({}).",
                plural(*pauses),
                format_seconds(*removed_ms)
            ),
            format!("剪掉了{pauses}处停顿（{}）。", seconds_zh(*removed_ms)),
        ),
        (Step::RemoveFillers, Effect::RangesRemoved { removed_ms }) => say(
            l,
            format!("Removed filler words ({}).", format_seconds(*removed_ms)),
            format!("去掉了语气词（{}）。", seconds_zh(*removed_ms)),
        ),
        (_, Effect::CaptionsAdded { captions }) => say(
            l,
            format!("Added {captions} caption{}.", plural(*captions)),
            format!("加了{captions}条字幕。"),
        ),
        (Step::Keep { .. }, Effect::RangesRemoved { removed_ms }) => say(
            l,
            format!(
                "Kept what you asked for and cut the rest ({}).",
                format_seconds(*removed_ms)
            ),
            format!("保留了指定部分，剪掉其余{}。", seconds_zh(*removed_ms)),
        ),
        (_, Effect::RangesRemoved { removed_ms }) => say(
            l,
            format!("Cut {}.", format_seconds(*removed_ms)),
            format!("剪掉了{}。", seconds_zh(*removed_ms)),
        ),
        (Step::Speed { factor }, _) => say(
            l,
            format!("Set the speed to {factor}×."),
            format!("速度调为{factor}倍。"),
        ),
        (Step::Volume { sound, volume }, _) => {
            let (en, zh) = match sound {
                Sound::Original => ("the original sound", "原声"),
                Sound::Music => ("the music", "背景音乐"),
            };
            if *volume == 0.0 {
                say(l, format!("Muted {en}."), format!("{zh}已静音。"))
            } else {
                say(
                    l,
                    format!("Set {en} to {}.", percent(*volume)),
                    format!("{zh}音量调为{}。", percent(*volume)),
                )
            }
        }
        (Step::NormalizeLoudness { lufs }, _) => say(
            l,
            format!("Normalised the loudness to {lufs} LUFS."),
            format!("响度已标准化到{lufs} LUFS。"),
        ),
        (_, Effect::MusicAdded { volume, looped }) => say(
            l,
            format!(
                "Added music at {}{}.",
                percent(*volume),
                if *looped {
                    ", looped to the video's length"
                } else {
                    ""
                }
            ),
            format!(
                "加了背景音乐，音量{}{}。",
                percent(*volume),
                if *looped { "，循环铺满全片" } else { "" }
            ),
        ),
        (
            _,
            Effect::TitleAdded {
                text,
                start_ms,
                end_ms,
            },
        ) => say(
            l,
            format!(
                "Added the title “{text}” ({}–{}).",
                format_clock(*start_ms),
                format_clock(*end_ms)
            ),
            format!(
                "加了标题“{text}”（{}–{}）。",
                format_clock(*start_ms),
                format_clock(*end_ms)
            ),
        ),
        (Step::Aspect { aspect, fit }, _) => say(
            l,
            format!(
                "Made it {aspect} ({}).",
                match fit {
                    timeline::Fit::Crop => "cropped",
                    timeline::Fit::Pad => "with bars",
                    timeline::Fit::Blur => "blurred fill",
                }
            ),
            format!("画面改为{aspect}。"),
        ),
        (
            Step::Fade {
                fade_in_ms,
                fade_out_ms,
            },
            _,
        ) => {
            let part = |ms: &Option<u64>, en: &str, zh: &str| {
                ms.map(|ms| {
                    (
                        format!("{en} over {}", format_seconds(ms)),
                        format!("{zh}{}", seconds_zh(ms)),
                    )
                })
            };
            let parts: Vec<(String, String)> = [
                part(fade_in_ms, "faded in", "淡入"),
                part(fade_out_ms, "faded out", "淡出"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let en: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
            let zh: Vec<&str> = parts.iter().map(|p| p.1.as_str()).collect();
            say(
                l,
                format!("{}.", capitalise(&en.join(" and "))),
                format!("{}。", zh.join("，")),
            )
        }
        (
            Step::Color {
                saturation: Some(s),
                ..
            },
            _,
        ) if *s == 0.0 => say(l, "Made it black and white.".into(), "已变成黑白。".into()),
        (Step::Color { .. }, _) => say(l, "Adjusted the colour.".into(), "已调整画面色彩。".into()),
        (Step::MoveClip { .. }, _) => say(l, "Moved the clip.".into(), "已移动片段。".into()),
        (_, Effect::TitleRemoved { text }) => say(
            l,
            format!("Removed the title “{text}”."),
            format!("已删除标题“{text}”。"),
        ),
        (Step::ChangeTitle { .. }, _) => say(l, "Changed the title.".into(), "已修改标题。".into()),
        (Step::AddVoiceOver { start_ms, .. }, _) => say(
            l,
            format!("Added the voice-over from {}.", format_clock(*start_ms)),
            format!("从{}开始加了旁白。", format_clock(*start_ms)),
        ),
        (Step::Crossfade { ms: 0 }, _) => {
            say(l, "Removed the crossfades.".into(), "已去掉转场。".into())
        }
        (Step::Crossfade { ms }, _) => say(
            l,
            format!("Crossfaded the clips over {}.", format_seconds(*ms)),
            format!("片段之间加了{}的交叉淡化转场。", seconds_zh(*ms)),
        ),
        (Step::AddOverlay { corner, .. }, _) => {
            let (en, zh) = match corner {
                timeline::Corner::TopLeft => ("top left corner", "左上角"),
                timeline::Corner::TopRight => ("top right corner", "右上角"),
                timeline::Corner::BottomLeft => ("bottom left corner", "左下角"),
                timeline::Corner::BottomRight => ("bottom right corner", "右下角"),
                timeline::Corner::Center => ("middle", "中间"),
            };
            say(
                l,
                format!("Put the image in the {en}."),
                format!("已把图片放在{zh}。"),
            )
        }
        (Step::AddStill { at_start, ms, .. }, _) => say(
            l,
            format!(
                "Showed the image for {} at the {}.",
                format_seconds(*ms),
                if *at_start { "start" } else { "end" }
            ),
            format!(
                "在{}加了{}的图片。",
                if *at_start { "开头" } else { "结尾" },
                seconds_zh(*ms)
            ),
        ),
        (Step::Split { at_ms }, _) => say(
            l,
            format!("Split at {}.", format_clock(*at_ms)),
            format!("已在{}处分割。", format_clock(*at_ms)),
        ),
        (
            Step::Export {
                resolution, fps, ..
            },
            _,
        ) => {
            let mut what = Vec::new();
            if let Some(r) = resolution {
                what.push(r.to_string());
            }
            if let Some(f) = fps {
                what.push(format!("{f} fps"));
            }
            if what.is_empty() {
                say(l, "Ready to export.".into(), "准备导出。".into())
            } else {
                say(
                    l,
                    format!("Export set to {}.", what.join(", ")),
                    format!("导出设置为{}。", what.join("，")),
                )
            }
        }
        _ => say(l, "Done.".into(), "已完成。".into()),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "2:14 → 1:51."
pub fn duration_line(before_ms: u64, after_ms: u64, language: Language) -> String {
    let (before, after) = (format_clock(before_ms), format_clock(after_ms));
    say(
        language,
        format!("{before} → {after}."),
        format!("时长{before} → {after}。"),
    )
}

pub fn history_done(step: &Step, language: Language) -> String {
    match step {
        Step::Undo => say(
            language,
            "Undid the last change.".into(),
            "已撤销上一步。".into(),
        ),
        Step::Redo => say(language, "Redid it.".into(), "已重做。".into()),
        _ => say(
            language,
            "Started over from the original.".into(),
            "已恢复到最初的版本。".into(),
        ),
    }
}

pub fn nothing_to(step: &Step, language: Language) -> String {
    match step {
        Step::Undo => say(
            language,
            "There is nothing to undo.".into(),
            "没有可以撤销的操作。".into(),
        ),
        _ => say(
            language,
            "There is nothing to redo.".into(),
            "没有可以重做的操作。".into(),
        ),
    }
}

pub fn assumed(assumption: &str, language: Language) -> String {
    say(
        language,
        format!("(I {assumption}.)"),
        format!("（按默认理解处理：{assumption}。）"),
    )
}

pub fn failed(step: &Step, reason: &str, language: Language) -> String {
    let (en, zh) = step_phrase(step);
    say(
        language,
        format!("I could not {en}: {reason}. Nothing was changed."),
        format!("无法{zh}：{reason}。没有做任何修改。"),
    )
}

/// What a Step does, as a verb phrase: ("trim the pauses", "剪掉停顿").
fn step_phrase(step: &Step) -> (&'static str, &'static str) {
    match step {
        Step::TrimPauses { .. } => ("trim the pauses", "剪掉停顿"),
        Step::RemoveFillers => ("remove the filler words", "去掉语气词"),
        Step::AddCaptions { .. } => ("add captions", "加字幕"),
        Step::Cut { .. } => ("cut that part", "剪掉这一段"),
        Step::Keep { .. } => ("keep that part", "保留这一段"),
        Step::Speed { .. } => ("change the speed", "变速"),
        Step::Volume { .. } => ("set the volume", "调整音量"),
        Step::NormalizeLoudness { .. } => ("normalise the loudness", "标准化响度"),
        Step::AddMusic { .. } => ("add the music", "加背景音乐"),
        Step::AddTitle { .. } => ("add the title", "加标题"),
        Step::AddVoiceOver { .. } => ("add the voice-over", "加旁白"),
        Step::Aspect { .. } => ("change the shape", "修改画面比例"),
        Step::Fade { .. } => ("fade", "淡入淡出"),
        Step::Color { .. } => ("adjust the colour", "调整色彩"),
        Step::Export { .. } => ("set up the export", "设置导出"),
        Step::DeleteClip { .. } => ("delete that clip", "删除这一段"),
        Step::MoveClip { .. } => ("move that clip", "移动这一段"),
        Step::Split { .. } => ("split there", "在这里分割"),
        Step::AddStill { .. } => ("add the image", "加图片"),
        Step::AddOverlay { .. } => ("put the image over the video", "叠加图片"),
        Step::ChangeTitle { .. } => ("change the title", "修改标题"),
        Step::Crossfade { .. } => ("crossfade the clips", "加转场"),
        Step::Undo => ("undo", "撤销"),
        Step::Redo => ("redo", "重做"),
        Step::Reset => ("start over", "重新开始"),
        Step::ShowTimeline => ("show the timeline", "查看时间线"),
    }
}

/// What is on the timeline, track by track.
pub fn timeline_summary(draft: &Draft, language: Language) -> String {
    let mut lines = vec![say(
        language,
        format!(
            "The video is {} long, {}×{} at {} fps.",
            format_clock(draft.duration_ms),
            draft.meta.width,
            draft.meta.height,
            draft.meta.fps
        ),
        format!(
            "视频时长{}，{}×{}，{}帧。",
            format_clock(draft.duration_ms),
            draft.meta.width,
            draft.meta.height,
            draft.meta.fps
        ),
    )];
    for track in &draft.tracks {
        let count = track.segments.len();
        let line = match track.kind {
            TrackKind::Video => say(
                language,
                format!("Video: {count} clip{}.", plural(count)),
                format!("视频：{count}段。"),
            ),
            TrackKind::Audio => {
                let level = track
                    .segments
                    .first()
                    .map(|s| percent(s.volume()))
                    .unwrap_or_default();
                say(
                    language,
                    format!("Music: {count} at {level}."),
                    format!("音乐：{count}段，音量{level}。"),
                )
            }
            TrackKind::Text => {
                let captions = track
                    .segments
                    .iter()
                    .filter(|s| s.meta.role.as_deref() == Some("caption"))
                    .count();
                if captions > 0 {
                    say(
                        language,
                        format!("Captions: {captions}."),
                        format!("字幕：{captions}条。"),
                    )
                } else {
                    let titles: Vec<String> = track
                        .segments
                        .iter()
                        .map(|s| {
                            format!(
                                "“{}” {}–{}",
                                s.meta.text.as_deref().unwrap_or(""),
                                format_clock(s.start_ms),
                                format_clock(s.end_ms())
                            )
                        })
                        .collect();
                    say(
                        language,
                        format!("Titles: {}.", titles.join(", ")),
                        format!("标题：{}。", titles.join("，")),
                    )
                }
            }
        };
        lines.push(line);
    }
    lines.join(" ")
}
