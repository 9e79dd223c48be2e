//! Speech in `cutline edit`: `--captions` burnt in where the kept speech is, never across a
//! cut, with the same cues in OUT.srt and OUT.vtt; Chinese glyphs; `--remove-fillers`.

use testkit::measure::{bright_pixels, gray_frame_at, rgb_frame_at, yellow_pixels};
use testkit::talk::{specs, talk};
use timeline::subtitles::{caption_cues, parse_srt};

use crate::{cutline_ok, path_str};

/// A captioned `cutline edit` of the dark talk clip: its output, saved draft and summary.
struct CaptionedEdit {
    scratch: testkit::TempDir,
    out: std::path::PathBuf,
    draft: timeline::Draft,
    summary: String,
}

fn captioned_edit(name: &str, flags: &[&str]) -> CaptionedEdit {
    let clip = talk(&specs::DARK_TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join(format!("{name}.mp4"));
    let draft_path = scratch.path().join(format!("{name}.json"));
    let mut args = vec![
        "edit",
        path_str(&clip.path),
        "--captions",
        "--language",
        "en",
    ];
    args.extend(flags);
    args.extend(["--quality", "draft", "--save-draft", path_str(&draft_path)]);
    args.extend(["-o", path_str(&out)]);
    let summary = cutline_ok(args);
    let draft = timeline::wire::from_json(&std::fs::read_to_string(&draft_path).unwrap()).unwrap();
    CaptionedEdit {
        scratch,
        out,
        draft,
        summary,
    }
}

/// The middle of the first gap of at least 200 ms between two cues, in seconds.
fn between_two_cues(cues: &[timeline::subtitles::Cue]) -> f64 {
    let gap = cues
        .windows(2)
        .find(|pair| pair[1].start_ms >= pair[0].end_ms + 200)
        .expect("a gap between two cues");
    (gap[0].end_ms + gap[1].start_ms) as f64 / 2000.0
}

#[test]
fn captions_follow_the_trim_and_match_their_sidecar_files() {
    let edit = captioned_edit("captioned", &["--trim-pauses"]);
    let (scratch, out) = (&edit.scratch, &edit.out);
    assert!(edit.summary.contains("captions"), "{}", edit.summary);

    let srt = std::fs::read_to_string(scratch.path().join("captioned.srt")).unwrap();
    let cues = parse_srt(&srt).unwrap();
    let vtt = std::fs::read_to_string(scratch.path().join("captioned.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT") && vtt.matches(" --> ").count() == cues.len());
    let draft = &edit.draft;
    assert_eq!(
        cues,
        caption_cues(draft),
        "the sidecar cues are the burnt-in ones"
    );
    assert!(cues.len() >= 5, "{cues:?}");
    let words: String = cues
        .iter()
        .map(|c| c.text.replace('\n', " ") + " ")
        .collect();
    assert!(
        words.to_lowercase().contains("thanks for watching"),
        "{words}"
    );

    // Every cue lies inside one kept piece: no cut point falls strictly inside a cue.
    let main = &draft.tracks[0].segments;
    let cuts: Vec<u64> = main.iter().skip(1).map(|s| s.start_ms).collect();
    for cue in &cues {
        assert!(
            !cuts
                .iter()
                .any(|&cut| cue.start_ms < cut && cut < cue.end_ms),
            "{cue:?} spans a cut (cuts at {cuts:?})"
        );
    }

    // Mid-cue, the caption area has caption pixels; between two cues it has none.
    let caption_area = |w: u32, h: u32| (0, h * 3 / 4, w, h);
    let middle = &cues[cues.len() / 2];
    let t = (middle.start_ms + middle.end_ms) as f64 / 2000.0;
    let (w, h, frame) = gray_frame_at(out, t);
    let lit = bright_pixels(&frame, w, caption_area(w, h), 200);
    assert!(lit > 300, "only {lit} caption pixels at {t:.2} s");
    let (_, _, rgb) = rgb_frame_at(out, t);
    let (yellow, _, _) = yellow_pixels(&rgb, w, caption_area(w, h));
    assert!(yellow < 5, "{yellow} highlighted pixels in a clean caption");
    let t = between_two_cues(&cues);
    let (w, h, frame) = gray_frame_at(out, t);
    assert_eq!(
        bright_pixels(&frame, w, caption_area(w, h), 200),
        0,
        "caption pixels between cues at {t:.2} s"
    );
}

#[test]
fn karaoke_captions_light_the_word_being_spoken() {
    let edit = captioned_edit("karaoke", &["--caption-style", "karaoke"]);
    let (draft, out) = (&edit.draft, &edit.out);
    let caption = draft
        .segments_of(timeline::TrackKind::Text)
        .find(|c| c.meta.words.as_ref().is_some_and(|w| w.len() >= 3))
        .expect("a caption of three words or more");
    assert_eq!(caption.meta.style, Some(timeline::CaptionStyle::Karaoke));
    let words = caption.meta.words.as_ref().unwrap();
    let (first, last) = (&words[0], &words[words.len() - 1]);
    let text = caption.meta.text.as_deref().unwrap();
    let highlight_at = |word: &timeline::TimedWord| {
        let t = (caption.start_ms + word.offset_ms + word.duration_ms / 2) as f64 / 1000.0;
        let (w, h, frame) = rgb_frame_at(out, t);
        let (count, x, y) = yellow_pixels(&frame, w, (0, h * 3 / 4, w, h));
        assert!(
            count > 15,
            "only {count} highlighted pixels while '{}' is spoken at {t:.2} s",
            word.text
        );
        (x, y)
    };
    let (first_x, first_y) = highlight_at(first);
    let (last_x, last_y) = highlight_at(last);
    if text.contains('\n') {
        assert!(
            last_y > first_y + 5.0,
            "'{}' is not lit below '{}' in {text:?}",
            last.text,
            first.text
        );
    } else {
        assert!(
            last_x > first_x + 20.0,
            "'{}' is not lit right of '{}' in {text:?}",
            last.text,
            first.text
        );
    }
    // After the caption, nothing is lit.
    let cues = caption_cues(draft);
    let t = between_two_cues(&cues);
    let (w, h, frame) = rgb_frame_at(out, t);
    assert_eq!(
        yellow_pixels(&frame, w, (0, 0, w, h)).0,
        0,
        "highlight between cues at {t:.2} s"
    );
}

/// The one glyph shown in a luma frame as a 10×10 grid of how much of each block is lit,
/// over the glyph's own bounding box (so where it sits and its size do not matter).
fn glyph_grid(frame: &[u8], width: u32, height: u32) -> Vec<f64> {
    let lit = |x: u32, y: u32| frame[(y * width + x) as usize] > 200;
    let (mut x0, mut x1, mut y0, mut y1) = (u32::MAX, 0, u32::MAX, 0);
    for y in 0..height {
        for x in 0..width {
            if lit(x, y) {
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x + 1), y0.min(y), y1.max(y + 1));
            }
        }
    }
    assert!(x1 > x0 + 4, "no glyph found in the frame");
    let (w, h) = ((x1 - x0) as f64, (y1 - y0) as f64);
    let mut grid = vec![0.0; 100];
    for y in y0..y1 {
        for x in x0..x1 {
            if lit(x, y) {
                let bx = ((x - x0) as f64 / w * 10.0) as usize;
                let by = ((y - y0) as f64 / h * 10.0) as usize;
                grid[by.min(9) * 10 + bx.min(9)] += 100.0 / (w * h);
            }
        }
    }
    grid
}

/// How different two glyph grids are, 0 (same) to 1.
fn mismatch(a: &[f64], b: &[f64]) -> f64 {
    let differ: f64 = a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum();
    let either: f64 = a.iter().zip(b).map(|(x, y)| x.max(*y)).sum();
    differ / either.max(1e-9)
}

/// The smallest and largest mismatch between any two of the glyph cells.
fn mismatch_range(cells: &[Vec<f64>]) -> (f64, f64) {
    let mut range = (f64::MAX, 0.0f64);
    for i in 0..cells.len() {
        for j in i + 1..cells.len() {
            let m = mismatch(&cells[i], &cells[j]);
            range = (range.0.min(m), range.1.max(m));
        }
    }
    range
}

#[test]
fn chinese_text_renders_real_glyphs_not_missing_glyph_boxes() {
    let scratch = testkit::scratch();
    let folder = scratch.path();
    testkit::dark_video(&folder.join("dark.mp4"), 2);
    let draft = folder.join("zh.json");
    std::fs::write(
        &draft,
        r#"{"d": 2000, "m": {"w": 640, "h": 360, "fps": 30}, "t": [
            {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "dark.mp4", "s": 0, "in": 0, "d": 2000}]},
            {"id": "x1", "tt": 7, "sg": [
              {"id": "t1", "s": 0, "d": 500, "m": {"text": "城", "fade_in": 0, "fade_out": 0}},
              {"id": "t2", "s": 500, "d": 500, "m": {"text": "市", "fade_in": 0, "fade_out": 0}},
              {"id": "t3", "s": 1000, "d": 500, "m": {"text": "之", "fade_in": 0, "fade_out": 0}},
              {"id": "t4", "s": 1500, "d": 500, "m": {"text": "梦", "fade_in": 0, "fade_out": 0}}]}]}"#,
    )
    .unwrap();
    let real = folder.join("real.mp4");
    cutline_ok(["edit", "--draft", path_str(&draft), "-o", path_str(&real)]);
    // The same text in a font without Chinese: four identical missing-glyph boxes.
    let boxes = folder.join("boxes.mp4");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args(["edit", "--draft", path_str(&draft), "-o", path_str(&boxes)])
        .env("CUTLINE_CACHE", testkit::fixtures_dir().join("cache"))
        .env(
            "CUTLINE_FONT",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // One character is shown every half second.
    let glyphs = |video: &std::path::Path| -> Vec<Vec<f64>> {
        [0.25, 0.75, 1.25, 1.75]
            .into_iter()
            .map(|t| {
                let (w, h, frame) = gray_frame_at(video, t);
                glyph_grid(&frame, w, h)
            })
            .collect()
    };
    let (_, most_different_boxes) = mismatch_range(&glyphs(&boxes));
    assert!(
        most_different_boxes < 0.2,
        "missing-glyph boxes look alike ({most_different_boxes:.2})"
    );
    let (least_different_glyphs, _) = mismatch_range(&glyphs(&real));
    eprintln!("missing-glyph boxes differ by at most {most_different_boxes:.2}, real glyphs by at least {least_different_glyphs:.2}");
    assert!(
        least_different_glyphs > 0.4,
        "two of the four characters look alike ({least_different_glyphs:.2}): boxes, not glyphs"
    );

    // The same characters as captions, which libass draws.
    let as_captions = std::fs::read_to_string(&draft)
        .unwrap()
        .replace(r#""fade_out": 0}"#, r#""fade_out": 0, "role": "caption"}"#);
    let caption_draft = folder.join("zh-captions.json");
    std::fs::write(&caption_draft, as_captions).unwrap();
    let captions = folder.join("captions.mp4");
    cutline_ok([
        "edit",
        "--draft",
        path_str(&caption_draft),
        "-o",
        path_str(&captions),
    ]);
    let (least_different_captions, _) = mismatch_range(&glyphs(&captions));
    assert!(
        least_different_captions > 0.4,
        "two of the four caption characters look alike ({least_different_captions:.2})"
    );
}

#[test]
fn filler_words_are_cut_and_the_other_words_stay() {
    let clip = talk(&specs::FILLER_TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("no-fillers.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        "--remove-fillers",
        "--language",
        "en",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    // Three fillers are spoken; the recogniser hears at least two of them.
    let removed: usize = summary
        .strip_prefix("Removed ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        removed >= 2 && summary.contains(" filler words ("),
        "{summary}"
    );
    let heard = cutline_ok([
        "transcribe",
        path_str(&out),
        "--language",
        "en",
        "--format",
        "txt",
    ]);
    let words: Vec<String> = heard
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .collect();
    for filler in ["um", "uh"] {
        assert!(
            !words.iter().any(|w| w == filler),
            "'{filler}' is still heard: {heard}"
        );
    }
    for kept in ["think", "should", "start", "video", "first", "music"] {
        assert!(
            words.iter().any(|w| w == kept),
            "'{kept}' was lost: {heard}"
        );
    }
    let before = testkit::measure::streams(&clip.path).duration_s();
    let after = testkit::measure::streams(&out).duration_s();
    assert!(after < before - 0.5, "{before:.2} s → {after:.2} s");
}

/// A word as captions are compared: lower case, letters and digits only.
fn plain(word: &str) -> String {
    word.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Regression: after trimming, a caption lost its last word ("directory." heard, not shown)
/// and a one-word caption ("path.") came 1.3 s late over silence. Every word of a clip whose
/// truth is kept word by word must be shown while it is heard (±150 ms), and no caption may
/// be up before its words or stay longer than its words and reading need.
#[test]
fn every_kept_word_is_captioned_while_it_is_heard() {
    const TOLERANCE_MS: i64 = 150;
    let spec = &specs::WORD_TALK;
    let clip = talk(spec);
    let scratch = testkit::scratch();
    let draft_path = scratch.path().join("words.json");
    let out = scratch.path().join("words.mp4");
    cutline_ok([
        "edit",
        path_str(&clip.path),
        "--trim-pauses",
        "--captions",
        "--language",
        "en",
        "--quality",
        "draft",
        "--save-draft",
        path_str(&draft_path),
        "-o",
        path_str(&out),
    ]);
    let draft = timeline::wire::from_json(&std::fs::read_to_string(&draft_path).unwrap()).unwrap();
    let main = &draft.tracks[0].segments;
    assert!(main.len() >= 3, "the pauses were trimmed: {main:?}");
    // Where a source moment plays in the output (None: it was cut).
    let output_ms = |source_ms: u64| {
        main.iter().find_map(|s| {
            let range = s.source_range();
            (range.start_ms <= source_ms && source_ms <= range.end_ms)
                .then(|| (s.start_ms + source_ms - range.start_ms) as i64)
        })
    };
    let words: Vec<(String, i64, i64)> = spec
        .sentences
        .iter()
        .zip(&clip.truth.speech)
        .map(|(text, &(start, end))| {
            let heard = output_ms(start).zip(output_ms(end));
            let (start, end) = heard.unwrap_or_else(|| panic!("'{text}' was cut"));
            (plain(text), start, end)
        })
        .collect();
    let cues = caption_cues(&draft);
    eprintln!("cues: {cues:#?}");
    eprintln!("words: {words:?}");

    // Each word in a caption on screen while it is heard, in order. The recogniser may
    // mishear a word ("Then" as "And"): the spoken and the shown words are aligned, and a
    // misheard word is still a shown word.
    let shown: Vec<(String, usize)> = cues
        .iter()
        .enumerate()
        .flat_map(|(n, cue)| cue.text.split_whitespace().map(move |w| (plain(w), n)))
        .collect();
    let spoken: Vec<&str> = words.iter().map(|(w, _, _)| w.as_str()).collect();
    let texts: Vec<&str> = shown.iter().map(|(w, _)| w.as_str()).collect();
    let aligned = align(&spoken, &texts);
    let mut worst_ms = 0;
    let mut cue_words: Vec<Vec<usize>> = vec![Vec::new(); cues.len()];
    for (n, (text, start, end)) in words.iter().enumerate() {
        let Some(at) = aligned[n] else {
            panic!("'{text}' ({start}–{end} ms) is in no caption: {cues:#?}");
        };
        let cue_index = shown[at].1;
        cue_words[cue_index].push(n);
        let cue = &cues[cue_index];
        let late = cue.start_ms as i64 - start;
        let early_end = end - cue.end_ms as i64;
        worst_ms = worst_ms.max(late).max(early_end);
        assert!(
            late <= TOLERANCE_MS && early_end <= TOLERANCE_MS,
            "'{text}' heard {start}–{end} ms, its caption {:?} is up {}–{} ms",
            cue.text,
            cue.start_ms,
            cue.end_ms
        );
    }
    // No caption before its words, nor on after them longer than reading needs (0.8 s at
    // least, 20 characters a second).
    for (cue, spoken) in cues.iter().zip(&cue_words) {
        let (Some(&first), Some(&last)) = (spoken.first(), spoken.last()) else {
            panic!("a caption of no spoken word, over silence: {cue:?}");
        };
        let early = words[first].1 - cue.start_ms as i64;
        worst_ms = worst_ms.max(early);
        assert!(
            early <= TOLERANCE_MS,
            "{:?} is up at {} ms, {early} ms before its first word",
            cue.text,
            cue.start_ms
        );
        let reading_ms = (cue.text.chars().count() as i64 * 50).max(800);
        let allowed_end = (words[last].2 + TOLERANCE_MS).max(cue.start_ms as i64 + reading_ms);
        assert!(
            cue.end_ms as i64 <= allowed_end,
            "{:?} stays up to {} ms; its last word ends at {} ms",
            cue.text,
            cue.end_ms,
            words[last].2
        );
    }
    eprintln!("worst caption timing error: {worst_ms} ms");
}

/// For each spoken word, the shown word it is aligned with (equal or misheard), or `None`
/// where it was left out: the least-edits alignment of the two sequences.
fn align(spoken: &[&str], shown: &[&str]) -> Vec<Option<usize>> {
    let (n, m) = (spoken.len(), shown.len());
    // cost[i][j]: edits to turn spoken[i..] into shown[j..].
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            cost[i][j] = if i == n {
                m - j
            } else if j == m {
                n - i
            } else {
                let pair = cost[i + 1][j + 1] + usize::from(spoken[i] != shown[j]);
                pair.min(cost[i + 1][j] + 1).min(cost[i][j + 1] + 1)
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut aligned = vec![None; n];
    while i < n && j < m {
        if cost[i][j] == cost[i + 1][j + 1] + usize::from(spoken[i] != shown[j]) {
            aligned[i] = Some(j);
            i += 1;
            j += 1;
        } else if cost[i][j] == cost[i + 1][j] + 1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    aligned
}

#[test]
fn the_alignment_finds_left_out_and_misheard_words() {
    let spoken = ["then", "type", "the", "path"];
    assert_eq!(
        align(&spoken, &["and", "type", "the", "path"]),
        [Some(0), Some(1), Some(2), Some(3)]
    );
    assert_eq!(
        align(&spoken, &["then", "type", "the"]),
        [Some(0), Some(1), Some(2), None]
    );
}

/// Regression: the cut of a filler followed the recogniser's times, which are tens of ms off:
/// the next word lost its onset and a tail of "uh" stayed. The "um" of this clip is known to
/// the millisecond and sits 30–40 ms from the words either side.
#[test]
fn a_filler_is_cut_whole_and_the_words_beside_it_keep_every_millisecond() {
    let clip = talk(&specs::UM_TALK);
    let scratch = testkit::scratch();
    let draft_path = scratch.path().join("no-um.json");
    let out = scratch.path().join("no-um.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        "--remove-fillers",
        "--language",
        "en",
        "--quality",
        "draft",
        "--save-draft",
        path_str(&draft_path),
        "-o",
        path_str(&out),
    ]);
    assert!(summary.contains("filler"), "{summary}");
    let draft = timeline::wire::from_json(&std::fs::read_to_string(&draft_path).unwrap()).unwrap();
    let kept: Vec<timeline::TimeRange> = draft.tracks[0]
        .segments
        .iter()
        .map(|s| s.source_range())
        .collect();
    let kept_of = |(start, end): (u64, u64)| -> u64 {
        let heard = timeline::TimeRange::new(start, end);
        kept.iter()
            .filter_map(|k| k.intersect(&heard))
            .map(|k| k.duration_ms())
            .sum()
    };
    let [before, um, after] = clip.truth.speech[..] else {
        panic!("three pieces of speech");
    };
    let um_left = kept_of(um);
    let before_lost = (before.1 - before.0) - kept_of(before);
    let after_lost = (after.1 - after.0) - kept_of(after);
    eprintln!(
        "um {um:?}: {um_left} ms of it kept; {before_lost} ms lost before it, \
         {after_lost} ms of the next word's start lost; kept {kept:?}"
    );
    assert!(um_left <= 5, "{um_left} ms of the um is still heard");
    assert_eq!(
        before_lost, 0,
        "the words before the um lost {before_lost} ms"
    );
    assert_eq!(after_lost, 0, "the words after the um lost {after_lost} ms");
}
