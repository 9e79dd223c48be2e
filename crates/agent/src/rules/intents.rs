//! One clause → the Step it asks for, in English or Chinese. Pure.
//!
//! Each matcher looks for the words of one kind of edit and reads its numbers with
//! [`numbers`](super::numbers). The clause arrives lower-cased, with number words as digits
//! and quoted text as markers `§N§`. Matchers are tried in a fixed order: the more specific
//! first (a title before a cut, "the music at 20%" before a plain volume).

use timeline::{Aspect, CaptionLook, CaptionStyle, ClipIndex, Corner, Fit, Position, Resolution};

use super::lexicon;
use super::numbers::{duration_ms, durations_ms, factor, first_number, number_before, percentage};
use crate::plan::{Format, Quality, Removable, Sound, Span, Step};

/// The defaults a plain "trim the pauses" uses (the same as the command line's).
pub const DEFAULT_MIN_PAUSE_MS: u64 = 500;
pub const DEFAULT_PADDING_MS: u64 = 150;
/// A title without a time lasts this long from the start.
pub const DEFAULT_TITLE_MS: u64 = 3_000;
pub const DEFAULT_MUSIC_VOLUME: f64 = 0.3;
/// "add the music quietly", "in the background", "轻一点".
pub const QUIET_MUSIC_VOLUME: f64 = 0.15;
/// "big captions", "字幕大一点"; "small captions".
pub const BIGGER: f64 = 1.4;
pub const SMALLER: f64 = 0.75;
pub const DEFAULT_FADE_MS: u64 = 1_000;
pub const DEFAULT_CROSSFADE_MS: u64 = 500;
pub const SOCIAL_LUFS: f64 = -14.0;

/// Words cutline says, in English and in Chinese.
pub type Said = (&'static str, &'static str);

/// What a clause asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Meaning {
    Steps(Vec<Step>),
    /// A vague ask with the default it gets, said back ("make it shorter" → trim pauses).
    Assumed {
        steps: Vec<Step>,
        assumption: Said,
    },
    /// Asks for an edit not to be made ("keep the pauses", "don't make it vertical"): nothing
    /// changes, and that is said back with the user's words.
    Declined,
    /// Too vague to guess: the question to ask.
    Question(Said),
    /// Understood but not possible yet: why.
    NotYet(Said),
    /// A question to cutline about itself ("what can you do?").
    AboutCutline,
    /// Words that ask for nothing ("please", "thanks").
    Nothing,
    Unknown,
}

/// What a clause may refer to.
#[derive(Clone, Debug, Default)]
pub struct Referents {
    /// Quoted texts of the instruction, by marker number.
    pub quotes: Vec<String>,
    /// The first audio asset given with the instruction ("the music").
    pub music: Option<String>,
    /// The first image given with the instruction ("the photo").
    pub image: Option<String>,
    /// Captions can be translated into any language (a language model is configured).
    pub can_translate: bool,
}

fn has(clause: &str, words: &[&str]) -> bool {
    words.iter().any(|w| clause.contains(w))
}

/// A ratio like "1:1" standing alone, not part of a time ("1:10").
fn has_ratio(clause: &str, ratio: &str) -> bool {
    clause.match_indices(ratio).any(|(at, _)| {
        let before = clause[..at].chars().next_back();
        let after = clause[at + ratio.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == ':')
            && !after.is_some_and(|c| c.is_ascii_digit() || c == ':')
    })
}

/// Whole-word match for short English words ("cut" but not "shortcut").
fn has_word(clause: &str, words: &[&str]) -> bool {
    clause
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .any(|token| words.contains(&token))
}

pub fn meaning(clause: &str, refs: &Referents) -> Meaning {
    let matchers: &[fn(&str, &Referents) -> Option<Meaning>] = &[
        about_cutline,
        history,
        show_timeline,
        translation,
        removal,
        not_yet,
        crossfade,
        clip_edits,
        overlay,
        still,
        title,
        captions,
        voice_over,
        music,
        fillers,
        pauses,
        loudness,
        volume,
        speed,
        aspect,
        fade,
        color,
        cut_or_keep,
        export,
        vague,
        courtesy,
    ];
    matchers
        .iter()
        .find_map(|matcher| matcher(clause, refs))
        .unwrap_or(Meaning::Unknown)
}

fn one(step: Step) -> Option<Meaning> {
    Some(Meaning::Steps(vec![step]))
}

fn history(clause: &str, _: &Referents) -> Option<Meaning> {
    let step = if has(clause, &["redo", "重做", "恢复刚才", "还原撤销"]) {
        Step::Redo
    } else if has_word(clause, &["undo"])
        || has(
            clause,
            &[
                "undo that",
                "take that back",
                "go back",
                "撤销",
                "撤回",
                "取消上一步",
                "回退",
            ],
        )
    {
        Step::Undo
    } else if has(
        clause,
        &[
            "start over",
            "reset",
            "from scratch",
            "重新开始",
            "重置",
            "全部还原",
            "恢复原样",
        ],
    ) {
        Step::Reset
    } else {
        return None;
    };
    one(step)
}

fn show_timeline(clause: &str, _: &Referents) -> Option<Meaning> {
    let asks = has(
        clause,
        &[
            "on the timeline",
            "show the timeline",
            "show tracks",
            "show the tracks",
            "what have we got",
            "what do we have",
            "status",
            "时间线上",
            "时间线",
            "显示轨道",
            "轨道",
            "状态",
            "现在有什么",
        ],
    );
    asks.then_some(Meaning::Steps(vec![Step::ShowTimeline]))
}

/// Edits people ask for that cutline cannot make yet, each with its words and the reason
/// given back: said plainly, never guessed at.
const NOT_YET: &[(&[&str], Said)] = &[
    (
        &["swap", "reorder", "调换", "交换"],
        (
            "I can't reorder more than one clip at a time yet; move them one by one (\"move the last clip to the start\")",
            "暂时不能一次调换多个片段，可以一段一段移动（“把最后一段移到开头”）",
        ),
    ),
    (
        &["zoom", "ken burns", "放大镜头", "推镜头", "缩放"],
        ("I can't add a zoom effect yet", "暂时还不能加缩放效果"),
    ),
    (
        &["stabilise", "stabilize", "shaky", "防抖", "稳定画面"],
        ("I can't stabilise shaky footage yet", "暂时还不能防抖"),
    ),
    (
        &["noise", "denoise", "hiss", "降噪", "噪音", "杂音"],
        ("I can't remove background noise yet", "暂时还不能降噪"),
    ),
    (
        &["green screen", "chroma", "background removal", "remove the background", "抠像", "绿幕", "换背景"],
        ("I can't remove or replace the background yet", "暂时还不能抠像或换背景"),
    ),
    (
        &["blur the face", "blur faces", "blur his face", "blur her face", "face blur", "打码", "人脸模糊"],
        ("I can't blur faces yet", "暂时还不能给人脸打码"),
    ),
    (
        &["sticker", "emoji", "贴纸", "表情"],
        ("I can't add stickers or emoji yet", "暂时还不能加贴纸或表情"),
    ),
    (
        &["lut", "color grade", "colour grade", "cinematic", "vintage", "调色", "电影感", "复古"],
        (
            "I can't apply a colour grade or look yet; I can change brightness, contrast and saturation, or make it black and white",
            "暂时还不能套用调色风格；可以调整亮度、对比度、饱和度，或变成黑白",
        ),
    ),
    (
        &["font", "typeface", "comic sans", "arial", "helvetica", "字体"],
        ("I can't change the font yet", "暂时还不能换字体"),
    ),
    (
        &["reverse", "backwards", "倒放"],
        ("I can't play it backwards yet", "暂时还不能倒放"),
    ),
];

fn not_yet(clause: &str, _: &Referents) -> Option<Meaning> {
    NOT_YET
        .iter()
        .find(|(words, _)| {
            words.iter().any(|w| {
                if w.is_ascii() {
                    has_phrase(clause, w)
                } else {
                    clause.contains(w)
                }
            })
        })
        .map(|(_, why)| Meaning::NotYet(*why))
}

/// Languages captions can be translated into: (code, English name, Chinese name), and the
/// words that name each (English whole words, Chinese as written).
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("en", "English", "英文"),
    ("zh", "Chinese", "中文"),
    ("fr", "French", "法语"),
    ("es", "Spanish", "西班牙语"),
    ("de", "German", "德语"),
    ("ja", "Japanese", "日语"),
    ("ko", "Korean", "韩语"),
    ("pt", "Portuguese", "葡萄牙语"),
    ("it", "Italian", "意大利语"),
    ("ru", "Russian", "俄语"),
];

const LANGUAGE_WORDS: &[(&str, &[&str])] = &[
    ("en", &["english", "英文", "英语"]),
    ("zh", &["chinese", "mandarin", "中文", "汉语", "普通话"]),
    ("fr", &["french", "法语", "法文"]),
    ("es", &["spanish", "西班牙语", "西班牙文"]),
    ("de", &["german", "德语", "德文"]),
    ("ja", &["japanese", "日语", "日文"]),
    ("ko", &["korean", "韩语", "韩文"]),
    ("pt", &["portuguese", "葡萄牙语"]),
    ("it", &["italian", "意大利语"]),
    ("ru", &["russian", "俄语"]),
];

/// "translate the captions to English", "翻译成英文字幕": English captions of whatever is
/// said, offline (the speech model's translate task). Into another language when a language
/// model is configured (the captions there translated line by line, times kept); without
/// one, a part not done that names what it needs, and the captions stay as they are.
fn translation(clause: &str, refs: &Referents) -> Option<Meaning> {
    if !(has_word(clause, &["translate", "translated", "translation"])
        || has(clause, &["翻译", "译成"]))
    {
        return None;
    }
    let target = LANGUAGE_WORDS.iter().find(|(_, words)| {
        words.iter().any(|w| {
            if w.is_ascii() {
                has_word(clause, &[w])
            } else {
                clause.contains(w)
            }
        })
    });
    match target {
        Some(("en", _)) => one(Step::AddCaptions {
            style: CaptionStyle::Clean,
            language: None,
            translate: true,
            position: None,
            size: None,
            color: None,
        }),
        Some((code, _)) if refs.can_translate => one(Step::TranslateCaptions {
            to: code.to_string(),
        }),
        _ => Some(Meaning::NotYet((
            "offline I can only translate into English (\"translate the captions to English\"); other languages need a language model (start cutline with --llm-url), and the captions stay as they are",
            "离线只能翻译成英文（“把字幕翻译成英文”）；翻译成其他语言需要语言模型（用 --llm-url 启动 cutline），字幕保持原样",
        ))),
    }
}

/// "what can you do?", "help", "你能做什么": answered with what cutline can do.
fn about_cutline(clause: &str, _: &Referents) -> Option<Meaning> {
    let asks = has(
        clause,
        &[
            "what can you do",
            "what can i do",
            "what do you do",
            "what are you able",
            "what else can you",
            "how do i use",
            "你能做什么",
            "你会什么",
            "你可以做什么",
            "能做什么",
            "有什么功能",
            "怎么用",
            "帮助",
        ],
    ) || clause.trim_matches(|c: char| !c.is_alphanumeric()) == "help";
    asks.then_some(Meaning::AboutCutline)
}

/// An English phrase as whole words ("no" but not "know", "with" but not "without").
fn has_phrase(clause: &str, phrase: &str) -> bool {
    clause.match_indices(phrase).any(|(at, _)| {
        let before = clause[..at].chars().next_back();
        let after = clause[at + phrase.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !word(before) && !word(after)
    })
}

/// The things "remove" / "no" / "without" / "去掉" / "不要" can take off: each a concept of
/// the lexicon.
const REMOVABLE: &[(Removable, &str)] = &[
    (Removable::Captions, "captions"),
    (Removable::Title, "title"),
    (Removable::Logo, "logo"),
    (Removable::VoiceOver, "voice_over"),
    (Removable::Music, "music"),
    (Removable::Crossfades, "crossfades"),
    (Removable::Fades, "fades"),
    (Removable::Speed, "speed_change"),
    (Removable::Color, "color_change"),
];

fn takes_away(clause: &str) -> bool {
    lexicon::says(clause, "take_away")
        // "turn the music off", "captions off"
        || has_word(clause, &["off", "skip"])
}

/// Words that make an edit: a negation before one of them asks for the edit not to be made
/// ("don't make it vertical", "不要变成竖屏"); before a thing, it takes the thing away
/// ("不要字幕").
const EDIT_VERBS_ZH: &[&str] = &[
    "剪", "删", "去掉", "加", "变", "改", "做成", "调", "换", "放", "移", "拿掉", "关",
];

/// A clause that asks for an edit not to be made: "don't change the speed", "never mind the
/// title", "不要变成竖屏", "别加音乐".
fn declines(clause: &str) -> bool {
    if lexicon::says(clause, "not_this") {
        return true;
    }
    ["不要", "别", "不用", "不必"].iter().any(|no| {
        clause.match_indices(no).any(|(at, _)| {
            let after = clause[at + no.len()..].trim_start_matches(['再', '把', '给']);
            EDIT_VERBS_ZH.iter().any(|verb| after.starts_with(verb))
        })
    })
}

/// Removal and negation, once for every kind of thing: "remove the captions", "no music",
/// "export without music", "去掉水印", "不要字幕" take things off (every one named); "keep the
/// pauses", "remove the music but keep the captions", "don't make it vertical", "不要剪停顿"
/// ask for nothing and are said back. A clause naming a stretch of time or a clip with no
/// thing to take off is a cut ("remove the last 10 s", "delete the second clip"); with one,
/// it is a part not done ("remove the captions from the first 5 seconds").
fn removal(clause: &str, _: &Referents) -> Option<Meaning> {
    let named: Vec<Removable> = REMOVABLE
        .iter()
        .filter(|(_, concept)| lexicon::says(clause, concept))
        .map(|(what, _)| *what)
        .collect();
    let about_pauses = lexicon::says(clause, "pauses");
    let about_fillers = lexicon::says(clause, "fillers");
    let keeps = lexicon::says(clause, "keep");
    let numbered = !durations_ms(clause).is_empty();
    if keeps && !numbered && (about_pauses || about_fillers || !named.is_empty()) {
        return Some(Meaning::Declined);
    }
    let unwanted = lexicon::says(clause, "not_wanted");
    let removes_unwanted = unwanted && !named.is_empty();
    if declines(clause) && !removes_unwanted {
        // "don't remove the music", "don't cut the pauses", "don't make it vertical".
        return Some(Meaning::Declined);
    }
    if !(takes_away(clause) || unwanted) || named.is_empty() {
        return None;
    }
    // "no music when I talk": lower it under the speech, do not take it off.
    if ducks(clause) {
        return None;
    }
    if span_of(clause).is_some() || clip_named(clause).is_some() {
        return Some(Meaning::NotYet((
            "I can take that off the whole video only, not from a part of it",
            "只能从整个视频去掉，不能只去掉其中一段",
        )));
    }
    let says_in = has_word(clause, &["in"]) || has(clause, &["淡入", "渐入", "fade-in"]);
    let says_out = has_word(clause, &["out"]) || has(clause, &["淡出", "渐出", "fade-out"]);
    // Which fades: "the fade-in", "the fade out", or both when neither is said.
    let (fade_in_ms, fade_out_ms, both) = match (says_in, says_out) {
        (true, false) => (Some(0), None, false),
        (false, true) => (None, Some(0), false),
        _ => (Some(0), Some(0), true),
    };
    // "remove the music's fades", "去掉音乐的淡出": the music stays, its fades go.
    if named.contains(&Removable::Music) && named.contains(&Removable::Fades) {
        return one(Step::ChangeMusic {
            fade_in_ms,
            fade_out_ms,
            duck: None,
        });
    }
    let mut steps: Vec<Step> = named
        .into_iter()
        .map(|what| match what {
            Removable::Fades if !both => Step::Fade {
                fade_in_ms,
                fade_out_ms,
            },
            what => Step::Remove { what },
        })
        .collect();
    // "导出时不要背景音乐": the export said in the same breath.
    if let Some(Meaning::Steps(export)) = export(clause, &Referents::default()) {
        steps.extend(export);
    }
    Some(Meaning::Steps(steps))
}

/// "the title" referred to: "remove the title", "make the title red", "move the title to
/// the top", "show the title for 5 seconds", "把标题改成红色", "删掉标题".
fn title_change(clause: &str) -> Option<Step> {
    if !has(clause, &["the title", "标题", "the text"]) {
        return None;
    }
    let position = if has(clause, &["top", "顶部", "上方", "上面"]) {
        Some(Position::Top)
    } else if has(clause, &["bottom", "底部", "下方", "下面"]) {
        Some(Position::Bottom)
    } else if has(clause, &["center", "middle", "中间", "居中"]) {
        Some(Position::Center)
    } else {
        None
    };
    let step = Step::ChangeTitle {
        text: None,
        position,
        color: color_of(clause),
        size: size_of(clause),
        time: span_of(clause),
    };
    let changes_something = !matches!(
        &step,
        Step::ChangeTitle {
            position: None,
            color: None,
            size: None,
            time: None,
            ..
        }
    );
    changes_something.then_some(step)
}

/// Which clip a clause names: "the second clip", "clip 2", "the last clip", "第二段",
/// "第2个片段", "最后一段". A "video" (视频) is a piece of work, not a clip (see `pieces`).
fn clip_named(clause: &str) -> Option<ClipIndex> {
    const NOUNS: &[&str] = &["clip", "part", "shot", "segment"];
    const ORDINALS: &[(&str, usize)] = &[
        ("first", 0),
        ("1st", 0),
        ("second", 1),
        ("2nd", 1),
        ("third", 2),
        ("3rd", 2),
        ("fourth", 3),
        ("4th", 3),
        ("fifth", 4),
        ("5th", 4),
    ];
    let words: Vec<&str> = clause.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        if !NOUNS.contains(&word.trim_end_matches(|c: char| !c.is_alphanumeric())) {
            continue;
        }
        // "clip 2"
        if let Some(n) = words.get(i + 1).and_then(|w| w.parse::<usize>().ok()) {
            return n.checked_sub(1).map(ClipIndex::FromStart);
        }
        // "the second clip", "the last clip"
        let before = i.checked_sub(1).map(|j| words[j]).unwrap_or_default();
        if ["last", "final"].contains(&before) {
            return Some(ClipIndex::FromEnd(0));
        }
        if let Some((_, n)) = ORDINALS.iter().find(|(w, _)| *w == before) {
            return Some(ClipIndex::FromStart(*n));
        }
    }
    if has(clause, &["最后一段", "最后一个片段"]) {
        return Some(ClipIndex::FromEnd(0));
    }
    let at = clause.find('第')?;
    let rest = &clause[at + '第'.len_utf8()..];
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '一')
        .collect();
    let tail = &rest[number.len()..];
    let names_clip = ["段", "个片段", "个镜头"]
        .iter()
        .any(|w| tail.starts_with(w));
    if !names_clip {
        return None;
    }
    let n: usize = if number == "一" {
        1
    } else {
        number.parse().ok()?
    };
    n.checked_sub(1).map(ClipIndex::FromStart)
}

/// A picture over the video: "put the logo in the top right corner", "加水印在右下角".
fn overlay(clause: &str, refs: &Referents) -> Option<Meaning> {
    let asks = has(
        clause,
        &[
            "logo",
            "watermark",
            "overlay",
            "corner",
            "水印",
            "角标",
            "叠加",
            "贴图",
            "角落",
        ],
    );
    if !asks {
        return None;
    }
    let top = has(clause, &["top", "upper", "上角", "上方"]);
    let bottom = has(clause, &["bottom", "lower", "下角", "下方"]);
    let left = has(clause, &["left", "左"]);
    let right = has(clause, &["right", "右"]);
    let corner = match (top, bottom, left, right) {
        (_, true, true, _) => Corner::BottomLeft,
        (_, true, _, _) => Corner::BottomRight,
        (true, _, true, _) => Corner::TopLeft,
        _ if has(clause, &["center", "middle", "中间", "居中"]) => Corner::Center,
        _ => Corner::TopRight,
    };
    let width = match size_of(clause) {
        Some(size) if size > 1.0 => 0.25,
        Some(_) => 0.1,
        None => 0.15,
    };
    one(Step::AddOverlay {
        asset: refs.image.clone(),
        corner,
        width,
        span: span_of(clause).unwrap_or(Span::Whole),
    })
}

/// An image shown at the start or the end: "use the photo as a 3-second intro", "end on the
/// image for 2 seconds", "用图片做3秒片头".
fn still(clause: &str, refs: &Referents) -> Option<Meaning> {
    let image = has(
        clause,
        &[
            "image", "photo", "picture", "still", "card", "图片", "照片", "封面",
        ],
    );
    if !image {
        return None;
    }
    let at_start = if has(
        clause,
        &[
            "intro",
            "start",
            "beginning",
            "open",
            "first",
            "片头",
            "开头",
            "开始",
            "封面",
        ],
    ) {
        true
    } else if has(
        clause,
        &["outro", "end", "close", "last", "片尾", "结尾", "最后"],
    ) {
        false
    } else {
        return Some(Meaning::Question((
            "Should the image open or close the video? For example: use the image as a 3-second intro.",
            "图片放在开头还是结尾？例如：用图片做3秒片头。",
        )));
    };
    one(Step::AddStill {
        asset: refs.image.clone(),
        at_start,
        ms: duration_ms(clause).unwrap_or(DEFAULT_TITLE_MS),
    })
}

/// "add a 1 second crossfade between the clips", "加个转场", "remove the crossfades".
fn crossfade(clause: &str, _: &Referents) -> Option<Meaning> {
    if !lexicon::says(clause, "crossfades") {
        return None;
    }
    let removes = has_word(clause, &["remove", "delete", "no", "without"])
        || has(clause, &["去掉", "删掉", "不要"]);
    let ms = if removes {
        0
    } else {
        duration_ms(clause).unwrap_or(DEFAULT_CROSSFADE_MS)
    };
    one(Step::Crossfade { ms })
}

/// Split, delete or move a clip of the main track.
fn clip_edits(clause: &str, _: &Referents) -> Option<Meaning> {
    if has_word(clause, &["split"]) || has(clause, &["分割", "拆分", "切成两段", "切开"])
    {
        let at_ms = duration_ms(clause)?;
        return one(Step::Split { at_ms });
    }
    let clip = clip_named(clause)?;
    let moves =
        has_word(clause, &["move", "put"]) || has(clause, &["移到", "放到", "挪到", "移动到"]);
    if moves {
        // The place is what follows "to", "at" or "到": "move the last clip to the start".
        let place = [" to ", " at ", "到"]
            .iter()
            .find_map(|word| clause.rsplit_once(word).map(|(_, place)| place))
            .unwrap_or(clause);
        let to = if has(
            place,
            &[
                "start",
                "beginning",
                "front",
                "first",
                "开头",
                "最前",
                "开始",
            ],
        ) {
            ClipIndex::FromStart(0)
        } else if has(place, &["end", "last", "back", "结尾", "最后", "末尾"]) {
            ClipIndex::FromEnd(0)
        } else {
            return None;
        };
        return one(Step::MoveClip { clip, to });
    }
    let deletes = has_word(clause, &["delete", "remove", "cut", "drop", "lose"])
        || has(clause, &["删除", "删掉", "去掉", "剪掉", "不要"]);
    deletes.then(|| Meaning::Steps(vec![Step::DeleteClip { clip }]))
}

/// The text of a title: the first quoted text, else the words after "title"/"标题".
fn title_text(clause: &str, refs: &Referents) -> Option<String> {
    if let Some(start) = clause.find('§') {
        let rest = &clause[start + '§'.len_utf8()..];
        let end = rest.find('§')?;
        let index: usize = rest[..end].parse().ok()?;
        return refs.quotes.get(index).cloned();
    }
    None
}

fn title(clause: &str, refs: &Referents) -> Option<Meaning> {
    let asks = has(
        clause,
        &[
            "title",
            "text",
            "heading",
            "caption saying",
            "标题",
            "文字",
            "字样",
        ],
    ) || (clause.contains('§')
        // Quoted words put somewhere are a title too ("put 'SALE' at the top", "加黄色小字“完”").
        && has(clause, &["add", "put", "show", "write", "加", "放", "写", "显示"]));
    if !asks || has(clause, &["captions", "subtitles", "字幕"]) {
        return None;
    }
    // "change the title to 'Hello'", "把标题改成“你好”": the title there gets new words.
    let renames = has_word(clause, &["change", "rename", "replace", "make", "edit"])
        || has(clause, &["改成", "改为", "换成", "改一下"]);
    if renames && has(clause, &["the title", "标题"]) {
        if let Some(text) = title_text(clause, refs) {
            let mut change = title_change(clause).unwrap_or(Step::ChangeTitle {
                text: None,
                position: None,
                color: None,
                size: None,
                time: None,
            });
            if let Step::ChangeTitle { text: words, .. } = &mut change {
                *words = Some(text);
            }
            return one(change);
        }
    }
    let Some(text) = title_text(clause, refs) else {
        if let Some(change) = title_change(clause) {
            return one(change);
        }
        return Some(Meaning::Question((
            "What should the title say? Put it in quotes, e.g. add the title 'Urban Dreams'.",
            "标题写什么？请放在引号里，例如：加标题“城市之梦”。",
        )));
    };
    let position = if has(clause, &["top", "顶部", "上方", "上面"]) {
        Position::Top
    } else if has(clause, &["bottom", "底部", "下方", "下面"]) {
        Position::Bottom
    } else {
        Position::Center
    };
    let span = title_span(clause);
    one(Step::AddTitle {
        text,
        span,
        position,
        color: color_of(clause),
        size: size_of(clause),
    })
}

/// Text colours by name, in English and Chinese.
const COLORS: &[(&str, &str)] = &[
    ("white", "white"),
    ("black", "black"),
    ("red", "red"),
    ("green", "green"),
    ("blue", "blue"),
    ("yellow", "yellow"),
    ("orange", "orange"),
    ("pink", "pink"),
    ("purple", "purple"),
    ("gray", "gray"),
    ("grey", "gray"),
    ("cyan", "cyan"),
    ("白色", "white"),
    ("黑色", "black"),
    ("红色", "red"),
    ("绿色", "green"),
    ("蓝色", "blue"),
    ("黄色", "yellow"),
    ("橙色", "orange"),
    ("粉色", "pink"),
    ("紫色", "purple"),
    ("灰色", "gray"),
];

/// The frame rate a clause names: the number right before "fps", "frames per second" or "帧"
/// ("60fps", "at 30 fps", "60帧"), never another number of the clause ("4k 60fps").
fn fps_of(clause: &str) -> Option<f64> {
    ["fps", "frames per second", "frames a second", "帧"]
        .iter()
        .find_map(|unit| number_before(clause, clause.find(unit)?))
        .filter(|n| (1.0..=120.0).contains(n))
}

pub fn color_of(clause: &str) -> Option<String> {
    COLORS
        .iter()
        .find(|(word, _)| has_word(clause, &[word]) || (!word.is_ascii() && clause.contains(word)))
        .map(|(_, name)| name.to_string())
}

pub fn size_of(clause: &str) -> Option<f64> {
    if has_word(clause, &["big", "large", "huge", "bigger", "larger"])
        || has(clause, &["大号", "大字", "大一点", "大标题"])
    {
        Some(1.5)
    } else if has_word(clause, &["small", "tiny", "smaller"])
        || has(clause, &["小号", "小字", "小一点"])
    {
        Some(0.7)
    } else {
        None
    }
}

/// The stretch of time a clause names, if any.
pub fn span_of(clause: &str) -> Option<Span> {
    let times = durations_ms(clause);
    let first_words = [
        "first",
        "opening",
        "beginning",
        "start",
        "前",
        "开头",
        "开始",
    ];
    let last_words = [
        "last", "final", "ending", "the end", "最后", "末尾", "结尾", "后",
    ];
    if has(
        clause,
        &[
            "whole",
            "entire",
            "throughout",
            "all the way",
            "全程",
            "整个",
        ],
    ) {
        return Some(Span::Whole);
    }
    if times.len() >= 2 && has(clause, &["from", "to", "-", "–", "从", "到", "至"]) {
        let (start_ms, end_ms) = (times[0], times[1]);
        return (end_ms > start_ms).then_some(Span::Between { start_ms, end_ms });
    }
    let last = has(clause, &last_words);
    let first = has(clause, &first_words);
    let from = has(
        clause,
        &[
            "from",
            "从",
            "starting at",
            "onwards",
            "after",
            "之后",
            "以后",
        ],
    );
    match times.first() {
        Some(&ms) if last && !has(clause, &["前"]) => Some(Span::Last { ms }),
        Some(&ms) if first => Some(Span::First { ms }),
        Some(&ms) if from && !has(clause, &["for "]) => Some(Span::From { start_ms: ms }),
        Some(&ms) => Some(Span::First { ms }),
        // "the first second", "the last minute": a unit without a number is one of it.
        None if (first || last) && unit_alone(clause).is_some() => {
            let ms = unit_alone(clause)?;
            Some(if last {
                Span::Last { ms }
            } else {
                Span::First { ms }
            })
        }
        None => None,
    }
}

/// "second" or "minute" standing for one of it ("the last minute"), in ms.
fn unit_alone(clause: &str) -> Option<u64> {
    if has_word(clause, &["second", "sec"]) || has(clause, &["一秒"]) {
        Some(1_000)
    } else if has_word(clause, &["minute", "min"]) || has(clause, &["一分钟"]) {
        Some(60_000)
    } else {
        None
    }
}

/// Where a title goes when the words give no time: the first 3 seconds, or the last 3 when
/// they say "at the end".
fn title_span(clause: &str) -> Span {
    let last = has(
        clause,
        &["last", "final", "ending", "the end", "最后", "末尾", "结尾"],
    );
    span_of(clause).unwrap_or(if last {
        Span::Last {
            ms: DEFAULT_TITLE_MS,
        }
    } else {
        Span::First {
            ms: DEFAULT_TITLE_MS,
        }
    })
}

/// Where text sits, as words say it.
pub fn position_of(clause: &str) -> Option<Position> {
    if has_word(clause, &["top", "upper"]) || has(clause, &["顶部", "上方", "上面", "上边", "顶端"])
    {
        Some(Position::Top)
    } else if has_word(clause, &["middle", "center", "centre"])
        || has(clause, &["中间", "居中", "中央"])
    {
        Some(Position::Center)
    } else if has_word(clause, &["bottom", "lower"])
        || has(clause, &["底部", "下方", "下面", "下边", "底端"])
    {
        Some(Position::Bottom)
    } else {
        None
    }
}

/// How words say captions should look: "karaoke", "big", "at the top", "yellow",
/// "move them up"; what they do not say is absent.
pub fn caption_look(clause: &str) -> CaptionLook {
    let style = if has(clause, &["karaoke", "卡拉ok", "逐字", "高亮"]) {
        Some(CaptionStyle::Karaoke)
    } else if has_word(clause, &["bold"]) || has(clause, &["粗体", "醒目", "加粗"]) {
        Some(CaptionStyle::Bold)
    } else if has_word(clause, &["clean", "plain", "simple"]) || has(clause, &["简洁", "简单"])
    {
        Some(CaptionStyle::Clean)
    } else {
        None
    };
    let size = if has_word(clause, &["big", "bigger", "large", "larger", "huge", "up"])
        || has(
            clause,
            &["大一点", "大一些", "大号", "大字", "放大", "调大", "大点"],
        ) {
        Some(BIGGER)
    } else if has_word(clause, &["small", "smaller", "tiny"])
        || has(
            clause,
            &["小一点", "小一些", "小号", "小字", "缩小", "调小", "小点"],
        )
    {
        Some(SMALLER)
    } else {
        None
    };
    // "move the subtitles up" is a place, not a size.
    let moves = has_word(clause, &["move"]) || has(clause, &["移到", "挪到", "放到", "放在"]);
    let (size, position) = match position_of(clause) {
        None if moves && has_word(clause, &["up"]) => (None, Some(Position::Top)),
        None if moves && has_word(clause, &["down"]) => (None, Some(Position::Bottom)),
        position => (size, position),
    };
    CaptionLook {
        style,
        position,
        size,
        color: color_of(clause),
    }
}

/// Captions: added ("add big captions at the top", "加字幕") or, without a word that adds,
/// the ones there changed ("make the captions bigger", "字幕大一点", "move the subtitles up").
fn captions(clause: &str, _: &Referents) -> Option<Meaning> {
    if !lexicon::says(clause, "captions") {
        return None;
    }
    if span_of(clause).is_some() {
        return Some(Meaning::NotYet((
            "captions go on the whole video; to caption a part, cut or keep that part first",
            "字幕只能加在整个视频上；只要一段的话，请先剪掉或保留那一段",
        )));
    }
    let CaptionLook {
        style,
        position,
        size,
        color,
    } = caption_look(clause);
    let language = if has(clause, &["chinese", "mandarin", "中文", "汉语", "普通话"]) {
        Some("zh".to_string())
    } else if has(clause, &["english", "英文", "英语"]) {
        Some("en".to_string())
    } else {
        None
    };
    // "字幕加粗", "字幕加大" change the captions there; "加粗体字幕" adds bold ones.
    let emboldens = has(clause, &["加大", "加粗"]) && !has(clause, &["加粗体", "加大号", "加大字"]);
    let adds = has_word(
        clause,
        &[
            "add",
            "burn",
            "put",
            "generate",
            "create",
            "include",
            "with",
            "caption",
            "subtitle",
            "transcribe",
        ],
    ) || (has(
        clause,
        &["加", "生成", "配上", "打上", "上字幕", "做字幕", "带字幕"],
    ) && !emboldens);
    let changes_look = style.is_some() || size.is_some() || position.is_some() || color.is_some();
    let changes = changes_look
        && (!adds
            || has_word(clause, &["make", "move", "change"])
            || has(clause, &["把字幕", "将字幕"]))
        && language.is_none();
    if changes {
        return one(Step::ChangeCaptions {
            look: CaptionLook {
                style,
                position,
                size,
                color,
            },
        });
    }
    one(Step::AddCaptions {
        style: style.unwrap_or(CaptionStyle::Clean),
        language,
        translate: false,
        position,
        size,
        color,
    })
}

fn fillers(clause: &str, _: &Referents) -> Option<Meaning> {
    lexicon::says(clause, "fillers").then_some(Meaning::Steps(vec![Step::RemoveFillers]))
}

fn pauses(clause: &str, _: &Referents) -> Option<Meaning> {
    if !lexicon::says(clause, "pauses") {
        return None;
    }
    let times = durations_ms(clause);
    let min_pause_ms = if has(
        clause,
        &[
            "longer than",
            "over",
            "more than",
            "at least",
            "超过",
            "以上",
            "长于",
        ],
    ) {
        times.first().copied().unwrap_or(DEFAULT_MIN_PAUSE_MS)
    } else {
        DEFAULT_MIN_PAUSE_MS
    };
    let padding_ms = if has(clause, &["padding", "keep", "leave", "留", "保留"]) {
        times
            .last()
            .copied()
            .filter(|_| times.len() >= 2 || !has(clause, &["longer than", "over", "超过"]))
            .unwrap_or(DEFAULT_PADDING_MS)
    } else {
        DEFAULT_PADDING_MS
    };
    one(Step::TrimPauses {
        min_pause_ms,
        padding_ms,
    })
}

/// "quietly", "in the background", "轻一点": music under the speech at a stated low level.
pub fn quiet(clause: &str) -> bool {
    lexicon::says(clause, "quietly")
}

fn music(clause: &str, refs: &Referents) -> Option<Meaning> {
    let about_music = lexicon::says(clause, "music");
    if !about_music {
        // "duck it under my voice": only music is ever ducked.
        return ducks(clause).then(|| {
            Meaning::Steps(vec![Step::ChangeMusic {
                fade_in_ms: None,
                fade_out_ms: None,
                duck: Some(true),
            }])
        });
    }
    let adds = has_word(clause, &["add", "put", "use", "play", "with", "include"])
        || has(
            clause,
            &[
                "加上",
                "加个",
                "加点",
                "加一段",
                "添加",
                "配上",
                "放一段",
                "用这首",
            ],
        )
        || (has(clause, &["加"]) && !has(clause, &["加大", "加快"]));
    let changes_level = has(
        clause,
        &[
            "lower",
            "turn down",
            "quieter",
            "louder",
            "turn up",
            "降低",
            "调低",
            "调高",
            "小一点",
            "大一点",
        ],
    );
    let level = percentage(clause)
        .or_else(|| has(clause, &["half volume", "half", "一半", "减半"]).then_some(0.5));
    let fade_in_ms = has(
        clause,
        &["fade in", "fade-in", "fades in", "in-and-out", "淡入"],
    )
    .then(|| fade_length(clause));
    let fade_out_ms = has(
        clause,
        &[
            "fade out",
            "fade-out",
            "fades out",
            "fade it out",
            "in-and-out",
            "淡出",
        ],
    )
    .then(|| fade_length(clause));
    // "fade the music in over 2 seconds": the words of a fade sit around the music's name.
    let fade_in_ms = fade_in_ms.or_else(|| {
        (has_word(clause, &["fade"]) && has_word(clause, &["in"])).then(|| fade_length(clause))
    });
    let fade_out_ms = fade_out_ms.or_else(|| {
        (has_word(clause, &["fade"]) && has_word(clause, &["out"])).then(|| fade_length(clause))
    });
    if adds && (!changes_level || ducks(clause)) {
        let volume = level.unwrap_or(if quiet(clause) {
            QUIET_MUSIC_VOLUME
        } else {
            DEFAULT_MUSIC_VOLUME
        });
        return one(Step::AddMusic {
            asset: refs.music.clone(),
            volume,
            fade_in_ms,
            fade_out_ms,
            duck: ducks(clause),
        });
    }
    if fade_in_ms.is_some() || fade_out_ms.is_some() || ducks(clause) {
        return one(Step::ChangeMusic {
            fade_in_ms,
            fade_out_ms,
            duck: ducks(clause).then_some(true),
        });
    }
    let volume = if has(clause, &["mute", "silence", "静音"]) {
        Some(0.0)
    } else if let Some(level) = level {
        Some(level)
    } else if quiet(clause) {
        Some(QUIET_MUSIC_VOLUME)
    } else if has(
        clause,
        &[
            "lower",
            "quieter",
            "turn down",
            "softer",
            "降低",
            "调低",
            "调小",
            "小一点",
            "小声",
        ],
    ) {
        Some(0.5)
    } else if has(
        clause,
        &[
            "louder",
            "turn up",
            "raise",
            "调高",
            "调大",
            "大一点",
            "大声",
        ],
    ) {
        Some(1.5)
    } else {
        None
    }?;
    one(Step::Volume {
        sound: Sound::Music,
        volume,
    })
}

/// "add the voice-over from 0:05", "加上旁白": the audio file given, once, at full level.
fn voice_over(clause: &str, refs: &Referents) -> Option<Meaning> {
    if !lexicon::says(clause, "voice_over") {
        return None;
    }
    one(Step::AddVoiceOver {
        asset: refs.music.clone(),
        start_ms: duration_ms(clause).unwrap_or(0),
        volume: percentage(clause).unwrap_or(1.0),
    })
}

/// "duck it under the speech", "lower the music when I talk", "说话时压低音乐".
pub fn ducks(clause: &str) -> bool {
    lexicon::says(clause, "ducking")
}

fn fade_length(clause: &str) -> u64 {
    duration_ms(clause).unwrap_or(DEFAULT_FADE_MS)
}

fn loudness(clause: &str, _: &Referents) -> Option<Meaning> {
    let asks = has(
        clause,
        &[
            "normalize",
            "normalise",
            "loudness",
            "lufs",
            "even out the volume",
            "consistent volume",
            "响度",
            "标准化",
            "统一音量",
            "音量均衡",
        ],
    );
    if !asks {
        return None;
    }
    let lufs = if clause.contains("lufs") {
        first_number(clause)
            .map(|n| -n.abs())
            .unwrap_or(SOCIAL_LUFS)
    } else {
        SOCIAL_LUFS
    };
    one(Step::NormalizeLoudness { lufs })
}

fn volume(clause: &str, _: &Referents) -> Option<Meaning> {
    if has_word(clause, &["mute", "muted", "unmute"])
        || has(
            clause,
            &[
                "静音",
                "去掉原声",
                "关掉声音",
                "no sound",
                "without sound",
                "remove the audio",
                "remove the sound",
            ],
        )
    {
        let volume = if has_word(clause, &["unmute"]) {
            1.0
        } else {
            0.0
        };
        return one(Step::Volume {
            sound: Sound::Original,
            volume,
        });
    }
    if !has(
        clause,
        &[
            "volume", "louder", "quieter", "audio", "sound", "音量", "声音", "大声", "小声",
        ],
    ) {
        return None;
    }
    let volume = if let Some(level) = percentage(clause) {
        level
    } else if has(clause, &["half", "一半", "减半"]) {
        0.5
    } else if has(clause, &["double", "twice", "加倍", "翻倍"]) {
        2.0
    } else if has(
        clause,
        &[
            "louder",
            "turn up",
            "raise",
            "increase",
            "boost",
            "大一点",
            "大声",
            "调高",
            "提高",
        ],
    ) || has_word(clause, &["up"])
    {
        1.5
    } else if has(
        clause,
        &[
            "quieter",
            "turn down",
            "lower",
            "decrease",
            "reduce",
            "小一点",
            "小声",
            "调低",
            "降低",
        ],
    ) || has_word(clause, &["down"])
    {
        0.7
    } else {
        return None;
    };
    one(Step::Volume {
        sound: Sound::Original,
        volume,
    })
}

fn speed(clause: &str, _: &Referents) -> Option<Meaning> {
    let asks = has(
        clause,
        &[
            "speed",
            "faster",
            "slower",
            "slow down",
            "slow it",
            "slow motion",
            "slow-mo",
            "timelapse",
            "倍速",
            "加速",
            "减速",
            "放慢",
            "慢放",
            "快放",
            "快一点",
            "慢一点",
            "速度",
        ],
    ) || (factor(clause).is_some() && !has(clause, &["music", "音乐"]));
    if !asks {
        return None;
    }
    let slower = has(clause, &["slow", "放慢", "减速", "慢"]);
    let faster = has(clause, &["faster", "speed up", "speed it up", "加快", "快"]);
    let value = factor(clause).or_else(|| {
        percentage(clause).map(|p| {
            if faster {
                1.0 + p
            } else if slower && has(clause, &[" by "]) {
                1.0 - p
            } else {
                p
            }
        })
    });
    let factor = match value {
        Some(f) if slower && f > 1.0 => 1.0 / f,
        Some(f) => f,
        None if has(clause, &["half speed", "half", "一半"]) => 0.5,
        None if has(clause, &["double speed", "twice", "double"]) => 2.0,
        None if has(clause, &["slow motion", "slow-mo", "慢动作"]) => 0.5,
        None if slower => 0.75,
        None => {
            return Some(Meaning::Assumed {
                steps: vec![Step::Speed { factor: 1.25 }],
                assumption: (
                    "sped up 1.25× (say a number, like 1.5x, for another speed)",
                    "加速到1.25倍（要其他速度请说数字，例如1.5倍）",
                ),
            })
        }
    };
    one(Step::Speed { factor })
}

/// The frame a clause names, as its own edit.
pub fn aspect_of(clause: &str, refs: &Referents) -> Option<Meaning> {
    aspect(clause, refs)
}

/// An export size said in passing ("in 4k", "at 720p", "60fps"), as an Export Step.
pub fn export_size(clause: &str) -> Option<Step> {
    let resolution = resolution_of(clause);
    let fps = fps_of(clause);
    (resolution.is_some() || fps.is_some()).then_some(Step::Export {
        format: None,
        resolution,
        fps,
        quality: None,
    })
}

fn resolution_of(clause: &str) -> Option<Resolution> {
    if has(clause, &["2160", "4k", "uhd", "ultra hd"]) {
        Some(Resolution::P2160)
    } else if has(clause, &["1440", "2k", "qhd"]) {
        Some(Resolution::P1440)
    } else if has(clause, &["1080", "full hd", "fhd"]) {
        Some(Resolution::P1080)
    } else if has(clause, &["720"]) {
        Some(Resolution::P720)
    } else if has(clause, &["480"]) {
        Some(Resolution::P480)
    } else {
        None
    }
}

fn aspect(clause: &str, _: &Referents) -> Option<Meaning> {
    let says = |concept| lexicon::says(clause, concept);
    let aspect = if has_ratio(clause, "9:16") || says("portrait") {
        Aspect::Portrait9x16
    } else if has_ratio(clause, "4:5") || says("portrait_4_5") {
        Aspect::Portrait4x5
    } else if has_ratio(clause, "1:1") || says("square") {
        Aspect::Square1x1
    } else if has_ratio(clause, "16:9") || says("landscape") {
        Aspect::Landscape16x9
    } else {
        return None;
    };
    let fit = fit_of(clause);
    one(Step::Aspect { aspect, fit })
}

/// How the clause says a frame of another shape is filled, if it does.
pub fn fit_of(clause: &str) -> Option<Fit> {
    if has(clause, &["blur", "模糊"]) {
        Some(Fit::Blur)
    } else if has(
        clause,
        &[
            "bars",
            "pad",
            "letterbox",
            "fit inside",
            "without cropping",
            "without crop",
            "no cropping",
            "not cropped",
            "don't crop",
            "uncropped",
            "黑边",
            "留边",
            "不裁剪",
            "不要裁剪",
        ],
    ) {
        Some(Fit::Pad)
    } else if has(clause, &["crop", "fill the frame", "裁剪", "铺满"]) {
        Some(Fit::Crop)
    } else {
        None
    }
}

fn fade(clause: &str, _: &Referents) -> Option<Meaning> {
    let both = has(clause, &["in-and-out", "渐入渐出", "淡入淡出"]);
    let fade_in = both
        || has(
            clause,
            &["fade in", "fade-in", "fade from black", "淡入", "渐入"],
        );
    // "fade it out at the end", "fade the picture in".
    let fade_in = fade_in || (has_word(clause, &["fade"]) && has_word(clause, &["in"]));
    let fade_out = both
        || (has_word(clause, &["fade"]) && has_word(clause, &["out"]))
        || has(
            clause,
            &[
                "fade out",
                "fade-out",
                "fade to black",
                "fades out",
                "淡出",
                "渐出",
            ],
        );
    if !fade_in && !fade_out {
        return None;
    }
    let ms = fade_length(clause);
    one(Step::Fade {
        fade_in_ms: fade_in.then_some(ms),
        fade_out_ms: fade_out.then_some(ms),
    })
}

fn color(clause: &str, _: &Referents) -> Option<Meaning> {
    let amount = percentage(clause).unwrap_or(0.2);
    let less = has(
        clause,
        &[
            "less", "lower", "reduce", "decrease", "darker", "降低", "减少", "暗",
        ],
    );
    let signed = if less { -amount } else { amount };
    if has(
        clause,
        &[
            "black-and-white",
            "grayscale",
            "greyscale",
            "monochrome",
            "黑白",
        ],
    ) {
        return one(Step::Color {
            brightness: None,
            contrast: None,
            saturation: Some(0.0),
        });
    }
    if has(clause, &["bright", "darker", "dark", "亮", "暗"]) && !has(clause, &["contrast", "对比"])
    {
        return one(Step::Color {
            brightness: Some(signed.clamp(-1.0, 1.0)),
            contrast: None,
            saturation: None,
        });
    }
    if has(clause, &["contrast", "对比度", "对比"]) {
        return one(Step::Color {
            brightness: None,
            contrast: Some((1.0 + signed).max(0.0)),
            saturation: None,
        });
    }
    if has(
        clause,
        &["saturat", "vivid", "colorful", "colourful", "饱和", "鲜艳"],
    ) {
        return one(Step::Color {
            brightness: None,
            contrast: None,
            saturation: Some((1.0 + signed).max(0.0)),
        });
    }
    None
}

fn cut_or_keep(clause: &str, _: &Referents) -> Option<Meaning> {
    let keep = has(
        clause,
        &[
            "keep only",
            "only keep",
            "keep just",
            "keep",
            "只保留",
            "保留",
            "只要",
        ],
    );
    let cut = has_word(
        clause,
        &[
            "cut", "remove", "delete", "drop", "trim", "chop", "lose", "skip",
        ],
    ) || has(
        clause,
        &["剪掉", "删掉", "去掉", "删除", "剪去", "裁掉", "不要"],
    );
    if !keep && !cut {
        return None;
    }
    let Some(span) = span_of(clause) else {
        let names_an_end = has(
            clause,
            &[
                "first",
                "beginning",
                "start",
                "last",
                "end",
                "开头",
                "结尾",
                "最后",
                "前面",
                "后面",
            ],
        );
        return names_an_end.then_some(Meaning::Question((
            "How much? Say it with a time, like: cut the first 5 seconds, or keep the last 30 seconds.",
            "剪多少？请说出时间，例如：剪掉前5秒，或只保留最后30秒。",
        )));
    };
    // "trim 2 s off the end" names the end without "last".
    let span = match span {
        Span::First { ms }
            if has(clause, &["end", "结尾", "末尾"]) && !has(clause, &["first", "前"]) =>
        {
            Span::Last { ms }
        }
        other => other,
    };
    let step = if keep && !has(clause, &["剪掉", "删掉", "去掉"]) {
        Step::Keep { span }
    } else {
        Step::Cut { span }
    };
    one(step)
}

fn export(clause: &str, _: &Referents) -> Option<Meaning> {
    let resolution = resolution_of(clause);
    let fps = fps_of(clause);
    let quality = if has(
        clause,
        &["high quality", "best quality", "高画质", "高清", "高质量"],
    ) {
        Some(Quality::High)
    } else if has(clause, &["draft", "preview", "quick", "草稿", "预览"]) {
        Some(Quality::Draft)
    } else if has(clause, &["medium quality", "中等画质"]) {
        Some(Quality::Medium)
    } else {
        None
    };
    let format = if has_phrase(clause, "gif") || has(clause, &["动图"]) {
        Some(Format::Gif)
    } else if has_phrase(clause, "webm") {
        Some(Format::Webm)
    } else if has_phrase(clause, "mp3") {
        Some(Format::Mp3)
    } else if has_phrase(clause, "m4a")
        || has_phrase(clause, "aac")
        || has(
            clause,
            &[
                "audio only",
                "only the audio",
                "just the audio",
                "sound only",
                "only the sound",
                "just the sound",
                "音频",
                "只要声音",
            ],
        )
    {
        Some(Format::M4a)
    } else if has_phrase(clause, "mp4") {
        Some(Format::Mp4)
    } else {
        None
    };
    let asks = has(
        clause,
        &[
            "export", "render", "download", "save", "导出", "输出", "渲染", "下载", "保存",
        ],
    );
    if resolution.is_none() && fps.is_none() && quality.is_none() && format.is_none() && !asks {
        return None;
    }
    one(Step::Export {
        format,
        resolution,
        fps,
        quality,
    })
}

fn vague(clause: &str, _: &Referents) -> Option<Meaning> {
    if has(
        clause,
        &[
            "shorter",
            "tighter",
            "more concise",
            "短一点",
            "短一些",
            "精简",
            "紧凑",
        ],
    ) {
        return Some(Meaning::Assumed {
            steps: vec![Step::TrimPauses {
                min_pause_ms: DEFAULT_MIN_PAUSE_MS,
                padding_ms: DEFAULT_PADDING_MS,
            }],
            assumption: (
                "made it shorter by cutting the pauses (say a range, like cut 0:10 to 0:25, to cut more)",
                "通过剪掉停顿让视频变短（想剪更多请说出时间段，例如剪掉0:10到0:25）",
            ),
        });
    }
    if has(
        clause,
        &[
            "better",
            "nicer",
            "improve",
            "polish",
            "professional",
            "好看",
            "更好",
            "优化",
            "美化",
        ],
    ) {
        return Some(Meaning::Question((
            "What should change? For example: trim the pauses, add captions, add music, make it 9:16, or fade in and out.",
            "想改哪里？例如：剪掉停顿、加字幕、加音乐、改成9:16，或者淡入淡出。",
        )));
    }
    None
}

fn courtesy(clause: &str, _: &Referents) -> Option<Meaning> {
    let words = [
        "please",
        "thanks",
        "thank you",
        "ok",
        "okay",
        "hi",
        "hello",
        "请",
        "谢谢",
        "麻烦",
        "好的",
        "你好",
        "帮我",
    ];
    let stripped = words
        .iter()
        .fold(clause.to_string(), |text, word| text.replace(word, ""));
    stripped
        .trim_matches(|c: char| !c.is_alphanumeric())
        .is_empty()
        .then_some(Meaning::Nothing)
}
