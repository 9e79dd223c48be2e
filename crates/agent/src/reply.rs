//! What the user reads after a turn, in the session's language, with numbers:
//! "Removed 14 pauses (23.4 s). Added 32 captions. 2:14 → 1:51."

use timeline::ops::Quantity;
use timeline::time::format_seconds;
use timeline::{
    format_clock, CaptionLook, CaptionStyle, Draft, EditError, Effect, Layer, Position, TrackKind,
};

use crate::plan::{Format, Language, NotDone, Removable, Sound, Step};

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
        (Step::RemoveFillers, Effect::SourceRangesCut { ranges, removed_ms }) => say(
            l,
            format!(
                "Removed {ranges} filler word{} ({}).",
                plural(*ranges),
                format_seconds(*removed_ms)
            ),
            format!("去掉了{ranges}处语气词（{}）。", seconds_zh(*removed_ms)),
        ),
        (_, Effect::LayerRemoved { layer, removed }) => {
            let (en, zh) = layer_words(*layer);
            say(
                l,
                format!("Removed {removed} {en}."),
                format!("去掉了{removed}{zh}。"),
            )
        }
        (Step::Remove { what }, _) => match what {
            Removable::Speed => say(
                l,
                "Back to normal speed (1×).".into(),
                "已恢复正常速度（1倍）。".into(),
            ),
            Removable::Color => say(
                l,
                "Back to the original colour.".into(),
                "已恢复原始色彩。".into(),
            ),
            other => {
                let (en, zh) = removable_words(*other);
                say(l, format!("Removed the {en}."), format!("已去掉{zh}。"))
            }
        },
        (Step::TranslateCaptions { to }, Effect::CaptionsRewritten { captions }) => say(
            l,
            format!(
                "Translated {captions} caption{} into {}, each at its time.",
                plural(*captions),
                language_name(to).0
            ),
            format!(
                "已把{captions}条字幕翻译成{}，时间不变。",
                language_name(to).1
            ),
        ),
        (_, Effect::CaptionFixed { index, text }) => say(
            l,
            format!("Changed caption {} to “{text}”.", index + 1),
            format!("已把第{}条字幕改为“{text}”。", index + 1),
        ),
        (Step::ChangeCaptions { look }, Effect::CaptionsRestyled { captions }) => {
            let (en, zh) = look_words(look);
            say(
                l,
                format!(
                    "Changed {captions} caption{}: {}.",
                    plural(*captions),
                    en.join(", ")
                ),
                format!("已修改{captions}条字幕：{}。", zh.join("，")),
            )
        }
        (Step::AddCaptions { .. }, Effect::CaptionsRestyled { captions }) => {
            let look = match step {
                Step::AddCaptions {
                    position,
                    size,
                    color,
                    ..
                } => CaptionLook {
                    style: None,
                    position: *position,
                    size: *size,
                    color: color.clone(),
                },
                _ => CaptionLook::default(),
            };
            let (en, zh) = look_words(&look);
            say(
                l,
                format!("Captions {}.", en.join(", ")),
                format!("字幕{}（共{captions}条）。", zh.join("，")),
            )
        }
        (
            Step::ChangeMusic {
                fade_in_ms,
                fade_out_ms,
                duck,
            },
            _,
        ) => {
            let mut en = Vec::new();
            let mut zh = Vec::new();
            for (ms, en_in, zh_in) in [(fade_in_ms, "in", "淡入"), (fade_out_ms, "out", "淡出")]
            {
                match ms {
                    Some(0) => {
                        en.push(format!("no fade {en_in}"));
                        zh.push(format!("去掉{zh_in}"));
                    }
                    Some(ms) => {
                        en.push(format!("fades {en_in} over {}", format_seconds(*ms)));
                        zh.push(format!("{zh_in}{}", seconds_zh(*ms)));
                    }
                    None => {}
                }
            }
            if *duck == Some(true) {
                en.push("lowered under the speech".into());
                zh.push("说话时自动变小".into());
            }
            say(
                l,
                format!("The music now {}.", en.join(", ")),
                format!("背景音乐：{}。", zh.join("，")),
            )
        }
        (
            Step::AddCaptions {
                translate: true, ..
            },
            Effect::CaptionsAdded { captions },
        ) => say(
            l,
            format!(
                "Added {captions} caption{} in English, translated from what is said.",
                plural(*captions)
            ),
            format!("加了{captions}条英文字幕（由所说的话翻译而来）。"),
        ),
        (_, Effect::CaptionsAdded { captions }) => say(
            l,
            format!("Added {captions} caption{}.", plural(*captions)),
            format!("加了{captions}条字幕。"),
        ),
        (Step::DeleteClip { clip }, Effect::RangesRemoved { removed_ms }) => {
            let (en, zh) = match clip {
                timeline::ClipIndex::FromStart(n) => {
                    (format!("clip {}", n + 1), format!("第{}段", n + 1))
                }
                timeline::ClipIndex::FromEnd(0) => ("the last clip".into(), "最后一段".into()),
                timeline::ClipIndex::FromEnd(n) => (
                    format!("clip {} from the end", n + 1),
                    format!("倒数第{}段", n + 1),
                ),
            };
            say(
                l,
                format!("Deleted {en} ({}).", format_seconds(*removed_ms)),
                format!("删除了{zh}（{}）。", seconds_zh(*removed_ms)),
            )
        }
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
        (_, Effect::MusicAdded { volume, looped }) => {
            let (fades_en, fades_zh, duck) = match step {
                Step::AddMusic {
                    fade_in_ms,
                    fade_out_ms,
                    duck,
                    ..
                } => (
                    [(fade_in_ms, "fading in"), (fade_out_ms, "fading out")]
                        .iter()
                        .filter_map(|(ms, en)| {
                            ms.map(|ms| format!(", {en} over {}", format_seconds(ms)))
                        })
                        .collect::<String>(),
                    [(fade_in_ms, "淡入"), (fade_out_ms, "淡出")]
                        .iter()
                        .filter_map(|(ms, zh)| ms.map(|ms| format!("，{zh}{}", seconds_zh(ms))))
                        .collect::<String>(),
                    *duck,
                ),
                _ => (String::new(), String::new(), false),
            };
            say(
                l,
                format!(
                    "Added music at {}{}{fades_en}{}.",
                    percent(*volume),
                    if *looped {
                        ", looped to the video's length"
                    } else {
                        ""
                    },
                    if duck { ", lowered while you talk" } else { "" }
                ),
                format!(
                    "加了背景音乐，音量{}{}{fades_zh}{}。",
                    percent(*volume),
                    if *looped { "，循环铺满全片" } else { "" },
                    if duck { "，说话时自动变小" } else { "" }
                ),
            )
        }
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
                "Made it {aspect}{}.",
                match fit {
                    Some(timeline::Fit::Crop) => " (cropped)",
                    Some(timeline::Fit::Pad) => " (with bars)",
                    Some(timeline::Fit::Blur) => " (blurred fill)",
                    None => "",
                }
            ),
            format!(
                "画面改为{aspect}{}。",
                match fit {
                    Some(timeline::Fit::Crop) => "（裁切填满）",
                    Some(timeline::Fit::Pad) => "（加黑边）",
                    Some(timeline::Fit::Blur) => "（模糊背景填充）",
                    None => "",
                }
            ),
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
        (
            Step::ChangeTitle {
                text: Some(text), ..
            },
            _,
        ) => say(
            l,
            format!("Changed the title to “{text}”."),
            format!("标题已改为“{text}”。"),
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
                format,
                resolution,
                fps,
                ..
            },
            _,
        ) => {
            use media::render::format::{GIF_FPS, GIF_MAX_SIDE};
            let gif = *format == Some(Format::Gif);
            let mut what = Vec::new();
            if let Some(format) = format {
                what.push(format_name(*format).to_string());
            }
            if let Some(r) = resolution {
                what.push(r.to_string());
            }
            // A GIF plays at most 15 fps: say what it will be, not what was asked.
            let fps = if gif {
                Some(fps.unwrap_or(f64::from(GIF_FPS)).min(f64::from(GIF_FPS)))
            } else {
                *fps
            };
            if let Some(f) = fps {
                what.push(format!("{f} fps"));
            }
            if gif {
                what.push(say(
                    l,
                    format!("at most {GIF_MAX_SIDE} pixels on the long side, no sound"),
                    format!("长边最多{GIF_MAX_SIDE}像素，没有声音"),
                ));
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

/// A language code's name: ("French", "法语").
pub fn language_name(code: &str) -> (String, String) {
    crate::rules::intents::LANGUAGES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, en, zh)| (en.to_string(), zh.to_string()))
        .unwrap_or_else(|| (code.to_string(), code.to_string()))
}

/// A format as people write it: "MP4", "WebM", "GIF".
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Mp4 => "MP4",
        Format::Webm => "WebM",
        Format::Gif => "GIF",
        Format::M4a => "M4A",
        Format::Mp3 => "MP3",
    }
}

/// A colour's name in Chinese (`#rrggbb` as it is).
fn color_zh(color: &str) -> String {
    let named = [
        ("white", "白色"),
        ("black", "黑色"),
        ("red", "红色"),
        ("green", "绿色"),
        ("blue", "蓝色"),
        ("yellow", "黄色"),
        ("orange", "橙色"),
        ("pink", "粉色"),
        ("purple", "紫色"),
        ("gray", "灰色"),
        ("cyan", "青色"),
    ];
    named
        .iter()
        .find(|(en, _)| *en == color)
        .map_or_else(|| color.to_string(), |(_, zh)| zh.to_string())
}

fn layer_words(layer: Layer) -> (&'static str, &'static str) {
    match layer {
        Layer::Captions => ("captions", "条字幕"),
        Layer::Titles => ("title(s)", "个标题"),
        Layer::Overlays => ("logo/overlay(s)", "个水印或叠加图片"),
        Layer::Music => ("music track(s)", "段背景音乐"),
        Layer::VoiceOver => ("voice-over(s)", "段旁白"),
    }
}

/// A layer that went with the part of the video it was over.
pub fn layer_went(layer: Layer, gone: usize, language: Language) -> String {
    let (en, zh) = layer_words(layer);
    say(
        language,
        format!("{gone} {en} over the removed part went with it."),
        format!("被剪掉部分上的{gone}{zh}也一并去掉了。"),
    )
}

/// What a change of the captions' look did, part by part.
fn look_words(look: &CaptionLook) -> (Vec<String>, Vec<String>) {
    let mut en = Vec::new();
    let mut zh = Vec::new();
    if let Some(position) = look.position {
        let (e, z) = match position {
            Position::Top => ("at the top", "放在顶部"),
            Position::Center => ("in the middle", "放在中间"),
            Position::Bottom => ("at the bottom", "放在底部"),
        };
        en.push(e.to_string());
        zh.push(z.to_string());
    }
    if let Some(size) = look.size {
        en.push(format!(
            "{} ({:.0}% of the normal size)",
            if size >= 1.0 { "bigger" } else { "smaller" },
            size * 100.0
        ));
        zh.push(format!(
            "{}（正常大小的{:.0}%）",
            if size >= 1.0 { "调大" } else { "调小" },
            size * 100.0
        ));
    }
    if let Some(color) = &look.color {
        en.push(format!("in {color}"));
        zh.push(format!("颜色改为{}", color_zh(color)));
    }
    if let Some(style) = look.style {
        let (style_en, style_zh) = match style {
            CaptionStyle::Clean => ("clean", "简洁"),
            CaptionStyle::Bold => ("bold", "粗体"),
            CaptionStyle::Karaoke => ("karaoke", "卡拉OK"),
        };
        en.push(format!("{style_en} style"));
        zh.push(format!("{style_zh}样式"));
    }
    (en, zh)
}

/// Why a frame the words asked for without a fit was not filled by cropping: cutline blurs
/// only what looks like a screen recording (see `fitting`), and says how to crop instead.
pub fn why_fitted(step: &Step, edited: &Draft, language: Language) -> Option<String> {
    let Step::Aspect { aspect, fit: None } = step else {
        return None;
    };
    (edited.meta.fit == Some(timeline::Fit::Blur)).then(|| {
        say(
            language,
            format!(
                "It looks like a screen recording, so it is fitted with a blurred background instead of cropped (no text cut off); say “make it {aspect}, cropped” to fill the frame."
            ),
            format!(
                "看起来是屏幕录制，所以没有裁切，而是完整放在模糊背景上（文字不会被裁掉）；要铺满画面，请说“改成{aspect}，裁剪”。"
            ),
        )
    })
}

/// What a Step that changed nothing says: never what it would have done.
pub fn unchanged(step: &Step, effects: &[Effect], language: Language) -> String {
    let l = language;
    if let Step::Remove { what } = step {
        let (en, zh) = removable_words(*what);
        return say(
            l,
            format!(
                "There {} no {en} to remove.",
                if en.ends_with('s') { "were" } else { "was" }
            ),
            format!("没有{zh}可以去掉。"),
        );
    }
    if let Step::Join { .. } = step {
        return say(
            l,
            "The videos here are already one timeline: there is nothing to join.".into(),
            "这里的视频已经在同一条时间线上，不需要合并。".into(),
        );
    }
    if effects.iter().any(|e| {
        matches!(
            e,
            Effect::CaptionsRestyled { captions: 0 } | Effect::CaptionsAdded { captions: 0 }
        )
    }) {
        return say(
            l,
            "There are no captions to change (no speech was found, or none were added yet: say \"add captions\").".into(),
            "没有可以修改的字幕（没有识别到说话，或者还没加字幕：可以说“加字幕”）。".into(),
        );
    }
    let (en, zh) = step_phrase(step);
    say(
        l,
        format!("Nothing to change to {en}: it already was that way."),
        format!("{zh}：本来就是这样，没有改动。"),
    )
}

fn removable_words(what: Removable) -> (&'static str, &'static str) {
    match what {
        Removable::Captions => ("captions", "字幕"),
        Removable::Title => ("title", "标题"),
        Removable::Logo => ("logo or overlay", "水印或叠加图片"),
        Removable::Music => ("music", "背景音乐"),
        Removable::VoiceOver => ("voice-over", "旁白"),
        Removable::Fades => ("fades", "淡入淡出"),
        Removable::Speed => ("speed change", "变速"),
        Removable::Crossfades => ("crossfades", "转场"),
        Removable::Color => ("colour change", "调色"),
    }
}

/// What a Plan would do, Step by Step, as a short phrase each.
fn would_do(step: &Step) -> (String, String) {
    match step {
        Step::Aspect { aspect, .. } => (format!("make it {aspect}"), format!("改成{aspect}")),
        Step::AddMusic { volume, .. } => (
            format!("add the music at {}", percent(*volume)),
            format!("加背景音乐（音量{}）", percent(*volume)),
        ),
        Step::Speed { factor } => (format!("play it at {factor}×"), format!("{factor}倍速")),
        Step::Remove { what } => {
            let (en, zh) = removable_words(*what);
            (format!("remove the {en}"), format!("去掉{zh}"))
        }
        Step::Export {
            format, resolution, ..
        } => {
            let what: Vec<String> = format
                .map(|f| format_name(f).to_string())
                .into_iter()
                .chain(resolution.map(|r| r.to_string()))
                .collect();
            (
                format!("export {}", what.join(" ")).trim().to_string(),
                format!("导出{}", what.join(" ")),
            )
        }
        other => {
            let (en, zh) = step_phrase(other);
            (en.to_string(), zh.to_string())
        }
    }
}

/// What joining pieces did: "Joined talk.mp4 and phone.mp4 into one video (2:05); it is the
/// one words go to now, and the originals stay." Settings only the first piece's carry over
/// are named.
pub fn joined(names: &[&str], duration_ms: u64, lost: &[&str], language: Language) -> String {
    let length = timeline::format_clock(duration_ms);
    let mut said = match language {
        Language::English => {
            let (last, rest) = names.split_last().unwrap_or((&"", &[]));
            format!(
                "Joined {} and {last} into one video ({length}); it is the one I work on now, and the originals stay as they were.",
                rest.join(", ")
            )
        }
        Language::Chinese => format!(
            "已把{}合并成一个视频（{length}），接下来的修改都针对它，原来的视频保持不变。",
            names.join("、")
        ),
    };
    if !lost.is_empty() {
        let zh: Vec<&str> = lost
            .iter()
            .map(|w| match *w {
                "fades" => "淡入淡出",
                "colour" => "调色",
                "loudness" => "响度",
                _ => "画面尺寸",
            })
            .collect();
        said.push_str(&match language {
            Language::English => format!(
                " The first video's {} apply to all of it; the others' differ and are not kept.",
                lost.join(", ")
            ),
            Language::Chinese => format!(
                "整段使用第一个视频的{}，其他视频不同的设置没有保留。",
                zh.join("、")
            ),
        });
    }
    said
}

/// A Plan with parts that cannot be done, said before anything is applied: what would be
/// done, and each part that would not, quoted, with why.
pub fn partial(plan: &crate::plan::Plan, language: Language) -> String {
    let (en, zh): (Vec<String>, Vec<String>) = plan.steps.iter().map(would_do).unzip();
    let mut lines = vec![say(
        language,
        format!("I can {}.", en.join(", ")),
        format!("我可以：{}。", zh.join("、")),
    )];
    lines.extend(not_done_lines(&plan.not_done, language));
    lines.join(if language == Language::Chinese {
        ""
    } else {
        " "
    })
}

/// Why an edit could not be made, in the session's language.
pub fn edit_error(error: &EditError, language: Language) -> String {
    if language == Language::English {
        return error.to_string();
    }
    let seconds = |ms: &u64| seconds_zh(*ms);
    match error {
        EditError::NoMainTrack => "时间线上没有可以剪辑的视频".into(),
        EditError::MissingAnalysis { .. } => "停顿还没有分析".into(),
        EditError::OutOfRange {
            what,
            value,
            low,
            high,
        } => {
            let name = match what {
                Quantity::Volume => "音量",
                Quantity::Speed => "速度",
                Quantity::Loudness => "响度（LUFS）",
                Quantity::Brightness => "亮度",
                Quantity::Contrast => "对比度",
                Quantity::Saturation => "饱和度",
                Quantity::CaptionSize => "字幕大小",
            };
            format!("{name}{value}超出了{low}到{high}的范围")
        }
        EditError::OutsideVideo {
            what,
            start_ms,
            end_ms,
            duration_ms,
        } => format!(
            "{}的时间（{}–{}）超出了视频长度（{}）",
            if *what == "title" {
                "标题"
            } else {
                "叠加图片"
            },
            seconds(start_ms),
            seconds(end_ms),
            seconds(duration_ms)
        ),
        EditError::EmptyTitle => "标题需要文字".into(),
        EditError::NoSuchCaption { count: 0 } => "时间线上没有字幕".into(),
        EditError::NoSuchCaption { count } => format!("时间线上只有{count}条字幕"),
        EditError::EmptyCaption => "字幕需要文字".into(),
        EditError::CaptionCount { given, captions } => {
            format!("{captions}条字幕只得到{given}条译文")
        }
        EditError::NoTitle => "时间线上没有标题".into(),
        EditError::NoMusic => "时间线上没有背景音乐".into(),
        EditError::Silent { .. } => "这个音频文件没有声音".into(),
        EditError::NoLength { .. } => "这个文件没有时长".into(),
        EditError::AfterTheEnd {
            start_ms,
            duration_ms,
        } => format!(
            "旁白从{}开始，晚于视频结尾（{}）",
            seconds(start_ms),
            seconds(duration_ms)
        ),
        EditError::NoSuchClip { count } => format!("时间线上只有{count}段"),
        EditError::OneClip => "转场需要两段视频，现在只有一段".into(),
        EditError::NothingToSplit { at_ms } => format!("{}处没有可以分割的画面", seconds(at_ms)),
        EditError::PauseTooShort { min_ms } => format!("能剪掉的最短停顿是{}", seconds(min_ms)),
        EditError::FadesTooLong {
            fades_ms,
            duration_ms,
        } => format!(
            "淡入淡出共{}，比视频（{}）还长",
            seconds(fades_ms),
            seconds(duration_ms)
        ),
        EditError::NothingLeft => "这样会把时间线上的内容全部剪掉".into(),
        EditError::Invalid(_) => "这个修改会产生无效的时间线".into(),
    }
}

/// The command line's refusal of a partial Plan: nothing rendered, and how to go on.
pub fn partial_refused(plan: &crate::plan::Plan, language: Language) -> String {
    say(
        language,
        format!(
            "{} Nothing was rendered: run again with --apply-understood to do the rest, or change the words.",
            partial(plan, language)
        ),
        format!(
            "{}没有渲染：加上 --apply-understood 可以只做能做的部分，或者换个说法。",
            partial(plan, language)
        ),
    )
}

/// The parts of an instruction that were not done, quoted, with why.
pub fn not_done_lines(parts: &[NotDone], language: Language) -> Vec<String> {
    parts
        .iter()
        .map(|p| {
            say(
                language,
                format!("Not done: “{}” ({}).", p.text, p.why),
                format!("未完成：“{}”（{}）。", p.text, p.why),
            )
        })
        .collect()
}

/// An export resolution not given, and why: cutline does not upscale past its source.
pub fn not_upscaled(
    asked: timeline::Resolution,
    (w, h): (u32, u32),
    after: &Draft,
    language: Language,
) -> String {
    let (kept_w, kept_h) = (after.meta.width, after.meta.height);
    say(
        language,
        format!(
            "Kept {kept_w}×{kept_h} instead of {asked}: the source is {w}×{h}, and cutline does not upscale (it adds pixels, not detail)."
        ),
        format!(
            "保持{kept_w}×{kept_h}，没有改成{asked}：原片只有{w}×{h}，cutline 不做放大（放大只会增加像素，不会增加细节）。"
        ),
    )
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
    if before == after {
        // Under a second of difference: the clock alone would say nothing changed.
        let by = format_seconds(before_ms.abs_diff(after_ms));
        let shorter = after_ms < before_ms;
        return say(
            language,
            format!(
                "{after} ({by} {}).",
                if shorter { "shorter" } else { "longer" }
            ),
            format!(
                "时长{after}（{}{}）。",
                if shorter { "缩短" } else { "增加" },
                by.replace(" s", "秒")
            ),
        );
    }
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
        Step::ChangeCaptions { .. } => ("change the captions", "修改字幕"),
        Step::TranslateCaptions { .. } => ("translate the captions", "翻译字幕"),
        Step::FixCaption { .. } => ("fix the caption", "修改字幕"),
        Step::Remove { .. } => ("remove that", "去掉它"),
        Step::ChangeMusic { .. } => ("change the music", "修改背景音乐"),
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
        Step::Join { .. } => ("join the videos", "合并视频"),
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
    lines.join(if language == Language::Chinese {
        ""
    } else {
        " "
    })
}
