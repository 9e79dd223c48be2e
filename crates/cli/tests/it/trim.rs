//! `cutline edit --trim-pauses`: sync at every cut, the saved draft, the summary.

use testkit::measure::{audio_mono, gray_frames, streams, tone_onset};
use testkit::talk::{specs, talk};

use crate::{cutline_ok, path_str, FRAME_S};

#[test]
fn the_flash_and_the_beep_stay_together_after_the_pauses_before_them_are_cut() {
    let clip = talk(&specs::MARKER_TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("trimmed.mp4");
    cutline_ok([
        "edit",
        path_str(&clip.path),
        "--trim-pauses",
        "-o",
        path_str(&out),
    ]);

    let frames = gray_frames(&out, 32, 24);
    let brightness: Vec<f64> = frames
        .iter()
        .map(|f| f.iter().map(|&p| p as f64).sum::<f64>() / f.len() as f64)
        .collect();
    let (flash, peak) =
        brightness.iter().enumerate().fold(
            (0, 0.0),
            |best, (i, &b)| if b > best.1 { (i, b) } else { best },
        );
    assert!(peak > 200.0, "no flash frame found (brightest {peak:.0})");
    assert_eq!(
        brightness.iter().filter(|&&b| b > 150.0).count(),
        1,
        "one flash frame"
    );
    let flash_s = flash as f64 * FRAME_S;

    let beep_s = tone_onset(&audio_mono(&out, 48_000), 48_000, 1_000.0).expect("the beep is heard");
    let marker_s = clip.truth.marker_ms.unwrap() as f64 / 1000.0;
    assert!(
        marker_s - flash_s > 1.5,
        "pauses before the marker were cut (marker at {marker_s:.3} s in the source, {flash_s:.3} s in the output)"
    );
    assert!(
        (beep_s - flash_s).abs() <= FRAME_S,
        "beep at {beep_s:.3} s, flash at {flash_s:.3} s: more than one frame apart"
    );
}

#[test]
fn a_saved_draft_renders_the_same_video_again() {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let (first, second) = (
        scratch.path().join("first.mp4"),
        scratch.path().join("second.mp4"),
    );
    let draft = scratch.path().join("edit.json");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        "--trim-pauses",
        "--save-draft",
        path_str(&draft),
        "-o",
        path_str(&first),
    ]);
    let line = summary.trim();
    assert_eq!(summary.lines().count(), 1, "one summary line: {summary}");
    let pauses = clip
        .truth
        .pauses()
        .iter()
        .filter(|(s, e)| e - s > 500)
        .count();
    assert!(
        line.starts_with(&format!("Removed {pauses} pauses (")),
        "{line}"
    );
    let before = timeline::format_clock(clip.truth.duration_ms);
    assert!(line.contains(&format!("{before} → ")), "{line}");

    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&draft).unwrap()).unwrap();
    assert_eq!(saved["v"], 2);
    let src = saved["t"][0]["sg"][0]["src"].as_str().unwrap();
    assert!(
        src.ends_with("talk-v1-room.mp4") && !src.starts_with('/'),
        "a relative path: {src}"
    );
    let draft_ms = saved["d"].as_u64().unwrap();

    cutline_ok(["edit", "--draft", path_str(&draft), "-o", path_str(&second)]);
    let (a, b) = (streams(&first), streams(&second));
    assert!(
        (a.duration_s() - draft_ms as f64 / 1000.0).abs() <= FRAME_S,
        "{} vs {draft_ms} ms",
        a.duration_s()
    );
    let after = timeline::format_clock(draft_ms);
    assert!(
        line.contains(&format!("{before} → {after}. · wrote")),
        "{line}"
    );
    assert!((a.duration_s() - b.duration_s()).abs() < 1e-3);
    assert_eq!(
        md5_of_video(&first),
        md5_of_video(&second),
        "the same frames"
    );
}

fn md5_of_video(path: &std::path::Path) -> String {
    let out = testkit::tools::ffmpeg(["-i", path_str(path), "-map", "0:v", "-f", "md5", "pipe:1"]);
    String::from_utf8(out).unwrap()
}

#[test]
fn the_output_is_clean_h264_and_aac_with_faststart() {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("clean.mp4");
    cutline_ok([
        "edit",
        path_str(&clip.path),
        "--speed",
        "1.25",
        "--volume",
        "0.8",
        "--fade-in",
        "0.5",
        "--fade-out",
        "1",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    let info = streams(&out);
    let video = info.video();
    assert_eq!(video.codec_name.as_deref(), Some("h264"));
    assert_eq!(video.pix_fmt.as_deref(), Some("yuv420p"));
    assert_eq!((video.width, video.height), (Some(320), Some(240)));
    let audio = info.audio();
    assert_eq!(audio.codec_name.as_deref(), Some("aac"));
    assert_eq!(audio.sample_rate.as_deref(), Some("48000"));
    assert_eq!(audio.channels, Some(2));
    assert!(testkit::measure::is_faststart(&out));
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(
        mode & 0o777,
        0o644,
        "an ordinary file, not a private temporary one"
    );
    // The clip's length as its container gives it (its picture runs 10 ms past its sound),
    // played 1.25 times as fast: the frames of the grid that start inside it.
    let expected_s = testkit::measure::streams(&clip.path).duration_s() / 1.25;
    assert!(
        (info.duration_s() - expected_s).abs() <= FRAME_S + 0.001,
        "{} vs {expected_s}",
        info.duration_s()
    );
    // Faded from black: the first frame is dark, a middle one is not.
    let frames = gray_frames(&out, 16, 12);
    let mean = |f: &Vec<u8>| f.iter().map(|&p| p as f64).sum::<f64>() / f.len() as f64;
    assert!(mean(&frames[0]) < 20.0 && mean(&frames[frames.len() / 2]) > 60.0);
}
