//! Reading what a server says, for the two client rules of API.md that need judgement:
//!
//! - a server that speaks of a GUI ("click the Export button", "open the panel", "drag the
//!   clip", "preview in the timeline") is acted on through the API instead of being repeated
//!   ([`gui_action`]);
//! - a turn that ends without a word is answered from the state: what changed
//!   ([`what_changed`]).
//!
//! Both are pure and table-tested.

use serde_json::Value;

use agent::Language;

/// What a sentence about a GUI asks the client to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuiAction {
    /// "click Export", "press the download button".
    Export,
    /// "open the panel", "preview in the timeline", "check the tracks".
    ShowState,
    /// "drag the clip to the start" → send "move the clip to the start".
    Send(String),
}

const GUI_WORDS: &[&str] = &[
    "click",
    "press the",
    "tap ",
    "button",
    "panel",
    "drag",
    "preview",
    "menu",
    "sidebar",
    "点击",
    "按钮",
    "面板",
    "拖",
    "预览",
    "菜单",
];

/// What to do instead of repeating `text`, if it speaks of a GUI.
pub fn gui_action(text: &str) -> Option<GuiAction> {
    let lower = text.to_lowercase();
    if !GUI_WORDS.iter().any(|w| lower.contains(w)) {
        return None;
    }
    let mentions = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if mentions(&["export", "download", "render", "导出", "下载"]) {
        return Some(GuiAction::Export);
    }
    if let Some(at) = lower.find("drag") {
        // "Drag the clip to the start of the timeline" → "move the clip to the start …".
        let rest = text[at + "drag".len()..]
            .trim()
            .trim_end_matches(['.', '!', '。']);
        if !rest.is_empty() {
            return Some(GuiAction::Send(format!("move {rest}")));
        }
    }
    Some(GuiAction::ShowState)
}

fn count(draft: &Value, kind: u64, caption: Option<bool>) -> usize {
    draft["t"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["tt"].as_u64() == Some(kind))
        .flat_map(|t| t["sg"].as_array().into_iter().flatten())
        .filter(|s| caption.is_none_or(|c| (s["m"]["role"] == "caption") == c))
        .count()
}

/// What changed between two Drafts (wire form), in a sentence in `lang`; "Nothing changed."
/// if nothing.
pub fn what_changed(before: &Value, after: &Value, lang: Language) -> String {
    let zh = lang == Language::Chinese;
    if before == after {
        return if zh {
            "时间线没有变化。".into()
        } else {
            "Nothing changed on the timeline.".into()
        };
    }
    let clock = |d: &Value| timeline::format_clock(d["d"].as_u64().unwrap_or(0));
    let mut changes = Vec::new();
    if before["d"] != after["d"] {
        let (was, is) = (clock(before), clock(after));
        changes.push(if zh {
            format!("时长{was} → {is}")
        } else {
            format!("length {was} → {is}")
        });
    }
    let size = |d: &Value| (d["m"]["w"].as_u64(), d["m"]["h"].as_u64());
    if size(before) != size(after) {
        if let (Some(w), Some(h)) = size(after) {
            changes.push(if zh {
                format!("画面现在是{w}×{h}")
            } else {
                format!("frame now {w}×{h}")
            });
        }
    }
    let segments = [
        (0, None, "video segments", "视频片段"),
        (1, None, "audio track segments", "音轨片段"),
        (7, Some(true), "captions", "字幕"),
        (7, Some(false), "titles", "标题"),
    ];
    for (kind, caption, en, zh_name) in segments {
        let (was, is) = (count(before, kind, caption), count(after, kind, caption));
        if was != is {
            let name = if zh { zh_name } else { en };
            changes.push(format!("{name} {was} → {is}"));
        }
    }
    match (changes.is_empty(), zh) {
        (true, false) => "The timeline changed (settings of its clips).".into(),
        (true, true) => "时间线有变化（片段的设置）。".into(),
        (false, false) => format!("Done: {}.", changes.join(", ")),
        (false, true) => format!("完成：{}。", changes.join("，")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gui_speak_becomes_an_action() {
        let cases = [
            (
                "Click the Export button to download your video.",
                Some(GuiAction::Export),
            ),
            ("点击导出按钮即可下载", Some(GuiAction::Export)),
            (
                "Open the panel on the right to see your tracks.",
                Some(GuiAction::ShowState),
            ),
            (
                "You can preview it in the timeline.",
                Some(GuiAction::ShowState),
            ),
            (
                "Drag the second clip to the start.",
                Some(GuiAction::Send("move the second clip to the start".into())),
            ),
            ("Removed 3 pauses (4.1 s). 0:25 → 0:21.", None),
            ("I exported it: 0:21, 1080p.", None),
        ];
        for (text, expected) in cases {
            assert_eq!(gui_action(text), expected, "{text}");
        }
    }

    #[test]
    fn a_silent_turn_is_told_by_what_changed() {
        let before = json!({"d": 25000, "m": {"w": 1920, "h": 1080},
            "t": [{"tt": 0, "sg": [{"s": 0, "d": 25000}]}]});
        let after = json!({"d": 19000, "m": {"w": 1080, "h": 1920},
            "t": [{"tt": 0, "sg": [{"s": 0, "d": 9000}, {"s": 9000, "d": 10000}]},
                  {"tt": 7, "sg": [{"s": 0, "d": 2000, "m": {"role": "caption", "text": "Hi"}}]}]});
        let said = what_changed(&before, &after, Language::English);
        assert_eq!(
            said,
            "Done: length 0:25 → 0:19, frame now 1080×1920, video segments 1 → 2, captions 0 → 1."
        );
        assert_eq!(
            what_changed(&before, &after, Language::Chinese),
            "完成：时长0:25 → 0:19，画面现在是1080×1920，视频片段 1 → 2，字幕 0 → 1。"
        );
        assert_eq!(
            what_changed(&before, &before, Language::English),
            "Nothing changed on the timeline."
        );
    }
}
