//! Captions as one ASS subtitle document, burnt in by libass (ffmpeg's `ass` filter). Pure.
//!
//! Titles are few and drawn by `drawtext`; captions are many (a 10-minute talk has ~150), and
//! one libass pass draws them all where a chain of 150 drawtext filters would test every frame
//! 150 times. libass also lays out each line, falls back per glyph to a font that has it (CJK
//! in an English caption), and colours single words, which the karaoke style needs.
//!
//! ```text
//! caption "Pauses make it slow."  words [Pauses][make][it][slow.]
//! clean    1.00–2.40  Pauses make it slow.                 (one event)
//! karaoke  1.00–1.30  {yellow}Pauses{white} make it slow.  (one event per word, back to
//!          1.30–1.62  Pauses {yellow}make{white} it slow.   back, so libass never stacks
//!          …                                                two events of one caption)
//! ```
//!
//! The script's resolution is the canvas's, so sizes and margins are in output pixels and
//! scale with the resolution and aspect like the titles do.

use std::fmt::Write;

use timeline::validate::color_rgb;
use timeline::{CaptionStyle, Draft, Position, Segment, TrackKind};

use crate::render::layout::CaptionBand;

/// The segments drawn as captions (role `caption`).
pub fn is_caption(segment: &Segment) -> bool {
    segment.meta.role.as_deref() == Some("caption")
}

/// Highlight of the spoken word in the karaoke style: a warm yellow (ASS colours are BGR).
const HIGHLIGHT: &str = "&H00D7FF&";
const WHITE: &str = "&HFFFFFF&";

/// The ASS document of every caption of `draft`, drawn in font family `family`; `None` when
/// the draft has no captions.
pub fn ass_document(draft: &Draft, family: &str) -> Option<String> {
    let captions: Vec<&Segment> = draft
        .segments_of(TrackKind::Text)
        .filter(|s| is_caption(s))
        .collect();
    if captions.is_empty() {
        return None;
    }
    let (width, height) = (draft.meta.width, draft.meta.height);
    let mut doc = format!(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {width}\nPlayResY: {height}\n\
         WrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n\
         [V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, \
         OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, \
         Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, \
         Encoding\n"
    );
    let family = family.replace(',', " ");
    for style in CaptionStyle::ALL {
        let look = Look::of(style, width, height);
        let _ = writeln!(
            doc,
            "Style: {},{family},{},&H00FFFFFF,&H00FFFFFF,{},{},1,0,0,0,100,100,0,0,{},{},{},2,{margin_x},{margin_x},{},1",
            style.name(),
            look.font_size,
            look.outline_colour,
            look.back_colour,
            look.border_style,
            look.outline,
            look.shadow,
            look.margin_bottom,
            margin_x = width / 20,
        );
    }
    doc.push_str(
        "\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
    );
    for segment in captions {
        for event in events(segment, width, height) {
            let _ = writeln!(
                doc,
                "Dialogue: 0,{},{},{},,0,0,0,,{}",
                ass_time(event.start_cs),
                ass_time(event.end_cs),
                event.style.name(),
                event.text
            );
        }
    }
    Some(doc)
}

/// Where the captions are and how much room the tallest takes: each line about one font size
/// high (libass sizes a font by its full line height), plus its box or outline and shadow.
/// `None` when the draft has no captions.
pub fn caption_band(draft: &Draft) -> Option<CaptionBand> {
    let (width, height) = (draft.meta.width, draft.meta.height);
    let mut band: Option<CaptionBand> = None;
    for segment in draft.segments_of(TrackKind::Text).filter(|s| is_caption(s)) {
        let (size, text) = laid_out(segment, width, height);
        let lines = text.lines().count().max(1) as u32;
        let look = Look::of(segment.meta.style.unwrap_or_default(), width, height);
        let tallest = band.map_or(0, |b| b.text_height);
        band = Some(CaptionBand {
            position: segment.meta.position.unwrap_or(Position::Bottom),
            // A little over one size a line: accents and descenders of some fonts reach out.
            text_height: tallest.max((lines * size * 6).div_ceil(5)),
            pad: look.outline + look.shadow,
        });
    }
    band
}

/// How one style looks on a canvas.
struct Look {
    font_size: u32,
    border_style: u8,
    outline: u32,
    shadow: u32,
    outline_colour: &'static str,
    back_colour: &'static str,
    margin_bottom: u32,
}

impl Look {
    fn of(style: CaptionStyle, width: u32, height: u32) -> Look {
        let short_side = width.min(height) as f64;
        let margin_bottom = (height as f64 * 0.08).round() as u32;
        match style {
            // White on a half-transparent box (BorderStyle 3: the outline is the box's padding).
            CaptionStyle::Clean => {
                let font_size = (short_side * 0.05).round().max(12.0) as u32;
                Look {
                    font_size,
                    border_style: 3,
                    outline: (font_size / 4).max(2),
                    shadow: 0,
                    outline_colour: "&H80000000",
                    back_colour: "&H80000000",
                    margin_bottom,
                }
            }
            CaptionStyle::Bold | CaptionStyle::Karaoke => {
                let font_size = (short_side * 0.062).round().max(14.0) as u32;
                Look {
                    font_size,
                    border_style: 1,
                    outline: (font_size / 12).max(2),
                    shadow: (font_size / 24).max(1),
                    outline_colour: "&H00000000",
                    back_colour: "&H99000000",
                    margin_bottom,
                }
            }
        }
    }
}

/// One Dialogue line, in centiseconds (ASS's unit).
#[derive(Debug, PartialEq)]
struct Event {
    start_cs: u64,
    end_cs: u64,
    style: CaptionStyle,
    text: String,
}

/// The font size a caption is drawn at, and its text broken into lines for it: a caption
/// asked bigger than its style is broken into more, shorter lines rather than shrunk back;
/// what still does not fit 90% of the width gets a smaller size.
fn laid_out(segment: &Segment, width: u32, height: u32) -> (u32, String) {
    let style = segment.meta.style.unwrap_or_default();
    let text = segment.meta.text.as_deref().unwrap_or_default();
    let base = Look::of(style, width, height).font_size;
    let asked = (base as f64 * segment.meta.text_size.unwrap_or(1.0)).round() as u32;
    let text = if asked > base {
        rewrap(text, 0.9 * width as f64 / asked as f64)
    } else {
        text.to_string()
    };
    let size = fitting_size(&text, asked, width).unwrap_or(asked);
    (size, text)
}

/// Width of a character in ems, as the fitting rule counts it.
fn em(c: char) -> f64 {
    if crate::render::plan::is_wide(c) {
        1.0
    } else {
        0.62
    }
}

/// `text` with its line breaks moved so each line is at most `max_em` wide where it can
/// break: at spaces, and between characters of Chinese (or other wide) text, which has no
/// spaces. The karaoke words are found in the text as laid out, so they keep their places.
fn rewrap(text: &str, max_em: f64) -> String {
    // The pieces no line breaks inside, each with whether a space stood before it.
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    let mut spaced = false;
    for c in text.chars() {
        let wide = crate::render::plan::is_wide(c);
        if c == ' ' || c == '\n' || wide {
            if !word.is_empty() {
                pieces.push((std::mem::take(&mut word), spaced));
                spaced = false;
            }
            if wide {
                pieces.push((c.to_string(), spaced));
                spaced = false;
            } else {
                spaced = true;
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        pieces.push((word, spaced));
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_em = 0.0;
    for (piece, spaced) in pieces {
        let piece_em: f64 = piece.chars().map(em).sum();
        let gap = if spaced { em(' ') } else { 0.0 };
        if !out.is_empty() {
            if line_em + gap + piece_em > max_em {
                out.push('\n');
                line_em = 0.0;
            } else if spaced {
                out.push(' ');
                line_em += gap;
            }
        }
        out.push_str(&piece);
        line_em += piece_em;
    }
    out
}

/// A caption's own place, size and colour as ASS override tags, before its text: `\an8`
/// top centre, `\an5` middle (the style's default is `\an2`, bottom centre).
fn look_tags(segment: &Segment, size: u32, width: u32, height: u32) -> String {
    let style = segment.meta.style.unwrap_or_default();
    let base = Look::of(style, width, height).font_size;
    let size = (size != base).then_some(size);
    let mut tags = String::new();
    match segment.meta.position {
        Some(Position::Top) => tags.push_str("\\an8"),
        Some(Position::Center) => tags.push_str("\\an5"),
        Some(Position::Bottom) | None => {}
    }
    if let Some(size) = size {
        let _ = write!(tags, "\\fs{size}");
    }
    if segment.meta.text_color.is_some() {
        let _ = write!(tags, "\\1c{}", text_colour(segment));
    }
    if tags.is_empty() {
        tags
    } else {
        format!("{{{tags}}}")
    }
}

/// A caption's text colour in ASS's `&HBBGGRR&`; white when it has none.
fn text_colour(segment: &Segment) -> String {
    match segment.meta.text_color.as_deref().and_then(color_rgb) {
        Some([r, g, b]) => format!("&H{b:02X}{g:02X}{r:02X}&"),
        None => WHITE.to_string(),
    }
}

fn events(segment: &Segment, width: u32, height: u32) -> Vec<Event> {
    let style = segment.meta.style.unwrap_or_default();
    let (size, text) = laid_out(segment, width, height);
    let text = text.as_str();
    let size_tag = look_tags(segment, size, width, height);
    let cs = |ms: u64| (ms + 5) / 10;
    let plain = |start_ms, end_ms| Event {
        start_cs: cs(start_ms),
        end_cs: cs(end_ms),
        style,
        text: format!("{size_tag}{}", escape(text)),
    };
    let (start_ms, end_ms) = (segment.start_ms, segment.end_ms());
    let words = segment.meta.words.as_deref().unwrap_or_default();
    let spans = word_spans(text, words.iter().map(|w| w.text.as_str()));
    if style != CaptionStyle::Karaoke || spans.is_empty() {
        return vec![plain(start_ms, end_ms)];
    }
    // Boundaries: the caption's start, each located word's start, the last word's end, the
    // caption's end. Each word stays lit until the next one starts.
    let mut events = Vec::new();
    let located: Vec<(u64, (usize, usize))> = spans
        .iter()
        .map(|&(index, span)| (start_ms + words[index].offset_ms, span))
        .collect();
    events.push(plain(start_ms, located[0].0));
    for (i, &(word_start_ms, (from, to))) in located.iter().enumerate() {
        let lit_until_ms = located.get(i + 1).map_or_else(
            || start_ms + words[spans[i].0].end_ms(),
            |&(next_ms, _)| next_ms,
        );
        events.push(Event {
            start_cs: cs(word_start_ms),
            end_cs: cs(lit_until_ms),
            style,
            text: format!(
                "{size_tag}{}{{\\1c{HIGHLIGHT}}}{}{{\\1c{}}}{}",
                escape(&text[..from]),
                escape(&text[from..to]),
                text_colour(segment),
                escape(&text[to..])
            ),
        });
    }
    let last_end_ms = start_ms + words[spans[spans.len() - 1].0].end_ms();
    events.push(plain(last_end_ms, end_ms));
    events.retain(|e| e.end_cs > e.start_cs);
    events
}

/// Where each word appears in the caption's text, in order: (word index, byte range). Words
/// the text does not show (trimmed punctuation, a recogniser's stray token) are skipped.
fn word_spans<'a>(
    text: &str,
    words: impl Iterator<Item = &'a str>,
) -> Vec<(usize, (usize, usize))> {
    let mut cursor = 0;
    let mut spans = Vec::new();
    for (index, word) in words.enumerate() {
        let word = word.trim();
        if word.is_empty() {
            continue;
        }
        if let Some(at) = text[cursor..].find(word) {
            let from = cursor + at;
            cursor = from + word.len();
            spans.push((index, (from, cursor)));
        }
    }
    spans
}

/// A smaller font size when the widest line would not fit 90% of the width at `size`.
fn fitting_size(text: &str, size: u32, width: u32) -> Option<u32> {
    let widest_em = text
        .lines()
        .map(|line| line.chars().map(em).sum::<f64>())
        .fold(0.0, f64::max);
    let fits = (0.9 * width as f64 / widest_em.max(1.0)).floor() as u32;
    (fits < size).then_some(fits.max(10))
}

/// Caption text as ASS shows it literally: line breaks as `\N`, braces escaped, and a
/// backslash kept from forming `\n`, `\N` or `\h` (a word joiner after it).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\N"),
            '\r' => {}
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '\\' => out.push_str("\\\u{2060}"),
            other => out.push(other),
        }
    }
    out
}

/// `H:MM:SS.cc`.
fn ass_time(cs: u64) -> String {
    format!(
        "{}:{:02}:{:02}.{:02}",
        cs / 360_000,
        cs / 6_000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn big_captions_break_into_more_lines_at_spaces_and_between_chinese_characters() {
        let width = |line: &str| line.chars().map(super::em).sum::<f64>();
        let text = "Pauses make a talk slow\nand nobody hears the difference";
        let wrapped = super::rewrap(text, 12.0);
        assert!(wrapped.lines().count() > 2, "{wrapped}");
        assert_eq!(wrapped.replace('\n', " "), text.replace('\n', " "));
        assert!(wrapped.lines().all(|l| width(l) <= 12.0), "{wrapped}");
        let chinese = "大家好欢迎来到我们的节目今天我们要讲怎么剪视频";
        let wrapped = super::rewrap(chinese, 8.0);
        assert_eq!(wrapped.replace('\n', ""), chinese);
        assert!(wrapped.lines().count() == 3, "{wrapped}");
        assert!(wrapped.lines().all(|l| width(l) <= 8.0), "{wrapped}");
    }

    use super::*;
    use timeline::{DraftMeta, Position, SegmentMeta, TimedWord, Track};

    fn caption(start_ms: u64, text: &str, words: &[(&str, u64, u64)]) -> Segment {
        let duration_ms = words.last().map_or(1_000, |w| w.1 + w.2 + 200);
        Segment {
            id: format!("c{start_ms}"),
            src: None,
            start_ms,
            source_in_ms: 0,
            duration_ms,
            meta: SegmentMeta {
                text: Some(text.into()),
                role: Some("caption".into()),
                position: Some(Position::Bottom),
                words: Some(
                    words
                        .iter()
                        .map(|&(text, offset_ms, duration_ms)| TimedWord {
                            text: text.into(),
                            offset_ms,
                            duration_ms,
                        })
                        .collect(),
                ),
                ..SegmentMeta::default()
            },
        }
    }

    fn draft_with(captions: Vec<Segment>, style: Option<CaptionStyle>) -> Draft {
        let mut draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        let captions = captions
            .into_iter()
            .map(|mut c| {
                c.meta.style = style;
                c
            })
            .collect();
        draft.tracks.push(Track {
            id: "captions".into(),
            kind: TrackKind::Text,
            segments: captions,
            extra: Default::default(),
        });
        draft
    }

    fn dialogues(doc: &str) -> Vec<&str> {
        doc.lines()
            .filter_map(|l| l.strip_prefix("Dialogue: 0,"))
            .collect()
    }

    #[test]
    fn a_clean_caption_is_one_event_on_the_canvas_scale() {
        let draft = draft_with(vec![caption(1_000, "Pauses make\nit {slow}.", &[])], None);
        let doc = ass_document(&draft, "DejaVu Sans").unwrap();
        assert!(doc.contains("PlayResX: 1920\nPlayResY: 1080\n"));
        assert!(doc.contains("Style: clean,DejaVu Sans,54,"), "{doc}");
        assert_eq!(
            dialogues(&doc),
            ["0:00:01.00,0:00:02.00,clean,,0,0,0,,Pauses make\\Nit \\{slow\\}."]
        );
    }

    #[test]
    fn karaoke_lights_each_word_until_the_next_one_starts() {
        let words = [("Pauses", 0, 300), ("make", 320, 200), ("slow.", 600, 400)];
        let draft = draft_with(
            vec![caption(1_000, "Pauses make slow.", &words)],
            Some(CaptionStyle::Karaoke),
        );
        let doc = ass_document(&draft, "DejaVu Sans").unwrap();
        let lit = |word: &str| format!("{{\\1c{HIGHLIGHT}}}{word}{{\\1c{WHITE}}}");
        assert_eq!(
            dialogues(&doc),
            [
                format!(
                    "0:00:01.00,0:00:01.32,karaoke,,0,0,0,,{} make slow.",
                    lit("Pauses")
                ),
                format!(
                    "0:00:01.32,0:00:01.60,karaoke,,0,0,0,,Pauses {} slow.",
                    lit("make")
                ),
                format!(
                    "0:00:01.60,0:00:02.00,karaoke,,0,0,0,,Pauses make {}",
                    lit("slow.")
                ),
                "0:00:02.00,0:00:02.20,karaoke,,0,0,0,,Pauses make slow.".to_string(),
            ]
        );
    }

    #[test]
    fn words_the_text_does_not_show_are_skipped_and_repeats_are_found_in_order() {
        let spans = word_spans("the cat, the hat", ["the", "uh", "cat,", "the"].into_iter());
        assert_eq!(spans, [(0, (0, 3)), (2, (4, 8)), (3, (9, 12))]);
    }

    #[test]
    fn long_lines_on_a_narrow_canvas_get_a_smaller_size() {
        let line = "a caption line of forty-two characters max";
        assert_eq!(fitting_size(line, 54, 1920), None);
        let size = fitting_size(line, 54, 1080).unwrap();
        assert!(size < 54 && size as f64 * 0.62 * 42.0 <= 0.9 * 1080.0);
    }

    #[test]
    fn bold_is_larger_and_outlined_where_clean_has_a_box() {
        let clean = Look::of(CaptionStyle::Clean, 1080, 1920);
        let bold = Look::of(CaptionStyle::Bold, 1080, 1920);
        assert!(bold.font_size > clean.font_size);
        assert_eq!((clean.border_style, bold.border_style), (3, 1));
        assert_eq!(clean.margin_bottom, bold.margin_bottom);
        assert_eq!(clean.margin_bottom, 154);
    }

    #[test]
    fn backslashes_cannot_form_ass_codes() {
        assert_eq!(escape("a\\nb"), "a\\\u{2060}nb");
        assert_eq!(ass_time(366_123), "1:01:01.23");
    }

    #[test]
    fn a_draft_without_captions_has_no_document() {
        let draft = Draft::single_clip("clip", 10_000, DraftMeta::default());
        assert_eq!(ass_document(&draft, "DejaVu Sans"), None);
    }
}
