//! `cutline edit FILES "instruction"` and `cutline plan`: plain words in, the edits measured.

use testkit::measure::{audio_mono, bright_pixels, gray_frame_at, streams, tone_amplitude};
use testkit::talk::{specs, talk};
use testkit::tools::ffmpeg;

use crate::{cutline_ok, path_str};

const ENGLISH: &str = "trim the pauses, add lo-fi music at 35%, make it 9:16 and add the title 'Urban Dreams' for the first 3 seconds";
const CHINESE: &str = "剪掉停顿，加上lofi音乐35%，改成9:16，前3秒加标题“Urban Dreams”";

/// The "music": a 5 kHz tone (far from the speech, so its level can be read under it),
/// 6 seconds long, so it has to loop under the talk.
pub const MUSIC_HZ: f64 = 5_000.0;

/// Writes the "music" into `folder`.
pub fn tone_music(folder: &std::path::Path) -> std::path::PathBuf {
    let music = folder.join("music.mp3");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency={MUSIC_HZ}:sample_rate=48000:duration=6"),
        "-af",
        "volume=0.5",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "192k",
        path_str(&music),
    ]);
    music
}

/// The tone's level in an edit of `clip` with the tone given as its audio file.
struct Heard {
    output: Vec<f32>,
    source_level: f64,
    _scratch: testkit::TempDir,
}

pub const RATE: u32 = 48_000;

impl Heard {
    /// The tone's amplitude between two times of the output, in seconds.
    fn level(&self, from_s: f64, to_s: f64) -> f64 {
        let at = |s: f64| (s * RATE as f64) as usize;
        tone_amplitude(&self.output[at(from_s)..at(to_s)], RATE, MUSIC_HZ)
    }
}

fn tone_under_talk(clip: &std::path::Path, instruction: &str) -> Heard {
    let scratch = testkit::scratch();
    let tone = tone_music(scratch.path());
    let out = scratch.path().join("out.mp4");
    cutline_ok([
        "edit",
        path_str(clip),
        path_str(&tone),
        instruction,
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    let source = audio_mono(&tone, RATE);
    Heard {
        output: audio_mono(&out, RATE),
        source_level: tone_amplitude(&source[RATE as usize..RATE as usize * 5], RATE, MUSIC_HZ),
        _scratch: scratch,
    }
}

#[test]
fn an_instruction_in_words_trims_adds_music_reframes_and_titles() {
    let clip = talk(&specs::DARK_TALK);
    let scratch = testkit::scratch();
    let music = tone_music(scratch.path());
    let out = scratch.path().join("urban.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        path_str(&music),
        ENGLISH,
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    assert!(
        summary.contains("Removed") && summary.contains("Added music at 35%, looped"),
        "{summary}"
    );

    let input = streams(&clip.path).duration_s();
    let info = streams(&out);
    let duration = info.duration_s();
    assert!(
        duration < input - 2.0,
        "{duration} s is not shorter than {input} s"
    );
    assert_eq!(
        (info.video().width, info.video().height),
        (Some(1080), Some(1920))
    );

    // The music under the speech at 35% of its own level, all the way through (looped).
    let rate = 48_000;
    let level = |samples: &[f32]| tone_amplitude(samples, rate, MUSIC_HZ);
    let source = level(&audio_mono(&music, rate)[rate as usize..rate as usize * 5]);
    let output = audio_mono(&out, rate);
    for (from, to) in [(1.0, 5.0), (duration - 5.0, duration - 1.0)] {
        let part = &output[(from * rate as f64) as usize..(to * rate as f64) as usize];
        let ratio = level(part) / source;
        assert!(
            (ratio - 0.35).abs() < 0.04,
            "music at {ratio:.3} of its level in {from:.0}–{to:.0} s"
        );
    }

    // The title in the middle of the frame for the first 3 s only.
    let band = (0, 1920 / 2 - 200, 1080, 1920 / 2 + 200);
    let (w, _, during) = gray_frame_at(&out, 1.5);
    let title = bright_pixels(&during, w, band, 200);
    assert!(title > 1_000, "only {title} title pixels at 1.5 s");
    for t in [3.5, duration - 1.0] {
        let (w, h, after) = gray_frame_at(&out, t);
        assert_eq!(
            bright_pixels(&after, w, (0, 0, w, h), 200),
            0,
            "title pixels at {t:.1} s"
        );
    }
}

/// The longest pause between two sentences: (where the speech before it ends, where the
/// next starts), in ms.
pub fn longest_pause(speech: &[(u64, u64)]) -> (u64, u64) {
    speech
        .windows(2)
        .map(|pair| (pair[0].1, pair[1].0))
        .max_by_key(|(end, start)| start - end)
        .expect("two sentences")
}

#[test]
fn ducked_music_dips_under_the_speech_and_comes_back_in_the_pauses() {
    let clip = talk(&specs::DARK_TALK);
    let heard = tone_under_talk(&clip.path, "add music at 50%, ducked under the speech");
    let level =
        |from_ms: u64, to_ms: u64| heard.level(from_ms as f64 / 1000.0, to_ms as f64 / 1000.0);
    // The longest pause (after its first half second, when the music is back up) against
    // the second of speech before it.
    let (speech_end, next_start) = longest_pause(&clip.truth.speech);
    let in_pause = level(speech_end + 600, next_start - 50);
    let under_speech = level(speech_end - 1_100, speech_end - 100);
    eprintln!("music under speech {under_speech:.4}, in the pause {in_pause:.4}");
    assert!(
        under_speech < 0.6 * in_pause,
        "music {under_speech:.4} under speech, {in_pause:.4} in the pause: not ducked"
    );
}

#[test]
fn several_videos_play_in_turn_and_words_move_a_clip() {
    let scratch = testkit::scratch();
    let dark = scratch.path().join("dark.mp4");
    testkit::dark_video(&dark, 3);
    let red = scratch.path().join("red.mp4");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=640x360:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:duration=2",
        "-shortest",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        path_str(&red),
    ]);
    let out = scratch.path().join("moved.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&dark),
        path_str(&red),
        "把最后一段移到开头",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    assert!(summary.contains("已移动片段"), "{summary}");
    assert!(
        (streams(&out).duration_s() - 5.0).abs() <= crate::FRAME_S,
        "both clips play"
    );
    let red_share = |t: f64| {
        let (_, _, frame) = testkit::measure::rgb_frame_at(&out, t);
        let red = frame
            .chunks(3)
            .filter(|p| p[0] > 200 && p[1] < 60 && p[2] < 60)
            .count();
        red as f64 / (frame.len() / 3) as f64
    };
    assert!(red_share(0.5) > 0.9, "the red clip comes first now");
    assert!(red_share(3.5) < 0.01, "then the dark one");

    // A crossfade blends the dark clip into the red one over its first second.
    let faded = scratch.path().join("faded.mp4");
    cutline_ok([
        "edit",
        path_str(&dark),
        path_str(&red),
        "add a 1 second crossfade between the clips",
        "--quality",
        "draft",
        "-o",
        path_str(&faded),
    ]);
    assert!(
        (streams(&faded).duration_s() - 5.0).abs() <= crate::FRAME_S,
        "no time lost"
    );
    let red_level = |t: f64| {
        let (_, _, frame) = testkit::measure::rgb_frame_at(&faded, t);
        frame.chunks(3).map(|p| p[0] as f64).sum::<f64>() / (frame.len() / 3) as f64
    };
    let (before, middle, after) = (red_level(2.5), red_level(3.5), red_level(4.5));
    assert!(
        before < 50.0 && after > 240.0,
        "{before:.0} before, {after:.0} after"
    );
    assert!(
        (middle - (before + after) / 2.0).abs() < 30.0,
        "halfway through the crossfade red is {middle:.0}, not between {before:.0} and {after:.0}"
    );
}

#[test]
fn an_image_opens_the_video_when_the_words_say_so() {
    let scratch = testkit::scratch();
    let clip = scratch.path().join("dark.mp4");
    testkit::dark_video(&clip, 3);
    let card = scratch.path().join("card.png");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "color=c=yellow:s=800x600:d=1",
        "-frames:v",
        "1",
        path_str(&card),
    ]);
    let out = scratch.path().join("intro.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip),
        path_str(&card),
        "use the image as a 2-second intro",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    assert!(
        summary.contains("Showed the image for 2.0 s at the start"),
        "{summary}"
    );
    assert!((streams(&out).duration_s() - 5.0).abs() <= crate::FRAME_S);
    let yellow = |t: f64| {
        let (w, h, frame) = testkit::measure::rgb_frame_at(&out, t);
        testkit::measure::yellow_pixels(&frame, w, (0, 0, w, h)).0 as f64 / (w * h) as f64
    };
    assert!(
        yellow(1.0) > 0.5,
        "the image fills the first 2 s (fitted to the 16:9 frame)"
    );
    assert!(yellow(3.0) < 0.01, "then the clip plays");
}

#[test]
fn a_logo_sits_in_the_corner_the_words_name() {
    let scratch = testkit::scratch();
    let clip = scratch.path().join("dark.mp4");
    testkit::dark_video(&clip, 2);
    let logo = scratch.path().join("logo.png");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=200x200:d=1",
        "-frames:v",
        "1",
        path_str(&logo),
    ]);
    let out = scratch.path().join("logo.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip),
        path_str(&logo),
        "在右上角加水印",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    assert!(summary.contains("右上角"), "{summary}");
    let (w, h, frame) = testkit::measure::rgb_frame_at(&out, 1.0);
    let red_in = |x0: u32, y0: u32, x1: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| 3 * (y * w + x) as usize))
            .filter(|&i| frame[i] > 200 && frame[i + 1] < 60 && frame[i + 2] < 60)
            .count()
    };
    // 15% of 640 wide: a 96-pixel square in the top right, 3% in from the edges.
    let logo_side = 96;
    let in_corner = red_in(w / 2, 0, w, h / 2);
    assert!(
        (in_corner as i64 - logo_side * logo_side).abs() < logo_side * logo_side / 10,
        "{in_corner} red pixels in the top right, not a {logo_side}-pixel square"
    );
    assert_eq!(
        red_in(0, 0, w / 2, h) + red_in(w / 2, h / 2, w, h),
        0,
        "red elsewhere"
    );
}

#[test]
fn loudness_and_colour_from_words_are_measured_in_the_output() {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("loud-grey.mp4");
    cutline_ok([
        "edit",
        path_str(&clip.path),
        "normalize the loudness and make it black and white",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    let before = testkit::measure::integrated_loudness(&clip.path);
    let after = testkit::measure::integrated_loudness(&out);
    assert!(
        (after + 14.0).abs() <= 1.0,
        "{after:.1} LUFS, not -14 (the source was {before:.1})"
    );
    // The test picture is full of colour; black and white leaves every pixel grey.
    let (_, _, frame) = testkit::measure::rgb_frame_at(&out, 1.0);
    let most_colourful = frame
        .chunks(3)
        .map(|p| p.iter().max().unwrap() - p.iter().min().unwrap())
        .max()
        .unwrap();
    assert!(
        most_colourful <= 12,
        "a pixel {most_colourful} levels away from grey"
    );
}

#[test]
fn a_voice_over_plays_once_from_where_the_words_say() {
    let clip = talk(&specs::DARK_TALK);
    let heard = tone_under_talk(&clip.path, "add the voice-over from 0:02");
    let level = |from_s, to_s| heard.level(from_s, to_s) / heard.source_level;
    let (before, during, after) = (level(0.2, 1.8), level(3.0, 7.0), level(8.5, 12.0));
    assert!(
        (during - 1.0).abs() < 0.1,
        "the voice-over at {during:.2} of its level, not 1"
    );
    assert!(
        before < 0.05 && after < 0.05,
        "heard before ({before:.2}) or after ({after:.2}) it plays"
    );
}

/// What `cutline plan --json` understood of `instruction`.
pub fn understanding(instruction: &str) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_str(&cutline_ok(["plan", instruction, "--json"])).unwrap();
    json["understanding"].clone()
}

#[test]
fn the_same_instruction_in_chinese_gives_the_same_plan() {
    let plan = understanding;
    let english = plan(ENGLISH);
    assert_eq!(english["kind"], "plan");
    assert_eq!(english["steps"].as_array().map(Vec::len), Some(4));
    assert_eq!(english, plan(CHINESE));
}
