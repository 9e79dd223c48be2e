//! Every kind of edit cutline understands, declared once: its Step name, what it does for
//! people (English and Chinese), an instruction that asks for it in each language, and its
//! arguments as JSON schema. From this one table come the "what I can do" answer, the LLM
//! planner's tool schema and prompt, and the README catalogue; the tests fail when a Step is
//! missing here, when an example does not plan to its Step, or when the README drifts.

use serde_json::{json, Map, Value};

use crate::plan::Language;

/// One kind of edit.
#[derive(Clone, Copy, Debug)]
pub struct Intent {
    /// The Step's name, as in `{"do": "trim_pauses"}`.
    pub name: &'static str,
    /// What it does, as a short phrase: (English, Chinese).
    pub help: (&'static str, &'static str),
    /// An instruction that asks for it: (English, Chinese); empty for a Step only sent typed
    /// (the studio's caption fix), which no words plan to.
    pub example: (&'static str, &'static str),
    /// Its arguments as JSON-schema properties (a JSON object), and which are required.
    pub args: &'static str,
    pub required: &'static [&'static str],
}

/// The catalogue, in the order people meet it.
pub const INTENTS: &[Intent] = &[
    Intent {
        name: "trim_pauses",
        help: ("trim the pauses", "剪掉停顿"),
        example: ("trim the pauses longer than 1 second", "剪掉超过1秒的停顿"),
        args: r#"{"min_pause_ms": {"type": "integer"}, "padding_ms": {"type": "integer"}}"#,
        required: &["min_pause_ms", "padding_ms"],
    },
    Intent {
        name: "remove_fillers",
        help: ("remove filler words", "去掉语气词"),
        example: ("remove the ums and uhs", "去掉嗯和呃"),
        args: "{}",
        required: &[],
    },
    Intent {
        name: "add_captions",
        help: (
            "add captions (clean, bold or karaoke; top, middle or bottom; bigger, smaller, a colour; or translated into English)",
            "加字幕（简洁、粗体或卡拉OK；上、中、下；大一点、小一点、换颜色；或翻译成英文）",
        ),
        example: ("add big karaoke captions at the top", "在顶部加大号卡拉OK字幕"),
        args: r#"{"style": {"enum": ["clean", "bold", "karaoke"]}, "language": {"type": "string"}, "translate": {"type": "boolean"}, "position": {"enum": ["top", "center", "bottom"]}, "size": {"type": "number"}, "color": {"type": "string"}}"#,
        required: &["style"],
    },
    Intent {
        name: "translate_captions",
        help: (
            "translate the captions into another language (with a language model)",
            "把字幕翻译成其他语言（需要语言模型）",
        ),
        example: ("translate the captions to French", "把字幕翻译成法语"),
        args: r#"{"to": {"type": "string"}}"#,
        required: &["to"],
    },
    Intent {
        name: "fix_caption",
        help: (
            "fix the words of one caption (from the studio's list of captions)",
            "修改一条字幕的文字（在工作室的字幕列表里）",
        ),
        example: ("", ""),
        args: r#"{"index": {"type": "integer"}, "text": {"type": "string"}}"#,
        required: &["index", "text"],
    },
    Intent {
        name: "change_captions",
        help: ("change the captions' place, size, colour or style", "修改字幕的位置、大小、颜色或样式"),
        example: ("make the captions bigger", "字幕大一点"),
        args: r#"{"style": {"enum": ["clean", "bold", "karaoke"]}, "position": {"enum": ["top", "center", "bottom"]}, "size": {"type": "number"}, "color": {"type": "string"}}"#,
        required: &[],
    },
    Intent {
        name: "cut",
        help: ("cut a stretch", "剪掉一段"),
        example: ("cut from 0:10 to 0:25", "剪掉0:10到0:25"),
        args: SPAN_OBJECT,
        required: &["span"],
    },
    Intent {
        name: "keep",
        help: ("keep only a stretch", "只保留一段"),
        example: ("keep only the first 30 seconds", "只保留前30秒"),
        args: SPAN_OBJECT,
        required: &["span"],
    },
    Intent {
        name: "delete_clip",
        help: ("delete a clip", "删除一段"),
        example: ("delete the second clip", "删除第二段"),
        args: CLIP_OBJECT,
        required: &["clip"],
    },
    Intent {
        name: "move_clip",
        help: ("move a clip", "移动一段"),
        example: ("move the last clip to the start", "把最后一段移到开头"),
        args: r#"{"clip": {"type": "object"}, "to": {"type": "object"}}"#,
        required: &["clip", "to"],
    },
    Intent {
        name: "split",
        help: ("split a clip in two", "把一段分成两段"),
        example: ("split at 0:10", "在0:10处分割"),
        args: r#"{"at_ms": {"type": "integer"}}"#,
        required: &["at_ms"],
    },
    Intent {
        name: "speed",
        help: ("change the speed", "变速"),
        example: ("speed it up 1.5x", "1.5倍速"),
        args: r#"{"factor": {"type": "number"}}"#,
        required: &["factor"],
    },
    Intent {
        name: "volume",
        help: ("change or mute the volume of the clips or the music", "调整或关闭原声、背景音乐的音量"),
        example: ("mute the original sound", "静音"),
        args: r#"{"sound": {"enum": ["original", "music"]}, "volume": {"type": "number"}}"#,
        required: &["sound", "volume"],
    },
    Intent {
        name: "normalize_loudness",
        help: ("even out the loudness", "响度标准化"),
        example: ("normalize the loudness", "响度标准化"),
        args: r#"{"lufs": {"type": "number"}}"#,
        required: &["lufs"],
    },
    Intent {
        name: "add_music",
        help: ("add music (its level, fades, lowered while you talk)", "加背景音乐（音量、淡入淡出、说话时变小）"),
        example: ("add the music at 20% and lower it when I talk", "加背景音乐，音量百分之二十，说话的时候音乐小一点"),
        args: r#"{"asset": {"type": "string"}, "volume": {"type": "number"}, "fade_in_ms": {"type": "integer"}, "fade_out_ms": {"type": "integer"}, "duck": {"type": "boolean"}}"#,
        required: &["volume"],
    },
    Intent {
        name: "change_music",
        help: ("fade the music or lower it while you talk", "给背景音乐加淡入淡出或在说话时变小"),
        example: ("fade the music in over 2 seconds", "音乐淡入2秒"),
        args: r#"{"fade_in_ms": {"type": "integer"}, "fade_out_ms": {"type": "integer"}, "duck": {"type": "boolean"}}"#,
        required: &[],
    },
    Intent {
        name: "add_voice_over",
        help: ("add a voice-over", "加旁白"),
        example: ("add the voice-over from 0:05", "从0:05开始加旁白"),
        args: r#"{"asset": {"type": "string"}, "start_ms": {"type": "integer"}, "volume": {"type": "number"}}"#,
        required: &["start_ms", "volume"],
    },
    Intent {
        name: "add_title",
        help: ("add a title (time, place, colour, size)", "加标题（时间、位置、颜色、大小）"),
        example: ("add the title 'Urban Dreams' for the first 3 seconds", "前3秒加标题“城市之梦”"),
        args: TITLE_OBJECT,
        required: &["text", "span", "position"],
    },
    Intent {
        name: "change_title",
        help: ("change the title", "修改标题"),
        example: ("make the title red", "把标题改成红色"),
        args: r#"{"text": {"type": "string"}, "position": {"enum": ["top", "center", "bottom"]}, "color": {"type": "string"}, "size": {"type": "number"}, "time": {"type": "object", "properties": {"span": {"enum": ["whole", "first", "last", "between", "from"]}, "ms": {"type": "integer"}, "start_ms": {"type": "integer"}, "end_ms": {"type": "integer"}}}}"#,
        required: &[],
    },
    Intent {
        name: "add_overlay",
        help: ("put a logo in a corner", "在角落加水印"),
        example: ("put the logo in the top right corner", "在右上角加水印"),
        args: r#"{"asset": {"type": "string"}, "corner": {"enum": ["top_left", "top_right", "bottom_left", "bottom_right", "center"]}, "width": {"type": "number"}, "span": {"enum": ["whole", "first", "last", "between", "from"]}, "ms": {"type": "integer"}, "start_ms": {"type": "integer"}, "end_ms": {"type": "integer"}}"#,
        required: &["corner", "width", "span"],
    },
    Intent {
        name: "add_still",
        help: ("use an image as intro or outro", "用图片做片头或片尾"),
        example: ("use the image as a 3-second intro", "用图片做3秒片头"),
        args: r#"{"asset": {"type": "string"}, "at_start": {"type": "boolean"}, "ms": {"type": "integer"}}"#,
        required: &["at_start", "ms"],
    },
    Intent {
        name: "crossfade",
        help: ("crossfade between clips", "片段之间加转场"),
        example: ("add a 1 second crossfade between the clips", "加1秒转场"),
        args: r#"{"ms": {"type": "integer"}}"#,
        required: &["ms"],
    },
    Intent {
        name: "aspect",
        help: ("change the shape (9:16, 1:1, 4:5, 16:9; TikTok, Reels, YouTube)", "改画面比例（9:16、1:1、4:5、16:9；抖音、小红书、B站）"),
        example: ("make it vertical for TikTok", "做成抖音竖屏"),
        args: r#"{"aspect": {"enum": ["16:9", "9:16", "1:1", "4:5"]}, "fit": {"enum": ["crop", "pad", "blur"]}}"#,
        required: &["aspect"],
    },
    Intent {
        name: "fade",
        help: ("fade in and out", "淡入淡出"),
        example: ("fade in and out", "淡入淡出"),
        args: r#"{"fade_in_ms": {"type": "integer"}, "fade_out_ms": {"type": "integer"}}"#,
        required: &[],
    },
    Intent {
        name: "color",
        help: ("brightness, contrast, saturation, black and white", "亮度、对比度、饱和度、黑白"),
        example: ("make it black and white", "变成黑白"),
        args: r#"{"brightness": {"type": "number"}, "contrast": {"type": "number"}, "saturation": {"type": "number"}}"#,
        required: &[],
    },
    Intent {
        name: "remove",
        help: (
            "take something off again (captions, title, logo, music, voice-over, fades, speed change, crossfades, colour)",
            "把加过的东西去掉（字幕、标题、水印、音乐、旁白、淡入淡出、变速、转场、调色）",
        ),
        example: ("remove the captions", "去掉字幕"),
        args: r#"{"what": {"enum": ["captions", "title", "logo", "music", "voice_over", "fades", "speed", "crossfades", "color"]}}"#,
        required: &["what"],
    },
    Intent {
        name: "export",
        help: ("export as MP4, WebM, GIF, M4A or MP3, 480p to 4K, a frame rate, a quality", "导出为MP4、WebM、GIF、M4A或MP3，480p到4K，帧率和画质"),
        example: ("export as a 720p GIF", "导出720p的GIF"),
        args: r#"{"format": {"enum": ["mp4", "webm", "gif", "m4a", "mp3"]}, "resolution": {"enum": ["2160p", "1440p", "1080p", "720p", "480p"]}, "fps": {"type": "number"}, "quality": {"enum": ["high", "medium", "draft"]}}"#,
        required: &[],
    },
    Intent {
        name: "join",
        help: (
            "join the uploaded videos into one (each video is otherwise its own piece: \"the second video\", \"talk.mp4\", \"all of them\")",
            "把上传的视频合并成一个（否则每个视频单独处理：“第二个视频”、文件名、“所有视频”）",
        ),
        example: ("join them", "把视频合并"),
        args: r#"{"pieces": {"type": "array", "items": {"type": "object", "properties": {"piece": {"enum": ["nth", "last", "named", "this", "all"]}, "n": {"type": "integer"}, "name": {"type": "string"}}}}}"#,
        required: &[],
    },
    Intent {
        name: "undo",
        help: ("undo", "撤销"),
        example: ("undo that", "撤销"),
        args: "{}",
        required: &[],
    },
    Intent {
        name: "redo",
        help: ("redo", "重做"),
        example: ("redo", "重做"),
        args: "{}",
        required: &[],
    },
    Intent {
        name: "reset",
        help: ("start over", "重新开始"),
        example: ("start over", "重新开始"),
        args: "{}",
        required: &[],
    },
    Intent {
        name: "show_timeline",
        help: ("show what is on the timeline", "查看时间线"),
        example: ("what's on the timeline?", "时间线上有什么"),
        args: "{}",
        required: &[],
    },
];

const SPAN_OBJECT: &str = r#"{"span": {"enum": ["whole", "first", "last", "between", "from"]}, "ms": {"type": "integer"}, "start_ms": {"type": "integer"}, "end_ms": {"type": "integer"}}"#;
const CLIP_OBJECT: &str = r#"{"clip": {"type": "object", "properties": {"from_start": {"type": "integer"}, "from_end": {"type": "integer"}}}}"#;
const TITLE_OBJECT: &str = r#"{"text": {"type": "string"}, "span": {"enum": ["whole", "first", "last", "between", "from"]}, "ms": {"type": "integer"}, "start_ms": {"type": "integer"}, "end_ms": {"type": "integer"}, "position": {"enum": ["top", "center", "bottom"]}, "color": {"type": "string"}, "size": {"type": "number"}}"#;

impl Intent {
    /// Whether words plan to it (otherwise it is only sent as a typed Step).
    pub fn by_words(&self) -> bool {
        !self.example.0.is_empty()
    }
}

/// The intent of a Step name.
pub fn intent(name: &str) -> Option<&'static Intent> {
    INTENTS.iter().find(|i| i.name == name)
}

/// "I can: trim the pauses, …" in `language`.
pub fn can_do(language: Language) -> String {
    match language {
        Language::English => {
            let helps: Vec<&str> = INTENTS.iter().map(|i| i.help.0).collect();
            format!(
                "I can: {}. Say it in your own words, e.g. \"{}\".",
                helps.join("; "),
                INTENTS[0].example.0
            )
        }
        Language::Chinese => {
            let helps: Vec<&str> = INTENTS.iter().map(|i| i.help.1).collect();
            format!(
                "我可以：{}。用自己的话说就行，例如“{}”。",
                helps.join("；"),
                INTENTS[0].example.1
            )
        }
    }
}

/// The JSON schema of one Step: its `do` and its arguments.
fn step_schema(intent: &Intent) -> Value {
    let mut properties: Map<String, Value> = serde_json::from_str(intent.args).unwrap_or_default();
    properties.insert("do".into(), json!({"const": intent.name}));
    let mut required = vec!["do".to_string()];
    required.extend(intent.required.iter().map(|r| r.to_string()));
    json!({"type": "object", "properties": properties, "required": required})
}

/// The `plan_edits` tool's parameters: a list of Steps, each one of the declared kinds (a
/// model whose output is constrained by the schema can only write Steps of these shapes).
pub fn tool_parameters() -> Value {
    let one_of: Vec<Value> = INTENTS.iter().map(step_schema).collect();
    json!({
        "type": "object",
        "properties": {"steps": {"type": "array", "items": {"anyOf": one_of}}},
        "required": ["steps"]
    })
}

/// The Step kinds as the LLM prompt lists them: `trim_pauses {min_pause_ms, padding_ms}`.
pub fn prompt_lines() -> String {
    INTENTS
        .iter()
        .map(|intent| {
            let args: Map<String, Value> = serde_json::from_str(intent.args).unwrap_or_default();
            let names: Vec<String> = args
                .keys()
                .map(|k| {
                    if intent.required.contains(&k.as_str()) {
                        k.clone()
                    } else {
                        format!("{k}?")
                    }
                })
                .collect();
            if names.is_empty() {
                format!("{} ({})", intent.name, intent.help.0)
            } else {
                format!(
                    "{} {{{}}} ({})",
                    intent.name,
                    names.join(", "),
                    intent.help.0
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The README's catalogue: a table of every kind of edit with its words in both languages.
pub fn catalogue_markdown() -> String {
    let mut out = String::from("| edit | say, for example | 例如 |\n| --- | --- | --- |\n");
    for intent in INTENTS {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            intent.help.0,
            if intent.by_words() {
                intent.example.0
            } else {
                "(no words: the studio's list of captions)"
            },
            if intent.by_words() {
                intent.example.1
            } else {
                "（不用说：工作室的字幕列表）"
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_json_and_names_only_its_own_arguments() {
        for intent in INTENTS {
            let args: Map<String, Value> = serde_json::from_str(intent.args)
                .unwrap_or_else(|e| panic!("{}: {e}", intent.name));
            for required in intent.required {
                assert!(args.contains_key(*required), "{}: {required}", intent.name);
            }
        }
        assert_eq!(
            tool_parameters()["properties"]["steps"]["items"]["anyOf"]
                .as_array()
                .map(Vec::len),
            Some(INTENTS.len())
        );
    }
}
