//! What cutline says is what it did: the parts of an instruction it cannot do are named and
//! nothing is rendered unless asked; what it says it did is measured in the file it wrote
//! (frame, caption size and place, music level and ducking, caption count, formats).

use testkit::measure::{audio_mono, bright_pixels, gray_frame_at, streams, tone_amplitude};
use testkit::talk::{specs, talk};
use testkit::tools::ffmpeg;

use crate::instructions::{longest_pause, tone_music, understanding, MUSIC_HZ, RATE};
use crate::{cutline, cutline_ok, path_str};

const TIKTOK: &str = "make it vertical for TikTok with big captions at the top, add the music quietly and lower it when I talk";
const TIKTOK_ZH: &str = "做成抖音竖屏，加大号字幕放在顶部，轻轻地加上音乐，说话的时候音乐小一点";

/// The bright (caption) pixels of a frame: how many, and the lowest row they reach.
fn caption_pixels(path: &std::path::Path, seconds: f64) -> (usize, u32) {
    let (w, h, frame) = gray_frame_at(path, seconds);
    let count = bright_pixels(&frame, w, (0, 0, w, h), 200);
    let lowest = (0..h)
        .rev()
        .find(|&y| bright_pixels(&frame, w, (0, y, w, y + 1), 200) > 0)
        .unwrap_or(0);
    (count, lowest)
}

#[test]
fn a_tiktok_instruction_gives_a_vertical_video_with_big_top_captions_and_quiet_ducked_music() {
    let clip = talk(&specs::DARK_TALK);
    let scratch = testkit::scratch();
    let music = tone_music(scratch.path());
    let out = scratch.path().join("tiktok.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        path_str(&music),
        TIKTOK,
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    eprintln!("{summary}");
    for said in [
        "Made it 9:16",
        "Captions at the top, bigger",
        "Added music at 15%",
        "lowered while you talk",
        "1080×1920",
    ] {
        assert!(summary.contains(said), "{said:?} not in: {summary}");
    }
    assert!(!summary.contains("Not done"), "{summary}");

    // The frame the reply names.
    let info = streams(&out);
    assert_eq!(
        (info.video().width, info.video().height),
        (Some(1080), Some(1920))
    );
    // As many captions as the reply says: the SRT beside the video holds the same cues.
    let srt = std::fs::read_to_string(out.with_extension("srt")).expect("captions file");
    let cues = srt.split("\n\n").filter(|c| c.contains("-->")).count();
    assert!(
        summary.contains(&format!("Added {cues} captions")),
        "{cues} cues, but: {summary}"
    );

    // Captions in the top third, larger than the default ones of the same words there.
    let reference = scratch.path().join("default.mp4");
    cutline_ok([
        "edit",
        path_str(&clip.path),
        "keep the first 6 seconds, make it vertical, add captions at the top",
        "--quality",
        "draft",
        "-o",
        path_str(&reference),
    ]);
    let first_words = clip.truth.speech[0];
    let during = (first_words.0 + first_words.1) as f64 / 2000.0;
    let (big, lowest) = caption_pixels(&out, during);
    let (normal, _) = caption_pixels(&reference, during);
    eprintln!("caption pixels at {during:.1} s: {big} big, {normal} default; lowest row {lowest}");
    assert!(big > 500, "only {big} caption pixels at {during:.1} s");
    assert!(
        lowest < 1920 / 3,
        "caption pixels reach row {lowest}, below the top third"
    );
    assert!(
        big as f64 > 1.4 * normal as f64,
        "big captions have {big} pixels, default ones {normal}"
    );

    // The music at the stated 15% where nobody talks, and lower under the speech.
    let source = audio_mono(&music, RATE);
    let source_level = tone_amplitude(&source[RATE as usize..RATE as usize * 5], RATE, MUSIC_HZ);
    let output = audio_mono(&out, RATE);
    let level = |from_ms: u64, to_ms: u64| {
        let at = |ms: u64| (ms * RATE as u64 / 1000) as usize;
        tone_amplitude(&output[at(from_ms)..at(to_ms)], RATE, MUSIC_HZ) / source_level
    };
    let (speech_end, next_start) = longest_pause(&clip.truth.speech);
    let in_pause = level(speech_end + 600, next_start - 50);
    let under_speech = level(speech_end - 1_100, speech_end - 100);
    eprintln!("music at {in_pause:.3} in a pause, {under_speech:.3} under speech");
    assert!(
        (in_pause - 0.15).abs() < 0.03,
        "music at {in_pause:.3} of its level in a pause, not the 15% said"
    );
    assert!(
        under_speech < 0.6 * in_pause,
        "music at {under_speech:.3} under speech and {in_pause:.3} in a pause: not lowered"
    );
}

#[test]
fn the_tiktok_instruction_in_chinese_gives_the_same_plan() {
    let english = understanding(TIKTOK);
    assert_eq!(english["kind"], "plan");
    let done: Vec<&str> = english["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["do"].as_str().unwrap())
        .collect();
    assert_eq!(done, ["aspect", "add_captions", "add_music"]);
    assert_eq!(english, understanding(TIKTOK_ZH));
}

#[test]
fn the_issues_misparse_is_understood_part_by_part() {
    let understood = understanding(
        "make it 9:16 for TikTok with big captions, remove the logo, export without music",
    );
    let steps = understood["steps"].as_array().unwrap();
    let done: Vec<String> = steps
        .iter()
        .map(|s| format!("{} {}", s["do"], s["what"]).replace('"', ""))
        .collect();
    assert_eq!(
        done,
        [
            "aspect null",
            "add_captions null",
            "remove logo",
            "remove music",
            "export null"
        ]
    );
    assert_eq!(steps[0]["aspect"], "9:16");
    assert!(steps[1]["size"].as_f64().unwrap() > 1.0);
    assert!(understood["not_done"].is_null());
}

#[test]
fn a_part_that_cannot_be_done_is_named_and_nothing_is_rendered_unless_asked() {
    let clip = talk(&specs::DARK_TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("out.mp4");
    let words = "trim the pauses and translate it to French";
    let output = cutline(["edit", path_str(&clip.path), words, "-o", path_str(&out)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("I can trim the pauses.")
            && stderr.contains(
                "Not done: “translate it to French” (offline I can only translate into English"
            )
            && stderr.contains("--apply-understood"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");

    // Asked to, it does the rest and still names what it did not do.
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        words,
        "--apply-understood",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    assert!(
        summary.contains("Removed") && summary.contains("Not done: “translate it to French”"),
        "{summary}"
    );
    assert!(streams(&out).duration_s() < clip.truth.duration_ms as f64 / 1000.0 - 2.0);

    // Nothing understood at all: nothing rendered, each part named.
    let output = cutline([
        "edit",
        path_str(&clip.path),
        "make a sandwich",
        "-o",
        path_str(&out),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("I changed nothing. “make a sandwich”: I don't know how to do that."),
        "{stderr}"
    );
}

/// A clip of `picture` (an ffmpeg source: "testsrc2=s=320x240:d=2") with `sound` (a file,
/// or a 440 Hz tone when `None`), as `name` in `folder`.
fn make_clip(
    folder: &std::path::Path,
    name: &str,
    picture: &str,
    sound: Option<&std::path::Path>,
) -> std::path::PathBuf {
    let clip = folder.join(name);
    let tone = "sine=frequency=440:duration=10".to_string();
    let sound_input: Vec<&str> = match sound {
        Some(file) => vec!["-i", path_str(file)],
        None => vec!["-f", "lavfi", "-i", &tone],
    };
    let mut args = vec!["-f", "lavfi", "-i", picture];
    args.extend(sound_input);
    args.extend([
        "-shortest",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        path_str(&clip),
    ]);
    ffmpeg(args);
    clip
}

#[test]
fn export_formats_are_what_they_say() {
    let scratch = testkit::scratch();
    let clip = make_clip(
        scratch.path(),
        "small.mp4",
        "testsrc2=s=320x240:r=30:d=2",
        None,
    );
    // By the output's name.
    for (name, video, audio) in [
        ("out.webm", Some("vp9"), Some("opus")),
        ("out.gif", Some("gif"), None),
        ("out.m4a", None, Some("aac")),
        ("out.mp3", None, Some("mp3")),
    ] {
        let out = scratch.path().join(name);
        let summary = cutline_ok(["edit", path_str(&clip), "-o", path_str(&out)]);
        let info = streams(&out);
        let codec = |kind: &str| {
            info.streams
                .iter()
                .find(|s| s.codec_type == kind)
                .and_then(|s| s.codec_name.clone())
        };
        assert_eq!(codec("video").as_deref(), video, "{name}: {summary}");
        assert_eq!(codec("audio").as_deref(), audio, "{name}: {summary}");
        assert!(
            (info.duration_s() - 2.0).abs() < 0.2,
            "{name} lasts {}",
            info.duration_s()
        );
    }
    // By the words: "export as GIF" with -o out.mp4 writes out.gif, and says so.
    let out = scratch.path().join("asked.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip),
        "export it as a GIF",
        "-o",
        path_str(&out),
    ]);
    let gif = scratch.path().join("asked.gif");
    assert!(summary.contains("asked.gif"), "{summary}");
    assert!(!out.exists(), "no MP4 in its place");
    let info = streams(&gif);
    assert_eq!(info.video().codec_name.as_deref(), Some("gif"));
    // A name of another kind is refused, not written as something else.
    let output = cutline([
        "edit",
        path_str(&clip),
        "-o",
        path_str(&scratch.path().join("x.mkv")),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains(".webm, .gif"));
}

#[test]
fn export_4k_from_a_1080p_clip_keeps_1080p_and_says_so() {
    let scratch = testkit::scratch();
    let clip = make_clip(
        scratch.path(),
        "hd.mp4",
        "testsrc2=s=1920x1080:r=30:d=1",
        None,
    );
    let out = scratch.path().join("4k.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip),
        "export 4k",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    assert!(
        summary.contains("Kept 1920×1080 instead of 2160p: the source is 1920×1080"),
        "{summary}"
    );
    let info = streams(&out);
    assert_eq!(
        (info.video().width, info.video().height),
        (Some(1920), Some(1080))
    );
}

#[test]
fn translated_captions_are_in_english_letters_whatever_is_spoken() {
    // Mandarin from espeak-ng (too synthetic for the small model to understand, but plainly
    // not English): captions of it are in Chinese characters, translated ones in English
    // letters only.
    let scratch = testkit::scratch();
    let speech = scratch.path().join("zh.wav");
    testkit::tools::run(
        "espeak-ng",
        [
            "-v",
            "cmn",
            "-w",
            path_str(&speech),
            "大家好，欢迎来到我们的节目。今天我们要讲怎么剪视频。",
        ],
    );
    let clip = make_clip(
        scratch.path(),
        "zh.mp4",
        "color=c=black:s=320x240:r=30",
        Some(&speech),
    );
    let captions_of = |words: &str, name: &str| {
        let out = scratch.path().join(name);
        let summary = cutline_ok([
            "edit",
            path_str(&clip),
            words,
            "--language",
            "zh",
            "--quality",
            "draft",
            "-o",
            path_str(&out),
        ]);
        let srt = std::fs::read_to_string(out.with_extension("srt")).expect("captions");
        let text: String = srt
            .lines()
            .filter(|l| !l.contains("-->") && l.parse::<u32>().is_err())
            .collect();
        (summary, text)
    };
    let (_, spoken) = captions_of("add captions", "spoken.mp4");
    assert!(
        spoken
            .chars()
            .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
        "{spoken}"
    );
    let (summary, translated) = captions_of("translate the captions to English", "english.mp4");
    assert!(
        summary.contains("in English, translated from what is said"),
        "{summary}"
    );
    assert!(
        !translated.is_empty() && translated.is_ascii(),
        "not English letters: {translated}"
    );
}
