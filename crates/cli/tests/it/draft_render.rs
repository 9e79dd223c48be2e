//! `cutline edit --draft`: the three-track example of DESIGN.md, measured.

use testkit::measure::{
    audio_channels, audio_mono, bright_pixels, db, gray_frame_at, is_faststart, rms, streams,
    tone_amplitude,
};
use testkit::tools::ffmpeg;

use crate::{cutline, cutline_ok, path_str, FRAME_S};

const DRAFT: &str = r#"{ "d": 10000, "m": {"w": 1920, "h": 1080, "fps": 30},
  "t": [
    {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "city.mp4", "s": 0, "in": 0, "d": 10000,
                                   "m": {"name": "city timelapse"}}]},
    {"id": "a1", "tt": 1, "sg": [{"id": "s2", "src": "media/lofi.m4a", "s": 0, "in": 0, "d": 10000,
                                   "m": {"name": "Lo-fi", "volume": 0.35}}]},
    {"id": "x1", "tt": 7, "sg": [{"id": "s3", "s": 0, "d": 3000,
                                   "m": {"text": "Urban Dreams", "role": "title"}}]}
  ] }"#;

#[test]
fn the_three_track_example_renders_with_music_at_its_level_and_the_title_in_its_place() {
    let scratch = testkit::scratch();
    let folder = scratch.path();
    std::fs::create_dir(folder.join("media")).unwrap();
    // A silent, dark "timelapse" (so the title's white is measurable) and a chord as music.
    testkit::dark_video(&folder.join("city.mp4"), 10);
    let music = folder.join("media/lofi.m4a");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "aevalsrc=0.2*sin(2*PI*220*t)+0.15*sin(2*PI*330*t)+0.1*sin(2*PI*440*t):s=48000:d=12",
        "-c:a",
        "aac",
        "-b:a",
        "192k",
        path_str(&music),
    ]);
    let draft = folder.join("urban.json");
    std::fs::write(&draft, DRAFT).unwrap();
    let out = folder.join("urban.mp4");
    cutline_ok(["edit", "--draft", path_str(&draft), "-o", path_str(&out)]);

    let info = streams(&out);
    assert!(
        (info.duration_s() - 10.0).abs() <= FRAME_S,
        "lasts {} s",
        info.duration_s()
    );
    assert_eq!(
        (info.video().width, info.video().height),
        (Some(1920), Some(1080))
    );
    assert_eq!(info.video().codec_name.as_deref(), Some("h264"));
    assert!(is_faststart(&out));

    let rate = 48_000;
    let middle = |samples: Vec<f32>| samples[rate as usize / 2..rate as usize * 19 / 2].to_vec();
    // The music is mono: it must sound at 35% of its level in each channel.
    let source = rms(&middle(audio_mono(&music, rate)));
    for (channel, samples) in ["left", "right"].iter().zip(audio_channels(&out, rate)) {
        let level = db(rms(&middle(samples)) / source);
        eprintln!("music in the {channel} channel at {level:.2} dB of its source");
        assert!(
            (level - db(0.35)).abs() < 0.5,
            "music in the {channel} channel at {level:.2} dB of its source, not {:.2} dB",
            db(0.35)
        );
    }

    // The title sits in the middle band of the frame for the first 3 s, and nowhere after.
    let band = (0, 1080 / 2 - 100, 1920, 1080 / 2 + 100);
    let (w, _, during) = gray_frame_at(&out, 1.5);
    let title_pixels = bright_pixels(&during, w, band, 200);
    assert!(
        title_pixels > 2_000,
        "only {title_pixels} bright pixels at 1.5 s"
    );
    for t in [3.5, 5.0, 9.0] {
        let (w, _, after) = gray_frame_at(&out, t);
        assert_eq!(
            bright_pixels(&after, w, (0, 0, 1920, 1080), 200),
            0,
            "title pixels at {t} s"
        );
    }
}

/// A phone's mono voice memo under a stereo clip: each is heard in both channels at its own
/// level (a mono source was once spread at −3 dB per channel).
#[test]
fn mono_and_stereo_sources_keep_their_own_level_in_each_channel() {
    let scratch = testkit::scratch();
    let folder = scratch.path();
    // A clip whose channels differ (440 Hz left, 660 Hz right) and a mono memo at 330 Hz.
    let clip = folder.join("clip.mp4");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=320x180:r=30:d=4",
        "-f",
        "lavfi",
        "-i",
        "aevalsrc=0.2*sin(2*PI*440*t)|0.1*sin(2*PI*660*t):c=stereo:s=48000:d=4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-b:a",
        "192k",
        "-shortest",
        path_str(&clip),
    ]);
    let memo = folder.join("memo.m4a");
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        "aevalsrc=0.25*sin(2*PI*330*t):c=mono:s=48000:d=5",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        path_str(&memo),
    ]);
    assert_eq!(streams(&memo).audio().channels, Some(1));
    let draft = folder.join("memo.json");
    std::fs::write(
        &draft,
        r#"{ "d": 4000, "m": {"w": 320, "h": 180, "fps": 30},
  "t": [
    {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "clip.mp4", "s": 0, "in": 0, "d": 4000}]},
    {"id": "a1", "tt": 1, "sg": [{"id": "s2", "src": "memo.m4a", "s": 0, "in": 0, "d": 4000}]}
  ] }"#,
    )
    .unwrap();
    let out = folder.join("out.mp4");
    cutline_ok([
        "edit",
        "--draft",
        path_str(&draft),
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);

    let rate = 48_000;
    let middle = |samples: &[f32]| samples[rate as usize / 2..rate as usize * 7 / 2].to_vec();
    let tone = |samples: &[f32], hz: f64| tone_amplitude(&middle(samples), rate, hz);
    let clip_channels = audio_channels(&clip, rate);
    let memo_level = tone(&audio_mono(&memo, rate), 330.0);
    let out_channels = audio_channels(&out, rate);
    assert_eq!(out_channels.len(), 2);
    for (n, (name, hz)) in [("left", 440.0), ("right", 660.0)].into_iter().enumerate() {
        let clip_db = db(tone(&out_channels[n], hz) / tone(&clip_channels[n], hz));
        let memo_db = db(tone(&out_channels[n], 330.0) / memo_level);
        eprintln!("{name}: the stereo clip at {clip_db:+.2} dB, the mono memo at {memo_db:+.2} dB");
        assert!(
            clip_db.abs() < 0.5,
            "the stereo clip's {name} channel at {clip_db:+.2} dB of its source"
        );
        assert!(
            memo_db.abs() < 0.5,
            "the mono memo in the {name} channel at {memo_db:+.2} dB of its source"
        );
        // Each channel of the clip stays on its own side.
        let other_hz = if n == 0 { 660.0 } else { 440.0 };
        assert!(tone(&out_channels[n], other_hz) < 0.01 * tone(&out_channels[n], hz));
    }
}

#[test]
fn a_draft_with_a_missing_source_or_an_overlap_is_refused_before_rendering() {
    let scratch = testkit::scratch();
    let draft = scratch.path().join("broken.json");
    let out = scratch.path().join("out.mp4");
    std::fs::write(&draft, DRAFT).unwrap();
    let output = cutline(["edit", "--draft", path_str(&draft), "-o", path_str(&out)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("segment s1") && stderr.contains("no such file"),
        "{stderr}"
    );

    let overlapping = r#"{"d": 2000, "m": {"w": 640, "h": 360}, "t": [{"id": "x", "tt": 7, "sg": [
        {"id": "a", "s": 0, "d": 1500, "m": {"text": "one"}},
        {"id": "b", "s": 1000, "d": 1000, "m": {"text": "two"}}]}]}"#;
    std::fs::write(&draft, overlapping).unwrap();
    let output = cutline(["edit", "--draft", path_str(&draft), "-o", path_str(&out)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("segments a and b overlap on track x"),
        "{stderr}"
    );
    assert!(!out.exists());
}
